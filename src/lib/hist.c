// SPDX-License-Identifier: MIT
#include <stdint.h>

#include "lib/hist.h"

/*
 * Bucket layout. A value v >= HIST_SUB_BUCKETS with most significant bit m
 * is shifted right by (m - HIST_SUB_BITS + 1), leaving a "sub" in
 * [HIST_SUB_BUCKETS / 2, HIST_SUB_BUCKETS): the top HIST_SUB_BITS bits.
 * With magnitude = m - HIST_SUB_BITS + 1 (and 0 for small values, where the
 * shift is 0 and sub is the value itself), the index is
 * magnitude * HIST_SUB_BUCKETS / 2 + sub. The halves of consecutive
 * magnitudes overlap exactly, so indices are dense and small values are
 * their own index, with no branch between the two regimes.
 */
#define HALF_SUB_BUCKETS (HIST_SUB_BUCKETS / 2)

static inline uint64_t load_relaxed(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void store_relaxed(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline unsigned int value_magnitude(uint64_t value)
{
	/* OR-ing in the low bits pins small values to magnitude 0 and keeps
	 * clz away from its undefined zero input. */
	unsigned int msb = 63 - (unsigned int)__builtin_clzll(
					value | (HIST_SUB_BUCKETS - 1));

	return msb - (HIST_SUB_BITS - 1);
}

size_t hist_bucket_index(uint64_t value)
{
	unsigned int magnitude;

	if (value > HIST_MAX_VALUE)
		value = HIST_MAX_VALUE;
	magnitude = value_magnitude(value);
	return (size_t)magnitude * HALF_SUB_BUCKETS +
	       (size_t)(value >> magnitude);
}

uint64_t hist_bucket_low(size_t index)
{
	size_t magnitude;
	uint64_t sub;

	if (index >= HIST_BUCKETS)
		index = HIST_BUCKETS - 1;
	if (index < HIST_SUB_BUCKETS)
		return index;
	magnitude = index / HALF_SUB_BUCKETS - 1;
	sub = index - magnitude * HALF_SUB_BUCKETS;
	return sub << magnitude;
}

/* A bucket below HIST_SUB_BUCKETS holds one value; above, one of
 * magnitude m holds 2^m. */
static uint64_t bucket_width(size_t index)
{
	if (index < HIST_SUB_BUCKETS)
		return 1;
	return 1ULL << (index / HALF_SUB_BUCKETS - 1);
}

uint64_t hist_bucket_high(size_t index)
{
	if (index >= HIST_BUCKETS)
		index = HIST_BUCKETS - 1;
	return hist_bucket_low(index) + bucket_width(index) - 1;
}

static uint64_t bucket_midpoint(size_t index)
{
	uint64_t low = hist_bucket_low(index);

	return low + (hist_bucket_high(index) - low) / 2;
}

void hist_reset(struct hist *h)
{
	size_t i;

	/* Relaxed stores rather than memset so that a reporter snapshotting
	 * concurrently reads whole values, old or new. */
	store_relaxed(&h->count, 0);
	store_relaxed(&h->sum, 0);
	store_relaxed(&h->min, UINT64_MAX);
	store_relaxed(&h->max, 0);
	for (i = 0; i < HIST_BUCKETS; i++)
		store_relaxed(&h->buckets[i], 0);
}

void hist_init(struct hist *h)
{
	hist_reset(h);
}

void hist_record(struct hist *h, uint64_t value)
{
	hist_record_n(h, value, 1);
}

void hist_record_n(struct hist *h, uint64_t value, uint64_t n)
{
	size_t index = hist_bucket_index(value);
	uint64_t sum, add;

	if (!n)
		return;
	/* Single writer: plain loads of our own data are race-free; only the
	 * stores need to be atomic for the concurrent reader. */
	if (__builtin_mul_overflow(value, n, &add) ||
	    __builtin_add_overflow(h->sum, add, &sum))
		sum = UINT64_MAX;
	store_relaxed(&h->buckets[index], h->buckets[index] + n);
	store_relaxed(&h->sum, sum);
	store_relaxed(&h->count, h->count + n);
	/* Unconditional stores keep the hot path free of data-dependent
	 * branches; the lines are already dirty from the stores above. */
	store_relaxed(&h->min, value < h->min ? value : h->min);
	store_relaxed(&h->max, value > h->max ? value : h->max);
}

void hist_snapshot(struct hist *dst, const struct hist *src)
{
	uint64_t count = 0;
	size_t first = HIST_BUCKETS, last = 0;
	size_t i;

	dst->sum = load_relaxed(&src->sum);
	dst->min = load_relaxed(&src->min);
	dst->max = load_relaxed(&src->max);
	for (i = 0; i < HIST_BUCKETS; i++) {
		uint64_t n = load_relaxed(&src->buckets[i]);

		dst->buckets[i] = n;
		count += n;
		if (n) {
			if (first == HIST_BUCKETS)
				first = i;
			last = i;
		}
	}
	/*
	 * The writer may be between stores, so the fields can disagree by a
	 * record or two. Percentiles walk the buckets, so count is taken from
	 * them, and min/max are widened just enough to cover the buckets in
	 * use, so the clamp in hist_percentile() never inverts. A quiescent
	 * histogram is copied unchanged.
	 */
	dst->count = count;
	if (!count) {
		dst->min = UINT64_MAX;
		dst->max = 0;
		return;
	}
	/* The top bucket also holds every value above HIST_MAX_VALUE: a min
	 * beyond its high end is real there, unless the writer has not
	 * stored it yet (min still above max). */
	if (dst->min > hist_bucket_high(first) &&
	    (first != HIST_BUCKETS - 1 || dst->min > dst->max))
		dst->min = hist_bucket_low(first);
	if (dst->max < hist_bucket_low(last))
		dst->max = hist_bucket_high(last);
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	size_t i;

	if (__builtin_add_overflow(dst->sum, src->sum, &dst->sum))
		dst->sum = UINT64_MAX;
	dst->count += src->count;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	for (i = 0; i < HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
}

/*
 * 1-based rank of the value at percentile p among count values (nearest
 * rank). p * count / 100 is snapped to an integer when it is one up to
 * rounding error, so that 99.9% of 1000 is rank 999 and not 1000.
 */
static uint64_t percentile_rank(double p, uint64_t count)
{
	double exact = p / 100.0 * (double)count;
	uint64_t nearest, rank;

	if (!(exact > 0.0)) /* also catches NaN */
		return 1;
	if (exact >= (double)count)
		return count;
	nearest = (uint64_t)(exact + 0.5);
	if ((double)nearest - exact <= 1e-9 * exact &&
	    exact - (double)nearest <= 1e-9 * exact)
		rank = nearest;
	else
		rank = (uint64_t)exact + 1;
	if (rank < 1)
		rank = 1;
	if (rank > count)
		rank = count;
	return rank;
}

static uint64_t clamp_u64(uint64_t v, uint64_t low, uint64_t high)
{
	if (v < low)
		v = low;
	if (v > high)
		v = high;
	return v;
}

uint64_t hist_cumulative(const struct hist *h, const uint64_t *le, size_t n,
			 uint64_t *out)
{
	uint64_t total = 0;
	size_t i, k;

	for (k = 0; k < n; k++)
		out[k] = 0;
	for (i = 0; i < HIST_BUCKETS; i++) {
		uint64_t c = h->buckets[i], low, v;

		if (!c)
			continue;
		low = hist_bucket_low(i);
		v = low + (hist_bucket_high(i) - low) / 2;
		if (v > h->max)
			v = h->max;
		if (v < h->min)
			v = h->min;
		total += c;
		for (k = 0; k < n && le[k] < v; k++)
			;
		if (k < n)
			out[k] += c;
	}
	for (k = 1; k < n; k++)
		out[k] += out[k - 1];
	return total;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0;
	size_t i;

	if (!h->count)
		return 0;
	if (!(p > 0.0))
		return h->min;
	if (p >= 100.0)
		return h->max;
	rank = percentile_rank(p, h->count);
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			return clamp_u64(bucket_midpoint(i), h->min, h->max);
	}
	/* Only reachable if count disagrees with the buckets. */
	return h->max;
}

double hist_mean(const struct hist *h)
{
	if (!h->count)
		return 0.0;
	return (double)h->sum / (double)h->count;
}

/* --- signed histogram --- */

/* Negation through unsigned arithmetic: |INT64_MIN| is 2^63. */
static uint64_t magnitude_of(int64_t value)
{
	return (uint64_t)0 - (uint64_t)value;
}

static int64_t negate_magnitude(uint64_t magnitude)
{
	if (magnitude > (uint64_t)INT64_MAX)
		return INT64_MIN;
	return -(int64_t)magnitude;
}

static int64_t positive_value(uint64_t value)
{
	return value > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)value;
}

void shist_init(struct shist *h)
{
	hist_init(&h->neg);
	hist_init(&h->pos);
}

void shist_record(struct shist *h, int64_t value)
{
	if (value < 0)
		hist_record(&h->neg, magnitude_of(value));
	else
		hist_record(&h->pos, (uint64_t)value);
}

void shist_snapshot(struct shist *dst, const struct shist *src)
{
	hist_snapshot(&dst->neg, &src->neg);
	hist_snapshot(&dst->pos, &src->pos);
}

void shist_merge(struct shist *dst, const struct shist *src)
{
	hist_merge(&dst->neg, &src->neg);
	hist_merge(&dst->pos, &src->pos);
}

uint64_t shist_count(const struct shist *h)
{
	return h->neg.count + h->pos.count;
}

/* A value of one side: a magnitude of neg, or a value of pos. */
static int64_t side_value(const struct shist *h, const struct hist *side,
			  uint64_t v)
{
	return side == &h->neg ? negate_magnitude(v) : positive_value(v);
}

/* The lowest (top false) or highest value: the far edge of the side on
 * that end if it has any, else the near edge of the other side. */
static int64_t shist_edge(const struct shist *h, bool top)
{
	const struct hist *far = top ? &h->pos : &h->neg;
	const struct hist *near = top ? &h->neg : &h->pos;

	if (far->count)
		return side_value(h, far, far->max);
	if (near->count)
		return side_value(h, near, near->min);
	return 0;
}

int64_t shist_min(const struct shist *h)
{
	return shist_edge(h, false);
}

int64_t shist_max(const struct shist *h)
{
	return shist_edge(h, true);
}

int64_t shist_percentile(const struct shist *h, double p)
{
	uint64_t count = shist_count(h);
	uint64_t rank, seen = 0;
	size_t i;

	if (!count)
		return 0;
	if (!(p > 0.0))
		return shist_min(h);
	if (p >= 100.0)
		return shist_max(h);
	rank = percentile_rank(p, count);
	/* Ascending signed order: largest negative magnitudes first. */
	for (i = HIST_BUCKETS; i-- > 0;) {
		seen += h->neg.buckets[i];
		if (seen >= rank)
			return negate_magnitude(clamp_u64(bucket_midpoint(i),
							  h->neg.min,
							  h->neg.max));
	}
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->pos.buckets[i];
		if (seen >= rank)
			return positive_value(clamp_u64(bucket_midpoint(i),
							h->pos.min,
							h->pos.max));
	}
	return shist_max(h);
}
