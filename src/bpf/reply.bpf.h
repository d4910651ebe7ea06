/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef LINERATE_REPLY_BPF_H
#define LINERATE_REPLY_BPF_H

/*
 * What the XDP programs that answer a packet in place (xdp_reflect,
 * xdp_stamp) do the same way: swap the ends and fix the checksums.
 */

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>

/* A 64-bit one's complement sum folded to 16 bits. */
static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

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

/* The IPv4 header checksum, over a header without options. */
static __always_inline void ipv4_csum_set(struct iphdr *ip)
{
	__s64 part;

	ip->check = 0;
	part = bpf_csum_diff(NULL, 0, (__be32 *)ip, sizeof(*ip), 0);
	ip->check = (__u16)~csum_fold((__u32)part);
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

/* The addresses' part of the IPv6 pseudo header sum. */
static __always_inline __u64 ipv6_addr_sum(const struct ipv6hdr *ip6)
{
	__u64 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 4; i++)
		sum += (__u64)ip6->saddr.in6_u.u6_addr32[i] +
		       ip6->daddr.in6_u.u6_addr32[i];
	return sum;
}

#endif
