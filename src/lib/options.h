/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_OPTIONS_H
#define LINERATE_OPTIONS_H

/*
 * The option model: every option of every command is declared once, as a
 * row, and the rows drive everything that reads or shows options:
 *
 *   - CLI parsing (getopt_long built from the rows), with one line on a
 *     bad value: "linerate CMD: --FLAG: invalid value 'V' (accepted: A)";
 *   - --help, a man page per command, bash and zsh completion;
 *   - the daemon's JSON spec (rows with a json_key) and its echo;
 *   - the argv a runner passes to a child (opts_to_argv).
 *
 * A row writes into a config struct at `offset` (offsetof); rows form
 * reusable groups (traffic, backend, output, API client, API server), and
 * a command is a name, usage text and a list of groups, each placed at a
 * member of the command's config (a group of struct test_spec rows used
 * by a command whose config embeds a test_spec: OPT_AT(group, struct
 * cfg, spec)). A group knows the type its rows address, and a placement
 * at a member of another type does not compile (OPT_AT); opts_check()
 * checks the sizes again when a command parses.
 * A row applies to a command when row.roles & command.roles is not zero
 * (roles 0: every command that lists the group).
 *
 * Example: a command "greet" with one group of its own.
 *
 *	struct greet_cfg { uint32_t times; bool loud; char name[16]; };
 *	static const struct opt_row greet_rows[] = {
 *		OPT_UINT_ROW("times", struct greet_cfg, times, 1, 100, "N",
 *			     "1", "greet N times, 1..100", "1..100"),
 *		OPT_SWITCH_ROW("loud", struct greet_cfg, loud, "shout"),
 *		OPT_STRING_ROW("name", struct greet_cfg, name, "NAME",
 *			       "whom to greet"),
 *	};
 *	OPT_GROUP_TYPE(greet_group, struct greet_cfg);
 *	static const struct opt_group greet_group = OPT_GROUP_FOR(
 *		greet_group, "greet", greet_rows, struct greet_cfg);
 *	static const struct opt_group_ref greet_groups[] = {
 *		OPT_AT_ROOT(greet_group, struct greet_cfg), OPT_AT_END };
 *	const struct opt_command greet_cmd = {
 *		.name = "greet", .summary = "say hello",
 *		.usage = "greet [options]\n  Say hello.",
 *		.groups = greet_groups,
 *	};
 *
 *	struct greet_cfg cfg = { .times = 1 };
 *	struct opt_parse st;
 *	int rc = opts_parse_argv(&greet_cmd, 0, argc, argv, &cfg, &st);
 *	// 0: run; CMD_HELP_SHOWN (-1): --help printed; EXIT_USAGE (2):
 *	// one line on stderr. Then cross-flag checks, using opts_seen().
 *
 * A new flag is a new row: in the group of the struct that holds its
 * field (test_spec's rows are lib/spec_opts.c's, backend_opts' the
 * backend group, a command's own rows live with the command), with the
 * role bits of the commands that take it, its type and range, help and
 * accepted text, and a json_key if the daemon's JSON takes it. --help,
 * the man page, completion, JSON and child argv follow. Only a value no
 * type describes needs a parse (and parse_json, format) callback; checks
 * across flags go after opts_parse_argv, using opts_seen().
 *
 * Functions return 0 or a negative errno unless they say otherwise.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "lib/err.h"

/* Returned by opts_parse_argv after printing --help (the CLI's value). */
#ifndef CMD_HELP_SHOWN
#define CMD_HELP_SHOWN (-1)
#endif
/* Exit code of a bad command line. */
#define OPTS_EXIT_USAGE 2

/* The most rows one command can have (all its groups together). */
#define OPTS_MAX_ROWS 160

enum opt_type {
	OPT_SWITCH = 1, /* no value: sets a bool (false with OPT_F_INVERT) */
	OPT_SET, /* no value: sets an int/enum field (of size) to row.set */
	OPT_BOOL, /* true|false|yes|no|on|off|1|0; JSON true/false */
	OPT_STRING, /* char[size] copy; OPT_F_PTR: a const char * into argv */
	OPT_UINT, /* unsigned of `size` bytes, min..max, k/M/G suffixes */
	OPT_DURATION, /* uint64_t ns ("10s", "500ms"); JSON also seconds */
	OPT_RATE, /* struct rate ("1Mpps", "800Mbps", "max", "50%") */
	OPT_BITRATE, /* uint64_t bits/s ("10Gbps") */
	OPT_ENUM, /* field of size (int, bool, uint8_t): one of row.names;
		   * aliases allowed, the first name of a value is its text */
	OPT_ADDRESS, /* struct ip_addr, an IPv4/IPv6 literal, no port */
	OPT_CUSTOM, /* only row.parse (and row.parse_json, row.format) */
};

/* Row flags. */
#define OPT_F_INVERT	(1u << 0) /* OPT_SWITCH: sets false */
#define OPT_F_POW2	(1u << 1) /* OPT_UINT: a power of two */
#define OPT_F_ZERO	(1u << 2) /* OPT_DURATION: "0" is accepted, means 0 */
#define OPT_F_HIDDEN	(1u << 3) /* parsed, not shown in help/man */
#define OPT_F_JSON_ONLY (1u << 4) /* no CLI flag: a JSON field only */
#define OPT_F_FILE	(1u << 5) /* the value is a path (completion) */
#define OPT_F_IFACE	(1u << 6) /* the value is an interface (completion) */
#define OPT_F_REPEAT	(1u << 7) /* may be given more than once (custom) */
#define OPT_F_NO_ARGV	(1u << 8) /* opts_to_argv never writes it */
#define OPT_F_PTR	(1u << 9) /* OPT_STRING: a const char * into argv */
/* opts_to_argv writes it even when it equals the default: other rows'
 * defaults follow from whether it was given (send's --count alone means
 * no time limit) */
#define OPT_F_ALWAYS (1u << 10)

struct opt_name {
	const char *name;
	int value;
};

struct opt_row;
struct opt_parse;

/* CLI value of a row into cfg: 0, or -EINVAL after opts_fail() (or
 * without it: the standard line with row.accepted is printed). */
typedef int (*opt_parse_fn)(const struct opt_row *row, void *cfg,
			    const char *value, struct opt_parse *st);
/* JSON value of a row into cfg: 0, or -EINVAL after opts_fail(). */
typedef int (*opt_json_fn)(const struct opt_row *row, void *cfg, json_t *value,
			   struct opt_parse *st);
/* A row's value as the text its flag takes (for a child's argv and the
 * echo): 1 written, 0 nothing to write (the value is the default or
 * unset), negative errno (buf too small). */
typedef int (*opt_format_fn)(const struct opt_row *row, const void *cfg,
			     char *buf, size_t len);

struct opt_row {
	const char *name; /* long flag, without "--" */
	char short_name; /* 'i' for -i, or 0 */
	enum opt_type type;
	unsigned int flags; /* OPT_F_* */
	size_t offset; /* in the group's struct */
	size_t size; /* of the field (OPT_UINT, OPT_STRING buffers) */
	uint32_t roles; /* command role bits; 0: all */
	uint64_t min, max; /* OPT_UINT, OPT_DURATION (ns) */
	int set; /* OPT_SET: the value written */
	const struct opt_name *names; /* OPT_ENUM: ends with a NULL name */
	const char *arg; /* value placeholder ("N", "TIME"); NULL: none */
	const char *def; /* default, as text for help/man; NULL: none */
	const char *help;
	const char *accepted; /* for the bad-value line */
	/* rows that cannot be combined: this row's bit, and the bits it
	 * clashes with ("--json: cannot be combined with --json-stream") */
	uint32_t excl_bit, excl_with;
	const char *json_key; /* the JSON spec's field; NULL: not in JSON */
	uint32_t json_roles; /* JSON role bits it applies to; 0: all */
	opt_parse_fn parse; /* replaces the type's CLI parsing */
	opt_json_fn parse_json; /* replaces the type's JSON parsing */
	opt_format_fn format; /* replaces the type's formatting */
};

struct opt_group {
	const char *name; /* "traffic", "backend", "output", ... */
	const struct opt_row *rows;
	size_t nrows;
	/* The type the rows' offsets address ("struct backend_opts") and
	 * its size: a placement must be a member of that size. */
	const char *struct_name;
	size_t struct_size;
};

/* Is `a` the type `b`? For the compile-time checks of the placements. */
#define OPT_SAME_TYPE(a, b) __builtin_types_compatible_p(a, b)
/* 0, or a compile error saying msg (an expression, for initialisers). */
#define OPT_STATIC_CHECK(cond, msg)                                            \
	(0 * sizeof(struct {                                                   \
		 _Static_assert(cond, msg);                                    \
		 int opt_check_;                                               \
	 }))

/*
 * A group's type, declared once beside the group (its header, or its .c
 * for a static group): OPT_GROUP_FOR and OPT_AT check against it, so a
 * group placed at a member of another type does not compile.
 *
 *	OPT_GROUP_TYPE(spec_opts_backend, struct backend_opts);
 *	const struct opt_group spec_opts_backend =
 *		OPT_GROUP_FOR(spec_opts_backend, "backend", backend_rows,
 *			      struct backend_opts);
 */
#define OPT_GROUP_TYPE(ident, cfg_type) typedef cfg_type ident##_opt_type

#define OPT_GROUP_FOR(ident, gname, array, cfg_type)                           \
	{                                                                      \
		.name = (gname), .rows = (array),                              \
		.nrows = sizeof(array) / sizeof((array)[0]),                   \
		.struct_name = #cfg_type,                                      \
		.struct_size =                                                 \
			sizeof(cfg_type) +                                     \
			OPT_STATIC_CHECK(                                      \
				OPT_SAME_TYPE(cfg_type, ident##_opt_type),     \
				#ident " is declared for another type"),       \
	}

/* A group in a command, its rows' offsets relative to `offset`. Made by
 * OPT_AT / OPT_AT_ROOT only: they record the member's size and name,
 * which opts_check() compares with the group's struct. */
struct opt_group_ref {
	const struct opt_group *group; /* NULL ends the list */
	size_t offset;
	size_t size; /* sizeof the member the group is placed at */
	const char *member; /* "struct client_opts.run.spec" */
};

/* The group at member (a path: "run.spec.backend") of cfg_type, which
 * must be of the group's type. */
#define OPT_AT(ident, cfg_type, mbr)                                           \
	{                                                                      \
		.group = &(ident), .offset = offsetof(cfg_type, mbr),          \
		.size = sizeof(((cfg_type *)0)->mbr) +                         \
			OPT_STATIC_CHECK(                                      \
				OPT_SAME_TYPE(                                 \
					__typeof__(((cfg_type *)0)->mbr),      \
					ident##_opt_type),                     \
				#ident " placed at " #cfg_type "." #mbr        \
				       ", a member of another type"),          \
		.member = #cfg_type "." #mbr,                                  \
	}
/* The group at offset 0 of a config that is the group's own type. */
#define OPT_AT_ROOT(ident, cfg_type)                                           \
	{                                                                      \
		.group = &(ident), .offset = 0,                                \
		.size = sizeof(cfg_type) +                                     \
			OPT_STATIC_CHECK(                                      \
				OPT_SAME_TYPE(cfg_type, ident##_opt_type),     \
				#ident " is not a group of " #cfg_type),       \
		.member = #cfg_type,                                           \
	}
#define OPT_AT_END                                                             \
	{                                                                      \
		.group = NULL                                                  \
	}

/* A command's own help text for a shared row (its default differs). */
struct opt_help_override {
	const char *name; /* NULL ends the list */
	const char *help;
};

struct opt_command {
	const char *name; /* "send" */
	const char *summary; /* one line, for the man page's NAME */
	/* "send --dst HOST:PORT [options]\n  what it does" */
	const char *usage;
	const struct opt_group_ref *groups;
	uint32_t roles; /* which rows apply; 0: all */
	/* printed after the options by --help, and in the man page: the
	 * exit codes and where the JSON fields are documented */
	const char *epilog;
	const struct opt_help_override *help_overrides; /* or NULL */
	/* words completion offers before any flag ("up down status") */
	const char *words;
	/* arguments that are not flags (permuted to the end by getopt):
	 * at most this many are accepted, and st->args holds them */
	unsigned int max_args;
};

/* The state of one parse: what was seen, and the error if any. */
struct opt_parse {
	const struct opt_command *cmd;
	uint32_t role; /* the role bit rows must match; 0: cmd->roles */
	/* 0: not seen; else the order (1, 2, ...) it was first seen */
	uint16_t seen[OPTS_MAX_ROWS];
	uint16_t nseen;
	bool json; /* parsing JSON (errors name the key, not the flag) */
	/* opts_parse_argv: the arguments that are not flags (into argv) */
	char **args;
	unsigned int nargs;
	/* The error (lib/err.h): code -EINVAL; field the flag's long name
	 * (JSON: the key); for a bad value, message is the text after
	 * "--FLAG: " (or "KEY: "); for an unknown flag, a missing value or
	 * a stray argument, the whole line after "linerate CMD: ". */
	struct lr_err err;
	void *user; /* the command's own state, for row callbacks */
	/* opts_parse_json: the JSON role's name, for "does not apply to a
	 * NAME" (set it before the call) */
	const char *role_name;
};

/*
 * Are cmd's groups where their rows can write? Every placement's member
 * has the size of its group's struct, and every row's field (offset +
 * size) lies inside that struct. 0, or -EINVAL with err (may be NULL)
 * naming the group and the placement or row. opts_parse_argv,
 * opts_parse_json and opts_to_argv refuse a command that fails it.
 */
int opts_check(const struct opt_command *cmd, struct lr_err *err);

/* A row of a command, by index over all its groups (0..). */
size_t opts_count(const struct opt_command *cmd);
const struct opt_row *opts_row(const struct opt_command *cmd, size_t index,
			       size_t *offset);
/* The index of the row with this long name (or JSON key), or -ENOENT. */
int opts_find(const struct opt_command *cmd, const char *name);
int opts_find_json(const struct opt_command *cmd, const char *key);
/* Does the row apply to this role set (0: any)? */
bool opts_row_applies(const struct opt_row *row, uint32_t roles);

/* Was the row with this long name (JSON: key) given? Only rows that
 * were parsed are seen, so a name shared by rows of two roles is not
 * ambiguous. */
bool opts_seen(const struct opt_parse *st, const char *name);
/* Its position among the options seen (1..), 0 when not seen. */
unsigned int opts_seen_order(const struct opt_parse *st, const char *name);

/*
 * Parse argv[1..] (argv[0] is the command's name) into cfg. `role`
 * narrows the rows to a role bit (0: cmd->roles). Returns 0, or
 * CMD_HELP_SHOWN after printing --help to stdout, or OPTS_EXIT_USAGE
 * (2) after one line on stderr: a bad value, an unknown flag, a
 * missing value, an unexpected argument, or two exclusive flags. st
 * (may be NULL) tells what was seen, and the error.
 */
int opts_parse_argv(const struct opt_command *cmd, uint32_t role, int argc,
		    char **argv, void *cfg, struct opt_parse *st);

/*
 * Parse the members of a JSON object into cfg by the rows' json_key.
 * json_role narrows rows by json_roles (0: all) and is st->role while
 * the rows' callbacks run; st->user and st->role_name are kept, the rest
 * of st is reset. Unknown keys, keys of
 * rows whose json_roles miss json_role, and bad values fail with
 * -EINVAL and st->err naming the field. Keys in skip (NULL-terminated,
 * may be NULL) are left to the caller.
 */
int opts_parse_json(const struct opt_command *cmd, uint32_t json_role,
		    json_t *object, const char *const *skip, void *cfg,
		    struct opt_parse *st);

/* Record an error for the row being parsed: st->err.code is -EINVAL,
 * field the flag (or the JSON key), message the formatted text (it
 * replaces an error already there). Returns -EINVAL. */
int opts_fail(struct opt_parse *st, const struct opt_row *row, const char *fmt,
	      ...) __attribute__((format(printf, 3, 4)));

/* A row's value in cfg as text (the text its flag takes): 1 written, 0
 * nothing (a switch that is off, an empty string, a number outside the
 * row's range such as an unset 0, a zero duration), negative errno. */
int opts_format_value(const struct opt_row *row, const void *cfg, size_t offset,
		      char *buf, size_t len);

/*
 * The argv that gives a child process cfg's values: "--name value" (or
 * "--name" for a switch that is on) for every row of cmd that applies to
 * role and differs from defaults (cfg as the command initialised it before
 * parsing). argv[0] is cmd->name. The strings live in one allocation:
 * free with opts_argv_free(). Returns the argument count, or -errno.
 */
int opts_to_argv(const struct opt_command *cmd, uint32_t role, const void *cfg,
		 const void *defaults, char ***argv_out);
void opts_argv_free(char **argv);

/*
 * The JSON members of cfg for keys (rows' json_key, NULL-terminated), set
 * in object: true/false for a switch or bool, an integer for OPT_UINT
 * and for a value whose text is a decimal integer (a frame size, a TOS
 * byte), else the text its flag takes ("1Mpps", "100:5"). A key whose
 * row writes nothing (unset) is left out. Returns 0, -ENOENT for a key no
 * row has, -ENOMEM.
 */
int opts_to_json(const struct opt_command *cmd, const void *cfg,
		 const char *const *keys, json_t *object);

/* Output from the rows. */
void opts_print_help(const struct opt_command *cmd, uint32_t role, FILE *out);
/* A man page (roff) for "linerate CMD"; date like "2026-12-04". */
void opts_print_man(const struct opt_command *cmd, const char *version,
		    const char *date, FILE *out);
/* Completion for every command: shell "bash" or "zsh". -EINVAL for
 * another shell. Commands with no groups complete no flags. */
int opts_print_completion(const struct opt_command *const *cmds, size_t ncmds,
			  const char *shell, FILE *out);

/* Row constructors for the common types. */
#define OPT_FIELD(type, field)                                                 \
	.offset = offsetof(type, field), .size = sizeof(((type *)0)->field)

/* (The struct parameter is not called `type`: it would replace the .type
 * designator too.) */
#define OPT_SWITCH_ROW(lname, cfg_type, field, text)                           \
	{                                                                      \
		.name = (lname), .type = OPT_SWITCH,                           \
		OPT_FIELD(cfg_type, field), .help = (text)                     \
	}
#define OPT_UINT_ROW(lname, cfg_type, field, lo, hi, argname, dflt, text, acc) \
	{                                                                      \
		.name = (lname), .type = OPT_UINT, OPT_FIELD(cfg_type, field), \
		.min = (lo), .max = (hi), .arg = (argname), .def = (dflt),     \
		.help = (text), .accepted = (acc)                              \
	}
#define OPT_STRING_ROW(lname, cfg_type, field, argname, text)                  \
	{                                                                      \
		.name = (lname), .type = OPT_STRING,                           \
		OPT_FIELD(cfg_type, field), .arg = (argname), .help = (text)   \
	}
/* One of name_list (a compound literal of struct opt_name, NULL-ended). */
#define OPT_ENUM_ROW(lname, cfg_type, field, name_list, argname, text, acc)    \
	{                                                                      \
		.name = (lname), .type = OPT_ENUM, OPT_FIELD(cfg_type, field), \
		.names = (name_list), .arg = (argname), .help = (text),        \
		.accepted = (acc)                                              \
	}
/* A name list for OPT_ENUM rows, ended by the macro: an array's
 * initializer (OPT_NAME_LIST), or written inside the row (OPT_NAMES). */
#define OPT_NAME_LIST(...)                                                     \
	{                                                                      \
		__VA_ARGS__,                                                   \
		{                                                              \
			NULL, 0                                                \
		}                                                              \
	}
#define OPT_NAMES(...) ((const struct opt_name[])OPT_NAME_LIST(__VA_ARGS__))
/* A bool chosen by one of two words, off_name (false) or on_name (true):
 * the placeholder and the accepted text are made of the two. */
#define OPT_BOOL_ENUM_ROW(lname, cfg_type, field, off_name, on_name, text)     \
	OPT_ENUM_ROW(lname, cfg_type, field,                                   \
		     OPT_NAMES({off_name, false}, {on_name, true}),            \
		     off_name "|" on_name, text, off_name ", " on_name)
/* A path kept as a pointer into argv (a const char * field); what else
 * the row needs (.parse, .accepted, .roles) follows as designators. */
#define OPT_FILE_ROW(lname, cfg_type, field, text, ...)                        \
	{                                                                      \
		.name = (lname), .type = OPT_STRING,                           \
		.flags = OPT_F_PTR | OPT_F_FILE, OPT_FIELD(cfg_type, field),   \
		.arg = "FILE", .help = (text), __VA_ARGS__                     \
	}

/* A file's own group of cfg_type rows: its type and the group in one
 * line (OPT_GROUP_TYPE and OPT_GROUP_FOR, the type named once). */
#define OPT_STATIC_GROUP(ident, gname, array, cfg_type)                        \
	OPT_GROUP_TYPE(ident, cfg_type);                                       \
	static const struct opt_group ident =                                  \
		OPT_GROUP_FOR(ident, gname, array, cfg_type)

#endif
