// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The in-kernel replicator (linerate replicate --backend xdp), a tc
 * ingress program (tcx link or clsact filter): a UDP packet to the listen
 * address and port is readdressed for each subscriber in turn (MACs,
 * destination address and port, checksums by the kernel's csum helpers,
 * which also handle a local sender's partial checksums and GSO packets)
 * and a clone of each version goes out of the interface with
 * bpf_clone_redirect(); the original is then dropped. Every other packet
 * passes untouched.
 *
 * Why tc and not XDP: XDP cannot clone a frame except by devmap
 * broadcast, which sends the same bytes to every device and cannot give
 * each copy its own addresses, and a veth drops XDP_TX/REDIRECT frames
 * unless its peer runs XDP. bpf_clone_redirect() has neither limit.
 *
 * The subscriber set sits in an inner map behind the one-slot array of
 * maps `sets`: user space swaps in a new inner map and the kernel returns
 * from that update only after every run that could still see the old one
 * has finished (see replicator/tc.c).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <stdbool.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/maps.bpf.h"
#include "bpf/parse.bpf.h"
#include "bpf/tc_repl_shared.h"

#define REWRITE_TTL 64

const volatile struct tc_repl_config repl_cfg = {};

/* Sizes rather than types: an inner map's value type would only be
 * referenced through a pointer, and the compiler emits no BTF for it. */
struct inner_set {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct tc_repl_set));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct inner_set);
} sets SEC(".maps");

PERCPU_SLOT_MAP(repl_counters, struct tc_repl_counters);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TC_REPL_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct tc_repl_sub_counters);
} sub_counters SEC(".maps");

/* The last feed source, for the return path. Written only when it
 * changes, under the lock; read under it. */
struct feed_state {
	struct bpf_spin_lock lock;
	__u32 known;
	struct tc_repl_target target;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct feed_state);
} feed SEC(".maps");

/* Where the fields are and what they hold now. */
struct pkt_state {
	__u32 l3_off;
	__u32 udp_off;
	__u32 segs; /* datagrams in the skb (GSO) */
	__u32 bytes; /* frame bytes incl. FCS over all of them */
	__u32 dst[4]; /* the destination address in the packet */
	__u16 dport; /* network order */
	bool v4;
};

static __always_inline bool addr_equal(const __u32 *a, const __u32 *b, bool v4)
{
	if (v4)
		return a[0] == b[0];
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

/*
 * Change the destination address and port to t's (checksums first, from
 * the values the packet holds) and the MACs, then send a clone out. A
 * global function: the verifier checks it once, not once per subscriber
 * of the loop that calls it. 0, or nonzero when the copy was not sent (a
 * copy whose rewrite failed is not sent either: it would carry a
 * half-written header).
 */
__noinline int lr_send_copy(struct __sk_buff *skb, struct pkt_state *ps,
			    const struct tc_repl_target *t)
{
	__u32 check_off;
	__u8 macs[12];
	__u32 addr[4];
	__u16 port;
	long err;

	if (!skb || !ps || !t)
		return -1;
	check_off = ps->udp_off + offsetof(struct udphdr, check);
	port = t->port;
	__builtin_memcpy(macs, t->mac, 6);
	__builtin_memcpy(macs + 6, (const void *)repl_cfg.mac, 6);
	err = bpf_skb_store_bytes(skb, 0, macs, 12, 0);
	addr[0] = t->addr[0];
	addr[1] = t->addr[1];
	addr[2] = t->addr[2];
	addr[3] = t->addr[3];
	if (ps->v4) {
		err |= bpf_l3_csum_replace(skb, ps->l3_off +
					   offsetof(struct iphdr, check),
					   ps->dst[0], addr[0], 4);
		err |= bpf_l4_csum_replace(skb, check_off, ps->dst[0], addr[0],
					   BPF_F_PSEUDO_HDR |
					   BPF_F_MARK_MANGLED_0 | 4);
		err |= bpf_skb_store_bytes(skb, ps->l3_off +
					   offsetof(struct iphdr, daddr),
					   addr, 4, 0);
	} else {
		__s64 diff = bpf_csum_diff(ps->dst, 16, addr, 16, 0);

		err |= bpf_l4_csum_replace(skb, check_off, 0, (__u64)diff,
					   BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0);
		err |= bpf_skb_store_bytes(skb, ps->l3_off +
					   offsetof(struct ipv6hdr, daddr),
					   addr, 16, 0);
	}
	err |= bpf_l4_csum_replace(skb, check_off, ps->dport, port,
				   BPF_F_MARK_MANGLED_0 | 2);
	err |= bpf_skb_store_bytes(skb, ps->udp_off + offsetof(struct udphdr, dest),
				   &port, 2, 0);
	ps->dst[0] = addr[0];
	ps->dst[1] = addr[1];
	ps->dst[2] = addr[2];
	ps->dst[3] = addr[3];
	ps->dport = port;
	if (err)
		return -1;
	return bpf_clone_redirect(skb, repl_cfg.ifindex, 0) ? -1 : 0;
}

/* What is the same for every copy: source address (ours, the one the
 * packet came to), source port (the listen port), TTL. */
static __always_inline long prepare(struct __sk_buff *skb, struct pkt_state *ps,
				    const __u32 *src, __u16 sport, __u16 ttl_word)
{
	__u32 check_off = ps->udp_off + offsetof(struct udphdr, check);
	__u16 listen_port = bpf_htons(repl_cfg.port);
	__u8 ttl = REWRITE_TTL;
	long err;

	if (ps->v4) {
		/* TTL shares its 16-bit word with the protocol. */
		__u16 new_word = bpf_htons((REWRITE_TTL << 8) | IPPROTO_UDP);

		err = bpf_l3_csum_replace(skb, ps->l3_off +
					  offsetof(struct iphdr, check),
					  ttl_word, new_word, 2);
		err |= bpf_skb_store_bytes(skb, ps->l3_off +
					   offsetof(struct iphdr, ttl), &ttl, 1, 0);
		err |= bpf_l3_csum_replace(skb, ps->l3_off +
					   offsetof(struct iphdr, check),
					   src[0], ps->dst[0], 4);
		err |= bpf_l4_csum_replace(skb, check_off, src[0], ps->dst[0],
					   BPF_F_PSEUDO_HDR |
					   BPF_F_MARK_MANGLED_0 | 4);
		err |= bpf_skb_store_bytes(skb, ps->l3_off +
					   offsetof(struct iphdr, saddr),
					   ps->dst, 4, 0);
	} else {
		__s64 diff = bpf_csum_diff((__u32 *)src, 16, ps->dst, 16, 0);

		err = bpf_skb_store_bytes(skb, ps->l3_off +
					  offsetof(struct ipv6hdr, hop_limit),
					  &ttl, 1, 0);
		err |= bpf_l4_csum_replace(skb, check_off, 0, (__u64)diff,
					   BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0);
		err |= bpf_skb_store_bytes(skb, ps->l3_off +
					   offsetof(struct ipv6hdr, saddr),
					   ps->dst, 16, 0);
	}
	err |= bpf_l4_csum_replace(skb, check_off, sport, listen_port,
				   BPF_F_MARK_MANGLED_0 | 2);
	err |= bpf_skb_store_bytes(skb, ps->udp_off +
				   offsetof(struct udphdr, source),
				   &listen_port, 2, 0);
	return err;
}

static __always_inline void note_feed(const __u32 *src, __u16 sport,
				      const __u8 *mac)
{
	__u32 zero = 0;
	struct feed_state *f = bpf_map_lookup_elem(&feed, &zero);

	if (!f)
		return;
	/* The common case (the same source again) takes no lock. */
	if (f->known && f->target.port == sport && f->target.addr[0] == src[0] &&
	    f->target.addr[1] == src[1] && f->target.addr[2] == src[2] &&
	    f->target.addr[3] == src[3] && f->target.mac[0] == mac[0] &&
	    f->target.mac[1] == mac[1] && f->target.mac[2] == mac[2] &&
	    f->target.mac[3] == mac[3] && f->target.mac[4] == mac[4] &&
	    f->target.mac[5] == mac[5])
		return;
	bpf_spin_lock(&f->lock);
	f->target.addr[0] = src[0];
	f->target.addr[1] = src[1];
	f->target.addr[2] = src[2];
	f->target.addr[3] = src[3];
	f->target.port = sport;
	__builtin_memcpy(f->target.mac, mac, 6);
	f->known = 1;
	bpf_spin_unlock(&f->lock);
}

static __always_inline bool feed_get(struct tc_repl_target *t)
{
	__u32 zero = 0, known;
	struct feed_state *f = bpf_map_lookup_elem(&feed, &zero);

	if (!f)
		return false;
	bpf_spin_lock(&f->lock);
	known = f->known;
	*t = f->target;
	bpf_spin_unlock(&f->lock);
	return known;
}

/* Ethernet, two VLAN tags, the longest IPv4 header, UDP. */
#define HEADERS_MAX (14 + 2 * 4 + 60 + 8)

SEC("tc")
int lr_tc_repl(struct __sk_buff *skb)
{
	void *data, *data_end;
	struct tc_repl_counters *c;
	struct tc_repl_set *set;
	struct pkt_state ps = {};
	struct tc_repl_target back;
	__u32 zero = 0, src[4] = {}, count, i;
	__u16 sport, ttl_word = 0;
	__u8 src_mac[6];
	struct udphdr *udp;
	bool from_sub = false;
	void *inner, *l3;
	__be16 proto;

	/* The headers may sit in paged data (an AF_PACKET sender's frames
	 * do): make them directly readable. */
	if (skb->data_end - skb->data < HEADERS_MAX)
		bpf_skb_pull_data(skb, skb->len < HEADERS_MAX ? skb->len : HEADERS_MAX);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	l3 = parse_l2(data, data_end, &proto);
	if (!l3)
		return TC_ACT_OK;
	ps.l3_off = (__u32)(l3 - data);
	if (proto == bpf_htons(ETH_P_IP) && repl_cfg.family == TC_REPL_FAMILY_IPV4) {
		struct iphdr *ip = l3;
		__u32 ihl;

		if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP)
			return TC_ACT_OK;
		if (!repl_cfg.any_addr && ip->daddr != repl_cfg.addr[0])
			return TC_ACT_OK;
		ihl = ip->ihl * 4u;
		if (ihl < sizeof(*ip))
			return TC_ACT_OK;
		udp = l3 + ihl;
		if ((void *)(udp + 1) > data_end ||
		    udp->dest != bpf_htons(repl_cfg.port))
			return TC_ACT_OK;
		ps.v4 = true;
		ps.dst[0] = ip->daddr;
		src[0] = ip->saddr;
		ttl_word = *(__u16 *)&ip->ttl;
		ps.udp_off = ps.l3_off + ihl;
		if (ip->frag_off & bpf_htons(IPV4_MORE_FRAGMENTS |
					      IPV4_FRAGMENT_OFFSET))
			ps.segs = 0; /* a fragment: malformed below */
		else
			ps.segs = 1;
	} else if (proto == bpf_htons(ETH_P_IPV6) &&
		   repl_cfg.family == TC_REPL_FAMILY_IPV6) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > data_end || ip6->nexthdr != IPPROTO_UDP)
			return TC_ACT_OK;
		__builtin_memcpy(ps.dst, &ip6->daddr, 16);
		if (!repl_cfg.any_addr &&
		    !addr_equal(ps.dst, (const __u32 *)repl_cfg.addr, false))
			return TC_ACT_OK;
		udp = (void *)(ip6 + 1);
		if ((void *)(udp + 1) > data_end ||
		    udp->dest != bpf_htons(repl_cfg.port))
			return TC_ACT_OK;
		__builtin_memcpy(src, &ip6->saddr, 16);
		ps.udp_off = ps.l3_off + sizeof(*ip6);
		ps.segs = 1;
	} else {
		return TC_ACT_OK;
	}
	sport = udp->source;
	ps.dport = udp->dest;
	__builtin_memcpy(src_mac, ((struct ethhdr *)data)->h_source, 6);

	c = bpf_map_lookup_elem(&repl_counters, &zero);
	if (!c)
		return TC_ACT_OK;
	if (!ps.segs) {
		c->rx_packets++;
		c->malformed++;
		return TC_ACT_SHOT;
	}
	/* A local sender's UDP GSO packet holds several datagrams; the
	 * copies stay GSO and are split where they are delivered. */
	if (skb->gso_segs > 1)
		ps.segs = skb->gso_segs;
	ps.bytes = skb->len + ps.segs * (ETH_FCS_LEN +
		   (ps.udp_off + sizeof(struct udphdr))) -
		   (ps.udp_off + sizeof(struct udphdr));
	c->rx_packets += ps.segs;
	c->rx_bytes += ps.bytes;
	if (ps.segs == 1 && skb->len > repl_cfg.max_len) {
		c->too_big++;
		return TC_ACT_SHOT;
	}

	inner = bpf_map_lookup_elem(&sets, &zero);
	set = inner ? bpf_map_lookup_elem(inner, &zero) : NULL;
	count = set ? set->count : 0;
	if (count > TC_REPL_MAX_SUBS)
		count = TC_REPL_MAX_SUBS;
	/* Every entry, used or not (unused ones are zero, port 0 matches
	 * nothing): a loop that stops at count would teach the verifier a
	 * different count on every exit, and the send loop below would be
	 * verified once per value. */
	for (i = 0; i < TC_REPL_MAX_SUBS && set; i++) {
		if (set->subs[i].port && set->subs[i].port == sport &&
		    addr_equal(set->subs[i].addr, src, ps.v4)) {
			from_sub = true;
			break;
		}
	}
	if (from_sub) {
		if (!repl_cfg.return_path) {
			c->from_subscriber += ps.segs;
			return TC_ACT_SHOT;
		}
		if (!feed_get(&back)) {
			c->return_no_feed += ps.segs;
			return TC_ACT_SHOT;
		}
		c->returned += ps.segs;
		if (prepare(skb, &ps, src, sport, ttl_word) ||
		    lr_send_copy(skb, &ps, &back)) {
			c->tx_errors += ps.segs;
			return TC_ACT_SHOT;
		}
		c->tx_packets += ps.segs;
		c->tx_bytes += ps.bytes;
		return TC_ACT_SHOT;
	}
	if (repl_cfg.return_path)
		note_feed(src, sport, src_mac);
	if (!count || !set) {
		c->no_subscribers += ps.segs;
		return TC_ACT_SHOT;
	}
	if (prepare(skb, &ps, src, sport, ttl_word)) {
		c->malformed += ps.segs;
		return TC_ACT_SHOT;
	}
	for (i = 0; i < TC_REPL_MAX_SUBS; i++) {
		struct tc_repl_sub_counters *sc;
		struct tc_repl_target *t;
		__u64 ok;
		__u32 slot;
		long err;

		if (i >= count)
			break;
		t = &set->subs[i];
		slot = t->slot;
		err = lr_send_copy(skb, &ps, t);
		ok = !err;
		c->tx_packets += ok * ps.segs;
		c->tx_bytes += ok * ps.bytes;
		c->tx_errors += (1 - ok) * ps.segs;
		sc = bpf_map_lookup_elem(&sub_counters, &slot);
		if (sc) {
			sc->sent += ok * ps.segs;
			sc->bytes += ok * ps.bytes;
			sc->dropped += (1 - ok) * ps.segs;
		}
	}
	c->replicated += ps.segs;
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
