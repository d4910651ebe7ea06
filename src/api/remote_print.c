// SPDX-License-Identifier: MIT
/*
 * A client run's result (remote.h) as text or as one JSON document: the
 * far end's reports side by side with the near end's, and the clock
 * offset the one-way figures depend on.
 */
#include <stdio.h>

#include "api/remote.h"
#include "lib/report.h"

static void print_remote_text(FILE *out, const char *title, json_t *rep,
			      const struct test_spec *sp)
{
	json_t *rx = json_object_get(rep, "rx"),
	       *tx = json_object_get(rep, "tx");
	json_t *lat = json_object_get(rep, "latency_ns");
	char a[32], b[32], c[32];

	fprintf(out, "%s:\n", title);
	if (tx)
		fprintf(out, "  sent       %lld packets  %.0f pps\n",
			json_integer_value(json_object_get(tx, "packets")),
			json_number_value(json_object_get(tx, "pps")));
	if (rx) {
		fprintf(out, "  received   %lld packets  %.0f pps",
			json_integer_value(json_object_get(rx, "packets")),
			json_number_value(json_object_get(rx, "pps")));
		/* null: the far end did not measure it (never print 0). */
		if (!json_is_integer(json_object_get(rx, "lost")))
			fprintf(out, "  loss not measured\n");
		else if (!json_is_number(json_object_get(rx, "loss_ratio")))
			fprintf(out, "  lost %lld\n",
				json_integer_value(
					json_object_get(rx, "lost")));
		else
			fprintf(out,
				"  lost %lld (%.4f%%)  reordered %lld  "
				"duplicates %lld\n",
				json_integer_value(json_object_get(rx, "lost")),
				100 * json_number_value(json_object_get(
					      rx, "loss_ratio")),
				json_integer_value(
					json_object_get(rx, "reordered")),
				json_integer_value(
					json_object_get(rx, "duplicates")));
	}
	if (json_object_get(rep, "reflected"))
		fprintf(out, "  reflected  %lld packets\n",
			json_integer_value(json_object_get(rep, "reflected")));
	if (lat && json_integer_value(json_object_get(lat, "count"))) {
		bool valid = json_is_true(json_object_get(lat, "valid"));

		fprintf(out, "  %s p50 %s  p99 %s  max %s",
			valid ? "one-way" : "transit*",
			report_format_ns((double)json_integer_value(
						 json_object_get(lat, "p50")),
					 a, sizeof(a)),
			report_format_ns((double)json_integer_value(
						 json_object_get(lat, "p99")),
					 b, sizeof(b)),
			report_format_ns((double)json_integer_value(
						 json_object_get(lat, "max")),
					 c, sizeof(c)));
		if (valid)
			fprintf(out, "  (clock offset known to +/- %s)\n",
				report_format_ns(
					(double)json_integer_value(
						json_object_get(lat,
								"error_ns")),
					a, sizeof(a)));
		else
			fprintf(out, "\n  * not one-way: the clock offset is "
				     "not known well enough\n");
	}
	(void)sp;
}

static void print_text(const struct remote_config *run,
		       const struct remote_result *rs, FILE *out)
{
	const struct test_spec *sp = &run->spec;
	json_t *local_tx = rs->local_tx, *local_rx = rs->local_rx;
	json_t *far_rx = rs->far_rx, *far_tx = rs->far_tx;

	if (run->mode == REMOTE_BIDIR) {
		if (local_tx)
			print_remote_text(out, "client -> server: we sent",
					  local_tx, sp);
		if (far_rx)
			print_remote_text(
				out, "client -> server: the server received",
				far_rx, sp);
		if (far_tx)
			print_remote_text(out,
					  "server -> client: the server sent",
					  far_tx, sp);
		if (local_rx)
			print_remote_text(out, "server -> client: we received",
					  local_rx, sp);
	} else if (run->mode == REMOTE_FORWARD && far_rx) {
		print_remote_text(out, "server (receiver)", far_rx, sp);
	} else if (run->mode == REMOTE_REVERSE && far_tx) {
		print_remote_text(out, "server (sender)", far_tx, sp);
	} else if (run->mode == REMOTE_RTT && far_rx) {
		print_remote_text(out, "server (reflector)", far_rx, sp);
	}
	if (run->mode != REMOTE_RTT)
		fprintf(out,
			"clock offset (server - client) %+.1f us +/- %.1f us: "
			"one-way figures %s\n",
			(double)rs->offset_ns / 1e3, (double)rs->error_ns / 1e3,
			rs->one_way_valid ? "valid" :
					    "NOT valid (offset too uncertain)");
	fflush(out);
}

/* A side's report under the name of the role it played; a side that
 * reported nothing is left out. */
static void set_side(json_t *doc, const char *key, json_t *side)
{
	if (side)
		json_object_set(doc, key, side);
}

static void print_json(const struct remote_config *run, const char *server,
		       const struct remote_result *rs, bool ok, FILE *out)
{
	const struct test_spec *sp = &run->spec;
	json_t *local_tx = rs->local_tx, *local_rx = rs->local_rx;
	json_t *far_rx = rs->far_rx, *far_tx = rs->far_tx;
	json_t *doc = json_object(), *clock = json_object(),
	       *sum = json_object();
	bool rtt = run->mode == REMOTE_RTT;

	json_object_set_new(doc, "server", json_string(server));
	json_object_set_new(doc, "mode",
			    json_string(remote_mode_names[run->mode]));
	json_object_set_new(clock, "offset_ns", json_integer(rs->offset_ns));
	json_object_set_new(clock, "error_ns",
			    json_integer((json_int_t)rs->error_ns));
	json_object_set_new(clock, "max_error_ns",
			    json_integer((json_int_t)run->max_clock_error_ns));
	json_object_set_new(clock, "one_way_valid",
			    json_boolean(rs->one_way_valid));
	json_object_set_new(doc, "clock", clock);
	set_side(doc, rtt ? "local_ping" : "local_send", local_tx);
	set_side(doc, "local_recv", local_rx);
	set_side(doc, rtt ? "server_reflect" : "server_sink", far_rx);
	set_side(doc, "server_source", far_tx);
	if (local_tx && far_rx && !rtt)
		json_object_set_new(sum, "client_to_server",
				    remote_direction_json(local_tx, far_rx));
	if (far_tx && local_rx)
		json_object_set_new(sum, "server_to_client",
				    remote_direction_json(far_tx, local_rx));
	json_object_set_new(doc, "summary", sum);
	json_object_set_new(doc, "ok", json_boolean(ok));
	json_object_set_new(doc, "final", json_true());
	report_json_print(out, doc, sp->output == OUTPUT_JSON_STREAM);
	json_decref(doc);
}

void remote_result_print(const struct remote_config *run, const char *server,
			 const struct remote_result *rs, bool ok, FILE *out)
{
	if (run->spec.output == OUTPUT_TEXT)
		print_text(run, rs, out);
	else
		print_json(run, server, rs, ok, out);
}
