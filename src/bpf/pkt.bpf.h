/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef LINERATE_PKT_BPF_H
#define LINERATE_PKT_BPF_H

/*
 * The checksum and bounds helpers every linerate BPF program shares, so
 * the ones' complement arithmetic and the multi-buffer bound are written
 * once. All __always_inline: the verifier sees them as the caller's code.
 */

#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

/* A 64-bit ones' complement sum folded to 16 bits. */
static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* The UDP checksum field for a sum over pseudo header and datagram: 0 on
 * the wire means "no checksum" (RFC 768), so a computed 0 goes as 0xffff. */
static __always_inline __u16 udp_csum_field(__u64 sum)
{
	__u16 check = (__u16)~csum_fold(sum);

	return check ? check : 0xffff;
}

/* The IPv4 header checksum, over a header without options. */
static __always_inline void ipv4_csum_set(struct iphdr *ip)
{
	__s64 part;

	ip->check = 0;
	part = bpf_csum_diff(NULL, 0, (__be32 *)ip, sizeof(*ip), 0);
	ip->check = (__u16)~csum_fold((__u32)part);
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

/*
 * Does the frame hold len bytes from p on (p inside the first buffer,
 * data and data_end the context's)? Programs loaded with frags support,
 * as veth needs for native XDP above a page of MTU, see only the first
 * buffer between data and data_end: the rest counts through
 * bpf_xdp_get_buff_len().
 */
static __always_inline bool xdp_frame_holds(struct xdp_md *ctx, void *data,
					    void *data_end, void *p, __u32 len)
{
	if (p + len <= data_end)
		return true;
	return (__u64)(p - data) + len <= bpf_xdp_get_buff_len(ctx);
}

#endif
