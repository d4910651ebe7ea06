// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/flowreport.h"
#include "lib/marking.h"
#include "lib/log.h"
#include "lib/pacer.h"
#include "lib/probe.h"
#include "engine/worker.h"

/* Twice the flow limit keeps linear probing short. */
#define FLOW_SLOTS (2 * SPEC_MAX_FLOWS)
#define RX_WAIT_NS (50 * NSEC_PER_MSEC) /* how often a blocked rx looks up */
#define TX_GIVE_UP_NS (3 * NSEC_PER_SEC) /* every send failing this long */
#define JITTER_PUBLISH_EVERY 64 /* bursts between jitter summaries */

int worker_init(struct worker *w, const struct test_spec *spec,
		const struct backend_ops *ops, struct backend *backend,
		const struct backend_config *cfg, atomic_bool *stop)
{
	memset(w, 0, sizeof(*w));
	stats_init(&w->stats);
	w->spec = spec;
	w->ops = ops;
	w->backend = backend;
	w->frame = cfg->frame;
	w->stop = stop;
	atomic_init(&w->done, false);
	w->target_pps = spec_target_pps(spec);
	if (spec->role != ROLE_SEND) {
		w->flows = calloc(FLOW_SLOTS, sizeof(*w->flows));
		w->active = calloc(SPEC_MAX_FLOWS, sizeof(*w->active));
		if (!w->flows || !w->active) {
			worker_destroy(w);
			return -ENOMEM;
		}
	}
	return 0;
}

void worker_destroy(struct worker *w)
{
	for (uint32_t i = 0; i < w->nactive; i++) {
		free(w->active[i]->latency);
		free(w->active[i]);
	}
	free(w->active);
	free(w->flows);
	w->active = NULL;
	w->flows = NULL;
	w->nactive = 0;
}

static bool should_stop(struct worker *w)
{
	return atomic_load_explicit(w->stop, memory_order_relaxed);
}

void worker_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		pr_warn("cannot pin to CPU %d: %s\n", cpu, strerror(errno));
}

/* ---- receive side, shared by recv, reflect and ping ---- */

static void flow_key_from(struct flow_key *key, const struct pkt *p,
			  uint16_t flow_id)
{
	memset(key, 0, sizeof(*key));
	key->flow_id = flow_id;
	key->family = p->peer.ss_family;
	if (p->peer.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&p->peer;

		memcpy(key->addr, &sin->sin_addr, 4);
		key->port = sin->sin_port;
	} else if (p->peer.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)&p->peer;

		memcpy(key->addr, &sin6->sin6_addr, 16);
		key->port = sin6->sin6_port;
	}
}

static uint32_t flow_hash(const struct flow_key *key)
{
	const uint8_t *b = (const uint8_t *)key;
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < sizeof(*key); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* The flow's state, created on its first packet; NULL when the table is
 * full (the packet is then counted as untracked). */
static struct flow_state *flow_lookup(struct worker *w, const struct pkt *p,
				      uint16_t flow_id)
{
	struct flow_key key;
	struct flow_state *f;
	uint32_t slot;

	flow_key_from(&key, p, flow_id);
	if (w->last_flow && !memcmp(&w->last_flow->key, &key, sizeof(key)))
		return w->last_flow;
	slot = flow_hash(&key) & (FLOW_SLOTS - 1);
	for (uint32_t probe = 0; probe < FLOW_SLOTS; probe++) {
		f = w->flows[slot];
		if (!f)
			break;
		if (!memcmp(&f->key, &key, sizeof(key)))
			return w->last_flow = f;
		slot = (slot + 1) & (FLOW_SLOTS - 1);
	}
	if (w->nactive >= SPEC_MAX_FLOWS)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	/* Bounded: a histogram for the first flows only (flowreport.h). */
	if (w->nactive < FLOWREPORT_LATENCY_FLOWS) {
		f->latency = malloc(sizeof(*f->latency));
		if (f->latency)
			hist_init(f->latency);
	}
	f->key = key;
	seqtrack_init(&f->seq);
	jitter_init(&f->jitter);
	w->flows[slot] = f;
	w->active[w->nactive++] = f;
	STAT_SET(w->stats.c.rx_flows, w->nactive);
	return w->last_flow = f;
}

size_t worker_flow_results(const struct worker *w, struct flow_result *out,
			   size_t cap)
{
	size_t n = 0;

	for (uint32_t i = 0; i < w->nactive && n < cap; i++) {
		const struct flow_state *f = w->active[i];
		struct flow_result *r = &out[n++];

		memset(r, 0, sizeof(*r));
		r->src.family = (int)f->key.family;
		if (f->key.family == AF_INET6)
			memcpy(&r->src.v6, f->key.addr, 16);
		else
			memcpy(&r->src.v4, f->key.addr, 4);
		r->src_port = ntohs(f->key.port);
		r->flow_id = f->key.flow_id;
		r->received = f->seq.received;
		r->expected = seqtrack_expected(&f->seq);
		r->lost = seqtrack_lost(&f->seq);
		r->duplicates = f->seq.duplicates;
		r->reordered = f->seq.reordered;
		r->late = f->seq.late;
		r->dscp_seen = f->dscp_seen;
		r->ecn_seen = f->ecn_seen;
		r->tos_seen = f->tos_seen;
		r->vlan_seen = f->vlan_seen;
		r->vlan_id = f->vlan_id;
		r->vlan_inner_id = f->vlan_inner_id;
		r->vlan_pcp = f->vlan_pcp;
		r->vlan_inner_pcp = f->vlan_inner_pcp;
		r->jitter_rfc3550_ns = f->jitter.rfc3550_ns;
		flowreport_set_latency(r, f->latency);
	}
	return n;
}

/*
 * The tags a raw frame came with. One a NIC or veth stripped on the way
 * in is not in the frame: only a backend that reports it beside the
 * frame (BACKEND_F_RX_VLAN) shows it, and it was the outer one, so a tag
 * still in the frame is then QinQ's inner.
 */
static void raw_frame_vlans(const struct worker *w, struct pkt *p,
			    const struct frame_view *v)
{
	uint16_t stripped = (w->ops->flags & BACKEND_F_RX_VLAN) &&
					    (p->rx_vlan & PKT_MARK_VALID) ?
				    p->rx_vlan :
				    0;

	if (stripped) {
		p->rx_vlan = stripped;
		p->rx_vlan_inner =
			v->vlan_id ? pkt_vlan_mark(v->vlan_id, v->vlan_pcp) : 0;
	} else if (v->vlan_id) {
		p->rx_vlan = pkt_vlan_mark(v->vlan_id, v->vlan_pcp);
		p->rx_vlan_inner = v->vlan_tags == 2 ?
					   pkt_vlan_mark(v->vlan_inner_id,
							 v->vlan_inner_pcp) :
					   0;
	} else {
		p->rx_vlan = 0;
		p->rx_vlan_inner = 0;
	}
}

/* The markings a flow's packet arrived with, as the backend saw them. */
static void flow_note_marking(struct flow_state *f, const struct pkt *p)
{
	if (p->rx_tos & PKT_MARK_VALID) {
		uint8_t tos = (uint8_t)p->rx_tos;

		f->tos_seen = true;
		f->dscp_seen |= 1ULL << marking_dscp_of(tos);
		f->ecn_seen |= (uint8_t)(1u << marking_ecn_of(tos));
	}
	if (p->rx_vlan & PKT_MARK_VALID) {
		f->vlan_seen = true;
		f->vlan_id = pkt_vlan_id(p->rx_vlan);
		f->vlan_pcp = pkt_vlan_pcp(p->rx_vlan);
		f->vlan_inner_id = p->rx_vlan_inner & PKT_MARK_VALID ?
					   pkt_vlan_id(p->rx_vlan_inner) :
					   0;
		f->vlan_inner_pcp = p->rx_vlan_inner & PKT_MARK_VALID ?
					    pkt_vlan_pcp(p->rx_vlan_inner) :
					    0;
	}
}

static void publish_jitter(struct worker *w)
{
	double weighted = 0;
	uint64_t weight = 0;

	for (uint32_t i = 0; i < w->nactive; i++) {
		const struct flow_state *f = w->active[i];

		/* A flow of one packet has no jitter yet: not a 0 to average
		 * in (nor does the xdp analyzer count it). */
		if (!f->jitter.samples)
			continue;
		weighted += f->jitter.rfc3550_ns * (double)f->seq.received;
		weight += f->seq.received;
	}
	if (weight)
		STAT_SET(w->stats.c.jitter_rfc3550_ns,
			 (uint64_t)(weighted / (double)weight + 0.5));
}

/* Bytes to add to what a backend hands over to get the frame size incl.
 * FCS, so byte counts are as on the wire whatever the backend. */
static uint32_t wire_overhead(const struct worker *w)
{
	const struct test_spec *sp = w->spec;
	int family = sp->role == ROLE_SEND || sp->role == ROLE_PING ?
			     sp->dst.family :
			     sp->listen.family;

	if (w->ops->flags & BACKEND_F_RAW)
		return FRAME_FCS_LEN;
	return FRAME_FCS_LEN + FRAME_ETH_HLEN + FRAME_UDP_HLEN +
	       (family == AF_INET6 ? FRAME_IPV6_HLEN : FRAME_IPV4_HLEN);
}

static void peer_from_view(struct sockaddr_storage *ss,
			   const struct frame_view *v)
{
	memset(ss, 0, sizeof(*ss));
	if (v->src.family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = v->src.v6;
		sin6->sin6_port = htons(v->src_port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = v->src.v4;
		sin->sin_port = htons(v->src_port);
	}
}

static bool ip_is_wildcard(const struct ip_addr *a)
{
	static const struct in6_addr any6;

	if (a->family == AF_INET)
		return a->v4.s_addr == 0;
	return !memcmp(&a->v6, &any6, sizeof(any6));
}

/* Is this UDP datagram addressed to us? A receiver listens on one address
 * and port; a pinger gets replies on its flows' ports. */
static bool raw_frame_is_ours(const struct worker *w,
			      const struct frame_view *v)
{
	const struct frame_spec *fs = &w->frame;

	if (w->spec->role == ROLE_PING)
		return ip_addr_equal(&v->dst, &fs->src) &&
		       v->dst_port >= fs->src_port &&
		       v->dst_port < fs->src_port + w->spec->flows;
	if (v->dst_port != fs->dst_port || v->dst.family != fs->dst.family)
		return false;
	return ip_is_wildcard(&fs->dst) || ip_addr_equal(&v->dst, &fs->dst);
}

/*
 * Raw backends hand over whole frames: keep the UDP datagrams addressed to
 * us, pointing payload_offset at their payload and filling in the peer;
 * count the rest as foreign (not UDP to us) or malformed. Compacts pkts.
 */
static unsigned int raw_rx_prepare(struct worker *w, struct pkt *pkts,
				   unsigned int n)
{
	uint64_t foreign = 0, malformed = 0;
	unsigned int kept = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct pkt *p = &pkts[i];
		struct frame_view v;

		switch (frame_parse(p->data, p->len, &v)) {
		case FRAME_OK:
			break;
		case FRAME_NOT_UDP:
			foreign++;
			continue;
		default:
			malformed++;
			continue;
		}
		if (!raw_frame_is_ours(w, &v)) {
			foreign++;
			continue;
		}
		p->payload_offset = (uint32_t)v.payload_offset;
		p->len = (uint32_t)(v.payload_offset + v.payload_len);
		p->rx_tos = (uint16_t)(PKT_MARK_VALID | v.tos);
		raw_frame_vlans(w, p, &v);
		peer_from_view(&p->peer, &v);
		if (kept != i)
			pkts[kept] = *p;
		kept++;
	}
	STAT_ADD(w->stats.c.rx_foreign, foreign);
	STAT_ADD(w->stats.c.rx_malformed, malformed);
	return kept;
}

/*
 * A reflector's rewrite of a raw frame: back to where it came from. The
 * UDP checksum is computed anew: a frame from a local sender (veth, or
 * any NIC's own host) may carry only the pseudo-header part of it, left
 * for an offload that will not happen on the way back.
 */
static void raw_reflect_rewrite(struct pkt *pkts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *udp = pkts[i].data;
		struct frame_view v;
		uint16_t check;

		if (frame_parse(pkts[i].data, pkts[i].len, &v) != FRAME_OK)
			continue;
		frame_swap_endpoints(pkts[i].data, &v);
		udp += v.l4_offset;
		memset(udp + 6, 0, 2);
		/* After the swap the view's dst is the new source. */
		check = csum_udp(&v.dst, &v.src, udp,
				 FRAME_UDP_HLEN + v.payload_len);
		if (!check)
			check = 0xffff;
		memcpy(udp + 6, &check, 2);
	}
}

/*
 * Account one received burst. Returns how many were valid test packets;
 * with `keep`, those are moved to the front of pkts (for the reflector).
 */
static bool peer_is(const struct sockaddr_storage *ss, const struct ip_addr *ip)
{
	if (ss->ss_family == AF_INET && ip->family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
		       ip->v4.s_addr;
	if (ss->ss_family == AF_INET6 && ip->family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr,
			       &ip->v6, sizeof(ip->v6));
	return false;
}

static unsigned int rx_account(struct worker *w, struct pkt *pkts,
			       unsigned int n, bool keep)
{
	struct stats_counters *c = &w->stats.c;
	uint64_t fallback_rx = 0, bytes = 0, now_mono;
	uint64_t foreign = 0, truncated = 0, corrupt = 0, untracked = 0;
	uint64_t dups = 0, reord = 0, late = 0, negative = 0, filtered = 0;
	int64_t lost_delta = 0, expected_delta = 0;
	unsigned int valid = 0;
	bool verify = w->spec->role != ROLE_REFLECT;
	uint32_t overhead = wire_overhead(w);

	for (unsigned int i = 0; i < n; i++) {
		struct pkt *p = &pkts[i];
		const uint8_t *payload = p->data + p->payload_offset;
		size_t len = p->len - p->payload_offset;
		struct probe probe;
		enum probe_status st;
		struct flow_state *f;
		uint64_t rx_ns, tx_ns, lost_before, exp_before;

		if (w->spec->has_only_from &&
		    !peer_is(&p->peer, &w->spec->only_from)) {
			filtered++;
			continue;
		}
		st = probe_read(payload, len, &probe, verify);
		if (st == PROBE_FOREIGN) {
			foreign++;
			continue;
		}
		if (st == PROBE_TRUNCATED) {
			truncated++;
			continue;
		}
		if (st == PROBE_CORRUPT) {
			/* Ours but damaged: not a test packet, and its
			 * header fields can't be trusted either. */
			corrupt++;
			continue;
		}
		bytes += (p->len < 60 && overhead == FRAME_FCS_LEN ? 60 : p->len) +
			 overhead;
		if (keep && valid != i)
			pkts[valid] = *p;
		valid++;
		rx_ns = p->rx_real_ns;
		if (!rx_ns) {
			if (!fallback_rx)
				fallback_rx = clock_ns(CLOCK_REALTIME);
			rx_ns = fallback_rx;
		}
		rx_ns += (uint64_t)w->spec->clock_offset_ns;
		tx_ns = probe_expand_ts(probe.tx_ns & PROBE_TS_MASK, rx_ns);
		if (rx_ns >= tx_ns)
			hist_record(&w->stats.latency, rx_ns - tx_ns);
		else
			negative++;
		f = flow_lookup(w, p, probe.flow_id);
		if (!f) {
			untracked++;
			continue;
		}
		flow_note_marking(f, p);
		if (f->latency && rx_ns >= tx_ns)
			hist_record(f->latency, rx_ns - tx_ns);
		lost_before = seqtrack_lost(&f->seq);
		exp_before = seqtrack_expected(&f->seq);
		switch (seqtrack_update(&f->seq, probe.seq)) {
		case SEQ_DUPLICATE:
			dups++;
			break;
		case SEQ_REORDERED:
			reord++;
			break;
		case SEQ_LATE:
			late++;
			break;
		default:
			break;
		}
		lost_delta += (int64_t)(seqtrack_lost(&f->seq) - lost_before);
		expected_delta +=
			(int64_t)(seqtrack_expected(&f->seq) - exp_before);
		jitter_update(&f->jitter, probe.seq, tx_ns, rx_ns,
			      &w->stats.ipdv, &w->stats.pdv, &w->pdv_ref,
			      &w->pdv_ref_set);
	}
	if (valid) {
		now_mono = mono_ns();
		if (!w->rx_first_mono_ns)
			w->rx_first_mono_ns = now_mono;
		STAT_SET(c->last_rx_ns, now_mono);
		STAT_ADD(c->rx_packets, valid);
		STAT_ADD(c->rx_bytes, bytes);
	}
	if (lost_delta || expected_delta) {
		w->rx_unique_lost += (uint64_t)lost_delta;
		w->rx_expected += (uint64_t)expected_delta;
		STAT_SET(c->rx_lost, w->rx_unique_lost);
		STAT_SET(c->rx_expected, w->rx_expected);
	}
	STAT_ADD(c->rx_duplicates, dups);
	STAT_ADD(c->rx_reordered, reord);
	STAT_ADD(c->rx_late, late);
	STAT_ADD(c->rx_foreign, foreign);
	STAT_ADD(c->rx_truncated, truncated);
	STAT_ADD(c->rx_corrupt, corrupt);
	STAT_ADD(c->rx_untracked, untracked);
	STAT_ADD(c->latency_negative, negative);
	STAT_ADD(c->rx_filtered, filtered);
	return valid;
}

/* Why recv/reflect should end now, or false to go on. */
static bool rx_finished(struct worker *w, uint64_t now)
{
	return spec_run_over(w->spec, should_stop(w), w->start_mono_ns, now,
			     w->stats.c.rx_packets, w->stats.c.last_rx_ns);
}

/*
 * A policing reflector's bucket: credit at the declared rate, as deep as
 * a receive batch or 100 ms of packets, whichever is more, so the
 * reflector's own scheduling hiccups (a batch that queued while it was
 * off the CPU) do not count against a client that sent on time. It
 * starts full. False when there is no rate to keep.
 */
static bool police_init(struct worker *w, struct pacer *bucket,
			unsigned int batch)
{
	const struct test_spec *sp = w->spec;
	double pps;
	double depth;

	if (!sp->police || sp->rate.kind == RATE_MAX)
		return false;
	pps = spec_target_pps(sp);
	if (!(pps > 0))
		return false;
	depth = pps / 10 > batch ? pps / 10 : batch;
	if (depth > 1e6)
		depth = 1e6;
	pacer_init(bucket, pps, (uint32_t)depth, mono_ns());
	bucket->credit_ps = bucket->max_credit_ps;
	return true;
}

static int run_recv(struct worker *w, bool reflect)
{
	struct pkt pkts[SPEC_MAX_BURST];
	unsigned int batch = w->spec->burst < 64 ? 64 : w->spec->burst;
	uint64_t bursts = 0;
	struct pacer bucket;
	bool police;

	if (batch > SPEC_MAX_BURST)
		batch = SPEC_MAX_BURST;
	police = reflect && police_init(w, &bucket, batch);
	memset(pkts, 0, sizeof(pkts[0]) * batch);
	while (!rx_finished(w, mono_ns())) {
		unsigned int valid;
		int got = w->ops->rx_burst(w->backend, pkts, batch, RX_WAIT_NS);

		if (got < 0) {
			/* ICMP errors surface here on UDP sockets; count
			 * and go on, a receiver does not give up. */
			STAT_ADD(w->stats.c.rx_errors, 1);
			continue;
		}
		if (!got) {
			publish_jitter(w);
			continue;
		}
		if (w->ops->flags & BACKEND_F_RAW)
			got = (int)raw_rx_prepare(w, pkts, (unsigned int)got);
		valid = rx_account(w, pkts, (unsigned int)got, reflect);
		if (police && valid) {
			uint32_t ok = pacer_take(&bucket, mono_ns(), valid);

			if (ok < valid) {
				STAT_ADD(w->stats.c.rx_policed, valid - ok);
				valid = ok;
			}
		}
		if (reflect && valid && (w->ops->flags & BACKEND_F_RAW))
			raw_reflect_rewrite(pkts, valid);
		if (reflect && valid) {
			unsigned int done = 0;
			uint64_t bytes = 0;

			while (done < valid) {
				int sent = w->ops->tx_burst(w->backend,
							    pkts + done,
							    valid - done);

				if (sent <= 0) {
					STAT_ADD(w->stats.c.tx_errors,
						 valid - done);
					break;
				}
				done += (unsigned int)sent;
			}
			for (unsigned int i = 0; i < done; i++)
				bytes += pkts[i].len + wire_overhead(w);
			STAT_ADD(w->stats.c.reflected, done);
			STAT_ADD(w->stats.c.tx_packets, done);
			STAT_ADD(w->stats.c.tx_bytes, bytes);
		}
		if (++bursts % JITTER_PUBLISH_EVERY == 0)
			publish_jitter(w);
	}
	publish_jitter(w);
	return 0;
}

/* ---- transmit side, shared by send and ping ---- */

struct tx_state {
	struct pacer pacer;
	uint8_t *buffers; /* one slot per burst position */
	size_t slot_size;
	size_t payload_len;
	/* raw backends: whole frames; the probe sits at payload_offset and
	 * the UDP source port and checksum are patched per packet */
	bool raw;
	/* raw backends with tx_prepare: the frames live in the backend's
	 * buffers, prepared once; per packet only the stamp is written */
	bool prepared;
	size_t payload_offset;
	size_t udp_offset;
	uint32_t csum_base; /* UDP sum with src port and probe zeroed */
	uint64_t *next_seq; /* per flow */
	uint32_t next_flow;
	uint64_t sent;
	uint64_t last_departure_ns; /* 0: nothing sent yet */
	uint64_t deadline; /* 0: none */
	/* A size mix (sizemix.h): the interleave, where the next frame is
	 * in it, and what each size needs (NULL without a mix). */
	uint8_t *mix_order;
	uint32_t mix_pos;
	uint32_t mix_period;
	struct tx_size *mix_sizes;
	struct pkt pkts[SPEC_MAX_BURST];
};

/* One size of a mix: its lengths and, for raw backends, its headers and
 * the UDP checksum over them with a zero port and probe header. */
#define TX_SIZE_MAX_HEADER 96
struct tx_size {
	uint32_t frame_size; /* incl. FCS */
	uint32_t len; /* raw: frame without FCS; socket: UDP payload */
	uint32_t csum_base;
	uint8_t header[TX_SIZE_MAX_HEADER];
};

static void tx_teardown(struct tx_state *tx)
{
	free(tx->buffers);
	free(tx->next_seq);
	free(tx->mix_order);
	free(tx->mix_sizes);
}

/*
 * Each size of a mix, built once: a raw frame's headers and checksum
 * base (its payload is the largest size's fill pattern, already in every
 * slot: the pattern depends only on the offset), or a socket's payload
 * length.
 */
static int tx_setup_mix(struct worker *w, struct tx_state *tx)
{
	const struct size_mix *mix = &w->spec->size_mix;
	struct test_spec one = *w->spec;
	struct frame_spec fs = w->frame;
	uint8_t *scratch = NULL, *payload = NULL;
	int err = -ENOMEM;

	tx->mix_order = malloc(mix->period);
	tx->mix_sizes = calloc(mix->count, sizeof(*tx->mix_sizes));
	if (!tx->mix_order || !tx->mix_sizes)
		return -ENOMEM;
	sizemix_schedule(mix, tx->mix_order);
	tx->mix_period = mix->period;
	if (tx->raw) {
		scratch = malloc(tx->slot_size);
		payload = calloc(1, tx->payload_len);
		if (!scratch || !payload)
			goto out;
		probe_fill(payload, tx->payload_len);
		fs.src_port = 0;
	}
	one.size_mix.count = 0;
	for (uint32_t i = 0; i < mix->count; i++) {
		struct tx_size *ts = &tx->mix_sizes[i];
		int len, frame_len;
		uint16_t check;

		one.frame_size = mix->sizes[i];
		len = spec_payload_len(&one);
		err = -EINVAL;
		if (len < 0 || (size_t)len > tx->payload_len)
			goto out;
		ts->frame_size = mix->sizes[i];
		ts->len = (uint32_t)len;
		if (!tx->raw)
			continue;
		frame_len = frame_build(&fs, payload, (size_t)len, scratch,
					tx->slot_size);
		if (frame_len < 0 || tx->payload_offset > TX_SIZE_MAX_HEADER) {
			err = frame_len < 0 ? frame_len : -EINVAL;
			goto out;
		}
		ts->len = (uint32_t)frame_len;
		memcpy(ts->header, scratch, tx->payload_offset);
		memcpy(&check, scratch + tx->udp_offset + 6, 2);
		ts->csum_base = check == 0xffff ? 0 : (uint16_t)~check;
	}
	err = 0;
out:
	free(scratch);
	free(payload);
	return err;
}

/* Before a send: packet i of the burst gets the size the interleave has
 * next, its length and (raw) headers. Returns its frame size. */
static uint32_t tx_mix_apply(struct tx_state *tx, struct pkt *p, uint32_t i)
{
	const struct tx_size *ts;

	ts = &tx->mix_sizes[tx->mix_order[(tx->mix_pos + i) % tx->mix_period]];
	p->len = ts->len;
	if (tx->raw) {
		memcpy(p->data, ts->header, tx->payload_offset);
		tx->csum_base = ts->csum_base;
	}
	return ts->frame_size;
}

/* Every slot gets flow 0's whole frame; per packet only the source port,
 * the probe header and the UDP checksum change. */
static int tx_setup_raw(struct worker *w, struct tx_state *tx)
{
	struct frame_spec fs = w->frame;
	uint8_t *payload = calloc(1, tx->payload_len);
	int frame_len = -ENOMEM;
	uint16_t check;

	if (!payload)
		return -ENOMEM;
	probe_fill(payload, tx->payload_len);
	fs.src_port = 0;
	for (uint32_t i = 0; i < w->spec->burst; i++) {
		uint8_t *slot = tx->buffers + (size_t)i * tx->slot_size;

		frame_len = frame_build(&fs, payload, tx->payload_len, slot,
					tx->slot_size);
		if (frame_len < 0)
			break;
		tx->pkts[i].data = slot;
		tx->pkts[i].len = (uint32_t)frame_len;
	}
	free(payload);
	if (frame_len < 0)
		return frame_len;
	tx->payload_offset = frame_header_len(&fs);
	tx->udp_offset = tx->payload_offset - FRAME_UDP_HLEN;
	/* The stored checksum is over a zero port and a zero probe header;
	 * its complement is the partial sum to add the real ones to. */
	memcpy(&check, tx->buffers + tx->udp_offset + 6, 2);
	tx->csum_base = (uint16_t)~check;
	if (check == 0xffff)
		tx->csum_base = 0;
	/* Slot 0 is still the unstamped template. A size mix changes each
	 * frame's length, which prepared frames keep: it copies instead. */
	if (w->ops->tx_prepare && w->ops->tx_reserve && w->ops->tx_submit &&
	    !w->spec->size_mix.count)
		tx->prepared = !w->ops->tx_prepare(w->backend, tx->pkts[0].data,
						   tx->pkts[0].len);
	return 0;
}

static int tx_setup(struct worker *w, struct tx_state *tx)
{
	const struct test_spec *sp = w->spec;
	int len = spec_payload_len(sp);

	if (len < 0)
		return len;
	memset(tx, 0, sizeof(*tx));
	tx->payload_len = (size_t)len;
	/* Room for a whole frame, whatever the backend. */
	tx->slot_size = (sp->frame_size + 63) & ~(size_t)63;
	tx->buffers = calloc(sp->burst, tx->slot_size);
	tx->next_seq = calloc(sp->flows, sizeof(uint64_t));
	if (!tx->buffers || !tx->next_seq) {
		free(tx->buffers);
		free(tx->next_seq);
		return -ENOMEM;
	}
	tx->raw = w->ops->flags & BACKEND_F_RAW;
	if (tx->raw) {
		int err = tx_setup_raw(w, tx);

		if (err) {
			tx_teardown(tx);
			return err;
		}
	} else {
		/* The fill pattern depends only on the offset: write it
		 * once. */
		for (uint32_t i = 0; i < sp->burst; i++) {
			uint8_t *slot = tx->buffers + (size_t)i * tx->slot_size;

			probe_fill(slot, tx->payload_len);
			tx->pkts[i].data = slot;
			tx->pkts[i].len = (uint32_t)tx->payload_len;
		}
	}
	if (sp->size_mix.count) {
		int err = tx_setup_mix(w, tx);

		if (err) {
			tx_teardown(tx);
			return err;
		}
	}
	pacer_init(&tx->pacer, w->target_pps, sp->burst, mono_ns());
	pacer_set_catch_up(&tx->pacer,
			   spec_catch_up_frames(sp, w->target_pps));
	if (sp->duration_ns)
		tx->deadline = w->start_mono_ns + sp->duration_ns;
	return 0;
}

/* A sender's state, allocated and set up in one step: a failed setup
 * frees what it took. */
static int tx_create(struct worker *w, struct tx_state **out)
{
	struct tx_state *tx = malloc(sizeof(*tx));
	int err;

	if (!tx)
		return -ENOMEM;
	err = tx_setup(w, tx);
	if (err) {
		free(tx);
		return err;
	}
	*out = tx;
	return 0;
}

static void tx_destroy(struct tx_state *tx)
{
	tx_teardown(tx);
	free(tx);
}

/*
 * The UDP checksum after writing a probe: the ones' complement sum is the
 * same in either byte order (RFC 1071), so the header's 16-bit words are
 * summed as numbers and the result swapped once, instead of running the
 * byte loop over the header for every packet.
 */
static uint16_t probe_csum_words(uint16_t port, const struct probe *p)
{
	uint64_t ts = p->tx_ns & PROBE_TS_MASK;
	uint64_t sum = port + p->flow_id +
		       ((PROBE_MAGIC << 8) | PROBE_VERSION) +
		       (p->seq >> 48) + ((p->seq >> 32) & 0xffff) +
		       ((p->seq >> 16) & 0xffff) + (p->seq & 0xffff) +
		       (ts >> 32) + ((ts >> 16) & 0xffff) + (ts & 0xffff);

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void tx_stamp_raw(const struct worker *w, const struct tx_state *tx,
			 uint8_t *frame, const struct probe *probe)
{
	uint8_t *udp = frame + tx->udp_offset;
	/* frame.src_port is this worker's first flow's port. */
	uint16_t port = (uint16_t)(w->frame.src_port + probe->flow_id -
				   w->flow_base);
	uint16_t port_be = htons(port), check;
	uint32_t sum;

	memcpy(udp, &port_be, 2);
	probe_write(frame + tx->payload_offset, probe);
	/* The words are in host order: swap their sum to the packet's. */
	sum = tx->csum_base + htons(probe_csum_words(port, probe));
	check = csum_fold(sum);
	/* 0 means "no checksum" in UDP over IPv4 and is invalid over IPv6. */
	if (!check)
		check = 0xffff;
	memcpy(udp + 6, &check, 2);
}

/* True when the send phase is over. */
static bool tx_finished(struct worker *w, struct tx_state *tx, uint64_t now)
{
	/* A sender's and a pinger's end: no idle rule (no arrivals). */
	return spec_run_over(w->spec, should_stop(w), w->start_mono_ns, now,
			     tx->sent, 0);
}

/*
 * The sender's own pacing: when each frame left against the one before
 * (the frames of one send leave back-to-back, a gap of 0), how late the
 * send was against the schedule, and how many frames went at once.
 */
static void tx_account_pacing(struct worker *w, struct tx_state *tx,
			      uint64_t now, uint32_t sent)
{
	struct worker_stats *st = &w->stats;

	if (!sent)
		return;
	if (tx->last_departure_ns)
		hist_record(&st->tx_gap, now - tx->last_departure_ns);
	hist_record_n(&st->tx_gap, 0, sent - 1);
	tx->last_departure_ns = now;
	STAT_ADD(st->c.tx_sends, 1);
	if (sent > 1)
		STAT_ADD(st->c.tx_bursts, 1);
	if (sent > st->c.tx_burst_max)
		STAT_SET(st->c.tx_burst_max, sent);
	if (pacer_unlimited(&tx->pacer))
		return;
	if (tx->pacer.late_ns > st->c.tx_late_max_ns)
		STAT_SET(st->c.tx_late_max_ns, tx->pacer.late_ns);
	if (tx->pacer.forfeit_ns != st->c.tx_forfeit_ns)
		STAT_SET(st->c.tx_forfeit_ns, tx->pacer.forfeit_ns);
}

/*
 * Send what the pacer allows now, at most one burst, all of it on one flow
 * (flows take turns burst by burst, so a socket backend makes one syscall
 * per burst). Returns packets sent, 0 when not due yet, or -errno.
 */
static int tx_once(struct worker *w, struct tx_state *tx, uint64_t now)
{
	const struct test_spec *sp = w->spec;
	uint32_t want = sp->burst, n, stamp, flow = tx->next_flow;
	uint64_t tx_real, seq0 = 0, bytes = 0;
	int sent;

	if (sp->count && sp->count - tx->sent < want)
		want = (uint32_t)(sp->count - tx->sent);
	n = pacer_take(&tx->pacer, now, want);
	if (!n)
		return 0;
	stamp = n;
	if (tx->prepared) {
		/* The backend's own frames, as many as it has free. */
		sent = w->ops->tx_reserve(w->backend, tx->pkts, n);
		if (sent < 0)
			goto not_sent;
		stamp = (uint32_t)sent;
	}
	seq0 = tx->next_seq[flow];
	tx_real = clock_ns(CLOCK_REALTIME);
	for (uint32_t i = 0; i < stamp; i++) {
		struct probe probe = {
			.flow_id = (uint16_t)(w->flow_base + flow),
			.seq = seq0 + i,
			.tx_ns = tx_real,
		};

		tx->pkts[i].flow = flow;
		if (tx->mix_sizes)
			tx_mix_apply(tx, &tx->pkts[i], i);
		if (tx->raw) {
			tx_stamp_raw(w, tx, tx->pkts[i].data, &probe);
			continue;
		}
		probe_write(tx->pkts[i].data, &probe);
	}
	if (tx->prepared) {
		int err = w->ops->tx_submit(w->backend, stamp);

		sent = err ? err : (int)stamp;
	} else {
		sent = w->ops->tx_burst(w->backend, tx->pkts, n);
	}
not_sent:
	if (sent < 0) {
		/* Not sent, so not numbered: the sequence stays where it
		 * was and the receiver sees no false gap. A full queue is
		 * retried at once; a refusal used its turn (retrying at
		 * once would spin on a kernel that refuses every send). */
		if (sent == -EAGAIN) {
			pacer_refund(&tx->pacer, n);
			STAT_ADD(w->stats.c.tx_backpressure, 1);
			return 0;
		}
		STAT_ADD(w->stats.c.tx_errors, n);
		/* A connected UDP socket reports an ICMP error that came
		 * back for an earlier packet: the destination refuses. */
		if (sent == -ECONNREFUSED || sent == -EHOSTUNREACH ||
		    sent == -ENETUNREACH || sent == -EHOSTDOWN) {
			STAT_ADD(w->stats.c.tx_refused, n);
			if (!w->stats.c.tx_refused_first_ns)
				STAT_SET(w->stats.c.tx_refused_first_ns, now);
			STAT_SET(w->stats.c.tx_refused_last_ns, now);
		}
		return sent;
	}
	if ((uint32_t)sent < n)
		pacer_refund(&tx->pacer, n - (uint32_t)sent);
	tx->next_seq[flow] = seq0 + (uint64_t)sent;
	tx->next_flow = (flow + 1) % sp->flows;
	tx->sent += (uint64_t)sent;
	if (tx->mix_sizes) {
		/* What went: the interleave goes on from the first not sent. */
		for (int i = 0; i < sent; i++)
			bytes += tx->mix_sizes[tx->mix_order[(tx->mix_pos + (uint32_t)i) %
							   tx->mix_period]]
					 .frame_size;
		tx->mix_pos = (tx->mix_pos + (uint32_t)sent) % tx->mix_period;
	} else {
		bytes = (uint64_t)sent * sp->frame_size;
	}
	STAT_ADD(w->stats.c.tx_packets, sent);
	STAT_ADD(w->stats.c.tx_bytes, bytes);
	tx_account_pacing(w, tx, now, (uint32_t)sent);
	return sent;
}

static int run_send(struct worker *w)
{
	struct tx_state *tx;
	uint64_t last_error_log = 0, last_sent;
	int err = tx_create(w, &tx);

	if (err)
		return err;
	last_sent = mono_ns();
	for (;;) {
		uint64_t now = mono_ns();
		int rc;

		if (tx_finished(w, tx, now))
			break;
		rc = tx_once(w, tx, now);
		if (rc > 0)
			last_sent = now;
		if (rc < 0 && now - last_error_log > NSEC_PER_SEC) {
			pr_warn("send: %s (counted in tx.errors)\n",
				strerror(-rc));
			last_error_log = now;
		}
		/* With --count alone nothing else ends a send the kernel
		 * refuses every time. */
		if (rc < 0 && !tx->deadline &&
		    now - last_sent > TX_GIVE_UP_NS) {
			pr_warn("send: giving up: every send failed for %llu s\n",
				(unsigned long long)(TX_GIVE_UP_NS /
						     NSEC_PER_SEC));
			break;
		}
		if (rc == 0 && !pacer_unlimited(&tx->pacer)) {
			uint64_t due = pacer_due_ns(&tx->pacer, 1);

			if (tx->deadline && due > tx->deadline)
				due = tx->deadline;
			/* Short waits so a stop request is seen quickly. */
			if (due > now + 100 * NSEC_PER_MSEC)
				due = now + 100 * NSEC_PER_MSEC;
			clock_wait_until(due);
		}
	}
	tx_destroy(tx);
	return 0;
}

/*
 * Round trip: send paced probes and take the reflected ones on the same
 * sockets, in one thread, waiting for replies while the next probe is not
 * due. After the last probe, wait up to spec->wait_ns for stragglers.
 */
static int run_ping(struct worker *w)
{
	const struct test_spec *sp = w->spec;
	struct pkt rx[SPEC_MAX_BURST];
	struct tx_state *tx;
	uint64_t drain_until = 0, bursts = 0, last_sent;
	int err = tx_create(w, &tx);

	if (err)
		return err;
	last_sent = mono_ns();
	memset(rx, 0, sizeof(rx[0]) * sp->burst);
	for (;;) {
		uint64_t now = mono_ns(), wait = 0;
		int got;

		if (!drain_until) {
			if (tx_finished(w, tx, now)) {
				w->tx_end_mono_ns = now;
				drain_until = now + sp->wait_ns;
				continue;
			}
			int rc = tx_once(w, tx, now);

			if (rc > 0)
				last_sent = now;
			/* As run_send: a kernel that refuses every probe
			 * would keep a --count ping going forever. */
			if (rc < 0 && !tx->deadline &&
			    now - last_sent > TX_GIVE_UP_NS) {
				pr_warn("ping: giving up: every send failed "
					"for %llu s (%s)\n",
					(unsigned long long)(TX_GIVE_UP_NS /
							     NSEC_PER_SEC),
					strerror(-rc));
				w->tx_end_mono_ns = now;
				drain_until = now + sp->wait_ns;
				continue;
			}
			if (rc == 0 && !pacer_unlimited(&tx->pacer)) {
				uint64_t due = pacer_due_ns(&tx->pacer, 1);

				wait = due > now ? due - now : 0;
			}
		} else {
			if (should_stop(w) || now >= drain_until)
				break;
			/* Every probe answered: nothing left to wait for. */
			if (w->stats.c.rx_packets - w->stats.c.rx_duplicates >=
			    tx->sent)
				break;
			wait = drain_until - now;
		}
		if (wait > RX_WAIT_NS)
			wait = RX_WAIT_NS;
		got = w->ops->rx_burst(w->backend, rx, sp->burst, wait);
		if (got < 0)
			STAT_ADD(w->stats.c.rx_errors, 1);
		else if (got > 0) {
			if (w->ops->flags & BACKEND_F_RAW)
				got = (int)raw_rx_prepare(w, rx, (unsigned int)got);
			rx_account(w, rx, (unsigned int)got, false);
			if (++bursts % JITTER_PUBLISH_EVERY == 0)
				publish_jitter(w);
		}
	}
	/* The replies we expect are the probes we sent, tail included. */
	{
		uint64_t unique = w->stats.c.rx_packets - w->stats.c.rx_duplicates;

		STAT_SET(w->stats.c.rx_expected, tx->sent);
		STAT_SET(w->stats.c.rx_lost,
			 tx->sent > unique ? tx->sent - unique : 0);
	}
	publish_jitter(w);
	tx_destroy(tx);
	return 0;
}

static bool worker_paces(const struct worker *w)
{
	return (w->spec->role == ROLE_SEND || w->spec->role == ROLE_PING) &&
	       w->target_pps > 0 && !(w->ops->flags & BACKEND_F_KERNEL);
}

/*
 * --realtime: SCHED_FIFO, so that on a busy host the sender runs as soon
 * as its frame is due instead of waiting milliseconds for a CPU. Only
 * where it sleeps between frames (the gap at least twice the wake-up
 * margin): a sender that spins would hold a CPU at real-time priority.
 */
static void worker_realtime(struct worker *w, uint64_t margin_ns)
{
	struct sched_param param = {.sched_priority = 1};
	double gap_ns = 1e9 / w->target_pps;
	int err;

	if (gap_ns < 2.0 * (double)margin_ns) {
		pr_warn("--realtime: not used: the %.1f us gap is under twice "
			"this host's %.1f us wake-up margin, so the sender "
			"spins\n",
			gap_ns / 1e3, (double)margin_ns / 1e3);
		return;
	}
	err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
	if (err) {
		pr_warn("--realtime: SCHED_FIFO refused (%s); pacing at "
			"normal priority\n",
			strerror(err));
		return;
	}
	STAT_SET(w->stats.c.tx_realtime, 1);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int err = 0;

	worker_pin_cpu(w->spec->cpu);
	/* The default 50 us timer slack would make every paced wait late. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	/* A paced sender sleeps to the wake-up margin before each frame
	 * and spins only the rest: measure the margin with this slack. */
	/* Measured in worker_start, before the clock of the run started. */
	if (worker_paces(w) && w->spec->realtime)
		worker_realtime(w, clock_wake_margin());
	if (w->ops->flags & BACKEND_F_KERNEL) {
		struct backend_role_ctx ctx = {
			.spec = w->spec,
			.stop = w->stop,
			.stats = &w->stats,
			.start_mono_ns = w->start_mono_ns,
			.target_pps = w->target_pps,
			.flow_base = w->flow_base,
			.rx_first_mono_ns = &w->rx_first_mono_ns,
			.err = &w->err,
		};

		err = w->ops->run(w->backend, &ctx);
		goto out;
	}
	switch (w->spec->role) {
	case ROLE_SEND:
		err = run_send(w);
		break;
	case ROLE_RECV:
		err = run_recv(w, false);
		break;
	case ROLE_REFLECT:
		err = run_recv(w, true);
		break;
	case ROLE_PING:
		err = run_ping(w);
		break;
	}
out:
	w->end_mono_ns = mono_ns();
	w->error = err;
	atomic_store(&w->done, true);
	return NULL;
}

int worker_start(struct worker *w)
{
	int err;

	/*
	 * A paced sender sleeps to the wake-up margin before each frame and
	 * spins only the rest: measure the margin (once per process, a few
	 * ms) with the slack the worker will have, before the run's clock
	 * starts, so the calibration costs the run no frames.
	 */
	if (worker_paces(w)) {
		int slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);

		prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
		pr_debug("pacing: wake-up margin %llu ns\n",
			 (unsigned long long)clock_calibrate());
		if (slack > 0)
			prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0);
	}
	w->start_mono_ns = mono_ns();
	err = pthread_create(&w->thread, NULL, worker_main, w);

	if (err)
		return -err;
	w->started = true;
	return 0;
}

int worker_join(struct worker *w)
{
	if (!w->started)
		return 0;
	pthread_join(w->thread, NULL);
	w->started = false;
	return w->error;
}
