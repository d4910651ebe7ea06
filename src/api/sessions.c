// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "lib/clock.h"
#include "api/daemon.h"
#include "backend/netpath.h"
#include "engine/session.h"
#include "api/http.h"
#include "lib/log.h"
#include "lib/names.h"
#include "stamp/stamp.h"

#define REG_RETAIN_MAX 64 /* finished sessions kept for their reports */
#define WATCHDOG_TICK_NS (100 * NSEC_PER_MSEC)
#define START_TIMEOUT_NS (10 * NSEC_PER_SEC)
#define PORT_TRIES 8

struct registry {
	struct daemon_config cfg;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a session started, failed or ended */
	struct api_session **sessions;
	unsigned int count, cap;
	pthread_t watchdog;
	atomic_bool stop;
	uint64_t created, refused, finished;
	struct api_counters removed;
};

LR_NAME_FN(api_state_name, enum api_session_state, "unknown",
	   [API_STATE_STARTING] = "starting", [API_STATE_RUNNING] = "running",
	   [API_STATE_DONE] = "done", [API_STATE_FAILED] = "failed")

static bool session_live(const struct api_session *s)
{
	return s->state == API_STATE_STARTING || s->state == API_STATE_RUNNING;
}

/* ---- the session's own thread: the engine, observed */

static void on_started(void *arg, const struct report_ctx *ctx)
{
	struct api_session *s = arg;
	struct registry *reg = s->registry;

	pthread_mutex_lock(&reg->lock);
	s->start_done = true;
	if (ctx) {
		s->state = API_STATE_RUNNING;
		s->started_mono_ns = mono_ns();
		snprintf(s->backend, sizeof(s->backend), "%s", ctx->backend_name);
		snprintf(s->backend_mode, sizeof(s->backend_mode), "%s",
			 ctx->backend_mode ? ctx->backend_mode : "");
	}
	pthread_cond_broadcast(&reg->cond);
	pthread_mutex_unlock(&reg->lock);
}

/* 1 us .. 10 s, 1-2.5-5 per decade. */
const uint64_t api_latency_le_ns[API_LATENCY_BUCKETS] = {
	1000ULL,       2500ULL,       5000ULL,	      10000ULL,
	25000ULL,      50000ULL,      100000ULL,      250000ULL,
	500000ULL,     1000000ULL,    2500000ULL,     5000000ULL,
	10000000ULL,   25000000ULL,   50000000ULL,    100000000ULL,
	250000000ULL,  500000000ULL,  1000000000ULL,  2500000000ULL,
	5000000000ULL, 10000000000ULL,
};

static void latency_from(struct api_latency *l, const struct report_ctx *ctx,
			 enum api_role role, const struct stats_snapshot *total)
{
	const struct hist *h = &total->latency;

	/* Interarrival jitter needs no synced clock (the offset cancels),
	 * only two packets of a flow: an IPDV sample. */
	l->jitter_measured = (role == API_ROLE_SINK || role == API_ROLE_PING) &&
			     shist_count(&total->ipdv) > 0;
	l->jitter_ns = total->c.jitter_rfc3550_ns;
	l->round_trip = role == API_ROLE_PING;
	/* One-way latency is a number only when the clocks were synced;
	 * sources and reflectors measure none. */
	l->measured = l->round_trip ||
		      (role == API_ROLE_SINK && ctx->one_way_valid);
	if (!l->measured)
		return;
	l->count = hist_cumulative(h, api_latency_le_ns, API_LATENCY_BUCKETS,
				   l->le);
	l->sum_ns = h->sum;
}

static void counters_from(struct api_counters *a, const struct stats_counters *c)
{
#define COUNTER_COPY(name) a->name = c->name;
	API_COUNTER_NAMES(COUNTER_COPY)
#undef COUNTER_COPY
}

static void on_live(void *arg, const struct report_ctx *ctx,
		    const struct stats_snapshot *total, double seconds)
{
	struct api_session *s = arg;
	struct registry *reg = s->registry;
	json_t *doc = report_json(ctx, total, seconds, false);

	pthread_mutex_lock(&reg->lock);
	if (total->c.rx_packets != s->counters.rx_packets)
		s->last_traffic_ns = mono_ns();
	counters_from(&s->counters, &total->c);
	latency_from(&s->latency, ctx, s->role, total);
	json_decref(s->live);
	s->live = doc;
	pthread_mutex_unlock(&reg->lock);
}

/* The sender's pacing from its final report (tx.pacing), for /metrics;
 * a null figure stays -1 (not measured). */
static void session_pacing_from(struct api_session *s, json_t *pacing)
{
	json_t *v;

	s->pacing.gap_p99_ns = s->pacing.late_max_ns = -1;
	if (!json_is_object(pacing))
		return;
	/* tx_bursts came with the counters (on_live, the final totals). */
	v = json_object_get(pacing, "gap_p99_ns");
	if (json_is_integer(v))
		s->pacing.gap_p99_ns = json_integer_value(v);
	v = json_object_get(pacing, "late_max_ns");
	if (json_is_integer(v))
		s->pacing.late_max_ns = json_integer_value(v);
}

static void *session_thread(void *arg)
{
	struct api_session *s = arg;
	struct registry *reg = s->registry;
	struct session_observer obs = {
		.out = NULL,
		.want_final = true,
		.on_started = on_started,
		.on_live = on_live,
		.arg = s,
	};
	int err;

	/* What a session logs, its client caused: a flood of failing
	 * requests must not flood the log. */
	log_client_thread(1);
	if (s->role == API_ROLE_STAMP_REFLECT)
		err = stamp_reflect_session(&s->spec, s->stamp_stateful,
					    &s->stop, &obs);
	else
		err = session_run_observed(&s->spec, &s->stop, &obs);
	if (err) {
		lr_err_errno(&obs.err, err);
		/* The daemon's log says why, as the client's answer does;
		 * under the client-caused line limit set above. */
		pr_warn("session %s: %s\n", s->id, lr_err_text(&obs.err));
	}
	pthread_mutex_lock(&reg->lock);
	s->final = obs.final;
	s->ended_mono_ns = mono_ns();
	if (err) {
		s->state = API_STATE_FAILED;
		s->err = obs.err;
		if (!s->end_reason)
			s->end_reason = "error";
	} else {
		s->state = API_STATE_DONE;
		if (!s->end_reason)
			s->end_reason = "completed";
	}
	/* The counters came with the last on_live (the final totals); the
	 * pacing figures only with the final report. */
	if (s->final) {
		json_t *tx = json_object_get(s->final, "tx");

		if (tx)
			session_pacing_from(s, json_object_get(tx, "pacing"));
	}
	s->start_done = true;
	reg->finished++;
	pthread_cond_broadcast(&reg->cond);
	pthread_mutex_unlock(&reg->lock);
	return NULL;
}

static struct api_session *session_alloc(struct registry *reg)
{
	struct api_session *s = calloc(1, sizeof(*s));
	uint8_t rnd[8];

	if (!s)
		return NULL;
	s->pacing.gap_p99_ns = s->pacing.late_max_ns = -1;
	s->registry = reg;
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		uint64_t t = clock_ns(CLOCK_REALTIME) ^ (uintptr_t)s;

		memcpy(rnd, &t, sizeof(rnd));
	}
	for (int i = 0; i < 8; i++)
		snprintf(s->id + 2 * i, 3, "%02x", rnd[i]);
	return s;
}

static void session_free(struct api_session *s)
{
	json_decref(s->live);
	json_decref(s->final);
	free(s);
}

static void counters_add(struct api_counters *a, const struct api_counters *b)
{
#define COUNTER_ADD(name) a->name += b->name;
	API_COUNTER_NAMES(COUNTER_ADD)
#undef COUNTER_ADD
}

/* A finished session whose thread has been joined: the only kind that may
 * be freed. Under the lock. */
static bool session_removable(const struct api_session *s)
{
	return !session_live(s) && !s->creating && s->thread_joined;
}

/* Under the lock; the session must be removable. */
static void registry_remove_at(struct registry *reg, unsigned int i)
{
	struct api_session *s = reg->sessions[i];

	counters_add(&reg->removed, &s->counters);
	session_free(s);
	memmove(&reg->sessions[i], &reg->sessions[i + 1],
		(reg->count - i - 1) * sizeof(reg->sessions[0]));
	reg->count--;
}

/* ---- the watchdog: idle and overlong sessions, and the old ones */

#define WATCHDOG_JOIN_MAX 64

/* Under the lock: claim up to WATCHDOG_JOIN_MAX finished, unjoined sessions
 * (not one its creator still holds); then join them with the lock released,
 * so a slow join never blocks the API. */
static void watchdog_join_finished(struct registry *reg)
{
	struct api_session *claimed[WATCHDOG_JOIN_MAX];
	unsigned int n = 0;

	for (unsigned int i = 0; i < reg->count && n < WATCHDOG_JOIN_MAX; i++) {
		struct api_session *s = reg->sessions[i];

		if (session_live(s) || s->creating || s->joining ||
		    s->thread_joined)
			continue;
		s->joining = true;
		claimed[n++] = s;
	}
	if (!n)
		return;
	pthread_mutex_unlock(&reg->lock);
	for (unsigned int i = 0; i < n; i++)
		pthread_join(claimed[i]->thread, NULL);
	pthread_mutex_lock(&reg->lock);
	for (unsigned int i = 0; i < n; i++) {
		claimed[i]->joining = false;
		claimed[i]->thread_joined = true;
	}
}

static void watchdog_tick(struct registry *reg, uint64_t now)
{
	const struct daemon_config *cfg = &reg->cfg;
	unsigned int finished = 0;

	watchdog_join_finished(reg);

	for (unsigned int i = 0; i < reg->count; i++) {
		struct api_session *s = reg->sessions[i];
		uint64_t active = s->last_contact_ns;

		if (session_live(s)) {
			if (s->last_traffic_ns > active)
				active = s->last_traffic_ns;
			if (s->started_mono_ns > active)
				active = s->started_mono_ns;
			if (!atomic_load(&s->stop) && cfg->idle_timeout_ns &&
			    now - active > cfg->idle_timeout_ns) {
				pr_info("session %s: idle for %.1f s, ending it\n",
					s->id, (double)(now - active) / 1e9);
				s->end_reason = "idle";
				atomic_store(&s->stop, true);
			}
			if (!atomic_load(&s->stop) && s->started_mono_ns &&
			    now - s->started_mono_ns >
				    cfg->max_duration_ns + 5 * NSEC_PER_SEC) {
				s->end_reason = "max-duration";
				atomic_store(&s->stop, true);
			}
			continue;
		}
		if (session_removable(s))
			finished++;
	}
	for (unsigned int i = 0; i < reg->count;) {
		struct api_session *s = reg->sessions[i];

		if (session_removable(s) &&
		    (now - s->ended_mono_ns > cfg->retain_ns ||
		     finished > REG_RETAIN_MAX)) {
			registry_remove_at(reg, i);
			finished--;
			continue;
		}
		i++;
	}
}

static void *watchdog_thread(void *arg)
{
	struct registry *reg = arg;

	log_client_thread(1);
	while (!atomic_load(&reg->stop)) {
		log_client_flush();
		pthread_mutex_lock(&reg->lock);
		watchdog_tick(reg, mono_ns());
		pthread_mutex_unlock(&reg->lock);
		clock_wait_until(mono_ns() + WATCHDOG_TICK_NS);
	}
	return NULL;
}

struct registry *registry_create(const struct daemon_config *cfg)
{
	struct registry *reg = calloc(1, sizeof(*reg));
	pthread_condattr_t ca;
	int err;

	if (!reg)
		return NULL;
	reg->cfg = *cfg;
	reg->cap = cfg->max_sessions + REG_RETAIN_MAX + 1;
	reg->sessions = calloc(reg->cap, sizeof(reg->sessions[0]));
	if (!reg->sessions) {
		err = ENOMEM;
		goto err_free;
	}
	pthread_mutex_init(&reg->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&reg->cond, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&reg->watchdog, NULL, watchdog_thread, reg);
	if (err)
		goto err_free_sessions;
	return reg;

err_free_sessions:
	free(reg->sessions);
err_free:
	free(reg);
	errno = err;
	return NULL;
}

void registry_destroy(struct registry *reg)
{
	if (!reg)
		return;
	atomic_store(&reg->stop, true);
	pthread_join(reg->watchdog, NULL);
	pthread_mutex_lock(&reg->lock);
	for (unsigned int i = 0; i < reg->count; i++) {
		if (!reg->sessions[i]->end_reason)
			reg->sessions[i]->end_reason = "shutdown";
		atomic_store(&reg->sessions[i]->stop, true);
	}
	pthread_mutex_unlock(&reg->lock);
	for (unsigned int i = 0; i < reg->count; i++) {
		if (!reg->sessions[i]->thread_joined)
			pthread_join(reg->sessions[i]->thread, NULL);
		session_free(reg->sessions[i]);
	}
	pthread_cond_destroy(&reg->cond);
	pthread_mutex_destroy(&reg->lock);
	free(reg->sessions);
	free(reg);
}

/* ---- admission */

static int ip_from_sockaddr(const struct sockaddr_storage *ss, struct ip_addr *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (ss->ss_family == AF_INET) {
		ip->family = AF_INET;
		ip->v4 = ((const struct sockaddr_in *)ss)->sin_addr;
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

		/* A v4 client on a dual-stack socket. */
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			ip->family = AF_INET;
			memcpy(&ip->v4, &a->s6_addr[12], 4);
			return 0;
		}
		ip->family = AF_INET6;
		ip->v6 = *a;
		return 0;
	}
	return -EAFNOSUPPORT;
}

int api_client_from(const struct sockaddr_storage *peer, bool admin,
		    struct api_client *out)
{
	int err = ip_from_sockaddr(peer, &out->ip);

	out->admin = admin;
	return err;
}

unsigned int daemon_per_client_limit(const struct daemon_config *cfg)
{
	if (cfg->max_sessions_per_client)
		return cfg->max_sessions_per_client;
	return (cfg->max_sessions + 1) / 2;
}

static bool ip_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

/* The same token class from the same address. */
static bool session_owned_by(const struct api_session *s,
			     const struct api_client *who)
{
	return who && s->owner.admin == who->admin &&
	       ip_equal(&s->owner.ip, &who->ip);
}

static bool session_visible_to(const struct api_session *s,
			       const struct api_client *who)
{
	return !who || who->admin || session_owned_by(s, who);
}

static bool target_allowed(const struct registry *reg, const struct ip_addr *dst,
			   const struct sockaddr_storage *client)
{
	struct ip_addr c;

	if (!ip_from_sockaddr(client, &c) && c.family == dst->family &&
	    !memcmp(c.family == AF_INET ? (const void *)&c.v4 : (const void *)&c.v6,
		    dst->family == AF_INET ? (const void *)&dst->v4 :
					     (const void *)&dst->v6,
		    c.family == AF_INET ? 4 : 16))
		return true;
	for (unsigned int i = 0; i < reg->cfg.allow_count; i++) {
		const struct ip_addr *a = &reg->cfg.allow[i];

		if (a->family == dst->family &&
		    !memcmp(a->family == AF_INET ? (const void *)&a->v4 :
						   (const void *)&a->v6,
			    dst->family == AF_INET ? (const void *)&dst->v4 :
						     (const void *)&dst->v6,
			    a->family == AF_INET ? 4 : 16))
			return true;
	}
	return false;
}

/* Under the lock: a free data port, or 0. */
static uint16_t port_pick(const struct registry *reg, uint16_t after)
{
	for (uint32_t p = after ? after + 1u : reg->cfg.data_port_min;
	     p <= reg->cfg.data_port_max; p++) {
		bool used = false;

		for (unsigned int i = 0; i < reg->count && !used; i++)
			used = session_live(reg->sessions[i]) &&
			       reg->sessions[i]->data_port == p;
		if (!used)
			return (uint16_t)p;
	}
	return 0;
}

/*
 * What the engine would refuse only once started, checked before: a spec
 * that cannot run here is the client's mistake (400 naming the field),
 * not the server's trouble (503). 0, or -EINVAL with the answer filled.
 */
static int spec_runs_here(const struct api_session *s, struct api_refusal *why)
{
	const struct test_spec *sp = &s->spec;
	struct net_path path;
	uint32_t have;
	int rc;

	if (sp->backend.queues <= 1)
		return 0;
	if (!s->raw) {
		why->status = 400;
		return lr_err_set(&why->err, -EINVAL, "queues",
				  "queues: the %s backend runs on one queue",
				  sp->backend.name);
	}
	if (api_role_sends(s->role))
		rc = netpath_to(&sp->dst, &sp->src, NULL, &path, NULL);
	else
		rc = netpath_local(&sp->listen, NULL, &path, NULL);
	if (rc)
		return 0; /* the engine says why, as it would for one queue */
	if (s->role == API_ROLE_SINK)
		have = path.rx_queues;
	else if (s->role == API_ROLE_SOURCE)
		have = path.tx_queues;
	else
		have = path.rx_queues < path.tx_queues ? path.rx_queues :
							 path.tx_queues;
	if (have && sp->backend.queues > have) {
		why->status = 400;
		return lr_err_set(
			&why->err, -EINVAL, "queues",
			"queues: %u is more than the %u queue%s of %s",
			sp->backend.queues, have, have == 1 ? "" : "s",
			path.ifname);
	}
	return 0;
}

/* A limit refused it: the status, the limit's name, the error. */
#define REFUSE(st, lim, fld, ...)                                              \
	do {                                                                   \
		why->status = (st);                                            \
		why->limit = (lim);                                            \
		lr_err_set(&why->err, -EPERM, (fld), __VA_ARGS__);             \
		reg->refused++;                                                \
		return -EPERM;                                                 \
	} while (0)

/* Under the lock: the limits, for a session not yet in the registry. */
static int admit(struct registry *reg, struct api_session *s,
		 const struct api_session_req *req, struct api_refusal *why)
{
	const struct daemon_config *cfg = &reg->cfg;
	unsigned int running = 0, mine = 0;
	unsigned int per_client = daemon_per_client_limit(cfg);
	double pps = 0, bps = 0;
	bool raw_busy = false;

	for (unsigned int i = 0; i < reg->count; i++) {
		const struct api_session *o = reg->sessions[i];

		if (!session_live(o))
			continue;
		running++;
		mine += session_owned_by(o, &s->owner);
		pps += o->pps;
		bps += o->bps_l1;
		raw_busy |= o->raw;
	}
	if (req->has_duration && cfg->max_duration_ns &&
	    s->spec.duration_ns > cfg->max_duration_ns)
		REFUSE(403, "max-duration", "duration",
		       "duration: over this server's limit of %.0f s (limit: "
		       "max-duration)",
		       (double)cfg->max_duration_ns / 1e9);
	if (reg->count >= reg->cap) {
		/* Make room: the oldest finished session goes first. */
		for (unsigned int i = 0; i < reg->count; i++) {
			if (session_removable(reg->sessions[i])) {
				registry_remove_at(reg, i);
				break;
			}
		}
	}
	if (running >= cfg->max_sessions || reg->count >= reg->cap)
		REFUSE(429, "max-sessions", "",
		       "server is at its limit of %u running sessions, try "
		       "again later (limit: max-sessions)",
		       cfg->max_sessions);
	if (!s->owner.admin && mine >= per_client)
		REFUSE(429, "max-sessions-per-client", "",
		       "you have %u sessions running, this server's limit per "
		       "client; end one or try again later "
		       "(limit: max-sessions-per-client)",
		       per_client);
	if (s->raw && raw_busy)
		REFUSE(409, NULL, "backend",
		       "backend: another session holds the interface with a "
		       "kernel-bypass backend; use \"udp\" or try later");
	if (cfg->max_rate.kind != RATE_MAX && s->role != API_ROLE_SINK) {
		bool by_pps = cfg->max_rate.kind == RATE_PPS;
		double limit = cfg->max_rate.value;
		double want = by_pps ? s->pps : s->bps_l1;
		double used = by_pps ? pps : bps;

		if (s->spec.rate.kind == RATE_MAX || want > limit)
			REFUSE(403, "max-rate", "rate",
			       "rate: over this server's limit of %.0f %s "
			       "(limit: max-rate)",
			       limit, by_pps ? "pps" : "bit/s");
		if (used + want > limit)
			REFUSE(429, "max-rate", "rate",
			       "rate: the server's other sessions leave %.0f "
			       "%s "
			       "of its %.0f, try later (limit: max-rate)",
			       limit - used, by_pps ? "pps" : "bit/s", limit);
	}
	(void)req;
	return 0;
}

/* A dst or peer that is neither the client nor an --allow-target: 403
 * naming the field, counted as refused; the session is freed. */
static int refuse_target(struct registry *reg, struct api_session *s,
			 const char *name, const char *reason,
			 struct api_refusal *why)
{
	why->status = 403;
	lr_err_set(&why->err, -EPERM, name,
		   "%s: %s (or an address its --allow-target lists)", name,
		   reason);
	session_free(s);
	pthread_mutex_lock(&reg->lock);
	reg->refused++;
	pthread_mutex_unlock(&reg->lock);
	return -EPERM;
}

int registry_create_session(struct registry *reg, struct api_session_req *req,
			    const struct api_client *who,
			    const struct sockaddr_storage *client,
			    const struct sockaddr_storage *local,
			    struct api_refusal *why, char id_out[17])
{
	const struct daemon_config *cfg = &reg->cfg;
	struct api_session *s;
	struct ip_addr local_ip;
	uint16_t port = 0;
	int ret;

	why->status = 400;
	why->limit = NULL;
	lr_err_clear(&why->err);
	if (ip_from_sockaddr(local, &local_ip)) {
		why->status = 500;
		return lr_err_set(&why->err, -EINVAL, NULL,
				  "cannot tell the server's own address");
	}
	s = session_alloc(reg);
	if (!s) {
		why->status = 503;
		return lr_err_set(&why->err, -ENOMEM, NULL, "out of memory");
	}
	s->role = req->role;
	s->spec = req->spec;
	s->owner = *who;
	s->stamp_stateful = req->stamp_stateful;
	s->client = *client;
	s->spec.output = OUTPUT_TEXT;
	s->spec.quiet = true;
	s->spec.interval_ns = 0;
	s->raw = strcmp(s->spec.backend.name, "udp") != 0;
	if (req->role == API_ROLE_REFLECT &&
	    (!strcmp(s->spec.backend.name, "xdp") ||
	     !strcmp(s->spec.backend.name, "auto"))) {
		/* The in-kernel reflector answers whatever arrives; the
		 * daemon's must check each packet's source. */
		why->status = 400;
		lr_err_set(
			&why->err, -EINVAL, "backend",
			"backend: a server's reflector must see each packet's "
			"source: use udp, afpacket or afxdp");
		session_free(s);
		return -EINVAL;
	}
	if (!req->has_duration && (!api_role_sends(req->role) || !req->spec.count))
		s->spec.duration_ns = cfg->max_duration_ns;
	if (api_role_sends(req->role)) {
		struct ip_addr dst;

		if (req->has_dst)
			dst = req->dst;
		else if (ip_from_sockaddr(client, &dst))
			dst.family = 0;
		if (!dst.family || !target_allowed(reg, &dst, client)) {
			return refuse_target(reg, s, "dst",
					     "this server sends only to the "
					     "client that asks",
					     why);
		}
		if (dst.family != local_ip.family) {
			why->status = 400;
			lr_err_set(&why->err, -EINVAL, "dst",
				   "dst: address family differs from the API "
				   "connection's");
			session_free(s);
			return -EINVAL;
		}
		s->spec.dst = dst;
		s->spec.dst_port = req->port;
		s->spec.src = local_ip;
		s->spec.has_src = true;
		s->pps = spec_target_pps(&s->spec);
	} else {
		s->spec.listen = local_ip;
		/* A reflector answers only the client (a spoofed source
		 * cannot aim it at a third party); a sink counts only it.
		 * A peer instead of the client must be one the daemon would
		 * also send to (linerate mesh: server to server). */
		if (req->has_peer) {
			if (!target_allowed(reg, &req->peer, client)) {
				return refuse_target(
					reg, s, "peer",
					"this server takes traffic "
					"only from the client that "
					"asks",
					why);
			}
			s->spec.only_from = req->peer;
			s->spec.has_only_from = true;
		} else if (ip_from_sockaddr(client, &s->spec.only_from) == 0) {
			s->spec.has_only_from = true;
		}
		if (req->role == API_ROLE_REFLECT) {
			s->pps = spec_target_pps(&s->spec);
			/* What admission counted is all it sends back. */
			s->spec.police = true;
		}
	}
	s->bps_l1 = spec_bps_l1(&s->spec, s->pps);
	ret = spec_runs_here(s, why);
	if (ret) {
		session_free(s);
		return ret;
	}

	for (int attempt = 0; attempt < PORT_TRIES; attempt++) {
		uint64_t deadline;
		char text[LR_ERR_MESSAGE_LEN], field[LR_ERR_FIELD_LEN];
		struct lr_err spec_err;

		pthread_mutex_lock(&reg->lock);
		ret = admit(reg, s, req, why);
		if (ret) {
			pthread_mutex_unlock(&reg->lock);
			session_free(s);
			return ret;
		}
		if (!api_role_sends(req->role)) {
			port = port_pick(reg, port);
			if (!port) {
				pthread_mutex_unlock(&reg->lock);
				why->status = 503;
				lr_err_set(&why->err, -EADDRINUSE, NULL,
					   "no free data port in %u..%u",
					   cfg->data_port_min,
					   cfg->data_port_max);
				session_free(s);
				return -EADDRINUSE;
			}
			s->data_port = port;
			s->spec.listen_port = port;
		}
		if (spec_validate(&s->spec, &spec_err)) {
			pthread_mutex_unlock(&reg->lock);
			why->status = 400;
			api_spec_message(&spec_err, field, sizeof(field), text,
					 sizeof(text));
			lr_err_set(&why->err, -EINVAL, field, "%s", text);
			session_free(s);
			return -EINVAL;
		}
		s->state = API_STATE_STARTING;
		s->start_done = false;
		lr_err_clear(&s->err);
		s->created_mono_ns = s->last_contact_ns = mono_ns();
		s->created_real_ns = clock_ns(CLOCK_REALTIME);
		atomic_store(&s->stop, false);
		s->creating = true;
		s->joining = false;
		s->thread_joined = false;
		ret = pthread_create(&s->thread, NULL, session_thread, s);
		if (ret) {
			pthread_mutex_unlock(&reg->lock);
			why->status = 503;
			lr_err_set(&why->err, -ret, NULL,
				   "cannot start a thread: %s", strerror(ret));
			session_free(s);
			return -ret;
		}
		reg->sessions[reg->count++] = s;
		reg->created++;
		deadline = mono_ns() + START_TIMEOUT_NS;
		while (!s->start_done) {
			struct timespec ts = { (time_t)(deadline / NSEC_PER_SEC),
					       (long)(deadline % NSEC_PER_SEC) };

			if (pthread_cond_timedwait(&reg->cond, &reg->lock, &ts) ==
			    ETIMEDOUT)
				break;
		}
		if (s->state == API_STATE_RUNNING) {
			memcpy(id_out, s->id, sizeof(s->id));
			s->creating = false;
			pthread_mutex_unlock(&reg->lock);
			pr_info("session %s: %s, %s backend, port %u\n", s->id,
				api_role_name(s->role), s->backend,
				api_role_sends(s->role) ? s->spec.dst_port :
							     s->data_port);
			return 0;
		}
		/* It did not start: take it out of the list before the lock
		 * goes, so no one else can see it, then join it (only we can)
		 * and say why. */
		atomic_store(&s->stop, true);
		for (unsigned int i = 0; i < reg->count; i++) {
			if (reg->sessions[i] == s) {
				memmove(&reg->sessions[i], &reg->sessions[i + 1],
					(reg->count - i - 1) *
						sizeof(reg->sessions[0]));
				reg->count--;
				break;
			}
		}
		reg->created--;
		pthread_mutex_unlock(&reg->lock);
		pthread_join(s->thread, NULL);
		pthread_mutex_lock(&reg->lock);
		/* Its thread counted it as finished when it ended. */
		reg->finished--;
		pthread_mutex_unlock(&reg->lock);
		s->thread_joined = true;
		s->creating = false;
		json_decref(s->final);
		s->final = NULL;
		json_decref(s->live);
		s->live = NULL;
		/* Its data port was taken after port_pick chose it: the
		 * next one. */
		if (!api_role_sends(req->role) && s->err.code == -EADDRINUSE)
			continue;
		why->status = 503;
		/* The field the engine named (a backend's "force", say),
		 * so a client can tell which input it was about. */
		lr_err_set(&why->err, s->err.code ? s->err.code : -ETIMEDOUT,
			   s->err.field[0] ? s->err.field : NULL,
			   "the session could not start: %s",
			   lr_err_is_set(&s->err) ? lr_err_text(&s->err) :
						    "timed out");
		session_free(s);
		return -EIO;
	}
	why->status = 503;
	lr_err_set(&why->err, -EADDRINUSE, NULL, "no data port could be bound");
	session_free(s);
	return -EADDRINUSE;
}

static struct api_session *find(struct registry *reg, const char *id)
{
	for (unsigned int i = 0; i < reg->count; i++)
		if (!strcmp(reg->sessions[i]->id, id))
			return reg->sessions[i];
	return NULL;
}

int registry_with(struct registry *reg, const char *id,
		  void (*fn)(struct api_session *s, void *arg), void *arg)
{
	struct api_session *s;

	pthread_mutex_lock(&reg->lock);
	s = find(reg, id);
	if (s) {
		s->last_contact_ns = mono_ns();
		fn(s, arg);
	}
	pthread_mutex_unlock(&reg->lock);
	return s ? 0 : -ENOENT;
}

void registry_foreach(struct registry *reg,
		      void (*fn)(struct api_session *s, void *arg), void *arg)
{
	pthread_mutex_lock(&reg->lock);
	for (unsigned int i = 0; i < reg->count; i++)
		fn(reg->sessions[i], arg);
	pthread_mutex_unlock(&reg->lock);
}

int registry_stop(struct registry *reg, const char *id, const char *reason)
{
	/* No client: every session is visible. */
	return registry_stop_as(reg, NULL, id, reason);
}

int registry_wait_done(struct registry *reg, const char *id,
		       uint64_t timeout_ns)
{
	uint64_t deadline = mono_ns() + timeout_ns;
	struct api_session *s;
	int ret = 0;

	pthread_mutex_lock(&reg->lock);
	while ((s = find(reg, id)) && session_live(s)) {
		struct timespec ts = { (time_t)(deadline / NSEC_PER_SEC),
				       (long)(deadline % NSEC_PER_SEC) };

		if (pthread_cond_timedwait(&reg->cond, &reg->lock, &ts) ==
		    ETIMEDOUT) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	if (!s)
		ret = -ENOENT;
	pthread_mutex_unlock(&reg->lock);
	return ret;
}

int registry_with_as(struct registry *reg, const struct api_client *who,
		     const char *id,
		     void (*fn)(struct api_session *s, void *arg), void *arg)
{
	struct api_session *s;

	pthread_mutex_lock(&reg->lock);
	s = find(reg, id);
	if (s && !session_visible_to(s, who))
		s = NULL;
	if (s) {
		if (session_owned_by(s, who))
			s->last_contact_ns = mono_ns();
		fn(s, arg);
	}
	pthread_mutex_unlock(&reg->lock);
	return s ? 0 : -ENOENT;
}

void registry_foreach_as(struct registry *reg, const struct api_client *who,
			 void (*fn)(struct api_session *s, void *arg),
			 void *arg)
{
	pthread_mutex_lock(&reg->lock);
	for (unsigned int i = 0; i < reg->count; i++)
		if (session_visible_to(reg->sessions[i], who))
			fn(reg->sessions[i], arg);
	pthread_mutex_unlock(&reg->lock);
}

int registry_stop_as(struct registry *reg, const struct api_client *who,
		     const char *id, const char *reason)
{
	struct api_session *s;

	pthread_mutex_lock(&reg->lock);
	s = find(reg, id);
	if (s && !session_visible_to(s, who))
		s = NULL;
	if (s && session_live(s)) {
		if (!s->end_reason)
			s->end_reason = reason;
		atomic_store(&s->stop, true);
	}
	pthread_mutex_unlock(&reg->lock);
	return s ? 0 : -ENOENT;
}

void registry_totals(struct registry *reg, struct registry_totals *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&reg->lock);
	out->created = reg->created;
	out->refused = reg->refused;
	out->finished = reg->finished;
	for (unsigned int i = 0; i < reg->count; i++)
		out->running += session_live(reg->sessions[i]);
	out->finished_counters = reg->removed;
	out->all_counters = reg->removed;
	for (unsigned int i = 0; i < reg->count; i++)
		counters_add(&out->all_counters, &reg->sessions[i]->counters);
	pthread_mutex_unlock(&reg->lock);
}
