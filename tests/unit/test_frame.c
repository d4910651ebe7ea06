// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/frame.h"

/*
 * Expected frames. Derived independently of frame.c with a short python3
 * script that uses only struct/socket and its own RFC 1071 checksum
 * (big-endian 16-bit words, end-around carry, complement; 0 -> 0xffff for
 * UDP), assembling Ethernet [+ 802.1Q] + IPv4 (0x45, DF, id 0, proto 17)
 * or IPv6 (flow label 0, next header 17) + UDP, zero-padded to 60 bytes.
 * MACs 02:00:00:00:00:01 (src) -> 02:00:00:00:00:02 (dst).
 */

/* 192.0.2.1:40000 -> 198.51.100.7:5201, tos 0x10, ttl 0 (so 64),
 * payload "linerate-test-0123" (18 bytes: a 64-byte frame, no padding). */
static const uint8_t expect_ipv4[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x10, 0x00, 0x2e, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0x4e, 0x73, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07, 0x9c, 0x40,
	0x14, 0x51, 0x00, 0x1a, 0x37, 0xdd, 0x6c, 0x69, 0x6e, 0x65, 0x72, 0x61,
	0x74, 0x65, 0x2d, 0x74, 0x65, 0x73, 0x74, 0x2d, 0x30, 0x31, 0x32, 0x33,
};

/* [2001:db8::1]:40000 -> [2001:db8::2]:5201, traffic class 0xb8, hop
 * limit 7, payload "hello" (odd length exercises the odd-byte rule). */
static const uint8_t expect_ipv6[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x6b, 0x80, 0x00, 0x00, 0x00, 0x0d, 0x11, 0x07, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x14, 0x51, 0x00, 0x0d,
	0xaf, 0xfb, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

/* VLAN 100 PCP 5, 10.1.2.3:1234 -> 10.4.5.6:4321, tos 0, ttl 32,
 * payload "abc": 49 bytes of frame, then 11 bytes of padding. */
static const uint8_t expect_vlan[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x81, 0x00, 0xa0, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x1f, 0x00, 0x00,
	0x40, 0x00, 0x20, 0x11, 0x3f, 0xc1, 0x0a, 0x01, 0x02, 0x03, 0x0a, 0x04,
	0x05, 0x06, 0x04, 0xd2, 0x10, 0xe1, 0x00, 0x0b, 0x0a, 0xb5, 0x61, 0x62,
	0x63, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
#define EXPECT_VLAN_REAL_LEN 49

/* QinQ (IEEE 802.1ad): S-tag TPID 0x88a8 VLAN 100 PCP 5 (TCI 0xa064),
 * then C-tag TPID 0x8100 VLAN 200 PCP 3 (TCI 0x60c8), then the same
 * IPv4/UDP datagram as expect_vlan (the tags are outside both checksums):
 * 53 bytes of frame, 7 of padding. Assembled by a separate script with
 * its own RFC 1071 sum. */
static const uint8_t expect_qinq[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x88, 0xa8, 0xa0, 0x64, 0x81, 0x00, 0x60, 0xc8, 0x08, 0x00, 0x45, 0x00,
	0x00, 0x1f, 0x00, 0x00, 0x40, 0x00, 0x20, 0x11, 0x3f, 0xc1, 0x0a, 0x01,
	0x02, 0x03, 0x0a, 0x04, 0x05, 0x06, 0x04, 0xd2, 0x10, 0xe1, 0x00, 0x0b,
	0x0a, 0xb5, 0x61, 0x62, 0x63, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Same script: with this payload the IPv4 UDP checksum of the
 * expect_ipv4 endpoints computes to 0, so 0xffff must go on the wire. */
static const uint8_t zero_csum_payload[] = {
	0x7a, 0x65, 0x72, 0x6f, 0x2d, 0x63, 0x73, 0x75, 0x6d, 0x2d, 0x68, 0x1d,
};

static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static struct frame_spec make_spec(const char *src, const char *dst,
				   uint16_t sport, uint16_t dport)
{
	struct frame_spec spec;

	memset(&spec, 0, sizeof(spec));
	memcpy(spec.src_mac, mac_src, 6);
	memcpy(spec.dst_mac, mac_dst, 6);
	assert_int_equal(ip_addr_parse(src, &spec.src), 0);
	assert_int_equal(ip_addr_parse(dst, &spec.dst), 0);
	spec.src_port = sport;
	spec.dst_port = dport;
	return spec;
}

static struct frame_spec spec_ipv4(void)
{
	struct frame_spec spec = make_spec("192.0.2.1", "198.51.100.7", 40000,
					   5201);

	spec.tos = 0x10;
	return spec;
}

static struct frame_spec spec_ipv6(void)
{
	struct frame_spec spec = make_spec("2001:db8::1", "2001:db8::2", 40000,
					   5201);

	spec.tos = 0xb8;
	spec.ttl = 7;
	return spec;
}

static struct frame_spec spec_vlan(void)
{
	struct frame_spec spec = make_spec("10.1.2.3", "10.4.5.6", 1234, 4321);

	spec.vlan_id = 100;
	spec.vlan_pcp = 5;
	spec.ttl = 32;
	return spec;
}

/* Deterministic xorshift so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Byte-at-a-time big-endian reference, the RFC 1071 way; returns the
 * checksum in host order. */
static uint16_t ref_csum(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- checksums ---- */

static void test_csum_rfc1071_example(void **state)
{
	/* RFC 1071 section 3: these words sum to ddf2 (one's complement). */
	static const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03,
					0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t check;
	uint8_t wire[2];

	(void)state;
	check = csum_fold(csum_partial(data, sizeof(data), 0));
	assert_int_equal(check, htons(0x220d));
	assert_int_equal((uint16_t)~check, htons(0xddf2));
	/* "values in network order as they appear in the packet" */
	memcpy(wire, &check, 2);
	assert_int_equal(wire[0], 0x22);
	assert_int_equal(wire[1], 0x0d);
}

static void test_csum_known_ipv4_header(void **state)
{
	/* The widely published example header (e.g. Wikipedia, "IPv4 header
	 * checksum"): 192.168.0.1 -> 192.168.0.199, checksum b861. */
	uint8_t hdr[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
			    0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
			    0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	uint16_t check;

	(void)state;
	check = csum_fold(csum_partial(hdr, sizeof(hdr), 0));
	assert_int_equal(check, htons(0xb861));
	memcpy(hdr + 10, &check, 2);
	/* A header with its checksum in place sums to 0xffff. */
	assert_int_equal(csum_fold(csum_partial(hdr, sizeof(hdr), 0)), 0);
}

static void test_csum_matches_reference(void **state)
{
	static uint8_t buf[600];
	size_t len, align, i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rng();
	for (align = 0; align < 8; align++) {
		for (len = 0; len <= 300; len++) {
			const uint8_t *p = buf + align;
			uint16_t want = htons(ref_csum(p, len));
			size_t split = (len / 2) & ~(size_t)1;

			assert_int_equal(csum_fold(csum_partial(p, len, 0)),
					 want);
			/* chained at an even split */
			assert_int_equal(
				csum_fold(csum_partial(
					p + split, len - split,
					csum_partial(p, split, 0))),
				want);
		}
	}
}

static void test_csum_carries(void **state)
{
	/* All-ones data drives every carry path; big enough that a 32-bit
	 * accumulator without carry handling would overflow. */
	static uint8_t buf[70001];
	size_t lens[] = { 1, 2, 3, 7, 31, 33, 9000, 65535, 70001 };
	size_t i;

	(void)state;
	memset(buf, 0xff, sizeof(buf));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		assert_int_equal(csum_fold(csum_partial(buf, lens[i], 0)),
				 htons(ref_csum(buf, lens[i])));
	assert_int_equal(csum_fold(csum_partial(buf, 9000, 0)), 0);
	/* incoming sum with high bits set */
	assert_int_equal(csum_fold(csum_partial(buf, 2, 0xffffffffu)), 0);
	/* no data: the sum of nothing complements to all ones */
	assert_int_equal(csum_fold(csum_partial(buf, 0, 0)), 0xffff);
}

static void test_csum_replace16_matches_recompute(void **state)
{
	uint8_t frame[128];
	struct frame_spec spec = spec_ipv4();
	struct frame_view view;
	uint8_t *ip, *udp;
	size_t udp_len;
	uint32_t v;
	int len;

	(void)state;
	len = frame_build(&spec, (const uint8_t *)"linerate-test-0123", 18,
			  frame, sizeof(frame));
	assert_int_equal(len, 60);
	assert_int_equal(frame_parse(frame, (size_t)len, &view), FRAME_OK);
	ip = frame + view.l3_offset;
	udp = frame + view.l4_offset;
	udp_len = 8 + view.payload_len;

	/* IPv4 header: every value of the TTL/protocol word and of the id. */
	for (v = 0; v <= 0xffff; v++) {
		size_t offs[] = { 8, 4 };
		size_t k;

		for (k = 0; k < 2; k++) {
			uint8_t hdr[20];
			uint16_t old_word, new_word, check, full;

			memcpy(hdr, ip, 20);
			memcpy(&old_word, hdr + offs[k], 2);
			memcpy(&check, hdr + 10, 2);
			new_word = htons((uint16_t)v);
			memcpy(hdr + offs[k], &new_word, 2);
			check = csum_replace16(check, old_word, new_word);
			memset(hdr + 10, 0, 2);
			full = csum_fold(csum_partial(hdr, 20, 0));
			assert_int_equal(check, full);
		}
	}

	/* UDP: rewrite a payload word (what stamping a probe does), comparing
	 * against csum_udp's raw value. */
	for (v = 0; v <= 0xffff; v += 7) {
		uint16_t old_word, new_word, check;

		check = csum_udp(&view.src, &view.dst, udp, udp_len);
		memcpy(&old_word, udp + 12, 2);
		new_word = htons((uint16_t)v);
		memcpy(udp + 12, &new_word, 2);
		assert_int_equal(csum_replace16(check, old_word, new_word),
				 csum_udp(&view.src, &view.dst, udp, udp_len));
	}
}

static void test_csum_udp_ignores_check_field(void **state)
{
	uint8_t udp[sizeof(expect_ipv4) - 34];
	struct frame_view view;
	uint16_t check;

	(void)state;
	assert_int_equal(frame_parse(expect_ipv4, sizeof(expect_ipv4), &view),
			 FRAME_OK);
	memcpy(udp, expect_ipv4 + 34, sizeof(udp));
	check = csum_udp(&view.src, &view.dst, udp, sizeof(udp));
	assert_int_equal(check, htons(0x37dd));
	udp[6] ^= 0x5a;
	udp[7] ^= 0xa5;
	assert_int_equal(csum_udp(&view.src, &view.dst, udp, sizeof(udp)),
			 check);
}

/* ---- lengths ---- */

static void test_header_len(void **state)
{
	struct frame_spec v4 = spec_ipv4(), v6 = spec_ipv6(), vl = spec_vlan();
	struct frame_spec bad = spec_ipv4();

	(void)state;
	assert_int_equal(frame_header_len(&v4), 42);
	assert_int_equal(frame_header_len(&v6), 62);
	assert_int_equal(frame_header_len(&vl), 46);
	vl.src = v6.src;
	vl.dst = v6.dst;
	assert_int_equal(frame_header_len(&vl), 66);
	bad.src.family = AF_UNIX;
	assert_int_equal(frame_header_len(&bad), 0);
	bad = spec_ipv4();
	bad.dst = v6.dst;
	assert_int_equal(frame_header_len(&bad), 0);
	bad = spec_ipv4();
	bad.vlan_id = 4095;
	assert_int_equal(frame_header_len(&bad), 0);
	assert_int_equal(frame_header_len(NULL), 0);
}

static void test_payload_len(void **state)
{
	struct frame_spec v4 = spec_ipv4(), v6 = spec_ipv6(), vl = spec_vlan();
	struct frame_spec bad = spec_ipv4();

	(void)state;
	assert_int_equal(frame_payload_len(&v4, 64, 18), 18);
	assert_int_equal(frame_payload_len(&v4, 65, 18), 19);
	assert_int_equal(frame_payload_len(&v4, 1518, 18), 1472);
	assert_int_equal(frame_payload_len(&v4, 9018, 18), 8972);
	assert_int_equal(frame_payload_len(&v4, 63, 0), -EINVAL);
	assert_int_equal(frame_payload_len(&v4, 9019, 0), -EINVAL);
	assert_int_equal(frame_payload_len(&v4, 0, 0), -EINVAL);
	assert_int_equal(frame_payload_len(&v4, 64, 19), -EINVAL);

	/* 64 - 4 - 14 - 40 - 8 = -2: no IPv6 64-byte frame at all */
	assert_int_equal(frame_payload_len(&v6, 64, 18), -EINVAL);
	assert_int_equal(frame_payload_len(&v6, 64, 0), -EINVAL);
	assert_int_equal(frame_payload_len(&v6, 66, 0), 0);
	assert_int_equal(frame_payload_len(&v6, 84, 18), 18);
	assert_int_equal(frame_payload_len(&v6, 1518, 18), 1452);
	assert_int_equal(frame_payload_len(&v6, 9018, 18), 8952);

	/* the tag takes 4 bytes of payload */
	assert_int_equal(frame_payload_len(&vl, 64, 18), -EINVAL);
	assert_int_equal(frame_payload_len(&vl, 64, 14), 14);
	assert_int_equal(frame_payload_len(&vl, 68, 18), 18);
	assert_int_equal(frame_payload_len(&vl, 1522, 18), 1472);

	bad.dst.family = AF_INET6;
	bad.src.family = 0;
	assert_int_equal(frame_payload_len(&bad, 1518, 0), -EINVAL);
	bad = spec_ipv4();
	bad.vlan_pcp = 8;
	assert_int_equal(frame_payload_len(&bad, 1518, 0), -EINVAL);
}

/* ---- build ---- */

static void test_build_ipv4_known(void **state)
{
	struct frame_spec spec = spec_ipv4();
	uint8_t buf[128];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(frame_build(&spec,
				     (const uint8_t *)"linerate-test-0123", 18,
				     buf, sizeof(buf)),
			 60);
	assert_memory_equal(buf, expect_ipv4, sizeof(expect_ipv4));
	assert_int_equal(buf[60], 0xee); /* nothing past the frame */
}

static void test_build_ipv6_known(void **state)
{
	struct frame_spec spec = spec_ipv6();
	uint8_t buf[128];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(frame_build(&spec, (const uint8_t *)"hello", 5, buf,
				     sizeof(buf)),
			 67);
	assert_memory_equal(buf, expect_ipv6, sizeof(expect_ipv6));
	assert_int_equal(buf[67], 0xee);
}

static void test_build_vlan_known(void **state)
{
	struct frame_spec spec = spec_vlan();
	uint8_t buf[60];

	(void)state;
	/* dirty buffer: the padding must be zeroed, not left over */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(frame_build(&spec, (const uint8_t *)"abc", 3, buf,
				     sizeof(buf)),
			 60);
	assert_memory_equal(buf, expect_vlan, sizeof(expect_vlan));
}

static void test_build_qinq_known(void **state)
{
	struct frame_spec spec = spec_vlan();
	uint8_t buf[60];

	(void)state;
	spec.vlan_inner_id = 200;
	spec.vlan_inner_pcp = 3;
	assert_int_equal(frame_header_len(&spec), 14 + 8 + 20 + 8);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(frame_build(&spec, (const uint8_t *)"abc", 3, buf,
				     sizeof(buf)),
			 60);
	assert_memory_equal(buf, expect_qinq, sizeof(expect_qinq));
	/* 64-byte frame: 8 bytes of tags leave 10 bytes of payload. */
	assert_int_equal(frame_payload_len(&spec, 64, 0), 10);

	/* An inner tag needs an outer one, a priority its tag. */
	spec.vlan_id = 0;
	spec.vlan_pcp = 0;
	assert_int_equal(frame_build(&spec, NULL, 0, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(frame_header_len(&spec), 0);
	spec = spec_vlan();
	spec.vlan_inner_pcp = 1;
	assert_int_equal(frame_build(&spec, NULL, 0, buf, sizeof(buf)),
			 -EINVAL);
	spec.vlan_inner_id = 4095;
	assert_int_equal(frame_build(&spec, NULL, 0, buf, sizeof(buf)),
			 -EINVAL);
}

static void test_parse_qinq(void **state)
{
	struct frame_view view;
	uint8_t buf[64];

	(void)state;
	assert_int_equal(frame_parse(expect_qinq, sizeof(expect_qinq), &view),
			 FRAME_OK);
	assert_int_equal(view.vlan_tags, 2);
	assert_int_equal(view.vlan_id, 100);
	assert_int_equal(view.vlan_pcp, 5);
	assert_int_equal(view.vlan_inner_id, 200);
	assert_int_equal(view.vlan_inner_pcp, 3);
	assert_int_equal(view.ethertype, 0x0800);
	assert_int_equal(view.l3_offset, 22);
	assert_int_equal(view.l4_offset, 42);
	assert_int_equal(view.payload_offset, 50);
	assert_int_equal(view.payload_len, 3);
	assert_true(frame_verify_checksums(expect_qinq, sizeof(expect_qinq),
					   &view));
	/* Truncated inside the inner tag: malformed, not read past. */
	assert_int_equal(frame_parse(expect_qinq, 21, &view), FRAME_MALFORMED);
	/* A lone 802.1ad tag is a tag too. */
	memcpy(buf, expect_vlan, sizeof(expect_vlan));
	buf[12] = 0x88;
	buf[13] = 0xa8;
	assert_int_equal(frame_parse(buf, sizeof(expect_vlan), &view),
			 FRAME_OK);
	assert_int_equal(view.vlan_tags, 1);
	assert_int_equal(view.vlan_id, 100);
	assert_int_equal(view.vlan_inner_id, 0);
	/* A third tag is no test frame's. */
	memcpy(buf, expect_qinq, 18);
	buf[18] = 0x81;
	buf[19] = 0x00;
	buf[20] = 0x00;
	buf[21] = 0x05;
	memcpy(buf + 22, expect_qinq + 18, sizeof(expect_qinq) - 18);
	assert_int_equal(frame_parse(buf, 64, &view), FRAME_NOT_UDP);
	assert_int_equal(view.vlan_tags, 2);
}

static void test_build_zero_checksum_sent_as_ffff(void **state)
{
	struct frame_spec spec = spec_ipv4();
	struct frame_view view;
	uint8_t buf[128];
	int len;

	(void)state;
	len = frame_build(&spec, zero_csum_payload, sizeof(zero_csum_payload),
			  buf, sizeof(buf));
	assert_int_equal(len, 60);
	assert_int_equal(frame_parse(buf, (size_t)len, &view), FRAME_OK);
	assert_int_equal(csum_udp(&view.src, &view.dst, buf + view.l4_offset,
				  8 + view.payload_len),
			 0);
	assert_int_equal(be16_at(buf + view.l4_offset + 6), 0xffff);
	assert_true(frame_verify_checksums(buf, (size_t)len, &view));
}

static void test_build_errors(void **state)
{
	static uint8_t big[70000];
	struct frame_spec spec = spec_ipv4();
	struct frame_spec v6 = spec_ipv6();
	uint8_t buf[128];

	(void)state;
	/* the padded length, not the header+payload length, must fit */
	assert_int_equal(frame_build(&spec, NULL, 0, buf, 59), -ENOSPC);
	assert_int_equal(frame_build(&spec, NULL, 0, buf, 60), 60);
	assert_int_equal(frame_build(&v6, (const uint8_t *)"hello", 5, buf,
				     66),
			 -ENOSPC);
	assert_int_equal(frame_build(&spec, NULL, 1, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(frame_build(NULL, NULL, 0, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(frame_build(&spec, NULL, 0, NULL, 0), -EINVAL);

	spec.vlan_id = 4095;
	assert_int_equal(frame_build(&spec, NULL, 0, buf, sizeof(buf)),
			 -EINVAL);
	spec.vlan_id = 4094;
	spec.vlan_pcp = 8;
	assert_int_equal(frame_build(&spec, NULL, 0, buf, sizeof(buf)),
			 -EINVAL);
	spec = spec_ipv4();
	spec.dst = v6.dst;
	assert_int_equal(frame_build(&spec, NULL, 0, buf, sizeof(buf)),
			 -EINVAL);
	spec = spec_ipv4();
	spec.src.family = spec.dst.family = AF_UNSPEC;
	assert_int_equal(frame_build(&spec, NULL, 0, buf, sizeof(buf)),
			 -EINVAL);

	/* IPv4 total length is 16 bits: 65535 - 20 - 8 = 65507 */
	spec = spec_ipv4();
	assert_int_equal(frame_build(&spec, big, 65508, big, sizeof(big)),
			 -EINVAL);
	assert_int_equal(frame_build(&spec, big + 42, 65507, big, sizeof(big)),
			 42 + 65507);
	/* IPv6 has no header in its length: 65535 - 8 = 65527 */
	assert_int_equal(frame_build(&v6, big, 65528, big, sizeof(big)),
			 -EINVAL);
	assert_int_equal(frame_build(&v6, big + 62, 65527, big, sizeof(big)),
			 62 + 65527);
}

static void test_build_in_place(void **state)
{
	struct frame_spec spec = spec_ipv4();
	uint8_t buf[60];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	memcpy(buf + 42, "linerate-test-0123", 18);
	assert_int_equal(frame_build(&spec, buf + 42, 18, buf, sizeof(buf)),
			 60);
	assert_memory_equal(buf, expect_ipv4, sizeof(expect_ipv4));
}

static void test_build_parse_random(void **state)
{
	static uint8_t payload[9000], buf[9100];
	static const char *const addrs[][2] = {
		{ "192.0.2.1", "198.51.100.7" },
		{ "0.0.0.0", "255.255.255.255" },
		{ "2001:db8::1", "2001:db8:ffff::abcd" },
		{ "fe80::1", "ff02::1" },
	};
	int iter;

	(void)state;
	for (iter = 0; iter < 2000; iter++) {
		const char *const *a = addrs[rng() % 4];
		struct frame_spec spec = make_spec(a[0], a[1], (uint16_t)rng(),
						   (uint16_t)rng());
		size_t frame_size = 64 + rng() % (9018 - 64 + 1);
		struct frame_view view;
		int plen, len;
		size_t i;

		spec.vlan_id = rng() & 1 ? (uint16_t)(1 + rng() % 4094) : 0;
		spec.vlan_pcp = (uint8_t)(rng() % 8);
		spec.ttl = (uint8_t)rng();
		spec.tos = (uint8_t)rng();
		plen = frame_payload_len(&spec, frame_size, 0);
		if (plen < 0) {
			/* only IPv6 at the smallest sizes */
			assert_int_equal(spec.src.family, AF_INET6);
			assert_true(frame_size - 4 < frame_header_len(&spec));
			continue;
		}
		for (i = 0; i < (size_t)plen; i++)
			payload[i] = (uint8_t)rng();
		len = frame_build(&spec, payload, (size_t)plen, buf,
				  sizeof(buf));
		assert_int_equal(len, (int)(frame_size - 4));
		assert_int_equal(frame_parse(buf, (size_t)len, &view),
				 FRAME_OK);
		assert_true(frame_verify_checksums(buf, (size_t)len, &view));
		assert_int_equal(view.vlan_id, spec.vlan_id);
		assert_true(ip_addr_equal(&view.src, &spec.src));
		assert_true(ip_addr_equal(&view.dst, &spec.dst));
		assert_int_equal(view.src_port, spec.src_port);
		assert_int_equal(view.dst_port, spec.dst_port);
		assert_int_equal(view.payload_len, (size_t)plen);
		assert_int_equal(view.payload_offset, frame_header_len(&spec));
		assert_memory_equal(buf + view.payload_offset, payload,
				    (size_t)plen);
		assert_memory_equal(view.src_mac, mac_src, 6);
		assert_memory_equal(view.dst_mac, mac_dst, 6);
		if (spec.src.family == AF_INET)
			assert_int_equal(buf[view.l3_offset + 8],
					 spec.ttl ? spec.ttl : 64);
		else
			assert_int_equal(buf[view.l3_offset + 7],
					 spec.ttl ? spec.ttl : 64);
	}
}

/* ---- parse ---- */

static void test_parse_ipv4(void **state)
{
	struct frame_view view;
	char text[64];

	(void)state;
	assert_int_equal(frame_parse(expect_ipv4, sizeof(expect_ipv4), &view),
			 FRAME_OK);
	assert_int_equal(view.vlan_id, 0);
	assert_int_equal(view.ethertype, 0x0800);
	assert_int_equal(view.src.family, AF_INET);
	assert_string_equal(ip_addr_format(&view.src, text, sizeof(text)),
			    "192.0.2.1");
	assert_string_equal(ip_addr_format(&view.dst, text, sizeof(text)),
			    "198.51.100.7");
	assert_int_equal(view.src_port, 40000);
	assert_int_equal(view.dst_port, 5201);
	assert_int_equal(view.l3_offset, 14);
	assert_int_equal(view.l4_offset, 34);
	assert_int_equal(view.payload_offset, 42);
	assert_int_equal(view.payload_len, 18);
	assert_memory_equal(view.src_mac, mac_src, 6);
	assert_memory_equal(view.dst_mac, mac_dst, 6);
	assert_true(frame_verify_checksums(expect_ipv4, sizeof(expect_ipv4),
					   &view));
}

static void test_parse_ipv6(void **state)
{
	struct frame_view view;
	char text[64];

	(void)state;
	assert_int_equal(frame_parse(expect_ipv6, sizeof(expect_ipv6), &view),
			 FRAME_OK);
	assert_int_equal(view.ethertype, 0x86dd);
	assert_int_equal(view.src.family, AF_INET6);
	assert_string_equal(ip_addr_format(&view.src, text, sizeof(text)),
			    "2001:db8::1");
	assert_string_equal(ip_addr_format(&view.dst, text, sizeof(text)),
			    "2001:db8::2");
	assert_int_equal(view.l3_offset, 14);
	assert_int_equal(view.l4_offset, 54);
	assert_int_equal(view.payload_offset, 62);
	assert_int_equal(view.payload_len, 5);
	assert_true(frame_verify_checksums(expect_ipv6, sizeof(expect_ipv6),
					   &view));
}

static void test_parse_vlan_with_padding(void **state)
{
	struct frame_view view;

	(void)state;
	assert_int_equal(frame_parse(expect_vlan, sizeof(expect_vlan), &view),
			 FRAME_OK);
	assert_int_equal(view.vlan_id, 100);
	assert_int_equal(view.ethertype, 0x0800);
	assert_int_equal(view.l3_offset, 18);
	assert_int_equal(view.l4_offset, 38);
	assert_int_equal(view.payload_offset, 46);
	/* from the UDP length, not from the padded frame length */
	assert_int_equal(view.payload_len, 3);
	assert_int_equal(view.src_port, 1234);
	assert_int_equal(view.dst_port, 4321);
	assert_true(frame_verify_checksums(expect_vlan, sizeof(expect_vlan),
					   &view));
}

/* Exact-size heap copies, so ASan/valgrind flag any read past len. */
static void check_truncations(const uint8_t *frame, size_t full_len,
			      size_t real_len)
{
	size_t len;

	for (len = 0; len <= full_len; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		struct frame_view view;
		enum frame_parse_result res;

		assert_non_null(copy);
		memcpy(copy, frame, len);
		res = frame_parse(copy, len, &view);
		if (len < real_len) {
			assert_int_equal(res, FRAME_MALFORMED);
		} else {
			assert_int_equal(res, FRAME_OK);
			assert_true(frame_verify_checksums(copy, len, &view));
		}
		free(copy);
	}
}

static void test_parse_truncated(void **state)
{
	(void)state;
	check_truncations(expect_ipv4, sizeof(expect_ipv4),
			  sizeof(expect_ipv4));
	check_truncations(expect_ipv6, sizeof(expect_ipv6),
			  sizeof(expect_ipv6));
	/* cutting into the padding only is fine */
	check_truncations(expect_vlan, sizeof(expect_vlan),
			  EXPECT_VLAN_REAL_LEN);
}

static void test_parse_not_udp(void **state)
{
	/* ARP request, 192.0.2.1 asking for 192.0.2.2 */
	static const uint8_t arp[60] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00,
		0x00, 0x01, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04,
		0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc0, 0x00,
		0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00,
		0x02, 0x02,
	};
	struct frame_view view;
	uint8_t buf[128];

	(void)state;
	assert_int_equal(frame_parse(arp, sizeof(arp), &view), FRAME_NOT_UDP);
	assert_int_equal(view.ethertype, 0x0806);
	assert_memory_equal(view.src_mac, mac_src, 6);

	/* ARP behind a VLAN tag */
	memcpy(buf, arp, 12);
	buf[12] = 0x81;
	buf[13] = 0x00;
	buf[14] = 0x00;
	buf[15] = 0x07;
	memcpy(buf + 16, arp + 12, 48);
	assert_int_equal(frame_parse(buf, 64, &view), FRAME_NOT_UDP);
	assert_int_equal(view.vlan_id, 7);
	assert_int_equal(view.ethertype, 0x0806);

	/* IPv4 TCP */
	memcpy(buf, expect_ipv4, sizeof(expect_ipv4));
	buf[14 + 9] = 6;
	assert_int_equal(frame_parse(buf, sizeof(expect_ipv4), &view),
			 FRAME_NOT_UDP);
	/* IPv6 with an extension header (hop-by-hop) first */
	memcpy(buf, expect_ipv6, sizeof(expect_ipv6));
	buf[14 + 6] = 0;
	assert_int_equal(frame_parse(buf, sizeof(expect_ipv6), &view),
			 FRAME_NOT_UDP);
	/* IPv6 fragment header */
	buf[14 + 6] = 44;
	assert_int_equal(frame_parse(buf, sizeof(expect_ipv6), &view),
			 FRAME_NOT_UDP);
	/* an 802.3 length field instead of an ethertype */
	memcpy(buf, expect_ipv4, sizeof(expect_ipv4));
	buf[12] = 0x00;
	buf[13] = 0x2e;
	assert_int_equal(frame_parse(buf, sizeof(expect_ipv4), &view),
			 FRAME_NOT_UDP);
	/* a second tag whose "ethertype" is really the IP header's length
	 * field: well formed, but not IP */
	memcpy(buf, expect_vlan, sizeof(expect_vlan));
	buf[16] = 0x81;
	buf[17] = 0x00;
	assert_int_equal(frame_parse(buf, sizeof(expect_vlan), &view),
			 FRAME_NOT_UDP);
	assert_int_equal(view.vlan_tags, 2);
}

static void test_parse_fragment(void **state)
{
	struct frame_view view;
	uint8_t buf[64];

	(void)state;
	memcpy(buf, expect_ipv4, sizeof(expect_ipv4));
	buf[20] = 0x20; /* MF, offset 0: a first fragment */
	buf[21] = 0x00;
	assert_int_equal(frame_parse(buf, sizeof(expect_ipv4), &view),
			 FRAME_MALFORMED);
	buf[20] = 0x00; /* offset 185 * 8, last fragment */
	buf[21] = 0xb9;
	assert_int_equal(frame_parse(buf, sizeof(expect_ipv4), &view),
			 FRAME_MALFORMED);
	buf[20] = 0x40; /* DF with an offset is still a fragment */
	buf[21] = 0x01;
	assert_int_equal(frame_parse(buf, sizeof(expect_ipv4), &view),
			 FRAME_MALFORMED);
	buf[20] = 0x00; /* neither DF nor MF, offset 0: whole datagram */
	buf[21] = 0x00;
	assert_int_equal(frame_parse(buf, sizeof(expect_ipv4), &view),
			 FRAME_OK);
}

static void set_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static enum frame_parse_result parse_mutated(const uint8_t *frame,
					     size_t len, size_t off,
					     uint8_t value)
{
	uint8_t buf[128];
	struct frame_view view;

	memcpy(buf, frame, len);
	buf[off] = value;
	return frame_parse(buf, len, &view);
}

static void test_parse_malformed(void **state)
{
	struct frame_view view;
	uint8_t buf[128];
	const size_t n4 = sizeof(expect_ipv4), n6 = sizeof(expect_ipv6);

	(void)state;
	assert_int_equal(frame_parse(NULL, 0, &view), FRAME_MALFORMED);
	assert_int_equal(frame_parse(expect_ipv4, n4, NULL), FRAME_MALFORMED);

	/* IPv4 ethertype with another version */
	assert_int_equal(parse_mutated(expect_ipv4, n4, 14, 0x65),
			 FRAME_MALFORMED);
	/* IHL below 5 */
	assert_int_equal(parse_mutated(expect_ipv4, n4, 14, 0x44),
			 FRAME_MALFORMED);
	/* IHL 15 (60 bytes) > total length 46 */
	assert_int_equal(parse_mutated(expect_ipv4, n4, 14, 0x4f),
			 FRAME_MALFORMED);
	/* total length: one more than the buffer, below IHL, too small
	 * for UDP */
	memcpy(buf, expect_ipv4, n4);
	set_be16(buf + 16, 47);
	assert_int_equal(frame_parse(buf, n4, &view), FRAME_MALFORMED);
	set_be16(buf + 16, 19);
	assert_int_equal(frame_parse(buf, n4, &view), FRAME_MALFORMED);
	set_be16(buf + 16, 27);
	assert_int_equal(frame_parse(buf, n4, &view), FRAME_MALFORMED);
	set_be16(buf + 16, 0xffff);
	assert_int_equal(frame_parse(buf, n4, &view), FRAME_MALFORMED);
	/* UDP length below 8, above the IP payload */
	memcpy(buf, expect_ipv4, n4);
	set_be16(buf + 38, 7);
	assert_int_equal(frame_parse(buf, n4, &view), FRAME_MALFORMED);
	set_be16(buf + 38, 0);
	assert_int_equal(frame_parse(buf, n4, &view), FRAME_MALFORMED);
	set_be16(buf + 38, 27);
	assert_int_equal(frame_parse(buf, n4, &view), FRAME_MALFORMED);
	/* UDP length 8: an empty datagram is fine */
	set_be16(buf + 38, 8);
	assert_int_equal(frame_parse(buf, n4, &view), FRAME_OK);
	assert_int_equal(view.payload_len, 0);

	/* IPv6 ethertype with version 4 */
	assert_int_equal(parse_mutated(expect_ipv6, n6, 14, 0x4b),
			 FRAME_MALFORMED);
	/* payload length past the buffer, and too small for UDP */
	memcpy(buf, expect_ipv6, n6);
	set_be16(buf + 18, 14);
	assert_int_equal(frame_parse(buf, n6, &view), FRAME_MALFORMED);
	set_be16(buf + 18, 7);
	assert_int_equal(frame_parse(buf, n6, &view), FRAME_MALFORMED);
	set_be16(buf + 18, 0);
	assert_int_equal(frame_parse(buf, n6, &view), FRAME_MALFORMED);
	/* UDP length above the IPv6 payload length, and below 8 */
	memcpy(buf, expect_ipv6, n6);
	set_be16(buf + 58, 14);
	assert_int_equal(frame_parse(buf, n6, &view), FRAME_MALFORMED);
	set_be16(buf + 58, 4);
	assert_int_equal(frame_parse(buf, n6, &view), FRAME_MALFORMED);
}

static void test_parse_ipv4_options(void **state)
{
	struct frame_view view;
	uint8_t buf[128];
	uint16_t check;

	(void)state;
	/* Insert 4 option bytes (NOP NOP NOP EOL) after the fixed header. */
	memcpy(buf, expect_ipv4, 34);
	buf[34] = 1;
	buf[35] = 1;
	buf[36] = 1;
	buf[37] = 0;
	memcpy(buf + 38, expect_ipv4 + 34, sizeof(expect_ipv4) - 34);
	buf[14] = 0x46;
	set_be16(buf + 16, 46 + 4);
	memset(buf + 24, 0, 2);
	check = csum_fold(csum_partial(buf + 14, 24, 0));
	memcpy(buf + 24, &check, 2);

	assert_int_equal(frame_parse(buf, sizeof(expect_ipv4) + 4, &view),
			 FRAME_OK);
	assert_int_equal(view.l4_offset, 38);
	assert_int_equal(view.payload_offset, 46);
	assert_int_equal(view.payload_len, 18);
	assert_int_equal(view.src_port, 40000);
	assert_memory_equal(buf + view.payload_offset, "linerate-test-0123",
			    18);
	/* the UDP checksum does not cover IP options, so it still holds */
	assert_true(frame_verify_checksums(buf, sizeof(expect_ipv4) + 4,
					   &view));
	buf[36] = 7;
	assert_false(frame_verify_checksums(buf, sizeof(expect_ipv4) + 4,
					    &view));
}

/* ---- checksum verification ---- */

/* Any single-bit error in what the checksums cover is caught, either by
 * the parser (length fields) or by the checksums. */
static void check_every_flip(const uint8_t *frame, size_t len, size_t from,
			     size_t skip)
{
	size_t off;
	int bit;

	for (off = from; off < len; off++) {
		if (off == skip)
			continue;
		for (bit = 0; bit < 8; bit++) {
			uint8_t buf[128];
			struct frame_view view;

			memcpy(buf, frame, len);
			buf[off] ^= (uint8_t)(1 << bit);
			if (frame_parse(buf, len, &view) != FRAME_OK)
				continue;
			assert_false(frame_verify_checksums(buf, len, &view));
		}
	}
}

static void test_verify_detects_flips(void **state)
{
	(void)state;
	check_every_flip(expect_ipv4, sizeof(expect_ipv4), 14, SIZE_MAX);
	/* IPv6: version/class/flow label and hop limit are not covered */
	check_every_flip(expect_ipv6, sizeof(expect_ipv6), 18, 21);
	check_every_flip(expect_vlan, EXPECT_VLAN_REAL_LEN, 18, SIZE_MAX);
}

static void test_verify_udp_zero_checksum(void **state)
{
	struct frame_view view;
	uint8_t buf[128];

	(void)state;
	memcpy(buf, expect_ipv4, sizeof(expect_ipv4));
	assert_int_equal(frame_parse(buf, sizeof(expect_ipv4), &view),
			 FRAME_OK);
	memset(buf + 40, 0, 2);
	/* over IPv4, 0 means "not computed" */
	assert_true(frame_verify_checksums(buf, sizeof(expect_ipv4), &view));
	/* ... but the IP header checksum still counts */
	buf[22] ^= 1;
	assert_false(frame_verify_checksums(buf, sizeof(expect_ipv4), &view));

	memcpy(buf, expect_ipv6, sizeof(expect_ipv6));
	assert_int_equal(frame_parse(buf, sizeof(expect_ipv6), &view),
			 FRAME_OK);
	memset(buf + 60, 0, 2);
	assert_false(frame_verify_checksums(buf, sizeof(expect_ipv6), &view));
}

static void test_verify_rejects_foreign_view(void **state)
{
	struct frame_view view;

	(void)state;
	assert_int_equal(frame_parse(expect_ipv6, sizeof(expect_ipv6), &view),
			 FRAME_OK);
	/* a view of a longer frame must not make it read past len */
	assert_false(frame_verify_checksums(expect_ipv4, 60, &view));
	assert_false(frame_verify_checksums(expect_ipv6, 66, &view));
	assert_false(frame_verify_checksums(NULL, 0, &view));
}

static void check_swap(const uint8_t *frame, size_t len)
{
	struct frame_view before, after;
	uint8_t buf[128];

	memcpy(buf, frame, len);
	assert_int_equal(frame_parse(buf, len, &before), FRAME_OK);
	frame_swap_endpoints(buf, &before);
	assert_int_equal(frame_parse(buf, len, &after), FRAME_OK);
	assert_true(frame_verify_checksums(buf, len, &after));
	assert_memory_equal(after.src_mac, before.dst_mac, 6);
	assert_memory_equal(after.dst_mac, before.src_mac, 6);
	assert_true(ip_addr_equal(&after.src, &before.dst));
	assert_true(ip_addr_equal(&after.dst, &before.src));
	assert_false(ip_addr_equal(&after.src, &before.src));
	assert_int_equal(after.src_port, before.dst_port);
	assert_int_equal(after.dst_port, before.src_port);
	assert_int_equal(after.payload_len, before.payload_len);
	assert_memory_equal(buf + after.payload_offset,
			    frame + before.payload_offset, before.payload_len);
	/* the checksum fields themselves are left alone */
	assert_memory_equal(buf + after.l4_offset + 6,
			    frame + before.l4_offset + 6, 2);
	frame_swap_endpoints(buf, &after);
	assert_memory_equal(buf, frame, len);
}

static void test_swap_endpoints(void **state)
{
	(void)state;
	check_swap(expect_ipv4, sizeof(expect_ipv4));
	check_swap(expect_ipv6, sizeof(expect_ipv6));
	check_swap(expect_vlan, sizeof(expect_vlan));
}

/* Random garbage and random mutations of good frames: no crash, no read
 * past len (under ASan/valgrind), and an OK view always fits in len. */
static void test_parse_fuzz(void **state)
{
	const uint8_t *frames[] = { expect_ipv4, expect_ipv6, expect_vlan };
	const size_t lens[] = { sizeof(expect_ipv4), sizeof(expect_ipv6),
				sizeof(expect_vlan) };
	int iter;

	(void)state;
	for (iter = 0; iter < 100000; iter++) {
		size_t k = rng() % 3;
		size_t len = rng() % (lens[k] + 1);
		uint8_t *buf = malloc(len ? len : 1);
		struct frame_view view;
		int flips = 1 + (int)(rng() % 4), i;

		assert_non_null(buf);
		if (iter % 4 == 0) {
			for (i = 0; i < (int)len; i++)
				buf[i] = (uint8_t)rng();
		} else {
			memcpy(buf, frames[k], len);
			for (i = 0; i < flips && len; i++)
				buf[rng() % len] = (uint8_t)rng();
		}
		if (frame_parse(buf, len, &view) == FRAME_OK) {
			assert_true(view.payload_offset <= len);
			assert_true(view.payload_len <=
				    len - view.payload_offset);
			(void)frame_verify_checksums(buf, len, &view);
			frame_swap_endpoints(buf, &view);
		}
		free(buf);
	}
}

/* ---- addresses ---- */

static void test_ip_addr_loopback(void **state)
{
	static const struct {
		const char *text;
		bool loopback;
	} cases[] = {
		{ "127.0.0.1", true },	  { "127.255.255.254", true },
		{ "127.1.2.3", true },	  { "126.255.255.255", false },
		{ "128.0.0.1", false },	  { "0.0.0.0", false },
		{ "10.0.0.1", false },	  { "::1", true },
		{ "::", false },	  { "::2", false },
		{ "2001:db8::1", false }, { "::ffff:127.0.0.1", false },
	};
	struct ip_addr a = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ip_addr_parse(cases[i].text, &a), 0);
		if (ip_addr_is_loopback(&a) != cases[i].loopback)
			fail_msg("%s: loopback %d", cases[i].text,
				 !cases[i].loopback);
	}
	memset(&a, 0, sizeof(a)); /* no family */
	assert_false(ip_addr_is_loopback(&a));
}

static void test_ip_addr(void **state)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4",
		"::g", "2001:db8::1::2", "fe80::1%eth0", "[::1]", "host",
	};
	struct ip_addr a, b, keep;
	char text[INET6_ADDRSTRLEN];
	size_t i;

	(void)state;
	assert_int_equal(ip_addr_parse("192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.v4.s_addr, htonl(0xc0000201));
	assert_int_equal(ip_addr_parse("2001:db8::1", &b), 0);
	assert_int_equal(b.family, AF_INET6);
	assert_int_equal(b.v6.s6_addr[0], 0x20);
	assert_int_equal(b.v6.s6_addr[1], 0x01);
	assert_int_equal(b.v6.s6_addr[3], 0xb8);
	assert_int_equal(b.v6.s6_addr[15], 0x01);
	assert_int_equal(ip_addr_parse("::ffff:192.0.2.1", &b), 0);
	assert_int_equal(b.family, AF_INET6);
	/* a mapped address is not the same as the IPv4 one */
	assert_false(ip_addr_equal(&a, &b));

	keep = a;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ip_addr_parse(bad[i], &a), -EINVAL);
		assert_memory_equal(&a, &keep, sizeof(a));
	}
	assert_int_equal(ip_addr_parse(NULL, &a), -EINVAL);
	assert_int_equal(ip_addr_parse("1.2.3.4", NULL), -EINVAL);

	assert_string_equal(ip_addr_format(&a, text, sizeof(text)),
			    "192.0.2.1");
	assert_int_equal(ip_addr_parse("2001:0db8:0000::0001", &b), 0);
	assert_string_equal(ip_addr_format(&b, text, sizeof(text)),
			    "2001:db8::1");
	/* truncated, always terminated */
	assert_string_equal(ip_addr_format(&a, text, 4), "192");
	assert_string_equal(ip_addr_format(&a, text, 1), "");
	text[0] = 'x';
	assert_ptr_equal(ip_addr_format(&a, text, 0), text);
	assert_int_equal(text[0], 'x');
	b.family = AF_UNIX;
	assert_string_equal(ip_addr_format(&b, text, sizeof(text)), "?");

	assert_int_equal(ip_addr_parse("192.0.2.1", &b), 0);
	assert_true(ip_addr_equal(&a, &b));
	assert_int_equal(ip_addr_parse("192.0.2.2", &b), 0);
	assert_false(ip_addr_equal(&a, &b));
	assert_int_equal(ip_addr_parse("2001:db8::1", &a), 0);
	assert_int_equal(ip_addr_parse("2001:db8::1", &b), 0);
	assert_true(ip_addr_equal(&a, &b));
	b.v6.s6_addr[15] = 2;
	assert_false(ip_addr_equal(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_rfc1071_example),
		cmocka_unit_test(test_csum_known_ipv4_header),
		cmocka_unit_test(test_csum_matches_reference),
		cmocka_unit_test(test_csum_carries),
		cmocka_unit_test(test_csum_replace16_matches_recompute),
		cmocka_unit_test(test_csum_udp_ignores_check_field),
		cmocka_unit_test(test_header_len),
		cmocka_unit_test(test_payload_len),
		cmocka_unit_test(test_build_ipv4_known),
		cmocka_unit_test(test_build_ipv6_known),
		cmocka_unit_test(test_build_vlan_known),
		cmocka_unit_test(test_build_qinq_known),
		cmocka_unit_test(test_parse_qinq),
		cmocka_unit_test(test_build_zero_checksum_sent_as_ffff),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_build_in_place),
		cmocka_unit_test(test_build_parse_random),
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_parse_ipv6),
		cmocka_unit_test(test_parse_vlan_with_padding),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_not_udp),
		cmocka_unit_test(test_parse_fragment),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_ipv4_options),
		cmocka_unit_test(test_verify_detects_flips),
		cmocka_unit_test(test_verify_udp_zero_checksum),
		cmocka_unit_test(test_verify_rejects_foreign_view),
		cmocka_unit_test(test_swap_endpoints),
		cmocka_unit_test(test_parse_fuzz),
		cmocka_unit_test(test_ip_addr),
		cmocka_unit_test(test_ip_addr_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
