// SPDX-License-Identifier: MIT
/*
 * What `linerate hookcost` prints: per configuration and metric the median
 * of the repeats, their spread, and the difference to "none". A difference
 * no larger than the run-to-run spread (the larger of the two ranges
 * compared) is called "within noise": the runs of one configuration
 * already differ that much among themselves.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "hookcost/hookcost_internal.h"

static const char *const config_names[HC_CONFIGS] = {
	[HC_NONE] = "none",
	[HC_XDP_GENERIC] = "xdp-generic",
	[HC_XDP_NATIVE] = "xdp-native",
	[HC_TC] = "tc",
};

const char *hc_config_name(enum hc_config c)
{
	return c < HC_CONFIGS ? config_names[c] : "?";
}

int hc_config_parse(const char *name, enum hc_config *out)
{
	for (int i = 0; i < HC_CONFIGS; i++)
		if (!strcmp(name, config_names[i])) {
			*out = (enum hc_config)i;
			return 0;
		}
	return -EINVAL;
}

struct metric_doc {
	const char *key; /* JSON and CSV */
	const char *label; /* text */
	const char *unit;
	double scale; /* text shows value / scale */
	const char *text_unit;
	int decimals;
};

static const struct metric_doc metric_docs[HC_METRICS] = {
	[HC_M_SOCK_PPS] = {"socket_rx_pps", "rx at socket", "pps", 1e6, "Mpps",
			   3},
	[HC_M_IFACE_PPS] = {"iface_rx_pps", "rx at interface", "pps", 1e6,
			    "Mpps", 3},
	[HC_M_GBPS] = {"socket_gbps_l1", "socket Gbit/s L1", "Gbit/s", 1,
		       "Gb/s", 3},
	[HC_M_LOSS] = {"loss_pct", "loss at fixed rate", "%", 1, "%", 3},
	[HC_M_RTT_P50] = {"rtt_p50_us", "rtt p50", "us", 1, "us", 1},
	[HC_M_RTT_P99] = {"rtt_p99_us", "rtt p99", "us", 1, "us", 1},
	[HC_M_TCP_GBPS] = {"tcp_gbps", "tcp Gbit/s", "Gbit/s", 1, "Gb/s", 3},
};

const char *hc_metric_name(enum hc_metric m)
{
	return m < HC_METRICS ? metric_docs[m].key : "?";
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Linear interpolation between closest ranks of sorted v[0..n-1]. */
static double quantile(const double *v, unsigned int n, double q)
{
	double pos = q * (n - 1);
	unsigned int lo = (unsigned int)pos;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - lo) * (v[lo + 1] - v[lo]);
}

void hc_stat_of(const struct hc_series *s, struct hc_stat *out)
{
	double v[HC_MAX_REPEATS];

	memset(out, 0, sizeof(*out));
	if (!s->n || s->n > HC_MAX_REPEATS)
		return;
	memcpy(v, s->value, s->n * sizeof(v[0]));
	qsort(v, s->n, sizeof(v[0]), cmp_double);
	out->n = s->n;
	out->min = v[0];
	out->max = v[s->n - 1];
	out->median = quantile(v, s->n, 0.5);
	out->q1 = quantile(v, s->n, 0.25);
	out->q3 = quantile(v, s->n, 0.75);
}

struct delta {
	bool valid; /* both sides measured */
	double abs, pct;
	bool pct_valid; /* the baseline is not 0 */
	int within_noise; /* 1, 0, or -1 for "cannot tell" (one repeat) */
};

static void delta_of(const struct hc_stat *base, const struct hc_stat *st,
		     struct delta *d)
{
	double noise;

	memset(d, 0, sizeof(*d));
	d->within_noise = -1;
	if (!base->n || !st->n)
		return;
	d->valid = true;
	d->abs = st->median - base->median;
	d->pct_valid = base->median != 0;
	d->pct = d->pct_valid ? 100.0 * d->abs / fabs(base->median) : 0;
	if (base->n < 2 || st->n < 2)
		return;
	noise = fmax(base->max - base->min, st->max - st->min);
	d->within_noise = fabs(d->abs) <= noise;
}

static bool metric_shown(const struct hc_result *r, enum hc_metric m)
{
	return m != HC_M_TCP_GBPS || r->tcp;
}

/* ------------------------------------------------------------ text */

static void print_setup(FILE *out, const struct hc_setup *s)
{
	fprintf(out,
		"linerate hookcost: %s\n"
		"far end: %s, source backend %s\n"
		"%u-byte frames; %u repeat(s), %.1f s per run; fixed rate %s; "
		"ping %s%s%s\n",
		s->target, s->far_end, s->source_backend, s->frame_size,
		s->repeats, (double)s->duration_ns / NSEC_PER_SEC,
		s->fixed_rate, s->ping_rate, s->tcp_tool[0] ? "; tcp " : "",
		s->tcp_tool);
	if (s->interrupted)
		fprintf(out, "INTERRUPTED: the figures cover the runs "
			     "finished before the signal\n");
}

static void fmt_value(char *buf, size_t len, enum hc_metric m, double v)
{
	const struct metric_doc *d = &metric_docs[m];

	snprintf(buf, len, "%.*f %s", d->decimals, v / d->scale, d->text_unit);
}

static void fmt_delta(char *buf, size_t len, enum hc_metric m,
		      const struct delta *d)
{
	const struct metric_doc *doc = &metric_docs[m];
	char pct[32] = "";

	if (!d->valid) {
		snprintf(buf, len, "-");
		return;
	}
	if (d->pct_valid)
		snprintf(pct, sizeof(pct), " (%+.1f%%)", d->pct);
	snprintf(buf, len, "%+.*f %s%s%s", doc->decimals, d->abs / doc->scale,
		 m == HC_M_LOSS ? "pp" : doc->text_unit, pct,
		 d->within_noise == 1 ? " within noise" : "");
}

void hc_report_text(FILE *out, const struct hc_setup *setup,
		    const struct hc_result *r)
{
	struct hc_stat base[HC_METRICS];

	print_setup(out, setup);
	for (int m = 0; m < HC_METRICS; m++)
		hc_stat_of(&r->series[HC_NONE][m], &base[m]);

	fprintf(out, "\n%-12s %-18s %12s  %-19s %s\n", "config", "metric",
		"median", "min..max", "delta vs none");
	for (int c = 0; c < HC_CONFIGS; c++) {
		if (!r->enabled[c])
			continue;
		if (r->skipped[c]) {
			fprintf(out, "%-12s skipped: %s\n", hc_config_name(c),
				r->note[c]);
			continue;
		}
		for (int m = 0; m < HC_METRICS; m++) {
			char med[32], lo[32], hi[32], range[72], dl[64];
			struct hc_stat st;
			struct delta d;

			if (!metric_shown(r, m))
				continue;
			hc_stat_of(&r->series[c][m], &st);
			if (!st.n) {
				fprintf(out, "%-12s %-18s %12s\n",
					m ? "" : hc_config_name(c),
					metric_docs[m].label, "no data");
				continue;
			}
			fmt_value(med, sizeof(med), m, st.median);
			snprintf(lo, sizeof(lo), "%.*f",
				 metric_docs[m].decimals,
				 st.min / metric_docs[m].scale);
			snprintf(hi, sizeof(hi), "%.*f",
				 metric_docs[m].decimals,
				 st.max / metric_docs[m].scale);
			snprintf(range, sizeof(range), "%s..%s", lo, hi);
			if (c == HC_NONE) {
				snprintf(dl, sizeof(dl), "(baseline)");
			} else {
				delta_of(&base[m], &st, &d);
				fmt_delta(dl, sizeof(dl), m, &d);
			}
			fprintf(out, "%-12s %-18s %12s  %-19s %s\n",
				m ? "" : hc_config_name(c),
				metric_docs[m].label, med, range, dl);
		}
	}
	for (int c = HC_XDP_GENERIC, shown = 0; c < HC_CONFIGS; c++)
		if (r->enabled[c] && !r->skipped[c])
			fprintf(out, "%s %s=%s (%s)",
				shown++ ? "" : "\nprograms:", hc_config_name(c),
				r->program[c], r->mode[c]);
	fprintf(out, "\nwithin noise: the difference of the medians is not "
		     "larger than the spread (max-min) of either side\n");
}

/* ------------------------------------------------------------ JSON */

/* JSON has no NaN: a missing figure is null. */
static json_t *num_or_null(bool valid, double v)
{
	return valid && isfinite(v) ? json_real(v) : json_null();
}

static json_t *metric_json(const struct hc_result *r, int c, int m,
			   const struct hc_stat *base)
{
	const struct hc_series *s = &r->series[c][m];
	json_t *o, *values;
	struct hc_stat st;
	struct delta d;

	hc_stat_of(s, &st);
	values = json_array();
	for (unsigned int i = 0; values && i < s->n; i++)
		json_array_append_new(values, json_real(s->value[i]));
	delta_of(&base[m], &st, &d);
	if (c == HC_NONE)
		d.valid = d.pct_valid = false, d.within_noise = -1;
	o = json_pack(
		"{s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
		"s:o}",
		"unit", metric_docs[m].unit, "repeats", (int)st.n, "median",
		num_or_null(st.n, st.median), "min", num_or_null(st.n, st.min),
		"max", num_or_null(st.n, st.max), "q1",
		num_or_null(st.n, st.q1), "q3", num_or_null(st.n, st.q3),
		"values", values ? values : json_array(), "delta",
		num_or_null(d.valid, d.abs), "delta_pct",
		num_or_null(d.pct_valid && d.valid, d.pct), "within_noise",
		d.within_noise < 0 ? json_null() :
				     json_boolean(d.within_noise));
	return o;
}

int hc_report_json(FILE *out, const struct hc_setup *s,
		   const struct hc_result *r)
{
	struct hc_stat base[HC_METRICS];
	json_t *root, *configs;
	int err = 0;

	for (int m = 0; m < HC_METRICS; m++)
		hc_stat_of(&r->series[HC_NONE][m], &base[m]);
	configs = json_array();
	for (int c = 0; configs && c < HC_CONFIGS; c++) {
		json_t *cfg, *metrics;

		if (!r->enabled[c])
			continue;
		metrics = json_object();
		for (int m = 0; metrics && !r->skipped[c] && m < HC_METRICS;
		     m++)
			if (metric_shown(r, m))
				json_object_set_new(metrics, metric_docs[m].key,
						    metric_json(r, c, m, base));
		cfg = json_pack("{s:s, s:s?, s:s?, s:b, s:s, s:o}", "name",
				hc_config_name(c), "program",
				c == HC_NONE ? NULL : r->program[c], "mode",
				c == HC_NONE ? NULL : r->mode[c], "skipped",
				r->skipped[c], "note", r->note[c], "metrics",
				metrics ? metrics : json_object());
		json_array_append_new(configs, cfg);
	}
	root = json_pack(
		"{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:i, s:i, s:f, "
		"s:s, s:s, s:s?}, s:b, s:o}",
		"linerate", "1", "role", "hookcost", "setup", "target",
		s->target, "interface", s->ifname, "far_end", s->far_end,
		"source_backend", s->source_backend, "frame_size",
		(int)s->frame_size, "repeats", (int)s->repeats, "duration_s",
		(double)s->duration_ns / NSEC_PER_SEC, "fixed_rate",
		s->fixed_rate, "ping_rate", s->ping_rate, "tcp",
		s->tcp_tool[0] ? s->tcp_tool : NULL, "interrupted",
		s->interrupted, "configs", configs ? configs : json_array());
	if (!root)
		return -ENOMEM;
	if (json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10)))
		err = -EIO;
	else
		fputc('\n', out);
	json_decref(root);
	return err;
}

/* ------------------------------------------------------------ CSV */

int hc_report_csv(FILE *out, const struct hc_setup *s,
		  const struct hc_result *r)
{
	struct hc_stat base[HC_METRICS];

	(void)s;
	for (int m = 0; m < HC_METRICS; m++)
		hc_stat_of(&r->series[HC_NONE][m], &base[m]);
	fprintf(out, "config,program,mode,metric,unit,repeats,median,min,max,"
		     "q1,q3,delta,delta_pct,within_noise\n");
	for (int c = 0; c < HC_CONFIGS; c++) {
		if (!r->enabled[c] || r->skipped[c])
			continue;
		for (int m = 0; m < HC_METRICS; m++) {
			struct hc_stat st;
			struct delta d;

			if (!metric_shown(r, m))
				continue;
			hc_stat_of(&r->series[c][m], &st);
			delta_of(&base[m], &st, &d);
			if (c == HC_NONE)
				d.valid = false, d.within_noise = -1;
			fprintf(out, "%s,%s,%s,%s,%s,%u,", hc_config_name(c),
				c == HC_NONE ? "" : r->program[c],
				c == HC_NONE ? "" : r->mode[c],
				metric_docs[m].key, metric_docs[m].unit, st.n);
			if (st.n)
				fprintf(out, "%.6g,%.6g,%.6g,%.6g,%.6g,",
					st.median, st.min, st.max, st.q1,
					st.q3);
			else
				fprintf(out, ",,,,,");
			if (d.valid)
				fprintf(out, "%.6g,", d.abs);
			else
				fprintf(out, ",");
			if (d.valid && d.pct_valid)
				fprintf(out, "%.3f,", d.pct);
			else
				fprintf(out, ",");
			fprintf(out, "%s\n",
				d.within_noise < 0 ? "" :
				d.within_noise	   ? "true" :
						     "false");
		}
	}
	return ferror(out) ? -EIO : 0;
}
