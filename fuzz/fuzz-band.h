/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The driver of the harnesses over the Huami command characteristics
 * (docs/fuzzing.md "The band harnesses").  An input is
 *
 *   <start> <record> [FUZZ_BAND_DELIM <record>]...
 *
 * <start> picks the state a fresh band is brought to through real PDUs
 * (enum fuzz_start, low nibble) and its battery (bits 4 and 5).  Each
 * record is <op> <value...>: op, modulo the harness's table, says what
 * the central or the person does with value.  The invariants of
 * docs/fuzzing.md are checked after every PDU; one that breaks aborts
 * with a line naming it. */
#define FUZZ_BAND_DELIM "|W|"

/* Where a fresh band is brought before the records (docs/fuzzing.md). */
enum fuzz_start {
	FUZZ_START_NEW,		  /* factory-new: no key */
	FUZZ_START_BOUND,	  /* bound, the link not authenticated */
	FUZZ_START_AUTHED,	  /* authenticated, notifications on */
	FUZZ_START_PROMPT,	  /* factory-new, a key waits for a tap */
	FUZZ_START_FETCH_W4_SEND, /* 20 minutes logged, 01 01 answered */
	FUZZ_START_FETCH_SENDING, /* and 02 sent: the transfer runs */
	FUZZ_START_FETCH_DONE,	  /* the transfer over, 03 not sent */
	FUZZ_START_FW_W4_START,	  /* firmware 01 accepted */
	FUZZ_START_FW_RECEIVING,  /* 03 01 and half of the image sent */
	FUZZ_START_FW_W4_REBOOT,  /* the whole image in and verified */
	FUZZ_START_COUNT
};

/* What one record does. */
enum fuzz_op_kind {
	FUZZ_OP_WRITE_REQ,   /* Write Request on the op's characteristic */
	FUZZ_OP_WRITE_CMD,   /* Write Command on it */
	FUZZ_OP_RUN,	     /* band time: value[0] s */
	FUZZ_OP_RUN_MINUTES, /* and value[1] % run_minutes min (the log fills) */
	FUZZ_OP_PRESS,	     /* a tap on the button */
	FUZZ_OP_LONG_PRESS,  /* a long press */
	FUZZ_OP_RECONNECT,   /* the link goes down and comes back */
	FUZZ_OP_AUTH,	     /* the link authenticates, notifications on */
	FUZZ_OP_MTU,	     /* Exchange MTU with le16 value */
	FUZZ_OP_CONGEST,     /* the transport's queue fills (value[0] odd) */
	FUZZ_OP_STORE_FAIL,  /* the state directory refuses writes (odd) */
	FUZZ_OP_UPLOAD,	     /* a file of type value[0], version value[1..] */
	/* Queued writes (Core Vol 3 Part F 3.4.6) on the op's
	 * characteristic: a Prepare Write at offset le16 value[0..1] of
	 * value[2..]; an Execute Write with flags value[0]; a long write of
	 * value as a client's stack sends it, parts of ATT_MTU - 5, then
	 * Execute Write 01. */
	FUZZ_OP_PREPARE,
	FUZZ_OP_EXECUTE,
	FUZZ_OP_LONG_WRITE,
	FUZZ_OP_ANSWER_CALL, /* the wearer rejects (value[0] even) or ignores */
	/* The wearer starts a workout of kind value[1] % 7 (value[0] odd;
	 * 0 is none, refused) or stops the one running (even). */
	FUZZ_OP_WORKOUT,
};

struct fuzz_op {
	enum fuzz_op_kind kind;
	const char *uuid; /* the characteristic the writes go to */
};

struct fuzz_band_harness {
	const char *name;
	const struct fuzz_op *ops;
	size_t n_ops;
	/* The most minutes one RUN_MINUTES record runs, less one; 0 for 64.
	 * Every minute runs the whole band, so a harness whose subject
	 * does not need long spans takes shorter ones and more inputs. */
	unsigned run_minutes;
};

/* Loads the profile once (LLVMFuzzerInitialize). */
void fuzz_band_init(const struct fuzz_band_harness *h);
/* One input on a fresh band (LLVMFuzzerTestOneInput). */
void fuzz_band_input(const struct fuzz_band_harness *h, const uint8_t *data,
		     size_t size);

/* The two libFuzzer entry points of a harness over the table h. */
#define FUZZ_BAND_HARNESS(h)                                          \
	int LLVMFuzzerInitialize(int *argc, char ***argv);            \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
	int LLVMFuzzerInitialize(int *argc, char ***argv)             \
	{                                                             \
		fuzz_band_init(&(h));                                 \
		return 0;                                             \
	}                                                             \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)  \
	{                                                             \
		fuzz_band_input(&(h), data, size);                    \
		return 0;                                             \
	}
