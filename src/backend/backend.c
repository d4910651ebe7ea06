// SPDX-License-Identifier: MIT
#include <string.h>

#include "backend/backend.h"

static const struct backend_ops *const all_backends[] = {
	&backend_xdp_ops,
	&backend_afxdp_ops,
	&backend_afpacket_ops,
	&backend_udp_ops,
};

const struct backend_ops *backend_find(const char *name)
{
	for (size_t i = 0; i < sizeof(all_backends) / sizeof(all_backends[0]);
	     i++)
		if (!strcmp(all_backends[i]->name, name))
			return all_backends[i];
	return NULL;
}
