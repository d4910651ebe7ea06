// SPDX-License-Identifier: MIT
/*
 * `linerate lab` runs scripts/lab: the lab is a handful of `ip` commands,
 * which a shell script states more plainly than C would. The script takes
 * the arguments as they are (lab up|down|status [--name NAME] ...).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/lab_script.h"

int cmd_lab(int argc, char **argv)
{
	char script[PATH_MAX];

	if (lab_script_find(script, sizeof(script))) {
		fprintf(stderr, "linerate lab: neither scripts/lab next to the "
				"binary nor " LINERATE_LIBEXEC_DIR "/lab; set "
				"LINERATE_LAB to its path\n");
		return EXIT_RUNTIME;
	}
	argv[0] = script;
	(void)argc;
	execv(script, argv);
	fprintf(stderr, "linerate lab: cannot run %s: %s\n", script,
		strerror(errno));
	return EXIT_RUNTIME;
}
