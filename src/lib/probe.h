/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_PROBE_H
#define LINERATE_PROBE_H

/*
 * The probe header, the first bytes of every test packet's UDP payload.
 * It must fit the 18 bytes of UDP payload a 64-byte IPv4 frame leaves, so
 * it is exactly 18 bytes, all fields big-endian:
 *
 *   0  magic     u8   0x4c ('L')
 *   1  version   u8   PROBE_VERSION
 *   2  flow_id   u16
 *   4  seq       u64  per-flow sequence number, starting at 0
 *  12  tx_ns     u48  transmit timestamp, low 48 bits of the sender's clock
 *                     in ns (wraps every ~78 hours; the receiver expands it
 *                     against its own clock, see probe_expand_ts())
 *
 * Bytes after the header carry a fill pattern that depends only on the
 * byte's offset in the payload, so a sender prebuilds it once and the
 * receiver checks it with one compare.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_MAGIC 0x4c
#define PROBE_VERSION 1
#define PROBE_HDR_LEN 18
#define PROBE_TS_BITS 48
#define PROBE_TS_MASK ((1ULL << PROBE_TS_BITS) - 1)

struct probe {
	uint16_t flow_id;
	uint64_t seq;
	uint64_t tx_ns; /* as sent: only the low 48 bits are carried */
};

enum probe_status {
	PROBE_OK = 0,
	PROBE_FOREIGN, /* wrong magic or version: not ours */
	PROBE_TRUNCATED, /* shorter than the header */
	PROBE_CORRUPT, /* ours, but the fill pattern does not match */
};

/* Write the header into payload[0..PROBE_HDR_LEN). */
void probe_write(uint8_t *payload, const struct probe *probe);

/* Rewrite only seq and tx_ns of an already written header (hot path). */
void probe_stamp(uint8_t *payload, uint64_t seq, uint64_t tx_ns);

/* Fill payload[PROBE_HDR_LEN..len) with the pattern. */
void probe_fill(uint8_t *payload, size_t len);

/* The pattern byte at offset off (off >= PROBE_HDR_LEN). */
static inline uint8_t probe_fill_byte(size_t off)
{
	return (uint8_t)(off * 151u + 0x5a);
}

/* Parse and, with verify_fill, check the pattern. out is written only on
 * PROBE_OK and PROBE_CORRUPT. */
enum probe_status probe_read(const uint8_t *payload, size_t len,
			     struct probe *out, bool verify_fill);

/*
 * Full timestamp from the 48 bits carried: the value congruent to ts48
 * modulo 2^48 nearest to ref_ns (the receiver's now, in the same clock).
 */
uint64_t probe_expand_ts(uint64_t ts48, uint64_t ref_ns);

const char *probe_status_name(enum probe_status status);

#endif
