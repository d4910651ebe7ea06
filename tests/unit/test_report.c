// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lib/report.h"

/* 2023-11-14T22:13:20.123Z */
#define START_REAL_NS 1700000000123456789ULL

static struct test_spec spec;
static struct report_ctx ctx;
static struct stats_snapshot snap;

static void setup_role(enum role role)
{
	spec_init(&spec, role);
	if (role == ROLE_SEND || role == ROLE_PING) {
		assert_int_equal(ip_addr_parse("192.0.2.1", &spec.dst), 0);
		spec.dst_port = 5000;
	} else {
		assert_int_equal(ip_addr_parse("192.0.2.5", &spec.listen), 0);
		spec.listen_port = 5001;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.spec = &spec;
	ctx.backend_name = "udp";
	ctx.backend_mode = "sendmmsg/recvmmsg";
	ctx.start_real_ns = START_REAL_NS;
	ctx.clock = "CLOCK_REALTIME";
	ctx.one_way_valid = true;
	stats_snapshot_init(&snap);
}

/* A receiver's view: 990 of 1000 arrived, latencies 1000..1999 ns. */
static void fill_rx(struct stats_snapshot *s)
{
	s->c.rx_packets = 990;
	s->c.rx_bytes = 990 * 64;
	s->c.rx_expected = 1000;
	s->c.rx_lost = 10;
	s->c.rx_reordered = 3;
	s->c.rx_duplicates = 2;
	s->c.rx_corrupt = 1;
	s->c.rx_late = 4;
	s->c.rx_foreign = 5;
	s->c.rx_truncated = 6;
	s->c.rx_malformed = 7;
	s->c.rx_untracked = 8;
	s->c.rx_errors = 9;
	s->c.rx_flows = 2;
	s->c.latency_negative = 11;
	s->c.jitter_rfc3550_ns = 1234;
	for (uint64_t v = 1000; v < 2000; v++)
		hist_record(&s->latency, v);
	for (int i = 0; i < 10; i++) {
		shist_record(&s->ipdv, -50);
		shist_record(&s->ipdv, 70);
		shist_record(&s->pdv, 100 + i);
	}
}

/* A sender's view: 3 M packets of 64 bytes. */
static void fill_tx(struct stats_snapshot *s)
{
	s->c.tx_packets = 3000000;
	s->c.tx_bytes = 3000000ULL * 64;
	s->c.tx_errors = 12;
	s->c.tx_backpressure = 13;
	s->c.reflected = 2999999;
}

/* doc["a"]["b"]... for the path "a.b"; fails the test if it is missing. */
static json_t *jget(json_t *doc, const char *path)
{
	char buf[128], *save = NULL, *key;
	json_t *node = doc;

	snprintf(buf, sizeof(buf), "%s", path);
	for (key = strtok_r(buf, ".", &save); key;
	     key = strtok_r(NULL, ".", &save)) {
		node = json_object_get(node, key);
		if (!node)
			fail_msg("key %s missing (at %s)", path, key);
	}
	return node;
}

static json_int_t jint(json_t *doc, const char *path)
{
	json_t *v = jget(doc, path);

	if (!json_is_integer(v))
		fail_msg("%s is not a JSON integer", path);
	return json_integer_value(v);
}

static double jreal(json_t *doc, const char *path)
{
	json_t *v = jget(doc, path);

	if (!json_is_real(v))
		fail_msg("%s is not a JSON real", path);
	return json_real_value(v);
}

static const char *jstr(json_t *doc, const char *path)
{
	json_t *v = jget(doc, path);

	if (!json_is_string(v))
		fail_msg("%s is not a JSON string", path);
	return json_string_value(v);
}

static void assert_absent(json_t *doc, const char *key)
{
	if (json_object_get(doc, key))
		fail_msg("key %s should not be there", key);
}

/* Every number in the tree is finite. */
static void assert_all_finite(json_t *node, const char *where)
{
	const char *key;
	json_t *value;
	size_t i;

	if (json_is_real(node) && !isfinite(json_real_value(node)))
		fail_msg("%s is not finite", where);
	if (json_is_object(node))
		json_object_foreach(node, key, value)
			assert_all_finite(value, key);
	if (json_is_array(node))
		json_array_foreach(node, i, value)
			assert_all_finite(value, where);
}

/* Serialized as report_json_print does, the text has no nan/inf and
 * parses; at full precision it parses back to the same document. */
static void assert_clean_json(json_t *doc)
{
	size_t flags = JSON_REAL_PRECISION(10) | JSON_PRESERVE_ORDER |
		       JSON_COMPACT;
	json_error_t error;
	char *text;
	json_t *back;

	assert_non_null(doc);
	assert_all_finite(doc, "(root)");
	text = json_dumps(doc, flags);
	assert_non_null(text);
	if (strcasestr(text, "nan") || strcasestr(text, "inf"))
		fail_msg("NaN/Inf in %s", text);
	back = json_loads(text, 0, &error);
	if (!back)
		fail_msg("does not parse back: %s", error.text);
	json_decref(back);
	free(text);

	text = json_dumps(doc, JSON_COMPACT);
	assert_non_null(text);
	back = json_loads(text, 0, &error);
	assert_non_null(back);
	assert_true(json_equal(doc, back));
	json_decref(back);
	free(text);
}

static const char *const rx_counters[] = {
	"packets", "bytes",     "expected",  "lost",	 "reordered",
	"duplicates", "late",   "corrupt",   "foreign",	 "truncated",
	"malformed", "untracked", "errors", "flows",
};

static const char *const tx_counters[] = {
	"packets", "bytes", "errors", "backpressure",
};

static const char *const latency_ints[] = {
	"count", "min", "p50", "p90", "p99", "p999", "max", "negative",
};

static const char *const jitter_ints[] = {
	"rfc3550", "ipdv_p50", "ipdv_p99", "ipdv_min", "ipdv_max",
	"ipdv_samples", "pdv_p50", "pdv_p99", "pdv_p999", "pdv_max",
};

static void assert_integers(json_t *doc, const char *object,
			    const char *const *keys, size_t n)
{
	char path[64];

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s.%s", object, keys[i]);
		(void)jint(doc, path);
	}
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_json_recv(void **state)
{
	json_t *doc;

	(void)state;
	setup_role(ROLE_RECV);
	ctx.backend_note = "afxdp: not built in";
	fill_rx(&snap);
	doc = report_json(&ctx, &snap, 2.0, true);
	assert_non_null(doc);

	assert_string_equal(jstr(doc, "linerate"), "1");
	assert_string_equal(jstr(doc, "role"), "recv");
	assert_true(json_is_true(jget(doc, "final")));
	assert_string_equal(jstr(doc, "backend.name"), "udp");
	assert_string_equal(jstr(doc, "backend.mode"), "sendmmsg/recvmmsg");
	assert_string_equal(jstr(doc, "backend.note"), "afxdp: not built in");
	assert_string_equal(jstr(doc, "start_time"),
			    "2023-11-14T22:13:20.123Z");
	assert_close(jreal(doc, "duration_s"), 2.0, 0);
	assert_string_equal(jstr(doc, "config.listen"), "192.0.2.5");
	assert_int_equal(jint(doc, "config.listen_port"), 5001);
	/* A receiver's frame size is the largest it expects. */
	assert_int_equal(jint(doc, "config.frame_size"), 1518);
	assert_int_equal(jint(doc, "config.flows"), 1);
	assert_int_equal(jint(doc, "config.burst"), 32);
	assert_string_equal(jstr(doc, "config.rate"), "100 kpps");
	assert_absent(jget(doc, "config"), "dst");

	/* A receiver sends nothing. */
	assert_absent(doc, "tx");
	assert_absent(doc, "rtt_ns");
	assert_absent(doc, "reflected");

	assert_int_equal(jint(doc, "rx.packets"), 990);
	assert_int_equal(jint(doc, "rx.bytes"), 990 * 64);
	assert_close(jreal(doc, "rx.pps"), 990 / 2.0, 1e-9);
	/* L1: (bytes + 20 per frame) * 8 / seconds; L2: bytes * 8 / s. */
	assert_close(jreal(doc, "rx.bps_l1"), (990 * 64 + 20 * 990) * 8 / 2.0,
		     1e-6);
	assert_close(jreal(doc, "rx.bps_l1"), 332640, 1e-6);
	assert_close(jreal(doc, "rx.bps_l2"), 253440, 1e-6);
	assert_int_equal(jint(doc, "rx.expected"), 1000);
	assert_int_equal(jint(doc, "rx.lost"), 10);
	assert_close(jreal(doc, "rx.loss_ratio"), 10.0 / 1000, 1e-15);
	assert_int_equal(jint(doc, "rx.reordered"), 3);
	assert_int_equal(jint(doc, "rx.duplicates"), 2);
	assert_int_equal(jint(doc, "rx.corrupt"), 1);
	assert_int_equal(jint(doc, "rx.late"), 4);
	assert_int_equal(jint(doc, "rx.foreign"), 5);
	assert_int_equal(jint(doc, "rx.truncated"), 6);
	assert_int_equal(jint(doc, "rx.malformed"), 7);
	assert_int_equal(jint(doc, "rx.untracked"), 8);
	assert_int_equal(jint(doc, "rx.errors"), 9);
	assert_int_equal(jint(doc, "rx.flows"), 2);

	assert_string_equal(jstr(doc, "latency_ns.type"), "one-way");
	assert_true(json_is_true(jget(doc, "latency_ns.valid")));
	assert_string_equal(jstr(doc, "latency_ns.clock"), "CLOCK_REALTIME");
	assert_int_equal(jint(doc, "latency_ns.count"), 1000);
	assert_int_equal(jint(doc, "latency_ns.min"), 1000);
	assert_int_equal(jint(doc, "latency_ns.max"), 1999);
	assert_int_equal(jint(doc, "latency_ns.negative"), 11);
	assert_close(jreal(doc, "latency_ns.mean"), 1499.5, 1e-9);
	/* Nearest rank 500 of 1000..1999 is 1499, rank 990 is 1989: the
	 * histogram is within 1% and the report passes its figure on. */
	assert_int_equal(jint(doc, "latency_ns.p50"),
			 hist_percentile(&snap.latency, 50));
	assert_in_range(jint(doc, "latency_ns.p50"), 1499 - 15, 1499 + 15);
	assert_int_equal(jint(doc, "latency_ns.p99"),
			 hist_percentile(&snap.latency, 99));
	assert_in_range(jint(doc, "latency_ns.p99"), 1989 - 20, 1989 + 20);
	assert_in_range(jint(doc, "latency_ns.p90"), 1899 - 19, 1899 + 19);
	assert_in_range(jint(doc, "latency_ns.p999"), 1990, 1999);

	assert_int_equal(jint(doc, "jitter_ns.rfc3550"), 1234);
	assert_int_equal(jint(doc, "jitter_ns.ipdv_samples"), 20);
	assert_int_equal(jint(doc, "jitter_ns.ipdv_min"), -50);
	assert_int_equal(jint(doc, "jitter_ns.ipdv_max"), 70);
	assert_int_equal(jint(doc, "jitter_ns.ipdv_p50"), -50);
	assert_int_equal(jint(doc, "jitter_ns.ipdv_p99"), 70);
	/* PDV: transit - min transit, transits 100..109. */
	assert_int_equal(jint(doc, "jitter_ns.pdv_max"), 9);
	assert_int_equal(jint(doc, "jitter_ns.pdv_p50"), 4);

	assert_integers(doc, "rx", rx_counters, ARRAY_SIZE(rx_counters));
	assert_integers(doc, "latency_ns", latency_ints,
			ARRAY_SIZE(latency_ints));
	assert_integers(doc, "jitter_ns", jitter_ints, ARRAY_SIZE(jitter_ints));
	assert_clean_json(doc);
	json_decref(doc);
}

static void test_json_recv_one_way_invalid(void **state)
{
	json_t *doc;

	(void)state;
	setup_role(ROLE_RECV);
	ctx.one_way_valid = false;
	ctx.one_way_note = "sender clock unknown";
	fill_rx(&snap);
	doc = report_json(&ctx, &snap, 1.0, false);
	assert_false(json_is_true(jget(doc, "final")));
	assert_true(json_is_false(jget(doc, "latency_ns.valid")));
	assert_string_equal(jstr(doc, "latency_ns.note"),
			    "sender clock unknown");
	/* No backend note unless one was given. */
	assert_absent(jget(doc, "backend"), "note");
	json_decref(doc);
}

static void test_json_send(void **state)
{
	json_t *doc;

	(void)state;
	setup_role(ROLE_SEND);
	ctx.target_pps = 1.5e6;
	fill_tx(&snap);
	doc = report_json(&ctx, &snap, 2.0, true);

	assert_string_equal(jstr(doc, "role"), "send");
	assert_string_equal(jstr(doc, "config.dst"), "192.0.2.1");
	assert_int_equal(jint(doc, "config.dst_port"), 5000);
	assert_close(jreal(doc, "config.duration_s"), 10.0, 0);
	assert_int_equal(jint(doc, "config.count"), 0);
	assert_int_equal(jint(doc, "tx.packets"), 3000000);
	assert_int_equal(jint(doc, "tx.bytes"), 192000000);
	assert_close(jreal(doc, "tx.pps"), 3000000 / 2.0, 1e-9);
	/* 64-byte frames at 1.5 Mpps: (64 + 20) * 8 * 1.5e6 bit/s on the
	 * wire, 64 * 8 * 1.5e6 of frames. */
	assert_close(jreal(doc, "tx.bps_l1"),
		     (192000000.0 + 20 * 3000000.0) * 8 / 2.0, 1e-3);
	assert_close(jreal(doc, "tx.bps_l1"), 1.008e9, 1e-3);
	assert_close(jreal(doc, "tx.bps_l2"), 7.68e8, 1e-3);
	assert_close(jreal(doc, "tx.target_pps"), 1.5e6, 0);
	assert_int_equal(jint(doc, "tx.errors"), 12);
	assert_int_equal(jint(doc, "tx.backpressure"), 13);
	assert_integers(doc, "tx", tx_counters, ARRAY_SIZE(tx_counters));
	/* No sends recorded: the pacing figures are null, not 0. */
	assert_true(json_is_null(jget(doc, "tx.pacing.gap_p99_ns")));
	assert_true(json_is_null(jget(doc, "tx.pacing.late_max_ns")));
	assert_true(json_is_null(jget(doc, "tx.pacing.burst_max")));
	assert_close(jreal(doc, "tx.pacing.nominal_gap_ns"), 1e9 / 1.5e6,
		     1e-6);
	assert_int_equal(jint(doc, "tx.pacing.catch_up_frames"), 32);
	assert_string_equal(jstr(doc, "tx.pacing.catch_up"),
			    "one burst (32 frames)");
	json_decref(doc);
	/* With sends: the sender's figures as recorded. */
	for (int i = 0; i < 99; i++)
		hist_record(&snap.tx_gap, 666);
	hist_record(&snap.tx_gap, 50000);
	snap.c.tx_sends = 100;
	snap.c.tx_bursts = 2;
	snap.c.tx_burst_max = 7;
	snap.c.tx_late_max_ns = 49000;
	snap.c.tx_forfeit_ns = 12345;
	spec.catch_up = CATCH_UP_FRAMES;
	spec.catch_up_value = 2;
	doc = report_json(&ctx, &snap, 2.0, true);
	assert_int_equal(jint(doc, "tx.pacing.gap_samples"), 100);
	assert_int_equal(jint(doc, "tx.pacing.gap_max_ns"), 50000);
	assert_int_equal(jint(doc, "tx.pacing.gap_p50_ns"),
			 hist_percentile(&snap.tx_gap, 50));
	assert_int_equal(jint(doc, "tx.pacing.late_max_ns"), 49000);
	assert_int_equal(jint(doc, "tx.pacing.forfeit_ns"), 12345);
	assert_int_equal(jint(doc, "tx.pacing.bursts"), 2);
	assert_int_equal(jint(doc, "tx.pacing.burst_max"), 7);
	assert_int_equal(jint(doc, "tx.pacing.catch_up_frames"), 2);
	assert_string_equal(jstr(doc, "tx.pacing.catch_up"), "2 frames");
	assert_string_equal(jstr(doc, "config.catch_up"), "2 frames");

	/* A sender receives nothing and measures no latency. */
	assert_absent(doc, "rx");
	assert_absent(doc, "latency_ns");
	assert_absent(doc, "rtt_ns");
	assert_absent(doc, "jitter_ns");
	assert_clean_json(doc);
	json_decref(doc);
}

static char *text_final(double seconds);

/* tx.pps counts what left the interface: handed over less its drops. */
static void test_json_send_if_dropped(void **state)
{
	json_t *doc;
	char *text;

	(void)state;
	setup_role(ROLE_SEND);
	fill_tx(&snap);
	/* Not measured: the rates are of what was handed over, and the
	 * drop count is null, not 0. */
	doc = report_json(&ctx, &snap, 2.0, true);
	assert_close(jreal(doc, "tx.pps"), 1.5e6, 1e-9);
	assert_close(jreal(doc, "tx.handed_pps"), 1.5e6, 1e-9);
	assert_true(json_is_null(jget(doc, "tx.if_dropped")));
	assert_true(json_is_null(jget(doc, "tx.if_dropped_from")));
	json_decref(doc);
	text = text_final(2.0);
	assert_non_null(strstr(text, "left       not measured"));
	free(text);

	ctx.has_tx_if_dropped = true;
	ctx.tx_if_dropped = 1000000;
	ctx.tx_if_dropped_from = "xdp_xmit_errors";
	doc = report_json(&ctx, &snap, 2.0, true);
	assert_int_equal(jint(doc, "tx.packets"), 3000000);
	assert_int_equal(jint(doc, "tx.if_dropped"), 1000000);
	assert_string_equal(jstr(doc, "tx.if_dropped_from"), "xdp_xmit_errors");
	assert_close(jreal(doc, "tx.handed_pps"), 1.5e6, 1e-9);
	assert_close(jreal(doc, "tx.pps"), 1e6, 1e-9);
	/* 64-byte frames: the bytes follow the packets that left. */
	assert_close(jreal(doc, "tx.bps_l2"), 64 * 8 * 1e6, 1e-3);
	assert_close(jreal(doc, "tx.bps_l1"), 84 * 8 * 1e6, 1e-3);
	json_decref(doc);
	text = text_final(2.0);
	assert_non_null(strstr(text, "sent       3000000 packets    1.000 Mpps"));
	assert_non_null(strstr(text, "672.000 Mbps (L1)"));
	assert_non_null(strstr(text, "left       2000000 packets; 1000000 "
				     "dropped by the interface"));
	free(text);

	/* A counter that moved more than we sent (other traffic on the
	 * interface) cannot make what left negative. */
	ctx.tx_if_dropped = 5000000;
	doc = report_json(&ctx, &snap, 2.0, true);
	assert_int_equal(jint(doc, "tx.if_dropped"), 3000000);
	assert_close(jreal(doc, "tx.pps"), 0, 0);
	json_decref(doc);
	ctx.has_tx_if_dropped = false;
	ctx.tx_if_dropped = 0;
	ctx.tx_if_dropped_from = NULL;
}

/* Ratios that do not add up over queues come from counters that do. */
static void test_json_kernel_derived(void **state)
{
	json_t *doc;

	(void)state;
	setup_role(ROLE_SEND);
	fill_tx(&snap);
	ctx.kernel_stats = "tx_kicks=400 tx_submitted=1000 "
			   "tx_ring_fill_sum=640 tx_ring_samples=20";
	doc = report_json(&ctx, &snap, 2.0, true);
	assert_int_equal(jint(doc, "backend.kernel.tx_kicks"), 400);
	assert_close(jreal(doc, "backend.kernel.tx_frames_per_kick"), 2.5, 1e-12);
	assert_close(jreal(doc, "backend.kernel.tx_ring_occupancy"), 32, 1e-12);
	json_decref(doc);
	/* No kicks: no ratio rather than a division by zero. */
	ctx.kernel_stats = "tx_kicks=0 tx_submitted=0";
	doc = report_json(&ctx, &snap, 2.0, true);
	assert_int_equal(jint(doc, "backend.kernel.tx_kicks"), 0);
	assert_absent(jget(doc, "backend.kernel"), "tx_frames_per_kick");
	assert_absent(jget(doc, "backend.kernel"), "tx_ring_occupancy");
	json_decref(doc);
	ctx.kernel_stats = NULL;
}

static void test_json_ping_and_reflect(void **state)
{
	json_t *doc;

	(void)state;
	setup_role(ROLE_PING);
	ctx.target_pps = 100;
	fill_tx(&snap);
	fill_rx(&snap);
	doc = report_json(&ctx, &snap, 4.0, true);
	assert_string_equal(jstr(doc, "role"), "ping");
	assert_close(jreal(doc, "tx.pps"), 750000, 1e-9);
	assert_close(jreal(doc, "rx.pps"), 247.5, 1e-9);
	/* Ping measures round trips, always valid. */
	assert_absent(doc, "latency_ns");
	assert_string_equal(jstr(doc, "rtt_ns.type"), "round-trip");
	assert_true(json_is_true(jget(doc, "rtt_ns.valid")));
	assert_int_equal(jint(doc, "rtt_ns.max"), 1999);
	assert_int_equal(jint(doc, "jitter_ns.rfc3550"), 1234);
	assert_clean_json(doc);
	json_decref(doc);

	setup_role(ROLE_REFLECT);
	fill_tx(&snap);
	fill_rx(&snap);
	doc = report_json(&ctx, &snap, 1.0, true);
	assert_string_equal(jstr(doc, "role"), "reflect");
	assert_int_equal(jint(doc, "reflected"), 2999999);
	assert_int_equal(jint(doc, "tx.packets"), 3000000);
	assert_int_equal(jint(doc, "rx.packets"), 990);
	/* A reflector has no target rate of its own. */
	assert_absent(jget(doc, "tx"), "target_pps");
	assert_absent(doc, "latency_ns");
	assert_absent(doc, "rtt_ns");
	assert_clean_json(doc);
	json_decref(doc);
}

/* Not measured is null, never 0. */
static void assert_null_at(json_t *doc, const char *path)
{
	if (!json_is_null(jget(doc, path)))
		fail_msg("%s is not null", path);
}

static void assert_empty_latency(json_t *doc)
{
	static const char *const keys[] = {
		"latency_ns.mean",   "latency_ns.p50",	 "latency_ns.min",
		"latency_ns.max",    "latency_ns.p999",	 "jitter_ns.rfc3550",
		"jitter_ns.ipdv_p50", "jitter_ns.ipdv_min", "jitter_ns.pdv_p50",
		"jitter_ns.pdv_max",
	};

	assert_int_equal(jint(doc, "latency_ns.count"), 0);
	assert_int_equal(jint(doc, "jitter_ns.ipdv_samples"), 0);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_null_at(doc, keys[i]);
}

static void test_json_zero_time_zero_packets(void **state)
{
	static const enum role roles[] = { ROLE_SEND, ROLE_RECV, ROLE_REFLECT,
					   ROLE_PING };
	const double times[] = { 0.0, -1.0, NAN, INFINITY };
	json_t *doc;

	(void)state;
	for (size_t r = 0; r < ARRAY_SIZE(roles); r++) {
		for (size_t t = 0; t < ARRAY_SIZE(times); t++) {
			/* Nothing at all happened. */
			setup_role(roles[r]);
			doc = report_json(&ctx, &snap, times[t], true);
			assert_clean_json(doc);
			if (!(times[t] < 0))
				assert_close(jreal(doc, "duration_s"), 0, 0);
			if (roles[r] != ROLE_SEND) {
				assert_close(jreal(doc, "rx.pps"), 0, 0);
				assert_close(jreal(doc, "rx.bps_l1"), 0, 0);
				/* Nothing expected: no ratio to speak of. */
				assert_null_at(doc, "rx.loss_ratio");
				assert_int_equal(jint(doc, "rx.packets"), 0);
			}
			if (roles[r] == ROLE_RECV)
				assert_empty_latency(doc);
			json_decref(doc);

			/* Packets, but over no time: rates are 0, not Inf. */
			fill_tx(&snap);
			fill_rx(&snap);
			doc = report_json(&ctx, &snap, times[t], true);
			assert_clean_json(doc);
			if (roles[r] != ROLE_RECV)
				assert_close(jreal(doc, "tx.pps"), 0, 0);
			if (roles[r] != ROLE_SEND)
				assert_close(jreal(doc, "rx.bps_l2"), 0, 0);
			json_decref(doc);
		}
	}
}

static void test_json_counter_saturates(void **state)
{
	json_t *doc;

	(void)state;
	setup_role(ROLE_SEND);
	snap.c.tx_packets = UINT64_MAX;
	snap.c.tx_bytes = (uint64_t)INT64_MAX + 1;
	snap.c.tx_errors = (uint64_t)INT64_MAX;
	doc = report_json(&ctx, &snap, 1.0, true);
	assert_int_equal(jint(doc, "tx.packets"), INT64_MAX);
	assert_int_equal(jint(doc, "tx.bytes"), INT64_MAX);
	assert_int_equal(jint(doc, "tx.errors"), INT64_MAX);
	assert_clean_json(doc);
	json_decref(doc);
}

static void test_json_intervals(void **state)
{
	json_t *doc, *intervals = json_array();

	(void)state;
	setup_role(ROLE_SEND);
	json_array_append_new(intervals, json_integer(1));
	json_array_append_new(intervals, json_integer(2));
	ctx.intervals = intervals;
	ctx.intervals_dropped = 7;

	doc = report_json(&ctx, &snap, 1.0, true);
	assert_ptr_equal(jget(doc, "intervals"), intervals);
	assert_int_equal(json_array_size(jget(doc, "intervals")), 2);
	assert_int_equal(jint(doc, "intervals_dropped"), 7);
	json_decref(doc);
	/* The document took its own reference; ours is still good. */
	assert_int_equal(json_array_size(intervals), 2);

	/* Not in a non-final document. */
	doc = report_json(&ctx, &snap, 1.0, false);
	assert_absent(doc, "intervals");
	assert_absent(doc, "intervals_dropped");
	json_decref(doc);
	json_decref(intervals);
}

static void test_interval_json(void **state)
{
	json_t *o;

	(void)state;
	setup_role(ROLE_RECV);
	fill_rx(&snap);
	o = report_interval_json(&ctx, &snap, 3.0, 5.0);
	assert_close(jreal(o, "start_s"), 3.0, 0);
	assert_close(jreal(o, "end_s"), 5.0, 0);
	assert_int_equal(jint(o, "rx_packets"), 990);
	assert_close(jreal(o, "rx_pps"), 495.0, 1e-9);
	assert_close(jreal(o, "rx_bps_l1"), 332640, 1e-6);
	assert_int_equal(jint(o, "rx_lost"), 10);
	assert_int_equal(jint(o, "rx_reordered"), 3);
	assert_int_equal(jint(o, "rx_duplicates"), 2);
	assert_int_equal(jint(o, "latency_p50_ns"),
			 hist_percentile(&snap.latency, 50));
	assert_int_equal(jint(o, "latency_p99_ns"),
			 hist_percentile(&snap.latency, 99));
	assert_int_equal(jint(o, "latency_max_ns"), 1999);
	assert_int_equal(jint(o, "jitter_rfc3550_ns"), 1234);
	assert_absent(o, "tx_packets");
	assert_clean_json(o);
	json_decref(o);

	setup_role(ROLE_SEND);
	fill_tx(&snap);
	o = report_interval_json(&ctx, &snap, 1.0, 1.0);
	assert_int_equal(jint(o, "tx_packets"), 3000000);
	assert_close(jreal(o, "tx_pps"), 0, 0); /* zero-length interval */
	assert_int_equal(jint(o, "tx_errors"), 12);
	assert_absent(o, "rx_packets");
	assert_absent(o, "latency_p50_ns");
	assert_clean_json(o);
	json_decref(o);
}

static void test_json_print(void **state)
{
	json_error_t error;
	json_t *doc, *back;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	setup_role(ROLE_RECV);
	fill_rx(&snap);
	doc = report_json(&ctx, &snap, 2.0, true);

	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(report_json_print(out, doc, true), 0);
	fclose(out);
	/* NDJSON: exactly one line. */
	assert_true(len > 2);
	assert_int_equal(text[len - 1], '\n');
	assert_ptr_equal(strchr(text, '\n'), text + len - 1);
	back = json_loads(text, 0, &error);
	assert_non_null(back);
	assert_true(json_equal(doc, back));
	/* Key order is kept: linerate, role, final come first. */
	assert_int_equal(strncmp(text, "{\"linerate\":\"1\",\"role\":\"recv\"",
				 29),
			 0);
	json_decref(back);
	free(text);

	text = NULL;
	out = open_memstream(&text, &len);
	assert_int_equal(report_json_print(out, doc, false), 0);
	fclose(out);
	/* Indented: many lines, same document. */
	assert_non_null(strstr(text, "\n  \"role\": \"recv\""));
	back = json_loads(text, 0, &error);
	assert_non_null(back);
	assert_true(json_equal(doc, back));
	json_decref(back);
	free(text);
	json_decref(doc);
}

/* --- CSV --- */

static size_t count_columns(const char *line)
{
	size_t n = 1;

	for (; *line && *line != '\n'; line++)
		n += *line == ',';
	return n;
}

/* Header and one row for the role; returns both (caller frees). */
static void csv_for(enum role role, double from_s, double to_s,
		    char **header, char **row)
{
	size_t len;
	FILE *out;

	out = open_memstream(header, &len);
	assert_int_equal(report_csv_header(out, role), 0);
	fclose(out);
	out = open_memstream(row, &len);
	assert_int_equal(report_csv_row(out, &ctx, &snap, from_s, to_s), 0);
	fclose(out);
}

static void test_csv_columns_match(void **state)
{
	static const struct {
		enum role role;
		size_t columns;
	} cases[] = {
		{ ROLE_SEND, 11 },
		{ ROLE_RECV, 12 },
		{ ROLE_REFLECT, 12 },
		{ ROLE_PING, 21 },
	};
	char *header, *row, *save = NULL, *name;
	json_t *interval;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		setup_role(cases[i].role);
		fill_tx(&snap);
		fill_rx(&snap);
		csv_for(cases[i].role, 1.0, 2.0, &header, &row);
		assert_int_equal(count_columns(header), cases[i].columns);
		assert_int_equal(count_columns(row), cases[i].columns);
		assert_int_equal(header[strlen(header) - 1], '\n');
		assert_int_equal(row[strlen(row) - 1], '\n');
		assert_ptr_equal(strchr(header, '\n'),
				 header + strlen(header) - 1);
		/* The columns are the interval object's fields, in full. */
		interval = report_interval_json(&ctx, &snap, 1.0, 2.0);
		assert_int_equal(json_object_size(interval), cases[i].columns);
		header[strlen(header) - 1] = '\0';
		for (name = strtok_r(header, ",", &save); name;
		     name = strtok_r(NULL, ",", &save))
			if (!json_object_get(interval, name))
				fail_msg("CSV column %s is not in the interval",
					 name);
		json_decref(interval);
		free(header);
		free(row);
	}
}

static void test_csv_values(void **state)
{
	char *header, *row, want[256];

	(void)state;
	setup_role(ROLE_SEND);
	fill_tx(&snap);
	csv_for(ROLE_SEND, 0.0, 2.0, &header, &row);
	assert_string_equal(header, "start_s,end_s,tx_packets,tx_pps,"
				    "tx_bps_l1,tx_errors,tx_gap_p50_ns,"
				    "tx_gap_p99_ns,tx_gap_max_ns,tx_bursts,"
				    "tx_late_max_ns\n");
	/* Unpaced and no gap measured: empty cells, not zeros. */
	assert_string_equal(row, "0.000,2.000,3000000,1500000.0,1008000000,"
				 "12,,,,0,\n");
	free(header);
	free(row);
	/* Paced, with gaps of 10 us and one of 2 ms. */
	ctx.target_pps = 1e5;
	for (int i = 0; i < 199; i++)
		hist_record(&snap.tx_gap, 10000);
	hist_record(&snap.tx_gap, 2000000);
	snap.c.tx_sends = 190;
	snap.c.tx_bursts = 3;
	snap.c.tx_late_max_ns = 1990000;
	csv_for(ROLE_SEND, 0.0, 2.0, &header, &row);
	snprintf(want, sizeof(want),
		 "0.000,2.000,3000000,1500000.0,1008000000,12,%llu,%llu,"
		 "2000000,3,1990000\n",
		 (unsigned long long)hist_percentile(&snap.tx_gap, 50),
		 (unsigned long long)hist_percentile(&snap.tx_gap, 99));
	assert_string_equal(row, want);
	assert_true(hist_percentile(&snap.tx_gap, 50) >= 9900 &&
		    hist_percentile(&snap.tx_gap, 50) <= 10100);
	free(header);
	free(row);

	setup_role(ROLE_RECV);
	fill_rx(&snap);
	csv_for(ROLE_RECV, 10.0, 12.0, &header, &row);
	assert_string_equal(header,
			    "start_s,end_s,rx_packets,rx_pps,rx_bps_l1,rx_lost,"
			    "rx_reordered,rx_duplicates,latency_p50_ns,"
			    "latency_p99_ns,latency_max_ns,"
			    "jitter_rfc3550_ns\n");
	snprintf(want, sizeof(want),
		 "10.000,12.000,990,495.0,332640,10,3,2,%llu,%llu,1999,1234\n",
		 (unsigned long long)hist_percentile(&snap.latency, 50),
		 (unsigned long long)hist_percentile(&snap.latency, 99));
	assert_string_equal(row, want);
	free(header);
	free(row);

	/* A zero-length interval: rates 0, no nan. */
	csv_for(ROLE_RECV, 3.0, 3.0, &header, &row);
	assert_null(strcasestr(row, "nan"));
	assert_null(strcasestr(row, "inf"));
	assert_non_null(strstr(row, "3.000,3.000,990,0.0,0,10,"));
	free(header);
	free(row);
}

/* --- text --- */

static char *text_final(double seconds)
{
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	report_text_final(out, &ctx, &snap, seconds);
	fclose(out);
	return text;
}

static void test_text_final(void **state)
{
	char *text;

	(void)state;
	setup_role(ROLE_RECV);
	fill_rx(&snap);
	text = text_final(2.0);
	assert_non_null(strstr(text, "received   990 packets"));
	assert_non_null(strstr(text, "loss       10 of 1000 (1.0000%)"));
	assert_non_null(strstr(text, "reordered 3"));
	assert_non_null(strstr(text, "duplicates 2"));
	assert_non_null(strstr(text, "min 1.00 us"));
	assert_non_null(strstr(text, "max 2.00 us"));
	assert_non_null(strstr(text, "1000 samples"));
	free(text);

	setup_role(ROLE_SEND);
	ctx.target_pps = 1.5e6;
	fill_tx(&snap);
	text = text_final(2.0);
	assert_non_null(strstr(text, "sent       3000000 packets"));
	assert_non_null(strstr(text, "achieved 100.00%"));
	assert_non_null(strstr(text, "1.008 Gbps (L1)"));
	free(text);

	/* No time, no packets: nothing undefined in the text either. */
	for (enum role r = ROLE_SEND; r <= ROLE_PING; r++) {
		setup_role(r);
		ctx.target_pps = 1000;
		text = text_final(0.0);
		assert_null(strcasestr(text, "nan"));
		assert_null(strcasestr(text, "inf"));
		free(text);
	}
}

/*
 * What the backend does not measure is null in JSON, "not measured" in
 * text and an empty CSV field, although its counters hold numbers (an
 * in-kernel analyzer's IPDV/PDV, a count-only sink's loss and latency).
 */
static void test_unmeasured(void **state)
{
	json_t *doc, *iv;
	char *text;

	(void)state;
	setup_role(ROLE_RECV);
	fill_rx(&snap);
	ctx.unmeasured = STATS_NO_DELAY_VARIATION;
	doc = report_json(&ctx, &snap, 2.0, true);
	assert_clean_json(doc);
	assert_int_equal(jint(doc, "jitter_ns.rfc3550"), 1234);
	assert_int_equal(jint(doc, "latency_ns.p50"),
			 hist_percentile(&snap.latency, 50));
	assert_int_equal(jint(doc, "jitter_ns.ipdv_samples"), 0);
	assert_null_at(doc, "jitter_ns.ipdv_p50");
	assert_null_at(doc, "jitter_ns.ipdv_max");
	assert_null_at(doc, "jitter_ns.pdv_p99");
	assert_null_at(doc, "jitter_ns.pdv_max");
	assert_int_equal(jint(doc, "rx.lost"), 10);
	json_decref(doc);
	text = text_final(2.0);
	assert_non_null(strstr(text, "IPDV not measured  PDV not measured"));
	assert_null(strstr(text, "IPDV p50"));
	free(text);

	ctx.unmeasured = STATS_NO_SEQUENCE | STATS_NO_CORRUPT |
			 STATS_NO_LATENCY | STATS_NO_JITTER |
			 STATS_NO_DELAY_VARIATION;
	doc = report_json(&ctx, &snap, 2.0, true);
	assert_clean_json(doc);
	assert_int_equal(jint(doc, "rx.packets"), 990);
	assert_int_equal(jint(doc, "rx.foreign"), 5);
	assert_null_at(doc, "rx.expected");
	assert_null_at(doc, "rx.lost");
	assert_null_at(doc, "rx.loss_ratio");
	assert_null_at(doc, "rx.reordered");
	assert_null_at(doc, "rx.duplicates");
	assert_null_at(doc, "rx.late");
	assert_null_at(doc, "rx.corrupt");
	assert_null_at(doc, "rx.flows");
	assert_empty_latency(doc);
	json_decref(doc);
	iv = report_interval_json(&ctx, &snap, 0, 1);
	assert_null_at(iv, "rx_lost");
	assert_null_at(iv, "latency_p50_ns");
	assert_null_at(iv, "jitter_rfc3550_ns");
	assert_int_equal(jint(iv, "rx_packets"), 990);
	json_decref(iv);
	text = text_final(2.0);
	assert_non_null(strstr(text, "loss       not measured"));
	assert_non_null(strstr(text, "corrupt    not measured"));
	assert_non_null(strstr(text, "one-way    not measured (not by this"));
	assert_null(strstr(text, "samples"));
	assert_non_null(strstr(text, "RFC 3550 not measured"));
	assert_null(strstr(text, "10 of 1000"));
	free(text);
	ctx.unmeasured = 0;
}

/* Exit code 3's rule: what counts as traffic that failed, and what not. */
static void test_traffic_failed(void **state)
{
	struct stats_counters c;
	const uint64_t sec = 1000000000ULL;
	char why[256];

	(void)state;
	memset(&c, 0, sizeof(c));
	/* A sender that sent nothing. */
	c.tx_errors = 7;
	assert_true(report_traffic_failed(ROLE_SEND, &c, 1000, 0, 10 * sec, why,
					  sizeof(why)));
	assert_non_null(strstr(why, "sent nothing"));
	assert_non_null(strstr(why, "all 7"));
	/* Refused from start to end (the first refusal 1 ms after the
	 * start, the last 0.5 s before the end). */
	c.tx_packets = 1000;
	c.tx_refused = 999;
	c.tx_errors = 999;
	c.tx_refused_first_ns = sec / 1000;
	c.tx_refused_last_ns = 9 * sec + sec / 2;
	assert_true(report_traffic_failed(ROLE_SEND, &c, 1000, 0, 10 * sec, why,
					  sizeof(why)));
	assert_non_null(strstr(why, "refused the traffic from start to end"));
	assert_non_null(strstr(why, "999 sends"));
	/* Refused only at the end (a receiver that left early): fine. */
	c.tx_refused_first_ns = 8 * sec;
	assert_false(report_traffic_failed(ROLE_SEND, &c, 1000, 0, 10 * sec,
					   why, sizeof(why)));
	c.tx_refused_first_ns = sec / 1000;
	/* Refused only at first (a receiver that came up late): fine. */
	c.tx_refused_last_ns = 2 * sec;
	assert_false(report_traffic_failed(ROLE_SEND, &c, 1000, 0, 10 * sec, why,
					   sizeof(why)));
	assert_string_equal(why, "");
	/* At 0.2 pps the packets are 5 s apart: two of them is the margin. */
	assert_true(report_traffic_failed(ROLE_SEND, &c, 0.2, 0, 10 * sec, why,
					  sizeof(why)));
	/* Receivers: no test packet is a failure, other packets or not. */
	memset(&c, 0, sizeof(c));
	c.rx_foreign = 4;
	assert_true(report_traffic_failed(ROLE_RECV, &c, 0, 0, 0, why,
					  sizeof(why)));
	assert_non_null(strstr(why, "received no test packets"));
	assert_non_null(strstr(why, "foreign 4"));
	assert_true(report_traffic_failed(ROLE_REFLECT, &c, 0, 0, 0, why,
					  sizeof(why)));
	c.rx_packets = 1;
	assert_false(report_traffic_failed(ROLE_RECV, &c, 0, 0, 0, why,
					   sizeof(why)));
	/* A ping with no reply; with one it passes, whatever the loss. */
	memset(&c, 0, sizeof(c));
	c.tx_packets = 10;
	assert_true(report_traffic_failed(ROLE_PING, &c, 100, 0, sec, why,
					  sizeof(why)));
	assert_non_null(strstr(why, "no replies: 10 probes"));
	c.rx_packets = 1;
	assert_false(report_traffic_failed(ROLE_PING, &c, 100, 0, sec, why,
					   sizeof(why)));
}

static void test_format_ns(void **state)
{
	char buf[32];

	(void)state;
	assert_ptr_equal(report_format_ns(850, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "850 ns");
	assert_string_equal(report_format_ns(0, buf, sizeof(buf)), "0 ns");
	assert_string_equal(report_format_ns(999, buf, sizeof(buf)), "999 ns");
	assert_string_equal(report_format_ns(1000, buf, sizeof(buf)),
			    "1.00 us");
	assert_string_equal(report_format_ns(12300, buf, sizeof(buf)),
			    "12.30 us");
	assert_string_equal(report_format_ns(1050000, buf, sizeof(buf)),
			    "1.050 ms");
	assert_string_equal(report_format_ns(2.5e9, buf, sizeof(buf)),
			    "2.500 s");
	assert_string_equal(report_format_ns(1e9, buf, sizeof(buf)),
			    "1.000 s");
	/* Truncated, never overrun. */
	assert_string_equal(report_format_ns(12300, buf, 5), "12.3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_recv),
		cmocka_unit_test(test_json_recv_one_way_invalid),
		cmocka_unit_test(test_json_send),
		cmocka_unit_test(test_json_send_if_dropped),
		cmocka_unit_test(test_json_kernel_derived),
		cmocka_unit_test(test_json_ping_and_reflect),
		cmocka_unit_test(test_json_zero_time_zero_packets),
		cmocka_unit_test(test_json_counter_saturates),
		cmocka_unit_test(test_json_intervals),
		cmocka_unit_test(test_interval_json),
		cmocka_unit_test(test_json_print),
		cmocka_unit_test(test_csv_columns_match),
		cmocka_unit_test(test_csv_values),
		cmocka_unit_test(test_text_final),
		cmocka_unit_test(test_unmeasured),
		cmocka_unit_test(test_traffic_failed),
		cmocka_unit_test(test_format_ns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
