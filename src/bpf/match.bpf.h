/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef LINERATE_MATCH_BPF_H
#define LINERATE_MATCH_BPF_H

/*
 * How the XDP programs compare a packet's IPv6 address with one set in
 * their rodata (network order, as __u32[4]): the same way in each, so
 * that steering, reflecting and STAMP agree on what "to us" means.
 */

#include <linux/in6.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

static __always_inline bool ipv6_addr_is(const struct in6_addr *a,
					 const volatile __u32 *want)
{
	return a->in6_u.u6_addr32[0] == want[0] &&
	       a->in6_u.u6_addr32[1] == want[1] &&
	       a->in6_u.u6_addr32[2] == want[2] &&
	       a->in6_u.u6_addr32[3] == want[3];
}

#endif
