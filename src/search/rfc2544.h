/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_RFC2544_H
#define LINERATE_RFC2544_H

/*
 * RFC 2544 benchmarks over a trial runner: throughput (with NDR and PDR
 * from the search in rate_search.h), latency at the throughput, the frame
 * loss rate from 100% of the line rate down, and back-to-back bursts.
 * The driver keeps every trial, so an aborted run still reports what it
 * completed.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "lib/sizemix.h"
#include "lib/units.h"
#include "search/rate_search.h"
#include "search/trial.h"

enum rfc2544_test {
	RFC2544_THROUGHPUT = 1u << 0,
	RFC2544_LATENCY = 1u << 1,
	RFC2544_LOSS = 1u << 2,
	RFC2544_B2B = 1u << 3,
};

#define RFC2544_ALL_TESTS                                                      \
	(RFC2544_THROUGHPUT | RFC2544_LATENCY | RFC2544_LOSS | RFC2544_B2B)
#define RFC2544_MAX_SIZES      16
#define RFC2544_LOSS_STEPS     10 /* 100%, 90%, ... 10% of the line rate */
#define RFC2544_MAX_B2B_TRIALS 100
#define RFC2544_MAX_LATENCY_TRIALS 100

/*
 * One row of the run: a frame size, or a size mix (IMIX, SIZE:WEIGHT,...)
 * that every trial of the row sends as one load. A mix's rates are in
 * frames per second of the mix, and its bit rates and line rate are over
 * its mean frame size.
 */
struct rfc2544_size {
	uint32_t frame_size; /* incl. FCS; for a mix its largest size */
	struct size_mix mix; /* count 0: frame_size alone */
};

struct rfc2544_config {
	struct rfc2544_size sizes[RFC2544_MAX_SIZES];
	unsigned int nsizes;
	unsigned int tests; /* enum rfc2544_test bits */
	uint64_t trial_ns;
	uint64_t warmup_ns;
	uint64_t drain_ns;
	double ndr_loss; /* ratio, 0 = RFC 2544 throughput */
	double pdr_loss;
	double resolution; /* relative */
	uint64_t line_rate_bps; /* L1; 0: ask the runner */
	struct rate min_rate; /* search floor */
	unsigned int max_trials; /* per search */
	unsigned int b2b_trials; /* repetitions of the burst search */
	unsigned int latency_trials; /* repetitions of the latency trial */
	uint64_t b2b_max_ns; /* longest burst tried, in time at line rate */
	bool quick; /* only recorded in the report */
	char catch_up[32]; /* the senders' --catch-up in rate trials */
	char direction[8]; /* HOST: forward, reverse or bidir */
	/* A rate trial whose sender was late by more than this is
	 * repeated (0: never for lateness). */
	uint64_t stall_limit_ns;
};

enum rfc2544_trial_kind {
	TRIAL_THROUGHPUT = 0,
	TRIAL_LATENCY,
	TRIAL_LOSS,
	TRIAL_B2B,
};

/* One trial as it ran, for the JSON report. */
struct rfc2544_trial {
	enum rfc2544_trial_kind kind;
	unsigned int size_index; /* its row in run->sizes */
	uint32_t frame_size; /* as the row's */
	double target_pps; /* rate trials */
	uint64_t burst_frames; /* burst trials */
	double pct_line; /* loss trials: % of the line rate */
	unsigned int repeat; /* back-to-back: which repetition */
	enum search_phase phase; /* searched trials */
	enum search_goal_id goal;
	bool counted; /* false: repeated (disturbed), see repeat_reason */
	bool sender_short; /* the sender got < 98% of the target out */
	bool stalled; /* the sender was late by more than the stall limit */
	char disturbed[96]; /* why the trial was disturbed, or "" */
	bool pass[SEARCH_MAX_GOALS];
	double lower[SEARCH_MAX_GOALS], upper[SEARCH_MAX_GOALS]; /* after it */
	double elapsed_s; /* since the run started, at its end */
	struct trial_result res;
};

struct rfc2544_loss_point {
	double pct_line;
	double target_pps;
	struct trial_result res;
};

struct rfc2544_size_result {
	uint32_t frame_size; /* for a mix its largest size */
	struct size_mix mix; /* count 0: a single size */
	double mean_size; /* bytes incl. FCS: frame_size, or the mix's mean */
	double line_pps;
	/* throughput */
	bool throughput_done;
	struct search_goal_state goal[SEARCH_MAX_GOALS];
	unsigned int throughput_trials;
	bool sender_limited; /* the search hit what the sender can do */
	/* latency */
	bool latency_done;
	double latency_pps;
	/* Over the valid repetitions: counts summed, percentiles and mean
	 * averaged (RFC 2544 26.2 reports the average), min and max the
	 * extremes. */
	struct trial_result latency;
	unsigned int nlatency; /* repetitions run */
	unsigned int nlatency_valid; /* of which measured a valid latency */
	struct trial_latency latency_each[RFC2544_MAX_LATENCY_TRIALS];
	char latency_note[96];
	/* frame loss */
	bool loss_done;
	unsigned int nloss;
	struct rfc2544_loss_point loss[RFC2544_LOSS_STEPS];
	/* back-to-back */
	bool b2b_done;
	unsigned int nb2b;
	double b2b_frames[RFC2544_MAX_B2B_TRIALS];
	double b2b_max_frames;
	double b2b_burst_pps; /* achieved by the sender in the bursts */
};

struct rfc2544_run {
	struct rfc2544_config cfg;
	struct trial_runner *runner;
	atomic_bool *stop;
	uint64_t line_rate_bps;
	char line_rate_source[96];
	struct rfc2544_size_result sizes[RFC2544_MAX_SIZES];
	struct rfc2544_trial *trials;
	size_t ntrials, trials_cap;
	unsigned int repeats; /* trials repeated because disturbed */
	bool complete;
	char error[256]; /* why the run ended early */
	char start_time[40];
	uint64_t start_ns;
	/* for the time-left estimate */
	double rate_trial_s, burst_trial_s;
	unsigned int rate_trials_timed, burst_trials_timed;
};

/* Default frame sizes, RFC 2544 section 9.1 (Ethernet). */
extern const uint32_t rfc2544_default_sizes[7];

/* Run the selected tests. Returns 0 when all ran, else -errno with a
 * one-line reason in run->error; the trials so far stay in run. */
int rfc2544_execute(struct rfc2544_run *run);
void rfc2544_release(struct rfc2544_run *run);

/* Frames per second at the line rate for a frame size (incl. FCS). */
double rfc2544_line_pps(uint64_t line_rate_bps, uint32_t frame_size);
/* The same for a row, over a mix's mean size. */
double rfc2544_row_line_pps(uint64_t line_rate_bps,
			    const struct rfc2544_size *row);
/* A row's mean frame size, bytes incl. FCS. */
double rfc2544_row_mean(const struct rfc2544_size *row);
/* Bits per second of pps frames of the row: L1 counts preamble, SFD and
 * gap (20 B a frame), L2 the frame incl. FCS. */
double rfc2544_bps_l1(const struct rfc2544_size_result *sr, double pps);
double rfc2544_bps_l2(const struct rfc2544_size_result *sr, double pps);
/* The row's name: "64", or the mix as given ("imix"). */
const char *rfc2544_row_name(const struct rfc2544_size_result *sr, char *buf,
			     size_t len);
/* One entry of --sizes: a size 64..9018, or what `send --size` takes for a
 * mix (imix, SIZE:WEIGHT,..., LO..HI/STEP). 0 or -EINVAL. */
int rfc2544_size_parse(const char *text, struct rfc2544_size *row);
/* The --sizes list (see docs/rfc2544.md) into c->sizes, ascending by mean
 * size, no repeats. 0 or -EINVAL. */
int rfc2544_sizes_parse(const char *text, struct rfc2544_config *c);
const char *rfc2544_kind_name(enum rfc2544_trial_kind kind);

/* rfc2544_output.c */
void rfc2544_print_table(FILE *out, const struct rfc2544_run *run);
json_t *rfc2544_json(const struct rfc2544_run *run);
int rfc2544_write_csv(const char *path, const struct rfc2544_run *run,
		      struct lr_err *err);
/* --plot: .svg or .png through gnuplot. */
bool rfc2544_plot_format_known(const char *path);
bool rfc2544_gnuplot_available(void);
int rfc2544_plot(const char *path, const struct rfc2544_run *run,
		 struct lr_err *err);

#endif
