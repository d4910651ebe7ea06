// SPDX-License-Identifier: MIT
/*
 * scripts/lab: its flags as option rows (the script checks their values),
 * and where it is: where where LINERATE_LAB points, then in the source tree
 * next to a build's binary, then where `meson install` (and the .deb) put
 * it: the libexec directory of the configured prefix. No source path is
 * compiled in, so an installed or copied binary carries nothing of the
 * build machine.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lab_script.h"

/* A value as given, empty too: the script checks the values itself and
 * says what is wrong. */
static int lab_text(const struct opt_row *row, void *cfg, const char *value,
		    struct opt_parse *st)
{
	(void)st;
	*(const char **)((char *)cfg + row->offset) = value;
	return 0;
}

#define LAB_VALUE_ROW(lname, field, argname, text)                             \
	{                                                                      \
		.name = (lname), .type = OPT_STRING, .flags = OPT_F_PTR,       \
		OPT_FIELD(struct lab_args, field), .arg = (argname),           \
		.help = (text), .parse = lab_text                              \
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

OPT_GROUP_TYPE(lab_group, struct lab_args);
static const struct opt_group lab_group =
	OPT_GROUP_FOR(lab_group, "lab", lab_rows, struct lab_args);

static const struct opt_group_ref lab_groups[] = {
	OPT_AT_ROOT(lab_group, struct lab_args),
	OPT_AT_END,
};

const struct opt_command lab_script_opts = {
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

int lab_script_find(char *out, size_t len)
{
	static const char *const relative[] = {
		"/../scripts/lab", /* build/linerate -> scripts/lab */
		"/../../scripts/lab",
	};
	const char *env = getenv("LINERATE_LAB");
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return access(out, X_OK) ? -ENOENT : 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -ENOENT;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	for (size_t i = 0; i < sizeof(relative) / sizeof(relative[0]); i++) {
		if (snprintf(out, len, "%s%s", self, relative[i]) >= (int)len)
			continue;
		if (!access(out, X_OK))
			return 0;
	}
	if (snprintf(out, len, "%s", LINERATE_LIBEXEC_DIR "/lab") < (int)len &&
	    !access(out, X_OK))
		return 0;
	return -ENOENT;
}
