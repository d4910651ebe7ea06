// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/frame.h"
#include "lib/marking.h"

/*
 * Expected frames for markings given as a user types them. Derived
 * independently of frame.c and marking.c by a python3 script using only
 * struct/socket and its own RFC 1071 checksum, with the DSCP values taken
 * from the RFCs (AF41 = 34, EF = 46, CS6 = 48), the ECN codepoints from
 * RFC 3168 (ECT(0) = 0b10, ECT(1) = 0b01, CE = 0b11) and the 802.1Q TCI
 * as PCP << 13 | VID. MACs 02:..:01 -> 02:..:02, 192.0.2.1:40000 ->
 * 198.51.100.7:5201 (IPv4) or [2001:db8::1]:40000 -> [2001:db8::2]:5201.
 */

/* AF41 + ECT(0) = TOS 0x8a, VLAN 100 priority 5 (TCI 0xa064),
 * payload "linerate-tes". */
static const uint8_t expect_af41_ect0_vlan100_pcp5[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x81, 0x00, 0xa0, 0x64, 0x08, 0x00, 0x45, 0x8a, 0x00, 0x28, 0x00, 0x00,
	0x40, 0x00, 0x40, 0x11, 0x4d, 0xff, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33,
	0x64, 0x07, 0x9c, 0x40, 0x14, 0x51, 0x00, 0x14, 0x0e, 0x7b, 0x6c, 0x69,
	0x6e, 0x65, 0x72, 0x61, 0x74, 0x65, 0x2d, 0x74, 0x65, 0x73, 0x00, 0x00,
};

/* EF + CE = TOS 0xbb, untagged, payload "linerate-test-0123". */
static const uint8_t expect_ef_ce[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0xbb, 0x00, 0x2e, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0x4d, 0xc8, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07, 0x9c, 0x40,
	0x14, 0x51, 0x00, 0x1a, 0x37, 0xdd, 0x6c, 0x69, 0x6e, 0x65, 0x72, 0x61,
	0x74, 0x65, 0x2d, 0x74, 0x65, 0x73, 0x74, 0x2d, 0x30, 0x31, 0x32, 0x33,
};

/* IPv6 CS6 + ECT(1) = traffic class 0xc1, payload "hello". */
static const uint8_t expect_v6_cs6_ect1[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x6c, 0x10, 0x00, 0x00, 0x00, 0x0d, 0x11, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x14, 0x51, 0x00, 0x0d,
	0xaf, 0xfb, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static void spec_v4(struct frame_spec *fs)
{
	static const uint8_t src_mac[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t dst_mac[6] = { 2, 0, 0, 0, 0, 2 };

	memset(fs, 0, sizeof(*fs));
	memcpy(fs->src_mac, src_mac, 6);
	memcpy(fs->dst_mac, dst_mac, 6);
	fs->src.family = fs->dst.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &fs->src.v4);
	inet_pton(AF_INET, "198.51.100.7", &fs->dst.v4);
	fs->src_port = 40000;
	fs->dst_port = 5201;
}

static void test_dscp_names(void **state)
{
	static const struct {
		const char *text;
		uint8_t value;
	} cases[] = {
		{ "EF", 46 },   { "ef", 46 },   { "AF11", 10 }, { "af13", 14 },
		{ "AF21", 18 }, { "AF32", 28 }, { "AF41", 34 }, { "AF43", 38 },
		{ "CS0", 0 },   { "CS1", 8 },   { "CS3", 24 },  { "CS5", 40 },
		{ "CS6", 48 },  { "CS7", 56 },  { "LE", 1 },    { "VA", 44 },
		{ "DF", 0 },    { "BE", 0 },    { "0", 0 },     { "63", 63 },
		{ "46", 46 },   { "0x2e", 46 },
	};
	uint8_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 0xff;
		assert_int_equal(marking_parse_dscp(cases[i].text, &v), 0);
		assert_int_equal(v, cases[i].value);
	}
	v = 7;
	assert_int_equal(marking_parse_dscp("64", &v), -EINVAL);
	assert_int_equal(marking_parse_dscp("-1", &v), -EINVAL);
	assert_int_equal(marking_parse_dscp("AF44", &v), -EINVAL);
	assert_int_equal(marking_parse_dscp("", &v), -EINVAL);
	assert_int_equal(marking_parse_dscp("4 6", &v), -EINVAL);
	assert_int_equal(marking_parse_dscp("046", &v), -EINVAL);
	assert_int_equal(marking_parse_dscp(NULL, &v), -EINVAL);
	assert_int_equal(v, 7); /* untouched on error */
}

static void test_dscp_name_back(void **state)
{
	char buf[8];

	(void)state;
	assert_string_equal(marking_dscp_name(46, buf, sizeof(buf)), "EF");
	assert_string_equal(marking_dscp_name(34, buf, sizeof(buf)), "AF41");
	assert_string_equal(marking_dscp_name(0, buf, sizeof(buf)), "CS0");
	assert_string_equal(marking_dscp_name(48, buf, sizeof(buf)), "CS6");
	assert_string_equal(marking_dscp_name(5, buf, sizeof(buf)), "5");
	assert_string_equal(marking_dscp_name(63, buf, sizeof(buf)), "63");
	/* Every name parses back to its value. */
	for (unsigned int d = 0; d <= MARKING_DSCP_MAX; d++) {
		uint8_t v;

		marking_dscp_name((uint8_t)d, buf, sizeof(buf));
		assert_int_equal(marking_parse_dscp(buf, &v), 0);
		assert_int_equal(v, d);
	}
}

static void test_ecn(void **state)
{
	uint8_t v;

	(void)state;
	assert_int_equal(marking_parse_ecn("not-ect", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(marking_parse_ecn("ect1", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(marking_parse_ecn("ECT(0)", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(marking_parse_ecn("ce", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(marking_parse_ecn("3", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(marking_parse_ecn("4", &v), -EINVAL);
	assert_int_equal(marking_parse_ecn("ect2", &v), -EINVAL);
	assert_string_equal(marking_ecn_name(2), "ect0");
	assert_string_equal(marking_ecn_name(1), "ect1");
	assert_string_equal(marking_ecn_name(3), "ce");
	assert_string_equal(marking_ecn_name(0), "not-ect");
}

static void test_tos_and_vlan(void **state)
{
	uint16_t id = 9;
	uint8_t tos, pcp = 9;

	(void)state;
	assert_int_equal(marking_parse_tos("184", &tos), 0);
	assert_int_equal(tos, 0xb8);
	assert_int_equal(marking_parse_tos("0xB8", &tos), 0);
	assert_int_equal(tos, 0xb8);
	assert_int_equal(marking_parse_tos("256", &tos), -EINVAL);
	assert_int_equal(marking_tos(46, 2), 0xba);
	assert_int_equal(marking_dscp_of(0xba), 46);
	assert_int_equal(marking_ecn_of(0xba), 2);

	assert_int_equal(marking_parse_vlan("100", &id, &pcp), 0);
	assert_int_equal(id, 100);
	assert_int_equal(pcp, 0);
	assert_int_equal(marking_parse_vlan("4094:7", &id, &pcp), 0);
	assert_int_equal(id, 4094);
	assert_int_equal(pcp, 7);
	id = 1;
	pcp = 1;
	assert_int_equal(marking_parse_vlan("0", &id, &pcp), -EINVAL);
	assert_int_equal(marking_parse_vlan("4095", &id, &pcp), -EINVAL);
	assert_int_equal(marking_parse_vlan("100:8", &id, &pcp), -EINVAL);
	assert_int_equal(marking_parse_vlan("100:", &id, &pcp), -EINVAL);
	assert_int_equal(marking_parse_vlan(":3", &id, &pcp), -EINVAL);
	assert_int_equal(marking_parse_vlan("100:3:1", &id, &pcp), -EINVAL);
	assert_int_equal(id, 1);
	assert_int_equal(pcp, 1);
}

static void test_vlans(void **state)
{
	struct marking_vlans v, keep = { .id = 9, .pcp = 9 };
	char buf[32];

	(void)state;
	assert_int_equal(marking_parse_vlans("100:3", &v), 0);
	assert_int_equal(v.id, 100);
	assert_int_equal(v.pcp, 3);
	assert_int_equal(v.inner_id, 0);
	assert_int_equal(v.inner_pcp, 0);
	assert_string_equal(marking_vlans_format(&v, buf, sizeof(buf)), "100:3");
	assert_int_equal(marking_parse_vlans("100:5,200", &v), 0);
	assert_int_equal(v.id, 100);
	assert_int_equal(v.pcp, 5);
	assert_int_equal(v.inner_id, 200);
	assert_int_equal(v.inner_pcp, 0);
	assert_string_equal(marking_vlans_format(&v, buf, sizeof(buf)),
			    "100:5,200:0");
	assert_int_equal(marking_parse_vlans("4094,1:7", &v), 0);
	assert_int_equal(v.id, 4094);
	assert_int_equal(v.inner_id, 1);
	assert_int_equal(v.inner_pcp, 7);
	v = keep;
	assert_int_equal(marking_parse_vlans("100,", &v), -EINVAL);
	assert_int_equal(marking_parse_vlans(",100", &v), -EINVAL);
	assert_int_equal(marking_parse_vlans("100,200,300", &v), -EINVAL);
	assert_int_equal(marking_parse_vlans("100,0", &v), -EINVAL);
	assert_int_equal(marking_parse_vlans("100,200:8", &v), -EINVAL);
	assert_int_equal(marking_parse_vlans("100:1:2,200", &v), -EINVAL);
	assert_int_equal(marking_parse_vlans("", &v), -EINVAL);
	assert_int_equal(v.id, 9);
	assert_int_equal(v.pcp, 9);
	v.id = 0;
	assert_string_equal(marking_vlans_format(&v, buf, sizeof(buf)), "none");
}

/* From the user's words to the bytes on the wire, and back. */
static void test_frame_af41_ect0_vlan(void **state)
{
	static const char payload[] = "linerate-tes";
	struct frame_spec fs;
	struct frame_view v;
	uint8_t dscp, ecn, buf[128];
	int len;

	(void)state;
	spec_v4(&fs);
	assert_int_equal(marking_parse_dscp("AF41", &dscp), 0);
	assert_int_equal(marking_parse_ecn("ect0", &ecn), 0);
	fs.tos = marking_tos(dscp, ecn);
	assert_int_equal(marking_parse_vlan("100:5", &fs.vlan_id, &fs.vlan_pcp),
			 0);
	len = frame_build(&fs, (const uint8_t *)payload, strlen(payload), buf,
			  sizeof(buf));
	assert_int_equal(len, sizeof(expect_af41_ect0_vlan100_pcp5));
	assert_memory_equal(buf, expect_af41_ect0_vlan100_pcp5, (size_t)len);

	assert_int_equal(frame_parse(expect_af41_ect0_vlan100_pcp5,
				     sizeof(expect_af41_ect0_vlan100_pcp5), &v),
			 FRAME_OK);
	assert_int_equal(v.vlan_id, 100);
	assert_int_equal(v.vlan_pcp, 5);
	assert_int_equal(v.tos, 0x8a);
	assert_int_equal(marking_dscp_of(v.tos), 34);
	assert_int_equal(marking_ecn_of(v.tos), MARKING_ECN_ECT0);
	assert_true(frame_verify_checksums(expect_af41_ect0_vlan100_pcp5,
					   sizeof(expect_af41_ect0_vlan100_pcp5),
					   &v));
}

static void test_frame_ef_ce(void **state)
{
	static const char payload[] = "linerate-test-0123";
	struct frame_spec fs;
	struct frame_view v;
	uint8_t dscp, ecn, buf[128];
	int len;

	(void)state;
	spec_v4(&fs);
	assert_int_equal(marking_parse_dscp("EF", &dscp), 0);
	assert_int_equal(marking_parse_ecn("ce", &ecn), 0);
	fs.tos = marking_tos(dscp, ecn);
	len = frame_build(&fs, (const uint8_t *)payload, strlen(payload), buf,
			  sizeof(buf));
	assert_int_equal(len, sizeof(expect_ef_ce));
	assert_memory_equal(buf, expect_ef_ce, (size_t)len);
	assert_int_equal(frame_parse(buf, (size_t)len, &v), FRAME_OK);
	assert_int_equal(v.vlan_id, 0);
	assert_int_equal(v.tos, 0xbb);
}

static void test_frame_v6_cs6_ect1(void **state)
{
	static const uint8_t src_mac[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t dst_mac[6] = { 2, 0, 0, 0, 0, 2 };
	struct frame_spec fs = { 0 };
	struct frame_view v;
	uint8_t dscp, ecn, buf[128];
	int len;

	(void)state;
	memcpy(fs.src_mac, src_mac, 6);
	memcpy(fs.dst_mac, dst_mac, 6);
	fs.src.family = fs.dst.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &fs.src.v6);
	inet_pton(AF_INET6, "2001:db8::2", &fs.dst.v6);
	fs.src_port = 40000;
	fs.dst_port = 5201;
	assert_int_equal(marking_parse_dscp("cs6", &dscp), 0);
	assert_int_equal(marking_parse_ecn("ect1", &ecn), 0);
	fs.tos = marking_tos(dscp, ecn);
	len = frame_build(&fs, (const uint8_t *)"hello", 5, buf, sizeof(buf));
	assert_int_equal(len, sizeof(expect_v6_cs6_ect1));
	assert_memory_equal(buf, expect_v6_cs6_ect1, (size_t)len);
	assert_int_equal(frame_parse(buf, (size_t)len, &v), FRAME_OK);
	assert_int_equal(v.tos, 0xc1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dscp_names),
		cmocka_unit_test(test_dscp_name_back),
		cmocka_unit_test(test_ecn),
		cmocka_unit_test(test_tos_and_vlan),
		cmocka_unit_test(test_vlans),
		cmocka_unit_test(test_frame_af41_ect0_vlan),
		cmocka_unit_test(test_frame_ef_ce),
		cmocka_unit_test(test_frame_v6_cs6_ect1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
