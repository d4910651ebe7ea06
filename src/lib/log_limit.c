// SPDX-License-Identifier: MIT
/*
 * The limit on client-caused log lines (see log.h): a window of
 * LOG_CLIENT_WINDOW_S seconds lets LOG_CLIENT_BURST lines through; the
 * rest are counted, and the count is logged when the window is over.
 */
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "lib/log.h"

static __thread bool client_caused;
static __thread bool reporting; /* this thread logs the count itself */

static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec limit_window; /* when the current window began */
static unsigned int limit_used; /* lines printed in it */
static unsigned long long limit_held; /* lines suppressed in it */
static unsigned long long limit_total; /* lines suppressed, ever */

void log_client_thread(int on)
{
	client_caused = on;
}

/* Under limit_lock: start a new window if the current one is over; what
 * the last one suppressed, for the caller to log once unlocked. */
static void limit_roll(unsigned long long *held, unsigned long long *total)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (limit_window.tv_sec &&
	    now.tv_sec - limit_window.tv_sec < LOG_CLIENT_WINDOW_S)
		return;
	*held = limit_held;
	*total = limit_total;
	limit_window = now;
	limit_used = 0;
	limit_held = 0;
}

static void limit_report(unsigned long long held, unsigned long long total)
{
	if (!held)
		return;
	reporting = true;
	pr_warn("log: %llu client-caused line%s suppressed in %d s (%llu in all)\n",
		held, held == 1 ? "" : "s", LOG_CLIENT_WINDOW_S, total);
	reporting = false;
}

bool log_client_allows(void)
{
	unsigned long long held = 0, total = 0;
	bool ok;

	if (!client_caused || reporting)
		return true;
	pthread_mutex_lock(&limit_lock);
	limit_roll(&held, &total);
	ok = limit_used < LOG_CLIENT_BURST;
	if (ok) {
		limit_used++;
	} else {
		limit_held++;
		limit_total++;
	}
	pthread_mutex_unlock(&limit_lock);
	limit_report(held, total);
	return ok;
}

void log_client_flush(void)
{
	unsigned long long held = 0, total = 0;

	pthread_mutex_lock(&limit_lock);
	if (limit_held)
		limit_roll(&held, &total);
	pthread_mutex_unlock(&limit_lock);
	limit_report(held, total);
}

unsigned long long log_client_suppressed(void)
{
	unsigned long long n;

	pthread_mutex_lock(&limit_lock);
	n = limit_total;
	pthread_mutex_unlock(&limit_lock);
	return n;
}
