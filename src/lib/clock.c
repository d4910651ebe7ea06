// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "lib/clock.h"

/*
 * How long before a deadline a waiter wakes from its sleep and spins the
 * rest: the wake-up latency of this host, measured once (clock_calibrate)
 * as the p90 overshoot of short absolute sleeps plus a microsecond (the
 * lowest of three rounds of 20). Until
 * measured, 50 us (a VM's typical latency is 20-40 us, bare metal a few).
 * Sleeping any closer makes a frame late; any earlier burns the CPU for
 * nothing.
 */
#define DEFAULT_MARGIN_NS   (50 * NSEC_PER_USEC)
#define MIN_MARGIN_NS	    (1 * NSEC_PER_USEC)
#define MAX_MARGIN_NS	    (500 * NSEC_PER_USEC)
#define CALIBRATE_SAMPLES   20
#define CALIBRATE_ROUNDS    3
#define CALIBRATE_SLEEP_NS  (20 * NSEC_PER_USEC)

static _Atomic uint64_t wake_margin_ns = DEFAULT_MARGIN_NS;
static atomic_bool calibrated;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void sleep_until(uint64_t target)
{
	struct timespec ts = {
		.tv_sec = (time_t)(target / NSEC_PER_SEC),
		.tv_nsec = (long)(target % NSEC_PER_SEC),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

uint64_t clock_calibrate(void)
{
	const char *forced = getenv("LINERATE_WAKE_MARGIN_NS");
	uint64_t late[CALIBRATE_SAMPLES], margin;

	if (atomic_load(&calibrated))
		return atomic_load(&wake_margin_ns);
	/* For bench/: the margin as given (50000 is the fixed margin of
	 * before the calibration), within the same bounds. */
	if (forced && *forced) {
		char *end;
		unsigned long long v = strtoull(forced, &end, 10);

		if (!*end && v >= MIN_MARGIN_NS && v <= MAX_MARGIN_NS) {
			atomic_store(&wake_margin_ns, (uint64_t)v);
			atomic_store(&calibrated, true);
			return v;
		}
	}
	/* Three rounds, the lowest p90: a moment when the host is busier
	 * than usual (another process waking) does not set the margin for
	 * the whole run. */
	margin = UINT64_MAX;
	for (int round = 0; round < CALIBRATE_ROUNDS; round++) {
		for (int i = 0; i < CALIBRATE_SAMPLES; i++) {
			uint64_t target = mono_ns() + CALIBRATE_SLEEP_NS, woke;

			sleep_until(target);
			woke = mono_ns();
			late[i] = woke > target ? woke - target : 0;
		}
		qsort(late, CALIBRATE_SAMPLES, sizeof(late[0]), cmp_u64);
		if (late[CALIBRATE_SAMPLES * 9 / 10] + NSEC_PER_USEC < margin)
			margin = late[CALIBRATE_SAMPLES * 9 / 10] +
				 NSEC_PER_USEC;
	}
	if (margin < MIN_MARGIN_NS)
		margin = MIN_MARGIN_NS;
	if (margin > MAX_MARGIN_NS)
		margin = MAX_MARGIN_NS;
	atomic_store(&wake_margin_ns, margin);
	atomic_store(&calibrated, true);
	return margin;
}

uint64_t clock_wake_margin(void)
{
	return atomic_load_explicit(&wake_margin_ns, memory_order_relaxed);
}

void clock_sleep_until(uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / NSEC_PER_SEC),
		.tv_nsec = (long)(deadline_ns % NSEC_PER_SEC),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

void clock_wait_until(uint64_t deadline_ns)
{
	uint64_t now = mono_ns();
	uint64_t margin = clock_wake_margin();

	if (deadline_ns > now + margin) {
		uint64_t target = deadline_ns - margin;

		sleep_until(target);
	}
	while (mono_ns() < deadline_ns)
		cpu_relax();
}

const char *clock_name(clockid_t id)
{
	switch (id) {
	case CLOCK_MONOTONIC:
		return "CLOCK_MONOTONIC";
	case CLOCK_REALTIME:
		return "CLOCK_REALTIME";
	case CLOCK_TAI:
		return "CLOCK_TAI";
	default:
		return "unknown";
	}
}
