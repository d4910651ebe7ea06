/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_STATS_H
#define LINERATE_STATS_H

/*
 * Per-worker counters. One writer (the worker) publishes with relaxed
 * atomic stores of values it computed from its own plain loads; readers
 * (the reporter) copy with relaxed loads into a struct stats_snapshot and
 * keep their previous snapshot for interval deltas. No locks, no
 * read-modify-write atomics on the hot path.
 */

#include <stddef.h>
#include <stdint.h>

#include "lib/hist.h"

struct stats_counters {
	/* transmit */
	uint64_t tx_packets;
	uint64_t tx_bytes; /* frame bytes incl. FCS, as on the wire (L2) */
	uint64_t tx_errors; /* the kernel refused them: not sent, not numbered */
	uint64_t tx_backpressure; /* send would block: retried, not numbered */
	/* the sender's own pacing (paced sends only) */
	uint64_t tx_sends; /* sends that put frames out */
	uint64_t tx_bursts; /* sends of more than one frame at once */
	uint64_t tx_burst_max; /* most frames in one send (a gauge: max) */
	uint64_t tx_late_max_ns; /* largest lateness against the schedule */
	uint64_t tx_forfeit_ns; /* lateness given up: the schedule shifted */
	uint64_t tx_realtime; /* workers that paced at real-time priority */
	/* receive: test packets */
	uint64_t rx_packets; /* valid probes, duplicates included */
	uint64_t rx_bytes; /* frame bytes incl. FCS */
	uint64_t rx_expected; /* sum over flows of highest seq + 1 */
	uint64_t rx_lost;
	uint64_t rx_reordered;
	uint64_t rx_duplicates;
	uint64_t rx_late;
	uint64_t rx_corrupt; /* ours, but the payload pattern is wrong */
	/* receive: not test packets */
	uint64_t rx_foreign; /* not our magic/version */
	uint64_t rx_truncated; /* shorter than a probe header */
	uint64_t rx_malformed; /* a bad frame (raw backends) */
	uint64_t rx_untracked; /* ours, beyond the flow table (no seq state) */
	uint64_t rx_errors; /* receive calls that failed */
	uint64_t rx_filtered; /* test packets from a source the spec refuses */
	uint64_t rx_policed; /* test packets over a reflector's rate: dropped */
	/* raw receivers: datagrams to the listen port that reached a socket
	 * instead (a sender on this host, over lo); set by the session */
	uint64_t rx_bypassed;
	/* reflector */
	uint64_t reflected;
	/* latency samples the clock refused (rx before tx: clocks disagree) */
	uint64_t latency_negative;
	uint64_t rx_flows; /* flows seen */
	uint64_t jitter_rfc3550_ns; /* packet-weighted mean over flows */
	/* of tx_errors, the sends the destination refused (an ICMP error
	 * came back for an earlier packet: port closed, host unreachable) */
	uint64_t tx_refused;
	uint64_t tx_refused_first_ns; /* monotonic time of the first, 0 none */
	uint64_t tx_refused_last_ns; /* monotonic time of the last one */
	uint64_t last_rx_ns; /* monotonic time of the last test packet */
};

/*
 * What a backend does not measure in a role (its counters stay 0 there,
 * which must not read as "none"): the report shows null / "not measured".
 */
#define STATS_NO_SEQUENCE (1u << 0) /* expected, lost, reordered, dups, late, flows */
#define STATS_NO_CORRUPT (1u << 1) /* payload pattern check */
#define STATS_NO_LATENCY (1u << 2) /* latency histogram */
#define STATS_NO_JITTER (1u << 3) /* RFC 3550 */
#define STATS_NO_DELAY_VARIATION (1u << 4) /* IPDV and PDV */

struct worker_stats {
	struct stats_counters c;
	struct hist tx_gap; /* departure gaps, per frame (0 within a send) */
	struct hist latency; /* one-way (recv) or round trip (ping) */
	struct shist ipdv;
	struct shist pdv;
} __attribute__((aligned(64)));

/* Writer side: add to a counter this thread alone writes. */
#define STAT_ADD(field, n) \
	__atomic_store_n(&(field), (field) + (uint64_t)(n), __ATOMIC_RELAXED)
#define STAT_SET(field, v) __atomic_store_n(&(field), (uint64_t)(v), __ATOMIC_RELAXED)

void stats_init(struct worker_stats *ws);

struct stats_snapshot {
	uint64_t taken_ns; /* monotonic */
	struct stats_counters c;
	struct hist tx_gap;
	struct hist latency;
	struct shist ipdv;
	struct shist pdv;
};

/* Copy a worker's stats while it runs. */
void stats_snapshot_take(struct stats_snapshot *dst,
			 const struct worker_stats *src, uint64_t now_ns);
/* Sum the counters and merge the histograms of several snapshots. */
void stats_snapshot_merge(struct stats_snapshot *dst,
			  const struct stats_snapshot *src);
void stats_snapshot_init(struct stats_snapshot *s);

/* Counters of cur minus prev (for an interval); the histograms of the
 * interval are the bucket-wise difference (min/max from the buckets). */
void stats_snapshot_delta(struct stats_snapshot *out,
			  const struct stats_snapshot *cur,
			  const struct stats_snapshot *prev);

/* Sum "name=value ..." counters (the kernel's, of several queues) into
 * acc, a string of the same form of at most len bytes: names add up,
 * new ones are appended (at most 32). */
void stats_kv_add(char *acc, size_t len, const char *add);

#endif
