// SPDX-License-Identifier: MIT
/*
 * linerate client HOST: the iperf-like front end of the daemon. It creates
 * the far end as a session on the server, runs the near end here with the
 * same engine, collects the server's report and prints one result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "api/http.h"
#include "api/remote.h"
#include "lib/clock.h"
#include "cmd/cmd.h"
#include "cmd/api_client_opts.h"
#include "cmd/row_values.h"
#include "cmd/server_opts.h"
#include "cmd/traffic_opts.h"
#include "engine/session.h"
#include "lib/log.h"
#include "lib/options.h"
#include "lib/spec_opts.h"
#include "lib/units.h"

struct client_opts {
	struct remote_config run;
	struct cmd_api_client api;
	const char *host;
};

#define CLIENT_FIELD(field) OPT_FIELD(struct client_opts, field)

static int parse_server_backend(const struct opt_row *row, void *cfg,
				const char *value, struct opt_parse *st)
{
	struct client_opts *o = cfg;

	if (!spec_backend_known(value))
		return opts_fail(st, row, "unknown backend '%s' (accepted: %s)",
				 value, SPEC_BACKENDS);
	snprintf(o->run.server_backend, sizeof(o->run.server_backend), "%s",
		 value);
	return 0;
}

/* --dst and --listen: the server's reply says, not the command line. */
static int refuse_address(const struct opt_row *row, void *cfg,
			  const char *value, struct opt_parse *st)
{
	(void)cfg;
	(void)value;
	return opts_fail(st, row, "the server's reply says where traffic goes");
}

/* clang-format off */
static const struct opt_row client_rows[] = {
	/* Ahead of the address rows, so that these are the ones taken. */
	{.name = "dst", .type = OPT_CUSTOM, .flags = OPT_F_HIDDEN | OPT_F_NO_ARGV,
	 .parse = refuse_address, .help = "refused (the server's reply says)"},
	{.name = "listen", .type = OPT_CUSTOM,
	 .flags = OPT_F_HIDDEN | OPT_F_NO_ARGV, .parse = refuse_address,
	 .help = "refused (the server's reply says)"},
	{.name = "reverse", .short_name = 'R', .type = OPT_SET,
	 CLIENT_FIELD(run.mode), .set = REMOTE_REVERSE,
	 .help = "-R; the server sends, we receive"},
	{.name = "bidir", .type = OPT_SET, CLIENT_FIELD(run.mode),
	 .set = REMOTE_BIDIR, .help = "both at once"},
	{.name = "rtt", .type = OPT_SET, CLIENT_FIELD(run.mode),
	 .set = REMOTE_RTT,
	 .help = "the server reflects, we measure the round trip"},
	{.name = "port", .type = OPT_UINT, CLIENT_FIELD(run.port), .min = 1,
	 .max = 65535, .arg = "N", .parse = cmd_row_uint,
	 .accepted = "a port 1..65535",
	 .help = "our UDP port for the server's traffic (9270)"},
	{.name = "server-backend", .type = OPT_STRING,
	 CLIENT_FIELD(run.server_backend), .arg = "B",
	 .parse = parse_server_backend,
	 .help = "the server's data path (default udp)"},
	{.name = "max-clock-error", .type = OPT_DURATION,
	 CLIENT_FIELD(run.max_clock_error_ns), .max = 3600 * NSEC_PER_SEC,
	 .arg = "D", .parse = cmd_row_duration, .accepted = "a duration",
	 .help = "one-way figures need the clock offset known better than this "
		 "(default 1ms)"},
};
/* clang-format on */

/* The traffic groups are `send`'s (`ping`'s with --rtt), on our spec. */
CMD_OPTS(client, "client", client_rows, struct client_opts,
	 .summary = "test against a linerate server, iperf-like",
	 .usage =
		 "client HOST[:PORT] [mode] [options]\n\nTest against a "
		 "linerate server (its API, default port 9270):\n"
		 "  (default)            forward: we send, the server receives\n"
		 "  --reverse, -R        the server sends, we receive\n"
		 "  --bidir              both at once\n"
		 "  --rtt                the server reflects, we measure the "
		 "round trip\n\nTraffic and output options are those of "
		 "`linerate send`, or of `linerate ping`\nwith --rtt.",
	 .groups = CMD_GROUPS(
		 OPT_AT_ROOT(client_group, struct client_opts),
		 OPT_AT(cmd_api_client_group, struct client_opts, api),
		 OPT_AT(cmd_api_client_data_group, struct client_opts, api),
		 CMD_SPEC_GROUPS(struct client_opts, run.spec)),
	 .roles = SPEC_R_SEND | SPEC_R_PING,
	 .epilog = "\nexit codes: 0 ok, 1 runtime error, 2 bad input or the "
		   "server\nrefused the request, 3 the traffic failed (nothing "
		   "sent or\nreceived at either end; one line per end says "
		   "why)\n",
	 .help_overrides = CMD_HELP(
		 {"dst",
		  "not taken: the server's reply says where traffic goes"}),
	 .max_args = 1);

/* ---- output */

/* Either end's traffic failed (its final report's "failure"): one line
 * for each, exit code 3. */
static bool traffic_failed(const struct remote_result *res)
{
	const struct {
		const char *end;
		json_t *doc;
	} ends[] = {
		{ "our sender", res->local_tx },
		{ "our receiver", res->local_rx },
		{ "the server's receiver", res->far_rx },
		{ "the server's sender", res->far_tx },
	};
	bool failed = false;

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		const char *why = json_string_value(
			json_object_get(ends[i].doc, "failure"));

		if (!why)
			continue;
		fprintf(stderr, "linerate client: %s: %s\n", ends[i].end, why);
		failed = true;
	}
	return failed;
}

/* ---- the run */

/* Our defaults, and the placeholder destination the server's reply
 * replaces (the traffic flags are checked as `send` checks them). */
static void client_defaults(struct client_opts *o, enum role role)
{
	memset(o, 0, sizeof(*o));
	remote_config_init(&o->run);
	spec_opts_defaults(role, &o->run.spec);
	parse_endpoint("192.0.2.1:9", false, &o->run.spec.dst,
		       &o->run.spec.dst_port, NULL);
}

/*
 * Twice: once over send's and ping's rows together to learn the mode,
 * then with the rows of the role the mode runs (--rtt: ping's), so a
 * flag of the other role is refused as it always was.
 */
static int parse_client_args(int argc, char **argv, struct client_opts *o)
{
	struct opt_parse st;
	enum role role;
	int rc;

	client_defaults(o, ROLE_SEND);
	rc = opts_parse_argv(&cmd_client_opts, 0, argc, argv, o, &st);
	if (rc)
		return rc;
	role = o->run.mode == REMOTE_RTT ? ROLE_PING : ROLE_SEND;
	client_defaults(o, role);
	rc = opts_parse_argv(&cmd_client_opts, 1u << role, argc, argv, o, &st);
	if (rc)
		return rc;
	o->host = st.nargs ? st.args[0] : NULL;
	o->run.expect_data_address = o->api.expect_data_address;
	o->run.has_expect_data_address = o->api.has_expect_data_address;
	if (!o->host) {
		fprintf(stderr, "linerate client: HOST is required (see --help)\n");
		return EXIT_USAGE;
	}
	cmd_spec_defaults_after(role, &st, &o->run.spec);
	return cmd_spec_finish("client", &st, &o->run.spec);
}

int cmd_client(int argc, char **argv)
{
	struct client_opts o;
	struct remote_result res;
	struct api_client_config acfg;
	struct api_client *api;
	struct lr_err err = {0};
	int rc, ret;

	rc = parse_client_args(argc, argv, &o);
	if (rc == CMD_HELP_SHOWN)
		return EXIT_OK;
	if (rc)
		return rc;
	api_client_config_init(&acfg, &o.api.api, o.host);
	api = api_client_connect(&acfg, o.api.api.token_file, NULL, NULL, &err);
	if (!api) {
		fprintf(stderr, "linerate client: %s\n", lr_err_text(&err));
		return EXIT_USAGE;
	}
	/* One near end prints live (text, NDJSON); with two, neither does. */
	o.run.near_out = o.run.mode == REMOTE_BIDIR ||
					 o.run.spec.output == OUTPUT_JSON ?
				 NULL :
				 stdout;
	ret = remote_run(api, &o.run, cmd_stop_on_signals(), &res, &err);
	if (ret)
		fprintf(stderr, "linerate client: %s\n", lr_err_text(&err));
	if (!ret || res.local_tx || res.far_rx || res.far_tx)
		remote_result_print(&o.run, o.host, &res, !ret, stdout);
	if (!ret && traffic_failed(&res))
		ret = EXIT_NO_TRAFFIC;
	remote_result_free(&res);
	api_client_close(api);
	if (ret == EXIT_NO_TRAFFIC)
		return EXIT_NO_TRAFFIC;
	return ret ? EXIT_RUNTIME : EXIT_OK;
}
