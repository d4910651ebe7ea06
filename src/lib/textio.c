// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "lib/textio.h"

int textio_open(FILE **f, const char *path, const char *mode,
		struct lr_err *err)
{
	int rc;

	*f = fopen(path, mode);
	if (!*f) {
		rc = -errno;
		return lr_err_set_verbatim(err, rc, NULL, "cannot %s %s: %s",
					   mode[0] == 'r' ? "read" : "write",
					   path, strerror(-rc));
	}
	return 0;
}

void textio_put_quoted(FILE *f, const char *s, char quote)
{
	fputc(quote, f);
	for (; *s; s++) {
		if (*s == quote)
			fputc(quote, f);
		fputc(*s, f);
	}
	fputc(quote, f);
}
