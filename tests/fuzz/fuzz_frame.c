// SPDX-License-Identifier: MIT
/*
 * frame_parse() on arbitrary bytes, then what a receiver or reflector does
 * with a frame it accepted: verify the checksums, swap the endpoints, cut
 * the lengths down (GSO), and rebuild the same frame with frame_build().
 * Every buffer handed to frame.c is exactly as long as the frame, so ASan
 * catches a read or write past its end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/frame.h"
#include "fuzz.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define UDP_PROTO 17
#define ETH_MIN_LEN_NO_FCS (FRAME_MIN_SIZE - FRAME_FCS_LEN)

static int is_tag(uint16_t ethertype)
{
	return ethertype == ETH_P_8021Q || ethertype == ETH_P_8021AD;
}

/* Everything frame_parse() promised about a frame it called FRAME_OK,
 * checked against the bytes themselves. */
static void check_view(const uint8_t *buf, size_t len,
		       const struct frame_view *v)
{
	size_t l3 = v->l3_offset, l4 = v->l4_offset;
	size_t l3_end; /* end of the IP packet by its own length field */

	FUZZ_CHECK(v->src.family == AF_INET || v->src.family == AF_INET6);
	FUZZ_CHECK(v->dst.family == v->src.family);
	FUZZ_CHECK(!memcmp(v->dst_mac, buf, 6));
	FUZZ_CHECK(!memcmp(v->src_mac, buf + 6, 6));
	/* Up to two tags, 0x8100 or 0x88a8, each one's TCI behind it. */
	if (is_tag(fuzz_get_be16(buf + 12)) &&
	    is_tag(fuzz_get_be16(buf + 16))) {
		FUZZ_CHECK(v->vlan_tags == 2);
		FUZZ_CHECK(l3 == FRAME_ETH_HLEN + 2 * FRAME_VLAN_HLEN);
		FUZZ_CHECK(v->vlan_id == (fuzz_get_be16(buf + 14) & 0x0fff));
		FUZZ_CHECK(v->vlan_pcp == buf[14] >> 5);
		FUZZ_CHECK(v->vlan_inner_id ==
			   (fuzz_get_be16(buf + 18) & 0x0fff));
		FUZZ_CHECK(v->vlan_inner_pcp == buf[18] >> 5);
	} else if (is_tag(fuzz_get_be16(buf + 12))) {
		FUZZ_CHECK(v->vlan_tags == 1);
		FUZZ_CHECK(l3 == FRAME_ETH_HLEN + FRAME_VLAN_HLEN);
		FUZZ_CHECK(v->vlan_id == (fuzz_get_be16(buf + 14) & 0x0fff));
		FUZZ_CHECK(v->vlan_inner_id == 0);
	} else {
		FUZZ_CHECK(v->vlan_tags == 0);
		FUZZ_CHECK(l3 == FRAME_ETH_HLEN);
		FUZZ_CHECK(v->vlan_id == 0);
	}
	FUZZ_CHECK(!is_tag(v->ethertype));
	FUZZ_CHECK(v->ethertype == fuzz_get_be16(buf + l3 - 2));
	FUZZ_CHECK(l3 < l4 && l4 < len);
	FUZZ_CHECK(l4 + FRAME_UDP_HLEN <= len);
	FUZZ_CHECK(v->payload_offset == l4 + FRAME_UDP_HLEN);
	FUZZ_CHECK(v->payload_offset <= len);
	FUZZ_CHECK(v->payload_len <= len - v->payload_offset);
	FUZZ_CHECK(v->payload_offset + v->payload_len <= len);

	if (v->src.family == AF_INET) {
		size_t ihl = (size_t)(buf[l3] & 0x0f) * 4;

		FUZZ_CHECK(v->ethertype == ETH_P_IPV4);
		FUZZ_CHECK(buf[l3] >> 4 == 4);
		FUZZ_CHECK(ihl >= FRAME_IPV4_HLEN && l4 == l3 + ihl);
		FUZZ_CHECK(buf[l3 + 9] == UDP_PROTO);
		/* no fragments: MF clear, offset 0 */
		FUZZ_CHECK(!(fuzz_get_be16(buf + l3 + 6) & 0x3fff));
		FUZZ_CHECK(!memcmp(&v->src.v4, buf + l3 + 12, 4));
		FUZZ_CHECK(!memcmp(&v->dst.v4, buf + l3 + 16, 4));
		l3_end = l3 + fuzz_get_be16(buf + l3 + 2);
	} else {
		FUZZ_CHECK(v->ethertype == ETH_P_IPV6);
		FUZZ_CHECK(buf[l3] >> 4 == 6);
		FUZZ_CHECK(l4 == l3 + FRAME_IPV6_HLEN);
		FUZZ_CHECK(buf[l3 + 6] == UDP_PROTO);
		FUZZ_CHECK(!memcmp(&v->src.v6, buf + l3 + 8, 16));
		FUZZ_CHECK(!memcmp(&v->dst.v6, buf + l3 + 24, 16));
		l3_end = l4 + fuzz_get_be16(buf + l3 + 4);
	}
	/* The UDP datagram lies inside the IP packet, the packet inside
	 * the frame. */
	FUZZ_CHECK(l3_end <= len);
	FUZZ_CHECK(v->payload_offset + v->payload_len <= l3_end);
	FUZZ_CHECK(v->src_port == fuzz_get_be16(buf + l4));
	FUZZ_CHECK(v->dst_port == fuzz_get_be16(buf + l4 + 2));
	FUZZ_CHECK(v->payload_len + FRAME_UDP_HLEN ==
		   fuzz_get_be16(buf + l4 + 4));
}

static void check_addr_text(const struct ip_addr *addr)
{
	char text[64], small[5];
	struct ip_addr back;

	ip_addr_format(addr, text, sizeof(text));
	FUZZ_CHECK(ip_addr_parse(text, &back) == 0);
	FUZZ_CHECK(ip_addr_equal(addr, &back));
	/* Truncates, always NUL-terminated. */
	ip_addr_format(addr, small, sizeof(small));
	FUZZ_CHECK(strlen(small) < sizeof(small));
	FUZZ_CHECK(!strncmp(small, text, strlen(small)));
}

/* A reflector's rewrite: the frame stays valid, endpoints trade places,
 * checksums stay right (or stay wrong), and twice is no change at all. */
static void check_swap(const uint8_t *data, size_t size,
		       const struct frame_view *view)
{
	uint8_t *copy = malloc(size);
	struct frame_view swapped;
	bool csum_ok;

	FUZZ_CHECK(copy);
	memcpy(copy, data, size);
	csum_ok = frame_verify_checksums(copy, size, view);
	frame_swap_endpoints(copy, view);
	FUZZ_CHECK(frame_parse(copy, size, &swapped) == FRAME_OK);
	FUZZ_CHECK(!memcmp(swapped.src_mac, view->dst_mac, 6));
	FUZZ_CHECK(!memcmp(swapped.dst_mac, view->src_mac, 6));
	FUZZ_CHECK(ip_addr_equal(&swapped.src, &view->dst));
	FUZZ_CHECK(ip_addr_equal(&swapped.dst, &view->src));
	FUZZ_CHECK(swapped.src_port == view->dst_port);
	FUZZ_CHECK(swapped.dst_port == view->src_port);
	FUZZ_CHECK(swapped.vlan_id == view->vlan_id);
	FUZZ_CHECK(swapped.l3_offset == view->l3_offset);
	FUZZ_CHECK(swapped.l4_offset == view->l4_offset);
	FUZZ_CHECK(swapped.payload_offset == view->payload_offset);
	FUZZ_CHECK(swapped.payload_len == view->payload_len);
	FUZZ_CHECK(frame_verify_checksums(copy, size, &swapped) == csum_ok);
	frame_swap_endpoints(copy, &swapped);
	FUZZ_CHECK(!memcmp(copy, data, size));
	free(copy);
}

/* Cut the UDP payload to payload_len (<= the parsed one): only the length
 * fields and the IPv4 header checksum change, and the result parses. */
static void check_set_lengths(const uint8_t *data, size_t size,
			      const struct frame_view *view,
			      size_t payload_len)
{
	uint8_t *copy = malloc(size);
	struct frame_view cut;
	size_t l3 = view->l3_offset, l4 = view->l4_offset;
	size_t i;

	FUZZ_CHECK(copy);
	memcpy(copy, data, size);
	frame_set_lengths(copy, view, payload_len);
	FUZZ_CHECK(frame_parse(copy, size, &cut) == FRAME_OK);
	FUZZ_CHECK(cut.payload_len == payload_len);
	FUZZ_CHECK(cut.l4_offset == l4);
	FUZZ_CHECK(fuzz_get_be16(copy + l4 + 4) ==
		   FRAME_UDP_HLEN + payload_len);
	if (view->src.family == AF_INET) {
		size_t ihl = l4 - l3;

		FUZZ_CHECK(fuzz_get_be16(copy + l3 + 2) ==
			   ihl + FRAME_UDP_HLEN + payload_len);
		FUZZ_CHECK(csum_fold(csum_partial(copy + l3, ihl, 0)) == 0);
	} else {
		FUZZ_CHECK(fuzz_get_be16(copy + l3 + 4) ==
			   FRAME_UDP_HLEN + payload_len);
	}
	for (i = 0; i < size; i++) {
		bool field = i == l4 + 4 || i == l4 + 5;

		if (view->src.family == AF_INET)
			field |= i == l3 + 2 || i == l3 + 3 || i == l3 + 10 ||
				 i == l3 + 11;
		else
			field |= i == l3 + 4 || i == l3 + 5;
		FUZZ_CHECK(field || copy[i] == data[i]);
	}
	free(copy);
}

/* frame_build() from what was parsed gives a frame that parses back to
 * the same endpoints and payload, with good checksums. */
static void check_rebuild(const uint8_t *data, const struct frame_view *view)
{
	struct frame_spec spec;
	struct frame_view back;
	size_t hdr_len, frame_len;
	uint8_t *buf;
	int ret;

	memset(&spec, 0, sizeof(spec));
	memcpy(spec.src_mac, view->src_mac, 6);
	memcpy(spec.dst_mac, view->dst_mac, 6);
	/* VID 0 means no tag, 4095 is reserved: frame_build() builds an
	 * inner tag only inside an outer one. */
	spec.vlan_id = view->vlan_id == 0x0fff ? 0 : view->vlan_id;
	spec.vlan_inner_id = !spec.vlan_id || view->vlan_inner_id == 0x0fff ?
				     0 :
				     view->vlan_inner_id;
	spec.src = view->src;
	spec.dst = view->dst;
	spec.src_port = view->src_port;
	spec.dst_port = view->dst_port;
	hdr_len = frame_header_len(&spec);
	FUZZ_CHECK(hdr_len >=
		   FRAME_ETH_HLEN + FRAME_IPV4_HLEN + FRAME_UDP_HLEN);
	frame_len = hdr_len + view->payload_len;
	if (frame_len < ETH_MIN_LEN_NO_FCS)
		frame_len = ETH_MIN_LEN_NO_FCS;
	buf = malloc(frame_len);
	FUZZ_CHECK(buf);
	FUZZ_CHECK(frame_build(&spec, data + view->payload_offset,
			       view->payload_len, buf,
			       frame_len - 1) == -ENOSPC);
	ret = frame_build(&spec, data + view->payload_offset,
			  view->payload_len, buf, frame_len);
	FUZZ_CHECK(ret >= 0 && (size_t)ret == frame_len);
	FUZZ_CHECK(frame_parse(buf, frame_len, &back) == FRAME_OK);
	check_view(buf, frame_len, &back);
	FUZZ_CHECK(frame_verify_checksums(buf, frame_len, &back));
	FUZZ_CHECK(!memcmp(back.src_mac, view->src_mac, 6));
	FUZZ_CHECK(!memcmp(back.dst_mac, view->dst_mac, 6));
	FUZZ_CHECK(back.vlan_id == spec.vlan_id);
	FUZZ_CHECK(back.vlan_inner_id == spec.vlan_inner_id);
	FUZZ_CHECK(back.vlan_tags == (spec.vlan_id ? 1 : 0) +
					     (spec.vlan_inner_id ? 1 : 0));
	FUZZ_CHECK(ip_addr_equal(&back.src, &view->src));
	FUZZ_CHECK(ip_addr_equal(&back.dst, &view->dst));
	FUZZ_CHECK(back.src_port == view->src_port);
	FUZZ_CHECK(back.dst_port == view->dst_port);
	FUZZ_CHECK(back.payload_offset == hdr_len);
	FUZZ_CHECK(back.payload_len == view->payload_len);
	FUZZ_CHECK(!memcmp(buf + back.payload_offset,
			   data + view->payload_offset, view->payload_len));
	/* The frame size this is, incl. FCS, gives back the same payload. */
	if (hdr_len + view->payload_len >= ETH_MIN_LEN_NO_FCS &&
	    frame_len + FRAME_FCS_LEN <= FRAME_MAX_SIZE)
		FUZZ_CHECK(frame_payload_len(&spec, frame_len + FRAME_FCS_LEN,
					     0) == (int)view->payload_len);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_view view, again;
	enum frame_parse_result res;
	size_t cut;

	res = frame_parse(data, size, &view);
	FUZZ_CHECK(res == FRAME_OK || res == FRAME_NOT_UDP ||
		   res == FRAME_MALFORMED);
	FUZZ_CHECK(frame_parse(data, size, &again) == res);
	FUZZ_CHECK(!memcmp(&view, &again, sizeof(view)));
	/* The view of a frame that did not parse belongs to no valid
	 * frame; the checksum check must say no, not read past the end. */
	if (res != FRAME_OK) {
		FUZZ_CHECK(!frame_verify_checksums(data, size, &view));
		return 0;
	}
	check_view(data, size, &view);
	frame_verify_checksums(data, size, &view);
	check_addr_text(&view.src);
	check_addr_text(&view.dst);
	check_swap(data, size, &view);
	cut = view.payload_len ? fuzz_get_be16(data + size - 2) %
					 (view.payload_len + 1) :
				 0;
	check_set_lengths(data, size, &view, cut);
	check_set_lengths(data, size, &view, view.payload_len);
	check_rebuild(data, &view);
	return 0;
}
