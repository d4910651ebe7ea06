// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "clock.h"
#include "log.h"
#include "report.h"
#include "select.h"
#include "session.h"
#include "worker.h"

#define REPORTER_TICK_NS (20 * NSEC_PER_MSEC)

struct reporter {
	struct report_ctx ctx;
	FILE *csv;
	struct stats_snapshot *prev;
	struct stats_snapshot *cur;
	struct stats_snapshot *delta;
	double prev_s;
};

static void emit_interval(struct reporter *r, const struct worker *w,
			  uint64_t now)
{
	const struct test_spec *sp = r->ctx.spec;
	double to_s = (double)(now - w->start_mono_ns) / 1e9;

	stats_snapshot_take(r->cur, &w->stats, now);
	stats_snapshot_delta(r->delta, r->cur, r->prev);
	if (to_s - r->prev_s < 0.001)
		return;
	if (r->ctx.intervals) {
		if (json_array_size(r->ctx.intervals) < REPORT_MAX_INTERVALS)
			json_array_append_new(r->ctx.intervals,
					      report_interval_json(&r->ctx,
								   r->delta,
								   r->prev_s,
								   to_s));
		else
			r->ctx.intervals_dropped++;
	}
	if (sp->output == OUTPUT_JSON_STREAM) {
		json_t *line = json_object();

		json_object_set_new(line, "interval",
				    report_interval_json(&r->ctx, r->delta,
							 r->prev_s, to_s));
		json_object_set_new(line, "final", json_false());
		report_json_print(stdout, line, true);
		json_decref(line);
	} else if (sp->output == OUTPUT_TEXT && !sp->quiet) {
		report_text_interval(stdout, &r->ctx, r->delta, r->prev_s, to_s);
	}
	if (r->csv)
		report_csv_row(r->csv, &r->ctx, r->delta, r->prev_s, to_s);
	memcpy(r->prev, r->cur, sizeof(*r->prev));
	r->prev_s = to_s;
}

/* Seconds the totals cover: a receiver's rates count from its first to
 * its last test packet, not the time it sat waiting. */
static double active_seconds(const struct worker *w)
{
	double total = (double)(w->end_mono_ns - w->start_mono_ns) / 1e9;
	uint64_t last = w->stats.c.last_rx_ns;

	/* A ping's rates are over its sending, not the wait for the last
	 * replies. */
	if (w->spec->role == ROLE_PING && w->tx_end_mono_ns > w->start_mono_ns)
		return (double)(w->tx_end_mono_ns - w->start_mono_ns) / 1e9;
	if (w->spec->role == ROLE_RECV || w->spec->role == ROLE_REFLECT) {
		if (w->rx_first_mono_ns && last > w->rx_first_mono_ns)
			return (double)(last - w->rx_first_mono_ns) / 1e9;
	}
	return total;
}

static void emit_final(struct reporter *r, const struct worker *w)
{
	const struct test_spec *sp = r->ctx.spec;
	double seconds = active_seconds(w);

	stats_snapshot_take(r->cur, &w->stats, mono_ns());
	if (sp->output == OUTPUT_JSON || sp->output == OUTPUT_JSON_STREAM) {
		json_t *doc = report_json(&r->ctx, r->cur, seconds, true);

		report_json_print(stdout, doc, sp->output == OUTPUT_JSON_STREAM);
		json_decref(doc);
	} else {
		report_text_final(stdout, &r->ctx, r->cur, seconds);
	}
}

static int reporter_init(struct reporter *r, const struct test_spec *sp)
{
	memset(r, 0, sizeof(*r));
	r->prev = malloc(sizeof(*r->prev));
	r->cur = malloc(sizeof(*r->cur));
	r->delta = malloc(sizeof(*r->delta));
	if (!r->prev || !r->cur || !r->delta)
		return -ENOMEM;
	stats_snapshot_init(r->prev);
	stats_snapshot_init(r->cur);
	stats_snapshot_init(r->delta);
	if (sp->csv_path) {
		r->csv = fopen(sp->csv_path, "w");
		if (!r->csv) {
			int err = -errno;

			pr_warn("--csv: cannot write %s: %s\n", sp->csv_path,
				strerror(errno));
			return err;
		}
		report_csv_header(r->csv, sp->role);
	}
	if (sp->output == OUTPUT_JSON)
		r->ctx.intervals = json_array();
	return 0;
}

static void reporter_destroy(struct reporter *r)
{
	if (r->csv)
		fclose(r->csv);
	json_decref(r->ctx.intervals);
	free(r->prev);
	free(r->cur);
	free(r->delta);
}

int session_run(const struct test_spec *sp, atomic_bool *stop)
{
	const struct backend_ops *ops;
	struct backend_config cfg;
	struct backend *backend;
	struct reporter rep;
	struct worker *w;
	char note[512], fallback[384], kernel_stats[512];
	const char *mode_note;
	uint64_t next_report;
	int err;

	err = backend_select_open(sp, &ops, &backend, &cfg, fallback,
				  sizeof(fallback));
	if (err)
		return err;
	mode_note = ops->note ? ops->note(backend) : NULL;
	snprintf(note, sizeof(note), "%s%s%s", fallback,
		 fallback[0] && mode_note ? "; " : "", mode_note ? mode_note : "");
	w = aligned_alloc(64, (sizeof(*w) + 63) & ~(size_t)63);
	if (!w) {
		err = -ENOMEM;
		goto out_backend;
	}
	err = worker_init(w, sp, ops, backend, &cfg, stop);
	if (err)
		goto out_free;
	err = reporter_init(&rep, sp);
	if (err)
		goto out_worker;
	rep.ctx.spec = sp;
	rep.ctx.backend_name = ops->name;
	rep.ctx.backend_mode = ops->mode(backend);
	rep.ctx.backend_note = note[0] ? note : NULL;
	rep.ctx.target_pps = w->target_pps;
	rep.ctx.clock = clock_name(CLOCK_REALTIME);
	rep.ctx.one_way_valid = sp->clock_sync == CLOCK_SYNC_HOST;
	rep.ctx.one_way_note =
		rep.ctx.one_way_valid ?
			NULL :
			"one-way figures assume synchronised clocks; pass "
			"--clock-sync host when sender and receiver share "
			"this host's clock";
	rep.ctx.start_real_ns = clock_ns(CLOCK_REALTIME);
	if (sp->output == OUTPUT_TEXT && !sp->quiet)
		report_text_header(stdout, &rep.ctx);

	err = worker_start(w);
	if (err)
		goto out_reporter;
	rep.ctx.start_mono_ns = w->start_mono_ns;
	next_report = rep.ctx.start_mono_ns + sp->interval_ns;
	while (!atomic_load(&w->done)) {
		uint64_t now = mono_ns();

		if (sp->interval_ns && now >= next_report) {
			emit_interval(&rep, w, now);
			next_report += sp->interval_ns;
			if (next_report <= now)
				next_report = now + sp->interval_ns;
		}
		clock_wait_until(now + REPORTER_TICK_NS);
	}
	err = worker_join(w);
	if (ops->kernel_stats &&
	    !ops->kernel_stats(backend, kernel_stats, sizeof(kernel_stats)))
		rep.ctx.kernel_stats = kernel_stats;
	/* The last, partial interval. */
	if (sp->interval_ns)
		emit_interval(&rep, w, w->end_mono_ns);
	emit_final(&rep, w);
	if (err)
		pr_warn("%s: %s\n", role_name(sp->role), strerror(-err));

out_reporter:
	reporter_destroy(&rep);
out_worker:
	worker_destroy(w);
out_free:
	free(w);
out_backend:
	ops->close(backend);
	return err;
}
