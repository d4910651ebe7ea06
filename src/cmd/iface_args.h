/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_CMD_IFACE_ARGS_H
#define LINERATE_CMD_IFACE_ARGS_H

#include "lib/options.h"

/* -i IFACE, for probe and cleanup: a group placed at the offset of a
 * const char * (NULL until given), and the check that it was given (0,
 * or EXIT_USAGE after one line on stderr). */
OPT_GROUP_TYPE(cmd_iface_group, const char *);
extern const struct opt_group cmd_iface_group;
int cmd_iface_required(const char *cmd, const char *ifname);

#endif
