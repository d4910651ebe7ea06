// SPDX-License-Identifier: MIT
/* The commands' row callbacks (cmd/row_values.c) through the option
 * model's own parser: the values they store, and the one line a bad
 * value gets ("--FLAG: 'V' is not ACCEPTED"). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cmd/row_values.h"
#include "lib/units.h"

enum { WHEN_AUTO, WHEN_REQUIRE, WHEN_OFF };

static const struct opt_name whens[] = {
	{.value = WHEN_AUTO, .name = "auto"},
	{.value = WHEN_REQUIRE, .name = "require"},
	{.value = WHEN_OFF, .name = "off"},
	{.value = 0, .name = NULL},
};

struct cfg {
	uint16_t port;
	uint32_t ring;
	uint64_t big;
	uint64_t timeout_ns;
	uint64_t interval_ns;
	int when;
	unsigned int verbose;
	const char *file;
};

#define F(field) OPT_FIELD(struct cfg, field)

static const struct opt_row rows[] = {
	{.name = "port",
	 .type = OPT_UINT,
	 F(port),
	 .min = 1,
	 .max = 65535,
	 .arg = "N",
	 .parse = cmd_row_uint,
	 .accepted = "a port 1..65535"},
	{.name = "ring",
	 .type = OPT_UINT,
	 .flags = OPT_F_POW2,
	 F(ring),
	 .min = 64,
	 .max = 65536,
	 .arg = "N",
	 .parse = cmd_row_uint,
	 .accepted = "a power of two 64..65536"},
	{.name = "big",
	 .type = OPT_UINT,
	 F(big),
	 .min = 0,
	 .max = UINT64_MAX,
	 .arg = "N",
	 .parse = cmd_row_uint},
	{.name = "timeout",
	 .type = OPT_DURATION,
	 F(timeout_ns),
	 .max = 600000000000ull,
	 .arg = "TIME",
	 .parse = cmd_row_duration,
	 .accepted = "a time up to 10m"},
	{.name = "interval",
	 .type = OPT_DURATION,
	 .flags = OPT_F_ZERO,
	 F(interval_ns),
	 .min = 100000000ull,
	 .arg = "TIME",
	 .parse = cmd_row_duration,
	 .accepted = "0 or a time >= 100ms"},
	{.name = "when",
	 .type = OPT_ENUM,
	 F(when),
	 .names = whens,
	 .arg = "WHEN",
	 .parse = cmd_row_enum,
	 .accepted = "auto, require, off"},
	{.name = "verbose",
	 .short_name = 'v',
	 .type = OPT_CUSTOM,
	 F(verbose),
	 .parse = cmd_row_count},
	{.name = "file",
	 .type = OPT_STRING,
	 .flags = OPT_F_PTR,
	 F(file),
	 .arg = "FILE",
	 .parse = cmd_row_text},
};

OPT_GROUP_TYPE(group, struct cfg);
static const struct opt_group group =
	OPT_GROUP_FOR(group, "test", rows, struct cfg);
static const struct opt_group_ref groups[] = {OPT_AT_ROOT(group, struct cfg),
					      OPT_AT_END};
static const struct opt_command cmd = {
	.name = "rowtest",
	.usage = "rowtest [options]",
	.groups = groups,
};

static int parse(struct cfg *c, struct opt_parse *st, int n, ...)
{
	char *argv[16] = {"rowtest"};
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	memset(c, 0, sizeof(*c));
	return opts_parse_argv(&cmd, 0, n + 1, argv, c, st);
}

static void assert_refused(struct opt_parse *st, int rc, const char *field,
			   const char *message)
{
	assert_int_equal(rc, OPTS_EXIT_USAGE);
	assert_string_equal(st->err.field, field);
	assert_string_equal(st->err.message, message);
}

static void test_uint(void **state)
{
	struct opt_parse st;
	struct cfg c;

	(void)state;
	assert_int_equal(parse(&c, &st, 6, "--port", "65535", "--ring", "64",
			       "--big", "18446744073709551615"),
			 0);
	assert_int_equal(c.port, 65535);
	assert_int_equal(c.ring, 64);
	assert_true(c.big == UINT64_MAX);
	assert_int_equal(parse(&c, &st, 2, "--port", "1"), 0);
	assert_int_equal(c.port, 1);
	assert_refused(&st, parse(&c, &st, 2, "--port", "0"), "port",
		       "'0' is not a port 1..65535");
	assert_refused(&st, parse(&c, &st, 2, "--port", "65536"), "port",
		       "'65536' is not a port 1..65535");
	assert_refused(&st, parse(&c, &st, 2, "--port", "x"), "port",
		       "'x' is not a port 1..65535");
	assert_refused(&st, parse(&c, &st, 2, "--ring", "100"), "ring",
		       "'100' is not a power of two 64..65536");
	assert_refused(&st, parse(&c, &st, 2, "--ring", "131072"), "ring",
		       "'131072' is not a power of two 64..65536");
	/* No accepted text: still one line that says so. */
	assert_refused(&st, parse(&c, &st, 2, "--big", "-1"), "big",
		       "'-1' is not accepted (see --help)");
}

static void test_duration(void **state)
{
	struct opt_parse st;
	struct cfg c;

	(void)state;
	assert_int_equal(
		parse(&c, &st, 4, "--timeout", "10m", "--interval", "0"), 0);
	assert_true(c.timeout_ns == 600000000000ull);
	assert_true(c.interval_ns == 0);
	assert_int_equal(parse(&c, &st, 2, "--interval", "100ms"), 0);
	assert_true(c.interval_ns == 100000000ull);
	assert_refused(&st, parse(&c, &st, 2, "--timeout", "601s"), "timeout",
		       "'601s' is not a time up to 10m");
	assert_refused(&st, parse(&c, &st, 2, "--interval", "99ms"), "interval",
		       "'99ms' is not 0 or a time >= 100ms");
	/* "0" is zero only where the row says so. */
	assert_int_not_equal(parse(&c, &st, 2, "--timeout", "soon"), 0);
}

static void test_enum_count_text(void **state)
{
	struct opt_parse st;
	struct cfg c;

	(void)state;
	assert_int_equal(parse(&c, &st, 2, "--when", "off"), 0);
	assert_int_equal(c.when, WHEN_OFF);
	assert_int_equal(parse(&c, &st, 2, "--when", "require"), 0);
	assert_int_equal(c.when, WHEN_REQUIRE);
	assert_refused(&st, parse(&c, &st, 2, "--when", "never"), "when",
		       "'never' is not auto, require, off");
	assert_int_equal(parse(&c, &st, 3, "-v", "--verbose", "-v"), 0);
	assert_int_equal(c.verbose, 3);
	/* An empty path is passed on: what reads it says what is wrong. */
	assert_int_equal(parse(&c, &st, 2, "--file", ""), 0);
	assert_non_null(c.file);
	assert_string_equal(c.file, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_enum_count_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
