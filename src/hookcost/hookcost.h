/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_HOOKCOST_H
#define LINERATE_HOOKCOST_H

/*
 * hookcost: what an empty XDP or tc program costs on the receive path.
 * The command (cmd/hookcost.c) fills struct hc_opts from its flags and
 * calls hookcost_run(); everything else is inside (hookcost_internal.h).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "api/client.h"

/* The configurations measured, in the order they take turns. */
enum hc_config {
	HC_NONE = 0,
	HC_XDP_GENERIC,
	HC_XDP_NATIVE,
	HC_TC,
	HC_CONFIGS
};

const char *hc_config_name(enum hc_config c);
/* "none", "xdp-generic", "xdp-native", "tc" -> config; -EINVAL. */
int hc_config_parse(const char *name, enum hc_config *out);

#define HC_MAX_REPEATS 100

/* What to measure and where, as checked by the command. */
struct hc_opts {
	bool lab;
	const char *name; /* the lab's */
	const char *subnet; /* NULL: the lab's default */
	const char *ifname; /* with peer */
	const char *peer; /* HOST[:PORT] of a linerate server */
	struct api_client_opts api;
	bool force;
	unsigned int repeats;
	uint64_t duration_ns;
	uint64_t fixed_pps;
	uint64_t ping_pps;
	uint32_t frame_size;
	const char *source_backend;
	uint16_t port;
	bool enabled[HC_CONFIGS];
	bool tcp;
	bool json;
};

/*
 * Measure every enabled configuration o->repeats times and print the
 * report (text, or JSON with o->json) on stdout, and the table as CSV
 * into csv when not NULL. Returns 0, -EINTR when stopped by a signal
 * (the report of what ran is printed), or -errno after one line on
 * stderr. Whatever it attached is detached on every path.
 */
int hookcost_run(const struct hc_opts *o, FILE *csv);

#endif
