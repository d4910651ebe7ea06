// SPDX-License-Identifier: MIT
#include "lib/prom.h"
#include "lib/prom_labels.h"

void prom_family_by(struct strbuf *sb, const char *name, const char *type,
		    const char *help, const char *key,
		    const struct prom_labelled *series, size_t n)
{
	prom_family(sb, name, type, help);
	for (size_t i = 0; i < n; i++)
		prom_series(sb, name, key, series[i].label, series[i].v);
}
