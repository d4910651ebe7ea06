// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

enum log_sink { SINK_PLAIN = 0, SINK_FILE, SINK_JOURNAL };

static enum log_level current_level = LOG_WARN;
/* A line this thread began without ending it: no prefix before the rest. */
static __thread bool mid_line;
static enum log_sink sink = SINK_PLAIN;
static pthread_once_t journal_once = PTHREAD_ONCE_INIT;
/* For log_reopen(), which must not allocate. */
static char file_path[PATH_MAX];

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

void log_detect_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (sink == SINK_FILE)
		return;
	sink = SINK_PLAIN;
	/* "DEV:INO" of the journal's socket; only fd 2 being that very
	 * socket counts (a child may inherit the variable with stderr
	 * redirected elsewhere). */
	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return;
	if (fstat(STDERR_FILENO, &st) || (unsigned long long)st.st_dev != dev ||
	    (unsigned long long)st.st_ino != ino)
		return;
	sink = SINK_JOURNAL;
}

static void detect_once(void)
{
	log_detect_journal();
}

static int open_on_stderr(const char *path)
{
	int fd =
		open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
		     0640);

	if (fd < 0)
		return -errno;
	if (fd != STDERR_FILENO) {
		if (dup2(fd, STDERR_FILENO) < 0) {
			int err = errno;

			close(fd);
			return -err;
		}
		close(fd);
	}
	return 0;
}

int log_open_file(const char *path)
{
	int err;

	if (strlen(path) >= sizeof(file_path))
		return -ENAMETOOLONG;
	fflush(stderr);
	err = open_on_stderr(path);
	if (err)
		return err;
	memcpy(file_path, path, strlen(path) + 1);
	sink = SINK_FILE;
	return 0;
}

int log_reopen(void)
{
	if (!file_path[0])
		return 0;
	return open_on_stderr(file_path);
}

/* text with prefix at the start of each line into out, which holds
 * strlen(text) + plen * (lines + 1) + 1 bytes. */
static size_t add_prefixed(char *out, const char *text, const char *prefix)
{
	size_t n = 0, plen = strlen(prefix);

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);

		if (!mid_line && plen) {
			memcpy(out + n, prefix, plen);
			n += plen;
		}
		memcpy(out + n, p, len);
		n += len;
		mid_line = !nl;
		p += len;
	}
	out[n] = '\0';
	return n;
}

static void write_all(const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(STDERR_FILENO, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere left to say so */
		buf += w;
		n -= (size_t)w;
	}
}

void log_print(enum log_level level, const char *fmt, ...)
{
	static const char *const journal_prefix[] = {"<4>", "<6>", "<7>"};
	char text_buf[2048], out_buf[2560], prefix[40] = "";
	char *text = text_buf, *out = out_buf, *heap_text = NULL,
	     *heap_out = NULL;
	size_t n, lines = 1, need;
	va_list ap;
	int len;

	if (level > current_level || !log_client_allows())
		return;
	pthread_once(&journal_once, detect_once);
	va_start(ap, fmt);
	len = vsnprintf(text_buf, sizeof(text_buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	/* Long ones (a verifier log through libbpf) whole, if memory allows. */
	if ((size_t)len >= sizeof(text_buf)) {
		heap_text = malloc((size_t)len + 1);
		if (heap_text) {
			va_start(ap, fmt);
			vsnprintf(heap_text, (size_t)len + 1, fmt, ap);
			va_end(ap);
			text = heap_text;
		}
	}
	if (sink == SINK_JOURNAL) {
		snprintf(
			prefix, sizeof(prefix), "%s",
			journal_prefix[level <= LOG_DEBUG ? level : LOG_DEBUG]);
	} else if (sink == SINK_FILE) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(prefix, sizeof(prefix), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(prefix + n, sizeof(prefix) - n, ".%03ldZ ",
			 ts.tv_nsec / 1000000);
	}
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	need = strlen(text) + strlen(prefix) * (lines + 1) + 1;
	if (need > sizeof(out_buf)) {
		heap_out = malloc(need);
		out = heap_out;
	}
	if (out)
		n = add_prefixed(out, text, prefix);
	else
		n = strlen(out = text); /* no memory: without prefixes */
	/* One write per call: the line is in the file (or the journal) now,
	 * whatever buffering stderr was given. */
	flockfile(stderr);
	fflush(stderr);
	write_all(out, n);
	funlockfile(stderr);
	free(heap_out);
	free(heap_text);
}
