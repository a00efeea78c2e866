// SPDX-License-Identifier: GPL-2.0-or-later
/* Huami app-level auth and binding on 00000009 (protocol §3.2, §10;
 * bandsim's decisions in docs/auth.md).  Replies are notifications on
 * 00000009: 10 <command as sent> <status> [payload]. */
#include <stdlib.h>
#include <string.h>

#include "att.h"
#include "band-private.h"
#include "crypto.h"

#define AUTH_STATUS_SUCCESS MB_HUAMI_STATUS_SUCCESS
#define AUTH_STATUS_REFUSED MB_HUAMI_STATUS_REFUSED

#define CMD_SEND_KEY 0x01
#define CMD_REQUEST_RANDOM 0x02
#define CMD_ANSWER 0x03
/* Gadgetbridge's MB4 "crypt flags" variant ORs 0x80 into the command. */
#define CMD_CRYPT_FLAG 0x80

static void reply(struct mb_band *band, uint8_t command, uint8_t status,
		  const uint8_t *payload, size_t len)
{
	mb_huami_reply(band, MB_UUID_AUTH, command, status, payload, len);
}

static void emit_auth(struct mb_band *band, enum mb_event_id id, char variant,
		      const char *reason)
{
	struct mb_event ev;
	char v[2] = { variant, '\0' };

	mb_event_init(&ev, id);
	mb_event_add_string(&ev, "variant", v);
	if (reason)
		mb_event_add_string(&ev, "reason", reason);
	mb_band_emit(band, &ev);
}

static void finish_binding(struct mb_band *band, uint8_t status,
			   enum mb_event_id event, const char *reason)
{
	struct mb_binding *b = &band->binding;

	b->state = MB_BIND_STATE_IDLE;
	mb_crypto_wipe(b->key, sizeof(b->key));
	if (event != MB_EVENT_COUNT)
		mb_band_emit_simple(band, event, "prompt", "pair-confirm");
	if (reason)
		mb_band_emit_simple(band, MB_EVENT_BIND_REFUSED, "reason", reason);
	reply(band, b->command, status, NULL, 0);
}

/* 01 <flag> <16-byte key> */
static void cmd_send_key(struct mb_band *band, const uint8_t *v, size_t len)
{
	const struct mb_policy *pol = mb_profile_policy(band->profile);
	struct mb_binding *b = &band->binding;
	const uint8_t *key = v + 2;

	if (b->state == MB_BIND_STATE_W4_TAP) {
		mb_band_emit_simple(band, MB_EVENT_BIND_REFUSED, "reason", "busy");
		reply(band, v[0], AUTH_STATUS_REFUSED, NULL, 0);
		return;
	}
	if (band->state.bound) {
		if (mb_crypto_equal(band->state.key, key, 16)) {
			reply(band, v[0], AUTH_STATUS_SUCCESS, NULL, 0);
			return;
		}
		if (pol->refuse_other_key) {
			/* The binding conflict: "bound to another account". */
			mb_band_emit_simple(band, MB_EVENT_BIND_REFUSED, "reason",
					    "bound-to-other");
			reply(band, v[0], AUTH_STATUS_REFUSED, NULL, 0);
			return;
		}
	}
	b->state = MB_BIND_STATE_W4_TAP;
	b->command = v[0];
	memcpy(b->key, key, 16);
	b->deadline_ms = mb_band_now_ms(band) + pol->confirm_window_s * 1000ull;
	mb_band_emit_simple(band, MB_EVENT_PROMPT_SHOWN, "prompt", "pair-confirm");
}

/* 02 <flags> (variant A) or 82 <flags> [02 01 00] (variant B). */
static void cmd_request_random(struct mb_band *band, const uint8_t *v,
			       size_t len)
{
	struct mb_link_auth *a = &band->auth;
	char variant = v[0] & CMD_CRYPT_FLAG ? 'B' : 'A';

	/* 82 comes as 82 <flags> or 82 <flags> 02 01 00, nothing between. */
	if (len != 2 && len != 5) {
		mb_huami_malformed(band, MB_UUID_AUTH, v[0]);
		return;
	}
	if (!band->state.bound) {
		emit_auth(band, MB_EVENT_AUTH_FAILED, variant, "not-bound");
		reply(band, v[0], AUTH_STATUS_REFUSED, NULL, 0);
		return;
	}
	/* A new challenge voids the old one: its answer is now stale. */
	if (mb_crypto_random(a->challenge, sizeof(a->challenge)) != MB_CRYPTO_OK) {
		a->state = MB_AUTH_STATE_IDLE;
		reply(band, v[0], AUTH_STATUS_REFUSED, NULL, 0);
		return;
	}
	a->state = MB_AUTH_STATE_W4_ANSWER;
	a->variant = variant;
	emit_auth(band, MB_EVENT_AUTH_STARTED, variant, NULL);
	reply(band, v[0], AUTH_STATUS_SUCCESS, a->challenge, 16);
}

/* 03 <flags> <AES-128-ECB(key, challenge)> */
static void cmd_answer(struct mb_band *band, const uint8_t *v, size_t len)
{
	struct mb_link_auth *a = &band->auth;
	uint8_t expected[16];
	bool ok;

	if (a->state != MB_AUTH_STATE_W4_ANSWER) {
		/* Replayed, stale or out of order: refused, nothing changes. */
		emit_auth(band, MB_EVENT_AUTH_FAILED, v[0] & CMD_CRYPT_FLAG ? 'B' : 'A',
			  "no-challenge");
		reply(band, v[0], AUTH_STATUS_REFUSED, NULL, 0);
		return;
	}
	/* A challenge is good for one answer, right or wrong. */
	a->state = MB_AUTH_STATE_IDLE;
	ok = mb_crypto_aes128_ecb(band->state.key, a->challenge, expected) ==
		     MB_CRYPTO_OK &&
	     mb_crypto_equal(expected, v + 2, 16);
	mb_crypto_wipe(a->challenge, sizeof(a->challenge));
	mb_crypto_wipe(expected, sizeof(expected));
	if (ok)
		a->authenticated = true;
	emit_auth(band, ok ? MB_EVENT_AUTH_SUCCEEDED : MB_EVENT_AUTH_FAILED, a->variant,
		  ok ? NULL : "wrong-key");
	reply(band, v[0], ok ? AUTH_STATUS_SUCCESS : AUTH_STATUS_REFUSED, NULL, 0);
}

/* One row per command; lengths are checked by mb_huami_dispatch(). */
static const struct mb_huami_cmd auth_cmds[] = {
	{ CMD_SEND_KEY, 18, 18, cmd_send_key },
	{ CMD_REQUEST_RANDOM, 2, 2, cmd_request_random },
	{ CMD_REQUEST_RANDOM | CMD_CRYPT_FLAG, 2, 5, cmd_request_random },
	{ CMD_ANSWER, 18, 18, cmd_answer },
	{ CMD_ANSWER | CMD_CRYPT_FLAG, 18, 18, cmd_answer },
};

uint8_t mb_auth_write(struct mb_band *band, const struct mb_gatt_chr *chr,
		      const uint8_t *value, size_t len, bool command)
{
	mb_huami_dispatch(band, MB_UUID_AUTH, auth_cmds, MB_ARRAY_SIZE(auth_cmds),
			  value, len);
	return 0;
}

/* A tap on the pair-confirm prompt binds the waiting key. */
bool mb_auth_press(struct mb_band *band)
{
	struct mb_binding *b = &band->binding;
	char *err = NULL;
	char key_id[9];

	if (b->state != MB_BIND_STATE_W4_TAP)
		return false;
	band->state.bound = true;
	memcpy(band->state.key, b->key, 16);
	if (!mb_band_save_state(band, &err)) {
		/* Not stored is not bound: the band must not claim a key it
		 * will have forgotten after a restart. */
		mb_band_debug(band, "binding not stored: %s", err);
		free(err);
		band->state.bound = false;
		mb_crypto_wipe(band->state.key, 16);
		finish_binding(band, AUTH_STATUS_REFUSED, MB_EVENT_COUNT, "storage");
		return true;
	}
	mb_band_state_key_id(&band->state, key_id);
	mb_band_emit_simple(band, MB_EVENT_BOUND, "key-id", key_id);
	finish_binding(band, AUTH_STATUS_SUCCESS, MB_EVENT_COUNT, NULL);
	return true;
}

bool mb_auth_long_press(struct mb_band *band)
{
	if (band->binding.state != MB_BIND_STATE_W4_TAP)
		return false;
	finish_binding(band, AUTH_STATUS_REFUSED, MB_EVENT_PROMPT_DECLINED, "declined");
	return true;
}

void mb_auth_run(struct mb_band *band, uint64_t now)
{
	if (band->binding.state == MB_BIND_STATE_W4_TAP &&
	    now >= band->binding.deadline_ms)
		finish_binding(band, AUTH_STATUS_REFUSED, MB_EVENT_PROMPT_TIMED_OUT,
			       "no-tap");
}

uint64_t mb_auth_deadline(const struct mb_band *band)
{
	return band->binding.state == MB_BIND_STATE_W4_TAP
		       ? band->binding.deadline_ms
		       : UINT64_MAX;
}

/* Auth lasts for the link; a binding waiting for a tap goes with it. */
void mb_auth_link_down(struct mb_band *band)
{
	mb_crypto_wipe(&band->auth, sizeof(band->auth));
	band->auth = (struct mb_link_auth){ .state = MB_AUTH_STATE_IDLE };
	if (band->binding.state == MB_BIND_STATE_W4_TAP) {
		band->binding.state = MB_BIND_STATE_IDLE;
		mb_crypto_wipe(band->binding.key, sizeof(band->binding.key));
		mb_band_emit_simple(band, MB_EVENT_BIND_REFUSED, "reason", "disconnected");
	}
}
