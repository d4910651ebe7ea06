// SPDX-License-Identifier: MIT
/*
 * RFC 2544 results out: the table a person reads, the JSON document with
 * every trial, a CSV row per frame size, and a chart through gnuplot.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/gnuplot.h"
#include "search/rfc2544.h"

static double mbps_l1(const struct rfc2544_size_result *sr, double pps)
{
	return rfc2544_bps_l1(sr, pps) / 1e6;
}

/* The first column: wide enough for the longest row name. */
static int name_width(const struct rfc2544_run *run)
{
	char name[SIZEMIX_TEXT_LEN];
	int w = 6;

	for (unsigned int i = 0; i < run->cfg.nsizes; i++) {
		int n = (int)strlen(
			rfc2544_row_name(&run->sizes[i], name, sizeof(name)));

		w = n > w ? n : w;
	}
	return w;
}

static void print_name(FILE *out, int width,
		       const struct rfc2544_size_result *sr)
{
	char name[SIZEMIX_TEXT_LEN];

	fprintf(out, "%*s |", width, rfc2544_row_name(sr, name, sizeof(name)));
}

static double pct_of_line(const struct rfc2544_size_result *sr, double pps)
{
	return sr->line_pps > 0 ? pps / sr->line_pps * 100 : 0;
}

static void b2b_stats(const struct rfc2544_size_result *sr, double *mean,
		      double *min, double *max)
{
	double sum = 0;

	*min = *max = *mean = 0;
	for (unsigned int k = 0; k < sr->nb2b; k++) {
		double v = sr->b2b_frames[k];

		sum += v;
		if (!k || v < *min)
			*min = v;
		if (!k || v > *max)
			*max = v;
	}
	if (sr->nb2b)
		*mean = sum / sr->nb2b;
}

static bool latency_shown(const struct rfc2544_size_result *sr)
{
	return sr->latency_done && sr->latency.latency.valid;
}

/* ------------------------------------------------------- table */

/*
 * Why a goal has no result, or why its result needs a caveat; empty
 * when it needs none. The same words in the table and the JSON.
 */
static void goal_note(const struct search_goal_state *g, char *buf,
		      size_t len)
{
	buf[0] = 0;
	if (!g->done)
		return;
	if (!g->found && g->end == SEARCH_END_BELOW_MIN)
		snprintf(buf, len, "below --min-rate: fails at %.0f pps",
			 g->failed_below);
	else if (!g->found)
		snprintf(buf, len, "no load met the goal (%s)",
			 search_end_name(g->end));
	else if (g->contradicted)
		snprintf(buf, len,
			 "passed only above a failure: %.0f pps failed "
			 "below the result",
			 g->failed_below);
	else if (g->inverted)
		snprintf(buf, len,
			 "loss inversion: %.0f pps passed above the failure "
			 "at %.0f pps, after re-tests",
			 g->contradicting_load, g->failed_below);
}

static void print_rate(FILE *out, const struct rfc2544_size_result *sr,
		       const struct search_goal_state *g)
{
	if (!sr->throughput_done)
		fprintf(out, " %10s %9s %7s", "-", "-", "-");
	else if (!g->found)
		fprintf(out, " %10s %9s %7s", "none", "-", "-");
	else
		fprintf(out, " %10.0f %9.2f %6.2f%%", g->result,
			mbps_l1(sr, g->result), pct_of_line(sr, g->result));
}

static void print_us(FILE *out, uint64_t ns)
{
	fprintf(out, " %8.1f", (double)ns / 1000);
}

static void print_throughput(FILE *out, const struct rfc2544_run *run)
{
	const struct rfc2544_config *c = &run->cfg;
	bool any_latency = false;
	int w = name_width(run);

	for (unsigned int i = 0; i < c->nsizes; i++)
		any_latency |= latency_shown(&run->sizes[i]);
	fprintf(out,
		"\nThroughput: NDR (loss <= %g%%) and PDR (loss <= %g%%); "
		"Mbit/s on the wire (L1)%s\n",
		c->ndr_loss * 100, c->pdr_loss * 100,
		any_latency ? "; latency at NDR, one-way, in us" : "");
	fprintf(out, "%*s | %10s %9s %7s | %10s %9s %7s | %6s", w, "frame",
		"NDR pps", "Mbit/s", "% line", "PDR pps", "Mbit/s", "% line",
		"trials");
	if (any_latency)
		fprintf(out, " | %8s %8s %8s %8s %8s", "p50", "p90", "p99",
			"p99.9", "max");
	fprintf(out, "\n");
	for (unsigned int i = 0; i < c->nsizes; i++) {
		const struct rfc2544_size_result *sr = &run->sizes[i];

		print_name(out, w, sr);
		print_rate(out, sr, &sr->goal[SEARCH_NDR]);
		fprintf(out, " |");
		print_rate(out, sr, &sr->goal[SEARCH_PDR]);
		fprintf(out, " | %6u", sr->throughput_trials);
		if (any_latency) {
			fprintf(out, " |");
			if (latency_shown(sr)) {
				const struct trial_latency *l =
					&sr->latency.latency;

				print_us(out, l->p50);
				print_us(out, l->p90);
				print_us(out, l->p99);
				print_us(out, l->p999);
				print_us(out, l->max);
			} else {
				fprintf(out, " %8s", "-");
			}
		}
		if (sr->throughput_done && (!sr->goal[SEARCH_NDR].converged ||
					    !sr->goal[SEARCH_NDR].confirmed))
			fprintf(out, "  (%s)",
				!sr->goal[SEARCH_NDR].converged ?
					"out of trials" :
					"not confirmed");
		else if (sr->throughput_done && sr->sender_limited)
			fprintf(out, "  (sender-limited)");
		fprintf(out, "\n");
		for (int g = 0; sr->throughput_done && g < SEARCH_MAX_GOALS;
		     g++) {
			char note[160];

			goal_note(&sr->goal[g], note, sizeof(note));
			if (note[0])
				fprintf(out, "%*s   %s: %s\n", w, "",
					g == SEARCH_NDR ? "NDR" : "PDR", note);
		}
	}
}

/* The spread of the latency across its repetitions, per frame size. */
static void print_latency_spread(FILE *out, const struct rfc2544_run *run)
{
	const struct rfc2544_config *c = &run->cfg;
	int w = name_width(run);

	for (unsigned int i = 0; i < c->nsizes; i++) {
		const struct rfc2544_size_result *sr = &run->sizes[i];
		uint64_t lo50 = UINT64_MAX, hi50 = 0, lo99 = UINT64_MAX, hi99 = 0;
		char name[SIZEMIX_TEXT_LEN];

		if (!sr->nlatency_valid)
			continue;
		for (unsigned int k = 0; k < sr->nlatency; k++) {
			const struct trial_latency *l = &sr->latency_each[k];

			if (!l->valid)
				continue;
			lo50 = l->p50 < lo50 ? l->p50 : lo50;
			hi50 = l->p50 > hi50 ? l->p50 : hi50;
			lo99 = l->p99 < lo99 ? l->p99 : lo99;
			hi99 = l->p99 > hi99 ? l->p99 : hi99;
		}
		fprintf(out,
			"%*s   latency: average of %u trials; across them p50 "
			"%.1f..%.1f us, p99 %.1f..%.1f us%s%s\n",
			w, rfc2544_row_name(sr, name, sizeof(name)),
			sr->nlatency_valid, (double)lo50 / 1000,
			(double)hi50 / 1000, (double)lo99 / 1000,
			(double)hi99 / 1000, sr->latency_note[0] ? "; " : "",
			sr->latency_note);
	}
}

static void print_loss(FILE *out, const struct rfc2544_run *run)
{
	const struct rfc2544_config *c = &run->cfg;
	int w = name_width(run);

	fprintf(out,
		"\nFrame loss rate: %% of frames lost at %% of the line "
		"rate (until two steps lose nothing)\n%*s |",
		w, "frame");
	for (unsigned int k = 0; k < RFC2544_LOSS_STEPS; k++)
		fprintf(out, " %7u%%", 100 - 10 * k);
	fprintf(out, "\n");
	for (unsigned int i = 0; i < c->nsizes; i++) {
		const struct rfc2544_size_result *sr = &run->sizes[i];

		print_name(out, w, sr);
		for (unsigned int k = 0; k < RFC2544_LOSS_STEPS; k++) {
			if (k < sr->nloss)
				fprintf(out, " %8.3f",
					sr->loss[k].res.loss_ratio * 100);
			else
				fprintf(out, " %8s", "-");
		}
		fprintf(out, "\n");
	}
}

static void print_b2b(FILE *out, const struct rfc2544_run *run)
{
	const struct rfc2544_config *c = &run->cfg;
	int w = name_width(run);

	fprintf(out,
		"\nBack-to-back: longest burst at the line rate (or as fast "
		"as the sender goes) without loss, %u repetition(s)\n"
		"%*s | %12s %12s %12s | %12s | %12s\n",
		c->b2b_trials, w, "frame", "mean frames", "min", "max",
		"max tried", "burst pps");
	for (unsigned int i = 0; i < c->nsizes; i++) {
		const struct rfc2544_size_result *sr = &run->sizes[i];
		double mean, min, max;

		print_name(out, w, sr);
		if (!sr->nb2b) {
			fprintf(out, " %12s\n", "-");
			continue;
		}
		b2b_stats(sr, &mean, &min, &max);
		fprintf(out, " %12.0f %12.0f %12.0f | %12.0f | %12.0f\n", mean,
			min, max, sr->b2b_max_frames, sr->b2b_burst_pps);
	}
}

void rfc2544_print_table(FILE *out, const struct rfc2544_run *run)
{
	const struct rfc2544_config *c = &run->cfg;

	fprintf(out, "RFC 2544 (%s)\n",
		run->runner ? run->runner->description : "no runner");
	fprintf(out,
		"line rate %.3f Gbit/s (%s); trials %gs, warm-up %gs, drain "
		"%gs, resolution %g%%\n",
		(double)run->line_rate_bps / 1e9, run->line_rate_source,
		(double)c->trial_ns / 1e9, (double)c->warmup_ns / 1e9,
		(double)c->drain_ns / 1e9, c->resolution * 100);
	fprintf(out, "sender catch-up %s; trials with the sender late by more "
		     "than %g ms or short of the rate repeated (%u repeats)\n",
		c->catch_up[0] ? c->catch_up : "default",
		(double)c->stall_limit_ns / 1e6, run->repeats);
	if (c->tests & RFC2544_THROUGHPUT)
		print_throughput(out, run);
	if (c->tests & RFC2544_LATENCY)
		print_latency_spread(out, run);
	if (c->tests & RFC2544_LOSS)
		print_loss(out, run);
	if (c->tests & RFC2544_B2B)
		print_b2b(out, run);
	if (!run->complete)
		fprintf(out,
			"\nINCOMPLETE: %s; the results above are from the %zu "
			"trials that completed\n",
			run->error, run->ntrials);
}

/* ------------------------------------------------------- JSON */

/* JSON has no NaN or Infinity. */
static json_t *jnum(double v)
{
	return json_real(isfinite(v) ? v : 0);
}

/* A bracket's upper end: null while no load has failed (below 0). */
static json_t *jupper(double v)
{
	return v < 0 ? json_null() : jnum(v);
}

static json_t *jcount(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX :
						      (json_int_t)v);
}

/*
 * Members of a struct written under their own names, in list order: each
 * X(kind, member) of a list, kind count (jcount) or num (jnum), from the
 * struct at s into the object o.
 */
#define JSON_MEMBER(kind, name) json_object_set_new(o, #name, j##kind(s->name));

/* clang-format off */
#define LATENCY_MEMBERS(X)                                                     \
	X(count, count) X(count, min) X(num, mean) X(count, p50)               \
	X(count, p90) X(count, p99) X(count, p999) X(count, max)
#define RESULT_MEMBERS(X)                                                      \
	X(count, sent) X(count, received) X(count, lost) X(num, loss_ratio)    \
	X(num, tx_pps) X(num, rx_pps) X(num, duration_s)                       \
	X(count, duplicates) X(count, reordered)
#define PACING_MEMBER(name) JSON_MEMBER(count, name)
/* clang-format on */

static json_t *latency_json(const struct trial_latency *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "valid", json_boolean(s->valid));
	json_object_set_new(o, "type",
			    json_string(s->type[0] ? s->type : "one-way"));
	LATENCY_MEMBERS(JSON_MEMBER)
	return o;
}

static void result_fields(json_t *o, const struct trial_result *s)
{
	RESULT_MEMBERS(JSON_MEMBER)
}

static json_t *goal_json(const struct rfc2544_size_result *sr,
			 const struct search_goal_state *g, double loss)
{
	json_t *o = json_object();
	char note[160];

	json_object_set_new(o, "loss_goal_ratio", jnum(loss));
	json_object_set_new(o, "found", json_boolean(g->found));
	json_object_set_new(o, "pps", jnum(g->result));
	json_object_set_new(o, "mbps_l1", jnum(mbps_l1(sr, g->result)));
	json_object_set_new(o, "mbps_l2",
			    jnum(rfc2544_bps_l2(sr, g->result) / 1e6));
	json_object_set_new(o, "pct_line", jnum(pct_of_line(sr, g->result)));
	json_object_set_new(o, "confirmed", json_boolean(g->confirmed));
	json_object_set_new(o, "converged", json_boolean(g->converged));
	json_object_set_new(o, "end", json_string(search_end_name(g->end)));
	json_object_set_new(o, "inverted", json_boolean(g->inverted));
	json_object_set_new(o, "contradicted", json_boolean(g->contradicted));
	json_object_set_new(o, "contradicting_pps",
			    g->inverted ? jnum(g->contradicting_load) :
					  json_null());
	json_object_set_new(o, "upper_pps",
			    g->failed_below > 0 ? jnum(g->failed_below) :
						  json_null());
	goal_note(g, note, sizeof(note));
	json_object_set_new(o, "note", note[0] ? json_string(note) :
						 json_null());
	return o;
}

/* Per statistic, its min, max and mean across the valid repetitions;
 * null when none was valid. */
static json_t *latency_spread_json(const struct rfc2544_size_result *sr)
{
	static const struct {
		const char *name;
		size_t off;
	} stats[] = {
		{"p50", offsetof(struct trial_latency, p50)},
		{"p99", offsetof(struct trial_latency, p99)},
		{"max", offsetof(struct trial_latency, max)},
	};
	json_t *o;

	if (!sr->nlatency_valid)
		return json_null();
	o = json_object();
	for (size_t s = 0; s < sizeof(stats) / sizeof(stats[0]); s++) {
		uint64_t lo = UINT64_MAX, hi = 0;
		double sum = 0;
		json_t *st = json_object();

		for (unsigned int k = 0; k < sr->nlatency; k++) {
			const struct trial_latency *l = &sr->latency_each[k];
			uint64_t v;

			if (!l->valid)
				continue;
			v = *(const uint64_t *)((const char *)l + stats[s].off);
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
			sum += (double)v;
		}
		json_object_set_new(st, "min", jcount(lo));
		json_object_set_new(st, "max", jcount(hi));
		json_object_set_new(st, "mean",
				    jnum(sum / sr->nlatency_valid));
		json_object_set_new(o, stats[s].name, st);
	}
	return o;
}

/* A mix: its name, sizes and weights, period and mean size. */
static json_t *mix_json(const struct size_mix *m)
{
	json_t *o = json_object(), *a = json_array();

	json_object_set_new(o, "name", json_string(m->text));
	for (uint32_t i = 0; i < m->count; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "size", json_integer(m->sizes[i]));
		json_object_set_new(e, "weight", json_integer(m->weights[i]));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "sizes", a);
	json_object_set_new(o, "period", json_integer(m->period));
	json_object_set_new(o, "mean_size", jnum(sizemix_mean(m)));
	return o;
}

/* frame_size (null for a mix) and the row's name, under name_key. */
static void size_name_fields(json_t *o, const struct rfc2544_size_result *sr,
			     uint32_t frame_size, const char *name_key)
{
	char name[SIZEMIX_TEXT_LEN];

	json_object_set_new(o, "frame_size",
			    sr->mix.count ? json_null() :
					    json_integer(frame_size));
	json_object_set_new(
		o, name_key,
		json_string(rfc2544_row_name(sr, name, sizeof(name))));
}

/* What a row sent: frame_size for one size (null for a mix), its name,
 * the mix (null for one size) and the mean size the bit rates use. */
static void row_fields(json_t *o, const struct rfc2544_size_result *sr)
{
	size_name_fields(o, sr, sr->frame_size, "name");
	json_object_set_new(o, "size_mix",
			    sr->mix.count ? mix_json(&sr->mix) : json_null());
	json_object_set_new(o, "mean_frame_size", jnum(sr->mean_size));
}

static json_t *size_json(const struct rfc2544_run *run,
			 const struct rfc2544_size_result *sr)
{
	const struct rfc2544_config *c = &run->cfg;
	json_t *o = json_object();

	row_fields(o, sr);
	json_object_set_new(o, "line_rate_pps", jnum(sr->line_pps));
	if (sr->throughput_done) {
		json_t *t = json_object();

		json_object_set_new(
			t, "ndr",
			goal_json(sr, &sr->goal[SEARCH_NDR], c->ndr_loss));
		json_object_set_new(
			t, "pdr",
			goal_json(sr, &sr->goal[SEARCH_PDR], c->pdr_loss));
		json_object_set_new(t, "trials",
				    json_integer(sr->throughput_trials));
		json_object_set_new(t, "sender_limited",
				    json_boolean(sr->sender_limited));
		json_object_set_new(o, "throughput", t);
	}
	if (sr->latency_done) {
		json_t *l = latency_json(&sr->latency.latency);

		json_object_set_new(l, "rate_pps", jnum(sr->latency_pps));
		json_object_set_new(l, "sent", jcount(sr->latency.sent));
		json_object_set_new(l, "lost", jcount(sr->latency.lost));
		if (sr->latency_note[0])
			json_object_set_new(l, "note",
					    json_string(sr->latency_note));
		json_object_set_new(l, "trials", json_integer(sr->nlatency));
		json_object_set_new(l, "valid_trials",
				    json_integer(sr->nlatency_valid));
		json_object_set_new(l, "spread", latency_spread_json(sr));
		json_object_set_new(o, "latency_ns", l);
	}
	if (sr->loss_done || sr->nloss) {
		json_t *a = json_array();

		for (unsigned int k = 0; k < sr->nloss; k++) {
			json_t *p = json_object();

			json_object_set_new(p, "pct_line",
					    jnum(sr->loss[k].pct_line));
			json_object_set_new(p, "rate_pps",
					    jnum(sr->loss[k].target_pps));
			result_fields(p, &sr->loss[k].res);
			json_array_append_new(a, p);
		}
		json_object_set_new(o, "frame_loss", a);
	}
	if (sr->b2b_done || sr->nb2b) {
		json_t *b = json_object(), *a = json_array();
		double mean, min, max;

		b2b_stats(sr, &mean, &min, &max);
		for (unsigned int k = 0; k < sr->nb2b; k++)
			json_array_append_new(a, jnum(sr->b2b_frames[k]));
		json_object_set_new(b, "frames", a);
		json_object_set_new(b, "mean_frames", jnum(mean));
		json_object_set_new(b, "min_frames", jnum(min));
		json_object_set_new(b, "max_frames", jnum(max));
		json_object_set_new(b, "max_tried_frames",
				    jnum(sr->b2b_max_frames));
		json_object_set_new(b, "burst_pps", jnum(sr->b2b_burst_pps));
		json_object_set_new(o, "back_to_back", b);
	}
	return o;
}

/* The sender's own pacing in a trial; null when it did not report it. */
static json_t *pacing_json(const struct trial_pacing *s)
{
	json_t *o;

	if (!s->valid)
		return json_null();
	o = json_object();
	TRIAL_PACING_COUNTS(PACING_MEMBER)
	return o;
}

static json_t *trial_json(const struct rfc2544_run *run,
			  const struct rfc2544_trial *t, size_t n)
{
	const struct rfc2544_size_result *sr = &run->sizes[t->size_index];
	json_t *o = json_object();

	json_object_set_new(o, "n", jcount(n));
	json_object_set_new(o, "test", json_string(rfc2544_kind_name(t->kind)));
	size_name_fields(o, sr, t->frame_size, "size");
	if (t->kind == TRIAL_B2B) {
		json_object_set_new(o, "burst_frames", jcount(t->burst_frames));
		json_object_set_new(o, "repetition", json_integer(t->repeat));
	} else {
		json_object_set_new(o, "rate_pps", jnum(t->target_pps));
	}
	if (t->kind == TRIAL_LOSS)
		json_object_set_new(o, "pct_line", jnum(t->pct_line));
	if (t->kind == TRIAL_LATENCY)
		json_object_set_new(o, "repetition", json_integer(t->repeat));
	if (t->kind == TRIAL_THROUGHPUT || t->kind == TRIAL_B2B) {
		json_object_set_new(o, "phase",
				    json_string(search_phase_name(t->phase)));
		json_object_set_new(o, "pass",
				    json_boolean(t->pass[SEARCH_NDR]));
		json_object_set_new(o, "lower", jnum(t->lower[SEARCH_NDR]));
		json_object_set_new(o, "upper", jupper(t->upper[SEARCH_NDR]));
	}
	if (t->kind == TRIAL_THROUGHPUT) {
		json_object_set_new(
			o, "goal",
			json_string(t->goal == SEARCH_NDR ? "ndr" : "pdr"));
		json_object_set_new(o, "pass_pdr",
				    json_boolean(t->pass[SEARCH_PDR]));
		json_object_set_new(o, "pdr_lower", jnum(t->lower[SEARCH_PDR]));
		json_object_set_new(o, "pdr_upper",
				    jupper(t->upper[SEARCH_PDR]));
	}
	json_object_set_new(o, "counted", json_boolean(t->counted));
	json_object_set_new(o, "sender_short", json_boolean(t->sender_short));
	json_object_set_new(o, "stalled", json_boolean(t->stalled));
	json_object_set_new(o, "disturbed", t->disturbed[0] ?
						    json_string(t->disturbed) :
						    json_null());
	json_object_set_new(o, "pacing", pacing_json(&t->res.pacing));
	result_fields(o, &t->res);
	json_object_set_new(o, "latency_ns", latency_json(&t->res.latency));
	json_object_set_new(o, "elapsed_s", jnum(t->elapsed_s));
	return o;
}

json_t *rfc2544_json(const struct rfc2544_run *run)
{
	static const char *const test_names[] = {"throughput", "latency",
						 "loss", "back-to-back"};
	const struct rfc2544_config *c = &run->cfg;
	json_t *doc = json_object(), *cfg = json_object(), *a;
	json_t *runner = json_object();
	char rate[64];

	json_object_set_new(doc, "linerate", json_string("1"));
	json_object_set_new(doc, "test", json_string("rfc2544"));
	json_object_set_new(doc, "complete", json_boolean(run->complete));
	if (!run->complete)
		json_object_set_new(doc, "error", json_string(run->error));
	json_object_set_new(doc, "start_time", json_string(run->start_time));
	json_object_set_new(
		runner, "name",
		json_string(run->runner ? run->runner->ops->name : ""));
	json_object_set_new(
		runner, "description",
		json_string(run->runner ? run->runner->description : ""));
	json_object_set_new(
		runner, "backend",
		json_string(run->runner ? run->runner->backend : ""));
	json_object_set_new(doc, "runner", runner);
	a = json_array();
	/* A size as a number, a mix as its name. */
	for (unsigned int i = 0; i < c->nsizes; i++)
		json_array_append_new(
			a, c->sizes[i].mix.count ?
				   json_string(c->sizes[i].mix.text) :
				   json_integer(c->sizes[i].frame_size));
	json_object_set_new(cfg, "frame_sizes", a);
	a = json_array();
	for (unsigned int k = 0; k < 4; k++)
		if (c->tests & (1u << k))
			json_array_append_new(a, json_string(test_names[k]));
	json_object_set_new(cfg, "tests", a);
	json_object_set_new(cfg, "trial_s", jnum((double)c->trial_ns / 1e9));
	json_object_set_new(cfg, "warmup_s", jnum((double)c->warmup_ns / 1e9));
	json_object_set_new(cfg, "drain_s", jnum((double)c->drain_ns / 1e9));
	json_object_set_new(cfg, "ndr_loss_ratio", jnum(c->ndr_loss));
	json_object_set_new(cfg, "pdr_loss_ratio", jnum(c->pdr_loss));
	json_object_set_new(cfg, "resolution", jnum(c->resolution));
	json_object_set_new(
		cfg, "min_rate",
		json_string(rate_format(&c->min_rate, rate, sizeof(rate))));
	json_object_set_new(cfg, "max_trials", json_integer(c->max_trials));
	json_object_set_new(cfg, "b2b_trials", json_integer(c->b2b_trials));
	json_object_set_new(cfg, "latency_trials",
			    json_integer(c->latency_trials));
	json_object_set_new(cfg, "b2b_max_s",
			    jnum((double)c->b2b_max_ns / 1e9));
	json_object_set_new(cfg, "quick", json_boolean(c->quick));
	json_object_set_new(cfg, "catch_up", json_string(c->catch_up));
	json_object_set_new(cfg, "direction",
			    json_string(c->direction[0] ? c->direction :
							  "forward"));
	json_object_set_new(cfg, "stall_limit_s",
			    jnum((double)c->stall_limit_ns / 1e9));
	json_object_set_new(doc, "config", cfg);
	json_object_set_new(doc, "line_rate_bps", jcount(run->line_rate_bps));
	json_object_set_new(doc, "line_rate_source",
			    json_string(run->line_rate_source));
	json_object_set_new(
		doc, "bps_layers",
		json_string("mbps_l1 counts preamble, SFD and "
			    "inter-frame gap (20 B per frame); "
			    "mbps_l2 the Ethernet frame incl. FCS"));
	a = json_array();
	for (unsigned int i = 0; i < c->nsizes; i++)
		json_array_append_new(a, size_json(run, &run->sizes[i]));
	json_object_set_new(doc, "results", a);
	a = json_array();
	for (size_t n = 0; n < run->ntrials; n++)
		json_array_append_new(a,
				      trial_json(run, &run->trials[n], n + 1));
	json_object_set_new(doc, "trials", a);
	/* Every repeat and why: the trials that did not count. */
	a = json_array();
	for (size_t n = 0; n < run->ntrials; n++) {
		const struct rfc2544_trial *t = &run->trials[n];
		json_t *r;

		if (t->counted)
			continue;
		r = json_object();
		json_object_set_new(r, "trial", jcount(n + 1));
		json_object_set_new(r, "reason", json_string(t->disturbed));
		json_array_append_new(a, r);
	}
	json_object_set_new(doc, "repeats", a);
	return doc;
}

/* ------------------------------------------------------- CSV */

/* A size as a number; a mix by its name, quoted (it may hold commas). */
static void csv_name(FILE *f, const struct rfc2544_size_result *sr)
{
	if (sr->mix.count)
		fprintf(f, "\"%s\"", sr->mix.text);
	else
		fprintf(f, "%u", sr->frame_size);
}

static void csv_value(FILE *f, bool have, double v, const char *fmt)
{
	fputc(',', f);
	if (have)
		fprintf(f, fmt, v);
}

int rfc2544_write_csv(const char *path, const struct rfc2544_run *run,
		      struct lr_err *err)
{
	const struct rfc2544_config *c = &run->cfg;
	FILE *f = fopen(path, "we");

	if (!f) {
		return lr_err_set_verbatim(err, -errno, "csv",
					   "--csv: cannot write %s: %s", path,
					   strerror(errno));
	}
	fprintf(f, "frame_size,line_rate_pps,ndr_pps,ndr_mbps_l1,ndr_pct_line,"
		   "pdr_pps,pdr_mbps_l1,pdr_pct_line,latency_type,"
		   "latency_p50_ns,latency_p90_ns,latency_p99_ns,"
		   "latency_p999_ns,latency_max_ns,b2b_frames_mean,"
		   "b2b_frames_min,b2b_frames_max");
	for (unsigned int k = 0; k < RFC2544_LOSS_STEPS; k++)
		fprintf(f, ",loss_pct_at_%u", 100 - 10 * k);
	fprintf(f, ",mean_frame_size\n");
	for (unsigned int i = 0; i < c->nsizes; i++) {
		const struct rfc2544_size_result *sr = &run->sizes[i];
		const struct trial_latency *l = &sr->latency.latency;
		bool t = sr->throughput_done, lat = latency_shown(sr);
		double mean, min, max;

		csv_name(f, sr);
		fprintf(f, ",%.0f", sr->line_pps);
		for (int g = 0; g < SEARCH_MAX_GOALS; g++) {
			double pps = sr->goal[g].result;

			csv_value(f, t, pps, "%.0f");
			csv_value(f, t, mbps_l1(sr, pps), "%.3f");
			csv_value(f, t, pct_of_line(sr, pps), "%.4f");
		}
		fprintf(f, ",%s", lat ? l->type : "");
		csv_value(f, lat, (double)l->p50, "%.0f");
		csv_value(f, lat, (double)l->p90, "%.0f");
		csv_value(f, lat, (double)l->p99, "%.0f");
		csv_value(f, lat, (double)l->p999, "%.0f");
		csv_value(f, lat, (double)l->max, "%.0f");
		b2b_stats(sr, &mean, &min, &max);
		csv_value(f, sr->nb2b, mean, "%.0f");
		csv_value(f, sr->nb2b, min, "%.0f");
		csv_value(f, sr->nb2b, max, "%.0f");
		for (unsigned int k = 0; k < RFC2544_LOSS_STEPS; k++)
			csv_value(f, k < sr->nloss,
				  sr->loss[k].res.loss_ratio * 100, "%.4f");
		fprintf(f, ",%.2f\n", sr->mean_size);
	}
	if (fclose(f))
		return lr_err_set_verbatim(err, -EIO, "csv",
					   "--csv: cannot write %s: %s", path,
					   strerror(errno));
	return 0;
}

/* ------------------------------------------------------- plot */

static const char *extension(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot && !strchr(dot, '/') ? dot + 1 : "";
}

bool rfc2544_plot_format_known(const char *path)
{
	return !strcasecmp(extension(path), "svg") ||
	       !strcasecmp(extension(path), "png");
}

/* gnuplot on the PATH, as an executable file. */
bool rfc2544_gnuplot_available(void)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	bool found = false;

	copy = strdup(path && *path ? path : "/usr/bin:/bin");
	if (!copy)
		return false;
	for (dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char full[4096];

		snprintf(full, sizeof(full), "%s/gnuplot", dir);
		found = !access(full, X_OK);
	}
	free(copy);
	return found;
}

static void write_plot_script(FILE *f, const char *path,
			      const struct rfc2544_run *run)
{
	const struct rfc2544_config *c = &run->cfg;
	bool svg = !strcasecmp(extension(path), "svg");
	bool any_latency = false;

	for (unsigned int i = 0; i < c->nsizes; i++)
		any_latency |= latency_shown(&run->sizes[i]);
	if (svg)
		fprintf(f,
			"set terminal svg size 900,%d dynamic font 'Sans,11' "
			"background rgb 'white'\n",
			any_latency ? 760 : 420);
	else
		fprintf(f, "set terminal pngcairo size 900,%d font 'Sans,10'\n",
			any_latency ? 760 : 420);
	fprintf(f, "set output ");
	gnuplot_quoted(f, path);
	fprintf(f, "\n$t << EOD\n");
	for (unsigned int i = 0; i < c->nsizes; i++) {
		const struct rfc2544_size_result *sr = &run->sizes[i];

		if (!sr->throughput_done)
			continue;
		fprintf(f, "%.2f %.6f %.6f %.6f %.6f\n", sr->mean_size,
			mbps_l1(sr, sr->goal[SEARCH_NDR].result),
			mbps_l1(sr, sr->goal[SEARCH_PDR].result),
			sr->goal[SEARCH_NDR].result / 1e3,
			sr->goal[SEARCH_PDR].result / 1e3);
	}
	fprintf(f, "EOD\n$l << EOD\n");
	for (unsigned int i = 0; i < c->nsizes; i++) {
		const struct rfc2544_size_result *sr = &run->sizes[i];
		const struct trial_latency *l = &sr->latency.latency;

		if (!latency_shown(sr))
			continue;
		/* Log scale: a 0 would not plot; 1 ns is below anything real. */
		fprintf(f, "%.2f %.3f %.3f %.3f %.3f %.3f\n", sr->mean_size,
			fmax((double)l->p50, 1) / 1e3,
			fmax((double)l->p90, 1) / 1e3,
			fmax((double)l->p99, 1) / 1e3,
			fmax((double)l->p999, 1) / 1e3,
			fmax((double)l->max, 1) / 1e3);
	}
	fprintf(f, "EOD\n");
	fprintf(f, "set logscale x 2\nset xtics (");
	/* A mix sits at its mean size, labelled with its name. */
	for (unsigned int i = 0; i < c->nsizes; i++) {
		char name[SIZEMIX_TEXT_LEN];

		fprintf(f, "%s", i ? ", " : "");
		gnuplot_quoted(f, rfc2544_row_name(&run->sizes[i], name,
						   sizeof(name)));
		fprintf(f, " %.2f", run->sizes[i].mean_size);
	}
	fprintf(f, ")\nset xrange [%.2f*0.85:%.2f*1.15]\n",
		run->sizes[0].mean_size, run->sizes[c->nsizes - 1].mean_size);
	fprintf(f, "set grid\nset key outside right top vertical\n");
	if (any_latency)
		fprintf(f, "set multiplot layout 2,1\n");
	fprintf(f, "set title 'RFC 2544 throughput (%s)' noenhanced\n",
		run->runner ? run->runner->description : "");
	fprintf(f, "set xlabel 'frame size (bytes, incl. FCS)'\n"
		   "set ylabel 'Mbit/s (L1)'\nset y2label 'kpps'\n"
		   "set ytics nomirror\nset y2tics\nset yrange [0:*]\n"
		   "set y2range [0:*]\n");
	fprintf(f, "plot $t using 1:2 axes x1y1 with linespoints lw 2 pt 7 "
		   "title 'NDR Mbit/s', "
		   "$t using 1:3 axes x1y1 with linespoints lw 1 pt 6 "
		   "title 'PDR Mbit/s', "
		   "$t using 1:4 axes x1y2 with linespoints lw 2 pt 5 "
		   "title 'NDR kpps'\n");
	if (any_latency) {
		fprintf(f, "unset y2label\nunset y2tics\nset ytics mirror\n"
			   "set logscale y 10\nset yrange [*:*]\n"
			   "set title 'one-way latency at the NDR rate'\n"
			   "set ylabel 'microseconds'\n");
		fprintf(f, "plot $l using 1:2 with linespoints lw 2 pt 7 "
			   "title 'p50', "
			   "$l using 1:3 with linespoints pt 5 title 'p90', "
			   "$l using 1:4 with linespoints pt 9 title 'p99', "
			   "$l using 1:5 with linespoints pt 11 title 'p99.9', "
			   "$l using 1:6 with linespoints pt 6 "
			   "title 'max'\n");
		fprintf(f, "unset multiplot\n");
	}
}

struct plot_args {
	const char *path;
	const struct rfc2544_run *run;
};

static void plot_script(FILE *f, void *arg)
{
	const struct plot_args *p = arg;

	write_plot_script(f, p->path, p->run);
}

int rfc2544_plot(const char *path, const struct rfc2544_run *run,
		 struct lr_err *err)
{
	struct plot_args p = {.path = path, .run = run};
	bool any = false;

	for (unsigned int i = 0; i < run->cfg.nsizes; i++)
		any |= run->sizes[i].throughput_done;
	if (!any)
		return lr_err_set(err, -ENODATA, "plot",
				  "--plot: no throughput results to plot");
	return gnuplot_run("--plot", plot_script, &p, err);
}
