/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_XDP_FLOWS_H
#define LINERATE_XDP_FLOWS_H

/*
 * The xdp analyzer's flows over CPUs. Its map holds one struct
 * xdp_flow_state per flow id per CPU, each with the owner (source
 * address and port) that sent the flow id first on that CPU.
 */

#include <stdbool.h>
#include <stdint.h>

#include "bpf/xdp_shared.h"
#include "lib/seqtrack.h"

/* Do two CPUs' copies of a flow have the same owner? */
bool flow_same_owner(const struct xdp_flow_state *a,
		     const struct xdp_flow_state *b);

/* The flow's owner: the one with the most packets over all CPUs (of
 * equal ones, the one on the lowest CPU); the lowest CPU it owns, -1
 * when no CPU saw the flow. */
int flow_owner_cpu(const struct xdp_flow_state *cpus, int ncpus);

/* The CPUs the owner holds merged into *st (zeroed first) and the
 * received-weighted jitter sums; the other CPUs' packets added to
 * *untracked. Returns flow_owner_cpu(). */
int flow_merge(const struct xdp_flow_state *cpus, int ncpus,
	       struct seqtrack *st, double *jitter, uint64_t *weight,
	       uint64_t *untracked);

#endif
