// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <string.h>

#include "lib/sockaddr.h"
#include "replicator/rewrite.h"

static uint64_t add_words(uint64_t acc, uint32_t v)
{
	return acc + v;
}

static uint16_t fold64(uint64_t sum)
{
	while (sum >> 32)
		sum = (sum & 0xffffffffu) + (sum >> 32);
	return csum_fold((uint32_t)sum);
}

void rewrite_target_init(struct sub_target *t)
{
	uint16_t port_be = htons(t->port);
	uint16_t w;

	memcpy(&w, &port_be, 2);
	t->csum_words = csum_partial(t->addr.family == AF_INET6 ?
					     (const void *)&t->addr.v6 :
					     (const void *)&t->addr.v4,
				     t->addr.family == AF_INET6 ? 16 : 4, w);
	sockaddr_from_ip(&t->sa, &t->addr, t->port);
}

void rewrite_prepare(uint8_t *frame, const struct frame_view *v,
		     uint16_t src_port, struct rewrite_base *base)
{
	uint8_t *l3 = frame + v->l3_offset, *udp = frame + v->l4_offset;
	uint16_t udp_len = (uint16_t)(FRAME_UDP_HLEN + v->payload_len);
	uint16_t len_be = htons(udp_len), sport_be = htons(src_port), w;
	uint16_t proto_be = htons(IPPROTO_UDP);
	uint64_t sum;
	size_t alen;

	base->family = v->dst.family;
	base->l3_offset = (uint32_t)v->l3_offset;
	base->l4_offset = (uint32_t)v->l4_offset;
	if (v->dst.family == AF_INET) {
		base->ihl = (uint32_t)(l3[0] & 0x0f) * 4;
		/* Source: the address the frame came to (ours). */
		memcpy(l3 + 12, &v->dst.v4, 4);
		l3[8] = REWRITE_TTL;
		alen = 4;
	} else {
		base->ihl = 0;
		memcpy(l3 + 8, &v->dst.v6, 16);
		l3[7] = REWRITE_TTL;
		alen = 16;
	}
	memcpy(udp, &sport_be, 2);
	sum = csum_partial(frame + v->payload_offset, v->payload_len, 0);
	sum = add_words(sum, csum_partial(l3 + (alen == 4 ? 12 : 8), alen, 0));
	memcpy(&w, &proto_be, 2);
	sum = add_words(sum, w);
	memcpy(&w, &len_be, 2);
	/* The length is in the pseudo header and in the UDP header. */
	sum = add_words(sum, 2u * w);
	memcpy(&w, &sport_be, 2);
	base->udp_sum = add_words(sum, w);
}

void rewrite_for(uint8_t *frame, const struct rewrite_base *base,
		 const struct sub_target *t, const uint8_t src_mac[6])
{
	uint8_t *l3 = frame + base->l3_offset, *udp = frame + base->l4_offset;
	uint16_t dport_be = htons(t->port), check;

	memcpy(frame, t->mac, 6);
	memcpy(frame + 6, src_mac, 6);
	if (base->family == AF_INET) {
		memcpy(l3 + 16, &t->addr.v4, 4);
		memset(l3 + 10, 0, 2);
		check = csum_fold(csum_partial(l3, base->ihl, 0));
		memcpy(l3 + 10, &check, 2);
	} else {
		memcpy(l3 + 24, &t->addr.v6, 16);
	}
	memcpy(udp + 2, &dport_be, 2);
	check = fold64(base->udp_sum + t->csum_words);
	/* 0 means "no checksum" over IPv4 and is invalid over IPv6. */
	if (!check)
		check = 0xffff;
	memcpy(udp + 6, &check, 2);
}
