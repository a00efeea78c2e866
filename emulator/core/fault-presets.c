// SPDX-License-Identifier: GPL-2.0-or-later
/* The named fault presets (docs/faults.md): data only, each a fault line
 * that reproduces a reported misbehaviour. */
#include "fault-presets.h"

#include "util.h"

static const struct mb_fault_preset presets[] = {
	{ "low-battery-drop", "trigger=battery percent=15 action=disconnect",
	  "seed reports: the band disconnects below 15 %" },
	{ "stuck-syncing",
	  "trigger=notify chr=activity-data after=5 action=silence",
	  "seed reports: sync stuck on \"Syncing...\": the band goes quiet mid-transfer" },
	{ "sync-never-ends",
	  "trigger=notify chr=fetch-control match=10:02 action=drop",
	  "Gadgetbridge: the sync never ends because the band never sends the end reply" },
	{ "foreign-notification",
	  "trigger=notify chr=activity-data after=3 action=foreign-notify target=device-event value=04",
	  "Gadgetbridge: a notification on another characteristic mid-fetch ends the sync abnormally" },
	{ "counter-gap",
	  "trigger=notify chr=activity-data after=3 action=skip-counter",
	  "Gadgetbridge: \"invalid package counter\", a packet-counter gap aborts the sync" },
	{ "duplicate-packet",
	  "trigger=notify chr=activity-data after=3 action=duplicate",
	  "Gadgetbridge: a repeated packet counter aborts the sync" },
	{ "partial-sync",
	  "trigger=notify chr=activity-data after=10 action=disconnect",
	  "Gadgetbridge: a partial sync that needs two runs" },
	{ "reboot-mid-sync",
	  "trigger=notify chr=activity-data after=5 action=reboot",
	  "seed reports: the band reboots in the middle of a sync (after a bad resource transfer)" },
	{ "brown-out-mid-sync",
	  "trigger=notify chr=activity-data after=5 action=brown-out",
	  "seed reports: the band dies mid-sync on an empty battery" },
	{ "interrupted-update", "trigger=firmware percent=57 action=disconnect",
	  "seed reports: the update that must not be interrupted, cut at 57 %" },
	{ "update-fails-at-100",
	  "trigger=write chr=firmware-control match=04 action=status status=0x04",
	  "Gadgetbridge: the firmware transfer reaches 100 % and then fails" },
	{ "auth-never-answers",
	  "trigger=notify chr=auth match=10:03 action=drop",
	  "Gadgetbridge: the auth answer never comes, initialisation stalls" },
	{ "half-connected", "trigger=connect action=silence",
	  "Gadgetbridge: connected but never initialises (the half-connected link)" },
	{ "hr-never-answers",
	  "trigger=notify chr=heart-rate-measurement action=drop count=0",
	  "Gadgetbridge #323, creotiv/MiBand2 #3: the band measures, the heart-rate value never arrives" },
	{ "keepalive-ignored",
	  "trigger=write chr=heart-rate-control match=16 action=drop count=0",
	  "Gadgetbridge #913: continuous heart rate turns itself off after 15 s, the keep-alive does not keep it on" },
	{ "call-keeps-ringing",
	  "trigger=write chr=alert-level match=00 action=drop",
	  "Gadgetbridge #1612, harbour-amazfish #340: a Mi Band 4 rings on after the call was answered on the phone" },
};

size_t mb_fault_n_presets(void)
{
	return MB_ARRAY_SIZE(presets);
}

const struct mb_fault_preset *mb_fault_preset(size_t i)
{
	return i < MB_ARRAY_SIZE(presets) ? &presets[i] : NULL;
}
