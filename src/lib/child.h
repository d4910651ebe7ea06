/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_CHILD_H
#define LINERATE_CHILD_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

/* A child process whose stdout and stderr go to memory files. */
struct child_proc {
	pid_t pid; /* 0: not running (or reaped) */
	int out_fd, err_fd;
	int status; /* wait status once reaped */
	bool reaped;
	char tag[48]; /* what it is, for messages */
};

/*
 * Start argv[0] (a path; "self" for this linerate binary) in network
 * namespace netns (NULL: ours, else through `ip netns exec`) with stdin
 * from /dev/null. Returns 0 or -errno with the reason in err.
 */
int child_start(struct child_proc *c, const char *tag, const char *netns,
		char *const argv[], struct lr_err *err);

/* Reap without blocking: true once the child is gone (status set). */
bool child_done(struct child_proc *c);

/* Wait up to limit_ns (or until *stop) for it to exit by itself; true
 * once it is gone. */
bool child_wait(struct child_proc *c, uint64_t limit_ns,
		const atomic_bool *stop);

/*
 * Wait for the child to exit by itself for at most wait_ns (or until stop
 * is set), then end it: SIGTERM (linerate prints its report on it), and
 * SIGKILL 2 s later. Returns its exit code, 128 + signal when a signal
 * ended it, or -errno.
 */
int child_finish(struct child_proc *c, uint64_t wait_ns,
		 const atomic_bool *stop);

/* The child's stdout as JSON (NULL with the reason in err) and the last
 * line of its stderr. */
json_t *child_json(const struct child_proc *c, struct lr_err *err);
void child_last_err_line(const struct child_proc *c, char *out, size_t len);

/* A memory file's whole content, NUL-terminated; NULL when unreadable. */
char *child_read_output(int fd, size_t *len_out);

/* Kill (if running), reap and close. Safe to call twice. */
void child_close(struct child_proc *c);

#endif
