// SPDX-License-Identifier: GPL-2.0-or-later
/* Byte layouts are those of the protocol fact sheet, section by section. */
#include "devinfo.h"

#include <stdlib.h>
#include <string.h>

#include "firmware.h"
#include "gatt.h"
#include "identity.h"
#include "util.h"

struct mb_devinfo {
	const struct mb_profile *profile;
	const struct mb_identity *id;
	const struct mb_firmware *firmware;
};

struct mb_devinfo *mb_devinfo_new(const struct mb_profile *profile,
				  const struct mb_identity *id,
				  const struct mb_firmware *firmware)
{
	return MB_NEW(struct mb_devinfo, .profile = profile, .id = id,
		      .firmware = firmware);
}

void mb_devinfo_free(struct mb_devinfo *info)
{
	free(info);
}

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
static uint8_t read_device_name(void *part, uint8_t *buf, size_t *len)
{
	const struct mb_devinfo *info = part;

	return put_string(mb_profile_device_name(info->profile), buf, len);
}

static uint8_t read_appearance(void *part, uint8_t *buf, size_t *len)
{
	const struct mb_devinfo *info = part;

	mb_put_le16(buf, mb_profile_appearance(info->profile));
	*len = 2;
	return 0;
}

/* §8: MAC bytes 0-2, FF FE, MAC bytes 3-5 (EUI-64 style, as dumped). */
static uint8_t read_system_id(void *part, uint8_t *buf, size_t *len)
{
	const uint8_t *a =
		mb_identity_state(((const struct mb_devinfo *)part)->id)
			->address;

	memcpy(buf, a, 3);
	buf[3] = 0xff;
	buf[4] = 0xfe;
	memcpy(buf + 5, a + 3, 3);
	*len = 8;
	return 0;
}

static uint8_t read_serial(void *part, uint8_t *buf, size_t *len)
{
	const struct mb_devinfo *info = part;

	return put_string(mb_identity_state(info->id)->serial, buf, len);
}

/* The running image's version (protocol §8; §7.2 for an update). */
static uint8_t read_software_rev(void *part, uint8_t *buf, size_t *len)
{
	const struct mb_devinfo *info = part;

	return put_string(mb_firmware_version(info->firmware), buf, len);
}

static uint8_t read_hardware_rev(void *part, uint8_t *buf, size_t *len)
{
	const struct mb_devinfo *info = part;

	return put_string(
		mb_profile_device_info(info->profile)->hardware_revision, buf,
		len);
}

static uint8_t read_pnp_id(void *part, uint8_t *buf, size_t *len)
{
	const struct mb_devinfo *info = part;

	memcpy(buf, mb_profile_device_info(info->profile)->pnp_id, 7);
	*len = 7;
	return 0;
}

const struct mb_chr_route mb_devinfo_routes[] = {
	{ MB_CHR_DEVICE_NAME, read_device_name, NULL },
	{ MB_CHR_APPEARANCE, read_appearance, NULL },
	{ MB_CHR_SYSTEM_ID, read_system_id, NULL },
	{ MB_CHR_SERIAL, read_serial, NULL },
	{ MB_CHR_SOFTWARE_REV, read_software_rev, NULL },
	{ MB_CHR_HARDWARE_REV, read_hardware_rev, NULL },
	{ MB_CHR_PNP_ID, read_pnp_id, NULL },
};
const size_t mb_devinfo_n_routes = MB_ARRAY_SIZE(mb_devinfo_routes);
