/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A BLE link's pace over a socket (--pace real; docs/socket-transport.md
 * "Pace"): PDUs cross only at connection events, one every interval from
 * the link's start.  At an event the central's PDUs reach the band first,
 * then the band's go out, at most per_event of them, each after the air
 * time of the one before (1M PHY, data length extension: a 247-byte
 * notification takes ~2.5 ms, a 20-byte one ~0.7 ms).  What does not fit
 * waits for the next event.  The band sees its link congested while more
 * than one event's worth waits, as a controller's buffers fill. */
struct pace;

struct pace_params {
	unsigned int interval_ms; /* connection interval */
	unsigned int per_event;	  /* PDUs each way per connection event */
};

struct pace_ops {
	/* A PDU from the central, at its connection event. */
	void (*deliver)(const uint8_t *pdu, size_t len, void *user_data);
	/* A PDU to the central, on air now. */
	void (*send)(const uint8_t *pdu, size_t len, void *user_data);
	/* More than an event's worth is waiting (true), or no longer. */
	void (*congested)(bool congested, void *user_data);
};

struct pace *pace_new(const struct pace_params *params,
		      const struct pace_ops *ops, void *user_data);
/* What is still queued is dropped, as a link that ends loses it. */
void pace_free(struct pace *p);

/* Nothing waits to go to the central. */
bool pace_out_empty(const struct pace *p);

void pace_from_central(struct pace *p, const uint8_t *pdu, size_t len);
void pace_to_central(struct pace *p, const uint8_t *pdu, size_t len);

/* Microseconds a PDU of len ATT bytes and its empty acknowledgement take
 * on air (tests). */
unsigned int pace_air_time_us(size_t len);
