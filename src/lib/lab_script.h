/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_LIB_LAB_SCRIPT_H
#define LINERATE_LIB_LAB_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/options.h"

/* The flags of `lab up|down|status` (NULL: not given), as rows:
 * lab_script_opts, for `linerate lab`'s --help, man page and completion,
 * and for the argv of a lab child (opts_to_argv). */
struct lab_args {
	const char *name, *subnet, *cpu, *queues;
	bool threaded;
};
extern const struct opt_command lab_script_opts;

/* LINERATE_LIBEXEC_DIR, the libexec directory of the configured prefix,
 * comes from the build (src/meson.build). */

/* The path of the executable scripts/lab into out: 0, or -ENOENT when it
 * is nowhere it is looked for (lab_script.c says where). */
int lab_script_find(char *out, size_t len);

#endif
