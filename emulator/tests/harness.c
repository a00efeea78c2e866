// SPDX-License-Identifier: GPL-2.0-or-later
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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

static const struct mb_band_link_ops link_ops = {
	.send = on_send,
	.disconnect = on_disconnect,
};

void fixture_connect(struct fixture *f)
{
	assert_true(mb_band_connect(f->band, &link_ops, f));
}

int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *err = NULL;
	static const struct mb_identity id = {
		.address = { 0xe1, 0x23, 0x45, 0x67, 0x89, 0xab },
		.serial = "86c5dfd5eff8",
	};

	f->clock.clock.now_ms = fake_now;
	f->clock.clock.user_data = &f->clock;
	f->clock.now_ms = TEST_EPOCH_MS;
	f->profile = mb_profile_load(test_profile_path(), &err);
	if (!f->profile)
		fail_msg("profile: %s", err);
	f->identity = id;
	f->band = mb_band_new(f->profile, &f->identity, &f->clock.clock, &err);
	if (!f->band)
		fail_msg("band: %s", err);
	fixture_connect(f);
	*state = f;
	return 0;
}

int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	mb_band_free(f->band);
	mb_profile_free(f->profile);
	free(f);
	return 0;
}

void fixture_advance(struct fixture *f, uint64_t ms)
{
	f->clock.now_ms += ms;
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
		dump("unexpected", f->out[f->next_out].pdu, f->out[f->next_out].len);
		fail_msg("the band sent a PDU");
	}
	/* Everything was checked: start the capture buffer again. */
	f->n_out = f->next_out = 0;
}

void xfer(struct fixture *f, const uint8_t *req, size_t req_len,
	  const uint8_t *rsp, size_t rsp_len)
{
	mb_band_receive(f->band, req, req_len);
	expect_out(f, rsp, rsp_len);
	expect_no_out(f);
}

void xfer_silent(struct fixture *f, const uint8_t *req, size_t req_len)
{
	mb_band_receive(f->band, req, req_len);
	expect_no_out(f);
}

const struct captured *xfer_any(struct fixture *f, const uint8_t *req,
				size_t req_len)
{
	mb_band_receive(f->band, req, req_len);
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
