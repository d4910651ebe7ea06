// SPDX-License-Identifier: MIT
/*
 * linerate mesh: the hosts file, the plan of pairs, and each pair run as
 * two sessions on two servers through the API client (src/api/client.c):
 * a sink (or reflector) on the receiver, then a source (or ping) on the
 * sender aimed at it. The sender's server must list the receiver in its
 * --allow-target, as the API requires for any target but the caller.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/client.h"
#include "api/remote.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/options.h"
#include "lib/spec_opts.h"
#include "mesh/mesh.h"

/* Poll period of a session's state, and the wait for the last packets
 * in flight once a sender ended. */
#define MESH_POLL_NS (200 * NSEC_PER_MSEC)
#define MESH_DRAIN_NS (300 * NSEC_PER_MSEC)
#define MESH_MAX_CLOCK_ERROR_NS NSEC_PER_MSEC

/* ---- one pair */

struct host_state {
	int64_t offset_ns; /* its clock minus ours */
	uint64_t error_ns;
	bool offset_known;
};

static struct api_client *host_connect(const struct mesh_config *cfg, int h,
				       const char *check, char *err,
				       size_t err_len)
{
	const struct mesh_host *host = &cfg->hosts[h];
	struct api_client_config acfg;

	api_client_config_init(&acfg, &cfg->api, host->api);
	acfg.timeout_ms = cfg->timeout_ms;
	return api_client_connect(&acfg,
				  host->token_file[0] ? host->token_file :
							cfg->api.token_file,
				  check, NULL, err, err_len);
}

/* Wait until the session no longer runs; 0, or -errno. */
static int session_wait(struct remote *r, uint64_t deadline,
			atomic_bool *stop, char *err, size_t err_len)
{
	while (!atomic_load(stop) && mono_ns() < deadline) {
		char state[32];
		int ret;

		ret = remote_state(r, state, sizeof(state), err, err_len);
		if (ret)
			return ret;
		if (strcmp(state, "running") && strcmp(state, "starting"))
			return 0;
		clock_wait_until(mono_ns() + MESH_POLL_NS);
	}
	snprintf(err, err_len, atomic_load(stop) ? "stopped" :
			       "the session did not end in time");
	return atomic_load(stop) ? -EINTR : -ETIMEDOUT;
}

/* Stop the session if asked, then its final report; NULL with err. */
static json_t *session_finish(struct remote *r, bool stop_first, char *err,
			      size_t err_len)
{
	json_t *report;

	if (remote_finish(r, stop_first, err, err_len))
		return NULL;
	report = r->report;
	r->report = NULL;
	return report;
}

/* How long a pair's traffic lasts, in seconds. */
static double traffic_s(const struct mesh_config *cfg)
{
	double pps = rate_to_pps(&cfg->rate, cfg->frame_size, 0), s = 0;

	if (cfg->count && pps > 0)
		s = (double)cfg->count / pps;
	if (cfg->duration_ns && (s == 0 || (double)cfg->duration_ns / 1e9 < s))
		s = (double)cfg->duration_ns / 1e9;
	return s > 0 ? s : 10;
}

static int64_t json_int_or(json_t *v, int64_t fallback)
{
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : fallback;
}

static double json_num_or(json_t *v, double fallback)
{
	return json_is_number(v) ? json_number_value(v) : fallback;
}

/* The cell's figures from the two reports. */
static void cell_fill(const struct mesh_config *cfg, struct mesh_cell *cell)
{
	json_t *tx = json_object_get(cell->sender_report, "tx");
	json_t *rx, *lat;

	/* rtt: the pinger counts both ways; else the receiver counts. */
	rx = json_object_get(cfg->mode == MESH_RTT ? cell->sender_report :
						     cell->receiver_report,
			     "rx");
	lat = cfg->mode == MESH_RTT ?
		      json_object_get(cell->sender_report, "rtt_ns") :
		      json_object_get(cell->receiver_report, "latency_ns");
	cell->sent = json_int_or(json_object_get(tx, "packets"), -1);
	cell->received = json_int_or(json_object_get(rx, "packets"), -1);
	cell->lost = json_int_or(json_object_get(rx, "lost"), -1);
	cell->loss_ratio = json_num_or(json_object_get(rx, "loss_ratio"), -1);
	cell->pps = json_num_or(json_object_get(rx, "pps"), -1);
	cell->latency_p50_ns = cell->latency_p99_ns = -1;
	/* One-way figures only where the clock offset made them valid. */
	if (lat && (cfg->mode == MESH_RTT ||
		    json_is_true(json_object_get(lat, "valid")))) {
		cell->latency_p50_ns = json_int_or(json_object_get(lat, "p50"), -1);
		cell->latency_p99_ns = json_int_or(json_object_get(lat, "p99"), -1);
	}
}

/* The receiving end: a sink, or for --rtt a reflector, living through
 * the pair's traffic and its drain. */
static json_t *receiver_request(const struct mesh_config *cfg,
				const struct host_state *hs, int sender,
				int receiver, struct api_client *sender_api,
				double life)
{
	static const char *const keys[] = {"backend", "size", "duration", NULL};
	static const char *const keys_rate[] = {"rate", NULL};
	bool rtt = cfg->mode == MESH_RTT;
	struct test_spec sp;
	json_t *req;

	spec_opts_defaults(rtt ? ROLE_REFLECT : ROLE_RECV, &sp);
	snprintf(sp.backend.name, sizeof(sp.backend.name), "%s", cfg->backend);
	/* A sink takes the largest frame it expects. */
	sp.frame_size = rtt || cfg->frame_size > 1518 ? cfg->frame_size : 1518;
	sp.duration_ns = (uint64_t)(life * 1e9);
	sp.rate = cfg->rate;
	req = remote_spec_request(rtt ? "reflect" : "sink", &sp, keys);
	if (req && rtt && cfg->rate.kind != RATE_MAX &&
	    opts_to_json(spec_opts_command(sp.role), &sp, keys_rate, req)) {
		json_decref(req);
		return NULL;
	}
	if (!req)
		return NULL;
	/* The sender's source address is the one its API answers on. */
	json_object_set_new(req, "peer",
			    json_string(api_client_host(sender_api)));
	/* One-way figures only with the offset known to 1 ms, as
	 * `linerate client` asks by default; else "not measured". */
	if (!rtt && hs[sender].offset_known && hs[receiver].offset_known &&
	    hs[sender].error_ns + hs[receiver].error_ns <=
		    MESH_MAX_CLOCK_ERROR_NS) {
		/* The sender's clock minus the receiver's. */
		json_object_set_new(req, "clock_offset_ns",
				    json_integer(hs[sender].offset_ns -
						 hs[receiver].offset_ns));
		json_object_set_new(
			req, "clock_error_ns",
			json_integer((json_int_t)(hs[sender].error_ns +
						  hs[receiver].error_ns)));
	}
	return req;
}

/* The sending end: a source, or for --rtt a ping, to the receiver rs. */
static json_t *sender_request(const struct mesh_config *cfg,
			      const struct remote *rs)
{
	const char *keys[8] = {"backend", "size", "rate"};
	bool rtt = cfg->mode == MESH_RTT;
	struct test_spec sp;
	size_t n = 3;
	json_t *req;

	spec_opts_defaults(rtt ? ROLE_PING : ROLE_SEND, &sp);
	snprintf(sp.backend.name, sizeof(sp.backend.name), "%s", cfg->backend);
	sp.frame_size = cfg->frame_size;
	sp.rate = cfg->rate;
	sp.flows = cfg->flows;
	sp.count = cfg->count;
	sp.duration_ns = cfg->duration_ns;
	if (!rtt)
		keys[n++] = "flows";
	if (cfg->count)
		keys[n++] = "count";
	if (cfg->duration_ns)
		keys[n++] = "duration";
	keys[n] = NULL;
	req = remote_spec_request(rtt ? "ping" : "source", &sp, keys);
	if (req) {
		json_object_set_new(req, "dst", json_string(rs->address));
		json_object_set_new(req, "port", json_integer(rs->port));
	}
	return req;
}

/* Create one end's session from req (NULL: it could not be built). 0, or
 * -errno with the line in cell->error naming the host and its role. */
static int pair_create(struct remote *r, json_t *req, const char *host,
		       const char *role, struct mesh_cell *cell)
{
	char err[200] = "";
	int ret;

	if (!req) {
		snprintf(cell->error, sizeof(cell->error), "out of memory");
		return -ENOMEM;
	}
	ret = remote_create(r, req, err, sizeof(err));
	if (ret)
		snprintf(cell->error, sizeof(cell->error), "%s: %s: %s", host,
			 role, err);
	return ret;
}

static void run_pair(const struct mesh_config *cfg,
		     const struct host_state *hs, int sender, int receiver,
		     atomic_bool *stop, struct mesh_cell *cell)
{
	const char *rname = cfg->hosts[receiver].name;
	const char *sname = cfg->hosts[sender].name;
	bool rtt = cfg->mode == MESH_RTT;
	struct remote rs = { 0 }, ss = { 0 };
	double life = traffic_s(cfg) + 5;
	char err[200] = "";
	json_t *req;
	int ret;

	rs.api = host_connect(cfg, receiver, NULL, err, sizeof(err));
	if (!rs.api) {
		snprintf(cell->error, sizeof(cell->error), "%s: %s", rname, err);
		return;
	}
	ss.api = host_connect(cfg, sender, NULL, err, sizeof(err));
	if (!ss.api) {
		snprintf(cell->error, sizeof(cell->error), "%s: %s", sname, err);
		goto out;
	}

	req = receiver_request(cfg, hs, sender, receiver, ss.api, life);
	if (pair_create(&rs, req, rname, rtt ? "reflect" : "sink", cell))
		goto out;
	req = sender_request(cfg, &rs);
	if (pair_create(&ss, req, sname, rtt ? "ping" : "source", cell))
		goto out;
	ret = session_wait(&ss, mono_ns() + (uint64_t)(life * 1e9) + 30 * NSEC_PER_SEC,
			   stop, err, sizeof(err));
	if (ret) {
		snprintf(cell->error, sizeof(cell->error), "%s: %s", sname, err);
		goto out;
	}
	cell->sender_report = session_finish(&ss, false, err, sizeof(err));
	if (!cell->sender_report) {
		snprintf(cell->error, sizeof(cell->error), "%s: report: %s",
			 sname, err);
		goto out;
	}
	clock_wait_until(mono_ns() + MESH_DRAIN_NS);
	cell->receiver_report = session_finish(&rs, true, err, sizeof(err));
	rs.id[0] = '\0';
	if (!cell->receiver_report) {
		snprintf(cell->error, sizeof(cell->error), "%s: report: %s",
			 rname, err);
		goto out;
	}
	cell_fill(cfg, cell);
	cell->ok = true;
out:
	/* Nothing stays running on a server after a failed pair. */
	if (rs.id[0] && rs.api) {
		json_t *r = session_finish(&rs, true, err, sizeof(err));

		json_decref(r);
	}
	if (ss.id[0] && ss.api && !cell->sender_report) {
		json_t *r = session_finish(&ss, true, err, sizeof(err));

		json_decref(r);
	}
	api_client_close(ss.api);
	api_client_close(rs.api);
}

/* ---- all pairs */

struct pool {
	const struct mesh_config *cfg;
	const struct host_state *hs;
	struct mesh_result *res;
	atomic_bool *stop;
	int pairs[MESH_MAX_HOSTS * MESH_MAX_HOSTS][2];
	int npairs;
	atomic_int next;
};

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	int i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->npairs &&
	       !atomic_load(p->stop)) {
		int s = p->pairs[i][0], r = p->pairs[i][1];

		run_pair(p->cfg, p->hs, s, r, p->stop, &p->res->cell[s][r]);
	}
	return NULL;
}

/* Parallel runs open two API connections a pair; 64 pairs at a time
 * keeps that bounded (a server's --max-sessions limits it anyway). */
#define MESH_MAX_THREADS 64

int mesh_run(const struct mesh_config *cfg, atomic_bool *stop,
	     struct mesh_result *res)
{
	struct host_state hs[MESH_MAX_HOSTS] = { 0 };
	struct api_client *check[MESH_MAX_HOSTS] = { 0 };
	pthread_t threads[MESH_MAX_THREADS];
	struct pool *p;
	uint64_t t0 = mono_ns();
	int nthreads = 0, failed = 0;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	mesh_plan(cfg, res);
	/* Every host once: is it up, does it take the token, its clock.
	 * These connections stay open to the end, which also keeps libcurl's
	 * global state initialised while the pairs' threads run. */
	for (int h = 0; h < cfg->nhosts && !atomic_load(stop); h++) {
		char err[200] = "";

		check[h] = host_connect(cfg, h, "/v1/capabilities", err, sizeof(err));
		if (!check[h]) {
			snprintf(res->host_error[h], sizeof(res->host_error[h]),
				 "%s: %s", cfg->hosts[h].name, err);
			pr_info("mesh: %s\n", res->host_error[h]);
			continue;
		}
		if (cfg->mode != MESH_RTT &&
		    !api_client_clock_offset(check[h], 8, &hs[h].offset_ns,
					     &hs[h].error_ns, err, sizeof(err)))
			hs[h].offset_known = true;
	}
	p->cfg = cfg;
	p->hs = hs;
	p->res = res;
	p->stop = stop;
	for (int s = 0; s < cfg->nhosts; s++) {
		for (int r = 0; r < cfg->nhosts; r++) {
			struct mesh_cell *cell = &res->cell[s][r];

			if (!cell->planned)
				continue;
			/* A host that failed its check fails its cells here. */
			if (res->host_error[s][0] || res->host_error[r][0]) {
				snprintf(cell->error, sizeof(cell->error), "%.120s%s%.120s",
					 res->host_error[s],
					 res->host_error[s][0] && res->host_error[r][0] ? "; " : "",
					 res->host_error[r]);
				continue;
			}
			p->pairs[p->npairs][0] = s;
			p->pairs[p->npairs][1] = r;
			p->npairs++;
		}
	}
	if (cfg->parallel) {
		int want = p->npairs < MESH_MAX_THREADS ? p->npairs : MESH_MAX_THREADS;

		for (; nthreads < want; nthreads++)
			if (pthread_create(&threads[nthreads], NULL, pool_worker, p))
				break;
	}
	/* In turns, or what the threads did not take: here. */
	pool_worker(p);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	for (int h = 0; h < cfg->nhosts; h++)
		api_client_close(check[h]);
	free(p);
	res->elapsed_s = (double)(mono_ns() - t0) / 1e9;
	if (atomic_load(stop))
		return -EINTR;
	for (int s = 0; s < cfg->nhosts; s++)
		for (int r = 0; r < cfg->nhosts; r++)
			if (res->cell[s][r].planned && !res->cell[s][r].ok) {
				if (!res->cell[s][r].error[0])
					snprintf(res->cell[s][r].error,
						 sizeof(res->cell[s][r].error),
						 "not run");
				failed++;
			}
	return failed;
}

void mesh_result_free(struct mesh_result *res)
{
	for (int s = 0; s < res->nhosts; s++)
		for (int r = 0; r < res->nhosts; r++) {
			json_decref(res->cell[s][r].sender_report);
			json_decref(res->cell[s][r].receiver_report);
			res->cell[s][r].sender_report = NULL;
			res->cell[s][r].receiver_report = NULL;
		}
}
