// SPDX-License-Identifier: MIT
/*
 * linerate mesh --hosts FILE: tests between many linerate servers at
 * once, driven through their API, printed as matrices (src/mesh/).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "cmd/cmd.h"
#include "cmd/api_client_opts.h"
#include "lib/log.h"
#include "mesh/mesh.h"
#include "lib/report.h"
#include "lib/units.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: linerate mesh --hosts FILE [options]\n"
		"  Tests between linerate servers, driven through their API from here;\n"
		"  one matrix of pps, loss and latency (rows send, columns receive).\n"
		"  FILE: one host a line, NAME HOST[:PORT] [TOKEN_FILE] ('#' comments).\n"
		"  Each server must allow the others as targets (--allow-target IP).\n"
		"\n"
		"options:\n"
		"  --hosts FILE          the servers (2..%d)\n"
		"  --to NAME             many-to-one: every other host and NAME\n"
		"  --from NAME           one-to-many: NAME and every other host\n"
		"                        (default: full mesh, every ordered pair)\n"
		"  --reverse             the pair's server sends (to-one: NAME sends)\n"
		"  --rtt                 round trip: ping against the other's reflector\n"
		"                        (default: forward, the pair's client sends)\n"
		"  --parallel            all pairs at once (default: one after the other)\n"
		"  --size BYTES          Ethernet frame size incl. FCS, 64..9018 (default 64)\n"
		"  --rate RATE           per pair: 10kpps, 100Mbps, 100Mbps-l2 (default 10kpps)\n"
		"  --count N             packets per pair (default 10000)\n"
		"  --duration TIME       per pair instead of --count (e.g. 5s)\n"
		"  --flows N             source ports per pair, 1..4096 (default 1)\n"
		"  --backend NAME        the servers' data path (default udp)\n"
		"  --json                one JSON document on stdout, nothing else\n"
		"  --csv FILE            one CSV row per pair\n"
		"  --svg FILE            a heatmap through gnuplot\n"
		"  --svg-metric M        loss | pps | latency (default loss)\n"
		"  --verbose             more log on stderr\n"
		"\n"
		"the servers' API:\n",
		MESH_MAX_HOSTS);
	cmd_api_client_help(out, 21, 0,
			    "bearer token for hosts without their own");
	fprintf(out,
		"\n"
		"Exit status: 0 every pair ran, 1 a pair failed (its cell shows why),\n"
		"2 bad flags or hosts file.\n");
}

enum {
	OPT_HOSTS = 256, OPT_TO, OPT_FROM, OPT_REVERSE, OPT_RTT, OPT_PARALLEL,
	OPT_SIZE, OPT_RATE, OPT_COUNT, OPT_DURATION, OPT_FLOWS, OPT_BACKEND,
	OPT_JSON, OPT_CSV,
	OPT_SVG, OPT_SVG_METRIC, OPT_VERBOSE,
};

static const struct option options[] = {
	{ "hosts", required_argument, NULL, OPT_HOSTS },
	{ "to", required_argument, NULL, OPT_TO },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "reverse", no_argument, NULL, OPT_REVERSE },
	{ "rtt", no_argument, NULL, OPT_RTT },
	{ "parallel", no_argument, NULL, OPT_PARALLEL },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "flows", required_argument, NULL, OPT_FLOWS },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	CMD_API_CLIENT_LONGOPTS
	{ "json", no_argument, NULL, OPT_JSON },
	{ "csv", required_argument, NULL, OPT_CSV },
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "svg-metric", required_argument, NULL, OPT_SVG_METRIC },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define BAD(...)                                                  \
	do {                                                      \
		fprintf(stderr, "linerate mesh: " __VA_ARGS__);   \
		fputc('\n', stderr);                              \
		return EXIT_USAGE;                                \
	} while (0)

struct mesh_opts {
	const char *hosts_file, *to, *from, *csv, *svg, *svg_metric;
	bool json, rtt, reverse, count_given;
	struct cmd_api_client api;
};

static int parse_args(int argc, char **argv, struct mesh_config *cfg,
		      struct mesh_opts *o)
{
	uint64_t v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return CMD_HELP_SHOWN;
		case OPT_HOSTS:
			o->hosts_file = optarg;
			break;
		case OPT_TO:
			o->to = optarg;
			break;
		case OPT_FROM:
			o->from = optarg;
			break;
		case OPT_REVERSE:
			o->reverse = true;
			break;
		case OPT_RTT:
			o->rtt = true;
			break;
		case OPT_PARALLEL:
			cfg->parallel = true;
			break;
		case OPT_SIZE:
			if (parse_u64(optarg, 64, 9018, &v))
				BAD("--size: '%s' is not a frame size 64..9018", optarg);
			cfg->frame_size = (unsigned int)v;
			break;
		case OPT_RATE:
			if (parse_rate(optarg, &cfg->rate) ||
			    cfg->rate.kind == RATE_PERCENT || cfg->rate.kind == RATE_MAX)
				BAD("--rate: '%s' is not a rate such as 10kpps or "
				    "100Mbps (a mesh needs a bounded rate)", optarg);
			break;
		case OPT_COUNT:
			if (parse_u64(optarg, 1, 1000000000, &v))
				BAD("--count: '%s' is not a number 1..1000000000", optarg);
			cfg->count = v;
			o->count_given = true;
			break;
		case OPT_DURATION:
			if (parse_duration(optarg, &cfg->duration_ns) ||
			    cfg->duration_ns < NSEC_PER_MSEC ||
			    cfg->duration_ns > 3600 * NSEC_PER_SEC)
				BAD("--duration: '%s' is not a duration 1ms..1h", optarg);
			break;
		case OPT_FLOWS:
			if (parse_u64(optarg, 1, 4096, &v))
				BAD("--flows: '%s' is not a number 1..4096", optarg);
			cfg->flows = (unsigned int)v;
			break;
		case OPT_BACKEND:
			if (!spec_backend_known(optarg))
				BAD("--backend: unknown backend '%s' (accepted: %s)",
				    optarg, SPEC_BACKENDS);
			snprintf(cfg->backend, sizeof(cfg->backend), "%s", optarg);
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_CSV:
			o->csv = optarg;
			break;
		case OPT_SVG:
			o->svg = optarg;
			break;
		case OPT_SVG_METRIC:
			if (strcmp(optarg, "loss") && strcmp(optarg, "pps") &&
			    strcmp(optarg, "latency"))
				BAD("--svg-metric: '%s' is not loss, pps or latency", optarg);
			o->svg_metric = optarg;
			break;
		case OPT_VERBOSE:
			log_set_level(LOG_DEBUG);
			break;
		default:
			if (cmd_api_client_is_opt(c)) {
				if (cmd_api_client_parse(&o->api, "mesh", c,
							 optarg))
					return EXIT_USAGE;
				break;
			}
			BAD("unknown or incomplete option '%s' (see --help)",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		BAD("unexpected argument '%s' (see --help)", argv[optind]);
	if (!o->hosts_file)
		BAD("--hosts FILE is required (see --help)");
	if (o->to && o->from)
		BAD("--to and --from: pick one");
	if (o->rtt && o->reverse)
		BAD("--rtt and --reverse: pick one");
	cfg->api = o->api.api;
	/* --duration alone means by time. */
	if (cfg->duration_ns && !o->count_given)
		cfg->count = 0;
	return 0;
}

/* The hosts file and the hub; 0 or EXIT_USAGE after one line. */
static int load_hosts(struct mesh_config *cfg, const struct mesh_opts *o)
{
	const char *hub = o->to ? o->to : o->from;
	char err[512] = "";

	if (mesh_hosts_load(cfg, o->hosts_file, err, sizeof(err))) {
		fprintf(stderr, "linerate mesh: --hosts: %s\n", err);
		return EXIT_USAGE;
	}
	if (hub) {
		cfg->topology = o->to ? MESH_TO_ONE : MESH_FROM_ONE;
		cfg->hub = mesh_host_find(cfg, hub);
		if (cfg->hub < 0) {
			fprintf(stderr, "linerate mesh: %s: no host '%s' in %s\n",
				o->to ? "--to" : "--from", hub, o->hosts_file);
			return EXIT_USAGE;
		}
	}
	cfg->mode = o->rtt ? MESH_RTT : o->reverse ? MESH_REVERSE : MESH_FORWARD;
	return 0;
}

/* The report on stdout, and the files asked for; 0 or EXIT_RUNTIME. */
static int write_outputs(const struct mesh_config *cfg,
			 const struct mesh_result *res,
			 const struct mesh_opts *o)
{
	char err[512] = "";
	int rc = 0;

	if (o->json) {
		json_t *doc = mesh_json(cfg, res);

		report_json_print(stdout, doc, false);
		json_decref(doc);
	} else {
		mesh_print_text(stdout, cfg, res);
	}
	if (o->csv && mesh_write_csv(o->csv, cfg, res, err, sizeof(err))) {
		fprintf(stderr, "linerate mesh: --csv: %s\n", err);
		rc = EXIT_RUNTIME;
	}
	if (o->svg &&
	    mesh_plot_svg(o->svg, o->svg_metric, cfg, res, err, sizeof(err))) {
		fprintf(stderr, "linerate mesh: %s\n", err);
		rc = EXIT_RUNTIME;
	}
	return rc;
}

int cmd_mesh(int argc, char **argv)
{
	struct mesh_config *cfg;
	struct mesh_result *res = NULL;
	struct mesh_opts o = { .svg_metric = "loss" };
	int rc, failed;

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return EXIT_RUNTIME;
	mesh_config_init(cfg);
	rc = parse_args(argc, argv, cfg, &o);
	if (rc == CMD_HELP_SHOWN) {
		rc = EXIT_OK;
		goto out;
	}
	if (rc || (rc = load_hosts(cfg, &o)))
		goto out;
	res = calloc(1, sizeof(*res));
	if (!res) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	failed = mesh_run(cfg, cmd_stop_on_signals(), res);
	if (failed == -EINTR)
		fprintf(stderr, "linerate mesh: stopped; the pairs that ran "
				"are below\n");
	rc = failed ? EXIT_RUNTIME : EXIT_OK;
	if (write_outputs(cfg, res, &o))
		rc = EXIT_RUNTIME;
out:
	if (res)
		mesh_result_free(res);
	free(res);
	free(cfg);
	return rc;
}
