/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_TEXTIO_H
#define LINERATE_TEXTIO_H

#include <stdio.h>

#include "lib/err.h"

/*
 * fopen(path, mode) into *f: 0, or -errno with "cannot read PATH: why"
 * in err ("cannot write" for a mode that does not start with 'r').
 */
int textio_open(FILE **f, const char *path, const char *mode,
		struct lr_err *err);

/* s between two quote characters, each quote inside doubled (a gnuplot
 * string literal with '\'', a CSV field with '"'). */
void textio_put_quoted(FILE *f, const char *s, char quote);

#endif
