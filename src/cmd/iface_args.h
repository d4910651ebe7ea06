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

/* An interface command's groups and help, as designators of its struct
 * opt_command (cmd/cmd.h): -i IFACE at cfg_type's member ifname, then its
 * own rows; what the interface is for ("probe") completes the help. */
#define CMD_IFACE_OPTS(own, cfg_type, what)                                    \
	.groups = CMD_GROUPS(OPT_AT(cmd_iface_group, cfg_type, ifname),        \
			     OPT_AT_ROOT(own, cfg_type)),                      \
	.help_overrides =                                                      \
		CMD_HELP({"interface",                                         \
			  "-i IFACE; the interface to " what " (required)"})

#endif
