/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "band-link.h"
#include "bonding.h"
#include "gatt.h"
#include "profile.h"
#include "services.h"

/* The band's side of one link's life: what every part does when a
 * central links or goes, the link's security (pairing, encryption) and
 * its pace.  It reaches the parts it was given and nothing else. */
struct mb_session_parts {
	struct mb_link *link;
	struct mb_auth *auth;
	struct mb_bonding *bonding;
	struct mb_fetch *fetch;
	struct mb_firmware *firmware;
	struct mb_hr *hr;
	struct mb_devevents *devevents;
	struct mb_alerts *alerts;
	struct mb_power *power;
	struct mb_faults *faults;
};

struct mb_session;

struct mb_session *mb_session_new(const struct mb_services *svc,
				  const struct mb_profile *profile,
				  const struct mb_gatt *gatt,
				  const struct mb_session_parts *parts);
void mb_session_free(struct mb_session *s);

/* A central links (false: the band is off or booting, or already linked)
 * or its link is gone. */
bool mb_session_connect(struct mb_session *s, const struct mb_link_ops *ops,
			void *user_data);
void mb_session_disconnect(struct mb_session *s);

/* The transport's word on the link's security; each needs a link. */
void mb_session_set_peer(struct mb_session *s, const uint8_t peer[6],
			 bool peer_random);
enum mb_security_status mb_session_pair(struct mb_session *s, uint8_t ltk[16]);
enum mb_security_status mb_session_encrypt(struct mb_session *s,
					   const uint8_t ltk[16]);
/* Over the air (bonding.h): the link layer paired a central, whose key
 * the band keeps even if the link ended as the key came; the link layer
 * encrypted the link. */
enum mb_security_status mb_session_keep_bond(struct mb_session *s,
					     const struct mb_bond *bond);
void mb_session_link_encrypted(struct mb_session *s);
/* The central ended the link because its encryption failed (over the
 * air: the link's socket ended in EACCES); before the disconnect. */
void mb_session_encryption_failed(struct mb_session *s);

/* The transport paces the link as the air would (--pace real): fetch
 * packets go out at the air's rate, and the MTU announcement follows
 * docs/policies.md#mtu-announce. */
void mb_session_set_paced(struct mb_session *s, bool paced);

/* The link is a radio's (the L2CAP transport), whose pace is the air's:
 * the MTU announcement follows docs/policies.md#mtu-announce as at a real
 * pace.  A fetch's preparation does not: it waits on band time, which a
 * band whose clock stands until moved would never give it. */
void mb_session_set_on_air(struct mb_session *s);

/* What the router tells of a subscription that changed (its CCC
 * observer, mb_router_ccc_func_t). */
void mb_session_ccc_changed(const struct mb_gatt_chr *chr, uint16_t value,
			    void *data);
