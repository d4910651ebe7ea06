// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "lib/stats.h"

#define NS_PER_SEC 1000000000ULL
#define COUNTERS (sizeof(struct stats_counters) / sizeof(uint64_t))

/* Big (five histograms each): static rather than on the stack. */
static struct worker_stats ws, ws2;
static struct stats_snapshot snap_a, snap_b, snap_c, total;
static struct hist fresh;

static int reset(void **state)
{
	(void)state;
	stats_init(&ws);
	stats_init(&ws2);
	stats_snapshot_init(&snap_a);
	stats_snapshot_init(&snap_b);
	stats_snapshot_init(&snap_c);
	stats_snapshot_init(&total);
	hist_init(&fresh);
	return 0;
}

/* Within the histogram's precision (< 1/64 of the value, plus rounding). */
static void assert_near_value(uint64_t got, uint64_t want)
{
	uint64_t slack = want / 64 + 1;

	if (got + slack < want || got > want + slack)
		fail_msg("%llu is not within %llu of %llu",
			 (unsigned long long)got, (unsigned long long)slack,
			 (unsigned long long)want);
}

static void test_layout(void **state)
{
	(void)state;
	/* Per-worker stats must not share cache lines. */
	assert_int_equal(_Alignof(struct worker_stats), 64);
	assert_int_equal(sizeof(struct worker_stats) % 64, 0);
	/* The snapshot code walks the counters as an array of u64. */
	assert_int_equal(sizeof(struct stats_counters) % sizeof(uint64_t), 0);
	assert_int_equal(offsetof(struct stats_counters, last_rx_ns),
			 sizeof(struct stats_counters) - sizeof(uint64_t));
}

static void test_init_zeroes(void **state)
{
	(void)state;
	memset(&ws, 0xff, sizeof(ws));
	stats_init(&ws);
	assert_int_equal(ws.c.tx_packets, 0);
	assert_int_equal(ws.c.last_rx_ns, 0);
	assert_int_equal(ws.latency.count, 0);
	assert_int_equal(ws.latency.min, UINT64_MAX);
	assert_int_equal(shist_count(&ws.ipdv), 0);
	assert_int_equal(shist_count(&ws.pdv), 0);

	memset(&snap_a, 0xff, sizeof(snap_a));
	stats_snapshot_init(&snap_a);
	assert_int_equal(snap_a.taken_ns, 0);
	assert_int_equal(snap_a.c.rx_packets, 0);
	assert_int_equal(snap_a.c.jitter_rfc3550_ns, 0);
	assert_int_equal(snap_a.latency.count, 0);
	assert_int_equal(hist_percentile(&snap_a.latency, 50), 0);
}

static void test_stat_add_set_snapshot(void **state)
{
	(void)state;
	STAT_ADD(ws.c.tx_packets, 10);
	STAT_ADD(ws.c.tx_packets, 5);
	STAT_ADD(ws.c.tx_bytes, 15 * 64);
	STAT_ADD(ws.c.rx_lost, 3);
	STAT_ADD(ws.c.rx_lost, 0);
	STAT_SET(ws.c.jitter_rfc3550_ns, 777);
	STAT_SET(ws.c.jitter_rfc3550_ns, 778);
	STAT_SET(ws.c.last_rx_ns, 123456789);
	for (uint64_t v = 1; v <= 100; v++)
		hist_record(&ws.latency, v);
	shist_record(&ws.ipdv, -40);
	shist_record(&ws.pdv, 70);

	stats_snapshot_take(&snap_a, &ws, 5 * NS_PER_SEC);
	assert_int_equal(snap_a.taken_ns, 5 * NS_PER_SEC);
	assert_int_equal(snap_a.c.tx_packets, 15);
	assert_int_equal(snap_a.c.tx_bytes, 960);
	assert_int_equal(snap_a.c.rx_lost, 3);
	assert_int_equal(snap_a.c.jitter_rfc3550_ns, 778);
	assert_int_equal(snap_a.c.last_rx_ns, 123456789);
	assert_int_equal(snap_a.c.rx_packets, 0);
	assert_int_equal(snap_a.latency.count, 100);
	assert_int_equal(snap_a.latency.sum, 5050);
	assert_int_equal(snap_a.latency.min, 1);
	assert_int_equal(snap_a.latency.max, 100);
	/* Values below 128 are exact: nearest rank 50 of 1..100 is 50. */
	assert_int_equal(hist_percentile(&snap_a.latency, 50), 50);
	assert_int_equal(hist_percentile(&snap_a.latency, 99), 99);
	assert_int_equal(shist_count(&snap_a.ipdv), 1);
	assert_int_equal(shist_min(&snap_a.ipdv), -40);
	assert_int_equal(shist_max(&snap_a.pdv), 70);

	/* The snapshot is a copy: later writes do not reach it. */
	STAT_ADD(ws.c.tx_packets, 1);
	hist_record(&ws.latency, 1000);
	assert_int_equal(snap_a.c.tx_packets, 15);
	assert_int_equal(snap_a.latency.count, 100);
}

static void test_snapshot_copies_every_counter(void **state)
{
	uint64_t *field = (uint64_t *)&ws.c;
	const uint64_t *copy = (const uint64_t *)&snap_a.c;

	(void)state;
	for (size_t i = 0; i < COUNTERS; i++)
		STAT_SET(field[i], 1000 + i);
	stats_snapshot_take(&snap_a, &ws, 1);
	for (size_t i = 0; i < COUNTERS; i++)
		assert_int_equal(copy[i], 1000 + i);
	/* Spot-check by name: the first and the last counter. */
	assert_int_equal(snap_a.c.tx_packets, 1000);
	assert_int_equal(snap_a.c.last_rx_ns, 1000 + COUNTERS - 1);
}

static void test_merge_sums(void **state)
{
	(void)state;
	STAT_ADD(ws.c.tx_packets, 100);
	STAT_ADD(ws.c.tx_bytes, 6400);
	STAT_ADD(ws.c.rx_packets, 100);
	STAT_ADD(ws.c.rx_expected, 110);
	STAT_ADD(ws.c.rx_lost, 10);
	STAT_ADD(ws.c.rx_flows, 2);
	STAT_SET(ws.c.jitter_rfc3550_ns, 1000);
	STAT_SET(ws.c.last_rx_ns, 500);
	for (int i = 0; i < 100; i++)
		hist_record(&ws.latency, 1000);
	shist_record(&ws.ipdv, -5);

	STAT_ADD(ws2.c.tx_packets, 50);
	STAT_ADD(ws2.c.tx_bytes, 50 * 1518);
	STAT_ADD(ws2.c.rx_packets, 300);
	STAT_ADD(ws2.c.rx_expected, 300);
	STAT_ADD(ws2.c.rx_duplicates, 7);
	STAT_ADD(ws2.c.rx_flows, 3);
	STAT_SET(ws2.c.jitter_rfc3550_ns, 2000);
	STAT_SET(ws2.c.last_rx_ns, 400);
	for (int i = 0; i < 100; i++)
		hist_record(&ws2.latency, 3000);
	shist_record(&ws2.ipdv, 9);
	shist_record(&ws2.ipdv, 11);

	stats_snapshot_take(&snap_a, &ws, 10);
	stats_snapshot_take(&snap_b, &ws2, 20);
	stats_snapshot_merge(&total, &snap_a);
	/* Merging into an empty total is a copy. */
	assert_int_equal(total.c.tx_packets, 100);
	assert_int_equal(total.c.jitter_rfc3550_ns, 1000);
	assert_int_equal(total.taken_ns, 10);
	stats_snapshot_merge(&total, &snap_b);

	assert_int_equal(total.c.tx_packets, 150);
	assert_int_equal(total.c.tx_bytes, 6400 + 50 * 1518);
	assert_int_equal(total.c.rx_packets, 400);
	assert_int_equal(total.c.rx_expected, 410);
	assert_int_equal(total.c.rx_lost, 10);
	assert_int_equal(total.c.rx_duplicates, 7);
	assert_int_equal(total.c.rx_flows, 5);
	/* Jitter: packet-weighted mean, (1000*100 + 2000*300) / 400. */
	assert_int_equal(total.c.jitter_rfc3550_ns, 1750);
	/* Last receive time is the latest, not a sum. */
	assert_int_equal(total.c.last_rx_ns, 500);
	assert_int_equal(total.taken_ns, 20);
	/* Histograms merged. */
	assert_int_equal(total.latency.count, 200);
	assert_int_equal(total.latency.sum, 100 * 1000 + 100 * 3000);
	assert_int_equal(total.latency.min, 1000);
	assert_int_equal(total.latency.max, 3000);
	assert_near_value(hist_percentile(&total.latency, 50), 1000);
	assert_near_value(hist_percentile(&total.latency, 51), 3000);
	assert_near_value(hist_percentile(&total.latency, 99), 3000);
	assert_int_equal(shist_count(&total.ipdv), 3);
	assert_int_equal(shist_min(&total.ipdv), -5);
	assert_int_equal(shist_max(&total.ipdv), 11);
	/* The inputs are untouched. */
	assert_int_equal(snap_b.c.tx_packets, 50);
	assert_int_equal(snap_b.latency.count, 100);
}

static void test_merge_no_packets_no_jitter(void **state)
{
	(void)state;
	/* Nothing received anywhere: no division by zero, jitter 0. */
	STAT_SET(ws.c.jitter_rfc3550_ns, 5);
	stats_snapshot_take(&snap_a, &ws, 1);
	stats_snapshot_merge(&total, &snap_a);
	stats_snapshot_merge(&total, &snap_b);
	assert_int_equal(total.c.rx_packets, 0);
	assert_int_equal(total.c.jitter_rfc3550_ns, 0);
}

static void test_delta_counters(void **state)
{
	(void)state;
	STAT_ADD(ws.c.tx_packets, 1000);
	STAT_ADD(ws.c.rx_packets, 900);
	STAT_ADD(ws.c.rx_lost, 10);
	STAT_ADD(ws.c.rx_flows, 4);
	STAT_SET(ws.c.jitter_rfc3550_ns, 300);
	STAT_SET(ws.c.last_rx_ns, 1 * NS_PER_SEC);
	stats_snapshot_take(&snap_a, &ws, 1 * NS_PER_SEC);

	STAT_ADD(ws.c.tx_packets, 500);
	STAT_ADD(ws.c.rx_packets, 480);
	/* Late packets arrived: fewer lost than before. */
	STAT_SET(ws.c.rx_lost, 7);
	STAT_ADD(ws.c.rx_flows, 1);
	STAT_SET(ws.c.jitter_rfc3550_ns, 250);
	STAT_SET(ws.c.last_rx_ns, 2 * NS_PER_SEC - 5);
	stats_snapshot_take(&snap_b, &ws, 2 * NS_PER_SEC);

	stats_snapshot_delta(&snap_c, &snap_b, &snap_a);
	assert_int_equal(snap_c.c.tx_packets, 500);
	assert_int_equal(snap_c.c.rx_packets, 480);
	assert_int_equal(snap_c.c.rx_lost, 0); /* floored, not wrapped */
	assert_int_equal(snap_c.c.tx_errors, 0);
	/* Gauges are the current values, not differences. */
	assert_int_equal(snap_c.c.jitter_rfc3550_ns, 250);
	assert_int_equal(snap_c.c.last_rx_ns, 2 * NS_PER_SEC - 5);
	assert_int_equal(snap_c.c.rx_flows, 5);
	assert_int_equal(snap_c.taken_ns, 2 * NS_PER_SEC);

	/* An interval with nothing new. */
	stats_snapshot_delta(&snap_c, &snap_b, &snap_b);
	assert_int_equal(snap_c.c.tx_packets, 0);
	assert_int_equal(snap_c.latency.count, 0);
	assert_int_equal(hist_percentile(&snap_c.latency, 50), 0);
	assert_int_equal(snap_c.latency.sum, 0);
}

static void test_delta_histogram_holds_interval_only(void **state)
{
	uint64_t sum = 0;

	(void)state;
	/* Before: 1000 samples of 1 ms. */
	for (int i = 0; i < 1000; i++)
		hist_record(&ws.latency, 1000000);
	stats_snapshot_take(&snap_a, &ws, 1 * NS_PER_SEC);
	/* After: 100 samples 200..299 ns. */
	for (uint64_t v = 200; v < 300; v++) {
		hist_record(&ws.latency, v);
		hist_record(&fresh, v);
		sum += v;
	}
	stats_snapshot_take(&snap_b, &ws, 2 * NS_PER_SEC);
	assert_int_equal(snap_b.latency.count, 1100);

	stats_snapshot_delta(&snap_c, &snap_b, &snap_a);
	assert_int_equal(snap_c.latency.count, 100);
	assert_int_equal(snap_c.latency.sum, sum);
	/* The new minimum is exact; nothing of the 1 ms samples remains. */
	assert_int_equal(snap_c.latency.min, 200);
	assert_true(snap_c.latency.max >= 299 && snap_c.latency.max < 305);
	/* Nearest rank 50 of 200..299 is 249. */
	assert_near_value(hist_percentile(&snap_c.latency, 50), 249);
	assert_near_value(hist_percentile(&snap_c.latency, 99), 298);
	assert_true(hist_percentile(&snap_c.latency, 100) < 305);
	/* Same buckets as a histogram of only the later values. */
	assert_int_equal(hist_percentile(&snap_c.latency, 50),
			 hist_percentile(&fresh, 50));
	assert_int_equal(hist_percentile(&snap_c.latency, 90),
			 hist_percentile(&fresh, 90));
	assert_int_equal(memcmp(snap_c.latency.buckets, fresh.buckets,
				sizeof(fresh.buckets)),
			 0);
	/* The whole-run p50 is still the 1 ms mode. */
	assert_near_value(hist_percentile(&snap_b.latency, 50), 1000000);
}

static void test_delta_histogram_larger_later(void **state)
{
	(void)state;
	/* Before: small values; after: larger ones. */
	for (int i = 0; i < 1000; i++)
		hist_record(&ws.latency, 100);
	stats_snapshot_take(&snap_a, &ws, 1);
	for (int i = 0; i < 50; i++) {
		hist_record(&ws.latency, 2000000);
		hist_record(&ws.latency, 4000000);
	}
	stats_snapshot_take(&snap_b, &ws, 2);
	stats_snapshot_delta(&snap_c, &snap_b, &snap_a);
	assert_int_equal(snap_c.latency.count, 100);
	assert_int_equal(snap_c.latency.sum, 50 * 2000000ULL + 50 * 4000000ULL);
	/* A new maximum is exact; the minimum is its bucket's low edge. */
	assert_int_equal(snap_c.latency.max, 4000000);
	assert_near_value(snap_c.latency.min, 2000000);
	assert_true(snap_c.latency.min <= 2000000);
	assert_near_value(hist_percentile(&snap_c.latency, 50), 2000000);
	assert_near_value(hist_percentile(&snap_c.latency, 51), 4000000);
	assert_near_value(hist_percentile(&snap_c.latency, 99), 4000000);
}

static void test_delta_signed_histograms(void **state)
{
	(void)state;
	for (int i = 0; i < 10; i++) {
		shist_record(&ws.ipdv, -500);
		shist_record(&ws.ipdv, 500);
		shist_record(&ws.pdv, 900);
	}
	stats_snapshot_take(&snap_a, &ws, 1);
	for (int i = 0; i < 6; i++)
		shist_record(&ws.ipdv, -100);
	for (int i = 0; i < 4; i++) {
		shist_record(&ws.ipdv, 100);
		shist_record(&ws.pdv, 20);
	}
	stats_snapshot_take(&snap_b, &ws, 2);
	stats_snapshot_delta(&snap_c, &snap_b, &snap_a);

	assert_int_equal(shist_count(&snap_c.ipdv), 10);
	assert_int_equal(snap_c.ipdv.neg.count, 6);
	assert_int_equal(snap_c.ipdv.pos.count, 4);
	assert_int_equal(shist_min(&snap_c.ipdv), -100);
	assert_int_equal(shist_max(&snap_c.ipdv), 100);
	/* Ascending: six of -100 then four of +100; rank 5 is -100. */
	assert_int_equal(shist_percentile(&snap_c.ipdv, 50), -100);
	assert_int_equal(shist_percentile(&snap_c.ipdv, 70), 100);
	assert_int_equal(shist_count(&snap_c.pdv), 4);
	assert_int_equal(shist_max(&snap_c.pdv), 20);
}

/* --- a reader snapshotting while the writer runs --- */

#define WRITER_ROUNDS 200000

static atomic_bool writer_done;

static void *writer_main(void *arg)
{
	struct worker_stats *w = arg;

	for (uint64_t i = 0; i < WRITER_ROUNDS; i++) {
		STAT_ADD(w->c.tx_packets, 1);
		STAT_ADD(w->c.tx_bytes, 64);
		if (!(i & 15))
			hist_record(&w->latency, 1000 + (i & 1023));
	}
	atomic_store(&writer_done, true);
	return NULL;
}

static void test_snapshot_while_writing(void **state)
{
	uint64_t prev_packets = 0, prev_count = 0, rounds = 0;
	pthread_t writer;

	(void)state;
	atomic_store(&writer_done, false);
	assert_int_equal(pthread_create(&writer, NULL, writer_main, &ws), 0);
	while (!atomic_load(&writer_done) || rounds < 2) {
		stats_snapshot_take(&snap_a, &ws, rounds++);
		/* Counters and the histogram only ever grow. */
		assert_true(snap_a.c.tx_packets >= prev_packets);
		assert_true(snap_a.latency.count >= prev_count);
		/* min/max always cover what the buckets hold. */
		if (snap_a.latency.count) {
			assert_true(snap_a.latency.min <= snap_a.latency.max);
			assert_true(hist_percentile(&snap_a.latency, 50) >=
				    snap_a.latency.min);
		}
		prev_packets = snap_a.c.tx_packets;
		prev_count = snap_a.latency.count;
	}
	assert_int_equal(pthread_join(writer, NULL), 0);
	stats_snapshot_take(&snap_a, &ws, rounds);
	assert_int_equal(snap_a.c.tx_packets, WRITER_ROUNDS);
	assert_int_equal(snap_a.c.tx_bytes, 64ULL * WRITER_ROUNDS);
	assert_int_equal(snap_a.latency.count, WRITER_ROUNDS / 16);
	assert_int_equal(snap_a.latency.min, 1000);
}

/* Per-queue "name=value" counters summed by name, in first-seen order,
 * and cut at the buffer's size like snprintf. */
static void test_kv_add(void **state)
{
	char acc[64] = "drops=1 busy=2";
	char small[12] = "aa=1";

	(void)state;
	stats_kv_add(acc, sizeof(acc), "busy=3 full=4");
	assert_string_equal(acc, "drops=1 busy=5 full=4");
	stats_kv_add(acc, sizeof(acc), "");
	assert_string_equal(acc, "drops=1 busy=5 full=4");
	stats_kv_add(small, sizeof(small), "bb=22 cc=3");
	assert_string_equal(small, "aa=1 bb=22 ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_layout, reset),
		cmocka_unit_test_setup(test_init_zeroes, reset),
		cmocka_unit_test_setup(test_stat_add_set_snapshot, reset),
		cmocka_unit_test_setup(test_snapshot_copies_every_counter,
				       reset),
		cmocka_unit_test_setup(test_merge_sums, reset),
		cmocka_unit_test_setup(test_merge_no_packets_no_jitter, reset),
		cmocka_unit_test_setup(test_delta_counters, reset),
		cmocka_unit_test_setup(test_delta_histogram_holds_interval_only,
				       reset),
		cmocka_unit_test_setup(test_delta_histogram_larger_later,
				       reset),
		cmocka_unit_test_setup(test_delta_signed_histograms, reset),
		cmocka_unit_test_setup(test_snapshot_while_writing, reset),
		cmocka_unit_test(test_kv_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
