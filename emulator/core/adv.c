// SPDX-License-Identifier: GPL-2.0-or-later
#include "adv.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct mb_adv {
	const struct mb_profile_adv *profile;
};

struct mb_adv *mb_adv_new(const struct mb_profile *profile)
{
	return MB_NEW(struct mb_adv, .profile = mb_profile_adv(profile));
}

void mb_adv_free(struct mb_adv *adv)
{
	free(adv);
}

static size_t put_ad(uint8_t *buf, size_t off, uint8_t type, const void *data,
		     size_t len)
{
	buf[off] = (uint8_t)(len + 1);
	buf[off + 1] = type;
	memcpy(buf + off + 2, data, len);
	return off + 2 + len;
}

void mb_adv_build(const struct mb_adv *adv, uint32_t steps, uint8_t heart_rate,
		  uint8_t data[31], size_t *data_len, uint8_t scan_rsp[31],
		  size_t *scan_rsp_len)
{
	const struct mb_profile_adv *a = adv->profile;
	uint8_t mfr[26], svc[6];
	size_t n = 0;
	uint16_t svc16 = 0;

	/* Advertising data: flags, then manufacturer data for company
	 * 0x0157 with the heart-rate byte (protocol §1). */
	n = put_ad(data, n, 0x01, &a->flags, 1);
	mb_put_le16(mfr, a->manufacturer_id);
	memcpy(mfr + 2, a->manufacturer_data, a->manufacturer_data_len);
	if (a->manufacturer_data_len)
		mfr[2 + a->heart_rate_offset] = heart_rate;
	*data_len = put_ad(data, n, 0xff, mfr, 2 + a->manufacturer_data_len);

	/* Scan response: complete local name, then service data on 0xFEE0
	 * with the day's steps, u32 LE. */
	n = put_ad(scan_rsp, 0, 0x09, a->local_name, strlen(a->local_name));
	mb_uuid_to16(&a->service_data_uuid, &svc16);
	mb_put_le16(svc, svc16);
	mb_put_le32(svc + 2, steps);
	*scan_rsp_len = put_ad(scan_rsp, n, 0x16, svc, sizeof(svc));
}
