/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef LINERATE_MATCH_BPF_H
#define LINERATE_MATCH_BPF_H

/*
 * How the XDP programs decide that a packet is addressed to them, the
 * same way in each, so that steering, reflecting and STAMP agree on what
 * "to us" means: the IP version they were configured for, and an IPv6
 * address compared with one set in their rodata (network order, as
 * __u32[4]).
 */

#include <linux/if_ether.h>
#include <linux/in6.h>
#include <stdbool.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Whether an L3 header of ethertype proto is of the IP version the
 * program is configured for (family 4 or 6, as XDP_FAMILY_* are). */
static __always_inline bool l3_is_family(__be16 proto, __u32 family)
{
	if (family == 6)
		return proto == bpf_htons(ETH_P_IPV6);
	return family == 4 && proto == bpf_htons(ETH_P_IP);
}

static __always_inline bool ipv6_addr_is(const struct in6_addr *a,
					 const volatile __u32 *want)
{
	return a->in6_u.u6_addr32[0] == want[0] &&
	       a->in6_u.u6_addr32[1] == want[1] &&
	       a->in6_u.u6_addr32[2] == want[2] &&
	       a->in6_u.u6_addr32[3] == want[3];
}

#endif
