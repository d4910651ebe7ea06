// SPDX-License-Identifier: MIT
/*
 * `linerate hookcost`: its flags, each checked for type and range (a bad
 * one gets one line naming it and exit code 2), then hookcost_run()
 * (src/hookcost/) does the measuring.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/api_client_opts.h"
#include "cmd/cmd.h"
#include "hookcost/hookcost.h"
#include "lib/clock.h"
#include "lib/frame.h"
#include "lib/log.h"
#include "lib/units.h"

enum {
	OPT_LAB = 256,
	OPT_NAME,
	OPT_SUBNET,
	OPT_PEER,
	OPT_FORCE,
	OPT_REPEATS,
	OPT_DURATION,
	OPT_RATE,
	OPT_PING_RATE,
	OPT_SIZE,
	OPT_SOURCE,
	OPT_PORT,
	OPT_CONFIGS,
	OPT_TCP,
	OPT_JSON,
	OPT_CSV,
	OPT_VERBOSE,
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: linerate hookcost --lab [--name NAME] [--subnet "
		"10.X.Y] "
		"[options]\n"
		"       linerate hookcost -i IFACE --peer HOST [options]\n"
		"\n"
		"What an empty XDP or tc program costs on the receive path. On "
		"the\n"
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
		"\"none\".\n"
		"\n"
		"  --lab                  use the two-namespace veth lab "
		"(scripts/lab);\n"
		"                         brought up if needed, and down again "
		"after\n"
		"  --name NAME            lab name, 1..8 of a-z 0-9 (default "
		"lr)\n"
		"  --subnet 10.X.Y        lab subnet when it is brought up "
		"(default 10.77.0)\n"
		"  -i, --interface IFACE  the receiving interface (with "
		"--peer)\n"
		"  --peer HOST[:PORT]     far end: a linerate server; its "
		"source and ping\n"
		"                         sessions send to us over IFACE\n"
		);
	cmd_api_client_help(out, 22, 0, NULL);
	fprintf(out,
		"  --force                measure over a foreign XDP program "
		"(taken "
		"off for\n"
		"                         the run, put back after) or tc "
		"ingress "
		"filter\n"
		"  --repeats N            1..100 (default 5)\n"
		"  --duration TIME        each run, 200ms..60s (default 2s)\n"
		"  --rate RATE            the fixed-rate run, e.g. 100kpps, "
		"50Mbps\n"
		"                         (default 100kpps)\n"
		"  --ping-rate RATE       probes per second of the ping run, "
		"1..100k\n"
		"                         (default 1kpps)\n"
		"  --size BYTES           Ethernet frame size incl. FCS, "
		"64..9018 "
		"(default 64)\n"
		"  --source-backend NAME  afxdp | afpacket | udp (default "
		"afxdp; "
		"udp sends\n"
		"                         with GSO: fewer, larger packets "
		"reach "
		"the hook)\n"
		"  --port N               UDP ports N (traffic) and N+1 "
		"(ping), "
		"TCP N+2\n"
		"                         (default 7000)\n"
		"  --configs LIST         which of "
		"none,xdp-generic,xdp-native,tc "
		"(default all)\n"
		"  --tcp                  also a TCP bulk stream (iperf3, "
		"which "
		"must be\n"
		"                         installed)\n"
		"  --json                 one JSON document on stdout\n"
		"  --csv FILE             the table as CSV into FILE (- for "
		"stdout)\n"
		"  --verbose              more log on stderr\n"
		"  -h, --help             this help\n"
		"\n"
		"Progress lines go to stderr. Exit codes: 0 ok, 1 runtime "
		"error "
		"or\n"
		"interrupted (everything attached is detached), 2 bad command "
		"line.\n");
}

static int bad(const char *flag, const char *value, const char *accepted)
{
	fprintf(stderr,
		"linerate hookcost: --%s: invalid value '%s' "
		"(accepted: %s)\n",
		flag, value, accepted);
	return EXIT_USAGE;
}

static bool valid_lab_name(const char *v)
{
	size_t n = strlen(v);

	if (n < 1 || n > 8)
		return false;
	return strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789") == n;
}

static bool valid_subnet(const char *v)
{
	unsigned int x, y;
	char tail;

	if (strlen(v) > 11 || strspn(v, "0123456789.") != strlen(v))
		return false;
	return sscanf(v, "10.%u.%u%c", &x, &y, &tail) == 2 && x <= 255 &&
	       y <= 255;
}

static int parse_configs(const char *v, bool enabled[HC_CONFIGS])
{
	char buf[128], *tok, *save;
	enum hc_config c;
	bool any = false;

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

/* The flags: what hookcost_run takes, and what only the command uses. */
struct hookcost_args {
	struct hc_opts o;
	const char *csv_path; /* "-": stdout */
};

/* Fill a from argv: 0, CMD_HELP_SHOWN after --help, or EXIT_USAGE after
 * one line on stderr. */
static int hc_parse_args(int argc, char **argv, struct hookcost_args *a)
{
	static const struct option longopts[] = {
		{"lab", no_argument, NULL, OPT_LAB},
		{"name", required_argument, NULL, OPT_NAME},
		{"subnet", required_argument, NULL, OPT_SUBNET},
		{"interface", required_argument, NULL, 'i'},
		{"peer", required_argument, NULL, OPT_PEER},
		{"force", no_argument, NULL, OPT_FORCE},
		{"repeats", required_argument, NULL, OPT_REPEATS},
		{"duration", required_argument, NULL, OPT_DURATION},
		{"rate", required_argument, NULL, OPT_RATE},
		{"ping-rate", required_argument, NULL, OPT_PING_RATE},
		{"size", required_argument, NULL, OPT_SIZE},
		{"source-backend", required_argument, NULL, OPT_SOURCE},
		{"port", required_argument, NULL, OPT_PORT},
		{"configs", required_argument, NULL, OPT_CONFIGS},
		{"tcp", no_argument, NULL, OPT_TCP},
		{"json", no_argument, NULL, OPT_JSON},
		{"csv", required_argument, NULL, OPT_CSV},
		{"verbose", no_argument, NULL, OPT_VERBOSE},
		CMD_API_CLIENT_LONGOPTS
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *rate_text = "100kpps", *ping_text = "1kpps";
	struct hc_opts *o = &a->o;
	struct cmd_api_client api;
	uint64_t n;
	int id;

	memset(a, 0, sizeof(*a));
	memset(&api, 0, sizeof(api));
	o->name = "lr";
	o->repeats = 5;
	o->duration_ns = 2 * NSEC_PER_SEC;
	o->frame_size = FRAME_MIN_SIZE;
	o->source_backend = "afxdp";
	o->port = 7000;
	for (int c = 0; c < HC_CONFIGS; c++)
		o->enabled[c] = true;
	optind = 1;
	opterr = 0;
	while ((id = getopt_long(argc, argv, ":hi:", longopts, NULL)) != -1) {
		const char *v = optarg;

		switch (id) {
		case OPT_LAB:
			o->lab = true;
			break;
		case OPT_NAME:
			if (!valid_lab_name(v))
				return bad("name", v,
					   "1..8 characters a-z 0-9");
			o->name = v;
			break;
		case OPT_SUBNET:
			if (!valid_subnet(v))
				return bad("subnet", v,
					   "10.X.Y with X and Y in 0..255");
			o->subnet = v;
			break;
		case 'i':
			if (!*v || strlen(v) >= 16 || strchr(v, '/') ||
			    strchr(v, ' '))
				return bad("interface", v,
					   "an interface name (1..15 "
					   "characters)");
			o->ifname = v;
			break;
		case OPT_PEER:
			if (!*v || strlen(v) > 253)
				return bad("peer", v, "a host name or address");
			o->peer = v;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_REPEATS:
			if (parse_u64(v, 1, HC_MAX_REPEATS, &n))
				return bad("repeats", v, "1..100");
			o->repeats = (unsigned int)n;
			break;
		case OPT_DURATION:
			if (parse_duration(v, &o->duration_ns) ||
			    o->duration_ns < 200 * NSEC_PER_MSEC ||
			    o->duration_ns > 60 * NSEC_PER_SEC)
				return bad("duration", v,
					   "200ms..60s, e.g. 2s, 500ms");
			break;
		case OPT_RATE:
			rate_text = v;
			break;
		case OPT_PING_RATE:
			ping_text = v;
			break;
		case OPT_SIZE:
			if (parse_u64(v, FRAME_MIN_SIZE, FRAME_MAX_SIZE, &n))
				return bad("size", v,
					   "64..9018 bytes, incl. FCS");
			o->frame_size = (uint32_t)n;
			break;
		case OPT_SOURCE:
			if (strcmp(v, "afxdp") && strcmp(v, "afpacket") &&
			    strcmp(v, "udp"))
				return bad("source-backend", v,
					   "afxdp, afpacket, udp");
			o->source_backend = v;
			break;
		case OPT_PORT:
			if (parse_u64(v, 1, 65533, &n))
				return bad("port", v, "1..65533");
			o->port = (uint16_t)n;
			break;
		case OPT_CONFIGS:
			if (parse_configs(v, o->enabled))
				return bad("configs", v,
					   "a comma list of none, xdp-generic, "
					   "xdp-native, tc");
			break;
		case OPT_TCP:
			o->tcp = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_CSV:
			if (!*v)
				return bad("csv", v,
					   "a file path, or - for "
					   "stdout");
			a->csv_path = v;
			break;
		case OPT_VERBOSE:
			log_set_level(
				log_get_level() < LOG_DEBUG ?
					(enum log_level)(log_get_level() + 1) :
					LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return CMD_HELP_SHOWN;
		case ':':
			fprintf(stderr,
				"linerate hookcost: %s: a value is "
				"required (see --help)\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			if (cmd_api_client_is_opt(id)) {
				int rc = cmd_api_client_parse(&api,
							      "hookcost", id, v);

				if (rc)
					return rc;
				break;
			}
			fprintf(stderr,
				"linerate hookcost: %s: unknown flag "
				"(see --help)\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"linerate hookcost: unexpected argument '%s' "
			"(see --help)\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	o->api = api.api;
	/* Rates depend on --size, wherever it was given. */
	if (rate_pps_of(rate_text, o->frame_size, 1, 100000000, &o->fixed_pps))
		return bad("rate", rate_text,
			   "a rate of 1pps..100Mpps like 100kpps, 1Mpps, "
			   "500Mbps, 500Mbps-l2");
	if (rate_pps_of(ping_text, o->frame_size, 1, 100000, &o->ping_pps))
		return bad("ping-rate", ping_text, "1pps..100kpps, e.g. 1kpps");

	if (o->lab && (o->peer || o->ifname)) {
		fprintf(stderr, "linerate hookcost: --lab and -i/--peer: "
				"choose one\n");
		return EXIT_USAGE;
	}
	if (!!o->peer != !!o->ifname) {
		fprintf(stderr, "linerate hookcost: -i IFACE and --peer HOST "
				"go together (the interface here, the far "
				"end there)\n");
		return EXIT_USAGE;
	}
	if (o->peer && o->tcp) {
		fprintf(stderr, "linerate hookcost: --tcp needs iperf3 at the "
				"far end; with --peer it is not available\n");
		return EXIT_USAGE;
	}
	if (!o->lab && !o->peer) {
		fprintf(stderr, "linerate hookcost: say where to measure: "
				"--lab, or -i IFACE --peer HOST (see --help)\n");
		return EXIT_USAGE;
	}
	if (o->json && a->csv_path && !strcmp(a->csv_path, "-")) {
		fprintf(stderr, "linerate hookcost: --json and --csv - both "
				"want stdout; give --csv a file\n");
		return EXIT_USAGE;
	}
	if (o->tcp && !in_path("iperf3")) {
		fprintf(stderr, "linerate hookcost: --tcp: iperf3 is not "
				"installed (apt-get install iperf3)\n");
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_hookcost(int argc, char **argv)
{
	struct hookcost_args a;
	FILE *csv = NULL;
	int rc;

	rc = hc_parse_args(argc, argv, &a);
	if (rc)
		return rc == CMD_HELP_SHOWN ? EXIT_OK : rc;
	if (a.csv_path) {
		csv = strcmp(a.csv_path, "-") ? fopen(a.csv_path, "w") : stdout;
		if (!csv) {
			fprintf(stderr,
				"linerate hookcost: --csv: cannot "
				"write %s: %s\n",
				a.csv_path, strerror(errno));
			return EXIT_USAGE;
		}
	}
	rc = hookcost_run(&a.o, csv);
	if (csv && csv != stdout)
		fclose(csv);
	return rc ? EXIT_RUNTIME : EXIT_OK;
}
