// SPDX-License-Identifier: MIT
/* linerate stamp: option rows and a call (src/stamp/sender.c). */
#include <string.h>
#include <unistd.h>

#include "cmd/traffic_opts.h"
#include "stamp/stamp.h"
#include "lib/spec_opts.h"
#include "lib/units.h"

/* The command line: a STAMP sender's own settings next to ping's rows
 * (the same size, rate, duration, count and flow options). */
struct stamp_cli {
	struct test_spec spec;
	struct stamp_sender_config cfg;
	const char *key_file;
};

/* clang-format off */
static const struct opt_row stamp_rows[] = {
	OPT_FILE_ROW("key-file", struct stamp_cli, key_file,
		     "authenticated mode (HMAC-SHA-256) with the key in FILE "
		     "(its bytes, one trailing newline ignored)",
		     .accepted = "a file path"),
	OPT_UINT_ROW("ssid", struct stamp_cli, cfg.ssid, 1, 65535, "N", NULL,
		     "session identifier (RFC 8972), 1..65535 (default: from "
		     "the process id)",
		     "1..65535"),
	OPT_BOOL_ENUM_ROW("padding", struct stamp_cli, cfg.tlv_padding,
			  "zeros", "tlv",
			  "fill beyond the STAMP packet with zeros (TWAMP-Light "
			  "style, default) or an Extra Padding TLV"),
	OPT_ENUM_ROW("timestamp", struct stamp_cli, cfg.format,
		     OPT_NAMES({"ntp", STAMP_TS_NTP}, {"ptp", STAMP_TS_PTP}),
		     "ntp|ptp", "timestamp format asked for (Z flag; default ntp)",
		     "ntp, ptp"),
	OPT_ENUM_ROW("reflector", struct stamp_cli, cfg.reflector,
		     OPT_NAMES({"auto", STAMP_REFLECTOR_AUTO},
			   {"stateless", STAMP_REFLECTOR_STATELESS},
			   {"stateful", STAMP_REFLECTOR_STATEFUL}),
		     "auto|stateless|stateful",
		     "how the reflector numbers its packets (default auto: "
		     "stateful once its numbers differ from ours)",
		     "auto, stateless, stateful"),
	OPT_BOOL_ENUM_ROW("clock-sync", struct stamp_cli, cfg.clock_host,
			  "auto", "host",
			  "one-way delays: valid when both ends say they are "
			  "synchronized (auto), or both read this host's clock (host)"),
};
/* clang-format on */

CMD_OPTS(
	stamp, "stamp", stamp_rows, struct stamp_cli,
	.summary = "STAMP Session-Sender: delay, loss, jitter to any STAMP "
		   "reflector",
	.usage =
		"stamp --dst IP:PORT [options]\n"
		"  A STAMP Session-Sender (RFC 8762/8972): round trip, one-way "
		"delays, loss per\n  direction, reordering, duplicates and "
		"jitter against any STAMP or TWAMP-Light\n  reflector "
		"(STAMP's port is 862).",
	.groups = CMD_GROUPS(
		/* of the backend rows, only --user-timestamps (a socket's) */
		CMD_SPEC_GROUPS(struct stamp_cli, spec),
		OPT_AT_ROOT(stamp_group, struct stamp_cli)),
	.roles = SPEC_R_STAMP,
	.epilog =
		"\nexit codes: 0 ok, 1 runtime error, 2 bad input, 3 the test "
		"ran but its traffic\nfailed: no reply\n(one line on stderr "
		"says why; docs/cli.md)\nJSON fields: docs/json.md, "
		"docs/stamp.md\n",
	/* where this command's default or meaning differs from ping's */
	.help_overrides = CMD_HELP(
		{"dst", "the reflector (STAMP's port is 862)"},
		{"size",
		 "Ethernet frame size incl. FCS (default: the smallest that "
		 "holds the STAMP packet, 90 bytes over IPv4 unauthenticated)"},
		{"rate",
		 "max | 1kpps | 800Mbps (L1) | 800Mbps-l2 | 50% (default "
		 "100pps)"},
		{"count",
		 "packets to send (default 10, or none with --duration)"},
		{"flows", "sessions, each from its own source port, 1..4096 "
			  "(default 1)"}));

static void stamp_defaults(struct stamp_cli *cli)
{
	memset(cli, 0, sizeof(*cli));
	spec_opts_defaults(ROLE_PING, &cli->spec);
	cli->cfg.ssid = (uint16_t)(getpid() & 0xffff);
	if (!cli->cfg.ssid)
		cli->cfg.ssid = 1;
	cli->spec.frame_size = 0; /* not given: the smallest that fits, below */
}

static uint32_t header_len(const struct test_spec *sp)
{
	return FRAME_FCS_LEN + FRAME_ETH_HLEN + FRAME_UDP_HLEN +
	       (sp->dst.family == AF_INET6 ? FRAME_IPV6_HLEN : FRAME_IPV4_HLEN);
}

static int stamp_check(void *cfg, const struct opt_parse *st)
{
	struct stamp_cli *ctx = cfg;
	struct test_spec *sp = &ctx->spec;
	uint32_t smallest;
	struct lr_err err = {0};

	if (ctx->key_file) {
		if (stamp_key_load(ctx->key_file, &ctx->cfg.key, &err)) {
			fprintf(stderr, "linerate stamp: --key-file: %s\n",
				lr_err_text(&err));
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
			sp->frame_size, stamp_base_len(ctx->cfg.mode),
			smallest);
		return EXIT_USAGE;
	}
	if (sp->frame_size - header_len(sp) > STAMP_MAX_PACKET) {
		fprintf(stderr, "linerate stamp: --size: at most %u bytes\n",
			STAMP_MAX_PACKET + header_len(sp));
		return EXIT_USAGE;
	}
	return cmd_spec_finish("stamp", st, sp);
}

static int stamp_run(void *cfg)
{
	struct stamp_cli *cli = cfg;
	char failure[256];

	if (stamp_send_run(&cli->spec, &cli->cfg, cmd_stop_on_signals(), stdout,
			   failure, sizeof(failure)))
		return EXIT_RUNTIME;
	return cmd_traffic_exit("stamp", failure);
}

int cmd_stamp(int argc, char **argv)
{
	struct stamp_cli cli;

	stamp_defaults(&cli);
	return cmd_run_parsed(&cmd_stamp_opts, argc, argv, &cli, stamp_check,
			      stamp_run);
}
