/* SPDX-License-Identifier: MIT */
/*
 * cmd_bandwidthctl.h - `natd bandwidthctl VM add|set|remove|list` and
 * `natd list bwgroups VM`: a VM's bandwidth groups (natd/bwgroup.h).
 */
#ifndef NATD_CMD_BANDWIDTHCTL_H
#define NATD_CMD_BANDWIDTHCTL_H

#include <stdbool.h>

/* argv[0] is "bandwidthctl". Exit status as its --help says. */
int cmd_bandwidthctl(int argc, char **argv);
/* natd list bwgroups VM [--machinereadable]. */
int cmd_bandwidthctl_list(const char *vm, bool machine);

#endif
