/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_REPL_API_H
#define LINERATE_REPL_API_H

#include <stdint.h>

#include "replicator/replicator.h"

/* The subscribers collection; one is .../IP:PORT ([IPv6]:PORT). */
#define REPL_API_SUBSCRIBERS "/v1/replicator/subscribers"

struct repl_api_config {
	const char *addr; /* IP to bind */
	uint16_t port;
	const char *token; /* NULL: none */
};

struct repl_api;

/* Serve the replicator's API (threads of its own). NULL with errno set,
 * after a line saying why. */
struct repl_api *repl_api_start(struct replicator *r,
				const struct repl_api_config *cfg);
void repl_api_stop(struct repl_api *a);

#endif
