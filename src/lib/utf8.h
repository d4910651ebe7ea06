/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_UTF8_H
#define LINERATE_UTF8_H

/*
 * Text that goes into a JSON string must be well-formed UTF-8: jansson
 * refuses anything else, and an error reply would lose its message.
 * Messages are built from what a client sent and cut to fit buffers, so
 * they are made valid before they leave.
 */

#include <stddef.h>

/*
 * Make a NUL-terminated string well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF) in place: a sequence cut
 * short by the end of the string (as snprintf truncation leaves it) is
 * dropped; any other byte that is not part of a well-formed sequence
 * becomes '?'. Returns the new length.
 */
size_t utf8_make_valid(char *text);

#endif
