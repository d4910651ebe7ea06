/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SESSION_H
#define LINERATE_SESSION_H

#include <stdatomic.h>

#include <jansson.h>
#include <stdio.h>

#include "lib/err.h"
#include "lib/report.h"
#include "lib/spec.h"
#include "lib/stats.h"

/* Run one test from a validated spec on this host, reporting on stdout
 * as the spec says. stop ends it early (signals set it). Returns 0, or
 * -errno when the test could not run, with why in err; when it ran but
 * its traffic failed (report_traffic_failed), failure gets one line, else
 * "". */
int session_run(const struct test_spec *spec, atomic_bool *stop, char *failure,
		size_t failure_len, struct lr_err *err);

/*
 * What a caller that embeds a session (the daemon, the client) sees of it.
 * The callbacks run on the session's own (reporting) thread.
 */
struct session_observer {
	FILE *out; /* where the spec's output goes; NULL: nowhere */
	bool want_final; /* keep the final report in `final` */
	json_t *final; /* the final report (the caller json_decref()s it) */
	bool final_silent; /* keep it, but do not print it to out */
	/* Once, when the workers run (ctx) or the session failed to open
	 * (NULL): a receiver is listening when it is called with ctx. */
	void (*on_started)(void *arg, const struct report_ctx *ctx);
	/* About every live_period_ns (default 250 ms): totals so far. */
	void (*on_live)(void *arg, const struct report_ctx *ctx,
			const struct stats_snapshot *total, double seconds);
	uint64_t live_period_ns;
	void *arg;
	/* After the run: why its traffic failed (also the final JSON's
	 * "failure"), or "". */
	char failure[256];
	/* After a run that returned -errno: why it could not open or run. */
	struct lr_err err;
};

int session_run_observed(const struct test_spec *spec, atomic_bool *stop,
			 struct session_observer *obs);

#endif
