// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static enum log_level current_level = LOG_WARN;
static __thread char *capture_buf;
static __thread size_t capture_len;

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
	if (level > current_level || !log_client_allows())
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
