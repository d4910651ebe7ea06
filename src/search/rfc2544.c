// SPDX-License-Identifier: MIT
/*
 * The RFC 2544 driver: runs the selected tests test by test (throughput
 * for every frame size first, as it is the one the others depend on),
 * keeps every trial, prints progress with an estimate of the time left on
 * stderr, and stops at the first error from the runner with the completed
 * trials kept.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/frame.h"
#include "lib/log.h"
#include "lib/names.h"
#include "search/rfc2544.h"

/*
 * The sender must get this share of the target rate out for a trial to
 * count at that rate (so a pass overstates the rate by at most 2%).
 * Between RETRY_FLOOR and this it is retried: on a busy host a late
 * wake-up costs the pacer time it never makes up. Below RETRY_FLOOR the
 * sender is simply slower than the rate (the first trial at the line
 * rate, typically). A trial still short after the retries fails: the
 * result is then limited by the sender, and the report says so.
 */
#define SENDER_OK_SHARE	   0.98
#define SENDER_RETRY_FLOOR 0.5
#define SENDER_RETRIES	   2
/* Expected trials per frame size, for the time-left estimate only. */
#define EXPECT_THROUGHPUT 12
#define EXPECT_LOSS	  6
#define EXPECT_B2B_SEARCH 12
/* Process start-up and the receiver's bind, per trial, until measured. */
#define TRIAL_OVERHEAD_S 0.4

const uint32_t rfc2544_default_sizes[7] = {64, 128, 256, 512, 1024, 1280, 1518};

double rfc2544_line_pps(uint64_t line_rate_bps, uint32_t frame_size)
{
	const struct rate line = { .kind = RATE_PERCENT, .value = 100 };

	return rate_to_pps(&line, frame_size, line_rate_bps);
}

double rfc2544_row_mean(const struct rfc2544_size *row)
{
	return row->mix.count ? sizemix_mean(&row->mix) :
				(double)row->frame_size;
}

/* A rate's frames per second for a row (a mix over its mean size). */
static double row_rate_pps(const struct rate *rate,
			   const struct rfc2544_size *row, uint64_t line_bps)
{
	if (row->mix.count)
		return sizemix_rate_pps(rate, &row->mix, line_bps);
	return rate_to_pps(rate, row->frame_size, line_bps);
}

double rfc2544_row_line_pps(uint64_t line_rate_bps,
			    const struct rfc2544_size *row)
{
	const struct rate line = {.kind = RATE_PERCENT, .value = 100};

	return row_rate_pps(&line, row, line_rate_bps);
}

double rfc2544_bps_l1(const struct rfc2544_size_result *sr, double pps)
{
	return pps * (sr->mean_size + FRAME_L1_OVERHEAD) * 8;
}

double rfc2544_bps_l2(const struct rfc2544_size_result *sr, double pps)
{
	return pps * sr->mean_size * 8;
}

const char *rfc2544_row_name(const struct rfc2544_size_result *sr, char *buf,
			     size_t len)
{
	if (sr->mix.count)
		snprintf(buf, len, "%s", sr->mix.text);
	else
		snprintf(buf, len, "%u", sr->frame_size);
	return buf;
}

int rfc2544_size_parse(const char *text, struct rfc2544_size *row)
{
	struct rfc2544_size r = {0};
	uint64_t v;

	if (!strcmp(text, "imix") || strchr(text, ':') || strstr(text, "..")) {
		if (sizemix_parse(text, FRAME_MIN_SIZE, FRAME_MAX_SIZE, &r.mix))
			return -EINVAL;
		r.frame_size = sizemix_max(&r.mix);
	} else {
		if (parse_u64(text, FRAME_MIN_SIZE, FRAME_MAX_SIZE, &v))
			return -EINVAL;
		r.frame_size = (uint32_t)v;
	}
	*row = r;
	return 0;
}

static bool row_equal(const struct rfc2544_size *a,
		      const struct rfc2544_size *b)
{
	if (a->mix.count != b->mix.count || a->frame_size != b->frame_size)
		return false;
	for (uint32_t i = 0; i < a->mix.count; i++)
		if (a->mix.sizes[i] != b->mix.sizes[i] ||
		    a->mix.weights[i] != b->mix.weights[i])
			return false;
	return true;
}

/* Entries split at sep; "" entries (",," or a trailing one) are refused. */
static int sizes_split(const char *text, char sep, struct rfc2544_config *c)
{
	const char *p = text;

	c->nsizes = 0;
	for (;;) {
		const char *end = strchr(p, sep);
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char item[256];
		struct rfc2544_size *row = &c->sizes[c->nsizes];

		if (!len || len >= sizeof(item) ||
		    c->nsizes >= RFC2544_MAX_SIZES)
			return -EINVAL;
		memcpy(item, p, len);
		item[len] = '\0';
		if (rfc2544_size_parse(item, row))
			return -EINVAL;
		for (unsigned int i = 0; i < c->nsizes; i++)
			if (row_equal(&c->sizes[i], row))
				return -EINVAL;
		c->nsizes++;
		if (!end)
			return 0;
		p = end + 1;
	}
}

/*
 * "64,512,imix": sizes and the named mix, separated by commas. A custom
 * mix has commas of its own, so a list with one separates its entries
 * with ';' ("64;1518;64:7,594:4,1518:1"); a list without ';' that holds
 * a ':' or '..' is one mix.
 */
int rfc2544_sizes_parse(const char *text, struct rfc2544_config *c)
{
	struct rfc2544_config parsed;
	char sep = ',';
	int err;

	if (!text || !*text || strlen(text) >= 1024)
		return -EINVAL;
	if (strchr(text, ';'))
		sep = ';';
	else if (strchr(text, ':') || strstr(text, ".."))
		sep = '\0';
	parsed.nsizes = 0;
	if (sep) {
		err = sizes_split(text, sep, &parsed);
	} else {
		err = rfc2544_size_parse(text, &parsed.sizes[0]);
		parsed.nsizes = 1;
	}
	if (err)
		return -EINVAL;
	/* The table and the chart read best in ascending order. */
	for (unsigned int i = 1; i < parsed.nsizes; i++)
		for (unsigned int j = i;
		     j > 0 && rfc2544_row_mean(&parsed.sizes[j - 1]) >
				      rfc2544_row_mean(&parsed.sizes[j]);
		     j--) {
			struct rfc2544_size t = parsed.sizes[j];

			parsed.sizes[j] = parsed.sizes[j - 1];
			parsed.sizes[j - 1] = t;
		}
	memcpy(c->sizes, parsed.sizes, sizeof(parsed.sizes[0]) * parsed.nsizes);
	c->nsizes = parsed.nsizes;
	return 0;
}

LR_NAME_FN(rfc2544_kind_name, enum rfc2544_trial_kind,
	   "?", [TRIAL_THROUGHPUT] = "throughput", [TRIAL_LATENCY] = "latency",
	   [TRIAL_LOSS] = "frame-loss", [TRIAL_B2B] = "back-to-back")

static double seconds_since(uint64_t start_ns)
{
	return (double)(mono_ns() - start_ns) / 1e9;
}

static void format_hms(double s, char *buf, size_t len)
{
	unsigned int t = s > 0 && s < 1e8 ? (unsigned int)(s + 0.5) : 0;

	if (t >= 3600)
		snprintf(buf, len, "%uh%02um", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, len, "%um%02us", t / 60, t % 60);
	else
		snprintf(buf, len, "%us", t);
}

/* ------------------------------------------------------- time estimate */

static unsigned int tests_after(const struct rfc2544_run *run,
				enum rfc2544_test test)
{
	return run->cfg.tests &
	       ~((unsigned int)test | ((unsigned int)test - 1));
}

/*
 * Seconds left, from the expected trial counts of what has not run yet
 * and the measured time of the trials so far. Rough by nature: a search
 * takes as many trials as the far end makes it.
 */
static double estimate_left(const struct rfc2544_run *run,
			    enum rfc2544_test test, unsigned int size_index,
			    unsigned int done_here, unsigned int expect_here)
{
	const struct rfc2544_config *c = &run->cfg;
	double rate_s = run->rate_trial_s, burst_s = run->burst_trial_s;
	double left_rate = 0, left_burst = 0;
	unsigned int later_sizes = c->nsizes - size_index - 1;
	unsigned int after = tests_after(run, test);
	unsigned int here_left =
		expect_here > done_here ? expect_here - done_here : 1;

	if (test == RFC2544_B2B)
		left_burst += here_left;
	else
		left_rate += here_left;
	/* The rest of this test, then the later tests for every size. */
	if (test == RFC2544_THROUGHPUT)
		left_rate += later_sizes * EXPECT_THROUGHPUT;
	else if (test == RFC2544_LATENCY)
		left_rate += later_sizes * c->latency_trials;
	else if (test == RFC2544_LOSS)
		left_rate += later_sizes * EXPECT_LOSS;
	else
		left_burst += later_sizes * EXPECT_B2B_SEARCH * c->b2b_trials;
	if (after & RFC2544_LATENCY)
		left_rate += c->nsizes * c->latency_trials;
	if (after & RFC2544_LOSS)
		left_rate += c->nsizes * EXPECT_LOSS;
	if (after & RFC2544_B2B)
		left_burst += c->nsizes * EXPECT_B2B_SEARCH * c->b2b_trials;
	if (!run->rate_trials_timed)
		rate_s = (double)(c->warmup_ns + c->trial_ns + c->drain_ns) /
				 1e9 +
			 TRIAL_OVERHEAD_S;
	if (!run->burst_trials_timed)
		burst_s = (double)(c->drain_ns + c->b2b_max_ns / 4) / 1e9 +
			  TRIAL_OVERHEAD_S;
	return left_rate * rate_s + left_burst * burst_s;
}

static void progress(const struct rfc2544_run *run, double left_s,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void progress(const struct rfc2544_run *run, double left_s,
		     const char *fmt, ...)
{
	char line[320], elapsed[32], left[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	format_hms(seconds_since(run->start_ns), elapsed, sizeof(elapsed));
	format_hms(left_s, left, sizeof(left));
	pr_info("rfc2544: %s  [%s elapsed, ~%s left]\n", line, elapsed, left);
}

/* ------------------------------------------------------- trials */

static struct rfc2544_trial *trial_add(struct rfc2544_run *run)
{
	struct rfc2544_trial *t;

	if (run->ntrials == run->trials_cap) {
		size_t cap = run->trials_cap ? run->trials_cap * 2 : 64;

		t = realloc(run->trials, cap * sizeof(*t));
		if (!t)
			return NULL;
		run->trials = t;
		run->trials_cap = cap;
	}
	t = &run->trials[run->ntrials++];
	memset(t, 0, sizeof(*t));
	t->counted = true;
	return t;
}

static void time_trial(struct rfc2544_run *run, bool burst, double seconds)
{
	double *avg = burst ? &run->burst_trial_s : &run->rate_trial_s;
	unsigned int *n =
		burst ? &run->burst_trials_timed : &run->rate_trials_timed;

	*avg = (*avg * *n + seconds) / (*n + 1);
	(*n)++;
}

static int fail_run(struct rfc2544_run *run, int rc, const char *what,
		    const char *err)
{
	snprintf(run->error, sizeof(run->error), "%s: %s", what,
		 err[0] ? err : strerror(-rc));
	return rc;
}

/*
 * One rate trial, retried while the sender falls a little short of the
 * target (see SENDER_OK_SHARE). Every attempt is kept; *last points at
 * the one that counts.
 */
static int rate_trial(struct rfc2544_run *run, enum rfc2544_trial_kind kind,
		      unsigned int size_index, double pps, uint64_t duration_ns,
		      struct rfc2544_trial **last)
{
	const struct rfc2544_config *c = &run->cfg;
	const struct rfc2544_size_result *sr = &run->sizes[size_index];
	struct trial_params p = {
		.frame_size = sr->frame_size,
		.mix = sr->mix.count ? &sr->mix : NULL,
		.rate_pps = pps,
		.duration_ns = duration_ns,
		.warmup_ns = c->warmup_ns,
		.drain_ns = c->drain_ns,
	};
	struct lr_err err = {0};
	int rc;

	for (unsigned int attempt = 0;; attempt++) {
		struct rfc2544_trial *t;
		struct trial_result res;
		uint64_t t0 = mono_ns();
		double share;

		rc = run->runner->ops->run_trial(run->runner, &p, &res, &err);
		if (rc)
			return fail_run(run, rc, rfc2544_kind_name(kind),
					lr_err_text(&err));
		time_trial(run, false, seconds_since(t0));
		t = trial_add(run);
		if (!t)
			return fail_run(run, -ENOMEM, "trials",
					"out of memory");
		t->kind = kind;
		t->size_index = size_index;
		t->frame_size = sr->frame_size;
		t->target_pps = pps;
		t->res = res;
		t->elapsed_s = seconds_since(run->start_ns);
		share = res.tx_pps / pps;
		t->sender_short = share < SENDER_OK_SHARE;
		t->stalled = c->stall_limit_ns && res.pacing.valid &&
			     res.pacing.late_max_ns > c->stall_limit_ns;
		if (t->sender_short)
			snprintf(t->disturbed, sizeof(t->disturbed),
				 "sender short of the rate: %.1f%%",
				 share * 100);
		else if (t->stalled)
			snprintf(t->disturbed, sizeof(t->disturbed),
				 "sender stalled: %.2f ms late (limit %.2f ms)",
				 (double)res.pacing.late_max_ns / 1e6,
				 (double)c->stall_limit_ns / 1e6);
		*last = t;
		/* A sender far below the rate is simply slower than it (the
		 * first trial at the line rate): no point repeating. */
		if (!t->disturbed[0] || attempt >= SENDER_RETRIES ||
		    (t->sender_short && share < SENDER_RETRY_FLOOR))
			return 0;
		t->counted = false;
		run->repeats++;
		pr_info("rfc2544:   disturbed (%s); repeating the trial\n",
			t->disturbed);
	}
}

static void describe_result(const struct trial_result *r, char *buf, size_t len)
{
	snprintf(buf, len, "sent %llu, lost %llu (%.4f%%), achieved %.0f pps",
		 (unsigned long long)r->sent, (unsigned long long)r->lost,
		 r->loss_ratio * 100, r->tx_pps);
}

/* ------------------------------------------------------- throughput */

static int throughput_one(struct rfc2544_run *run, unsigned int i)
{
	const struct rfc2544_config *c = &run->cfg;
	struct rfc2544_size_result *sr = &run->sizes[i];
	struct search_config sc = {
		.max_load = floor(sr->line_pps),
		.resolution = c->resolution,
		.loss_goal = {c->ndr_loss, c->pdr_loss},
		.goals = 2,
		.max_trials = c->max_trials,
		.confirm = true,
		.integer_loads = true,
	};
	struct rate_search *s = malloc(sizeof(*s));
	struct search_step step;
	struct lr_err bad = {0};
	char desc[160], name[SIZEMIX_TEXT_LEN];
	unsigned int n = 0;
	int rc = 0;

	if (!s)
		return fail_run(run, -ENOMEM, "throughput", "out of memory");
	rfc2544_row_name(sr, name, sizeof(name));
	sc.min_load = floor(
		row_rate_pps(&c->min_rate, &c->sizes[i], run->line_rate_bps));
	if (sc.min_load < 1)
		sc.min_load = 1;
	if (sc.min_load > sc.max_load)
		sc.min_load = sc.max_load;
	rc = search_init(s, &sc, &bad);
	if (rc) {
		fail_run(run, rc, "throughput", lr_err_text(&bad));
		goto out;
	}
	while (search_next(s, &step) == 0) {
		struct rfc2544_trial *t;
		size_t first = run->ntrials;
		double loss, fwd;

		progress(run,
			 estimate_left(run, RFC2544_THROUGHPUT, i, n,
				       EXPECT_THROUGHPUT),
			 "throughput %s B: trial %u (%s, %s) at %.0f pps", name,
			 n + 1, search_phase_name(step.phase),
			 step.goal == SEARCH_NDR ? "NDR" : "PDR", step.load);
		rc = rate_trial(run, TRIAL_THROUGHPUT, i, step.load,
				c->trial_ns, &t);
		if (rc)
			goto out;
		n++;
		/* A rate the sender could not produce is not a rate the
		 * device passed. */
		loss = t->sender_short ? 1 : t->res.loss_ratio;
		fwd = t->res.rx_pps;
		rc = search_record(s, step.load, loss, fwd);
		/*
		 * But what it did produce is evidence at that rate: a
		 * trial counts at the rate it actually ran. Without it a
		 * busy host would drag the search down to --min-rate.
		 */
		if (!rc && t->sender_short && floor(t->res.tx_pps) >= 1 &&
		    floor(t->res.tx_pps) < step.load &&
		    s->ntrials < SEARCH_MAX_TRIALS)
			rc = search_record(s, floor(t->res.tx_pps),
					   t->res.loss_ratio, fwd);
		if (rc) {
			fail_run(run, rc, "throughput", "search record");
			goto out;
		}
		/* Retried attempts too, so the JSON says what each was for. */
		for (size_t k = first; k < run->ntrials; k++) {
			run->trials[k].phase = step.phase;
			run->trials[k].goal = step.goal;
		}
		for (int g = 0; g < SEARCH_MAX_GOALS; g++) {
			t->pass[g] = search_passes(s, loss, g);
			t->lower[g] = search_lower(s, g);
			t->upper[g] = search_upper(s, g);
		}
		if (t->sender_short && t->res.loss_ratio <= c->ndr_loss)
			sr->sender_limited = true;
		describe_result(&t->res, desc, sizeof(desc));
		pr_info("rfc2544:   %s -> %s%s\n", desc,
			t->pass[SEARCH_NDR] ? "pass" :
			t->pass[SEARCH_PDR] ? "PDR pass, NDR fail" :
					      "fail",
			t->sender_short ? " (sender short of the rate)" : "");
	}
	memcpy(sr->goal, s->goal, sizeof(sr->goal));
	sr->throughput_trials = n;
	sr->throughput_done = true;
	pr_info("rfc2544: throughput %s B: NDR %.0f pps, PDR %.0f pps "
		"(%u trials)\n",
		name, sr->goal[SEARCH_NDR].result, sr->goal[SEARCH_PDR].result,
		n);
out:
	free(s);
	return rc;
}

/* ------------------------------------------------------- latency */

/* The average of the valid repetitions into sr->latency. */
static void latency_aggregate(struct rfc2544_size_result *sr)
{
	struct trial_latency *agg = &sr->latency.latency;
	unsigned int n = 0;
	double p50 = 0, p90 = 0, p99 = 0, p999 = 0, mean = 0;

	memset(agg, 0, sizeof(*agg));
	for (unsigned int k = 0; k < sr->nlatency; k++) {
		const struct trial_latency *l = &sr->latency_each[k];

		if (!l->valid)
			continue;
		if (!n) {
			snprintf(agg->type, sizeof(agg->type), "%s", l->type);
			agg->min = l->min;
		}
		n++;
		agg->count += l->count;
		if (l->min < agg->min)
			agg->min = l->min;
		if (l->max > agg->max)
			agg->max = l->max;
		p50 += (double)l->p50;
		p90 += (double)l->p90;
		p99 += (double)l->p99;
		p999 += (double)l->p999;
		mean += l->mean;
	}
	sr->nlatency_valid = n;
	if (!n)
		return;
	agg->valid = true;
	agg->p50 = (uint64_t)(p50 / n + 0.5);
	agg->p90 = (uint64_t)(p90 / n + 0.5);
	agg->p99 = (uint64_t)(p99 / n + 0.5);
	agg->p999 = (uint64_t)(p999 / n + 0.5);
	agg->mean = mean / n;
}

/*
 * Latency as RFC 2544 26.2 runs it: repeated trials at the throughput
 * (--latency-trials, default 20), reported as the average of the valid
 * ones with the spread across them.
 */
static int latency_one(struct rfc2544_run *run, unsigned int i)
{
	struct rfc2544_size_result *sr = &run->sizes[i];
	unsigned int trials = run->cfg.latency_trials ? run->cfg.latency_trials :
							1;
	uint64_t sent = 0, lost = 0;
	char name[SIZEMIX_TEXT_LEN];

	if (!sr->throughput_done || !sr->goal[SEARCH_NDR].found) {
		snprintf(sr->latency_note, sizeof(sr->latency_note),
			 "no throughput rate to measure at");
		sr->latency_done = true;
		return 0;
	}
	if (trials > RFC2544_MAX_LATENCY_TRIALS)
		trials = RFC2544_MAX_LATENCY_TRIALS;
	sr->latency_pps = sr->goal[SEARCH_NDR].result;
	rfc2544_row_name(sr, name, sizeof(name));
	for (unsigned int k = 0; k < trials; k++) {
		struct rfc2544_trial *t;
		int rc;

		progress(run, estimate_left(run, RFC2544_LATENCY, i, k, trials),
			 "latency %s B at the throughput, %.0f pps (%u/%u)",
			 name, sr->latency_pps, k + 1, trials);
		rc = rate_trial(run, TRIAL_LATENCY, i, sr->latency_pps,
				run->cfg.trial_ns, &t);
		if (rc)
			return rc;
		t->repeat = k + 1;
		sr->latency_each[sr->nlatency++] = t->res.latency;
		sent += t->res.sent;
		lost += t->res.lost;
		pr_info("rfc2544:   latency p50 %llu ns, p99 %llu ns, max %llu "
			"ns%s\n",
			(unsigned long long)t->res.latency.p50,
			(unsigned long long)t->res.latency.p99,
			(unsigned long long)t->res.latency.max,
			t->res.latency.valid ? "" : " (not valid)");
	}
	sr->latency.sent = sent;
	sr->latency.lost = lost;
	latency_aggregate(sr);
	sr->latency_done = true;
	if (!sr->nlatency_valid)
		snprintf(sr->latency_note, sizeof(sr->latency_note),
			 "the far end reported no valid latency");
	else if (sr->nlatency_valid < sr->nlatency)
		snprintf(sr->latency_note, sizeof(sr->latency_note),
			 "%u of %u trials without a valid latency",
			 sr->nlatency - sr->nlatency_valid, sr->nlatency);
	else if (lost)
		snprintf(sr->latency_note, sizeof(sr->latency_note),
			 "%llu frames lost in the latency trials",
			 (unsigned long long)lost);
	return 0;
}

/* ------------------------------------------------------- frame loss */

static int loss_one(struct rfc2544_run *run, unsigned int i)
{
	struct rfc2544_size_result *sr = &run->sizes[i];
	unsigned int clean_in_row = 0;
	char desc[160], name[SIZEMIX_TEXT_LEN];
	int rc;

	rfc2544_row_name(sr, name, sizeof(name));
	for (unsigned int k = 0; k < RFC2544_LOSS_STEPS; k++) {
		struct rfc2544_loss_point *pt = &sr->loss[k];
		struct rfc2544_trial *t;

		pt->pct_line = 100.0 - 10.0 * k;
		pt->target_pps = floor(sr->line_pps * pt->pct_line / 100);
		if (pt->target_pps < 1)
			break;
		progress(run,
			 estimate_left(run, RFC2544_LOSS, i, k, EXPECT_LOSS),
			 "frame loss %s B at %.0f%% of line rate, %.0f pps",
			 name, pt->pct_line, pt->target_pps);
		rc = rate_trial(run, TRIAL_LOSS, i, pt->target_pps,
				run->cfg.trial_ns, &t);
		if (rc)
			return rc;
		t->pct_line = pt->pct_line;
		pt->res = t->res;
		sr->nloss = k + 1;
		describe_result(&t->res, desc, sizeof(desc));
		pr_info("rfc2544:   %s\n", desc);
		clean_in_row = t->res.lost ? 0 : clean_in_row + 1;
		if (clean_in_row >= 2)
			break;
	}
	sr->loss_done = true;
	return 0;
}

/* ------------------------------------------------------- back-to-back */

static int b2b_one(struct rfc2544_run *run, unsigned int i)
{
	const struct rfc2544_config *c = &run->cfg;
	struct rfc2544_size_result *sr = &run->sizes[i];
	struct search_config sc = {
		.min_load = 1,
		.resolution = c->resolution,
		.loss_goal = {0},
		.goals = 1,
		.max_trials = c->max_trials,
		/* The repetitions are the confirmation (RFC 2544 26.4). */
		.confirm = false,
		.integer_loads = true,
	};
	struct rate_search *s = malloc(sizeof(*s));
	double pps_sum = 0;
	unsigned int bursts = 0, done = 0;
	struct lr_err bad = {0};
	char desc[160], name[SIZEMIX_TEXT_LEN];
	int rc = 0;

	if (!s)
		return fail_run(run, -ENOMEM, "back-to-back", "out of memory");
	rfc2544_row_name(sr, name, sizeof(name));
	sc.max_load = floor(sr->line_pps * (double)c->b2b_max_ns / 1e9);
	if (sc.max_load < 1)
		sc.max_load = 1;
	sr->b2b_max_frames = sc.max_load;
	for (unsigned int rep = 0; rep < c->b2b_trials; rep++) {
		struct search_step step;

		rc = search_init(s, &sc, &bad);
		if (rc) {
			fail_run(run, rc, "back-to-back", lr_err_text(&bad));
			goto out;
		}
		while (search_next(s, &step) == 0) {
			struct burst_params bp = {
				.frame_size = sr->frame_size,
				.mix = sr->mix.count ? &sr->mix : NULL,
				.frames = (uint64_t)step.load,
				/* What a sender slower than the line
				 * makes of it is in the result. */
				.rate_pps = sr->line_pps,
				/* Bounded even if the sender is far slower
				 * than the line: 100x the burst's time at
				 * line rate, plus 10 s. */
				.max_ns = (uint64_t)(step.load / sr->line_pps *
						     1e11) +
					  10 * NSEC_PER_SEC,
				.drain_ns = c->drain_ns,
			};
			struct rfc2544_trial *t;
			struct trial_result res;
			uint64_t t0 = mono_ns();

			progress(run,
				 estimate_left(run, RFC2544_B2B, i, done,
					       EXPECT_B2B_SEARCH *
						       c->b2b_trials),
				 "back-to-back %s B: repetition %u/%u, burst "
				 "of %.0f frames (%s)",
				 name, rep + 1, c->b2b_trials, step.load,
				 search_phase_name(step.phase));
			rc = run->runner->ops->run_burst(run->runner, &bp, &res,
							 &bad);
			if (rc) {
				/* Cut where this line has always been cut. */
				char cut[160];

				snprintf(cut, sizeof(cut), "%s",
					 lr_err_text(&bad));
				fail_run(run, rc, "back-to-back", cut);
				goto out;
			}
			time_trial(run, true, seconds_since(t0));
			done++;
			t = trial_add(run);
			if (!t) {
				rc = fail_run(run, -ENOMEM, "trials",
					      "out of memory");
				goto out;
			}
			t->kind = TRIAL_B2B;
			t->size_index = i;
			t->frame_size = sr->frame_size;
			t->burst_frames = (uint64_t)step.load;
			t->repeat = rep + 1;
			t->phase = step.phase;
			t->res = res;
			t->elapsed_s = seconds_since(run->start_ns);
			/* A burst cut short by the time bound is a failure. */
			rc = search_record(
				s, step.load,
				res.sent < bp.frames ? 1 : res.loss_ratio,
				(double)res.received);
			if (rc) {
				fail_run(run, rc, "back-to-back",
					 "search record");
				goto out;
			}
			t->pass[SEARCH_NDR] =
				res.sent >= bp.frames && !res.lost;
			t->lower[SEARCH_NDR] = search_lower(s, SEARCH_NDR);
			t->upper[SEARCH_NDR] = search_upper(s, SEARCH_NDR);
			pps_sum += res.tx_pps;
			bursts++;
			describe_result(&res, desc, sizeof(desc));
			pr_info("rfc2544:   %s -> %s\n", desc,
				t->pass[SEARCH_NDR] ? "pass" : "fail");
		}
		sr->b2b_frames[sr->nb2b++] = s->goal[SEARCH_NDR].result;
	}
	sr->b2b_burst_pps = bursts ? pps_sum / bursts : 0;
	sr->b2b_done = true;
out:
	free(s);
	return rc;
}

/* ------------------------------------------------------- the run */

typedef int (*test_fn)(struct rfc2544_run *run, unsigned int size_index);

int rfc2544_execute(struct rfc2544_run *run)
{
	static const struct {
		enum rfc2544_test test;
		test_fn fn;
	} order[] = {
		{RFC2544_THROUGHPUT, throughput_one},
		{RFC2544_LATENCY, latency_one},
		{RFC2544_LOSS, loss_one},
		{RFC2544_B2B, b2b_one},
	};
	struct rfc2544_config *c = &run->cfg;
	char err[160] = "";
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	run->start_ns = mono_ns();
	gmtime_r(&now, &tm);
	strftime(run->start_time, sizeof(run->start_time), "%Y-%m-%dT%H:%M:%SZ",
		 &tm);
	if (c->line_rate_bps) {
		run->line_rate_bps = c->line_rate_bps;
		snprintf(run->line_rate_source, sizeof(run->line_rate_source),
			 "--line-rate");
	} else {
		rc = run->runner->ops->line_rate(
			run->runner, &run->line_rate_bps, run->line_rate_source,
			sizeof(run->line_rate_source));
		if (rc == -ENODATA)
			return fail_run(run, rc, "line rate",
					"the interface does not report a "
					"speed; give --line-rate");
		if (rc)
			return fail_run(run, rc, "line rate", err);
	}
	for (unsigned int i = 0; i < c->nsizes; i++) {
		run->sizes[i].frame_size = c->sizes[i].frame_size;
		run->sizes[i].mix = c->sizes[i].mix;
		run->sizes[i].mean_size = rfc2544_row_mean(&c->sizes[i]);
		run->sizes[i].line_pps =
			rfc2544_row_line_pps(run->line_rate_bps, &c->sizes[i]);
	}
	/* Latency is measured at the throughput: it needs the search. */
	if (c->tests & RFC2544_LATENCY)
		c->tests |= RFC2544_THROUGHPUT;
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		if (!(c->tests & order[k].test))
			continue;
		for (unsigned int i = 0; i < c->nsizes; i++) {
			rc = order[k].fn(run, i);
			if (rc)
				return rc;
		}
	}
	run->complete = true;
	return 0;
}

void rfc2544_release(struct rfc2544_run *run)
{
	free(run->trials);
	run->trials = NULL;
	run->ntrials = run->trials_cap = 0;
}
