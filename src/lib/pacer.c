// SPDX-License-Identifier: MIT
#include "pacer.h"

#define PS_PER_NS 1000ULL

void pacer_init(struct pacer *p, double pps, uint32_t burst, uint64_t now_ns)
{
	p->burst = burst ? burst : 1;
	p->last_ns = now_ns;
	if (pps <= 0) {
		p->ps_per_packet = 0;
		p->credit_ps = p->max_credit_ps = 0;
		return;
	}
	p->ps_per_packet = (uint64_t)(1e12 / pps + 0.5);
	if (!p->ps_per_packet)
		p->ps_per_packet = 1;
	/* One packet more than a burst: a sender woken a little late (timer
	 * slack) keeps the schedule instead of losing the lateness, yet
	 * never sends more than a burst at once (pacer_take caps it). */
	p->max_credit_ps = p->ps_per_packet * (p->burst + 1ULL);
	/* One packet may go at once; the rest accrue, so a slow rate does
	 * not open with a burst. */
	p->credit_ps = p->ps_per_packet;
}

static void pacer_refill(struct pacer *p, uint64_t now_ns)
{
	uint64_t elapsed;

	if (now_ns <= p->last_ns)
		return;
	elapsed = now_ns - p->last_ns;
	p->last_ns = now_ns;
	/* A long pause fills the bucket anyway; avoid overflow on the way. */
	if (elapsed >= p->max_credit_ps / PS_PER_NS + 1) {
		p->credit_ps = p->max_credit_ps;
		return;
	}
	p->credit_ps += elapsed * PS_PER_NS;
	if (p->credit_ps > p->max_credit_ps)
		p->credit_ps = p->max_credit_ps;
}

uint32_t pacer_take(struct pacer *p, uint64_t now_ns, uint32_t want)
{
	uint64_t n;

	if (!p->ps_per_packet)
		return want;
	pacer_refill(p, now_ns);
	n = p->credit_ps / p->ps_per_packet;
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
