// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/daemon.h"
#include "api/http.h"
#include "lib/clock.h"
#include "cmd/cmd.h"
#include "cmd/api_server_auth.h"
#include "lib/resolve.h"
#include "lib/log.h"
#include "lib/units.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: linerate server [options]\n"
		"\n"
		"An always-on endpoint: test sessions (sink, reflect, source) created\n"
		"and watched over an HTTP/1.1 JSON API, several at once.\n"
		"\n"
		"  --api ADDR[:PORT]     where the API listens (default port %d; address\n"
		"                        127.0.0.1, or 0.0.0.0 with --token-file)\n"
		"  --token-file FILE     require 'Authorization: Bearer <token in FILE>'\n"
		"  --admin-token-file FILE  a second token that sees and may stop every\n"
		"                        client's sessions (others see only their own)\n"
		"  --insecure-open       allow a non-loopback --api without a token\n"
		"  --tls-cert FILE       serve HTTPS with this PEM certificate ...\n"
		"  --tls-key FILE        ... and this PEM key (TLS 1.2+, forward-secret\n"
		"                        AEAD ciphers only; SIGHUP reloads both)\n"
		"  --allow-insecure-perms  take token and key files that others may\n"
		"                        read (refused by default)\n"
		"  --max-sessions N      sessions running at once (default 8)\n"
		"  --max-sessions-per-client N  of those, one client's (token and\n"
		"                        address; default half of --max-sessions)\n"
		"  --max-rate RATE       total the server sources (e.g. 1Gbps, 2Mpps;\n"
		"                        'none' for no cap; default 1Gbps)\n"
		"  --max-duration D      longest session (default 300s)\n"
		"  --idle-timeout D      end a session after this long without traffic\n"
		"                        or API contact (default 30s)\n"
		"  --data-ports LO-HI    UDP ports for sinks and reflectors (9271-9399)\n"
		"  --allow-target IP     a source may also send to IP (repeatable);\n"
		"                        otherwise only to the client that asks\n"
		"  --max-connections N   API connections at once (default 256); beyond,\n"
		"                        the one waiting longest for its request head\n"
		"                        is closed to make room\n"
		"  --max-connections-per-ip N  from one address (default 64)\n"
		"  --conn-timeout D      close an API connection idle this long, or\n"
		"                        still sending its request head, or its body,\n"
		"                        this long after it began (10s)\n"
		"  --daemon              detach; --pid-file FILE, --log-file FILE\n"
		"  -v, --verbose         log each session\n"
		"  -h, --help\n"
		"\n"
		"exit codes: 0 stopped (SIGINT/SIGTERM), 1 runtime error, 2 bad\n"
		"input\n",
		DAEMON_DEFAULT_PORT);
}

enum {
	OPT_API = 256,
	OPT_TOKEN_FILE,
	OPT_INSECURE,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_MAX_SESSIONS,
	OPT_MAX_RATE,
	OPT_MAX_DURATION,
	OPT_IDLE,
	OPT_DATA_PORTS,
	OPT_ALLOW,
	OPT_MAX_CONN,
	OPT_CONN_TIMEOUT,
	OPT_MAX_CONN_IP,
	OPT_DAEMON,
	OPT_PID_FILE,
	OPT_LOG_FILE,
	OPT_ADMIN_TOKEN_FILE,
	OPT_MAX_PER_CLIENT,
	OPT_INSECURE_PERMS,
};

static const struct option options[] = {
	{ "api", required_argument, NULL, OPT_API },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "insecure-open", no_argument, NULL, OPT_INSECURE },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
	{ "max-rate", required_argument, NULL, OPT_MAX_RATE },
	{ "max-duration", required_argument, NULL, OPT_MAX_DURATION },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "data-ports", required_argument, NULL, OPT_DATA_PORTS },
	{ "allow-target", required_argument, NULL, OPT_ALLOW },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONN },
	{ "conn-timeout", required_argument, NULL, OPT_CONN_TIMEOUT },
	{ "max-connections-per-ip", required_argument, NULL, OPT_MAX_CONN_IP },
	{ "daemon", no_argument, NULL, OPT_DAEMON },
	{ "pid-file", required_argument, NULL, OPT_PID_FILE },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
	{ "admin-token-file", required_argument, NULL, OPT_ADMIN_TOKEN_FILE },
	{ "max-sessions-per-client", required_argument, NULL, OPT_MAX_PER_CLIENT },
	{ "allow-insecure-perms", no_argument, NULL, OPT_INSECURE_PERMS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define BAD(...)                                          \
	do {                                              \
		fprintf(stderr, "linerate server: " __VA_ARGS__); \
		fputc('\n', stderr);                      \
		goto usage_error;                         \
	} while (0)

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

int cmd_server(int argc, char **argv)
{
	struct sigaction sa;
	atomic_bool *stop;
	struct daemon_config cfg;
	const char *api = NULL, *token_file = NULL, *cert_file = NULL,
		   *admin_token_file = NULL,
		   *key_file = NULL, *pid_file = NULL, *log_file = NULL;
	char *token = NULL, *admin_token = NULL, *cert = NULL, *key = NULL;
	char api_addr[INET6_ADDRSTRLEN + 2] = "";
	char bad_addr[400];
	bool insecure = false, detach = false;
	struct ip_addr ip;
	uint64_t v;
	int c, rc = EXIT_RUNTIME, err;

	daemon_config_init(&cfg);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
		switch (c) {
		case OPT_API:
			api = optarg;
			break;
		case OPT_TOKEN_FILE:
			token_file = optarg;
			break;
		case OPT_ADMIN_TOKEN_FILE:
			admin_token_file = optarg;
			break;
		case OPT_MAX_PER_CLIENT:
			if (parse_u64(optarg, 1, 1024, &v))
				BAD("--max-sessions-per-client: '%s' is not a number 1..1024",
				    optarg);
			cfg.max_sessions_per_client = (unsigned int)v;
			break;
		case OPT_INSECURE:
			insecure = true;
			break;
		case OPT_INSECURE_PERMS:
			cfg.allow_insecure_perms = true;
			break;
		case OPT_TLS_CERT:
			cert_file = optarg;
			break;
		case OPT_TLS_KEY:
			key_file = optarg;
			break;
		case OPT_MAX_SESSIONS:
			if (parse_u64(optarg, 1, 1024, &v))
				BAD("--max-sessions: '%s' is not a number 1..1024", optarg);
			cfg.max_sessions = (unsigned int)v;
			break;
		case OPT_MAX_RATE:
			if (!strcmp(optarg, "none")) {
				cfg.max_rate.kind = RATE_MAX;
				break;
			}
			if (parse_rate(optarg, &cfg.max_rate) ||
			    cfg.max_rate.kind == RATE_MAX ||
			    cfg.max_rate.kind == RATE_PERCENT)
				BAD("--max-rate: '%s' is not a rate in pps or bit/s "
				    "(or 'none')", optarg);
			break;
		case OPT_MAX_DURATION:
			if (parse_duration(optarg, &cfg.max_duration_ns) ||
			    cfg.max_duration_ns < NSEC_PER_SEC ||
			    cfg.max_duration_ns > 30ULL * 86400 * NSEC_PER_SEC)
				BAD("--max-duration: '%s' is not a duration 1s..30d", optarg);
			break;
		case OPT_IDLE:
			if (parse_duration(optarg, &cfg.idle_timeout_ns) ||
			    cfg.idle_timeout_ns < NSEC_PER_SEC / 2 ||
			    cfg.idle_timeout_ns > 86400 * NSEC_PER_SEC)
				BAD("--idle-timeout: '%s' is not a duration 500ms..1d", optarg);
			break;
		case OPT_DATA_PORTS: {
			unsigned int lo, hi;
			int used = 0;

			if (sscanf(optarg, "%5u-%5u%n", &lo, &hi, &used) != 2 ||
			    optarg[used] || !lo || lo > hi || hi > 65535)
				BAD("--data-ports: '%s' is not LO-HI (1..65535)", optarg);
			cfg.data_port_min = (uint16_t)lo;
			cfg.data_port_max = (uint16_t)hi;
			break;
		}
		case OPT_ALLOW: {
			uint16_t port;
			bool has_port = false;

			if (cfg.allow_count == DAEMON_MAX_ALLOW)
				BAD("--allow-target: at most %d", DAEMON_MAX_ALLOW);
			if (endpoint_resolve(optarg, true, &ip, &port,
					     &has_port, bad_addr,
					     sizeof(bad_addr)))
				BAD("--allow-target: %s", bad_addr);
			if (has_port)
				BAD("--allow-target: '%s': an address, no port",
				    optarg);
			cfg.allow[cfg.allow_count++] = ip;
			break;
		}
		case OPT_MAX_CONN:
			if (parse_u64(optarg, 4, 10000, &v))
				BAD("--max-connections: '%s' is not a number 4..10000", optarg);
			cfg.max_connections = (unsigned int)v;
			break;
		case OPT_MAX_CONN_IP:
			if (parse_u64(optarg, 1, 10000, &v))
				BAD("--max-connections-per-ip: '%s' is not a number 1..10000",
				    optarg);
			cfg.max_connections_per_ip = (unsigned int)v;
			break;
		case OPT_CONN_TIMEOUT:
			if (parse_duration(optarg, &v) || v < NSEC_PER_SEC ||
			    v > 3600 * NSEC_PER_SEC)
				BAD("--conn-timeout: '%s' is not a duration 1s..1h", optarg);
			cfg.timeout_s = (unsigned int)(v / NSEC_PER_SEC);
			break;
		case OPT_DAEMON:
			detach = true;
			break;
		case OPT_PID_FILE:
			pid_file = optarg;
			break;
		case OPT_LOG_FILE:
			log_file = optarg;
			break;
		case 'v':
			log_set_level(LOG_INFO);
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			BAD("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		BAD("unexpected argument '%s'", argv[optind]);
	if (!!cert_file != !!key_file)
		BAD("--tls-cert and --tls-key go together");
	if (admin_token_file && !token_file)
		BAD("--admin-token-file needs --token-file (the ordinary clients' token)");
	if (cfg.max_sessions_per_client > cfg.max_sessions)
		BAD("--max-sessions-per-client: %u is more than --max-sessions %u",
		    cfg.max_sessions_per_client, cfg.max_sessions);
	if (api) {
		uint16_t port = 0;
		bool has_port = false;

		if (endpoint_resolve(api, true, &ip, &port, &has_port,
				     bad_addr, sizeof(bad_addr)))
			BAD("--api: %s", bad_addr);
		if (has_port)
			cfg.api_port = port;
	} else {
		uint16_t port;
		bool has_port;

		parse_endpoint(token_file ? "0.0.0.0" : "127.0.0.1", true, &ip,
			       &port, &has_port);
	}
	if (api_server_check_open("server", &ip, token_file, insecure, api))
		return EXIT_USAGE;
	inet_ntop(ip.family, ip.family == AF_INET ? (void *)&ip.v4 : (void *)&ip.v6,
		  api_addr, sizeof(api_addr));
	cfg.api_addr = api_addr;
	if (token_file) {
		token = api_server_read_token("server", "--token-file",
					      token_file,
					      cfg.allow_insecure_perms, NULL);
		if (!token)
			return EXIT_USAGE;
		cfg.token = token;
	}
	if (admin_token_file) {
		admin_token = api_server_read_token("server",
						    "--admin-token-file",
						    admin_token_file,
						    cfg.allow_insecure_perms,
						    token);
		if (!admin_token) {
			rc = EXIT_USAGE;
			goto out;
		}
		cfg.admin_token = admin_token;
	}
	if (cert_file) {
		cert = http_read_small_file("--tls-cert", cert_file, 1 << 20);
		key = cert ? http_read_secret_file("--tls-key", key_file, 1 << 20,
						   cfg.allow_insecure_perms) :
			     NULL;
		if (!key) {
			rc = EXIT_USAGE;
			goto out;
		}
		cfg.tls_cert_pem = cert;
		cfg.tls_key_pem = key;
		cfg.tls_cert_file = cert_file;
		cfg.tls_key_file = key_file;
	}
	if (log_file && (err = log_open_file(log_file))) {
		fprintf(stdout, "linerate server: --log-file: cannot write %s: %s\n",
			log_file, strerror(-err));
		rc = EXIT_USAGE;
		goto out;
	}
	if (detach && daemon(0, 1)) {
		pr_warn("--daemon: %s\n", strerror(errno));
		goto out;
	}
	if (pid_file && write_pid_file(pid_file))
		goto out;
	stop = cmd_stop_on_signals();
	/* SIGHUP: reload, not stop (daemon_run reads the flag). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sighup;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	cfg.reload = &reload_requested;
	err = daemon_run(&cfg, stop);
	rc = err ? EXIT_RUNTIME : EXIT_OK;
	if (pid_file)
		unlink(pid_file);
out:
	free(token);
	free(admin_token);
	free(cert);
	free(key);
	return rc;
usage_error:
	return EXIT_USAGE;
}
