/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SPEC_OPTS_H
#define LINERATE_SPEC_OPTS_H

/*
 * The option rows of struct test_spec (options.h), shared by the traffic
 * commands (send, recv, reflect, ping, stamp, stamp-reflect) and the
 * daemon's JSON spec. Place the groups at the offset of the test_spec in
 * the command's config. The address flags (--dst, --listen, ...) resolve
 * host names and live with the commands (cmd/traffic_opts.c).
 */

#include "lib/options.h"
#include "lib/spec.h"

/* Command role bits of the rows (opt_row.roles). */
#define SPEC_R_SEND	     (1u << ROLE_SEND)
#define SPEC_R_RECV	     (1u << ROLE_RECV)
#define SPEC_R_REFLECT	     (1u << ROLE_REFLECT)
#define SPEC_R_PING	     (1u << ROLE_PING)
#define SPEC_R_STAMP	     (1u << 4)
#define SPEC_R_STAMP_REFLECT (1u << 5)

/* JSON role bits (opt_row.json_roles): the daemon's session roles, in
 * the order of enum api_role (api/spec_json.h checks it). */
#define SPEC_J_SINK	     (1u << 0)
#define SPEC_J_REFLECT	     (1u << 1)
#define SPEC_J_SOURCE	     (1u << 2)
#define SPEC_J_PING	     (1u << 3)
#define SPEC_J_STAMP_REFLECT (1u << 4)

/* size, rate, marking, duration, count, flows, pacing, timing */
extern const struct opt_group spec_opts_traffic;
/* backend, interface, XDP and AF_XDP settings, queues, GSO */
extern const struct opt_group spec_opts_backend;
/* interval, per-flow table, JSON/NDJSON/CSV, quiet, verbose */
extern const struct opt_group spec_opts_output;

#endif
