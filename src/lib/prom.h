/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_PROM_H
#define LINERATE_PROM_H

/*
 * The Prometheus text exposition format (version 0.0.4), written into a
 * string builder: the daemon's and the replicator's /metrics both.
 */

#include "lib/strbuf.h"

/* A family's "# HELP" and "# TYPE" lines; its series follow. */
void prom_family(struct strbuf *sb, const char *name, const char *type,
		 const char *help);

/* A family of one series without labels. */
void prom_metric(struct strbuf *sb, const char *name, const char *type,
		 const char *help, unsigned long long v);

/* One series of a family, by one label: name{key="value"} v. */
void prom_series(struct strbuf *sb, const char *name, const char *key,
		 const char *value, unsigned long long v);

#endif
