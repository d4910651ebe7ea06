// SPDX-License-Identifier: MIT
/*
 * The in-kernel backend's receiver: lr_sink (xdp_sink.bpf.c) attached to
 * the interface validates, counts and sequence-tracks test packets per CPU
 * and per flow, records their latency in per-CPU histograms, and drops
 * them. User space merges the per-CPU state and publishes it.
 *
 * Clocks: probes carry CLOCK_REALTIME, BPF has only the monotonic clock
 * (bpf_ktime_get_ns). User space measures realtime - monotonic and
 * refreshes it in the program's .bss every poll, so the kernel's stamps
 * follow NTP slewing with a lag of at most one poll (10 ms here: at the
 * 500 ppm slew limit that is 5 us, at a typical few ppm some 10s of ns),
 * plus the error of one clock_gettime pair (~ 100 ns, the smallest of
 * three tries). A step of the realtime clock shows up one poll late.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "backend/xdp_common.h"
#include "backend/xdp_flows.h"
#include "lib/clock.h"
#include "lib/flowreport.h"
#include "lib/hist.h"
#include "lib/log.h"
#include "lib/probe.h"
#include "lib/seqtrack.h"
#include "xdp_sink.skel.h"

_Static_assert(XDP_HIST_BUCKETS == HIST_BUCKETS, "hist.h changed");
_Static_assert(XDP_HIST_MAX_VALUE == HIST_MAX_VALUE, "hist.h changed");
_Static_assert(sizeof(struct xdp_hist) == sizeof(struct hist),
	       "struct xdp_hist must mirror struct hist");
_Static_assert(XDP_SEQ_WINDOW == SEQTRACK_WINDOW, "seqtrack.h changed");
_Static_assert(XDP_PROBE_MAGIC == PROBE_MAGIC &&
		       XDP_PROBE_VERSION == PROBE_VERSION &&
		       XDP_PROBE_HDR_LEN == PROBE_HDR_LEN &&
		       XDP_PROBE_TS_BITS == PROBE_TS_BITS,
	       "probe.h changed");
_Static_assert(XDP_FILL_CHECK_LEN == sizeof(__u64), "one word per check");

/* fill_words[off]: the 8 pattern bytes from offset off, as the program
 * loads them (same byte order as ours). */
static void fill_words_build(__u64 words[XDP_FILL_PERIOD])
{
	for (size_t off = 0; off < XDP_FILL_PERIOD; off++) {
		uint8_t bytes[XDP_FILL_CHECK_LEN];

		for (size_t k = 0; k < sizeof(bytes); k++)
			bytes[k] = probe_fill_byte(off + k);
		memcpy(&words[off], bytes, sizeof(words[off]));
	}
}

int xdp_analyzer_load(struct backend *b, struct lr_err *why)
{
	const struct backend_config *cfg = &b->cfg;
	int err;

	b->sink = xdp_sink__open();
	if (!b->sink)
		return receive_progs_error(why, -errno, "open");
	match_config_from(cfg, &b->sink->rodata->sink_cfg.match);
	b->sink->rodata->sink_cfg.pass_test_packets = 0;
	b->sink->rodata->sink_cfg.count_only = cfg->opts.count_only;
	b->sink->rodata->sink_cfg.latency_mask =
		cfg->opts.latency_sample > 1 ? cfg->opts.latency_sample - 1 : 0;
	fill_words_build(b->sink->rodata->sink_cfg.fill_words);
	err = xdp_sink__load(b->sink);
	if (err)
		return receive_progs_error(why, err, "load");
	b->merged = malloc(sizeof(*b->merged));
	b->cpu_hist = malloc(sizeof(*b->cpu_hist));
	b->cpu_hist_norm = malloc(sizeof(*b->cpu_hist_norm));
	if (!b->merged || !b->cpu_hist || !b->cpu_hist_norm)
		return lr_err_errno(why, -ENOMEM);
	return 0;
}

_Static_assert(sizeof(struct xdp_sink_counters) % sizeof(__u64) == 0,
	       "percpu_counters_read() takes __u64 counters");

static int sink_counters_read(struct backend *b, struct xdp_sink_counters *sum)
{
	const struct xdp_sink_counters *cpu;
	int err;

	err = percpu_counters_read(
		b, b->sink->maps.sink_counters, sum, sizeof(*sum),
		offsetof(struct xdp_sink_counters, first_rx_ns),
		offsetof(struct xdp_sink_counters, last_rx_ns));
	if (err)
		return err;
	/* A bound, not a count: the largest, not the sum. */
	sum->flow_limit = 0;
	cpu = b->percpu_buf;
	for (int i = 0; i < b->ncpus; i++, cpu++)
		if (cpu->flow_limit > sum->flow_limit)
			sum->flow_limit = cpu->flow_limit;
	return 0;
}

/* The per-CPU histograms merged into b->merged, each normalised first by
 * hist_snapshot(): the program may have been between its stores. */
static int sink_latency_read(struct backend *b)
{
	const struct xdp_hist *cpu;
	int err;

	err = percpu_lookup(b, b->sink->maps.sink_latency, 0, sizeof(*cpu));
	if (err)
		return err;
	hist_init(b->merged);
	cpu = b->percpu_buf;
	for (int i = 0; i < b->ncpus; i++, cpu++) {
		struct hist *h = b->cpu_hist;

		memcpy(h, cpu, sizeof(*h));
		if (!h->count)
			h->min = UINT64_MAX;
		hist_snapshot(b->cpu_hist_norm, h);
		hist_merge(b->merged, b->cpu_hist_norm);
	}
	return 0;
}

static void hist_publish(struct hist *dst, const struct hist *src)
{
	/* Relaxed stores, as hist_record() makes them: the reporter reads
	 * with hist_snapshot() meanwhile. */
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		if (dst->buckets[i] != src->buckets[i])
			STAT_SET(dst->buckets[i], src->buckets[i]);
	STAT_SET(dst->sum, src->sum);
	STAT_SET(dst->min, src->min);
	STAT_SET(dst->max, src->max);
	STAT_SET(dst->count, src->count);
}

struct flow_totals {
	uint64_t expected;
	uint64_t lost;
	uint64_t duplicates;
	uint64_t reordered;
	uint64_t late;
	uint64_t flows;
	uint64_t untracked; /* packets of a flow id's non-owners */
	double jitter_weighted;
	uint64_t jitter_weight;
};

static int sink_flow_read(struct backend *b, uint32_t flow,
			  struct flow_totals *t)
{
	struct seqtrack st;
	double jitter = 0;
	uint64_t jitter_weight = 0;
	int err;

	err = percpu_lookup(b, b->sink->maps.sink_flows, flow,
			    sizeof(struct xdp_flow_state));
	if (err)
		return err;
	if (flow_merge(b->percpu_buf, b->ncpus, &st, &jitter, &jitter_weight,
		       &t->untracked) < 0)
		return 0;
	t->flows++;
	t->expected += seqtrack_expected(&st);
	t->lost += seqtrack_lost(&st);
	t->duplicates += st.duplicates;
	t->reordered += st.reordered;
	t->late += st.late;
	t->jitter_weighted += jitter;
	t->jitter_weight += jitter_weight;
	return 0;
}

/*
 * With --latency-sample the kernel stamps only timed packets: note, at
 * each poll, whether packets came since the previous one, so the last
 * arrival is known to one poll (POLL_NS) when the last packets went
 * untimed.
 */
static void sink_poll_note(struct backend *b,
			   const struct xdp_sink_counters *sum, uint64_t poll_ns)
{
	if (sum->rx_packets != b->sink_seen_packets) {
		/* they came after the previous poll */
		b->sink_seen_ns = b->sink_seen_poll_ns;
		b->sink_seen_packets = sum->rx_packets;
	}
	b->sink_seen_poll_ns = poll_ns;
}

/* The last arrival (CLOCK_MONOTONIC): the last timed packet's stamp, or
 * the poll after which untimed ones still came. */
static uint64_t sink_last_rx(const struct backend *b,
			     const struct xdp_sink_counters *sum)
{
	if (b->cfg.opts.latency_sample <= 1 || sum->last_rx_ns >= b->sink_seen_ns)
		return sum->last_rx_ns;
	return b->sink_seen_ns;
}

static int sink_publish(struct backend *b, struct backend_role_ctx *ctx)
{
	struct stats_counters *c = &ctx->stats->c;
	struct xdp_sink_counters sum;
	struct flow_totals t = {0};
	uint64_t limit;
	int err;

	/* Counters first: flow_limit must cover every flow read below. */
	err = sink_counters_read(b, &sum);
	if (err)
		return err;
	limit = sum.flow_limit < XDP_SINK_MAX_FLOWS ? sum.flow_limit :
						      XDP_SINK_MAX_FLOWS;
	for (uint32_t f = 0; f < limit; f++) {
		err = sink_flow_read(b, f, &t);
		if (err)
			return err;
	}
	err = sink_latency_read(b);
	if (err)
		return err;
	hist_publish(&ctx->stats->latency, b->merged);
	STAT_SET(c->rx_packets, sum.rx_packets);
	STAT_SET(c->rx_bytes, sum.rx_bytes);
	STAT_SET(c->rx_expected, t.expected);
	STAT_SET(c->rx_lost, t.lost);
	STAT_SET(c->rx_duplicates, t.duplicates);
	STAT_SET(c->rx_reordered, t.reordered);
	STAT_SET(c->rx_late, t.late);
	STAT_SET(c->rx_corrupt, sum.corrupt);
	STAT_SET(c->rx_foreign, sum.foreign);
	STAT_SET(c->rx_truncated, sum.truncated);
	STAT_SET(c->rx_malformed, sum.malformed);
	STAT_SET(c->rx_untracked, sum.untracked + t.untracked);
	STAT_SET(c->rx_filtered, sum.filtered);
	STAT_SET(c->latency_negative, sum.latency_negative);
	STAT_SET(c->rx_flows, t.flows);
	if (t.jitter_weight)
		STAT_SET(
			c->jitter_rfc3550_ns,
			(uint64_t)(t.jitter_weighted / (double)t.jitter_weight +
				   0.5));
	STAT_SET(c->last_rx_ns, sink_last_rx(b, &sum));
	/* The session's rates run from the first to the last packet. */
	*ctx->rx_first_mono_ns = sum.first_rx_ns;
	b->flows_seen = t.flows;
	b->merge_untracked = t.untracked;
	return 0;
}

/* arg: the time of the next publication. */
static int sink_poll(struct backend *b, struct backend_role_ctx *ctx,
		     uint64_t now, void *arg, bool *over)
{
	uint64_t *next_publish = arg;
	struct xdp_sink_counters sum;
	int err = sink_counters_read(b, &sum);

	if (err)
		return err;
	sink_poll_note(b, &sum, now);
	*over = backend_role_over(ctx, now, sum.rx_packets,
				  sink_last_rx(b, &sum));
	if (*over)
		return 0;
	if (now >= *next_publish) {
		err = sink_publish(b, ctx);
		if (err)
			return err;
		*next_publish = now + PUBLISH_NS;
	}
	__atomic_store_n(&b->sink->bss->sink_realtime_offset_ns,
			 realtime_offset() +
				 (uint64_t)ctx->spec->clock_offset_ns,
			 __ATOMIC_RELAXED);
	return 0;
}

int xdp_analyzer_run(struct backend *b, struct backend_role_ctx *ctx)
{
	uint64_t next_publish = 0;
	struct xdp_sink_counters sum;
	int err;

	/* Arrival stamps in the sender's time when its offset is known. */
	b->sink->bss->sink_realtime_offset_ns =
		realtime_offset() + (uint64_t)ctx->spec->clock_offset_ns;
	err = xdp_role_run(b, ctx, b->sink->progs.lr_sink, RUNNING_SINK,
			   sink_poll, &next_publish);
	if (err)
		return err;
	/* Detached by now, so this last copy is final; packets that came
	 * after the last poll are noted as such. */
	if (!sink_counters_read(b, &sum))
		sink_poll_note(b, &sum, mono_ns());
	return sink_publish(b, ctx);
}

int xdp_analyzer_kernel_stats(struct backend *b, char *buf, size_t len)
{
	struct xdp_sink_counters sum;
	int err = sink_counters_read(b, &sum);

	if (err)
		return err;
	return snprintf(buf, len,
			"sink_packets=%llu sink_passed=%llu "
			"sink_untracked=%llu sink_flows=%llu",
			(unsigned long long)sum.rx_packets,
			(unsigned long long)sum.passed,
			(unsigned long long)(sum.untracked +
					     b->merge_untracked),
			(unsigned long long)b->flows_seen);
}

/*
 * One CPU's markings of a flow added to r, as the worker's
 * flow_note_marking() records them: DSCP and ECN values seen are sets
 * (their union over CPUs); the tags are the last tagged packet's, and as
 * CPUs keep no common order, those of the CPU that received the most of
 * the flow (*tags_from) stand (RSS keeps a flow on one queue).
 */
static void flow_marks_add(struct flow_result *r,
			   const struct xdp_flow_state *cpu,
			   uint64_t *tags_from)
{
	if (cpu->tos_seen) {
		r->tos_seen = true;
		r->dscp_seen |= cpu->dscp_seen;
		r->ecn_seen |= cpu->ecn_seen;
	}
	if (cpu->vlan_tags && (!r->vlan_seen || cpu->received > *tags_from)) {
		r->vlan_seen = true;
		r->vlan_id = cpu->vlan_outer_tci & 0x0fff;
		r->vlan_pcp = (uint8_t)(cpu->vlan_outer_tci >> 13);
		r->vlan_inner_id =
			cpu->vlan_tags >= 2 ? cpu->vlan_inner_tci & 0x0fff : 0;
		r->vlan_inner_pcp =
			cpu->vlan_tags >= 2 ?
				(uint8_t)(cpu->vlan_inner_tci >> 13) :
				0;
		*tags_from = cpu->received;
	}
}

/*
 * The analyzer's flows, as flow_merge() merges them over CPUs: what its
 * map holds, flow ids below XDP_SINK_MAX_FLOWS, each owned by one sender
 * (the first that used it on a CPU; over CPUs, the one with the most
 * packets; the others' packets are in rx.untracked), with the markings its packets arrived with.
 * It keeps one latency histogram for all of them, and sees only the tags
 * still in the frame when XDP runs (not one the NIC took off).
 */
size_t xdp_analyzer_flow_results(struct backend *b, struct flow_result *out,
				 size_t cap, const char **note)
{
	struct xdp_sink_counters sum;
	uint64_t limit;
	size_t n = 0;

	*note = "xdp analyzer: flow ids below 1024 only (higher ones are in "
		"rx.untracked), one sender per flow id (the one with the most "
		"packets; the others' are in rx.untracked); no per-flow "
		"latency; "
		"VLAN tags as they reach XDP (not one the NIC strips)";
	/* Queue 0's program serves every queue: it alone answers. */
	if (b->secondary || !b->sink || sink_counters_read(b, &sum))
		return 0;
	limit = sum.flow_limit < XDP_SINK_MAX_FLOWS ? sum.flow_limit :
						      XDP_SINK_MAX_FLOWS;
	for (uint32_t f = 0; f < limit && n < cap; f++) {
		const struct xdp_flow_state *cpu;
		struct flow_result *r = &out[n];
		struct seqtrack st;
		double jitter = 0;
		uint64_t weight = 0, tags_from = 0, others = 0;
		int owner;

		if (percpu_lookup(b, b->sink->maps.sink_flows, f, sizeof(*cpu)))
			break;
		cpu = b->percpu_buf;
		owner = flow_merge(cpu, b->ncpus, &st, &jitter, &weight,
				   &others);
		if (owner < 0)
			continue;
		memset(r, 0, sizeof(*r));
		r->src.family = b->cfg.local.family;
		if (r->src.family == AF_INET6)
			memcpy(&r->src.v6, cpu[owner].owner_addr, 16);
		else
			memcpy(&r->src.v4, cpu[owner].owner_addr, 4);
		r->src_port = ntohs((uint16_t)cpu[owner].owner_port);
		for (int i = 0; i < b->ncpus; i++)
			if (cpu[i].started &&
			    flow_same_owner(&cpu[i], &cpu[owner]))
				flow_marks_add(r, &cpu[i], &tags_from);
		r->flow_id = (uint16_t)f;
		r->received = st.received;
		r->expected = seqtrack_expected(&st);
		r->lost = seqtrack_lost(&st);
		r->duplicates = st.duplicates;
		r->reordered = st.reordered;
		r->late = st.late;
		r->jitter_rfc3550_ns = weight ? jitter / (double)weight : 0;
		n++;
	}
	return n;
}
