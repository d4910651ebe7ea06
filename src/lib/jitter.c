// SPDX-License-Identifier: MIT
#include <stdint.h>
#include <string.h>

#include "lib/jitter.h"

#define RFC3550_GAIN 16.0

/*
 * Transits and their differences come from packet timestamps, which are
 * untrusted: wrapping unsigned arithmetic keeps garbage in, garbage out
 * instead of undefined behaviour on signed overflow.
 */
static int64_t difference(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static double magnitude(int64_t v)
{
	return v < 0 ? (double)((uint64_t)0 - (uint64_t)v) : (double)v;
}

void jitter_init(struct jitter *j)
{
	memset(j, 0, sizeof(*j));
}

void jitter_update(struct jitter *j, uint64_t seq, uint64_t tx_ns,
		   uint64_t rx_ns, struct shist *ipdv, struct shist *pdv,
		   int64_t *pdv_ref, int *pdv_ref_set)
{
	/* A constant offset between sender and receiver clocks may make this
	 * negative; it cancels in every quantity derived below. */
	int64_t transit = (int64_t)(rx_ns - tx_ns);

	if (j->have_prev) {
		int64_t d = difference(transit, j->prev_transit);
		double abs_d = magnitude(d);

		/* Seeding with the first |D| instead of 0 removes the RFC
		 * estimator's start-up bias; afterwards it is the RFC's. */
		if (!j->samples)
			j->rfc3550_ns = abs_d;
		else
			j->rfc3550_ns += (abs_d - j->rfc3550_ns) / RFC3550_GAIN;
		j->samples++;

		/* A loss or reordering between the two would turn path
		 * changes into variation that no packet pair experienced. */
		if (ipdv && seq == j->prev_seq + 1)
			shist_record(ipdv, d);
	}

	if (pdv) {
		if (!pdv_ref || !pdv_ref_set) {
			pdv_ref = &j->own_pdv_ref;
			pdv_ref_set = &j->own_pdv_ref_set;
		}
		if (!*pdv_ref_set) {
			*pdv_ref = transit;
			*pdv_ref_set = 1;
		}
		/* A raw transit includes the clock offset, which can exceed
		 * the histogram's range; relative to a reference it is gone. */
		shist_record(pdv, difference(transit, *pdv_ref));
	}

	j->prev_transit = transit;
	j->prev_seq = seq;
	j->have_prev = 1;
}

uint64_t jitter_pdv_percentile(const struct shist *pdv, double p)
{
	int64_t value, min;

	if (!shist_count(pdv))
		return 0;
	value = shist_percentile(pdv, p);
	min = shist_min(pdv);
	if (value <= min)
		return 0;
	return (uint64_t)value - (uint64_t)min;
}
