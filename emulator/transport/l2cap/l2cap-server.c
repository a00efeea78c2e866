// SPDX-License-Identifier: GPL-2.0-or-later
/* The L2CAP transport (docs/bluez.md "The L2CAP transport"): the band's own
 * ATT server on the kernel's L2CAP LE socket for the ATT fixed channel of
 * one adapter, as a peripheral does it; advertising and the address
 * through the management interface.  The kernel does the link layer and
 * SMP; bluetoothd may keep running (it stays the agent for pairing and
 * serves the other adapters) but never gets an ATT channel on the band's
 * links, because the band's listener is bound to the adapter's own
 * address and the kernel hands a link's fixed channel to one listener. */
#include "transport/transport.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "adv.h"
#include "bandstate.h"
#include "hr.h"
#include "power.h"
#include "profile.h"
#include "session.h"
#include "tick.h"
#include "transport/l2cap/agent.h"
#include "transport/l2cap/bt-abi.h"
#include "transport/l2cap/hcilinks.h"
#include "transport/l2cap/mgmt.h"
#include "transport/seqlink.h"

/* How often the advertising data is read again: the day's steps and the
 * heart-rate byte in it change with band time (as bluez-advertising.c). */
#define REFRESH_S 1
/* The link socket's receive buffer.  On the air nothing the band has not
 * read yet is lost: its controller holds the central's packets back
 * (link-layer flow control).  The kernel's ATT socket has no flow control
 * and drops a PDU that finds its receive buffer full, so a burst of Write
 * Commands faster than the band reads them lost most of them: a firmware
 * image at ATT_MTU 23 is 3,277 Write Commands of about 700 bytes of
 * kernel memory each, and the default buffer (rmem_default, 208 KiB)
 * kept 735 of them in the VM (MB4/FW/BV-04).  The kernel doubles it. */
#define LINK_RCVBUF (4 * 1024 * 1024)
/* Links the controller may report before the band has seen them end: the
 * band stops advertising once it takes one, so a few at most. */
#define AIR_LINKS_MAX 8
#define NO_HANDLE (-1)

/* A link the controller reported (hcilinks.h), until it ends; attached
 * once its ATT channel is the band's link. */
struct air_link {
	uint16_t handle;
	bool attached;
	uint8_t peer[6]; /* as on the air */
	uint8_t peer_type;
};

struct l2cap_server {
	struct transport base;
	struct mb_band *band;
	char *adapter;
	const struct transport_callbacks *cb;
	void *user_data;
	struct bt_mgmt *mgmt;
	struct l2cap_agent *agent;
	uint8_t address[6]; /* the band's, on the adapter: air order */
	/* The adapter's settings before the band took it (the first take),
	 * given back when the band goes: give_back_adapter(). */
	uint32_t found;
	bool taken;
	int listen_fd;
	guint listen_id;
	struct seqlink *link;
	int link_fd;
	uint8_t peer[6]; /* the central's address and type, while linked */
	uint8_t peer_type;
	/* The controller's word on links; NULL: they are learnt by accept()
	 * alone (no CAP_NET_RAW), and a link that ends before the band
	 * takes its channel goes unseen. */
	struct bt_hci_links *hci;
	struct air_link air[AIR_LINKS_MAX];
	size_t n_air;
	/* While a channel is being accepted: its link's handle, and whether
	 * the controller's events read meanwhile had it up. */
	int accepting;
	bool accepting_up;
	/* what is on the air, so that only a change is sent */
	bool advertising;
	uint8_t adv[31], rsp[31];
	size_t adv_len, rsp_len;
	guint refresh_id;
};

static void status(struct l2cap_server *s, const char *what)
{
	transport_status(s->cb, s->user_data, what);
}

static void warn(const char *what, GError *error)
{
	g_warning("%s: %s", what, error->message);
	g_error_free(error);
}

/* The band's address in display order (E1:...) is the reverse of the
 * air's. */
static void band_address(const struct mb_band *band, uint8_t air[6])
{
	const uint8_t *a = mb_band_state(band)->address;

	for (int i = 0; i < 6; i++)
		air[i] = a[5 - i];
}

/* ---- bonds: the kernel's SMP pairs and encrypts, the band keeps ------- */

/* A band that keeps no bonds (bond-slots = 0) pairs without bonding. */
static uint8_t bondable(const struct l2cap_server *s)
{
	return mb_profile_policy(mb_band_profile(s->band))->bond_slots > 0;
}

/* LE Secure Connections where the controller has it (Just Works either
 * way: the band has no display and no keyboard). */
static void secure_connections(struct l2cap_server *s)
{
	GError *error = NULL;

	if (!bt_mgmt_set_mode(s->mgmt, BT_MGMT_OP_SET_SECURE_CONN, 1, &error)) {
		g_info("%s: no LE Secure Connections, legacy pairing only: %s",
		       s->adapter, error->message);
		g_error_free(error);
	}
}

/* The controller's keys are the band's bonds, no more: the kernel then
 * answers a central whose bond the band dropped (a reset, a full set of
 * slots) with no key, which the central sees as PIN or Key Missing, the
 * ghost pairing. */
static bool load_keys(struct l2cap_server *s, GError **error)
{
	const struct mb_band_state *st = mb_band_state(s->band);
	struct bt_mgmt_ltk keys[MB_BONDS_MAX];

	for (size_t i = 0; i < st->n_bonds; i++) {
		const struct mb_bond *b = &st->bonds[i];
		struct bt_mgmt_ltk *k = &keys[i];

		*k = (struct bt_mgmt_ltk){
			.address_type = b->peer_random ? BT_ADDR_LE_RANDOM
						       : BT_ADDR_LE_PUBLIC,
			.key_type = b->legacy ? BT_MGMT_LTK_LEGACY_UNAUTH
					      : BT_MGMT_LTK_P256_UNAUTH,
			.enc_size = 16,
			.ediv = b->ediv,
			.rand = b->rand,
		};
		for (int j = 0; j < 6; j++)
			k->address[j] = b->peer[5 - j];
		memcpy(k->value, b->ltk, 16);
	}
	return bt_mgmt_load_ltks(s->mgmt, keys, st->n_bonds, error);
}

static void keys_changed(struct l2cap_server *s)
{
	GError *error = NULL;

	if (!load_keys(s, &error)) {
		g_warning("%s: the controller's keys: %s", s->adapter,
			  error->message);
		g_error_free(error);
	}
}

/* A pairing with bonding completed: the key the band answers with when
 * the central encrypts.  Legacy pairing hands over a key for each role;
 * the band, a peripheral, keeps the one it gave (not the central's). */
static void new_key(const struct bt_mgmt_ltk *k, void *user_data)
{
	struct l2cap_server *s = user_data;
	struct mb_bond bond = {
		.peer_random = k->address_type == BT_ADDR_LE_RANDOM,
		.legacy = k->key_type == BT_MGMT_LTK_LEGACY_UNAUTH ||
			  k->key_type == BT_MGMT_LTK_LEGACY_UNAUTH + 1,
		.ediv = k->ediv,
		.rand = k->rand,
	};

	if (bond.legacy && k->central)
		return;
	for (int i = 0; i < 6; i++)
		bond.peer[i] = k->address[5 - i];
	memcpy(bond.ltk, k->value, 16);
	mb_session_keep_bond(mb_band_session(s->band), &bond);
	memset(&bond, 0, sizeof(bond));
	/* What the band keeps is what the controller answers with. */
	keys_changed(s);
}

/* The link's security as the kernel has it: encrypted once a central
 * that the controller found a key for started encryption. */
static bool check_security(struct seqlink *l, const uint8_t *pdu, size_t len,
			   void *user_data)
{
	struct l2cap_server *s = user_data;
	struct bt_security_opt sec = { 0 };
	socklen_t sl = sizeof(sec);

	if (s->link_fd >= 0 &&
	    getsockopt(s->link_fd, BT_SOL, BT_OPT_SECURITY, &sec, &sl) == 0 &&
	    sec.level >= BT_SECURITY_LEVEL_MEDIUM)
		mb_session_link_encrypted(mb_band_session(s->band));
	return false; /* the PDU is the band's to answer */
}

/* Without an agent bluetoothd refuses the kernel's request to confirm
 * a Just Works pairing: the band is its own.  No bluetoothd, no agent:
 * pairing is then the kernel's alone (it asks nobody when it needs no
 * confirmation). */
static void take_agent(struct l2cap_server *s)
{
	GError *error = NULL;

	s->agent = l2cap_agent_new(s->adapter, &error);
	if (!s->agent) {
		g_info("%s: no pairing agent registered with bluetoothd (%s): "
		       "a central's pairing may be refused",
		       s->adapter, error->message);
		g_error_free(error);
	}
}

/* ---- the adapter ------------------------------------------------------ */

/* Powered off, LE only (so that the kernel uses the static address as
 * the identity: with BR/EDR on it keeps the public one), the band's
 * random static address, bondable, powered on again. */
#define POWER_ON_TRIES 20
#define POWER_ON_PAUSE_US (50 * 1000)

static bool take_adapter(struct l2cap_server *s, GError **error)
{
	struct bt_mgmt_info info;

	band_address(s->band, s->address);
	/* The power cycle below ends every link, and a kernel that closes
	 * the controller can drop them with no Disconnection Complete: a
	 * handle left in the table would hide the next link on it. */
	s->n_air = 0;
	if (!bt_mgmt_read_info(s->mgmt, &info, error))
		return false;
	if (!s->taken) {
		s->found = info.current;
		s->taken = true;
	}
	if (!(info.supported & BT_MGMT_SETTING_LE)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    "%s: the controller has no LE", s->adapter);
		return false;
	}
	if (info.current & BT_MGMT_SETTING_POWERED &&
	    !bt_mgmt_set_mode(s->mgmt, BT_MGMT_OP_SET_POWERED, 0, error))
		return false;
	if (!bt_mgmt_set_mode(s->mgmt, BT_MGMT_OP_SET_LE, 1, error))
		return false;
	if (info.supported & BT_MGMT_SETTING_BREDR &&
	    !bt_mgmt_set_mode(s->mgmt, BT_MGMT_OP_SET_BREDR, 0, error))
		return false;
	if (!bt_mgmt_set_static_address(s->mgmt, s->address, error) ||
	    !bt_mgmt_set_mode(s->mgmt, BT_MGMT_OP_SET_BONDABLE, bondable(s),
			      error) ||
	    !bt_mgmt_set_mode(s->mgmt, BT_MGMT_OP_SET_IO_CAPABILITY,
			      BT_MGMT_IO_NO_INPUT_NO_OUTPUT, error) ||
	    !load_keys(s, error))
		return false;
	secure_connections(s);
	/* Read back, and asked for again: in the VM's tier 3 a band once
	 * stayed off the air after a factory reset (MB4/SAFE/BV-01, l2cap
	 * pass), every mgmt command of the move answered with success and
	 * no power-on in the capture.  Set Powered answers at once, with the
	 * settings as they are, when the kernel counts the controller as
	 * powered already. */
	for (int tries = 0; tries < POWER_ON_TRIES; tries++) {
		if (!bt_mgmt_set_mode(s->mgmt, BT_MGMT_OP_SET_POWERED, 1,
				      error) ||
		    !bt_mgmt_read_info(s->mgmt, &info, error))
			return false;
		if (info.current & BT_MGMT_SETTING_POWERED)
			return true;
		g_info("%s: not powered after Set Powered; asking again",
		       s->adapter);
		g_usleep(POWER_ON_PAUSE_US);
	}
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		    "%s: still off after %d power-on requests", s->adapter,
		    POWER_ON_TRIES);
	return false;
}

/* ---- advertising ------------------------------------------------------ */

static void stop_advertising(struct l2cap_server *s)
{
	GError *error = NULL;

	if (!s->advertising)
		return;
	s->advertising = false;
	if (!bt_mgmt_remove_advertising(s->mgmt, &error))
		warn("cannot stop advertising", error);
}

/* The advertisement and scan response the core builds (protocol §1), on
 * the air as they are; sent again only when they changed. */
static void advertise(struct l2cap_server *s)
{
	uint8_t adv[31], rsp[31];
	size_t adv_len, rsp_len;
	GError *error = NULL;

	mb_adv_build(mb_band_adv(s->band), mb_tick_steps(mb_band_tick(s->band)),
		     mb_hr_adv_byte(mb_band_hr(s->band)), adv, &adv_len, rsp,
		     &rsp_len);
	if (s->advertising && adv_len == s->adv_len && rsp_len == s->rsp_len &&
	    !memcmp(adv, s->adv, adv_len) && !memcmp(rsp, s->rsp, rsp_len))
		return;
	if (!bt_mgmt_add_advertising(s->mgmt, adv, adv_len, rsp, rsp_len,
				     &error)) {
		warn("cannot advertise", error);
		return;
	}
	memcpy(s->adv, adv, adv_len);
	memcpy(s->rsp, rsp, rsp_len);
	s->adv_len = adv_len;
	s->rsp_len = rsp_len;
	if (!s->advertising)
		status(s, "ADVERTISING=1");
	s->advertising = true;
}

static gboolean on_refresh(gpointer user_data)
{
	struct l2cap_server *s = user_data;

	if (s->advertising)
		advertise(s);
	return G_SOURCE_CONTINUE;
}

/* ---- listening -------------------------------------------------------- */

static gboolean on_accept(gint fd, GIOCondition cond, gpointer user_data);

static bool start_listening(struct l2cap_server *s, GError **error)
{
	struct bt_sockaddr_l2 addr = { .l2_family = AF_BLUETOOTH,
				       .l2_cid = GUINT16_TO_LE(BT_ATT_CID),
				       .l2_bdaddr_type = BT_ADDR_LE_RANDOM };
	int fd, e;

	memcpy(addr.l2_bdaddr, s->address, 6);
	fd = socket(AF_BLUETOOTH, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    BT_PROTO_L2CAP);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	    listen(fd, 1) == 0) {
		s->listen_fd = fd;
		s->listen_id = g_unix_fd_add(fd, G_IO_IN, on_accept, s);
		return true;
	}
	e = errno;
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
		    "%s: L2CAP ATT socket: %s", s->adapter, g_strerror(e));
	if (fd >= 0)
		close(fd);
	return false;
}

static void stop_listening(struct l2cap_server *s)
{
	g_clear_handle_id(&s->listen_id, g_source_remove);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->listen_fd = -1;
}

/* Connectable again after a link or a power cut; a band that is off or
 * booting does not advertise. */
static void open_again(struct l2cap_server *s)
{
	GError *error = NULL;

	if (mb_power_state(mb_band_power(s->band)) != MB_POWER_STATE_ON ||
	    s->link)
		return;
	if (s->listen_fd < 0 && !start_listening(s, &error)) {
		warn("cannot listen again", error);
		return;
	}
	advertise(s);
}

/* A factory reset drew a new address: the band moves to it on the air,
 * as a real band does, so a phone sees a new device. */
static void address_changed(struct l2cap_server *s)
{
	GError *error = NULL;
	uint8_t air[6];

	band_address(s->band, air);
	/* A link is dropped first: link_down() comes back here. */
	if (s->link || !memcmp(air, s->address, 6))
		return;
	stop_advertising(s);
	stop_listening(s);
	if (!take_adapter(s, &error)) {
		warn("cannot move the band to its new address", error);
		return;
	}
	open_again(s);
}

/* The radio link goes with the band's ATT channel: the kernel would keep
 * an LE link with no channel for a while, and a band that hung up (or
 * went off) has no link at all. */
static void hang_up(struct l2cap_server *s)
{
	GError *error = NULL;

	g_clear_pointer(&s->link, seqlink_free);
	s->link_fd = -1;
	if (!bt_mgmt_disconnect(s->mgmt, s->peer, s->peer_type, &error))
		warn("cannot end the link", error);
}

static void link_down(void *user_data)
{
	struct l2cap_server *s = user_data;

	/* A central's kernel ends a link whose encryption failed with an
	 * authentication failure (HCI 0x05), which the band's socket gives
	 * as EACCES: the ghost pairing's attempt, seen from the band. */
	if (seqlink_error(s->link) == EACCES)
		mb_session_encryption_failed(mb_band_session(s->band));
	hang_up(s);
	g_info("central disconnected");
	status(s, "DISCONNECTED=1");
	address_changed(s);
	open_again(s);
}

/* The central as the band's session keeps it: the socket's and the
 * controller's addresses are little-endian, the band's in display
 * order. */
static void session_peer(struct l2cap_server *s, const uint8_t air[6],
			 uint8_t type)
{
	uint8_t display[6];

	for (int i = 0; i < 6; i++)
		display[i] = air[5 - i];
	mb_session_set_peer(mb_band_session(s->band), display,
			    type == BT_ADDR_LE_RANDOM);
}

/* ---- the controller's links (hcilinks.h) ------------------------------ */

static struct air_link *find_air(struct l2cap_server *s, uint16_t handle)
{
	for (size_t i = 0; i < s->n_air; i++)
		if (s->air[i].handle == handle)
			return &s->air[i];
	return NULL;
}

static void gone_send(const uint8_t *pdu, size_t len, void *user_data)
{
	(void)pdu;
	(void)len;
	(void)user_data;
}

static void gone_disconnect(void *user_data)
{
	(void)user_data;
}

/* A link with no channel to send on: it has ended already. */
static const struct mb_link_ops gone_ops = {
	.send = gone_send,
	.disconnect = gone_disconnect,
};

/* A link the controller had and ended before the band took its ATT
 * channel: the band saw it all the same, as a real band's firmware sees
 * every link, connected and gone at once, with the encryption that failed
 * when the central hung up for that (as link_down() reads it from the
 * socket).  The ghost pairing's attempts are such links: the central's
 * kernel ends one within milliseconds of the band's controller finding no
 * key, which a band busy for that long missed (MB4/BOND/BI-01, BI-04). */
static void missed_link(struct l2cap_server *s, const struct air_link *a,
			uint8_t reason)
{
	if (s->link || !mb_band_connect(s->band, &gone_ops, s)) {
		g_info("%s: a link the band could not take came and went",
		       s->adapter);
		return;
	}
	session_peer(s, a->peer, a->peer_type);
	stop_advertising(s);
	g_info("central connected and gone before its channel was taken");
	status(s, "CONNECTED=1");
	if (reason == BT_HCI_ERROR_AUTH_FAILURE)
		mb_session_encryption_failed(mb_band_session(s->band));
	mb_band_disconnect(s->band);
	status(s, "DISCONNECTED=1");
	address_changed(s);
	open_again(s);
}

static void link_event(const struct bt_hci_link_event *ev, void *user_data)
{
	struct l2cap_server *s = user_data;
	struct air_link *a = find_air(s, ev->handle), gone;

	if (ev->change == BT_HCI_LINK_UP) {
		/* The band is a peripheral only; a handle is live once. */
		if (!ev->peripheral || a || s->n_air == AIR_LINKS_MAX)
			return;
		a = &s->air[s->n_air++];
		*a = (struct air_link){ .handle = ev->handle,
					.peer_type = ev->peer_type };
		memcpy(a->peer, ev->peer, 6);
		if (s->accepting == ev->handle) {
			a->attached = true;
			s->accepting_up = true;
		}
		return;
	}
	if (!a)
		return;
	gone = *a;
	*a = s->air[--s->n_air];
	/* An attached link's end is the socket's to tell (link_down()). */
	if (!gone.attached)
		missed_link(s, &gone, ev->reason);
}

static void watch_links(struct l2cap_server *s)
{
	GError *error = NULL;
	uint16_t index = bt_mgmt_index(s->mgmt);

	s->hci = bt_hci_links_new(index, link_event, s, &error);
	if (!s->hci) {
		g_info("%s: links learnt by their ATT channel alone (%s): one "
		       "that ends before the band takes it goes unseen",
		       s->adapter, error->message);
		g_error_free(error);
	}
}

/* Whether an accepted ATT channel is a live link's, as the controller
 * tells it (the kernel reports a link before it hands over the channel,
 * so its events up to now are read first).  The channel of a link that
 * has ended is not: the band, busy meanwhile, read that link's end first
 * and missed_link() told it. */
static bool live_channel(struct l2cap_server *s, int fd)
{
	struct bt_l2cap_conninfo info = { 0 };
	socklen_t len = sizeof(info);
	struct air_link *a;

	if (!s->hci)
		return true;
	if (getsockopt(fd, BT_SOL_L2CAP, BT_L2CAP_CONNINFO, &info, &len) < 0) {
		if (errno == ENOTCONN)
			return false;
		/* A kernel that cannot name the link's handle: the
		 * controller's events cannot be matched to channels. */
		g_warning("%s: an ATT channel's link: %s; links are learnt "
			  "by their channel alone from now on",
			  s->adapter, g_strerror(errno));
		g_clear_pointer(&s->hci, bt_hci_links_free);
		s->n_air = 0;
		return true;
	}
	a = find_air(s, info.hci_handle);
	if (a) {
		a->attached = true;
		return true;
	}
	s->accepting = info.hci_handle;
	s->accepting_up = false;
	bt_hci_links_pump(s->hci);
	s->accepting = NO_HANDLE;
	return s->accepting_up;
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer user_data)
{
	struct l2cap_server *s = user_data;
	struct bt_sockaddr_l2 peer = { 0 };
	socklen_t len = sizeof(peer);
	int link = accept4(fd, (struct sockaddr *)&peer, &len,
			   SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (link < 0)
		return G_SOURCE_CONTINUE;
	if (!live_channel(s, link)) {
		close(link);
		return G_SOURCE_CONTINUE;
	}
	/* Past rmem_max with CAP_NET_ADMIN, which the management socket
	 * needs already; without it, up to rmem_max. */
	{
		int size = LINK_RCVBUF;

		if (setsockopt(link, SOL_SOCKET, SO_RCVBUFFORCE, &size,
			       sizeof(size)) < 0 &&
		    setsockopt(link, SOL_SOCKET, SO_RCVBUF, &size,
			       sizeof(size)) < 0)
			g_warning("%s: the link's receive buffer: %s",
				  s->adapter, g_strerror(errno));
	}
	memcpy(s->peer, peer.l2_bdaddr, 6);
	s->peer_type = peer.l2_bdaddr_type;
	s->link = seqlink_new(s->band, link, s->cb, s->user_data, link_down, s);
	if (!s->link)
		return G_SOURCE_CONTINUE;
	s->link_fd = link;
	seqlink_set_intercept(s->link, check_security, s);
	/* hang_up() ends the radio link, which purges what the kernel still
	 * queues for the controller: the band's last reply (10 05 01
	 * before a reboot) goes out first. */
	seqlink_set_drain(s->link, true);
	session_peer(s, s->peer, s->peer_type);
	/* The band serves one central: no listener, no advertising while a
	 * link is up (the controller stopped advertising as it connected;
	 * the instance goes so that the kernel does not start it again). */
	s->listen_id = 0;
	stop_listening(s);
	stop_advertising(s);
	g_info("central connected");
	status(s, "CONNECTED=1");
	return G_SOURCE_REMOVE;
}

/* ---- the band --------------------------------------------------------- */

/* The link (if any) is being dropped by the band. */
static void power_off(struct l2cap_server *s)
{
	stop_advertising(s);
	stop_listening(s);
}

/* What the transport does at a band event: the band is off (not
 * advertising), on again, or reset to a new address. */
static void (*const on_band_event[MB_EVENT_COUNT])(struct l2cap_server *s) = {
	[MB_EVENT_POWER_OFF] = power_off,
	[MB_EVENT_POWER_ON] = open_again,
	[MB_EVENT_RESET] = address_changed,
};

static void band_event(struct transport *t, const struct mb_event *ev)
{
	if (ev->id < MB_EVENT_COUNT && on_band_event[ev->id])
		on_band_event[ev->id]((struct l2cap_server *)t);
}

/* The adapter as the band found it: its own address (no static one),
 * BR/EDR and LE as they were, powered as it was.  A band on the adapter
 * after this one (another transport, bluetoothd's) would otherwise
 * advertise from this band's address: in the VM, every --transport bluez
 * band after MB4/AIR/BV-03's went unseen at the address it gave.  The
 * keys and the IO capability are left: bluetoothd sets its own as it
 * takes the adapter back. */
static void give_back_adapter(struct l2cap_server *s)
{
	static const uint8_t none[6];
	const struct {
		uint16_t op;
		uint32_t setting;
	} modes[] = {
		{ BT_MGMT_OP_SET_LE, BT_MGMT_SETTING_LE },
		{ BT_MGMT_OP_SET_BREDR, BT_MGMT_SETTING_BREDR },
		{ BT_MGMT_OP_SET_BONDABLE, BT_MGMT_SETTING_BONDABLE },
	};
	GError *error = NULL;

	if (!s->taken)
		return;
	if (!bt_mgmt_set_mode(s->mgmt, BT_MGMT_OP_SET_POWERED, 0, &error) ||
	    !bt_mgmt_set_static_address(s->mgmt, none, &error)) {
		warn("cannot give the adapter its own address back", error);
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(modes); i++)
		if (!bt_mgmt_set_mode(s->mgmt, modes[i].op,
				      !!(s->found & modes[i].setting), &error))
			warn("cannot give the adapter a setting back", error);
	if (s->found & BT_MGMT_SETTING_POWERED &&
	    !bt_mgmt_set_mode(s->mgmt, BT_MGMT_OP_SET_POWERED, 1, &error))
		warn("cannot power the adapter on again", error);
}

static void l2cap_server_free(struct transport *t)
{
	struct l2cap_server *s = (struct l2cap_server *)t;

	g_clear_handle_id(&s->refresh_id, g_source_remove);
	if (s->link)
		hang_up(s);
	stop_listening(s);
	if (s->mgmt) {
		stop_advertising(s);
		give_back_adapter(s);
	}
	bt_hci_links_free(s->hci);
	bt_mgmt_free(s->mgmt);
	l2cap_agent_free(s->agent);
	g_free(s->adapter);
	g_free(s);
}

struct transport *l2cap_server_new(struct mb_band *band, const char *adapter,
				   const struct transport_callbacks *cb,
				   void *user_data, GError **error)
{
	struct l2cap_server *s = g_new0(struct l2cap_server, 1);

	*s = (struct l2cap_server){ .base = { band_event, l2cap_server_free },
				    .band = band,
				    .adapter = g_strdup(adapter),
				    .cb = cb,
				    .user_data = user_data,
				    .listen_fd = -1,
				    .link_fd = -1,
				    .accepting = NO_HANDLE };
	s->mgmt = bt_mgmt_new(adapter, error);
	if (s->mgmt) {
		bt_mgmt_watch_keys(s->mgmt, new_key, s);
		watch_links(s);
	}
	take_agent(s);
	if (!s->mgmt || !take_adapter(s, error) || !start_listening(s, error)) {
		l2cap_server_free(&s->base);
		return NULL;
	}
	s->refresh_id = g_timeout_add_seconds(REFRESH_S, on_refresh, s);
	if (mb_power_state(mb_band_power(band)) == MB_POWER_STATE_ON)
		advertise(s);
	else
		stop_listening(s);
	return &s->base;
}
