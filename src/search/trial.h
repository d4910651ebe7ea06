/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_TRIAL_H
#define LINERATE_TRIAL_H

/*
 * A trial runner: whatever can send test frames through the device under
 * test and count what came out. The RFC 2544 driver (rfc2544.c) knows
 * nothing else about the far end: the lab's namespaces (trial_lab.c) and
 * a linerate server's JSON API (trial_host.c) are two ops tables, and a
 * new way to reach it is one more table and a constructor.
 *
 * Every op returns 0 or -errno; on error it writes one line for the user
 * into err. Any error ends the run (the driver keeps the trials so far):
 * a runner retries nothing itself.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/marking.h"
#include "lib/sizemix.h"

/* One trial at a constant rate. */
struct trial_params {
	uint32_t frame_size; /* Ethernet frame incl. FCS, 64..9018 */
	/* NULL or count 0: frame_size alone; else this mix in its
	 * interleave (frame_size then its largest), rate_pps frames of it */
	const struct size_mix *mix;
	double rate_pps; /* > 0 */
	uint64_t duration_ns; /* of the counted traffic */
	uint64_t
		warmup_ns; /* learning/warm-up traffic first, not counted; 0: none */
	uint64_t drain_ns; /* wait after the last frame before counting */
};

/* One burst of back-to-back frames at the line rate. */
struct burst_params {
	uint32_t frame_size;
	const struct size_mix *mix; /* as in trial_params */
	uint64_t frames; /* >= 1 */
	double rate_pps; /* the line rate; 0: as fast as the sender goes */
	uint64_t max_ns; /* stop sending after this long whatever the count */
	uint64_t drain_ns;
};

struct trial_latency {
	bool valid; /* false: not measured, or clocks not comparable */
	char type[16]; /* "one-way" or "round-trip" */
	uint64_t count, min, p50, p90, p99, p999, max; /* ns */
	double mean; /* ns */
};

/* The sender's pacing counts, each named as the key of its tx.pacing,
 * so that one list declares and reads them:
 * departure gaps, its largest lateness against the schedule, the
 * lateness given up (the schedule shifted), bursts and the largest. */
/* clang-format off */
#define TRIAL_PACING_COUNTS(X)                                                 \
	X(gap_p50_ns) X(gap_p99_ns) X(gap_max_ns) X(late_max_ns)               \
	X(forfeit_ns) X(bursts) X(burst_max)
/* clang-format on */

/* The sender's own pacing in the trial (its tx.pacing). */
#define TRIAL_PACING_MEMBER(name) uint64_t name;
struct trial_pacing {
	bool valid; /* false: the sender did not report it */
	TRIAL_PACING_COUNTS(TRIAL_PACING_MEMBER)
};
#undef TRIAL_PACING_MEMBER

struct trial_result {
	uint64_t sent; /* frames the sender put on the wire */
	uint64_t received; /* unique test frames that arrived */
	uint64_t lost; /* sent - received, never negative */
	uint64_t duplicates, reordered;
	double loss_ratio; /* lost / sent */
	double tx_pps; /* achieved by the sender, over its send time */
	double rx_pps; /* received / the sender's send time */
	double duration_s; /* the sender's send time */
	struct trial_latency latency;
	struct trial_pacing pacing;
};

/* Either op as the one run of a runner that runs both the same way: a
 * trial's parameters (frames 0), or a burst's in them (frames > 0;
 * duration_ns its max_ns, rate_pps its rate or 0, no warm-up). */
struct trial_run {
	struct trial_params p;
	uint64_t frames;
};

struct trial_runner;

struct trial_runner_ops {
	const char *name; /* "lab" or "host" */
	/* Line rate (L1 bits/s) of the port the sender uses. -ENODATA when
	 * it cannot be told (the user must give --line-rate). */
	int (*line_rate)(struct trial_runner *r, uint64_t *bps, char *source,
			 size_t source_len);
	int (*run_trial)(struct trial_runner *r, const struct trial_params *p,
			 struct trial_result *out, struct lr_err *err);
	int (*run_burst)(struct trial_runner *r, const struct burst_params *p,
			 struct trial_result *out, struct lr_err *err);
	/* A runner that runs trials and bursts the same way: its one run,
	 * with run_trial and run_burst trial_runner_trial() and
	 * trial_runner_burst() (TRIAL_RUNNER_OPS). */
	int (*run)(struct trial_runner *r, const struct trial_run *run,
		   struct trial_result *out, struct lr_err *err);
	void (*destroy)(struct trial_runner *r);
};

/* The ops table of a runner with one run, from the prefix its functions
 * share (PREFIX_line_rate, PREFIX_run, PREFIX_destroy), named after it. */
#define TRIAL_RUNNER_OPS(prefix)                                               \
	{                                                                      \
		.name = #prefix, .line_rate = prefix##_line_rate,              \
		.run_trial = trial_runner_trial,                               \
		.run_burst = trial_runner_burst, .run = prefix##_run,          \
		.destroy = prefix##_destroy,                                   \
	}

struct trial_runner {
	const struct trial_runner_ops *ops;
	char description[160]; /* for the report: what runs where */
	char backend[16]; /* data path the traffic uses */
	atomic_bool *stop; /* set on SIGINT/SIGTERM: ops return -EINTR */
};

/* Fill the derived fields (lost, loss_ratio, rx_pps) from sent, received
 * and duration_s. */
void trial_result_finish(struct trial_result *res);
/* Both directions of a bidirectional trial as one: counts summed, rates
 * per direction (the lower of the two, so a rate check holds for each),
 * latency of the direction with the higher p99, pacing the worse. */
void trial_result_combine(struct trial_result *out,
			  const struct trial_result *a,
			  const struct trial_result *b);

/* The lab runner: sender in NAME-a, receiver in NAME-b, both this binary
 * (self_path) run under `ip netns exec`. */
struct lab_runner_config {
	const char *lab; /* lab name, as for `linerate lab --name` */
	const char *self_path; /* this binary */
	const char *backend; /* for both ends */
	bool no_gso;
	uint32_t flows;
	uint8_t tos; /* the sender's TOS byte (DSCP << 2 | ECN) */
	/* the sender's VLAN tag(s); id 0: untagged (raw backends only) */
	struct marking_vlans vlan;
	uint16_t port; /* trials on port, warm-up traffic on port + 1 */
	/* The sender's --catch-up in rate trials ("none", "1", "5ms");
	 * NULL: a burst of trial_pacing_burst() frames. */
	const char *catch_up;
	atomic_bool *stop;
};

int lab_runner_create(const struct lab_runner_config *cfg,
		      struct trial_runner **out, struct lr_err *err);

/* The host runner: the sender here, the receiver a sink session on a
 * linerate server (trial_host.c), over its JSON API. */
struct api_client;
struct host_runner_config {
	struct api_client *api; /* connected; the runner does not own it */
	const char *host; /* for the description */
	const char *backend; /* ours */
	const char *server_backend; /* the server's */
	bool no_gso;
	uint32_t flows;
	uint8_t tos; /* the sender's TOS byte (DSCP << 2 | ECN) */
	/* the sender's VLAN tag(s); id 0: untagged (raw backends only) */
	struct marking_vlans vlan;
	const char *catch_up; /* as for the lab runner */
	/* 0 forward (we send), 1 reverse (the server sends, we receive),
	 * 2 both at once (enum remote_mode's first three) */
	int direction;
	atomic_bool *stop;
};

int host_runner_create(const struct host_runner_config *cfg,
		       struct trial_runner **out, struct lr_err *err);

/* Shared by the runners. */
#include <jansson.h>
/* A trial's result from the sender's and the receiver's JSON reports. */
int trial_result_from_reports(json_t *send, json_t *recv,
			      struct trial_result *out, struct lr_err *err);
/* An interface's ethtool speed in this namespace; -ENODATA when it has
 * none. */
int trial_if_speed_mbps(const char *ifname, uint32_t *mbps);
/* A trial's frame_size and mix (NULL: none) are in range and agree. */
bool trial_size_valid(uint32_t frame_size, const struct size_mix *mix);
/* Every runner's check of what it is asked to run: 0, or -EINVAL with
 * "invalid trial parameters" / "invalid burst parameters" in err. */
int trial_params_check(const struct trial_params *p, struct lr_err *err);
int trial_burst_check(const struct burst_params *p, struct lr_err *err);
/* run_trial and run_burst of a runner with one run: the parameters
 * checked as above, then as a struct trial_run to its run op. */
int trial_runner_trial(struct trial_runner *r, const struct trial_params *p,
		       struct trial_result *out, struct lr_err *err);
int trial_runner_burst(struct trial_runner *r, const struct burst_params *p,
		       struct trial_result *out, struct lr_err *err);
/* What both runners' senders take from their config: the TOS byte, the
 * VLAN tags and the no-GSO choice, into sp. */
struct test_spec;
void trial_sender_marking(struct test_spec *sp, uint8_t tos,
			  const struct marking_vlans *vlan, bool no_gso);
/* The sender's --burst for a rate: 5 ms of catch-up, 32..1024. */
uint32_t trial_pacing_burst(double rate_pps);

#endif
