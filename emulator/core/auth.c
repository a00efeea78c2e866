// SPDX-License-Identifier: GPL-2.0-or-later
/* Huami app-level auth and binding on 00000009 (protocol §3.2, §10;
 * bandsim's decisions in docs/auth.md).  Replies are notifications on
 * 00000009: 10 <command as sent> <status> [payload]. */
#include "auth.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "huami.h"
#include "identity.h"
#include "services.h"

#define AUTH_STATUS_SUCCESS MB_HUAMI_STATUS_SUCCESS
#define AUTH_STATUS_REFUSED MB_HUAMI_STATUS_REFUSED

#define CMD_SEND_KEY 0x01
#define CMD_REQUEST_RANDOM 0x02
#define CMD_ANSWER 0x03
/* Gadgetbridge's MB4 "crypt flags" variant ORs 0x80 into the command. */
#define CMD_CRYPT_FLAG 0x80

/* Huami auth of the link (protocol §3.2), named for what it waits for. */
enum link_state {
	LINK_STATE_IDLE,
	LINK_STATE_W4_ANSWER, /* a challenge is outstanding */
};

/* Binding: a key offered with 01 <flag> <key> waits for a tap. */
enum bind_state {
	BIND_STATE_IDLE,
	BIND_STATE_W4_TAP,
};

struct mb_auth {
	const struct mb_services *svc;
	const struct mb_policy *policy;
	struct mb_identity *id;
	struct mb_huami *cmds;
	/* the link */
	enum link_state link;
	uint8_t challenge[16];
	char variant; /* 'A' or 'B' of the outstanding challenge */
	bool authenticated;
	/* the binding */
	enum bind_state bind;
	uint8_t key[16];
	uint8_t command; /* as sent, echoed in the reply */
	uint64_t deadline_ms;
};

static void reply(struct mb_auth *a, uint8_t command, uint8_t status,
		  const uint8_t *payload, size_t len)
{
	mb_huami_reply(a->cmds, command, status, payload, len);
}

static void emit_auth(struct mb_auth *a, enum mb_event_id id, char variant,
		      const char *reason)
{
	struct mb_event ev;
	char v[2] = { variant, '\0' };

	mb_event_init(&ev, id);
	mb_event_add_string(&ev, "variant", v);
	if (reason)
		mb_event_add_string(&ev, "reason", reason);
	mb_svc_emit(a->svc, &ev);
}

static void refuse_binding(struct mb_auth *a, const char *reason)
{
	mb_svc_emit_string(a->svc, MB_EVENT_BIND_REFUSED, "reason", reason);
}

static void end_binding(struct mb_auth *a)
{
	a->bind = BIND_STATE_IDLE;
	mb_crypto_wipe(a->key, sizeof(a->key));
}

/* The prompt closed without a binding: declined or timed out. */
static void close_prompt(struct mb_auth *a, enum mb_event_id why,
			 const char *reason)
{
	end_binding(a);
	mb_svc_emit_string(a->svc, why, "prompt", MB_AUTH_PROMPT_PAIR_CONFIRM);
	refuse_binding(a, reason);
	reply(a, a->command, AUTH_STATUS_REFUSED, NULL, 0);
}

/* 01 <flag> <16-byte key> */
static void cmd_send_key(void *part, const uint8_t *v, size_t len)
{
	struct mb_auth *a = part;
	const struct mb_band_state *st = mb_identity_state(a->id);
	const uint8_t *key = v + 2;

	if (a->bind == BIND_STATE_W4_TAP) {
		refuse_binding(a, "busy");
		reply(a, v[0], AUTH_STATUS_REFUSED, NULL, 0);
		return;
	}
	if (st->bound) {
		if (mb_crypto_equal(st->key, key, 16)) {
			reply(a, v[0], AUTH_STATUS_SUCCESS, NULL, 0);
			return;
		}
		if (a->policy->refuse_other_key) {
			/* The binding conflict: "bound to another account". */
			refuse_binding(a, "bound-to-other");
			reply(a, v[0], AUTH_STATUS_REFUSED, NULL, 0);
			return;
		}
	}
	a->bind = BIND_STATE_W4_TAP;
	a->command = v[0];
	memcpy(a->key, key, 16);
	a->deadline_ms =
		mb_svc_now(a->svc) + a->policy->confirm_window_s * 1000ull;
	mb_svc_emit_string(a->svc, MB_EVENT_PROMPT_SHOWN, "prompt",
			   MB_AUTH_PROMPT_PAIR_CONFIRM);
}

/* 02 <flags> (variant A) or 82 <flags> [02 01 00] (variant B). */
static void cmd_request_random(void *part, const uint8_t *v, size_t len)
{
	struct mb_auth *a = part;
	char variant = v[0] & CMD_CRYPT_FLAG ? 'B' : 'A';

	/* 82 comes as 82 <flags> or 82 <flags> 02 01 00, nothing between. */
	if (len != 2 && len != 5) {
		mb_huami_malformed(a->cmds, v[0]);
		return;
	}
	if (!mb_identity_state(a->id)->bound) {
		emit_auth(a, MB_EVENT_AUTH_FAILED, variant, "not-bound");
		reply(a, v[0], AUTH_STATUS_REFUSED, NULL, 0);
		return;
	}
	/* A new challenge voids the old one: its answer is now stale. */
	if (mb_crypto_random(a->challenge, sizeof(a->challenge)) !=
	    MB_CRYPTO_OK) {
		a->link = LINK_STATE_IDLE;
		reply(a, v[0], AUTH_STATUS_REFUSED, NULL, 0);
		return;
	}
	a->link = LINK_STATE_W4_ANSWER;
	a->variant = variant;
	emit_auth(a, MB_EVENT_AUTH_STARTED, variant, NULL);
	reply(a, v[0], AUTH_STATUS_SUCCESS, a->challenge, 16);
}

/* 03 <flags> <AES-128-ECB(key, challenge)> */
static void cmd_answer(void *part, const uint8_t *v, size_t len)
{
	struct mb_auth *a = part;
	uint8_t expected[16];
	bool ok;

	if (a->link != LINK_STATE_W4_ANSWER) {
		/* Replayed, stale or out of order: refused, nothing changes. */
		emit_auth(a, MB_EVENT_AUTH_FAILED,
			  v[0] & CMD_CRYPT_FLAG ? 'B' : 'A', "no-challenge");
		reply(a, v[0], AUTH_STATUS_REFUSED, NULL, 0);
		return;
	}
	/* A challenge is good for one answer, right or wrong. */
	a->link = LINK_STATE_IDLE;
	ok = mb_crypto_aes128_ecb(mb_identity_state(a->id)->key, a->challenge,
				  expected) == MB_CRYPTO_OK &&
	     mb_crypto_equal(expected, v + 2, 16);
	mb_crypto_wipe(a->challenge, sizeof(a->challenge));
	mb_crypto_wipe(expected, sizeof(expected));
	if (ok)
		a->authenticated = true;
	emit_auth(a, ok ? MB_EVENT_AUTH_SUCCEEDED : MB_EVENT_AUTH_FAILED,
		  a->variant, ok ? NULL : "wrong-key");
	reply(a, v[0], ok ? AUTH_STATUS_SUCCESS : AUTH_STATUS_REFUSED, NULL, 0);
}

/* One row per command; lengths are checked by mb_huami_write(). */
static const struct mb_huami_cmd auth_cmds[] = {
	{ CMD_SEND_KEY, 18, 18, cmd_send_key },
	{ CMD_REQUEST_RANDOM, 2, 2, cmd_request_random },
	{ CMD_REQUEST_RANDOM | CMD_CRYPT_FLAG, 2, 5, cmd_request_random },
	{ CMD_ANSWER, 18, 18, cmd_answer },
	{ CMD_ANSWER | CMD_CRYPT_FLAG, 18, 18, cmd_answer },
};

struct mb_auth *mb_auth_new(const struct mb_services *svc,
			    const struct mb_policy *policy,
			    struct mb_identity *id)
{
	return MB_NEW(struct mb_auth, .svc = svc, .policy = policy, .id = id,
		      .cmds = mb_huami_new(svc, MB_CHR_AUTH, auth_cmds,
					   MB_ARRAY_SIZE(auth_cmds)));
}

void mb_auth_free(struct mb_auth *auth)
{
	if (!auth)
		return;
	mb_huami_free(auth->cmds);
	mb_crypto_wipe(auth, sizeof(*auth));
	free(auth);
}

bool mb_auth_press(struct mb_auth *auth)
{
	char *err = NULL;
	char key_id[9];

	if (auth->bind != BIND_STATE_W4_TAP)
		return false;
	if (!mb_identity_bind(auth->id, auth->key, &err)) {
		/* Not stored is not bound: the band must not claim a key it
		 * will have forgotten after a restart. */
		mb_svc_debug(auth->svc, "binding not stored: %s", err);
		free(err);
		end_binding(auth);
		refuse_binding(auth, "storage");
		reply(auth, auth->command, AUTH_STATUS_REFUSED, NULL, 0);
		return true;
	}
	mb_band_state_key_id(mb_identity_state(auth->id), key_id);
	mb_svc_emit_string(auth->svc, MB_EVENT_BOUND, "key-id", key_id);
	end_binding(auth);
	reply(auth, auth->command, AUTH_STATUS_SUCCESS, NULL, 0);
	return true;
}

bool mb_auth_long_press(struct mb_auth *auth)
{
	if (auth->bind != BIND_STATE_W4_TAP)
		return false;
	close_prompt(auth, MB_EVENT_PROMPT_DECLINED, "declined");
	return true;
}

void mb_auth_run(struct mb_auth *auth, uint64_t now)
{
	if (auth->bind == BIND_STATE_W4_TAP && now >= auth->deadline_ms)
		close_prompt(auth, MB_EVENT_PROMPT_TIMED_OUT, "no-tap");
}

uint64_t mb_auth_deadline(const struct mb_auth *auth)
{
	return auth->bind == BIND_STATE_W4_TAP ? auth->deadline_ms : UINT64_MAX;
}

static void forget_link(struct mb_auth *auth)
{
	mb_crypto_wipe(auth->challenge, sizeof(auth->challenge));
	auth->link = LINK_STATE_IDLE;
	auth->variant = 0;
	auth->authenticated = false;
}

void mb_auth_link_up(struct mb_auth *auth)
{
	forget_link(auth);
}

void mb_auth_link_down(struct mb_auth *auth)
{
	forget_link(auth);
	if (auth->bind == BIND_STATE_W4_TAP) {
		end_binding(auth);
		refuse_binding(auth, "disconnected");
	}
}

void mb_auth_revoke(struct mb_auth *auth)
{
	auth->authenticated = false;
}

bool mb_auth_authenticated(const struct mb_auth *auth)
{
	return auth->authenticated;
}

bool mb_auth_prompting(const struct mb_auth *auth)
{
	return auth->bind == BIND_STATE_W4_TAP;
}

const char *mb_auth_prompt(const struct mb_auth *auth)
{
	return mb_auth_prompting(auth) ? MB_AUTH_PROMPT_PAIR_CONFIRM : "";
}

MB_HUAMI_ROUTE_WRITE(write_auth, struct mb_auth, cmds)

const struct mb_chr_route mb_auth_routes[] = {
	{ MB_CHR_AUTH, NULL, write_auth },
};
const size_t mb_auth_n_routes = MB_ARRAY_SIZE(mb_auth_routes);

MB_TIMER(mb_auth_timer, mb_auth_deadline, mb_auth_run);
