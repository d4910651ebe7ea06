// SPDX-License-Identifier: MIT
/*
 * probe_read() on arbitrary UDP payloads, with and without the fill check,
 * against a byte-by-byte reading of the header layout in probe.h; then
 * probe_write()/probe_stamp()/probe_fill() round trips, and
 * probe_expand_ts() with timestamps and reference clocks from the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/probe.h"

#define HALF_TS (1ULL << (PROBE_TS_BITS - 1))
#define FULL_TS (1ULL << PROBE_TS_BITS)

static uint64_t get_be(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* What probe_read() should say, from the layout alone. */
static enum probe_status expected_status(const uint8_t *p, size_t len,
					 bool verify_fill)
{
	size_t off;

	if ((len > 0 && p[0] != PROBE_MAGIC) ||
	    (len > 1 && p[1] != PROBE_VERSION))
		return PROBE_FOREIGN;
	if (len < PROBE_HDR_LEN)
		return PROBE_TRUNCATED;
	if (verify_fill)
		for (off = PROBE_HDR_LEN; off < len; off++)
			if (p[off] != probe_fill_byte(off))
				return PROBE_CORRUPT;
	return PROBE_OK;
}

static void check_read(const uint8_t *p, size_t len, bool verify_fill)
{
	enum probe_status status, expect = expected_status(p, len, verify_fill);
	struct probe out, untouched;
	const char *name;

	memset(&out, 0xa5, sizeof(out));
	untouched = out;
	status = probe_read(p, len, &out, verify_fill);
	FUZZ_CHECK(status == expect);
	name = probe_status_name(status);
	FUZZ_CHECK(name && strcmp(name, "unknown"));
	FUZZ_CHECK(probe_read(p, len, NULL, verify_fill) == status);
	if (status != PROBE_OK && status != PROBE_CORRUPT) {
		/* out is written only on PROBE_OK and PROBE_CORRUPT */
		FUZZ_CHECK(!memcmp(&out, &untouched, sizeof(out)));
		return;
	}
	FUZZ_CHECK(out.flow_id == get_be(p + 2, 2));
	FUZZ_CHECK(out.seq == get_be(p + 4, 8));
	FUZZ_CHECK(out.tx_ns == get_be(p + 12, 6));
	FUZZ_CHECK(out.tx_ns <= PROBE_TS_MASK);
}

/* Writing back what was read gives the same header; with the pattern
 * filled in, a payload the fill check accepted comes out byte for byte. */
static void check_write(const uint8_t *p, size_t len, uint64_t seq,
			uint64_t tx_ns)
{
	struct probe in, back;
	uint8_t *buf;

	if (probe_read(p, len, &in, false) != PROBE_OK)
		return;
	buf = malloc(len);
	FUZZ_CHECK(buf);
	memset(buf, 0, len);
	probe_write(buf, &in);
	FUZZ_CHECK(!memcmp(buf, p, PROBE_HDR_LEN));
	probe_fill(buf, len);
	FUZZ_CHECK(probe_read(buf, len, &back, true) == PROBE_OK);
	FUZZ_CHECK(back.flow_id == in.flow_id && back.seq == in.seq &&
		   back.tx_ns == in.tx_ns);
	if (probe_read(p, len, NULL, true) == PROBE_OK)
		FUZZ_CHECK(!memcmp(buf, p, len));

	/* The hot path rewrites seq and tx_ns only; tx_ns keeps 48 bits. */
	probe_stamp(buf, seq, tx_ns);
	FUZZ_CHECK(probe_read(buf, len, &back, true) == PROBE_OK);
	FUZZ_CHECK(back.flow_id == in.flow_id);
	FUZZ_CHECK(back.seq == seq);
	FUZZ_CHECK(back.tx_ns == (tx_ns & PROBE_TS_MASK));
	free(buf);
}

static void check_expand(uint64_t ts48, uint64_t ref)
{
	uint64_t r = probe_expand_ts(ts48, ref);
	uint64_t dist = r >= ref ? r - ref : ref - r;

	/* Congruent to the carried bits, never as far as a full turn. */
	FUZZ_CHECK((r & PROBE_TS_MASK) == (ts48 & PROBE_TS_MASK));
	FUZZ_CHECK(dist < FULL_TS);
	/* The nearest one, unless that would step past 0 or UINT64_MAX. */
	if (ref >= FULL_TS && ref <= UINT64_MAX - FULL_TS) {
		FUZZ_CHECK(dist <= HALF_TS);
		/* On a tie the past wins. */
		if (dist == HALF_TS)
			FUZZ_CHECK(r < ref);
	}
}

/* A stamp taken at t and expanded at any now within half a turn of t
 * gives t back exactly. */
static void check_expand_exact(uint64_t t, uint64_t delta_bits)
{
	int64_t delta = (int64_t)(delta_bits % (2 * HALF_TS - 1)) -
			(int64_t)(HALF_TS - 1); /* |delta| < 2^47 */
	uint64_t now;

	if (delta >= 0) {
		if (t > UINT64_MAX - (uint64_t)delta)
			return;
		now = t + (uint64_t)delta;
	} else {
		if (t < (uint64_t)-delta)
			return;
		now = t - (uint64_t)-delta;
	}
	FUZZ_CHECK(probe_expand_ts(t & PROBE_TS_MASK, now) == t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader r = { data, size };
	uint64_t a, b, c;

	check_read(data, size, false);
	check_read(data, size, true);

	/* Values for the timestamp checks from the same bytes. */
	a = fuzz_u64(&r);
	b = fuzz_u64(&r);
	c = fuzz_u64(&r);
	check_write(data, size, a, b);
	check_expand(a, b);
	check_expand(a & PROBE_TS_MASK, b);
	check_expand(b, a);
	check_expand(a, a ^ c);
	check_expand(a, c & (2 * FULL_TS - 1)); /* refs near 0 */
	check_expand(a, UINT64_MAX - (c & (2 * FULL_TS - 1))); /* near max */
	check_expand_exact(a, b);
	check_expand_exact(c, a);
	check_expand_exact(b & (FULL_TS - 1), c); /* t near 0 */
	check_expand_exact(UINT64_MAX - (b & (FULL_TS - 1)), c);
	return 0;
}
