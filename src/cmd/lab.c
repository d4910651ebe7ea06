// SPDX-License-Identifier: MIT
/*
 * `linerate lab` runs scripts/lab: the lab is a handful of `ip` commands,
 * which a shell script states more plainly than C would. Its flags are
 * rows (lib/lab_script.c), so --help, the man page and completion come
 * from the model like every command's; the script checks their values
 * and gets the arguments as given (lab up|down|status [--name NAME] ...).
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/lab_script.h"

int cmd_lab(int argc, char **argv)
{
	struct lab_args a = {0};
	char script[PATH_MAX];
	int rc;

	/* The flags known and each given its value; the script checks the
	 * values (and the action) itself. */
	rc = opts_parse_argv(&lab_script_opts, 0, argc, argv, &a, NULL);
	if (rc)
		return rc == CMD_HELP_SHOWN ? EXIT_OK : rc;
	if (lab_script_find(script, sizeof(script))) {
		fprintf(stderr, "linerate lab: neither scripts/lab next to the "
				"binary nor " LINERATE_LIBEXEC_DIR "/lab; set "
				"LINERATE_LAB to its path\n");
		return EXIT_RUNTIME;
	}
	argv[0] = script;
	execv(script, argv);
	fprintf(stderr, "linerate lab: cannot run %s: %s\n", script,
		strerror(errno));
	return EXIT_RUNTIME;
}
