// SPDX-License-Identifier: MIT
/* Row parse callbacks with the commands' bad-value lines (row_values.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd/row_values.h"
#include "lib/units.h"

int cmd_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "linerate %s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return OPTS_EXIT_USAGE;
}

int cmd_row_is_not(const struct opt_row *row, const char *value,
		   struct opt_parse *st)
{
	return opts_fail(st, row, "'%s' is not %s", value ? value : "",
			 row->accepted ? row->accepted :
					 "accepted (see --help)");
}

static void *row_field(const struct opt_row *row, void *cfg)
{
	return (char *)cfg + row->offset;
}

int cmd_row_uint(const struct opt_row *row, void *cfg, const char *value,
		 struct opt_parse *st)
{
	void *p = row_field(row, cfg);
	uint64_t n;

	if (parse_u64(value, row->min, row->max, &n) ||
	    ((row->flags & OPT_F_POW2) && (n & (n - 1))))
		return cmd_row_is_not(row, value, st);
	switch (row->size) {
	case sizeof(uint8_t):
		*(uint8_t *)p = (uint8_t)n;
		return 0;
	case sizeof(uint16_t):
		*(uint16_t *)p = (uint16_t)n;
		return 0;
	case sizeof(uint32_t):
		*(uint32_t *)p = (uint32_t)n;
		return 0;
	case sizeof(uint64_t):
		*(uint64_t *)p = n;
		return 0;
	}
	return opts_fail(st, row, "the row's field has no integer size");
}

int cmd_row_duration(const struct opt_row *row, void *cfg, const char *value,
		     struct opt_parse *st)
{
	uint64_t ns;

	if ((row->flags & OPT_F_ZERO) && !strcmp(value, "0")) {
		*(uint64_t *)row_field(row, cfg) = 0;
		return 0;
	}
	if (parse_duration(value, &ns) || ns < row->min ||
	    (row->max && ns > row->max))
		return cmd_row_is_not(row, value, st);
	*(uint64_t *)row_field(row, cfg) = ns;
	return 0;
}

int cmd_row_enum(const struct opt_row *row, void *cfg, const char *value,
		 struct opt_parse *st)
{
	for (const struct opt_name *n = row->names; n && n->name; n++) {
		if (!strcmp(n->name, value)) {
			*(int *)row_field(row, cfg) = n->value;
			return 0;
		}
	}
	return cmd_row_is_not(row, value, st);
}

int cmd_row_count(const struct opt_row *row, void *cfg, const char *value,
		  struct opt_parse *st)
{
	unsigned int *n = row_field(row, cfg);

	(void)value;
	(void)st;
	if (*n < 16)
		(*n)++;
	return 0;
}

int cmd_row_text(const struct opt_row *row, void *cfg, const char *value,
		 struct opt_parse *st)
{
	(void)st;
	*(const char **)row_field(row, cfg) = value;
	return 0;
}
