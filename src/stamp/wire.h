/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_STAMP_WIRE_H
#define LINERATE_STAMP_WIRE_H

/*
 * STAMP test packets (RFC 8762, with the RFC 8972 SSID and TLVs): the
 * Session-Sender's and the Session-Reflector's, unauthenticated (44
 * octets) and authenticated (112 octets, HMAC-SHA-256 truncated to 128
 * bits over the 96 octets before it). All fields are big-endian.
 *
 * Unauthenticated Session-Sender (RFC 8762 fig. 1, RFC 8972 fig. 1):
 *   0 seq(4) 4 timestamp(8) 12 error estimate(2) 14 SSID(2) 16 MBZ(28)
 * Unauthenticated Session-Reflector (RFC 8762 fig. 4):
 *   0 seq(4) 4 timestamp(8) 12 error estimate(2) 14 SSID(2)
 *   16 receive timestamp(8) 24 sender seq(4) 28 sender timestamp(8)
 *   36 sender error estimate(2) 38 MBZ(2) 40 sender TTL(1) 41 MBZ(3)
 * Authenticated Session-Sender (RFC 8762 fig. 3):
 *   0 seq(4) 4 MBZ(12) 16 timestamp(8) 24 error estimate(2) 26 SSID(2)
 *   28 MBZ(68) 96 HMAC(16)
 * Authenticated Session-Reflector (RFC 8762 fig. 5):
 *   0 seq(4) 4 MBZ(12) 16 timestamp(8) 24 error estimate(2) 26 SSID(2)
 *   28 MBZ(4) 32 receive timestamp(8) 40 MBZ(8) 48 sender seq(4)
 *   52 MBZ(12) 64 sender timestamp(8) 72 sender error estimate(2)
 *   74 MBZ(6) 80 sender TTL(1) 81 MBZ(15) 96 HMAC(16)
 *
 * Anything after the base packet is RFC 8972 TLVs (flags(1) type(1)
 * length(2) value), or, when it is all zero, plain padding as RFC 8762
 * section 4.2.1 and TWAMP-Light senders use it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define STAMP_PORT 862
#define STAMP_UNAUTH_LEN 44
#define STAMP_AUTH_LEN 112
#define STAMP_HMAC_OFFSET 96 /* authenticated: HMAC covers [0, 96) */
#define STAMP_HMAC_LEN 16
#define STAMP_KEY_MAX 1024
/* Largest test packet anyone may send us (a jumbo frame's UDP payload). */
#define STAMP_MAX_PACKET 9000

/* RFC 8972 TLV header and flags. */
#define STAMP_TLV_HLEN 4
#define STAMP_TLV_U 0x80 /* unrecognized type */
#define STAMP_TLV_M 0x40 /* malformed */
#define STAMP_TLV_I 0x20 /* integrity check failed */
#define STAMP_TLV_EXTRA_PADDING 1

enum stamp_mode {
	STAMP_MODE_UNAUTH = 0,
	STAMP_MODE_AUTH,
};

/* The Z flag of the error estimate (RFC 8186 section 2.3). */
enum stamp_ts_format {
	STAMP_TS_NTP = 0, /* 32-bit seconds since 1900, 32-bit fraction */
	STAMP_TS_PTP = 1, /* 32 low bits of seconds since 1970, nanoseconds */
};

/* RFC 4656 section 4.1.2: S(1) Z(1) Scale(6) Multiplier(8); the error is
 * Multiplier * 2^(Scale - 32) seconds. */
#define STAMP_EE_S 0x8000
#define STAMP_EE_Z 0x4000

uint16_t stamp_ee_encode(uint64_t error_ns, bool synchronized,
			 enum stamp_ts_format format);
/* The error in ns (rounded up); UINT64_MAX when it does not fit. */
uint64_t stamp_ee_ns(uint16_t ee);
static inline bool stamp_ee_synchronized(uint16_t ee)
{
	return ee & STAMP_EE_S;
}
static inline enum stamp_ts_format stamp_ee_format(uint16_t ee)
{
	return ee & STAMP_EE_Z ? STAMP_TS_PTP : STAMP_TS_NTP;
}

/* A CLOCK_REALTIME time in ns to the 64-bit wire timestamp and back.
 * PTP times are taken as given (the caller adds the TAI offset). NTP
 * times before 1968 are read as being in era 1 (after 2036). */
uint64_t stamp_ts_encode(uint64_t real_ns, enum stamp_ts_format format);
uint64_t stamp_ts_decode(uint64_t wire, enum stamp_ts_format format);

struct stamp_key {
	uint8_t bytes[STAMP_KEY_MAX];
	size_t len; /* 0: no key */
};

/* The key is the file's bytes, one trailing newline (LF or CRLF)
 * removed; 1..STAMP_KEY_MAX bytes. 0 or -errno (-EINVAL: empty or too
 * long), with the reason in err. */
int stamp_key_load(const char *path, struct stamp_key *key, struct lr_err *err);

/* HMAC-SHA-256 of data truncated to 16 octets. 0 or -errno. */
int stamp_hmac(const struct stamp_key *key, const uint8_t *data, size_t len,
	       uint8_t out[STAMP_HMAC_LEN]);

struct stamp_sender_packet {
	uint32_t seq;
	uint64_t timestamp; /* wire format, as error_estimate's Z says */
	uint16_t error_estimate;
	uint16_t ssid;
};

struct stamp_reflector_packet {
	uint32_t seq;
	uint64_t timestamp;
	uint16_t error_estimate;
	uint16_t ssid;
	uint64_t rx_timestamp;
	uint32_t sender_seq;
	uint64_t sender_timestamp;
	uint16_t sender_error_estimate;
	uint8_t sender_ttl;
};

/*
 * Why a test packet was refused; never reflected. Each with the name
 * stamp_drop_name() gives it, so that one list declares and names them:
 * SHORT, shorter than the mode's base packet; OVERSIZE, longer than the
 * reflector takes; MODE, the other mode's layout; HMAC, authenticated,
 * and the HMAC does not match; RATE, over the per-source rate limit;
 * FILTERED, from a source this reflector does not serve.
 */
#define STAMP_DROPS(X)                                                         \
	X(STAMP_OK, "ok")                                                      \
	X(STAMP_DROP_SHORT, "short")                                           \
	X(STAMP_DROP_OVERSIZE, "oversize")                                     \
	X(STAMP_DROP_MODE, "wrong_mode")                                       \
	X(STAMP_DROP_HMAC, "bad_hmac")                                         \
	X(STAMP_DROP_RATE, "rate_limited")                                     \
	X(STAMP_DROP_FILTERED, "filtered")

#define STAMP_DROP_ENUM(id, name) id,
enum stamp_drop {
	STAMP_DROPS(STAMP_DROP_ENUM) /* STAMP_OK first: 0 */
	STAMP_DROP_COUNT_,
};
#undef STAMP_DROP_ENUM

const char *stamp_drop_name(enum stamp_drop reason);
size_t stamp_base_len(enum stamp_mode mode);

/*
 * Write a Session-Sender packet of len octets (>= the mode's base length,
 * <= STAMP_MAX_PACKET): the base packet, then an Extra Padding TLV over
 * the rest when tlv_padding (and at least 4 octets remain), else zeros.
 * Authenticated: the HMAC with key. 0 or -EINVAL.
 */
int stamp_sender_build(uint8_t *buf, size_t len, enum stamp_mode mode,
		       const struct stamp_sender_packet *p,
		       const struct stamp_key *key, bool tlv_padding);

/* Read a Session-Sender packet; STAMP_OK or why it is refused. */
enum stamp_drop stamp_sender_parse(const uint8_t *buf, size_t len,
				   enum stamp_mode mode,
				   const struct stamp_key *key,
				   struct stamp_sender_packet *out);

/*
 * Turn the Session-Sender packet in[0..len) (already parsed as p) into
 * the Session-Reflector packet out[0..len): same length (symmetric size,
 * RFC 8762 section 4.2.1), the reflector fields from r, the sender's
 * trailer copied with RFC 8972 TLV flags set: U on types this reflector
 * does not implement (all but Extra Padding), M on a TLV whose length
 * runs past the packet (the rest is copied as is). out may not alias in.
 * Returns the number of TLVs flagged U or M (for counters), or -EINVAL.
 */
int stamp_reflector_build(uint8_t *out, const uint8_t *in, size_t len,
			  enum stamp_mode mode,
			  const struct stamp_reflector_packet *r,
			  const struct stamp_key *key);

/* Read a Session-Reflector packet (the sender's side). tlv_flagged, if
 * not NULL, gets the number of TLVs the reflector flagged U or M. */
enum stamp_drop stamp_reflector_parse(const uint8_t *buf, size_t len,
				      enum stamp_mode mode,
				      const struct stamp_key *key,
				      struct stamp_reflector_packet *out,
				      uint32_t *tlv_flagged);

#endif
