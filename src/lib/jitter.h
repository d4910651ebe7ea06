/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_JITTER_H
#define LINERATE_JITTER_H

/*
 * Delay variation of one flow.
 *
 *  transit(i) = rx_ns(i) - tx_ns(i) (any constant clock offset cancels).
 *  D(i-1,i)   = transit(i) - transit(i-1), for consecutive arrivals.
 *
 *  RFC 3550 interarrival jitter: J += (|D| - J) / 16. The RFC starts J at
 *  0, which makes the estimate read low for the first ~50 packets (and is
 *  why short iperf3 runs under-report); we seed J with the first |D|, then
 *  follow the RFC. J is kept in ns as a double, no rounding to ms.
 *
 *  IPDV (RFC 5481 sec. 4.1): transit(i) - transit(i-1) for packets with
 *  consecutive sequence numbers (seq == prev_seq + 1) only; lost or
 *  reordered packets break the pair, they are not counted as variation.
 *
 *  PDV (RFC 5481 sec. 4.2): transit(i) - min transit. Recorded relative to
 *  the first transit (a signed histogram), and reported as
 *  percentile(transit) - min(transit), which is exactly that.
 */

#include <stdint.h>

#include "lib/hist.h"

struct jitter {
	double rfc3550_ns;
	int64_t prev_transit;
	uint64_t prev_seq;
	int have_prev;
	uint64_t samples; /* differences D folded into rfc3550_ns */
	/* PDV reference used when the caller passes no shared one. */
	int64_t own_pdv_ref;
	int own_pdv_ref_set;
};

void jitter_init(struct jitter *j);
/*
 * Feed one arrival. ipdv and pdv may be NULL; they may be shared by many
 * flows (one per worker), since values are relative: pdv needs every flow
 * to share the same sender clock, which holds for one sender.
 * pdv_ref, if not NULL, is the reference transit shared with other flows
 * feeding the same pdv histogram: set to the first transit seen when
 * *pdv_ref_set is 0.
 */
void jitter_update(struct jitter *j, uint64_t seq, uint64_t tx_ns,
		   uint64_t rx_ns, struct shist *ipdv, struct shist *pdv,
		   int64_t *pdv_ref, int *pdv_ref_set);

/* PDV percentile in ns from a pdv histogram: percentile - min (>= 0). */
uint64_t jitter_pdv_percentile(const struct shist *pdv, double p);

#endif
