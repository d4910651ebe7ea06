/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_XDP_SHARED_H
#define LINERATE_XDP_SHARED_H

/*
 * Types shared by the in-kernel programs (xdp_gen, xdp_sink, xdp_reflect)
 * and the xdp backend (backend/xdp.c). The BPF side has no libc, so sizes
 * that mirror lib/ headers (hist.h, seqtrack.h, probe.h) are repeated here
 * and the backend checks them against the originals at compile time.
 */

#include <linux/types.h>

#include "bpf/match_shared.h"

/* probe.h */
#define XDP_PROBE_MAGIC 0x4c
#define XDP_PROBE_VERSION 1
#define XDP_PROBE_HDR_LEN 18
#define XDP_PROBE_TS_BITS 48
#define XDP_PROBE_TS_MASK ((1ULL << XDP_PROBE_TS_BITS) - 1)
/* Fill bytes the sink compares at the start and at the end of a payload:
 * enough to catch truncation and most damage at a few instructions. */
#define XDP_FILL_CHECK_LEN 8

/* hist.h: the sink fills buckets exactly as hist_bucket_index() does. */
#define XDP_HIST_SUB_BITS 7
#define XDP_HIST_SUB_BUCKETS (1u << XDP_HIST_SUB_BITS)
#define XDP_HIST_MAX_BITS 38
#define XDP_HIST_MAX_VALUE ((1ULL << XDP_HIST_MAX_BITS) - 1)
#define XDP_HIST_BUCKETS                                                  \
	(XDP_HIST_SUB_BUCKETS +                                           \
	 (XDP_HIST_MAX_BITS - XDP_HIST_SUB_BITS) * (XDP_HIST_SUB_BUCKETS / 2))

/* seqtrack.h */
#define XDP_SEQ_WINDOW 4096
#define XDP_SEQ_WORDS (XDP_SEQ_WINDOW / 64)

/* The generator numbers up to this many flows (spec.h SPEC_MAX_FLOWS). */
#define XDP_GEN_MAX_FLOWS 4096
/* The sink keeps sequence state for flow ids below this; packets of higher
 * ids are counted (untracked) but not sequence-checked. Per CPU, so the
 * map costs XDP_SINK_MAX_FLOWS * sizeof(struct xdp_flow_state) per CPU. */
#define XDP_SINK_MAX_FLOWS 1024

/* Rodata of the sink and the reflector: what a test packet is addressed
 * to. */
struct xdp_match_config {
	XDP_MATCH_DST_FIELDS;
	__u16 port; /* destination UDP port, host order */
	__u16 pad;
	/* 1: only packets from from_addr (network order, IPv4 in [0]) are
	 * taken; the rest to our address and port is counted as filtered
	 * and dropped, as the user-space receivers do with only_from */
	__u32 only_from;
	__u32 from_addr[4];
};

/* Bytes of the template the generator rewrites in every frame. */
#define XDP_GEN_HEADER_MAX 80

/*
 * Rodata of the generator. Live frames recycle pages without rewriting
 * them, and a page comes back written by whoever had the frame: GRO on a
 * veth peer rewrites the IP and UDP lengths and checksums of the packets
 * it merges, an XDP reflector swaps addresses. So the program copies the
 * template's headers (up to and including the probe's magic and version)
 * into every frame, writes its own fields, and updates the UDP checksum
 * from the template's (which frame_build() computed), never from the page.
 */
struct xdp_gen_config {
	/* the template's first bytes, in words for the program's copy */
	__u64 header[XDP_GEN_HEADER_MAX / 8];
	__u32 header_len; /* multiple of 8, <= frame_len */
	__u32 udp_offset; /* UDP header from the frame start */
	__u32 frame_len; /* template length, without FCS */
	__u16 src_port; /* flow 0's source port, host order */
	__u16 template_csum; /* UDP checksum field as in memory */
};

/*
 * Run-time state of the generator, in .bss. Set by user space before the
 * run; while it runs, the program writes the counters and the pacer, and
 * user space only reads them, except budget (set to 0 to stop stamping)
 * and realtime_offset_ns (refreshed), single aligned 64-bit stores.
 */
struct xdp_gen_control {
	__u64 generated; /* frames stamped and returned as XDP_TX */
	__u64 budget; /* stop stamping once generated reaches it */
	__u64 deadline_ns; /* CLOCK_MONOTONIC; 0: none */
	__u64 realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	/* token bucket, as lib/pacer.c: 0 ps_per_packet is unpaced */
	__u64 ps_per_packet;
	__u64 max_credit_ps;
	__u64 credit_ps;
	__u64 last_ns;
	__u64 not_due; /* invocations dropped because no packet was due */
	__u32 next_flow; /* 0..flows-1, this instance's own numbering */
	__u32 flows; /* 1..XDP_GEN_MAX_FLOWS, this instance's share */
	__u32 flow_base; /* probe flow id of flow 0 (queues split flows) */
	__u32 pad;
};

/*
 * Per CPU and per flow id, in the sink. The fields follow struct seqtrack;
 * jitter follows lib/jitter.c's RFC 3550 estimator.
 *
 * User space copies the value while the program writes it, field by field
 * in address order. The program bumps received before anything else and
 * received is the last counter in memory, so a copy never holds a highest
 * or a duplicate without the received count that goes with it: a torn
 * copy may miss a loss for one poll, never invent one.
 */
struct xdp_flow_state {
	__u64 highest;
	__u64 started;
	__u64 duplicates;
	__u64 reordered;
	__u64 late;
	__u64 max_reorder_distance;
	/*
	 * The markings the flow's packets arrived with, as the user-space
	 * receivers record them (lib/flowreport.h): every DSCP and ECN
	 * value seen, and the tags of the last tagged packet. Written after
	 * received, so a copy never shows a marking without its packet.
	 * marks is the last packet's markings packed (XDP_MARKS_*): the
	 * program compares it and writes the rest only on a change.
	 */
	__u64 marks;
	__u64 dscp_seen; /* bit d: a packet came with DSCP d */
	__u16 vlan_outer_tci; /* last tagged packet's outer (or only) tag */
	__u16 vlan_inner_tci; /* with it, QinQ's inner tag */
	__u8 vlan_tags; /* how many tags that packet had: 0 none seen, 1, 2 */
	__u8 ecn_seen; /* bit e: with ECN codepoint e */
	__u8 tos_seen; /* 1: the TOS byte was read (every packet's) */
	__u8 marks_pad;
	__u64 received; /* every packet, duplicates included */
	/* RFC 3550 J in ns, scaled by 16 (integer arithmetic) */
	__u64 jitter_x16;
	__u64 jitter_samples;
	__s64 prev_transit;
	__u64 have_prev;
	/* the sender that owns this flow id on this CPU: address (network
	 * order, IPv4 in [0]) and source port; another sender using the
	 * same flow id is counted untracked rather than mixed in */
	__u32 owner_addr[4];
	__u32 owner_port;
	__u32 pad;
	__u64 seen[XDP_SEQ_WORDS]; /* bit per seq, mod XDP_SEQ_WINDOW */
};

/* struct xdp_flow_state.marks: the TOS byte (IPv6 traffic class), the
 * number of VLAN tags and their TCIs; the valid bit keeps a zeroed entry
 * from matching an untagged best-effort packet. */
#define XDP_MARKS_VALID (1ULL << 63)
#define XDP_MARKS_TAGS_SHIFT 8
#define XDP_MARKS_OUTER_SHIFT 16
#define XDP_MARKS_INNER_SHIFT 32

/* Per CPU, in the sink. */
struct xdp_sink_counters {
	__u64 rx_packets; /* valid probes, duplicates and untracked included */
	__u64 rx_bytes; /* frame bytes incl. FCS */
	__u64 foreign; /* to our address and port, not our magic/version */
	__u64 truncated; /* ours, shorter than a probe header */
	__u64 corrupt; /* ours, fill pattern wrong or lengths inconsistent */
	__u64 malformed; /* for our address, but a bad IP/UDP header */
	__u64 untracked; /* flow id beyond the table, or taken by a sender */
	__u64 latency_negative; /* stamped after it arrived: clocks disagree */
	__u64 last_rx_ns; /* CLOCK_MONOTONIC of the last valid probe */
	__u64 first_rx_ns; /* CLOCK_MONOTONIC of the first valid probe */
	__u64 flow_limit; /* highest tracked flow id seen + 1 */
	__u64 passed; /* not for us: up the stack */
	__u64 filtered; /* to our address and port from another source */
};

/* Per CPU, in the sink: struct hist's layout. min is valid only when
 * count is not 0 (the map starts zeroed); the program writes min, max and
 * sum before count and the bucket, and user space normalises a torn copy
 * with hist_snapshot(). */
struct xdp_hist {
	__u64 count;
	__u64 sum;
	__u64 min;
	__u64 max;
	__u64 buckets[XDP_HIST_BUCKETS];
};

/* Per CPU, in the reflector. */
struct xdp_reflect_counters {
	__u64 reflected; /* test packets sent back (XDP_TX) */
	__u64 bytes; /* their frame bytes incl. FCS */
	__u64 foreign; /* to our address and port, not our magic/version */
	__u64 truncated;
	__u64 malformed;
	__u64 last_rx_ns; /* CLOCK_MONOTONIC of the last reflected packet */
	__u64 first_rx_ns; /* CLOCK_MONOTONIC of the first */
	__u64 passed; /* not for us: up the stack */
	__u64 filtered; /* to our address and port from another source */
};

/* probe_fill_byte(off) repeats every 256 offsets. */
#define XDP_FILL_PERIOD 256

/* Rodata of the sink. */
struct xdp_sink_config {
	struct xdp_match_config match;
	__u32 pass_test_packets; /* 1: XDP_PASS test packets after counting */
	/* 1: count probes (packets, bytes) and drop them: no fill check,
	 * no sequence, latency or jitter (a sink that costs what XDP_DROP
	 * costs, to compare senders) */
	__u32 count_only;
	/* Latency and jitter from the packets whose sequence number has
	 * these bits clear (--latency-sample N: N - 1; 0 times every
	 * packet): the clock read is most of the program's cost, the
	 * sequence, loss and marking accounting stays per packet. */
	__u64 latency_mask;
	/* The XDP_FILL_CHECK_LEN pattern bytes from payload offset off
	 * (mod XDP_FILL_PERIOD), as a load of them on this host gives:
	 * one table load instead of computing them per packet. */
	__u64 fill_words[XDP_FILL_PERIOD];
};

#endif
