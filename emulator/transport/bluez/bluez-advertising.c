// SPDX-License-Identifier: GPL-2.0-or-later
#include "bluez-advertising.h"

#include <string.h>

#include "bluez-adv.h"
#include "bluez-dbus.h"

#define ADV_MANAGER_IFACE "org.bluez.LEAdvertisingManager1"
#define ADV_ROOT "/io/bandsim/advertisement"
#define MAX_SLOTS 2

/* How often the data (steps, heart rate) is checked for a change: the
 * band changes it once a band minute at most. */
#define REFRESH_S 1
/* When every advertising slot is taken, the next try is this much later. */
#define RETRY_MS 250
#define CALL_TIMEOUT_MS 10000
#define UNREGISTER_TIMEOUT_MS 1000

enum reg_state { REG_NONE, REG_PENDING, REG_DONE };

struct slot {
	struct bluez_advertising *owner;
	struct bluez_adv *adv;
	enum reg_state reg;
};

struct bluez_advertising {
	GDBusConnection *conn;
	const char *adapter;
	const char *adapter_path;
	struct mb_band *band;
	void (*status)(const char *what, void *user_data);
	void *user_data;
	GCancellable *cancel;
	struct slot slots[MAX_SLOTS];
	size_t n_slots; /* 1: all in one; 2: split */
	bool wanted;
	bool reported; /* ADVERTISING=1 said for this round */
	bool retry_warned;
	bool failed; /* given up until wanted again */
	guint retry_id;
	guint refresh_id;
};

static void register_slots(struct bluez_advertising *a);

/* Without an advertisement no central finds the band, and nothing else
 * says so: what to look at (docs/bluez.md). */
#define CANNOT_ADVERTISE_HINT                                                  \
	"; no central will find the band: check that %s is an LE controller, " \
	"powered and not advertising for another program "                     \
	"(bluetoothctl show), or use --transport l2cap"

static void on_released(struct bluez_adv *adv, void *user_data);

static void call(struct bluez_advertising *a, const char *method,
		 GVariant *args, GAsyncReadyCallback done, gpointer user_data)
{
	g_dbus_connection_call(a->conn, BLUEZ_SERVICE, a->adapter_path,
			       ADV_MANAGER_IFACE, method, args, NULL,
			       G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS,
			       a->cancel, done, user_data);
}

static void unregister(struct slot *slot)
{
	slot->reg = REG_NONE;
	call(slot->owner, "UnregisterAdvertisement",
	     g_variant_new("(o)", bluez_adv_path(slot->adv)), NULL, NULL);
}

static bool all_done(const struct bluez_advertising *a)
{
	for (size_t i = 0; i < a->n_slots; i++)
		if (a->slots[i].reg != REG_DONE)
			return false;
	return true;
}

/* Two advertisements, manufacturer data in one and service data in the
 * other, both with the name in the scan response. */
static bool split(struct bluez_advertising *a, GError **error)
{
	char *path = g_strdup_printf("%s1", ADV_ROOT);

	a->slots[1].adv = bluez_adv_new(a->conn, path, a->band,
					BLUEZ_ADV_SERVICE_DATA, on_released, a,
					error);
	g_free(path);
	if (!a->slots[1].adv)
		return false;
	bluez_adv_set_parts(a->slots[0].adv, BLUEZ_ADV_MANUFACTURER);
	a->n_slots = 2;
	return true;
}

/* Every advertising slot was taken: the next try. */
static void on_retry(gpointer user_data)
{
	struct bluez_advertising *a = user_data;

	a->retry_id = 0;
	register_slots(a);
}

static void on_registered(GObject *src, GAsyncResult *res, gpointer user_data)
{
	struct slot *slot = user_data;
	struct bluez_advertising *a;
	GError *error = NULL;
	GVariant *r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res,
						    &error);
	char *remote;

	if (!r && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_error_free(error);
		return;
	}
	a = slot->owner;
	if (r) {
		g_variant_unref(r);
		slot->reg = REG_DONE;
		/* Connected (or off) while the call was under way. */
		if (!a->wanted) {
			unregister(slot);
			return;
		}
		if (all_done(a) && !a->reported) {
			a->reported = true;
			a->retry_warned = false;
			g_info("advertising on %s%s", a->adapter,
			       a->n_slots > 1 ? " (two advertisements)" : "");
			a->status("ADVERTISING=1", a->user_data);
		}
		return;
	}
	slot->reg = REG_NONE;
	remote = g_dbus_error_get_remote_error(error);
	g_dbus_error_strip_remote_error(error);
	if (remote && !strcmp(remote, "org.bluez.Error.NotPermitted")) {
		/* Every slot taken: by another application, or by the emulator
		 * that ran before this one, not yet dropped by bluetoothd. */
		if (!a->retry_warned)
			g_warning("%s: %s; trying again every %u ms",
				  a->adapter, error->message, RETRY_MS);
		a->retry_warned = true;
		if (!a->retry_id)
			a->retry_id = g_timeout_add_once(RETRY_MS, on_retry, a);
	} else if (remote && a->n_slots == 1 && slot == &a->slots[0]) {
		GError *split_error = NULL;

		/* Too long for the controller (31 bytes of legacy data). */
		g_info("%s: one advertisement refused (%s); using two",
		       a->adapter, error->message);
		if (split(a, &split_error)) {
			register_slots(a);
		} else {
			g_warning(
				"%s: cannot advertise: %s" CANNOT_ADVERTISE_HINT,
				a->adapter, split_error->message, a->adapter);
			g_error_free(split_error);
		}
	} else if (!a->failed) {
		a->failed = true;
		g_warning("%s: cannot advertise: %s" CANNOT_ADVERTISE_HINT,
			  a->adapter, error->message, a->adapter);
	}
	g_free(remote);
	g_error_free(error);
}

static void register_slots(struct bluez_advertising *a)
{
	if (!a->wanted || a->failed)
		return;
	for (size_t i = 0; i < a->n_slots; i++) {
		struct slot *slot = &a->slots[i];

		if (slot->reg != REG_NONE)
			continue;
		slot->reg = REG_PENDING;
		call(a, "RegisterAdvertisement",
		     g_variant_new("(oa{sv})", bluez_adv_path(slot->adv), NULL),
		     on_registered, slot);
	}
}

void bluez_advertising_set_wanted(struct bluez_advertising *a, bool wanted)
{
	if (wanted == a->wanted)
		return;
	a->wanted = wanted;
	if (wanted) {
		a->reported = false;
		a->failed = false;
		register_slots(a);
		return;
	}
	g_clear_handle_id(&a->retry_id, g_source_remove);
	/* Pending ones are taken back when they land. */
	for (size_t i = 0; i < a->n_slots; i++)
		if (a->slots[i].reg == REG_DONE)
			unregister(&a->slots[i]);
}

void bluez_advertising_forget(struct bluez_advertising *a)
{
	for (size_t i = 0; i < a->n_slots; i++)
		a->slots[i].reg = REG_NONE;
	a->wanted = false;
}

/* bluetoothd dropped one (a connection took it, the adapter went). */
static void on_released(struct bluez_adv *adv, void *user_data)
{
	struct bluez_advertising *a = user_data;

	for (size_t i = 0; i < a->n_slots; i++)
		if (a->slots[i].adv == adv)
			a->slots[i].reg = REG_NONE;
	register_slots(a);
}

static gboolean on_refresh(gpointer user_data)
{
	struct bluez_advertising *a = user_data;

	for (size_t i = 0; i < a->n_slots; i++)
		bluez_adv_update(a->slots[i].adv);
	return G_SOURCE_CONTINUE;
}

struct bluez_advertising *
bluez_advertising_new(GDBusConnection *conn, const char *adapter,
		      const char *adapter_path, struct mb_band *band,
		      void (*status)(const char *what, void *user_data),
		      void *user_data, GError **error)
{
	struct bluez_advertising *a = g_new0(struct bluez_advertising, 1);
	char *path = g_strdup_printf("%s0", ADV_ROOT);

	*a = (struct bluez_advertising){
		.conn = g_object_ref(conn),
		.adapter = adapter,
		.adapter_path = adapter_path,
		.band = band,
		.status = status,
		.user_data = user_data,
		.cancel = g_cancellable_new(),
	};
	for (size_t i = 0; i < MAX_SLOTS; i++)
		a->slots[i].owner = a;
	a->n_slots = 1;
	a->slots[0].adv = bluez_adv_new(conn, path, band, BLUEZ_ADV_ALL,
					on_released, a, error);
	g_free(path);
	if (!a->slots[0].adv) {
		bluez_advertising_free(a);
		return NULL;
	}
	a->refresh_id = g_timeout_add_seconds(REFRESH_S, on_refresh, a);
	return a;
}

void bluez_advertising_free(struct bluez_advertising *a)
{
	gint64 until = g_get_monotonic_time() + UNREGISTER_TIMEOUT_MS * 1000;

	if (!a)
		return;
	a->wanted = false;
	/* A registration under way is let land first: leaving in its middle
	 * left the advertising slot taken in bluetoothd 5.66 until it
	 * restarted. */
	for (size_t i = 0; i < a->n_slots; i++)
		while (a->slots[i].reg == REG_PENDING &&
		       g_get_monotonic_time() < until)
			g_main_context_iteration(NULL, TRUE);
	for (size_t i = 0; i < a->n_slots; i++) {
		if (a->slots[i].reg == REG_DONE)
			bluez_dbus_call_quietly(
				a->conn, a->adapter_path, ADV_MANAGER_IFACE,
				"UnregisterAdvertisement",
				g_variant_new("(o)",
					      bluez_adv_path(a->slots[i].adv)),
				UNREGISTER_TIMEOUT_MS);
	}
	g_cancellable_cancel(a->cancel);
	g_clear_handle_id(&a->retry_id, g_source_remove);
	g_clear_handle_id(&a->refresh_id, g_source_remove);
	for (size_t i = 0; i < MAX_SLOTS; i++)
		bluez_adv_free(a->slots[i].adv);
	g_object_unref(a->cancel);
	g_object_unref(a->conn);
	g_free(a);
}
