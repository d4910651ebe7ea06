/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_WORKER_H
#define LINERATE_WORKER_H

/*
 * A worker is one thread that drives one backend for one role. It paces,
 * stamps, parses and counts; the backend only moves packets. The reporter
 * thread reads the worker's stats without locks (stats.h).
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "backend/backend.h"
#include "lib/jitter.h"
#include "lib/seqtrack.h"
#include "lib/spec.h"
#include "lib/stats.h"

/* A flow is what one sender numbers on its own: its address and port and
 * the probe's flow id, so two senders (or two runs of one) never mix. */
struct flow_key {
	uint8_t addr[16];
	uint16_t port;
	uint16_t flow_id;
	uint32_t family;
};

struct flow_state {
	struct flow_key key;
	struct seqtrack seq;
	struct jitter jitter;
	/* What the flow's packets arrived with (flowreport.h) */
	uint64_t dscp_seen; /* bit d: DSCP d */
	uint8_t ecn_seen; /* bit e: ECN codepoint e */
	bool tos_seen;
	bool vlan_seen;
	uint16_t vlan_id; /* the last tag seen (QinQ: the outer) */
	uint16_t vlan_inner_id; /* with it, QinQ's inner; 0: none */
	uint8_t vlan_pcp; /* their priorities (PCP) */
	uint8_t vlan_inner_pcp;
	/* The flow's own latency: only the first FLOWREPORT_LATENCY_FLOWS
	 * flows of a worker have one (NULL for the rest). */
	struct hist *latency;
};

struct worker {
	struct worker_stats stats; /* first: 64-byte aligned */
	const struct test_spec *spec;
	const struct backend_ops *ops;
	struct backend *backend;
	struct frame_spec frame; /* raw backends: flow 0's frame */
	uint32_t flow_base; /* this worker's first flow id (queues split them) */
	atomic_bool *stop; /* set by the session: end now */
	atomic_bool done; /* set by the worker when it has finished */
	int error; /* 0 or -errno, valid once done */
	struct lr_err err; /* why, when error (a kernel backend's run()) */
	uint64_t start_mono_ns;
	uint64_t end_mono_ns;
	uint64_t tx_end_mono_ns; /* ping: when the last probe went */
	double target_pps;
	/* receive side */
	struct flow_state **flows; /* hash table, FLOW_SLOTS, open addressing */
	struct flow_state *last_flow; /* one-entry cache: bursts come in runs */
	struct flow_state **active; /* the allocated ones, for publishing */
	uint32_t nactive;
	int64_t pdv_ref;
	int pdv_ref_set;
	uint64_t rx_unique_lost; /* running sum of per-flow lost */
	uint64_t rx_expected;
	uint64_t rx_first_mono_ns;
	pthread_t thread;
	bool started;
};

int worker_init(struct worker *w, const struct test_spec *spec,
		const struct backend_ops *ops, struct backend *backend,
		const struct backend_config *cfg, atomic_bool *stop);
int worker_start(struct worker *w);
/* Waits for the thread; returns its error. */
int worker_join(struct worker *w);
void worker_destroy(struct worker *w);

struct flow_result;
/* Once the worker has finished: its flows' results into out (at most
 * cap of them); returns how many. */
size_t worker_flow_results(const struct worker *w, struct flow_result *out,
			   size_t cap);

/* Pin the calling thread to cpu (-1: leave it), with a warning when the
 * kernel refuses. */
void worker_pin_cpu(int cpu);

#endif
