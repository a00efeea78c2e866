/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* `bandsim ctl ...`: the control plane for people. */
int ctl_main(int argc, char **argv);
