// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "lib/units.h"

#define NS_PER_SEC 1000000000ULL

/* --- parse_rate --- */

static void check_rate(const char *text, enum rate_kind kind, double value)
{
	struct rate r = { .kind = RATE_PERCENT, .value = -1 };

	if (parse_rate(text, &r))
		fail_msg("parse_rate(\"%s\") failed", text);
	assert_int_equal(r.kind, kind);
	assert_close(r.value, value, value * 1e-12);
}

static void test_parse_rate_accepts(void **state)
{
	(void)state;
	check_rate("max", RATE_MAX, 0);
	check_rate("MAX", RATE_MAX, 0);
	check_rate("line", RATE_MAX, 0);
	check_rate("250kpps", RATE_PPS, 250000);
	check_rate("1.5Mpps", RATE_PPS, 1500000);
	check_rate("1000pps", RATE_PPS, 1000);
	check_rate("2Gpps", RATE_PPS, 2e9);
	check_rate("800Mbps", RATE_BPS_L1, 800e6);
	check_rate("800Mbps-l1", RATE_BPS_L1, 800e6);
	check_rate("800Mbps-l2", RATE_BPS_L2, 800e6);
	check_rate("800Mbps-L2", RATE_BPS_L2, 800e6);
	check_rate("10Gbps", RATE_BPS_L1, 10e9);
	check_rate("1.6Tbps", RATE_BPS_L1, 1.6e12);
	check_rate("50%", RATE_PERCENT, 50);
	check_rate("100%", RATE_PERCENT, 100);
	check_rate("0.5%", RATE_PERCENT, 0.5);
	check_rate(".5Mpps", RATE_PPS, 500000);
}

static void check_rate_rejected(const char *text, int expect)
{
	struct rate r = { .kind = RATE_PPS, .value = 4242 };
	int ret = parse_rate(text, &r);

	if (ret != expect)
		fail_msg("parse_rate(\"%s\") = %d, expected %d",
			 text ? text : "(null)", ret, expect);
	/* Output is written only on success. */
	assert_int_equal(r.kind, RATE_PPS);
	assert_close(r.value, 4242, 0);
}

static void test_parse_rate_rejects(void **state)
{
	(void)state;
	check_rate_rejected("12foo", -EINVAL);
	check_rate_rejected("-5kpps", -EINVAL);
	check_rate_rejected("", -EINVAL);
	check_rate_rejected(NULL, -EINVAL);
	check_rate_rejected("1e3pps", -EINVAL);
	check_rate_rejected("0x10pps", -EINVAL);
	check_rate_rejected("pps", -EINVAL);
	check_rate_rejected("kpps", -EINVAL);
	check_rate_rejected("10", -EINVAL); /* no unit: ambiguous */
	check_rate_rejected("10 pps", -EINVAL);
	check_rate_rejected("10ppsx", -EINVAL);
	check_rate_rejected("10Mbps-l3", -EINVAL);
	check_rate_rejected("10mpps", -EINVAL); /* milli is not a rate */
	check_rate_rejected("nan", -EINVAL);
	check_rate_rejected("inf", -EINVAL);
	check_rate_rejected("maximum", -EINVAL);
	check_rate_rejected("0pps", -ERANGE);
	check_rate_rejected("0Gbps", -ERANGE);
	check_rate_rejected("0%", -ERANGE);
	check_rate_rejected("100.1%", -ERANGE);
	check_rate_rejected("3Gpps", -ERANGE);
	check_rate_rejected("2Tbps", -ERANGE);
}

/* --- rate_to_pps --- */

static void test_rate_to_pps_l1(void **state)
{
	struct rate r = { .kind = RATE_BPS_L1, .value = 10e9 };

	(void)state;
	/* 10GbE line rate: 84 bytes on the wire per 64-byte frame. */
	assert_close(rate_to_pps(&r, 64, 0), 14880952.38, 0.01);
	assert_close(rate_to_pps(&r, 1518, 0), 812743.8, 0.05);
	assert_close(rate_to_pps(&r, 1518, 0), 10e9 / (1538 * 8.0),
			    1e-6);
	/* And back: the L1 bit rate of that many frames is the rate. */
	assert_close(frame_bps_l1(rate_to_pps(&r, 64, 0), 64), 10e9,
			    1e-3);
	r.value = 1e9;
	assert_close(rate_to_pps(&r, 64, 0), 1488095.238, 0.001);
}

static void test_rate_to_pps_l2(void **state)
{
	struct rate r = { .kind = RATE_BPS_L2, .value = 10e9 };

	(void)state;
	/* L2 counts only the frame: 512 bits per 64-byte frame. */
	assert_close(rate_to_pps(&r, 64, 0), 19531250.0, 1e-6);
	assert_close(rate_to_pps(&r, 1518, 0), 823451.9104, 0.001);
	assert_close(frame_bps_l2(rate_to_pps(&r, 1518, 0), 1518),
			    10e9, 1e-3);
	/* L2 is always more packets than the same L1 figure. */
	assert_true(rate_to_pps(&r, 64, 0) >
		    rate_to_pps(&(struct rate){ RATE_BPS_L1, 10e9 }, 64, 0));
}

static void test_rate_to_pps_percent_pps_max(void **state)
{
	struct rate r = { .kind = RATE_PERCENT, .value = 50 };

	(void)state;
	assert_close(rate_to_pps(&r, 64, 10000000000ULL), 7440476.19,
			    0.01);
	r.value = 100;
	assert_close(rate_to_pps(&r, 1518, 1000000000ULL), 81274.38,
			    0.01);
	r.value = 10;
	assert_close(rate_to_pps(&r, 64, 25000000000ULL),
			    0.1 * 25e9 / (84 * 8.0), 1e-6);
	/* No line rate: nothing to take a percentage of. */
	assert_close(rate_to_pps(&r, 64, 0), 0, 0);

	r.kind = RATE_PPS;
	r.value = 250000;
	assert_close(rate_to_pps(&r, 64, 0), 250000, 0);
	assert_close(rate_to_pps(&r, 9018, 0), 250000, 0);

	r.kind = RATE_MAX;
	r.value = 0;
	assert_close(rate_to_pps(&r, 64, 10000000000ULL), 0, 0);
}

static void test_parse_then_convert(void **state)
{
	struct rate r;

	(void)state;
	assert_int_equal(parse_rate("10Gbps", &r), 0);
	assert_close(rate_to_pps(&r, 64, 0), 14880952.38, 0.01);
	assert_int_equal(parse_rate("10Gbps-l2", &r), 0);
	assert_close(rate_to_pps(&r, 64, 0), 19531250.0, 1e-6);
	assert_int_equal(parse_rate("50%", &r), 0);
	assert_close(rate_to_pps(&r, 64, 10000000000ULL), 7440476.19,
			    0.01);
}

static void test_rate_format(void **state)
{
	char buf[64];
	struct rate r = { .kind = RATE_MAX };

	(void)state;
	assert_string_equal(rate_format(&r, buf, sizeof(buf)), "max");
	r = (struct rate){ RATE_PPS, 1.5e6 };
	assert_string_equal(rate_format(&r, buf, sizeof(buf)), "1.5 Mpps");
	r = (struct rate){ RATE_PPS, 250000 };
	assert_string_equal(rate_format(&r, buf, sizeof(buf)), "250 kpps");
	r = (struct rate){ RATE_PPS, 100 };
	assert_string_equal(rate_format(&r, buf, sizeof(buf)), "100 pps");
	r = (struct rate){ RATE_BPS_L1, 10e9 };
	assert_string_equal(rate_format(&r, buf, sizeof(buf)), "10 Gbps (L1)");
	r = (struct rate){ RATE_BPS_L2, 800e6 };
	assert_string_equal(rate_format(&r, buf, sizeof(buf)),
			    "800 Mbps (L2)");
	r = (struct rate){ RATE_PERCENT, 50 };
	assert_string_equal(rate_format(&r, buf, sizeof(buf)),
			    "50% of line rate");
	/* A short buffer is truncated, not overrun. */
	r = (struct rate){ RATE_BPS_L2, 800e6 };
	assert_string_equal(rate_format(&r, buf, 5), "800 ");
}

static void test_parse_bitrate(void **state)
{
	uint64_t bps = 7;

	(void)state;
	assert_int_equal(parse_bitrate("10Gbps", &bps), 0);
	assert_int_equal(bps, 10000000000ULL);
	assert_int_equal(parse_bitrate("25G", &bps), 0);
	assert_int_equal(bps, 25000000000ULL);
	assert_int_equal(parse_bitrate("1000000000", &bps), 0);
	assert_int_equal(bps, 1000000000ULL);
	assert_int_equal(parse_bitrate("2.5Gbit", &bps), 0);
	assert_int_equal(bps, 2500000000ULL);
	bps = 7;
	assert_int_equal(parse_bitrate("100", &bps), -ERANGE);
	assert_int_equal(parse_bitrate("2T", &bps), -ERANGE);
	assert_int_equal(parse_bitrate("10Gpps", &bps), -EINVAL);
	assert_int_equal(parse_bitrate("-10G", &bps), -EINVAL);
	assert_int_equal(parse_bitrate("", &bps), -EINVAL);
	assert_int_equal(parse_bitrate(NULL, &bps), -EINVAL);
	assert_int_equal(bps, 7);
}

/* --- parse_duration --- */

static void check_duration(const char *text, uint64_t expect)
{
	uint64_t ns = 0;

	if (parse_duration(text, &ns))
		fail_msg("parse_duration(\"%s\") failed", text);
	if (ns != expect)
		fail_msg("parse_duration(\"%s\") = %llu, expected %llu", text,
			 (unsigned long long)ns, (unsigned long long)expect);
}

static void test_parse_duration_accepts(void **state)
{
	(void)state;
	check_duration("10s", 10 * NS_PER_SEC);
	check_duration("500ms", 500000000ULL);
	check_duration("250us", 250000ULL);
	check_duration("100ns", 100ULL);
	check_duration("2m", 120 * NS_PER_SEC);
	check_duration("1min", 60 * NS_PER_SEC);
	check_duration("1h", 3600 * NS_PER_SEC);
	check_duration("2.5s", 2500000000ULL);
	check_duration("3", 3 * NS_PER_SEC);
	check_duration("0.1s", 100000000ULL);
	check_duration("1ns", 1);
	/* Exactly 30 days is the limit and still fine. */
	check_duration("720h", 30ULL * 24 * 3600 * NS_PER_SEC);
	check_duration("2592000", 30ULL * 24 * 3600 * NS_PER_SEC);
}

static void test_parse_duration_decimal_exact(void **state)
{
	char text[32];

	(void)state;
	/* Decimal fractions are not exact in binary (1.001 * 1e9 is
	 * 1000999999.99...): every millisecond must still come out exact. */
	for (unsigned int ms = 1; ms <= 20000; ms++) {
		snprintf(text, sizeof(text), "%u.%03us", ms / 1000, ms % 1000);
		check_duration(text, (uint64_t)ms * 1000000ULL);
	}
	check_duration("2.3s", 2300000000ULL);
	check_duration("1.001ms", 1001000ULL);
	check_duration("2.9us", 2900ULL);
}

static void check_duration_rejected(const char *text, int expect)
{
	uint64_t ns = 4242;
	int ret = parse_duration(text, &ns);

	if (ret != expect)
		fail_msg("parse_duration(\"%s\") = %d, expected %d",
			 text ? text : "(null)", ret, expect);
	assert_int_equal(ns, 4242);
}

static void test_parse_duration_rejects(void **state)
{
	(void)state;
	check_duration_rejected("0s", -ERANGE);
	check_duration_rejected("0", -ERANGE);
	check_duration_rejected("0.5ns", -ERANGE);
	check_duration_rejected("-1s", -EINVAL);
	check_duration_rejected("10x", -EINVAL);
	check_duration_rejected("10 s", -EINVAL);
	check_duration_rejected("10S", -EINVAL);
	check_duration_rejected("", -EINVAL);
	check_duration_rejected(NULL, -EINVAL);
	check_duration_rejected("s", -EINVAL);
	check_duration_rejected("1e3s", -EINVAL);
	check_duration_rejected("0x10s", -EINVAL);
	check_duration_rejected("31d", -EINVAL); /* no day unit */
	check_duration_rejected("721h", -ERANGE); /* beyond 30 days */
	check_duration_rejected("2592001s", -ERANGE);
	check_duration_rejected("99999999999999999999h", -ERANGE);
}

/* --- parse_u64 --- */

static void check_u64(const char *text, uint64_t min, uint64_t max,
		      uint64_t expect)
{
	uint64_t v = 0;

	if (parse_u64(text, min, max, &v))
		fail_msg("parse_u64(\"%s\") failed", text);
	if (v != expect)
		fail_msg("parse_u64(\"%s\") = %llu, expected %llu", text,
			 (unsigned long long)v, (unsigned long long)expect);
}

static void check_u64_rejected(const char *text, uint64_t min, uint64_t max,
			       int expect)
{
	uint64_t v = 4242;
	int ret = parse_u64(text, min, max, &v);

	if (ret != expect)
		fail_msg("parse_u64(\"%s\", %llu, %llu) = %d, expected %d",
			 text ? text : "(null)", (unsigned long long)min,
			 (unsigned long long)max, ret, expect);
	assert_int_equal(v, 4242);
}

static void test_parse_u64(void **state)
{
	char text[32];

	(void)state;
	check_u64("5", 1, 10, 5);
	check_u64("1", 1, 10, 1);
	check_u64("10", 1, 10, 10);
	check_u64("0", 0, 10, 0);
	check_u64("10k", 0, UINT64_MAX, 10000);
	check_u64("10K", 0, UINT64_MAX, 10000);
	check_u64("2M", 0, UINT64_MAX, 2000000);
	check_u64("3G", 0, UINT64_MAX, 3000000000ULL);
	/* Plain integers are exact beyond 2^53 and up to UINT64_MAX. */
	check_u64("9007199254740993", 0, UINT64_MAX, 9007199254740993ULL);
	check_u64("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
	check_u64("1.5k", 0, UINT64_MAX, 1500);
	check_u64("1.005k", 0, UINT64_MAX, 1005);
	check_u64("4096", 1, 4096, 4096);
	check_u64("9018", 64, 9018, 9018);
	/* Every k-suffixed decimal that is an integer is one. */
	for (unsigned int n = 1; n <= 20000; n++) {
		snprintf(text, sizeof(text), "%u.%03uk", n / 1000, n % 1000);
		check_u64(text, 0, UINT64_MAX, n);
	}

	check_u64_rejected("0", 1, 10, -ERANGE);
	check_u64_rejected("11", 1, 10, -ERANGE);
	check_u64_rejected("4097", 1, 4096, -ERANGE);
	check_u64_rejected("63", 64, 9018, -ERANGE);
	check_u64_rejected("1k", 1, 999, -ERANGE);
	check_u64_rejected("1.5", 0, 10, -EINVAL);
	check_u64_rejected("1.0000000001", 0, 10, -EINVAL);
	check_u64_rejected("1.2345k", 0, UINT64_MAX, -EINVAL);
	check_u64_rejected("10kk", 0, UINT64_MAX, -EINVAL);
	check_u64_rejected("10x", 0, UINT64_MAX, -EINVAL);
	check_u64_rejected("10m", 0, UINT64_MAX, -EINVAL);
	check_u64_rejected("-1", 0, UINT64_MAX, -EINVAL);
	check_u64_rejected(" 1", 0, UINT64_MAX, -EINVAL);
	check_u64_rejected("1e3", 0, UINT64_MAX, -EINVAL);
	check_u64_rejected("0x10", 0, UINT64_MAX, -EINVAL);
	check_u64_rejected("", 0, UINT64_MAX, -EINVAL);
	check_u64_rejected(NULL, 0, UINT64_MAX, -EINVAL);
	check_u64_rejected("k", 0, UINT64_MAX, -EINVAL);
	check_u64_rejected("99999999999999999999", 0, UINT64_MAX, -ERANGE);
	/* Found by fuzz_units: a bound above 2^53 must not round up. */
	check_u64_rejected("9223372036854775808.0", 1, INT64_MAX, -ERANGE);
}

/* --- parse_endpoint --- */

static void assert_ip(const struct ip_addr *ip, int family, const char *text)
{
	uint8_t want[16];

	assert_int_equal(ip->family, family);
	assert_int_equal(inet_pton(family, text, want), 1);
	if (family == AF_INET)
		assert_memory_equal(&ip->v4, want, 4);
	else
		assert_memory_equal(&ip->v6, want, 16);
}

static void test_parse_endpoint_accepts(void **state)
{
	struct ip_addr ip;
	uint16_t port;
	bool has_port;

	(void)state;
	port = 1;
	has_port = false;
	assert_int_equal(parse_endpoint("10.0.0.1:5000", false, &ip, &port,
					&has_port),
			 0);
	assert_ip(&ip, AF_INET, "10.0.0.1");
	assert_int_equal(port, 5000);
	assert_true(has_port);

	assert_int_equal(parse_endpoint("[::1]:80", false, &ip, &port,
					&has_port),
			 0);
	assert_ip(&ip, AF_INET6, "::1");
	assert_int_equal(port, 80);
	assert_true(has_port);

	assert_int_equal(parse_endpoint("[2001:db8::5]:65535", false, &ip,
					&port, &has_port),
			 0);
	assert_ip(&ip, AF_INET6, "2001:db8::5");
	assert_int_equal(port, 65535);

	assert_int_equal(parse_endpoint("192.0.2.9:1", false, &ip, &port, NULL),
			 0);
	assert_ip(&ip, AF_INET, "192.0.2.9");
	assert_int_equal(port, 1);

	/* Port optional: a bare address, v4 or v6, bracketed or not. */
	port = 1234;
	has_port = true;
	assert_int_equal(parse_endpoint("::1", true, &ip, &port, &has_port), 0);
	assert_ip(&ip, AF_INET6, "::1");
	assert_false(has_port);
	assert_int_equal(port, 0);

	has_port = true;
	assert_int_equal(parse_endpoint("fe80::1:2", true, &ip, &port,
					&has_port),
			 0);
	assert_ip(&ip, AF_INET6, "fe80::1:2");
	assert_false(has_port);

	has_port = true;
	assert_int_equal(parse_endpoint("[::1]", true, &ip, &port, &has_port),
			 0);
	assert_ip(&ip, AF_INET6, "::1");
	assert_false(has_port);

	has_port = true;
	assert_int_equal(parse_endpoint("10.1.2.3", true, &ip, &port,
					&has_port),
			 0);
	assert_ip(&ip, AF_INET, "10.1.2.3");
	assert_false(has_port);

	/* Port optional, but given. */
	assert_int_equal(parse_endpoint("10.1.2.3:9", true, &ip, &port,
					&has_port),
			 0);
	assert_true(has_port);
	assert_int_equal(port, 9);

	/* port and has_port may be NULL. */
	assert_int_equal(parse_endpoint("10.1.2.3:9", true, &ip, NULL, NULL),
			 0);
}

static void check_endpoint_rejected(const char *text, bool port_optional)
{
	struct ip_addr ip = { .family = 12345 };
	uint16_t port = 4242;
	bool has_port = true;
	int ret = parse_endpoint(text, port_optional, &ip, &port, &has_port);

	if (ret != -EINVAL)
		fail_msg("parse_endpoint(\"%s\", %d) = %d, expected -EINVAL",
			 text ? text : "(null)", port_optional, ret);
	assert_int_equal(ip.family, 12345);
	assert_int_equal(port, 4242);
	assert_true(has_port);
}

static void test_parse_endpoint_rejects(void **state)
{
	(void)state;
	/* Missing port where one is required. */
	check_endpoint_rejected("10.0.0.1", false);
	check_endpoint_rejected("::1", false);
	check_endpoint_rejected("[::1]", false);
	check_endpoint_rejected("10.0.0.1:", false);
	check_endpoint_rejected("10.0.0.1:", true);
	check_endpoint_rejected("[::1]:", false);
	/* Port out of range or not a number. */
	check_endpoint_rejected("10.0.0.1:0", false);
	check_endpoint_rejected("10.0.0.1:65536", false);
	check_endpoint_rejected("10.0.0.1:70000", false);
	check_endpoint_rejected("[::1]:0", true);
	check_endpoint_rejected("[::1]:65536", true);
	check_endpoint_rejected("10.0.0.1:-1", false);
	check_endpoint_rejected("10.0.0.1:80x", false);
	check_endpoint_rejected("10.0.0.1:1k", false);
	check_endpoint_rejected("10.0.0.1:http", false);
	check_endpoint_rejected("10.0.0.1:0x50", false);
	/* Garbage hosts. */
	check_endpoint_rejected("", true);
	check_endpoint_rejected(NULL, true);
	check_endpoint_rejected(":80", false);
	check_endpoint_rejected("foo:80", false);
	check_endpoint_rejected("localhost:80", false);
	check_endpoint_rejected("10.0.0.256:80", false);
	check_endpoint_rejected("10.0.0:80", false);
	check_endpoint_rejected("10.0.0.1.5:80", false);
	check_endpoint_rejected(" 10.0.0.1:80", false);
	check_endpoint_rejected("[::zz]:80", false);
	check_endpoint_rejected("[::1", true);
	check_endpoint_rejected("[::1]80", false);
	check_endpoint_rejected("[::1]x", true);
	check_endpoint_rejected("::1::2", true);
	check_endpoint_rejected("1:2:3:4:5:6:7:8:9", true);
	/* Longer than any address: must not overflow the host buffer. */
	check_endpoint_rejected("[1111:2222:3333:4444:5555:6666:7777:8888:"
				"9999:aaaa:bbbb]:80",
				false);
	check_endpoint_rejected("1111111111111111111111111111111111111111111111"
				"111111111111:80",
				false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rate_accepts),
		cmocka_unit_test(test_parse_rate_rejects),
		cmocka_unit_test(test_rate_to_pps_l1),
		cmocka_unit_test(test_rate_to_pps_l2),
		cmocka_unit_test(test_rate_to_pps_percent_pps_max),
		cmocka_unit_test(test_parse_then_convert),
		cmocka_unit_test(test_rate_format),
		cmocka_unit_test(test_parse_bitrate),
		cmocka_unit_test(test_parse_duration_accepts),
		cmocka_unit_test(test_parse_duration_decimal_exact),
		cmocka_unit_test(test_parse_duration_rejects),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_endpoint_accepts),
		cmocka_unit_test(test_parse_endpoint_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
