// SPDX-License-Identifier: MIT
/*
 * STAMP test packets (RFC 8762, RFC 8972): build, parse, reflect. The
 * layouts are drawn in wire.h. The HMAC is GnuTLS's HMAC-SHA-256.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "stamp/wire.h"

#define NTP_UNIX_OFFSET 2208988800ULL /* seconds from 1900 to 1970 */
#define NS_PER_S 1000000000ULL

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

uint16_t stamp_ee_encode(uint64_t error_ns, bool synchronized,
			 enum stamp_ts_format format)
{
	/* The error in units of 2^-32 s, rounded up: an estimate must not
	 * claim more precision than there is. */
	unsigned __int128 units =
		((unsigned __int128)error_ns << 32) + NS_PER_S - 1;
	unsigned int scale = 0;
	uint64_t multiplier;

	units /= NS_PER_S;
	while (scale < 63 &&
	       (units + ((unsigned __int128)1 << scale) - 1) >> scale > 255)
		scale++;
	multiplier = (uint64_t)((units + ((unsigned __int128)1 << scale) - 1) >>
				scale);
	if (multiplier > 255)
		multiplier = 255;
	if (multiplier == 0) /* RFC 4656: the multiplier is never zero */
		multiplier = 1;
	return (uint16_t)((synchronized ? STAMP_EE_S : 0) |
			  (format == STAMP_TS_PTP ? STAMP_EE_Z : 0) |
			  scale << 8 | multiplier);
}

uint64_t stamp_ee_ns(uint16_t ee)
{
	unsigned int scale = (ee >> 8) & 0x3f;
	unsigned __int128 v = (unsigned __int128)(ee & 0xff) << scale;

	v = (v * NS_PER_S + 0xffffffffULL) >> 32;
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

uint64_t stamp_ts_encode(uint64_t real_ns, enum stamp_ts_format format)
{
	uint64_t sec = real_ns / NS_PER_S, ns = real_ns % NS_PER_S;

	if (format == STAMP_TS_PTP)
		return (sec & 0xffffffffULL) << 32 | ns;
	/* The fraction is truncated, so decode (which rounds up) gives the
	 * same ns back and the order of times is kept. */
	return ((sec + NTP_UNIX_OFFSET) & 0xffffffffULL) << 32 |
	       (ns << 32) / NS_PER_S;
}

uint64_t stamp_ts_decode(uint64_t wire, enum stamp_ts_format format)
{
	uint64_t sec = wire >> 32, low = wire & 0xffffffffULL;

	if (format == STAMP_TS_PTP) {
		if (low >= NS_PER_S)
			low = NS_PER_S - 1;
		return sec * NS_PER_S + low;
	}
	/* Era 0 ends in 2036; a seconds field before 1968 is era 1. */
	if (sec >= NTP_UNIX_OFFSET)
		sec -= NTP_UNIX_OFFSET;
	else
		sec += (1ULL << 32) - NTP_UNIX_OFFSET;
	return sec * NS_PER_S + ((low * NS_PER_S + 0xffffffffULL) >> 32);
}

int stamp_key_load(const char *path, struct stamp_key *key, struct lr_err *err)
{
	uint8_t buf[STAMP_KEY_MAX + 3];
	size_t len = 0;
	ssize_t n;
	int fd;

	memset(key, 0, sizeof(*key));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		return lr_err_set_verbatim(err, -e, "key-file",
					   "cannot open %s: %s", path,
					   strerror(e));
	}
	while (len < sizeof(buf) &&
	       (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len && buf[len - 1] == '\n') {
		len--;
		if (len && buf[len - 1] == '\r')
			len--;
	}
	if (len == 0 || len > STAMP_KEY_MAX) {
		return lr_err_set_verbatim(
			err, -EINVAL, "key-file",
			"%s: the key must be 1..%d bytes (one trailing "
			"newline is ignored)",
			path, STAMP_KEY_MAX);
	}
	memcpy(key->bytes, buf, len);
	key->len = len;
	return 0;
}

int stamp_hmac(const struct stamp_key *key, const uint8_t *data, size_t len,
	       uint8_t out[STAMP_HMAC_LEN])
{
	uint8_t digest[32];

	if (!key || !key->len)
		return -EINVAL;
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key->bytes, key->len, data,
			     len, digest) < 0)
		return -EIO;
	memcpy(out, digest, STAMP_HMAC_LEN);
	return 0;
}

/* Compare without an early exit, so timing tells nothing of the HMAC. */
static bool hmac_matches(const struct stamp_key *key, const uint8_t *pkt)
{
	uint8_t mac[STAMP_HMAC_LEN], diff = 0;

	if (stamp_hmac(key, pkt, STAMP_HMAC_OFFSET, mac))
		return false;
	for (int i = 0; i < STAMP_HMAC_LEN; i++)
		diff |= mac[i] ^ pkt[STAMP_HMAC_OFFSET + i];
	return diff == 0;
}

#define STAMP_DROP_NAME(id, name) [id] = name,
static const char *const stamp_drop_names[STAMP_DROP_COUNT_] = {
	STAMP_DROPS(STAMP_DROP_NAME)
};
#undef STAMP_DROP_NAME

const char *stamp_drop_name(enum stamp_drop reason)
{
	if ((unsigned int)reason >= STAMP_DROP_COUNT_ ||
	    !stamp_drop_names[reason])
		return "unknown";
	return stamp_drop_names[reason];
}

size_t stamp_base_len(enum stamp_mode mode)
{
	return mode == STAMP_MODE_AUTH ? STAMP_AUTH_LEN : STAMP_UNAUTH_LEN;
}

/* The leading fields both packets share, where the mode puts them. */
static void put_head(uint8_t *buf, enum stamp_mode mode,
		     const struct stamp_sender_packet *h)
{
	put32(buf, h->seq);
	if (mode == STAMP_MODE_AUTH) {
		put64(buf + 16, h->timestamp);
		put16(buf + 24, h->error_estimate);
		put16(buf + 26, h->ssid);
	} else {
		put64(buf + 4, h->timestamp);
		put16(buf + 12, h->error_estimate);
		put16(buf + 14, h->ssid);
	}
}

int stamp_sender_build(uint8_t *buf, size_t len, enum stamp_mode mode,
		       const struct stamp_sender_packet *p,
		       const struct stamp_key *key, bool tlv_padding)
{
	size_t base = stamp_base_len(mode);

	if (len < base || len > STAMP_MAX_PACKET)
		return -EINVAL;
	memset(buf, 0, len);
	put_head(buf, mode, p);
	if (tlv_padding && len - base >= STAMP_TLV_HLEN) {
		buf[base + 1] = STAMP_TLV_EXTRA_PADDING;
		put16(buf + base + 2, (uint16_t)(len - base - STAMP_TLV_HLEN));
	}
	if (mode == STAMP_MODE_AUTH)
		return stamp_hmac(key, buf, STAMP_HMAC_OFFSET,
				  buf + STAMP_HMAC_OFFSET);
	return 0;
}

/* The checks and the leading fields (seq, timestamp, error estimate,
 * ssid) that the Session-Sender's and the Session-Reflector's packets
 * share. Octets 4..15 are MBZ in the authenticated layout and hold the
 * timestamp and error estimate (whose multiplier is never 0) in the
 * unauthenticated one: that tells the modes apart. */
static enum stamp_drop parse_head(const uint8_t *buf, size_t len,
				  enum stamp_mode mode,
				  const struct stamp_key *key,
				  struct stamp_sender_packet *out)
{
	if (len > STAMP_MAX_PACKET)
		return STAMP_DROP_OVERSIZE;
	if (len < STAMP_UNAUTH_LEN)
		return STAMP_DROP_SHORT;
	if (mode == STAMP_MODE_AUTH) {
		if (!all_zero(buf + 4, 12))
			return STAMP_DROP_MODE;
		if (len < STAMP_AUTH_LEN)
			return STAMP_DROP_SHORT;
		if (!hmac_matches(key, buf))
			return STAMP_DROP_HMAC;
		out->seq = get32(buf);
		out->timestamp = get64(buf + 16);
		out->error_estimate = get16(buf + 24);
		out->ssid = get16(buf + 26);
		return STAMP_OK;
	}
	out->seq = get32(buf);
	out->timestamp = get64(buf + 4);
	out->error_estimate = get16(buf + 12);
	out->ssid = get16(buf + 14);
	return STAMP_OK;
}

enum stamp_drop stamp_sender_parse(const uint8_t *buf, size_t len,
				   enum stamp_mode mode,
				   const struct stamp_key *key,
				   struct stamp_sender_packet *out)
{
	enum stamp_drop drop = parse_head(buf, len, mode, key, out);

	if (drop)
		return drop;
	if (mode != STAMP_MODE_AUTH && len >= STAMP_AUTH_LEN &&
	    all_zero(buf + 4, 12))
		return STAMP_DROP_MODE;
	return STAMP_OK;
}

/* Walk the TLVs of a trailer. With flag set, mark the ones this reflector
 * does not implement (U) and a truncated one (M). Returns how many are
 * (or were already) flagged U or M. An all-zero trailer is padding. */
static int walk_tlvs(uint8_t *t, size_t n, bool flag)
{
	size_t off = 0;
	int flagged = 0;

	if (all_zero(t, n))
		return 0;
	while (off < n) {
		size_t vlen;

		if (n - off < STAMP_TLV_HLEN) {
			if (flag)
				t[off] |= STAMP_TLV_M;
			return flagged + 1;
		}
		vlen = get16(t + off + 2);
		if (vlen > n - off - STAMP_TLV_HLEN) {
			if (flag)
				t[off] |= STAMP_TLV_M;
			return flagged + 1;
		}
		if (flag && t[off + 1] != STAMP_TLV_EXTRA_PADDING)
			t[off] |= STAMP_TLV_U;
		if (t[off] & (STAMP_TLV_U | STAMP_TLV_M))
			flagged++;
		off += STAMP_TLV_HLEN + vlen;
	}
	return flagged;
}

int stamp_reflector_build(uint8_t *out, const uint8_t *in, size_t len,
			  enum stamp_mode mode,
			  const struct stamp_reflector_packet *r,
			  const struct stamp_key *key)
{
	size_t base = stamp_base_len(mode);
	const struct stamp_sender_packet head = {
		.seq = r->seq,
		.timestamp = r->timestamp,
		.error_estimate = r->error_estimate,
		.ssid = r->ssid,
	};
	int flagged, rc;

	if (len < base || len > STAMP_MAX_PACKET)
		return -EINVAL;
	memset(out, 0, base);
	put_head(out, mode, &head);
	if (mode == STAMP_MODE_AUTH) {
		put64(out + 32, r->rx_timestamp);
		put32(out + 48, r->sender_seq);
		put64(out + 64, r->sender_timestamp);
		put16(out + 72, r->sender_error_estimate);
		out[80] = r->sender_ttl;
	} else {
		put64(out + 16, r->rx_timestamp);
		put32(out + 24, r->sender_seq);
		put64(out + 28, r->sender_timestamp);
		put16(out + 36, r->sender_error_estimate);
		out[40] = r->sender_ttl;
	}
	memcpy(out + base, in + base, len - base);
	flagged = walk_tlvs(out + base, len - base, true);
	if (mode == STAMP_MODE_AUTH) {
		rc = stamp_hmac(key, out, STAMP_HMAC_OFFSET,
				out + STAMP_HMAC_OFFSET);
		if (rc)
			return rc;
	}
	return flagged;
}

enum stamp_drop stamp_reflector_parse(const uint8_t *buf, size_t len,
				      enum stamp_mode mode,
				      const struct stamp_key *key,
				      struct stamp_reflector_packet *out,
				      uint32_t *tlv_flagged)
{
	size_t base = stamp_base_len(mode);
	uint8_t trailer[STAMP_MAX_PACKET];
	struct stamp_sender_packet head;
	enum stamp_drop drop;

	drop = parse_head(buf, len, mode, key, &head);
	if (drop)
		return drop;
	out->seq = head.seq;
	out->timestamp = head.timestamp;
	out->error_estimate = head.error_estimate;
	out->ssid = head.ssid;
	if (mode == STAMP_MODE_AUTH) {
		out->rx_timestamp = get64(buf + 32);
		out->sender_seq = get32(buf + 48);
		out->sender_timestamp = get64(buf + 64);
		out->sender_error_estimate = get16(buf + 72);
		out->sender_ttl = buf[80];
	} else {
		out->rx_timestamp = get64(buf + 16);
		out->sender_seq = get32(buf + 24);
		out->sender_timestamp = get64(buf + 28);
		out->sender_error_estimate = get16(buf + 36);
		out->sender_ttl = buf[40];
	}
	if (tlv_flagged) {
		memcpy(trailer, buf + base, len - base);
		*tlv_flagged = (uint32_t)walk_tlvs(trailer, len - base, false);
	}
	return STAMP_OK;
}
