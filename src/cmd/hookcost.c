// SPDX-License-Identifier: MIT
/*
 * `linerate hookcost`: its flags as option rows (lib/options.h), each
 * checked for type and range (a bad one gets one line naming it and exit
 * code 2), then hookcost_run() (src/hookcost/) does the measuring.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/api_client_opts.h"
#include "cmd/cmd.h"
#include "cmd/row_values.h"
#include "hookcost/hookcost.h"
#include "lib/clock.h"
#include "lib/frame.h"
#include "lib/log.h"
#include "lib/options.h"
#include "lib/units.h"

/* The flags: what hookcost_run takes, and what only the command uses. */
struct hookcost_args {
	struct hc_opts o;
	struct cmd_api_client api;
	const char *csv_path; /* "-": stdout */
	const char *rate_text; /* in pps once --size is known */
	const char *ping_rate_text;
	int source_backend;
	unsigned int verbose; /* how many --verbose */
};

static const struct opt_name source_backends[] =
	OPT_NAME_LIST({"afxdp", 0}, {"afpacket", 1}, {"udp", 2});

/* A flag kept as given (a pointer into argv) when its check passed: 0,
 * or -EINVAL for the standard bad-value line. */
static int keep_text(bool ok, const char **field, const char *v)
{
	if (!ok)
		return -EINVAL;
	*field = v;
	return 0;
}

static int parse_lab_name(const struct opt_row *row, void *cfg, const char *v,
			  struct opt_parse *st)
{
	size_t n = strlen(v);

	(void)row;
	(void)st;
	return keep_text(
		n >= 1 && n <= 8 &&
			strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789") == n,
		&((struct hookcost_args *)cfg)->o.name, v);
}

static int parse_subnet(const struct opt_row *row, void *cfg, const char *v,
			struct opt_parse *st)
{
	unsigned int x, y;
	char tail;

	(void)row;
	(void)st;
	return keep_text(strlen(v) <= 11 &&
				 strspn(v, "0123456789.") == strlen(v) &&
				 sscanf(v, "10.%u.%u%c", &x, &y, &tail) == 2 &&
				 x <= 255 && y <= 255,
			 &((struct hookcost_args *)cfg)->o.subnet, v);
}

static int parse_interface(const struct opt_row *row, void *cfg, const char *v,
			   struct opt_parse *st)
{
	(void)row;
	(void)st;
	return keep_text(*v && strlen(v) < 16 && !strchr(v, '/') &&
				 !strchr(v, ' '),
			 &((struct hookcost_args *)cfg)->o.ifname, v);
}

static int parse_peer(const struct opt_row *row, void *cfg, const char *v,
		      struct opt_parse *st)
{
	(void)row;
	(void)st;
	return keep_text(*v && strlen(v) <= 253,
			 &((struct hookcost_args *)cfg)->o.peer, v);
}

static int parse_configs(const struct opt_row *row, void *cfg, const char *v,
			 struct opt_parse *st)
{
	bool *enabled = ((struct hookcost_args *)cfg)->o.enabled;
	char buf[128], *tok, *save;
	enum hc_config c;
	bool any = false;

	(void)row;
	(void)st;
	if (strlen(v) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", v);
	memset(enabled, 0, HC_CONFIGS * sizeof(enabled[0]));
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (hc_config_parse(tok, &c))
			return -EINVAL;
		enabled[c] = true;
		any = true;
	}
	return any ? 0 : -EINVAL;
}

static int parse_csv(const struct opt_row *row, void *cfg, const char *v,
		     struct opt_parse *st)
{
	(void)row;
	(void)st;
	return keep_text(*v, &((struct hookcost_args *)cfg)->csv_path, v);
}

#define HC_FIELD(field) OPT_FIELD(struct hookcost_args, field)
/* clang-format off */
static const struct opt_row hookcost_rows[] = {
	{ .name = "lab", .type = OPT_SWITCH, HC_FIELD(o.lab),
	  .help = "use the two-namespace veth lab (scripts/lab); brought up "
		  "if needed, and down again after" },
	{ .name = "name", .type = OPT_CUSTOM, .parse = parse_lab_name,
	  .arg = "NAME", .help = "lab name, 1..8 of a-z 0-9 (default lr)",
	  .accepted = "1..8 characters a-z 0-9" },
	{ .name = "subnet", .type = OPT_CUSTOM, .parse = parse_subnet,
	  .arg = "10.X.Y",
	  .help = "lab subnet when it is brought up (default 10.77.0)",
	  .accepted = "10.X.Y with X and Y in 0..255" },
	{ .name = "interface", .short_name = 'i', .type = OPT_CUSTOM,
	  .flags = OPT_F_IFACE, .parse = parse_interface, .arg = "IFACE",
	  .help = "-i IFACE; the receiving interface, with --peer",
	  .accepted = "an interface name (1..15 characters)" },
	{ .name = "peer", .type = OPT_CUSTOM, .parse = parse_peer,
	  .arg = "HOST[:PORT]",
	  .help = "far end: a linerate server; its source and ping sessions "
		  "send to us over IFACE",
	  .accepted = "a host name or address" },
	{ .name = "force", .type = OPT_SWITCH, HC_FIELD(o.force),
	  .help = "measure over a foreign XDP program (taken off for the "
		  "run, put back after) or tc ingress filter" },
	OPT_UINT_ROW("repeats", struct hookcost_args, o.repeats, 1,
		     HC_MAX_REPEATS, "N", NULL, "1..100 (default 5)", "1..100"),
	{ .name = "duration", .type = OPT_DURATION, HC_FIELD(o.duration_ns),
	  .min = 200 * NSEC_PER_MSEC, .max = 60 * NSEC_PER_SEC, .arg = "TIME",
	  .help = "each run, 200ms..60s (default 2s)",
	  .accepted = "200ms..60s, e.g. 2s, 500ms" },
	{ .name = "rate", .type = OPT_STRING, .flags = OPT_F_PTR,
	  HC_FIELD(rate_text), .arg = "RATE",
	  .help = "the fixed-rate run, e.g. 100kpps, 50Mbps (default 100kpps)",
	  .accepted = "a rate of 1pps..100Mpps like 100kpps, 1Mpps, 500Mbps, "
		      "500Mbps-l2" },
	{ .name = "ping-rate", .type = OPT_STRING, .flags = OPT_F_PTR,
	  HC_FIELD(ping_rate_text), .arg = "RATE",
	  .help = "probes per second of the ping run, 1..100k (default 1kpps)",
	  .accepted = "1pps..100kpps, e.g. 1kpps" },
	OPT_UINT_ROW("size", struct hookcost_args, o.frame_size,
		     FRAME_MIN_SIZE, FRAME_MAX_SIZE, "BYTES", NULL,
		     "Ethernet frame size incl. FCS, 64..9018 (default 64)",
		     "64..9018 bytes, incl. FCS"),
	{ .name = "source-backend", .type = OPT_ENUM, HC_FIELD(source_backend),
	  .names = source_backends, .arg = "NAME",
	  .help = "afxdp | afpacket | udp (default afxdp; udp sends with "
		  "GSO: fewer, larger packets reach the hook)",
	  .accepted = "afxdp, afpacket, udp" },
	OPT_UINT_ROW("port", struct hookcost_args, o.port, 1, 65533, "N", NULL,
		     "UDP ports N (traffic) and N+1 (ping), TCP N+2 "
		     "(default 7000)", "1..65533"),
	{ .name = "configs", .type = OPT_CUSTOM, .parse = parse_configs,
	  .arg = "LIST",
	  .help = "which of none,xdp-generic,xdp-native,tc (default all)",
	  .accepted = "a comma list of none, xdp-generic, xdp-native, tc" },
	{ .name = "tcp", .type = OPT_SWITCH, HC_FIELD(o.tcp),
	  .help = "also a TCP bulk stream (iperf3, which must be installed)" },
	{ .name = "json", .type = OPT_SWITCH, HC_FIELD(o.json),
	  .help = "one JSON document on stdout" },
	{ .name = "csv", .type = OPT_CUSTOM, .flags = OPT_F_FILE,
	  .parse = parse_csv, .arg = "FILE",
	  .help = "the table as CSV into FILE (- for stdout)",
	  .accepted = "a file path, or - for stdout" },
	CMD_VERBOSE_ROW(struct hookcost_args, verbose, 0, "more log on stderr"),
};
/* clang-format on */

CMD_OPTS(hookcost, "hookcost", hookcost_rows, struct hookcost_args,
	 .summary = "what an empty XDP or tc program costs",
	 .usage = "hookcost --lab [--name NAME] [--subnet 10.X.Y] [options]\n"
		  "       linerate hookcost -i IFACE --peer HOST [options]\n"
		  "\n"
		  "What an empty XDP or tc program costs on the receive path. "
		  "On the\n"
		  "receiving interface, in turn: nothing attached, lr_pass as "
		  "generic\n"
		  "XDP, as native XDP (lr_pass_frags above a page of MTU), "
		  "lr_tc_pass on\n"
		  "the tc clsact ingress hook. For each, the same traffic: a "
		  "maximum-rate\n"
		  "run of small UDP packets (pps at the socket and at the "
		  "interface), a\n"
		  "fixed-rate run (loss), a ping against a reflector (RTT "
		  "p50/p99). The\n"
		  "report gives the median, the spread and the difference to "
		  "\"none\".",
	 .groups = CMD_GROUPS_OWN_API(hookcost_group, struct hookcost_args,
				      cmd_api_client_group),
	 .epilog = "\nProgress lines go to stderr. Exit codes: 0 ok, 1 runtime "
		   "error or\ninterrupted (everything attached is detached), 2 "
		   "bad command line.\n");

static void hookcost_args_init(struct hookcost_args *a)
{
	memset(a, 0, sizeof(*a));
	a->o.name = "lr";
	a->o.repeats = 5;
	a->o.duration_ns = 2 * NSEC_PER_SEC;
	a->o.frame_size = FRAME_MIN_SIZE;
	a->o.port = 7000;
	for (int c = 0; c < HC_CONFIGS; c++)
		a->o.enabled[c] = true;
	a->rate_text = "100kpps";
	a->ping_rate_text = "1kpps";
}

static int rate_pps_of(const char *v, uint32_t frame_size, uint64_t lo,
		       uint64_t hi, uint64_t *out)
{
	struct rate rate;
	double pps;

	if (parse_rate(v, &rate) || rate.kind == RATE_MAX ||
	    rate.kind == RATE_PERCENT)
		return -EINVAL;
	pps = rate_to_pps(&rate, frame_size, 0);
	if (!(pps >= (double)lo && pps <= (double)hi))
		return -ERANGE;
	*out = (uint64_t)(pps + 0.5);
	return 0;
}

/* Is prog an executable in PATH? */
static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[512];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (n && !access(buf, X_OK))
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* The bad-value line of row name, with the row's accepted text. */
static int bad_value(const char *name, const char *value)
{
	int i = opts_find(&cmd_hookcost_opts, name);
	const struct opt_row *row =
		i >= 0 ? opts_row(&cmd_hookcost_opts, (size_t)i, NULL) : NULL;

	return cmd_bad_value("hookcost", name, value,
			     row ? row->accepted : "see --help");
}

/* The rates (they depend on --size, wherever it was given). */
static int finish_rates(struct hookcost_args *a)
{
	if (rate_pps_of(a->rate_text, a->o.frame_size, 1, 100000000,
			&a->o.fixed_pps))
		return bad_value("rate", a->rate_text);
	if (rate_pps_of(a->ping_rate_text, a->o.frame_size, 1, 100000,
			&a->o.ping_pps))
		return bad_value("ping-rate", a->ping_rate_text);
	return 0;
}

/* What one flag cannot say alone: 0 or EXIT_USAGE after one line. */
static int hookcost_args_finish(void *cfg, const struct opt_parse *st)
{
	struct hookcost_args *a = cfg;
	const struct hc_opts *o = &a->o;
	int rc;

	(void)st;
	for (unsigned int i = 0; i < a->verbose && log_get_level() < LOG_DEBUG;
	     i++)
		log_set_level((enum log_level)(log_get_level() + 1));
	a->o.api = a->api.api;
	a->o.source_backend = source_backends[a->source_backend].name;
	rc = finish_rates(a);
	if (rc)
		return rc;
	if (o->lab && (o->peer || o->ifname))
		return cmd_usage_error("hookcost",
				       "--lab and -i/--peer: choose one");
	if (!!o->peer != !!o->ifname)
		return cmd_usage_error(
			"hookcost", "-i IFACE and --peer HOST go together (the "
				    "interface here, the far end there)");
	if (o->peer && o->tcp)
		return cmd_usage_error(
			"hookcost", "--tcp needs iperf3 at the far end; with "
				    "--peer it is not available");
	if (!o->lab && !o->peer)
		return cmd_usage_error(
			"hookcost", "say where to measure: --lab, or -i IFACE "
				    "--peer HOST (see --help)");
	if (o->json && a->csv_path && !strcmp(a->csv_path, "-"))
		return cmd_usage_error(
			"hookcost", "--json and --csv - both want stdout; give "
				    "--csv a file");
	if (o->tcp && !in_path("iperf3"))
		return cmd_usage_error(
			"hookcost", "--tcp: iperf3 is not installed (apt-get "
				    "install iperf3)");
	return 0;
}

static int hookcost_main(void *cfg)
{
	struct hookcost_args *a = cfg;
	FILE *csv = NULL;
	int rc;

	if (a->csv_path) {
		csv = strcmp(a->csv_path, "-") ? fopen(a->csv_path, "w") :
						 stdout;
		if (!csv) {
			fprintf(stderr,
				"linerate hookcost: --csv: cannot write %s: "
				"%s\n",
				a->csv_path, strerror(errno));
			return EXIT_USAGE;
		}
	}
	rc = hookcost_run(&a->o, csv);
	if (csv && csv != stdout)
		fclose(csv);
	return rc ? EXIT_RUNTIME : EXIT_OK;
}

int cmd_hookcost(int argc, char **argv)
{
	struct hookcost_args a;

	hookcost_args_init(&a);
	return cmd_run_parsed(&cmd_hookcost_opts, argc, argv, &a,
			      hookcost_args_finish, hookcost_main);
}
