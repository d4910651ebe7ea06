// SPDX-License-Identifier: MIT
#include "lib/pacer.h"

#define PS_PER_NS 1000ULL

void pacer_init(struct pacer *p, double pps, uint32_t burst, uint64_t now_ns)
{
	p->burst = burst ? burst : 1;
	p->last_ns = now_ns;
	p->late_ns = p->forfeit_ns = 0;
	if (pps <= 0) {
		p->ps_per_packet = 0;
		p->credit_ps = p->max_credit_ps = 0;
		return;
	}
	p->ps_per_packet = (uint64_t)(1e12 / pps + 0.5);
	if (!p->ps_per_packet)
		p->ps_per_packet = 1;
	/* One packet may go at once; the rest accrue, so a slow rate does
	 * not open with a burst. */
	p->credit_ps = p->ps_per_packet;
	pacer_set_catch_up(p, p->burst);
}

void pacer_set_catch_up(struct pacer *p, uint32_t frames)
{
	p->catch_up = frames;
	if (!p->ps_per_packet)
		return;
	/* The due packet plus what is made up: a sender woken a little late
	 * (timer slack) keeps the schedule with as little as one. With
	 * none, half a packet: lateness under half a gap is still made up
	 * (the next gap is shorter, never 0), or the loop's own overhead
	 * would cost the rate a percent; anything longer shifts the
	 * schedule. */
	if (frames)
		p->max_credit_ps = p->ps_per_packet * (frames + 1ULL);
	else
		p->max_credit_ps = p->ps_per_packet + p->ps_per_packet / 2;
	if (p->credit_ps > p->max_credit_ps)
		p->credit_ps = p->max_credit_ps;
}

/* Refill; returns the credit the schedule owes before the cap, in ns
 * (saturating), so the caller can tell how late it is. */
static uint64_t pacer_refill(struct pacer *p, uint64_t now_ns)
{
	uint64_t elapsed, owed_ns;

	if (now_ns <= p->last_ns)
		return p->credit_ps / PS_PER_NS;
	elapsed = now_ns - p->last_ns;
	p->last_ns = now_ns;
	owed_ns = p->credit_ps / PS_PER_NS;
	owed_ns = elapsed > UINT64_MAX - owed_ns ? UINT64_MAX :
						   owed_ns + elapsed;
	/* A long pause fills the bucket anyway; avoid overflow on the way. */
	if (elapsed >= p->max_credit_ps / PS_PER_NS + 1) {
		p->credit_ps = p->max_credit_ps;
		return owed_ns;
	}
	p->credit_ps += elapsed * PS_PER_NS;
	if (p->credit_ps > p->max_credit_ps)
		p->credit_ps = p->max_credit_ps;
	return owed_ns;
}

uint32_t pacer_take(struct pacer *p, uint64_t now_ns, uint32_t want)
{
	uint64_t n, owed_ns, packet_ns, cap_ns;

	if (!p->ps_per_packet)
		return want;
	owed_ns = pacer_refill(p, now_ns);
	n = p->credit_ps / p->ps_per_packet;
	packet_ns = p->ps_per_packet / PS_PER_NS;
	cap_ns = p->max_credit_ps / PS_PER_NS;
	if (n && want) {
		/* The first due packet became due when the credit reached
		 * one packet's worth. */
		p->late_ns = owed_ns > packet_ns ? owed_ns - packet_ns : 0;
		if (owed_ns > cap_ns)
			p->forfeit_ns += owed_ns - cap_ns;
	}
	if (n > want)
		n = want;
	if (n > p->burst)
		n = p->burst;
	p->credit_ps -= n * p->ps_per_packet;
	return (uint32_t)n;
}

void pacer_refund(struct pacer *p, uint32_t count)
{
	if (!p->ps_per_packet)
		return;
	p->credit_ps += (uint64_t)count * p->ps_per_packet;
	if (p->credit_ps > p->max_credit_ps)
		p->credit_ps = p->max_credit_ps;
}

uint64_t pacer_due_ns(const struct pacer *p, uint32_t count)
{
	uint64_t need;

	if (!p->ps_per_packet)
		return p->last_ns;
	if (count > p->burst)
		count = p->burst;
	need = (uint64_t)count * p->ps_per_packet;
	if (p->credit_ps >= need)
		return p->last_ns;
	return p->last_ns + (need - p->credit_ps + PS_PER_NS - 1) / PS_PER_NS;
}
