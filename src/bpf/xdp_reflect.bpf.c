// SPDX-License-Identifier: MIT
/*
 * In-kernel reflector: a test packet (UDP to the listen address and port
 * from rodata, carrying our probe magic and version) goes back where it
 * came from with MACs, IP addresses and UDP ports swapped, out of the
 * interface it arrived on (XDP_TX). Every other packet goes up the stack.
 *
 * Swapping alone keeps a complete checksum valid (the sums do not depend
 * on the order of the words), but a packet from a local socket over veth
 * carries only the pseudo-header part of its UDP checksum (checksum
 * offload, CHECKSUM_PARTIAL), and that state does not survive XDP: the
 * frame we send back would fail the checksum at the far end. So the UDP
 * checksum is always computed over the whole datagram, and the IPv4
 * header checksum too, which costs little at small frames and makes the
 * reflected packet right whatever the sender's offloads.
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
#include "bpf/xdp_shared.h"

/* bpf_csum_diff() takes at most 512 bytes, in multiples of 4; a power
 * of two here. */
#define CSUM_CHUNK 256
#define CSUM_MAX_CHUNKS (65536 / CSUM_CHUNK)

PERCPU_SLOT_MAP(reflect_counters, struct xdp_reflect_counters);

const volatile struct xdp_match_config reflect_cfg = {};

enum reflect_result {
	RESULT_NOT_OURS = 0,
	RESULT_REFLECTED,
	RESULT_FOREIGN,
	RESULT_TRUNCATED,
	RESULT_MALFORMED,
	RESULT_FILTERED, /* ours, from a source the spec refuses */
};

struct csum_buffer {
	__u8 bytes[CSUM_CHUNK + 4];
};

/* Where the datagram is copied piece by piece for bpf_csum_diff(). */
PERCPU_SLOT_MAP(csum_scratch, struct csum_buffer);

/*
 * One's complement sum of len bytes at offset base of the frame, in
 * memory order as the checksum field holds it; ~0 on failure. The bytes
 * are copied out with bpf_xdp_load_bytes() rather than read in place: a
 * loop that walks a packet pointer is a new verifier state per step, one
 * that moves an offset is not.
 */
static __always_inline __u64 csum_frame(struct xdp_md *ctx, __u32 base,
					__u32 len)
{
	struct csum_buffer *buf;
	__u32 key = 0, off = 0, rem;
	__u64 sum = 0;
	__s64 part;
	int i;

	buf = bpf_map_lookup_elem(&csum_scratch, &key);
	if (!buf)
		return ~0ULL;
	for (i = 0; i < CSUM_MAX_CHUNKS; i++) {
		if (len - off < CSUM_CHUNK)
			break;
		if (bpf_xdp_load_bytes(ctx, base + off, buf->bytes, CSUM_CHUNK))
			return ~0ULL;
		part = bpf_csum_diff(NULL, 0, (__be32 *)buf->bytes, CSUM_CHUNK,
				     0);
		if (part < 0)
			return ~0ULL;
		sum += (__u32)part;
		off += CSUM_CHUNK;
	}
	rem = (len - off) & (CSUM_CHUNK - 1);
	if (!rem)
		return sum;
	if (bpf_xdp_load_bytes(ctx, base + off, buf->bytes, rem))
		return ~0ULL;
	/* bpf_csum_diff() takes whole 32-bit words: pad with zeros, which
	 * is also how an odd last byte is summed (RFC 1071). */
	buf->bytes[rem] = 0;
	buf->bytes[rem + 1] = 0;
	buf->bytes[rem + 2] = 0;
	part = bpf_csum_diff(NULL, 0, (__be32 *)buf->bytes, (rem + 3) & ~3u, 0);
	if (part < 0)
		return ~0ULL;
	return sum + (__u32)part;
}

/* Recompute udp->check over pseudo header + datagram; addr_sum is the
 * sum of both addresses (order does not matter). Returns false if the
 * datagram could not be read. */
static __always_inline bool udp_checksum(struct xdp_md *ctx,
					 struct udphdr *udp, __u32 udp_len,
					 __u64 addr_sum)
{
	void *data = (void *)(long)ctx->data;
	__u64 sum;

	udp->check = 0;
	sum = csum_frame(ctx, (__u32)((void *)udp - data), udp_len);
	if (sum == ~0ULL)
		return false;
	sum += addr_sum + bpf_htons(IPPROTO_UDP) + bpf_htons((__u16)udp_len);
	udp->check = udp_csum_field(sum);
	return true;
}

/* Does the frame hold len bytes from p on (p inside the first buffer)?
 * Loaded with frags support, as veth needs for native XDP above a page of
 * MTU: data_end bounds only the first buffer then. */
static __always_inline bool frame_holds(struct xdp_md *ctx, void *p,
					__u32 len)
{
	return xdp_frame_holds(ctx, (void *)(long)ctx->data,
			       (void *)(long)ctx->data_end, p, len);
}

static __always_inline enum reflect_result probe_check(struct udphdr *udp,
						       __u32 udp_len,
						       void *data_end)
{
	__u8 *payload = (__u8 *)(udp + 1);

	if (udp_len < sizeof(*udp) + 2)
		return udp_len > sizeof(*udp) ? RESULT_TRUNCATED :
						RESULT_FOREIGN;
	if ((void *)(payload + 2) > data_end)
		return RESULT_MALFORMED;
	if (payload[0] != XDP_PROBE_MAGIC || payload[1] != XDP_PROBE_VERSION)
		return RESULT_FOREIGN;
	if (udp_len < sizeof(*udp) + XDP_PROBE_HDR_LEN)
		return RESULT_TRUNCATED;
	return RESULT_REFLECTED;
}

/* Both families, once the datagram is to our address and port: its
 * length within the room the IP header leaves it, the probe header, and
 * the ports swapped (the caller swaps the addresses and sets the
 * checksums). */
static __always_inline enum reflect_result
reflect_udp(struct udphdr *udp, __u32 room, void *data_end, __u32 *udp_len)
{
	enum reflect_result res;

	*udp_len = bpf_ntohs(udp->len);
	if (*udp_len < sizeof(*udp) || *udp_len > room)
		return RESULT_MALFORMED;
	res = probe_check(udp, *udp_len, data_end);
	if (res != RESULT_REFLECTED)
		return res;
	swap_u16(&udp->source, &udp->dest);
	return RESULT_REFLECTED;
}

static __always_inline enum reflect_result reflect_ipv4(struct xdp_md *ctx,
							struct iphdr *ip,
							void *data_end,
							__u32 *ip_len)
{
	enum reflect_result res;
	struct udphdr *udp;
	__u32 ihl, total, udp_len;
	__u64 sum;

	if ((void *)(ip + 1) > data_end)
		return RESULT_NOT_OURS;
	if (ip->protocol != IPPROTO_UDP)
		return RESULT_NOT_OURS;
	if (!reflect_cfg.any_addr && ip->daddr != reflect_cfg.addr[0])
		return RESULT_NOT_OURS;
	ihl = ip->ihl * 4;
	total = bpf_ntohs(ip->tot_len);
	if (ip->version != 4 || ihl != sizeof(*ip) || total < ihl ||
	    !frame_holds(ctx, ip, total))
		return RESULT_NOT_OURS; /* options or damage: the stack's */
	if (ip->frag_off &
	    bpf_htons(IPV4_MORE_FRAGMENTS | IPV4_FRAGMENT_OFFSET))
		return RESULT_NOT_OURS;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > data_end)
		return RESULT_NOT_OURS;
	if (udp->dest != bpf_htons(reflect_cfg.port))
		return RESULT_NOT_OURS;
	/* Rodata: with no filter the verifier drops this branch. */
	if (reflect_cfg.only_from && ip->saddr != reflect_cfg.from_addr[0])
		return RESULT_FILTERED;
	res = reflect_udp(udp, total - ihl, data_end, &udp_len);
	if (res != RESULT_REFLECTED)
		return res;
	*ip_len = total;
	ipv4_swap_addrs(ip);
	/* A sender may leave an IPv4 UDP checksum out (0); keep it so. */
	if (udp->check) {
		sum = (__u64)ip->saddr + ip->daddr;
		if (!udp_checksum(ctx, udp, udp_len, sum))
			return RESULT_MALFORMED;
	}
	ipv4_csum_set(ip);
	return RESULT_REFLECTED;
}

static __always_inline enum reflect_result reflect_ipv6(struct xdp_md *ctx,
							struct ipv6hdr *ip6,
							void *data_end,
							__u32 *ip_len)
{
	struct udphdr *udp = (void *)(ip6 + 1);
	enum reflect_result res;
	__u32 udp_len, room;
	__u64 sum;

	if ((void *)(udp + 1) > data_end)
		return RESULT_NOT_OURS;
	if (ip6->nexthdr != IPPROTO_UDP)
		return RESULT_NOT_OURS;
	if (!reflect_cfg.any_addr &&
	    !ipv6_addr_is(&ip6->daddr, reflect_cfg.addr))
		return RESULT_NOT_OURS;
	room = bpf_ntohs(ip6->payload_len);
	if (ip6->version != 6 || !frame_holds(ctx, udp, room))
		return RESULT_NOT_OURS;
	if (udp->dest != bpf_htons(reflect_cfg.port))
		return RESULT_NOT_OURS;
	if (reflect_cfg.only_from &&
	    !ipv6_addr_is(&ip6->saddr, reflect_cfg.from_addr))
		return RESULT_FILTERED;
	res = reflect_udp(udp, room, data_end, &udp_len);
	if (res != RESULT_REFLECTED)
		return res;
	*ip_len = sizeof(*ip6) + room;
	ipv6_swap_addrs(ip6);
	sum = ipv6_addr_sum(ip6);
	/* The UDP length in the IPv6 pseudo header is 32 bits; its high
	 * half is zero for any datagram we take. */
	if (!udp_checksum(ctx, udp, udp_len, sum))
		return RESULT_MALFORMED;
	return RESULT_REFLECTED;
}

/* The counter of a packet that is not reflected, by why. */
static __always_inline __u64 *
result_counter(struct xdp_reflect_counters *counters, enum reflect_result res)
{
	switch (res) {
	case RESULT_FOREIGN:
		return &counters->foreign;
	case RESULT_TRUNCATED:
		return &counters->truncated;
	case RESULT_MALFORMED:
		return &counters->malformed;
	case RESULT_FILTERED:
		return &counters->filtered;
	default:
		return &counters->passed;
	}
}

SEC("xdp.frags")
int lr_reflect(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct xdp_reflect_counters *counters;
	enum reflect_result res = RESULT_NOT_OURS;
	struct ethhdr *eth = data;
	__u32 key = 0, ip_len = 0, frame_len;
	__be16 proto;
	void *l3 = parse_l2(data, data_end, &proto);

	if (!l3)
		return XDP_PASS;
	if (l3_is_family(proto, reflect_cfg.family))
		res = reflect_cfg.family == XDP_FAMILY_IPV6 ?
			      reflect_ipv6(ctx, l3, data_end, &ip_len) :
			      reflect_ipv4(ctx, l3, data_end, &ip_len);

	counters = bpf_map_lookup_elem(&reflect_counters, &key);
	if (!counters)
		return res == RESULT_REFLECTED ? XDP_ABORTED : XDP_PASS;
	/* What is not reflected goes up the stack, but for a filtered
	 * packet: the stack is not left to answer it either (a spoofed
	 * source would get the port-unreachable). */
	if (res != RESULT_REFLECTED)
		return count_verdict(result_counter(counters, res),
				     res == RESULT_FILTERED ? XDP_DROP :
							      XDP_PASS);

	swap_mac(eth);
	counters->reflected++;
	/* As the worker counts raw frames: headers and datagram, at least
	 * the Ethernet minimum, plus the FCS. */
	frame_len = (__u32)(l3 - data) + ip_len;
	if (frame_len < ETH_MIN_LEN)
		frame_len = ETH_MIN_LEN;
	counters->bytes += frame_len + ETH_FCS_LEN;
	counters->last_rx_ns = bpf_ktime_get_ns();
	if (!counters->first_rx_ns)
		counters->first_rx_ns = counters->last_rx_ns;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
