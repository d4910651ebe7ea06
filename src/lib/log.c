// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static enum log_level current_level = LOG_WARN;
static __thread char *capture_buf;
static __thread size_t capture_len;
static __thread bool client_caused;

static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec limit_window; /* when the current window began */
static unsigned int limit_used; /* lines printed in it */
static unsigned long long limit_held; /* lines suppressed in it */
static unsigned long long limit_total; /* lines suppressed, ever */

void log_client_thread(int on)
{
	client_caused = on;
}

/* Under limit_lock: start a new window if the current one is over,
 * saying how many lines the last one suppressed. */
static void limit_roll(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (limit_window.tv_sec &&
	    now.tv_sec - limit_window.tv_sec < LOG_CLIENT_WINDOW_S)
		return;
	if (limit_held)
		fprintf(stderr,
			"log: %llu client-caused line%s suppressed in %d s "
			"(%llu in all)\n",
			limit_held, limit_held == 1 ? "" : "s",
			LOG_CLIENT_WINDOW_S, limit_total);
	limit_window = now;
	limit_used = 0;
	limit_held = 0;
}

/* May this thread's line be printed? Counts it if not. */
static bool limit_allows(void)
{
	bool ok;

	if (!client_caused)
		return true;
	pthread_mutex_lock(&limit_lock);
	limit_roll();
	ok = limit_used < LOG_CLIENT_BURST;
	if (ok) {
		limit_used++;
	} else {
		limit_held++;
		limit_total++;
	}
	pthread_mutex_unlock(&limit_lock);
	return ok;
}

void log_client_flush(void)
{
	pthread_mutex_lock(&limit_lock);
	if (limit_held)
		limit_roll();
	pthread_mutex_unlock(&limit_lock);
}

unsigned long long log_client_suppressed(void)
{
	unsigned long long n;

	pthread_mutex_lock(&limit_lock);
	n = limit_total;
	pthread_mutex_unlock(&limit_lock);
	return n;
}

void log_capture_thread(char *buf, size_t len)
{
	capture_buf = buf;
	capture_len = len;
	if (buf && len)
		buf[0] = '\0';
}

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

void log_print(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == LOG_WARN && capture_buf && capture_len &&
	    !capture_buf[0]) {
		size_t n;

		va_start(ap, fmt);
		vsnprintf(capture_buf, capture_len, fmt, ap);
		va_end(ap);
		n = strcspn(capture_buf, "\n");
		capture_buf[n] = '\0';
	}
	if (level > current_level || !limit_allows())
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
