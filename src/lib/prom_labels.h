/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_PROM_LABELS_H
#define LINERATE_PROM_LABELS_H

/*
 * A Prometheus family whose series differ by one label (by status class,
 * by reason, ...), from a table of its series: the daemon's and the
 * replicator's /metrics both.
 */

#include <stddef.h>

#include "lib/strbuf.h"

/* One series: its label's value and its value. */
struct prom_labelled {
	const char *label;
	unsigned long long v;
};

/* The family's "# HELP" and "# TYPE" lines, then name{key="label"} v for
 * each of the n series, in order. */
void prom_family_by(struct strbuf *sb, const char *name, const char *type,
		    const char *help, const char *key,
		    const struct prom_labelled *series, size_t n);

/* The same for an array of series, all of it. */
#define PROM_FAMILY_BY(sb, name, type, help, key, series)                      \
	prom_family_by(sb, name, type, help, key, series,                      \
		       sizeof(series) / sizeof((series)[0]))

#endif
