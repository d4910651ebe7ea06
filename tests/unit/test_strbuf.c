// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"

static void test_fixed_fits(void **state)
{
	char buf[32] = "old";
	struct strbuf sb;

	(void)state;
	strbuf_init_fixed(&sb, buf, sizeof(buf));
	assert_string_equal(buf, "");
	strbuf_sep(&sb, "; ");
	strbuf_printf(&sb, "%s=%d", "a", 1);
	strbuf_sep(&sb, "; ");
	strbuf_printf(&sb, "%s=%d", "bb", 22);
	assert_string_equal(buf, "a=1; bb=22");
	assert_int_equal(sb.len, strlen(buf));
	assert_true(strbuf_ok(&sb));
}

/* Cut like snprintf would, and nothing after the cut. */
static void test_fixed_truncates(void **state)
{
	char buf[8];
	struct strbuf sb;

	(void)state;
	strbuf_init_fixed(&sb, buf, sizeof(buf));
	strbuf_printf(&sb, "%s", "12345");
	assert_true(strbuf_ok(&sb));
	strbuf_printf(&sb, "%s", "6789");
	assert_string_equal(buf, "1234567");
	assert_int_equal(sb.len, 7);
	assert_true(sb.truncated);
	assert_false(strbuf_ok(&sb));
	strbuf_printf(&sb, "%s", "x");
	assert_string_equal(buf, "1234567");
}

static void test_fixed_exact_fit(void **state)
{
	char buf[4];
	struct strbuf sb;

	(void)state;
	strbuf_init_fixed(&sb, buf, sizeof(buf));
	strbuf_printf(&sb, "abc");
	assert_string_equal(buf, "abc");
	assert_true(strbuf_ok(&sb));
	strbuf_printf(&sb, "%s", "");
	assert_true(strbuf_ok(&sb));
	strbuf_printf(&sb, "d");
	assert_string_equal(buf, "abc");
	assert_false(strbuf_ok(&sb));
}

static void test_fixed_zero_cap(void **state)
{
	char buf[1] = {'z'};
	struct strbuf sb;

	(void)state;
	strbuf_init_fixed(&sb, buf, 0);
	strbuf_printf(&sb, "abc");
	assert_int_equal(buf[0], 'z');
	assert_false(strbuf_ok(&sb));
}

static void test_append_keeps_text(void **state)
{
	char buf[16] = "xdp refused";
	char full[4] = {'a', 'b', 'c', 'd'};
	struct strbuf sb;

	(void)state;
	strbuf_init_append(&sb, buf, sizeof(buf));
	assert_int_equal(sb.len, 11);
	strbuf_sep(&sb, "; ");
	strbuf_printf(&sb, "udp");
	assert_string_equal(buf, "xdp refused; ud");
	assert_false(strbuf_ok(&sb));

	/* A buffer with no NUL in it is ended at its last byte. */
	strbuf_init_append(&sb, full, sizeof(full));
	assert_string_equal(full, "abc");
	assert_false(strbuf_ok(&sb));
}

static void test_heap_grows(void **state)
{
	struct strbuf sb;
	char *text;

	(void)state;
	assert_int_equal(strbuf_init_heap(&sb, 4), 0);
	for (int i = 0; i < 1000; i++)
		strbuf_printf(&sb, "%03d,", i % 1000);
	assert_true(strbuf_ok(&sb));
	assert_int_equal(sb.len, 4000);
	text = strbuf_detach(&sb);
	assert_non_null(text);
	assert_int_equal(strlen(text), 4000);
	assert_memory_equal(text, "000,001,002,", 12);
	assert_memory_equal(text + 3996, "999,", 4);
	free(text);
	assert_null(sb.text);
	/* Appending to a detached builder does nothing. */
	strbuf_printf(&sb, "x");
	assert_int_equal(sb.len, 0);
}

static void test_heap_one_big_piece(void **state)
{
	struct strbuf sb;
	char big[5000];
	char *text;

	(void)state;
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(strbuf_init_heap(&sb, 0), 0);
	strbuf_printf(&sb, "<%s>", big);
	assert_int_equal(sb.len, sizeof(big) + 1);
	text = strbuf_detach(&sb);
	assert_int_equal(text[0], '<');
	assert_int_equal(text[sizeof(big)], '>');
	assert_int_equal(text[sizeof(big) + 1], '\0');
	free(text);
}

static void test_detach_fixed_refused(void **state)
{
	char buf[8];
	struct strbuf sb;

	(void)state;
	strbuf_init_fixed(&sb, buf, sizeof(buf));
	errno = 0;
	assert_null(strbuf_detach(&sb));
	assert_int_equal(errno, EINVAL);
	strbuf_release(&sb); /* leaves the caller's buffer alone */
}

static void test_heap_failed_detach_null(void **state)
{
	struct strbuf sb;

	(void)state;
	assert_int_equal(strbuf_init_heap(&sb, 8), 0);
	strbuf_printf(&sb, "ok");
	sb.failed = true; /* as after a failed realloc */
	strbuf_printf(&sb, "more");
	assert_int_equal(sb.len, 2);
	errno = 0;
	assert_null(strbuf_detach(&sb));
	assert_int_equal(errno, ENOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_fits),
		cmocka_unit_test(test_fixed_truncates),
		cmocka_unit_test(test_fixed_exact_fit),
		cmocka_unit_test(test_fixed_zero_cap),
		cmocka_unit_test(test_append_keeps_text),
		cmocka_unit_test(test_heap_grows),
		cmocka_unit_test(test_heap_one_big_piece),
		cmocka_unit_test(test_detach_fixed_refused),
		cmocka_unit_test(test_heap_failed_detach_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
