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

#define STAMP_FIELD(field) OPT_FIELD(struct stamp_cli, field)

static const struct opt_row stamp_rows[] = {
	{.name = "key-file",
	 .type = OPT_STRING,
	 .flags = OPT_F_PTR | OPT_F_FILE,
	 STAMP_FIELD(key_file),
	 .arg = "FILE",
	 .help = "authenticated mode (HMAC-SHA-256) with the key in FILE (its "
		 "bytes, one trailing newline ignored)",
	 .accepted = "a file path"},
	{.name = "ssid",
	 .type = OPT_UINT,
	 STAMP_FIELD(cfg.ssid),
	 .min = 1,
	 .max = 65535,
	 .arg = "N",
	 .help = "session identifier (RFC 8972), 1..65535 (default: from the "
		 "process id)",
	 .accepted = "1..65535"},
	{.name = "padding",
	 .type = OPT_ENUM,
	 STAMP_FIELD(cfg.tlv_padding),
	 .names = (const struct opt_name[]){{"zeros", false},
					    {"tlv", true},
					    {NULL, 0}},
	 .arg = "zeros|tlv",
	 .help = "fill beyond the STAMP packet with zeros (TWAMP-Light style, "
		 "default) or an Extra Padding TLV",
	 .accepted = "zeros, tlv"},
	{.name = "timestamp",
	 .type = OPT_ENUM,
	 STAMP_FIELD(cfg.format),
	 .names = (const struct opt_name[]){{"ntp", STAMP_TS_NTP},
					    {"ptp", STAMP_TS_PTP},
					    {NULL, 0}},
	 .arg = "ntp|ptp",
	 .help = "timestamp format asked for (Z flag; default ntp)",
	 .accepted = "ntp, ptp"},
	{.name = "reflector",
	 .type = OPT_ENUM,
	 STAMP_FIELD(cfg.reflector),
	 .names =
		 (const struct opt_name[]){
			 {"auto", STAMP_REFLECTOR_AUTO},
			 {"stateless", STAMP_REFLECTOR_STATELESS},
			 {"stateful", STAMP_REFLECTOR_STATEFUL},
			 {NULL, 0}},
	 .arg = "auto|stateless|stateful",
	 .help = "how the reflector numbers its packets (default auto: "
		 "stateful once its numbers differ from ours)",
	 .accepted = "auto, stateless, stateful"},
	{.name = "clock-sync",
	 .type = OPT_ENUM,
	 STAMP_FIELD(cfg.clock_host),
	 .names = (const struct opt_name[]){{"auto", false},
					    {"host", true},
					    {NULL, 0}},
	 .arg = "auto|host",
	 .help = "one-way delays: valid when both ends say they are "
		 "synchronized (auto), or both read this host's clock (host)",
	 .accepted = "auto, host"},
};

OPT_GROUP_TYPE(stamp_group, struct stamp_cli);
static const struct opt_group stamp_group =
	OPT_GROUP_FOR(stamp_group, "stamp", stamp_rows, struct stamp_cli);

static const struct opt_group_ref stamp_groups[] = {
	OPT_AT(spec_opts_address, struct stamp_cli, spec),
	OPT_AT(spec_opts_traffic, struct stamp_cli, spec),
	/* of the backend rows, only --user-timestamps (a socket's) */
	OPT_AT(spec_opts_backend, struct stamp_cli, spec.backend),
	OPT_AT(spec_opts_output, struct stamp_cli, spec),
	OPT_AT_ROOT(stamp_group, struct stamp_cli),
	OPT_AT_END,
};

/* Where this command's default or meaning differs from ping's. */
static const struct opt_help_override stamp_help[] = {
	{"dst", "the reflector (STAMP's port is 862)"},
	{"size", "Ethernet frame size incl. FCS (default: the smallest that "
		 "holds the STAMP packet, 90 bytes over IPv4 unauthenticated)"},
	{"rate", "max | 1kpps | 800Mbps (L1) | 800Mbps-l2 | 50% (default "
		 "100pps)"},
	{"count", "packets to send (default 10, or none with --duration)"},
	{"flows", "sessions, each from its own source port, 1..4096 "
		  "(default 1)"},
	{NULL, NULL},
};

const struct opt_command cmd_stamp_opts = {
	.name = "stamp",
	.summary = "STAMP Session-Sender: delay, loss, jitter to any STAMP "
		   "reflector",
	.usage =
		"stamp --dst IP:PORT [options]\n"
		"  A STAMP Session-Sender (RFC 8762/8972): round trip, one-way "
		"delays, loss per\n  direction, reordering, duplicates and "
		"jitter against any STAMP or TWAMP-Light\n  reflector "
		"(STAMP's port is 862).",
	.groups = stamp_groups,
	.roles = SPEC_R_STAMP,
	.epilog =
		"\nexit codes: 0 ok, 1 runtime error, 2 bad input, 3 the test "
		"ran but its traffic\nfailed: no reply\n(one line on stderr "
		"says why; docs/cli.md)\nJSON fields: docs/json.md, "
		"docs/stamp.md\n",
	.help_overrides = stamp_help,
};

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

static int stamp_finish(struct stamp_cli *ctx)
{
	struct test_spec *sp = &ctx->spec;
	uint32_t smallest;
	char err[256];

	if (ctx->key_file) {
		if (stamp_key_load(ctx->key_file, &ctx->cfg.key, err,
				   sizeof(err))) {
			fprintf(stderr, "linerate stamp: --key-file: %s\n",
				err);
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
	return 0;
}

int cmd_stamp(int argc, char **argv)
{
	struct stamp_cli cli;
	struct opt_parse st;
	char failure[256];
	int rc;

	stamp_defaults(&cli);
	rc = opts_parse_argv(&cmd_stamp_opts, 0, argc, argv, &cli, &st);
	if (!rc)
		rc = stamp_finish(&cli);
	if (!rc)
		rc = cmd_spec_finish("stamp", &st, &cli.spec);
	if (rc == CMD_HELP_SHOWN)
		return EXIT_OK;
	if (rc)
		return rc;
	rc = stamp_send_run(&cli.spec, &cli.cfg, cmd_stop_on_signals(), stdout,
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
