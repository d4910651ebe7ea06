// SPDX-License-Identifier: MIT
/*
 * AF_XDP steering: the test's UDP packets (destination address and port
 * range from rodata) go to the AF_XDP socket bound to the queue they
 * arrived on; every other packet goes up the stack, so ARP, SSH and the
 * control connection keep working on the interface under test.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <stdbool.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/maps.bpf.h"
#include "bpf/match.bpf.h"
#include "bpf/parse.bpf.h"
#include "bpf/steer_shared.h"


struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, STEER_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

PERCPU_SLOT_MAP(steer_counters, struct steer_counters);

const volatile struct steer_config steer_cfg = {};

static __always_inline bool port_wanted(const struct udphdr *udp)
{
	__u16 port = bpf_ntohs(udp->dest);

	return port >= steer_cfg.port_min && port <= steer_cfg.port_max;
}

static __always_inline bool ipv4_wanted(struct iphdr *ip, void *data_end)
{
	struct udphdr *udp;
	__u32 ihl;

	if ((void *)(ip + 1) > data_end)
		return false;
	if (ip->version != 4 || ip->protocol != IPPROTO_UDP)
		return false;
	/* A later fragment has no UDP header; a first one is not a whole
	 * test packet. The stack reassembles both. */
	if (ip->frag_off &
	    bpf_htons(IPV4_MORE_FRAGMENTS | IPV4_FRAGMENT_OFFSET))
		return false;
	if (!steer_cfg.any_addr && ip->daddr != steer_cfg.addr[0])
		return false;
	ihl = ip->ihl;
	if (ihl < 5)
		return false;
	udp = (void *)ip + ihl * 4;
	if ((void *)(udp + 1) > data_end)
		return false;
	return port_wanted(udp);
}

static __always_inline bool ipv6_wanted(struct ipv6hdr *ip6, void *data_end)
{
	struct udphdr *udp = (void *)(ip6 + 1);

	if ((void *)(udp + 1) > data_end)
		return false;
	/* Extension headers are not followed: test packets carry none. */
	if (ip6->version != 6 || ip6->nexthdr != IPPROTO_UDP)
		return false;
	if (!steer_cfg.any_addr && !ipv6_addr_is(&ip6->daddr, steer_cfg.addr))
		return false;
	return port_wanted(udp);
}

static __always_inline bool test_packet(void *data, void *data_end)
{
	__be16 proto;
	void *l3 = parse_l2(data, data_end, &proto);

	if (!l3 || !l3_is_family(proto, steer_cfg.family))
		return false;
	if (steer_cfg.family == XDP_FAMILY_IPV6)
		return ipv6_wanted(l3, data_end);
	return ipv4_wanted(l3, data_end);
}

/*
 * xdp.frags: the program only reads headers, which are in the first
 * buffer, so it can declare multi-buffer support; drivers (veth among
 * them) refuse native XDP above ~3.5 KB MTU to programs that do not.
 */
SEC("xdp.frags")
int lr_steer(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct steer_counters *counters;
	__u32 key = 0;
	int action = XDP_PASS;
	bool wanted;

	wanted = test_packet(data, data_end);
	/* XDP_PASS as the fallback: a queue without a socket hands its
	 * packets to the stack rather than dropping them. */
	if (wanted)
		action = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
	counters = bpf_map_lookup_elem(&steer_counters, &key);
	if (counters) {
		if (action == XDP_REDIRECT) {
			counters->redirected++;
		} else {
			counters->passed++;
			if (wanted)
				counters->no_socket++;
		}
	}
	return action;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
