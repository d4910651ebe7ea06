// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "lib/sockaddr.h"

static void test_v4_round_trip(void **state)
{
	struct ip_addr ip = {.family = AF_INET}, back;
	struct sockaddr_storage ss;
	const struct sockaddr_in *sin = (const void *)&ss;
	uint16_t port = 0;

	(void)state;
	inet_pton(AF_INET, "192.0.2.7", &ip.v4);
	assert_int_equal(sockaddr_from_ip(&ss, &ip, 862), sizeof(*sin));
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 862);
	assert_true(sockaddr_to_ip((const struct sockaddr *)&ss, &back, &port));
	assert_int_equal(back.family, AF_INET);
	assert_memory_equal(&back.v4, &ip.v4, 4);
	assert_int_equal(port, 862);
}

static void test_v6_round_trip(void **state)
{
	struct ip_addr ip = {.family = AF_INET6}, back;
	struct sockaddr_storage ss;
	const struct sockaddr_in6 *sin6 = (const void *)&ss;
	uint16_t port = 0;

	(void)state;
	inet_pton(AF_INET6, "2001:db8::42", &ip.v6);
	assert_int_equal(sockaddr_from_ip(&ss, &ip, 65535), sizeof(*sin6));
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_true(sockaddr_to_ip((const struct sockaddr *)&ss, &back, &port));
	assert_int_equal(back.family, AF_INET6);
	assert_memory_equal(&back.v6, &ip.v6, 16);
	assert_int_equal(port, 65535);
	/* The port is optional. */
	assert_true(sockaddr_to_ip((const struct sockaddr *)&ss, &back, NULL));
}

/* An address of neither family becomes the IPv4 wildcard. */
static void test_from_unset_is_v4_wildcard(void **state)
{
	struct ip_addr ip = {0};
	struct sockaddr_storage ss;
	const struct sockaddr_in *sin = (const void *)&ss;

	(void)state;
	assert_int_equal(sockaddr_from_ip(&ss, &ip, 7000), sizeof(*sin));
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(sin->sin_addr.s_addr, htonl(INADDR_ANY));
	assert_int_equal(ntohs(sin->sin_port), 7000);
}

static void test_to_other_family(void **state)
{
	struct sockaddr_storage ss = {.ss_family = AF_UNIX};
	struct ip_addr ip;
	uint16_t port = 99;

	(void)state;
	memset(&ip, 0xff, sizeof(ip));
	assert_false(sockaddr_to_ip((const struct sockaddr *)&ss, &ip, &port));
	assert_int_equal(ip.family, 0);
	assert_int_equal(port, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_round_trip),
		cmocka_unit_test(test_v6_round_trip),
		cmocka_unit_test(test_from_unset_is_v4_wildcard),
		cmocka_unit_test(test_to_other_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
