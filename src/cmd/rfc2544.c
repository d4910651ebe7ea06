// SPDX-License-Identifier: MIT
/*
 * `linerate rfc2544 --lab | HOST`: flags, then the driver in
 * src/search/rfc2544.c over a trial runner. Every flag is checked before
 * the first trial; the results of completed trials are written even when
 * the run ends early.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "api/client.h"
#include "api/http.h"
#include "cmd/cmd.h"
#include "cmd/api_client_opts.h"
#include "lib/log.h"
#include "lib/marking.h"
#include "search/rfc2544.h"

#define MAX_TRIAL_NS (3600ULL * NSEC_PER_SEC)
#define MAX_WAIT_NS  (60ULL * NSEC_PER_SEC)

enum {
	O_LAB = 256,
	O_NAME,
	O_SIZES,
	O_TESTS,
	O_TRIAL,
	O_WARMUP,
	O_DRAIN,
	O_LOSS,
	O_PDR,
	O_RESOLUTION,
	O_LINE_RATE,
	O_MIN_RATE,
	O_MAX_TRIALS,
	O_B2B_TRIALS,
	O_LATENCY_TRIALS,
	O_B2B_MAX,
	O_QUICK,
	O_CATCH_UP,
	O_STALL_LIMIT,
	O_BACKEND,
	O_NO_GSO,
	O_FLOWS,
	O_DSCP,
	O_ECN,
	O_TOS,
	O_VLAN,
	O_PORT,
	O_JSON,
	O_CSV,
	O_PLOT,
	O_QUIET,
	O_VERBOSE,
	O_SERVER_BACKEND,
	O_REVERSE,
	O_BIDIR,
	O_HELP,
};

static const struct option longopts[] = {
	{"lab", no_argument, NULL, O_LAB},
	{"name", required_argument, NULL, O_NAME},
	{"sizes", required_argument, NULL, O_SIZES},
	{"tests", required_argument, NULL, O_TESTS},
	{"trial", required_argument, NULL, O_TRIAL},
	{"warmup", required_argument, NULL, O_WARMUP},
	{"drain", required_argument, NULL, O_DRAIN},
	{"loss-tolerance", required_argument, NULL, O_LOSS},
	{"pdr-loss", required_argument, NULL, O_PDR},
	{"resolution", required_argument, NULL, O_RESOLUTION},
	{"line-rate", required_argument, NULL, O_LINE_RATE},
	{"min-rate", required_argument, NULL, O_MIN_RATE},
	{"max-trials", required_argument, NULL, O_MAX_TRIALS},
	{"b2b-trials", required_argument, NULL, O_B2B_TRIALS},
	{"latency-trials", required_argument, NULL, O_LATENCY_TRIALS},
	{"b2b-max", required_argument, NULL, O_B2B_MAX},
	{"quick", no_argument, NULL, O_QUICK},
	{"catch-up", required_argument, NULL, O_CATCH_UP},
	{"stall-limit", required_argument, NULL, O_STALL_LIMIT},
	{"backend", required_argument, NULL, O_BACKEND},
	{"no-gso", no_argument, NULL, O_NO_GSO},
	{"flows", required_argument, NULL, O_FLOWS},
	{"dscp", required_argument, NULL, O_DSCP},
	{"ecn", required_argument, NULL, O_ECN},
	{"tos", required_argument, NULL, O_TOS},
	{"vlan", required_argument, NULL, O_VLAN},
	{"port", required_argument, NULL, O_PORT},
	{"json", no_argument, NULL, O_JSON},
	{"csv", required_argument, NULL, O_CSV},
	{"plot", required_argument, NULL, O_PLOT},
	{"quiet", no_argument, NULL, O_QUIET},
	{"verbose", no_argument, NULL, O_VERBOSE},
	CMD_API_CLIENT_LONGOPTS
	{"server-backend", required_argument, NULL, O_SERVER_BACKEND},
	{"reverse", no_argument, NULL, O_REVERSE},
	{"bidir", no_argument, NULL, O_BIDIR},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0},
};

struct flag_doc {
	const char *flag;
	const char *help;
};

static const struct flag_doc flag_docs[] = {
	{"--lab", "both ends in the lab's namespaces NAME-a -> NAME-b"},
	{"--name NAME", "lab name (default lr; see linerate lab)"},
	{"--sizes LIST", "frame sizes incl. FCS, 64..9018, and size mixes, "
			 "each one row: 64,512,imix; a custom mix needs ';' "
			 "between rows: '64;imix;64:7,594:4,1518:1' (default "
			 "64,128,256,512,1024,1280,1518)"},
	{"--tests LIST", "throughput,latency,loss,back-to-back (default "
			 "all; latency needs the throughput search)"},
	{"--trial TIME", "trial length (default 60s; --quick 2s)"},
	{"--warmup TIME", "warm-up traffic at the trial rate before each "
			  "trial, not counted; 0: none (default 2s; --quick "
			  "0.5s)"},
	{"--drain TIME", "wait after the last frame before counting "
			 "(default 2s; --quick 0.5s)"},
	{"--loss-tolerance LOSS", "NDR: loss a passing trial may have, a "
				  "percent (0.1%) or a fraction (0.001); "
				  "default 0, the RFC's"},
	{"--pdr-loss LOSS", "PDR: the same, for the partial drop rate "
			    "(default 0.5%)"},
	{"--resolution RES", "stop when the pass/fail bracket is this "
			     "narrow, relative: 0.5% or 0.005 (default 0.5%; "
			     "--quick 1%)"},
	{"--line-rate BPS", "line rate, e.g. 10Gbps (default: the sender's "
			    "interface speed; a veth says 10 Gbit/s)"},
	{"--min-rate RATE", "lowest rate the search tries (default 1kpps)"},
	{"--max-trials N", "trials per search, 1..128 (default 40)"},
	{"--b2b-trials N", "back-to-back repetitions, 1..100 (default 50; "
			   "--quick 2)"},
	{"--latency-trials N", "latency repetitions at the throughput, "
			       "1..100 (default 20, as the RFC asks; --quick 3)"},
	{"--b2b-max TIME", "longest burst tried, as time at line rate "
			   "(default 2s; --quick 0.1s)"},
	{"--quick", "short trials, coarser resolution (see above)"},
	{"--catch-up none|N|TIME",
	 "lateness the sender makes up in a rate trial (default 1: at most "
	 "two frames back-to-back; see linerate send --help)"},
	{"--stall-limit TIME",
	 "repeat a rate trial whose sender was late by more than this, up "
	 "to twice; 0: never (default 10ms)"},
	{"--backend NAME",
	 "data path of both ends: " SPEC_BACKENDS " (default udp)"},
	{"--no-gso", "udp: one datagram per send/receive"},
	{"--flows N", "source ports of the sender, 1..4096 (default 1)"},
	{"--dscp CLASS", "DSCP of the trial traffic: EF, AF11..AF43, "
			 "CS0..CS7, LE, VA, DF or 0..63 (default 0)"},
	{"--ecn CODEPOINT", "ECN of the trial traffic: not-ect, ect0, ect1, "
			    "ce or 0..3"},
	{"--tos BYTE", "the whole TOS byte 0..255 instead of --dscp/--ecn"},
	{"--vlan ID[:PCP]", "802.1Q tag of the trial traffic, ID 1..4094, "
			    "priority 0..7; QinQ: OUTER[:PCP],INNER[:PCP]; "
			    "a raw --backend (afpacket, afxdp, xdp)"},
	{"--port PORT", "trial port; warm-up uses PORT+1 (default 7000)"},
	{"--json", "one JSON document with every trial on stdout (the "
		   "table goes to stderr)"},
	{"--csv FILE", "one row per frame size"},
	{"--plot FILE", "chart, .svg or .png (needs gnuplot)"},
	{"--quiet", "no progress on stderr"},
	{"--server-backend B", "HOST: the server's data path (default udp)"},
	{"--reverse", "HOST: the server sends, we receive"},
	{"--bidir", "HOST: both directions at once, the rate per direction; "
		    "a trial passes when both together meet the loss goal"},
	{"--verbose", "also the commands run, on stderr"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: linerate rfc2544 --lab [--name NAME] [options]\n"
		     "       linerate rfc2544 HOST[:PORT] [options]   (a "
		     "linerate server receives)\n\n"
		     "  RFC 2544: throughput (highest rate with loss <= the "
		     "tolerance: a binary\n"
		     "  search with a confirmation trial; NDR and PDR), "
		     "latency at that rate,\n"
		     "  frame loss rate from 100%% of the line rate down, "
		     "back-to-back bursts.\n"
		     "  Progress and the time left go to stderr.\n\n"
		     "options:\n");
	for (size_t i = 0; i < sizeof(flag_docs) / sizeof(flag_docs[0]); i++)
		fprintf(out, "  %-22s %s\n", flag_docs[i].flag,
			flag_docs[i].help);
	fprintf(out, "\nwith HOST, its API:\n");
	cmd_api_client_help(out, 22, 0, NULL);
	fprintf(out, "\nexit codes: 0 ok, 1 runtime error (the results so "
		     "far are still written), 2 bad input\n");
}

static int bad(const char *flag, const char *value, const char *accepted)
{
	fprintf(stderr,
		"linerate rfc2544: --%s: invalid value '%s' (accepted: %s)\n",
		flag, value, accepted);
	return EXIT_USAGE;
}

/* "0.5%" is a percent, "0.005" a fraction; both give 0.005. */
static int parse_ratio(const char *text, double max, double *out)
{
	char *end;
	double v;

	if (!*text || !strchr("0123456789.", text[0]))
		return -EINVAL;
	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || !isfinite(v) || v < 0)
		return -EINVAL;
	for (const char *p = text; p < end; p++)
		if (!strchr("0123456789.", *p))
			return -EINVAL;
	if (!strcmp(end, "%"))
		v /= 100;
	else if (*end)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* A duration that may be 0. */
static int parse_wait(const char *text, uint64_t *ns)
{
	if (!strcmp(text, "0")) {
		*ns = 0;
		return 0;
	}
	if (parse_duration(text, ns) || *ns > MAX_WAIT_NS)
		return -EINVAL;
	return 0;
}

static int parse_tests(const char *text, unsigned int *tests)
{
	char buf[128], *tok, *save = NULL;

	if (!*text || strlen(text) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", text);
	*tests = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "throughput"))
			*tests |= RFC2544_THROUGHPUT;
		else if (!strcmp(tok, "latency"))
			*tests |= RFC2544_LATENCY;
		else if (!strcmp(tok, "loss") || !strcmp(tok, "frame-loss"))
			*tests |= RFC2544_LOSS;
		else if (!strcmp(tok, "back-to-back") || !strcmp(tok, "b2b"))
			*tests |= RFC2544_B2B;
		else
			return -EINVAL;
	}
	return *tests ? 0 : -EINVAL;
}

/* The directory of path exists and is writable, so an hour-long run
 * does not end on a typo. */
static bool writable_dir_of(const char *path)
{
	char copy[PATH_MAX];

	if (strlen(path) >= sizeof(copy))
		return false;
	snprintf(copy, sizeof(copy), "%s", path);
	return !access(dirname(copy), W_OK);
}

struct rfc2544_args {
	struct rfc2544_config cfg;
	bool lab;
	const char *host;
	const char *lab_name;
	const char *backend;
	const char *server_backend;
	int direction; /* 0 forward, 1 reverse, 2 bidir (remote_mode) */
	struct cmd_api_client api;
	bool no_gso;
	uint32_t flows;
	uint8_t tos; /* DSCP << 2 | ECN */
	unsigned int marks; /* 1: --dscp/--ecn, 2: --tos */
	struct marking_vlans vlan;
	uint16_t port;
	bool json, quiet;
	const char *csv_path, *plot_path;
};

/* Which flags were given, so --quick fills in only the rest. */
struct seen {
	bool trial, warmup, drain, resolution, b2b_trials, b2b_max;
	bool latency_trials, sizes;
};

static int parse_flag(struct rfc2544_args *a, struct seen *seen, int id,
		      const char *name, const char *v)
{
	struct rfc2544_config *c = &a->cfg;
	uint64_t n;

	switch (id) {
	case O_LAB:
		a->lab = true;
		return 0;
	case O_REVERSE:
	case O_BIDIR:
		if (a->direction) {
			fprintf(stderr, "linerate rfc2544: give --reverse or "
					"--bidir, not both\n");
			return EXIT_USAGE;
		}
		a->direction = id == O_REVERSE ? 1 : 2;
		snprintf(c->direction, sizeof(c->direction), "%s",
			 id == O_REVERSE ? "reverse" : "bidir");
		return 0;
	case O_SERVER_BACKEND:
		if (!spec_backend_known(v))
			return bad(name, v, SPEC_BACKENDS);
		a->server_backend = v;
		return 0;
	case O_NAME:
		if (!*v || strlen(v) > 8 ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyz"
			      "0123456789") != strlen(v))
			return bad(name, v, "1 to 8 characters a-z 0-9");
		a->lab_name = v;
		return 0;
	case O_SIZES:
		if (rfc2544_sizes_parse(v, c))
			return bad(
				name, v,
				"frame sizes 64..9018 and imix, "
				"comma-separated; with a SIZE:WEIGHT,... "
				"mix, ';'-separated; no repeats, at most 16");
		seen->sizes = true;
		return 0;
	case O_TESTS:
		if (parse_tests(v, &c->tests))
			return bad(
				name, v,
				"comma-separated: throughput, latency, loss, "
				"back-to-back");
		return 0;
	case O_TRIAL:
		if (parse_duration(v, &c->trial_ns) ||
		    c->trial_ns < 100 * NSEC_PER_MSEC ||
		    c->trial_ns > MAX_TRIAL_NS)
			return bad(name, v,
				   "a time from 100ms to 1h, e.g. 60s");
		seen->trial = true;
		return 0;
	case O_WARMUP:
		if (parse_wait(v, &c->warmup_ns))
			return bad(name, v, "0 or a time up to 60s, e.g. 2s");
		seen->warmup = true;
		return 0;
	case O_DRAIN:
		if (parse_wait(v, &c->drain_ns))
			return bad(name, v, "0 or a time up to 60s, e.g. 2s");
		seen->drain = true;
		return 0;
	case O_LOSS:
		if (parse_ratio(v, 0.5, &c->ndr_loss))
			return bad(name, v,
				   "a percent 0%..50% (0.1%) or a fraction "
				   "0..0.5 (0.001)");
		return 0;
	case O_PDR:
		if (parse_ratio(v, 0.5, &c->pdr_loss))
			return bad(name, v,
				   "a percent 0%..50% (0.5%) or a fraction "
				   "0..0.5 (0.005)");
		return 0;
	case O_RESOLUTION:
		if (parse_ratio(v, 0.5, &c->resolution) || c->resolution <= 0)
			return bad(name, v,
				   "a percent > 0 and <= 50% (0.5%) or a "
				   "fraction (0.005)");
		seen->resolution = true;
		return 0;
	case O_LINE_RATE:
		if (parse_bitrate(v, &c->line_rate_bps) || !c->line_rate_bps)
			return bad(name, v, "bits/s, e.g. 10Gbps, 25G");
		return 0;
	case O_MIN_RATE:
		if (parse_rate(v, &c->min_rate) || c->min_rate.kind == RATE_MAX)
			return bad(name, v,
				   "N[k|M|G]pps, N[k|M|G]bps (L1), "
				   "N[k|M|G]bps-l2, N%");
		return 0;
	case O_MAX_TRIALS:
		if (parse_u64(v, 1, SEARCH_MAX_TRIALS, &n))
			return bad(name, v, "1..128");
		c->max_trials = (unsigned int)n;
		return 0;
	case O_LATENCY_TRIALS:
		if (parse_u64(v, 1, RFC2544_MAX_LATENCY_TRIALS, &n))
			return bad(name, v, "1..100");
		c->latency_trials = (unsigned int)n;
		seen->latency_trials = true;
		return 0;
	case O_B2B_TRIALS:
		if (parse_u64(v, 1, RFC2544_MAX_B2B_TRIALS, &n))
			return bad(name, v, "1..100");
		c->b2b_trials = (unsigned int)n;
		seen->b2b_trials = true;
		return 0;
	case O_B2B_MAX:
		if (parse_duration(v, &c->b2b_max_ns) ||
		    c->b2b_max_ns > MAX_WAIT_NS)
			return bad(name, v, "a time > 0 up to 60s, e.g. 2s");
		seen->b2b_max = true;
		return 0;
	case O_QUICK:
		c->quick = true;
		return 0;
	case O_STALL_LIMIT:
		if (!strcmp(v, "0")) {
			c->stall_limit_ns = 0;
			return 0;
		}
		if (parse_duration(v, &c->stall_limit_ns) ||
		    c->stall_limit_ns > MAX_WAIT_NS)
			return bad(name, v, "0, or a time up to 60s, e.g. 10ms");
		return 0;
	case O_CATCH_UP: {
		struct test_spec probe;

		spec_init(&probe, ROLE_SEND);
		if (strlen(v) >= sizeof(c->catch_up) ||
		    spec_parse_catch_up(&probe, v))
			return bad(name, v,
				   "none, a frame count 0..1000000, or a time "
				   "like 5ms (<= 10s)");
		snprintf(c->catch_up, sizeof(c->catch_up), "%s", v);
		return 0;
	}
	case O_BACKEND:
		if (!spec_backend_known(v))
			return bad(name, v, SPEC_BACKENDS);
		a->backend = v;
		return 0;
	case O_NO_GSO:
		a->no_gso = true;
		return 0;
	case O_DSCP:
	case O_ECN:
	case O_TOS: {
		unsigned int bit = id == O_TOS ? 2 : 1;
		uint8_t value;

		if (a->marks & (3u ^ bit)) {
			fprintf(stderr,
				"linerate rfc2544: --%s: cannot be combined "
				"with --%s (choose one)\n",
				name, bit == 2 ? "dscp/--ecn" : "tos");
			return EXIT_USAGE;
		}
		a->marks |= bit;
		if (id == O_DSCP) {
			if (marking_parse_dscp(v, &value))
				return bad(name, v, "EF, AF11..AF43, CS0..CS7, "
						    "LE, VA, DF or 0..63");
			a->tos = marking_tos(value, marking_ecn_of(a->tos));
		} else if (id == O_ECN) {
			if (marking_parse_ecn(v, &value))
				return bad(name, v,
					   "not-ect, ect0, ect1, ce or 0..3");
			a->tos = marking_tos(marking_dscp_of(a->tos), value);
		} else {
			if (marking_parse_tos(v, &value))
				return bad(name, v, "a byte 0..255");
			a->tos = value;
		}
		return 0;
	}
	case O_VLAN:
		if (marking_parse_vlans(v, &a->vlan))
			return bad(
				name, v,
				"ID 1..4094 or ID:PCP with PCP 0..7, e.g. "
				"100 or 100:5; QinQ OUTER[:PCP],INNER[:PCP]");
		return 0;
	case O_FLOWS:
		if (parse_u64(v, 1, SPEC_MAX_FLOWS, &n))
			return bad(name, v, "1..4096");
		a->flows = (uint32_t)n;
		return 0;
	case O_PORT:
		if (parse_u64(v, 1, 65534, &n))
			return bad(name, v,
				   "1..65534 (PORT+1 carries the warm-up)");
		a->port = (uint16_t)n;
		return 0;
	case O_JSON:
		a->json = true;
		return 0;
	case O_CSV:
		if (!*v || !writable_dir_of(v))
			return bad(name, v, "a file in a writable directory");
		a->csv_path = v;
		return 0;
	case O_PLOT:
		if (!rfc2544_plot_format_known(v) || !writable_dir_of(v))
			return bad(
				name, v,
				"a .svg or .png file in a writable directory");
		a->plot_path = v;
		return 0;
	case O_QUIET:
		a->quiet = true;
		return 0;
	case O_VERBOSE:
		log_set_level(LOG_DEBUG);
		return 0;
	}
	return EXIT_USAGE;
}

static void defaults(struct rfc2544_args *a)
{
	struct rfc2544_config *c = &a->cfg;

	memset(a, 0, sizeof(*a));
	c->nsizes = sizeof(rfc2544_default_sizes) /
		    sizeof(rfc2544_default_sizes[0]);
	for (unsigned int i = 0; i < c->nsizes; i++)
		c->sizes[i].frame_size = rfc2544_default_sizes[i];
	c->tests = RFC2544_ALL_TESTS;
	c->trial_ns = 60 * NSEC_PER_SEC;
	c->warmup_ns = 2 * NSEC_PER_SEC;
	c->drain_ns = 2 * NSEC_PER_SEC;
	c->ndr_loss = 0;
	c->pdr_loss = 0.005;
	c->resolution = 0.005;
	c->min_rate.kind = RATE_PPS;
	c->min_rate.value = 1000;
	c->max_trials = 40;
	c->b2b_trials = 50;
	c->latency_trials = 20;
	c->b2b_max_ns = 2 * NSEC_PER_SEC;
	/* A late sender makes up one frame: never more than two leave
	 * back-to-back, which a shallow buffer on the path absorbs. */
	snprintf(c->catch_up, sizeof(c->catch_up), "1");
	snprintf(c->direction, sizeof(c->direction), "forward");
	c->stall_limit_ns = 10 * NSEC_PER_MSEC;
	a->lab_name = "lr";
	a->backend = "udp";
	a->flows = 1;
	a->port = 7000;
}

static void apply_quick(struct rfc2544_args *a, const struct seen *seen)
{
	struct rfc2544_config *c = &a->cfg;

	if (!c->quick)
		return;
	if (!seen->trial)
		c->trial_ns = 2 * NSEC_PER_SEC;
	if (!seen->warmup)
		c->warmup_ns = 500 * NSEC_PER_MSEC;
	if (!seen->drain)
		c->drain_ns = 500 * NSEC_PER_MSEC;
	if (!seen->resolution)
		c->resolution = 0.01;
	if (!seen->b2b_trials)
		c->b2b_trials = 2;
	if (!seen->latency_trials)
		c->latency_trials = 3;
	if (!seen->b2b_max)
		c->b2b_max_ns = 100 * NSEC_PER_MSEC;
}

/* The smallest row's smallest frame, incl. FCS. */
static uint32_t smallest_frame(const struct rfc2544_config *c)
{
	uint32_t least = FRAME_MAX_SIZE;

	for (unsigned int i = 0; i < c->nsizes; i++) {
		const struct rfc2544_size *row = &c->sizes[i];
		uint32_t v = row->mix.count ? sizemix_min(&row->mix) :
					      row->frame_size;

		least = v < least ? v : least;
	}
	return least;
}

/*
 * A tag needs a raw data path at the end that sends, and in the lab at
 * the end that receives too: a socket sees no tagged frame. Each tag
 * takes 4 bytes of a frame's payload: as `send` does, the default sizes
 * start at the smallest tagged frame that carries a probe (68, or 72
 * for QinQ), and a smaller --sizes is refused before the first trial.
 */
static int check_vlan(struct rfc2544_args *a, const struct seen *seen)
{
	bool we_send = a->direction != 1, server_sends = a->direction != 0;
	const char *server = a->server_backend ? a->server_backend : "udp";
	uint32_t least =
		FRAME_MIN_SIZE + FRAME_VLAN_HLEN * (a->vlan.inner_id ? 2u : 1u);

	if (!a->vlan.id)
		return 0;
	if (!seen->sizes && a->cfg.sizes[0].frame_size < least)
		a->cfg.sizes[0].frame_size = least;
	if (smallest_frame(&a->cfg) < least) {
		fprintf(stderr,
			"linerate rfc2544: --sizes: %u-byte frames are too "
			"small for a probe behind %s (the smallest is %u)\n",
			smallest_frame(&a->cfg),
			a->vlan.inner_id ? "two VLAN tags" : "a VLAN tag",
			least);
		return EXIT_USAGE;
	}
	if ((we_send || a->lab) && !strcmp(a->backend, "udp")) {
		fprintf(stderr, "linerate rfc2544: --vlan: the udp backend "
				"cannot tag frames; use --backend afpacket, "
				"afxdp or xdp\n");
		return EXIT_USAGE;
	}
	if (a->host && server_sends && !strcmp(server, "udp")) {
		fprintf(stderr, "linerate rfc2544: --vlan: the server's udp "
				"backend cannot tag frames; use "
				"--server-backend afpacket, afxdp or xdp\n");
		return EXIT_USAGE;
	}
	return 0;
}

/* The xdp generator sends one frame size: a mix needs another sender. */
static int check_mix(const struct rfc2544_args *a)
{
	bool we_send = a->direction != 1, server_sends = a->direction != 0;
	const char *server = a->server_backend ? a->server_backend : "udp";
	bool mix = false;

	for (unsigned int i = 0; i < a->cfg.nsizes; i++)
		mix |= a->cfg.sizes[i].mix.count > 0;
	if (!mix)
		return 0;
	if (((we_send || a->lab) && !strcmp(a->backend, "xdp")) ||
	    (a->host && server_sends && !strcmp(server, "xdp"))) {
		fprintf(stderr, "linerate rfc2544: --sizes: the xdp backend's "
				"generator sends one frame size; a size mix "
				"needs afxdp, afpacket or udp\n");
		return EXIT_USAGE;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct rfc2544_args *a)
{
	struct seen seen = {0};
	int id, rc;

	defaults(a);
	optind = 1;
	opterr = 0;
	while ((id = getopt_long(argc, argv, ":hv", longopts, NULL)) != -1) {
		const char *name = NULL;

		if (id == 'h' || id == O_HELP) {
			usage(stdout);
			return CMD_HELP_SHOWN;
		}
		if (id == 'v')
			id = O_VERBOSE;
		if (id == ':') {
			const char *flag = argv[optind - 1];

			fprintf(stderr,
				"linerate rfc2544: --%s: a value is required "
				"(see --help)\n",
				flag + strspn(flag, "-"));
			return EXIT_USAGE;
		}
		if (id == '?') {
			fprintf(stderr,
				"linerate rfc2544: %s: unknown flag (see "
				"--help)\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (cmd_api_client_is_opt(id)) {
			rc = cmd_api_client_parse(&a->api, "rfc2544", id,
						  optarg);
			if (rc)
				return rc;
			continue;
		}
		for (size_t i = 0; longopts[i].name; i++)
			if (longopts[i].val == id)
				name = longopts[i].name;
		rc = parse_flag(a, &seen, id, name, optarg);
		if (rc)
			return rc;
	}
	if (optind < argc)
		a->host = argv[optind++];
	if (optind < argc) {
		fprintf(stderr,
			"linerate rfc2544: unexpected argument '%s' (see "
			"--help)\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	apply_quick(a, &seen);
	if (a->lab && a->host) {
		fprintf(stderr, "linerate rfc2544: give --lab or HOST, not "
				"both\n");
		return EXIT_USAGE;
	}
	if (!a->lab && !a->host) {
		fprintf(stderr, "linerate rfc2544: say where to test: --lab "
				"or HOST (see --help)\n");
		return EXIT_USAGE;
	}
	if (a->cfg.pdr_loss < a->cfg.ndr_loss) {
		fprintf(stderr,
			"linerate rfc2544: --pdr-loss: %g%% is below the "
			"--loss-tolerance %g%%; PDR allows at least NDR's "
			"loss\n",
			a->cfg.pdr_loss * 100, a->cfg.ndr_loss * 100);
		return EXIT_USAGE;
	}
	if (a->lab &&
	    (a->api.api.token_file || a->api.api.tls || a->server_backend)) {
		fprintf(stderr, "linerate rfc2544: --token-file, --tls and "
				"--server-backend are for HOST, not --lab\n");
		return EXIT_USAGE;
	}
	if (a->lab && a->direction) {
		fprintf(stderr, "linerate rfc2544: --reverse and --bidir are "
				"for HOST, not --lab\n");
		return EXIT_USAGE;
	}
	rc = check_vlan(a, &seen);
	return rc ? rc : check_mix(a);
}

static int write_outputs(const struct rfc2544_args *a,
			 const struct rfc2544_run *run)
{
	char err[256];
	int rc = 0;

	if (a->json) {
		json_t *doc = rfc2544_json(run);

		if (!doc || json_dumpf(doc, stdout,
				       JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					       JSON_REAL_PRECISION(10))) {
			fprintf(stderr,
				"linerate rfc2544: cannot print JSON\n");
			rc = -EIO;
		}
		fputc('\n', stdout);
		json_decref(doc);
		rfc2544_print_table(stderr, run);
	} else {
		rfc2544_print_table(stdout, run);
	}
	fflush(stdout);
	if (a->csv_path &&
	    rfc2544_write_csv(a->csv_path, run, err, sizeof(err))) {
		fprintf(stderr, "linerate rfc2544: %s\n", err);
		rc = -EIO;
	}
	if (a->plot_path && rfc2544_plot(a->plot_path, run, err, sizeof(err))) {
		fprintf(stderr, "linerate rfc2544: %s\n", err);
		rc = -EIO;
	}
	return rc;
}

/* The host runner over a connection to the server (checked with a
 * request, so a wrong token or address fails before any trial). */
static int open_host(const struct rfc2544_args *a, struct api_client **api,
		     atomic_bool *stop, struct trial_runner **runner,
		     char *err, size_t err_len)
{
	struct api_client_config acfg;
	struct host_runner_config hc = {
		.host = a->host,
		.backend = a->backend,
		.server_backend = a->server_backend,
		.no_gso = a->no_gso,
		.flows = a->flows,
		.tos = a->tos,
		.vlan = a->vlan,
		.catch_up = a->cfg.catch_up,
		.direction = a->direction,
		.stop = stop,
	};
	api_client_config_init(&acfg, &a->api.api, a->host);
	*api = api_client_connect(&acfg, a->api.api.token_file,
				  "/v1/capabilities",
				  NULL, err, err_len);
	if (!*api)
		return -EIO;
	hc.api = *api;
	return host_runner_create(&hc, runner, err, err_len);
}

int cmd_rfc2544(int argc, char **argv)
{
	struct rfc2544_args a;
	struct lab_runner_config lc;
	struct api_client *api = NULL;
	struct rfc2544_run run;
	atomic_bool *stop;
	char self[PATH_MAX], err[256];
	ssize_t n;
	int rc, out_rc;

	rc = parse_args(argc, argv, &a);
	if (rc == CMD_HELP_SHOWN)
		return EXIT_OK;
	if (rc)
		return rc;
	if (a.plot_path && !rfc2544_gnuplot_available()) {
		fprintf(stderr, "linerate rfc2544: --plot: gnuplot is not "
				"installed (Debian: apt-get install "
				"gnuplot-nox)\n");
		return EXIT_RUNTIME;
	}
	if (!a.quiet && log_get_level() < LOG_INFO)
		log_set_level(LOG_INFO);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		fprintf(stderr, "linerate rfc2544: cannot find this binary "
				"(/proc/self/exe)\n");
		return EXIT_RUNTIME;
	}
	self[n] = '\0';
	stop = cmd_stop_on_signals();

	memset(&run, 0, sizeof(run));
	run.cfg = a.cfg;
	run.stop = stop;
	if (a.host) {
		rc = open_host(&a, &api, stop, &run.runner, err,
			       sizeof(err));
	} else {
		lc = (struct lab_runner_config){
			.lab = a.lab_name,
			.self_path = self,
			.backend = a.backend,
			.no_gso = a.no_gso,
			.flows = a.flows,
			.tos = a.tos,
			.vlan = a.vlan,
			.port = a.port,
			.catch_up = a.cfg.catch_up,
			.stop = stop,
		};
		rc = lab_runner_create(&lc, &run.runner, err, sizeof(err));
	}
	if (rc) {
		api_client_close(api);
		fprintf(stderr, "linerate rfc2544: %s\n", err);
		return rc == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	pr_info("rfc2544: %s\n", run.runner->description);
	rc = rfc2544_execute(&run);
	if (rc)
		fprintf(stderr,
			"linerate rfc2544: %s; writing the results of "
			"the %zu completed trials\n",
			run.error, run.ntrials);
	out_rc = write_outputs(&a, &run);
	run.runner->ops->destroy(run.runner);
	api_client_close(api);
	rfc2544_release(&run);
	return rc || out_rc ? EXIT_RUNTIME : EXIT_OK;
}
