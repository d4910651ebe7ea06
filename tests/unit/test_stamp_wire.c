// SPDX-License-Identifier: MIT
/*
 * STAMP packets byte by byte. The expected octets are written out by hand
 * from the field tables of RFC 8762 (figures 1, 3, 4, 5), RFC 8972 and
 * RFC 4656 section 4.1.2; the HMACs were computed once, independently of
 * this code, with
 *   openssl dgst -sha256 -mac HMAC -macopt key:linerate-stamp-test-key
 * over the 96 octets shown, and are kept here as fixed vectors.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "stamp/wire.h"

/* 2021-01-01T00:00:00.5Z: Unix 1609459200 s, NTP 1609459200 + 2208988800
 * = 3818448000 = 0xe398e480 s, fraction 0.5 = 0x80000000. */
#define T0_NS (1609459200ULL * 1000000000ULL + 500000000ULL)
#define T0_NTP 0xe398e48080000000ULL
/* 1 ms, synchronized, NTP: 1e-3 * 2^32 = 4294967.3 -> 4294968 units of
 * 2^-32 s; the smallest scale with a multiplier <= 255 is 15
 * (4294968 / 2^15 = 131.07, rounded up 132 = 0x84): S=1 Z=0 scale=15:
 * 0x8f, multiplier 0x84. */
#define EE_1MS 0x8f84

static const char test_key[] = "linerate-stamp-test-key";

static void key_set(struct stamp_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->bytes, test_key, strlen(test_key));
	k->len = strlen(test_key);
}

static void reflector_equal(const struct stamp_reflector_packet *a,
			    const struct stamp_reflector_packet *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->timestamp, b->timestamp);
	assert_int_equal(a->error_estimate, b->error_estimate);
	assert_int_equal(a->ssid, b->ssid);
	assert_int_equal(a->rx_timestamp, b->rx_timestamp);
	assert_int_equal(a->sender_seq, b->sender_seq);
	assert_int_equal(a->sender_timestamp, b->sender_timestamp);
	assert_int_equal(a->sender_error_estimate, b->sender_error_estimate);
	assert_int_equal(a->sender_ttl, b->sender_ttl);
}

static void test_timestamps(void **state)
{
	(void)state;
	assert_int_equal(stamp_ts_encode(T0_NS, STAMP_TS_NTP), T0_NTP);
	assert_int_equal(stamp_ts_decode(T0_NTP, STAMP_TS_NTP), T0_NS);
	/* PTPv2 truncated: seconds since 1970 (0x5fee6600), then ns
	 * (500000000 = 0x1dcd6500). */
	assert_int_equal(stamp_ts_encode(T0_NS, STAMP_TS_PTP),
			 0x5fee66001dcd6500ULL);
	assert_int_equal(stamp_ts_decode(0x5fee66001dcd6500ULL, STAMP_TS_PTP),
			 T0_NS);
	/* 1 ns: 2^32 / 1e9 = 4.29 -> fraction 4, which reads back as 1 ns
	 * (4 * 1e9 / 2^32 = 0.93, rounded up). */
	assert_int_equal(stamp_ts_encode(T0_NS - 499999999ULL, STAMP_TS_NTP),
			 0xe398e48000000004ULL);
	assert_int_equal(stamp_ts_decode(0xe398e48000000004ULL, STAMP_TS_NTP),
			 T0_NS - 499999999ULL);
	/* Era 1: NTP seconds 0x00000010 are 2036-02-07T06:28:32Z. */
	assert_int_equal(stamp_ts_decode(0x0000001000000000ULL, STAMP_TS_NTP),
			 (4294967296ULL - 2208988800ULL + 16) * 1000000000ULL);
}

static void test_error_estimate(void **state)
{
	(void)state;
	assert_int_equal(stamp_ee_encode(1000000, true, STAMP_TS_NTP), EE_1MS);
	/* 132 * 2^15 * 1e9 / 2^32 = 1007080.08 ns, rounded up. */
	assert_int_equal(stamp_ee_ns(EE_1MS), 1007081);
	/* Zero error still has multiplier 1 (RFC 4656), Z set for PTP. */
	assert_int_equal(stamp_ee_encode(0, false, STAMP_TS_PTP), 0x4001);
	/* 1 s: 2^32 units; 2^32 / 2^24 = 256 > 255, so scale 25, multiplier
	 * 128: 0x19 0x80. */
	assert_int_equal(stamp_ee_encode(1000000000ULL, false, STAMP_TS_NTP),
			 0x1980);
	assert_int_equal(stamp_ee_ns(0x1980), 1000000000ULL);
	assert_true(stamp_ee_synchronized(EE_1MS));
	assert_int_equal(stamp_ee_format(0x4001), STAMP_TS_PTP);
}

static const uint8_t sender_unauth[STAMP_UNAUTH_LEN] = {
	0x00, 0x00, 0x00, 0x01, /* seq 1 */
	0xe3, 0x98, 0xe4, 0x80, 0x80, 0x00, 0x00, 0x00, /* timestamp T0 */
	0x8f, 0x84, /* error estimate: S, scale 15, multiplier 132 */
	0x12, 0x34, /* SSID */
	[16 ... 43] = 0, /* MBZ */
};

static void test_sender_unauth(void **state)
{
	struct stamp_sender_packet p = { .seq = 1, .timestamp = T0_NTP,
					 .error_estimate = EE_1MS,
					 .ssid = 0x1234 }, q;
	uint8_t buf[64];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(stamp_sender_build(buf, 44, STAMP_MODE_UNAUTH, &p,
					    NULL, false),
			 0);
	assert_memory_equal(buf, sender_unauth, 44);
	assert_int_equal(buf[44], 0xee); /* not one byte more */
	memset(&q, 0, sizeof(q));
	assert_int_equal(stamp_sender_parse(sender_unauth, 44,
					    STAMP_MODE_UNAUTH, NULL, &q),
			 STAMP_OK);
	assert_int_equal(q.seq, 1);
	assert_int_equal(q.timestamp, T0_NTP);
	assert_int_equal(q.error_estimate, EE_1MS);
	assert_int_equal(q.ssid, 0x1234);
	/* An Extra Padding TLV over 8 more octets: flags 0, type 1,
	 * length 4, then zeros. */
	assert_int_equal(stamp_sender_build(buf, 52, STAMP_MODE_UNAUTH, &p,
					    NULL, true),
			 0);
	assert_memory_equal(buf, sender_unauth, 44);
	assert_int_equal(buf[44], 0);
	assert_int_equal(buf[45], 1);
	assert_int_equal(buf[46], 0);
	assert_int_equal(buf[47], 4);
	assert_true(buf[48] == 0 && buf[51] == 0);
	assert_int_equal(stamp_sender_build(buf, 43, STAMP_MODE_UNAUTH, &p,
					    NULL, false),
			 -EINVAL);
}

static void test_reflector_unauth(void **state)
{
	static const uint8_t want[STAMP_UNAUTH_LEN] = {
		0x00, 0x00, 0x00, 0x64, /* reflector seq 100 */
		0xe3, 0x98, 0xe4, 0x81, 0x40, 0x00, 0x00, 0x00, /* T0+0.75 */
		0x00, 0x01, /* error estimate: unsynchronized, 2^-32 s */
		0x12, 0x34, /* SSID, the sender's */
		0xe3, 0x98, 0xe4, 0x81, 0x00, 0x00, 0x00, 0x00, /* rx T0+0.5 */
		0x00, 0x00, 0x00, 0x01, /* sender seq */
		0xe3, 0x98, 0xe4, 0x80, 0x80, 0x00, 0x00, 0x00, /* sender ts */
		0x8f, 0x84, /* sender error estimate */
		0x00, 0x00, /* MBZ */
		0x3f, /* sender TTL 63 */
		0x00, 0x00, 0x00, /* MBZ */
	};
	struct stamp_reflector_packet r = {
		.seq = 100, .timestamp = 0xe398e48140000000ULL,
		.error_estimate = 0x0001, .ssid = 0x1234,
		.rx_timestamp = 0xe398e48100000000ULL, .sender_seq = 1,
		.sender_timestamp = T0_NTP, .sender_error_estimate = EE_1MS,
		.sender_ttl = 63,
	}, back;
	uint8_t out[STAMP_UNAUTH_LEN];
	uint32_t flagged = 99;

	(void)state;
	assert_int_equal(stamp_reflector_build(out, sender_unauth, 44,
					       STAMP_MODE_UNAUTH, &r, NULL),
			 0);
	assert_memory_equal(out, want, sizeof(want));
	memset(&back, 0, sizeof(back));
	assert_int_equal(stamp_reflector_parse(want, 44, STAMP_MODE_UNAUTH,
					       NULL, &back, &flagged),
			 STAMP_OK);
	reflector_equal(&back, &r);
	assert_int_equal(flagged, 0);
}

/* Authenticated Session-Sender: seq 7, T0, 1 ms error, SSID 0x1234. */
static const uint8_t sender_auth[STAMP_AUTH_LEN] = {
	0x00, 0x00, 0x00, 0x07, /* seq */
	[4 ... 15] = 0, /* MBZ */
	0xe3, 0x98, 0xe4, 0x80, 0x80, 0x00, 0x00, 0x00, /* timestamp */
	0x8f, 0x84, 0x12, 0x34, /* error estimate, SSID */
	[28 ... 95] = 0, /* MBZ */
	/* HMAC-SHA-256 over octets 0..95, first 16 of 32 octets */
	0x92, 0x47, 0xa7, 0xf5, 0xde, 0xfd, 0x33, 0xcc,
	0x7b, 0xc5, 0x1d, 0x56, 0x3c, 0xd3, 0xd1, 0x9c,
};

static void test_sender_auth(void **state)
{
	struct stamp_sender_packet p = { .seq = 7, .timestamp = T0_NTP,
					 .error_estimate = EE_1MS,
					 .ssid = 0x1234 }, q;
	uint8_t buf[STAMP_AUTH_LEN], bad[STAMP_AUTH_LEN];
	struct stamp_key key, other;

	(void)state;
	key_set(&key);
	assert_int_equal(stamp_sender_build(buf, sizeof(buf), STAMP_MODE_AUTH,
					    &p, &key, false),
			 0);
	assert_memory_equal(buf, sender_auth, sizeof(buf));
	assert_int_equal(stamp_sender_parse(sender_auth, sizeof(sender_auth),
					    STAMP_MODE_AUTH, &key, &q),
			 STAMP_OK);
	assert_int_equal(q.seq, 7);
	assert_int_equal(q.timestamp, T0_NTP);
	assert_int_equal(q.ssid, 0x1234);
	/* One bit changed anywhere under the HMAC, or another key. */
	memcpy(bad, sender_auth, sizeof(bad));
	bad[3] ^= 1;
	assert_int_equal(stamp_sender_parse(bad, sizeof(bad), STAMP_MODE_AUTH,
					    &key, &q),
			 STAMP_DROP_HMAC);
	memcpy(bad, sender_auth, sizeof(bad));
	bad[111] ^= 0x80;
	assert_int_equal(stamp_sender_parse(bad, sizeof(bad), STAMP_MODE_AUTH,
					    &key, &q),
			 STAMP_DROP_HMAC);
	key_set(&other);
	other.bytes[0] ^= 1;
	assert_int_equal(stamp_sender_parse(sender_auth, sizeof(sender_auth),
					    STAMP_MODE_AUTH, &other, &q),
			 STAMP_DROP_HMAC);
}

static void test_reflector_auth(void **state)
{
	static const uint8_t want[STAMP_AUTH_LEN] = {
		0x00, 0x00, 0x00, 0x64, /* reflector seq 100 */
		[4 ... 15] = 0,
		0xe3, 0x98, 0xe4, 0x81, 0x40, 0x00, 0x00, 0x00, /* T0+0.75 */
		0x00, 0x01, 0x12, 0x34, /* error estimate, SSID */
		0x00, 0x00, 0x00, 0x00, /* MBZ */
		0xe3, 0x98, 0xe4, 0x81, 0x00, 0x00, 0x00, 0x00, /* rx ts */
		[40 ... 47] = 0,
		0x00, 0x00, 0x00, 0x07, /* sender seq */
		[52 ... 63] = 0,
		0xe3, 0x98, 0xe4, 0x80, 0x80, 0x00, 0x00, 0x00, /* sender ts */
		0x8f, 0x84, /* sender error estimate */
		[74 ... 79] = 0,
		0x40, /* sender TTL 64 */
		[81 ... 95] = 0,
		/* HMAC-SHA-256 over octets 0..95, truncated */
		0x70, 0x80, 0x52, 0xae, 0x1e, 0xac, 0x87, 0x1a,
		0x77, 0xfc, 0x73, 0xfc, 0xea, 0xf6, 0x19, 0x87,
	};
	struct stamp_reflector_packet r = {
		.seq = 100, .timestamp = 0xe398e48140000000ULL,
		.error_estimate = 0x0001, .ssid = 0x1234,
		.rx_timestamp = 0xe398e48100000000ULL, .sender_seq = 7,
		.sender_timestamp = T0_NTP, .sender_error_estimate = EE_1MS,
		.sender_ttl = 64,
	}, back;
	uint8_t out[STAMP_AUTH_LEN], bad[STAMP_AUTH_LEN];
	struct stamp_key key;

	(void)state;
	key_set(&key);
	assert_int_equal(stamp_reflector_build(out, sender_auth, sizeof(out),
					       STAMP_MODE_AUTH, &r, &key),
			 0);
	assert_memory_equal(out, want, sizeof(want));
	memset(&back, 0, sizeof(back));
	assert_int_equal(stamp_reflector_parse(want, sizeof(want),
					       STAMP_MODE_AUTH, &key, &back,
					       NULL),
			 STAMP_OK);
	reflector_equal(&back, &r);
	memcpy(bad, want, sizeof(bad));
	bad[80] = 1; /* a TTL changed on the way back */
	assert_int_equal(stamp_reflector_parse(bad, sizeof(bad),
					       STAMP_MODE_AUTH, &key, &back,
					       NULL),
			 STAMP_DROP_HMAC);
}

static void test_tlvs(void **state)
{
	struct stamp_reflector_packet r = { .seq = 1 };
	uint8_t in[44 + 24], out[44 + 24];
	uint32_t flagged = 0;

	(void)state;
	memcpy(in, sender_unauth, 44);
	/* Extra Padding (type 1, 4 octets): known, copied as is. */
	memcpy(in + 44, (const uint8_t[]){ 0x00, 0x01, 0x00, 0x04, 1, 2, 3, 4 },
	       8);
	/* Class of Service (type 4, 4 octets): not implemented here: U. */
	memcpy(in + 52, (const uint8_t[]){ 0x00, 0x04, 0x00, 0x04, 0xa0, 0, 0, 0 },
	       8);
	/* A TLV claiming 200 octets where 4 remain: M, rest copied. */
	memcpy(in + 60, (const uint8_t[]){ 0x00, 0x07, 0x00, 0xc8, 9, 9, 9, 9 },
	       8);
	assert_int_equal(stamp_reflector_build(out, in, sizeof(in),
					       STAMP_MODE_UNAUTH, &r, NULL),
			 2);
	assert_memory_equal(out + 44,
			    ((const uint8_t[]){ 0x00, 0x01, 0x00, 0x04, 1, 2, 3,
						4, 0x80, 0x04, 0x00, 0x04, 0xa0,
						0, 0, 0, 0x40, 0x07, 0x00, 0xc8,
						9, 9, 9, 9 }),
			    24);
	assert_int_equal(stamp_reflector_parse(out, sizeof(out),
					       STAMP_MODE_UNAUTH, NULL,
					       &(struct stamp_reflector_packet){},
					       &flagged),
			 STAMP_OK);
	assert_int_equal(flagged, 2);
	/* All-zero padding (TWAMP-Light style) is left alone. */
	memset(in + 44, 0, 24);
	assert_int_equal(stamp_reflector_build(out, in, sizeof(in),
					       STAMP_MODE_UNAUTH, &r, NULL),
			 0);
	assert_true(out[44] == 0 && out[48] == 0 && out[64] == 0);
	/* Three trailing octets are not even a TLV header: M on the first. */
	memcpy(in + 44, (const uint8_t[]){ 0x00, 0x01, 0x00, 0x00 }, 4);
	in[48] = 0x05;
	assert_int_equal(stamp_reflector_build(out, in, 44 + 7,
					       STAMP_MODE_UNAUTH, &r, NULL),
			 1);
	assert_int_equal(out[48], 0x45);
}

static void test_drops(void **state)
{
	struct stamp_sender_packet q;
	uint8_t big[STAMP_MAX_PACKET + 1] = { 0 };
	uint8_t unauth_long[STAMP_AUTH_LEN];
	struct stamp_key key;

	(void)state;
	key_set(&key);
	assert_int_equal(stamp_sender_parse(sender_unauth, 43,
					    STAMP_MODE_UNAUTH, NULL, &q),
			 STAMP_DROP_SHORT);
	assert_int_equal(stamp_sender_parse(big, sizeof(big),
					    STAMP_MODE_UNAUTH, NULL, &q),
			 STAMP_DROP_OVERSIZE);
	/* An authenticated packet at an unauthenticated reflector: octets
	 * 4..15 zero, which no unauthenticated sender writes. */
	assert_int_equal(stamp_sender_parse(sender_auth, sizeof(sender_auth),
					    STAMP_MODE_UNAUTH, NULL, &q),
			 STAMP_DROP_MODE);
	/* And the other way round, at full and at base length. */
	memset(unauth_long, 0, sizeof(unauth_long));
	memcpy(unauth_long, sender_unauth, 44);
	assert_int_equal(stamp_sender_parse(unauth_long, sizeof(unauth_long),
					    STAMP_MODE_AUTH, &key, &q),
			 STAMP_DROP_MODE);
	assert_int_equal(stamp_sender_parse(sender_unauth, 44,
					    STAMP_MODE_AUTH, &key, &q),
			 STAMP_DROP_MODE);
	/* Authenticated-looking but cut: short. */
	assert_int_equal(stamp_sender_parse(sender_auth, 100, STAMP_MODE_AUTH,
					    &key, &q),
			 STAMP_DROP_SHORT);
	assert_string_equal(stamp_drop_name(STAMP_DROP_HMAC), "bad_hmac");
	/* Every reason has its own name; past the last one, "unknown". */
	for (int i = 0; i < STAMP_DROP_COUNT_; i++) {
		assert_string_not_equal(stamp_drop_name(i), "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(stamp_drop_name(i),
						stamp_drop_name(j));
	}
	assert_string_equal(stamp_drop_name(STAMP_DROP_COUNT_), "unknown");
	assert_string_equal(stamp_drop_name((enum stamp_drop) - 1), "unknown");
}

static void test_key_load(void **state)
{
	char path[] = "/tmp/test_stamp_keyXXXXXX";
	struct lr_err err = {0};
	struct stamp_key key;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "secret\r\n", 8), 8);
	close(fd);
	assert_int_equal(stamp_key_load(path, &key, &err), 0);
	assert_false(lr_err_is_set(&err));
	assert_int_equal(key.len, 6);
	assert_memory_equal(key.bytes, "secret", 6);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "\n", 1), 1);
	close(fd);
	assert_int_equal(stamp_key_load(path, &key, &err), -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	assert_string_equal(err.field, "key-file");
	lr_err_clear(&err);
	unlink(path);
	assert_int_equal(stamp_key_load(path, &key, &err), -ENOENT);
	assert_int_equal(err.code, -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_error_estimate),
		cmocka_unit_test(test_sender_unauth),
		cmocka_unit_test(test_reflector_unauth),
		cmocka_unit_test(test_sender_auth),
		cmocka_unit_test(test_reflector_auth),
		cmocka_unit_test(test_tlvs),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_key_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
