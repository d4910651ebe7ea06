// SPDX-License-Identifier: MIT
#include <endian.h>
#include <string.h>

#include "lib/probe.h"

#define PROBE_OFF_MAGIC 0
#define PROBE_OFF_VERSION 1
#define PROBE_OFF_FLOW_ID 2
#define PROBE_OFF_SEQ 4
#define PROBE_OFF_TX_NS 12
#define PROBE_TS_LEN 6

/*
 * probe_fill_byte(off) depends only on off mod 256, so one period starting
 * at any phase is a slice of this two-period table, and filling or checking
 * a payload is a memcpy/memcmp per 256 bytes.
 */
#define FILL_PERIOD 256
#define F1(i) ((uint8_t)((i) * 151u + 0x5a))
#define F4(i) F1(i), F1((i) + 1), F1((i) + 2), F1((i) + 3)
#define F16(i) F4(i), F4((i) + 4), F4((i) + 8), F4((i) + 12)
#define F64(i) F16(i), F16((i) + 16), F16((i) + 32), F16((i) + 48)
#define F256(i) F64(i), F64((i) + 64), F64((i) + 128), F64((i) + 192)

static const uint8_t fill_table[2 * FILL_PERIOD] = { F256(0), F256(256) };

static inline uint64_t get_be48(const uint8_t *p)
{
	return ((uint64_t)p[0] << 40) | ((uint64_t)p[1] << 32) |
	       ((uint64_t)p[2] << 24) | ((uint64_t)p[3] << 16) |
	       ((uint64_t)p[4] << 8) | (uint64_t)p[5];
}

void probe_write(uint8_t *payload, const struct probe *probe)
{
	uint16_t flow_id = htobe16(probe->flow_id);

	payload[PROBE_OFF_MAGIC] = PROBE_MAGIC;
	payload[PROBE_OFF_VERSION] = PROBE_VERSION;
	memcpy(payload + PROBE_OFF_FLOW_ID, &flow_id, sizeof(flow_id));
	probe_stamp(payload, probe->seq, probe->tx_ns);
}

void probe_stamp(uint8_t *payload, uint64_t seq, uint64_t tx_ns)
{
	uint64_t be_seq = htobe64(seq);
	/* Shifted up, the low 48 bits become the first 6 big-endian bytes. */
	uint64_t be_ts = htobe64(tx_ns << (64 - PROBE_TS_BITS));

	memcpy(payload + PROBE_OFF_SEQ, &be_seq, sizeof(be_seq));
	memcpy(payload + PROBE_OFF_TX_NS, &be_ts, PROBE_TS_LEN);
}

void probe_fill(uint8_t *payload, size_t len)
{
	size_t off = PROBE_HDR_LEN;

	while (off < len) {
		size_t n = len - off < FILL_PERIOD ? len - off : FILL_PERIOD;

		memcpy(payload + off, fill_table + off % FILL_PERIOD, n);
		off += n;
	}
}

static bool fill_ok(const uint8_t *payload, size_t len)
{
	size_t off = PROBE_HDR_LEN;

	while (off < len) {
		size_t n = len - off < FILL_PERIOD ? len - off : FILL_PERIOD;

		if (memcmp(payload + off, fill_table + off % FILL_PERIOD, n))
			return false;
		off += n;
	}
	return true;
}

/*
 * Magic and version are looked at before the length, so that a short
 * datagram from someone else counts as foreign rather than as a damaged
 * probe of ours.
 */
enum probe_status probe_read(const uint8_t *payload, size_t len,
			     struct probe *out, bool verify_fill)
{
	uint16_t flow_id;
	uint64_t seq;

	if (len > PROBE_OFF_MAGIC && payload[PROBE_OFF_MAGIC] != PROBE_MAGIC)
		return PROBE_FOREIGN;
	if (len > PROBE_OFF_VERSION &&
	    payload[PROBE_OFF_VERSION] != PROBE_VERSION)
		return PROBE_FOREIGN;
	if (len < PROBE_HDR_LEN)
		return PROBE_TRUNCATED;
	memcpy(&flow_id, payload + PROBE_OFF_FLOW_ID, sizeof(flow_id));
	memcpy(&seq, payload + PROBE_OFF_SEQ, sizeof(seq));
	if (out) {
		out->flow_id = be16toh(flow_id);
		out->seq = be64toh(seq);
		out->tx_ns = get_be48(payload + PROBE_OFF_TX_NS);
	}
	if (verify_fill && !fill_ok(payload, len))
		return PROBE_CORRUPT;
	return PROBE_OK;
}

uint64_t probe_expand_ts(uint64_t ts48, uint64_t ref_ns)
{
	const uint64_t half = 1ULL << (PROBE_TS_BITS - 1);
	/* How far ts48 lies ahead of ref_ns on the 2^48 circle. */
	uint64_t ahead = (ts48 - ref_ns) & PROBE_TS_MASK;
	uint64_t behind = (PROBE_TS_MASK + 1) - ahead;

	if (!ahead)
		return ref_ns;
	/* On a tie the past wins: a sender's stamp precedes our now. Either
	 * way, never step below 0 or above UINT64_MAX. */
	if ((ahead < half && ref_ns <= UINT64_MAX - ahead) || ref_ns < behind)
		return ref_ns + ahead;
	return ref_ns - behind;
}

static const char *const probe_status_names[] = {
	[PROBE_OK] = "ok",
	[PROBE_FOREIGN] = "foreign",
	[PROBE_TRUNCATED] = "truncated",
	[PROBE_CORRUPT] = "corrupt",
};

_Static_assert(sizeof(probe_status_names) / sizeof(probe_status_names[0]) ==
		       PROBE_CORRUPT + 1,
	       "a name for every probe status");

const char *probe_status_name(enum probe_status status)
{
	if ((unsigned int)status > PROBE_CORRUPT)
		return "unknown";
	return probe_status_names[status];
}
