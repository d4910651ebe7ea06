// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hist.h"

#define SAMPLES 100000

/* Deterministic PRNG (xorshift64*), so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static double rng_unit(void) /* (0, 1) */
{
	return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

/* Lognormal spread centred near 100 us, clamped to 100 ns .. 100 s. */
static uint64_t rng_latency(void)
{
	double normal = sqrt(-2.0 * log(rng_unit())) *
			cos(2.0 * M_PI * rng_unit());
	double v = exp(log(1e5) + 2.5 * normal);

	if (v < 100.0)
		v = 100.0;
	if (v > 1e11)
		v = 1e11;
	return (uint64_t)v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank, computed in integers from p in thousandths of a percent. */
static uint64_t exact_rank(uint64_t p_milli, uint64_t n)
{
	uint64_t rank = (p_milli * n + 100000 - 1) / 100000;

	return rank ? rank : 1;
}

static uint64_t abs_diff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static struct hist *hist_new(void)
{
	struct hist *h = malloc(sizeof(*h));

	assert_non_null(h);
	hist_init(h);
	return h;
}

static void test_small_values_exact(void **state)
{
	uint64_t v;

	(void)state;
	for (v = 0; v < HIST_SUB_BUCKETS; v++) {
		assert_int_equal(hist_bucket_index(v), v);
		assert_int_equal(hist_bucket_low(v), v);
		assert_int_equal(hist_bucket_high(v), v);
	}
	assert_int_equal(hist_bucket_index(128), 128);
	assert_int_equal(hist_bucket_index(129), 128);
	assert_int_equal(hist_bucket_index(130), 129);
	assert_int_equal(hist_bucket_low(128), 128);
	assert_int_equal(hist_bucket_high(128), 129);
	assert_int_equal(hist_bucket_low(192), 256);
	assert_int_equal(hist_bucket_high(192), 259);
}

static void check_bucket_holds(uint64_t v)
{
	size_t i = hist_bucket_index(v);
	uint64_t low = hist_bucket_low(i), high = hist_bucket_high(i);

	assert_true(i < HIST_BUCKETS);
	if (low > v || v > high)
		fail_msg("value %llu in bucket %zu [%llu, %llu]",
			 (unsigned long long)v, i, (unsigned long long)low,
			 (unsigned long long)high);
	/* width <= low / 64, i.e. relative error of a midpoint <= 1/128 */
	if (v >= HIST_SUB_BUCKETS && (high - low + 1) * 64 > low)
		fail_msg("bucket %zu [%llu, %llu] too wide", i,
			 (unsigned long long)low, (unsigned long long)high);
}

static void test_every_value_in_its_bucket(void **state)
{
	uint64_t v;
	int i, bit;

	(void)state;
	for (v = 1; v <= 1000000; v++)
		check_bucket_holds(v);
	for (i = 0; i < 200000; i++)
		check_bucket_holds(rng_next() >> (64 - HIST_MAX_BITS));
	for (bit = 0; bit < HIST_MAX_BITS; bit++) {
		check_bucket_holds(1ULL << bit);
		check_bucket_holds((1ULL << bit) - 1);
		check_bucket_holds((1ULL << bit) + 1);
	}
	check_bucket_holds(HIST_MAX_VALUE);
}

static void test_buckets_contiguous(void **state)
{
	size_t i;

	(void)state;
	assert_int_equal(hist_bucket_low(0), 0);
	for (i = 0; i + 1 < HIST_BUCKETS; i++) {
		assert_true(hist_bucket_low(i) <= hist_bucket_high(i));
		assert_int_equal(hist_bucket_low(i + 1),
				 hist_bucket_high(i) + 1);
		assert_int_equal(hist_bucket_index(hist_bucket_low(i)), i);
		assert_int_equal(hist_bucket_index(hist_bucket_high(i)), i);
	}
	assert_int_equal(hist_bucket_high(HIST_BUCKETS - 1), HIST_MAX_VALUE);
}

static void test_overflow_to_top_bucket(void **state)
{
	struct hist *h = hist_new();

	(void)state;
	assert_int_equal(hist_bucket_index(HIST_MAX_VALUE), HIST_BUCKETS - 1);
	assert_int_equal(hist_bucket_index(HIST_MAX_VALUE + 1),
			 HIST_BUCKETS - 1);
	assert_int_equal(hist_bucket_index(UINT64_MAX), HIST_BUCKETS - 1);

	hist_record(h, 10);
	hist_record(h, 1ULL << 45);
	assert_int_equal(h->buckets[HIST_BUCKETS - 1], 1);
	assert_int_equal(h->max, 1ULL << 45);
	assert_int_equal(hist_percentile(h, 100), 1ULL << 45);
	/* The midpoint of the top bucket, not the out-of-range value. */
	assert_int_equal(hist_percentile(h, 99),
			 hist_bucket_low(HIST_BUCKETS - 1) +
				 (hist_bucket_high(HIST_BUCKETS - 1) -
				  hist_bucket_low(HIST_BUCKETS - 1)) / 2);
	free(h);
}

static void test_empty(void **state)
{
	struct hist *h = hist_new();

	(void)state;
	assert_int_equal(h->count, 0);
	assert_int_equal(h->min, UINT64_MAX);
	assert_int_equal(h->max, 0);
	assert_int_equal(hist_percentile(h, 0), 0);
	assert_int_equal(hist_percentile(h, 50), 0);
	assert_int_equal(hist_percentile(h, 100), 0);
	assert_true(hist_mean(h) == 0.0);
	free(h);
}

static void test_min_max_mean_exact(void **state)
{
	struct hist *h = hist_new();
	uint64_t values[] = { 3, 1000, 7, 12345678901ULL, 1ULL << 40, 129 };
	uint64_t sum = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		hist_record(h, values[i]);
		sum += values[i];
	}
	assert_int_equal(h->count, 6);
	assert_int_equal(h->sum, sum);
	assert_int_equal(h->min, 3);
	assert_int_equal(h->max, 1ULL << 40);
	assert_true(hist_mean(h) == (double)sum / 6.0);
	assert_int_equal(hist_percentile(h, 0), 3);
	assert_int_equal(hist_percentile(h, 100), 1ULL << 40);
	free(h);
}

/* n samples of one value in one step are n single samples. */
static void test_record_n_equals_repeats(void **state)
{
	struct hist *one = hist_new(), *bulk = hist_new();
	static const uint64_t values[] = { 0, 1, 127, 128, 5000, 123456789 };
	static const uint64_t counts[] = { 1, 31, 0, 2, 1000, 3 };

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		for (uint64_t k = 0; k < counts[i]; k++)
			hist_record(one, values[i]);
		hist_record_n(bulk, values[i], counts[i]);
	}
	assert_memory_equal(bulk, one, sizeof(*one));
	assert_int_equal(bulk->count, 1037);
	/* The sum saturates, as value * n would overflow. */
	hist_record_n(bulk, UINT64_MAX / 2, 3);
	assert_int_equal(bulk->sum, UINT64_MAX);
	assert_int_equal(bulk->count, 1040);
	free(one);
	free(bulk);
}

static void test_sum_saturates(void **state)
{
	struct hist *h = hist_new();

	(void)state;
	hist_record(h, UINT64_MAX - 5);
	hist_record(h, 10);
	assert_int_equal(h->sum, UINT64_MAX);
	hist_record(h, 1);
	assert_int_equal(h->sum, UINT64_MAX);
	assert_int_equal(h->count, 3);
	free(h);
}

static void test_percentile_rank_small(void **state)
{
	struct hist *h = hist_new();
	uint64_t v;
	int i;

	(void)state;
	for (v = 1; v <= 100; v++)
		hist_record(h, v);
	assert_int_equal(hist_percentile(h, 0), 1);
	assert_int_equal(hist_percentile(h, 0.5), 1);
	assert_int_equal(hist_percentile(h, 1), 1);
	assert_int_equal(hist_percentile(h, 1.01), 2);
	assert_int_equal(hist_percentile(h, 50), 50);
	assert_int_equal(hist_percentile(h, 50.5), 51);
	assert_int_equal(hist_percentile(h, 90), 90);
	assert_int_equal(hist_percentile(h, 99), 99);
	assert_int_equal(hist_percentile(h, 99.9), 100);
	assert_int_equal(hist_percentile(h, 100), 100);

	/* p * count / 100 that is an integer only up to rounding. */
	hist_reset(h);
	for (i = 0; i < 999; i++)
		hist_record(h, 5);
	hist_record(h, 100);
	assert_int_equal(hist_percentile(h, 99.9), 5);
	assert_int_equal(hist_percentile(h, 99.91), 100);
	hist_reset(h);
	for (i = 0; i < 9999; i++)
		hist_record(h, 7);
	hist_record(h, 100);
	assert_int_equal(hist_percentile(h, 99.99), 7);
	free(h);
}

static void test_percentiles_vs_sorted(void **state)
{
	static const uint64_t p_milli[] = { 0,     1000,  25000, 50000, 90000,
					    99000, 99900, 99990, 100000 };
	uint64_t *values = malloc(SAMPLES * sizeof(*values));
	struct hist *h = hist_new();
	size_t i;

	(void)state;
	assert_non_null(values);
	for (i = 0; i < SAMPLES; i++) {
		values[i] = rng_latency();
		hist_record(h, values[i]);
	}
	qsort(values, SAMPLES, sizeof(*values), cmp_u64);
	assert_int_equal(h->count, SAMPLES);
	assert_int_equal(h->min, values[0]);
	assert_int_equal(h->max, values[SAMPLES - 1]);
	/* The spread is really as wide as intended. */
	assert_true(values[0] <= 1000);
	assert_true(values[SAMPLES - 1] >= 10000000000ULL);

	for (i = 0; i < sizeof(p_milli) / sizeof(p_milli[0]); i++) {
		double p = (double)p_milli[i] / 1000.0;
		uint64_t exact = values[exact_rank(p_milli[i], SAMPLES) - 1];
		uint64_t got = hist_percentile(h, p);

		/* Documented bound 1/128, which is inside the 1% promise. */
		if (abs_diff(got, exact) * 128 > exact)
			fail_msg("p%.3f: got %llu, exact %llu", p,
				 (unsigned long long)got,
				 (unsigned long long)exact);
	}
	assert_int_equal(hist_percentile(h, 0), values[0]);
	assert_int_equal(hist_percentile(h, 100), values[SAMPLES - 1]);
	free(h);
	free(values);
}

static void test_merge_equals_single(void **state)
{
	struct hist *a = hist_new(), *b = hist_new(), *all = hist_new();
	struct hist *merged = hist_new();
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		uint64_t v = rng_latency();

		hist_record(i % 3 ? a : b, v);
		hist_record(all, v);
	}
	hist_record(b, 1); /* min comes from b */
	hist_record(all, 1);

	hist_merge(merged, a);
	hist_merge(merged, b);
	assert_int_equal(merged->count, all->count);
	assert_int_equal(merged->sum, all->sum);
	assert_int_equal(merged->min, 1);
	assert_int_equal(merged->max, all->max);
	assert_memory_equal(merged->buckets, all->buckets,
			    sizeof(all->buckets));
	assert_int_equal(hist_percentile(merged, 99.9),
			 hist_percentile(all, 99.9));

	/* Merging an empty histogram changes nothing. */
	hist_reset(b);
	hist_merge(merged, b);
	assert_memory_equal(merged, all, sizeof(*all));
	free(a);
	free(b);
	free(all);
	free(merged);
}

static void test_snapshot_copies(void **state)
{
	struct hist *h = hist_new(), *copy = hist_new();
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		hist_record(h, rng_latency());
	hist_snapshot(copy, h);
	assert_memory_equal(copy, h, sizeof(*h));
	hist_reset(h);
	hist_snapshot(copy, h);
	assert_int_equal(copy->count, 0);
	assert_int_equal(copy->min, UINT64_MAX);
	free(h);
	free(copy);
}

/*
 * What a reader can see when it catches the writer between stores: the
 * bucket is counted but count, min and max are not yet updated.
 */
static void test_snapshot_torn(void **state)
{
	struct hist *h = hist_new(), *snap = hist_new();

	(void)state;
	h->buckets[hist_bucket_index(5000)] = 1;
	hist_snapshot(snap, h);
	assert_int_equal(snap->count, 1);
	assert_true(snap->min <= 5000 && snap->max >= 5000);
	assert_true(snap->min >= hist_bucket_low(hist_bucket_index(5000)));
	assert_true(snap->max <= hist_bucket_high(hist_bucket_index(5000)));
	assert_in_range(hist_percentile(snap, 50), 5000 - 5000 / 128,
			5000 + 5000 / 128);

	/* Older values fully recorded, the newest only in its bucket. */
	hist_record(h, 40);
	h->buckets[hist_bucket_index(90000)]++;
	hist_snapshot(snap, h);
	assert_int_equal(snap->count, 3);
	assert_int_equal(snap->min, 40);
	assert_true(snap->max >= hist_bucket_low(hist_bucket_index(90000)));
	assert_in_range(hist_percentile(snap, 100), 90000 - 90000 / 64,
			90000 + 90000 / 64);
	free(h);
	free(snap);
}

struct writer_arg {
	struct hist *h;
	int records;
};

static void *writer(void *p)
{
	struct writer_arg *arg = p;
	int i;

	for (i = 1; i <= arg->records; i++)
		hist_record(arg->h, (uint64_t)i);
	return NULL;
}

/* A reader never sees a snapshot that contradicts itself. */
static void test_snapshot_while_writing(void **state)
{
	struct writer_arg arg = { .h = hist_new(), .records = 300000 };
	struct hist *snap = hist_new();
	uint64_t last_count = 0;
	pthread_t thread;
	int rounds = 0;

	(void)state;
	assert_int_equal(pthread_create(&thread, NULL, writer, &arg), 0);
	do {
		uint64_t total = 0;
		size_t i;

		hist_snapshot(snap, arg.h);
		for (i = 0; i < HIST_BUCKETS; i++)
			total += snap->buckets[i];
		assert_int_equal(total, snap->count);
		assert_true(snap->count >= last_count);
		last_count = snap->count;
		if (snap->count) {
			uint64_t p50 = hist_percentile(snap, 50);

			assert_true(snap->min <= snap->max);
			assert_true(p50 >= snap->min && p50 <= snap->max);
		}
		rounds++;
	} while (last_count < (uint64_t)arg.records && rounds < 100000);
	assert_int_equal(pthread_join(thread, NULL), 0);
	hist_snapshot(snap, arg.h);
	assert_int_equal(snap->count, arg.records);
	assert_int_equal(snap->min, 1);
	assert_int_equal(snap->max, arg.records);
	free(arg.h);
	free(snap);
}

static struct shist *shist_new(void)
{
	struct shist *h = malloc(sizeof(*h));

	assert_non_null(h);
	shist_init(h);
	return h;
}

static void test_shist_small(void **state)
{
	struct shist *h = shist_new();
	int64_t v;

	(void)state;
	assert_int_equal(shist_count(h), 0);
	assert_int_equal(shist_min(h), 0);
	assert_int_equal(shist_max(h), 0);
	assert_int_equal(shist_percentile(h, 50), 0);

	for (v = -50; v < 50; v++)
		shist_record(h, v);
	assert_int_equal(shist_count(h), 100);
	assert_int_equal(h->neg.count, 50);
	assert_int_equal(h->pos.count, 50);
	assert_int_equal(shist_min(h), -50);
	assert_int_equal(shist_max(h), 49);
	assert_int_equal(shist_percentile(h, 0), -50);
	assert_int_equal(shist_percentile(h, 1), -50);
	assert_int_equal(shist_percentile(h, 2), -49);
	assert_int_equal(shist_percentile(h, 50), -1);
	assert_int_equal(shist_percentile(h, 51), 0);
	assert_int_equal(shist_percentile(h, 90), 39);
	assert_int_equal(shist_percentile(h, 100), 49);
	free(h);
}

static void test_shist_one_sided(void **state)
{
	struct shist *h = shist_new();

	(void)state;
	shist_record(h, -7);
	shist_record(h, -3);
	assert_int_equal(shist_min(h), -7);
	assert_int_equal(shist_max(h), -3);
	assert_int_equal(shist_percentile(h, 50), -7);
	assert_int_equal(shist_percentile(h, 100), -3);

	shist_init(h);
	shist_record(h, 4);
	shist_record(h, 9);
	assert_int_equal(shist_min(h), 4);
	assert_int_equal(shist_max(h), 9);
	assert_int_equal(shist_percentile(h, 50), 4);

	shist_init(h);
	shist_record(h, INT64_MIN);
	shist_record(h, INT64_MAX);
	assert_int_equal(shist_min(h), INT64_MIN);
	assert_int_equal(shist_max(h), INT64_MAX);
	free(h);
}

static void test_shist_vs_sorted(void **state)
{
	static const uint64_t p_milli[] = { 0,     1000,  10000, 50000,
					    90000, 99000, 99900, 100000 };
	int64_t *values = malloc(SAMPLES * sizeof(*values));
	struct shist *h = shist_new(), *a = shist_new(), *b = shist_new();
	size_t i;

	(void)state;
	assert_non_null(values);
	for (i = 0; i < SAMPLES; i++) {
		int64_t v = (int64_t)rng_latency();

		values[i] = rng_next() & 1 ? v : -v;
		shist_record(h, values[i]);
		shist_record(i & 4 ? a : b, values[i]);
	}
	qsort(values, SAMPLES, sizeof(*values), cmp_i64);
	for (i = 0; i < sizeof(p_milli) / sizeof(p_milli[0]); i++) {
		double p = (double)p_milli[i] / 1000.0;
		int64_t exact = values[exact_rank(p_milli[i], SAMPLES) - 1];
		int64_t got = shist_percentile(h, p);
		uint64_t err = (uint64_t)llabs(got - exact);

		if ((got < 0) != (exact < 0) ||
		    err * 128 > (uint64_t)llabs(exact))
			fail_msg("p%.3f: got %lld, exact %lld", p,
				 (long long)got, (long long)exact);
	}
	assert_int_equal(shist_min(h), values[0]);
	assert_int_equal(shist_max(h), values[SAMPLES - 1]);

	shist_merge(a, b);
	assert_int_equal(shist_count(a), SAMPLES);
	assert_memory_equal(a, h, sizeof(*h));
	shist_snapshot(b, h);
	assert_memory_equal(b, h, sizeof(*h));
	free(values);
	free(h);
	free(a);
	free(b);
}

/* Found by fuzz_seqtrack: the top bucket also holds values above the
 * range, so a real minimum there must survive a snapshot unchanged. */
static void test_snapshot_keeps_min_above_range(void **state)
{
	struct hist h, s;

	(void)state;
	hist_init(&h);
	hist_record(&h, 1ULL << 40);
	hist_snapshot(&s, &h);
	assert_int_equal(s.min, 1ULL << 40);
	assert_int_equal(s.max, 1ULL << 40);
	assert_int_equal(hist_percentile(&s, 50), 1ULL << 40);
}

/* Prometheus buckets: exact where the histogram is exact (below 128 ns),
 * and against a sorted count elsewhere, with values kept away from the
 * bounds by more than a bucket's width. */
static void test_cumulative(void **state)
{
	static const uint64_t le[] = { 5, 10, 100, 1000, 100000, 10000000 };
	uint64_t out[6], want[6] = { 0 }, total;
	struct hist h;

	(void)state;
	hist_init(&h);
	total = hist_cumulative(&h, le, 6, out);
	assert_int_equal(total, 0);
	for (int k = 0; k < 6; k++)
		assert_int_equal(out[k], 0);
	/* 0..9 once each: 6 values <= 5, 10 <= 10. */
	for (uint64_t v = 0; v < 10; v++)
		hist_record(&h, v);
	/* 50 at 500 ns, 30 at 50 us, 20 at 3 ms, 7 at 20 s (beyond every
	 * bound: only in the total). */
	for (int i = 0; i < 50; i++)
		hist_record(&h, 500);
	for (int i = 0; i < 30; i++)
		hist_record(&h, 50000);
	for (int i = 0; i < 20; i++)
		hist_record(&h, 3000000);
	for (int i = 0; i < 7; i++)
		hist_record(&h, 20000000000ULL);
	total = hist_cumulative(&h, le, 6, out);
	want[0] = 6;
	want[1] = 10;
	want[2] = 10;
	want[3] = 60;
	want[4] = 90;
	want[5] = 110;
	assert_int_equal(total, 117);
	for (int k = 0; k < 6; k++)
		assert_int_equal(out[k], want[k]);
	/* Random values, none within 2% of a bound. */
	hist_reset(&h);
	memset(want, 0, sizeof(want));
	for (int i = 0; i < SAMPLES; i++) {
		uint64_t v = rng_latency();
		bool near = false;

		for (int k = 0; k < 6; k++)
			near |= v > le[k] * 98 / 100 && v < le[k] * 102 / 100 + 1;
		if (near)
			continue;
		hist_record(&h, v);
		for (int k = 0; k < 6; k++)
			want[k] += v <= le[k];
	}
	total = hist_cumulative(&h, le, 6, out);
	assert_int_equal(total, h.count);
	for (int k = 0; k < 6; k++)
		assert_int_equal(out[k], want[k]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_values_exact),
		cmocka_unit_test(test_cumulative),
		cmocka_unit_test(test_every_value_in_its_bucket),
		cmocka_unit_test(test_buckets_contiguous),
		cmocka_unit_test(test_overflow_to_top_bucket),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_min_max_mean_exact),
		cmocka_unit_test(test_sum_saturates),
		cmocka_unit_test(test_record_n_equals_repeats),
		cmocka_unit_test(test_percentile_rank_small),
		cmocka_unit_test(test_percentiles_vs_sorted),
		cmocka_unit_test(test_merge_equals_single),
		cmocka_unit_test(test_snapshot_copies),
		cmocka_unit_test(test_snapshot_torn),
		cmocka_unit_test(test_snapshot_while_writing),
		cmocka_unit_test(test_shist_small),
		cmocka_unit_test(test_shist_one_sided),
		cmocka_unit_test(test_shist_vs_sorted),
		cmocka_unit_test(test_snapshot_keeps_min_above_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
