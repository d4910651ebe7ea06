// SPDX-License-Identifier: MIT
/*
 * The option model's parsing side: argv and JSON into a config by the
 * rows, and a config back into the argv of a child (options.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/frame.h"
#include "lib/options.h"
#include "lib/units.h"

#define ROW_ID_BASE	1000
#define MAX_DURATION_NS (30ULL * 24 * 3600 * 1000000000ULL)

size_t opts_count(const struct opt_command *cmd)
{
	size_t n = 0;

	for (const struct opt_group_ref *g = cmd->groups; g && g->group; g++)
		n += g->group->nrows;
	return n;
}

const struct opt_row *opts_row(const struct opt_command *cmd, size_t index,
			       size_t *offset)
{
	for (const struct opt_group_ref *g = cmd->groups; g && g->group; g++) {
		if (index < g->group->nrows) {
			if (offset)
				*offset = g->offset;
			return &g->group->rows[index];
		}
		index -= g->group->nrows;
	}
	return NULL;
}

/* The bytes a row's typed parsing and formatting touch at its offset
 * (a callback row without a size: none the model knows of). */
static size_t row_extent(const struct opt_row *row)
{
	if (row->size)
		return row->size;
	switch (row->type) {
	case OPT_SWITCH:
	case OPT_BOOL:
		return sizeof(bool);
	case OPT_SET:
	case OPT_ENUM:
		return sizeof(int);
	case OPT_DURATION:
	case OPT_BITRATE:
		return sizeof(uint64_t);
	case OPT_RATE:
		return sizeof(struct rate);
	case OPT_ADDRESS:
		return sizeof(struct ip_addr);
	case OPT_STRING:
	case OPT_UINT:
	case OPT_CUSTOM:
		break;
	}
	return 0;
}

int opts_check(const struct opt_command *cmd, struct lr_err *err)
{
	for (const struct opt_group_ref *g = cmd->groups; g && g->group; g++) {
		const struct opt_group *grp = g->group;
		const char *type = grp->struct_name ? grp->struct_name : "?";

		if (!grp->struct_size || g->size != grp->struct_size)
			return lr_err_set(err, -EINVAL, grp->name,
					  "%s: group %s (%s, %zu bytes) placed "
					  "at %s (%zu bytes)",
					  cmd->name, grp->name, type,
					  grp->struct_size,
					  g->member ? g->member : "?", g->size);
		for (size_t i = 0; i < grp->nrows; i++) {
			const struct opt_row *r = &grp->rows[i];

			if (r->offset > grp->struct_size ||
			    row_extent(r) > grp->struct_size - r->offset)
				return lr_err_set(
					err, -EINVAL, grp->name,
					"%s: group %s: row %s (offset %zu, %zu "
					"bytes) lies outside %s (%zu bytes)",
					cmd->name, grp->name,
					r->name ? r->name : "?", r->offset,
					row_extent(r), type, grp->struct_size);
		}
	}
	return 0;
}

bool opts_row_applies(const struct opt_row *row, uint32_t roles)
{
	return !row->roles || !roles || (row->roles & roles);
}

static int find_by(const struct opt_command *cmd, const char *name, bool json)
{
	size_t n = opts_count(cmd);

	for (size_t i = 0; i < n; i++) {
		const struct opt_row *r = opts_row(cmd, i, NULL);
		const char *s = json ? r->json_key : r->name;

		if (s && !strcmp(s, name))
			return (int)i;
	}
	return -ENOENT;
}

int opts_find(const struct opt_command *cmd, const char *name)
{
	return find_by(cmd, name, false);
}

int opts_find_json(const struct opt_command *cmd, const char *key)
{
	return find_by(cmd, key, true);
}

unsigned int opts_seen_order(const struct opt_parse *st, const char *name)
{
	size_t n = opts_count(st->cmd);

	/* Two commands' rows may share a name (stamp's --clock-sync and
	 * recv's): the one of this parse's role. */
	for (size_t i = 0; i < n && i < OPTS_MAX_ROWS; i++) {
		const struct opt_row *r = opts_row(st->cmd, i, NULL);
		const char *s = st->json && r->json_key ? r->json_key : r->name;

		if (s && !strcmp(s, name) && st->seen[i])
			return st->seen[i];
	}
	return 0;
}

bool opts_seen(const struct opt_parse *st, const char *name)
{
	return opts_seen_order(st, name) != 0;
}

/* Set the parse's error, replacing one there: the value quoted is the
 * user's, shown whole (lr_err_set_verbatim()). */
static int parse_verror(struct opt_parse *st, const char *field,
			const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static int parse_verror(struct opt_parse *st, const char *field,
			const char *fmt, va_list ap)
{
	return lr_err_vset_verbatim(&st->err, -EINVAL, field, fmt, ap);
}

static int parse_error(struct opt_parse *st, const char *field, const char *fmt,
		       ...) __attribute__((format(printf, 3, 4)));

static int parse_error(struct opt_parse *st, const char *field, const char *fmt,
		       ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = parse_verror(st, field, fmt, ap);
	va_end(ap);
	return rc;
}

int opts_fail(struct opt_parse *st, const struct opt_row *row, const char *fmt,
	      ...)
{
	va_list ap;

	va_start(ap, fmt);
	parse_verror(
		st,
		row ? (st->json && row->json_key ? row->json_key : row->name) :
		      "",
		fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void *field_at(void *cfg, size_t base, const struct opt_row *row)
{
	return (char *)cfg + base + row->offset;
}

static const void *cfield_at(const void *cfg, size_t base,
			     const struct opt_row *row)
{
	return (const char *)cfg + base + row->offset;
}

/* Integer fields are 1, 2, 4 or 8 bytes: where a field of size bytes
 * finds its value in a uint64_t (the low bytes, in the machine's order),
 * or -1 for another size. */
static int low_bytes(size_t size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -1;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (int)(sizeof(uint64_t) - size);
#else
	return 0;
#endif
}

/* v cut to size bytes. */
static int store_uint(void *p, size_t size, uint64_t v)
{
	int at = low_bytes(size);

	if (at < 0)
		return -EINVAL;
	memcpy(p, (const char *)&v + at, size);
	return 0;
}

static uint64_t load_uint(const void *p, size_t size)
{
	int at = low_bytes(size);
	uint64_t v = 0;

	if (at >= 0)
		memcpy((char *)&v + at, p, size);
	return v;
}

/* OPT_ENUM and OPT_SET fields: an enum or int unless the row says
 * another size (a bool, a uint8_t). */
static size_t int_size(const struct opt_row *row)
{
	return row->size ? row->size : sizeof(int);
}

static int enum_lookup(const struct opt_row *row, const char *text, int *out)
{
	for (const struct opt_name *n = row->names; n && n->name; n++) {
		if (!strcmp(n->name, text)) {
			*out = n->value;
			return 0;
		}
	}
	return -EINVAL;
}

/* An address without a port: "10.0.0.1", "::1" or "[::1]". */
static int parse_address(const char *text, struct ip_addr *out)
{
	struct ip_addr a = {0};
	bool has_port = false;
	uint16_t port;

	if (parse_endpoint(text, true, &a, &port, &has_port) || has_port)
		return -EINVAL;
	*out = a;
	return 0;
}

static bool value_pow2_ok(const struct opt_row *row, uint64_t v)
{
	return !(row->flags & OPT_F_POW2) || !(v & (v - 1));
}

/* One CLI value of a typed row; -EINVAL for the standard bad-value line. */
static int parse_typed(const struct opt_row *row, void *p, const char *v)
{
	uint64_t n;
	int e;

	switch (row->type) {
	case OPT_SWITCH:
		*(bool *)p = !(row->flags & OPT_F_INVERT);
		return 0;
	case OPT_SET:
		return store_uint(p, int_size(row), (uint64_t)row->set);
	case OPT_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "yes") ||
		    !strcmp(v, "on") || !strcmp(v, "1"))
			*(bool *)p = true;
		else if (!strcmp(v, "false") || !strcmp(v, "no") ||
			 !strcmp(v, "off") || !strcmp(v, "0"))
			*(bool *)p = false;
		else
			return -EINVAL;
		return 0;
	case OPT_STRING:
		if (!*v)
			return -EINVAL;
		if (row->flags & OPT_F_PTR) {
			*(const char **)p = v;
			return 0;
		}
		if (strlen(v) >= row->size)
			return -EINVAL;
		memcpy(p, v, strlen(v) + 1);
		return 0;
	case OPT_UINT:
		if (parse_u64(v, row->min, row->max, &n) ||
		    !value_pow2_ok(row, n))
			return -EINVAL;
		return store_uint(p, row->size, n);
	case OPT_DURATION:
		if ((row->flags & OPT_F_ZERO) && !strcmp(v, "0")) {
			*(uint64_t *)p = 0;
			return 0;
		}
		if (parse_duration(v, &n) || n < row->min ||
		    (row->max && n > row->max))
			return -EINVAL;
		*(uint64_t *)p = n;
		return 0;
	case OPT_RATE:
		return parse_rate(v, p) ? -EINVAL : 0;
	case OPT_BITRATE:
		return parse_bitrate(v, p) ? -EINVAL : 0;
	case OPT_ENUM:
		e = 0;
		if (enum_lookup(row, v, &e))
			return -EINVAL;
		return store_uint(p, int_size(row), (uint64_t)e);
	case OPT_ADDRESS:
		return parse_address(v, p);
	case OPT_CUSTOM:
		break;
	}
	return -EINVAL;
}

/* Two exclusive rows: the one given second names the first. */
static int check_exclusive(struct opt_parse *st, const struct opt_row *row,
			   uint32_t roles)
{
	size_t n = opts_count(st->cmd);

	if (!row->excl_with)
		return 0;
	for (size_t i = 0; i < n && i < OPTS_MAX_ROWS; i++) {
		const struct opt_row *o = opts_row(st->cmd, i, NULL);

		if (o == row || !st->seen[i] ||
		    !(o->excl_bit & row->excl_with) ||
		    !opts_row_applies(o, roles))
			continue;
		return opts_fail(st, row,
				 "cannot be combined with --%s (choose one)",
				 o->name);
	}
	return 0;
}

static void mark_seen(struct opt_parse *st, size_t index)
{
	if (index < OPTS_MAX_ROWS && !st->seen[index])
		st->seen[index] = ++st->nseen;
}

/* One row's CLI value: 0, or -EINVAL with st->err set. */
static int parse_row(struct opt_parse *st, size_t index, void *cfg,
		     const char *value, uint32_t roles)
{
	size_t base = 0;
	const struct opt_row *row = opts_row(st->cmd, index, &base);
	int rc;

	rc = check_exclusive(st, row, roles);
	if (rc)
		return rc;
	lr_err_clear(&st->err);
	if (row->parse)
		rc = row->parse(row, (char *)cfg + base, value, st);
	else
		rc = parse_typed(row, field_at(cfg, base, row), value);
	if (rc && !lr_err_is_set(&st->err))
		opts_fail(st, row, "invalid value '%s' (accepted: %s)",
			  value ? value : "",
			  row->accepted ? row->accepted : "see --help");
	if (!rc)
		mark_seen(st, index);
	return rc ? -EINVAL : 0;
}

static bool has_value(const struct opt_row *row)
{
	if (row->parse)
		return row->arg != NULL;
	return row->type != OPT_SWITCH && row->type != OPT_SET;
}

/* getopt_long's tables from the rows that apply. */
static size_t build_getopt(const struct opt_command *cmd, uint32_t roles,
			   struct option *longopts, char *shortopts,
			   size_t short_len)
{
	size_t n = opts_count(cmd), k = 0, s;

	s = (size_t)snprintf(shortopts, short_len, ":h");
	for (size_t i = 0; i < n && i < OPTS_MAX_ROWS; i++) {
		const struct opt_row *r = opts_row(cmd, i, NULL);

		if (!opts_row_applies(r, roles) ||
		    (r->flags & OPT_F_JSON_ONLY) || !r->name)
			continue;
		longopts[k++] = (struct option){r->name, has_value(r) ? 1 : 0,
						NULL, ROW_ID_BASE + (int)i};
		if (r->short_name && s + 3 < short_len) {
			shortopts[s++] = r->short_name;
			if (has_value(r))
				shortopts[s++] = ':';
			shortopts[s] = '\0';
		}
	}
	longopts[k++] = (struct option){"help", 0, NULL, 'h'};
	memset(&longopts[k], 0, sizeof(longopts[k]));
	return k;
}

static int short_row(const struct opt_command *cmd, uint32_t roles, int c)
{
	size_t n = opts_count(cmd);

	for (size_t i = 0; i < n && i < OPTS_MAX_ROWS; i++) {
		const struct opt_row *r = opts_row(cmd, i, NULL);

		if (r->short_name == c && opts_row_applies(r, roles))
			return (int)i;
	}
	return -1;
}

static int usage_error(const struct opt_command *cmd, struct opt_parse *st,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage_error(const struct opt_command *cmd, struct opt_parse *st,
		       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	st->err.code = -EINVAL;
	vsnprintf(st->err.message, sizeof(st->err.message), fmt, ap);
	va_end(ap);
	fprintf(stderr, "linerate %s: %s\n", cmd->name, st->err.message);
	return OPTS_EXIT_USAGE;
}

/* getopt's ':' and '?': the flag it stopped at. */
static int getopt_error(const struct opt_command *cmd, uint32_t roles, int id,
			int argc, char **argv, struct opt_parse *st)
{
	const char *arg = optind - 1 < argc ? argv[optind - 1] : "";

	if (id == ':') {
		int i = optopt >= ROW_ID_BASE ? optopt - ROW_ID_BASE :
						short_row(cmd, roles, optopt);
		const struct opt_row *r =
			i >= 0 ? opts_row(cmd, (size_t)i, NULL) : NULL;

		snprintf(st->err.field, sizeof(st->err.field), "%s",
			 r ? r->name : arg + strspn(arg, "-"));
		return usage_error(cmd, st,
				   "--%s: a value is required (see --help)",
				   st->err.field);
	}
	if (optopt && optopt < 256)
		return usage_error(cmd, st, "-%c: unknown flag (see --help)",
				   optopt);
	return usage_error(cmd, st, "%s: unknown flag (see --help)", arg);
}

int opts_parse_argv(const struct opt_command *cmd, uint32_t role, int argc,
		    char **argv, void *cfg, struct opt_parse *st)
{
	struct option longopts[OPTS_MAX_ROWS + 2];
	char shortopts[2 * OPTS_MAX_ROWS + 4];
	struct opt_parse local;
	uint32_t roles = role ? role : cmd->roles;
	int id;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	st->cmd = cmd;
	st->role = roles;
	if (opts_count(cmd) > OPTS_MAX_ROWS)
		return usage_error(cmd, st, "too many option rows");
	if (opts_check(cmd, &st->err)) {
		fprintf(stderr, "linerate %s: option table: %s\n", cmd->name,
			st->err.message);
		return OPTS_EXIT_USAGE;
	}
	build_getopt(cmd, roles, longopts, shortopts, sizeof(shortopts));
	optind = 1;
	opterr = 0;
	while ((id = getopt_long(argc, argv, shortopts, longopts, NULL)) !=
	       -1) {
		int index = id >= ROW_ID_BASE ? id - ROW_ID_BASE : -1;

		if (id == 'h') {
			opts_print_help(cmd, roles, stdout);
			return CMD_HELP_SHOWN;
		}
		if (id == ':' || id == '?')
			return getopt_error(cmd, roles, id, argc, argv, st);
		if (index < 0)
			index = short_row(cmd, roles, id);
		if (index < 0)
			return usage_error(
				cmd, st, "-%c: unknown flag (see --help)", id);
		if (parse_row(st, (size_t)index, cfg, optarg, roles)) {
			fprintf(stderr, "linerate %s: --%s: %s\n", cmd->name,
				st->err.field, st->err.message);
			return OPTS_EXIT_USAGE;
		}
	}
	st->args = argv + optind;
	st->nargs = (unsigned int)(argc - optind);
	if (st->nargs > cmd->max_args)
		return usage_error(cmd, st,
				   "unexpected argument '%s' (see --help)",
				   argv[optind + cmd->max_args]);
	return 0;
}

/* JSON. */

static int json_uint(const struct opt_row *row, void *p, json_t *v,
		     struct opt_parse *st)
{
	json_int_t n;

	if (!json_is_integer(v))
		return opts_fail(st, row, "must be an integer");
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n < row->min || (uint64_t)n > row->max)
		return opts_fail(st, row,
				 "%lld is out of range (accepted: %" PRIu64
				 "..%" PRIu64 ")",
				 (long long)n, row->min, row->max);
	if (!value_pow2_ok(row, (uint64_t)n))
		return opts_fail(st, row, "%lld is not a power of two",
				 (long long)n);
	return store_uint(p, row->size, (uint64_t)n);
}

/* A JSON value as the flag's text (a string, read as on the command line)
 * or as a number of units: a parser for each form (0, or -EINVAL when it
 * refuses the value), the bad-value line of each (given the string, or
 * the number), and what the bad-type line offers. */
struct json_forms {
	int (*text)(const struct opt_row *row, void *p, const char *s);
	int (*number)(const struct opt_row *row, void *p, double n);
	const char *bad_text; /* a format taking the string */
	const char *bad_number; /* a format taking the number */
	const char *like; /* "\"10s\" or a number of seconds" */
};

static int json_text_or_number(const struct opt_row *row, void *p, json_t *v,
			       struct opt_parse *st,
			       const struct json_forms *forms)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (forms->text(row, p, s))
			return opts_fail(st, row, forms->bad_text, s);
		return 0;
	}
	if (json_is_number(v)) {
		double n = json_number_value(v);

		if (forms->number(row, p, n))
			return opts_fail(st, row, forms->bad_number, n);
		return 0;
	}
	return opts_fail(st, row, "must be a string like %s", forms->like);
}

static uint64_t max_duration(const struct opt_row *row)
{
	return row->max ? row->max : MAX_DURATION_NS;
}

static int duration_text(const struct opt_row *row, void *p, const char *s)
{
	uint64_t ns;

	if (parse_duration(s, &ns) || !ns || ns < row->min ||
	    ns > max_duration(row))
		return -EINVAL;
	*(uint64_t *)p = ns;
	return 0;
}

static int duration_seconds(const struct opt_row *row, void *p, double s)
{
	/* Under a nanosecond would be 0, which means "no limit"; the
	 * string form refuses it too, and rounds the same way. */
	if (!isfinite(s) || s * 1e9 < 1 || s * 1e9 < (double)row->min ||
	    s > (double)max_duration(row) / 1e9)
		return -EINVAL;
	*(uint64_t *)p = (uint64_t)(s * 1e9 + 0.5);
	return 0;
}

static int rate_text(const struct opt_row *row, void *p, const char *s)
{
	(void)row;
	return parse_rate(s, p) ? -EINVAL : 0;
}

static int rate_pps(const struct opt_row *row, void *p, double pps)
{
	struct rate *r = p;

	(void)row;
	if (!isfinite(pps) || pps <= 0 || pps > 2e9)
		return -EINVAL;
	r->kind = RATE_PPS;
	r->value = pps;
	return 0;
}

static const struct json_forms duration_forms = {
	.text = duration_text,
	.number = duration_seconds,
	.bad_text = "'%s' is not a duration (e.g. \"10s\", \"500ms\"; up to "
		    "30 days)",
	.bad_number = "%g seconds is out of range (accepted: 1 ns up to 30 "
		      "days)",
	.like = "\"10s\" or a number of seconds",
};
static const struct json_forms rate_forms = {
	.text = rate_text,
	.number = rate_pps,
	.bad_text = "'%s' is not a rate (e.g. \"1Mpps\", \"800Mbps\", \"max\")",
	.bad_number = "%g pps is out of range (accepted: > 0, up to 2e9)",
	.like = "\"1Mpps\" or a number of pps",
};

static int json_enum(const struct opt_row *row, void *p, json_t *v,
		     struct opt_parse *st)
{
	int e = 0;

	if (!json_is_string(v) || enum_lookup(row, json_string_value(v), &e))
		return opts_fail(st, row, "must be one of %s",
				 row->accepted ? row->accepted :
						 "see the docs");
	*(int *)p = e;
	return 0;
}

static int json_typed(const struct opt_row *row, void *p, json_t *v,
		      struct opt_parse *st)
{
	switch (row->type) {
	case OPT_SWITCH:
	case OPT_BOOL:
		if (!json_is_boolean(v))
			return opts_fail(st, row, "must be true or false");
		*(bool *)p = json_is_true(v) != !!(row->flags & OPT_F_INVERT);
		return 0;
	case OPT_UINT:
		return json_uint(row, p, v, st);
	case OPT_DURATION:
		return json_text_or_number(row, p, v, st, &duration_forms);
	case OPT_RATE:
		return json_text_or_number(row, p, v, st, &rate_forms);
	case OPT_BITRATE:
		if (!json_is_string(v) ||
		    parse_bitrate(json_string_value(v), p))
			return opts_fail(st, row,
					 "must be a bit rate like \"10Gbps\"");
		return 0;
	case OPT_ENUM:
		return json_enum(row, p, v, st);
	case OPT_ADDRESS:
		if (!json_is_string(v) ||
		    parse_address(json_string_value(v), p))
			return opts_fail(
				st, row,
				"must be an IPv4 or IPv6 address (no port)");
		return 0;
	case OPT_STRING:
		if (!json_is_string(v) || (row->flags & OPT_F_PTR) ||
		    json_string_length(v) >= row->size ||
		    !json_string_length(v) ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return opts_fail(st, row,
					 "must be a string of 1..%zu bytes",
					 row->size ? row->size - 1 : 0);
		memcpy(p, json_string_value(v), json_string_length(v) + 1);
		return 0;
	case OPT_SET:
	case OPT_CUSTOM:
		break;
	}
	return opts_fail(st, row, "is not accepted in JSON");
}

static bool in_list(const char *const *list, const char *key)
{
	for (; list && *list; list++)
		if (!strcmp(*list, key))
			return true;
	return false;
}

int opts_parse_json(const struct opt_command *cmd, uint32_t json_role,
		    json_t *object, const char *const *skip, void *cfg,
		    struct opt_parse *st)
{
	const char *key;
	json_t *v;

	memset(st->seen, 0, sizeof(st->seen));
	st->nseen = 0;
	st->cmd = cmd;
	st->json = true;
	st->role = json_role;
	lr_err_clear(&st->err);
	if (opts_check(cmd, &st->err))
		return st->err.code;
	if (!json_is_object(object))
		return parse_error(st, "", "must be a JSON object");
	json_object_foreach(object, key, v)
	{
		int i = in_list(skip, key) ? -1 : opts_find_json(cmd, key);
		size_t base = 0;
		const struct opt_row *row;
		int rc;

		if (in_list(skip, key))
			continue;
		if (i < 0)
			return parse_error(st, key, "unknown field");
		row = opts_row(cmd, (size_t)i, &base);
		if (json_role && row->json_roles &&
		    !(row->json_roles & json_role))
			return opts_fail(st, row, "does not apply to a %s",
					 st->role_name ? st->role_name :
							 "this");
		if (row->parse_json)
			rc = row->parse_json(row, (char *)cfg + base, v, st);
		else
			rc = json_typed(row, field_at(cfg, base, row), v, st);
		if (rc)
			return -EINVAL;
		mark_seen(st, (size_t)i);
	}
	return 0;
}

/* Formatting. */

static void format_duration(uint64_t ns, char *buf, size_t len)
{
	static const struct {
		uint64_t ns;
		const char *unit;
	} units[] = {{3600000000000ULL, "h"}, {60000000000ULL, "m"},
		     {1000000000ULL, "s"},    {1000000ULL, "ms"},
		     {1000ULL, "us"},	      {1ULL, "ns"}};

	/* "0", not "0h": the rows that take 0 (OPT_F_ZERO) take it so. */
	if (!ns) {
		snprintf(buf, len, "0");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ns % units[i].ns == 0) {
			snprintf(buf, len, "%" PRIu64 "%s", ns / units[i].ns,
				 units[i].unit);
			return;
		}
	}
}

static void format_rate(const struct rate *r, char *buf, size_t len)
{
	/* the unit each kind's number is written in */
	static const char *const unit[] = {
		[RATE_PPS] = "pps",
		[RATE_BPS_L1] = "bps",
		[RATE_BPS_L2] = "bps-l2",
		[RATE_PERCENT] = "%",
	};

	if (r->kind == RATE_MAX)
		snprintf(buf, len, "max");
	else if ((size_t)r->kind < sizeof(unit) / sizeof(unit[0]) &&
		 unit[r->kind])
		snprintf(buf, len, "%.17g%s", r->value, unit[r->kind]);
}

static int format_typed(const struct opt_row *row, const void *p, char *buf,
			size_t len)
{
	buf[0] = '\0';
	switch (row->type) {
	case OPT_SWITCH:
		return *(const bool *)p != !!(row->flags & OPT_F_INVERT);
	case OPT_SET:
		return (int)load_uint(p, int_size(row)) == row->set;
	case OPT_BOOL:
		snprintf(buf, len, "%s", *(const bool *)p ? "true" : "false");
		return 1;
	case OPT_STRING: {
		const char *s = row->flags & OPT_F_PTR ?
					*(const char *const *)p :
					(const char *)p;

		if (!s || !*s)
			return 0;
		snprintf(buf, len, "%s", s);
		return 1;
	}
	case OPT_UINT: {
		uint64_t v = load_uint(p, row->size);

		/* Outside the range (an unset 0, a cpu of -1): no flag
		 * says it, so none is written. */
		if (v < row->min || v > row->max)
			return 0;
		snprintf(buf, len, "%" PRIu64, v);
		return 1;
	}
	case OPT_DURATION:
		if (!*(const uint64_t *)p) {
			if (!(row->flags & OPT_F_ZERO))
				return 0;
			snprintf(buf, len, "0");
			return 1;
		}
		format_duration(*(const uint64_t *)p, buf, len);
		return 1;
	case OPT_RATE:
		format_rate(p, buf, len);
		return 1;
	case OPT_BITRATE:
		if (!*(const uint64_t *)p)
			return 0;
		snprintf(buf, len, "%" PRIu64, *(const uint64_t *)p);
		return 1;
	case OPT_ENUM:
		for (const struct opt_name *n = row->names; n && n->name; n++) {
			if (n->value == (int)load_uint(p, int_size(row))) {
				snprintf(buf, len, "%s", n->name);
				return 1;
			}
		}
		return 0;
	case OPT_ADDRESS: {
		const struct ip_addr *a = p;

		if (a->family != AF_INET && a->family != AF_INET6)
			return 0;
		return inet_ntop(a->family, &a->v4, buf, (socklen_t)len) ?
			       1 :
			       -ENOSPC;
	}
	case OPT_CUSTOM:
		break;
	}
	return 0;
}

int opts_format_value(const struct opt_row *row, const void *cfg, size_t offset,
		      char *buf, size_t len)
{
	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	if (row->format)
		return row->format(row, (const char *)cfg + offset, buf, len);
	return format_typed(row, cfield_at(cfg, offset, row), buf, len);
}

/* The strings of an argv, kept in one growing buffer of offsets. */
struct argv_builder {
	char *text;
	size_t used, cap;
	size_t *offsets;
	size_t count, offcap;
};

static int builder_add(struct argv_builder *b, const char *prefix,
		       const char *s)
{
	size_t need = strlen(prefix) + strlen(s) + 1;

	if (b->count + 2 > b->offcap) {
		size_t cap = b->offcap ? 2 * b->offcap : 32;
		size_t *o = realloc(b->offsets, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		b->offsets = o;
		b->offcap = cap;
	}
	if (b->used + need > b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 1024;
		char *t;

		while (cap < b->used + need)
			cap *= 2;
		t = realloc(b->text, cap);
		if (!t)
			return -ENOMEM;
		b->text = t;
		b->cap = cap;
	}
	b->offsets[b->count++] = b->used;
	snprintf(b->text + b->used, need, "%s%s", prefix, s);
	b->used += need;
	return 0;
}

/* One allocation: the pointer array, then the strings. */
static int builder_finish(struct argv_builder *b, char ***argv_out)
{
	size_t ptrs = (b->count + 1) * sizeof(char *);
	char **argv = malloc(ptrs + b->used);
	char *text;

	if (!argv)
		return -ENOMEM;
	text = (char *)argv + ptrs;
	memcpy(text, b->text, b->used);
	for (size_t i = 0; i < b->count; i++)
		argv[i] = text + b->offsets[i];
	argv[b->count] = NULL;
	*argv_out = argv;
	return (int)b->count;
}

static int argv_row(struct argv_builder *b, const struct opt_row *r,
		    size_t base, const void *cfg, const void *defaults)
{
	/* A size mix of 64 sizes is up to 640 characters. */
	char val[1024], def[1024];
	int has = opts_format_value(r, cfg, base, val, sizeof(val));
	int dhas = defaults ? opts_format_value(r, defaults, base, def,
						sizeof(def)) :
			      0;

	if (has < 0)
		return has;
	if (has <= 0 ||
	    (dhas == has && !strcmp(val, def) && !(r->flags & OPT_F_ALWAYS)))
		return 0;
	if (builder_add(b, "--", r->name))
		return -ENOMEM;
	if (has_value(r) && builder_add(b, "", val))
		return -ENOMEM;
	return 0;
}

int opts_to_argv(const struct opt_command *cmd, uint32_t role, const void *cfg,
		 const void *defaults, char ***argv_out)
{
	struct argv_builder b = {0};
	uint32_t roles = role ? role : cmd->roles;
	size_t n = opts_count(cmd);
	int rc = opts_check(cmd, NULL);

	if (!rc)
		rc = builder_add(&b, "", cmd->name);
	for (size_t i = 0; !rc && i < n; i++) {
		size_t base = 0;
		const struct opt_row *r = opts_row(cmd, i, &base);

		if (!r->name || !opts_row_applies(r, roles) ||
		    (r->flags & (OPT_F_JSON_ONLY | OPT_F_NO_ARGV)))
			continue;
		rc = argv_row(&b, r, base, cfg, defaults);
	}
	if (!rc)
		rc = builder_finish(&b, argv_out);
	free(b.text);
	free(b.offsets);
	return rc;
}

static json_t *json_value(const struct opt_row *r, const void *field,
			  const char *text)
{
	size_t digits = strspn(text, "0123456789");

	if (r->type == OPT_SWITCH || r->type == OPT_BOOL)
		return json_boolean(*(const bool *)field !=
				    !!(r->flags & OPT_F_INVERT));
	if ((r->type == OPT_UINT || r->type == OPT_CUSTOM) && digits &&
	    !text[digits] && digits < 19)
		return json_integer((json_int_t)strtoll(text, NULL, 10));
	return json_string(text);
}

int opts_to_json(const struct opt_command *cmd, const void *cfg,
		 const char *const *keys, json_t *object)
{
	for (; keys && *keys; keys++) {
		int i = opts_find_json(cmd, *keys);
		size_t base = 0;
		const struct opt_row *r;
		char text[256];
		int has;

		if (i < 0)
			return -ENOENT;
		r = opts_row(cmd, (size_t)i, &base);
		has = opts_format_value(r, cfg, base, text, sizeof(text));
		if (has < 0)
			return has;
		/* A switch that is off is false, not absent. */
		if (!has && r->type != OPT_SWITCH)
			continue;
		if (json_object_set_new(object, *keys,
					json_value(r, cfield_at(cfg, base, r),
						   text)))
			return -ENOMEM;
	}
	return 0;
}

void opts_argv_free(char **argv)
{
	free(argv);
}
