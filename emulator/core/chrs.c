// SPDX-License-Identifier: GPL-2.0-or-later
#include "chrs.h"

#include "util.h"

#define HUAMI(x) "0000" x "-0000-3512-2118-0009af100700"

/* protocol §2.1: SIG characteristics by their 16-bit UUID, Huami ones on
 * the Huami base. */
static const char *const uuids[MB_CHR_COUNT] = {
	[MB_CHR_DEVICE_NAME] = "2a00",
	[MB_CHR_APPEARANCE] = "2a01",
	[MB_CHR_SYSTEM_ID] = "2a23",
	[MB_CHR_SERIAL] = "2a25",
	[MB_CHR_HARDWARE_REV] = "2a27",
	[MB_CHR_SOFTWARE_REV] = "2a28",
	[MB_CHR_PNP_ID] = "2a50",
	[MB_CHR_CURRENT_TIME] = "2a2b",
	[MB_CHR_HR_CONTROL] = "2a39",
	[MB_CHR_CONFIG] = HUAMI("0003"),
	[MB_CHR_FETCH_CONTROL] = HUAMI("0004"),
	[MB_CHR_ACTIVITY_DATA] = HUAMI("0005"),
	[MB_CHR_BATTERY] = HUAMI("0006"),
	[MB_CHR_REALTIME_STEPS] = HUAMI("0007"),
	[MB_CHR_USER_SETTINGS] = HUAMI("0008"),
	[MB_CHR_AUTH] = HUAMI("0009"),
	[MB_CHR_DEVICE_EVENT] = HUAMI("0010"),
	[MB_CHR_FW_CONTROL] = HUAMI("1531"),
	[MB_CHR_FW_DATA] = HUAMI("1532"),
	[MB_CHR_HR_MEASUREMENT] = "2a37",
	[MB_CHR_ALERT_LEVEL] = "2a06",
	[MB_CHR_NEW_ALERT] = "2a46",
	[MB_CHR_CHUNKED] = HUAMI("0020"),
	[MB_CHR_WORKOUT] = HUAMI("000f"),
};

const char *mb_chr_uuid(enum mb_chr_id id)
{
	return id < MB_CHR_COUNT ? uuids[id] : "";
}

const struct mb_gatt_chr *mb_chr_resolve(const struct mb_gatt *gatt,
					 enum mb_chr_id id)
{
	struct mb_uuid u;

	if (id >= MB_CHR_COUNT || !mb_uuid_parse(uuids[id], &u))
		return NULL;
	return mb_gatt_find_chr(gatt, NULL, &u);
}
