// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/frame.h"
#include "lib/sizemix.h"

static int parse_uint(const char *text, size_t len, unsigned long max,
		      unsigned long *out)
{
	unsigned long v = 0;

	if (!len || len > 9)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_sweep(const char *text, uint32_t min_size,
		       uint32_t max_size, struct size_mix *m)
{
	const char *dots = strstr(text, ".."), *slash = strchr(text, '/');
	unsigned long lo, hi, step;

	if (!dots || !slash || slash < dots ||
	    parse_uint(text, (size_t)(dots - text), max_size, &lo) ||
	    parse_uint(dots + 2, (size_t)(slash - dots - 2), max_size, &hi) ||
	    parse_uint(slash + 1, strlen(slash + 1), max_size, &step))
		return -EINVAL;
	if (lo < min_size || hi <= lo || !step ||
	    (hi - lo) / step + 1 > SIZEMIX_MAX_SIZES)
		return -EINVAL;
	for (unsigned long s = lo; s <= hi; s += step) {
		m->sizes[m->count] = (uint16_t)s;
		m->weights[m->count] = 1;
		m->count++;
	}
	m->period = m->count;
	return 0;
}

static int parse_list(const char *text, uint32_t min_size, uint32_t max_size,
		      struct size_mix *m)
{
	const char *p = text;

	for (;;) {
		const char *end = strchr(p, ','), *colon;
		unsigned long size, weight;
		size_t len = end ? (size_t)(end - p) : strlen(p);

		colon = memchr(p, ':', len);
		if (!colon || m->count >= SIZEMIX_MAX_SIZES ||
		    parse_uint(p, (size_t)(colon - p), max_size, &size) ||
		    parse_uint(colon + 1, len - (size_t)(colon - p) - 1,
			       SIZEMIX_MAX_PERIOD, &weight) ||
		    size < min_size || !weight)
			return -EINVAL;
		for (uint32_t i = 0; i < m->count; i++)
			if (m->sizes[i] == size)
				return -EINVAL;
		m->sizes[m->count] = (uint16_t)size;
		m->weights[m->count] = (uint16_t)weight;
		m->count++;
		m->period += (uint32_t)weight;
		if (m->period > SIZEMIX_MAX_PERIOD)
			return -EINVAL;
		if (!end)
			break;
		p = end + 1;
	}
	return m->count >= 1 ? 0 : -EINVAL;
}

int sizemix_parse(const char *text, uint32_t min_size, uint32_t max_size,
		  struct size_mix *mix)
{
	struct size_mix m;
	int err;

	if (!text || !*text || strlen(text) >= 256)
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	if (!strcmp(text, "imix"))
		err = parse_list("64:7,594:4,1518:1", min_size, max_size, &m);
	else if (strstr(text, ".."))
		err = parse_sweep(text, min_size, max_size, &m);
	else
		err = parse_list(text, min_size, max_size, &m);
	if (err)
		return -EINVAL;
	/* Only a short name is kept; reports list the sizes in full. */
	snprintf(m.text, sizeof(m.text), "%.*s", (int)sizeof(m.text) - 1, text);
	*mix = m;
	return 0;
}

uint32_t sizemix_min(const struct size_mix *mix)
{
	uint32_t v = UINT32_MAX;

	for (uint32_t i = 0; i < mix->count; i++)
		if (mix->sizes[i] < v)
			v = mix->sizes[i];
	return mix->count ? v : 0;
}

uint32_t sizemix_max(const struct size_mix *mix)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < mix->count; i++)
		if (mix->sizes[i] > v)
			v = mix->sizes[i];
	return v;
}

double sizemix_mean(const struct size_mix *mix)
{
	uint64_t bytes = 0;

	for (uint32_t i = 0; i < mix->count; i++)
		bytes += (uint64_t)mix->sizes[i] * mix->weights[i];
	return mix->period ? (double)bytes / mix->period : 0;
}

void sizemix_schedule(const struct size_mix *mix, uint8_t *order)
{
	int64_t current[SIZEMIX_MAX_SIZES] = { 0 };

	/* Each step every size gains its weight; the one furthest ahead
	 * goes and pays back the period. Over one period each size goes
	 * exactly its weight times, and all credits return to zero. */
	for (uint32_t k = 0; k < mix->period; k++) {
		uint32_t best = 0;

		for (uint32_t i = 0; i < mix->count; i++) {
			current[i] += mix->weights[i];
			if (current[i] > current[best])
				best = i;
		}
		current[best] -= (int64_t)mix->period;
		order[k] = (uint8_t)best;
	}
}

double sizemix_rate_pps(const struct rate *rate, const struct size_mix *mix,
			uint64_t line_rate_bps)
{
	/* A rate's pps at a reference size, turned into bits per second
	 * and back at the mean size: rate_to_pps does the units. */
	const uint32_t ref = 1000;
	double pps = rate_to_pps(rate, ref, line_rate_bps), mean;
	uint32_t extra = rate->kind == RATE_BPS_L2 ? 0 : FRAME_L1_OVERHEAD;

	if (rate->kind == RATE_MAX || rate->kind == RATE_PPS || !mix->count)
		return pps;
	mean = sizemix_mean(mix);
	return pps * (ref + extra) / (mean + extra);
}

const char *sizemix_format(const struct size_mix *mix, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < mix->count && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%u:%u",
				 i ? "," : "", mix->sizes[i], mix->weights[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}
