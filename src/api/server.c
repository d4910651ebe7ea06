// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "api/daemon.h"
#include "api/http.h"
#include "lib/log.h"
#include "lib/prom.h"
#include "lib/prom_labels.h"
#include "lib/strbuf.h"

#define SESSIONS_PREFIX "/v1/sessions"

struct daemon {
	const struct daemon_config *cfg;
	struct registry *reg;
	struct http_server *http;
	uint64_t start_real_ns;
};

void daemon_config_init(struct daemon_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->api_addr = "127.0.0.1";
	cfg->api_port = DAEMON_DEFAULT_PORT;
	cfg->max_sessions = 8;
	cfg->max_rate.kind = RATE_BPS_L1;
	cfg->max_rate.value = 1e9;
	cfg->max_duration_ns = 300 * NSEC_PER_SEC;
	cfg->idle_timeout_ns = 30 * NSEC_PER_SEC;
	cfg->retain_ns = 600 * NSEC_PER_SEC;
	cfg->data_port_min = 9271;
	cfg->data_port_max = 9399;
	cfg->max_connections = 256;
	/* One address cannot hold every connection (slow requests). */
	cfg->max_connections_per_ip = 64;
	cfg->timeout_s = 10;
}

static json_t *json_u64(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static const char *ip_text(const struct ip_addr *ip, char *buf, size_t len)
{
	if (!inet_ntop(ip->family, ip->family == AF_INET ? (const void *)&ip->v4 :
							  (const void *)&ip->v6,
		       buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* ---- views of a session */

static json_t *spec_view(const struct api_session *s)
{
	const struct test_spec *sp = &s->spec;
	json_t *o = json_object();
	char buf[64];

	json_object_set_new(o, "size", json_integer(sp->frame_size));
	json_object_set_new(o, "backend", json_string(sp->backend.name));
	if (sp->duration_ns)
		json_object_set_new(o, "duration_s",
				    json_real((double)sp->duration_ns / 1e9));
	if (s->role != API_ROLE_SINK)
		json_object_set_new(o, "rate",
				    json_string(rate_format(&sp->rate, buf,
							    sizeof(buf))));
	if (s->role == API_ROLE_SOURCE)
		json_object_set_new(o, "flows", json_integer(sp->flows));
	if (api_role_sends(s->role)) {
		if (sp->count)
			json_object_set_new(o, "count", json_u64(sp->count));
	}
	if (sp->clock_sync == CLOCK_SYNC_MEASURED) {
		json_object_set_new(o, "clock_offset_ns",
				    json_integer(sp->clock_offset_ns));
		json_object_set_new(o, "clock_error_ns",
				    json_u64(sp->clock_error_ns));
	}
	return o;
}

static json_t *session_view(const struct api_session *s, bool with_live)
{
	json_t *o = json_object(), *data = json_object();
	uint64_t now = mono_ns();
	char buf[INET6_ADDRSTRLEN];

	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "role", json_string(api_role_name(s->role)));
	json_object_set_new(o, "state", json_string(api_state_name(s->state)));
	json_object_set_new(o, "client",
			    json_string(http_addr_text(&s->client, buf,
						       sizeof(buf), NULL)));
	if (api_role_sends(s->role)) {
		json_object_set_new(data, "address",
				    json_string(ip_text(&s->spec.dst, buf,
							sizeof(buf))));
		json_object_set_new(data, "port", json_integer(s->spec.dst_port));
		json_object_set_new(data, "direction", json_string("to-client"));
	} else {
		json_object_set_new(data, "address",
				    json_string(ip_text(&s->spec.listen, buf,
							sizeof(buf))));
		json_object_set_new(data, "port", json_integer(s->data_port));
		json_object_set_new(data, "direction", json_string("to-server"));
	}
	json_object_set_new(o, "data", data);
	json_object_set_new(o, "spec", spec_view(s));
	json_object_set_new(o, "backend", json_string(s->backend));
	if (s->backend_mode[0])
		json_object_set_new(o, "backend_mode", json_string(s->backend_mode));
	json_object_set_new(o, "created_unix_ns", json_u64(s->created_real_ns));
	json_object_set_new(o, "age_s",
			    json_real((double)(now - s->created_mono_ns) / 1e9));
	if (s->end_reason && s->state >= API_STATE_DONE)
		json_object_set_new(o, "end_reason", json_string(s->end_reason));
	if (lr_err_is_set(&s->err))
		json_object_set_new(o, "error",
				    json_string(lr_err_text(&s->err)));
	if (with_live && s->live)
		json_object_set_new(o, "live", json_deep_copy(s->live));
	return o;
}

/* ---- routes */

struct view_arg {
	json_t *out;
	bool with_live;
	bool report;
	int status;
};

static void view_one(struct api_session *s, void *arg)
{
	struct view_arg *va = arg;

	if (!va->report) {
		va->out = session_view(s, va->with_live);
		return;
	}
	if (s->state == API_STATE_DONE || s->state == API_STATE_FAILED) {
		va->out = s->final ? json_deep_copy(s->final) : NULL;
		va->status = s->final ? 200 : 500;
		if (!s->final) {
			va->out = json_object();
			json_object_set_new(
				va->out, "error",
				json_string(lr_err_is_set(&s->err) ?
						    lr_err_text(&s->err) :
						    "no report"));
		}
		return;
	}
	va->status = 409;
	va->out = json_object();
	json_object_set_new(va->out, "error",
			    json_string("the session is still running; its report "
					"is ready when it ends"));
	json_object_set_new(va->out, "state",
			    json_string(api_state_name(s->state)));
}

static void list_one(struct api_session *s, void *arg)
{
	json_array_append_new(arg, session_view(s, false));
}

static json_t *capabilities(const struct daemon *d)
{
	const struct daemon_config *cfg = d->cfg;
	json_t *o = json_object(), *lim = json_object(), *ifs = json_array();
	json_t *backends = json_array();
	struct ifaddrs *ifa = NULL, *i;
	char buf[64];

	json_array_append_new(backends, json_string("udp"));
	if (geteuid() == 0) {
		/* The raw ones need root; each takes the interface alone. */
		json_array_append_new(backends, json_string("afpacket"));
		json_array_append_new(backends, json_string("afxdp"));
		json_array_append_new(backends, json_string("xdp"));
		json_array_append_new(backends, json_string("auto"));
	}
	json_object_set_new(o, "api_version", json_integer(1));
	json_object_set_new(o, "version", json_string(LINERATE_VERSION));
	json_object_set_new(o, "roles", json_pack("[sssss]", "sink", "reflect", "source", "ping",
						    "stamp-reflect"));
	json_object_set_new(o, "backends", backends);
	json_object_set_new(lim, "max_sessions", json_integer(cfg->max_sessions));
	json_object_set_new(lim, "max_sessions_per_client",
			    json_integer(daemon_per_client_limit(cfg)));
	json_object_set_new(lim, "max_rate",
			    cfg->max_rate.kind == RATE_MAX ?
				    json_null() :
				    json_string(rate_format(&cfg->max_rate, buf,
							    sizeof(buf))));
	json_object_set_new(lim, "max_duration_s",
			    json_real((double)cfg->max_duration_ns / 1e9));
	json_object_set_new(lim, "idle_timeout_s",
			    json_real((double)cfg->idle_timeout_ns / 1e9));
	json_object_set_new(lim, "max_body_bytes", json_integer(API_MAX_BODY));
	json_object_set_new(lim, "data_ports",
			    json_pack("[ii]", cfg->data_port_min, cfg->data_port_max));
	json_object_set_new(o, "limits", lim);
	if (!getifaddrs(&ifa)) {
		for (i = ifa; i; i = i->ifa_next) {
			struct sockaddr_storage ss = { 0 };
			char ip[INET6_ADDRSTRLEN];

			if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET &&
					     i->ifa_addr->sa_family != AF_INET6))
				continue;
			memcpy(&ss, i->ifa_addr,
			       i->ifa_addr->sa_family == AF_INET ?
				       sizeof(struct sockaddr_in) :
				       sizeof(struct sockaddr_in6));
			json_array_append_new(ifs,
					      json_pack("{ss ss}", "name", i->ifa_name,
							"address",
							http_addr_text(&ss, ip, sizeof(ip),
								       NULL)));
		}
		freeifaddrs(ifa);
	}
	json_object_set_new(o, "interfaces", ifs);
	return o;
}

/* ---- /metrics */

static const struct metric {
	const char *name;
	const char *help;
	size_t offset;
	bool gauge; /* can go down: no _total */
} session_metrics[] = {
	{ "tx_packets", "Test packets sent", offsetof(struct api_counters, tx_packets), false },
	{ "tx_bytes", "Frame bytes sent (L2 incl. FCS)", offsetof(struct api_counters, tx_bytes), false },
	{ "rx_packets", "Test packets received (duplicates included)", offsetof(struct api_counters, rx_packets), false },
	{ "rx_bytes", "Frame bytes received (L2 incl. FCS)", offsetof(struct api_counters, rx_bytes), false },
	{ "rx_expected", "Test packets expected (per flow, highest sequence number + 1)", offsetof(struct api_counters, rx_expected), false },
	{ "rx_lost", "Test packets lost so far (expected minus received: a late arrival lowers it)", offsetof(struct api_counters, rx_lost), true },
	{ "rx_reordered", "Test packets out of order", offsetof(struct api_counters, rx_reordered), false },
	{ "rx_duplicates", "Test packets received twice", offsetof(struct api_counters, rx_duplicates), false },
	{ "reflected", "Test packets reflected", offsetof(struct api_counters, reflected), false },
	{ "tx_bursts", "Sends of more than one frame at once (pacing catch-up)",
	  offsetof(struct api_counters, tx_bursts), false },
};

static const enum api_session_state all_states[] = {
	API_STATE_STARTING, API_STATE_RUNNING, API_STATE_DONE, API_STATE_FAILED,
};

/* The sender's pacing of each finished session, where measured. */
struct pacing_arg {
	struct strbuf *mb;
	const char *name;
	bool late; /* late_max_ns, else gap_p99_ns */
};

static void pacing_one(struct api_session *s, void *arg)
{
	struct pacing_arg *pa = arg;
	int64_t v = pa->late ? s->pacing.late_max_ns : s->pacing.gap_p99_ns;

	if (v >= 0)
		strbuf_printf(
			pa->mb,
			"linerate_session_%s{id=\"%s\",role=\"%s\"} %.9f\n",
			pa->name, s->id, api_role_name(s->role),
			(double)v / 1e9);
}

struct metrics_arg {
	struct strbuf *mb;
	const struct metric *m;
};

/* Every per-session series has these labels and no others, so a series
 * lives as long as its session. */
#define SESSION_LABELS "id=\"%s\",role=\"%s\""

static void metrics_one(struct api_session *s, void *arg)
{
	struct metrics_arg *ma = arg;
	uint64_t v = *(const uint64_t *)((const char *)&s->counters + ma->m->offset);

	strbuf_printf(ma->mb,
		      "linerate_session_%s%s{" SESSION_LABELS "} %llu\n",
		      ma->m->name, ma->m->gauge ? "" : "_total", s->id,
		      api_role_name(s->role), (unsigned long long)v);
}

/* A state set: one series per state, 1 for the current one. */
static void metrics_state(struct api_session *s, void *arg)
{
	struct strbuf *mb = arg;

	for (size_t i = 0; i < sizeof(all_states) / sizeof(all_states[0]); i++)
		strbuf_printf(mb,
			      "linerate_session_state{" SESSION_LABELS
			      ",state=\"%s\"} %d\n",
			      s->id, api_role_name(s->role),
			      api_state_name(all_states[i]),
			      s->state == all_states[i]);
}

static void metrics_latency(struct api_session *s, void *arg)
{
	struct strbuf *mb = arg;
	const struct api_latency *l = &s->latency;
	const char *role = api_role_name(s->role);
	const char *type = l->round_trip ? "round_trip" : "one_way";

	if (!l->measured)
		return;
	for (size_t i = 0; i < API_LATENCY_BUCKETS; i++)
		strbuf_printf(mb,
			      "linerate_session_latency_seconds_"
			      "bucket{" SESSION_LABELS
			      ",type=\"%s\",le=\"%g\"} %llu\n",
			      s->id, role, type,
			      (double)api_latency_le_ns[i] / 1e9,
			      (unsigned long long)l->le[i]);
	strbuf_printf(mb,
		      "linerate_session_latency_seconds_bucket{" SESSION_LABELS
		      ",type=\"%s\",le=\"+Inf\"} %llu\n"
		      "linerate_session_latency_seconds_sum{" SESSION_LABELS
		      ",type=\"%s\"} %.9f\n"
		      "linerate_session_latency_seconds_count{" SESSION_LABELS
		      ",type=\"%s\"} %llu\n",
		      s->id, role, type, (unsigned long long)l->count, s->id,
		      role, type, (double)l->sum_ns / 1e9, s->id, role, type,
		      (unsigned long long)l->count);
}

static void metrics_jitter(struct api_session *s, void *arg)
{
	struct strbuf *mb = arg;

	if (s->latency.jitter_measured)
		strbuf_printf(mb,
			      "linerate_session_jitter_rfc3550_"
			      "seconds{" SESSION_LABELS "} %.9f\n",
			      s->id, api_role_name(s->role),
			      (double)s->latency.jitter_ns / 1e9);
}

/* The API server's own counters: requests by status class, log lines the
 * rate limit kept out, requests without the right token, connections the
 * server closed by reason. */
static void metrics_http(struct strbuf *mb, const struct http_counters *hc)
{
	const struct prom_labelled by_class[] = {
		{"2xx", hc->status_2xx},
		{"4xx", hc->status_4xx},
		{"5xx", hc->status_5xx},
	};
	const struct prom_labelled closed_by_reason[] = {
		{"head_timeout", hc->head_timeouts},
		{"body_timeout", hc->body_timeouts},
		{"evicted", hc->evicted},
	};

	PROM_FAMILY_BY(mb, "linerate_api_requests_total", "counter",
		       "API requests answered, by status class.", "class",
		       by_class);
	prom_metric(
		mb, "linerate_log_suppressed_total", "counter",
		"Client-caused log lines the rate limit kept out of the log.",
		log_client_suppressed());
	prom_metric(mb, "linerate_api_unauthorized_total", "counter",
		    "Requests without the right token.",
		    (unsigned long long)hc->unauthorized);
	PROM_FAMILY_BY(mb, "linerate_api_connections_closed_total", "counter",
		       "API connections the server closed: request head or "
		       "body too slow, or the table full.",
		       "reason", closed_by_reason);
}

/* Totals over every session; the per-session series only of those the
 * asking client may see (its own; the admin's: all). */
static char *metrics_text(struct daemon *d, const struct api_client *who)
{
	struct strbuf mb;
	struct registry_totals t;
	struct http_counters hc;

	if (strbuf_init_heap(&mb, 4096))
		return NULL;
	registry_totals(d->reg, &t);
	http_server_counters(d->http, &hc);
	prom_metric(&mb, "linerate_up", "gauge", "The daemon is serving.", 1);
	prom_family(&mb, "linerate_start_time_seconds", "gauge",
		    "When the daemon started.");
	strbuf_printf(&mb, "linerate_start_time_seconds %.3f\n",
		      (double)d->start_real_ns / 1e9);
	prom_metric(&mb, "linerate_sessions_running", "gauge",
		    "Sessions running now.", (unsigned long long)t.running);
	prom_metric(&mb, "linerate_sessions_created_total", "counter",
		    "Sessions started.", (unsigned long long)t.created);
	prom_metric(&mb, "linerate_sessions_refused_total", "counter",
		    "Session requests a limit refused.",
		    (unsigned long long)t.refused);
	metrics_http(&mb, &hc);
	prom_family(&mb, "linerate_session_state", "gauge",
		    "The state of a session (1 for the current one).");
	registry_foreach_as(d->reg, who, metrics_state, &mb);
	for (size_t i = 0; i < sizeof(session_metrics) / sizeof(session_metrics[0]); i++) {
		const struct metric *m = &session_metrics[i];
		const char *suffix = m->gauge ? "" : "_total";
		const char *type = m->gauge ? "gauge" : "counter";
		struct metrics_arg ma = { &mb, m };

		strbuf_printf(&mb,
			      "# HELP linerate_%s%s %s, all sessions.\n"
			      "# TYPE linerate_%s%s %s\nlinerate_%s%s %llu\n",
			      m->name, suffix, m->help, m->name, suffix, type,
			      m->name, suffix,
			      (unsigned long long)*(
				      const uint64_t *)((const char *)&t
								.all_counters +
							m->offset));
		strbuf_printf(&mb,
			      "# HELP linerate_session_%s%s %s, per session.\n"
			      "# TYPE linerate_session_%s%s %s\n",
			      m->name, suffix, m->help, m->name, suffix, type);
		registry_foreach_as(d->reg, who, metrics_one, &ma);
	}
	for (int late = 0; late < 2; late++) {
		struct pacing_arg pa = {
			&mb, late ? "tx_late_max_seconds" : "tx_gap_p99_seconds", late
		};

		strbuf_printf(
			&mb,
			"# HELP linerate_session_%s %s, per finished session.\n"
			"# TYPE linerate_session_%s gauge\n",
			pa.name,
			late ? "The sender's largest lateness against its "
			       "schedule" :
			       "The sender's departure gap p99",
			pa.name);
		registry_foreach_as(d->reg, who, pacing_one, &pa);
	}
	prom_family(&mb, "linerate_session_latency_seconds", "histogram",
		    "Latency of the test packets a session received: one-way "
		    "(clocks synced) or round trip.");
	registry_foreach_as(d->reg, who, metrics_latency, &mb);
	prom_family(
		&mb, "linerate_session_jitter_rfc3550_seconds", "gauge",
		"Interarrival jitter (RFC 3550) of the test packets a session "
		"received; absent until measured.");
	registry_foreach_as(d->reg, who, metrics_jitter, &mb);
	return strbuf_detach(&mb);
}

/* ---- the route table */

/* Who asks: without an address there is no owner to match, and such a
 * client sees nothing. */
static void request_client(const struct http_request *req,
			   struct api_client *who)
{
	if (api_client_from(&req->peer, req->admin, who))
		memset(who, 0, sizeof(*who));
}

/* A session's id: 16 lowercase hex digits. */
static bool session_id_valid(const char *p)
{
	for (int i = 0; i < 16; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

/* "/v1/sessions/ID" */
static enum http_param_verdict session_id_check(const char *param,
						struct http_response *resp)
{
	(void)resp;
	return session_id_valid(param) && !param[16] ? HTTP_PARAM_OURS :
						       HTTP_PARAM_NOT_OURS;
}

/* "/v1/sessions/ID" or "/v1/sessions/ID/report" */
static enum http_param_verdict session_view_check(const char *param,
						  struct http_response *resp)
{
	(void)resp;
	if (!session_id_valid(param))
		return HTTP_PARAM_NOT_OURS;
	return !param[16] || !strcmp(param + 16, "/report") ?
		       HTTP_PARAM_OURS :
		       HTTP_PARAM_NOT_OURS;
}

static void get_health(void *arg, const struct http_request *req,
		       struct http_response *resp)
{
	struct daemon *d = arg;
	struct registry_totals t;

	(void)req;
	registry_totals(d->reg, &t);
	resp->json = json_pack("{ss ss sI}", "status", "ok", "version",
			       LINERATE_VERSION, "sessions_running",
			       (json_int_t)t.running);
}

static void get_time(void *arg, const struct http_request *req,
		     struct http_response *resp)
{
	(void)arg;
	(void)req;
	resp->json = json_pack("{sI}", "realtime_ns",
			       (json_int_t)clock_ns(CLOCK_REALTIME));
}

static void get_capabilities(void *arg, const struct http_request *req,
			     struct http_response *resp)
{
	(void)req;
	resp->json = capabilities(arg);
}

static void get_metrics(void *arg, const struct http_request *req,
			struct http_response *resp)
{
	struct api_client who;

	request_client(req, &who);
	http_metrics_reply(resp, metrics_text(arg, &who));
}

static void list_sessions(void *arg, const struct http_request *req,
			  struct http_response *resp)
{
	struct daemon *d = arg;
	json_t *list = json_array();
	struct api_client who;

	request_client(req, &who);
	registry_foreach_as(d->reg, &who, list_one, list);
	resp->json = json_pack("{so}", "sessions", list);
}

static void create_session(void *arg, const struct http_request *req,
			   struct http_response *resp)
{
	struct daemon *d = arg;
	struct api_session_req sreq;
	struct api_refusal why;
	char id[17];
	struct view_arg va = { 0 };
	struct api_client who;

	if (api_client_from(&req->peer, req->admin, &who)) {
		http_error(resp, 500, NULL, "cannot tell the client's address");
		return;
	}
	if (api_session_req_parse(req->body, req->body_len, &sreq, &why.err)) {
		http_error_from(resp, 400, &why.err);
		return;
	}
	if (registry_create_session(d->reg, &sreq, &who, &req->peer,
				    &req->local, &why, id)) {
		http_error_from(resp, why.status, &why.err);
		if (why.limit)
			json_object_set_new(resp->json, "limit",
					    json_string(why.limit));
		return;
	}
	registry_with(d->reg, id, view_one, &va);
	resp->status = 201;
	resp->json = va.out;
}

/* A session's view, or its report; with stopped, after stopping it. */
static void answer_session(struct daemon *d, const struct http_request *req,
			   bool stopped, struct http_response *resp)
{
	struct view_arg va = {.with_live = true,
			      .report = !stopped && req->param[16],
			      .status = 200};
	struct api_client who;
	char id[17];

	request_client(req, &who);
	memcpy(id, req->param, 16);
	id[16] = '\0';
	if (stopped) {
		if (registry_stop_as(d->reg, &who, id, "deleted"))
			goto not_found;
		registry_wait_done(d->reg, id, 3 * NSEC_PER_SEC);
	}
	if (registry_with_as(d->reg, &who, id, view_one, &va))
		goto not_found;
	resp->status = va.status;
	resp->json = va.out;
	return;
not_found:
	http_error(resp, 404, NULL, "no session with that id");
}

static void get_session(void *arg, const struct http_request *req,
			struct http_response *resp)
{
	answer_session(arg, req, false, resp);
}

static void delete_session(void *arg, const struct http_request *req,
			   struct http_response *resp)
{
	answer_session(arg, req, true, resp);
}

static const struct http_route daemon_routes[] = {
	{"GET", "/v1/health", get_health, NULL, true},
	{"GET", "/v1/time", get_time, NULL, false},
	{"GET", "/v1/capabilities", get_capabilities, NULL, false},
	{"GET", "/metrics", get_metrics, NULL, false},
	{"GET", SESSIONS_PREFIX, list_sessions, NULL, false},
	{"POST", SESSIONS_PREFIX, create_session, NULL, false},
	{"GET", SESSIONS_PREFIX "/*", get_session, session_view_check, false},
	{"DELETE", SESSIONS_PREFIX "/*", delete_session, session_id_check,
	 false},
	{NULL, NULL, NULL, NULL, false},
};

/*
 * SIGHUP: read the certificate and key again and serve with them. The
 * API stops for the moment it takes to start again on the same port;
 * sessions run on. When the new pair cannot be read or served, the old
 * one is served again. 0, or -errno when not even that works.
 */
static int daemon_reload_tls(struct daemon *d, struct http_config *hc,
			     char **cert, char **key)
{
	const struct daemon_config *cfg = d->cfg;
	char *new_cert, *new_key;

	if (!cfg->tls_cert_file)
		return 0;
	new_cert = http_read_small_file("--tls-cert", cfg->tls_cert_file, 1 << 20);
	new_key = new_cert ? http_read_secret_file("--tls-key", cfg->tls_key_file,
						   1 << 20,
						   cfg->allow_insecure_perms) :
			     NULL;
	if (new_key && !http_tls_pair_usable(new_cert, new_key)) {
		pr_warn("SIGHUP: %s and %s are not a usable certificate and key\n",
			cfg->tls_cert_file, cfg->tls_key_file);
		free(new_key);
		new_key = NULL;
	}
	if (!new_key) {
		pr_warn("SIGHUP: keeping the certificate in use\n");
		free(new_cert);
		return 0;
	}
	http_server_stop(d->http);
	hc->tls_cert_pem = new_cert;
	hc->tls_key_pem = new_key;
	d->http = http_server_start(hc);
	if (d->http) {
		free(*cert);
		free(*key);
		*cert = new_cert;
		*key = new_key;
		pr_warn("SIGHUP: certificate and key reloaded from %s, %s\n",
			cfg->tls_cert_file, cfg->tls_key_file);
		return 0;
	}
	pr_warn("SIGHUP: cannot serve with the new certificate; keeping the "
		"old one\n");
	free(new_cert);
	free(new_key);
	hc->tls_cert_pem = *cert;
	hc->tls_key_pem = *key;
	d->http = http_server_start(hc);
	return d->http ? 0 : -errno;
}

int daemon_run(const struct daemon_config *cfg, atomic_bool *stop)
{
	struct daemon d = { .cfg = cfg, .start_real_ns = clock_ns(CLOCK_REALTIME) };
	struct http_config hc = {
		.addr = cfg->api_addr,
		.port = cfg->api_port,
		.token = cfg->token,
		.admin_token = cfg->admin_token,
		.tls_cert_pem = cfg->tls_cert_pem,
		.tls_key_pem = cfg->tls_key_pem,
		.max_connections = cfg->max_connections,
		.max_connections_per_ip = cfg->max_connections_per_ip,
		.timeout_s = cfg->timeout_s,
		.max_body = API_MAX_BODY,
		.routes = daemon_routes,
		.arg = &d,
		.client_logs = true,
	};
	char *cert = NULL, *key = NULL; /* the reloaded pair in use */
	int err = 0;

	d.reg = registry_create(cfg);
	if (!d.reg)
		return -errno;
	d.http = http_server_start(&hc);
	if (!d.http) {
		err = -errno;
		goto out;
	}
	pr_warn("linerate server: API on %s%s%s:%u (%s, %s)\n",
		strchr(cfg->api_addr, ':') ? "[" : "", cfg->api_addr,
		strchr(cfg->api_addr, ':') ? "]" : "", cfg->api_port,
		cfg->tls_cert_pem ? "https" : "http",
		cfg->token ? "token required" : "no token");
	while (!atomic_load(stop)) {
		clock_wait_until(mono_ns() + 100 * NSEC_PER_MSEC);
		if (cfg->reload && atomic_exchange(cfg->reload, false)) {
			/* logrotate moved the file: write to a new one. */
			err = log_reopen();
			if (err)
				pr_warn("SIGHUP: cannot reopen the log file: %s\n",
					strerror(-err));
			err = daemon_reload_tls(&d, &hc, &cert, &key);
			if (err) {
				pr_warn("SIGHUP: the API could not start again: %s\n",
					strerror(-err));
				goto out;
			}
		}
	}
	http_server_stop(d.http);
out:
	registry_destroy(d.reg);
	free(cert);
	free(key);
	return err;
}
