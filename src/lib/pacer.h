/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_PACER_H
#define LINERATE_PACER_H

/*
 * Token bucket in nanoseconds on the monotonic clock. Credit accrues at
 * the target rate and is capped at `burst` packets, so a sender that was
 * held up (scheduler, full ring) catches up by at most one burst instead
 * of blasting everything it owes: the achieved rate then falls short of
 * the target, and the report shows it, rather than silently bunching.
 *
 * Credit is kept in picoseconds so that rates like 1.5 Mpps (666.67 ns
 * per packet) do not drift from rounding.
 */

#include <stdbool.h>
#include <stdint.h>

struct pacer {
	uint64_t ps_per_packet; /* 0: unlimited */
	uint64_t credit_ps;
	uint64_t max_credit_ps;
	uint64_t last_ns;
	uint32_t burst; /* most packets per take (the batch) */
	uint32_t catch_up; /* packets made up beyond the due one */
	/* Set by every pacer_take that gives packets: how late the first
	 * of them is against the schedule, in ns. */
	uint64_t late_ns;
	/* Total lateness beyond the catch-up allowance, which the schedule
	 * gave up (it shifted by that much), in ns. */
	uint64_t forfeit_ns;
};

/* pps <= 0 means unlimited. burst >= 1. The bucket starts with one packet
 * of credit and makes up one burst of lateness (pacer_set_catch_up). */
void pacer_init(struct pacer *p, double pps, uint32_t burst, uint64_t now_ns);
/*
 * The catch-up policy: a sender that is late makes up at most `frames`
 * packets beyond the one that is due (sent at once, so at most frames + 1
 * leave back-to-back, and never more than a burst per take); lateness
 * beyond that is given up and the schedule shifts. 0: none (lateness
 * under half a packet gap is still kept: the next gap is shorter).
 */
void pacer_set_catch_up(struct pacer *p, uint32_t frames);
/* How many packets (<= want) may go now; the caller sends that many. */
uint32_t pacer_take(struct pacer *p, uint64_t now_ns, uint32_t want);
/* Give back packets taken but not sent (a partial send). */
void pacer_refund(struct pacer *p, uint32_t count);
/* Monotonic time at which at least `count` (<= burst) packets are due. */
uint64_t pacer_due_ns(const struct pacer *p, uint32_t count);

static inline bool pacer_unlimited(const struct pacer *p)
{
	return p->ps_per_packet == 0;
}

#endif
