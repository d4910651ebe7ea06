/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_LIB_LAB_SCRIPT_H
#define LINERATE_LIB_LAB_SCRIPT_H

#include <stddef.h>

/* LINERATE_LIBEXEC_DIR, the libexec directory of the configured prefix,
 * comes from the build (src/meson.build). */

/* The path of the executable scripts/lab into out: 0, or -ENOENT when it
 * is nowhere it is looked for (lab_script.c says where). */
int lab_script_find(char *out, size_t len);

#endif
