/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_LOG_H
#define LINERATE_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_WARN = 0, LOG_INFO = 1, LOG_DEBUG = 2 };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_print(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Lines a remote client can cause (a failing session's warnings, the
 * daemon's per-request lines) go through a shared limit when the thread
 * that logs them opted in: at most LOG_CLIENT_BURST lines per
 * LOG_CLIENT_WINDOW_S seconds; the rest are counted, and the count is
 * logged once the window is over (by the next line, or log_client_flush()).
 */
#define LOG_CLIENT_BURST 20
#define LOG_CLIENT_WINDOW_S 10
void log_client_thread(int on);
void log_client_flush(void);
/* Lines the limit kept out of the log so far. */
unsigned long long log_client_suppressed(void);
/* For log_print(): may this thread's next line be printed? Counts it
 * when not. (log_limit.c) */
bool log_client_allows(void);

/*
 * Where the lines go. Log lines are written to stderr (fd 2) with one
 * write per call, so they reach a file or a pipe at once:
 *  - log_open_file() points fd 2 at path (appending, created 0640), and
 *    starts each line with an ISO 8601 UTC timestamp;
 *  - when stderr is the systemd journal (JOURNAL_STREAM names fd 2), each
 *    line starts with its syslog priority ("<4>" warn, "<6>" info, "<7>"
 *    debug) and no timestamp, which the journal adds itself;
 *  - otherwise (a terminal, a pipe) the lines are as printed.
 * log_open_file() returns 0 or -errno (fd 2 is unchanged then).
 */
int log_open_file(const char *path);
/*
 * Open the log file again by its name (after logrotate moved it): 0, or
 * -errno with the old file kept. Without a log file it does nothing and
 * returns 0. Async-signal-safe (open, dup2, close), so a SIGHUP handler
 * may call it.
 */
int log_reopen(void);
/* Look at JOURNAL_STREAM again (done once by itself before the first
 * line); for tests and after fd 2 changed hands. */
void log_detect_journal(void);

#define pr_warn(...)  log_print(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_print(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_print(LOG_DEBUG, __VA_ARGS__)

#endif
