// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "search/rate_search.h"

/* Loss ratios are computed from counts; an exact goal like 0.005 must
 * accept a ratio that is 0.005 give or take a rounding error. */
#define LOSS_EPSILON   1e-12
#define MAX_DOWN_WIDTH 0.5

static const char *const phase_names[] = {
	[SEARCH_PHASE_MAX] = "max",
	[SEARCH_PHASE_ESTIMATE] = "estimate",
	[SEARCH_PHASE_DOWN] = "external-down",
	[SEARCH_PHASE_UP] = "external-up",
	[SEARCH_PHASE_BISECT] = "bisect",
	[SEARCH_PHASE_CONFIRM] = "confirm",
	[SEARCH_PHASE_RETEST] = "retest",
};

static const char *const end_names[] = {
	[SEARCH_END_CONVERGED] = "converged",
	[SEARCH_END_AT_MAX] = "passes at the maximum",
	[SEARCH_END_BELOW_MIN] = "fails at the minimum",
	[SEARCH_END_BUDGET] = "out of trials",
};

const char *search_end_name(enum search_end end)
{
	if ((unsigned int)end >= sizeof(end_names) / sizeof(end_names[0]))
		return "?";
	return end_names[end];
}

const char *search_phase_name(enum search_phase phase)
{
	if ((unsigned int)phase >= sizeof(phase_names) / sizeof(phase_names[0]))
		return "?";
	return phase_names[phase];
}

int search_init(struct rate_search *s, const struct search_config *cfg,
		struct lr_err *err)
{
	const char *why = NULL;

	if (!(cfg->min_load > 0) || !isfinite(cfg->min_load))
		why = "minimum load must be > 0";
	else if (!isfinite(cfg->max_load) || cfg->max_load < cfg->min_load)
		why = "maximum load must be >= the minimum";
	else if (!(cfg->resolution > 0) || cfg->resolution > 0.5)
		why = "resolution must be in (0, 0.5]";
	else if (cfg->goals < 1 || cfg->goals > SEARCH_MAX_GOALS)
		why = "goals must be 1 or 2";
	else if (cfg->max_trials < 1 || cfg->max_trials > SEARCH_MAX_TRIALS)
		why = "max trials out of range";
	else if (!(cfg->initial_width >= 0) || cfg->initial_width > 1)
		why = "initial width must be in [0, 1]";
	for (unsigned int g = 0; !why && g < cfg->goals; g++)
		if (!(cfg->loss_goal[g] >= 0) || cfg->loss_goal[g] >= 1)
			why = "loss goals must be in [0, 1)";
	if (!why && cfg->goals == 2 &&
	    cfg->loss_goal[SEARCH_PDR] < cfg->loss_goal[SEARCH_NDR])
		why = "the PDR loss goal must be >= the NDR one";
	if (why)
		return lr_err_set(err, -EINVAL, NULL, "%s", why);
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	if (s->cfg.initial_width == 0)
		s->cfg.initial_width = 4 * cfg->resolution;
	for (unsigned int g = 0; g < SEARCH_MAX_GOALS; g++) {
		s->goal[g].down_width = s->cfg.initial_width;
		s->goal[g].up_width = s->cfg.initial_width;
	}
	return 0;
}

bool search_passes(const struct rate_search *s, double loss_ratio,
		   enum search_goal_id goal)
{
	return loss_ratio <= s->cfg.loss_goal[goal] + LOSS_EPSILON;
}

static bool same_load(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

static void load_counts(const struct rate_search *s, double load,
			enum search_goal_id goal, unsigned int *pass,
			unsigned int *fail)
{
	*pass = *fail = 0;
	for (unsigned int i = 0; i < s->ntrials; i++) {
		if (!same_load(s->trials[i].load, load))
			continue;
		if (search_passes(s, s->trials[i].loss_ratio, goal))
			(*pass)++;
		else
			(*fail)++;
	}
}

/* The majority of the trials at load passed (a tie fails). */
static bool load_passes(const struct rate_search *s, double load,
			enum search_goal_id goal)
{
	unsigned int pass, fail;

	load_counts(s, load, goal, &pass, &fail);
	return pass > fail;
}

double search_upper(const struct rate_search *s, enum search_goal_id goal)
{
	double upper = -1;

	for (unsigned int i = 0; i < s->ntrials; i++) {
		const struct search_trial *t = &s->trials[i];

		if ((upper < 0 || t->load < upper) &&
		    !load_passes(s, t->load, goal))
			upper = t->load;
	}
	return upper;
}

double search_lower(const struct rate_search *s, enum search_goal_id goal)
{
	double upper = search_upper(s, goal), lower = 0;

	for (unsigned int i = 0; i < s->ntrials; i++) {
		const struct search_trial *t = &s->trials[i];

		if ((upper < 0 || t->load < upper) && t->load > lower &&
		    load_passes(s, t->load, goal))
			lower = t->load;
	}
	return lower;
}

/* The lowest load above upper whose verdict is a pass; 0: none. */
static double pass_above(const struct rate_search *s, double upper,
			 enum search_goal_id goal)
{
	double found = 0;

	for (unsigned int i = 0; i < s->ntrials; i++) {
		const struct search_trial *t = &s->trials[i];

		if (t->load > upper && (found == 0 || t->load < found) &&
		    load_passes(s, t->load, goal))
			found = t->load;
	}
	return found;
}

/* The lowest load where any trial met the goal; 0: none. */
static double lowest_any_pass(const struct rate_search *s,
			      enum search_goal_id goal)
{
	double found = 0;

	for (unsigned int i = 0; i < s->ntrials; i++) {
		const struct search_trial *t = &s->trials[i];

		if ((found == 0 || t->load < found) &&
		    search_passes(s, t->loss_ratio, goal))
			found = t->load;
	}
	return found;
}

static unsigned int passes_at(const struct rate_search *s, double load,
			      enum search_goal_id goal)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < s->ntrials; i++)
		if (same_load(s->trials[i].load, load) &&
		    search_passes(s, s->trials[i].loss_ratio, goal))
			n++;
	return n;
}

static double clamp_load(const struct rate_search *s, double load)
{
	if (s->cfg.integer_loads)
		load = floor(load + 0.5);
	if (load < s->cfg.min_load)
		load = s->cfg.min_load;
	if (load > s->cfg.max_load)
		load = s->cfg.max_load;
	return load;
}

static void finish_goal(struct rate_search *s, enum search_goal_id g,
			enum search_end end)
{
	struct search_goal_state *gs = &s->goal[g];
	double lower = search_lower(s, g), upper = search_upper(s, g);

	gs->done = true;
	gs->end = end;
	gs->converged = end != SEARCH_END_BUDGET;
	gs->found = lower > 0;
	gs->result = lower;
	gs->confirmed = gs->found && passes_at(s, lower, g) >= 2;
	gs->failed_below = upper > 0 ? upper : 0;
	if (upper > 0) {
		double above = pass_above(s, upper, g);

		if (above > 0) {
			gs->inverted = true;
			gs->contradicting_load = above;
		}
	}
	/* Whenever a trial met the goal there is a result: with no pass
	 * below the failures, the lowest load that passed, flagged as
	 * contradicted by the failure below it. */
	if (!gs->found) {
		double any = lowest_any_pass(s, g);

		if (any > 0) {
			gs->found = true;
			gs->contradicted = true;
			gs->result = any;
			gs->confirmed = passes_at(s, any, g) >= 2;
		}
	}
	/* A load that meets the NDR goal meets the looser PDR goal too: a
	 * noisy PDR failure below the NDR result must not report PDR < NDR. */
	if (g == SEARCH_PDR && s->goal[SEARCH_NDR].found &&
	    s->goal[SEARCH_NDR].result > gs->result) {
		gs->result = s->goal[SEARCH_NDR].result;
		gs->found = true;
		gs->confirmed = s->goal[SEARCH_NDR].confirmed;
		gs->contradicted = s->goal[SEARCH_NDR].contradicted;
	}
}

/* Step for goal g, or false when g is done now. */
static bool goal_step(struct rate_search *s, enum search_goal_id g,
		      struct search_step *step)
{
	struct search_goal_state *gs = &s->goal[g];
	const struct search_trial *last =
		s->ntrials ? &s->trials[s->ntrials - 1] : NULL;
	double upper = search_upper(s, g), lower = search_lower(s, g);
	enum search_end end = SEARCH_END_CONVERGED;
	double load, mid;

	step->goal = g;
	if (!s->ntrials) {
		step->load = clamp_load(s, s->cfg.max_load);
		step->phase = SEARCH_PHASE_MAX;
		return true;
	}
	if (upper < 0) {
		/* Nothing failed: the first trial (at the maximum) passed. */
		end = SEARCH_END_AT_MAX;
		goto converged;
	}
	/* Loss inversion: a pass above the failure that bounds the goal.
	 * Re-test the failure until a majority of SEARCH_MAX_PER_LOAD
	 * trials decides. */
	if (pass_above(s, upper, g) > 0) {
		unsigned int pass, fail;

		load_counts(s, upper, g, &pass, &fail);
		if (2 * fail < SEARCH_MAX_PER_LOAD + 1 &&
		    2 * pass < SEARCH_MAX_PER_LOAD + 1) {
			step->load = upper;
			step->phase = SEARCH_PHASE_RETEST;
			return true;
		}
	}
	if (lower <= 0) {
		if (upper <= s->cfg.min_load) {
			finish_goal(s, g, SEARCH_END_BELOW_MIN);
			return false;
		}
		if (!gs->estimate_used && s->estimate > 0) {
			gs->estimate_used = true;
			load = clamp_load(s, s->estimate);
			if (load < upper) {
				step->load = load;
				step->phase = SEARCH_PHASE_ESTIMATE;
				return true;
			}
		}
		load = clamp_load(s, upper * (1 - gs->down_width));
		if (s->cfg.integer_loads && load >= upper)
			load = upper - 1;
		if (load < s->cfg.min_load) {
			finish_goal(s, g, SEARCH_END_BELOW_MIN);
			return false;
		}
		gs->down_width = fmin(gs->down_width * 2, MAX_DOWN_WIDTH);
		step->load = load;
		step->phase = SEARCH_PHASE_DOWN;
		return true;
	}
	if (upper - lower <= s->cfg.resolution * upper ||
	    (s->cfg.integer_loads && upper - lower <= 1))
		goto converged;
	mid = (lower + upper) / 2;
	/*
	 * A wide bracket (the upper bound still the maximum, say) is
	 * narrowed from the lower bound by widening steps first: the result
	 * is usually near the last pass, not in the middle. After a fresh
	 * failure, likewise a small step down from it.
	 */
	load = clamp_load(s, lower * (1 + gs->up_width));
	if (load > lower && load < mid) {
		gs->up_width *= 2;
		step->load = load;
		step->phase = SEARCH_PHASE_UP;
		return true;
	}
	if (last && same_load(last->load, upper) &&
	    !search_passes(s, last->loss_ratio, g)) {
		load = clamp_load(s, upper * (1 - gs->down_width));
		if (load < upper && load > mid) {
			gs->down_width =
				fmin(gs->down_width * 2, MAX_DOWN_WIDTH);
			step->load = load;
			step->phase = SEARCH_PHASE_DOWN;
			return true;
		}
	}
	load = clamp_load(s, mid);
	if (load <= lower || load >= upper)
		goto converged;
	step->load = load;
	step->phase = SEARCH_PHASE_BISECT;
	return true;

converged:
	if (s->cfg.confirm && passes_at(s, lower, g) < 2) {
		step->load = lower;
		step->phase = SEARCH_PHASE_CONFIRM;
		return true;
	}
	finish_goal(s, g, end);
	return false;
}

int search_next(struct rate_search *s, struct search_step *step)
{
	for (unsigned int g = 0; g < s->cfg.goals; g++) {
		if (s->goal[g].done)
			continue;
		if (s->ntrials >= s->cfg.max_trials) {
			finish_goal(s, g, SEARCH_END_BUDGET);
			continue;
		}
		if (goal_step(s, g, step)) {
			s->next.load = step->load;
			s->next.phase = step->phase;
			s->next.goal = step->goal;
			s->have_next = true;
			return 0;
		}
	}
	s->have_next = false;
	return 1;
}

int search_record(struct rate_search *s, double load, double loss_ratio,
		  double forwarded)
{
	struct search_trial *t;

	if (!(load > 0) || !isfinite(load) || !(loss_ratio >= 0) ||
	    loss_ratio > 1 || !(forwarded >= 0) || !isfinite(forwarded))
		return -EINVAL;
	if (s->ntrials >= SEARCH_MAX_TRIALS)
		return -ENOSPC;
	t = &s->trials[s->ntrials++];
	t->load = load;
	t->loss_ratio = loss_ratio;
	t->forwarded = forwarded;
	if (s->have_next && same_load(s->next.load, load)) {
		t->phase = s->next.phase;
		t->goal = s->next.goal;
	} else {
		t->phase = SEARCH_PHASE_BISECT;
		t->goal = SEARCH_NDR;
	}
	s->have_next = false;
	/* What the far end forwarded at the maximum is where it gives up. */
	if (t->phase == SEARCH_PHASE_MAX && s->estimate == 0 &&
	    !search_passes(s, loss_ratio, SEARCH_NDR) && forwarded > 0)
		s->estimate = forwarded;
	return 0;
}
