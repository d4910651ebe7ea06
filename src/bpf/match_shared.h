/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_MATCH_SHARED_H
#define LINERATE_MATCH_SHARED_H

/*
 * What the XDP programs' rodata says a test packet is addressed to, the
 * same in each (steering, sink, reflector, STAMP), so that they agree on
 * what "to us" means; match.bpf.h is the BPF side that tests it.
 */

#include <linux/types.h>

/* IP versions, not AF_* values: the BPF side has no libc headers. */
#define XDP_FAMILY_IPV4 4
#define XDP_FAMILY_IPV6 6

/* The destination fields of a program's config struct. */
#define XDP_MATCH_DST_FIELDS                                                   \
	__u32 family; /* XDP_FAMILY_IPV4 or XDP_FAMILY_IPV6 */                 \
	__u32 any_addr; /* 1: any destination address of that family */        \
	__u32 addr[4] /* destination address, network order; IPv4 in [0] */

#endif
