// SPDX-License-Identifier: MIT
/*
 * In-kernel STAMP Session-Reflector (RFC 8762), unauthenticated: a UDP
 * datagram of exactly the 44-octet STAMP packet to the listen address and
 * port becomes the Session-Reflector packet in place and goes back out of
 * the interface it came in on (XDP_TX), addresses and ports swapped.
 * Anything else to that port (padding, TLVs, authenticated mode, short
 * packets) goes up the stack, where the socket reflector of the same
 * linerate process answers or refuses it; every other packet is passed
 * untouched. A per-source token bucket runs before either: a source over
 * its rate is dropped here and counted.
 *
 * Timestamps: receive and transmit are the same bpf_ktime_get_tai_ns()
 * reading at the hook (the reply leaves right after), turned into NTP
 * (from CLOCK_REALTIME, using the TAI offset user space read) or PTPv2
 * (TAI) as the sender's Z flag asks.
 *
 * The UDP checksum is computed over the whole datagram (52 octets) and
 * the IPv4 header checksum anew: the reply's TTL is set to 64 like a
 * socket's, and a local sender over veth leaves a partial checksum that
 * XDP cannot keep (see xdp_reflect.bpf.c).
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
#include "bpf/reply.bpf.h"
#include "bpf/verdict.bpf.h"
#include "bpf/stamp_shared.h"

#define NTP_UNIX_OFFSET 2208988800ULL
#define NS_PER_S 1000000000ULL
#define REPLY_TTL 64

const volatile struct xdp_stamp_config stamp_cfg = {};

PERCPU_SLOT_MAP(stamp_counters, struct xdp_stamp_counters);

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XDP_STAMP_TABLE);
	__type(key, struct xdp_stamp_session_key);
	__type(value, __u32);
} stamp_sessions SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XDP_STAMP_TABLE);
	__type(key, struct xdp_stamp_rate_key);
	__type(value, struct xdp_stamp_rate);
} stamp_rates SEC(".maps");

/* The STAMP packet: sender fields in, reflector fields out. */
struct stamp_packet {
	__be32 seq;
	__be32 ts_sec;
	__be32 ts_frac;
	__be16 error_estimate;
	__be16 ssid;
	__be32 rx_sec;
	__be32 rx_frac;
	__be32 sender_seq;
	__be32 sender_ts_sec;
	__be32 sender_ts_frac;
	__be16 sender_error_estimate;
	__be16 mbz1;
	__u8 sender_ttl;
	__u8 mbz2[3];
} __attribute__((packed));

_Static_assert(sizeof(struct stamp_packet) == XDP_STAMP_BASE_LEN,
	       "STAMP packet layout");

enum verdict {
	V_NOT_OURS = 0,
	V_REFLECT,
	V_PASS_UP,
	V_RATE,
};

static __always_inline bool rate_allows(const __u32 addr[4], __u32 family,
					__u64 now)
{
	struct xdp_stamp_rate_key key = { .family = family };
	struct xdp_stamp_rate *r, fresh;
	__u64 credit;

	if (!stamp_cfg.rate_ns_per_packet)
		return true;
	__builtin_memcpy(key.addr, addr, sizeof(key.addr));
	r = bpf_map_lookup_elem(&stamp_rates, &key);
	if (!r) {
		fresh.last_ns = now;
		fresh.credit_ns = stamp_cfg.rate_burst_ns -
				  stamp_cfg.rate_ns_per_packet;
		bpf_map_update_elem(&stamp_rates, &key, &fresh, BPF_ANY);
		return true;
	}
	/* Per-CPU races between two packets of one source can only let
	 * one more through: a bound, not a count. */
	credit = r->credit_ns + (now > r->last_ns ? now - r->last_ns : 0);
	if (credit > stamp_cfg.rate_burst_ns)
		credit = stamp_cfg.rate_burst_ns;
	r->last_ns = now;
	if (credit < stamp_cfg.rate_ns_per_packet) {
		r->credit_ns = credit;
		return false;
	}
	r->credit_ns = credit - stamp_cfg.rate_ns_per_packet;
	return true;
}

static __always_inline __u32 next_seq(const __u32 addr[4], __u32 family,
				      __be16 port, __be16 ssid)
{
	struct xdp_stamp_session_key key = { .family = family, .port = port,
					     .ssid = ssid };
	__u32 *seq, zero = 0;

	__builtin_memcpy(key.addr, addr, sizeof(key.addr));
	seq = bpf_map_lookup_elem(&stamp_sessions, &key);
	if (!seq) {
		bpf_map_update_elem(&stamp_sessions, &key, &zero, BPF_NOEXIST);
		seq = bpf_map_lookup_elem(&stamp_sessions, &key);
		if (!seq)
			return 0;
	}
	/* One session's packets hash to one receive queue, so one CPU:
	 * a plain increment (an atomic fetch-add needs BPF v3 codegen). */
	zero = *seq;
	*seq = zero + 1;
	return zero;
}

/* Fill the reflector fields in place; p holds the sender's packet. */
static __always_inline void stamp_reflect(struct stamp_packet *p, __u8 ttl,
					  __u32 seq, __u64 tai_ns,
					  struct xdp_stamp_counters *c)
{
	__be32 s_seq = p->seq, s_sec = p->ts_sec, s_frac = p->ts_frac;
	__be16 s_ee = p->error_estimate;
	__u64 sec, ns, frac;

	/* The Z flag (0x4000 of the error estimate) picks the format. */
	if (s_ee & bpf_htons(0x4000)) {
		sec = tai_ns / NS_PER_S;
		frac = tai_ns % NS_PER_S;
		p->error_estimate = bpf_htons(stamp_cfg.ee_ptp);
		c->ptp_replies++;
	} else {
		ns = tai_ns - (__u64)stamp_cfg.tai_offset_ns;
		sec = ns / NS_PER_S + NTP_UNIX_OFFSET;
		frac = ((ns % NS_PER_S) << 32) / NS_PER_S;
		p->error_estimate = bpf_htons(stamp_cfg.ee_ntp);
	}
	p->sender_seq = s_seq;
	p->sender_ts_sec = s_sec;
	p->sender_ts_frac = s_frac;
	p->sender_error_estimate = s_ee;
	p->mbz1 = 0;
	p->sender_ttl = ttl;
	p->mbz2[0] = 0;
	p->mbz2[1] = 0;
	p->mbz2[2] = 0;
	p->seq = stamp_cfg.stateful ? bpf_htonl(seq) : s_seq;
	p->ts_sec = bpf_htonl((__u32)sec);
	p->ts_frac = bpf_htonl((__u32)frac);
	p->rx_sec = p->ts_sec;
	p->rx_frac = p->ts_frac;
}

/* UDP checksum over pseudo header + the 52-octet datagram at udp. */
static __always_inline void udp_csum(struct udphdr *udp, __u64 addr_sum)
{
	__s64 part;

	udp->check = 0;
	part = bpf_csum_diff(NULL, 0, (__be32 *)udp,
			     sizeof(*udp) + XDP_STAMP_BASE_LEN, 0);
	udp->check =
		udp_csum_field((__u32)part + addr_sum + bpf_htons(IPPROTO_UDP) +
			       bpf_htons(sizeof(*udp) + XDP_STAMP_BASE_LEN));
}

/*
 * What both families do once the datagram is to our address and port:
 * the per-source rate, the length checks (udp_len_ip: the UDP length the
 * IP header implies), and the reply in place, ports swapped and the hop
 * limit reset. The caller swaps the addresses and sets the checksums.
 */
static __always_inline enum verdict
stamp_answer(struct udphdr *udp, void *data_end, const __u32 addr[4],
	     __u32 family, __u32 udp_len_ip, __u8 *ttl,
	     struct xdp_stamp_counters *c)
{
	struct stamp_packet *p = (void *)(udp + 1);
	__u64 now = bpf_ktime_get_tai_ns();
	__u32 seq = 0, udp_len;

	if (!rate_allows(addr, family, now))
		return V_RATE;
	udp_len = bpf_ntohs(udp->len);
	if (udp_len != sizeof(*udp) + XDP_STAMP_BASE_LEN ||
	    udp_len_ip != udp_len || (void *)(p + 1) > data_end)
		return V_PASS_UP;
	if (stamp_cfg.stateful)
		seq = next_seq(addr, family, udp->source, p->ssid);
	stamp_reflect(p, *ttl, seq, now, c);
	swap_u16(&udp->source, &udp->dest);
	*ttl = REPLY_TTL;
	return V_REFLECT;
}

static __always_inline enum verdict stamp_ipv4(struct iphdr *ip,
					       void *data_end,
					       struct xdp_stamp_counters *c)
{
	struct udphdr *udp = (void *)(ip + 1);
	__u32 addr[4] = {};
	enum verdict v;

	if ((void *)(udp + 1) > data_end)
		return V_NOT_OURS;
	if (ip->version != 4 || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
		return V_NOT_OURS;
	if (!stamp_cfg.match.any_addr && ip->daddr != stamp_cfg.match.addr[0])
		return V_NOT_OURS;
	/* A later fragment has no UDP header to match: the stack's. */
	if (ip->frag_off & bpf_htons(IPV4_FRAGMENT_OFFSET))
		return V_NOT_OURS;
	if (udp->dest != bpf_htons(stamp_cfg.match.port))
		return V_NOT_OURS;
	c->rx_packets++;
	if (ip->frag_off & bpf_htons(IPV4_MORE_FRAGMENTS))
		return V_PASS_UP;
	addr[0] = ip->saddr;
	/* A tot_len short of the header wraps and fails the length check. */
	v = stamp_answer(udp, data_end, addr, 4,
			 (__u32)bpf_ntohs(ip->tot_len) - sizeof(*ip), &ip->ttl,
			 c);
	if (v != V_REFLECT)
		return v;
	ipv4_swap_addrs(ip);
	udp_csum(udp, (__u64)ip->saddr + ip->daddr);
	ipv4_csum_set(ip);
	return V_REFLECT;
}

static __always_inline enum verdict stamp_ipv6(struct ipv6hdr *ip6,
					       void *data_end,
					       struct xdp_stamp_counters *c)
{
	struct udphdr *udp = (void *)(ip6 + 1);
	__u32 addr[4], i;
	enum verdict v;

	if ((void *)(udp + 1) > data_end)
		return V_NOT_OURS;
	if (ip6->version != 6 || ip6->nexthdr != IPPROTO_UDP)
		return V_NOT_OURS;
	if (!stamp_cfg.match.any_addr &&
	    !ipv6_addr_is(&ip6->daddr, stamp_cfg.match.addr))
		return V_NOT_OURS;
	if (udp->dest != bpf_htons(stamp_cfg.match.port))
		return V_NOT_OURS;
	c->rx_packets++;
#pragma unroll
	for (i = 0; i < 4; i++)
		addr[i] = ip6->saddr.in6_u.u6_addr32[i];
	v = stamp_answer(udp, data_end, addr, 6, bpf_ntohs(ip6->payload_len),
			 &ip6->hop_limit, c);
	if (v != V_REFLECT)
		return v;
	ipv6_swap_addrs(ip6);
	udp_csum(udp, ipv6_addr_sum(ip6));
	return V_REFLECT;
}

SEC("xdp.frags")
int lr_stamp(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct xdp_stamp_counters *c;
	enum verdict v = V_NOT_OURS;
	struct ethhdr *eth = data;
	__u32 key = 0;
	__be16 proto;
	void *l3 = parse_l2(data, data_end, &proto);

	c = bpf_map_lookup_elem(&stamp_counters, &key);
	if (!l3 || !c)
		return XDP_PASS;
	if (l3_is_family(proto, stamp_cfg.match.family)) {
		if (stamp_cfg.match.family == XDP_FAMILY_IPV6) {
			if (l3 + sizeof(struct ipv6hdr) <= data_end)
				v = stamp_ipv6(l3, data_end, c);
		} else if (l3 + sizeof(struct iphdr) <= data_end) {
			v = stamp_ipv4(l3, data_end, c);
		}
	}
	switch (v) {
	case V_REFLECT:
		break;
	case V_RATE:
		return count_verdict(&c->rate_limited, XDP_DROP);
	case V_PASS_UP:
		return count_verdict(&c->passed_up, XDP_PASS);
	default:
		return XDP_PASS;
	}
	swap_mac(eth);
	c->reflected++;
	c->bytes += XDP_STAMP_BASE_LEN;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
