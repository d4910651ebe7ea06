/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_NAMES_H
#define LINERATE_NAMES_H

/*
 * An enum's names as a table indexed by its values, in place of a switch
 * per enum:
 *
 *	LR_NAME_FN(role_name, enum role, "unknown",
 *		   [ROLE_SEND] = "send",
 *		   [ROLE_RECV] = "recv")
 *
 * defines const char *role_name(enum role value): the value's name, or
 * the fallback for a value outside the table or without a name in it.
 */

#include <stddef.h>

static inline const char *lr_name_lookup(const char *const *names, size_t count,
					 long long value, const char *fallback)
{
	if (value < 0 || (unsigned long long)value >= count || !names[value])
		return fallback;
	return names[value];
}

#define LR_NAME_FN(fn, type, fallback, ...)                                    \
	const char *fn(type value)                                             \
	{                                                                      \
		static const char *const names[] = {__VA_ARGS__};              \
                                                                               \
		return lr_name_lookup(names, sizeof(names) / sizeof(names[0]), \
				      (long long)value, fallback);             \
	}

#endif
