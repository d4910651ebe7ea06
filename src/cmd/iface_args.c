// SPDX-License-Identifier: MIT
/*
 * The interface row of the interface commands (probe, cleanup): -i IFACE,
 * declared once, and the check that it was given.
 */
#include <stdio.h>

#include "cmd/cmd.h"
#include "cmd/iface_args.h"
#include "cmd/row_values.h"

static const struct opt_row iface_rows[] = {
	{.name = "interface",
	 .short_name = 'i',
	 .type = OPT_STRING,
	 .flags = OPT_F_PTR | OPT_F_IFACE,
	 .offset = 0,
	 .size = sizeof(const char *),
	 .arg = "IFACE",
	 .help = "-i IFACE; the interface (required)",
	 .parse = cmd_row_text},
};

const struct opt_group cmd_iface_group =
	OPT_GROUP_FOR(cmd_iface_group, "interface", iface_rows, const char *);

int cmd_iface_required(const char *cmd, const char *ifname)
{
	if (ifname)
		return 0;
	fprintf(stderr, "linerate %s: -i IFACE is required (see --help)\n",
		cmd);
	return EXIT_USAGE;
}
