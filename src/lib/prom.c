// SPDX-License-Identifier: MIT
#include "lib/prom.h"

void prom_family(struct strbuf *sb, const char *name, const char *type,
		 const char *help)
{
	strbuf_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		      type);
}

void prom_metric(struct strbuf *sb, const char *name, const char *type,
		 const char *help, unsigned long long v)
{
	prom_family(sb, name, type, help);
	strbuf_printf(sb, "%s %llu\n", name, v);
}

void prom_series(struct strbuf *sb, const char *name, const char *key,
		 const char *value, unsigned long long v)
{
	strbuf_printf(sb, "%s{%s=\"%s\"} %llu\n", name, key, value, v);
}
