// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

/* Lines in the file stderr was sent to. */
static unsigned int lines_in(FILE *f)
{
	unsigned int n = 0;
	int c;

	fflush(stderr);
	rewind(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	return n;
}

static void test_burst_then_counted(void **state)
{
	FILE *f = tmpfile();
	int saved = dup(2);
	unsigned long long before = log_client_suppressed();

	(void)state;
	assert_non_null(f);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fileno(f), 2), 2);

	/* A thread that did not opt in is never limited. */
	for (int i = 0; i < 3 * LOG_CLIENT_BURST; i++)
		pr_warn("own line %d\n", i);
	assert_int_equal(lines_in(f), 3 * LOG_CLIENT_BURST);
	assert_int_equal(log_client_suppressed(), before);

	/* A client's: the burst goes through, the rest are counted. */
	log_client_thread(1);
	for (int i = 0; i < LOG_CLIENT_BURST + 7; i++)
		pr_warn("client line %d\n", i);
	/* Below the level: neither printed nor counted. */
	pr_debug("not at this level\n");
	log_client_thread(0);
	assert_int_equal(lines_in(f), 4 * LOG_CLIENT_BURST);
	assert_int_equal(log_client_suppressed() - before, 7);

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
