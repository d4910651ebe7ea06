// SPDX-License-Identifier: MIT
/*
 * The Session-Reflector's decisions: stateless and stateful sequence
 * numbers (per address, port and SSID), the per-source rate limit, the
 * refusals by reason, and the reply never longer than the request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stamp/reflector.h"

#define MS 1000000ULL

static void sender_packet(uint8_t *buf, size_t len, uint32_t seq,
			  uint16_t ssid)
{
	struct stamp_sender_packet p = { .seq = seq,
					 .timestamp = 0xe398e48080000000ULL,
					 .error_estimate = 0x0001,
					 .ssid = ssid };

	assert_int_equal(stamp_sender_build(buf, len, STAMP_MODE_UNAUTH, &p,
					    NULL, false),
			 0);
}

static struct stamp_peer peer_v4(uint8_t last, uint16_t port)
{
	struct stamp_peer p = { .family = AF_INET, .port = port };

	p.addr[0] = 10;
	p.addr[3] = last;
	return p;
}

static void init(struct stamp_reflector *r, bool stateful, double limit,
		 uint32_t burst)
{
	struct stamp_reflector_config cfg = {
		.mode = STAMP_MODE_UNAUTH, .stateful = stateful,
		.max_len = 1472, .rate_limit_pps = limit, .rate_burst = burst,
	};

	assert_int_equal(stamp_reflector_init(r, &cfg), 0);
}

static uint32_t reply_seq(const uint8_t *out)
{
	return (uint32_t)out[0] << 24 | out[1] << 16 | out[2] << 8 | out[3];
}

static void test_stateless_and_stateful(void **state)
{
	struct stamp_peer a = peer_v4(1, 5000), b = peer_v4(2, 5000);
	struct stamp_reflector r;
	uint8_t in[64], out[65];

	(void)state;
	init(&r, false, 0, 0);
	sender_packet(in, 44, 41, 7);
	assert_int_equal(stamp_reflector_process(&r, in, 44, 44, &a, 1, 64, 1,
						 2, out),
			 STAMP_OK);
	assert_int_equal(reply_seq(out), 41); /* stateless: the sender's */
	stamp_reflector_destroy(&r);

	init(&r, true, 0, 0);
	/* Session a/SSID 7 sends 41, 43 (42 lost on the way): 0, 1. */
	sender_packet(in, 44, 41, 7);
	assert_int_equal(stamp_reflector_process(&r, in, 44, 44, &a, 1, 64, 1,
						 2, out),
			 STAMP_OK);
	assert_int_equal(reply_seq(out), 0);
	sender_packet(in, 44, 43, 7);
	stamp_reflector_process(&r, in, 44, 44, &a, 1, 64, 2, 3, out);
	assert_int_equal(reply_seq(out), 1);
	/* Another SSID from the same address and port is another session,
	 * and so is another address. */
	sender_packet(in, 44, 9, 8);
	stamp_reflector_process(&r, in, 44, 44, &a, 1, 64, 3, 4, out);
	assert_int_equal(reply_seq(out), 0);
	sender_packet(in, 44, 9, 7);
	stamp_reflector_process(&r, in, 44, 44, &b, 1, 64, 4, 5, out);
	assert_int_equal(reply_seq(out), 0);
	sender_packet(in, 44, 44, 7);
	stamp_reflector_process(&r, in, 44, 44, &a, 1, 64, 5, 6, out);
	assert_int_equal(reply_seq(out), 2);
	assert_int_equal(r.c.sessions, 3);
	/* The sender's seq and the TTL come back in their fields. */
	assert_int_equal(out[27], 44);
	assert_int_equal(out[40], 64);
	stamp_reflector_destroy(&r);
}

static void test_rate_limit(void **state)
{
	struct stamp_peer a = peer_v4(1, 5000), a2 = peer_v4(1, 6000),
			  b = peer_v4(2, 5000);
	struct stamp_reflector r;
	uint8_t in[44], out[44];
	int ok = 0;

	(void)state;
	/* 1000 pps, burst 5: at one instant, 5 pass; the 6th is refused,
	 * whatever its port; another address has its own bucket; 1 ms later
	 * one more token has accrued. */
	init(&r, false, 1000, 5);
	sender_packet(in, 44, 1, 0);
	for (int i = 0; i < 5; i++)
		ok += stamp_reflector_process(&r, in, 44, 44, &a, 1, 64,
					      100 * MS, 1, out) == STAMP_OK;
	assert_int_equal(ok, 5);
	assert_int_equal(stamp_reflector_process(&r, in, 44, 44, &a2, 1, 64,
						 100 * MS, 1, out),
			 STAMP_DROP_RATE);
	assert_int_equal(stamp_reflector_process(&r, in, 44, 44, &b, 1, 64,
						 100 * MS, 1, out),
			 STAMP_OK);
	assert_int_equal(stamp_reflector_process(&r, in, 44, 44, &a, 1, 64,
						 101 * MS, 1, out),
			 STAMP_OK);
	assert_int_equal(stamp_reflector_process(&r, in, 44, 44, &a, 1, 64,
						 101 * MS, 1, out),
			 STAMP_DROP_RATE);
	assert_int_equal(r.c.dropped[STAMP_DROP_RATE], 2);
	stamp_reflector_destroy(&r);
}

static void test_refusals(void **state)
{
	struct stamp_peer a = peer_v4(1, 5000);
	struct stamp_reflector r;
	uint8_t in[1500], out[1501];

	(void)state;
	init(&r, false, 0, 0);
	sender_packet(in, 1472, 1, 0);
	out[1472] = 0x5a;
	assert_int_equal(stamp_reflector_process(&r, in, 1472, 1472, &a, 1, 64,
						 1, 1, out),
			 STAMP_OK);
	assert_int_equal(out[1472], 0x5a); /* not one byte more */
	sender_packet(in, 1473, 1, 0);
	assert_int_equal(stamp_reflector_process(&r, in, 1473, 1473, &a, 1, 64,
						 1, 1, out),
			 STAMP_DROP_OVERSIZE);
	/* Truncated by the kernel (more arrived than the buffer held). */
	assert_int_equal(stamp_reflector_process(&r, in, 100, 20000, &a, 1, 64,
						 1, 1, out),
			 STAMP_DROP_OVERSIZE);
	assert_int_equal(stamp_reflector_process(&r, in, 43, 43, &a, 1, 64, 1,
						 1, out),
			 STAMP_DROP_SHORT);
	assert_int_equal(r.c.rx_packets, 4);
	assert_int_equal(r.c.dropped[STAMP_DROP_OVERSIZE], 2);
	assert_int_equal(r.c.dropped[STAMP_DROP_SHORT], 1);
	stamp_reflector_destroy(&r);
}

static void test_only_from(void **state)
{
	struct stamp_reflector_config cfg = { .mode = STAMP_MODE_UNAUTH,
					      .max_len = 1472 };
	struct stamp_peer client = peer_v4(1, 5000), other = peer_v4(2, 5000);
	struct stamp_reflector r;
	uint8_t in[44], out[44];

	(void)state;
	cfg.only_from = client;
	assert_int_equal(stamp_reflector_init(&r, &cfg), 0);
	sender_packet(in, 44, 1, 0);
	assert_int_equal(stamp_reflector_process(&r, in, 44, 44, &other, 1, 64,
						 1, 1, out),
			 STAMP_DROP_FILTERED);
	/* The port does not matter, the address does. */
	client.port = 7;
	assert_int_equal(stamp_reflector_process(&r, in, 44, 44, &client, 1,
						 64, 1, 1, out),
			 STAMP_OK);
	assert_int_equal(r.c.dropped[STAMP_DROP_FILTERED], 1);
	assert_string_equal(stamp_drop_name(STAMP_DROP_FILTERED), "filtered");
	stamp_reflector_destroy(&r);
}

static void test_table_bounded(void **state)
{
	struct stamp_reflector r;
	uint8_t in[44], out[44];

	(void)state;
	/* More sessions than slots: the table evicts, never grows. */
	init(&r, true, 0, 0);
	sender_packet(in, 44, 1, 0);
	for (uint32_t i = 0; i < STAMP_TABLE_SLOTS + 100; i++) {
		struct stamp_peer p = peer_v4((uint8_t)i, (uint16_t)(i >> 8));

		p.addr[2] = (uint8_t)(i >> 16);
		assert_int_equal(stamp_reflector_process(&r, in, 44, 44, &p, 1,
							 64, i, 1, out),
				 STAMP_OK);
	}
	assert_int_equal(r.c.sessions, STAMP_TABLE_SLOTS + 100);
	assert_true(r.c.evicted >= 100);
	stamp_reflector_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stateless_and_stateful),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_only_from),
		cmocka_unit_test(test_table_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
