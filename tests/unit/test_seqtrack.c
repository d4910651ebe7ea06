// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/seqtrack.h"

static void test_empty(void **state)
{
	struct seqtrack st;

	(void)state;
	seqtrack_init(&st);
	assert_int_equal(seqtrack_expected(&st), 0);
	assert_int_equal(seqtrack_lost(&st), 0);
	assert_int_equal(st.received, 0);
}

static void test_in_order(void **state)
{
	struct seqtrack st;
	uint64_t seq;

	(void)state;
	seqtrack_init(&st);
	for (seq = 0; seq < 10000; seq++)
		assert_int_equal(seqtrack_update(&st, seq), SEQ_IN_ORDER);
	assert_int_equal(st.received, 10000);
	assert_int_equal(st.highest, 9999);
	assert_int_equal(seqtrack_expected(&st), 10000);
	assert_int_equal(seqtrack_lost(&st), 0);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(st.reordered, 0);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.max_reorder_distance, 0);
}

static void test_gap_then_fill(void **state)
{
	struct seqtrack st;

	(void)state;
	seqtrack_init(&st);
	assert_int_equal(seqtrack_update(&st, 0), SEQ_IN_ORDER);
	assert_int_equal(seqtrack_update(&st, 1), SEQ_IN_ORDER);
	assert_int_equal(seqtrack_update(&st, 2), SEQ_IN_ORDER);
	assert_int_equal(seqtrack_update(&st, 5), SEQ_GAP);
	assert_int_equal(seqtrack_expected(&st), 6);
	assert_int_equal(seqtrack_lost(&st), 2);

	assert_int_equal(seqtrack_update(&st, 4), SEQ_REORDERED);
	assert_int_equal(seqtrack_lost(&st), 1);
	assert_int_equal(st.max_reorder_distance, 1);
	assert_int_equal(seqtrack_update(&st, 3), SEQ_REORDERED);
	assert_int_equal(seqtrack_lost(&st), 0);
	assert_int_equal(st.reordered, 2);
	assert_int_equal(st.max_reorder_distance, 2);
	assert_int_equal(st.highest, 5);

	assert_int_equal(seqtrack_update(&st, 6), SEQ_IN_ORDER);
	assert_int_equal(seqtrack_lost(&st), 0);
	assert_int_equal(st.received, 7);
}

static void test_duplicates(void **state)
{
	struct seqtrack st;

	(void)state;
	seqtrack_init(&st);
	assert_int_equal(seqtrack_update(&st, 0), SEQ_IN_ORDER);
	assert_int_equal(seqtrack_update(&st, 0), SEQ_DUPLICATE);
	assert_int_equal(seqtrack_update(&st, 1), SEQ_IN_ORDER);
	assert_int_equal(seqtrack_update(&st, 1), SEQ_DUPLICATE);
	assert_int_equal(seqtrack_update(&st, 0), SEQ_DUPLICATE);
	assert_int_equal(seqtrack_update(&st, 4), SEQ_GAP);
	assert_int_equal(seqtrack_update(&st, 2), SEQ_REORDERED);
	assert_int_equal(seqtrack_update(&st, 2), SEQ_DUPLICATE);
	assert_int_equal(st.received, 8);
	assert_int_equal(st.duplicates, 4);
	assert_int_equal(st.reordered, 1);
	assert_int_equal(seqtrack_expected(&st), 5);
	/* unique = 8 - 4 = 4 of 5 expected: 3 is missing. */
	assert_int_equal(seqtrack_lost(&st), 1);
}

static void test_late(void **state)
{
	struct seqtrack st;
	uint64_t seq;

	(void)state;
	seqtrack_init(&st);
	for (seq = 0; seq <= 5000; seq++)
		seqtrack_update(&st, seq);
	/* A duplicate this old can no longer be told apart. */
	assert_int_equal(seqtrack_update(&st, 100), SEQ_LATE);
	assert_int_equal(st.late, 1);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(st.received, 5002);
	assert_int_equal(seqtrack_lost(&st), 0); /* floored */

	/* Window edge: highest - seq == WINDOW - 1 is still remembered. */
	assert_int_equal(seqtrack_update(&st, 5000 - (SEQTRACK_WINDOW - 1)),
			 SEQ_DUPLICATE);
	assert_int_equal(seqtrack_update(&st, 5000 - SEQTRACK_WINDOW),
			 SEQ_LATE);
	assert_int_equal(st.late, 2);
	assert_int_equal(st.duplicates, 1);
}

static void test_late_reduces_loss(void **state)
{
	struct seqtrack st;

	(void)state;
	seqtrack_init(&st);
	seqtrack_update(&st, 0);
	assert_int_equal(seqtrack_update(&st, 10000), SEQ_GAP);
	assert_int_equal(seqtrack_lost(&st), 9999);
	assert_int_equal(seqtrack_update(&st, 5), SEQ_LATE);
	assert_int_equal(seqtrack_lost(&st), 9998);
	assert_int_equal(seqtrack_update(&st, 10000 - 1), SEQ_REORDERED);
	assert_int_equal(seqtrack_lost(&st), 9997);
	assert_int_equal(st.max_reorder_distance, 1);
}

static void test_loss_at_start(void **state)
{
	struct seqtrack st;

	(void)state;
	seqtrack_init(&st);
	assert_int_equal(seqtrack_update(&st, 5), SEQ_IN_ORDER);
	assert_int_equal(seqtrack_expected(&st), 6);
	assert_int_equal(seqtrack_lost(&st), 5);
	assert_int_equal(seqtrack_update(&st, 6), SEQ_IN_ORDER);
	assert_int_equal(seqtrack_lost(&st), 5);
	assert_int_equal(seqtrack_update(&st, 2), SEQ_REORDERED);
	assert_int_equal(st.max_reorder_distance, 4);
	assert_int_equal(seqtrack_lost(&st), 4);
	assert_int_equal(seqtrack_update(&st, 0), SEQ_REORDERED);
	assert_int_equal(seqtrack_lost(&st), 3);
}

/* Slots reused after the window slides must read as unseen. */
static void test_window_slide_clears(void **state)
{
	struct seqtrack st;
	uint64_t seq;

	(void)state;
	seqtrack_init(&st);
	for (seq = 0; seq < SEQTRACK_WINDOW; seq++)
		seqtrack_update(&st, seq);
	/* 4096..4099 reuse the slots of 0..3, which were seen. */
	assert_int_equal(seqtrack_update(&st, SEQTRACK_WINDOW + 4), SEQ_GAP);
	for (seq = SEQTRACK_WINDOW; seq < SEQTRACK_WINDOW + 4; seq++)
		assert_int_equal(seqtrack_update(&st, seq), SEQ_REORDERED);
	assert_int_equal(seqtrack_lost(&st), 0);

	/* A gap spanning several bitmap words, not word aligned. */
	assert_int_equal(seqtrack_update(&st, SEQTRACK_WINDOW + 300), SEQ_GAP);
	for (seq = SEQTRACK_WINDOW + 5; seq < SEQTRACK_WINDOW + 300; seq++)
		assert_int_equal(seqtrack_update(&st, seq), SEQ_REORDERED);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(seqtrack_lost(&st), 0);
	assert_int_equal(st.max_reorder_distance, 295);
}

static void test_huge_jump(void **state)
{
	const uint64_t jump = 1000000000ULL;
	struct seqtrack st;
	uint64_t seq, alias;

	(void)state;
	seqtrack_init(&st);
	for (seq = 0; seq < 100; seq++)
		seqtrack_update(&st, seq);
	assert_int_equal(seqtrack_update(&st, jump), SEQ_GAP);
	assert_int_equal(seqtrack_expected(&st), jump + 1);
	assert_int_equal(seqtrack_lost(&st), jump + 1 - 101);
	assert_int_equal(seqtrack_update(&st, jump + 1), SEQ_IN_ORDER);

	/* Same slot as 99, which was seen before the jump. */
	alias = jump - jump % SEQTRACK_WINDOW + 99;
	assert_true(alias < jump && jump + 1 - alias < SEQTRACK_WINDOW);
	assert_int_equal(alias % SEQTRACK_WINDOW, 99);
	assert_int_equal(seqtrack_update(&st, alias), SEQ_REORDERED);
	assert_int_equal(seqtrack_update(&st, 50), SEQ_LATE);
	assert_int_equal(seqtrack_lost(&st), jump + 2 - 104);
}

static void test_near_uint64_max(void **state)
{
	struct seqtrack st;
	uint64_t seq;

	(void)state;
	seqtrack_init(&st);
	for (seq = UINT64_MAX - 10; seq < UINT64_MAX - 5; seq++)
		assert_int_equal(seqtrack_update(&st, seq), SEQ_IN_ORDER);
	assert_int_equal(seqtrack_expected(&st), UINT64_MAX - 5);
	assert_int_equal(seqtrack_lost(&st), UINT64_MAX - 10);

	assert_int_equal(seqtrack_update(&st, UINT64_MAX), SEQ_GAP);
	assert_int_equal(st.highest, UINT64_MAX);
	/* highest + 1 does not fit: expected saturates, no wrap to 0. */
	assert_int_equal(seqtrack_expected(&st), UINT64_MAX);
	assert_int_equal(seqtrack_lost(&st), UINT64_MAX - 6);
	assert_int_equal(seqtrack_update(&st, UINT64_MAX - 2), SEQ_REORDERED);
	assert_int_equal(st.max_reorder_distance, 2);
	assert_int_equal(seqtrack_update(&st, UINT64_MAX), SEQ_DUPLICATE);
	assert_int_equal(seqtrack_update(&st, UINT64_MAX - 10),
			 SEQ_DUPLICATE);
	/* A wrapped number is far below highest, not a successor. */
	assert_int_equal(seqtrack_update(&st, 0), SEQ_LATE);
	assert_int_equal(st.highest, UINT64_MAX);

	/* Jump from small to near max: a full clear, no overflow. */
	seqtrack_init(&st);
	seqtrack_update(&st, 10);
	assert_int_equal(seqtrack_update(&st, UINT64_MAX - 1), SEQ_GAP);
	assert_int_equal(seqtrack_update(&st, UINT64_MAX), SEQ_IN_ORDER);
	assert_int_equal(seqtrack_update(&st, UINT64_MAX - 2), SEQ_REORDERED);
	assert_int_equal(seqtrack_update(&st, 10), SEQ_LATE);
}

/* Random streams against an unbounded reference model. */
#define MODEL_RANGE 2000000

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_random_vs_model(void **state)
{
	bool *seen = calloc(MODEL_RANGE, sizeof(*seen));
	uint64_t received = 0, duplicates = 0, reordered = 0, late = 0;
	uint64_t highest = 0, max_distance = 0, next = 0;
	struct seqtrack st;
	bool started = false;
	int i;

	(void)state;
	assert_non_null(seen);
	seqtrack_init(&st);
	for (i = 0; i < 150000; i++) {
		uint64_t r = rng_next() % 1000, seq;
		enum seq_event want, got;

		if (r < 700 || next == 0) {
			seq = next++;
		} else if (r < 800) {
			next += rng_next() % 20; /* gap */
			seq = next++;
		} else if (r < 801) {
			next += rng_next() % 9000; /* may exceed the window */
			seq = next++;
		} else {
			uint64_t back = rng_next() % 6000;

			seq = back < next ? next - 1 - back : 0;
		}
		if (seq >= MODEL_RANGE)
			break;

		received++;
		if (!started) {
			want = SEQ_IN_ORDER;
			started = true;
			highest = seq;
		} else if (seq > highest) {
			want = seq == highest + 1 ? SEQ_IN_ORDER : SEQ_GAP;
			highest = seq;
		} else if (highest - seq >= SEQTRACK_WINDOW) {
			want = SEQ_LATE;
			late++;
		} else if (seen[seq]) {
			want = SEQ_DUPLICATE;
			duplicates++;
		} else {
			want = SEQ_REORDERED;
			reordered++;
			if (highest - seq > max_distance)
				max_distance = highest - seq;
		}
		if (want != SEQ_LATE)
			seen[seq] = true;

		got = seqtrack_update(&st, seq);
		if (got != want)
			fail_msg("step %d seq %llu: got %d, want %d", i,
				 (unsigned long long)seq, got, want);
	}
	assert_true(i > 100000);
	assert_int_equal(st.received, received);
	assert_int_equal(st.duplicates, duplicates);
	assert_int_equal(st.reordered, reordered);
	assert_int_equal(st.late, late);
	assert_int_equal(st.highest, highest);
	assert_int_equal(st.max_reorder_distance, max_distance);
	assert_true(reordered > 1000 && duplicates > 1000 && late > 100);
	free(seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_gap_then_fill),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_late),
		cmocka_unit_test(test_late_reduces_loss),
		cmocka_unit_test(test_loss_at_start),
		cmocka_unit_test(test_window_slide_clears),
		cmocka_unit_test(test_huge_jump),
		cmocka_unit_test(test_near_uint64_max),
		cmocka_unit_test(test_random_vs_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
