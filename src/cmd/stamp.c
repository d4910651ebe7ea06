// SPDX-License-Identifier: MIT
/* linerate stamp: option rows and a call (src/stamp/sender.c). */
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "stamp/stamp.h"
#include "lib/units.h"

/* ping's rows: the same size, rate, duration, count and flow options. */
static const struct cmd_base_row stamp_base_rows[] = {
	{ "dst", "the reflector (STAMP's port is 862)" },
	{ "src", NULL },
	{ "size", "Ethernet frame size incl. FCS (default: the smallest that "
		  "holds the STAMP packet, 90 bytes over IPv4 unauthenticated)" },
	{ "rate", "max | 1kpps | 800Mbps (L1) | 800Mbps-l2 | 50% (default "
		  "100pps)" },
	{ "line-rate", NULL },
	{ "duration", NULL },
	{ "count", "packets to send (default 10, or none with --duration)" },
	{ "flows", "sessions, each from its own source port, 1..4096 "
		   "(default 1)" },
	{ "catch-up", NULL },
	{ "interval", NULL },
	{ "wait", NULL },
	{ "user-timestamps", NULL },
	{ "json", NULL },
	{ "json-stream", NULL },
	{ "csv", NULL },
	{ "quiet", NULL },
	{ "verbose", NULL },
	{ "help", NULL },
	{ NULL, NULL },
};

enum {
	ROW_KEY_FILE,
	ROW_SSID,
	ROW_PADDING,
	ROW_TIMESTAMP,
	ROW_REFLECTOR,
	ROW_CLOCK_SYNC,
};

static const struct cmd_opt_row stamp_rows[] = {
	[ROW_KEY_FILE] = { "key-file", 1, "FILE",
			   "authenticated mode (HMAC-SHA-256) with the key in "
			   "FILE (its bytes, one trailing newline ignored)" },
	[ROW_SSID] = { "ssid", 1, "N",
		       "session identifier (RFC 8972), 1..65535 (default: "
		       "from the process id)" },
	[ROW_PADDING] = { "padding", 1, "zeros|tlv",
			  "fill beyond the STAMP packet with zeros (TWAMP-Light "
			  "style, default) or an Extra Padding TLV" },
	[ROW_TIMESTAMP] = { "timestamp", 1, "ntp|ptp",
			    "timestamp format asked for (Z flag; default ntp)" },
	[ROW_REFLECTOR] = { "reflector", 1, "auto|stateless|stateful",
			    "how the reflector numbers its packets (default "
			    "auto: stateful once its numbers differ from ours)" },
	[ROW_CLOCK_SYNC] = { "clock-sync", 1, "auto|host",
			     "one-way delays: valid when both ends say they are "
			     "synchronized (auto), or both read this host's "
			     "clock (host)" },
};

struct stamp_ctx {
	struct stamp_sender_config cfg;
	const char *key_file;
};

static void stamp_defaults(struct test_spec *sp, void *arg)
{
	struct stamp_ctx *ctx = arg;

	ctx->cfg.ssid = (uint16_t)(getpid() & 0xffff);
	if (!ctx->cfg.ssid)
		ctx->cfg.ssid = 1;
	sp->frame_size = 0; /* not given: the smallest that fits, below */
}

static int stamp_parse(void *arg, size_t row, const char *v)
{
	struct stamp_ctx *ctx = arg;
	uint64_t n;

	switch (row) {
	case ROW_KEY_FILE:
		if (!*v)
			return cmd_bad_value("stamp", "key-file", v, "a file path");
		ctx->key_file = v;
		return 0;
	case ROW_SSID:
		if (parse_u64(v, 1, 65535, &n))
			return cmd_bad_value("stamp", "ssid", v, "1..65535");
		ctx->cfg.ssid = (uint16_t)n;
		return 0;
	case ROW_PADDING:
		if (!strcmp(v, "zeros"))
			ctx->cfg.tlv_padding = false;
		else if (!strcmp(v, "tlv"))
			ctx->cfg.tlv_padding = true;
		else
			return cmd_bad_value("stamp", "padding", v, "zeros, tlv");
		return 0;
	case ROW_TIMESTAMP:
		if (!strcmp(v, "ntp"))
			ctx->cfg.format = STAMP_TS_NTP;
		else if (!strcmp(v, "ptp"))
			ctx->cfg.format = STAMP_TS_PTP;
		else
			return cmd_bad_value("stamp", "timestamp", v, "ntp, ptp");
		return 0;
	case ROW_REFLECTOR:
		if (!strcmp(v, "auto"))
			ctx->cfg.reflector = STAMP_REFLECTOR_AUTO;
		else if (!strcmp(v, "stateless"))
			ctx->cfg.reflector = STAMP_REFLECTOR_STATELESS;
		else if (!strcmp(v, "stateful"))
			ctx->cfg.reflector = STAMP_REFLECTOR_STATEFUL;
		else
			return cmd_bad_value("stamp", "reflector", v,
					     "auto, stateless, stateful");
		return 0;
	case ROW_CLOCK_SYNC:
		if (!strcmp(v, "auto"))
			ctx->cfg.clock_host = false;
		else if (!strcmp(v, "host"))
			ctx->cfg.clock_host = true;
		else
			return cmd_bad_value("stamp", "clock-sync", v, "auto, host");
		return 0;
	}
	return EXIT_USAGE;
}

static uint32_t header_len(const struct test_spec *sp)
{
	return FRAME_FCS_LEN + FRAME_ETH_HLEN + FRAME_UDP_HLEN +
	       (sp->dst.family == AF_INET6 ? FRAME_IPV6_HLEN : FRAME_IPV4_HLEN);
}

static int stamp_finish(struct test_spec *sp, void *arg)
{
	struct stamp_ctx *ctx = arg;
	uint32_t smallest;
	char err[256];

	if (ctx->key_file) {
		if (stamp_key_load(ctx->key_file, &ctx->cfg.key, err,
				   sizeof(err))) {
			fprintf(stderr, "linerate stamp: --key-file: %s\n", err);
			return EXIT_USAGE;
		}
		ctx->cfg.mode = STAMP_MODE_AUTH;
	}
	/* The default size is the smallest frame that holds the STAMP
	 * packet (90 bytes over IPv4 unauthenticated); a smaller --size
	 * cannot be sent. ping's default (64) is always too small. */
	smallest = header_len(sp) + (uint32_t)stamp_base_len(ctx->cfg.mode);
	if (!sp->frame_size)
		sp->frame_size = smallest;
	if (sp->frame_size < smallest) {
		fprintf(stderr,
			"linerate stamp: --size: %u bytes cannot hold a "
			"%zu-octet STAMP packet (at least %u)\n",
			sp->frame_size, stamp_base_len(ctx->cfg.mode), smallest);
		return EXIT_USAGE;
	}
	if (sp->frame_size - header_len(sp) > STAMP_MAX_PACKET) {
		fprintf(stderr, "linerate stamp: --size: at most %u bytes\n",
			STAMP_MAX_PACKET + header_len(sp));
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_stamp(int argc, char **argv)
{
	struct stamp_ctx ctx = { 0 };
	const struct cmd_opt_table table = {
		.command = "stamp",
		.usage = "stamp --dst IP:PORT [options]\n"
			 "  A STAMP Session-Sender (RFC 8762/8972): round trip, "
			 "one-way delays, loss per\n  direction, reordering, "
			 "duplicates and jitter against any STAMP or "
			 "TWAMP-Light\n  reflector (STAMP's port is 862).",
		.base_role = ROLE_PING,
		.base_rows = stamp_base_rows,
		.rows = stamp_rows,
		.nrows = sizeof(stamp_rows) / sizeof(stamp_rows[0]),
		.defaults = stamp_defaults,
		.parse = stamp_parse,
		.finish = stamp_finish,
		.ctx = &ctx,
		.traffic_failure = "no reply",
	};
	struct test_spec spec;
	char failure[256];
	int rc;

	rc = cmd_parse_table(&table, argc, argv, &spec);
	if (rc == CMD_HELP_SHOWN)
		return EXIT_OK;
	if (rc)
		return rc;
	rc = stamp_send_run(&spec, &ctx.cfg, cmd_stop_on_signals(), stdout,
			    failure, sizeof(failure));
	if (rc)
		return EXIT_RUNTIME;
	if (failure[0]) {
		fflush(stdout);
		fprintf(stderr, "linerate stamp: %s\n", failure);
		return EXIT_NO_TRAFFIC;
	}
	return EXIT_OK;
}
