/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_FREE_ALL_H
#define LINERATE_FREE_ALL_H

#include <stddef.h>
#include <stdlib.h>

/* free() each of n pointers (NULL ones too, as free() allows). */
static inline void free_array(void *const *ptrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ptrs[i]);
}

/* free_all(a->x, a->y, a): one call for a destructor's list of frees,
 * in the order given. */
#define free_all(...)                                                          \
	free_array((void *const[]){__VA_ARGS__},                               \
		   sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *))

#endif
