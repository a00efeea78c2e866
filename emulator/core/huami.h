/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "chrs.h"
#include "services.h"

/* Huami command characteristics (00000009, 00000004, 00001531): replies
 * are notifications on the same characteristic, 10 <command> <status>
 * [payload] (protocol §2.2). */
#define MB_HUAMI_RESPONSE 0x10
#define MB_HUAMI_STATUS_SUCCESS 0x01
#define MB_HUAMI_STATUS_MALFORMED 0x02
#define MB_HUAMI_STATUS_REFUSED 0x04
/* The longest reply payload: the auth challenge. */
#define MB_HUAMI_MAX_PAYLOAD 16

/* One row per command: lengths are checked in mb_huami_write() and
 * nowhere else, so a handler never sees a command it cannot parse. */
struct mb_huami_cmd {
	uint8_t command;
	size_t min_len;
	size_t max_len;
	void (*handler)(void *part, const uint8_t *value, size_t len);
};

/* 10 <command> <status> [payload] into out (3 + 16 bytes); its length. */
size_t mb_huami_frame(uint8_t *out, uint8_t command, uint8_t status,
		      const uint8_t *payload, size_t len);

/* The command channel of one characteristic: where the replies go and
 * the table of its commands (each part with a command characteristic
 * has one). */
struct mb_huami;

struct mb_huami *mb_huami_new(const struct mb_services *svc, enum mb_chr_id chr,
			      const struct mb_huami_cmd *cmds, size_t n_cmds);
void mb_huami_free(struct mb_huami *h);

/* A write on the characteristic: the command's handler, given part, or
 * 10 <cmd> 02 for an unknown command or a wrong length; 0 then.  An empty
 * write has no command byte to answer to: nothing is notified and it
 * returns Invalid Attribute Value Length, which a Write Request gets as
 * its response (a Write Command has none). */
uint8_t mb_huami_write(const struct mb_huami *h, void *part,
		       const uint8_t *value, size_t len);
void mb_huami_reply(const struct mb_huami *h, uint8_t command, uint8_t status,
		    const uint8_t *payload, size_t len);
/* Answers 10 <command> 02 and emits "malformed"; nothing else changes. */
void mb_huami_malformed(const struct mb_huami *h, uint8_t command);

/* Defines fn, the route write of a characteristic whose commands go to
 * the part's channel (the member of type): the replies are notifications,
 * so the ATT write itself succeeds unless it carries no command. */
#define MB_HUAMI_ROUTE_WRITE(fn, type, member)                             \
	static uint8_t fn(void *part, const uint8_t *value, size_t len,    \
			  bool command)                                    \
	{                                                                  \
		return mb_huami_write(((type *)part)->member, part, value, \
				      len);                                \
	}
