// SPDX-License-Identifier: MIT
/*
 * The replicator's HTTP JSON API, on the daemon's http.c (bearer token,
 * body cap, JSON errors):
 *
 *   GET    /v1/health                         no token needed
 *   GET    /v1/replicator                     counters, config, subscribers
 *   GET    /v1/replicator/subscribers         {"subscribers":[...],...}
 *   POST   /v1/replicator/subscribers         {"address":"IP","port":N}
 *   GET    /v1/replicator/subscribers/IP:PORT one ([v6]:PORT for IPv6)
 *   DELETE /v1/replicator/subscribers/IP:PORT its final figures
 *   DELETE /v1/replicator/subscribers         the same with the POST body
 *   GET    /metrics                           Prometheus text
 *
 * A refused request changes nothing and says which field was wrong.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replicator/api.h"
#include "api/http.h"
#include "lib/log.h"
#include "lib/units.h"

#define SUBS_PATH	  REPL_API_SUBSCRIBERS
#define REPL_API_MAX_BODY 4096

struct repl_api {
	struct replicator *r;
	struct http_server *http;
};

/* A bad body: -EINVAL, its field, the line as written (a key the
 * client sent is quoted whole: lr_err_set_verbatim()). */
static int body_error(struct lr_err *err, const char *field, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));

static int body_error(struct lr_err *err, const char *field, const char *fmt,
		      ...)
{
	va_list ap;

	va_start(ap, fmt);
	lr_err_vset_verbatim(err, -EINVAL, field, fmt, ap);
	va_end(ap);
	return 400;
}

/* {"address": "IP", "port": N}, nothing else. 0 or 400 with err. */
static int parse_body(const struct http_request *req, struct ip_addr *addr,
		      uint16_t *port, struct lr_err *err)
{
	json_error_t jerr;
	json_t *doc, *v;
	const char *key;
	int rc = 400;

	lr_err_clear(err);
	doc = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES,
			 &jerr);
	if (!doc)
		return body_error(err, "", "body: not JSON: %s", jerr.text);
	if (!json_is_object(doc)) {
		body_error(err, "", "body: a JSON object is required");
		goto out;
	}
	json_object_foreach(doc, key, v)
	{
		if (strcmp(key, "address") && strcmp(key, "port")) {
			char name[61];

			/* The field is the key, as far as the message
			 * quotes it. */
			snprintf(name, sizeof(name), "%s", key);
			body_error(err, name,
				   "%s: unknown field (fields: address, port)",
				   name);
			goto out;
		}
	}
	v = json_object_get(doc, "address");
	if (!v) {
		body_error(err, "address", "address: required");
		goto out;
	}
	if (!json_is_string(v) || ip_addr_parse(json_string_value(v), addr)) {
		body_error(err, "address",
			   "address: an IPv4 or IPv6 address string is "
			   "required");
		goto out;
	}
	/* ::ffff:a.b.c.d is a.b.c.d: one subscriber, one policy. */
	policy_normalize(addr);
	v = json_object_get(doc, "port");
	if (!v) {
		body_error(err, "port", "port: required");
		goto out;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 65535) {
		body_error(err, "port",
			   "port: an integer 1..65535 is required");
		goto out;
	}
	*port = (uint16_t)json_integer_value(v);
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

static void error_reply(struct http_response *resp, int status,
			const struct lr_err *err)
{
	http_error_from(resp, status, err);
	if (err->code == -ENOSPC)
		json_object_set_new(resp->json, "limit",
				    json_string("max-subscribers"));
}

static void add_subscriber(void *arg, const struct http_request *req,
			   struct http_response *resp)
{
	struct repl_api *a = arg;
	struct sub_counters zero = {0};
	struct subscriber sub;
	struct ip_addr addr;
	struct lr_err err;
	uint16_t port;
	int status;

	status = parse_body(req, &addr, &port, &err);
	if (!status)
		status = replicator_add(a->r, &addr, port, &sub, &err);
	else
		__atomic_fetch_add(&a->r->api_refused, 1, __ATOMIC_RELAXED);
	if (status) {
		error_reply(resp, status, &err);
		return;
	}
	resp->status = 201;
	resp->json = replicator_sub_json(a->r, &sub, &zero, true, 0);
}

static void handle_remove(struct repl_api *a, const struct ip_addr *addr,
			  uint16_t port, struct http_response *resp)
{
	struct removed_sub gone;
	struct lr_err err;
	int status;

	status = replicator_remove(a->r, addr, port, &gone, &err);
	if (status) {
		http_error_from(resp, status, &err);
		return;
	}
	resp->json = replicator_sub_json(a->r, &gone.sub, &gone.c, false,
					 gone.sub.removed_real_ns);
}

struct one_arg {
	struct replicator *r;
	struct ip_addr addr;
	uint16_t port;
	json_t *out;
};

static void find_one(const struct sub_set *set, void *arg)
{
	struct one_arg *oa = arg;
	int idx = sub_set_find(set, &oa->addr, oa->port);
	struct sub_counters c;

	if (idx < 0)
		return;
	replicator_sub_counters(oa->r, &set->subs[idx], &c);
	oa->out = replicator_sub_json(oa->r, &set->subs[idx], &c, true, 0);
}

static char *metrics_text(struct repl_api *a)
{
	struct http_counters hc;
	char extra[2048];

	http_server_counters(a->http, &hc);
	snprintf(extra, sizeof(extra),
		 "# HELP linerate_api_requests_total API requests answered, by "
		 "status class.\n"
		 "# TYPE linerate_api_requests_total counter\n"
		 "linerate_api_requests_total{class=\"2xx\"} %llu\n"
		 "linerate_api_requests_total{class=\"4xx\"} %llu\n"
		 "linerate_api_requests_total{class=\"5xx\"} %llu\n"
		 "# HELP linerate_api_unauthorized_total Requests without the "
		 "right token.\n"
		 "# TYPE linerate_api_unauthorized_total counter\n"
		 "linerate_api_unauthorized_total %llu\n"
		 "# HELP linerate_api_connections_closed_total API connections "
		 "closed: request head or body too slow, or the table full.\n"
		 "# TYPE linerate_api_connections_closed_total counter\n"
		 "linerate_api_connections_closed_total{reason=\"head_timeout\"} %llu\n"
		 "linerate_api_connections_closed_total{reason=\"body_timeout\"} %llu\n"
		 "linerate_api_connections_closed_total{reason=\"evicted\"} %llu\n",
		 (unsigned long long)hc.status_2xx,
		 (unsigned long long)hc.status_4xx,
		 (unsigned long long)hc.status_5xx,
		 (unsigned long long)hc.unauthorized,
		 (unsigned long long)hc.head_timeouts,
		 (unsigned long long)hc.body_timeouts,
		 (unsigned long long)hc.evicted);
	return replicator_metrics(a->r, extra);
}

static void get_health(void *arg, const struct http_request *req,
		       struct http_response *resp)
{
	(void)arg;
	(void)req;
	resp->json = json_pack("{ss ss}", "status", "ok", "version",
			       LINERATE_VERSION);
}

static void get_replicator(void *arg, const struct http_request *req,
			   struct http_response *resp)
{
	struct repl_api *a = arg;

	(void)req;
	resp->json = replicator_json(a->r, false);
}

static void get_metrics(void *arg, const struct http_request *req,
			struct http_response *resp)
{
	(void)req;
	http_metrics_reply(resp, metrics_text(arg));
}

static void list_subscribers(void *arg, const struct http_request *req,
			     struct http_response *resp)
{
	struct repl_api *a = arg;

	(void)req;
	resp->json = replicator_subscribers_json(a->r);
}

/* DELETE on the collection: the subscriber named in the body. */
static void remove_subscriber_in_body(void *arg, const struct http_request *req,
				      struct http_response *resp)
{
	struct ip_addr addr;
	struct lr_err err;
	uint16_t port;

	if (parse_body(req, &addr, &port, &err))
		error_reply(resp, 400, &err);
	else
		handle_remove(arg, &addr, port, resp);
}

/* ".../subscribers/IP:PORT" ([v6]:PORT), normalized. 0 or -EINVAL. */
static int endpoint_param(const char *param, struct ip_addr *addr,
			  uint16_t *port)
{
	if (parse_endpoint(param, false, addr, port, NULL))
		return -EINVAL;
	policy_normalize(addr);
	return 0;
}

static void endpoint_refuse(const char *param, struct http_response *resp)
{
	http_error(resp, 400, "address",
		   "address: '%.64s' is not IP:PORT or [IPv6]:PORT", param);
}

/* A path that names no endpoint is refused whatever the method. */
static enum http_param_verdict endpoint_check(const char *param,
					      struct http_response *resp)
{
	struct ip_addr addr;
	uint16_t port;

	if (!endpoint_param(param, &addr, &port))
		return HTTP_PARAM_OURS;
	endpoint_refuse(param, resp);
	return HTTP_PARAM_ANSWERED;
}

static void get_subscriber(void *arg, const struct http_request *req,
			   struct http_response *resp)
{
	struct repl_api *a = arg;
	struct one_arg oa = {.r = a->r};

	if (endpoint_param(req->param, &oa.addr, &oa.port)) {
		endpoint_refuse(req->param, resp);
		return;
	}
	subs_with_current(&a->r->subs, find_one, &oa);
	if (!oa.out) {
		http_error(resp, 404, "address",
			   "no subscriber with that address and port");
		return;
	}
	resp->json = oa.out;
}

static void remove_subscriber(void *arg, const struct http_request *req,
			      struct http_response *resp)
{
	struct ip_addr addr;
	uint16_t port;

	if (endpoint_param(req->param, &addr, &port)) {
		endpoint_refuse(req->param, resp);
		return;
	}
	handle_remove(arg, &addr, port, resp);
}

static const struct http_route repl_routes[] = {
	{"GET", "/v1/health", get_health, NULL, true},
	{"GET", "/v1/replicator", get_replicator, NULL, false},
	{"GET", "/metrics", get_metrics, NULL, false},
	{"GET", SUBS_PATH, list_subscribers, NULL, false},
	{"POST", SUBS_PATH, add_subscriber, NULL, false},
	{"DELETE", SUBS_PATH, remove_subscriber_in_body, NULL, false},
	{"GET", SUBS_PATH "/*", get_subscriber, endpoint_check, false},
	{"DELETE", SUBS_PATH "/*", remove_subscriber, endpoint_check, false},
	{NULL, NULL, NULL, NULL, false},
};

struct repl_api *repl_api_start(struct replicator *r,
				const struct repl_api_config *cfg)
{
	struct repl_api *a = calloc(1, sizeof(*a));
	struct http_config hc = {
		.addr = cfg->addr,
		.port = cfg->port,
		.token = cfg->token,
		.max_connections = 64,
		.max_connections_per_ip = 32,
		.timeout_s = 10,
		.max_body = REPL_API_MAX_BODY,
		.routes = repl_routes,
	};

	if (!a) {
		errno = ENOMEM;
		return NULL;
	}
	a->r = r;
	hc.arg = a;
	a->http = http_server_start(&hc);
	if (!a->http) {
		int err = errno;

		free(a);
		errno = err;
		return NULL;
	}
	return a;
}

void repl_api_stop(struct repl_api *a)
{
	if (!a)
		return;
	http_server_stop(a->http);
	free(a);
}
