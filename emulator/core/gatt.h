/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "uuid.h"

#define MB_GATT_PRIMARY_SERVICE 0x2800
#define MB_GATT_SECONDARY_SERVICE 0x2801
#define MB_GATT_CHARACTERISTIC 0x2803
#define MB_GATT_CCCD 0x2902

#define MB_CCC_NOTIFY 0x0001
#define MB_CCC_INDICATE 0x0002

/* The longest attribute value (Core Vol 3 Part F 3.2.9). */
#define MB_ATT_MAX_VALUE_LEN 512

enum mb_attr_kind {
	MB_ATTR_KIND_SERVICE,
	MB_ATTR_KIND_CHR_DECL,
	MB_ATTR_KIND_VALUE,
	MB_ATTR_KIND_CCCD,
};

/* One characteristic of the built table. */
struct mb_gatt_chr {
	size_t index;
	const struct mb_profile_svc *svc;
	const struct mb_profile_chr *def;
	uint16_t decl_handle;
	uint16_t value_handle;
	uint16_t cccd_handle; /* 0 without notify/indicate */
};

/* One attribute.  Declarations carry their value; characteristic values
 * and CCCDs are answered by the band and the link (att.c). */
struct mb_attr {
	uint16_t handle;
	enum mb_attr_kind kind;
	struct mb_uuid type;
	uint16_t end_handle; /* group end, services only */
	uint8_t decl[19];    /* props, value handle, UUID (max 1+2+16) */
	size_t decl_len;
	const struct mb_gatt_chr *chr; /* NULL for services */
};

struct mb_gatt;

/* Lays out the profile's table.  Fails, naming the profile line, when a
 * handle hint points behind handles already used. */
struct mb_gatt *mb_gatt_new(const struct mb_profile *profile, char **err);
void mb_gatt_free(struct mb_gatt *gatt);

size_t mb_gatt_n_attrs(const struct mb_gatt *gatt);
const struct mb_attr *mb_gatt_attr(const struct mb_gatt *gatt, size_t i);
/* Index of the first attribute with a handle >= handle (n_attrs if none). */
size_t mb_gatt_lower_bound(const struct mb_gatt *gatt, uint16_t handle);
const struct mb_attr *mb_gatt_lookup(const struct mb_gatt *gatt,
				     uint16_t handle);

size_t mb_gatt_n_chrs(const struct mb_gatt *gatt);
const struct mb_gatt_chr *mb_gatt_chr(const struct mb_gatt *gatt, size_t i);
/* The first characteristic with that UUID inside the service with
 * svc_uuid (NULL: any service).  0x2A04 exists twice on the band. */
const struct mb_gatt_chr *mb_gatt_find_chr(const struct mb_gatt *gatt,
					   const struct mb_uuid *svc_uuid,
					   const struct mb_uuid *uuid);
const struct mb_gatt_chr *mb_gatt_find_chr16(const struct mb_gatt *gatt,
					     uint16_t uuid);
