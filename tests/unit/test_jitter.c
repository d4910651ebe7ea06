// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "lib/jitter.h"

#define TX_START 1000000000ULL
#define TX_STEP 10000ULL

/* The hand-computed values are short binary fractions, so the
 * recurrence in doubles must reproduce them exactly. */
static void check_double(double got, double want)
{
	if (got != want)
		fail_msg("got %.17g, want %.17g", got, want);
}

static struct shist *shist_new(void)
{
	struct shist *h = malloc(sizeof(*h));

	assert_non_null(h);
	shist_init(h);
	return h;
}

/* Packet i sent at a fixed interval, arriving after transit ns. */
static void feed(struct jitter *j, uint64_t seq, int64_t transit,
		 struct shist *ipdv, struct shist *pdv)
{
	uint64_t tx = TX_START + seq * TX_STEP;

	jitter_update(j, seq, tx, tx + (uint64_t)transit, ipdv, pdv, NULL,
		      NULL);
}

static void test_constant_transit(void **state)
{
	struct shist *ipdv = shist_new(), *pdv = shist_new();
	struct jitter j;
	uint64_t seq;

	(void)state;
	jitter_init(&j);
	for (seq = 0; seq < 100; seq++)
		feed(&j, seq, 5000, ipdv, pdv);
	assert_true(j.rfc3550_ns == 0.0);
	assert_int_equal(j.samples, 99);
	assert_int_equal(shist_count(ipdv), 99);
	assert_int_equal(shist_min(ipdv), 0);
	assert_int_equal(shist_max(ipdv), 0);
	assert_int_equal(shist_count(pdv), 100);
	assert_int_equal(jitter_pdv_percentile(pdv, 0), 0);
	assert_int_equal(jitter_pdv_percentile(pdv, 99), 0);
	assert_int_equal(jitter_pdv_percentile(pdv, 100), 0);
	free(ipdv);
	free(pdv);
}

/* Receiver clock behind the sender's: transit is negative, and still
 * constant, so there is no variation. */
static void test_clock_offset_cancels(void **state)
{
	struct shist *pdv = shist_new();
	struct jitter j;
	uint64_t seq;

	(void)state;
	jitter_init(&j);
	for (seq = 0; seq < 50; seq++) {
		uint64_t tx = 5000000000000000ULL + seq * TX_STEP;
		uint64_t rx = seq * TX_STEP + 123 + (seq % 2) * 40;

		jitter_update(&j, seq, tx, rx, NULL, pdv, NULL, NULL);
	}
	assert_true(j.rfc3550_ns == 40.0);
	/* Half the transits are 40 ns above the other half. */
	assert_int_equal(jitter_pdv_percentile(pdv, 100), 40);
	assert_int_equal(jitter_pdv_percentile(pdv, 51), 40);
	assert_int_equal(jitter_pdv_percentile(pdv, 50), 0);
	free(pdv);
}

static void test_alternating_transit(void **state)
{
	const int64_t base = 20000, d = 300;
	struct jitter j;
	uint64_t seq;

	(void)state;
	jitter_init(&j);
	feed(&j, 0, base + d, NULL, NULL);
	assert_int_equal(j.samples, 0);
	assert_true(j.rfc3550_ns == 0.0);
	for (seq = 1; seq < 200; seq++) {
		feed(&j, seq, seq % 2 ? base - d : base + d, NULL, NULL);
		/* Seeded with the first |D| = 2d, so exact from the start. */
		assert_true(j.rfc3550_ns == (double)(2 * d));
	}
	assert_int_equal(j.samples, 199);
}

static void test_rfc3550_hand_computed(void **state)
{
	/* D = 30, -20, 50, 0, -70; J1 = |D1|, then J += (|D| - J) / 16. */
	static const int64_t transits[] = { 100, 130, 110, 160, 160, 90 };
	static const double expected[] = { 0.0,	    30.0,	     29.375,
					   30.6640625, 28.74755859375,
					   31.325836181640625 };
	struct jitter j;
	size_t i;

	(void)state;
	jitter_init(&j);
	for (i = 0; i < sizeof(transits) / sizeof(transits[0]); i++) {
		feed(&j, i, transits[i], NULL, NULL);
		check_double(j.rfc3550_ns, expected[i]);
	}
	assert_int_equal(j.samples, 5);
	assert_int_equal(j.prev_transit, 90);
}

static void test_ipdv_skips_loss(void **state)
{
	static const uint64_t seqs[] = { 0, 1, 2, 4, 5 };
	static const int64_t transits[] = { 100, 110, 130, 200, 190 };
	struct shist *ipdv = shist_new();
	struct jitter j;
	size_t i;

	(void)state;
	jitter_init(&j);
	for (i = 0; i < 5; i++)
		feed(&j, seqs[i], transits[i], ipdv, NULL);
	/* Pairs (0,1) = 10, (1,2) = 20, (4,5) = -10; (2,4) is no pair. */
	assert_int_equal(shist_count(ipdv), 3);
	assert_int_equal(shist_min(ipdv), -10);
	assert_int_equal(shist_max(ipdv), 20);
	assert_int_equal(shist_percentile(ipdv, 50), 10);
	/* RFC 3550 jitter uses every consecutive arrival, 70 included. */
	assert_int_equal(j.samples, 4);
	check_double(j.rfc3550_ns, 14.06494140625);
	free(ipdv);
}

static void test_ipdv_skips_reorder_and_duplicate(void **state)
{
	struct shist *ipdv = shist_new();
	struct jitter j;

	(void)state;
	jitter_init(&j);
	feed(&j, 0, 100, ipdv, NULL);
	feed(&j, 2, 150, ipdv, NULL);
	feed(&j, 1, 300, ipdv, NULL);
	feed(&j, 3, 120, ipdv, NULL);
	assert_int_equal(shist_count(ipdv), 0);

	feed(&j, 4, 125, ipdv, NULL); /* (3,4) = 5 */
	feed(&j, 4, 500, ipdv, NULL); /* duplicate: no pair */
	feed(&j, 5, 510, ipdv, NULL); /* (4,5) = 10 */
	assert_int_equal(shist_count(ipdv), 2);
	assert_int_equal(shist_min(ipdv), 5);
	assert_int_equal(shist_max(ipdv), 10);
	free(ipdv);
}

static void test_pdv_percentiles_exact(void **state)
{
	struct shist *pdv = shist_new();
	struct jitter j;
	uint64_t i;

	(void)state;
	jitter_init(&j);
	/* Transits 5000..5100, each once, in scrambled order starting at
	 * 5050, so the reference is not the minimum. */
	for (i = 0; i <= 100; i++)
		feed(&j, i, 5000 + (int64_t)((i * 37 + 50) % 101), NULL, pdv);
	assert_int_equal(j.own_pdv_ref, 5050);
	assert_int_equal(shist_count(pdv), 101);
	assert_int_equal(shist_min(pdv), -50);
	assert_int_equal(jitter_pdv_percentile(pdv, 0), 0);
	/* Rank ceil(p * 101 / 100); PDV = rank - 1. */
	assert_int_equal(jitter_pdv_percentile(pdv, 50), 50);
	assert_int_equal(jitter_pdv_percentile(pdv, 90), 90);
	assert_int_equal(jitter_pdv_percentile(pdv, 99), 99);
	assert_int_equal(jitter_pdv_percentile(pdv, 100), 100);
	free(pdv);
}

static void test_pdv_percentiles_large(void **state)
{
	struct shist *pdv = shist_new();
	struct jitter j;
	uint64_t i;

	(void)state;
	jitter_init(&j);
	/* Transits 1 ms + k * 1 us, k = 0..1000, reference at k = 500. */
	for (i = 0; i <= 1000; i++)
		feed(&j, i,
		     1000000 + 1000 * (int64_t)((i * 389 + 500) % 1001), NULL,
		     pdv);
	assert_int_equal(jitter_pdv_percentile(pdv, 0), 0);
	assert_int_equal(jitter_pdv_percentile(pdv, 100), 1000000);
	/* Rank 501 is the reference itself: exactly 500 us. */
	assert_int_equal(jitter_pdv_percentile(pdv, 50), 500000);
	/* Rank 901: transit - ref = 400 us, precise to 1/128 of that. */
	assert_in_range(jitter_pdv_percentile(pdv, 90), 900000 - 400000 / 128,
			900000 + 400000 / 128);
	/* Rank 1000: 499 us above the reference. */
	assert_in_range(jitter_pdv_percentile(pdv, 99.9), 999000 - 499000 / 128,
			999000 + 499000 / 128);
	free(pdv);
}

static void test_pdv_shared_reference(void **state)
{
	struct shist *pdv = shist_new();
	struct jitter a, b;
	int64_t ref = 0;
	int ref_set = 0;
	uint64_t seq;

	(void)state;
	jitter_init(&a);
	jitter_init(&b);
	for (seq = 0; seq < 10; seq++) {
		uint64_t tx = TX_START + seq * TX_STEP;

		jitter_update(&a, seq, tx, tx + 1000, NULL, pdv, &ref,
			      &ref_set);
		jitter_update(&b, seq, tx, tx + 1100, NULL, pdv, &ref,
			      &ref_set);
	}
	assert_int_equal(ref_set, 1);
	assert_int_equal(ref, 1000);
	assert_int_equal(shist_count(pdv), 20);
	assert_int_equal(shist_min(pdv), 0);
	assert_int_equal(shist_max(pdv), 100);
	assert_int_equal(jitter_pdv_percentile(pdv, 50), 0);
	assert_int_equal(jitter_pdv_percentile(pdv, 51), 100);
	/* Each flow's own jitter is still zero. */
	assert_true(a.rfc3550_ns == 0.0 && b.rfc3550_ns == 0.0);
	free(pdv);
}

static void test_pdv_empty(void **state)
{
	struct shist *pdv = shist_new();

	(void)state;
	assert_int_equal(jitter_pdv_percentile(pdv, 50), 0);
	assert_int_equal(jitter_pdv_percentile(pdv, 100), 0);
	free(pdv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constant_transit),
		cmocka_unit_test(test_clock_offset_cancels),
		cmocka_unit_test(test_alternating_transit),
		cmocka_unit_test(test_rfc3550_hand_computed),
		cmocka_unit_test(test_ipdv_skips_loss),
		cmocka_unit_test(test_ipdv_skips_reorder_and_duplicate),
		cmocka_unit_test(test_pdv_percentiles_exact),
		cmocka_unit_test(test_pdv_percentiles_large),
		cmocka_unit_test(test_pdv_shared_reference),
		cmocka_unit_test(test_pdv_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
