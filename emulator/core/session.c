// SPDX-License-Identifier: GPL-2.0-or-later
/* One link's life across the band's parts (session.h). */
#include "session.h"

#include <stdlib.h>

#include "util.h"

#include "alerts.h"
#include "auth.h"
#include "devevents.h"
#include "fault.h"
#include "fetch.h"
#include "firmware.h"
#include "hr.h"
#include "power.h"

struct mb_session {
	const struct mb_services *svc;
	const struct mb_profile *profile;
	const struct mb_gatt_chr *device_event;
	struct mb_session_parts p;
};

/* The MTU the band announces (docs/policies.md#mtu-announce), 0: none. */
static uint16_t announced_mtu(const struct mb_session *s, bool paced)
{
	switch (mb_profile_policy(s->profile)->mtu_announce) {
	case MB_MTU_ANNOUNCE_PACED:
		return paced ? mb_profile_mtu(s->profile) : 0;
	case MB_MTU_ANNOUNCE_ON_SUBSCRIBE:
		return mb_profile_mtu(s->profile);
	case MB_MTU_ANNOUNCE_OFF:
		return 0;
	}
	return 0;
}

struct mb_session *mb_session_new(const struct mb_services *svc,
				  const struct mb_profile *profile,
				  const struct mb_gatt *gatt,
				  const struct mb_session_parts *parts)
{
	struct mb_session *s = mb_malloc0(sizeof(*s));

	s->svc = svc;
	s->profile = profile;
	s->device_event = mb_chr_resolve(gatt, MB_CHR_DEVICE_EVENT);
	s->p = *parts;
	mb_devevents_set_mtu_announce(s->p.devevents, announced_mtu(s, false));
	return s;
}

void mb_session_free(struct mb_session *s)
{
	free(s);
}

bool mb_session_connect(struct mb_session *s, const struct mb_link_ops *ops,
			void *user_data)
{
	/* Off or booting: no advertising, nothing to connect to. */
	if (mb_power_state(s->p.power) != MB_POWER_STATE_ON ||
	    !mb_link_up(s->p.link, ops, user_data))
		return false;
	mb_auth_link_up(s->p.auth);
	mb_devevents_link_up(s->p.devevents);
	mb_svc_emit_string(s->svc, MB_EVENT_CONNECTED, NULL, NULL);
	mb_power_link_up(s->p.power);
	mb_faults_hook(s->p.faults, MB_FAULT_TRIGGER_CONNECT, 0);
	return true;
}

void mb_session_disconnect(struct mb_session *s)
{
	if (!mb_link_connected(s->p.link))
		return;
	mb_auth_link_down(s->p.auth);
	mb_bonding_link_down(s->p.bonding);
	mb_fetch_link_down(s->p.fetch);
	mb_firmware_link_down(s->p.firmware);
	mb_hr_link_down(s->p.hr);
	mb_devevents_link_down(s->p.devevents);
	mb_alerts_link_down(s->p.alerts);
	mb_power_link_down(s->p.power);
	mb_faults_link_down(s->p.faults);
	mb_link_down(s->p.link);
	mb_svc_emit_string(s->svc, MB_EVENT_DISCONNECTED, NULL, NULL);
}

void mb_session_set_peer(struct mb_session *s, const uint8_t peer[6],
			 bool peer_random)
{
	if (mb_link_connected(s->p.link))
		mb_bonding_set_peer(s->p.bonding, peer, peer_random);
}

enum mb_security_status mb_session_pair(struct mb_session *s, uint8_t ltk[16])
{
	if (!mb_link_connected(s->p.link))
		return MB_SECURITY_NO_PEER;
	return mb_bonding_pair(s->p.bonding, ltk);
}

enum mb_security_status mb_session_encrypt(struct mb_session *s,
					   const uint8_t ltk[16])
{
	if (!mb_link_connected(s->p.link))
		return MB_SECURITY_NO_PEER;
	return mb_bonding_encrypt(s->p.bonding, ltk);
}

enum mb_security_status mb_session_keep_bond(struct mb_session *s,
					     const struct mb_bond *bond)
{
	return mb_bonding_keep(s->p.bonding, bond);
}

void mb_session_link_encrypted(struct mb_session *s)
{
	if (mb_link_connected(s->p.link))
		mb_bonding_link_encrypted(s->p.bonding);
}

void mb_session_encryption_failed(struct mb_session *s)
{
	if (mb_link_connected(s->p.link))
		mb_bonding_encryption_failed(s->p.bonding);
}

void mb_session_set_paced(struct mb_session *s, bool paced)
{
	mb_fetch_set_paced(s->p.fetch, paced);
	mb_devevents_set_mtu_announce(s->p.devevents, announced_mtu(s, paced));
}

void mb_session_set_on_air(struct mb_session *s)
{
	mb_devevents_set_mtu_announce(s->p.devevents, announced_mtu(s, true));
}

/* Device events enabled is when the band may announce its MTU
 * (docs/policies.md#mtu-announce). */
void mb_session_ccc_changed(const struct mb_gatt_chr *chr, uint16_t value,
			    void *data)
{
	struct mb_session *s = data;

	if (chr == s->device_event)
		mb_devevents_subscribed(s->p.devevents, value & MB_CCC_NOTIFY,
					mb_link_mtu(s->p.link));
}
