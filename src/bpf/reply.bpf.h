/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef LINERATE_REPLY_BPF_H
#define LINERATE_REPLY_BPF_H

/*
 * What the XDP programs that answer a packet in place (xdp_reflect,
 * xdp_stamp) do the same way: swap the ends; the checksums are
 * pkt.bpf.h's.
 */

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>

#include "bpf/pkt.bpf.h"

static __always_inline void swap_u16(__be16 *a, __be16 *b)
{
	__be16 t = *a;

	*a = *b;
	*b = t;
}

static __always_inline void swap_mac(struct ethhdr *eth)
{
	__u8 mac[ETH_ALEN];

	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
}

/* The ends of an answer: the sender's source becomes its destination. */
static __always_inline void ipv4_swap_addrs(struct iphdr *ip)
{
	__be32 addr = ip->saddr;

	ip->saddr = ip->daddr;
	ip->daddr = addr;
}

static __always_inline void ipv6_swap_addrs(struct ipv6hdr *ip6)
{
	struct in6_addr addr = ip6->saddr;

	ip6->saddr = ip6->daddr;
	ip6->daddr = addr;
}

#endif
