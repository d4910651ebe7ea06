// SPDX-License-Identifier: MIT
#include <string.h>

#include "backend.h"

const struct backend_ops *backend_find(const char *name, const char **note)
{
	*note = NULL;
	if (!strcmp(name, "udp"))
		return &backend_udp_ops;
	if (!strcmp(name, "auto")) {
		*note = "auto: udp is the only backend in this build";
		return &backend_udp_ops;
	}
	return NULL;
}
