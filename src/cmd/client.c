// SPDX-License-Identifier: MIT
/*
 * linerate client HOST: the iperf-like front end of the daemon. It creates
 * the far end as a session on the server, runs the near end here with the
 * same engine, collects the server's report and prints one result.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "api/http.h"
#include "clock.h"
#include "cmd.h"
#include "engine/session.h"
#include "log.h"
#include "units.h"

enum client_mode { MODE_FORWARD = 0, MODE_REVERSE, MODE_BIDIR, MODE_RTT };

static const char *const mode_names[] = { "forward", "reverse", "bidir", "rtt" };

struct client_opts {
	enum client_mode mode;
	const char *host;
	const char *token_file;
	bool tls, insecure;
	const char *ca_file;
	uint16_t port; /* our data port for the server's traffic */
	char server_backend[16];
	uint64_t max_clock_error_ns;
	struct test_spec spec; /* the traffic, as `send` (or `ping`) takes it */
};

/* One engine session on its own thread. */
struct local_run {
	struct test_spec spec;
	struct session_observer obs;
	atomic_bool stop;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool started, start_failed, done;
	int err;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: linerate client HOST[:PORT] [mode] [options]\n"
		"\n"
		"Test against a linerate server (its API, default port 9270):\n"
		"  (default)            forward: we send, the server receives\n"
		"  --reverse            the server sends, we receive\n"
		"  --bidir              both at once\n"
		"  --rtt                the server reflects, we measure the round trip\n"
		"\n"
		"  --token-file FILE    the server's bearer token\n"
		"  --tls                HTTPS; --cacert FILE to verify with, or\n"
		"  --insecure           without verifying the certificate\n"
		"  --port N             our UDP port for the server's traffic (9270)\n"
		"  --server-backend B   the server's data path (default udp)\n"
		"  --max-clock-error D  one-way figures need the clock offset known\n"
		"                       better than this (default 1ms)\n"
		"\n"
		"Traffic and output options are those of `linerate send` (--size,\n"
		"--rate, --duration, --count, --flows, --backend, --json,\n"
		"--json-stream, --csv, ...), or of `linerate ping` with --rtt.\n");
}

/* ---- the near end */

static void local_on_started(void *arg, const struct report_ctx *ctx)
{
	struct local_run *lr = arg;

	pthread_mutex_lock(&lr->lock);
	lr->started = true;
	lr->start_failed = !ctx;
	pthread_cond_broadcast(&lr->cond);
	pthread_mutex_unlock(&lr->lock);
}

static void *local_thread(void *arg)
{
	struct local_run *lr = arg;
	int err = session_run_observed(&lr->spec, &lr->stop, &lr->obs);

	pthread_mutex_lock(&lr->lock);
	lr->err = err;
	lr->done = true;
	lr->started = true;
	pthread_cond_broadcast(&lr->cond);
	pthread_mutex_unlock(&lr->lock);
	return NULL;
}

/* Start it and wait until it runs (a receiver listens); 0 or -errno. */
static int local_start(struct local_run *lr, FILE *out, bool final_silent)
{
	int err;

	atomic_store(&lr->stop, false);
	pthread_mutex_init(&lr->lock, NULL);
	pthread_cond_init(&lr->cond, NULL);
	lr->obs.out = out;
	lr->obs.want_final = true;
	lr->obs.final_silent = final_silent;
	lr->obs.on_started = local_on_started;
	lr->obs.arg = lr;
	err = pthread_create(&lr->thread, NULL, local_thread, lr);
	if (err)
		return -err;
	pthread_mutex_lock(&lr->lock);
	while (!lr->started)
		pthread_cond_wait(&lr->cond, &lr->lock);
	err = lr->start_failed || (lr->done && lr->err) ? -EIO : 0;
	pthread_mutex_unlock(&lr->lock);
	return err;
}

static bool local_done(struct local_run *lr)
{
	bool done;

	pthread_mutex_lock(&lr->lock);
	done = lr->done;
	pthread_mutex_unlock(&lr->lock);
	return done;
}

static int local_join(struct local_run *lr)
{
	pthread_join(lr->thread, NULL);
	pthread_cond_destroy(&lr->cond);
	pthread_mutex_destroy(&lr->lock);
	return lr->err;
}

/* ---- the far end */

struct remote {
	struct api_client *api;
	char id[17];
	char address[64];
	uint16_t port;
	json_t *report;
};

static int remote_create(struct remote *r, json_t *req, char *err,
			 size_t err_len)
{
	json_t *reply, *data;
	long status;
	int ret;

	ret = api_client_request(r->api, "POST", "/v1/sessions", req, &status,
				 &reply, err, err_len);
	json_decref(req);
	if (ret)
		return ret;
	if (status != 201) {
		api_reply_error(reply, status, err, err_len);
		json_decref(reply);
		return -EPERM;
	}
	data = json_object_get(reply, "data");
	if (!json_is_string(json_object_get(reply, "id")) ||
	    strlen(json_string_value(json_object_get(reply, "id"))) != 16 ||
	    !json_is_string(json_object_get(data, "address")) ||
	    !json_is_integer(json_object_get(data, "port"))) {
		snprintf(err, err_len, "the server's reply lacks id/data");
		json_decref(reply);
		return -EPROTO;
	}
	snprintf(r->id, sizeof(r->id), "%s",
		 json_string_value(json_object_get(reply, "id")));
	snprintf(r->address, sizeof(r->address), "%s",
		 json_string_value(json_object_get(data, "address")));
	r->port = (uint16_t)json_integer_value(json_object_get(data, "port"));
	json_decref(reply);
	return 0;
}

/* The session's state ("running", "done", ...) into buf; 0 or -errno. */
static int remote_state(struct remote *r, char *buf, size_t len, char *err,
			size_t err_len)
{
	char path[64];
	json_t *reply;
	long status;
	int ret;

	snprintf(path, sizeof(path), "/v1/sessions/%s", r->id);
	ret = api_client_request(r->api, "GET", path, NULL, &status, &reply,
				 err, err_len);
	if (ret)
		return ret;
	if (status != 200) {
		api_reply_error(reply, status, err, err_len);
		json_decref(reply);
		return -EPROTO;
	}
	snprintf(buf, len, "%s",
		 json_string_value(json_object_get(reply, "state")) ?: "?");
	json_decref(reply);
	return 0;
}

/* Stop it (if it still runs) and fetch its final report. */
static int remote_finish(struct remote *r, bool stop_first, char *err,
			 size_t err_len)
{
	char path[64];
	json_t *reply = NULL;
	long status;
	int ret;

	if (!r->id[0])
		return 0;
	snprintf(path, sizeof(path), "/v1/sessions/%s", r->id);
	if (stop_first) {
		ret = api_client_request(r->api, "DELETE", path, NULL, &status,
					 &reply, err, err_len);
		json_decref(reply);
		if (ret)
			return ret;
	}
	snprintf(path, sizeof(path), "/v1/sessions/%s/report", r->id);
	for (int i = 0; i < 100; i++) {
		ret = api_client_request(r->api, "GET", path, NULL, &status,
					 &reply, err, err_len);
		if (ret)
			return ret;
		if (status == 200) {
			r->report = reply;
			return 0;
		}
		if (status != 409) {
			api_reply_error(reply, status, err, err_len);
			json_decref(reply);
			return -EPROTO;
		}
		json_decref(reply);
		clock_wait_until(mono_ns() + 100 * NSEC_PER_MSEC);
	}
	snprintf(err, err_len, "the server's session did not end");
	return -ETIMEDOUT;
}

/* ---- requests */

/* A rate as the API takes it (rate_format() is for people). */
static json_t *rate_json(const struct rate *r)
{
	char buf[64];

	switch (r->kind) {
	case RATE_PPS:
		return json_real(r->value);
	case RATE_BPS_L1:
		snprintf(buf, sizeof(buf), "%.0fbps", r->value);
		break;
	case RATE_BPS_L2:
		snprintf(buf, sizeof(buf), "%.0fbps-l2", r->value);
		break;
	case RATE_PERCENT:
		snprintf(buf, sizeof(buf), "%g%%", r->value);
		break;
	default:
		snprintf(buf, sizeof(buf), "max");
	}
	return json_string(buf);
}

static json_t *traffic_json(const struct client_opts *o, const char *role)
{
	const struct test_spec *sp = &o->spec;
	json_t *req = json_object();
	char buf[64];

	json_object_set_new(req, "role", json_string(role));
	json_object_set_new(req, "backend", json_string(o->server_backend));
	json_object_set_new(req, "size", json_integer(sp->frame_size));
	if (!strcmp(role, "source")) {
		json_object_set_new(req, "rate", rate_json(&sp->rate));
		json_object_set_new(req, "flows", json_integer(sp->flows));
		json_object_set_new(req, "burst", json_integer(sp->burst));
		if (sp->line_rate_bps) {
			snprintf(buf, sizeof(buf), "%llubps",
				 (unsigned long long)sp->line_rate_bps);
			json_object_set_new(req, "line_rate", json_string(buf));
		}
	}
	if (!strcmp(role, "reflect") && sp->rate.kind != RATE_MAX)
		json_object_set_new(req, "rate", rate_json(&sp->rate));
	return req;
}

/* The server's longest session (its capabilities), 0: not known. */
static double server_max_duration_s;

/* The duration a far end should live: the test, plus slack to drain,
 * within the server's limit. */
static double lifetime_s(const struct test_spec *sp)
{
	double s = 60, pps = rate_to_pps(&sp->rate, sp->frame_size,
					 sp->line_rate_bps);

	if (sp->count && pps > 0)
		s = (double)sp->count / pps;
	if (sp->duration_ns && (!sp->count || (double)sp->duration_ns / 1e9 < s))
		s = (double)sp->duration_ns / 1e9;
	s += 5;
	if (server_max_duration_s > 0 && s > server_max_duration_s)
		s = server_max_duration_s;
	return s;
}

static void learn_limits(struct api_client *api)
{
	json_t *reply;
	long status;
	char err[256];

	if (api_client_request(api, "GET", "/v1/capabilities", NULL, &status,
			       &reply, err, sizeof(err)))
		return;
	if (status == 200)
		server_max_duration_s = json_number_value(json_object_get(
			json_object_get(reply, "limits"), "max_duration_s"));
	json_decref(reply);
}

/* ---- output */

static void print_remote_text(FILE *out, const char *title, json_t *rep,
			      const struct test_spec *sp)
{
	json_t *rx = json_object_get(rep, "rx"), *tx = json_object_get(rep, "tx");
	json_t *lat = json_object_get(rep, "latency_ns");
	char a[32], b[32], c[32];

	fprintf(out, "%s:\n", title);
	if (tx)
		fprintf(out, "  sent       %lld packets  %.0f pps\n",
			json_integer_value(json_object_get(tx, "packets")),
			json_number_value(json_object_get(tx, "pps")));
	if (rx)
		fprintf(out,
			"  received   %lld packets  %.0f pps  lost %lld (%.4f%%)  "
			"reordered %lld  duplicates %lld\n",
			json_integer_value(json_object_get(rx, "packets")),
			json_number_value(json_object_get(rx, "pps")),
			json_integer_value(json_object_get(rx, "lost")),
			100 * json_number_value(json_object_get(rx, "loss_ratio")),
			json_integer_value(json_object_get(rx, "reordered")),
			json_integer_value(json_object_get(rx, "duplicates")));
	if (json_object_get(rep, "reflected"))
		fprintf(out, "  reflected  %lld packets\n",
			json_integer_value(json_object_get(rep, "reflected")));
	if (lat && json_integer_value(json_object_get(lat, "count"))) {
		bool valid = json_is_true(json_object_get(lat, "valid"));

		fprintf(out, "  %s p50 %s  p99 %s  max %s",
			valid ? "one-way" : "transit*",
			report_format_ns((double)json_integer_value(json_object_get(lat, "p50")), a, sizeof(a)),
			report_format_ns((double)json_integer_value(json_object_get(lat, "p99")), b, sizeof(b)),
			report_format_ns((double)json_integer_value(json_object_get(lat, "max")), c, sizeof(c)));
		if (valid)
			fprintf(out, "  (clock offset known to +/- %s)\n",
				report_format_ns((double)json_integer_value(json_object_get(lat, "error_ns")), a, sizeof(a)));
		else
			fprintf(out, "\n  * not one-way: the clock offset is "
				     "not known well enough\n");
	}
	(void)sp;
}

/* What went one way: sent by one end, received by the other. */
static json_t *direction_json(json_t *sender, json_t *receiver)
{
	json_t *tx = json_object_get(sender, "tx"), *rx = json_object_get(receiver, "rx");
	long long sent = json_integer_value(json_object_get(tx, "packets"));
	long long got = json_integer_value(json_object_get(rx, "packets")) -
			json_integer_value(json_object_get(rx, "duplicates"));
	long long lost = sent > got ? sent - got : 0;

	return json_pack("{sI sI sI sf}", "sent", (json_int_t)sent, "received",
			 (json_int_t)got, "lost", (json_int_t)lost, "loss_ratio",
			 sent ? (double)lost / (double)sent : 0.0);
}

/* ---- the run */

static int parse_client_args(int argc, char **argv, struct client_opts *o)
{
	char **rest = calloc((size_t)argc + 4, sizeof(char *));
	int n = 0, rc = 0;
	enum role role;

	if (!rest)
		return EXIT_RUNTIME;
	memset(o, 0, sizeof(*o));
	o->port = 9270;
	o->max_clock_error_ns = NSEC_PER_MSEC;
	snprintf(o->server_backend, sizeof(o->server_backend), "udp");
	rest[n++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t u;

#define NEED_VALUE()                                                      \
	do {                                                              \
		if (!v) {                                                 \
			fprintf(stderr, "linerate client: %s: a value is " \
					"required\n", a);                  \
			rc = EXIT_USAGE;                                  \
			goto out;                                         \
		}                                                         \
		i++;                                                      \
	} while (0)
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			rc = CMD_HELP_SHOWN;
			goto out;
		} else if (!strcmp(a, "--reverse") || !strcmp(a, "-R")) {
			o->mode = MODE_REVERSE;
		} else if (!strcmp(a, "--bidir")) {
			o->mode = MODE_BIDIR;
		} else if (!strcmp(a, "--rtt")) {
			o->mode = MODE_RTT;
		} else if (!strcmp(a, "--tls")) {
			o->tls = true;
		} else if (!strcmp(a, "--insecure")) {
			o->insecure = o->tls = true;
		} else if (!strcmp(a, "--token-file")) {
			NEED_VALUE();
			o->token_file = v;
		} else if (!strcmp(a, "--cacert")) {
			NEED_VALUE();
			o->ca_file = v;
			o->tls = true;
		} else if (!strcmp(a, "--port")) {
			NEED_VALUE();
			if (parse_u64(v, 1, 65535, &u)) {
				fprintf(stderr, "linerate client: --port: '%s' is "
						"not a port 1..65535\n", v);
				rc = EXIT_USAGE;
				goto out;
			}
			o->port = (uint16_t)u;
		} else if (!strcmp(a, "--server-backend")) {
			NEED_VALUE();
			if (!spec_backend_known(v)) {
				fprintf(stderr, "linerate client: --server-backend: "
						"unknown backend '%s' (accepted: %s)\n",
					v, SPEC_BACKENDS);
				rc = EXIT_USAGE;
				goto out;
			}
			snprintf(o->server_backend, sizeof(o->server_backend), "%s", v);
		} else if (!strcmp(a, "--max-clock-error")) {
			NEED_VALUE();
			if (parse_duration(v, &o->max_clock_error_ns) ||
			    o->max_clock_error_ns > 3600 * NSEC_PER_SEC) {
				fprintf(stderr, "linerate client: --max-clock-error: "
						"'%s' is not a duration\n", v);
				rc = EXIT_USAGE;
				goto out;
			}
		} else if (!strcmp(a, "--dst") || !strcmp(a, "--listen")) {
			fprintf(stderr, "linerate client: %s: the server's reply "
					"says where traffic goes\n", a);
			rc = EXIT_USAGE;
			goto out;
		} else if (a[0] != '-' && !o->host) {
			o->host = a;
		} else {
			rest[n++] = argv[i];
		}
#undef NEED_VALUE
	}
	if (!o->host) {
		fprintf(stderr, "linerate client: HOST is required (see --help)\n");
		rc = EXIT_USAGE;
		goto out;
	}
	/* The traffic flags, checked as `send` (or `ping`) checks them, with
	 * a placeholder destination the server's reply replaces. */
	rest[n++] = "--dst";
	rest[n++] = "192.0.2.1:9";
	role = o->mode == MODE_RTT ? ROLE_PING : ROLE_SEND;
	rc = cmd_parse_spec(role, n, rest, &o->spec);
out:
	free(rest);
	return rc;
}

struct run_state {
	struct client_opts *o;
	struct api_client *api;
	int64_t offset_ns; /* server minus client */
	uint64_t error_ns;
	bool one_way_valid;
	struct remote far[2]; /* [0]: the server's sink/reflector, [1]: its source */
	struct local_run near[2]; /* [0]: our sender/pinger, [1]: our receiver */
	bool near_used[2];
};

static void near_recv_spec(const struct client_opts *o, struct run_state *rs,
			   const char *local_ip, struct test_spec *out)
{
	const struct test_spec *sp = &o->spec;
	bool has_port;
	uint16_t port;

	spec_init(out, ROLE_RECV);
	parse_endpoint(local_ip, true, &out->listen, &port, &has_port);
	out->listen_port = o->port;
	snprintf(out->backend, sizeof(out->backend), "%s", sp->backend);
	snprintf(out->ifname, sizeof(out->ifname), "%s", sp->ifname);
	out->frame_size = sp->frame_size > 1518 ? sp->frame_size : 1518;
	out->output = sp->output;
	out->csv_path = o->mode == MODE_REVERSE ? sp->csv_path : NULL;
	out->quiet = sp->quiet;
	out->interval_ns = sp->interval_ns;
	out->idle_timeout_ns = 2 * NSEC_PER_SEC;
	if (rs->one_way_valid) {
		out->clock_sync = CLOCK_SYNC_MEASURED;
		out->clock_offset_ns = rs->offset_ns;
		out->clock_error_ns = rs->error_ns;
	}
}

static int start_far_sink(struct run_state *rs, bool reflect, char *err,
			  size_t err_len)
{
	const struct client_opts *o = rs->o;
	json_t *req = traffic_json(o, reflect ? "reflect" : "sink");

	json_object_set_new(req, "duration", json_real(lifetime_s(&o->spec)));
	if (!reflect && rs->one_way_valid) {
		/* Its stamps are ours: our clock minus its. */
		json_object_set_new(req, "clock_offset_ns",
				    json_integer(-rs->offset_ns));
		json_object_set_new(req, "clock_error_ns",
				    json_integer((json_int_t)rs->error_ns));
	}
	if (!reflect)
		json_object_set_new(req, "size",
				    json_integer(o->spec.frame_size > 1518 ?
							 o->spec.frame_size :
							 1518));
	return remote_create(&rs->far[0], req, err, err_len);
}

static int start_far_source(struct run_state *rs, char *err, size_t err_len)
{
	const struct client_opts *o = rs->o;
	json_t *req = traffic_json(o, "source");

	json_object_set_new(req, "port", json_integer(o->port));
	if (o->spec.duration_ns)
		json_object_set_new(req, "duration",
				    json_real((double)o->spec.duration_ns / 1e9));
	if (o->spec.count)
		json_object_set_new(req, "count", json_integer((json_int_t)o->spec.count));
	return remote_create(&rs->far[1], req, err, err_len);
}

/* Keep the far source's session in touch and wait for it to end (or
 * our receiver to, or a signal). */
static int wait_far_source(struct run_state *rs, atomic_bool *stop, char *err,
			   size_t err_len)
{
	uint64_t deadline = mono_ns() +
			    (uint64_t)(lifetime_s(&rs->o->spec) * 1e9) +
			    30 * NSEC_PER_SEC;
	char state[32];
	int ret;

	while (!atomic_load(stop) && mono_ns() < deadline) {
		ret = remote_state(&rs->far[1], state, sizeof(state), err, err_len);
		if (ret)
			return ret;
		if (strcmp(state, "running") && strcmp(state, "starting"))
			return 0;
		clock_wait_until(mono_ns() + 250 * NSEC_PER_MSEC);
	}
	return atomic_load(stop) ? -EINTR : -ETIMEDOUT;
}

static void emit_result(struct run_state *rs, int status)
{
	const struct client_opts *o = rs->o;
	const struct test_spec *sp = &o->spec;
	json_t *local_tx = rs->near[0].obs.final, *local_rx = rs->near[1].obs.final;
	json_t *far_rx = rs->far[0].report, *far_tx = rs->far[1].report;

	if (sp->output == OUTPUT_TEXT) {
		FILE *out = stdout;

		if (o->mode == MODE_BIDIR) {
			if (local_tx)
				print_remote_text(out, "client -> server: we sent", local_tx, sp);
			if (far_rx)
				print_remote_text(out, "client -> server: the server received", far_rx, sp);
			if (far_tx)
				print_remote_text(out, "server -> client: the server sent", far_tx, sp);
			if (local_rx)
				print_remote_text(out, "server -> client: we received", local_rx, sp);
		} else if (o->mode == MODE_FORWARD && far_rx) {
			print_remote_text(out, "server (receiver)", far_rx, sp);
		} else if (o->mode == MODE_REVERSE && far_tx) {
			print_remote_text(out, "server (sender)", far_tx, sp);
		} else if (o->mode == MODE_RTT && far_rx) {
			print_remote_text(out, "server (reflector)", far_rx, sp);
		}
		if (o->mode != MODE_RTT)
			fprintf(out, "clock offset (server - client) %+.1f us +/- %.1f us: "
				     "one-way figures %s\n",
				(double)rs->offset_ns / 1e3, (double)rs->error_ns / 1e3,
				rs->one_way_valid ? "valid" : "NOT valid (offset too uncertain)");
		fflush(out);
		return;
	}
	json_t *doc = json_object(), *clock = json_object(), *sum = json_object();

	json_object_set_new(doc, "server", json_string(o->host));
	json_object_set_new(doc, "mode", json_string(mode_names[o->mode]));
	json_object_set_new(clock, "offset_ns", json_integer(rs->offset_ns));
	json_object_set_new(clock, "error_ns", json_integer((json_int_t)rs->error_ns));
	json_object_set_new(clock, "max_error_ns",
			    json_integer((json_int_t)o->max_clock_error_ns));
	json_object_set_new(clock, "one_way_valid", json_boolean(rs->one_way_valid));
	json_object_set_new(doc, "clock", clock);
	if (local_tx)
		json_object_set(doc, o->mode == MODE_RTT ? "local_ping" : "local_send", local_tx);
	if (local_rx)
		json_object_set(doc, "local_recv", local_rx);
	if (far_rx)
		json_object_set(doc, o->mode == MODE_RTT ? "server_reflect" : "server_sink", far_rx);
	if (far_tx)
		json_object_set(doc, "server_source", far_tx);
	if (local_tx && far_rx && o->mode != MODE_RTT)
		json_object_set_new(sum, "client_to_server", direction_json(local_tx, far_rx));
	if (far_tx && local_rx)
		json_object_set_new(sum, "server_to_client", direction_json(far_tx, local_rx));
	json_object_set_new(doc, "summary", sum);
	json_object_set_new(doc, "ok", json_boolean(status == 0));
	json_object_set_new(doc, "final", json_true());
	report_json_print(stdout, doc, sp->output == OUTPUT_JSON_STREAM);
	json_decref(doc);
}

int cmd_client(int argc, char **argv)
{
	struct client_opts o;
	struct run_state rs = { .o = &o };
	struct api_client_config acfg = { 0 };
	char *token = NULL, err[512] = "";
	const char *local_ip;
	atomic_bool *stop;
	FILE *near_out;
	int rc, ret = 0;

	rc = parse_client_args(argc, argv, &o);
	if (rc == CMD_HELP_SHOWN)
		return EXIT_OK;
	if (rc)
		return rc;
	if (o.token_file) {
		token = http_read_small_file("--token-file", o.token_file, 4096);
		if (!token)
			return EXIT_USAGE;
	}
	acfg.host = o.host;
	acfg.token = token;
	acfg.tls = o.tls;
	acfg.ca_file = o.ca_file;
	acfg.insecure = o.insecure;
	rs.api = api_client_open(&acfg, err, sizeof(err));
	if (!rs.api) {
		fprintf(stderr, "linerate client: %s\n", err);
		free(token);
		return EXIT_USAGE;
	}
	stop = cmd_stop_on_signals();
	rs.far[0].api = rs.far[1].api = rs.api;

	ret = api_client_clock_offset(rs.api, 8, &rs.offset_ns, &rs.error_ns,
				      err, sizeof(err));
	if (ret)
		goto fail;
	rs.one_way_valid = rs.error_ns <= o.max_clock_error_ns;
	learn_limits(rs.api);
	local_ip = api_client_local_ip(rs.api);
	if (!local_ip) {
		snprintf(err, sizeof(err), "cannot tell our address on the API connection");
		ret = -EIO;
		goto fail;
	}
	/* One near end prints live (text, NDJSON); with two, neither does. */
	near_out = o.mode == MODE_BIDIR || o.spec.output == OUTPUT_JSON ? NULL : stdout;

	if (o.mode == MODE_REVERSE || o.mode == MODE_BIDIR) {
		near_recv_spec(&o, &rs, local_ip, &rs.near[1].spec);
		rs.near_used[1] = true;
		ret = local_start(&rs.near[1], near_out, o.spec.output != OUTPUT_TEXT);
		if (ret) {
			snprintf(err, sizeof(err), "our receiver could not start on %s:%u",
				 local_ip, o.port);
			goto fail;
		}
	}
	if (o.mode != MODE_REVERSE) {
		struct test_spec *sp = &rs.near[0].spec;
		bool has_port;
		uint16_t port;

		ret = start_far_sink(&rs, o.mode == MODE_RTT, err, sizeof(err));
		if (ret)
			goto fail;
		*sp = o.spec;
		if (parse_endpoint(rs.far[0].address, true, &sp->dst, &port, &has_port)) {
			snprintf(err, sizeof(err), "the server gave a bad data address '%s'",
				 rs.far[0].address);
			ret = -EPROTO;
			goto fail;
		}
		sp->dst_port = rs.far[0].port;
		if (o.mode == MODE_BIDIR)
			sp->csv_path = NULL;
	}
	if (o.mode == MODE_REVERSE || o.mode == MODE_BIDIR) {
		ret = start_far_source(&rs, err, sizeof(err));
		if (ret)
			goto fail;
	}
	if (o.mode != MODE_REVERSE) {
		rs.near_used[0] = true;
		ret = local_start(&rs.near[0], near_out, o.spec.output != OUTPUT_TEXT);
		if (ret) {
			snprintf(err, sizeof(err), "our %s could not start",
				 o.mode == MODE_RTT ? "pinger" : "sender");
			goto fail;
		}
	}
	/* Our sender ends by itself (duration, count); the server's source
	 * is watched over the API, which also keeps its session alive. */
	if (rs.near_used[0])
		while (!local_done(&rs.near[0]) && !atomic_load(stop))
			clock_wait_until(mono_ns() + 50 * NSEC_PER_MSEC);
	if (o.mode == MODE_REVERSE || o.mode == MODE_BIDIR) {
		ret = wait_far_source(&rs, stop, err, sizeof(err));
		if (ret)
			goto fail;
	}
	atomic_store(&rs.near[0].stop, atomic_load(stop));
	if (rs.near_used[0])
		local_join(&rs.near[0]);
	/* Let the last packets land, then end the receivers. */
	clock_wait_until(mono_ns() + 300 * NSEC_PER_MSEC);
	if (rs.near_used[1]) {
		atomic_store(&rs.near[1].stop, true);
		local_join(&rs.near[1]);
		rs.near_used[1] = false;
	}
	ret = remote_finish(&rs.far[0], true, err, sizeof(err));
	if (!ret)
		ret = remote_finish(&rs.far[1], false, err, sizeof(err));
	if (ret)
		goto fail;
	if ((rs.near[0].obs.final == NULL && o.mode != MODE_REVERSE) ||
	    rs.near[0].err || rs.near[1].err) {
		snprintf(err, sizeof(err), "the local side of the test failed");
		ret = -EIO;
	}
	emit_result(&rs, ret);
	goto out;
fail:
	fprintf(stderr, "linerate client: %s\n", err);
	for (int i = 0; i < 2; i++) {
		if (rs.near_used[i] && rs.near[i].thread) {
			atomic_store(&rs.near[i].stop, true);
			local_join(&rs.near[i]);
		}
		if (rs.far[i].id[0]) {
			char e2[256];

			remote_finish(&rs.far[i], true, e2, sizeof(e2));
		}
	}
	if (rs.near[0].obs.final || rs.far[0].report || rs.far[1].report)
		emit_result(&rs, ret);
out:
	for (int i = 0; i < 2; i++) {
		json_decref(rs.near[i].obs.final);
		json_decref(rs.far[i].report);
	}
	api_client_close(rs.api);
	free(token);
	return ret ? EXIT_RUNTIME : EXIT_OK;
}
