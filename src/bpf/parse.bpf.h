/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef LINERATE_PARSE_BPF_H
#define LINERATE_PARSE_BPF_H

/*
 * What every linerate XDP program parses the same way: the Ethernet header
 * and up to VLAN_MAX_DEPTH 802.1Q/802.1ad tags in front of the L3 header.
 */

#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Not in the uapi headers (net/ip.h). */
#define IPV4_MORE_FRAGMENTS 0x2000
#define IPV4_FRAGMENT_OFFSET 0x1fff
#define ETH_FCS_LEN 4
#define ETH_MIN_LEN 60 /* without FCS */
#define VLAN_MAX_DEPTH 2

struct vlan_header {
	__be16 tci;
	__be16 proto;
};

/* The VLAN tags in front of the L3 header, outermost first. */
struct l2_tags {
	__u16 tci[VLAN_MAX_DEPTH]; /* host order */
	__u32 count;
};

/* parse_l2(), and the tags it stepped over in *tags. */
static __always_inline void *parse_l2_tags(void *data, void *data_end,
					   __be16 *proto, struct l2_tags *tags)
{
	struct ethhdr *eth = data;
	void *l3 = eth + 1;
	int i;

	if (l3 > data_end)
		return NULL;
	*proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < VLAN_MAX_DEPTH; i++) {
		struct vlan_header *vlan = l3;

		if (*proto != bpf_htons(ETH_P_8021Q) &&
		    *proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vlan + 1) > data_end)
			return NULL;
		*proto = vlan->proto;
		tags->tci[i] = bpf_ntohs(vlan->tci);
		tags->count = i + 1;
		l3 = vlan + 1;
	}
	return l3;
}

/* The L3 header after Ethernet and any VLAN tags, and its ethertype in
 * *proto; NULL when the frame ends before it. */
static __always_inline void *parse_l2(void *data, void *data_end,
				      __be16 *proto)
{
	struct l2_tags tags = {};

	return parse_l2_tags(data, data_end, proto, &tags);
}

#endif
