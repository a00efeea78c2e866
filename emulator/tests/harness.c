// SPDX-License-Identifier: GPL-2.0-or-later
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "state/inputs.h"
#include "state/store.h"
#include "util.h"
#include "identity.h"

const uint8_t test_key[16] = { TEST_KEY };

static uint64_t fake_now(void *user_data)
{
	return ((struct fake_clock *)user_data)->now_ms;
}

const char *test_profile_path(void)
{
	const char *p = getenv("BANDSIM_TEST_PROFILE");

	return p ? p : BANDSIM_TEST_PROFILE;
}

static void on_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct fixture *f = user_data;

	assert_true(f->n_out < MB_ARRAY_SIZE(f->out));
	assert_true(len <= sizeof(f->out[0].pdu));
	memcpy(f->out[f->n_out].pdu, pdu, len);
	f->out[f->n_out++].len = len;
}

static void on_disconnect(void *user_data)
{
	((struct fixture *)user_data)->disconnects++;
}

static const struct mb_link_ops link_ops = {
	.send = on_send,
	.disconnect = on_disconnect,
};

void fixture_connect(struct fixture *f)
{
	assert_true(mb_band_connect(f->band, &link_ops, f));
}

/* Deterministic "randomness": bytes counting up from the seed. */
static bool fake_random(uint8_t *buf, size_t len, void *user_data)
{
	struct fixture *f = user_data;

	for (size_t i = 0; i < len; i++)
		buf[i] = f->random_seed++;
	return true;
}

void next_random(const struct fixture *f, uint8_t out[16])
{
	for (int i = 0; i < 16; i++)
		out[i] = (uint8_t)(f->random_seed + i);
}

static void on_event(const struct mb_event *ev, void *user_data)
{
	struct fixture *f = user_data;
	struct recorded_event *r;

	/* The battery moves every band minute; most tests look elsewhere. */
	if (!f->record_battery && ev->id == MB_EVENT_BATTERY_CHANGED)
		return;
	/* An update's every percent, and what the screen shows of it. */
	if (!f->record_screen && (ev->id == MB_EVENT_SCREEN_CHANGED ||
				  ev->id == MB_EVENT_FIRMWARE_PROGRESS))
		return;
	assert_true(f->n_events < MB_ARRAY_SIZE(f->events));
	r = &f->events[f->n_events++];
	snprintf(r->name, sizeof(r->name), "%s", mb_event_name(ev->id));
	r->detail[0] = '\0';
	for (size_t i = 0, off = 0; i < ev->n_fields; i++) {
		const struct mb_event_field *fl = &ev->fields[i];
		char value[200];

		switch (fl->type) {
		case MB_EVENT_TYPE_STRING:
			snprintf(value, sizeof(value), "%s", fl->str);
			break;
		case MB_EVENT_TYPE_BYTE:
			snprintf(value, sizeof(value), "0x%02x", fl->byte);
			break;
		case MB_EVENT_TYPE_UINT32:
			snprintf(value, sizeof(value), "%u", fl->u32);
			break;
		}
		off += (size_t)snprintf(r->detail + off,
					sizeof(r->detail) - off, "%s%s=%s",
					i ? " " : "", fl->key, value);
		assert_true(off < sizeof(r->detail));
	}
}

static bool on_persist(const struct mb_band_state *st, void *user_data,
		       char **err)
{
	struct fixture *f = user_data;

	if (f->fail_saves) {
		*err = mb_strdup("disk full (test)");
		return false;
	}
	f->saved = *st;
	f->saves++;
	return true;
}

static int setup(void **state, bool bound, bool authenticate)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *err = NULL;
	static const struct mb_band_state st = {
		.address = { FIXTURE_ADDRESS },
		.serial = FIXTURE_SERIAL,
	};

	f->clock.clock.now_ms = fake_now;
	f->clock.clock.user_data = &f->clock;
	f->clock.now_ms = TEST_EPOCH_MS;
	f->random_seed = 0xa0;
	mb_crypto_set_random_source(fake_random, f);
	f->profile = state_profile_load(test_profile_path(), &err);
	if (!f->profile)
		fail_msg("profile: %s", err);
	f->state = st;
	if (bound) {
		f->state.bound = true;
		memcpy(f->state.key, test_key, 16);
	}
	f->band = mb_band_new(f->profile, &f->state, &f->clock.clock, &err);
	if (!f->band)
		fail_msg("band: %s", err);
	mb_band_set_event_handler(f->band, on_event, f);
	mb_identity_set_store(mb_band_identity(f->band), on_persist, f);
	fixture_connect(f);
	if (authenticate) {
		fixture_auth(f, test_key);
		expect_out(f, PDU(0x1b, H_AUTH, 0x00, 0x10, 0x03, 0x01));
		/* Leave the link as a test expects it: no notifications on. */
		xfer(f, PDU(0x12, H_AUTH_CCC, 0x00, 0x00, 0x00), PDU(0x13));
	}
	f->n_events = 0;
	*state = f;
	return 0;
}

/* The band again from the profile text, connected and authenticated as
 * fixture_setup() leaves it. */
static void rebuild(struct fixture *f, const char *text)
{
	char *err = NULL;

	mb_band_free(f->band);
	mb_profile_free(f->profile);
	f->clock.now_ms = TEST_EPOCH_MS;
	f->profile = mb_profile_parse(text, strlen(text), "policy.ini", &err);
	if (!f->profile)
		fail_msg("profile: %s", err);
	f->band = mb_band_new(f->profile, &f->state, &f->clock.clock, &err);
	mb_band_set_event_handler(f->band, on_event, f);
	fixture_connect(f);
	fixture_auth(f, test_key);
	f->n_out = f->next_out = 0;
	f->n_events = 0;
}

void fixture_set_policy(struct fixture *f, const char *key, const char *value)
{
	char *base = NULL, *text, *err = NULL, *line, *end, *prefix;
	size_t len;

	assert_true(state_store_read_file(test_profile_path(), 1 << 20, &base,
					  &len, &err));
	prefix = mb_strdup_printf("\n%s = ", key);
	line = strstr(base, prefix);
	if (!line)
		fail_msg("the profile has no %s", key);
	line += strlen(prefix);
	end = strchr(line, '\n');
	text = mb_strdup_printf("%.*s%s%s", (int)(line - base), base, value,
				end ? end : "");
	rebuild(f, text);
	free(prefix);
	free(text);
	free(base);
}

void fixture_edit_profile(struct fixture *f, const char *from, const char *to)
{
	char *base = NULL, *text, *err = NULL, *at;
	size_t len;

	assert_true(state_store_read_file(test_profile_path(), 1 << 20, &base,
					  &len, &err));
	at = strstr(base, from);
	if (!at)
		fail_msg("the profile has no '%s'", from);
	text = mb_strdup_printf("%.*s%s%s", (int)(at - base), base, to,
				at + strlen(from));
	rebuild(f, text);
	free(text);
	free(base);
}

int fixture_setup(void **state)
{
	return setup(state, true, true);
}

int fixture_setup_bound(void **state)
{
	return setup(state, true, false);
}

int fixture_setup_new(void **state)
{
	return setup(state, false, false);
}

void fixture_auth(struct fixture *f, const uint8_t key[16])
{
	uint8_t random[16], answer[2 + 16] = { 0x03, 0x00 };
	uint8_t pdu[3 + 18] = { 0x52, H_AUTH, 0x00 };
	uint8_t challenge[3 + 19] = { 0x1b, H_AUTH, 0x00, 0x10, 0x02, 0x01 };

	xfer(f, PDU(0x12, H_AUTH_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	next_random(f, random);
	memcpy(challenge + 6, random, 16);
	xfer(f, PDU(0x52, H_AUTH, 0x00, 0x02, 0x00), challenge,
	     sizeof(challenge));
	assert_int_equal(mb_crypto_aes128_ecb(key, random, answer + 2),
			 MB_CRYPTO_OK);
	memcpy(pdu + 3, answer, sizeof(answer));
	mb_link_receive(mb_band_link(f->band), pdu, sizeof(pdu));
}

void expect_events(struct fixture *f, ...)
{
	va_list ap;
	const char *want;
	size_t i = 0;

	va_start(ap, f);
	while ((want = va_arg(ap, const char *))) {
		char got[sizeof(f->events[0].name) + 1 +
			 sizeof(f->events[0].detail)];

		if (i >= f->n_events)
			fail_msg("missing event '%s' (only %zu recorded)", want,
				 f->n_events);
		snprintf(got, sizeof(got), "%s%s%s", f->events[i].name,
			 f->events[i].detail[0] ? " " : "",
			 f->events[i].detail);
		if (strcmp(got, want))
			fail_msg("event %zu: got '%s', want '%s'", i, got,
				 want);
		i++;
	}
	va_end(ap);
	if (i != f->n_events)
		fail_msg("unexpected event '%s'", f->events[i].name);
	f->n_events = 0;
}

int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	mb_band_free(f->band);
	mb_profile_free(f->profile);
	mb_crypto_set_random_source(NULL, NULL);
	free(f);
	return 0;
}

void fixture_advance(struct fixture *f, uint64_t ms)
{
	f->clock.now_ms += ms;
	mb_band_run(f->band);
}

void fixture_drain(struct fixture *f)
{
	for (int i = 0;
	     i < 100000 && mb_band_next_deadline(f->band) <= f->clock.now_ms;
	     i++)
		mb_band_run(f->band);
}

static void dump(const char *what, const uint8_t *p, size_t len)
{
	char buf[2048];

	mb_hex_format(p, len, buf, sizeof(buf));
	print_error("%s (%zu): %s\n", what, len, buf);
}

void expect_out(struct fixture *f, const uint8_t *pdu, size_t len)
{
	const struct captured *c;

	if (f->next_out >= f->n_out) {
		dump("expected", pdu, len);
		fail_msg("the band sent nothing");
	}
	c = &f->out[f->next_out++];
	if (c->len != len || memcmp(c->pdu, pdu, len)) {
		dump("expected", pdu, len);
		dump("got     ", c->pdu, c->len);
		fail_msg("PDU mismatch");
	}
}

void expect_no_out(struct fixture *f)
{
	if (f->next_out < f->n_out) {
		dump("unexpected", f->out[f->next_out].pdu,
		     f->out[f->next_out].len);
		fail_msg("the band sent a PDU");
	}
	/* Everything was checked: start the capture buffer again. */
	f->n_out = f->next_out = 0;
}

void xfer(struct fixture *f, const uint8_t *req, size_t req_len,
	  const uint8_t *rsp, size_t rsp_len)
{
	mb_link_receive(mb_band_link(f->band), req, req_len);
	expect_out(f, rsp, rsp_len);
	expect_no_out(f);
}

void xfer_silent(struct fixture *f, const uint8_t *req, size_t req_len)
{
	mb_link_receive(mb_band_link(f->band), req, req_len);
	expect_no_out(f);
}

const struct captured *xfer_any(struct fixture *f, const uint8_t *req,
				size_t req_len)
{
	mb_link_receive(mb_band_link(f->band), req, req_len);
	assert_int_equal(f->n_out, f->next_out + 1);
	return &f->out[f->next_out++];
}

const struct mb_gatt_chr *chr_by_uuid(struct fixture *f, const char *uuid)
{
	struct mb_uuid u;
	const struct mb_gatt_chr *c;

	assert_true(mb_uuid_parse(uuid, &u));
	c = mb_gatt_find_chr(mb_band_gatt(f->band), NULL, &u);
	assert_non_null(c);
	return c;
}

char *tmp;

int tmp_setup(void **state)
{
	tmp = mb_strdup("/tmp/bandsim-test-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

int tmp_teardown(void **state)
{
	char *cmd = mb_strdup_printf("rm -rf '%s'", tmp);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(tmp);
	tmp = NULL;
	return 0;
}
