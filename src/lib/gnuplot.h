/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_GNUPLOT_H
#define LINERATE_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

#include "lib/err.h"

/*
 * Run gnuplot on the script write_script(f, arg) writes to its stdin (the
 * script names its own output file). Returns 0, or -errno with one line
 * in err, which starts with what (the option asking, e.g. "--svg").
 */
int gnuplot_run(const char *what, void (*write_script)(FILE *f, void *arg),
		void *arg, struct lr_err *err);

/* s as a gnuplot string literal: single quotes, doubled inside. */
void gnuplot_quoted(FILE *f, const char *s);

#endif
