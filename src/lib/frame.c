// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/frame.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6	      0x86dd
#define IPPROTO_UDP_NUM 17
#define IPV4_FLAG_DF 0x4000
#define IPV4_FLAG_MF 0x2000
#define IPV4_FRAG_OFFSET_MASK 0x1fff
#define VLAN_ID_MAX 4094
#define VLAN_PCP_MAX 7
#define DEFAULT_TTL 64
/* The Ethernet minimum of 64 bytes, less the FCS the NIC appends. */
#define ETH_MIN_LEN_NO_FCS (FRAME_MIN_SIZE - FRAME_FCS_LEN)
#define UDP_CHECK_OFFSET 6

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* Checksums are kept in the byte order they have in the packet, so they
 * are moved with memcpy, never byte-swapped. */
static inline void put_csum(uint8_t *p, uint16_t csum)
{
	memcpy(p, &csum, sizeof(csum));
}

static inline uint16_t get_csum(const uint8_t *p)
{
	uint16_t csum;

	memcpy(&csum, p, sizeof(csum));
	return csum;
}

static bool family_valid(int family)
{
	return family == AF_INET || family == AF_INET6;
}

static size_t addr_len(int family)
{
	return family == AF_INET6 ? sizeof(struct in6_addr) :
				    sizeof(struct in_addr);
}

static const void *addr_bytes(const struct ip_addr *addr)
{
	return addr->family == AF_INET6 ? (const void *)&addr->v6 :
					  (const void *)&addr->v4;
}

/* ---- checksums ---- */

/* 64-bit add with end-around carry: 2^64 == 1 modulo 2^16 - 1, so the
 * wide sum folds to the same 16-bit one's complement sum. */
static inline uint64_t add_carry64(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Words are loaded in host order: one's complement addition commutes with
 * byte swapping (RFC 1071, 2.(B)), so the folded result comes out in
 * network order without swapping every word. As with any partial sum,
 * only the last chunk of a chained sum may have odd length.
 */
uint32_t csum_partial(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t acc = sum;

	while (len >= 32) {
		acc = add_carry64(acc, load64(p));
		acc = add_carry64(acc, load64(p + 8));
		acc = add_carry64(acc, load64(p + 16));
		acc = add_carry64(acc, load64(p + 24));
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		acc = add_carry64(acc, load64(p));
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		uint32_t w;

		memcpy(&w, p, sizeof(w));
		acc = add_carry64(acc, w);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, p, sizeof(w));
		acc = add_carry64(acc, w);
		p += 2;
		len -= 2;
	}
	if (len) {
		/* An odd last byte is the high byte of a zero-padded word
		 * in network order, whatever the host order is. */
		uint8_t last[2] = { p[0], 0 };
		uint16_t w;

		memcpy(&w, last, sizeof(w));
		acc = add_carry64(acc, w);
	}
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo_header_sum(const struct ip_addr *src,
				  const struct ip_addr *dst, size_t udp_len)
{
	uint8_t pseudo[2 * sizeof(struct in6_addr) + 8] = { 0 };
	size_t alen = addr_len(src->family);
	size_t n;

	memcpy(pseudo, addr_bytes(src), alen);
	memcpy(pseudo + alen, addr_bytes(dst), alen);
	n = 2 * alen;
	if (src->family == AF_INET6) {
		/* RFC 8200 8.1: 32-bit length, 3 zero bytes, next header. */
		pseudo[n] = (uint8_t)(udp_len >> 24);
		pseudo[n + 1] = (uint8_t)(udp_len >> 16);
		pseudo[n + 2] = (uint8_t)(udp_len >> 8);
		pseudo[n + 3] = (uint8_t)udp_len;
		pseudo[n + 7] = IPPROTO_UDP_NUM;
		n += 8;
	} else {
		pseudo[n + 1] = IPPROTO_UDP_NUM;
		put_be16(pseudo + n + 2, (uint16_t)udp_len);
		n += 4;
	}
	return csum_partial(pseudo, n, 0);
}

/*
 * Returns the checksum as computed, 0 included: the 0 -> 0xffff mapping
 * belongs to whoever writes the field, and keeping it out of here lets
 * csum_replace16() results compare equal to a recomputation.
 * Mismatched or unknown families have no pseudo header and give 0.
 */
uint16_t csum_udp(const struct ip_addr *src, const struct ip_addr *dst,
		  const uint8_t *udp, size_t udp_len)
{
	uint32_t sum;

	if (!family_valid(src->family) || src->family != dst->family)
		return 0;
	sum = pseudo_header_sum(src, dst, udp_len);
	sum = csum_partial(udp, udp_len < UDP_CHECK_OFFSET ? udp_len :
					UDP_CHECK_OFFSET, sum);
	if (udp_len > FRAME_UDP_HLEN)
		sum = csum_partial(udp + FRAME_UDP_HLEN,
				   udp_len - FRAME_UDP_HLEN, sum);
	return csum_fold(sum);
}

/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): unlike eqn. 2 of RFC 1141 it
 * never yields 0xffff where a full recomputation yields 0. */
uint16_t csum_replace16(uint16_t check, uint16_t old_word, uint16_t new_word)
{
	uint32_t sum = (uint32_t)(uint16_t)~check + (uint16_t)~old_word +
		       new_word;

	return csum_fold(sum);
}

/* ---- build ---- */

static int spec_check(const struct frame_spec *spec)
{
	if (!spec || !family_valid(spec->src.family) ||
	    spec->src.family != spec->dst.family)
		return -EINVAL;
	if (spec->vlan_id > VLAN_ID_MAX || spec->vlan_pcp > VLAN_PCP_MAX ||
	    spec->vlan_inner_id > VLAN_ID_MAX ||
	    spec->vlan_inner_pcp > VLAN_PCP_MAX)
		return -EINVAL;
	/* An inner tag needs an outer one; a priority needs its tag. */
	if ((spec->vlan_inner_id && !spec->vlan_id) ||
	    (spec->vlan_inner_pcp && !spec->vlan_inner_id))
		return -EINVAL;
	return 0;
}

/* 0 for a spec frame_build() would refuse: the return type leaves no
 * room for an error code, and frame_payload_len() turns 0 into one. */
size_t frame_header_len(const struct frame_spec *spec)
{
	size_t len = FRAME_ETH_HLEN + FRAME_UDP_HLEN;

	if (spec_check(spec))
		return 0;
	if (spec->vlan_id)
		len += FRAME_VLAN_HLEN;
	if (spec->vlan_inner_id)
		len += FRAME_VLAN_HLEN;
	len += spec->src.family == AF_INET6 ? FRAME_IPV6_HLEN :
					      FRAME_IPV4_HLEN;
	return len;
}

int frame_payload_len(const struct frame_spec *spec, size_t frame_size,
		      size_t min_payload)
{
	size_t hdr_len = frame_header_len(spec);
	size_t room;

	if (!hdr_len || frame_size < FRAME_MIN_SIZE ||
	    frame_size > FRAME_MAX_SIZE)
		return -EINVAL;
	room = frame_size - FRAME_FCS_LEN;
	if (room < hdr_len || room - hdr_len < min_payload)
		return -EINVAL;
	return (int)(room - hdr_len);
}

static size_t build_eth(const struct frame_spec *spec, uint8_t *buf)
{
	size_t off = 12;
	uint16_t ethertype = spec->src.family == AF_INET6 ? ETH_P_IPV6 :
							    ETH_P_IPV4;

	memcpy(buf, spec->dst_mac, 6);
	memcpy(buf + 6, spec->src_mac, 6);
	/* IEEE 802.1Q: a lone tag is a C-tag (0x8100); of two, the outer
	 * is an S-tag (802.1ad, 0x88a8). A TCI is PCP in the top 3 bits,
	 * DEI 0, then the 12-bit VID. */
	if (spec->vlan_id) {
		put_be16(buf + off, spec->vlan_inner_id ? FRAME_ETH_P_8021AD :
							  FRAME_ETH_P_8021Q);
		put_be16(buf + off + 2,
			 (uint16_t)((spec->vlan_pcp << 13) | spec->vlan_id));
		off += FRAME_VLAN_HLEN;
	}
	if (spec->vlan_inner_id) {
		put_be16(buf + off, FRAME_ETH_P_8021Q);
		put_be16(buf + off + 2,
			 (uint16_t)((spec->vlan_inner_pcp << 13) |
				    spec->vlan_inner_id));
		off += FRAME_VLAN_HLEN;
	}
	put_be16(buf + off, ethertype);
	return off + 2;
}

static void build_ipv4(const struct frame_spec *spec, uint8_t *ip,
		       size_t udp_len)
{
	ip[0] = 0x45; /* version 4, IHL 5 */
	ip[1] = spec->tos;
	put_be16(ip + 2, (uint16_t)(FRAME_IPV4_HLEN + udp_len));
	put_be16(ip + 4, 0); /* id 0 is fine: DF means never reassembled */
	put_be16(ip + 6, IPV4_FLAG_DF);
	ip[8] = spec->ttl ? spec->ttl : DEFAULT_TTL;
	ip[9] = IPPROTO_UDP_NUM;
	put_csum(ip + 10, 0);
	memcpy(ip + 12, &spec->src.v4, 4);
	memcpy(ip + 16, &spec->dst.v4, 4);
	put_csum(ip + 10, csum_fold(csum_partial(ip, FRAME_IPV4_HLEN, 0)));
}

static void build_ipv6(const struct frame_spec *spec, uint8_t *ip,
		       size_t udp_len)
{
	/* version 6, traffic class, flow label 0 */
	ip[0] = (uint8_t)(0x60 | (spec->tos >> 4));
	ip[1] = (uint8_t)(spec->tos << 4);
	ip[2] = 0;
	ip[3] = 0;
	put_be16(ip + 4, (uint16_t)udp_len);
	ip[6] = IPPROTO_UDP_NUM;
	ip[7] = spec->ttl ? spec->ttl : DEFAULT_TTL;
	memcpy(ip + 8, &spec->src.v6, 16);
	memcpy(ip + 24, &spec->dst.v6, 16);
}

int frame_build(const struct frame_spec *spec, const uint8_t *payload,
		size_t payload_len, uint8_t *buf, size_t buf_len)
{
	size_t hdr_len, ip_hlen, udp_len, frame_len, out_len, l3;
	uint8_t *udp;
	uint16_t check;
	int err;

	err = spec_check(spec);
	if (err)
		return err;
	if (!buf || (!payload && payload_len))
		return -EINVAL;
	hdr_len = frame_header_len(spec);
	ip_hlen = spec->src.family == AF_INET6 ? 0 : FRAME_IPV4_HLEN;
	/* The 16-bit IP (v4) and UDP length fields bound the payload. */
	if (payload_len > UINT16_MAX - FRAME_UDP_HLEN - ip_hlen)
		return -EINVAL;
	udp_len = FRAME_UDP_HLEN + payload_len;
	frame_len = hdr_len + payload_len;
	out_len = frame_len < ETH_MIN_LEN_NO_FCS ? ETH_MIN_LEN_NO_FCS :
						   frame_len;
	if (buf_len < out_len)
		return -ENOSPC;

	/* memmove: a caller may have put the payload in place already. */
	if (payload_len)
		memmove(buf + hdr_len, payload, payload_len);
	if (out_len > frame_len)
		memset(buf + frame_len, 0, out_len - frame_len);

	l3 = build_eth(spec, buf);
	if (spec->src.family == AF_INET6)
		build_ipv6(spec, buf + l3, udp_len);
	else
		build_ipv4(spec, buf + l3, udp_len);

	udp = buf + hdr_len - FRAME_UDP_HLEN;
	put_be16(udp, spec->src_port);
	put_be16(udp + 2, spec->dst_port);
	put_be16(udp + 4, (uint16_t)udp_len);
	check = csum_udp(&spec->src, &spec->dst, udp, udp_len);
	/* 0 on the wire means "no checksum" (RFC 768). */
	put_csum(udp + UDP_CHECK_OFFSET, check ? check : 0xffff);
	return (int)out_len;
}

/* ---- parse ---- */

static enum frame_parse_result parse_udp(const uint8_t *buf, size_t l4,
					 size_t l4_room,
					 struct frame_view *view)
{
	size_t udp_len;

	if (l4_room < FRAME_UDP_HLEN)
		return FRAME_MALFORMED;
	udp_len = get_be16(buf + l4 + 4);
	if (udp_len < FRAME_UDP_HLEN || udp_len > l4_room)
		return FRAME_MALFORMED;
	view->l4_offset = l4;
	view->src_port = get_be16(buf + l4);
	view->dst_port = get_be16(buf + l4 + 2);
	view->payload_offset = l4 + FRAME_UDP_HLEN;
	view->payload_len = udp_len - FRAME_UDP_HLEN;
	return FRAME_OK;
}

static enum frame_parse_result parse_ipv4(const uint8_t *buf, size_t len,
					  size_t l3, struct frame_view *view)
{
	const uint8_t *ip = buf + l3;
	size_t room = len - l3;
	size_t ihl, total_len;
	uint16_t frag;

	if (room < FRAME_IPV4_HLEN || (ip[0] >> 4) != 4)
		return FRAME_MALFORMED;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	total_len = get_be16(ip + 2);
	if (ihl < FRAME_IPV4_HLEN || ihl > room || total_len < ihl ||
	    total_len > room)
		return FRAME_MALFORMED;
	view->src.family = AF_INET;
	view->dst.family = AF_INET;
	view->tos = ip[1];
	memcpy(&view->src.v4, ip + 12, 4);
	memcpy(&view->dst.v4, ip + 16, 4);
	if (ip[9] != IPPROTO_UDP_NUM)
		return FRAME_NOT_UDP;
	/* Without reassembly a fragment's UDP length and payload cannot be
	 * trusted, and a later fragment has no UDP header at all. */
	frag = get_be16(ip + 6);
	if (frag & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK))
		return FRAME_MALFORMED;
	return parse_udp(buf, l3 + ihl, total_len - ihl, view);
}

static enum frame_parse_result parse_ipv6(const uint8_t *buf, size_t len,
					  size_t l3, struct frame_view *view)
{
	const uint8_t *ip = buf + l3;
	size_t room = len - l3;
	size_t plen;

	if (room < FRAME_IPV6_HLEN || (ip[0] >> 4) != 6)
		return FRAME_MALFORMED;
	plen = get_be16(ip + 4);
	if (plen > room - FRAME_IPV6_HLEN)
		return FRAME_MALFORMED;
	view->src.family = AF_INET6;
	view->dst.family = AF_INET6;
	view->tos = (uint8_t)((ip[0] << 4) | (ip[1] >> 4));
	memcpy(&view->src.v6, ip + 8, 16);
	memcpy(&view->dst.v6, ip + 24, 16);
	/* Test traffic never carries extension headers, so anything but a
	 * UDP header right after the fixed header is someone else's. */
	if (ip[6] != IPPROTO_UDP_NUM)
		return FRAME_NOT_UDP;
	return parse_udp(buf, l3 + FRAME_IPV6_HLEN, plen, view);
}

enum frame_parse_result frame_parse(const uint8_t *buf, size_t len,
				    struct frame_view *view)
{
	size_t off = 12;
	uint16_t ethertype;

	if (!view)
		return FRAME_MALFORMED;
	memset(view, 0, sizeof(*view));
	if (!buf || len < FRAME_ETH_HLEN)
		return FRAME_MALFORMED;
	memcpy(view->dst_mac, buf, 6);
	memcpy(view->src_mac, buf + 6, 6);
	ethertype = get_be16(buf + off);
	while (ethertype == FRAME_ETH_P_8021Q ||
	       ethertype == FRAME_ETH_P_8021AD) {
		uint16_t tci;

		/* A third tag is no test frame's. */
		if (view->vlan_tags == 2)
			return FRAME_NOT_UDP;
		if (len < off + 2 + FRAME_VLAN_HLEN)
			return FRAME_MALFORMED;
		tci = get_be16(buf + off + 2);
		if (view->vlan_tags++) {
			view->vlan_inner_id = tci & 0x0fff;
			view->vlan_inner_pcp = (uint8_t)(tci >> 13);
		} else {
			view->vlan_id = tci & 0x0fff;
			view->vlan_pcp = (uint8_t)(tci >> 13);
		}
		off += FRAME_VLAN_HLEN;
		ethertype = get_be16(buf + off);
	}
	view->ethertype = ethertype;
	view->l3_offset = off + 2;
	switch (ethertype) {
	case ETH_P_IPV4:
		return parse_ipv4(buf, len, view->l3_offset, view);
	case ETH_P_IPV6:
		return parse_ipv6(buf, len, view->l3_offset, view);
	default:
		/* ARP, LLDP, 802.3 length fields... */
		return FRAME_NOT_UDP;
	}
}

/* A view from frame_parse() on this buffer is consistent; the checks guard
 * against a view that belongs to some other buffer. */
static bool view_fits(size_t len, const struct frame_view *view)
{
	size_t ip_hlen;

	if (view->src.family != view->dst.family ||
	    !family_valid(view->src.family))
		return false;
	ip_hlen = view->src.family == AF_INET6 ? FRAME_IPV6_HLEN :
						 FRAME_IPV4_HLEN;
	if (view->l3_offset > len || view->l4_offset < view->l3_offset ||
	    view->l4_offset - view->l3_offset < ip_hlen ||
	    view->payload_offset != view->l4_offset + FRAME_UDP_HLEN ||
	    view->payload_offset > len ||
	    view->payload_len > len - view->payload_offset)
		return false;
	return true;
}

bool frame_verify_checksums(const uint8_t *buf, size_t len,
			    const struct frame_view *view)
{
	const uint8_t *udp;
	size_t udp_len;
	uint16_t stored, computed;

	if (!buf || !view || !view_fits(len, view))
		return false;
	if (view->src.family == AF_INET) {
		size_t ihl = view->l4_offset - view->l3_offset;

		if (csum_fold(csum_partial(buf + view->l3_offset, ihl, 0)))
			return false;
	}
	udp = buf + view->l4_offset;
	udp_len = FRAME_UDP_HLEN + view->payload_len;
	stored = get_csum(udp + UDP_CHECK_OFFSET);
	if (!stored)
		/* RFC 768: none sent over IPv4; RFC 8200: mandatory over v6. */
		return view->src.family == AF_INET;
	computed = csum_udp(&view->src, &view->dst, udp, udp_len);
	if (!computed)
		computed = 0xffff;
	return stored == computed;
}

void frame_swap_endpoints(uint8_t *buf, const struct frame_view *view)
{
	uint8_t tmp[16];
	size_t alen, src_off;

	if (!buf || !view)
		return;
	memcpy(tmp, buf, 6);
	memcpy(buf, buf + 6, 6);
	memcpy(buf + 6, tmp, 6);
	if (!family_valid(view->src.family) || !view->l4_offset)
		return;
	alen = addr_len(view->src.family);
	src_off = view->l3_offset + (view->src.family == AF_INET6 ? 8 : 12);
	memcpy(tmp, buf + src_off, alen);
	memcpy(buf + src_off, buf + src_off + alen, alen);
	memcpy(buf + src_off + alen, tmp, alen);
	memcpy(tmp, buf + view->l4_offset, 2);
	memcpy(buf + view->l4_offset, buf + view->l4_offset + 2, 2);
	memcpy(buf + view->l4_offset + 2, tmp, 2);
}

void frame_set_lengths(uint8_t *buf, const struct frame_view *view,
		       size_t payload_len)
{
	uint16_t udp_len = htons((uint16_t)(FRAME_UDP_HLEN + payload_len));
	uint8_t *l3 = buf + view->l3_offset;

	if (view->src.family == AF_INET) {
		size_t ihl = (size_t)(l3[0] & 0x0f) * 4;
		uint16_t total = htons((uint16_t)(ihl + FRAME_UDP_HLEN +
						  payload_len));
		uint16_t check;

		memcpy(l3 + 2, &total, 2);
		memset(l3 + 10, 0, 2);
		check = csum_fold(csum_partial(l3, ihl, 0));
		memcpy(l3 + 10, &check, 2);
	} else if (view->src.family == AF_INET6) {
		memcpy(l3 + 4, &udp_len, 2);
	}
	memcpy(buf + view->l4_offset + 4, &udp_len, 2);
}

/* ---- addresses ---- */

int ip_addr_parse(const char *text, struct ip_addr *addr)
{
	struct ip_addr parsed = { 0 };

	if (!text || !addr)
		return -EINVAL;
	/* Only IPv6 text has a colon, so one try decides. */
	parsed.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(parsed.family, text,
		      parsed.family == AF_INET6 ? (void *)&parsed.v6 :
						  (void *)&parsed.v4) != 1)
		return -EINVAL;
	*addr = parsed;
	return 0;
}

const char *ip_addr_format(const struct ip_addr *addr, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN] = "?";
	size_t n;

	if (!buf || !len)
		return buf;
	if (addr && family_valid(addr->family) &&
	    !inet_ntop(addr->family, addr_bytes(addr), text, sizeof(text)))
		strcpy(text, "?");
	n = strlen(text);
	if (n >= len)
		n = len - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	return buf;
}

bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return false;
	if (!family_valid(a->family))
		return true;
	return !memcmp(addr_bytes(a), addr_bytes(b), addr_len(a->family));
}

bool ip_addr_is_loopback(const struct ip_addr *addr)
{
	if (addr->family == AF_INET)
		return (ntohl(addr->v4.s_addr) >> 24) == 127;
	return addr->family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&addr->v6);
}
