// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/netpath.h"
#include "lib/clock.h"
#include "engine/select.h"
#include "lib/log.h"
#include "replicator/replicator.h"
#include "lib/stats.h"
#include "lib/strbuf.h"
#include "replicator/tc.h"

#define ADD_RETRY_NS   (200 * NSEC_PER_MSEC)
#define REMOVE_WAIT_NS (2 * NSEC_PER_SEC)

void replicator_config_init(struct replicator_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->backend.name, sizeof(cfg->backend.name), "auto");
	cfg->backend.queues = 1;
	cfg->cpu = -1;
	cfg->burst = 64;
	cfg->max_frame = 1518;
	cfg->max_subscribers = REPL_DEFAULT_MAX_SUBSCRIBERS;
}

static bool ip_is_wildcard(const struct ip_addr *a)
{
	if (a->family == AF_INET)
		return !a->v4.s_addr;
	return IN6_IS_ADDR_UNSPECIFIED(&a->v6);
}

/* ---- counters */

#define COUNTER_WORDS (sizeof(struct repl_counters) / sizeof(uint64_t))

void replicator_totals(struct replicator *r, struct repl_counters *out)
{
	uint64_t *dst = (uint64_t *)out;

	memset(out, 0, sizeof(*out));
	if (r->tc) {
		tc_replicator_totals(r, out);
		return;
	}
	for (uint32_t i = 0; i < r->nworkers; i++) {
		const uint64_t *src = (const uint64_t *)&r->workers[i]->c;

		for (size_t k = 0; k < COUNTER_WORDS; k++) {
			uint64_t v = __atomic_load_n(&src[k], __ATOMIC_RELAXED);

			/* last_rx_ns is a time: the latest, not a sum. */
			if (&dst[k] == &out->last_rx_ns)
				dst[k] = v > dst[k] ? v : dst[k];
			else
				dst[k] += v;
		}
	}
}

static void slot_sum(struct replicator *r, uint32_t slot,
		     struct sub_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (r->tc) {
		tc_replicator_slot_sum(r, slot, out);
		return;
	}
	for (uint32_t i = 0; i < r->nworkers; i++) {
		const struct sub_counters *c = &r->workers[i]->subc[slot];

		out->sent += __atomic_load_n(&c->sent, __ATOMIC_RELAXED);
		out->dropped += __atomic_load_n(&c->dropped, __ATOMIC_RELAXED);
		out->bytes += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
	}
}

void replicator_sub_counters(struct replicator *r, const struct subscriber *s,
			     struct sub_counters *out)
{
	const struct sub_counters *base = &r->baseline[s->slot];

	slot_sum(r, s->slot, out);
	out->sent -= base->sent;
	out->dropped -= base->dropped;
	out->bytes -= base->bytes;
}

/*
 * Called by the registry (its lock held) when no reader can still count
 * for s: its figures are final. The slot's next subscriber counts from
 * the sums as they are now.
 */
static void on_slot_freed(void *arg, const struct subscriber *s)
{
	struct replicator *r = arg;
	struct removed_sub rs = {.sub = *s};
	struct sub_counters sum;

	replicator_sub_counters(r, s, &rs.c);
	slot_sum(r, s->slot, &sum);
	r->baseline[s->slot] = sum;
	pthread_mutex_lock(&r->view_lock);
	if (r->nremoved == REPL_MAX_REMOVED_KEPT) {
		struct sub_counters *o = &r->removed_older;

		o->sent += r->removed[0].c.sent;
		o->dropped += r->removed[0].c.dropped;
		o->bytes += r->removed[0].c.bytes;
		memmove(&r->removed[0], &r->removed[1],
			(REPL_MAX_REMOVED_KEPT - 1) * sizeof(r->removed[0]));
		r->nremoved--;
	}
	r->removed[r->nremoved++] = rs;
	r->removed_total++;
	pthread_mutex_unlock(&r->view_lock);
}

/* ---- opening the data path */

/* The backend configuration every candidate starts from: a receiver of
 * the listen address that also sends (to the subscribers). */
static void replicator_request(const struct replicator_config *cfg,
			       struct backend_request *req)
{
	static const char *const auto_order[] = {"afxdp", "afpacket", "udp"};
	struct backend_config *bc = &req->cfg;

	memset(req, 0, sizeof(*req));
	req->auto_order = auto_order;
	req->auto_count = sizeof(auto_order) / sizeof(auto_order[0]);
	/* A reflector's config asks the backends for per-packet handover
	 * (AF_PACKET V2); a receiver's for throughput. */
	bc->role = cfg->backend.low_latency ? ROLE_REFLECT : ROLE_RECV;
	bc->opts = cfg->backend;
	bc->opts.kernel_rx_timestamps = false;
	bc->batch = cfg->burst < 64 ? 64 : cfg->burst;
	bc->max_frame = FRAME_MAX_SIZE;
	bc->frame_size = cfg->max_frame;
	bc->cpu = cfg->cpu;
	bc->flows = 1;
	bc->local = cfg->listen;
	bc->local_port = cfg->listen_port;
	bc->tx_to_peers = true; /* udp: a relay, GSO per destination */
}

/* Queue 0 with the named backend (or, for auto, the first of afxdp,
 * afpacket, udp that opens), then one more instance per queue. */
static int open_userspace(struct replicator *r, struct lr_err *lerr)
{
	struct backend_request req;
	int err;

	replicator_request(&r->cfg, &req);
	err = backend_select_open(&req, &r->ops, &r->backends[0], &r->bcfg[0],
				  r->note, sizeof(r->note), lerr);
	if (err)
		return err;
	r->raw = r->ops->flags & BACKEND_F_RAW;
	r->nworkers = 1;
	if (r->raw) {
		struct backend_config *b0 = &r->bcfg[0];

		memcpy(r->src_mac, b0->frame.dst_mac, 6);
		snprintf(r->ifname, sizeof(r->ifname), "%s", b0->opts.ifname);
		r->ifindex = b0->ifindex;
	}
	if (r->cfg.backend.queues > 1 && strcmp(r->ops->name, "afxdp"))
		return lr_err_set(lerr, -EINVAL, "queues",
				  "--queues: the %s backend runs on one queue "
				  "(afxdp and xdp take several)",
				  r->ops->name);
	for (uint32_t q = 1; q < r->cfg.backend.queues; q++) {
		r->bcfg[q] = r->bcfg[0];
		r->bcfg[q].queue_id = q;
		r->bcfg[q].cpu = r->cfg.cpu >= 0 ? r->cfg.cpu + (int)q : -1;
		err = r->ops->open(&r->bcfg[q], &r->backends[q], lerr);
		if (err)
			return lr_err_set(lerr, err, NULL,
					  "%s backend, queue %u: %s",
					  r->ops->name, q, strerror(-err));
		r->nworkers = q + 1;
	}
	r->backend_name = r->ops->name;
	snprintf(r->mode, sizeof(r->mode), "%s", r->ops->mode(r->backends[0]));
	if (r->ops->note && r->ops->note(r->backends[0])) {
		struct strbuf sb;

		/* After the selector's refusals, "; "-separated. */
		strbuf_init_append(&sb, r->note, sizeof(r->note));
		strbuf_sep(&sb, "; ");
		strbuf_printf(&sb, "%s", r->ops->note(r->backends[0]));
	}
	return 0;
}

int replicator_open(const struct replicator_config *cfg,
		    struct replicator **out, struct lr_err *lerr)
{
	struct replicator *r = calloc(1, sizeof(*r));
	uint32_t readers;
	int err;

	if (!r)
		return lr_err_errno(lerr, -ENOMEM);
	r->cfg = *cfg;
	if (!r->cfg.backend.queues)
		r->cfg.backend.queues = 1;
	if (r->cfg.burst < 1 || r->cfg.burst > SPEC_MAX_BURST ||
	    r->cfg.backend.queues > SPEC_MAX_QUEUES) {
		free(r);
		return lr_err_set(lerr, -EINVAL, NULL,
				  "--burst or --queues out of range");
	}
	atomic_init(&r->stop, false);
	pthread_mutex_init(&r->view_lock, NULL);
	r->listen_wildcard = ip_is_wildcard(&cfg->listen);
	if (!strcmp(cfg->backend.name, "xdp")) {
		err = tc_replicator_open(r, lerr);
		if (err) {
			lr_err_errno(lerr, err);
			lr_err_prefix(lerr, "xdp backend");
			goto err_close;
		}
		readers = 1; /* the kernel */
	} else {
		err = open_userspace(r, lerr);
		if (err)
			goto err_close;
		readers = r->nworkers;
	}
	r->policy.listen = cfg->listen;
	r->policy.listen_port = cfg->listen_port;
	r->policy.allow_multicast = cfg->allow_multicast;
	r->policy.allow_local = cfg->allow_local;
	r->policy.api_port = cfg->api_port;
	memcpy(r->policy.local_ports, cfg->local_ports,
	       sizeof(r->policy.local_ports));
	r->policy.nlocal_ports = cfg->nlocal_ports;
	r->policy.local_delivery = !r->raw && !r->tc;
	err = policy_load_local(&r->policy);
	if (err) {
		lr_err_set(lerr, err, NULL,
			   "replicate: cannot list this host's addresses: %s",
			   strerror(-err));
		goto err_close;
	}
	err = subs_init(&r->subs, cfg->max_subscribers, readers, on_slot_freed,
			r);
	if (err)
		goto err_close;
	r->baseline = calloc(r->subs.nslots, sizeof(*r->baseline));
	r->removed = calloc(REPL_MAX_REMOVED_KEPT, sizeof(*r->removed));
	if (!r->baseline || !r->removed) {
		err = -ENOMEM;
		goto err_close;
	}
	for (uint32_t i = 0; i < r->nworkers && !r->tc; i++) {
		err = repl_worker_alloc(r, i, &r->workers[i]);
		if (err)
			goto err_close;
	}
	if (r->tc) {
		err = tc_replicator_sync(r);
		if (err)
			goto err_close;
	}
	*out = r;
	return 0;

err_close:
	lr_err_errno(lerr, err);
	replicator_close(r);
	return err;
}

int replicator_start(struct replicator *r)
{
	r->start_mono_ns = mono_ns();
	r->start_real_ns = clock_ns(CLOCK_REALTIME);
	for (uint32_t i = 0; i < r->nworkers && !r->tc; i++) {
		struct repl_worker *w = r->workers[i];
		int err = pthread_create(&w->thread, NULL, repl_worker_main, w);

		if (err) {
			/* It will never run: it must not hold sets back. */
			subs_reader_offline(&r->subs, i);
			atomic_store(&r->stop, true);
			return -err;
		}
		w->started = true;
	}
	return 0;
}

void replicator_tick(struct replicator *r)
{
	subs_reclaim(&r->subs);
}

int replicator_stop(struct replicator *r)
{
	int err = 0;

	atomic_store(&r->stop, true);
	/* The kernel replicates until the program is off: then its
	 * counters are final. */
	tc_replicator_detach(r);
	for (uint32_t i = 0; i < r->nworkers && !r->tc; i++) {
		struct repl_worker *w = r->workers[i];

		if (!w || !w->started)
			continue;
		pthread_join(w->thread, NULL);
		w->started = false;
		if (w->error && !err)
			err = w->error;
	}
	r->end_mono_ns = mono_ns();
	for (uint32_t i = 0; i < r->nworkers && r->ops && r->ops->kernel_stats;
	     i++) {
		char one[512];

		if (!r->ops->kernel_stats(r->backends[i], one, sizeof(one)))
			stats_kv_add(r->kernel_stats,
					 sizeof(r->kernel_stats), one);
	}
	if (r->subs.slot_used)
		subs_reclaim(&r->subs);
	return err;
}

void replicator_close(struct replicator *r)
{
	if (!r)
		return;
	if (!atomic_load(&r->stop) || r->end_mono_ns == 0)
		replicator_stop(r);
	for (uint32_t i = 0; i < SPEC_MAX_QUEUES; i++) {
		repl_worker_free(r->workers[i]);
		if (r->backends[i])
			r->ops->close(r->backends[i]);
	}
	if (r->tc)
		tc_replicator_close(r);
	if (r->subs.slot_used)
		subs_destroy(&r->subs);
	free(r->baseline);
	free(r->removed);
	pthread_mutex_destroy(&r->view_lock);
	free(r);
}

/* ---- subscribers */

/* The Ethernet address of a multicast group (RFC 1112, RFC 2464). */
static void multicast_mac(const struct ip_addr *a, uint8_t mac[6])
{
	if (a->family == AF_INET) {
		uint32_t g = ntohl(a->v4.s_addr);

		mac[0] = 0x01;
		mac[1] = 0x00;
		mac[2] = 0x5e;
		mac[3] = (uint8_t)((g >> 16) & 0x7f);
		mac[4] = (uint8_t)(g >> 8);
		mac[5] = (uint8_t)g;
	} else {
		mac[0] = 0x33;
		mac[1] = 0x33;
		memcpy(mac + 2, &a->v6.s6_addr[12], 4);
	}
}

/* The raw backends' next hop towards t, which must be through our
 * interface. 0, or 422 with err. */
static int resolve_next_hop(struct replicator *r, struct sub_target *t,
			    struct lr_err *err)
{
	struct net_path path;
	struct lr_err why = {0};
	int rc;

	if (ip_is_multicast(&t->addr)) {
		multicast_mac(&t->addr, t->mac);
		return 0;
	}
	rc = netpath_to(&t->addr, r->listen_wildcard ? NULL : &r->cfg.listen,
			r->ifname, &path, &why);
	if (rc) {
		lr_err_set(err, -EHOSTUNREACH, "address",
			   "address: not reachable from %s: %s", r->ifname,
			   lr_err_text(&why));
		return 422;
	}
	if (path.ifindex != r->ifindex) {
		lr_err_set(err, -EHOSTUNREACH, "address",
			   "address: routed through %s, the replicator sends "
			   "on %s",
			   path.ifname, r->ifname);
		return 422;
	}
	memcpy(t->mac, path.dst_mac, 6);
	return 0;
}

int replicator_add(struct replicator *r, const struct ip_addr *addr,
		   uint16_t port, struct subscriber *out, struct lr_err *err)
{
	uint64_t deadline = mono_ns() + ADD_RETRY_NS;
	struct sub_target t;
	int rc;

	lr_err_clear(err);
	if (policy_check(&r->policy, addr, port, err))
		goto refused_400;
	memset(&t, 0, sizeof(t));
	t.addr = *addr;
	policy_normalize(&t.addr);
	t.port = port;
	if (r->raw || r->tc) {
		rc = resolve_next_hop(r, &t, err);
		if (rc) {
			__atomic_fetch_add(&r->api_refused, 1,
					   __ATOMIC_RELAXED);
			return rc;
		}
	}
	rewrite_target_init(&t);
	for (;;) {
		rc = subs_add(&r->subs, &t, clock_ns(CLOCK_REALTIME), out);
		if (rc != -EAGAIN || mono_ns() >= deadline)
			break;
		/* Every spare slot is still draining: wait for the workers'
		 * next quiescent points. */
		subs_reclaim(&r->subs);
		clock_wait_until(mono_ns() + NSEC_PER_MSEC);
	}
	switch (rc) {
	case 0:
		break;
	case -EEXIST:
		lr_err_set(err, rc, "address", "address: already a subscriber");
		__atomic_fetch_add(&r->api_refused, 1, __ATOMIC_RELAXED);
		return 409;
	case -ENOSPC:
		lr_err_set(err, rc, NULL,
			   "subscribers: at the limit of %u (limit: "
			   "max-subscribers)",
			   r->cfg.max_subscribers);
		__atomic_fetch_add(&r->api_refused, 1, __ATOMIC_RELAXED);
		return 403;
	default:
		lr_err_set(err, rc, NULL, "subscribers: %s, try again",
			   strerror(-rc));
		return 503;
	}
	if (r->tc && (rc = tc_replicator_sync(r))) {
		lr_err_set(err, rc, NULL, "cannot update the kernel's set: %s",
			   strerror(-rc));
		return 503;
	}
	__atomic_fetch_add(&r->api_added, 1, __ATOMIC_RELAXED);
	return 0;
refused_400:
	__atomic_fetch_add(&r->api_refused, 1, __ATOMIC_RELAXED);
	return 400;
}

static bool find_removed(struct replicator *r, uint64_t id,
			 struct removed_sub *out)
{
	bool found = false;

	pthread_mutex_lock(&r->view_lock);
	for (uint32_t i = r->nremoved; i-- > 0;) {
		if (r->removed[i].sub.id == id) {
			*out = r->removed[i];
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&r->view_lock);
	return found;
}

int replicator_remove(struct replicator *r, const struct ip_addr *addr,
		      uint16_t port, struct removed_sub *out,
		      struct lr_err *err)
{
	uint64_t deadline = mono_ns() + REMOVE_WAIT_NS, epoch;
	struct subscriber gone;
	int rc;

	lr_err_clear(err);
	rc = subs_remove(&r->subs, addr, port, clock_ns(CLOCK_REALTIME), &gone);
	if (rc) {
		lr_err_set(err, rc, "address",
			   "no subscriber with that address and port");
		return 404;
	}
	epoch = subs_epoch(&r->subs);
	if (r->tc)
		tc_replicator_sync(r);
	/* Answer only when no worker sends to it any more: after this,
	 * it gets nothing. Workers pass a quiescent point every burst or
	 * RX wait (20 ms); the deadline covers a stuck one. */
	while (!subs_readers_past(&r->subs, epoch) && mono_ns() < deadline)
		clock_wait_until(mono_ns() + NSEC_PER_MSEC / 2);
	subs_reclaim(&r->subs);
	__atomic_fetch_add(&r->api_removed, 1, __ATOMIC_RELAXED);
	if (find_removed(r, gone.id, out))
		return 0;
	/* Still draining (a worker did not come by in time): the figures
	 * so far. */
	out->sub = gone;
	pthread_mutex_lock(&r->subs.lock);
	replicator_sub_counters(r, &gone, &out->c);
	pthread_mutex_unlock(&r->subs.lock);
	return 0;
}

/* How often the control loop reclaims retired subscriber sets. */
#define TICK_NS (10 * NSEC_PER_MSEC)

void replicator_run(struct replicator *r, uint64_t duration_ns,
		    uint64_t interval_ns, FILE *live, atomic_bool *stop)
{
	uint64_t start = r->start_mono_ns, next_line = start + interval_ns;
	struct repl_counters prev = {0};
	double prev_s = 0;

	while (!atomic_load(stop)) {
		uint64_t now = mono_ns();

		if (duration_ns && now - start >= duration_ns)
			break;
		replicator_tick(r);
		if (interval_ns && live && now >= next_line) {
			double to_s = (double)(now - start) / 1e9;

			replicator_text_interval(r, live, &prev, prev_s, to_s);
			fflush(live);
			prev_s = to_s;
			next_line += interval_ns;
			if (next_line <= now)
				next_line = now + interval_ns;
		}
		clock_wait_until(now + TICK_NS);
	}
}
