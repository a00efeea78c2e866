// SPDX-License-Identifier: GPL-2.0-or-later
/* What the band answers on the characteristics it gives meaning to.  Byte
 * layouts are those of the protocol fact sheet, section by section. */
#include <stdlib.h>
#include <string.h>

#include "att.h"
#include "band-private.h"
#include "datetime.h"

#define CURRENT_TIME_LEN 11

static uint8_t put_string(const char *s, uint8_t *buf, size_t *len)
{
	size_t n = s ? strlen(s) : 0;

	if (n > MB_ATT_MAX_VALUE_LEN)
		n = MB_ATT_MAX_VALUE_LEN;
	memcpy(buf, s, n);
	*len = n;
	return 0;
}

/* §2.1: "Mi Smart Band 4", 15 ASCII bytes, no NUL. */
static uint8_t read_device_name(struct mb_band *band,
				const struct mb_gatt_chr *chr, uint8_t *buf,
				size_t *len)
{
	return put_string(mb_profile_device_name(band->profile), buf, len);
}

static uint8_t read_appearance(struct mb_band *band,
			       const struct mb_gatt_chr *chr, uint8_t *buf,
			       size_t *len)
{
	mb_put_le16(buf, mb_profile_appearance(band->profile));
	*len = 2;
	return 0;
}

/* §8: MAC bytes 0-2, FF FE, MAC bytes 3-5 (EUI-64 style, as dumped). */
static uint8_t read_system_id(struct mb_band *band,
			      const struct mb_gatt_chr *chr, uint8_t *buf,
			      size_t *len)
{
	const uint8_t *a = band->state.address;

	memcpy(buf, a, 3);
	buf[3] = 0xff;
	buf[4] = 0xfe;
	memcpy(buf + 5, a + 3, 3);
	*len = 8;
	return 0;
}

static uint8_t read_serial(struct mb_band *band, const struct mb_gatt_chr *chr,
			   uint8_t *buf, size_t *len)
{
	return put_string(band->state.serial, buf, len);
}

static uint8_t read_software_rev(struct mb_band *band,
				 const struct mb_gatt_chr *chr, uint8_t *buf,
				 size_t *len)
{
	/* The running image's version (protocol §8; §7.2 for an update). */
	return put_string(mb_band_software_revision(band), buf, len);
}

static uint8_t read_hardware_rev(struct mb_band *band,
				 const struct mb_gatt_chr *chr, uint8_t *buf,
				 size_t *len)
{
	return put_string(mb_profile_device_info(band->profile)->hardware_revision,
			  buf, len);
}

static uint8_t read_pnp_id(struct mb_band *band, const struct mb_gatt_chr *chr,
			   uint8_t *buf, size_t *len)
{
	memcpy(buf, mb_profile_device_info(band->profile)->pnp_id, 7);
	*len = 7;
	return 0;
}

/* §6: year u16, month, day, hour, minute, second, weekday 1=Mon,
 * fractions/256, adjust reason, tz in signed quarter-hours. */
static uint8_t read_current_time(struct mb_band *band,
				 const struct mb_gatt_chr *chr, uint8_t *buf,
				 size_t *len)
{
	int64_t local_ms = (int64_t)mb_band_now_ms(band) + band->rtc_offset_ms;
	int64_t local = mb_band_local_time(band);
	int64_t ms = local_ms - local * 1000;
	struct mb_datetime dt;

	mb_datetime_from_epoch(local, &dt);
	mb_datetime_put(buf, &dt);
	buf[7] = mb_weekday(local);
	buf[8] = (uint8_t)(ms * 256 / 1000);
	buf[9] = band->dst;
	buf[10] = (uint8_t)band->tz;
	*len = CURRENT_TIME_LEN;
	return 0;
}

/* GB and satcar77 write all 11 bytes; the 10-byte Current Time Service
 * form (no tz) keeps the band's tz.  The weekday and fractions the client
 * sends are not trusted: the band derives its own. */
static uint8_t write_current_time(struct mb_band *band,
				  const struct mb_gatt_chr *chr,
				  const uint8_t *value, size_t len,
				  bool command)
{
	struct mb_datetime dt;
	int8_t tz = band->tz;

	if (len != CURRENT_TIME_LEN && len != CURRENT_TIME_LEN - 1)
		return MB_ATT_ERROR_INVALID_VALUE_LEN;
	mb_datetime_get(value, &dt);
	if (len == CURRENT_TIME_LEN)
		tz = (int8_t)value[10];
	/* UTC-12:00 .. UTC+14:00 in quarter-hours. */
	if (!mb_datetime_valid(&dt) || dt.year < 1970 || value[7] > 7 ||
	    tz < -48 || tz > 56)
		return MB_ATT_ERROR_VALUE_NOT_ALLOWED;
	band->rtc_offset_ms = mb_datetime_to_epoch(&dt) * 1000 -
			      (int64_t)mb_band_now_ms(band);
	band->tz = tz;
	band->dst = value[9];
	band->next_minute_ms = mb_band_now_ms(band) +
			       (uint64_t)(60 - dt.second) * 1000;
	mb_band_debug(band, "RTC set to %04u-%02u-%02u %02u:%02u:%02u tz %d",
		      dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second,
		      tz);
	return 0;
}

static uint8_t read_battery(struct mb_band *band, const struct mb_gatt_chr *chr,
			    uint8_t *buf, size_t *len)
{
	mb_battery_encode(&band->battery, buf);
	*len = MB_BATTERY_INFO_LEN;
	return 0;
}

/* §2.4: flags 0x0c, steps, metres, kcal, all u32 LE. */
void mb_band_encode_steps(const struct mb_band *band, uint8_t out[13])
{
	out[0] = 0x0c;
	mb_put_le32(out + 1, band->steps.steps);
	mb_put_le32(out + 5, band->steps.distance_m);
	mb_put_le32(out + 9, band->steps.calories);
}

static uint8_t read_steps(struct mb_band *band, const struct mb_gatt_chr *chr,
			  uint8_t *buf, size_t *len)
{
	mb_band_encode_steps(band, buf);
	*len = 13;
	return 0;
}

/* protocol §11: 06 0B 00 01 is factory reset; only the authenticated owner
 * gets this far (00000003 is protected).  Other configuration commands are
 * accepted without a reply until the settings model lands. */
static uint8_t write_configuration(struct mb_band *band,
				   const struct mb_gatt_chr *chr,
				   const uint8_t *value, size_t len,
				   bool command)
{
	static const uint8_t factory_reset[] = { 0x06, 0x0b, 0x00, 0x01 };
	char *err = NULL;

	if (len == sizeof(factory_reset) &&
	    !memcmp(value, factory_reset, len) &&
	    !mb_band_factory_reset(band, &err)) {
		mb_band_debug(band, "factory reset failed: %s", err);
		free(err);
	}
	return 0;
}

static const struct mb_chr_impl impls[] = {
	{ "2a00", read_device_name, NULL },
	{ "2a01", read_appearance, NULL },
	{ "2a23", read_system_id, NULL },
	{ "2a25", read_serial, NULL },
	{ "2a28", read_software_rev, NULL },
	{ "2a27", read_hardware_rev, NULL },
	{ "2a50", read_pnp_id, NULL },
	{ "2a2b", read_current_time, write_current_time },
	{ MB_UUID_BATTERY, read_battery, NULL },
	{ MB_UUID_REALTIME_STEPS, read_steps, NULL },
	{ MB_UUID_AUTH, NULL, mb_auth_write },
	{ MB_UUID_CONFIG, NULL, write_configuration },
	{ MB_UUID_FETCH_CONTROL, NULL, mb_fetch_write },
	{ MB_UUID_FW_CONTROL, NULL, mb_firmware_write_control },
	{ MB_UUID_FW_DATA, NULL, mb_firmware_write_data },
};

const struct mb_chr_impl *mb_chr_impl_find(const struct mb_uuid *uuid)
{
	for (size_t i = 0; i < MB_ARRAY_SIZE(impls); i++) {
		struct mb_uuid u;

		if (mb_uuid_parse(impls[i].uuid, &u) && mb_uuid_eq(&u, uuid))
			return &impls[i];
	}
	return NULL;
}
