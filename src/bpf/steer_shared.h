/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_STEER_SHARED_H
#define LINERATE_STEER_SHARED_H

/*
 * Types shared by the AF_XDP steering program (xdp_steer.bpf.c) and the
 * afxdp backend. The program redirects the test's packets to the AF_XDP
 * socket of the queue they arrived on and passes everything else.
 */

#include <linux/types.h>

#include "bpf/match_shared.h"

/* XSKMAP size: the highest queue id a socket can serve, plus one. */
#define STEER_MAX_QUEUES 1024

/* Set in the program's rodata between open and load, so the verifier and
 * JIT see constants and drop the branches a test does not use. */
struct steer_config {
	XDP_MATCH_DST_FIELDS;
	__u16 port_min; /* destination UDP port range, host order, inclusive */
	__u16 port_max;
};

/* One per CPU; user space sums them. Every packet the program sees is
 * counted once as redirected or passed; no_socket is the part of passed
 * that matched the test but found no socket on its queue (the NIC spread
 * the test's flows over queues nobody serves). */
struct steer_counters {
	__u64 redirected;
	__u64 passed;
	__u64 no_socket;
};

#endif
