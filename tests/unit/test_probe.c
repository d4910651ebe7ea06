// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/probe.h"

#define TS_WRAP (1ULL << 48)
#define TS_HALF (1ULL << 47)

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const struct probe sample = {
	.flow_id = 0x1234,
	.seq = 0x0102030405060708ULL,
	/* the top 16 bits are not carried */
	.tx_ns = 0xaabbccddeeff1122ULL,
};

/* Big-endian layout written out by hand from the table in probe.h. */
static const uint8_t sample_hdr[PROBE_HDR_LEN] = {
	0x4c, 0x01, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04, 0x05,
	0x06, 0x07, 0x08, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22,
};

static void build(uint8_t *payload, size_t len)
{
	probe_write(payload, &sample);
	probe_fill(payload, len);
}

static void test_write_layout(void **state)
{
	uint8_t buf[PROBE_HDR_LEN + 4];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	probe_write(buf, &sample);
	assert_memory_equal(buf, sample_hdr, PROBE_HDR_LEN);
	/* the header does not spill into the fill */
	assert_int_equal(buf[PROBE_HDR_LEN], 0xee);
}

static void test_round_trip(void **state)
{
	uint8_t buf[1500];
	struct probe out;
	size_t lens[] = { PROBE_HDR_LEN, PROBE_HDR_LEN + 1, 64, 255, 256,
			  257, 511, 512, 513, 1472 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(&out, 0, sizeof(out));
		build(buf, lens[i]);
		assert_int_equal(probe_read(buf, lens[i], &out, true),
				 PROBE_OK);
		assert_int_equal(out.flow_id, 0x1234);
		assert_int_equal(out.seq, 0x0102030405060708ULL);
		assert_int_equal(out.tx_ns, 0xccddeeff1122ULL);
	}

	/* extremes of each field */
	{
		struct probe max = { 0xffff, UINT64_MAX, UINT64_MAX };
		struct probe zero = { 0, 0, 0 };

		probe_write(buf, &max);
		assert_int_equal(probe_read(buf, PROBE_HDR_LEN, &out, true),
				 PROBE_OK);
		assert_int_equal(out.flow_id, 0xffff);
		assert_int_equal(out.seq, UINT64_MAX);
		assert_int_equal(out.tx_ns, PROBE_TS_MASK);
		probe_write(buf, &zero);
		assert_int_equal(probe_read(buf, PROBE_HDR_LEN, &out, true),
				 PROBE_OK);
		assert_int_equal(out.flow_id, 0);
		assert_int_equal(out.seq, 0);
		assert_int_equal(out.tx_ns, 0);
	}
}

static void test_stamp(void **state)
{
	uint8_t buf[100], before[100];
	static const uint8_t stamped[14] = {
		0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, /* seq */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /* tx_ns */
	};
	struct probe out;

	(void)state;
	build(buf, sizeof(buf));
	memcpy(before, buf, sizeof(buf));
	probe_stamp(buf, 0xfedcba9876543210ULL, (0x5ULL << 48) | 42);
	assert_memory_equal(buf, before, 4); /* magic, version, flow */
	assert_memory_equal(buf + 4, stamped, sizeof(stamped));
	assert_memory_equal(buf + PROBE_HDR_LEN, before + PROBE_HDR_LEN,
			    sizeof(buf) - PROBE_HDR_LEN);
	assert_int_equal(probe_read(buf, sizeof(buf), &out, true), PROBE_OK);
	assert_int_equal(out.flow_id, 0x1234);
	assert_int_equal(out.seq, 0xfedcba9876543210ULL);
	assert_int_equal(out.tx_ns, 42);
}

static void test_fill(void **state)
{
	uint8_t buf[1100];
	size_t off;

	(void)state;
	/* by hand: (18 * 151 + 90) mod 256 = 2808 mod 256 = 0xf8, and so on */
	assert_int_equal(probe_fill_byte(18), 0xf8);
	assert_int_equal(probe_fill_byte(19), 0x8f);
	assert_int_equal(probe_fill_byte(256), 0x5a);
	assert_int_equal(probe_fill_byte(1000), 0x32);

	memset(buf, 0xee, sizeof(buf));
	probe_fill(buf, 1000);
	for (off = 0; off < PROBE_HDR_LEN; off++)
		assert_int_equal(buf[off], 0xee);
	for (off = PROBE_HDR_LEN; off < 1000; off++)
		assert_int_equal(buf[off], probe_fill_byte(off));
	for (off = 1000; off < sizeof(buf); off++)
		assert_int_equal(buf[off], 0xee);

	/* nothing to fill */
	memset(buf, 0xee, sizeof(buf));
	probe_fill(buf, PROBE_HDR_LEN);
	probe_fill(buf, 3);
	for (off = 0; off < sizeof(buf); off++)
		assert_int_equal(buf[off], 0xee);
}

static void test_foreign(void **state)
{
	uint8_t buf[64];
	struct probe out, untouched;

	(void)state;
	memset(&untouched, 0xa5, sizeof(untouched));
	build(buf, sizeof(buf));
	buf[0] = 0x4d;
	out = untouched;
	assert_int_equal(probe_read(buf, sizeof(buf), &out, true),
			 PROBE_FOREIGN);
	assert_memory_equal(&out, &untouched, sizeof(out));

	build(buf, sizeof(buf));
	buf[1] = PROBE_VERSION + 1;
	assert_int_equal(probe_read(buf, sizeof(buf), &out, true),
			 PROBE_FOREIGN);
	buf[1] = 0;
	assert_int_equal(probe_read(buf, sizeof(buf), &out, false),
			 PROBE_FOREIGN);
	assert_memory_equal(&out, &untouched, sizeof(out));

	/* someone else's short datagram is foreign, not a broken probe */
	buf[0] = 'G';
	assert_int_equal(probe_read(buf, 3, &out, true), PROBE_FOREIGN);
	assert_int_equal(probe_read(buf, 1, &out, true), PROBE_FOREIGN);
}

static void test_truncated(void **state)
{
	uint8_t buf[64];
	struct probe out, untouched;
	size_t len;

	(void)state;
	memset(&untouched, 0xa5, sizeof(untouched));
	build(buf, sizeof(buf));
	for (len = 0; len < PROBE_HDR_LEN; len++) {
		/* exact-size copy: any read past len shows under ASan */
		uint8_t copy[PROBE_HDR_LEN];
		uint8_t *heap = len ? malloc(len) : NULL;

		memcpy(copy, buf, len);
		if (heap)
			memcpy(heap, buf, len);
		out = untouched;
		assert_int_equal(probe_read(heap ? heap : copy, len, &out,
					    true),
				 PROBE_TRUNCATED);
		assert_int_equal(probe_read(heap ? heap : copy, len, &out,
					    false),
				 PROBE_TRUNCATED);
		assert_memory_equal(&out, &untouched, sizeof(out));
		free(heap);
	}
	assert_int_equal(probe_read(buf, PROBE_HDR_LEN, &out, true), PROBE_OK);
}

static void test_corrupt(void **state)
{
	uint8_t buf[1472];
	struct probe out;
	size_t off;

	(void)state;
	build(buf, sizeof(buf));
	for (off = PROBE_HDR_LEN; off < sizeof(buf); off++) {
		buf[off] ^= (uint8_t)(1u << (off % 8));
		memset(&out, 0, sizeof(out));
		assert_int_equal(probe_read(buf, sizeof(buf), &out, true),
				 PROBE_CORRUPT);
		/* the header is still reported for a corrupt probe */
		assert_int_equal(out.flow_id, 0x1234);
		assert_int_equal(out.seq, 0x0102030405060708ULL);
		assert_int_equal(out.tx_ns, 0xccddeeff1122ULL);
		/* without the fill check the same packet is fine */
		assert_int_equal(probe_read(buf, sizeof(buf), &out, false),
				 PROBE_OK);
		/* a damaged byte past len is not ours to look at */
		assert_int_equal(probe_read(buf, off, &out, true), PROBE_OK);
		buf[off] ^= (uint8_t)(1u << (off % 8));
	}
	assert_int_equal(probe_read(buf, sizeof(buf), &out, true), PROBE_OK);
	assert_int_equal(probe_read(buf, sizeof(buf), NULL, true), PROBE_OK);
}

static void test_expand_ts(void **state)
{
	const uint64_t era = 5 * TS_WRAP;
	int i;

	(void)state;
	/* plain: no wrap in between, either direction */
	assert_int_equal(probe_expand_ts(990, era + 1000), era + 990);
	assert_int_equal(probe_expand_ts(1010, era + 1000), era + 1010);
	assert_int_equal(probe_expand_ts(1000, era + 1000), era + 1000);
	/* bits above 48 in ts48 are ignored */
	assert_int_equal(probe_expand_ts((7ULL << 48) | 990, era + 1000),
			 era + 990);
	/* sent just before the wrap, received just after */
	assert_int_equal(probe_expand_ts(PROBE_TS_MASK - 5, era + 10),
			 era - 6);
	/* receiver just before the wrap, sender's clock already past it */
	assert_int_equal(probe_expand_ts(3, era - 10), era + 3);
	/* half a period either way */
	assert_int_equal(probe_expand_ts(TS_HALF - 1, era), era + TS_HALF - 1);
	assert_int_equal(probe_expand_ts(TS_HALF + 1, era), era - TS_HALF + 1);
	/* exactly half way: the past */
	assert_int_equal(probe_expand_ts(TS_HALF, era), era - TS_HALF);

	/* near 0 the past is cut off: no underflow */
	assert_int_equal(probe_expand_ts(0, 0), 0);
	assert_int_equal(probe_expand_ts(40, 100), 40);
	assert_int_equal(probe_expand_ts(PROBE_TS_MASK - 50, 100),
			 PROBE_TS_MASK - 50);
	assert_int_equal(probe_expand_ts(PROBE_TS_MASK, 0), PROBE_TS_MASK);
	assert_int_equal(probe_expand_ts(TS_HALF + 2000, 1000),
			 TS_HALF + 2000);
	assert_int_equal(probe_expand_ts(TS_HALF, 0), TS_HALF);
	/* just above 2^48 the past is reachable again */
	assert_int_equal(probe_expand_ts(PROBE_TS_MASK - 50, TS_WRAP + 100),
			 PROBE_TS_MASK - 50);

	/* and near the top: no overflow */
	/* (the stamp wraps mod 2^64, a multiple of 2^48: low bits hold) */
	assert_int_equal(probe_expand_ts((UINT64_MAX - 5 + 100) & PROBE_TS_MASK,
					 UINT64_MAX - 5),
			 UINT64_MAX - 5 - (TS_WRAP - 100));
	assert_int_equal(probe_expand_ts(PROBE_TS_MASK, UINT64_MAX),
			 UINT64_MAX);

	/* any stamp within half a period of the reference comes back whole */
	for (i = 0; i < 100000; i++) {
		uint64_t ref = rng() >> (rng() % 64);
		uint64_t delta = rng() % TS_HALF;
		uint64_t sent;

		if (rng() & 1) {
			if (ref < delta)
				continue;
			sent = ref - delta;
		} else {
			if (ref > UINT64_MAX - delta)
				continue;
			sent = ref + delta;
		}
		assert_int_equal(probe_expand_ts(sent & PROBE_TS_MASK, ref),
				 sent);
	}
}

static void test_status_name(void **state)
{
	(void)state;
	assert_string_equal(probe_status_name(PROBE_OK), "ok");
	assert_string_equal(probe_status_name(PROBE_FOREIGN), "foreign");
	assert_string_equal(probe_status_name(PROBE_TRUNCATED), "truncated");
	assert_string_equal(probe_status_name(PROBE_CORRUPT), "corrupt");
	assert_string_equal(probe_status_name((enum probe_status)42),
			    "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_layout),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_expand_ts),
		cmocka_unit_test(test_status_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
