// SPDX-License-Identifier: MIT
/* linerate stamp-reflect: option rows and a call (src/stamp/). */
#include <string.h>

#include "lib/log.h"
#include "lib/clock.h"
#include "cmd/cmd.h"
#include "stamp/stamp.h"
#include "stamp/xdp_reflect.h"
#include "lib/units.h"

static const struct cmd_base_row reflect_base_rows[] = {
	{ "listen", "address to listen on (default 0.0.0.0:862)" },
	{ "size", "largest frame taken, incl. FCS, 64..9018 (default 1518); "
		  "longer packets are refused as oversize" },
	{ "duration", "run time: 10s, 500ms, 2m (default: until stopped)" },
	{ "count", "end after N packets received" },
	{ "idle-timeout", "end after this long without packets, once they "
			  "started (default 0: never)" },
	{ "backend", "udp (default) | xdp: the 44-octet packets answered in "
		     "XDP, the rest by the socket" },
	{ "interface", "xdp: the interface (default: the one holding the "
		       "--listen address)" },
	{ "xdp-mode", NULL },
	{ "force", NULL },
	{ "user-timestamps", NULL },
	{ "json", NULL },
	{ "quiet", NULL },
	{ "verbose", NULL },
	{ "help", NULL },
	{ NULL, NULL },
};

enum { ROW_KEY_FILE, ROW_STATEFUL, ROW_RATE_LIMIT };

static const struct cmd_opt_row reflect_rows[] = {
	[ROW_KEY_FILE] = { "key-file", 1, "FILE",
			   "authenticated mode (HMAC-SHA-256) with the key in "
			   "FILE (its bytes, one trailing newline ignored)" },
	[ROW_STATEFUL] = { "stateful", 0, NULL,
			   "own sequence numbers per session (address, port, "
			   "SSID): the sender can tell loss in each direction" },
	[ROW_RATE_LIMIT] = { "rate-limit", 1, "PPS|0",
			     "packets per second reflected per source address "
			     "(default 100000; 0: no limit)" },
};

struct reflect_ctx {
	struct stamp_reflector_config cfg;
	const char *key_file;
};

static void reflect_defaults(struct test_spec *sp, void *arg)
{
	struct reflect_ctx *ctx = arg;

	(void)ctx;
	sp->listen.family = AF_INET;
	sp->listen.v4.s_addr = 0;
	sp->listen_port = STAMP_PORT;
	sp->idle_timeout_ns = 0; /* a reflector waits for senders */
}

static int reflect_parse(void *arg, size_t row, const char *v)
{
	struct reflect_ctx *ctx = arg;
	uint64_t n;

	switch (row) {
	case ROW_KEY_FILE:
		if (!*v)
			return cmd_bad_value("stamp-reflect", "key-file", v,
					     "a file path");
		ctx->key_file = v;
		return 0;
	case ROW_STATEFUL:
		ctx->cfg.stateful = true;
		return 0;
	case ROW_RATE_LIMIT:
		if (parse_u64(v, 0, 100000000, &n))
			return cmd_bad_value("stamp-reflect", "rate-limit", v,
					     "0..100000000 packets/s");
		ctx->cfg.rate_limit_pps = (double)n;
		return 0;
	}
	return EXIT_USAGE;
}

static int reflect_finish(struct test_spec *sp, void *arg)
{
	struct reflect_ctx *ctx = arg;
	char err[256];

	if (ctx->key_file) {
		if (stamp_key_load(ctx->key_file, &ctx->cfg.key, err,
				   sizeof(err))) {
			fprintf(stderr, "linerate stamp-reflect: --key-file: %s\n",
				err);
			return EXIT_USAGE;
		}
		ctx->cfg.mode = STAMP_MODE_AUTH;
	}
	/* --size is the largest frame taken; its UDP payload bounds what
	 * is reflected. */
	ctx->cfg.max_len = stamp_max_payload(sp);
	if (ctx->cfg.max_len < stamp_base_len(ctx->cfg.mode)) {
		fprintf(stderr,
			"linerate stamp-reflect: --size: %u bytes cannot hold a "
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
				"linerate stamp-reflect: --backend xdp reflects "
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
	return 0;
}

int cmd_stamp_reflect(int argc, char **argv)
{
	struct lr_err err = {0};
	struct reflect_ctx ctx = { .cfg = {
					   .rate_limit_pps = STAMP_DEFAULT_RATE_LIMIT,
				   } };
	const struct cmd_opt_table table = {
		.command = "stamp-reflect",
		.usage = "stamp-reflect [--listen IP:PORT] [options]\n"
			 "  A STAMP Session-Reflector (RFC 8762/8972), also "
			 "answering TWAMP-Light senders;\n  listens on "
			 "0.0.0.0:862 unless told otherwise.",
		.base_role = ROLE_REFLECT,
		.base_rows = reflect_base_rows,
		.rows = reflect_rows,
		.nrows = sizeof(reflect_rows) / sizeof(reflect_rows[0]),
		.defaults = reflect_defaults,
		.parse = reflect_parse,
		.finish = reflect_finish,
		.ctx = &ctx,
	};
	struct test_spec spec;
	int rc;

	rc = cmd_parse_table(&table, argc, argv, &spec);
	if (rc == CMD_HELP_SHOWN)
		return EXIT_OK;
	if (rc)
		return rc;
	stamp_clock_estimate(&ctx.cfg.error_ns, &ctx.cfg.synchronized,
			     &ctx.cfg.tai_offset_ns);
	rc = stamp_reflect_run(&spec, &ctx.cfg, cmd_stop_on_signals(), stdout,
			       &err);
	if (rc)
		pr_warn("%s\n", lr_err_text(&err));
	return rc ? EXIT_RUNTIME : EXIT_OK;
}
