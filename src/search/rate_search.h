/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_RATE_SEARCH_H
#define LINERATE_RATE_SEARCH_H

/*
 * The search for the highest load that meets a loss goal, as a pure state
 * machine: search_next() says which load to try, the caller runs the trial
 * and hands the outcome to search_record(). No clock, no I/O, so it can be
 * driven by a scripted loss function in a unit test.
 *
 * A "load" is a rate in pps for the throughput test and a burst length in
 * frames for back-to-back; the machine does not care which.
 *
 * Two goals are searched at once, in the spirit of FD.io MLRsearch: NDR
 * (loss ratio <= goal[0], the RFC 2544 throughput when it is 0) and PDR
 * (loss ratio <= goal[1]). Every trial counts for both. The bounds of a
 * goal are derived from all trials so far:
 *
 *   verdict of a load = pass when more of its trials passed than failed
 *           (a tie, one pass and one failed confirmation say, fails)
 *   upper = the lowest load whose verdict is a failure
 *   lower = the highest load below upper whose verdict is a pass
 *
 * A single failure is never forgotten unless re-tests outvote it: noise
 * can only make the result lower. Loss inversion (a load that passed
 * above one that failed) is handled the way FD.io MLRsearch does: the
 * failure is re-tested (SEARCH_PHASE_RETEST) up to SEARCH_MAX_PER_LOAD
 * trials, and its majority decides. If a pass above still contradicts
 * the upper bound, the goal says so (inverted, contradicting_load) rather
 * than hiding it.
 *
 * A goal always ends with a result or a reason (enum search_end): a goal
 * that any trial met is always found; if the only passes lie above a
 * failure, the lowest passing load is the result, flagged contradicted.
 *
 * Steps: one trial at the maximum load; then the load the far end
 * actually forwarded in it (a good first estimate); then an external
 * search (the width doubling each step) until the goal has a lower and an
 * upper bound; then bisection until (upper - lower) <= resolution * upper;
 * then a confirmation trial at the lower bound. A goal is done when its
 * lower bound has passed twice; a failed confirmation makes it the new
 * upper bound and the search goes on below.
 */

#include <stdbool.h>

#include "lib/err.h"

enum search_goal_id {
	SEARCH_NDR = 0,
	SEARCH_PDR = 1,
	SEARCH_MAX_GOALS = 2,
};

enum search_phase {
	SEARCH_PHASE_MAX = 0, /* the maximum load, first */
	SEARCH_PHASE_ESTIMATE, /* what the first trial forwarded */
	SEARCH_PHASE_DOWN, /* external search below a failure */
	SEARCH_PHASE_UP, /* external search above a pass */
	SEARCH_PHASE_BISECT,
	SEARCH_PHASE_CONFIRM, /* repeat of the lower bound */
	SEARCH_PHASE_RETEST, /* repeat of a failure below a pass (inversion) */
};

/* Why a goal ended where it did. */
enum search_end {
	SEARCH_END_CONVERGED = 0, /* bracket within the resolution */
	SEARCH_END_AT_MAX, /* passes at the maximum load */
	SEARCH_END_BELOW_MIN, /* fails even at the minimum load */
	SEARCH_END_BUDGET, /* out of trials */
};

/* Trials at one load, at most: the first, and two re-tests that decide
 * by majority when a pass above contradicts it. */
#define SEARCH_MAX_PER_LOAD 3

#define SEARCH_MAX_TRIALS 128

struct search_config {
	double min_load; /* > 0 */
	double max_load; /* >= min_load */
	double resolution; /* relative width of the final bracket, (0, 0.5] */
	double loss_goal[SEARCH_MAX_GOALS]; /* loss ratios in [0, 1) */
	unsigned int goals; /* 1: NDR only; 2: NDR and PDR */
	unsigned int max_trials; /* 1..SEARCH_MAX_TRIALS */
	double initial_width; /* first external step, relative; 0: 4 x resolution */
	bool confirm; /* repeat the final lower bound before accepting it */
	bool integer_loads; /* loads are whole units (pps, frames) */
};

struct search_trial {
	double load;
	double loss_ratio;
	double forwarded; /* load the far end delivered (pps or frames) */
	enum search_phase phase;
	enum search_goal_id goal; /* the goal the trial was chosen for */
};

struct search_goal_state {
	bool done;
	bool found; /* some load met the goal */
	bool confirmed; /* the result passed at least twice */
	bool converged; /* bracket within resolution (false: out of trials) */
	bool estimate_used;
	enum search_end end;
	double failed_below; /* the upper bound at the end; 0: none */
	/* A load passed above the upper bound (loss inversion that survived
	 * the re-tests): the lowest such load. */
	bool inverted;
	double contradicting_load;
	/* The result itself failed at a lower load (the only passes were
	 * above a failure). */
	bool contradicted;
	double result; /* 0 when not found */
	double down_width, up_width; /* current external-search widths */
};

struct rate_search {
	struct search_config cfg;
	struct search_trial trials[SEARCH_MAX_TRIALS];
	unsigned int ntrials;
	struct search_goal_state goal[SEARCH_MAX_GOALS];
	double estimate; /* forwarded load of the first failed trial; 0: none */
	bool have_next;
	struct search_trial next; /* what search_next() handed out */
};

/* A step to run: a load, why, and for which goal. */
struct search_step {
	double load;
	enum search_phase phase;
	enum search_goal_id goal;
};

/* Validate cfg and start. -EINVAL (with a reason in err) on a bad one. */
int search_init(struct rate_search *s, const struct search_config *cfg,
		struct lr_err *err);

/* The next trial to run: returns 0 and fills step, or 1 when every goal is
 * done (results in s->goal[]). */
int search_next(struct rate_search *s, struct search_step *step);

/*
 * The outcome of a trial at load: its loss ratio (0..1; a trial the tester
 * could not run as asked is a failure, ratio 1) and the load the far end
 * forwarded (0 if unknown). -EINVAL on out-of-range values, -ENOSPC when
 * the trial table is full.
 */
int search_record(struct rate_search *s, double load, double loss_ratio,
		  double forwarded);

/* Bounds of a goal from the trials so far; 0 lower / -1 upper when none. */
double search_lower(const struct rate_search *s, enum search_goal_id goal);
double search_upper(const struct rate_search *s, enum search_goal_id goal);
bool search_passes(const struct rate_search *s, double loss_ratio,
		   enum search_goal_id goal);

const char *search_phase_name(enum search_phase phase);
const char *search_end_name(enum search_end end);

#endif
