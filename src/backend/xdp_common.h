/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_XDP_COMMON_H
#define LINERATE_XDP_COMMON_H

/*
 * The in-kernel backend's shared state, for its ops (xdp.c) and its three
 * roles: the generator (xdp_generator.c), the analyzer (xdp_analyzer.c)
 * and the reflector (xdp_reflector.c). Only the xdp backend includes it.
 */

#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "backend/xdp_attach.h"
#include "bpf/xdp_shared.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/hist.h"

/* How often a role's loop looks at the stop flag and the end
 * conditions, and how often the analyzer copies its full state. */
#define POLL_NS	   (10 * NSEC_PER_MSEC)
#define PUBLISH_NS (100 * NSEC_PER_MSEC)
/* A live frame shares a 4 KiB page with the kernel's headroom and
 * bookkeeping; the kernel refuses larger templates. */
#define GEN_MAX_TEMPLATE 3000

struct bpf_map;
struct xdp_gen;
struct xdp_sink;
struct xdp_reflect;

/* Interface counters (ethtool -S) that explain XDP loss, summed over
 * queues; the names are veth's ("rx_queue_0_xdp_drops"), one list for
 * the enum and dev_stat_names. */
#define DEV_STATS(X)                                                           \
	X(DEV_XDP_PACKETS, "xdp_packets")                                      \
	X(DEV_XDP_DROPS, "xdp_drops")                                          \
	X(DEV_XDP_TX, "xdp_tx")                                                \
	X(DEV_XDP_TX_ERRORS, "xdp_tx_errors")                                  \
	X(DEV_XDP_XMIT, "xdp_xmit")                                            \
	X(DEV_XDP_XMIT_ERRORS, "xdp_xmit_errors")                              \
	X(DEV_XDP_REDIRECT, "xdp_redirect")                                    \
	X(DEV_DROPS, "drops")

#define DEV_STAT_ENUM(id, name) id,
/* clang-format off */
enum dev_stat {
	DEV_STATS(DEV_STAT_ENUM)
	DEV_STAT_COUNT,
};
/* clang-format on */
#undef DEV_STAT_ENUM

extern const char *const dev_stat_names[DEV_STAT_COUNT];

struct dev_stats {
	uint64_t value[DEV_STAT_COUNT];
	bool found[DEV_STAT_COUNT];
};

enum xdp_running {
	RUNNING_NONE = 0,
	RUNNING_GEN,
	RUNNING_SINK,
	RUNNING_REFLECT,
};

struct gen_runner {
	struct backend *b;
	pthread_t thread;
	bool started;
	atomic_bool quit; /* set by the worker thread */
	atomic_bool done; /* set by the runner */
	int error; /* valid once done */
	struct lr_err why; /* with error */
};

struct backend {
	struct backend_config cfg;
	char ifname[IF_NAMESIZE];
	bool sender;
	bool secondary; /* a receiver on queue > 0: queue 0's program serves */
	int ncpus;
	enum xdp_running running;
	/* send */
	struct xdp_gen *gen;
	uint8_t template[GEN_MAX_TEMPLATE];
	uint32_t template_len;
	struct gen_runner runner;
	/* written by the runner only, read by kernel_stats() */
	uint64_t gen_calls;
	uint64_t gen_interrupted;
	/* recv, reflect */
	struct xdp_sink *sink;
	struct xdp_reflect *reflect;
	struct xdp_attachment attachment;
	void *percpu_buf; /* one map value per possible CPU */
	size_t percpu_buf_size;
	struct hist *merged; /* latency over all CPUs */
	struct hist *cpu_hist;
	struct hist *cpu_hist_norm;
	uint64_t flows_seen;
	/* packets of a flow id's non-owners, found when the CPUs' flow
	 * states were merged at the last publish (rx.untracked has both) */
	uint64_t merge_untracked;
	/* --latency-sample: the kernel stamps only timed packets, so the
	 * last arrival is known from the polls too: the latest poll after
	 * which packets still came (CLOCK_MONOTONIC), and the count then */
	uint64_t sink_seen_ns;
	uint64_t sink_seen_poll_ns;
	uint64_t sink_seen_packets;
	/* both */
	struct dev_stats dev_base;
	bool dev_base_valid;
	char mode[128];
	char note[256];
};

/* Single writer (the runner), read by kernel_stats() at any time. */
static inline void counter_add(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

/* A macro: the .bss counters are __u64 (unsigned long long). */
#define counter_read(counter)                                                  \
	((uint64_t)__atomic_load_n((counter), __ATOMIC_RELAXED))

/* xdp_common.c */
uint64_t realtime_offset(void);
int dev_stats_read(const char *ifname, struct dev_stats *out);
void dev_stats_baseline(struct backend *b);
size_t dev_stats_format(struct backend *b, char *buf, size_t len);
void match_config_from(const struct backend_config *cfg,
		       struct xdp_match_config *m);
int percpu_lookup(struct backend *b, struct bpf_map *map, uint32_t key,
		  size_t value_size);
int percpu_counters_read(struct backend *b, struct bpf_map *map, void *sum,
			 size_t size, size_t first_off, size_t last_off);
int receive_progs_error(struct lr_err *why, int err, const char *what);
int receiver_attach(struct backend *b, int prog_fd, const char *what,
		    struct lr_err *err);

/* A receiving role's poll (see xdp_role_run()): read (and publish) at
 * now; *over when backend_role_over() says so. 0 or -errno. */
typedef int (*xdp_role_poll_fn)(struct backend *b, struct backend_role_ctx *ctx,
				uint64_t now, void *arg, bool *over);
int xdp_role_run(struct backend *b, struct backend_role_ctx *ctx,
		 struct bpf_program *prog, enum xdp_running role,
		 xdp_role_poll_fn poll, void *arg);

/* xdp_generator.c: send */
int xdp_gen_open(struct backend *b, struct lr_err *err);
int xdp_gen_run(struct backend *b, struct backend_role_ctx *ctx);
int xdp_gen_runner_stop(struct backend *b);
int xdp_gen_kernel_stats(struct backend *b, char *buf, size_t len);

/* xdp_analyzer.c: recv */
int xdp_analyzer_load(struct backend *b, struct lr_err *err);
int xdp_analyzer_run(struct backend *b, struct backend_role_ctx *ctx);
int xdp_analyzer_kernel_stats(struct backend *b, char *buf, size_t len);
size_t xdp_analyzer_flow_results(struct backend *b, struct flow_result *out,
				 size_t cap, const char **note);

/* xdp_reflector.c: reflect */
int xdp_reflector_load(struct backend *b, struct lr_err *err);
int xdp_reflector_run(struct backend *b, struct backend_role_ctx *ctx);
int xdp_reflector_kernel_stats(struct backend *b, char *buf, size_t len);

#endif
