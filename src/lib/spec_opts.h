/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SPEC_OPTS_H
#define LINERATE_SPEC_OPTS_H

/*
 * The option rows of struct test_spec (options.h), shared by the traffic
 * commands (send, recv, reflect, ping, stamp, stamp-reflect) and the
 * daemon's JSON spec. Place the groups at the offset of the test_spec in
 * the command's config. The commands send, recv, reflect and ping are
 * here too, for their --help and for the argv a runner gives a child
 * (opts_to_argv); their parse's checks across flags are the command
 * layer's (cmd/traffic_opts.c).
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
OPT_GROUP_TYPE(spec_opts_traffic, struct test_spec);
extern const struct opt_group spec_opts_traffic;
/* struct backend_opts (lib/backend_opts.h): backend, interface, XDP and
 * AF_XDP settings, queues, busy poll, GSO, timestamps. Its rows point
 * into a backend_opts: place it at a test_spec's .backend
 * (OPT_AT(spec_opts_backend, struct cfg, spec.backend)), or at a
 * replicator_config's. */
OPT_GROUP_TYPE(spec_opts_backend, struct backend_opts);
extern const struct opt_group spec_opts_backend;
/* interval, per-flow table, JSON/NDJSON/CSV, quiet, verbose */
OPT_GROUP_TYPE(spec_opts_output, struct test_spec);
extern const struct opt_group spec_opts_output;

/* --dst, --src, --listen, --from: an IP or a host name (resolved) */
OPT_GROUP_TYPE(spec_opts_address, struct test_spec);
extern const struct opt_group spec_opts_address;
/* address, traffic, backend, output: the groups of a test_spec at
 * offset 0 of a command's config */
extern const struct opt_group_ref spec_opts_groups[];
extern const struct opt_command spec_opts_send, spec_opts_recv,
	spec_opts_reflect, spec_opts_ping;
/* The text v of --dscp or --ecn (flag, the row's name: that part of the
 * byte) or of --tos (any other flag: all of it) into *tos: 0, or -EINVAL
 * (the bad-value line is the caller's). */
int spec_opts_mark_tos(const char *flag, const char *v, uint8_t *tos);
/* --verbose (an OPT_CUSTOM row's parse): one log level more each time
 * it is given, up to LOG_DEBUG; a row with .set = LOG_DEBUG goes there
 * at once. */
int spec_opts_parse_verbose(const struct opt_row *row, void *cfg, const char *v,
			    struct opt_parse *st);
/* One of the four above. */
const struct opt_command *spec_opts_command(enum role role);
/* spec_init, and the command line's defaults of a role (send makes up
 * 10 ms of lateness): the config a parse starts from, and the defaults
 * opts_to_argv compares with. */
void spec_opts_defaults(enum role role, struct test_spec *spec);

#endif
