/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_REPORT_H
#define LINERATE_REPORT_H

/*
 * Reports: live interval lines and a final summary, as text for people,
 * JSON (one document), NDJSON (one object per interval, then the final)
 * and CSV (one row per interval). The field names are documented in
 * docs/json.md; scripts rely on them.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "lib/exit_code.h"
#include "lib/spec.h"
#include "lib/stats.h"

struct report_ctx {
	const struct test_spec *spec;
	const char *command; /* NULL: the role's name */
	const char *backend_name;
	const char *backend_mode;
	const char *backend_note; /* why a faster path was not used, or NULL */
	double target_pps; /* 0: max */
	uint32_t queues; /* workers (one per queue) */
	uint64_t start_mono_ns;
	uint64_t start_real_ns;
	const char *clock; /* clock of the probe timestamps */
	bool one_way_valid;
	uint64_t one_way_error_ns; /* bound of the clock offset; 0: exact */
	const char *one_way_note;
	const char *kernel_stats; /* "name=value ..." from the backend, or NULL */
	unsigned int unmeasured; /* STATS_NO_* of the backend */
	bool bypass_watched; /* rx_bypassed was counted (raw receivers) */
	const char *failure; /* why the run's traffic failed, or NULL */
	/* The final report's per-flow results (flowreport.h), or NULL when
	 * the backend does not track flows in user space. */
	struct flow_result *per_flow;
	size_t per_flow_count;
	const char *per_flow_note; /* the per-flow view's limits, or NULL */
	/* Senders, final report: frames the interface dropped on transmit
	 * over the test (tx_if_dropped_from names the counter); false: not
	 * measured. */
	bool has_tx_if_dropped;
	uint64_t tx_if_dropped;
	const char *tx_if_dropped_from;
	json_t *intervals; /* array the final JSON includes, may be NULL */
	uint64_t intervals_dropped;
};

#define REPORT_MAX_INTERVALS 3600

/* A JSON object for the snapshot s covering `seconds` of traffic. */
json_t *report_json(const struct report_ctx *ctx,
		    const struct stats_snapshot *s, double seconds, bool final);
/* The interval object (what --json-stream prints per line). */
json_t *report_interval_json(const struct report_ctx *ctx,
			     const struct stats_snapshot *delta, double from_s,
			     double to_s);
/* Print compactly on one line (NDJSON) or indented; 0 or -errno. */
int report_json_print(FILE *out, json_t *doc, bool one_line);

/*
 * One interval everywhere the spec's output wants it: kept for the final
 * JSON (ctx->intervals, if any, up to REPORT_MAX_INTERVALS, then counted
 * in intervals_dropped), an NDJSON or text line on out, a CSV row on csv
 * (out or csv NULL: not there).
 */
void report_interval_emit(struct report_ctx *ctx, FILE *out, FILE *csv,
			  const struct stats_snapshot *delta, double from_s,
			  double to_s);

void report_text_header(FILE *out, const struct report_ctx *ctx);
void report_text_interval(FILE *out, const struct report_ctx *ctx,
			  const struct stats_snapshot *delta, double from_s,
			  double to_s);
void report_text_final(FILE *out, const struct report_ctx *ctx,
		       const struct stats_snapshot *total, double seconds);


/*
 * Whether a finished run's traffic failed: it sent nothing, received no
 * test packet, or the destination refused it from start to end (the
 * first refusal within a second, or two packet intervals, of tx_start_ns
 * and the last as close to tx_end_ns; a receiver that came up late or
 * left early is not that). Returns true with one line in why.
 */
bool report_traffic_failed(enum role role, const struct stats_counters *c,
			   double target_pps, uint64_t tx_start_ns,
			   uint64_t tx_end_ns, char *why, size_t len);

int report_csv_header(FILE *out, enum role role);
int report_csv_row(FILE *out, const struct report_ctx *ctx,
		   const struct stats_snapshot *delta, double from_s,
		   double to_s);

/* "12.3 us", "1.05 ms", "850 ns" */
const char *report_format_ns(double ns, char *buf, size_t len);

#endif
