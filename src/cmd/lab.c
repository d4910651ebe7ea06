// SPDX-License-Identifier: MIT
/*
 * `linerate lab` runs scripts/lab: the lab is a handful of `ip` commands,
 * which a shell script states more plainly than C would. It is looked for
 * next to the binary (build tree, then an install prefix), or where
 * LINERATE_LAB points.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static int find_lab_script(char *out, size_t len)
{
	static const char *const relative[] = {
		"/../scripts/lab", /* build/linerate -> scripts/lab */
		"/../../scripts/lab",
		"/../share/linerate/lab", /* installed */
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
		snprintf(out, len, "%s%s", self, relative[i]);
		if (!access(out, X_OK))
			return 0;
	}
#ifdef LINERATE_SOURCE_DIR
	/* A build directory outside the tree (meson setup /tmp/build). */
	snprintf(out, len, "%s", LINERATE_SOURCE_DIR "/scripts/lab");
	if (!access(out, X_OK))
		return 0;
#endif
	return -ENOENT;
}

int cmd_lab(int argc, char **argv)
{
	char script[PATH_MAX];

	if (find_lab_script(script, sizeof(script))) {
		fprintf(stderr, "linerate lab: scripts/lab not found next to the "
				"binary; set LINERATE_LAB to its path\n");
		return EXIT_RUNTIME;
	}
	argv[0] = script;
	(void)argc;
	execv(script, argv);
	fprintf(stderr, "linerate lab: cannot run %s: %s\n", script,
		strerror(errno));
	return EXIT_RUNTIME;
}
