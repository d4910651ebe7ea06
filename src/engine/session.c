// SPDX-License-Identifier: MIT
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "backend/backend.h"
#include "backend/netpath.h"
#include "lib/clock.h"
#include "lib/flowreport.h"
#include "lib/log.h"
#include "lib/report.h"
#include "engine/select.h"
#include "engine/session.h"
#include "engine/worker.h"

#define REPORTER_TICK_NS (20 * NSEC_PER_MSEC)

#define SESSION_MAX_QUEUES 64
#define BYPASS_RCVBUF (8 << 20)

struct session {
	const struct test_spec *spec;
	const struct backend_ops *ops;
	uint32_t nworkers;
	struct test_spec specs[SESSION_MAX_QUEUES];
	struct backend_config cfgs[SESSION_MAX_QUEUES];
	struct backend *backends[SESSION_MAX_QUEUES];
	struct worker *workers[SESSION_MAX_QUEUES];
};

struct reporter {
	struct report_ctx ctx;
	int bypass_fd; /* raw receivers: a socket on the listen port, or -1 */
	uint64_t bypassed;
	FILE *out; /* NULL: print nothing */
	FILE *csv;
	FILE *per_flow_csv; /* --per-flow-csv, written at the end */
	struct stats_snapshot *prev;
	struct stats_snapshot *cur;
	struct stats_snapshot *delta;
	struct stats_snapshot *one;
	double prev_s;
};

/*
 * A raw receiver sees what arrives on its interface. A sender on this host
 * reaches a local address over lo instead, where the raw backend never
 * sees it: a socket bound to the listen port catches those datagrams (and
 * keeps the kernel from refusing them), so the report can say where the
 * traffic went rather than "nothing arrived".
 */
static int bypass_open(const struct backend_config *cfg)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (cfg->local.family != AF_INET && cfg->local.family != AF_INET6)
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (cfg->local.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = cfg->local.v4;
		sin->sin_port = htons(cfg->local_port);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = cfg->local.v6;
		sin6->sin6_port = htons(cfg->local_port);
		len = sizeof(*sin6);
	}
	fd = socket(cfg->local.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -1;
	/* Room for what arrives between two reporter ticks (20 ms) at some
	 * hundred kpps, so the count is whole; root may go past rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ BYPASS_RCVBUF },
		       sizeof(int)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int){ BYPASS_RCVBUF },
			   sizeof(int));
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		/* Someone else's socket on the port: theirs to read. */
		pr_debug("session: no loopback watch on port %u: %s\n",
			 cfg->local_port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Count (and discard) what reached the watch socket; bounded per call. */
static void bypass_drain(struct reporter *r)
{
	char buf[64];

	if (r->bypass_fd < 0)
		return;
	for (int i = 0; i < 4096; i++) {
		ssize_t got = recv(r->bypass_fd, buf, sizeof(buf), MSG_TRUNC);

		if (got < 0)
			break;
		r->bypassed++;
	}
}

/* All workers' stats, merged, into r->cur. */
static void take_all(struct reporter *r, struct worker *const *w, uint32_t n,
		     uint64_t now)
{
	stats_snapshot_take(r->cur, &w[0]->stats, now);
	for (uint32_t i = 1; i < n; i++) {
		stats_snapshot_take(r->one, &w[i]->stats, now);
		stats_snapshot_merge(r->cur, r->one);
	}
	bypass_drain(r);
	r->cur->c.rx_bypassed = r->bypassed;
}

static void emit_interval(struct reporter *r, struct worker *const *w,
			  uint32_t n, uint64_t now)
{
	const struct test_spec *sp = r->ctx.spec;
	double to_s = (double)(now - w[0]->start_mono_ns) / 1e9;

	take_all(r, w, n, now);
	stats_snapshot_delta(r->delta, r->cur, r->prev);
	if (to_s - r->prev_s < 0.001)
		return;
	if (r->ctx.intervals) {
		if (json_array_size(r->ctx.intervals) < REPORT_MAX_INTERVALS)
			json_array_append_new(r->ctx.intervals,
					      report_interval_json(&r->ctx,
								   r->delta,
								   r->prev_s,
								   to_s));
		else
			r->ctx.intervals_dropped++;
	}
	if (sp->output == OUTPUT_JSON_STREAM) {
		json_t *line = json_object();

		json_object_set_new(line, "interval",
				    report_interval_json(&r->ctx, r->delta,
							 r->prev_s, to_s));
		json_object_set_new(line, "final", json_false());
		if (r->out)
			report_json_print(r->out, line, true);
		json_decref(line);
	} else if (sp->output == OUTPUT_TEXT && !sp->quiet && r->out) {
		report_text_interval(r->out, &r->ctx, r->delta, r->prev_s, to_s);
	}
	if (r->csv)
		report_csv_row(r->csv, &r->ctx, r->delta, r->prev_s, to_s);
	memcpy(r->prev, r->cur, sizeof(*r->prev));
	r->prev_s = to_s;
}

/* Seconds the totals cover: a receiver's rates count from its first to
 * its last test packet, not the time it sat waiting; a ping's cover its
 * sending, not the wait for the last replies. */
static double active_seconds(struct worker *const *w, uint32_t n)
{
	uint64_t start = w[0]->start_mono_ns, end = 0, first = 0, last = 0;
	enum role role = w[0]->spec->role;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t f = w[i]->rx_first_mono_ns;

		if (w[i]->end_mono_ns > end)
			end = w[i]->end_mono_ns;
		if (f && (!first || f < first))
			first = f;
		if (w[i]->stats.c.last_rx_ns > last)
			last = w[i]->stats.c.last_rx_ns;
	}
	if (role == ROLE_PING && w[0]->tx_end_mono_ns > start)
		return (double)(w[0]->tx_end_mono_ns - start) / 1e9;
	if ((role == ROLE_RECV || role == ROLE_REFLECT) && first && last > first)
		return (double)(last - first) / 1e9;
	return (double)(end - start) / 1e9;
}

static uint64_t session_end_ns(const struct session *s)
{
	uint64_t end = 0;

	for (uint32_t i = 0; i < s->nworkers; i++)
		if (s->workers[i]->end_mono_ns > end)
			end = s->workers[i]->end_mono_ns;
	return end;
}

/* A backend that counts in the kernel: its own flows, if it has them. */
static void flows_collect_kernel(struct reporter *r, struct worker *const *w,
				 uint32_t n)
{
	const struct backend_ops *ops = w[0]->ops;
	size_t cap = (size_t)n * SPEC_MAX_FLOWS, got = 0;

	if (!ops->flow_results)
		return;
	r->ctx.per_flow = calloc(cap, sizeof(*r->ctx.per_flow));
	if (!r->ctx.per_flow) {
		pr_warn("per-flow results: out of memory\n");
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		got += ops->flow_results(w[i]->backend, r->ctx.per_flow + got,
					 cap - got, &r->ctx.per_flow_note);
	r->ctx.per_flow_count = got;
}

/*
 * The workers have finished: their flows, all of them, for the final
 * report. None when the backend counts in the kernel (its own flows are
 * not in user space) or when nothing was tracked.
 */
static void flows_collect(struct reporter *r, struct worker *const *w,
			  uint32_t n)
{
	size_t total = 0, got = 0;

	free(r->ctx.per_flow);
	r->ctx.per_flow = NULL;
	r->ctx.per_flow_count = 0;
	r->ctx.per_flow_note = NULL;
	if (r->ctx.unmeasured & STATS_NO_SEQUENCE)
		return;
	if (w[0]->spec->role == ROLE_SEND)
		return;
	if (w[0]->ops->flags & BACKEND_F_KERNEL) {
		flows_collect_kernel(r, w, n);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		total += w[i]->nactive;
	/* An empty array, not null: the flows were tracked, none came. */
	r->ctx.per_flow = calloc(total ? total : 1, sizeof(*r->ctx.per_flow));
	if (!r->ctx.per_flow) {
		pr_warn("per-flow results: out of memory\n");
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		got += worker_flow_results(w[i], r->ctx.per_flow + got,
					   total - got);
	r->ctx.per_flow_count = got;
}

static void flows_write_csv(struct reporter *r, const char *path)
{
	FILE *f = r->per_flow_csv;

	r->per_flow_csv = NULL;
	if (!r->ctx.per_flow) {
		pr_warn("--per-flow-csv: this backend has no per-flow "
			"results; %s is empty\n", path);
		fclose(f);
		return;
	}
	if (flowreport_csv(f, r->ctx.per_flow, r->ctx.per_flow_count,
			   !(r->ctx.unmeasured & STATS_NO_LATENCY)) |
	    fclose(f))
		pr_warn("--per-flow-csv: writing %s failed\n", path);
}

static void emit_final(struct reporter *r, struct worker *const *w,
		       uint32_t n, json_t **final, bool silent, char *failure,
		       size_t failure_len)
{
	const struct test_spec *sp = r->ctx.spec;
	double seconds = active_seconds(w, n);
	uint64_t tx_start = w[0]->start_mono_ns, tx_end = 0;
	json_t *doc = NULL;

	take_all(r, w, n, mono_ns());
	flows_collect(r, w, n);
	if (r->per_flow_csv)
		flows_write_csv(r, sp->per_flow_csv_path);
	for (uint32_t i = 0; i < n; i++)
		if (w[i]->end_mono_ns > tx_end)
			tx_end = w[i]->end_mono_ns;
	if (report_traffic_failed(sp->role, &r->cur->c, r->ctx.target_pps,
				  tx_start, tx_end, failure, failure_len))
		r->ctx.failure = failure;
	if (sp->output == OUTPUT_JSON || sp->output == OUTPUT_JSON_STREAM ||
	    final)
		doc = report_json(&r->ctx, r->cur, seconds, true);
	if (r->out && doc && sp->output != OUTPUT_TEXT && !silent)
		report_json_print(r->out, doc, sp->output == OUTPUT_JSON_STREAM);
	else if (r->out && sp->output == OUTPUT_TEXT && !silent)
		report_text_final(r->out, &r->ctx, r->cur, seconds);
	if (final)
		*final = doc;
	else
		json_decref(doc);
}

/* Hand the totals so far to the observer. */
static void emit_live(struct reporter *r, struct worker *const *w, uint32_t n,
		      const struct session_observer *obs, uint64_t now)
{
	double seconds = active_seconds(w, n);

	take_all(r, w, n, now);
	obs->on_live(obs->arg, &r->ctx, r->cur, seconds);
}

static int reporter_init(struct reporter *r, const struct test_spec *sp,
			 struct lr_err *lerr)
{
	memset(r, 0, sizeof(*r));
	r->bypass_fd = -1;
	r->prev = malloc(sizeof(*r->prev));
	r->cur = malloc(sizeof(*r->cur));
	r->delta = malloc(sizeof(*r->delta));
	r->one = malloc(sizeof(*r->one));
	if (!r->prev || !r->cur || !r->delta || !r->one)
		return -ENOMEM;
	stats_snapshot_init(r->one);
	stats_snapshot_init(r->prev);
	stats_snapshot_init(r->cur);
	stats_snapshot_init(r->delta);
	if (sp->csv_path) {
		r->csv = fopen(sp->csv_path, "w");
		if (!r->csv)
			return lr_err_set(lerr, -errno, "csv",
					  "--csv: cannot write %s: %s",
					  sp->csv_path, strerror(errno));
		report_csv_header(r->csv, sp->role);
	}
	if (sp->per_flow_csv_path) {
		/* Opened now: a path that cannot be written fails before
		 * the test, not after it. */
		r->per_flow_csv = fopen(sp->per_flow_csv_path, "w");
		if (!r->per_flow_csv)
			return lr_err_set(lerr, -errno, "per_flow_csv",
					  "--per-flow-csv: cannot write %s: %s",
					  sp->per_flow_csv_path,
					  strerror(errno));
	}
	if (sp->output == OUTPUT_JSON)
		r->ctx.intervals = json_array();
	return 0;
}

static void reporter_destroy(struct reporter *r)
{
	if (r->bypass_fd >= 0)
		close(r->bypass_fd);
	if (r->csv)
		fclose(r->csv);
	if (r->per_flow_csv)
		fclose(r->per_flow_csv);
	json_decref(r->ctx.intervals);
	free(r->ctx.per_flow);
	free(r->prev);
	free(r->cur);
	free(r->delta);
	free(r->one);
}

static uint32_t share(uint64_t total, uint32_t parts, uint32_t i)
{
	return (uint32_t)(total / parts + (i < total % parts ? 1 : 0));
}

/*
 * Worker i's part of the test: a sender's rate, count and flows are split
 * over the queues (each flow stays on one worker, so its sequence numbers
 * come from one place); a receiver's worker takes whatever its queue gets.
 */
static void spec_for_queue(const struct test_spec *sp, uint32_t queues,
			   uint32_t i, struct test_spec *out,
			   uint32_t *flow_base)
{
	*out = *sp;
	*flow_base = 0;
	if (sp->cpu >= 0)
		out->cpu = sp->cpu + (int)i;
	if (queues == 1)
		return;
	if (sp->role == ROLE_SEND) {
		if (sp->rate.kind != RATE_MAX)
			out->rate.value = sp->rate.value / queues;
		if (sp->count)
			out->count = sp->count / queues +
				     (i < sp->count % queues ? 1 : 0);
		out->flows = share(sp->flows, queues, i);
		for (uint32_t q = 0; q < i; q++)
			*flow_base += share(sp->flows, queues, q);
	} else {
		/* The session counts the total against --count. */
		out->count = 0;
	}
}

static void session_close(struct session *s)
{
	for (uint32_t i = 0; i < s->nworkers; i++) {
		if (s->workers[i]) {
			worker_destroy(s->workers[i]);
			free(s->workers[i]);
		}
		if (s->backends[i])
			s->ops->close(s->backends[i]);
	}
	free(s);
}

/* Open a backend and a worker per queue; queue 0 picks the backend. */
static int session_open(struct session *s, const struct test_spec *sp,
			atomic_bool *stop, char *fallback, size_t fallback_len,
			struct lr_err *lerr)
{
	uint32_t queues = sp->backend.queues ? sp->backend.queues : 1;
	struct backend_request req;
	int err;

	s->spec = sp;
	backend_request_from_spec(sp, &req);
	err = backend_select_open(&req, &s->ops, &s->backends[0], &s->cfgs[0],
				  fallback, fallback_len, lerr);
	if (err)
		return err;
	if (queues > 1 && !(s->ops->flags & BACKEND_F_RAW)) {
		s->nworkers = 1;
		return lr_err_set(lerr, -EINVAL, "queues",
				  "--queues: the %s backend runs on one queue",
				  s->ops->name);
	}
	for (uint32_t i = 0; i < queues; i++) {
		uint32_t flow_base;

		s->nworkers = i + 1;
		spec_for_queue(sp, queues, i, &s->specs[i], &flow_base);
		/* A queue sends its share of the flows, from its first port. */
		s->cfgs[0].flows = s->specs[0].flows;
		if (i > 0) {
			s->cfgs[i] = s->cfgs[0];
			s->cfgs[i].queue_id = i;
			s->cfgs[i].flows = s->specs[i].flows;
			s->cfgs[i].cpu = s->specs[i].cpu;
			s->cfgs[i].frame.src_port =
				(uint16_t)(s->cfgs[0].frame.src_port + flow_base);
			err = s->ops->open(&s->cfgs[i], &s->backends[i], lerr);
			if (err)
				return lr_err_set(lerr, err, NULL,
						  "%s backend, queue %u: %s",
						  s->ops->name, i,
						  strerror(-err));
		}
		s->workers[i] = aligned_alloc(64, (sizeof(struct worker) + 63) &
							  ~(size_t)63);
		if (!s->workers[i])
			return -ENOMEM;
		err = worker_init(s->workers[i], &s->specs[i], s->ops,
				  s->backends[i], &s->cfgs[i], stop);
		if (err) {
			free(s->workers[i]);
			s->workers[i] = NULL;
			return err;
		}
		s->workers[i]->flow_base = flow_base;
	}
	return 0;
}

static bool session_done(struct session *s)
{
	for (uint32_t i = 0; i < s->nworkers; i++)
		if (!atomic_load(&s->workers[i]->done))
			return false;
	return true;
}

/*
 * With several queues the end of a receiving test is decided here, over
 * all of them: a queue that gets no traffic must not keep the test alive,
 * and --count is the total.
 */
static void session_check_end(struct session *s, atomic_bool *stop,
			      uint64_t now)
{
	const struct test_spec *sp = s->spec;
	uint64_t last = 0, packets = 0;

	if (s->nworkers == 1 || sp->role == ROLE_SEND)
		return;
	for (uint32_t i = 0; i < s->nworkers; i++) {
		const struct stats_counters *c = &s->workers[i]->stats.c;
		uint64_t l = __atomic_load_n(&c->last_rx_ns, __ATOMIC_RELAXED);

		packets += __atomic_load_n(&c->rx_packets, __ATOMIC_RELAXED);
		if (l > last)
			last = l;
	}
	/* The workers' own rule over their sums; start = now leaves the
	 * duration out: each worker ends at it by itself, on its clock. */
	if (spec_run_over(sp, false, now, now, packets, last))
		atomic_store(stop, true);
}

/*
 * A udp sender's interface: where the route to the destination leaves,
 * for its transmit drops. A reflector answers many peers; it gets none.
 */
static bool udp_egress_counters(const struct session *s, char *ifname,
				size_t len, struct if_counters *out)
{
	const struct test_spec *sp = s->spec;
	struct net_path path;

	if ((s->ops->flags & BACKEND_F_RAW) ||
	    (sp->role != ROLE_SEND && sp->role != ROLE_PING))
		return false;
	if (netpath_to(&sp->dst, sp->has_src ? &sp->src : NULL,
		       sp->backend.ifname[0] ? sp->backend.ifname : NULL, &path,
		       NULL))
		return false;
	snprintf(ifname, len, "%s", path.ifname);
	return !netpath_if_counters(ifname, out);
}

int session_run(const struct test_spec *sp, atomic_bool *stop, char *failure,
		size_t failure_len, struct lr_err *err)
{
	struct session_observer obs = { .out = stdout };
	int rc;

	rc = session_run_observed(sp, stop, &obs);
	snprintf(failure, failure_len, "%s", obs.failure);
	*err = obs.err;
	return rc;
}

int session_run_observed(const struct test_spec *sp, atomic_bool *stop,
			 struct session_observer *obs)
{
	struct session *s = calloc(1, sizeof(*s));
	char note[512], fallback[384], kernel_stats[1024] = "";
	struct if_counters if_before, if_after;
	char udp_if[IF_NAMESIZE];
	bool have_udp_if;
	struct reporter rep;
	const char *mode_note;
	bool have_if;
	struct worker *w0;
	uint64_t next_report, next_live;
	int err, werr;

	obs->failure[0] = '\0';
	lr_err_clear(&obs->err);
	if (!s)
		return lr_err_errno(&obs->err, -ENOMEM);
	err = session_open(s, sp, stop, fallback, sizeof(fallback), &obs->err);
	if (err) {
		if (obs->on_started)
			obs->on_started(obs->arg, NULL);
		goto out_session;
	}
	w0 = s->workers[0];
	mode_note = s->ops->note ? s->ops->note(s->backends[0]) : NULL;
	snprintf(note, sizeof(note), "%s%s%s", fallback,
		 fallback[0] && mode_note ? "; " : "", mode_note ? mode_note : "");
	err = reporter_init(&rep, sp, &obs->err);
	if (err) {
		if (obs->on_started)
			obs->on_started(obs->arg, NULL);
		/* What it opened and allocated before it failed. */
		reporter_destroy(&rep);
		goto out_session;
	}
	rep.ctx.spec = sp;
	rep.out = obs->out;
	rep.ctx.backend_name = s->ops->name;
	rep.ctx.backend_mode = s->ops->mode(s->backends[0]);
	rep.ctx.backend_note = note[0] ? note : NULL;
	rep.ctx.unmeasured = s->ops->unmeasured ?
				     s->ops->unmeasured(s->backends[0]) : 0;
	if ((s->ops->flags & BACKEND_F_RAW) &&
	    (sp->role == ROLE_RECV || sp->role == ROLE_REFLECT)) {
		rep.bypass_fd = bypass_open(&s->cfgs[0]);
		rep.ctx.bypass_watched = rep.bypass_fd >= 0;
	}
	rep.ctx.target_pps = spec_target_pps(sp);
	rep.ctx.queues = s->nworkers;
	rep.ctx.clock = clock_name(CLOCK_REALTIME);
	rep.ctx.one_way_valid = sp->clock_sync != CLOCK_SYNC_NONE;
	rep.ctx.one_way_error_ns = sp->clock_sync == CLOCK_SYNC_MEASURED ?
					   sp->clock_error_ns :
					   0;
	rep.ctx.one_way_note =
		rep.ctx.one_way_valid ?
			NULL :
			"one-way figures assume synchronised clocks; pass "
			"--clock-sync host when sender and receiver share "
			"this host's clock";
	rep.ctx.start_real_ns = clock_ns(CLOCK_REALTIME);
	if (sp->output == OUTPUT_TEXT && !sp->quiet && rep.out)
		report_text_header(rep.out, &rep.ctx);

	have_if = (s->ops->flags & BACKEND_F_RAW) &&
		  s->cfgs[0].opts.ifname[0] &&
		  !netpath_if_counters(s->cfgs[0].opts.ifname, &if_before);
	have_udp_if = udp_egress_counters(s, udp_if, sizeof(udp_if),
					  &if_before);
	for (uint32_t i = 0; i < s->nworkers; i++) {
		err = worker_start(s->workers[i]);
		if (err) {
			atomic_store(stop, true);
			break;
		}
	}
	rep.ctx.start_mono_ns = w0->start_mono_ns;
	next_report = rep.ctx.start_mono_ns + sp->interval_ns;
	next_live = rep.ctx.start_mono_ns;
	if (obs->on_started)
		obs->on_started(obs->arg, err ? NULL : &rep.ctx);
	while (!session_done(s)) {
		uint64_t now = mono_ns();

		session_check_end(s, stop, now);
		if (obs->on_live && now >= next_live) {
			emit_live(&rep, s->workers, s->nworkers, obs, now);
			next_live = now + (obs->live_period_ns ?
						   obs->live_period_ns :
						   NSEC_PER_SEC / 4);
		}
		if (sp->interval_ns && now >= next_report) {
			emit_interval(&rep, s->workers, s->nworkers, now);
			next_report += sp->interval_ns;
			if (next_report <= now)
				next_report = now + sp->interval_ns;
		}
		clock_sleep_until(now + REPORTER_TICK_NS);
	}
	for (uint32_t i = 0; i < s->nworkers; i++) {
		werr = worker_join(s->workers[i]);
		if (werr && !err)
			err = werr;
		if (werr && lr_err_is_set(&s->workers[i]->err))
			lr_err_set(&obs->err, werr, s->workers[i]->err.field,
				   "%s", s->workers[i]->err.message);
		if (s->ops->kernel_stats) {
			char one[1024];

			if (!s->ops->kernel_stats(s->backends[i], one, sizeof(one)))
				stats_kv_add(kernel_stats, sizeof(kernel_stats),
						 one);
		}
	}
	if (have_if &&
	    !netpath_if_counters(s->cfgs[0].opts.ifname, &if_after)) {
		char line[256];

		/* What the interface itself dropped during the test: a
		 * packet lost there shows up, if not in our counters. */
		snprintf(line, sizeof(line),
			 "if_tx_dropped=%llu if_rx_dropped=%llu if_rx_missed=%llu "
			 "if_tx_errors=%llu if_rx_errors=%llu",
			 (unsigned long long)(if_after.tx_dropped - if_before.tx_dropped),
			 (unsigned long long)(if_after.rx_dropped - if_before.rx_dropped),
			 (unsigned long long)(if_after.rx_missed - if_before.rx_missed),
			 (unsigned long long)(if_after.tx_errors - if_before.tx_errors),
			 (unsigned long long)(if_after.rx_errors - if_before.rx_errors));
		stats_kv_add(kernel_stats, sizeof(kernel_stats), line);
	}
	if (kernel_stats[0])
		rep.ctx.kernel_stats = kernel_stats;
	/* The last, partial interval. */
	if (sp->interval_ns)
		emit_interval(&rep, s->workers, s->nworkers,
			      session_end_ns(s));
	/* The final report's rates count what left the interface. */
	if (sp->role != ROLE_RECV) {
		uint64_t dropped;
		const char *from;

		if (s->ops->tx_dropped &&
		    !s->ops->tx_dropped(s->backends[0], &dropped, &from)) {
			rep.ctx.has_tx_if_dropped = true;
			rep.ctx.tx_if_dropped = dropped;
			rep.ctx.tx_if_dropped_from = from;
		} else if ((have_if || have_udp_if) &&
			   !netpath_if_counters(
				   have_if ? s->cfgs[0].opts.ifname : udp_if,
				   &if_after)) {
			rep.ctx.has_tx_if_dropped = true;
			rep.ctx.tx_if_dropped =
				if_after.tx_dropped - if_before.tx_dropped;
			rep.ctx.tx_if_dropped_from = "if_tx_dropped";
		}
	}
	emit_final(&rep, s->workers, s->nworkers,
		   obs->want_final ? &obs->final : NULL, obs->final_silent,
		   obs->failure, sizeof(obs->failure));
	/* The observer's last totals are the final ones: a counter it
	 * publishes (the daemon's /metrics) must not step back at the end. */
	if (obs->on_live)
		obs->on_live(obs->arg, &rep.ctx, rep.cur,
			     active_seconds(s->workers, s->nworkers));
	if (err)
		lr_err_set(&obs->err, err, NULL, "%s: %s", role_name(sp->role),
			   strerror(-err));
	reporter_destroy(&rep);
out_session:
	if (err)
		lr_err_errno(&obs->err, err);
	session_close(s);
	return err;
}
