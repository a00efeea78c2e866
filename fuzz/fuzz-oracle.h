/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "band.h"

/* What the band sends, judged as it is sent (docs/fuzzing.md
 * "Invariants"): every PDU fits ATT_MTU; a Write Request gets exactly one
 * response, before anything the write raised; so do Prepare and Execute
 * Write, and a refused Execute Write shows nothing; every string of every
 * event is UTF-8; a call ends only after it rang, and the band answers
 * one (07, 09) only when the wearer did; a Huami reply is
 * 10 <command> <status>; a write the band refused (an ATT error, or
 * 10 <command> 02) changes nothing; a transfer on 00000005 counts its
 * packets from 0, delivers what 10 01 01 announced, and starts where the
 * request asked unless there was nothing there; the key bound is the key
 * offered; the firmware booted is the one verified. */
struct fuzz_oracle;

/* The handles it watches are those of band's profile: every band the
 * oracle is started on must have the same. */
struct fuzz_oracle *fuzz_oracle_new(const struct mb_band *band);
void fuzz_oracle_free(struct fuzz_oracle *o);
/* Judges band from now on, with nothing under way; band must outlive
 * its time with the oracle. */
void fuzz_oracle_start(struct fuzz_oracle *o, const struct mb_band *band);

/* A PDU the band sent. */
void fuzz_oracle_sent(struct fuzz_oracle *o, const uint8_t *pdu, size_t len);
/* Around one write PDU the central sends. */
void fuzz_oracle_write_begin(struct fuzz_oracle *o, uint16_t handle,
			     bool command, const uint8_t *value, size_t len);
void fuzz_oracle_write_end(struct fuzz_oracle *o);
/* Around one Prepare or Execute Write Request: exactly one response, a
 * Prepare Write's the echo of the request; after an Execute Write that
 * was not malformed the queue is empty, and one refused showed nothing. */
void fuzz_oracle_request_begin(struct fuzz_oracle *o, const uint8_t *pdu,
			       size_t len);
void fuzz_oracle_request_end(struct fuzz_oracle *o);
/* Around the wearer's answer to a call: 07 and 09 come from nowhere
 * else. */
void fuzz_oracle_answer(struct fuzz_oracle *o, bool answering);
/* The link is gone: no transfer goes on. */
void fuzz_oracle_link_down(struct fuzz_oracle *o);
/* An event the band emitted. */
void fuzz_oracle_event(struct fuzz_oracle *o, const struct mb_event *ev);
