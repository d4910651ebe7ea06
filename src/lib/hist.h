/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_HIST_H
#define LINERATE_HIST_H

/*
 * Latency histogram with log-linear buckets: values below HIST_SUB_BUCKETS
 * are exact; above, every power of two is split into HIST_SUB_BUCKETS/2
 * linear buckets, so a value reported as its bucket's midpoint is within
 * 1/HIST_SUB_BUCKETS (< 1%) of the truth, from 1 ns up to HIST_MAX_VALUE
 * (> 100 s). Larger values land in the last bucket (and in max exactly).
 *
 * One writer per histogram. The writer uses relaxed atomic stores so that
 * a reporter thread may read (hist_snapshot) while it records, without
 * locks; merge snapshots from several workers with hist_merge().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB_BUCKETS (1u << HIST_SUB_BITS) /* 128 */
#define HIST_MAX_BITS 38 /* 2^38 ns = 274 s */
#define HIST_MAX_VALUE ((1ULL << HIST_MAX_BITS) - 1)
#define HIST_BUCKETS                                                     \
	(HIST_SUB_BUCKETS + (HIST_MAX_BITS - HIST_SUB_BITS) * (HIST_SUB_BUCKETS / 2))

struct hist {
	uint64_t count;
	uint64_t sum; /* saturates at UINT64_MAX (584 years of ns) */
	uint64_t min; /* UINT64_MAX while empty */
	uint64_t max;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_reset(struct hist *h);
/* Writer side; values above HIST_MAX_VALUE go to the top bucket. */
void hist_record(struct hist *h, uint64_t value);
/* The same value n times, in one step (the frames of one send). */
void hist_record_n(struct hist *h, uint64_t value, uint64_t n);
/* Reader side: copy a histogram another thread is writing. */
void hist_snapshot(struct hist *dst, const struct hist *src);
/* dst += src. */
void hist_merge(struct hist *dst, const struct hist *src);

/* Value at percentile p in [0, 100]: the midpoint of the bucket holding the
 * ceil(p/100 * count)-th smallest value, clamped to [min, max]; p=0 gives
 * min and p=100 gives max. 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);

/*
 * Cumulative counts at the n ascending upper bounds le[] (inclusive), as a
 * Prometheus histogram wants them: out[k] = values <= le[k]. A bucket is
 * placed by its midpoint clamped to [min, max] (as hist_percentile()
 * reports it), so a value within 1/HIST_SUB_BUCKETS of a bound may land on
 * either side of it. Returns the total count (the "+Inf" bucket).
 */
uint64_t hist_cumulative(const struct hist *h, const uint64_t *le, size_t n,
			 uint64_t *out);

/* Bucket arithmetic, exposed for tests. */
size_t hist_bucket_index(uint64_t value);
uint64_t hist_bucket_low(size_t index);
uint64_t hist_bucket_high(size_t index); /* inclusive */

/*
 * A histogram of signed values (IPDV, delay relative to a reference) as
 * two histograms of magnitudes. Same precision relative to |value|.
 */
struct shist {
	struct hist neg; /* magnitudes of values < 0 */
	struct hist pos; /* values >= 0 */
};

void shist_init(struct shist *h);
void shist_record(struct shist *h, int64_t value);
void shist_snapshot(struct shist *dst, const struct shist *src);
void shist_merge(struct shist *dst, const struct shist *src);
uint64_t shist_count(const struct shist *h);
int64_t shist_percentile(const struct shist *h, double p);
int64_t shist_min(const struct shist *h); /* 0 when empty */
int64_t shist_max(const struct shist *h);

#endif
