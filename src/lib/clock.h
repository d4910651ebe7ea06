/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_CLOCK_H
#define LINERATE_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_USEC 1000ULL

static inline uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* The clock every pacing and interval decision uses. */
static inline uint64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Sleep until an absolute CLOCK_MONOTONIC time: a sleep to the wake-up
 * margin before it, then a spin for the last stretch. */
void clock_wait_until(uint64_t deadline_ns);
/* Measure this host's wake-up latency once (about 3 ms, the calling
 * thread's timer slack applies) and set the margin from it; returns the
 * margin in ns. Later calls return the first measurement. */
uint64_t clock_calibrate(void);
uint64_t clock_wake_margin(void);
/* Sleep, never spin: for loops that only look up now and then (reporter
 * ticks, polling kernel counters), which share a CPU with the data path
 * and must not take it from it. */
void clock_sleep_until(uint64_t deadline_ns);

const char *clock_name(clockid_t id);

#endif
