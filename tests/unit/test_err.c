// SPDX-License-Identifier: MIT
/* lib/err.c: the first cause is kept, one line, field and code as set. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "lib/err.h"

static void test_set_keeps_the_first(void **state)
{
	struct lr_err err = {0};

	(void)state;
	assert_false(lr_err_is_set(&err));
	assert_string_equal(lr_err_text(&err), "");
	assert_int_equal(lr_err_set(&err, -EADDRINUSE, "port",
				    "port %u: in use\nsecond line", 9000),
			 -EADDRINUSE);
	assert_true(lr_err_is_set(&err));
	assert_int_equal(err.code, -EADDRINUSE);
	assert_string_equal(err.field, "port");
	assert_string_equal(err.message, "port 9000: in use");
	/* A later failure, caused by the first, does not replace it. */
	assert_int_equal(lr_err_set(&err, -EIO, "size", "later"), -EIO);
	assert_int_equal(err.code, -EADDRINUSE);
	assert_string_equal(err.field, "port");
	assert_string_equal(err.message, "port 9000: in use");
	lr_err_clear(&err);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.field, "");
}

static void test_errno_and_prefix(void **state)
{
	struct lr_err err = {0};
	char longer[600];

	(void)state;
	/* No message: the code's words. */
	lr_err_errno(&err, -ENODEV);
	assert_string_equal(lr_err_text(&err), strerror(ENODEV));
	lr_err_prefix(&err, "%s backend", "afxdp");
	assert_int_equal(err.code, -ENODEV);
	assert_non_null(strstr(err.message, "afxdp backend: "));
	assert_non_null(strstr(err.message, strerror(ENODEV)));
	/* Never past the buffer. */
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	lr_err_prefix(&err, "%s", longer);
	assert_true(strlen(err.message) < sizeof(err.message));
	/* NULL keeps nothing and returns the code. */
	assert_int_equal(lr_err_set(NULL, -EINVAL, NULL, "x"), -EINVAL);
	lr_err_prefix(NULL, "y");
	/* A prefix on nothing set stays nothing. */
	lr_err_clear(&err);
	lr_err_prefix(&err, "z");
	assert_string_equal(err.message, "");
}

static void test_verbatim_replaces_and_keeps_newlines(void **state)
{
	struct lr_err err = {0};

	(void)state;
	lr_err_set(&err, -ENOENT, "first", "the first");
	/* Replaces what was there, the user's value whole. */
	assert_int_equal(lr_err_set_verbatim(&err, -EINVAL, "size",
					     "--size: '%s' is bad", "a\nb"),
			 -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	assert_string_equal(err.field, "size");
	assert_string_equal(err.message, "--size: 'a\nb' is bad");
	/* No field: "". */
	lr_err_set_verbatim(&err, -EINVAL, NULL, "x");
	assert_string_equal(err.field, "");
	assert_int_equal(lr_err_set_verbatim(NULL, -EPERM, NULL, "y"), -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_keeps_the_first),
		cmocka_unit_test(test_errno_and_prefix),
		cmocka_unit_test(test_verbatim_replaces_and_keeps_newlines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
