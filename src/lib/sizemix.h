/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SIZEMIX_H
#define LINERATE_SIZEMIX_H

/*
 * Frame-size mixes: IMIX, weighted lists and sweeps, sent in a fixed
 * interleave whose every period (the sum of the weights) holds each size
 * exactly its weight times, so counts over whole periods are exact.
 *
 *   imix                 64:7,594:4,1518:1 (the common "simple IMIX"; a
 *                        period of 12 frames, mean 361.83 bytes)
 *   64:7,594:4,1518:1    sizes (incl. FCS) with integer weights
 *   64..1518/100         a sweep: 64, 164, ... up to 1518, weight 1 each
 *
 * Bounds: at most SIZEMIX_MAX_SIZES sizes, weights 1..SIZEMIX_MAX_PERIOD
 * and a period of at most SIZEMIX_MAX_PERIOD frames.
 */

#include <stddef.h>
#include <stdint.h>

#include "lib/units.h"

#define SIZEMIX_MAX_SIZES 64
#define SIZEMIX_MAX_PERIOD 4096
#define SIZEMIX_TEXT_LEN 48

struct size_mix {
	uint32_t count; /* sizes; 0: no mix */
	uint16_t sizes[SIZEMIX_MAX_SIZES]; /* incl. FCS */
	uint16_t weights[SIZEMIX_MAX_SIZES];
	uint32_t period; /* sum of the weights */
	char text[SIZEMIX_TEXT_LEN]; /* as given, for reports */
};

/* Parse one of the forms above; sizes must be in [min_size, max_size].
 * Returns 0 or -EINVAL (mix untouched). */
int sizemix_parse(const char *text, uint32_t min_size, uint32_t max_size,
		  struct size_mix *mix);

uint32_t sizemix_min(const struct size_mix *mix);
uint32_t sizemix_max(const struct size_mix *mix);
/* Mean frame size over a period, bytes incl. FCS. */
double sizemix_mean(const struct size_mix *mix);

/*
 * The interleave: order[k] is the index (into sizes) of frame k of each
 * period, for period entries. Smooth weighted round robin: each size is
 * spread evenly over the period rather than sent in runs.
 */
void sizemix_schedule(const struct size_mix *mix, uint8_t *order);

/* Packets per second a rate means for this mix: a bit rate is divided by
 * the mean frame (plus 20 bytes of preamble and gap for L1 rates). */
double sizemix_rate_pps(const struct rate *rate, const struct size_mix *mix,
			uint64_t line_rate_bps);

/* "64:7,594:4,1518:1" into buf. */
const char *sizemix_format(const struct size_mix *mix, char *buf, size_t len);

#endif
