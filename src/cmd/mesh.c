// SPDX-License-Identifier: MIT
/*
 * linerate mesh --hosts FILE: tests between many linerate servers at
 * once, driven through their API, printed as matrices (src/mesh/). The
 * flags are option rows (lib/options.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/api_client_opts.h"
#include "cmd/cmd.h"
#include "cmd/row_values.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/options.h"
#include "lib/report.h"
#include "lib/units.h"
#include "mesh/mesh.h"

/* The flags: the mesh's config, and what only the command uses. */
struct mesh_opts {
	struct mesh_config cfg;
	const char *hosts_file, *to, *from, *csv, *svg;
	int svg_metric;
	bool json, rtt, reverse, verbose;
	struct cmd_api_client api;
};

static const struct opt_name svg_metrics[] =
	OPT_NAME_LIST({"loss", 0}, {"pps", 1}, {"latency", 2});

static int parse_mesh_rate(const struct opt_row *row, void *cfg, const char *v,
			   struct opt_parse *st)
{
	struct rate *rate = &((struct mesh_opts *)cfg)->cfg.rate;

	if (parse_rate(v, rate) || rate->kind == RATE_PERCENT ||
	    rate->kind == RATE_MAX)
		return cmd_row_is_not(row, v, st);
	return 0;
}

static int parse_backend(const struct opt_row *row, void *cfg, const char *v,
			 struct opt_parse *st)
{
	struct mesh_config *c = &((struct mesh_opts *)cfg)->cfg;

	if (!spec_backend_known(v))
		return opts_fail(st, row, "unknown backend '%s' (accepted: %s)",
				 v, SPEC_BACKENDS);
	snprintf(c->backend, sizeof(c->backend), "%s", v);
	return 0;
}

#define MESH_FIELD(field) OPT_FIELD(struct mesh_opts, field)
#define MESH_PTR_ROW(lname, field, argname, text)                              \
	{                                                                      \
		.name = (lname), .type = OPT_STRING, .flags = OPT_F_PTR,       \
		MESH_FIELD(field), .arg = (argname), .help = (text),           \
		.parse = cmd_row_text                                          \
	}
#define MESH_FILE_ROW(lname, field, text)                                      \
	OPT_FILE_ROW(lname, struct mesh_opts, field, text,                     \
		     .parse = cmd_row_text)
#define MESH_SWITCH_ROW(lname, field, text)                                    \
	OPT_SWITCH_ROW(lname, struct mesh_opts, field, text)
#define MESH_UINT_ROW(lname, field, lo, hi, argname, text, acc)                \
	{                                                                      \
		.name = (lname), .type = OPT_UINT, MESH_FIELD(field),          \
		.min = (lo), .max = (hi), .arg = (argname), .help = (text),    \
		.accepted = (acc), .parse = cmd_row_uint                       \
	}
#define MESH_CUSTOM_ROW(lname, fn, argname, text, acc)                         \
	{                                                                      \
		.name = (lname), .type = OPT_CUSTOM, .parse = (fn),            \
		.arg = (argname), .help = (text), .accepted = (acc)            \
	}

/* clang-format off */
static const struct opt_row mesh_rows[] = {
	MESH_FILE_ROW("hosts", hosts_file, "the servers (2..." CMD_STR(MESH_MAX_HOSTS) ")"),
	MESH_PTR_ROW("to", to, "NAME", "many-to-one: every other host and NAME"),
	MESH_PTR_ROW("from", from, "NAME", "one-to-many: NAME and every other "
		     "host (default: full mesh, every ordered pair)"),
	MESH_SWITCH_ROW("reverse", reverse,
			"the pair's server sends (to-one: NAME sends)"),
	MESH_SWITCH_ROW("rtt", rtt, "round trip: ping against the other's "
			"reflector (default: forward, the pair's client sends)"),
	MESH_SWITCH_ROW("parallel", cfg.parallel,
			"all pairs at once (default: one after the other)"),
	MESH_UINT_ROW("size", cfg.frame_size, FRAME_MIN_SIZE, FRAME_MAX_SIZE,
		      "BYTES",
		      "Ethernet frame size incl. FCS, 64..9018 (default 64)",
		      "a frame size 64..9018"),
	MESH_CUSTOM_ROW("rate", parse_mesh_rate, "RATE",
			"per pair: 10kpps, 100Mbps, 100Mbps-l2 (default 10kpps)",
			"a rate such as 10kpps or 100Mbps (a mesh needs a "
			"bounded rate)"),
	MESH_UINT_ROW("count", cfg.count, 1, 1000000000, "N",
		      "packets per pair (default 10000)",
		      "a number 1..1000000000"),
	{ .name = "duration", .type = OPT_DURATION, MESH_FIELD(cfg.duration_ns),
	  .min = NSEC_PER_MSEC, .max = 3600 * NSEC_PER_SEC, .arg = "TIME",
	  .help = "per pair instead of --count (e.g. 5s)",
	  .accepted = "a duration 1ms..1h", .parse = cmd_row_duration },
	MESH_UINT_ROW("flows", cfg.flows, 1, 4096, "N",
		      "source ports per pair, 1..4096 (default 1)",
		      "a number 1..4096"),
	MESH_CUSTOM_ROW("backend", parse_backend, "NAME",
			"the servers' data path (default udp)", SPEC_BACKENDS),
	MESH_SWITCH_ROW("json", json, "one JSON document on stdout, nothing else"),
	MESH_FILE_ROW("csv", csv, "one CSV row per pair"),
	MESH_FILE_ROW("svg", svg, "a heatmap through gnuplot"),
	{ .name = "svg-metric", .type = OPT_ENUM, MESH_FIELD(svg_metric),
	  .names = svg_metrics, .parse = cmd_row_enum, .arg = "M",
	  .help = "loss | pps | latency (default loss)",
	  .accepted = "loss, pps or latency" },
	MESH_SWITCH_ROW("verbose", verbose, "more log on stderr"),
};
/* clang-format on */

CMD_OPTS(mesh, "mesh", mesh_rows, struct mesh_opts,
	 .summary = "tests between many servers: full mesh, many-to-one, "
		    "one-to-many",
	 .usage = "mesh --hosts FILE [options]\n"
		  "  Tests between linerate servers, driven through their API "
		  "from here;\n"
		  "  one matrix of pps, loss and latency (rows send, columns "
		  "receive).\n"
		  "  FILE: one host a line, NAME HOST[:PORT] [TOKEN_FILE] ('#' "
		  "comments).\n"
		  "  Each server must allow the others as targets "
		  "(--allow-target IP).",
	 .groups = CMD_GROUPS_OWN_API(mesh_group, struct mesh_opts,
				      cmd_api_client_group),
	 .help_overrides = CMD_HELP(
		 {"token-file", "bearer token for hosts without their own"}),
	 .epilog = "\nExit status: 0 every pair ran, 1 a pair failed (its cell "
		   "shows why),\n2 bad flags or hosts file.\n");

/* The checks across flags: 0, or EXIT_USAGE after one line on stderr. */
static int mesh_check(void *cfg, const struct opt_parse *st)
{
	struct mesh_opts *o = cfg;

	if (o->verbose)
		log_set_level(LOG_DEBUG);
	if (!o->hosts_file)
		return cmd_usage_error("mesh",
				       "--hosts FILE is required (see --help)");
	if (o->to && o->from)
		return cmd_usage_error("mesh", "--to and --from: pick one");
	if (o->rtt && o->reverse)
		return cmd_usage_error("mesh", "--rtt and --reverse: pick one");
	o->cfg.api = o->api.api;
	/* --duration alone means by time. */
	if (o->cfg.duration_ns && !opts_seen(st, "count"))
		o->cfg.count = 0;
	return 0;
}

/* The hosts file and the hub; 0 or EXIT_USAGE after one line. */
static int load_hosts(struct mesh_opts *o)
{
	const char *hub = o->to ? o->to : o->from;
	struct mesh_config *cfg = &o->cfg;
	struct lr_err err = {0};

	if (mesh_hosts_load(cfg, o->hosts_file, &err)) {
		fprintf(stderr, "linerate mesh: --hosts: %s\n",
			lr_err_text(&err));
		return EXIT_USAGE;
	}
	if (hub) {
		cfg->topology = o->to ? MESH_TO_ONE : MESH_FROM_ONE;
		cfg->hub = mesh_host_find(cfg, hub);
		if (cfg->hub < 0) {
			fprintf(stderr,
				"linerate mesh: %s: no host '%s' in %s\n",
				o->to ? "--to" : "--from", hub, o->hosts_file);
			return EXIT_USAGE;
		}
	}
	cfg->mode = o->rtt     ? MESH_RTT :
		    o->reverse ? MESH_REVERSE :
				 MESH_FORWARD;
	return 0;
}

/* The report on stdout, and the files asked for; 0 or EXIT_RUNTIME. */
static int write_outputs(const struct mesh_config *cfg,
			 const struct mesh_result *res,
			 const struct mesh_opts *o)
{
	struct lr_err err = {0};
	int rc = 0;

	if (o->json) {
		json_t *doc = mesh_json(cfg, res);

		report_json_print(stdout, doc, false);
		json_decref(doc);
	} else {
		mesh_print_text(stdout, cfg, res);
	}
	if (o->csv && mesh_write_csv(o->csv, cfg, res, &err)) {
		fprintf(stderr, "linerate mesh: --csv: %s\n",
			lr_err_text(&err));
		rc = EXIT_RUNTIME;
	}
	lr_err_clear(&err); /* the plot's own failure, not the CSV's */
	if (o->svg && mesh_plot_svg(o->svg, svg_metrics[o->svg_metric].name,
				    cfg, res, &err)) {
		fprintf(stderr, "linerate mesh: %s\n", lr_err_text(&err));
		rc = EXIT_RUNTIME;
	}
	return rc;
}

static int mesh_main(void *cfg)
{
	struct mesh_opts *o = cfg;
	struct mesh_result *res;
	int rc, failed;

	rc = load_hosts(o);
	if (rc)
		return rc;
	res = calloc(1, sizeof(*res));
	if (!res)
		return EXIT_RUNTIME;
	failed = mesh_run(&o->cfg, cmd_stop_on_signals(), res);
	if (failed == -EINTR)
		fprintf(stderr, "linerate mesh: stopped; the pairs that ran "
				"are below\n");
	rc = failed ? EXIT_RUNTIME : EXIT_OK;
	if (write_outputs(&o->cfg, res, o))
		rc = EXIT_RUNTIME;
	mesh_result_free(res);
	free(res);
	return rc;
}

int cmd_mesh(int argc, char **argv)
{
	struct mesh_opts *o = calloc(1, sizeof(*o));
	int rc;

	if (!o)
		return EXIT_RUNTIME;
	mesh_config_init(&o->cfg);
	rc = cmd_run_parsed(&cmd_mesh_opts, argc, argv, o, mesh_check,
			    mesh_main);
	free(o);
	return rc;
}
