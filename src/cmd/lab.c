// SPDX-License-Identifier: MIT
/*
 * `linerate lab` runs scripts/lab: the lab is a handful of `ip` commands,
 * which a shell script states more plainly than C would. Its flags are
 * rows here, so --help, the man page and completion come from the model
 * like every command's; the script checks their values and gets the
 * arguments as given (lab up|down|status [--name NAME] ...).
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/row_values.h"
#include "lib/lab_script.h"
#include "lib/options.h"

struct lab_args {
	const char *name, *subnet, *cpu, *queues;
	bool threaded;
};

#define LAB_VALUE_ROW(lname, field, argname, text)                             \
	{                                                                      \
		.name = (lname), .type = OPT_STRING, .flags = OPT_F_PTR,       \
		OPT_FIELD(struct lab_args, field), .arg = (argname),           \
		.help = (text), .parse = cmd_row_text                          \
	}

/* clang-format off */
static const struct opt_row lab_rows[] = {
	LAB_VALUE_ROW("name", name, "NAME",
		      "lab name, 1..8 of a-z 0-9 (default lr): namespaces "
		      "NAME-a and NAME-b"),
	LAB_VALUE_ROW("subnet", subnet, "10.X.Y",
		      "the lab's /24: .1 on a, .2 on b (default 10.77.0)"),
	{ .name = "threaded", .type = OPT_SWITCH,
	  OPT_FIELD(struct lab_args, threaded),
	  .help = "threaded NAPI on NAME-b0, its kthread(s) pinned to --cpu" },
	LAB_VALUE_ROW("cpu", cpu, "N",
		      "with --threaded: the CPU (default: the last one)"),
	LAB_VALUE_ROW("queues", queues, "N",
		      "veth queues per side, 1..64 (default 1)"),
};
/* clang-format on */

static const struct opt_group lab_group = OPT_GROUP("lab", lab_rows);

static const struct opt_group_ref lab_groups[] = {
	{&lab_group, 0},
	{NULL, 0},
};

const struct opt_command cmd_lab_opts = {
	.name = "lab",
	.summary = "two-namespace veth test lab: lab up|down|status "
		   "(scripts/lab)",
	.usage = "lab up|down|status [--name NAME] [--subnet 10.X.Y] "
		 "[--threaded] [--cpu N] [--queues N]\n"
		 "\n"
		 "up builds namespaces NAME-a and NAME-b joined by the veth "
		 "pair\n"
		 "NAME-a0 / NAME-b0, IPv6 off, MTU 9000, permanent neighbour "
		 "entries\n"
		 "both ways; down removes them; status says whether it is "
		 "up.\n"
		 "Machine-readable key=value lines go to stdout, messages to "
		 "stderr.",
	.groups = lab_groups,
	.words = "up down status",
	.max_args = 1,
	.epilog = "\nExit codes: 0 ok (status: the lab is up), 1 runtime error "
		  "(status: not up),\n2 bad arguments.\n",
};

int cmd_lab(int argc, char **argv)
{
	struct lab_args a = {0};
	char script[PATH_MAX];
	int rc;

	/* The flags known and each given its value; the script checks the
	 * values (and the action) itself. */
	rc = opts_parse_argv(&cmd_lab_opts, 0, argc, argv, &a, NULL);
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
