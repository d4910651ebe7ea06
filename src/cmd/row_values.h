/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_CMD_ROW_VALUES_H
#define LINERATE_CMD_ROW_VALUES_H

/*
 * Parse callbacks for option rows (lib/options.h) whose bad value gets the
 * line these commands have always printed, "--FLAG: 'V' is not ACCEPTED",
 * with ACCEPTED from the row (e.g. "a number 1..1024"). The rows keep
 * their type, range and flags; only the CLI parsing goes through here.
 */

#include "lib/options.h"

/* A number macro as text, for help and accepted strings. */
#define CMD_STR_(x) #x
#define CMD_STR(x)  CMD_STR_(x)

/* One line "linerate COMMAND: ..." on stderr; returns EXIT_USAGE (2),
 * for the checks across flags after parsing. */
int cmd_usage_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* OPT_UINT: min..max (OPT_F_POW2: a power of two), stored by size. */
int cmd_row_uint(const struct opt_row *row, void *cfg, const char *value,
		 struct opt_parse *st);
/* OPT_DURATION: min..max ns (max 0: no limit; OPT_F_ZERO: "0" is 0). */
int cmd_row_duration(const struct opt_row *row, void *cfg, const char *value,
		     struct opt_parse *st);
/* OPT_ENUM: one of row->names. */
int cmd_row_enum(const struct opt_row *row, void *cfg, const char *value,
		 struct opt_parse *st);
/* OPT_SWITCH / OPT_CUSTOM without a value: adds one to an unsigned int
 * (-v -v). */
int cmd_row_count(const struct opt_row *row, void *cfg, const char *value,
		  struct opt_parse *st);
/* --verbose (short_flag: -v, or 0 for none), counted into an unsigned
 * int field of cfg_type: the more, the more log. */
#define CMD_VERBOSE_ROW(cfg_type, field, short_flag, text)                     \
	{                                                                      \
		.name = "verbose", .short_name = (short_flag),                 \
		.type = OPT_CUSTOM, .flags = OPT_F_REPEAT,                     \
		OPT_FIELD(cfg_type, field), .parse = cmd_row_count,            \
		.help = (text)                                                 \
	}

/* OPT_STRING | OPT_F_PTR: the value as given, empty too (what reads it
 * says what is wrong with it). */
int cmd_row_text(const struct opt_row *row, void *cfg, const char *value,
		 struct opt_parse *st);

/* "'V' is not ACCEPTED" for the row; -EINVAL. */
int cmd_row_is_not(const struct opt_row *row, const char *value,
		   struct opt_parse *st);

#endif
