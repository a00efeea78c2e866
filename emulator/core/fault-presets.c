// SPDX-License-Identifier: GPL-2.0-or-later
/* The named fault presets (docs/faults.md): data only, each a fault line
 * that reproduces a reported misbehaviour. */
#include "fault-presets.h"

#include "util.h"

static const struct mb_fault_preset presets[] = {
	{ "low-battery-drop", "trigger=battery percent=15 action=disconnect",
	  "the band drops the link as its battery falls to 15 %, a sync under way or not (the threshold is one user's guess in #1734; the guide: a very low battery may disconnect the band or fail a sync)",
	  "Gadgetbridge #1734 <https://github.com/Freeyourgadget/Gadgetbridge/issues/1734>; Mi Band 4 syncing guide <https://7miband4smartwatch.blogspot.com/2025/11/xiaomi-mi-smart-band-4-syncing-data.html>" },
	{ "stuck-syncing",
	  "trigger=notify chr=activity-data after=5 action=silence",
	  "sync stuck on \"Fetching activity data\": the band goes quiet mid-transfer, the link up",
	  "Gadgetbridge #1295 <https://github.com/Freeyourgadget/Gadgetbridge/issues/1295>; Gadgetbridge #1162 <https://github.com/Freeyourgadget/Gadgetbridge/issues/1162>; Gadgetbridge #355 <https://github.com/Freeyourgadget/Gadgetbridge/issues/355>" },
	{ "sync-never-ends",
	  "trigger=notify chr=fetch-control match=10:02 action=drop",
	  "the sync never ends: the band never sends the end reply 10 02 01 (the reports show a sync stuck for ever; the missing end reply is the reading Gadgetbridge's fetch gives, which ends only on it)",
	  "Gadgetbridge #356 <https://github.com/Freeyourgadget/Gadgetbridge/issues/356>; Gadgetbridge #45 <https://github.com/Freeyourgadget/Gadgetbridge/issues/45>; Gadgetbridge AbstractFetchOperation.java <https://github.com/Freeyourgadget/Gadgetbridge/blob/2db88c63db36a6370de1e8b0fb3a323837c8ba1b/app/src/main/java/nodomain/freeyourgadget/gadgetbridge/service/devices/huami/operations/fetch/AbstractFetchOperation.java>" },
	{ "foreign-notification",
	  "trigger=notify chr=activity-data after=3 action=foreign-notify target=device-event value=04",
	  "a notification on another characteristic mid-fetch ends the sync abnormally (reported on a Mi Band 1; the fetch of today's Gadgetbridge passes it on)",
	  "Gadgetbridge #142 <https://github.com/Freeyourgadget/Gadgetbridge/issues/142>" },
	{ "counter-gap",
	  "trigger=notify chr=activity-data after=3 action=skip-counter",
	  "\"invalid package counter\": a packet-counter gap aborts the sync",
	  "Gadgetbridge #1144 <https://github.com/Freeyourgadget/Gadgetbridge/issues/1144>; Gadgetbridge AbstractFetchOperation.java <https://github.com/Freeyourgadget/Gadgetbridge/blob/2db88c63db36a6370de1e8b0fb3a323837c8ba1b/app/src/main/java/nodomain/freeyourgadget/gadgetbridge/service/devices/huami/operations/fetch/AbstractFetchOperation.java>" },
	{ "counter-starts-late",
	  "trigger=notify chr=activity-data action=skip-counter",
	  "the band answers the fetch start, and its first data packet carries counter 01: a gap before any data, and the fetch aborts (the report shows a gap mid-transfer; this preset puts it first, where an app that checks only later packets misses it)",
	  "Gadgetbridge #1144 <https://github.com/Freeyourgadget/Gadgetbridge/issues/1144>; Gadgetbridge AbstractFetchOperation.java <https://github.com/Freeyourgadget/Gadgetbridge/blob/2db88c63db36a6370de1e8b0fb3a323837c8ba1b/app/src/main/java/nodomain/freeyourgadget/gadgetbridge/service/devices/huami/operations/fetch/AbstractFetchOperation.java>" },
	{ "duplicate-packet",
	  "trigger=notify chr=activity-data after=3 action=duplicate",
	  "a repeated packet counter aborts the sync (no report found: Gadgetbridge takes only the last counter + 1, and its source notes that repeated ones are not handled)",
	  "Gadgetbridge AbstractFetchOperation.java <https://github.com/Freeyourgadget/Gadgetbridge/blob/2db88c63db36a6370de1e8b0fb3a323837c8ba1b/app/src/main/java/nodomain/freeyourgadget/gadgetbridge/service/devices/huami/operations/fetch/AbstractFetchOperation.java>" },
	{ "short-packet",
	  "trigger=notify chr=activity-data after=2 action=truncate",
	  "an activity packet one byte short, its last sample cut: the length disagrees with what the packet should carry, and the fetch aborts (the report, on a Mi Band 1, shows the app's \"remaining bytes: 3, received: 4\"; this preset gives the band's side of it, a packet that ends mid-sample)",
	  "Gadgetbridge #915 <https://github.com/Freeyourgadget/Gadgetbridge/issues/915>" },
	{ "partial-sync",
	  "trigger=notify chr=activity-data after=10 action=disconnect",
	  "one sync brings part of the data, the next the rest (the reports name no cause; this preset's is a link lost after 10 packets)",
	  "Gadgetbridge #611 <https://github.com/Freeyourgadget/Gadgetbridge/issues/611>; Gadgetbridge #1162 <https://github.com/Freeyourgadget/Gadgetbridge/issues/1162>" },
	{ "drops-idle-link", "trigger=minute minute=30 action=disconnect",
	  "the band drops a link it has held for half an hour, before the phone syncs (the reports: connections lost after hours or days, or while syncing; this preset's band drops one after 30 minutes of band time)",
	  "Gadgetbridge #1536 <https://github.com/Freeyourgadget/Gadgetbridge/issues/1536>; Gadgetbridge #493 <https://github.com/Freeyourgadget/Gadgetbridge/issues/493>" },
	{ "reboot-mid-sync",
	  "trigger=notify chr=activity-data after=5 action=reboot",
	  "the band reboots in the middle of a sync (the reports tie reboots to bad fonts and resources and to a low battery, not to a sync; this preset puts one mid-sync)",
	  "Gadgetbridge #734 <https://github.com/Freeyourgadget/Gadgetbridge/issues/734>; Gadgetbridge #839 <https://github.com/Freeyourgadget/Gadgetbridge/issues/839>; Mi Band reboot guide <https://chop-nn.ru/en/instrukcii-i-nastrojki/mi-bend-2-ne-rabotaet-knopka.html>" },
	{ "brown-out-mid-sync",
	  "trigger=notify chr=activity-data after=5 action=brown-out",
	  "the battery gives out mid-sync (the guides: a very low battery may fail a sync or reboot the band)",
	  "Mi Band 4 syncing guide <https://7miband4smartwatch.blogspot.com/2025/11/xiaomi-mi-smart-band-4-syncing-data.html>; Mi Band reboot guide <https://chop-nn.ru/en/instrukcii-i-nastrojki/mi-bend-2-ne-rabotaet-knopka.html>" },
	{ "reboot-on-alert", "trigger=write chr=new-alert action=reboot",
	  "a text alert makes the band reboot: the link drops and the band comes back with its binding and its log (the report: a notification text that overflows the band's font; this preset's band reboots on the next alert, whatever its text)",
	  "Gadgetbridge #734 <https://github.com/Freeyourgadget/Gadgetbridge/issues/734>" },
	{ "interrupted-update", "trigger=firmware percent=57 action=disconnect",
	  "the update that must not be interrupted, cut at 57 %: the band keeps its old firmware (the support pages: an interrupted upgrade fails and the device restarts on its old version)",
	  "Xiaomi support FAQ KA-485199 <https://www.mi.com/ph/support/faq/details/KA-485199/>; Mi Band 4 Bluetooth guide <https://7miband4smartwatch.blogspot.com/2025/11/xiaomi-mi-smart-band-4-bluetooth.html>; Gadgetbridge #176 <https://github.com/Freeyourgadget/Gadgetbridge/issues/176>" },
	{ "update-stalls-at-99", "trigger=firmware percent=99 action=silence",
	  "the firmware transfer stalls at 99 %: the band goes quiet, the upload ends at the app's deadline, and the band keeps its old image (the report: \"it's just going to 99% and fail\"; this preset's band stops answering there)",
	  "Gadgetbridge #873 <https://github.com/Freeyourgadget/Gadgetbridge/issues/873>" },
	{ "update-fails-at-100",
	  "trigger=write chr=firmware-control match=04 action=status status=0x04",
	  "the firmware transfer reaches 100 % and then fails",
	  "Gadgetbridge #1516 <https://github.com/Freeyourgadget/Gadgetbridge/issues/1516>; Gadgetbridge #873 <https://github.com/Freeyourgadget/Gadgetbridge/issues/873>; Gadgetbridge #340 <https://github.com/Freeyourgadget/Gadgetbridge/issues/340>" },
	{ "auth-never-answers",
	  "trigger=notify chr=auth match=10:03 action=drop",
	  "the auth answer never comes: pairing hangs on \"Connecting\" (the reports' causes were the phone's, a bad key, a bond; this preset gives their symptom, a band that never answers)",
	  "Gadgetbridge #1627 <https://github.com/Freeyourgadget/Gadgetbridge/issues/1627>; Gadgetbridge #1608 <https://github.com/Freeyourgadget/Gadgetbridge/issues/1608>; Gadgetbridge #180 <https://github.com/Freeyourgadget/Gadgetbridge/issues/180>" },
	{ "half-connected", "trigger=connect action=silence",
	  "connected but never initialises (the half-connected link)",
	  "Gadgetbridge #193 <https://github.com/Freeyourgadget/Gadgetbridge/issues/193>; Gadgetbridge #1264 <https://github.com/Freeyourgadget/Gadgetbridge/issues/1264>; Gadgetbridge #801 <https://github.com/Freeyourgadget/Gadgetbridge/issues/801>" },
	{ "hr-never-answers",
	  "trigger=notify chr=heart-rate-measurement action=drop count=0",
	  "the band measures, the heart-rate value never arrives",
	  "Gadgetbridge #323 <https://github.com/Freeyourgadget/Gadgetbridge/issues/323>; creotiv/MiBand2 #3 <https://github.com/creotiv/MiBand2/issues/3>" },
	{ "keepalive-ignored",
	  "trigger=write chr=heart-rate-control match=16 action=drop count=0",
	  "continuous heart rate turns itself off after 15 s, the keep-alive does not keep it on",
	  "Gadgetbridge #913 <https://github.com/Freeyourgadget/Gadgetbridge/issues/913>" },
	{ "call-keeps-ringing",
	  "trigger=write chr=alert-level match=00 action=drop",
	  "a Mi Band 4 rings on after the call was answered on the phone",
	  "Gadgetbridge #1612 <https://github.com/Freeyourgadget/Gadgetbridge/issues/1612>; harbour-amazfish #340 <https://github.com/piggz/harbour-amazfish/issues/340>" },
};

size_t mb_fault_n_presets(void)
{
	return MB_ARRAY_SIZE(presets);
}

const struct mb_fault_preset *mb_fault_preset(size_t i)
{
	return i < MB_ARRAY_SIZE(presets) ? &presets[i] : NULL;
}
