// SPDX-License-Identifier: MIT
/*
 * `linerate lab` runs scripts/lab: the lab is a handful of `ip` commands,
 * which a shell script states more plainly than C would. It is looked for
 * where LINERATE_LAB points, then in the source tree next to a build's
 * binary, then where `meson install` (and the .deb) put it: the libexec
 * directory of the configured prefix. No source path is compiled in, so
 * an installed or copied binary carries nothing of the build machine.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

static int find_lab_script(char *out, size_t len)
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

int cmd_lab(int argc, char **argv)
{
	char script[PATH_MAX];

	if (find_lab_script(script, sizeof(script))) {
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
