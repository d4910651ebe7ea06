// SPDX-License-Identifier: MIT
/*
 * The xdp analyzer's per-flow state merged over CPUs (xdp_flows.h): pure
 * functions of the per-CPU copies the map lookup returns, so that the
 * unit tests run them without a kernel.
 */
#include <string.h>

#include "backend/xdp_flows.h"

/* One CPU's share of a flow's state, added to the whole (st) and to the
 * received-weighted RFC 3550 jitter sum. */
static void flow_state_add(struct seqtrack *st,
			   const struct xdp_flow_state *cpu, double *jitter,
			   uint64_t *weight)
{
	if (!st->started || cpu->highest > st->highest)
		st->highest = cpu->highest;
	st->started = 1;
	st->received += cpu->received;
	st->duplicates += cpu->duplicates;
	st->reordered += cpu->reordered;
	st->late += cpu->late;
	if (cpu->jitter_samples) {
		*jitter +=
			(double)cpu->jitter_x16 / 16.0 * (double)cpu->received;
		*weight += cpu->received;
	}
}

/* Do two CPUs' copies of a flow have the same owner? (Address words the
 * family does not use are zero: the program's parse starts from zero.) */
bool flow_same_owner(const struct xdp_flow_state *a,
		     const struct xdp_flow_state *b)
{
	return a->owner_port == b->owner_port &&
	       !memcmp(a->owner_addr, b->owner_addr, sizeof(a->owner_addr));
}

/* The packets of cpus[i]'s owner over all CPUs from i on. */
static uint64_t flow_owner_packets(const struct xdp_flow_state *cpus, int ncpus,
				   int i)
{
	uint64_t n = 0;

	for (int j = i; j < ncpus; j++)
		if (cpus[j].started && flow_same_owner(&cpus[j], &cpus[i]))
			n += cpus[j].received;
	return n;
}

/*
 * The owner of a flow id over all CPUs. The program keeps one per CPU
 * (the first sender of the flow id there), so two senders of the same
 * flow id whose packets land on different CPUs (RSS, or a veth running
 * XDP on each sender's CPU) each own it on their CPU. The flow's owner
 * is the one with the most packets over all CPUs, of equal ones that of
 * the lowest CPU; the index of the lowest CPU it owns is returned, -1
 * when no CPU saw the flow. One owner everywhere, the usual case, takes
 * one pass.
 */
int flow_owner_cpu(const struct xdp_flow_state *cpus, int ncpus)
{
	int first = -1, best = -1;
	uint64_t best_n = 0;
	bool one = true;

	for (int i = 0; i < ncpus; i++) {
		if (!cpus[i].started)
			continue;
		if (first < 0)
			first = i;
		else if (!flow_same_owner(&cpus[i], &cpus[first]))
			one = false;
	}
	if (one)
		return first;
	for (int i = 0; i < ncpus; i++) {
		bool counted = false;
		uint64_t n;

		if (!cpus[i].started)
			continue;
		/* An owner once, at its lowest CPU. */
		for (int j = 0; j < i && !counted; j++)
			counted = cpus[j].started &&
				  flow_same_owner(&cpus[j], &cpus[i]);
		if (counted)
			continue;
		n = flow_owner_packets(cpus, ncpus, i);
		if (best < 0 || n > best_n) {
			best = i;
			best_n = n;
		}
	}
	return best;
}

/*
 * One flow over the CPUs whose owner is the flow's (flow_owner_cpu()),
 * with seqtrack.h's definitions: received and duplicates add up, the
 * highest number is the highest any of those CPUs saw, and expected and
 * lost follow from those. The packets other owners sent with the flow id
 * on other CPUs are untracked (*untracked), as those on the same CPU are.
 * Duplicates that land on two different CPUs are not recognised (RSS
 * keeps a flow on one queue). The owner CPU's index is returned, -1
 * when no CPU saw the flow.
 */
int flow_merge(const struct xdp_flow_state *cpus, int ncpus,
	       struct seqtrack *st, double *jitter, uint64_t *weight,
	       uint64_t *untracked)
{
	int owner = flow_owner_cpu(cpus, ncpus);

	memset(st, 0, sizeof(*st));
	if (owner < 0)
		return -1;
	for (int i = 0; i < ncpus; i++) {
		if (!cpus[i].started)
			continue;
		if (!flow_same_owner(&cpus[i], &cpus[owner])) {
			*untracked += cpus[i].received;
			continue;
		}
		flow_state_add(st, &cpus[i], jitter, weight);
	}
	return owner;
}
