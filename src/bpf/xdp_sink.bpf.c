// SPDX-License-Identifier: MIT
/*
 * In-kernel analyzer. Test packets (UDP to the listen address and port
 * from rodata) are validated, counted, sequence-tracked per flow and their
 * one-way latency recorded, all in per-CPU maps that user space merges
 * with the lib/ code (hist.h, seqtrack.h), then dropped. Every other
 * packet goes up the stack untouched, so ARP, SSH and the control
 * connection keep working on the interface under test.
 *
 * The per-packet work is kept to a few map accesses and no loops on the
 * common (in-order) path: this must keep up with millions of packets per
 * second per core.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <stdbool.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/match.bpf.h"
#include "bpf/parse.bpf.h"
#include "bpf/pkt.bpf.h"
#include "bpf/verdict.bpf.h"
#include "bpf/xdp_shared.h"

#define HALF_TS_RANGE (1ULL << (XDP_PROBE_TS_BITS - 1))
#define HIST_HALF_SUB (XDP_HIST_SUB_BUCKETS / 2)
#define SEQ_MASK ((__u64)XDP_SEQ_WINDOW - 1)
#define FILL_MAX_OFFSET 0x3fff

/* Keep a store where it is in program order: user space reads these
 * fields while we write them (see struct xdp_flow_state). */
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define barrier() asm volatile("" ::: "memory")

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_SINK_MAX_FLOWS);
	__type(key, __u32);
	__type(value, struct xdp_flow_state);
} sink_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdp_sink_counters);
} sink_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdp_hist);
} sink_latency SEC(".maps");

const volatile struct xdp_sink_config sink_cfg = {};

/* CLOCK_REALTIME - CLOCK_MONOTONIC, refreshed by user space every poll so
 * that NTP slewing of the realtime clock is followed. */
__u64 sink_realtime_offset_ns = 0;

/*
 * The frame. The program is loaded with frags support (multi-buffer XDP),
 * which veth requires for native XDP at an MTU above a page: then data_end
 * bounds only the first buffer, and whatever lies beyond it is measured
 * with bpf_xdp_get_buff_len() and read with bpf_xdp_load_bytes(). Test
 * packets small enough to matter for speed never get there.
 */
struct frame {
	struct xdp_md *ctx;
	void *data;
	void *data_end;
};

/* What the parser found; addresses are kept for the flow owner check. */
struct test_packet {
	__u8 *payload;
	__u32 payload_offset; /* from the frame start */
	__u32 payload_len; /* from the UDP length */
	__u32 src_addr[4];
	__u16 src_port;
	__u8 tos; /* IPv4 TOS, IPv6 traffic class */
	struct l2_tags tags;
};

enum parse_result {
	PARSE_NOT_OURS = 0, /* up the stack, not counted */
	PARSE_TEST, /* to our address and port */
	PARSE_MALFORMED, /* for our address, but broken: up the stack */
	PARSE_MALFORMED_OURS, /* to our port, but broken */
};

/* Does the frame hold len bytes from p on (p inside the first buffer)? */
static __always_inline bool frame_holds(const struct frame *f, void *p,
					__u32 len)
{
	return xdp_frame_holds(f->ctx, f->data, f->data_end, p, len);
}

static __always_inline bool port_matches(const struct udphdr *udp)
{
	return udp->dest == bpf_htons(sink_cfg.match.port);
}

static __always_inline enum parse_result
parse_ipv4(const struct frame *f, struct iphdr *ip, struct test_packet *pkt)
{
	void *data_end = f->data_end;
	struct udphdr *udp;
	__u32 ihl, total, udp_len;

	if ((void *)(ip + 1) > data_end)
		return PARSE_NOT_OURS;
	if (ip->protocol != IPPROTO_UDP)
		return PARSE_NOT_OURS;
	if (!sink_cfg.match.any_addr && ip->daddr != sink_cfg.match.addr[0])
		return PARSE_NOT_OURS;
	ihl = ip->ihl * 4;
	total = bpf_ntohs(ip->tot_len);
	if (ip->version != 4 || ihl < sizeof(*ip) || total < ihl ||
	    !frame_holds(f, ip, total))
		return PARSE_MALFORMED;
	/* Without reassembly a fragment's UDP length can't be trusted; the
	 * stack reassembles it (and finds nobody listening). */
	if (ip->frag_off &
	    bpf_htons(IPV4_MORE_FRAGMENTS | IPV4_FRAGMENT_OFFSET))
		return PARSE_MALFORMED;
	udp = (void *)ip + (ihl & 0x3c);
	if ((void *)(udp + 1) > data_end)
		return PARSE_MALFORMED;
	if (!port_matches(udp))
		return PARSE_NOT_OURS;
	udp_len = bpf_ntohs(udp->len);
	if (udp_len < sizeof(*udp) || udp_len > total - ihl)
		return PARSE_MALFORMED_OURS;
	pkt->payload = (__u8 *)(udp + 1);
	pkt->payload_offset = (__u32)((void *)(udp + 1) - f->data);
	pkt->payload_len = udp_len - sizeof(*udp);
	pkt->src_addr[0] = ip->saddr;
	pkt->src_port = udp->source;
	pkt->tos = ip->tos;
	return PARSE_TEST;
}

static __always_inline enum parse_result
parse_ipv6(const struct frame *f, struct ipv6hdr *ip6,
	   struct test_packet *pkt)
{
	void *data_end = f->data_end;
	struct udphdr *udp = (void *)(ip6 + 1);
	__u32 udp_len, room;

	if ((void *)(udp + 1) > data_end)
		return PARSE_NOT_OURS;
	/* Extension headers are not followed: test packets carry none. */
	if (ip6->nexthdr != IPPROTO_UDP)
		return PARSE_NOT_OURS;
	if (!sink_cfg.match.any_addr &&
	    !ipv6_addr_is(&ip6->daddr, sink_cfg.match.addr))
		return PARSE_NOT_OURS;
	room = bpf_ntohs(ip6->payload_len);
	if (ip6->version != 6 || !frame_holds(f, udp, room))
		return PARSE_MALFORMED;
	if (!port_matches(udp))
		return PARSE_NOT_OURS;
	udp_len = bpf_ntohs(udp->len);
	if (udp_len < sizeof(*udp) || udp_len > room)
		return PARSE_MALFORMED_OURS;
	pkt->payload = (__u8 *)(udp + 1);
	pkt->payload_offset = (__u32)((void *)(udp + 1) - f->data);
	pkt->payload_len = udp_len - sizeof(*udp);
	pkt->src_addr[0] = ip6->saddr.in6_u.u6_addr32[0];
	pkt->src_addr[1] = ip6->saddr.in6_u.u6_addr32[1];
	pkt->src_addr[2] = ip6->saddr.in6_u.u6_addr32[2];
	pkt->src_addr[3] = ip6->saddr.in6_u.u6_addr32[3];
	pkt->src_port = udp->source;
	pkt->tos = (__u8)(ip6->priority << 4 | ip6->flow_lbl[0] >> 4);
	return PARSE_TEST;
}

static __always_inline enum parse_result
parse_frame(const struct frame *f, struct test_packet *pkt)
{
	__be16 proto;
	void *l3 = parse_l2_tags(f->data, f->data_end, &proto, &pkt->tags);

	if (!l3)
		return PARSE_NOT_OURS;
	if (!l3_is_family(proto, sink_cfg.match.family))
		return PARSE_NOT_OURS;
	/* Rodata: the verifier keeps one of the two. */
	if (sink_cfg.match.family == XDP_FAMILY_IPV6)
		return parse_ipv6(f, l3, pkt);
	return parse_ipv4(f, l3, pkt);
}

/* The 8 pattern bytes from payload offset off (user space's table). */
static __always_inline __u64 fill_word(__u32 off)
{
	return sink_cfg.fill_words[off & (XDP_FILL_PERIOD - 1)];
}

/* The 8 bytes at payload offset off, from the first buffer or beyond. */
static __always_inline bool load_word(const struct frame *f,
				      const struct test_packet *pkt, __u32 off,
				      __u64 *word)
{
	__u8 *p;

	/* Bounded for the verifier (packet offsets stay below 64 KiB);
	 * test frames are at most FRAME_MAX_SIZE (9018) bytes. */
	if (off > FILL_MAX_OFFSET)
		return false;
	off &= FILL_MAX_OFFSET;
	p = pkt->payload + off;
	/* Keep clang from checking one register and loading through
	 * another, which the verifier cannot connect. */
	asm volatile("" : "+r"(p));
	if ((void *)(p + 8) <= f->data_end) {
		*word = *(__u64 *)p;
		return true;
	}
	return !bpf_xdp_load_bytes(f->ctx, pkt->payload_offset + off, word,
				   sizeof(*word));
}

/*
 * The first and last XDP_FILL_CHECK_LEN bytes of the pattern: this catches
 * truncation, a wrong length and most damage for two loads; user-space
 * backends compare all of it. Shorter patterns are compared bytewise.
 */
static __always_inline bool fill_ok(const struct frame *f,
				    const struct test_packet *pkt)
{
	__u8 *payload = pkt->payload;
	__u32 len = pkt->payload_len;
	__u64 word;
	int i;

	if (len >= XDP_PROBE_HDR_LEN + XDP_FILL_CHECK_LEN) {
		if (!load_word(f, pkt, XDP_PROBE_HDR_LEN, &word) ||
		    word != fill_word(XDP_PROBE_HDR_LEN))
			return false;
		if (!load_word(f, pkt, len - XDP_FILL_CHECK_LEN, &word))
			return false;
		return word == fill_word(len - XDP_FILL_CHECK_LEN);
	}
#pragma unroll
	for (i = 0; i < XDP_FILL_CHECK_LEN - 1; i++) {
		__u32 off = XDP_PROBE_HDR_LEN + i;

		if (off >= len)
			break;
		if ((void *)(payload + off + 1) > f->data_end)
			return false;
		if (payload[off] != (__u8)(off * 151 + 0x5a))
			return false;
	}
	return true;
}

/* Most significant bit of x (x != 0): a binary search by halving shifts,
 * unrolled, so no loop is left at run time. */
static __always_inline __u32 msb64(__u64 x)
{
	__u32 m = 0;

#pragma unroll
	for (__u32 shift = 32; shift; shift >>= 1) {
		if (x >> shift) {
			x >>= shift;
			m += shift;
		}
	}
	return m;
}

/* hist_bucket_index() of lib/hist.c, step for step. */
static __always_inline __u64 hist_index(__u64 value)
{
	__u64 magnitude;

	if (value > XDP_HIST_MAX_VALUE)
		value = XDP_HIST_MAX_VALUE;
	magnitude = msb64(value | (XDP_HIST_SUB_BUCKETS - 1)) -
		    (XDP_HIST_SUB_BITS - 1);
	return magnitude * HIST_HALF_SUB + (value >> magnitude);
}

static __always_inline void hist_add(struct xdp_hist *h, __u64 value)
{
	__u64 index = hist_index(value);
	__u64 count = h->count, sum = h->sum + value;

	/* Never true, but the verifier can't follow the bit arithmetic that
	 * shows it: hide the value from clang so the check stays. */
	asm volatile("" : "+r"(index));
	if (index >= XDP_HIST_BUCKETS)
		index = XDP_HIST_BUCKETS - 1;
	if (sum < h->sum)
		sum = ~0ULL;
	if (!count || value < h->min)
		WRITE_ONCE(h->min, value);
	if (value > h->max)
		WRITE_ONCE(h->max, value);
	WRITE_ONCE(h->sum, sum);
	barrier();
	WRITE_ONCE(h->count, count + 1);
	h->buckets[index]++;
}

struct clear_ctx {
	struct xdp_flow_state *st;
	__u64 first;
	__u64 count;
};

/* One word's worth of clear_slots(); bpf_loop() calls it. */
static long clear_step(__u32 index, void *data)
{
	struct clear_ctx *c = data;
	__u32 bit = c->first % 64;
	__u64 n = 64 - bit, mask;

	(void)index;
	if (!c->count)
		return 1;
	if (n > c->count)
		n = c->count;
	mask = n == 64 ? ~0ULL : ((1ULL << n) - 1) << bit;
	c->st->seen[((c->first & SEQ_MASK) / 64) & (XDP_SEQ_WORDS - 1)] &=
		~mask;
	c->first += n;
	c->count -= n;
	return 0;
}

/*
 * Forget count (< window) slots from first on, wrapping (seqtrack.c).
 * Only on a gap, so off the common path. Through bpf_loop() because an
 * open-coded loop with data-dependent steps is too much for the verifier
 * to walk inside this program.
 */
static __always_inline void clear_slots(struct xdp_flow_state *st,
					__u64 first, __u64 count)
{
	struct clear_ctx c = { .st = st, .first = first, .count = count };

	bpf_loop(XDP_SEQ_WORDS + 1, clear_step, &c, 0);
}

/* seqtrack_update() of lib/seqtrack.c on the per-CPU state. */
static __always_inline void seq_update(struct xdp_flow_state *st, __u64 seq)
{
	__u64 *word = &st->seen[((seq & SEQ_MASK) / 64) & (XDP_SEQ_WORDS - 1)];
	__u64 bit = 1ULL << (seq % 64), distance;

	WRITE_ONCE(st->received, st->received + 1);
	barrier();
	if (!st->started) {
		st->started = 1;
		st->highest = seq;
		*word |= bit;
		return;
	}
	if (seq > st->highest) {
		__u64 advance = seq - st->highest;

		if (advance >= XDP_SEQ_WINDOW)
			__builtin_memset(st->seen, 0, sizeof(st->seen));
		else if (advance > 1)
			clear_slots(st, st->highest + 1, advance - 1);
		*word |= bit;
		WRITE_ONCE(st->highest, seq);
		return;
	}
	distance = st->highest - seq;
	if (distance >= XDP_SEQ_WINDOW) {
		st->late++;
		return;
	}
	if (*word & bit) {
		st->duplicates++;
		return;
	}
	*word |= bit;
	st->reordered++;
	if (distance > st->max_reorder_distance)
		st->max_reorder_distance = distance;
}

/* lib/jitter.c's RFC 3550 estimator, seeded with the first |D|, in
 * integer ns scaled by 16: 16J += |D| - 16J/16. */
static __always_inline void jitter_update(struct xdp_flow_state *st,
					  __s64 transit)
{
	if (st->have_prev) {
		__s64 d = transit - st->prev_transit;
		__u64 abs_d = d < 0 ? -(__u64)d : (__u64)d;

		if (!st->jitter_samples)
			st->jitter_x16 = abs_d * 16;
		else
			st->jitter_x16 += abs_d - st->jitter_x16 / 16;
		st->jitter_samples++;
	}
	st->prev_transit = transit;
	st->have_prev = 1;
}

/* The packet's markings packed as struct xdp_flow_state.marks. */
static __always_inline __u64 marks_of(const struct test_packet *pkt)
{
	__u64 marks = XDP_MARKS_VALID | pkt->tos |
		      (__u64)pkt->tags.count << XDP_MARKS_TAGS_SHIFT;

	if (pkt->tags.count >= 1)
		marks |= (__u64)pkt->tags.tci[0] << XDP_MARKS_OUTER_SHIFT;
	if (pkt->tags.count >= 2)
		marks |= (__u64)pkt->tags.tci[1] << XDP_MARKS_INNER_SHIFT;
	return marks;
}

/*
 * What the worker's flow_note_marking() records, for a packet whose
 * markings differ from the flow's last one: the common case (a flow
 * keeps its marking) costs one compare and no store. After seq_update(),
 * which bumped received (see struct xdp_flow_state).
 */
static __always_inline void marks_update(struct xdp_flow_state *st,
					 const struct test_packet *pkt)
{
	__u64 marks = marks_of(pkt);

	if (marks == st->marks)
		return;
	st->dscp_seen |= 1ULL << (pkt->tos >> 2);
	st->ecn_seen |= (__u8)(1u << (pkt->tos & 3));
	st->tos_seen = 1;
	if (pkt->tags.count) {
		st->vlan_outer_tci = pkt->tags.tci[0];
		st->vlan_inner_tci =
			pkt->tags.count >= 2 ? pkt->tags.tci[1] : 0;
		st->vlan_tags = (__u8)pkt->tags.count;
	}
	st->marks = marks;
}

static __always_inline bool owner_matches(const struct xdp_flow_state *st,
					  const struct test_packet *pkt)
{
	if (st->owner_port != pkt->src_port ||
	    st->owner_addr[0] != pkt->src_addr[0])
		return false;
	if (sink_cfg.match.family == XDP_FAMILY_IPV6 &&
	    (st->owner_addr[1] != pkt->src_addr[1] ||
	     st->owner_addr[2] != pkt->src_addr[2] ||
	     st->owner_addr[3] != pkt->src_addr[3]))
		return false;
	return true;
}

/* The packet comes from the one source the sink takes. */
static __always_inline bool from_matches(const struct test_packet *pkt)
{
	if (sink_cfg.match.family == XDP_FAMILY_IPV6)
		return ipv6_addr_is((const struct in6_addr *)pkt->src_addr,
				    sink_cfg.match.from_addr);
	return pkt->src_addr[0] == sink_cfg.match.from_addr[0];
}

SEC("xdp.frags")
int lr_sink(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct frame f = { .ctx = ctx, .data = data, .data_end = data_end };
	int verdict = sink_cfg.pass_test_packets ? XDP_PASS : XDP_DROP;
	struct xdp_sink_counters *counters;
	struct test_packet pkt = {};
	struct xdp_flow_state *st;
	struct xdp_hist *hist;
	__u64 now = 0, ts, seq, delay;
	__u32 key = 0, flow, frame_bytes;
	__s64 transit = 0;
	__u8 *payload;
	bool timed;

	counters = bpf_map_lookup_elem(&sink_counters, &key);
	if (!counters)
		return XDP_PASS;
	switch (parse_frame(&f, &pkt)) {
	case PARSE_NOT_OURS:
		return count_verdict(&counters->passed, XDP_PASS);
	case PARSE_MALFORMED:
		return count_verdict(&counters->malformed, XDP_PASS);
	case PARSE_MALFORMED_OURS:
		return count_verdict(&counters->malformed, verdict);
	case PARSE_TEST:
		break;
	}
	/* Rodata: with no filter the verifier drops this branch. */
	if (sink_cfg.match.only_from && !from_matches(&pkt))
		return count_verdict(&counters->filtered, verdict);

	/* probe_read()'s order: magic and version before the length, so a
	 * short datagram from someone else is foreign, not truncated. */
	payload = pkt.payload;
	if (pkt.payload_len >= 1) {
		if ((void *)(payload + 1) > data_end)
			goto malformed;
		if (payload[0] != XDP_PROBE_MAGIC)
			goto foreign;
	}
	if (pkt.payload_len >= 2) {
		if ((void *)(payload + 2) > data_end)
			goto malformed;
		if (payload[1] != XDP_PROBE_VERSION)
			goto foreign;
	}
	if (pkt.payload_len < XDP_PROBE_HDR_LEN)
		return count_verdict(&counters->truncated, verdict);
	if ((void *)(payload + XDP_PROBE_HDR_LEN) > data_end)
		goto malformed;
	if (sink_cfg.count_only) {
		counters->rx_packets++;
		frame_bytes = pkt.payload_offset + pkt.payload_len;
		if (frame_bytes < ETH_MIN_LEN)
			frame_bytes = ETH_MIN_LEN;
		counters->rx_bytes += frame_bytes + ETH_FCS_LEN;
		return verdict;
	}
	if (!fill_ok(&f, &pkt))
		return count_verdict(&counters->corrupt, verdict);

	flow = bpf_ntohs(*(__u16 *)(payload + 2));
	seq = bpf_be64_to_cpu(*(__u64 *)(payload + 4));
	ts = ((__u64)bpf_ntohs(*(__u16 *)(payload + 12)) << 32) |
	     bpf_ntohl(*(__u32 *)(payload + 14));

	/*
	 * One clock read per timed packet: it is most of what this program
	 * costs over --count-only (bench/README.md, 2026-12-04: 34 of 40 ns
	 * in a test run; the accounting below is a few). Reading it once per
	 * NAPI batch would need a batch boundary, which XDP does not see, and
	 * a bound on how stale the reused time gets, which only a clock read
	 * gives. So the choice is which packets are timed: every one (the
	 * default), or with --latency-sample N those whose sequence number
	 * is a multiple of N, the same share of every flow. The first packet
	 * on each CPU is timed too: it starts the session's receive time.
	 */
	timed = !(seq & sink_cfg.latency_mask) || !counters->first_rx_ns;
	if (timed) {
		now = bpf_ktime_get_ns();
		/*
		 * probe_expand_ts() against our realtime now: the stamp is at
		 * most half the 48-bit range in the past (a tie counts as
		 * past), else it lies in the future and the clocks disagree.
		 */
		delay = (now + sink_realtime_offset_ns - ts) &
			XDP_PROBE_TS_MASK;
		if (delay <= HALF_TS_RANGE) {
			transit = (__s64)delay;
			hist = bpf_map_lookup_elem(&sink_latency, &key);
			if (hist)
				hist_add(hist, delay);
		} else {
			transit = (__s64)delay -
				  (__s64)(XDP_PROBE_TS_MASK + 1);
			counters->latency_negative++;
		}
		counters->last_rx_ns = now;
		if (!counters->first_rx_ns)
			counters->first_rx_ns = now;
	}

	counters->rx_packets++;
	/* As the worker counts raw frames: headers and UDP payload, at
	 * least the Ethernet minimum, plus the FCS. */
	frame_bytes = pkt.payload_offset + pkt.payload_len;
	if (frame_bytes < ETH_MIN_LEN)
		frame_bytes = ETH_MIN_LEN;
	counters->rx_bytes += frame_bytes + ETH_FCS_LEN;

	if (flow >= XDP_SINK_MAX_FLOWS)
		goto untracked;
	st = bpf_map_lookup_elem(&sink_flows, &flow);
	if (!st)
		goto untracked;
	if (!st->started) {
		st->owner_addr[0] = pkt.src_addr[0];
		st->owner_addr[1] = pkt.src_addr[1];
		st->owner_addr[2] = pkt.src_addr[2];
		st->owner_addr[3] = pkt.src_addr[3];
		st->owner_port = pkt.src_port;
		if (flow >= counters->flow_limit)
			counters->flow_limit = flow + 1;
	} else if (!owner_matches(st, &pkt)) {
		goto untracked;
	}
	seq_update(st, seq);
	marks_update(st, &pkt);
	if (timed)
		jitter_update(st, transit);
	return verdict;

untracked:
	return count_verdict(&counters->untracked, verdict);
foreign:
	return count_verdict(&counters->foreign, verdict);
malformed:
	return count_verdict(&counters->malformed, verdict);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
