// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"

/* The whole of a file, NUL terminated (a static buffer). */
static const char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static void test_plain(void **state)
{
	char path[] = "/tmp/lr-test-log.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, STDERR_FILENO);
	unsetenv("JOURNAL_STREAM");
	log_detect_journal();
	log_set_level(LOG_INFO);
	pr_warn("one %d\n", 1);
	pr_info("two ");
	pr_info("halves\n");
	pr_debug("not at this level\n");
	dup2(saved, STDERR_FILENO);
	assert_string_equal(slurp(path), "one 1\ntwo halves\n");
	close(fd);
	close(saved);
	unlink(path);
}

/* stderr is the journal's stream: a priority per line, no timestamp. */
static void test_journal(void **state)
{
	char path[] = "/tmp/lr-test-log.XXXXXX", js[64];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	struct stat st;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	dup2(fd, STDERR_FILENO);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	log_detect_journal();
	log_set_level(LOG_DEBUG);
	pr_warn("a warning\nand its second line\n");
	pr_info("some ");
	pr_info("info\n");
	pr_debug("debug\n");
	/* Another stream's numbers: not the journal. */
	setenv("JOURNAL_STREAM", "1:2", 1);
	log_detect_journal();
	pr_warn("plain again\n");
	unsetenv("JOURNAL_STREAM");
	log_detect_journal();
	dup2(saved, STDERR_FILENO);
	assert_string_equal(slurp(path),
			    "<4>a warning\n<4>and its second line\n"
			    "<6>some info\n<7>debug\nplain again\n");
	close(fd);
	close(saved);
	unlink(path);
}

/* Longer than the stack buffers: whole, each line with its prefix. */
static void test_long(void **state)
{
	char path[] = "/tmp/lr-test-log.XXXXXX", js[64];
	static char line[3000], want[3 * 3004 + 1];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	struct stat st;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	dup2(fd, STDERR_FILENO);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	log_detect_journal();
	memset(line, 'x', sizeof(line) - 1);
	log_set_level(LOG_INFO);
	pr_info("%s\n%s\n%s\n", line, line, line);
	unsetenv("JOURNAL_STREAM");
	log_detect_journal();
	dup2(saved, STDERR_FILENO);
	snprintf(want, sizeof(want), "<6>%s\n<6>%s\n<6>%s\n", line, line, line);
	{
		static char got[sizeof(want) + 16];
		FILE *f = fopen(path, "r");
		size_t n = fread(got, 1, sizeof(got) - 1, f);

		fclose(f);
		got[n] = '\0';
		assert_int_equal(n, strlen(want));
		assert_string_equal(got, want);
	}
	close(fd);
	close(saved);
	unlink(path);
}

/* A file: timestamped lines, in the file at once; log_reopen() after a
 * rename (logrotate) writes to a new file of the same name. Last: the log
 * file stays set for the rest of the process. */
static void test_file_and_reopen(void **state)
{
	char dir[] = "/tmp/lr-test-log.XXXXXX", path[128], moved[128];
	int saved = dup(STDERR_FILENO);
	const char *t;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	snprintf(moved, sizeof(moved), "%s/log.1", dir);
	assert_int_equal(log_reopen(), 0); /* no file yet: nothing to do */
	assert_int_equal(log_open_file("/nonexistent-dir/x/log"), -ENOENT);
	assert_int_equal(log_open_file(path), 0);
	log_set_level(LOG_WARN);
	pr_warn("first\n");
	t = slurp(path);
	/* 2026-12-04T14:20:00.123Z first */
	assert_int_equal(strlen(t), 25 + 6);
	assert_true(t[4] == '-' && t[10] == 'T' && t[19] == '.' &&
		    t[23] == 'Z');
	assert_string_equal(t + 25, "first\n");
	assert_int_equal(rename(path, moved), 0);
	pr_warn("second\n");
	assert_int_equal(log_reopen(), 0);
	pr_warn("third\n");
	t = slurp(moved);
	assert_non_null(strstr(t, "first\n"));
	assert_non_null(strstr(t, "second\n"));
	assert_null(strstr(t, "third"));
	t = slurp(path);
	assert_string_equal(t + 25, "third\n");
	dup2(saved, STDERR_FILENO);
	close(saved);
	unlink(path);
	unlink(moved);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_file_and_reopen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
