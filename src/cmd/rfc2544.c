// SPDX-License-Identifier: MIT
/*
 * `linerate rfc2544 --lab | HOST`: flags, then the driver in
 * src/search/rfc2544.c over a trial runner. Every flag is checked before
 * the first trial; the results of completed trials are written even when
 * the run ends early.
 */
#include <errno.h>
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
#include "cmd/row_values.h"
#include "lib/log.h"
#include "lib/marking.h"
#include "lib/options.h"
#include "lib/spec_opts.h"
#include "search/rfc2544.h"

#define MAX_TRIAL_NS (3600ULL * NSEC_PER_SEC)
#define MAX_WAIT_NS  (60ULL * NSEC_PER_SEC)

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

/* ---------------------------------------------------------------- rows */

/* The row callbacks: cfg is the struct rfc2544_args. A bare -EINVAL
 * prints the standard line with the row's accepted values. */
#define ARGS(cfg) ((struct rfc2544_args *)(cfg))

static int parse_name(const struct opt_row *row, void *cfg, const char *v,
		      struct opt_parse *st)
{
	(void)row;
	(void)st;
	if (!*v || strlen(v) > 8 ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(v))
		return -EINVAL;
	ARGS(cfg)->lab_name = v;
	return 0;
}

static int parse_sizes(const struct opt_row *row, void *cfg, const char *v,
		       struct opt_parse *st)
{
	(void)row;
	(void)st;
	return rfc2544_sizes_parse(v, &ARGS(cfg)->cfg);
}

static int parse_tests_row(const struct opt_row *row, void *cfg, const char *v,
			   struct opt_parse *st)
{
	(void)row;
	(void)st;
	return parse_tests(v, &ARGS(cfg)->cfg.tests);
}

/* The three ratios: the row says which field and its floor. */
static int parse_ratio_row(const struct opt_row *row, void *cfg, const char *v,
			   struct opt_parse *st)
{
	double *out = (double *)((char *)cfg + row->offset);
	double r;

	(void)st;
	if (parse_ratio(v, 0.5, &r) || (row->min && r <= 0))
		return -EINVAL;
	*out = r;
	return 0;
}

static int parse_line_rate(const struct opt_row *row, void *cfg, const char *v,
			   struct opt_parse *st)
{
	uint64_t bps;

	(void)row;
	(void)st;
	if (parse_bitrate(v, &bps) || !bps)
		return -EINVAL;
	ARGS(cfg)->cfg.line_rate_bps = bps;
	return 0;
}

static int parse_min_rate(const struct opt_row *row, void *cfg, const char *v,
			  struct opt_parse *st)
{
	struct rate r;

	(void)row;
	(void)st;
	if (parse_rate(v, &r) || r.kind == RATE_MAX)
		return -EINVAL;
	ARGS(cfg)->cfg.min_rate = r;
	return 0;
}

static int parse_catch_up(const struct opt_row *row, void *cfg, const char *v,
			  struct opt_parse *st)
{
	struct rfc2544_config *c = &ARGS(cfg)->cfg;
	struct test_spec probe;

	(void)row;
	(void)st;
	spec_init(&probe, ROLE_SEND);
	if (strlen(v) >= sizeof(c->catch_up) || spec_parse_catch_up(&probe, v))
		return -EINVAL;
	snprintf(c->catch_up, sizeof(c->catch_up), "%s", v);
	return 0;
}

/* --backend and --server-backend: a name this build knows. */
static int parse_backend(const struct opt_row *row, void *cfg, const char *v,
			 struct opt_parse *st)
{
	(void)st;
	if (!spec_backend_known(v))
		return -EINVAL;
	*(const char **)((char *)cfg + row->offset) = v;
	return 0;
}

/* --dscp and --ecn build the TOS byte together; --tos is all of it. */
static int parse_marking(const struct opt_row *row, void *cfg, const char *v,
			 struct opt_parse *st)
{
	struct rfc2544_args *a = ARGS(cfg);
	unsigned int bit = !strcmp(row->name, "tos") ? 2 : 1;

	if (a->marks & (3u ^ bit))
		return opts_fail(st, row,
				 "cannot be combined with --%s (choose one)",
				 bit == 2 ? "dscp/--ecn" : "tos");
	if (spec_opts_mark_tos(row->name, v, &a->tos))
		return -EINVAL;
	a->marks |= bit;
	return 0;
}

static int parse_vlan(const struct opt_row *row, void *cfg, const char *v,
		      struct opt_parse *st)
{
	(void)row;
	(void)st;
	return marking_parse_vlans(v, &ARGS(cfg)->vlan) ? -EINVAL : 0;
}

/* --csv and --plot: a file in a writable directory (a plot's name says
 * its format), so an hour-long run does not end on a typo. */
static int parse_out_file(const struct opt_row *row, void *cfg, const char *v,
			  struct opt_parse *st)
{
	(void)st;
	if (!*v || !writable_dir_of(v) ||
	    (!strcmp(row->name, "plot") && !rfc2544_plot_format_known(v)))
		return -EINVAL;
	*(const char **)((char *)cfg + row->offset) = v;
	return 0;
}

static int parse_direction(const struct opt_row *row, void *cfg, const char *v,
			   struct opt_parse *st)
{
	struct rfc2544_args *a = ARGS(cfg);
	bool reverse = !strcmp(row->name, "reverse");

	(void)v;
	if (a->direction)
		return opts_fail(st, row,
				 "give --reverse or --bidir, not both");
	a->direction = reverse ? 1 : 2;
	snprintf(a->cfg.direction, sizeof(a->cfg.direction), "%s",
		 reverse ? "reverse" : "bidir");
	return 0;
}

#define A_FIELD(field) OPT_FIELD(struct rfc2544_args, field)

/* A row whose value a callback checks and stores. */
#define CUSTOM_ROW(lname, field, fn, argname, text, acc)                       \
	{                                                                      \
		.name = (lname), .type = OPT_CUSTOM, A_FIELD(field),           \
		.arg = (argname), .help = (text), .accepted = (acc),           \
		.parse = (fn)                                                  \
	}
#define WAIT_ROW(lname, field, text)                                           \
	{                                                                      \
		.name = (lname), .type = OPT_DURATION, .flags = OPT_F_ZERO,    \
		A_FIELD(field), .max = MAX_WAIT_NS, .arg = "TIME",             \
		.help = (text), .accepted = "0 or a time up to 60s, e.g. 2s"   \
	}
#define SWITCH_ROW(lname, field, text)                                         \
	OPT_SWITCH_ROW(lname, struct rfc2544_args, field, text)
/* A loss ratio: a percent or a fraction up to 50%, with the example of
 * each in the accepted text. */
#define LOSS_ROW(lname, field, text, percent, fraction)                        \
	CUSTOM_ROW(lname, field, parse_ratio_row, "LOSS", text,                \
		   "a percent 0%..50% (" percent                               \
		   ") or a fraction 0..0.5 (" fraction ")")
#define UINT_ROW(lname, field, hi, text, acc)                                  \
	OPT_UINT_ROW(lname, struct rfc2544_args, field, 1, hi, "N", NULL,      \
		     text, acc)

/* clang-format off */
static const struct opt_row rfc2544_rows[] = {
	SWITCH_ROW("lab", lab,
		   "both ends in the lab's namespaces NAME-a -> NAME-b"),
	CUSTOM_ROW("name", lab_name, parse_name, "NAME",
		   "lab name (default lr; see linerate lab)",
		   "1 to 8 characters a-z 0-9"),
	CUSTOM_ROW("sizes", cfg.sizes, parse_sizes, "LIST",
		   "frame sizes incl. FCS, 64..9018, and size mixes, each one "
		   "row: 64,512,imix; a custom mix needs ';' between rows: "
		   "'64;imix;64:7,594:4,1518:1' (default "
		   "64,128,256,512,1024,1280,1518)",
		   "frame sizes 64..9018 and imix, comma-separated; with a "
		   "SIZE:WEIGHT,... mix, ';'-separated; no repeats, at most "
		   "16"),
	CUSTOM_ROW("tests", cfg.tests, parse_tests_row, "LIST",
		   "throughput,latency,loss,back-to-back (default all; "
		   "latency needs the throughput search)",
		   "comma-separated: throughput, latency, loss, "
		   "back-to-back"),
	{.name = "trial", .type = OPT_DURATION, A_FIELD(cfg.trial_ns),
	 .min = 100 * NSEC_PER_MSEC, .max = MAX_TRIAL_NS, .arg = "TIME",
	 .help = "trial length (default 60s; --quick 2s)",
	 .accepted = "a time from 100ms to 1h, e.g. 60s"},
	WAIT_ROW("warmup", cfg.warmup_ns,
		 "warm-up traffic at the trial rate before each trial, not "
		 "counted; 0: none (default 2s; --quick 0.5s)"),
	WAIT_ROW("drain", cfg.drain_ns,
		 "wait after the last frame before counting (default 2s; "
		 "--quick 0.5s)"),
	LOSS_ROW("loss-tolerance", cfg.ndr_loss,
		 "NDR: loss a passing trial may have, a percent (0.1%) or a "
		 "fraction (0.001); default 0, the RFC's", "0.1%", "0.001"),
	LOSS_ROW("pdr-loss", cfg.pdr_loss,
		 "PDR: the same, for the partial drop rate (default 0.5%)",
		 "0.5%", "0.005"),
	{.name = "resolution", .type = OPT_CUSTOM, A_FIELD(cfg.resolution),
	 .min = 1 /* > 0 */, .arg = "RES", .parse = parse_ratio_row,
	 .help = "stop when the pass/fail bracket is this narrow, relative: "
		 "0.5% or 0.005 (default 0.5%; --quick 1%)",
	 .accepted = "a percent > 0 and <= 50% (0.5%) or a fraction "
		     "(0.005)"},
	CUSTOM_ROW("line-rate", cfg.line_rate_bps, parse_line_rate, "BPS",
		   "line rate, e.g. 10Gbps (default: the sender's interface "
		   "speed; a veth says 10 Gbit/s)",
		   "bits/s, e.g. 10Gbps, 25G"),
	CUSTOM_ROW("min-rate", cfg.min_rate, parse_min_rate, "RATE",
		   "lowest rate the search tries (default 1kpps)",
		   "N[k|M|G]pps, N[k|M|G]bps (L1), N[k|M|G]bps-l2, N%"),
	UINT_ROW("max-trials", cfg.max_trials, SEARCH_MAX_TRIALS,
		 "trials per search, 1..128 (default 40)", "1..128"),
	UINT_ROW("b2b-trials", cfg.b2b_trials, RFC2544_MAX_B2B_TRIALS,
		 "back-to-back repetitions, 1..100 (default 50; --quick 2)",
		 "1..100"),
	UINT_ROW("latency-trials", cfg.latency_trials,
		 RFC2544_MAX_LATENCY_TRIALS,
		 "latency repetitions at the throughput, 1..100 (default 20, "
		 "as the RFC asks; --quick 3)", "1..100"),
	{.name = "b2b-max", .type = OPT_DURATION, A_FIELD(cfg.b2b_max_ns),
	 .max = MAX_WAIT_NS, .arg = "TIME",
	 .help = "longest burst tried, as time at line rate (default 2s; "
		 "--quick 0.1s)",
	 .accepted = "a time > 0 up to 60s, e.g. 2s"},
	SWITCH_ROW("quick", cfg.quick,
		   "short trials, coarser resolution (see above)"),
	CUSTOM_ROW("catch-up", cfg.catch_up, parse_catch_up, "none|N|TIME",
		   "lateness the sender makes up in a rate trial (default 1: at "
		   "most two frames back-to-back; see linerate send --help)",
		   "none, a frame count 0..1000000, or a time like 5ms "
		   "(<= 10s)"),
	{.name = "stall-limit", .type = OPT_DURATION, .flags = OPT_F_ZERO,
	 A_FIELD(cfg.stall_limit_ns), .max = MAX_WAIT_NS, .arg = "TIME",
	 .help = "repeat a rate trial whose sender was late by more than "
		 "this, up to twice; 0: never (default 10ms)",
	 .accepted = "0, or a time up to 60s, e.g. 10ms"},
	CUSTOM_ROW("backend", backend, parse_backend, "NAME",
		   "data path of both ends: " SPEC_BACKENDS " (default udp)",
		   SPEC_BACKENDS),
	SWITCH_ROW("no-gso", no_gso, "udp: one datagram per send/receive"),
	UINT_ROW("flows", flows, SPEC_MAX_FLOWS,
		 "source ports of the sender, 1..4096 (default 1)", "1..4096"),
	CUSTOM_ROW("dscp", tos, parse_marking, "CLASS",
		   "DSCP of the trial traffic: EF, AF11..AF43, CS0..CS7, LE, "
		   "VA, DF or 0..63 (default 0)",
		   "EF, AF11..AF43, CS0..CS7, LE, VA, DF or 0..63"),
	CUSTOM_ROW("ecn", tos, parse_marking, "CODEPOINT",
		   "ECN of the trial traffic: not-ect, ect0, ect1, ce or 0..3",
		   "not-ect, ect0, ect1, ce or 0..3"),
	CUSTOM_ROW("tos", tos, parse_marking, "BYTE",
		   "the whole TOS byte 0..255 instead of --dscp/--ecn",
		   "a byte 0..255"),
	CUSTOM_ROW("vlan", vlan, parse_vlan, "ID[:PCP]",
		   "802.1Q tag of the trial traffic, ID 1..4094, priority "
		   "0..7; QinQ: OUTER[:PCP],INNER[:PCP]; a raw --backend "
		   "(afpacket, afxdp, xdp)",
		   "ID 1..4094 or ID:PCP with PCP 0..7, e.g. 100 or 100:5; "
		   "QinQ OUTER[:PCP],INNER[:PCP]"),
	{.name = "port", .type = OPT_UINT, A_FIELD(port), .min = 1,
	 .max = 65534, .arg = "PORT",
	 .help = "trial port; warm-up uses PORT+1 (default 7000)",
	 .accepted = "1..65534 (PORT+1 carries the warm-up)"},
	SWITCH_ROW("json", json,
		   "one JSON document with every trial on stdout (the table "
		   "goes to stderr)"),
	{.name = "csv", .type = OPT_CUSTOM, .flags = OPT_F_FILE,
	 A_FIELD(csv_path), .arg = "FILE", .parse = parse_out_file,
	 .help = "one row per frame size",
	 .accepted = "a file in a writable directory"},
	{.name = "plot", .type = OPT_CUSTOM, .flags = OPT_F_FILE,
	 A_FIELD(plot_path), .arg = "FILE", .parse = parse_out_file,
	 .help = "chart, .svg or .png (needs gnuplot)",
	 .accepted = "a .svg or .png file in a writable directory"},
	SWITCH_ROW("quiet", quiet, "no progress on stderr"),
	CUSTOM_ROW("server-backend", server_backend, parse_backend, "B",
		   "HOST: the server's data path (default udp)",
		   SPEC_BACKENDS),
	{.name = "reverse", .type = OPT_CUSTOM, A_FIELD(direction),
	 .parse = parse_direction,
	 .help = "HOST: the server sends, we receive"},
	{.name = "bidir", .type = OPT_CUSTOM, A_FIELD(direction),
	 .parse = parse_direction,
	 .help = "HOST: both directions at once, the rate per direction; a "
		 "trial passes when both together meet the loss goal"},
	{.name = "verbose", .short_name = 'v', .type = OPT_CUSTOM,
	 .parse = spec_opts_parse_verbose, .set = LOG_DEBUG,
	 .help = "also the commands run, on stderr"},
};
/* clang-format on */

CMD_OPTS(rfc2544, "rfc2544", rfc2544_rows, struct rfc2544_args,
	 .summary = "RFC 2544 benchmarks: throughput, latency, frame loss, "
		    "back-to-back",
	 .usage =
		 "rfc2544 --lab [--name NAME] [options]\n"
		 "       linerate rfc2544 HOST[:PORT] [options]   (a linerate "
		 "server receives)\n\n"
		 "  RFC 2544: throughput (highest rate with loss <= the "
		 "tolerance: a binary\n"
		 "  search with a confirmation trial; NDR and PDR), latency at "
		 "that rate,\n"
		 "  frame loss rate from 100% of the line rate down, "
		 "back-to-back bursts.\n"
		 "  Progress and the time left go to stderr.",
	 /* with HOST, its API */
	 .groups = CMD_GROUPS_OWN_API(rfc2544_group, struct rfc2544_args,
				      cmd_api_client_group),
	 .epilog = "\nexit codes: 0 ok, 1 runtime error (the results so far "
		   "are still written), 2 bad input\n",
	 .max_args = 1);

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

/* --quick fills in only what was not given. */
static void apply_quick(struct rfc2544_args *a, const struct opt_parse *st)
{
	struct rfc2544_config *c = &a->cfg;

	if (!c->quick)
		return;
	if (!opts_seen(st, "trial"))
		c->trial_ns = 2 * NSEC_PER_SEC;
	if (!opts_seen(st, "warmup"))
		c->warmup_ns = 500 * NSEC_PER_MSEC;
	if (!opts_seen(st, "drain"))
		c->drain_ns = 500 * NSEC_PER_MSEC;
	if (!opts_seen(st, "resolution"))
		c->resolution = 0.01;
	if (!opts_seen(st, "b2b-trials"))
		c->b2b_trials = 2;
	if (!opts_seen(st, "latency-trials"))
		c->latency_trials = 3;
	if (!opts_seen(st, "b2b-max"))
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

/* Whether this end sends with BACKEND (in the lab, the receiver's end
 * runs it too). */
static bool local_backend_is(const struct rfc2544_args *a, const char *backend)
{
	return (a->direction != 1 || a->lab) && !strcmp(a->backend, backend);
}

/* Whether the server sends with BACKEND (its default is udp). */
static bool server_backend_is(const struct rfc2544_args *a, const char *backend)
{
	const char *server = a->server_backend ? a->server_backend : "udp";

	return a->host && a->direction != 0 && !strcmp(server, backend);
}

/*
 * A tag needs a raw data path at the end that sends, and in the lab at
 * the end that receives too: a socket sees no tagged frame. Each tag
 * takes 4 bytes of a frame's payload: as `send` does, the default sizes
 * start at the smallest tagged frame that carries a probe (68, or 72
 * for QinQ), and a smaller --sizes is refused before the first trial.
 */
static int check_vlan(struct rfc2544_args *a, const struct opt_parse *st)
{
	uint32_t least =
		FRAME_MIN_SIZE + FRAME_VLAN_HLEN * (a->vlan.inner_id ? 2u : 1u);

	if (!a->vlan.id)
		return 0;
	if (!opts_seen(st, "sizes") && a->cfg.sizes[0].frame_size < least)
		a->cfg.sizes[0].frame_size = least;
	if (smallest_frame(&a->cfg) < least) {
		return cmd_usage_error(
			"rfc2544",
			"--sizes: %u-byte frames are too small for a probe "
			"behind %s (the smallest is %u)",
			smallest_frame(&a->cfg),
			a->vlan.inner_id ? "two VLAN tags" : "a VLAN tag",
			least);
	}
	if (local_backend_is(a, "udp"))
		return cmd_usage_error("rfc2544",
				       "--vlan: the udp backend cannot tag "
				       "frames; use --backend afpacket, afxdp "
				       "or xdp");
	if (server_backend_is(a, "udp"))
		return cmd_usage_error(
			"rfc2544", "--vlan: the server's udp backend cannot "
				   "tag frames; use --server-backend "
				   "afpacket, afxdp or xdp");
	return 0;
}

/* The xdp generator sends one frame size: a mix needs another sender. */
static int check_mix(const struct rfc2544_args *a)
{
	bool mix = false;

	for (unsigned int i = 0; i < a->cfg.nsizes; i++)
		mix |= a->cfg.sizes[i].mix.count > 0;
	if (!mix)
		return 0;
	if (local_backend_is(a, "xdp") || server_backend_is(a, "xdp"))
		return cmd_usage_error("rfc2544",
				       "--sizes: the xdp backend's generator "
				       "sends one frame size; a size mix needs "
				       "afxdp, afpacket or udp");
	return 0;
}

/* Where to test, and the rules across flags. 0 or EXIT_USAGE. */
static int check_where(const struct rfc2544_args *a)
{
	const char *why = NULL;

	if (a->lab && a->host)
		why = "give --lab or HOST, not both";
	else if (!a->lab && !a->host)
		why = "say where to test: --lab or HOST (see --help)";
	if (!why && a->cfg.pdr_loss < a->cfg.ndr_loss)
		return cmd_usage_error("rfc2544",
				       "--pdr-loss: %g%% is below the "
				       "--loss-tolerance %g%%; PDR allows at "
				       "least NDR's loss",
				       a->cfg.pdr_loss * 100,
				       a->cfg.ndr_loss * 100);
	if (!why && a->lab &&
	    (a->api.api.token_file || a->api.api.tls || a->server_backend))
		why = "--token-file, --tls and --server-backend are for HOST, "
		      "not --lab";
	else if (!why && a->lab && a->direction)
		why = "--reverse and --bidir are for HOST, not --lab";
	if (why)
		return cmd_usage_error("rfc2544", "%s", why);
	return 0;
}

static int rfc2544_check(void *cfg, const struct opt_parse *st)
{
	struct rfc2544_args *a = cfg;
	int rc;

	if (st->nargs)
		a->host = st->args[0];
	apply_quick(a, st);
	rc = check_where(a);
	if (!rc)
		rc = check_vlan(a, st);
	return rc ? rc : check_mix(a);
}

static int write_outputs(const struct rfc2544_args *a,
			 const struct rfc2544_run *run)
{
	struct lr_err csv_err = {0}, plot_err = {0};
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
	if (a->csv_path && rfc2544_write_csv(a->csv_path, run, &csv_err)) {
		fprintf(stderr, "linerate rfc2544: %s\n",
			lr_err_text(&csv_err));
		rc = -EIO;
	}
	if (a->plot_path && rfc2544_plot(a->plot_path, run, &plot_err)) {
		fprintf(stderr, "linerate rfc2544: %s\n",
			lr_err_text(&plot_err));
		rc = -EIO;
	}
	return rc;
}

/* What both runners (lab and host) take from the command line, as
 * designators of either's config. */
#define RUNNER_COMMON_FIELDS(a, stop_flag)                                     \
	.backend = (a)->backend, .no_gso = (a)->no_gso, .flows = (a)->flows,   \
	.tos = (a)->tos, .vlan = (a)->vlan, .catch_up = (a)->cfg.catch_up,     \
	.stop = (stop_flag)

/* The host runner over a connection to the server (checked with a
 * request, so a wrong token or address fails before any trial). */
static int open_host(const struct rfc2544_args *a, struct api_client **api,
		     atomic_bool *stop, struct trial_runner **runner,
		     struct lr_err *err)
{
	struct api_client_config acfg;
	struct host_runner_config hc = {
		RUNNER_COMMON_FIELDS(a, stop),
		.host = a->host,
		.server_backend = a->server_backend,
		.direction = a->direction,
	};
	api_client_config_init(&acfg, &a->api.api, a->host);
	*api = api_client_connect(&acfg, a->api.api.token_file,
				  "/v1/capabilities", NULL, err);
	if (!*api)
		return -EIO;
	hc.api = *api;
	return host_runner_create(&hc, runner, err);
}

static int rfc2544_main(void *cfg)
{
	const struct rfc2544_args *a = cfg;
	struct lab_runner_config lc;
	struct api_client *api = NULL;
	struct rfc2544_run run;
	atomic_bool *stop;
	struct lr_err err = {0};
	char self[PATH_MAX];
	ssize_t n;
	int rc, out_rc;

	if (a->plot_path && !rfc2544_gnuplot_available()) {
		fprintf(stderr, "linerate rfc2544: --plot: gnuplot is not "
				"installed (Debian: apt-get install "
				"gnuplot-nox)\n");
		return EXIT_RUNTIME;
	}
	if (!a->quiet && log_get_level() < LOG_INFO)
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
	run.cfg = a->cfg;
	run.stop = stop;
	if (a->host) {
		rc = open_host(a, &api, stop, &run.runner, &err);
	} else {
		lc = (struct lab_runner_config){
			RUNNER_COMMON_FIELDS(a, stop),
			.lab = a->lab_name,
			.self_path = self,
			.port = a->port,
		};
		rc = lab_runner_create(&lc, &run.runner, &err);
	}
	if (rc) {
		api_client_close(api);
		fprintf(stderr, "linerate rfc2544: %s\n",
			lr_err_is_set(&err) ? lr_err_text(&err) :
					      strerror(-rc));
		return rc == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	pr_info("rfc2544: %s\n", run.runner->description);
	rc = rfc2544_execute(&run);
	if (rc)
		fprintf(stderr,
			"linerate rfc2544: %s; writing the results of "
			"the %zu completed trials\n",
			run.error, run.ntrials);
	out_rc = write_outputs(a, &run);
	run.runner->ops->destroy(run.runner);
	api_client_close(api);
	rfc2544_release(&run);
	return rc || out_rc ? EXIT_RUNTIME : EXIT_OK;
}

int cmd_rfc2544(int argc, char **argv)
{
	struct rfc2544_args a;

	defaults(&a);
	return cmd_run_parsed(&cmd_rfc2544_opts, argc, argv, &a, rfc2544_check,
			      rfc2544_main);
}
