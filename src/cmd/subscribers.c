// SPDX-License-Identifier: MIT
/*
 * linerate subscribers HOST[:PORT] add|remove|list [IP:PORT]: the
 * replicator's subscribers over its API (api/client.c, libcurl).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "api/http.h"
#include "cmd/cmd.h"
#include "cmd/api_client_opts.h"
#include "lib/resolve.h"
#include "lib/units.h"

#define SUBS_API_PORT 9280

static void usage(FILE *out)
{
	fprintf(out,
		"usage: linerate subscribers HOST[:PORT] add|remove|list [IP:PORT] [options]\n"
		"\n"
		"Manage a running linerate replicate's subscribers over its API\n"
		"(port %d unless HOST says otherwise).\n"
		"\n"
		"  add IP:PORT          start sending the feed to IP:PORT\n"
		"  remove IP:PORT       stop; prints what it was sent\n"
		"  list                 the subscribers and their counters\n"
		"  --json               print the API's JSON reply\n"
		"  --timeout TIME       per request (default 10s)\n"
		"  -h, --help\n"
		"\n"
		"the replicator's API:\n",
		SUBS_API_PORT);
	cmd_api_client_help(out, 19, 0, "the replicator's bearer token");
	fprintf(out,
		"\nexit codes: 0 ok, 1 runtime error (no reply, 5xx), 2 bad input or "
		"refused (4xx)\n");
}

/* HOST with the replicator's default port when it names none. */
static int host_with_port(const char *in, char *out, size_t len)
{
	const char *colon = strchr(in, ':');
	int n;

	if (in[0] == '[')
		n = strstr(in, "]:") ? snprintf(out, len, "%s", in) :
				       snprintf(out, len, "%s:%d", in, SUBS_API_PORT);
	else if (colon && strchr(colon + 1, ':'))
		n = snprintf(out, len, "[%s]:%d", in, SUBS_API_PORT); /* bare v6 */
	else if (colon)
		n = snprintf(out, len, "%s", in);
	else
		n = snprintf(out, len, "%s:%d", in, SUBS_API_PORT);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void print_sub(json_t *s, const char *verb)
{
	const char *addr = json_string_value(json_object_get(s, "address"));
	json_int_t port = json_integer_value(json_object_get(s, "port"));
	bool v6 = addr && strchr(addr, ':');

	printf("%s%s%s%s:%lld  id %lld  sent %lld  dropped %lld  bytes %lld\n",
	       verb, v6 ? "[" : "", addr ? addr : "?", v6 ? "]" : "",
	       (long long)port,
	       (long long)json_integer_value(json_object_get(s, "id")),
	       (long long)json_integer_value(json_object_get(s, "sent")),
	       (long long)json_integer_value(json_object_get(s, "dropped")),
	       (long long)json_integer_value(json_object_get(s, "bytes")));
}

int cmd_subscribers(int argc, char **argv)
{
	const char *host = NULL, *verb = NULL, *target = NULL;
	struct cmd_api_client opts = { 0 };
	struct api_client_config acfg;
	struct api_client *api = NULL;
	char hostport[300], err[512] = "", path[128];
	json_t *reply = NULL, *body = NULL;
	bool json = false;
	uint64_t timeout_ns = 10 * 1000000000ull;
	struct ip_addr ip;
	uint16_t port = 0;
	long status = 0;
	int rc = EXIT_USAGE;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool taken;

		if (cmd_api_client_parse_argv(&opts, "subscribers", 0, argc,
					      argv, &i, &taken))
			return EXIT_USAGE;
		if (taken)
			continue;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--timeout")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "linerate subscribers: %s: a value "
						"is required\n", a);
				return EXIT_USAGE;
			}
			if (parse_duration(argv[++i], &timeout_ns) ||
				   timeout_ns > 600 * 1000000000ull) {
				fprintf(stderr, "linerate subscribers: --timeout: '%s' "
						"is not a time up to 10m\n", argv[i]);
				return EXIT_USAGE;
			}
		} else if (a[0] == '-') {
			fprintf(stderr, "linerate subscribers: %s: unknown flag "
					"(see --help)\n", a);
			return EXIT_USAGE;
		} else if (!host) {
			host = a;
		} else if (!verb) {
			verb = a;
		} else if (!target) {
			target = a;
		} else {
			fprintf(stderr, "linerate subscribers: unexpected argument "
					"'%s'\n", a);
			return EXIT_USAGE;
		}
	}
	if (!host || !verb) {
		fprintf(stderr, "linerate subscribers: HOST and add|remove|list "
				"are required (see --help)\n");
		return EXIT_USAGE;
	}
	if (strcmp(verb, "add") && strcmp(verb, "remove") && strcmp(verb, "list")) {
		fprintf(stderr, "linerate subscribers: '%s' is not add, remove or "
				"list\n", verb);
		return EXIT_USAGE;
	}
	if (!strcmp(verb, "list") != !target) {
		fprintf(stderr, "linerate subscribers: %s\n",
			target ? "list takes no IP:PORT" :
				 "add and remove take IP:PORT");
		return EXIT_USAGE;
	}
	if (target && endpoint_resolve(target, false, &ip, &port, NULL, err,
				       sizeof(err))) {
		fprintf(stderr, "linerate subscribers: %s: %s\n", verb, err);
		return EXIT_USAGE;
	}
	if (host_with_port(host, hostport, sizeof(hostport))) {
		fprintf(stderr, "linerate subscribers: '%s' is not HOST[:PORT]\n",
			host);
		return EXIT_USAGE;
	}
	api_client_config_init(&acfg, &opts.api, hostport);
	acfg.timeout_ms = (long)(timeout_ns / 1000000);
	api = api_client_connect(&acfg, opts.api.token_file, NULL, NULL, err,
				 sizeof(err));
	if (!api) {
		fprintf(stderr, "linerate subscribers: %s\n", err);
		goto out;
	}
	if (!strcmp(verb, "list")) {
		rc = api_client_request(api, "GET", "/v1/replicator/subscribers",
					NULL, &status, &reply, err, sizeof(err));
	} else {
		char text[INET6_ADDRSTRLEN];

		ip_addr_format(&ip, text, sizeof(text));
		if (!strcmp(verb, "add")) {
			body = json_pack("{ss si}", "address", text, "port", port);
			rc = api_client_request(api, "POST",
						"/v1/replicator/subscribers", body,
						&status, &reply, err, sizeof(err));
		} else {
			snprintf(path, sizeof(path),
				 ip.family == AF_INET6 ?
					 "/v1/replicator/subscribers/[%s]:%u" :
					 "/v1/replicator/subscribers/%s:%u",
				 text, port);
			rc = api_client_request(api, "DELETE", path, NULL, &status,
						&reply, err, sizeof(err));
		}
	}
	if (rc) {
		fprintf(stderr, "linerate subscribers: %s\n", err);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (status < 200 || status >= 300) {
		fprintf(stderr, "linerate subscribers: %s: %s\n", verb,
			api_reply_error(reply, status, err, sizeof(err)));
		rc = status >= 400 && status < 500 ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	rc = EXIT_OK;
	if (json) {
		char *dump = json_dumps(reply, JSON_INDENT(2));

		printf("%s\n", dump ? dump : "null");
		free(dump);
	} else if (!strcmp(verb, "list")) {
		json_t *list = json_object_get(reply, "subscribers"), *s;
		size_t i;

		printf("%zu subscriber%s (max %lld)\n", json_array_size(list),
		       json_array_size(list) == 1 ? "" : "s",
		       (long long)json_integer_value(json_object_get(reply, "max")));
		json_array_foreach(list, i, s)
			print_sub(s, "  ");
	} else {
		print_sub(reply, !strcmp(verb, "add") ? "added " : "removed ");
	}
out:
	json_decref(body);
	json_decref(reply);
	api_client_close(api);
	return rc;
}
