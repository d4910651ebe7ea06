// SPDX-License-Identifier: MIT
#include <string.h>

#include <stdio.h>
#include <string.h>

#include "lib/stats.h"
#include "lib/strbuf.h"

#define COUNTER_COUNT (sizeof(struct stats_counters) / sizeof(uint64_t))

void stats_init(struct worker_stats *ws)
{
	memset(&ws->c, 0, sizeof(ws->c));
	hist_init(&ws->tx_gap);
	hist_init(&ws->latency);
	shist_init(&ws->ipdv);
	shist_init(&ws->pdv);
}

void stats_snapshot_init(struct stats_snapshot *s)
{
	memset(&s->c, 0, sizeof(s->c));
	s->taken_ns = 0;
	hist_init(&s->tx_gap);
	hist_init(&s->latency);
	shist_init(&s->ipdv);
	shist_init(&s->pdv);
}

void stats_snapshot_take(struct stats_snapshot *dst,
			 const struct worker_stats *src, uint64_t now_ns)
{
	const uint64_t *in = (const uint64_t *)&src->c;
	uint64_t *out = (uint64_t *)&dst->c;

	for (size_t i = 0; i < COUNTER_COUNT; i++)
		out[i] = __atomic_load_n(&in[i], __ATOMIC_RELAXED);
	hist_snapshot(&dst->tx_gap, &src->tx_gap);
	hist_snapshot(&dst->latency, &src->latency);
	shist_snapshot(&dst->ipdv, &src->ipdv);
	shist_snapshot(&dst->pdv, &src->pdv);
	dst->taken_ns = now_ns;
}

void stats_snapshot_merge(struct stats_snapshot *dst,
			  const struct stats_snapshot *src)
{
	uint64_t jitter_weight = dst->c.rx_packets + src->c.rx_packets;
	uint64_t jitter = 0;
	uint64_t last_rx = dst->c.last_rx_ns > src->c.last_rx_ns ?
				   dst->c.last_rx_ns :
				   src->c.last_rx_ns;
	uint64_t refused_last =
		dst->c.tx_refused_last_ns > src->c.tx_refused_last_ns ?
			dst->c.tx_refused_last_ns :
			src->c.tx_refused_last_ns;
	uint64_t refused_first = dst->c.tx_refused_first_ns;
	const uint64_t *in = (const uint64_t *)&src->c;
	uint64_t *out = (uint64_t *)&dst->c;
	uint64_t burst_max = dst->c.tx_burst_max > src->c.tx_burst_max ?
				     dst->c.tx_burst_max :
				     src->c.tx_burst_max;
	uint64_t late_max = dst->c.tx_late_max_ns > src->c.tx_late_max_ns ?
				    dst->c.tx_late_max_ns :
				    src->c.tx_late_max_ns;

	if (src->c.tx_refused_first_ns &&
	    (!refused_first || src->c.tx_refused_first_ns < refused_first))
		refused_first = src->c.tx_refused_first_ns;
	if (jitter_weight)
		jitter = (uint64_t)(((double)dst->c.jitter_rfc3550_ns *
					     dst->c.rx_packets +
				     (double)src->c.jitter_rfc3550_ns *
					     src->c.rx_packets) /
				    jitter_weight);
	for (size_t i = 0; i < COUNTER_COUNT; i++)
		out[i] += in[i];
	dst->c.jitter_rfc3550_ns = jitter;
	dst->c.last_rx_ns = last_rx;
	dst->c.tx_burst_max = burst_max;
	dst->c.tx_late_max_ns = late_max;
	hist_merge(&dst->tx_gap, &src->tx_gap);
	dst->c.tx_refused_last_ns = refused_last;
	dst->c.tx_refused_first_ns = refused_first;
	hist_merge(&dst->latency, &src->latency);
	shist_merge(&dst->ipdv, &src->ipdv);
	shist_merge(&dst->pdv, &src->pdv);
	if (src->taken_ns > dst->taken_ns)
		dst->taken_ns = src->taken_ns;
}

static void hist_delta(struct hist *out, const struct hist *cur,
		       const struct hist *prev)
{
	hist_init(out);
	for (size_t i = 0; i < HIST_BUCKETS; i++) {
		uint64_t n = cur->buckets[i] - prev->buckets[i];

		if (!n)
			continue;
		out->buckets[i] = n;
		out->count += n;
		if (out->min == UINT64_MAX)
			out->min = hist_bucket_low(i);
		out->max = hist_bucket_high(i);
	}
	out->sum = cur->sum - prev->sum;
	/* The exact extremes are known when they fall in this interval. */
	if (out->count && cur->min < prev->min)
		out->min = cur->min;
	if (out->count && cur->max > prev->max)
		out->max = cur->max;
}

void stats_snapshot_delta(struct stats_snapshot *out,
			  const struct stats_snapshot *cur,
			  const struct stats_snapshot *prev)
{
	const uint64_t *a = (const uint64_t *)&cur->c;
	const uint64_t *b = (const uint64_t *)&prev->c;
	uint64_t *o = (uint64_t *)&out->c;

	for (size_t i = 0; i < COUNTER_COUNT; i++)
		o[i] = a[i] >= b[i] ? a[i] - b[i] : 0;
	/* Gauges, not counters. */
	out->c.jitter_rfc3550_ns = cur->c.jitter_rfc3550_ns;
	out->c.last_rx_ns = cur->c.last_rx_ns;
	out->c.tx_refused_last_ns = cur->c.tx_refused_last_ns;
	out->c.tx_refused_first_ns = cur->c.tx_refused_first_ns;
	out->c.rx_flows = cur->c.rx_flows;
	/* Maxima since the start: an interval cannot take them apart. */
	out->c.tx_burst_max = cur->c.tx_burst_max;
	out->c.tx_late_max_ns = cur->c.tx_late_max_ns;
	hist_delta(&out->tx_gap, &cur->tx_gap, &prev->tx_gap);
	/* lost can go down when late packets arrive; a delta keeps sign sense
	 * only as "new losses", floored at 0 above. */
	hist_delta(&out->latency, &cur->latency, &prev->latency);
	hist_delta(&out->ipdv.neg, &cur->ipdv.neg, &prev->ipdv.neg);
	hist_delta(&out->ipdv.pos, &cur->ipdv.pos, &prev->ipdv.pos);
	hist_delta(&out->pdv.neg, &cur->pdv.neg, &prev->pdv.neg);
	hist_delta(&out->pdv.pos, &cur->pdv.pos, &prev->pdv.pos);
	out->taken_ns = cur->taken_ns;
}

/* Sum "name=value" counters of several queues into acc. */
void stats_kv_add(char *acc, size_t len, const char *add)
{
	char names[32][64];
	unsigned long long values[32];
	struct strbuf sb;
	int count = 0;

	for (int pass = 0; pass < 2; pass++) {
		const char *p = pass ? add : acc;

		while (*p) {
			char name[64];
			unsigned long long v;
			int used = 0, k;

			if (sscanf(p, " %63[a-z0-9_]=%llu%n", name, &v, &used) != 2 ||
			    !used) {
				p++;
				continue;
			}
			p += used;
			for (k = 0; k < count && strcmp(names[k], name); k++)
				;
			if (k == count) {
				if (count == 32)
					continue;
				snprintf(names[count], sizeof(names[0]), "%s", name);
				values[count++] = 0;
			}
			values[k] += v;
		}
	}
	strbuf_init_fixed(&sb, acc, len);
	for (int k = 0; k < count; k++)
		strbuf_printf(&sb, "%s%s=%llu", k ? " " : "", names[k],
			      values[k]);
}
