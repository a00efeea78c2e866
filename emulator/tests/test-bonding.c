// SPDX-License-Identifier: GPL-2.0-or-later
/* LE bonds: what the band keeps (band.ini's [bonds], oldest first), how
 * many, what a factory reset does to them, and how it answers pairing
 * and encryption on a link. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "bandstate.h"
#include "bonding.h"
#include "identity.h"
#include "util.h"

static const uint8_t PHONE[6] = { 0x48, 0x2c, 0xa0, 0x11, 0x22, 0x33 };
static const uint8_t TABLET[6] = { 0xc4, 0x1d, 0x2e, 0x3f, 0x40, 0x51 };
static const uint8_t LAPTOP[6] = { 0x00, 0xaa, 0x01, 0x01, 0x00, 0x01 };

static struct mb_bond bond(const uint8_t peer[6], bool random, uint8_t fill)
{
	struct mb_bond b = { .peer_random = random };

	memcpy(b.peer, peer, 6);
	memset(b.ltk, fill, sizeof(b.ltk));
	return b;
}

static void test_bonds_round_trip(void **state)
{
	struct mb_band_state s, back;
	char *text, *err = NULL;

	(void)state;
	assert_true(mb_band_state_init(&s));
	s.bonds[0] = bond(PHONE, false, 0xa1);
	s.bonds[1] = bond(TABLET, true, 0xb2);
	/* A key of legacy pairing, as the kernel's SMP gives one over the
	 * air: EDIV and Rand name it. */
	s.bonds[2] = bond(LAPTOP, false, 0xc3);
	s.bonds[2].legacy = true;
	s.bonds[2].ediv = 0xbeef;
	s.bonds[2].rand = 0x0123456789abcdefull;
	s.n_bonds = 3;
	text = mb_band_state_format(&s);
	assert_non_null(strstr(
		text,
		"\n[bonds]\nbond-1 = 48:2C:A0:11:22:33 public a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1\n"
		"bond-2 = C4:1D:2E:3F:40:51 random b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2\n"
		"bond-3 = 00:AA:01:01:00:01 public c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3 legacy beef 0123456789abcdef\n"));
	assert_true(mb_band_state_parse(text, strlen(text), "band.ini", &back,
					&err));
	assert_int_equal(back.n_bonds, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_memory_equal(back.bonds[i].peer, s.bonds[i].peer, 6);
		assert_memory_equal(back.bonds[i].ltk, s.bonds[i].ltk, 16);
		assert_int_equal(back.bonds[i].peer_random,
				 s.bonds[i].peer_random);
		assert_int_equal(back.bonds[i].legacy, s.bonds[i].legacy);
		assert_int_equal(back.bonds[i].ediv, s.bonds[i].ediv);
		assert_int_equal(back.bonds[i].rand, s.bonds[i].rand);
	}
	assert_non_null(mb_band_state_bond(&back, TABLET, true));
	assert_null(mb_band_state_bond(&back, TABLET, false));
	free(text);
}

static void test_bad_bonds_name_line_and_field(void **state)
{
	static const struct {
		const char *bonds;
		const char *err;
	} bad[] = {
		{ "bond-2 = 48:2C:A0:11:22:33 public 00000000000000000000000000000000",
		  "band.ini:5: [bonds] bond-2: expected bond-1 (at most 8 bonds, oldest first)" },
		{ "bond-1 = 48:2C:A0:11:22:33 other 00000000000000000000000000000000",
		  "band.ini:5: [bonds] bond-1: not \"ADDRESS public|random KEY [legacy EDIV RAND]\" (KEY: 16 hex bytes, EDIV 4 and RAND 16 hex digits)" },
		{ "bond-1 = 48:2C:A0:11:22 public 00000000000000000000000000000000",
		  "band.ini:5: [bonds] bond-1: not \"ADDRESS public|random KEY [legacy EDIV RAND]\" (KEY: 16 hex bytes, EDIV 4 and RAND 16 hex digits)" },
		{ "bond-1 = 48:2C:A0:11:22:33 public 0000",
		  "band.ini:5: [bonds] bond-1: not \"ADDRESS public|random KEY [legacy EDIV RAND]\" (KEY: 16 hex bytes, EDIV 4 and RAND 16 hex digits)" },
		{ "bond-1 = 48:2C:A0:11:22:33 public 00000000000000000000000000000000 legacy 12 0011223344556677",
		  "band.ini:5: [bonds] bond-1: not \"ADDRESS public|random KEY [legacy EDIV RAND]\" (KEY: 16 hex bytes, EDIV 4 and RAND 16 hex digits)" },
		{ "bond-1 = 48:2C:A0:11:22:33 public 00000000000000000000000000000000 legacy 1234 0011223344556677 x",
		  "band.ini:5: [bonds] bond-1: not \"ADDRESS public|random KEY [legacy EDIV RAND]\" (KEY: 16 hex bytes, EDIV 4 and RAND 16 hex digits)" },
		{ "bond-1 = 48:2C:A0:11:22:33 public 00000000000000000000000000000000 x",
		  "band.ini:5: [bonds] bond-1: not \"ADDRESS public|random KEY [legacy EDIV RAND]\" (KEY: 16 hex bytes, EDIV 4 and RAND 16 hex digits)" },
	};

	(void)state;
	for (size_t i = 0; i < MB_ARRAY_SIZE(bad); i++) {
		struct mb_band_state s;
		char *text = mb_strdup_printf(
			"[band]\naddress = E1:23:45:67:89:AB\nserial = 0123456789ab\n"
			"[bonds]\n%s\n",
			bad[i].bonds);
		char *err = NULL;

		assert_false(mb_band_state_parse(text, strlen(text), "band.ini",
						 &s, &err));
		assert_string_equal(err, bad[i].err);
		free(err);
		free(text);
	}
}

/* The identity keeps slots bonds: the central's own old bond is
 * replaced, the oldest goes when full, a reset forgets them all. */
static void test_slots_and_reset(void **state)
{
	struct mb_band_state s;
	struct mb_identity *id;
	struct mb_bond phone = bond(PHONE, false, 1),
		       tablet = bond(TABLET, true, 2);
	char *err = NULL;

	(void)state;
	assert_true(mb_band_state_init(&s));
	id = mb_identity_new(&s);
	assert_true(mb_identity_bond(id, &phone, 2, &err));
	assert_true(mb_identity_bond(id, &tablet, 2, &err));
	phone.ltk[0] = 9;
	assert_true(mb_identity_bond(id, &phone, 2, &err));
	assert_int_equal(mb_identity_state(id)->n_bonds, 2);
	/* Re-paired: now the newest, with its new key. */
	assert_memory_equal(mb_identity_state(id)->bonds[1].peer, PHONE, 6);
	assert_int_equal(mb_identity_state(id)->bonds[1].ltk[0], 9);
	/* One slot: the newest stays. */
	assert_true(mb_identity_bond(id, &tablet, 1, &err));
	assert_int_equal(mb_identity_state(id)->n_bonds, 1);
	assert_memory_equal(mb_identity_state(id)->bonds[0].peer, TABLET, 6);
	assert_false(mb_identity_bond(id, &phone, 0, &err));
	assert_non_null(err);
	free(err);
	err = NULL;
	assert_int_equal(mb_identity_state(id)->n_bonds, 1);
	assert_true(mb_identity_reset(id, &err));
	assert_int_equal(mb_identity_state(id)->n_bonds, 0);
	mb_identity_free(id);
}

/* ---- the part on a band's link ---------------------------------------- */

struct events {
	int n;
	enum mb_event_id ids[8];
	char reasons[8][16]; /* the event's reason, "" without one */
	bool dropped;
};

static uint64_t svc_now(void *data)
{
	return 0;
}

static void svc_emit(const struct mb_event *ev, void *data)
{
	struct events *e = data;

	const struct mb_event_field *reason = mb_event_field(ev, "reason");

	if (e->n >= 8)
		return;
	snprintf(e->reasons[e->n], sizeof(e->reasons[e->n]), "%s",
		 reason ? reason->str : "");
	e->ids[e->n++] = ev->id;
}

static void svc_drop(void *data)
{
	((struct events *)data)->dropped = true;
}

static const struct mb_services_ops svc_ops = {
	.now = svc_now,
	.emit = svc_emit,
	.drop_link = svc_drop,
};

static void test_pair_and_encrypt(void **state)
{
	struct events e = { 0 };
	struct mb_services svc = { &svc_ops, &e };
	struct mb_band_state s;
	struct mb_identity *id;
	struct mb_bonding *b;
	uint8_t ltk[16], other[16] = { 0 };

	(void)state;
	assert_true(mb_band_state_init(&s));
	id = mb_identity_new(&s);
	b = mb_bonding_new(&svc, id, 4);
	/* Nobody named on the link yet. */
	assert_int_equal(mb_bonding_pair(b, ltk), MB_SECURITY_NO_PEER);
	mb_bonding_set_peer(b, PHONE, false);
	assert_int_equal(mb_bonding_encrypt(b, other), MB_SECURITY_KEY_MISSING);
	assert_false(mb_bonding_encrypted(b));
	assert_int_equal(mb_bonding_pair(b, ltk), MB_SECURITY_OK);
	assert_true(mb_bonding_encrypted(b));
	assert_memory_equal(mb_identity_state(id)->bonds[0].ltk, ltk, 16);
	/* The next link. */
	mb_bonding_link_down(b);
	mb_bonding_set_peer(b, PHONE, false);
	assert_int_equal(mb_bonding_encrypt(b, ltk), MB_SECURITY_OK);
	assert_true(mb_bonding_encrypted(b));
	mb_bonding_set_peer(b, PHONE, false);
	assert_false(e.dropped);
	assert_int_equal(mb_bonding_encrypt(b, other), MB_SECURITY_MIC_FAILURE);
	assert_true(e.dropped);
	assert_int_equal(e.n, 4);
	assert_int_equal(e.ids[0], MB_EVENT_ENCRYPTION_FAILED);
	assert_int_equal(e.ids[1], MB_EVENT_PAIRED);
	assert_int_equal(e.ids[2], MB_EVENT_ENCRYPTED);
	assert_int_equal(e.ids[3], MB_EVENT_ENCRYPTION_FAILED);
	mb_bonding_free(b);
	mb_identity_free(id);
}

static void test_no_slots_refuses_pairing(void **state)
{
	struct events e = { 0 };
	struct mb_services svc = { &svc_ops, &e };
	struct mb_band_state s;
	struct mb_identity *id;
	struct mb_bonding *b;
	uint8_t ltk[16];

	(void)state;
	assert_true(mb_band_state_init(&s));
	id = mb_identity_new(&s);
	b = mb_bonding_new(&svc, id, 0);
	mb_bonding_set_peer(b, PHONE, false);
	assert_int_equal(mb_bonding_pair(b, ltk),
			 MB_SECURITY_PAIRING_NOT_SUPPORTED);
	assert_false(mb_bonding_encrypted(b));
	assert_int_equal(mb_identity_state(id)->n_bonds, 0);
	assert_int_equal(e.ids[0], MB_EVENT_PAIRING_FAILED);
	mb_bonding_free(b);
	mb_identity_free(id);
}

/* Over the air the kernel pairs and encrypts: the band keeps the key
 * it is given, legacy fields and all, and hears of encryption only for
 * a central it has a bond with. */
static void test_link_layer_pairs_and_encrypts(void **state)
{
	struct events e = { 0 };
	struct mb_services svc = { &svc_ops, &e };
	struct mb_band_state s;
	struct mb_identity *id;
	struct mb_bonding *b;
	struct mb_bond key = bond(TABLET, true, 0x5c);
	const struct mb_bond *kept;

	(void)state;
	key.legacy = true;
	key.ediv = 0x1234;
	key.rand = 42;
	assert_true(mb_band_state_init(&s));
	id = mb_identity_new(&s);
	b = mb_bonding_new(&svc, id, 2);
	/* A central with no bond encrypts (pairing under way): nothing. */
	mb_bonding_set_peer(b, TABLET, true);
	mb_bonding_link_encrypted(b);
	assert_false(mb_bonding_encrypted(b));
	assert_int_equal(e.n, 0);
	assert_int_equal(mb_bonding_keep(b, &key), MB_SECURITY_OK);
	assert_true(mb_bonding_encrypted(b));
	kept = mb_band_state_bond(mb_identity_state(id), TABLET, true);
	assert_non_null(kept);
	assert_memory_equal(kept->ltk, key.ltk, 16);
	assert_true(kept->legacy);
	assert_int_equal(kept->ediv, 0x1234);
	assert_int_equal(kept->rand, 42);
	/* The next link: the controller found the key. */
	mb_bonding_link_down(b);
	mb_bonding_set_peer(b, TABLET, true);
	mb_bonding_link_encrypted(b);
	mb_bonding_link_encrypted(b); /* said once */
	assert_true(mb_bonding_encrypted(b));
	assert_int_equal(e.n, 2);
	assert_int_equal(e.ids[0], MB_EVENT_PAIRED);
	assert_int_equal(e.ids[1], MB_EVENT_ENCRYPTED);
	mb_bonding_free(b);
	mb_identity_free(id);
}

/* Over the air the band hears of a failed encryption only as the link's
 * end (the central's kernel ends it on an authentication failure): it
 * names the reason from its own record, as the socket's model does, and
 * only for a link that was not encrypted. */
static void test_link_layer_encryption_fails(void **state)
{
	struct events e = { 0 };
	struct mb_services svc = { &svc_ops, &e };
	struct mb_band_state s;
	struct mb_identity *id;
	struct mb_bonding *b;
	struct mb_bond key = bond(PHONE, false, 0x5c);

	(void)state;
	assert_true(mb_band_state_init(&s));
	id = mb_identity_new(&s);
	b = mb_bonding_new(&svc, id, 1);
	/* No central named on the link: nothing to say. */
	mb_bonding_encryption_failed(b);
	assert_int_equal(e.n, 0);
	/* The ghost pairing: a central the band has no bond with. */
	mb_bonding_set_peer(b, PHONE, false);
	mb_bonding_encryption_failed(b);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.ids[0], MB_EVENT_ENCRYPTION_FAILED);
	assert_string_equal(e.reasons[0], "key-missing");
	mb_bonding_link_down(b);
	/* A bond, and the link ended unencrypted on a failure: another
	 * key. */
	mb_bonding_set_peer(b, PHONE, false);
	assert_int_equal(mb_bonding_keep(b, &key), MB_SECURITY_OK);
	mb_bonding_link_down(b);
	mb_bonding_set_peer(b, PHONE, false);
	mb_bonding_encryption_failed(b);
	assert_int_equal(e.n, 3);
	assert_int_equal(e.ids[1], MB_EVENT_PAIRED);
	assert_int_equal(e.ids[2], MB_EVENT_ENCRYPTION_FAILED);
	assert_string_equal(e.reasons[2], "other-key");
	mb_bonding_link_down(b);
	/* An encrypted link that ends so is not an encryption failure. */
	mb_bonding_set_peer(b, PHONE, false);
	mb_bonding_link_encrypted(b);
	mb_bonding_encryption_failed(b);
	assert_int_equal(e.n, 4);
	assert_int_equal(e.ids[3], MB_EVENT_ENCRYPTED);
	/* The bond stays: the band forgets nothing on a failure. */
	assert_non_null(
		mb_band_state_bond(mb_identity_state(id), PHONE, false));
	mb_bonding_free(b);
	mb_identity_free(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bonds_round_trip),
		cmocka_unit_test(test_bad_bonds_name_line_and_field),
		cmocka_unit_test(test_slots_and_reset),
		cmocka_unit_test(test_pair_and_encrypt),
		cmocka_unit_test(test_no_slots_refuses_pairing),
		cmocka_unit_test(test_link_layer_pairs_and_encrypts),
		cmocka_unit_test(test_link_layer_encryption_fails),
	};

	return cmocka_run_group_tests_name("bonding", tests, NULL, NULL);
}
