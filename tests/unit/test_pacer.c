// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "lib/clock.h"
#include "lib/pacer.h"

#define NS_PER_SEC 1000000000ULL
#define NS_PER_MS 1000000ULL
#define NS_PER_US 1000ULL

/* Deterministic PRNG (xorshift64), so a failure reproduces. */
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Drive the pacer from start to end (inclusive) in steps of step_ns, asking
 * for `want` packets each time, and return the total it granted.
 */
static uint64_t run_fixed_steps(struct pacer *p, uint64_t start, uint64_t end,
				uint64_t step_ns, uint32_t want)
{
	uint64_t total = 0;

	for (uint64_t now = start; now <= end; now += step_ns)
		total += pacer_take(p, now, want);
	return total;
}

static void test_rate_1_5mpps_over_one_second(void **state)
{
	const uint32_t burst = 32;
	struct pacer p;
	uint64_t total;

	(void)state;
	pacer_init(&p, 1.5e6, burst, 0);
	assert_false(pacer_unlimited(&p));
	/* 10 us steps accrue 15 packets, well under the burst cap, and
	 * want=64 drains the bucket each time: nothing is lost to the cap. */
	total = run_fixed_steps(&p, 0, NS_PER_SEC, 10 * NS_PER_US, 64);
	assert_in_range(total, 1500000 - burst, 1500000 + burst);
	/* One packet of initial credit, then 1.5M accrue in 1 s: with the
	 * credit in ps and nothing capped, there is no drift at all. */
	assert_in_range(total, 1500000 - 1, 1500000 + 1);
}

static void test_rate_1_5mpps_irregular_clock(void **state)
{
	const uint32_t burst = 32;
	struct pacer p;
	uint64_t now = 0, total = 0;

	(void)state;
	pacer_init(&p, 1.5e6, burst, 0);
	/* Steps of 0..20 us (at most 30 packets of credit, below the cap):
	 * credit is kept in ps, so uneven polling must not drift. */
	total += pacer_take(&p, now, 64);
	while (now < NS_PER_SEC) {
		now += rng_next() % (20 * NS_PER_US + 1);
		if (now > NS_PER_SEC)
			now = NS_PER_SEC;
		total += pacer_take(&p, now, 64);
	}
	assert_in_range(total, 1500000 - burst, 1500000 + burst);
	assert_in_range(total, 1500000 - 1, 1500000 + 1);
}

static void test_rate_1_5mpps_small_wants(void **state)
{
	struct pacer p;
	uint64_t total;

	(void)state;
	/* want=1 every 100 ns: the bucket stays nearly full, so the excess
	 * credit is capped; the total still tracks the rate within a burst. */
	pacer_init(&p, 1.5e6, 8, 0);
	total = run_fixed_steps(&p, 0, NS_PER_SEC, 100, 1);
	assert_in_range(total, 1500000 - 8, 1500000 + 8);
}

static void test_rate_1pps_exact(void **state)
{
	struct pacer p;

	(void)state;
	pacer_init(&p, 1.0, 1, 0);
	assert_int_equal(pacer_take(&p, 0, 10), 1);
	assert_int_equal(pacer_take(&p, 0, 10), 0);
	assert_int_equal(pacer_take(&p, NS_PER_SEC - 1, 10), 0);
	assert_int_equal(pacer_take(&p, NS_PER_SEC, 10), 1);
	assert_int_equal(pacer_take(&p, NS_PER_SEC, 10), 0);
	/* Over the next 10 s in 1 ms steps: exactly 10 more. */
	assert_int_equal(run_fixed_steps(&p, NS_PER_SEC + NS_PER_MS,
					 11 * NS_PER_SEC, NS_PER_MS, 10),
			 10);
}

static void test_rate_20kpps_exact_times(void **state)
{
	const uint64_t interval = 50 * NS_PER_US; /* 1 s / 20000 */
	struct pacer p;
	uint64_t total = 0, late = 0;

	(void)state;
	pacer_init(&p, 20000.0, 1, 0);
	for (uint64_t now = 0; now <= NS_PER_SEC; now += 1000) {
		uint32_t n = pacer_take(&p, now, 4);

		assert_true(n <= 1);
		if (n && now != total * interval)
			late++;
		total += n;
	}
	/* t = 0, 50 us, ..., 1 s: 20001 packets, each exactly on time. */
	assert_int_equal(total, 20001);
	assert_int_equal(late, 0);
}

static void test_burst_cap_after_stall(void **state)
{
	const uint32_t burst = 32;
	struct pacer p;

	(void)state;
	pacer_init(&p, 1e6, burst, 0);
	assert_int_equal(pacer_take(&p, 0, 1000), 1);
	assert_int_equal(pacer_take(&p, 0, 1000), 0);
	/* 100 us stall owes 100 packets: the bucket holds one burst plus
	 * one packet of lateness, and one take gives at most a burst. */
	assert_int_equal(pacer_take(&p, 100 * NS_PER_US, 1000), burst);
	assert_int_equal(pacer_take(&p, 100 * NS_PER_US, 1000), 1);
	assert_int_equal(pacer_take(&p, 100 * NS_PER_US, 1000), 0);
	/* A 10 s stall (the overflow-safe path) is capped the same way. */
	assert_int_equal(pacer_take(&p, 10 * NS_PER_SEC, 1000), burst);
	assert_int_equal(pacer_take(&p, 10 * NS_PER_SEC, 1000), 1);
	assert_int_equal(pacer_take(&p, 10 * NS_PER_SEC, 1000), 0);
	/* Afterwards the rate is back to 1 per us. */
	assert_int_equal(pacer_take(&p, 10 * NS_PER_SEC + 10 * NS_PER_US, 1000),
			 10);
	/* Credit that builds up in short steps (polls that take nothing)
	 * is capped the same way as after one long stall. */
	const uint64_t poll_start = 11 * NS_PER_SEC;
	const uint64_t poll_end = poll_start + 200 * NS_PER_US;

	for (uint64_t t = poll_start; t <= poll_end; t += 20 * NS_PER_US)
		assert_int_equal(pacer_take(&p, t, 0), 0);
	assert_int_equal(pacer_take(&p, poll_end, 1000), burst);
	/* A clock at the end of time must not overflow the credit. */
	assert_int_equal(pacer_take(&p, UINT64_MAX, 1000), burst);
}

static void test_take_respects_want(void **state)
{
	struct pacer p;

	(void)state;
	pacer_init(&p, 1e6, 32, 0);
	/* Fill the bucket, then ask for less than it holds. */
	assert_int_equal(pacer_take(&p, 100 * NS_PER_US, 5), 5);
	assert_int_equal(pacer_take(&p, 100 * NS_PER_US, 0), 0);
	assert_int_equal(pacer_take(&p, 100 * NS_PER_US, 100), 28);
	assert_int_equal(pacer_take(&p, 100 * NS_PER_US, 100), 0);
}

static void test_starts_with_one_packet(void **state)
{
	struct pacer p;

	(void)state;
	/* A slow rate must not open with a burst of 32 at once. */
	pacer_init(&p, 1.0, 32, 5 * NS_PER_SEC);
	assert_int_equal(pacer_take(&p, 5 * NS_PER_SEC, 32), 1);
	assert_int_equal(pacer_take(&p, 5 * NS_PER_SEC, 32), 0);
	assert_int_equal(pacer_due_ns(&p, 1), 6 * NS_PER_SEC);
	assert_int_equal(pacer_take(&p, 7 * NS_PER_SEC, 32), 2);
}

static void test_burst_zero_means_one(void **state)
{
	struct pacer p;

	(void)state;
	pacer_init(&p, 1e6, 0, 0);
	assert_int_equal(p.burst, 1);
	assert_int_equal(pacer_take(&p, 0, 100), 1);
	assert_int_equal(pacer_take(&p, NS_PER_SEC, 100), 1);
}

static void test_clock_going_backwards(void **state)
{
	struct pacer p;

	(void)state;
	pacer_init(&p, 1e6, 4, 1000 * NS_PER_US);
	assert_int_equal(pacer_take(&p, 1000 * NS_PER_US, 100), 1);
	/* An earlier time grants nothing and does not move the clock back. */
	assert_int_equal(pacer_take(&p, 500 * NS_PER_US, 100), 0);
	assert_int_equal(p.last_ns, 1000 * NS_PER_US);
	assert_int_equal(pacer_take(&p, 1002 * NS_PER_US, 100), 2);
}

static void test_refund(void **state)
{
	const uint32_t burst = 32;
	struct pacer p;

	(void)state;
	const uint64_t t = 100 * NS_PER_US;

	pacer_init(&p, 1e6, burst, 0);
	/* The bucket holds burst + 1: one packet stays after a burst. */
	assert_int_equal(pacer_take(&p, t, 1000), burst);
	/* A partial send: 5 of the 32 did not go. */
	pacer_refund(&p, 5);
	assert_int_equal(pacer_take(&p, t, 1000), 6);
	assert_int_equal(pacer_take(&p, t, 1000), 0);
	/* A refund never exceeds the cap (burst + 1); a take never gives
	 * more than a burst. */
	pacer_refund(&p, 1000);
	assert_int_equal(pacer_take(&p, t, 1000), burst);
	/* Refund plus accrual: 1 left, 3 back and 2 us later 2 more. */
	pacer_refund(&p, 3);
	assert_int_equal(pacer_take(&p, t + 2 * NS_PER_US, 1000), 6);
}

static void test_refund_keeps_long_run_rate(void **state)
{
	struct pacer p;
	uint64_t sent = 0;

	(void)state;
	pacer_init(&p, 1e6, 16, 0);
	/* Every other round the "ring" takes only half: refunding the rest
	 * must leave the long-run total at the rate, not below it. */
	for (uint64_t now = 0, i = 0; now <= 10 * NS_PER_MS;
	     now += 5 * NS_PER_US, i++) {
		uint32_t n = pacer_take(&p, now, 64);
		uint32_t unsent = (i & 1) ? n / 2 : 0;

		pacer_refund(&p, unsent);
		sent += n - unsent;
	}
	/* 10 ms at 1 Mpps = 10000, plus the initial packet (minus at most
	 * what the last round refunded). */
	assert_in_range(sent, 10000 - 16, 10000 + 1);
}

static void test_due_ns_exact(void **state)
{
	struct pacer p, copy;

	(void)state;
	pacer_init(&p, 1.5e6, 32, 1000);
	/* One packet of credit: it is due now, a second 667 ns later. */
	assert_int_equal(pacer_due_ns(&p, 1), 1000);
	assert_int_equal(pacer_due_ns(&p, 2), 1667);
	assert_int_equal(pacer_take(&p, 1000, 32), 1);
	/* 666.667 ns per packet: the next is due 667 ns later. */
	assert_int_equal(pacer_due_ns(&p, 1), 1667);
	copy = p;
	assert_int_equal(pacer_take(&copy, 1666, 1), 0);
	copy = p;
	assert_int_equal(pacer_take(&copy, 1667, 1), 1);
	/* Four packets: ceil(4 * 666.667) = 2667 ns. */
	assert_int_equal(pacer_due_ns(&p, 4), 3667);
	copy = p;
	assert_int_equal(pacer_take(&copy, 3666, 4), 3);
	copy = p;
	assert_int_equal(pacer_take(&copy, 3667, 4), 4);
	/* More than a burst is never due later than a full bucket. */
	assert_int_equal(pacer_due_ns(&p, 1000), pacer_due_ns(&p, 32));
	assert_int_equal(pacer_due_ns(&p, 32),
			 1000 + (32 * 666667 + 999) / 1000);
}

static void test_due_ns_partial_credit(void **state)
{
	struct pacer p;

	(void)state;
	/* 20 kpps: 50 us per packet. */
	pacer_init(&p, 20000.0, 2, 0);
	assert_int_equal(pacer_take(&p, 0, 2), 1);
	assert_int_equal(pacer_due_ns(&p, 1), 50000);
	assert_int_equal(pacer_due_ns(&p, 2), 100000);
	/* 30 us in, 20 us of credit is still missing. */
	assert_int_equal(pacer_take(&p, 30000, 1), 0);
	assert_int_equal(pacer_due_ns(&p, 1), 50000);
	assert_int_equal(pacer_take(&p, 50000, 1), 1);
	assert_int_equal(pacer_due_ns(&p, 1), 100000);
}

static void test_unlimited(void **state)
{
	struct pacer p;

	(void)state;
	pacer_init(&p, 0, 32, 777);
	assert_true(pacer_unlimited(&p));
	assert_int_equal(pacer_take(&p, 777, 12345), 12345);
	assert_int_equal(pacer_take(&p, 777, 12345), 12345);
	assert_int_equal(pacer_take(&p, 0, UINT32_MAX), UINT32_MAX);
	pacer_refund(&p, 10);
	assert_int_equal(pacer_take(&p, 778, 7), 7);
	assert_int_equal(pacer_due_ns(&p, 32), 777);

	pacer_init(&p, -5, 32, 0);
	assert_true(pacer_unlimited(&p));
	assert_int_equal(pacer_take(&p, 0, 99), 99);
}


/* --catch-up none: a stall is given up, the schedule shifts, and the
 * pacer says by how much and how late the send was. */
static void test_catch_up_none(void **state)
{
	struct pacer p;

	(void)state;
	pacer_init(&p, 1e4, 32, 0); /* 100 us a packet */
	pacer_set_catch_up(&p, 0);
	assert_int_equal(pacer_take(&p, 0, 32), 1);
	assert_int_equal(p.late_ns, 0);
	/* On time: the next one at 100 us. */
	assert_int_equal(pacer_take(&p, 100 * NS_PER_US, 32), 1);
	assert_int_equal(p.late_ns, 0);
	assert_int_equal(p.forfeit_ns, 0);
	/* Woken 1 ms late: one packet, 1 ms late; all but half a gap of
	 * it is given up. */
	assert_int_equal(pacer_take(&p, 1200 * NS_PER_US, 32), 1);
	assert_int_equal(p.late_ns, 1000 * NS_PER_US);
	assert_int_equal(p.forfeit_ns, 950 * NS_PER_US);
	assert_int_equal(pacer_take(&p, 1200 * NS_PER_US, 32), 0);
	/* The schedule shifted: the next is due half a gap later, never
	 * back-to-back. */
	assert_int_equal(pacer_due_ns(&p, 1), 1250 * NS_PER_US);
	/* Lateness under half a gap is kept: 30 us late, the next gap is
	 * 70 us and the rate holds. */
	assert_int_equal(pacer_take(&p, 1280 * NS_PER_US, 32), 1);
	assert_int_equal(p.late_ns, 30 * NS_PER_US);
	assert_int_equal(p.forfeit_ns, 950 * NS_PER_US);
	assert_int_equal(pacer_due_ns(&p, 1), 1350 * NS_PER_US);
}

/* --catch-up 2: at most three frames back-to-back after a stall, the
 * rest given up; within the allowance the schedule is kept. */
static void test_catch_up_frames(void **state)
{
	struct pacer p;

	(void)state;
	pacer_init(&p, 1e4, 32, 0);
	pacer_set_catch_up(&p, 2);
	assert_int_equal(pacer_take(&p, 0, 32), 1);
	/* 150 us late for the packet due at 100 us: two are due. */
	assert_int_equal(pacer_take(&p, 250 * NS_PER_US, 32), 2);
	assert_int_equal(p.late_ns, 150 * NS_PER_US);
	assert_int_equal(p.forfeit_ns, 0);
	/* And the schedule holds: the next at 300 us. */
	assert_int_equal(pacer_due_ns(&p, 1), 300 * NS_PER_US);
	/* A 10 ms stall: three go (the due one and two), the rest is
	 * given up. */
	assert_int_equal(pacer_take(&p, 10250 * NS_PER_US, 32), 3);
	assert_int_equal(pacer_take(&p, 10250 * NS_PER_US, 32), 0);
	assert_true(p.forfeit_ns >= 9600 * NS_PER_US);
	assert_true(p.forfeit_ns <= 9750 * NS_PER_US);
	/* A catch-up larger than the burst still goes a burst at a time. */
	pacer_set_catch_up(&p, 100);
	assert_int_equal(pacer_take(&p, 30 * NS_PER_SEC, 1000), 32);
}


/* The wake-up margin: measured once, within its bounds; a wait never
 * returns before its deadline, whether it sleeps or spins. A given
 * LINERATE_WAKE_MARGIN_NS (the bench's "before") is taken as is. */
static void test_clock_wait_margin(void **state)
{
	uint64_t margin, again;

	(void)state;
	unsetenv("LINERATE_WAKE_MARGIN_NS");
	margin = clock_calibrate();
	assert_in_range(margin, 1000, 500000);
	again = clock_calibrate();
	assert_int_equal(again, margin);
	assert_int_equal(clock_wake_margin(), margin);
	for (int i = 0; i < 20; i++) {
		/* Far (sleep, then spin) and near (spin only) deadlines. */
		uint64_t wait = i % 2 ? 2 * margin + 100000 : margin / 2;
		uint64_t deadline = mono_ns() + wait;

		clock_wait_until(deadline);
		assert_true(mono_ns() >= deadline);
	}
	/* A deadline in the past returns at once. */
	clock_wait_until(mono_ns() - 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_1_5mpps_over_one_second),
		cmocka_unit_test(test_rate_1_5mpps_irregular_clock),
		cmocka_unit_test(test_rate_1_5mpps_small_wants),
		cmocka_unit_test(test_rate_1pps_exact),
		cmocka_unit_test(test_rate_20kpps_exact_times),
		cmocka_unit_test(test_burst_cap_after_stall),
		cmocka_unit_test(test_take_respects_want),
		cmocka_unit_test(test_starts_with_one_packet),
		cmocka_unit_test(test_burst_zero_means_one),
		cmocka_unit_test(test_clock_going_backwards),
		cmocka_unit_test(test_refund),
		cmocka_unit_test(test_catch_up_none),
		cmocka_unit_test(test_catch_up_frames),
		cmocka_unit_test(test_clock_wait_margin),
		cmocka_unit_test(test_refund_keeps_long_run_rate),
		cmocka_unit_test(test_due_ns_exact),
		cmocka_unit_test(test_due_ns_partial_credit),
		cmocka_unit_test(test_unlimited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
