// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"
#include "lib/clock.h"
#include "cmd/cmd.h"
#include "cmd/api_server_auth.h"
#include "lib/resolve.h"
#include "cmd/row_values.h"
#include "cmd/server_opts.h"
#include "lib/log.h"
#include "lib/options.h"
#include "replicator/api.h"
#include "replicator/replicator.h"
#include "lib/report.h"
#include "lib/units.h"

#define MAX_INITIAL_SUBSCRIBERS 256

struct replicate_opts {
	struct replicator_config cfg;
	struct cmd_api_server api; /* api "none": no API */
	struct ip_addr subs[MAX_INITIAL_SUBSCRIBERS];
	uint16_t sub_ports[MAX_INITIAL_SUBSCRIBERS];
	uint32_t nsubs;
	uint64_t duration_ns;
	uint64_t interval_ns;
	bool json;
	bool quiet;
	unsigned int verbose; /* -v given this many times */
};

#define REPL_FIELD(field) OPT_FIELD(struct replicate_opts, field)

static int parse_listen(const struct opt_row *row, void *cfg, const char *value,
			struct opt_parse *st)
{
	struct replicator_config *rc = &((struct replicate_opts *)cfg)->cfg;
	struct lr_err err = {0};

	if (endpoint_resolve(value, false, &rc->listen, &rc->listen_port, NULL,
			     &err))
		return opts_fail(st, row, "%s", lr_err_text(&err));
	return 0;
}

static int parse_interface(const struct opt_row *row, void *cfg,
			   const char *value, struct opt_parse *st)
{
	struct replicator_config *rc = &((struct replicate_opts *)cfg)->cfg;

	if (!*value || strlen(value) >= SPEC_IFNAME_LEN || strchr(value, '/') ||
	    strchr(value, ' '))
		return cmd_row_is_not(row, value, st);
	snprintf(rc->backend.ifname, sizeof(rc->backend.ifname), "%s", value);
	return 0;
}

static int parse_backend(const struct opt_row *row, void *cfg,
			 const char *value, struct opt_parse *st)
{
	struct replicator_config *rc = &((struct replicate_opts *)cfg)->cfg;

	if (!spec_backend_known(value))
		return cmd_row_is_not(row, value, st);
	snprintf(rc->backend.name, sizeof(rc->backend.name), "%s", value);
	return 0;
}

static int parse_subscriber(const struct opt_row *row, void *cfg,
			    const char *value, struct opt_parse *st)
{
	struct replicate_opts *o = cfg;
	struct lr_err err = {0};

	if (o->nsubs == MAX_INITIAL_SUBSCRIBERS)
		return opts_fail(st, row,
				 "at most %d on the command line (add more "
				 "over the API)",
				 MAX_INITIAL_SUBSCRIBERS);
	if (endpoint_resolve(value, false, &o->subs[o->nsubs],
			     &o->sub_ports[o->nsubs], NULL, &err))
		return opts_fail(st, row, "%s", lr_err_text(&err));
	o->nsubs++;
	return 0;
}

static int parse_allow_local(const struct opt_row *row, void *cfg,
			     const char *value, struct opt_parse *st)
{
	struct replicator_config *rc = &((struct replicate_opts *)cfg)->cfg;
	struct sub_policy pp;

	if (policy_parse_ports(&pp, value))
		return cmd_row_is_not(row, value, st);
	rc->allow_local = true;
	memcpy(rc->local_ports, pp.local_ports, sizeof(pp.local_ports));
	rc->nlocal_ports = pp.nlocal_ports;
	return 0;
}

/* Ordered by value, not name: lists like these are not option rows. */
static const struct opt_name xdp_modes[] = {
	{.value = XDP_PREF_AUTO, .name = "auto"},
	{.value = XDP_PREF_NATIVE, .name = "native"},
	{.value = XDP_PREF_GENERIC, .name = "generic"},
	{.value = 0, .name = NULL},
};

static const struct opt_name zero_copy_prefs[] = {
	{.value = ZC_AUTO, .name = "auto"},
	{.value = ZC_REQUIRE, .name = "require"},
	{.value = ZC_COPY, .name = "off"},
	{.value = 0, .name = NULL},
};

/* clang-format off */
static const struct opt_row replicate_rows[] = {
	{.name = "listen", .type = OPT_CUSTOM, .arg = "IP:PORT",
	 .parse = parse_listen,
	 .help = "the feed's destination (required)"},
	{.name = "interface", .short_name = 'i', .type = OPT_STRING,
	 .flags = OPT_F_IFACE, REPL_FIELD(cfg.backend.ifname), .arg = "IFACE",
	 .parse = parse_interface, .accepted = "an interface name",
	 .help = "-i IFACE; raw backends: the interface (default: the one "
		 "holding the listen address)"},
	{.name = "backend", .type = OPT_STRING, REPL_FIELD(cfg.backend.name),
	 .arg = "NAME", .parse = parse_backend,
	 .accepted = "one of " SPEC_BACKENDS,
	 .help = "auto | xdp | afxdp | afpacket | udp (default auto: afxdp, "
		 "afpacket, udp, the first that opens; xdp: in the kernel, tc "
		 "+ bpf_clone_redirect)"},
	{.name = "subscriber", .type = OPT_CUSTOM, .flags = OPT_F_REPEAT,
	 .arg = "IP:PORT", .parse = parse_subscriber,
	 .help = "a subscriber from the start (repeatable)"},
	{.name = "max-subscribers", .type = OPT_UINT,
	 REPL_FIELD(cfg.max_subscribers), .min = 1,
	 .max = SUBS_MAX_SUBSCRIBERS, .arg = "N", .parse = cmd_row_uint,
	 .accepted = "a number 1.." CMD_STR(SUBS_MAX_SUBSCRIBERS),
	 .help = "at most N at once, 1.." CMD_STR(SUBS_MAX_SUBSCRIBERS)
		 " (default " CMD_STR(REPL_DEFAULT_MAX_SUBSCRIBERS) ")"},
	{.name = "allow-multicast", .type = OPT_SWITCH,
	 REPL_FIELD(cfg.allow_multicast),
	 .help = "accept multicast subscribers"},
	{.name = "allow-local", .type = OPT_CUSTOM, .arg = "PORTS",
	 .parse = parse_allow_local,
	 .accepted = "a list of ports like 8000-8099,9000 (1..65535, at most "
		     CMD_STR(POLICY_MAX_PORT_RANGES) ")",
	 .help = "accept subscribers on this host (loopback, its own "
		 "addresses) at these ports only, e.g. 8000-8099,9000 (never "
		 "the API's port; udp only)"},
	{.name = "return-path", .type = OPT_SWITCH, REPL_FIELD(cfg.return_path),
	 .help = "a subscriber's packets to the listen address go back to the "
		 "feed's source (a round trip through the replicator: ping -> "
		 "replicate -> reflect)"},
	{.name = "duration", .type = OPT_DURATION, REPL_FIELD(duration_ns),
	 .arg = "TIME", .parse = cmd_row_duration,
	 .accepted = "a time like 10s, 2m",
	 .help = "stop after this long (default: SIGINT/SIGTERM)"},
	{.name = "queues", .type = OPT_UINT, REPL_FIELD(cfg.backend.queues), .min = 1,
	 .max = SPEC_MAX_QUEUES, .arg = "N", .parse = cmd_row_uint,
	 .accepted = "a number 1.." CMD_STR(SPEC_MAX_QUEUES),
	 .help = "afxdp: one worker per queue 0..N-1 (default 1)"},
	{.name = "cpu", .type = OPT_UINT, REPL_FIELD(cfg.cpu), .min = 0,
	 .max = 4095, .arg = "N", .parse = cmd_row_uint,
	 .accepted = "a CPU number 0..4095",
	 .help = "pin queue q's worker to CPU N+q"},
	{.name = "burst", .type = OPT_UINT, REPL_FIELD(cfg.burst), .min = 1,
	 .max = SPEC_MAX_BURST, .arg = "N", .parse = cmd_row_uint,
	 .accepted = "a number 1.." CMD_STR(SPEC_MAX_BURST),
	 .help = "packets per receive burst, 1..1024 (default 64)"},
	{.name = "size", .type = OPT_UINT, REPL_FIELD(cfg.max_frame),
	 .min = FRAME_MIN_SIZE, .max = FRAME_MAX_SIZE, .arg = "BYTES",
	 .parse = cmd_row_uint, .accepted = "64..9018 bytes",
	 .help = "largest frame to pass on, incl. FCS, 64..9018 (default "
		 "1518); larger ones count as too_big"},
	{.name = "low-latency", .type = OPT_SWITCH, REPL_FIELD(cfg.backend.low_latency),
	 .help = "afpacket: hand over each frame at once (V2 ring)"},
	{.name = "xdp-mode", .type = OPT_ENUM, REPL_FIELD(cfg.backend.xdp_mode),
	 .names = xdp_modes, .arg = "MODE", .parse = cmd_row_enum,
	 .accepted = "auto, native, generic",
	 .help = "auto | native | generic"},
	{.name = "zero-copy", .type = OPT_ENUM, REPL_FIELD(cfg.backend.zero_copy),
	 .names = zero_copy_prefs, .arg = "WHEN", .parse = cmd_row_enum,
	 .accepted = "auto, require, off",
	 .help = "afxdp: auto | require | off"},
	{.name = "force", .type = OPT_SWITCH, REPL_FIELD(cfg.backend.force),
	 .help = "replace a foreign XDP/tc program"},
	{.name = "ring-size", .type = OPT_UINT, .flags = OPT_F_POW2,
	 REPL_FIELD(cfg.backend.ring_size), .min = 64, .max = SPEC_MAX_RING,
	 .arg = "N", .parse = cmd_row_uint,
	 .accepted = "a power of two 64..65536",
	 .help = "AF_XDP/AF_PACKET ring entries, power of two"},
	{.name = "umem-frames", .type = OPT_UINT, .flags = OPT_F_POW2,
	 REPL_FIELD(cfg.backend.umem_frames), .min = 256, .max = SPEC_MAX_UMEM_FRAMES,
	 .arg = "N", .parse = cmd_row_uint,
	 .accepted = "a power of two 256..262144",
	 .help = "AF_XDP UMEM frames, power of two"},
	{.name = "busy-poll", .type = OPT_SWITCH, REPL_FIELD(cfg.backend.busy_poll),
	 .help = "spin instead of sleeping in receive"},
	{.name = "no-gso", .type = OPT_SWITCH, REPL_FIELD(cfg.backend.no_gso),
	 .help = "udp: one sendmmsg message per copy, no GSO/GRO"},
	{.name = "interval", .type = OPT_DURATION, .flags = OPT_F_ZERO,
	 REPL_FIELD(interval_ns), .min = 100 * NSEC_PER_MSEC, .arg = "TIME",
	 .parse = cmd_row_duration, .accepted = "0 or a time >= 100ms",
	 .help = "live line period (default 1s; 0 for none)"},
	{.name = "json", .type = OPT_SWITCH, REPL_FIELD(json),
	 .help = "one JSON document at the end (docs/json.md)"},
	{.name = "quiet", .type = OPT_SWITCH, REPL_FIELD(quiet),
	 .help = "no live lines"},
	CMD_VERBOSE_ROW(struct replicate_opts, verbose, 'v',
			"-v; more log on stderr (-v -v: more)"),
};
/* clang-format on */

CMD_OPTS(replicate, "replicate", replicate_rows, struct replicate_opts,
	 .summary = "send every datagram of a UDP feed to every subscriber",
	 .usage = "replicate --listen IP:PORT [options]\n\nSend every UDP "
		  "datagram arriving on IP:PORT to every subscriber,\npayload "
		  "unchanged, from IP:PORT. Subscribers are managed at run "
		  "time\nover an HTTP JSON API (linerate subscribers, "
		  "docs/api.md).",
	 .groups = CMD_GROUPS_OWN_API(replicate_group, struct replicate_opts,
				      cmd_api_server_group),
	 .epilog = "\nexit codes: 0 ok, 1 runtime error, 2 bad input\n",
	 /* clang-format off */
	 .help_overrides = CMD_HELP(
		 {"api", "the API (default 127.0.0.1:" CMD_STR(REPL_DEFAULT_API_PORT)
			 "); 'none' for no API"},
		 {"allow-insecure-perms", "take a --token-file others may read"}));
/* clang-format on */

static int replicate_check(void *cfg, const struct opt_parse *st)
{
	struct replicate_opts *o = cfg;

	if (o->verbose)
		log_set_level(
			log_get_level() + o->verbose < LOG_DEBUG ?
				(enum log_level)(log_get_level() + o->verbose) :
				LOG_DEBUG);
	if (!opts_seen(st, "listen"))
		return cmd_usage_error("replicate",
				       "--listen IP:PORT is required");
	if (o->nsubs > o->cfg.max_subscribers)
		return cmd_usage_error(
			"replicate",
			"--subscriber: %u given, --max-subscribers is %u",
			o->nsubs, o->cfg.max_subscribers);
	return 0;
}

/* The API's address and port per --api, --token-file, --insecure-open. */
static int api_address(const struct replicate_opts *o, char *addr,
		       size_t addr_len, uint16_t *port)
{
	struct ip_addr ip;
	bool has_port = false;

	*port = REPL_DEFAULT_API_PORT;
	if (parse_endpoint(o->api.api ? o->api.api : "127.0.0.1", true, &ip,
			   port, &has_port))
		return cmd_usage_error(
			"replicate", "--api: '%s' is not ADDR[:PORT] or 'none'",
			o->api.api);
	if (!has_port)
		*port = REPL_DEFAULT_API_PORT;
	if (api_server_check_open("replicate", &ip, o->api.token_file,
				  o->api.insecure_open, o->api.api))
		return EXIT_USAGE;
	ip_addr_format(&ip, addr, addr_len);
	return 0;
}

static int add_initial(struct replicator *r, const struct replicate_opts *o)
{
	for (uint32_t i = 0; i < o->nsubs; i++) {
		struct subscriber sub;
		struct lr_err err;
		int status = replicator_add(r, &o->subs[i], o->sub_ports[i],
					    &sub, &err);

		if (status) {
			fprintf(stderr, "linerate replicate: --subscriber %s\n",
				lr_err_text(&err));
			return status < 500 ? EXIT_USAGE : EXIT_RUNTIME;
		}
	}
	return 0;
}

/* The API's address, port and token, when it is wanted (--api none: not).
 * 0, or EXIT_USAGE after one line. */
static int api_setup(struct replicate_opts *o, struct repl_api_config *ac,
		     char *addr, size_t addr_len, char **token)
{
	int rc;

	*token = NULL;
	if (!o->api.api || strcmp(o->api.api, "none")) {
		rc = api_address(o, addr, addr_len, &ac->port);
		if (rc)
			return rc;
		ac->addr = addr;
		o->cfg.api_port = ac->port;
	}
	if (o->api.token_file) {
		*token = api_server_read_token(
			"replicate", "--token-file", o->api.token_file,
			o->api.allow_insecure_perms, NULL);
		if (!*token)
			return EXIT_USAGE;
		ac->token = *token;
	}
	return 0;
}

/* One line: what listens where, with which backend, and the API. */
static void print_banner(const struct replicator *r,
			 const struct replicate_opts *o,
			 const struct repl_api_config *ac)
{
	char ip[INET6_ADDRSTRLEN], api_text[INET6_ADDRSTRLEN + 32] = "off";
	bool v6 = o->cfg.listen.family == AF_INET6;

	ip_addr_format(&o->cfg.listen, ip, sizeof(ip));
	if (ac->addr)
		snprintf(api_text, sizeof(api_text), "%s%s%s:%u%s",
			 strchr(ac->addr, ':') ? "[" : "", ac->addr,
			 strchr(ac->addr, ':') ? "]" : "", ac->port,
			 ac->token ? " (token required)" : "");
	pr_warn("linerate replicate: %s%s%s:%u, backend %s (%s), %u queue%s; "
		"API %s\n",
		v6 ? "[" : "", ip, v6 ? "]" : "", o->cfg.listen_port,
		r->backend_name, r->mode, r->nworkers ? r->nworkers : 1,
		r->nworkers > 1 ? "s" : "", api_text);
	if (r->note[0])
		pr_warn("linerate replicate: note: %s\n", r->note);
}

static void print_final(struct replicator *r, const struct replicate_opts *o)
{
	if (o->json) {
		json_t *doc = replicator_json(r, true);

		report_json_print(stdout, doc, false);
		json_decref(doc);
	} else {
		replicator_text_final(r, stdout);
	}
}

/* Open, take the initial subscribers, serve the API, run until stopped,
 * then the final figures. */
static int replicate_run(struct replicate_opts *o,
			 const struct repl_api_config *ac)
{
	struct repl_api *api = NULL;
	struct replicator *r = NULL;
	atomic_bool *stop = cmd_stop_on_signals();
	struct lr_err open_err = {0};
	int rc, err;

	err = replicator_open(&o->cfg, &r, &open_err);
	if (err) {
		pr_warn("%s\n", lr_err_text(&open_err));
		rc = err == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	rc = add_initial(r, o);
	if (rc)
		goto out;
	if (ac->addr && !(api = repl_api_start(r, ac))) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	err = replicator_start(r);
	if (err) {
		pr_warn("replicate: cannot start the workers: %s\n", strerror(-err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	print_banner(r, o, ac);
	replicator_run(r, o->duration_ns, o->interval_ns,
		       o->quiet || o->json ? NULL : stdout, stop);
	/* No more changes from the API, then the final figures. */
	repl_api_stop(api);
	api = NULL;
	err = replicator_stop(r);
	print_final(r, o);
	rc = err ? EXIT_RUNTIME : EXIT_OK;
out:
	repl_api_stop(api);
	replicator_close(r);
	return rc;
}

static int replicate_main(void *cfg)
{
	struct replicate_opts *o = cfg;
	struct repl_api_config ac = {0};
	char api_addr[INET6_ADDRSTRLEN];
	char *token = NULL;
	int rc;

	rc = api_setup(o, &ac, api_addr, sizeof(api_addr), &token);
	if (!rc)
		rc = replicate_run(o, &ac);
	free(token);
	return rc;
}

int cmd_replicate(int argc, char **argv)
{
	struct replicate_opts o;

	memset(&o, 0, sizeof(o));
	replicator_config_init(&o.cfg);
	o.interval_ns = NSEC_PER_SEC;
	return cmd_run_parsed(&cmd_replicate_opts, argc, argv, &o,
			      replicate_check, replicate_main);
}
