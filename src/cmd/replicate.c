// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"
#include "lib/clock.h"
#include "cmd/cmd.h"
#include "cmd/api_server_auth.h"
#include "lib/resolve.h"
#include "lib/log.h"
#include "replicator/api.h"
#include "replicator/replicator.h"
#include "lib/report.h"
#include "lib/units.h"

#define MAX_INITIAL_SUBSCRIBERS 256
#define TICK_NS (10 * NSEC_PER_MSEC)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: linerate replicate --listen IP:PORT [options]\n"
		"\n"
		"Send every UDP datagram arriving on IP:PORT to every subscriber,\n"
		"payload unchanged, from IP:PORT. Subscribers are managed at run time\n"
		"over an HTTP JSON API (linerate subscribers, docs/api.md).\n"
		"\n"
		"  --listen IP:PORT        the feed's destination (required)\n"
		"  -i, --interface IFACE   raw backends: the interface (default: the\n"
		"                          one holding the listen address)\n"
		"  --backend NAME          auto | xdp | afxdp | afpacket | udp (default\n"
		"                          auto: afxdp, afpacket, udp, the first that opens;\n"
		"                          xdp: in the kernel, tc + bpf_clone_redirect)\n"
		"  --subscriber IP:PORT    a subscriber from the start (repeatable)\n"
		"  --max-subscribers N     at most N at once, 1..4096 (default %d)\n"
		"  --allow-multicast       accept multicast subscribers\n"
		"  --allow-local PORTS     accept subscribers on this host (loopback, its\n"
		"                          own addresses) at these ports only, e.g.\n"
		"                          8000-8099,9000 (never the API's port; udp only)\n"
		"  --return-path           a subscriber's packets to the listen address go\n"
		"                          back to the feed's source (a round trip through\n"
		"                          the replicator: ping -> replicate -> reflect)\n"
		"  --api ADDR[:PORT]       the API (default 127.0.0.1:%d); 'none' for no API\n"
		"  --token-file FILE       require 'Authorization: Bearer <token in FILE>'\n"
		"  --insecure-open         allow a non-loopback --api without a token\n"
		"  --allow-insecure-perms  take a --token-file others may read\n"
		"  --duration TIME         stop after this long (default: SIGINT/SIGTERM)\n"
		"  --queues N              afxdp: one worker per queue 0..N-1 (default 1)\n"
		"  --cpu N                 pin queue q's worker to CPU N+q\n"
		"  --burst N               packets per receive burst, 1..1024 (default 64)\n"
		"  --size BYTES            largest frame to pass on, incl. FCS, 64..9018\n"
		"                          (default 1518); larger ones count as too_big\n"
		"  --low-latency           afpacket: hand over each frame at once (V2 ring)\n"
		"  --xdp-mode MODE         auto | native | generic\n"
		"  --zero-copy WHEN        afxdp: auto | require | off\n"
		"  --force                 replace a foreign XDP/tc program\n"
		"  --ring-size N           AF_XDP/AF_PACKET ring entries, power of two\n"
		"  --umem-frames N         AF_XDP UMEM frames, power of two\n"
		"  --busy-poll             spin instead of sleeping in receive\n"
		"  --no-gso                udp: one sendmmsg message per copy, no GSO/GRO\n"
		"  --interval TIME         live line period (default 1s; 0 for none)\n"
		"  --json                  one JSON document at the end (docs/json.md)\n"
		"  --quiet                 no live lines\n"
		"  -v, --verbose           more log on stderr\n"
		"  -h, --help\n"
		"\nexit codes: 0 ok, 1 runtime error, 2 bad input\n",
		REPL_DEFAULT_MAX_SUBSCRIBERS, REPL_DEFAULT_API_PORT);
}

enum {
	OPT_LISTEN = 256,
	OPT_BACKEND,
	OPT_SUBSCRIBER,
	OPT_MAX_SUBS,
	OPT_MULTICAST,
	OPT_ALLOW_LOCAL,
	OPT_RETURN,
	OPT_API,
	OPT_TOKEN_FILE,
	OPT_INSECURE,
	OPT_INSECURE_PERMS,
	OPT_DURATION,
	OPT_QUEUES,
	OPT_CPU,
	OPT_BURST,
	OPT_SIZE,
	OPT_LOW_LATENCY,
	OPT_XDP_MODE,
	OPT_ZERO_COPY,
	OPT_FORCE,
	OPT_RING_SIZE,
	OPT_UMEM_FRAMES,
	OPT_BUSY_POLL,
	OPT_NO_GSO,
	OPT_INTERVAL,
	OPT_JSON,
	OPT_QUIET,
};

static const struct option options[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "interface", required_argument, NULL, 'i' },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "subscriber", required_argument, NULL, OPT_SUBSCRIBER },
	{ "max-subscribers", required_argument, NULL, OPT_MAX_SUBS },
	{ "allow-multicast", no_argument, NULL, OPT_MULTICAST },
	{ "allow-local", required_argument, NULL, OPT_ALLOW_LOCAL },
	{ "return-path", no_argument, NULL, OPT_RETURN },
	{ "api", required_argument, NULL, OPT_API },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "insecure-open", no_argument, NULL, OPT_INSECURE },
	{ "allow-insecure-perms", no_argument, NULL, OPT_INSECURE_PERMS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "queues", required_argument, NULL, OPT_QUEUES },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "low-latency", no_argument, NULL, OPT_LOW_LATENCY },
	{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
	{ "zero-copy", required_argument, NULL, OPT_ZERO_COPY },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "ring-size", required_argument, NULL, OPT_RING_SIZE },
	{ "umem-frames", required_argument, NULL, OPT_UMEM_FRAMES },
	{ "busy-poll", no_argument, NULL, OPT_BUSY_POLL },
	{ "no-gso", no_argument, NULL, OPT_NO_GSO },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define BAD(...)                                                   \
	do {                                                       \
		fprintf(stderr, "linerate replicate: " __VA_ARGS__); \
		fputc('\n', stderr);                               \
		return EXIT_USAGE;                                 \
	} while (0)

struct replicate_opts {
	struct replicator_config cfg;
	bool has_listen;
	struct ip_addr subs[MAX_INITIAL_SUBSCRIBERS];
	uint16_t sub_ports[MAX_INITIAL_SUBSCRIBERS];
	uint32_t nsubs;
	const char *api; /* NULL: default; "none" */
	const char *token_file;
	bool insecure;
	bool insecure_perms;
	uint64_t duration_ns;
	uint64_t interval_ns;
	bool json;
	bool quiet;
};

static int parse_args(int argc, char **argv, struct replicate_opts *o)
{
	char err[400];
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	replicator_config_init(&o->cfg);
	o->interval_ns = NSEC_PER_SEC;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hvi:", options, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN:
			if (endpoint_resolve(optarg, false, &o->cfg.listen,
					     &o->cfg.listen_port, NULL, err,
					     sizeof(err)))
				BAD("--listen: %s", err);
			o->has_listen = true;
			break;
		case 'i':
			if (!*optarg || strlen(optarg) >= SPEC_IFNAME_LEN ||
			    strchr(optarg, '/') || strchr(optarg, ' '))
				BAD("--interface: '%s' is not an interface name",
				    optarg);
			snprintf(o->cfg.backend.ifname,
				 sizeof(o->cfg.backend.ifname), "%s", optarg);
			break;
		case OPT_BACKEND:
			if (!spec_backend_known(optarg))
				BAD("--backend: '%s' is not one of %s", optarg,
				    SPEC_BACKENDS);
			snprintf(o->cfg.backend.name,
				 sizeof(o->cfg.backend.name), "%s", optarg);
			break;
		case OPT_SUBSCRIBER:
			if (o->nsubs == MAX_INITIAL_SUBSCRIBERS)
				BAD("--subscriber: at most %d on the command line "
				    "(add more over the API)",
				    MAX_INITIAL_SUBSCRIBERS);
			if (endpoint_resolve(optarg, false, &o->subs[o->nsubs],
					     &o->sub_ports[o->nsubs], NULL, err,
					     sizeof(err)))
				BAD("--subscriber: %s", err);
			o->nsubs++;
			break;
		case OPT_MAX_SUBS:
			if (parse_u64(optarg, 1, SUBS_MAX_SUBSCRIBERS, &v))
				BAD("--max-subscribers: '%s' is not a number 1..%d",
				    optarg, SUBS_MAX_SUBSCRIBERS);
			o->cfg.max_subscribers = (uint32_t)v;
			break;
		case OPT_MULTICAST:
			o->cfg.allow_multicast = true;
			break;
		case OPT_ALLOW_LOCAL: {
			struct sub_policy pp;

			if (policy_parse_ports(&pp, optarg))
				BAD("--allow-local: '%s' is not a list of ports "
				    "like 8000-8099,9000 (1..65535, at most %d)",
				    optarg, POLICY_MAX_PORT_RANGES);
			o->cfg.allow_local = true;
			memcpy(o->cfg.local_ports, pp.local_ports,
			       sizeof(pp.local_ports));
			o->cfg.nlocal_ports = pp.nlocal_ports;
			break;
		}
		case OPT_RETURN:
			o->cfg.return_path = true;
			break;
		case OPT_API:
			o->api = optarg;
			break;
		case OPT_TOKEN_FILE:
			o->token_file = optarg;
			break;
		case OPT_INSECURE:
			o->insecure = true;
			break;
		case OPT_INSECURE_PERMS:
			o->insecure_perms = true;
			break;
		case OPT_DURATION:
			if (parse_duration(optarg, &o->duration_ns))
				BAD("--duration: '%s' is not a time like 10s, 2m", optarg);
			break;
		case OPT_QUEUES:
			if (parse_u64(optarg, 1, SPEC_MAX_QUEUES, &v))
				BAD("--queues: '%s' is not a number 1..%d", optarg,
				    SPEC_MAX_QUEUES);
			o->cfg.backend.queues = (uint32_t)v;
			break;
		case OPT_CPU:
			if (parse_u64(optarg, 0, 4095, &v))
				BAD("--cpu: '%s' is not a CPU number 0..4095", optarg);
			o->cfg.cpu = (int)v;
			break;
		case OPT_BURST:
			if (parse_u64(optarg, 1, SPEC_MAX_BURST, &v))
				BAD("--burst: '%s' is not a number 1..%d", optarg,
				    SPEC_MAX_BURST);
			o->cfg.burst = (uint32_t)v;
			break;
		case OPT_SIZE:
			if (parse_u64(optarg, FRAME_MIN_SIZE, FRAME_MAX_SIZE, &v))
				BAD("--size: '%s' is not 64..9018 bytes", optarg);
			o->cfg.max_frame = (uint32_t)v;
			break;
		case OPT_LOW_LATENCY:
			o->cfg.backend.low_latency = true;
			break;
		case OPT_XDP_MODE:
			if (!strcmp(optarg, "auto"))
				o->cfg.backend.xdp_mode = XDP_PREF_AUTO;
			else if (!strcmp(optarg, "native"))
				o->cfg.backend.xdp_mode = XDP_PREF_NATIVE;
			else if (!strcmp(optarg, "generic"))
				o->cfg.backend.xdp_mode = XDP_PREF_GENERIC;
			else
				BAD("--xdp-mode: '%s' is not auto, native, generic",
				    optarg);
			break;
		case OPT_ZERO_COPY:
			if (!strcmp(optarg, "auto"))
				o->cfg.backend.zero_copy = ZC_AUTO;
			else if (!strcmp(optarg, "require"))
				o->cfg.backend.zero_copy = ZC_REQUIRE;
			else if (!strcmp(optarg, "off"))
				o->cfg.backend.zero_copy = ZC_COPY;
			else
				BAD("--zero-copy: '%s' is not auto, require, off",
				    optarg);
			break;
		case OPT_FORCE:
			o->cfg.backend.force = true;
			break;
		case OPT_RING_SIZE:
			if (parse_u64(optarg, 64, SPEC_MAX_RING, &v) || (v & (v - 1)))
				BAD("--ring-size: '%s' is not a power of two 64..65536",
				    optarg);
			o->cfg.backend.ring_size = (uint32_t)v;
			break;
		case OPT_UMEM_FRAMES:
			if (parse_u64(optarg, 256, SPEC_MAX_UMEM_FRAMES, &v) ||
			    (v & (v - 1)))
				BAD("--umem-frames: '%s' is not a power of two "
				    "256..262144",
				    optarg);
			o->cfg.backend.umem_frames = (uint32_t)v;
			break;
		case OPT_BUSY_POLL:
			o->cfg.backend.busy_poll = true;
			break;
		case OPT_NO_GSO:
			o->cfg.backend.no_gso = true;
			break;
		case OPT_INTERVAL:
			if (!strcmp(optarg, "0"))
				o->interval_ns = 0;
			else if (parse_duration(optarg, &o->interval_ns) ||
				 o->interval_ns < 100 * NSEC_PER_MSEC)
				BAD("--interval: '%s' is not 0 or a time >= 100ms",
				    optarg);
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case 'v':
			log_set_level(log_get_level() < LOG_DEBUG ?
					      (enum log_level)(log_get_level() + 1) :
					      LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return CMD_HELP_SHOWN;
		case ':':
			BAD("%s: a value is required (see --help)", argv[optind - 1]);
		default:
			BAD("%s: unknown flag (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		BAD("unexpected argument '%s' (see --help)", argv[optind]);
	if (!o->has_listen)
		BAD("--listen IP:PORT is required");
	if (o->nsubs > o->cfg.max_subscribers)
		BAD("--subscriber: %u given, --max-subscribers is %u", o->nsubs,
		    o->cfg.max_subscribers);
	return 0;
}

/* The API's address and port per --api, --token-file, --insecure-open. */
static int api_address(const struct replicate_opts *o, char *addr,
		       size_t addr_len, uint16_t *port)
{
	struct ip_addr ip;
	bool has_port = false;

	*port = REPL_DEFAULT_API_PORT;
	if (parse_endpoint(o->api ? o->api : "127.0.0.1", true, &ip, port,
			   &has_port))
		BAD("--api: '%s' is not ADDR[:PORT] or 'none'", o->api);
	if (!has_port)
		*port = REPL_DEFAULT_API_PORT;
	if (api_server_check_open("replicate", &ip, o->token_file,
				  o->insecure, o->api))
		return EXIT_USAGE;
	ip_addr_format(&ip, addr, addr_len);
	return 0;
}

static int add_initial(struct replicator *r, const struct replicate_opts *o)
{
	for (uint32_t i = 0; i < o->nsubs; i++) {
		struct subscriber sub;
		const char *field;
		char err[384];
		int status = replicator_add(r, &o->subs[i], o->sub_ports[i],
					    &sub, &field, err, sizeof(err));

		if (status) {
			fprintf(stderr, "linerate replicate: --subscriber %s\n", err);
			return status < 500 ? EXIT_USAGE : EXIT_RUNTIME;
		}
	}
	return 0;
}

static void run_loop(struct replicator *r, const struct replicate_opts *o,
		     atomic_bool *stop)
{
	uint64_t start = r->start_mono_ns, next_line = start + o->interval_ns;
	struct repl_counters prev = { 0 };
	double prev_s = 0;

	while (!atomic_load(stop)) {
		uint64_t now = mono_ns();

		if (o->duration_ns && now - start >= o->duration_ns)
			break;
		replicator_tick(r);
		if (o->interval_ns && !o->quiet && !o->json && now >= next_line) {
			double to_s = (double)(now - start) / 1e9;

			replicator_text_interval(r, stdout, &prev, prev_s, to_s);
			fflush(stdout);
			prev_s = to_s;
			next_line += o->interval_ns;
			if (next_line <= now)
				next_line = now + o->interval_ns;
		}
		clock_wait_until(now + TICK_NS);
	}
}

int cmd_replicate(int argc, char **argv)
{
	struct replicate_opts o;
	struct repl_api_config ac = { 0 };
	struct repl_api *api = NULL;
	struct replicator *r = NULL;
	struct lr_err open_err = {0};
	char api_addr[INET6_ADDRSTRLEN], ip[INET6_ADDRSTRLEN];
	char api_text[INET6_ADDRSTRLEN + 32] = "off";
	char *token = NULL;
	atomic_bool *stop;
	bool want_api;
	int rc, err;

	rc = parse_args(argc, argv, &o);
	if (rc == CMD_HELP_SHOWN)
		return EXIT_OK;
	if (rc)
		return rc;
	want_api = !o.api || strcmp(o.api, "none");
	if (want_api) {
		rc = api_address(&o, api_addr, sizeof(api_addr), &ac.port);
		if (rc)
			return rc;
		ac.addr = api_addr;
		o.cfg.api_port = ac.port;
	}
	if (o.token_file) {
		token = api_server_read_token("replicate", "--token-file",
					      o.token_file, o.insecure_perms,
					      NULL);
		if (!token)
			return EXIT_USAGE;
		ac.token = token;
	}
	stop = cmd_stop_on_signals();
	err = replicator_open(&o.cfg, &r, &open_err);
	if (err) {
		pr_warn("%s\n", lr_err_text(&open_err));
		rc = err == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	rc = add_initial(r, &o);
	if (rc)
		goto out;
	if (want_api) {
		api = repl_api_start(r, &ac);
		if (!api) {
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	err = replicator_start(r);
	if (err) {
		pr_warn("replicate: cannot start the workers: %s\n", strerror(-err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	ip_addr_format(&o.cfg.listen, ip, sizeof(ip));
	if (want_api)
		snprintf(api_text, sizeof(api_text), "%s%s%s:%u%s",
			 strchr(api_addr, ':') ? "[" : "", api_addr,
			 strchr(api_addr, ':') ? "]" : "", ac.port,
			 token ? " (token required)" : "");
	pr_warn("linerate replicate: %s%s%s:%u, backend %s (%s), %u queue%s; "
		"API %s\n",
		o.cfg.listen.family == AF_INET6 ? "[" : "", ip,
		o.cfg.listen.family == AF_INET6 ? "]" : "", o.cfg.listen_port,
		r->backend_name, r->mode, r->nworkers ? r->nworkers : 1,
		r->nworkers > 1 ? "s" : "", api_text);
	if (r->note[0])
		pr_warn("linerate replicate: note: %s\n", r->note);
	run_loop(r, &o, stop);
	/* No more changes from the API, then the final figures. */
	repl_api_stop(api);
	api = NULL;
	err = replicator_stop(r);
	if (o.json) {
		json_t *doc = replicator_json(r, true);

		report_json_print(stdout, doc, false);
		json_decref(doc);
	} else {
		replicator_text_final(r, stdout);
	}
	rc = err ? EXIT_RUNTIME : EXIT_OK;
out:
	repl_api_stop(api);
	replicator_close(r);
	free(token);
	return rc;
}
