// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "engine/session.h"
#include "api/remote.h"
#include "lib/spec_opts.h"
#include "lib/units.h"

const char *const remote_mode_names[] = { "forward", "reverse", "bidir", "rtt" };

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
	lr_err_clear(&lr->obs.err);
	err = pthread_create(&lr->thread, NULL, local_thread, lr);
	if (err)
		return lr_err_errno(&lr->obs.err, -err);
	pthread_mutex_lock(&lr->lock);
	while (!lr->started)
		pthread_cond_wait(&lr->cond, &lr->lock);
	err = lr->start_failed || (lr->done && lr->err) ? -EIO : 0;
	pthread_mutex_unlock(&lr->lock);
	return err;
}

/* Why a local run did not start (after local_start failed). */
static const char *local_why(struct local_run *lr)
{
	const char *why;

	pthread_mutex_lock(&lr->lock);
	why = lr_err_is_set(&lr->obs.err) ? lr_err_text(&lr->obs.err) :
					    "no reason given";
	pthread_mutex_unlock(&lr->lock);
	return why;
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

int remote_create(struct remote *r, json_t *req, char *err, size_t err_len)
{
	json_t *reply, *data;
	int ret;

	ret = api_client_expect(r->api, "POST", "/v1/sessions", req, 201,
				-EPERM, &reply, err, err_len);
	json_decref(req);
	if (ret)
		return ret;
	data = json_object_get(reply, "data");
	if (!json_is_string(json_object_get(reply, "id")) ||
	    strlen(json_string_value(json_object_get(reply, "id"))) != 16 ||
	    !json_is_string(json_object_get(data, "address")) ||
	    json_string_length(json_object_get(data, "address")) >=
		    sizeof(r->address) ||
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

int remote_state(struct remote *r, char *buf, size_t len, char *err,
		 size_t err_len)
{
	char path[64];
	json_t *reply;
	int ret;

	snprintf(path, sizeof(path), "/v1/sessions/%s", r->id);
	ret = api_client_expect(r->api, "GET", path, NULL, 200, -EPROTO, &reply,
				err, err_len);
	if (ret)
		return ret;
	snprintf(buf, len, "%s",
		 json_string_value(json_object_get(reply, "state")) ?: "?");
	json_decref(reply);
	return 0;
}

int remote_report_wait(struct api_client *api, const char *id,
		       uint64_t deadline_ns, uint64_t poll_ns,
		       const atomic_bool *stop, json_t **report, char *err,
		       size_t err_len)
{
	char path[64];
	json_t *reply;
	long status;
	int ret;

	snprintf(path, sizeof(path), "/v1/sessions/%s/report", id);
	while (!(stop && atomic_load(stop)) && mono_ns() < deadline_ns) {
		ret = api_client_request(api, "GET", path, NULL, &status,
					 &reply, err, err_len);
		if (ret)
			return ret;
		if (status == 200) {
			*report = reply;
			return 0;
		}
		if (status != 409) {
			api_reply_error(reply, status, err, err_len);
			json_decref(reply);
			return -EPROTO;
		}
		json_decref(reply);
		clock_wait_until(mono_ns() + poll_ns);
	}
	snprintf(err, err_len, "the server's session %s did not end in time",
		 id);
	return -ETIMEDOUT;
}

int remote_stop(struct api_client *api, const char *id, char *err,
		size_t err_len)
{
	char path[64];
	json_t *reply = NULL;
	long status;
	int ret;

	snprintf(path, sizeof(path), "/v1/sessions/%s", id);
	ret = api_client_request(api, "DELETE", path, NULL, &status, &reply,
				 err, err_len);
	json_decref(reply);
	return ret;
}

int remote_finish(struct remote *r, bool stop_first, char *err, size_t err_len)
{
	int ret;

	if (!r->id[0])
		return 0;
	if (stop_first) {
		ret = remote_stop(r->api, r->id, err, err_len);
		if (ret)
			return ret;
	}
	return remote_report_wait(r->api, r->id, mono_ns() + 10 * NSEC_PER_SEC,
				  100 * NSEC_PER_MSEC, NULL, &r->report, err,
				  err_len);
}

/* ---- requests */

json_t *remote_spec_request(const char *role, const struct test_spec *sp,
			    const char *const *keys)
{
	json_t *req = json_pack("{ss}", "role", role);

	if (req && opts_to_json(spec_opts_command(sp->role), sp, keys, req)) {
		json_decref(req);
		return NULL;
	}
	return req;
}

json_t *remote_rate_json(const struct rate *r)
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

static json_t *traffic_json(const struct remote_config *o, const char *role)
{
	/* What a source sends as the client asked, by the rows' JSON keys
	 * (lib/spec_opts.c): the size (a mix as given), rate, flows, burst,
	 * the VLAN tag and the line rate for % rates, each when set. */
	static const char *const source_keys[] = {
		"size", "rate", "flows", "burst", "vlan", "line_rate", NULL};
	static const char *const reflect_keys[] = {"rate", NULL};
	const struct test_spec *sp = &o->spec;
	json_t *req = json_object();
	int rc = req ? 0 : -ENOMEM;

	if (rc)
		return NULL;
	json_object_set_new(req, "role", json_string(role));
	json_object_set_new(req, "backend", json_string(o->server_backend));
	/* A receiver takes the largest frame; a mix is the source's. */
	json_object_set_new(req, "size", json_integer(sp->frame_size));
	if (!strcmp(role, "source")) {
		rc = opts_to_json(&spec_opts_send, sp, source_keys, req);
		/* The client's marking, for traffic the server sends: the
		 * whole byte, "tos" in either family. */
		if (sp->tos)
			json_object_set_new(req, "tos", json_integer(sp->tos));
	}
	if (!rc && !strcmp(role, "reflect") && sp->rate.kind != RATE_MAX)
		rc = opts_to_json(&spec_opts_send, sp, reflect_keys, req);
	if (rc) {
		json_decref(req);
		return NULL;
	}
	return req;
}

/* The server's longest session (its capabilities), 0: not known. */
static __thread double server_max_duration_s;

/* The duration a far end should live: the test, plus slack to drain,
 * within the server's limit. */
static double lifetime_s(const struct test_spec *sp)
{
	double s = 60, pps = spec_target_pps(sp);

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

struct run_state {
	const struct remote_config *o;
	struct api_client *api;
	struct remote_result *res;
	int64_t offset_ns; /* server minus client */
	uint64_t error_ns;
	bool one_way_valid;
	struct remote far[2]; /* [0]: the server's sink/reflector, [1]: its source */
	struct local_run near[2]; /* [0]: our sender/pinger, [1]: our receiver */
	bool near_used[2];
};

static void near_recv_spec(const struct remote_config *o, struct run_state *rs,
			   const char *local_ip, struct test_spec *out)
{
	const struct test_spec *sp = &o->spec;
	bool has_port;
	uint16_t port;

	spec_init(out, ROLE_RECV);
	parse_endpoint(local_ip, true, &out->listen, &port, &has_port);
	out->listen_port = o->port;
	snprintf(out->backend.name, sizeof(out->backend.name), "%s",
		 sp->backend.name);
	snprintf(out->backend.ifname, sizeof(out->backend.ifname), "%s",
		 sp->backend.ifname);
	out->frame_size = sp->frame_size > 1518 ? sp->frame_size : 1518;
	out->output = sp->output;
	out->csv_path = o->mode == REMOTE_REVERSE ? sp->csv_path : NULL;
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
	const struct remote_config *o = rs->o;
	json_t *req = traffic_json(o, reflect ? "reflect" : "sink");

	if (!req) {
		snprintf(err, err_len, "cannot build the session request");
		return -ENOMEM;
	}
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
	const struct remote_config *o = rs->o;
	json_t *req = traffic_json(o, "source");

	if (!req) {
		snprintf(err, err_len, "cannot build the session request");
		return -ENOMEM;
	}
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

void remote_config_init(struct remote_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = 9270;
	cfg->max_clock_error_ns = NSEC_PER_MSEC;
	snprintf(cfg->server_backend, sizeof(cfg->server_backend), "udp");
}

json_t *remote_direction_json(json_t *sender, json_t *receiver)
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

void remote_result_free(struct remote_result *res)
{
	json_decref(res->local_tx);
	json_decref(res->local_rx);
	json_decref(res->far_rx);
	json_decref(res->far_tx);
	memset(res, 0, sizeof(*res));
}

/* Hand what ran to the result. */
static void collect(struct run_state *rs)
{
	struct remote_result *res = rs->res;

	res->offset_ns = rs->offset_ns;
	res->error_ns = rs->error_ns;
	res->one_way_valid = rs->one_way_valid;
	res->local_tx = rs->near[0].obs.final;
	res->local_rx = rs->near[1].obs.final;
	res->far_rx = rs->far[0].report;
	res->far_tx = rs->far[1].report;
}

static bool ip_same(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return false;
	return a->family == AF_INET ? a->v4.s_addr == b->v4.s_addr :
				      !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

/* Is dst where we may send? 0, or -EPERM with err saying why. */
static int data_address_check(struct api_client *api,
			      const struct remote_config *o,
			      const struct ip_addr *dst, const char *text,
			      char *err, size_t err_len)
{
	struct ip_addr want;
	const char *peer;
	uint16_t port;
	bool has_port;

	if (o->has_expect_data_address) {
		if (ip_same(dst, &o->expect_data_address))
			return 0;
		snprintf(err, err_len,
			 "the server wants our traffic sent to %s, not the "
			 "address --expect-data-address names; refusing", text);
		return -EPERM;
	}
	peer = api_client_peer_ip(api);
	if (!peer || parse_endpoint(peer, true, &want, &port, &has_port)) {
		snprintf(err, err_len,
			 "cannot tell the server's address to check its data "
			 "address %s against (--expect-data-address IP)", text);
		return -EPERM;
	}
	if (want.family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&want.v6)) {
		want.family = AF_INET;
		memcpy(&want.v4, &want.v6.s6_addr[12], 4);
	}
	if (ip_same(dst, &want))
		return 0;
	snprintf(err, err_len,
		 "the server wants our traffic sent to %s, which is not its "
		 "own address %s; refusing (--expect-data-address %s if that "
		 "is intended)", text, peer, text);
	return -EPERM;
}

int remote_run(struct api_client *api, const struct remote_config *o,
	       atomic_bool *stop, struct remote_result *res, char *err,
	       size_t err_len)
{
	struct run_state *rs = calloc(1, sizeof(*rs));
	bool final_silent = o->spec.output != OUTPUT_TEXT;
	const char *local_ip;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!rs) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	rs->o = o;
	rs->api = api;
	rs->res = res;
	rs->far[0].api = rs->far[1].api = api;
	ret = api_client_clock_offset(api, 8, &rs->offset_ns, &rs->error_ns,
				      err, err_len);
	if (ret)
		goto fail;
	rs->one_way_valid = rs->error_ns <= o->max_clock_error_ns;
	learn_limits(api);
	local_ip = api_client_local_ip(api);
	if (!local_ip) {
		snprintf(err, err_len, "cannot tell our address on the API connection");
		ret = -EIO;
		goto fail;
	}
	if (o->mode == REMOTE_REVERSE || o->mode == REMOTE_BIDIR) {
		near_recv_spec(o, rs, local_ip, &rs->near[1].spec);
		rs->near_used[1] = true;
		ret = local_start(&rs->near[1], o->near_out, final_silent);
		if (ret) {
			snprintf(err, err_len,
				 "our receiver could not start on %s:%u: %s",
				 local_ip, o->port, local_why(&rs->near[1]));
			goto fail;
		}
	}
	if (o->mode != REMOTE_REVERSE) {
		struct test_spec *sp = &rs->near[0].spec;
		bool has_port;
		uint16_t port;

		ret = start_far_sink(rs, o->mode == REMOTE_RTT, err, err_len);
		if (ret)
			goto fail;
		*sp = o->spec;
		if (parse_endpoint(rs->far[0].address, true, &sp->dst, &port,
				   &has_port)) {
			snprintf(err, err_len, "the server gave a bad data address '%s'",
				 rs->far[0].address);
			ret = -EPROTO;
			goto fail;
		}
		ret = data_address_check(api, o, &sp->dst, rs->far[0].address,
					 err, err_len);
		if (ret)
			goto fail;
		sp->dst_port = rs->far[0].port;
		if (o->mode == REMOTE_BIDIR)
			sp->csv_path = NULL;
	}
	if (o->mode == REMOTE_REVERSE || o->mode == REMOTE_BIDIR) {
		ret = start_far_source(rs, err, err_len);
		if (ret)
			goto fail;
	}
	if (o->mode != REMOTE_REVERSE) {
		rs->near_used[0] = true;
		ret = local_start(&rs->near[0], o->near_out, final_silent);
		if (ret) {
			snprintf(err, err_len, "our %s could not start: %s",
				 o->mode == REMOTE_RTT ? "pinger" : "sender",
				 local_why(&rs->near[0]));
			goto fail;
		}
	}
	/* Our sender ends by itself (duration, count); the server's source
	 * is watched over the API, which also keeps its session alive. */
	if (rs->near_used[0])
		while (!local_done(&rs->near[0]) && !atomic_load(stop))
			clock_wait_until(mono_ns() + 50 * NSEC_PER_MSEC);
	if (o->mode == REMOTE_REVERSE || o->mode == REMOTE_BIDIR) {
		ret = wait_far_source(rs, stop, err, err_len);
		if (ret)
			goto fail;
	}
	atomic_store(&rs->near[0].stop, atomic_load(stop));
	if (rs->near_used[0]) {
		local_join(&rs->near[0]);
		rs->near_used[0] = false;
	}
	/* Let the last packets land, then end the receivers. */
	clock_wait_until(mono_ns() + (o->drain_ns ? o->drain_ns :
						    300 * NSEC_PER_MSEC));
	if (rs->near_used[1]) {
		atomic_store(&rs->near[1].stop, true);
		local_join(&rs->near[1]);
		rs->near_used[1] = false;
	}
	ret = remote_finish(&rs->far[0], true, err, err_len);
	if (!ret)
		ret = remote_finish(&rs->far[1], false, err, err_len);
	if (ret)
		goto fail;
	if ((!rs->near[0].obs.final && o->mode != REMOTE_REVERSE) ||
	    rs->near[0].err || rs->near[1].err) {
		snprintf(err, err_len, "the local side of the test failed");
		ret = -EIO;
	}
	collect(rs);
	free(rs);
	return ret;
fail:
	for (int i = 0; i < 2; i++) {
		if (rs->near_used[i]) {
			atomic_store(&rs->near[i].stop, true);
			local_join(&rs->near[i]);
		}
		if (rs->far[i].id[0] && !rs->far[i].report) {
			char e2[256];

			remote_finish(&rs->far[i], true, e2, sizeof(e2));
		}
	}
	collect(rs);
	free(rs);
	return ret;
}
