// SPDX-License-Identifier: MIT
/*
 * The throughput search state machine against scripted devices: a
 * loss-vs-load function stands in for the far end, so convergence,
 * trial counts and the confirmation logic are checked exactly.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "search/rate_search.h"

#define LINE_64B 14880952.0 /* 10 Gbit/s at 64-byte frames */

/* Deterministic PRNG (xorshift64), so a failure reproduces. */
static uint64_t rng_state;

static double rng_uniform(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / (double)(1ULL << 53);
}

struct device {
	double edge; /* highest load forwarded without loss */
	double noise_from; /* (noise_from, edge]: loses now and then */
	double noise_p;
	/* 0 step, 1 noisy, 2 always loss, 3 never loss, 4 flaky,
	 * 5 every third trial below the edge loses 2% (a stalling sender),
	 * 6 below the edge always 0.1% (PDR passes, NDR never),
	 * 7 the run of issue 11 (see test_issue11_inversion) */
	int mode;
	unsigned int calls;
	double flaky_from; /* mode 4: (flaky_from, edge] pass once, then fail */
	double visited[SEARCH_MAX_TRIALS];
	unsigned int nvisited;
};

/* A policer: everything up to the edge, the edge's worth above it. */
static double device_loss(struct device *d, double load, double *forwarded)
{
	double loss = load > d->edge ? 1 - d->edge / load : 0;

	switch (d->mode) {
	case 1:
		if (load > d->noise_from && load <= d->edge &&
		    rng_uniform() < d->noise_p)
			loss = 1e-4;
		break;
	case 2:
		loss = 1;
		break;
	case 3:
		loss = 0;
		break;
	case 5:
		if (load <= d->edge && d->calls % 3 == 2)
			loss = 0.02;
		break;
	case 6:
		if (load <= d->edge)
			loss = 0.001;
		break;
	case 7: {
		unsigned int seen = 0;

		for (unsigned int i = 0; i < d->nvisited; i++)
			if (d->visited[i] == load)
				seen++;
		d->visited[d->nvisited++] = load;
		if (load > d->edge)
			break;
		/* Bursts after stalls: heavy loss on the first visit to
		 * any load but the edge itself, which loses 0.1%; the
		 * minimum alternates between 0.05% and 2%. */
		if (load == d->edge)
			loss = 0.001;
		else if (load == 1000)
			loss = seen % 2 ? 0.02 : 0.0005;
		else
			loss = seen ? 0.0005 : 0.02;
		break;
	}
	case 4:
		if (load > d->flaky_from && load <= d->edge) {
			for (unsigned int i = 0; i < d->nvisited; i++)
				if (d->visited[i] == load)
					loss = 0.01;
			d->visited[d->nvisited++] = load;
		}
		break;
	}
	d->calls++;
	*forwarded = load * (1 - loss);
	return loss;
}

static struct search_config default_config(void)
{
	struct search_config c = {
		.min_load = 1000,
		.max_load = LINE_64B,
		.resolution = 0.005,
		.loss_goal = {0, 0.005},
		.goals = 2,
		.max_trials = 64,
		.confirm = true,
		.integer_loads = true,
	};
	return c;
}

/* Run the search to the end against d; returns the number of trials. */
static unsigned int run_search(struct rate_search *s,
			       const struct search_config *cfg,
			       struct device *d)
{
	struct search_step step;
	unsigned int trials = 0;

	assert_int_equal(search_init(s, cfg, NULL), 0);
	while (search_next(s, &step) == 0) {
		double fwd, loss;

		assert_true(step.load >= cfg->min_load);
		assert_true(step.load <= cfg->max_load);
		loss = device_loss(d, step.load, &fwd);
		assert_int_equal(search_record(s, step.load, loss, fwd), 0);
		trials++;
		assert_true(trials <= cfg->max_trials);
	}
	return trials;
}

static void test_step_function(void **state)
{
	struct search_config cfg = default_config();
	struct device d = {.edge = 123457, .mode = 0};
	struct rate_search s;
	unsigned int trials;

	(void)state;
	trials = run_search(&s, &cfg, &d);
	assert_true(s.goal[SEARCH_NDR].done && s.goal[SEARCH_NDR].found);
	assert_true(s.goal[SEARCH_NDR].converged);
	assert_true(s.goal[SEARCH_NDR].confirmed);
	/* Within the resolution below the edge, never above it. */
	assert_true(s.goal[SEARCH_NDR].result <= d.edge);
	assert_true(s.goal[SEARCH_NDR].result >= d.edge * (1 - 0.005));
	/* The first trial forwards the edge exactly, which passes: max,
	 * estimate, a few steps up, bisection, confirmation. */
	assert_int_equal((int)s.trials[0].load, (int)LINE_64B);
	assert_int_equal(s.trials[0].phase, SEARCH_PHASE_MAX);
	assert_int_equal((int)s.trials[1].load, 123457);
	assert_int_equal(s.trials[1].phase, SEARCH_PHASE_ESTIMATE);
	assert_int_equal(s.trials[trials - 1].phase, SEARCH_PHASE_CONFIRM);
	/* PDR: loss 1 - edge/load <= 0.5% up to edge / 0.995. */
	assert_true(s.goal[SEARCH_PDR].found);
	assert_true(s.goal[SEARCH_PDR].result <= d.edge / 0.995);
	assert_true(s.goal[SEARCH_PDR].result >= d.edge / 0.995 * (1 - 0.005));
	assert_true(s.goal[SEARCH_NDR].result <= s.goal[SEARCH_PDR].result);
	assert_true(trials <= 16);
}

/*
 * NDR and PDR apart: a little loss just below the edge fails NDR but not
 * PDR. The PDR search starts from its own lower bound, with the maximum
 * as its upper bound, and must not bisect that wide bracket from the
 * middle (each trial far above the edge is wasted time).
 */
static void test_pdr_apart_from_ndr(void **state)
{
	struct search_config cfg = default_config();
	struct rate_search s;
	struct search_step step;
	unsigned int trials = 0;
	const double edge = 5905;

	(void)state;
	assert_int_equal(search_init(&s, &cfg, NULL), 0);
	while (search_next(&s, &step) == 0) {
		double loss = step.load > edge	      ? 1 - edge / step.load :
			      step.load > 0.99 * edge ? 0.001 :
							0;

		if (trials)
			assert_true(step.load < 1.2 * edge);
		assert_int_equal(search_record(&s, step.load, loss,
					       step.load * (1 - loss)),
				 0);
		trials++;
	}
	assert_true(s.goal[SEARCH_NDR].result <= 0.99 * edge);
	assert_true(s.goal[SEARCH_NDR].result >= 0.99 * edge * (1 - 0.005));
	/* PDR: loss <= 0.5% up to edge / 0.995 = 5934.7 */
	assert_true(s.goal[SEARCH_PDR].result <= edge / 0.995);
	assert_true(s.goal[SEARCH_PDR].result >= edge / 0.995 * (1 - 0.005));
	assert_true(s.goal[SEARCH_PDR].confirmed);
	assert_true(trials <= 20);
}

/* Without the estimate (a device that forwards nothing at the maximum)
 * the external search halves its way down and still converges. */
static void test_step_function_no_estimate(void **state)
{
	struct search_config cfg = default_config();
	struct device d = {.edge = 50000, .mode = 0};
	struct rate_search s;
	struct search_step step;
	unsigned int trials = 0;
	double fwd, loss;

	(void)state;
	cfg.goals = 1;
	assert_int_equal(search_init(&s, &cfg, NULL), 0);
	while (search_next(&s, &step) == 0) {
		loss = device_loss(&d, step.load, &fwd);
		/* Report nothing forwarded: no estimate. */
		assert_int_equal(search_record(&s, step.load, loss, 0), 0);
		trials++;
	}
	assert_true(s.goal[SEARCH_NDR].found);
	assert_true(s.goal[SEARCH_NDR].result <= 50000);
	assert_true(s.goal[SEARCH_NDR].result >= 50000 * (1 - 0.005));
	assert_true(s.goal[SEARCH_NDR].confirmed);
	/* ~13 widening steps down to below the edge (the width doubles up
	 * to one half), a few up, then ~6 bisections and the confirmation. */
	assert_true(trials <= 30);
	for (unsigned int i = 1; i < s.ntrials; i++)
		assert_int_not_equal(s.trials[i].phase, SEARCH_PHASE_ESTIMATE);
}

static void test_noisy_edge(void **state)
{
	struct search_config cfg = default_config();
	struct rate_search s;
	unsigned int trials;

	(void)state;
	for (int seed = 1; seed <= 20; seed++) {
		struct device d = {.edge = 200000,
				   .noise_from = 196000,
				   .noise_p = 0.3,
				   .mode = 1};

		rng_state = 0x9e3779b97f4a7c15ULL * (uint64_t)seed;
		trials = run_search(&s, &cfg, &d);
		assert_true(s.goal[SEARCH_NDR].found);
		/* Never above the edge; at worst the resolution below where
		 * the noise starts (a failure is never forgotten). */
		assert_true(s.goal[SEARCH_NDR].result <= 200000);
		assert_true(s.goal[SEARCH_NDR].result >=
			    196000 * (1 - 0.005) - 1);
		assert_true(s.goal[SEARCH_NDR].result <=
			    s.goal[SEARCH_PDR].result);
		/* The occasional 1e-4 loss is within the 0.5% PDR goal. */
		assert_true(s.goal[SEARCH_PDR].result >= 200000 * (1 - 0.005));
		assert_true(trials <= 30);
	}
}

static void test_always_loss(void **state)
{
	struct search_config cfg = default_config();
	struct device d = {.mode = 2};
	struct rate_search s;
	unsigned int trials;

	(void)state;
	trials = run_search(&s, &cfg, &d);
	assert_true(s.goal[SEARCH_NDR].done);
	assert_false(s.goal[SEARCH_NDR].found);
	assert_false(s.goal[SEARCH_PDR].found);
	assert_true(s.goal[SEARCH_NDR].result == 0);
	/* The width doubles to one half, so the minimum is reached in
	 * about log2(14.9M / 1000) ~ 14 steps; the last one is the minimum. */
	assert_true(trials <= 20);
	assert_true(s.trials[trials - 1].load == cfg.min_load);
}

static void test_never_loss(void **state)
{
	struct search_config cfg = default_config();
	struct device d = {.mode = 3};
	struct rate_search s;
	unsigned int trials;

	(void)state;
	trials = run_search(&s, &cfg, &d);
	/* The maximum passes, is confirmed once, and that is all. */
	assert_int_equal(trials, 2);
	assert_int_equal(s.trials[1].phase, SEARCH_PHASE_CONFIRM);
	assert_true(s.goal[SEARCH_NDR].result == floor(LINE_64B + 0.5));
	assert_true(s.goal[SEARCH_PDR].result == floor(LINE_64B + 0.5));
	assert_true(s.goal[SEARCH_NDR].confirmed);
}

/* A load that passes once and fails its repeat is not the result: the
 * search goes on below it. */
static void test_failed_confirmation(void **state)
{
	struct search_config cfg = default_config();
	struct device d = {.edge = 100000, .mode = 4, .flaky_from = 98000};
	struct rate_search s;
	unsigned int trials, confirms = 0, failed_confirms = 0;

	(void)state;
	cfg.goals = 1;
	trials = run_search(&s, &cfg, &d);
	for (unsigned int i = 0; i < trials; i++) {
		if (s.trials[i].phase != SEARCH_PHASE_CONFIRM)
			continue;
		confirms++;
		if (s.trials[i].loss_ratio > 0)
			failed_confirms++;
	}
	assert_true(failed_confirms >= 1);
	assert_int_equal(confirms, failed_confirms + 1);
	assert_true(s.goal[SEARCH_NDR].confirmed);
	assert_true(s.goal[SEARCH_NDR].converged);
	assert_true(s.goal[SEARCH_NDR].result <= 98000);
	assert_true(s.goal[SEARCH_NDR].result >= 98000 * (1 - 0.005));
	assert_true(trials <= 30);
}

/* Without confirmation the search ends on the bracket. */
static void test_no_confirm(void **state)
{
	struct search_config cfg = default_config();
	struct device d = {.edge = 123457, .mode = 0};
	struct rate_search s;
	unsigned int trials;

	(void)state;
	cfg.confirm = false;
	cfg.goals = 1;
	trials = run_search(&s, &cfg, &d);
	for (unsigned int i = 0; i < trials; i++)
		assert_int_not_equal(s.trials[i].phase, SEARCH_PHASE_CONFIRM);
	assert_true(s.goal[SEARCH_NDR].result <= 123457);
	assert_true(s.goal[SEARCH_NDR].result >= 123457 * (1 - 0.005));
}

/* Burst lengths (back-to-back): whole frames, found exactly. */
static void test_integer_burst_exact(void **state)
{
	struct search_config cfg = {
		.min_load = 1,
		.max_load = 2000000,
		.resolution = 0.0001,
		.loss_goal = {0},
		.goals = 1,
		.max_trials = 64,
		.confirm = true,
		.integer_loads = true,
	};
	struct device d = {.edge = 4321, .mode = 0};
	struct rate_search s;
	unsigned int trials;

	(void)state;
	trials = run_search(&s, &cfg, &d);
	assert_true(s.goal[SEARCH_NDR].result == 4321);
	assert_true(trials <= 30);
}

/* Out of trials: the goal ends with what it has, marked not converged. */
static void test_trial_budget(void **state)
{
	struct search_config cfg = default_config();
	struct device d = {.edge = 77777, .mode = 0};
	struct rate_search s;
	struct search_step step;
	unsigned int trials;

	(void)state;
	cfg.max_trials = 4;
	trials = run_search(&s, &cfg, &d);
	assert_int_equal(trials, 4);
	assert_true(s.goal[SEARCH_NDR].done);
	assert_false(s.goal[SEARCH_NDR].converged);
	assert_true(s.goal[SEARCH_NDR].result <= 77777);
	assert_true(s.goal[SEARCH_PDR].done);
	assert_int_equal(search_next(&s, &step), 1);
}

static void test_bad_config_and_records(void **state)
{
	struct search_config cfg = default_config();
	struct rate_search s;
	struct lr_err err = {0};

	(void)state;
	cfg.min_load = 0;
	assert_int_equal(search_init(&s, &cfg, &err), -EINVAL);
	cfg = default_config();
	cfg.max_load = 10;
	assert_int_equal(search_init(&s, &cfg, &err), -EINVAL);
	cfg = default_config();
	cfg.resolution = 0;
	assert_int_equal(search_init(&s, &cfg, &err), -EINVAL);
	cfg = default_config();
	cfg.loss_goal[SEARCH_PDR] = 0.001;
	cfg.loss_goal[SEARCH_NDR] = 0.01;
	assert_int_equal(search_init(&s, &cfg, &err), -EINVAL);
	cfg = default_config();
	cfg.loss_goal[SEARCH_NDR] = NAN;
	assert_int_equal(search_init(&s, &cfg, &err), -EINVAL);
	cfg = default_config();
	cfg.max_trials = SEARCH_MAX_TRIALS + 1;
	assert_int_equal(search_init(&s, &cfg, &err), -EINVAL);

	cfg = default_config();
	assert_int_equal(search_init(&s, &cfg, &err), 0);
	assert_int_equal(search_record(&s, 0, 0, 0), -EINVAL);
	assert_int_equal(search_record(&s, 1000, 1.5, 0), -EINVAL);
	assert_int_equal(search_record(&s, 1000, -0.1, 0), -EINVAL);
	assert_int_equal(search_record(&s, NAN, 0, 0), -EINVAL);
	assert_int_equal(search_record(&s, 1000, 0, INFINITY), -EINVAL);
	assert_int_equal(s.ntrials, 0);
	for (int i = 0; i < SEARCH_MAX_TRIALS; i++)
		assert_int_equal(search_record(&s, 1000 + i, 0, 0), 0);
	assert_int_equal(search_record(&s, 5000, 0, 0), -ENOSPC);
}

static void test_bounds(void **state)
{
	struct search_config cfg = default_config();
	struct rate_search s;

	(void)state;
	assert_int_equal(search_init(&s, &cfg, NULL), 0);
	assert_true(search_upper(&s, SEARCH_NDR) < 0);
	assert_true(search_lower(&s, SEARCH_NDR) == 0);
	search_record(&s, 100000, 0.01, 0); /* fails NDR and PDR */
	search_record(&s, 90000, 0.001, 0); /* fails NDR, passes PDR */
	search_record(&s, 80000, 0, 0);
	search_record(&s, 95000, 0, 0); /* above a failure: noise, ignored */
	assert_true(search_upper(&s, SEARCH_NDR) == 90000);
	assert_true(search_lower(&s, SEARCH_NDR) == 80000);
	assert_true(search_upper(&s, SEARCH_PDR) == 100000);
	assert_true(search_lower(&s, SEARCH_PDR) == 95000);
	assert_true(search_passes(&s, 0.005, SEARCH_PDR));
	assert_false(search_passes(&s, 0.0051, SEARCH_PDR));
}


/* Every goal ends with a result or a stated reason. */
static void assert_goal_answered(const struct search_goal_state *g)
{
	assert_true(g->done);
	assert_true(g->found || g->end == SEARCH_END_BELOW_MIN ||
		    g->end == SEARCH_END_BUDGET);
	if (g->found)
		assert_true(g->result > 0);
}

/* Everything fails down to the minimum: no result, and the reason. */
static void test_failure_at_lower_bound(void **state)
{
	struct search_config cfg = default_config();
	struct device d = {.edge = 600, .mode = 0};
	struct rate_search s;
	unsigned int trials;

	(void)state;
	trials = run_search(&s, &cfg, &d);
	for (int g = 0; g < SEARCH_MAX_GOALS; g++) {
		assert_goal_answered(&s.goal[g]);
		assert_false(s.goal[g].found);
		assert_int_equal(s.goal[g].end, SEARCH_END_BELOW_MIN);
		assert_false(s.goal[g].inverted);
	}
	/* The bracket kept extending down until it reached the minimum. */
	assert_true(s.trials[trials - 1].load == cfg.min_load);
	for (unsigned int i = 1; i < trials; i++)
		assert_true(s.trials[i].load < s.trials[i - 1].load ||
			    s.trials[i].phase == SEARCH_PHASE_RETEST);
	/* Just above the minimum the policer still passes the PDR goal
	 * (0.5% of 1005 is lost at 1000/0.6): fails, too, at 1000. */
	assert_true(trials <= 20);
}

/* Just above the minimum: the result is the minimum itself, found. */
static void test_edge_at_minimum(void **state)
{
	struct search_config cfg = default_config();
	struct device d = {.edge = 1000, .mode = 0};
	struct rate_search s;

	(void)state;
	run_search(&s, &cfg, &d);
	assert_true(s.goal[SEARCH_NDR].found);
	assert_true(s.goal[SEARCH_NDR].result == 1000);
	assert_true(s.goal[SEARCH_NDR].confirmed);
}

/* A sender that stalls every third trial: failures interleave with
 * passes below the edge. Re-tests outvote them, so the result stays
 * near the edge, never above it. */
static void test_noisy_interleaved(void **state)
{
	struct search_config cfg = default_config();
	struct device d = {.edge = 250000, .mode = 5};
	struct rate_search s;
	unsigned int trials, retests = 0;

	(void)state;
	trials = run_search(&s, &cfg, &d);
	for (unsigned int i = 0; i < trials; i++)
		retests += s.trials[i].phase == SEARCH_PHASE_RETEST;
	assert_true(retests >= 1);
	for (int g = 0; g < SEARCH_MAX_GOALS; g++) {
		assert_goal_answered(&s.goal[g]);
		assert_true(s.goal[g].found);
		assert_false(s.goal[g].contradicted);
		assert_true(s.goal[g].result <= 250000);
		assert_true(s.goal[g].result >= 250000 * 0.95);
	}
	assert_true(s.goal[SEARCH_NDR].result <= s.goal[SEARCH_PDR].result);
	assert_true(trials <= 50);
}

/* Below the edge every trial loses 0.1%: NDR never passes (reason: the
 * minimum), PDR is found near the edge. */
static void test_pdr_only_passes(void **state)
{
	struct search_config cfg = default_config();
	struct device d = {.edge = 300000, .mode = 6};
	struct rate_search s;

	(void)state;
	run_search(&s, &cfg, &d);
	assert_goal_answered(&s.goal[SEARCH_NDR]);
	assert_false(s.goal[SEARCH_NDR].found);
	assert_int_equal(s.goal[SEARCH_NDR].end, SEARCH_END_BELOW_MIN);
	assert_true(s.goal[SEARCH_PDR].found);
	assert_true(s.goal[SEARCH_PDR].confirmed);
	/* The policer's loss stays within 0.5% up to edge / 0.995. */
	assert_true(s.goal[SEARCH_PDR].result <= 300000 / 0.995);
	assert_true(s.goal[SEARCH_PDR].result >= 300000 * (1 - 0.005) - 1);
}

/* The 1518 B run of issue 11: the only clean passes are at the edge and
 * at the minimum, and every first visit in between loses 2%. It used to
 * end with no NDR and no PDR. Now PDR is found, and NDR ends with a
 * reason. */
static void test_issue11_inversion(void **state)
{
	struct search_config cfg = default_config();
	struct device d = {.edge = 1073, .mode = 7};
	struct rate_search s;

	(void)state;
	cfg.max_load = 812743; /* 1518 B at 10 Gbit/s */
	cfg.resolution = 0.01;
	cfg.max_trials = 40;
	run_search(&s, &cfg, &d);
	assert_goal_answered(&s.goal[SEARCH_NDR]);
	assert_goal_answered(&s.goal[SEARCH_PDR]);
	assert_false(s.goal[SEARCH_NDR].found);
	assert_int_equal(s.goal[SEARCH_NDR].end, SEARCH_END_BELOW_MIN);
	assert_true(s.goal[SEARCH_PDR].found);
	assert_true(s.goal[SEARCH_PDR].result >= 1000);
	assert_true(s.goal[SEARCH_PDR].result <= 1073);
}

/* A pass far above a failure that survives its re-tests: the result
 * stays below the failure and the goal says the evidence is inverted. */
static void test_inversion_reported(void **state)
{
	struct search_config cfg = default_config();
	struct rate_search s;
	struct search_step step;

	(void)state;
	cfg.goals = 1;
	assert_int_equal(search_init(&s, &cfg, NULL), 0);
	assert_int_equal(search_next(&s, &step), 0);
	search_record(&s, step.load, 0.5, step.load / 2);
	search_record(&s, 200000, 0, 200000); /* pass */
	search_record(&s, 150000, 0.01, 0); /* failure below a pass */
	assert_int_equal(search_next(&s, &step), 0);
	assert_int_equal(step.phase, SEARCH_PHASE_RETEST);
	assert_true(step.load == 150000);
	search_record(&s, 150000, 0.01, 0);
	/* Two of two failed: decided, no third re-test. */
	assert_int_equal(search_next(&s, &step), 0);
	assert_int_not_equal(step.phase, SEARCH_PHASE_RETEST);
	assert_true(step.load < 150000);
	while (search_next(&s, &step) == 0)
		search_record(&s, step.load, step.load <= 140000 ? 0 : 0.01,
			      0);
	assert_true(s.goal[SEARCH_NDR].found);
	assert_true(s.goal[SEARCH_NDR].result <= 140000);
	assert_true(s.goal[SEARCH_NDR].inverted);
	assert_true(s.goal[SEARCH_NDR].contradicting_load == 200000);
	/* The failure that bounds the result, below the contradicting pass. */
	assert_true(s.goal[SEARCH_NDR].failed_below ==
		    search_upper(&s, SEARCH_NDR));
	assert_true(s.goal[SEARCH_NDR].failed_below > 140000);
	assert_true(s.goal[SEARCH_NDR].failed_below <= 150000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_function),
		cmocka_unit_test(test_step_function_no_estimate),
		cmocka_unit_test(test_pdr_apart_from_ndr),
		cmocka_unit_test(test_noisy_edge),
		cmocka_unit_test(test_always_loss),
		cmocka_unit_test(test_never_loss),
		cmocka_unit_test(test_failed_confirmation),
		cmocka_unit_test(test_no_confirm),
		cmocka_unit_test(test_integer_burst_exact),
		cmocka_unit_test(test_trial_budget),
		cmocka_unit_test(test_bad_config_and_records),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_failure_at_lower_bound),
		cmocka_unit_test(test_edge_at_minimum),
		cmocka_unit_test(test_noisy_interleaved),
		cmocka_unit_test(test_pdr_only_passes),
		cmocka_unit_test(test_issue11_inversion),
		cmocka_unit_test(test_inversion_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
