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

/* The rows fill a (lab_script_opts' offsets are lab_args'); the script
 * gets argv as given. */
struct lab_cli {
	struct lab_args a;
	char **argv;
};

static int lab_run(void *cfg)
{
	char **argv = ((struct lab_cli *)cfg)->argv;
	char script[PATH_MAX];

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

int cmd_lab(int argc, char **argv)
{
	struct lab_cli cli = {.argv = argv};

	/* The flags known and each given its value; the script checks the
	 * values (and the action) itself. */
	return cmd_run_parsed(&lab_script_opts, argc, argv, &cli, NULL,
			      lab_run);
}
