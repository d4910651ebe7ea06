// SPDX-License-Identifier: MIT
#include <errno.h>

#include "clock.h"

/* Below this a nanosleep overshoots more than it saves. */
#define SPIN_THRESHOLD_NS (50 * NSEC_PER_USEC)

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

	if (deadline_ns > now + SPIN_THRESHOLD_NS) {
		uint64_t target = deadline_ns - SPIN_THRESHOLD_NS;
		struct timespec ts = {
			.tv_sec = (time_t)(target / NSEC_PER_SEC),
			.tv_nsec = (long)(target % NSEC_PER_SEC),
		};

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
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
