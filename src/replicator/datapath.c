// SPDX-License-Identifier: MIT
/*
 * The replicator's hot path, one thread per queue. Per burst: receive,
 * take the current subscriber set (a quiescent point: subs.h), sort the
 * burst into feed packets and the rest, then for each subscriber in turn
 * hand the whole feed part to the backend addressed to it. Sending a
 * subscriber its copies of a burst in one go keeps the per-subscriber
 * order and lets the udp backend make one GSO send per subscriber.
 *
 * udp: the copies are the received payloads themselves, each with the
 * subscriber as its peer; nothing is copied in user space.
 * raw: the received frames are readdressed in place (rewrite.c) for one
 * subscriber, handed to tx_burst (which copies them into its ring), then
 * readdressed for the next.
 *
 * Counters are this worker's alone (single writer, relaxed stores).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "lib/clock.h"
#include "lib/free_all.h"
#include "engine/worker.h"
#include "lib/log.h"
#include "lib/sockaddr.h"
#include "replicator/replicator.h"
#include "lib/stats.h"

#define RX_WAIT_NS	  (20 * NSEC_PER_MSEC) /* quiescent at least this often */
#define TX_RETRY_NS	  (2 * NSEC_PER_MSEC) /* a full ring gets this long */
#define RX_ERROR_PAUSE_NS (1 * NSEC_PER_MSEC)

int repl_worker_alloc(struct replicator *r, uint32_t index,
		      struct repl_worker **out)
{
	struct repl_worker *w;
	uint32_t batch = r->cfg.burst;

	w = aligned_alloc(64, (sizeof(*w) + 63) & ~(size_t)63);
	if (!w)
		return -ENOMEM;
	memset(w, 0, sizeof(*w));
	w->r = r;
	w->index = index;
	w->batch = batch;
	w->backend = r->backends[index];
	atomic_init(&w->done, false);
	atomic_init(&w->feed.seq, 0);
	w->subc = calloc(r->subs.nslots, sizeof(*w->subc));
	w->rx = calloc(batch, sizeof(*w->rx));
	w->tx = calloc(batch, sizeof(*w->tx));
	w->bases = calloc(batch, sizeof(*w->bases));
	w->feed_idx = calloc(batch, sizeof(*w->feed_idx));
	w->ret_idx = calloc(batch, sizeof(*w->ret_idx));
	if (!w->subc || !w->rx || !w->tx || !w->bases || !w->feed_idx ||
	    !w->ret_idx) {
		repl_worker_free(w);
		return -ENOMEM;
	}
	*out = w;
	return 0;
}

void repl_worker_free(struct repl_worker *w)
{
	if (!w)
		return;
	free_all(w->subc, w->rx, w->tx, w->bases, w->feed_idx, w->ret_idx, w);
}

static bool should_stop(const struct repl_worker *w)
{
	return atomic_load_explicit(&w->r->stop, memory_order_relaxed);
}

/* Frame bytes incl. FCS of what a backend hands over or takes. */
static uint64_t wire_bytes(const struct repl_worker *w, uint32_t len)
{
	if (w->r->raw)
		return (len < 60 ? 60 : len) + FRAME_FCS_LEN;
	return (uint64_t)len + FRAME_UDP_HLEN + FRAME_ETH_HLEN + FRAME_FCS_LEN +
	       (w->r->cfg.listen.family == AF_INET6 ? FRAME_IPV6_HLEN :
						      FRAME_IPV4_HLEN);
}

/* ---- the feed source (where the return path sends) */

/* Copy n bytes as relaxed atomic words: the seqcount reader may race
 * with the writer and retries, but must not tear a word. */
static void words_copy(void *dst, const void *src, size_t n)
{
	uint64_t *d = dst;
	const uint64_t *s = src;

	for (size_t i = 0; i < n / 8; i++)
		__atomic_store_n(&d[i],
				 __atomic_load_n(&s[i], __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
}

_Static_assert(sizeof(struct sub_target) % 8 == 0, "copied as words");

static void feed_publish(struct repl_worker *w, const struct sub_target *t)
{
	uint32_t seq = atomic_load_explicit(&w->feed.seq, memory_order_relaxed);

	atomic_store_explicit(&w->feed.seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	__atomic_store_n(&w->feed.stamp_ns, mono_ns(), __ATOMIC_RELAXED);
	words_copy(&w->feed.target, t, sizeof(*t));
	atomic_store_explicit(&w->feed.seq, seq + 2, memory_order_release);
}

/* The newest feed source any worker saw; false when none has. */
static bool feed_latest(struct replicator *r, struct sub_target *out)
{
	uint64_t best = 0;

	for (uint32_t i = 0; i < r->nworkers; i++) {
		struct feed_slot *f = &r->workers[i]->feed;
		struct sub_target t;
		uint64_t stamp;
		uint32_t s1, s2;
		int tries = 0;

		do {
			s1 = atomic_load_explicit(&f->seq,
						  memory_order_acquire);
			stamp = __atomic_load_n(&f->stamp_ns, __ATOMIC_RELAXED);
			words_copy(&t, &f->target, sizeof(t));
			atomic_thread_fence(memory_order_acquire);
			s2 = atomic_load_explicit(&f->seq,
						  memory_order_relaxed);
		} while ((s1 != s2 || (s1 & 1)) && ++tries < 64);
		if (s1 != s2 || (s1 & 1) || !s1)
			continue;
		if (stamp > best) {
			best = stamp;
			*out = t;
		}
	}
	return best != 0;
}

/* Remember where the feed comes from, publishing only a change. */
static void feed_seen(struct repl_worker *w, const struct ip_addr *addr,
		      uint16_t port, const uint8_t *mac)
{
	struct sub_target t;

	if (!w->r->cfg.return_path)
		return;
	if (w->feed_known && w->feed_port == port &&
	    ip_addr_equal(&w->feed_addr, addr))
		return;
	memset(&t, 0, sizeof(t));
	t.addr = *addr;
	t.port = port;
	if (mac)
		memcpy(t.mac, mac, 6);
	rewrite_target_init(&t);
	feed_publish(w, &t);
	w->feed_addr = *addr;
	w->feed_port = port;
	w->feed_known = true;
}

/* ---- sending */

struct tx_result {
	uint32_t sent;
	uint32_t ring_full;
	uint32_t errors;
	uint64_t bytes;
};

/*
 * Hand pkts[0..n) to the backend: retry a full ring for up to TX_RETRY_NS,
 * skip (and count) a packet the kernel refuses. Bounded: at most n
 * refusals, and the retry deadline.
 */
static void tx_all(struct repl_worker *w, struct pkt *pkts, uint32_t n,
		   struct tx_result *res)
{
	const struct backend_ops *ops = w->r->ops;
	uint64_t deadline = 0;
	uint32_t done = 0;

	memset(res, 0, sizeof(*res));
	while (done < n) {
		int sent = ops->tx_burst(w->backend, pkts + done, n - done);

		if (sent > 0) {
			for (int i = 0; i < sent; i++)
				res->bytes += wire_bytes(
					w, pkts[done + (uint32_t)i].len);
			done += (uint32_t)sent;
			res->sent += (uint32_t)sent;
			deadline = 0;
			continue;
		}
		if (sent == 0 || sent == -EAGAIN || sent == -ENOBUFS) {
			uint64_t now = mono_ns();

			if (!deadline) {
				deadline = now + TX_RETRY_NS;
			} else if (now >= deadline || should_stop(w)) {
				res->ring_full += n - done;
				return;
			}
			continue;
		}
		/* The kernel refused the first one (no route, too big...). */
		res->errors++;
		done++;
	}
}

static void account_sub(struct repl_worker *w, const struct subscriber *s,
			const struct tx_result *res)
{
	struct sub_counters *sc = &w->subc[s->slot];

	STAT_ADD(sc->sent, res->sent);
	STAT_ADD(sc->bytes, res->bytes);
	if (res->ring_full + res->errors)
		STAT_ADD(sc->dropped, res->ring_full + res->errors);
}

static void account_tx(struct repl_worker *w, const struct tx_result *res)
{
	STAT_ADD(w->c.tx_packets, res->sent);
	STAT_ADD(w->c.tx_bytes, res->bytes);
	if (res->ring_full)
		STAT_ADD(w->c.tx_ring_full, res->ring_full);
	if (res->errors)
		STAT_ADD(w->c.tx_errors, res->errors);
}

/* ---- udp: payloads with a peer */

static bool peer_addr(const struct sockaddr_storage *ss, struct ip_addr *a,
		      uint16_t *port)
{
	return sockaddr_to_ip((const struct sockaddr *)ss, a, port);
}

static void set_peer(struct pkt *p, const struct sub_target *t)
{
	memcpy(&p->peer, &t->sa,
	       t->addr.family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					    sizeof(struct sockaddr_in));
}

/* tx[k] sends the datagram rx[idx[k]] as it came (udp backend: the
 * payload only, no headers to rewrite). */
static void copy_received(struct repl_worker *w, const uint32_t *idx,
			  uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		const struct pkt *p = &w->rx[idx[k]];

		w->tx[k].data = p->data;
		w->tx[k].len = p->len;
		w->tx[k].flow = 0;
		w->tx[k].payload_offset = 0;
	}
}

/* After a burst is sorted: the subscribers' own nret packets go back to
 * the feed (or are counted), and whether the feed's nfeed go on to the
 * subscribers (none there: counted). */
static bool burst_route(struct repl_worker *w, const struct sub_set *set,
			uint32_t nfeed, uint32_t nret,
			void (*send_back)(struct repl_worker *w, uint32_t nret))
{
	if (nret) {
		if (w->r->cfg.return_path)
			send_back(w, nret);
		else
			STAT_ADD(w->c.from_subscriber, nret);
	}
	if (!nfeed)
		return false;
	if (!set->count) {
		STAT_ADD(w->c.no_subscribers, nfeed);
		return false;
	}
	return true;
}

static void udp_return(struct repl_worker *w, uint32_t nret)
{
	struct sub_target feed;
	struct tx_result res;

	if (!feed_latest(w->r, &feed)) {
		STAT_ADD(w->c.return_no_feed, nret);
		return;
	}
	copy_received(w, w->ret_idx, nret);
	for (uint32_t k = 0; k < nret; k++)
		set_peer(&w->tx[k], &feed);
	tx_all(w, w->tx, nret, &res);
	account_tx(w, &res);
	/* What went to the send path; its drops are the tx drops. */
	STAT_ADD(w->c.returned, nret);
}

static void udp_burst(struct repl_worker *w, const struct sub_set *set,
		      uint32_t got)
{
	uint32_t nfeed = 0, nret = 0, last_feed = 0;
	uint64_t bytes = 0;

	for (uint32_t i = 0; i < got; i++) {
		const struct pkt *p = &w->rx[i];
		struct ip_addr a;
		uint16_t port;

		bytes += wire_bytes(w, p->len);
		if (!peer_addr(&p->peer, &a, &port)) {
			STAT_ADD(w->c.malformed, 1);
			continue;
		}
		/* The same limit as the raw backends: on the wire, the copy
		 * would be this large. */
		if (wire_bytes(w, p->len) > w->r->cfg.max_frame) {
			STAT_ADD(w->c.too_big, 1);
			continue;
		}
		if (set->count && sub_set_find(set, &a, port) >= 0) {
			w->ret_idx[nret++] = i;
			continue;
		}
		w->feed_idx[nfeed++] = i;
		last_feed = i;
	}
	STAT_ADD(w->c.rx_packets, got);
	STAT_ADD(w->c.rx_bytes, bytes);
	if (nfeed) {
		struct ip_addr a;
		uint16_t port = 0;

		if (peer_addr(&w->rx[last_feed].peer, &a, &port))
			feed_seen(w, &a, port, NULL);
	}
	if (!burst_route(w, set, nfeed, nret, udp_return))
		return;
	copy_received(w, w->feed_idx, nfeed);
	for (uint32_t s = 0; s < set->count; s++) {
		const struct subscriber *sub = &set->subs[s];
		struct tx_result res;

		for (uint32_t k = 0; k < nfeed; k++)
			set_peer(&w->tx[k], &sub->target);
		tx_all(w, w->tx, nfeed, &res);
		account_sub(w, sub, &res);
		account_tx(w, &res);
	}
	STAT_ADD(w->c.replicated, nfeed);
}

/* ---- raw: whole frames, readdressed in place */

static void raw_return(struct repl_worker *w, uint32_t nret)
{
	struct replicator *r = w->r;
	struct sub_target feed;
	struct tx_result res;

	if (!feed_latest(r, &feed)) {
		STAT_ADD(w->c.return_no_feed, nret);
		return;
	}
	for (uint32_t k = 0; k < nret; k++) {
		struct pkt *p = &w->rx[w->ret_idx[k]];

		rewrite_for(p->data, &w->bases[w->ret_idx[k]], &feed,
			    r->src_mac);
		w->tx[k] = *p;
	}
	tx_all(w, w->tx, nret, &res);
	account_tx(w, &res);
	STAT_ADD(w->c.returned, nret);
}

/* UDP to the listen address (any of ours with a wildcard) and port? */
static bool raw_for_us(const struct replicator *r, const struct frame_view *v,
		       struct repl_counters *c)
{
	if (v->dst.family != r->cfg.listen.family ||
	    (!r->listen_wildcard && !ip_addr_equal(&v->dst, &r->cfg.listen))) {
		c->other_address++;
		return false;
	}
	if (v->dst_port != r->cfg.listen_port) {
		c->other_port++;
		return false;
	}
	return true;
}

static void raw_burst(struct repl_worker *w, const struct sub_set *set,
		      uint32_t got)
{
	struct replicator *r = w->r;
	/* Local tallies, published once per burst. */
	struct repl_counters t = {0};
	uint32_t nfeed = 0, nret = 0;
	int last_feed = -1;
	struct frame_view last_view;

	for (uint32_t i = 0; i < got; i++) {
		struct pkt *p = &w->rx[i];
		struct frame_view v;

		t.rx_bytes += wire_bytes(w, p->len);
		switch (frame_parse(p->data, p->len, &v)) {
		case FRAME_OK:
			break;
		case FRAME_NOT_UDP:
			t.not_udp++;
			continue;
		default:
			t.malformed++;
			continue;
		}
		if (!raw_for_us(r, &v, &t))
			continue;
		/* Padding off: the copies are as long as the datagram. */
		p->len = (uint32_t)(v.payload_offset + v.payload_len);
		if (p->len + FRAME_FCS_LEN > r->cfg.max_frame) {
			t.too_big++;
			continue;
		}
		rewrite_prepare(p->data, &v, r->cfg.listen_port, &w->bases[i]);
		if (set->count && sub_set_find(set, &v.src, v.src_port) >= 0) {
			w->ret_idx[nret++] = i;
			continue;
		}
		w->feed_idx[nfeed++] = i;
		last_feed = (int)i;
		last_view = v;
	}
	STAT_ADD(w->c.rx_packets, got);
	STAT_ADD(w->c.rx_bytes, t.rx_bytes);
	if (t.not_udp)
		STAT_ADD(w->c.not_udp, t.not_udp);
	if (t.malformed)
		STAT_ADD(w->c.malformed, t.malformed);
	if (t.other_address)
		STAT_ADD(w->c.other_address, t.other_address);
	if (t.other_port)
		STAT_ADD(w->c.other_port, t.other_port);
	if (t.too_big)
		STAT_ADD(w->c.too_big, t.too_big);
	if (last_feed >= 0)
		feed_seen(w, &last_view.src, last_view.src_port,
			  last_view.src_mac);
	if (!burst_route(w, set, nfeed, nret, raw_return))
		return;
	for (uint32_t k = 0; k < nfeed; k++)
		w->tx[k] = w->rx[w->feed_idx[k]];
	for (uint32_t s = 0; s < set->count; s++) {
		const struct subscriber *sub = &set->subs[s];
		struct tx_result res;

		/* tx_burst has copied the previous version out: write the
		 * next one over it. */
		for (uint32_t k = 0; k < nfeed; k++)
			rewrite_for(w->tx[k].data, &w->bases[w->feed_idx[k]],
				    &sub->target, r->src_mac);
		tx_all(w, w->tx, nfeed, &res);
		account_sub(w, sub, &res);
		account_tx(w, &res);
	}
	STAT_ADD(w->c.replicated, nfeed);
}

void *repl_worker_main(void *arg)
{
	struct repl_worker *w = arg;
	struct replicator *r = w->r;

	if (r->cfg.cpu >= 0)
		worker_pin_cpu(r->cfg.cpu + (int)w->index);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	while (!should_stop(w)) {
		int got = r->ops->rx_burst(w->backend, w->rx, w->batch,
					   RX_WAIT_NS);
		/* The quiescent point: after the wait, so a burst that
		 * arrived after a subscriber was added goes to it too. */
		const struct sub_set *set =
			subs_reader_enter(&r->subs, w->index);

		if (got < 0) {
			STAT_ADD(w->c.rx_errors, 1);
			/* ICMP errors surface here on a socket; a device
			 * gone bad would spin: pause a little. */
			clock_wait_until(mono_ns() + RX_ERROR_PAUSE_NS);
			continue;
		}
		if (!got)
			continue;
		STAT_SET(w->c.last_rx_ns, mono_ns());
		if (r->raw)
			raw_burst(w, set, (uint32_t)got);
		else
			udp_burst(w, set, (uint32_t)got);
	}
	subs_reader_offline(&r->subs, w->index);
	atomic_store(&w->done, true);
	return NULL;
}
