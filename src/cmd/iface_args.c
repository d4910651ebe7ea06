// SPDX-License-Identifier: MIT
/*
 * The flags of the interface commands (probe, cleanup): -i IFACE and one
 * switch of their own, parsed and checked the same way.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

int cmd_parse_iface_args(const char *cmd, int argc, char **argv,
			 const char *switch_name, bool *switch_value,
			 const char **ifname, void (*usage)(FILE *out))
{
	enum { OPT_SWITCH = 256 };
	const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ switch_name, no_argument, NULL, OPT_SWITCH },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*ifname = NULL;
	*switch_value = false;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hi:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			*ifname = optarg;
			break;
		case OPT_SWITCH:
			*switch_value = true;
			break;
		case 'h':
			usage(stdout);
			return CMD_HELP_SHOWN;
		case ':':
			fprintf(stderr, "linerate %s: %s needs a value (see "
					"--help)\n", cmd, argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "linerate %s: %s: unknown flag (see "
					"--help)\n", cmd, argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "linerate %s: unexpected argument '%s' (see "
				"--help)\n", cmd, argv[optind]);
		return EXIT_USAGE;
	}
	if (!*ifname) {
		fprintf(stderr, "linerate %s: -i IFACE is required (see "
				"--help)\n", cmd);
		return EXIT_USAGE;
	}
	return 0;
}
