// SPDX-License-Identifier: MIT
/* The replicator's pure parts besides the set swap: which subscriber
 * addresses are refused, and the per-subscriber frame rewrite. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/frame.h"
#include "replicator/policy.h"
#include "replicator/rewrite.h"

static struct ip_addr ip(const char *text)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(text, &a), 0);
	return a;
}

static void policy_v4(struct sub_policy *p, bool local_delivery)
{
	memset(p, 0, sizeof(*p));
	p->listen = ip("10.80.1.2");
	p->listen_port = 7000;
	p->local_delivery = local_delivery;
	p->local[0] = (struct policy_prefix){ip("10.80.1.2"), 24};
	p->local[1] = (struct policy_prefix){ip("127.0.0.1"), 8};
	p->local[2] = (struct policy_prefix){ip("192.168.5.9"), 31};
	p->nlocal = 3;
}

static const char *check(const struct sub_policy *p, const char *addr,
			 uint16_t port)
{
	static struct lr_err err;
	struct ip_addr a = ip(addr);

	lr_err_clear(&err);
	if (!policy_check(p, &a, port, &err))
		return NULL;
	assert_int_equal(err.code, -EINVAL);
	assert_true(!strcmp(err.field, "address") ||
		    !strcmp(err.field, "port"));
	/* The field is the one the message starts with. */
	assert_int_equal(strncmp(err.message, err.field, strlen(err.field)), 0);
	return err.message;
}

static void test_policy_accepts(void **state)
{
	struct sub_policy p;

	(void)state;
	policy_v4(&p, false);
	assert_null(check(&p, "10.80.1.11", 8000));
	assert_null(check(&p, "10.80.1.254", 1));
	assert_null(check(&p, "10.80.2.255", 9)); /* not a subnet of ours */
	assert_null(check(&p, "192.168.5.8", 9)); /* a /31 has no broadcast */
}

static void test_policy_refuses(void **state)
{
	struct sub_policy p;

	(void)state;
	policy_v4(&p, false);
	assert_non_null(strstr(check(&p, "255.255.255.255", 9), "broadcast"));
	assert_non_null(strstr(check(&p, "10.80.1.255", 9),
			       "broadcast address of 10.80.1.2/24"));
	assert_non_null(strstr(check(&p, "0.0.0.0", 9), "unspecified"));
	assert_non_null(
		strstr(check(&p, "10.80.1.2", 9), "own listen address"));
	assert_non_null(
		strstr(check(&p, "10.80.1.2", 7000), "own listen address"));
	assert_non_null(strstr(check(&p, "224.0.0.1", 9), "--allow-multicast"));
	assert_non_null(strstr(check(&p, "239.1.2.3", 9), "multicast"));
	/* Raw backends cannot deliver to their own host. */
	assert_non_null(strstr(check(&p, "127.0.0.1", 9), "this host's"));
	assert_non_null(strstr(check(&p, "192.168.5.9", 9), "this host's"));
	assert_non_null(strstr(check(&p, "10.80.1.11", 0), "port"));
	assert_non_null(strstr(check(&p, "fd00::1", 9), "IPv6"));

	p.allow_multicast = true;
	assert_null(check(&p, "239.1.2.3", 9));
}

static void test_policy_udp_and_wildcard(void **state)
{
	struct sub_policy p;

	(void)state;
	/* The udp backend delivers locally: with --allow-local another
	 * local port is fine, the listen address still is not. */
	policy_v4(&p, true);
	p.allow_local = true;
	assert_int_equal(policy_parse_ports(&p, "9,7000-7001"), 0);
	assert_null(check(&p, "127.0.0.1", 9));
	assert_non_null(check(&p, "10.80.1.2", 9));
	/* Listening on the wildcard: any local address with the listen
	 * port is the replicator itself. */
	p.listen = ip("0.0.0.0");
	assert_non_null(
		strstr(check(&p, "127.0.0.1", 7000), "replicator itself"));
	assert_non_null(
		strstr(check(&p, "10.80.1.2", 7000), "replicator itself"));
	assert_null(check(&p, "10.80.1.2", 7001));
}

/* This host is refused without --allow-local, and with it at other ports
 * than its list and at the API's port. */
static void test_policy_local(void **state)
{
	struct sub_policy p;

	(void)state;
	policy_v4(&p, true);
	p.api_port = 9280;
	assert_non_null(strstr(check(&p, "127.0.0.1", 9), "--allow-local"));
	assert_non_null(strstr(check(&p, "127.0.0.53", 53), "--allow-local"));
	assert_non_null(strstr(check(&p, "192.168.5.9", 9), "--allow-local"));
	assert_null(check(&p, "10.80.1.11", 9)); /* not this host */
	p.allow_local = true;
	assert_int_equal(policy_parse_ports(&p, "8000-8099,9280,9300"), 0);
	assert_int_equal(p.nlocal_ports, 3);
	assert_null(check(&p, "127.0.0.1", 8000));
	assert_null(check(&p, "127.0.0.1", 8099));
	assert_null(check(&p, "192.168.5.9", 9300));
	assert_non_null(strstr(check(&p, "127.0.0.1", 8100), "--allow-local's ports"));
	assert_non_null(strstr(check(&p, "127.0.0.1", 7999), "--allow-local's ports"));
	/* The daemon's API port: not listed, so refused. */
	assert_non_null(strstr(check(&p, "127.0.0.1", 9270), "--allow-local's ports"));
	/* Listed or not, the replicator's own API is not a subscriber. */
	assert_non_null(strstr(check(&p, "127.0.0.1", 9280), "replicator's API"));
	/* A raw backend cannot deliver here at all. */
	p.local_delivery = false;
	assert_non_null(strstr(check(&p, "127.0.0.1", 8000), "raw backend"));
	/* Port lists. */
	assert_int_equal(policy_parse_ports(&p, "1-65535"), 0);
	assert_int_equal(p.local_ports[0].lo, 1);
	assert_int_equal(p.local_ports[0].hi, 65535);
	assert_int_equal(policy_parse_ports(&p, "0"), -EINVAL);
	assert_int_equal(policy_parse_ports(&p, "65536"), -EINVAL);
	assert_int_equal(policy_parse_ports(&p, "9-8"), -EINVAL);
	assert_int_equal(policy_parse_ports(&p, "8,"), -EINVAL);
	assert_int_equal(policy_parse_ports(&p, ""), -EINVAL);
	assert_int_equal(policy_parse_ports(&p, "8-"), -EINVAL);
	assert_int_equal(policy_parse_ports(&p, "-8"), -EINVAL);
	assert_int_equal(policy_parse_ports(&p, "8 "), -EINVAL);
	assert_int_equal(policy_parse_ports(&p, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"), 0);
	assert_int_equal(policy_parse_ports(&p, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17"), -EINVAL);
}

/* ::ffff:a.b.c.d is a.b.c.d, for every rule. */
static void test_policy_v4_mapped(void **state)
{
	struct sub_policy p;
	struct ip_addr a = ip("::ffff:10.80.1.11");

	(void)state;
	policy_v4(&p, true);
	policy_normalize(&a);
	assert_int_equal(a.family, AF_INET);
	assert_true(ip_addr_equal(&a, &(struct ip_addr){ 0 }) == false);
	{
		struct ip_addr want = ip("10.80.1.11");

		assert_true(ip_addr_equal(&a, &want));
	}
	assert_null(check(&p, "::ffff:10.80.1.11", 9));
	assert_non_null(strstr(check(&p, "::ffff:10.80.1.2", 9), "own listen"));
	assert_non_null(strstr(check(&p, "::ffff:127.0.0.1", 9), "--allow-local"));
	assert_non_null(strstr(check(&p, "::ffff:192.168.5.9", 9), "--allow-local"));
	assert_non_null(strstr(check(&p, "::ffff:10.80.1.255", 9), "broadcast"));
	assert_non_null(strstr(check(&p, "::ffff:10.80.1.0", 9), "network address"));
	assert_non_null(strstr(check(&p, "::ffff:255.255.255.255", 9), "broadcast"));
	assert_non_null(strstr(check(&p, "::ffff:0.0.0.0", 9), "unspecified"));
	/* A native IPv6 address stays IPv6. */
	a = ip("fd00::1");
	policy_normalize(&a);
	assert_int_equal(a.family, AF_INET6);
}

/* Network addresses of our subnets, IPv4 and IPv6. */
static void test_policy_network_address(void **state)
{
	struct sub_policy p;

	(void)state;
	policy_v4(&p, true);
	assert_non_null(strstr(check(&p, "10.80.1.0", 9),
			       "network address of 10.80.1.2/24"));
	assert_null(check(&p, "10.80.1.1", 9));
	assert_null(check(&p, "10.80.0.0", 9)); /* not our subnet */
	assert_non_null(check(&p, "127.0.0.0", 9)); /* 127/8's */
	memset(&p, 0, sizeof(p));
	p.listen = ip("fd00:1::2");
	p.listen_port = 7000;
	p.local[0] = (struct policy_prefix){ ip("fd00:1::2"), 64 };
	p.local[1] = (struct policy_prefix){ ip("fd00:2::1:2"), 127 };
	p.nlocal = 2;
	assert_non_null(strstr(check(&p, "fd00:1::", 9), "network address"));
	assert_null(check(&p, "fd00:1::3", 9));
	assert_null(check(&p, "fd00:1:0:1::", 9)); /* another /64 */
	assert_null(check(&p, "fd00:2::1:3", 9)); /* a /127 has none */
}

static void test_policy_ipv6(void **state)
{
	struct sub_policy p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.listen = ip("fd00::2");
	p.listen_port = 7000;
	assert_null(check(&p, "fd00::11", 8000));
	assert_non_null(strstr(check(&p, "::", 8000), "unspecified"));
	assert_non_null(strstr(check(&p, "ff02::1", 8000), "multicast"));
	assert_non_null(strstr(check(&p, "::1", 8000), "this host's"));
	assert_non_null(strstr(check(&p, "fd00::2", 8000), "own listen"));
	assert_non_null(strstr(check(&p, "10.0.0.1", 8000), "IPv4"));
}

/* ---- rewrite */

static const uint8_t feed_mac[6] = {2, 0, 0, 0, 0, 0xaa};
static const uint8_t our_mac[6] = {2, 0, 0, 0, 0, 0xbb};

static int feed_frame(const char *src, const char *dst, size_t payload_len,
		      uint16_t vlan, uint8_t *buf, size_t len)
{
	struct frame_spec fs;
	uint8_t payload[1500];

	memset(&fs, 0, sizeof(fs));
	memcpy(fs.src_mac, feed_mac, 6);
	memcpy(fs.dst_mac, our_mac, 6);
	fs.src = ip(src);
	fs.dst = ip(dst);
	fs.src_port = 40000;
	fs.dst_port = 7000;
	fs.ttl = 3;
	fs.vlan_id = vlan;
	for (size_t i = 0; i < payload_len; i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	return frame_build(&fs, payload, payload_len, buf, len);
}

static void check_copy(uint8_t *frame, size_t len,
		       const struct rewrite_base *base, const char *to,
		       uint16_t port, const char *from, size_t payload_len)
{
	struct sub_target t;
	struct frame_view v;
	uint8_t mac[6] = {2, 0, 0, 0, 0, (uint8_t)port};

	memset(&t, 0, sizeof(t));
	t.addr = ip(to);
	t.port = port;
	memcpy(t.mac, mac, 6);
	rewrite_target_init(&t);
	rewrite_for(frame, base, &t, our_mac);
	assert_int_equal(frame_parse(frame, len, &v), FRAME_OK);
	assert_true(ip_addr_equal(&v.dst, &t.addr));
	{
		struct ip_addr f = ip(from);

		assert_true(ip_addr_equal(&v.src, &f));
	}
	assert_int_equal(v.src_port, 7000);
	assert_int_equal(v.dst_port, port);
	assert_memory_equal(v.dst_mac, mac, 6);
	assert_memory_equal(v.src_mac, our_mac, 6);
	assert_int_equal(v.payload_len, payload_len);
	assert_true(frame_verify_checksums(frame, len, &v));
	for (size_t i = 0; i < payload_len; i++)
		assert_int_equal(frame[v.payload_offset + i],
				 (uint8_t)(i * 7 + 1));
	if (t.addr.family == AF_INET)
		assert_int_equal(frame[v.l3_offset + 8], REWRITE_TTL);
	else
		assert_int_equal(frame[v.l3_offset + 7], REWRITE_TTL);
}

static void rewrite_case(const char *src, const char *dst, const char *sub1,
			 const char *sub2, size_t payload_len, uint16_t vlan)
{
	uint8_t frame[2048];
	struct rewrite_base base;
	struct frame_view v;
	int len = feed_frame(src, dst, payload_len, vlan, frame, sizeof(frame));

	assert_true(len > 0);
	assert_int_equal(frame_parse(frame, (size_t)len, &v), FRAME_OK);
	/* Leave only a partial (pseudo-header) checksum, as a local
	 * sender's offload does: the copies must still be right. */
	frame[v.l4_offset + 6] ^= 0x5a;
	rewrite_prepare(frame, &v, 7000, &base);
	check_copy(frame, (size_t)len, &base, sub1, 8001, dst, payload_len);
	/* The next copy is written over the first. */
	check_copy(frame, (size_t)len, &base, sub2, 8002, dst, payload_len);
	check_copy(frame, (size_t)len, &base, sub1, 65535, dst, payload_len);
}

static void test_rewrite_ipv4(void **state)
{
	(void)state;
	rewrite_case("10.80.1.1", "10.80.1.2", "10.80.1.11", "10.80.1.12", 18,
		     0);
	rewrite_case("10.80.1.1", "10.80.1.2", "10.80.1.11", "192.0.2.200",
		     1001, 0);
	rewrite_case("10.80.1.1", "10.80.1.2", "255.255.0.1", "1.2.3.4", 458,
		     42);
	for (size_t n = 0; n < 70; n++)
		rewrite_case("10.1.1.1", "10.1.1.2", "10.9.9.9", "10.0.0.255",
			     n, 0);
}

static void test_rewrite_ipv6(void **state)
{
	(void)state;
	rewrite_case("fd00::1", "fd00::2", "fd00::11", "fd00:ffff::12", 18, 0);
	rewrite_case("fd00::1", "fd00::2", "2001:db8::1", "fd00::12", 1001, 7);
	for (size_t n = 0; n < 40; n++)
		rewrite_case("fd00::1", "fd00::2", "fd00::a", "fd00::b", n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_accepts),
		cmocka_unit_test(test_policy_refuses),
		cmocka_unit_test(test_policy_udp_and_wildcard),
		cmocka_unit_test(test_policy_local),
		cmocka_unit_test(test_policy_v4_mapped),
		cmocka_unit_test(test_policy_network_address),
		cmocka_unit_test(test_policy_ipv6),
		cmocka_unit_test(test_rewrite_ipv4),
		cmocka_unit_test(test_rewrite_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
