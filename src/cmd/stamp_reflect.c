// SPDX-License-Identifier: MIT
/* linerate stamp-reflect: option rows and a call (src/stamp/). */
#include <string.h>

#include "lib/log.h"
#include "lib/clock.h"
#include "cmd/traffic_opts.h"
#include "stamp/stamp.h"
#include "stamp/xdp_reflect.h"
#include "lib/spec_opts.h"
#include "lib/units.h"

/* The command line: the reflector's own settings next to reflect's rows. */
struct reflect_cli {
	struct test_spec spec;
	struct stamp_reflector_config cfg;
	const char *key_file;
	uint64_t rate_limit; /* packets/s per source; 0: none */
};

/* clang-format off */
static const struct opt_row reflect_rows[] = {
	OPT_FILE_ROW("key-file", struct reflect_cli, key_file,
		     "authenticated mode (HMAC-SHA-256) with the key in FILE "
		     "(its bytes, one trailing newline ignored)",
		     .accepted = "a file path"),
	OPT_SWITCH_ROW("stateful", struct reflect_cli, cfg.stateful,
		       "own sequence numbers per session (address, port, "
		       "SSID): the sender can tell loss in each direction"),
	OPT_UINT_ROW("rate-limit", struct reflect_cli, rate_limit, 0,
		     100000000, "PPS|0", NULL,
		     "packets per second reflected per source address "
		     "(default 100000; 0: no limit)",
		     "0..100000000 packets/s"),
};
/* clang-format on */

/* Where this command's default or meaning differs from reflect's. */
CMD_OPTS(stamp_reflect, "stamp-reflect", reflect_rows, struct reflect_cli,
	 .summary =
		 "STAMP Session-Reflector (RFC 8762/8972, TWAMP-Light), port "
		 "862",
	 .usage = "stamp-reflect [--listen IP:PORT] [options]\n"
		  "  A STAMP Session-Reflector (RFC 8762/8972), also answering "
		  "TWAMP-Light senders;\n  listens on 0.0.0.0:862 unless told "
		  "otherwise.",
	 .groups = CMD_GROUPS(CMD_SPEC_GROUPS(struct reflect_cli, spec),
			      OPT_AT_ROOT(stamp_reflect_group,
					  struct reflect_cli)),
	 .roles = SPEC_R_STAMP_REFLECT,
	 .epilog = "\nexit codes: 0 ok, 1 runtime error, 2 bad input\nJSON "
		   "fields: docs/json.md, docs/stamp.md\n",
	 .help_overrides = CMD_HELP(
		 {"listen", "address to listen on (default 0.0.0.0:862)"},
		 {"size",
		  "largest frame taken, incl. FCS, 64..9018 (default 1518); "
		  "longer packets are refused as oversize"},
		 {"duration",
		  "run time: 10s, 500ms, 2m (default: until stopped)"},
		 {"count", "end after N packets received"},
		 {"idle-timeout",
		  "end after this long without packets, once they "
		  "started (default 0: never)"},
		 {"backend",
		  "udp (default) | xdp: the 44-octet packets answered in "
		  "XDP, the rest by the socket"},
		 {"interface",
		  "xdp: the interface (default: the one holding the "
		  "--listen address)"}));

static void reflect_defaults(struct reflect_cli *cli)
{
	memset(cli, 0, sizeof(*cli));
	spec_opts_defaults(ROLE_REFLECT, &cli->spec);
	cli->rate_limit = STAMP_DEFAULT_RATE_LIMIT;
	cli->spec.listen.family = AF_INET;
	cli->spec.listen.v4.s_addr = 0;
	cli->spec.listen_port = STAMP_PORT;
	cli->spec.idle_timeout_ns = 0; /* a reflector waits for senders */
}

static int reflect_check(void *cfg, const struct opt_parse *st)
{
	struct reflect_cli *ctx = cfg;
	struct test_spec *sp = &ctx->spec;
	struct lr_err err = {0};

	ctx->cfg.rate_limit_pps = (double)ctx->rate_limit;
	if (ctx->key_file) {
		if (stamp_key_load(ctx->key_file, &ctx->cfg.key, &err)) {
			fprintf(stderr,
				"linerate stamp-reflect: --key-file: %s\n",
				lr_err_text(&err));
			return EXIT_USAGE;
		}
		ctx->cfg.mode = STAMP_MODE_AUTH;
	}
	/* --size is the largest frame taken; its UDP payload bounds what
	 * is reflected. */
	ctx->cfg.max_len = stamp_max_payload(sp);
	if (ctx->cfg.max_len < stamp_base_len(ctx->cfg.mode)) {
		fprintf(stderr,
			"linerate stamp-reflect: --size: %u bytes cannot hold "
			"a "
			"%zu-octet STAMP packet\n",
			sp->frame_size, stamp_base_len(ctx->cfg.mode));
		return EXIT_USAGE;
	}
	/* udp: the socket reflector; xdp: the in-kernel one for the
	 * 44-octet packets, the socket one for the rest. */
	if (!strcmp(sp->backend.name, "auto"))
		snprintf(sp->backend.name, sizeof(sp->backend.name), "udp");
	if (strcmp(sp->backend.name, "udp") && strcmp(sp->backend.name, "xdp"))
		return cmd_bad_value("stamp-reflect", "backend",
				     sp->backend.name, "udp, xdp");
	if (!strcmp(sp->backend.name, "xdp")) {
		if (ctx->cfg.mode == STAMP_MODE_AUTH) {
			fprintf(stderr,
				"linerate stamp-reflect: --backend xdp "
				"reflects "
				"unauthenticated STAMP only (no HMAC in XDP); "
				"drop --key-file or use --backend udp\n");
			return EXIT_USAGE;
		}
		if (!sp->backend.ifname[0] &&
		    stamp_ifname_of(&sp->listen, sp->backend.ifname,
				    sizeof(sp->backend.ifname))) {
			fprintf(stderr,
				"linerate stamp-reflect: --backend xdp: no "
				"interface has the --listen address; give "
				"-i IFACE\n");
			return EXIT_USAGE;
		}
	}
	/* A tenth of a second's worth back to back, at least 32. */
	ctx->cfg.rate_burst = ctx->cfg.rate_limit_pps / 10 > 32 ?
				      (uint32_t)(ctx->cfg.rate_limit_pps / 10) :
				      32;
	return cmd_spec_finish("stamp-reflect", st, sp);
}

static int reflect_run(void *cfg)
{
	struct reflect_cli *cli = cfg;
	struct lr_err err = {0};

	stamp_clock_estimate(&cli->cfg.error_ns, &cli->cfg.synchronized,
			     &cli->cfg.tai_offset_ns);
	if (stamp_reflect_run(&cli->spec, &cli->cfg, cmd_stop_on_signals(),
			      stdout, &err)) {
		pr_warn("%s\n", lr_err_text(&err));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

int cmd_stamp_reflect(int argc, char **argv)
{
	struct reflect_cli cli;

	reflect_defaults(&cli);
	return cmd_run_parsed(&cmd_stamp_reflect_opts, argc, argv, &cli,
			      reflect_check, reflect_run);
}
