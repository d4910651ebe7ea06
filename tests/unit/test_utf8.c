// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/utf8.h"

/* utf8_make_valid() on a copy of `in` gives `want`. */
static void check(const char *in, const char *want)
{
	char buf[64];
	size_t n;

	assert_true(strlen(in) < sizeof(buf));
	strcpy(buf, in);
	n = utf8_make_valid(buf);
	if (strcmp(buf, want))
		fail_msg("\"%s\" became \"%s\", want \"%s\"", in, buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_valid_unchanged(void **state)
{
	(void)state;
	check("", "");
	check("plain ascii: 0x7f \x7f", "plain ascii: 0x7f \x7f");
	check("caf\xc3\xa9", "caf\xc3\xa9"); /* U+00E9 */
	check("\xc2\x80", "\xc2\x80"); /* U+0080, the smallest 2-byte */
	check("\xe0\xa0\x80", "\xe0\xa0\x80"); /* U+0800 */
	check("\xe2\x82\xac", "\xe2\x82\xac"); /* U+20AC */
	check("\xed\x9f\xbf", "\xed\x9f\xbf"); /* U+D7FF, below the surrogates */
	check("\xef\xbf\xbf", "\xef\xbf\xbf"); /* U+FFFF */
	check("\xf0\x90\x80\x80", "\xf0\x90\x80\x80"); /* U+10000 */
	check("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"); /* U+1F600 */
	check("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
}

static void test_invalid_replaced(void **state)
{
	(void)state;
	check("a\xff" "b", "a?b");
	check("\x80\xbf", "??"); /* continuation bytes alone */
	check("\xc0\xaf", "??"); /* overlong '/' */
	check("\xc1\xbf", "??");
	check("\xe0\x80\xaf", "???"); /* overlong 3-byte */
	check("\xed\xa0\x80", "???"); /* surrogate U+D800 */
	check("\xf0\x80\x80\xaf", "????"); /* overlong 4-byte */
	check("\xf4\x90\x80\x80", "????"); /* past U+10FFFF */
	check("\xf5\x80\x80\x80", "????");
	/* A lead byte whose sequence is broken before the end: only the
	 * bytes that do not fit become '?'. */
	check("\xc3(", "?(");
	check("\xe2\x82(x", "?" "?(x");
	check("\xc3\xc3\xa9", "?\xc3\xa9");
}

static void test_cut_at_end_dropped(void **state)
{
	(void)state;
	check("caf\xc3", "caf");
	check("euro \xe2\x82", "euro ");
	check("euro \xe2", "euro ");
	check("smile \xf0\x9f\x98", "smile ");
	/* But a cut sequence that was never well-formed is still replaced. */
	check("x\xed\xa0", "x??");
	check("x\xff", "x?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_unchanged),
		cmocka_unit_test(test_invalid_replaced),
		cmocka_unit_test(test_cut_at_end_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
