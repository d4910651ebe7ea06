// SPDX-License-Identifier: MIT
/*
 * Where scripts/lab is: where LINERATE_LAB points, then in the source tree
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
