/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* `bandsim fleet ...` (argv[0] is "fleet"): many bands in one process
 * (fleet.h, docs/fleet.md).  Returns the exit status. */
int fleet_main(int argc, char **argv);
