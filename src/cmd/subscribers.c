// SPDX-License-Identifier: MIT
/*
 * linerate subscribers HOST[:PORT] add|remove|list [IP:PORT]: the
 * replicator's subscribers over its API (api/client.c, libcurl).
 */
#include <stdio.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "api/http.h"
#include "lib/clock.h"
#include "cmd/cmd.h"
#include "cmd/api_client_opts.h"
#include "lib/resolve.h"
#include "cmd/row_values.h"
#include "cmd/server_opts.h"
#include "lib/options.h"
#include "replicator/api_client.h"
#include "lib/units.h"

#define SUBS_API_PORT 9280

/* What the arguments ask for: HOST, add|remove|list, and IP:PORT. */
struct subscribers_request {
	const char *host, *verb, *target;
	enum repl_subscribers_action action;
	struct ip_addr ip;
	uint16_t port;
	char hostport[300];
};

struct subscribers_cli {
	struct cmd_api_client api;
	bool json;
	uint64_t timeout_ns;
	struct subscribers_request rq; /* from the arguments, not rows */
};

#define SUBS_FIELD(field) OPT_FIELD(struct subscribers_cli, field)

static const struct opt_row subscribers_rows[] = {
	OPT_SWITCH_ROW("json", struct subscribers_cli, json,
		       "print the API's JSON reply"),
	{.name = "timeout",
	 .type = OPT_DURATION,
	 SUBS_FIELD(timeout_ns),
	 .max = 600 * NSEC_PER_SEC,
	 .arg = "TIME",
	 .parse = cmd_row_duration,
	 .accepted = "a time up to 10m",
	 .help = "per request (default 10s)"},
};

/* clang-format off */
CMD_OPTS(subscribers, "subscribers", subscribers_rows, struct subscribers_cli,
	 .summary = "add, remove and list a running replicator's subscribers",
	 .usage = "subscribers HOST[:PORT] add|remove|list [IP:PORT] [options]\n"
		  "\n"
		  "Manage a running linerate replicate's subscribers over its API\n"
		  "(port " CMD_STR(SUBS_API_PORT) " unless HOST says otherwise).\n"
		  "\n"
		  "  add IP:PORT          start sending the feed to IP:PORT\n"
		  "  remove IP:PORT       stop; prints what it was sent\n"
		  "  list                 the subscribers and their counters",
	 .groups = CMD_GROUPS_OWN_API(subscribers_group, struct subscribers_cli,
				      cmd_api_client_group),
	 .epilog = "\nexit codes: 0 ok, 1 runtime error (no reply, 5xx), 2 bad "
		   "input or refused (4xx)\n",
	 .help_overrides = CMD_HELP(
		 {"token-file", "the replicator's bearer token"}),
	 .words = "add remove list",
	 .max_args = 3);
/* clang-format on */

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

static const char *const verb_names[] = {
	[REPL_SUBS_ADD] = "add",
	[REPL_SUBS_REMOVE] = "remove",
	[REPL_SUBS_LIST] = "list",
};

/* The arguments that are not flags. 0, or EXIT_USAGE after one line. */
static int subscribers_args(void *cfg, const struct opt_parse *st)
{
	struct subscribers_request *rq = &((struct subscribers_cli *)cfg)->rq;
	struct lr_err err = {0};

	rq->host = st->nargs > 0 ? st->args[0] : NULL;
	rq->verb = st->nargs > 1 ? st->args[1] : NULL;
	rq->target = st->nargs > 2 ? st->args[2] : NULL;
	if (!rq->host || !rq->verb)
		return cmd_usage_error(
			"subscribers",
			"HOST and add|remove|list are required (see --help)");
	for (rq->action = REPL_SUBS_ADD; rq->action <= REPL_SUBS_LIST;
	     rq->action++)
		if (!strcmp(rq->verb, verb_names[rq->action]))
			break;
	if (rq->action > REPL_SUBS_LIST)
		return cmd_usage_error("subscribers",
				       "'%s' is not add, remove or list",
				       rq->verb);
	if ((rq->action == REPL_SUBS_LIST) != !rq->target)
		return cmd_usage_error("subscribers", "%s",
				       rq->target ?
					       "list takes no IP:PORT" :
					       "add and remove take IP:PORT");
	if (rq->target &&
	    endpoint_resolve(rq->target, false, &rq->ip, &rq->port, NULL, &err))
		return cmd_usage_error("subscribers", "%s: %s", rq->verb,
				       lr_err_text(&err));
	if (host_with_port(rq->host, rq->hostport, sizeof(rq->hostport)))
		return cmd_usage_error("subscribers", "'%s' is not HOST[:PORT]",
				       rq->host);
	return 0;
}

static void print_reply(const struct subscribers_cli *cli,
			const struct subscribers_request *rq, json_t *reply)
{
	if (cli->json) {
		char *dump = json_dumps(reply, JSON_INDENT(2));

		printf("%s\n", dump ? dump : "null");
		free(dump);
	} else if (rq->action == REPL_SUBS_LIST) {
		json_t *list = json_object_get(reply, "subscribers"), *s;
		size_t i;

		printf("%zu subscriber%s (max %lld)\n", json_array_size(list),
		       json_array_size(list) == 1 ? "" : "s",
		       (long long)json_integer_value(json_object_get(reply, "max")));
		json_array_foreach(list, i, s)
			print_sub(s, "  ");
	} else {
		print_sub(reply,
			  rq->action == REPL_SUBS_ADD ? "added " : "removed ");
	}
}

/* Connect, ask, print. An exit code. */
static int subscribers_run(void *cfg)
{
	struct subscribers_cli *cli = cfg;
	const struct subscribers_request *rq = &cli->rq;
	struct api_client_config acfg;
	struct api_client *api;
	json_t *reply = NULL;
	struct lr_err err = {0};
	char line[512];
	long status = 0;
	int rc;

	api_client_config_init(&acfg, &cli->api.api, rq->hostport);
	acfg.timeout_ms = (long)(cli->timeout_ns / 1000000);
	api = api_client_connect(&acfg, cli->api.api.token_file, NULL, NULL,
				 &err);
	if (!api) {
		fprintf(stderr, "linerate subscribers: %s\n",
			lr_err_text(&err));
		return EXIT_USAGE;
	}
	rc = repl_api_subscribers(api, rq->action, &rq->ip, rq->port, &status,
				  &reply, &err);
	if (rc) {
		fprintf(stderr, "linerate subscribers: %s\n",
			lr_err_text(&err));
		rc = EXIT_RUNTIME;
	} else if (status < 200 || status >= 300) {
		fprintf(stderr, "linerate subscribers: %s: %s\n", rq->verb,
			api_reply_error(reply, status, line, sizeof(line)));
		rc = status >= 400 && status < 500 ? EXIT_USAGE : EXIT_RUNTIME;
	} else {
		print_reply(cli, rq, reply);
		rc = EXIT_OK;
	}
	json_decref(reply);
	api_client_close(api);
	return rc;
}

int cmd_subscribers(int argc, char **argv)
{
	struct subscribers_cli cli = {.timeout_ns = 10 * NSEC_PER_SEC};

	return cmd_run_parsed(&cmd_subscribers_opts, argc, argv, &cli,
			      subscribers_args, subscribers_run);
}
