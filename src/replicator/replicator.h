/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_REPLICATOR_H
#define LINERATE_REPLICATOR_H

/*
 * The replicator: every UDP datagram arriving on the listen address goes
 * to every current subscriber, payload unchanged, from the replicator's
 * address and port. Subscribers come and go at run time (the JSON API in
 * api.c); the data path picks up a new set at its next burst without a
 * lock (subs.h).
 *
 *  replicator.c  open the backends (one worker per queue), add/remove
 *                subscribers (validation, next-hop MACs), counters
 *  datapath.c    the workers' loop: receive a burst, send it to each
 *                subscriber (udp: sendmmsg/GSO to each; raw: a header
 *                rewrite per subscriber, tx_burst), the return path
 *  tc.c          --backend xdp: the same in the kernel (tc_replicate.bpf.c)
 *  view.c        JSON, text and Prometheus views of the counters
 *  api.c         the HTTP routes
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "backend/backend.h"
#include "replicator/policy.h"
#include "replicator/rewrite.h"
#include "lib/err.h"
#include "lib/spec.h"
#include "replicator/subs.h"

#define REPL_DEFAULT_MAX_SUBSCRIBERS 64
#define REPL_DEFAULT_API_PORT	     9280
#define REPL_MAX_REMOVED_KEPT	     256

struct replicator_config {
	/* backend.name: auto, xdp, afxdp, afpacket, udp; backend.ifname
	 * "" = from the listen address; backend.queues 1.., afxdp (and xdp,
	 * which takes all) only; backend.low_latency: afpacket's per-frame
	 * (V2) ring */
	struct backend_opts backend;
	struct ip_addr listen;
	uint16_t listen_port;
	int cpu; /* first worker's CPU, -1 not pinned */
	uint32_t burst;
	uint32_t max_frame; /* largest frame incl. FCS to pass on */
	uint32_t max_subscribers;
	bool allow_multicast;
	/* Subscribers on this host, at these ports only (--allow-local). */
	bool allow_local;
	struct policy_port_range local_ports[POLICY_MAX_PORT_RANGES];
	uint32_t nlocal_ports;
	uint16_t api_port; /* never a local subscriber's port; 0: no API */
	bool return_path; /* a subscriber's packets go back to the feed */
};

void replicator_config_init(struct replicator_config *cfg);

/* Per worker, single writer (relaxed stores), 64-byte aligned. */
struct repl_counters {
	uint64_t rx_packets; /* everything the backend handed over */
	uint64_t rx_bytes;
	uint64_t replicated; /* received and sent on to the subscribers */
	uint64_t tx_packets; /* copies sent (return path included) */
	uint64_t tx_bytes;
	uint64_t tx_ring_full; /* copies dropped: the ring stayed full */
	uint64_t tx_errors; /* copies the kernel refused */
	/* received, not replicated, and why */
	uint64_t no_subscribers;
	uint64_t not_udp;
	uint64_t other_address;
	uint64_t other_port;
	uint64_t malformed;
	uint64_t too_big;
	uint64_t
		from_subscriber; /* a subscriber's own packet, no return path */
	/* the return path */
	uint64_t returned; /* a subscriber's packet handed to the send path
			      back to the feed (its drops are tx drops) */
	uint64_t return_no_feed; /* ... with no feed source known yet */
	uint64_t rx_errors;
	uint64_t last_rx_ns; /* monotonic */
} __attribute__((aligned(64)));

struct sub_counters {
	uint64_t sent;
	uint64_t dropped;
	uint64_t bytes; /* frames incl. FCS */
};

/* The last feed source a worker saw, published with a sequence count
 * (single writer, readers retry). */
struct feed_slot {
	_Atomic uint32_t seq;
	uint32_t pad;
	uint64_t stamp_ns;
	struct sub_target target;
} __attribute__((aligned(64)));

struct replicator;

struct repl_worker {
	struct repl_counters c; /* first: aligned */
	struct feed_slot feed;
	struct replicator *r;
	uint32_t index;
	struct backend *backend;
	struct sub_counters *subc; /* per slot, this worker's */
	/* scratch of the hot path, batch entries each */
	struct pkt *rx;
	struct pkt *tx;
	struct rewrite_base *bases;
	uint32_t *feed_idx;
	uint32_t *ret_idx;
	uint32_t batch;
	/* this worker's cached feed source, to publish only changes */
	struct ip_addr feed_addr;
	uint16_t feed_port;
	bool feed_known;
	pthread_t thread;
	bool started;
	atomic_bool done;
	int error;
};

struct removed_sub {
	struct subscriber sub;
	struct sub_counters c; /* final */
};

struct tc_replicator;

struct replicator {
	struct replicator_config cfg;
	const struct backend_ops *ops; /* NULL with the in-kernel path */
	struct tc_replicator *tc; /* --backend xdp */
	struct backend_config bcfg[SPEC_MAX_QUEUES];
	struct backend *backends[SPEC_MAX_QUEUES];
	struct repl_worker *workers[SPEC_MAX_QUEUES];
	uint32_t nworkers;
	bool raw;
	bool listen_wildcard;
	struct sub_registry subs;
	struct sub_policy policy;
	uint8_t src_mac[6];
	char ifname[SPEC_IFNAME_LEN];
	int ifindex;
	const char *backend_name;
	char mode[160];
	char note[512];
	char kernel_stats[512];
	atomic_bool stop;
	uint64_t start_mono_ns, start_real_ns, end_mono_ns;
	/* Per slot, the counter sums when the slot was last freed: a reused
	 * slot counts from there. Under the registry lock. */
	struct sub_counters *baseline;
	/* Subscribers removed, with their final figures (the newest
	 * REPL_MAX_REMOVED_KEPT; the older ones summed). Under view_lock. */
	pthread_mutex_t view_lock;
	struct removed_sub *removed;
	uint32_t nremoved;
	uint64_t removed_total;
	struct sub_counters removed_older; /* beyond those kept */
	uint64_t api_added, api_removed, api_refused; /* relaxed atomics */
};

/*
 * Open the data path (backends, one per queue, or the in-kernel
 * program), ready to start. On error returns -errno with why in err.
 */
int replicator_open(const struct replicator_config *cfg,
		    struct replicator **out, struct lr_err *err);
/* Start the workers. */
int replicator_start(struct replicator *r);
/* Reclaim retired subscriber sets; call every few ms (the control loop). */
void replicator_tick(struct replicator *r);
/*
 * The control loop, between start and stop: ticks until *stop or, when
 * duration_ns is not 0, that long after the start; with live, a line of
 * the interval's figures every interval_ns (0: none).
 */
void replicator_run(struct replicator *r, uint64_t duration_ns,
		    uint64_t interval_ns, FILE *live, atomic_bool *stop);
/* Stop the workers and wait for them; returns the first worker error. */
int replicator_stop(struct replicator *r);
void replicator_close(struct replicator *r);

/*
 * Add a subscriber. Returns 0 with *out, or an HTTP status with err
 * (code, field, one line): 400 bad address/port (-EINVAL), 403 at
 * --max-subscribers (-ENOSPC), 409 already subscribed (-EEXIST), 422 not
 * reachable through the replicator's interface (-EHOSTUNREACH), 503 try
 * again.
 */
int replicator_add(struct replicator *r, const struct ip_addr *addr,
		   uint16_t port, struct subscriber *out, struct lr_err *err);
/* Remove one and wait until no worker sends to it any more. 0 with its
 * final figures in *out, or 404 with err (-ENOENT, "address"). */
int replicator_remove(struct replicator *r, const struct ip_addr *addr,
		      uint16_t port, struct removed_sub *out,
		      struct lr_err *err);

/* Totals over the workers (or the kernel's maps). */
void replicator_totals(struct replicator *r, struct repl_counters *out);
/* A subscriber's figures so far (call under the registry lock, e.g. from
 * subs_with_current()). */
void replicator_sub_counters(struct replicator *r, const struct subscriber *s,
			     struct sub_counters *out);

/* datapath.c */
void *repl_worker_main(void *arg);
int repl_worker_alloc(struct replicator *r, uint32_t index,
		      struct repl_worker **out);
void repl_worker_free(struct repl_worker *w);

/* view.c */
json_t *replicator_json(struct replicator *r, bool final);
json_t *replicator_subscribers_json(struct replicator *r);
json_t *replicator_sub_json(struct replicator *r, const struct subscriber *s,
			    const struct sub_counters *c, bool active,
			    uint64_t removed_real_ns);
void replicator_text_final(struct replicator *r, FILE *out);
void replicator_text_interval(struct replicator *r, FILE *out,
			      struct repl_counters *prev, double from_s,
			      double to_s);
/* Prometheus text (malloc'ed), NULL on allocation failure. */
char *replicator_metrics(struct replicator *r, const char *extra);

#endif
