/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The named points where the band consults its fault plan
 * (docs/faults.md "Triggers"). */
enum mb_fault_trigger {
	MB_FAULT_TRIGGER_NOTIFY,
	MB_FAULT_TRIGGER_WRITE,
	MB_FAULT_TRIGGER_CONNECT,
	MB_FAULT_TRIGGER_FIRMWARE,
	MB_FAULT_TRIGGER_BATTERY,
	MB_FAULT_TRIGGER_MINUTE,
};
