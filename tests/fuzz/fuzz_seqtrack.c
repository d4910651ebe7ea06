// SPDX-License-Identifier: MIT
/*
 * seqtrack_update() on sequences of numbers taken from the input, against
 * an exact reference model (every number ever received, no window), and
 * the same numbers recorded into histograms.
 *
 * Input: a list of operations, one byte each, some followed by operands:
 *   00aaaaaa           highest + 1 + a   (a = 0: in order; else a gap)
 *   01aaaaaa           highest - a       (reordered or duplicate)
 *   10xxxxxd  u16 n    highest + n (d = 1) or highest - n (d = 0), so the
 *                      window edge (SEQTRACK_WINDOW) is in reach
 *   11xxxxxx  u64 s    s itself
 * All arithmetic wraps modulo 2^64, as the sender's counter would.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/hist.h"
#include "lib/seqtrack.h"

#define MAX_UPDATES 8192
#define SET_BITS 14
#define SET_SLOTS (1u << SET_BITS) /* > 2 * MAX_UPDATES */

/* The reference: a hash set of every sequence number received. */
static uint64_t set_keys[SET_SLOTS];
static uint8_t set_used[SET_SLOTS];
static uint32_t set_list[MAX_UPDATES];
static size_t set_count;

static size_t set_slot(uint64_t key)
{
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> (64 - SET_BITS));

	while (set_used[i] && set_keys[i] != key)
		i = (i + 1) & (SET_SLOTS - 1);
	return i;
}

static bool set_has(uint64_t key)
{
	return set_used[set_slot(key)];
}

static void set_add(uint64_t key)
{
	size_t i = set_slot(key);

	if (set_used[i])
		return;
	set_used[i] = 1;
	set_keys[i] = key;
	set_list[set_count++] = (uint32_t)i;
}

static void set_clear(void)
{
	while (set_count)
		set_used[set_list[--set_count]] = 0;
}

struct model {
	bool started;
	uint64_t highest, received, duplicates, reordered, late;
	uint64_t max_reorder_distance;
};

static enum seq_event model_update(struct model *m, uint64_t seq)
{
	uint64_t distance;

	m->received++;
	if (!m->started || seq > m->highest) {
		enum seq_event ev = m->started && seq - m->highest != 1 ?
					    SEQ_GAP :
					    SEQ_IN_ORDER;

		m->started = true;
		m->highest = seq;
		set_add(seq);
		return ev;
	}
	distance = m->highest - seq;
	if (distance >= SEQTRACK_WINDOW) {
		m->late++;
		return SEQ_LATE;
	}
	if (set_has(seq)) {
		m->duplicates++;
		return SEQ_DUPLICATE;
	}
	set_add(seq);
	m->reordered++;
	if (distance > m->max_reorder_distance)
		m->max_reorder_distance = distance;
	return SEQ_REORDERED;
}

static void check_track(const struct seqtrack *st, const struct model *m)
{
	uint64_t expected = seqtrack_expected(st);
	uint64_t lost = seqtrack_lost(st);

	FUZZ_CHECK(st->received == m->received);
	FUZZ_CHECK(st->duplicates == m->duplicates);
	FUZZ_CHECK(st->reordered == m->reordered);
	FUZZ_CHECK(st->late == m->late);
	FUZZ_CHECK(st->highest == m->highest);
	FUZZ_CHECK(st->max_reorder_distance == m->max_reorder_distance);
	FUZZ_CHECK(st->max_reorder_distance < SEQTRACK_WINDOW);
	FUZZ_CHECK(st->duplicates <= st->received);
	FUZZ_CHECK(st->duplicates + st->reordered + st->late <= st->received);
	FUZZ_CHECK(expected == (m->highest == UINT64_MAX ? UINT64_MAX :
							   m->highest + 1));
	FUZZ_CHECK(lost <= expected);
	FUZZ_CHECK(lost == (expected > st->received - st->duplicates ?
				    expected - (st->received - st->duplicates) :
				    0));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool hist_same(const struct hist *a, const struct hist *b)
{
	return a->count == b->count && a->sum == b->sum && a->min == b->min &&
	       a->max == b->max &&
	       !memcmp(a->buckets, b->buckets, sizeof(a->buckets));
}

static struct hist h, h_even, h_odd, h_snap;
static struct shist sh, sh_snap;
static uint64_t values[MAX_UPDATES], sorted[MAX_UPDATES];
static int64_t deltas[MAX_UPDATES];

/* Percentiles of the n values recorded in h: inside [min, max], rising
 * with p, and inside the buckets of the values ranked around p. */
static void check_hist(size_t n, const double *ps, size_t nps)
{
	uint64_t sum = 0, prev = 0;
	size_t i;

	memcpy(sorted, values, n * sizeof(sorted[0]));
	qsort(sorted, n, sizeof(sorted[0]), cmp_u64);
	for (i = 0; i < n; i++)
		if (__builtin_add_overflow(sum, values[i], &sum))
			sum = UINT64_MAX;
	FUZZ_CHECK(h.count == n);
	FUZZ_CHECK(h.sum == sum);
	if (!n) {
		FUZZ_CHECK(hist_percentile(&h, 50) == 0);
		return;
	}
	FUZZ_CHECK(h.min == sorted[0] && h.max == sorted[n - 1]);
	FUZZ_CHECK(hist_percentile(&h, 0) == h.min);
	FUZZ_CHECK(hist_percentile(&h, -1) == h.min);
	FUZZ_CHECK(hist_percentile(&h, NAN) == h.min);
	FUZZ_CHECK(hist_percentile(&h, 100) == h.max);
	FUZZ_CHECK(hist_percentile(&h, INFINITY) == h.max);
	if (sum != UINT64_MAX) {
		double mean = hist_mean(&h);

		FUZZ_CHECK(mean >= (double)h.min * (1 - 1e-12) &&
			   mean <= (double)h.max * (1 + 1e-12));
	}

	for (i = 0; i < nps; i++) {
		double p = ps[i], exact;
		uint64_t v = hist_percentile(&h, p), lo, hi;
		size_t rlo, rhi;

		FUZZ_CHECK(v >= h.min && v <= h.max);
		FUZZ_CHECK(v >= prev); /* ps[] is ascending */
		prev = v;
		if (!(p > 0 && p < 100))
			continue;
		/* The rank is ceil(p% of n), or p% of n itself when that is
		 * an integer up to rounding error: floor or floor + 1. */
		exact = p / 100.0 * (double)n;
		rlo = (size_t)exact;
		rhi = rlo + 1;
		if (rlo < 1)
			rlo = 1;
		if (rhi > n)
			rhi = n;
		lo = hist_bucket_low(hist_bucket_index(sorted[rlo - 1]));
		hi = hist_bucket_high(hist_bucket_index(sorted[rhi - 1]));
		if (hi < sorted[rhi - 1])
			hi = sorted[rhi - 1]; /* above HIST_MAX_VALUE */
		if (v < lo || v > hi)
			fprintf(stderr,
				"detail: p%g of %zu: %llu not in [%llu, %llu]\n",
				p, n, (unsigned long long)v,
				(unsigned long long)lo, (unsigned long long)hi);
		FUZZ_CHECK(v >= lo && v <= hi);
	}

	/* Recorded in two halves and merged: the same histogram. */
	hist_merge(&h_even, &h_odd);
	FUZZ_CHECK(hist_same(&h_even, &h));
	/* Nobody is writing: the snapshot is an exact copy. */
	hist_snapshot(&h_snap, &h);
	if (!hist_same(&h_snap, &h))
		fprintf(stderr,
			"detail: snapshot min %llu max %llu, hist min %llu max %llu\n",
			(unsigned long long)h_snap.min,
			(unsigned long long)h_snap.max,
			(unsigned long long)h.min, (unsigned long long)h.max);
	FUZZ_CHECK(hist_same(&h_snap, &h));
}

static void check_shist(size_t n, const double *ps, size_t nps)
{
	int64_t min = INT64_MAX, max = INT64_MIN, prev = INT64_MIN;
	size_t i;

	FUZZ_CHECK(shist_count(&sh) == n);
	if (!n) {
		FUZZ_CHECK(shist_min(&sh) == 0 && shist_max(&sh) == 0);
		return;
	}
	for (i = 0; i < n; i++) {
		if (deltas[i] < min)
			min = deltas[i];
		if (deltas[i] > max)
			max = deltas[i];
	}
	FUZZ_CHECK(shist_min(&sh) == min && shist_max(&sh) == max);
	FUZZ_CHECK(shist_percentile(&sh, 0) == min);
	FUZZ_CHECK(shist_percentile(&sh, 100) == max);
	for (i = 0; i < nps; i++) {
		int64_t v = shist_percentile(&sh, ps[i]);

		FUZZ_CHECK(v >= min && v <= max);
		FUZZ_CHECK(v >= prev);
		prev = v;
	}
	shist_snapshot(&sh_snap, &sh);
	FUZZ_CHECK(hist_same(&sh_snap.neg, &sh.neg) &&
		   hist_same(&sh_snap.pos, &sh.pos));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seqtrack st;
	struct fuzz_reader r = { data, size };
	struct model m = { 0 };
	/* Each percentile walks ~2000 buckets, a compare each that libFuzzer
	 * traces: a few fixed ones and three from the input. */
	double ps[10] = { -1, 0, 1, 50, 99, 99.9, 100 };
	size_t n = 0, nps = 7, i;

	/* The last 6 bytes, when there are enough, pick three more
	 * percentiles in [0, 100]. */
	if (size >= 16) {
		struct fuzz_reader tail = { data + size - 6, 6 };

		for (i = 0; i < 3; i++)
			ps[nps++] = fuzz_u16(&tail) / 655.35;
		r.len -= 6;
	}
	qsort(ps, nps, sizeof(ps[0]), cmp_double);

	seqtrack_init(&st);
	set_clear();
	hist_init(&h);
	hist_init(&h_even);
	hist_init(&h_odd);
	shist_init(&sh);
	FUZZ_CHECK(seqtrack_expected(&st) == 0 && seqtrack_lost(&st) == 0);

	while (fuzz_left(&r) && n < MAX_UPDATES) {
		uint8_t op = fuzz_u8(&r);
		uint64_t seq, arg = op & 0x3f, idx;
		enum seq_event got, want;

		switch (op >> 6) {
		case 0:
			seq = m.highest + 1 + arg;
			break;
		case 1:
			seq = m.highest - arg;
			break;
		case 2:
			arg = fuzz_u16(&r);
			seq = op & 1 ? m.highest + arg : m.highest - arg;
			break;
		default:
			seq = fuzz_u64(&r);
			break;
		}
		want = model_update(&m, seq);
		got = seqtrack_update(&st, seq);
		if (got != want)
			fprintf(stderr,
				"detail: update %zu: seq %llu: event %d, want %d\n",
				n, (unsigned long long)seq, got, want);
		FUZZ_CHECK(got == want);
		check_track(&st, &m);

		idx = hist_bucket_index(seq);
		FUZZ_CHECK(idx < HIST_BUCKETS);
		FUZZ_CHECK(hist_bucket_low(idx) <= seq);
		FUZZ_CHECK(seq > HIST_MAX_VALUE ? idx == HIST_BUCKETS - 1 :
						  seq <= hist_bucket_high(idx));
		values[n] = seq;
		hist_record(&h, seq);
		hist_record(n % 2 ? &h_odd : &h_even, seq);
		/* Signed: distance from the first number, either way. */
		deltas[n] = (int64_t)(seq - values[0]);
		shist_record(&sh, deltas[n]);
		n++;
	}
	check_hist(n, ps, nps);
	check_shist(n, ps, nps);
	return 0;
}
