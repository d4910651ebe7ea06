// SPDX-License-Identifier: MIT
/*
 * linerate server: the daemon (api/server.c) behind its command line, on
 * the option model (lib/options.h): the API-server group shared with
 * replicate, and the daemon's own rows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/daemon.h"
#include "api/http.h"
#include "cmd/api_server_auth.h"
#include "cmd/cmd.h"
#include "lib/resolve.h"
#include "cmd/row_values.h"
#include "cmd/server_opts.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/options.h"
#include "lib/units.h"

/* The command line, and what it leads to (read files, the API address). */
struct server_cli {
	struct daemon_config cfg;
	struct cmd_api_server api;
	const char *admin_token_file, *cert_file, *key_file;
	const char *pid_file, *log_file;
	bool detach;
	bool verbose;
	char *token, *admin_token, *cert, *key; /* owned */
	char api_addr[INET6_ADDRSTRLEN + 2];
};

#define SERVER_FIELD(field) OPT_FIELD(struct server_cli, field)

static int parse_max_rate(const struct opt_row *row, void *cfg,
			  const char *value, struct opt_parse *st)
{
	struct rate *r = (struct rate *)((char *)cfg + row->offset);

	if (!strcmp(value, "none")) {
		r->kind = RATE_MAX;
		return 0;
	}
	if (parse_rate(value, r) || r->kind == RATE_MAX ||
	    r->kind == RATE_PERCENT)
		return cmd_row_is_not(row, value, st);
	return 0;
}

static int parse_data_ports(const struct opt_row *row, void *cfg,
			    const char *value, struct opt_parse *st)
{
	struct server_cli *cli = cfg;
	unsigned int lo, hi;
	int used = 0;

	if (sscanf(value, "%5u-%5u%n", &lo, &hi, &used) != 2 || value[used] ||
	    !lo || lo > hi || hi > 65535)
		return cmd_row_is_not(row, value, st);
	cli->cfg.data_port_min = (uint16_t)lo;
	cli->cfg.data_port_max = (uint16_t)hi;
	return 0;
}

static int parse_allow_target(const struct opt_row *row, void *cfg,
			      const char *value, struct opt_parse *st)
{
	struct daemon_config *dc = &((struct server_cli *)cfg)->cfg;
	struct lr_err err = {0};
	struct ip_addr ip;
	bool has_port = false;
	uint16_t port;

	if (dc->allow_count == DAEMON_MAX_ALLOW)
		return opts_fail(st, row, "at most %d", DAEMON_MAX_ALLOW);
	if (endpoint_resolve(value, true, &ip, &port, &has_port, &err))
		return opts_fail(st, row, "%s", lr_err_text(&err));
	if (has_port)
		return opts_fail(st, row, "'%s': an address, no port", value);
	dc->allow[dc->allow_count++] = ip;
	return 0;
}

/* --conn-timeout: whole seconds, 1s..1h. */
static int parse_conn_timeout(const struct opt_row *row, void *cfg,
			      const char *value, struct opt_parse *st)
{
	struct server_cli *cli = cfg;
	uint64_t ns;

	if (parse_duration(value, &ns) || ns < NSEC_PER_SEC ||
	    ns > 3600 * NSEC_PER_SEC)
		return cmd_row_is_not(row, value, st);
	cli->cfg.timeout_s = (unsigned int)(ns / NSEC_PER_SEC);
	return 0;
}

#define SERVER_FILE_ROW(lname, field, text)                                    \
	OPT_FILE_ROW(lname, struct server_cli, field, text,                    \
		     .parse = cmd_row_text)

/* clang-format off */
static const struct opt_row server_rows[] = {
	SERVER_FILE_ROW("admin-token-file", admin_token_file,
			"a second token that sees and may stop every client's "
			"sessions (others see only their own)"),
	SERVER_FILE_ROW("tls-cert", cert_file,
			"serve HTTPS with this PEM certificate ..."),
	SERVER_FILE_ROW("tls-key", key_file,
			"... and this PEM key (TLS 1.2+, forward-secret AEAD "
			"ciphers only; SIGHUP reloads both)"),
	{.name = "max-sessions", .type = OPT_UINT, SERVER_FIELD(cfg.max_sessions),
	 .min = 1, .max = 1024, .arg = "N", .parse = cmd_row_uint,
	 .accepted = "a number 1..1024",
	 .help = "sessions running at once (default 8)"},
	{.name = "max-sessions-per-client", .type = OPT_UINT,
	 SERVER_FIELD(cfg.max_sessions_per_client), .min = 1, .max = 1024,
	 .arg = "N", .parse = cmd_row_uint, .accepted = "a number 1..1024",
	 .help = "of those, one client's (token and address; default half of "
		 "--max-sessions)"},
	{.name = "max-rate", .type = OPT_RATE, SERVER_FIELD(cfg.max_rate),
	 .arg = "RATE", .parse = parse_max_rate,
	 .accepted = "a rate in pps or bit/s (or 'none')",
	 .help = "total the server sources (e.g. 1Gbps, 2Mpps; 'none' for no "
		 "cap; default 1Gbps)"},
	{.name = "max-duration", .type = OPT_DURATION,
	 SERVER_FIELD(cfg.max_duration_ns), .min = NSEC_PER_SEC,
	 .max = 30ULL * 86400 * NSEC_PER_SEC, .arg = "D", .parse = cmd_row_duration, .accepted = "a duration 1s..30d",
	 .help = "longest session (default 300s)"},
	{.name = "idle-timeout", .type = OPT_DURATION,
	 SERVER_FIELD(cfg.idle_timeout_ns), .min = NSEC_PER_SEC / 2,
	 .max = 86400 * NSEC_PER_SEC, .arg = "D", .parse = cmd_row_duration, .accepted = "a duration 500ms..1d",
	 .help = "end a session after this long without traffic or API "
		 "contact (default 30s)"},
	{.name = "data-ports", .type = OPT_CUSTOM, .arg = "LO-HI", .parse = parse_data_ports,
	 .accepted = "LO-HI (1..65535)",
	 .help = "UDP ports for sinks and reflectors (9271-9399)"},
	{.name = "allow-target", .type = OPT_CUSTOM, .flags = OPT_F_REPEAT,
	 .arg = "IP", .parse = parse_allow_target,
	 .help = "a source may also send to IP (repeatable); otherwise only to "
		 "the client that asks"},
	{.name = "max-connections", .type = OPT_UINT,
	 SERVER_FIELD(cfg.max_connections), .min = 4, .max = 10000, .arg = "N",
	 .parse = cmd_row_uint, .accepted = "a number 4..10000",
	 .help = "API connections at once (default 256); beyond, the one "
		 "waiting longest for its request head is closed to make room"},
	{.name = "max-connections-per-ip", .type = OPT_UINT,
	 SERVER_FIELD(cfg.max_connections_per_ip), .min = 1, .max = 10000,
	 .arg = "N", .parse = cmd_row_uint,
	 .accepted = "a number 1..10000", .help = "from one address (default 64)"},
	{.name = "conn-timeout", .type = OPT_CUSTOM, .arg = "D",
	 .parse = parse_conn_timeout, .accepted = "a duration 1s..1h",
	 .help = "close an API connection idle this long, or still sending its "
		 "request head, or its body, this long after it began (10s)"},
	{.name = "daemon", .type = OPT_SWITCH, SERVER_FIELD(detach),
	 .help = "detach (see --pid-file, --log-file)"},
	SERVER_FILE_ROW("pid-file", pid_file,
			"write the process id to FILE (removed at the end)"),
	SERVER_FILE_ROW("log-file", log_file, "log to FILE (SIGHUP reopens it)"),
	{.name = "verbose", .short_name = 'v', .type = OPT_SWITCH,
	 SERVER_FIELD(verbose), .help = "-v; log each session"},
};
/* clang-format on */

CMD_OPTS(server, "server", server_rows, struct server_cli,
	 .summary = "always-on endpoint: test sessions over an HTTP JSON API",
	 .usage = "server [options]\n\nAn always-on endpoint: test sessions "
		  "(sink, reflect, source) created\nand watched over an "
		  "HTTP/1.1 JSON API, several at once.",
	 .groups =
		 CMD_GROUPS(OPT_AT(cmd_api_server_group, struct server_cli, api),
			    OPT_AT_ROOT(server_group, struct server_cli)),
	 .epilog = "\nexit codes: 0 stopped (SIGINT/SIGTERM), 1 runtime error, "
		   "2 bad\ninput\n",
	 /* clang-format off */
	 .help_overrides = CMD_HELP(
		 {"api", "where the API listens (default port " CMD_STR(DAEMON_DEFAULT_PORT)
			 "; address 127.0.0.1, or 0.0.0.0 with --token-file)"}));
/* clang-format on */

/* The checks across flags, then where the API listens. 0 or EXIT_USAGE
 * after one line. */
static int server_check_flags(struct server_cli *cli)
{
	struct daemon_config *cfg = &cli->cfg;
	const char *api = cli->api.api;
	struct lr_err err = {0};
	struct ip_addr ip;
	bool has_port = false;
	uint16_t port = 0;

	if (!!cli->cert_file != !!cli->key_file)
		return cmd_usage_error("server",
				       "--tls-cert and --tls-key go together");
	if (cli->admin_token_file && !cli->api.token_file)
		return cmd_usage_error(
			"server",
			"--admin-token-file needs --token-file (the ordinary "
			"clients' token)");
	if (cfg->max_sessions_per_client > cfg->max_sessions)
		return cmd_usage_error("server",
				       "--max-sessions-per-client: %u is more "
				       "than --max-sessions %u",
				       cfg->max_sessions_per_client,
				       cfg->max_sessions);
	if (!api)
		parse_endpoint(cli->api.token_file ? "0.0.0.0" : "127.0.0.1",
			       true, &ip, &port, &has_port);
	else if (endpoint_resolve(api, true, &ip, &port, &has_port, &err))
		return cmd_usage_error("server", "--api: %s",
				       lr_err_text(&err));
	if (api && has_port)
		cfg->api_port = port;
	if (api_server_check_open("server", &ip, cli->api.token_file,
				  cli->api.insecure_open, api))
		return EXIT_USAGE;
	ip_addr_format(&ip, cli->api_addr, sizeof(cli->api_addr));
	cfg->api_addr = cli->api_addr;
	cfg->allow_insecure_perms = cli->api.allow_insecure_perms;
	return 0;
}

/* The tokens, certificate and key the flags name. 0 or EXIT_USAGE after
 * one line. */
static int server_read_files(struct server_cli *cli)
{
	struct daemon_config *cfg = &cli->cfg;
	bool perms = cfg->allow_insecure_perms;

	if (cli->api.token_file) {
		cli->token =
			api_server_read_token("server", "--token-file",
					      cli->api.token_file, perms, NULL);
		if (!cli->token)
			return EXIT_USAGE;
		cfg->token = cli->token;
	}
	if (cli->admin_token_file) {
		cli->admin_token = api_server_read_token(
			"server", "--admin-token-file", cli->admin_token_file,
			perms, cli->token);
		if (!cli->admin_token)
			return EXIT_USAGE;
		cfg->admin_token = cli->admin_token;
	}
	if (!cli->cert_file)
		return 0;
	cli->cert = http_read_small_file("--tls-cert", cli->cert_file, 1 << 20);
	cli->key = cli->cert ? http_read_secret_file("--tls-key", cli->key_file,
						     1 << 20, perms) :
			       NULL;
	if (!cli->key)
		return EXIT_USAGE;
	cfg->tls_cert_pem = cli->cert;
	cfg->tls_key_pem = cli->key;
	cfg->tls_cert_file = cli->cert_file;
	cfg->tls_key_file = cli->key_file;
	return 0;
}

static int write_pid_file(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		pr_warn("--pid-file: cannot write %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
	return 0;
}

static atomic_bool reload_requested;

static void on_sighup(int sig)
{
	(void)sig;
	atomic_store(&reload_requested, true);
}

/* SIGHUP: reload, not stop (daemon_run reads the flag). */
static void reload_on_sighup(struct daemon_config *cfg)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sighup;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	cfg->reload = &reload_requested;
}

static int server_check(void *cfg, const struct opt_parse *st)
{
	struct server_cli *cli = cfg;
	int rc;

	(void)st;
	if (cli->verbose)
		log_set_level(LOG_INFO);
	rc = server_check_flags(cli);
	return rc ? rc : server_read_files(cli);
}

/* Log file, detaching, pid file, signals, then the daemon until stopped. */
static int server_run(void *cfg)
{
	struct server_cli *cli = cfg;
	atomic_bool *stop;
	int err;

	if (cli->log_file && (err = log_open_file(cli->log_file))) {
		fprintf(stdout,
			"linerate server: --log-file: cannot write %s: %s\n",
			cli->log_file, strerror(-err));
		return EXIT_USAGE;
	}
	if (cli->detach && daemon(0, 1)) {
		pr_warn("--daemon: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (cli->pid_file && write_pid_file(cli->pid_file))
		return EXIT_RUNTIME;
	stop = cmd_stop_on_signals();
	reload_on_sighup(&cli->cfg);
	err = daemon_run(&cli->cfg, stop);
	if (cli->pid_file)
		unlink(cli->pid_file);
	return err ? EXIT_RUNTIME : EXIT_OK;
}

int cmd_server(int argc, char **argv)
{
	struct server_cli cli = {0};
	int rc;

	daemon_config_init(&cli.cfg);
	rc = cmd_run_parsed(&cmd_server_opts, argc, argv, &cli, server_check,
			    server_run);
	/* what server_read_files read, if it ran */
	free(cli.token);
	free(cli.admin_token);
	free(cli.cert);
	free(cli.key);
	return rc;
}
