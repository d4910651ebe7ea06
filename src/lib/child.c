// SPDX-License-Identifier: MIT
/*
 * Child processes for the commands that drive linerate itself (hookcost,
 * the rfc2544 lab runner): each child writes into memory files (no pipe to
 * drain while we wait), dies with us (PR_SET_PDEATHSIG), and is ended by
 * its PID.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/child.h"
#include "lib/clock.h"
#include "lib/log.h"

#define POLL_NS		 (20 * NSEC_PER_MSEC)
#define KILL_GRACE_NS	 (2 * NSEC_PER_SEC)
#define CHILD_OUTPUT_MAX (4u << 20) /* a report is a few kB */

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / NSEC_PER_SEC),
			      .tv_nsec = (long)(ns % NSEC_PER_SEC)};

	nanosleep(&ts, NULL);
}


/* Our own binary by a path that stays valid while we run, also for a
 * child that `ip netns exec` starts (its /proc/self is ip) and also when
 * the file was replaced by a rebuild meanwhile. */
static void self_path(char *out, size_t len)
{
	snprintf(out, len, "/proc/%d/exe", (int)getpid());
}

int child_start(struct child_proc *c, const char *tag, const char *netns,
		char *const argv[], struct lr_err *err)
{
	char self[64], *args[48];
	size_t n = 0, i;
	sigset_t none;
	int null_fd;
	pid_t pid;

	memset(c, 0, sizeof(*c));
	c->out_fd = c->err_fd = -1;
	snprintf(c->tag, sizeof(c->tag), "%s", tag);
	self_path(self, sizeof(self));
	if (netns) {
		args[n++] = (char *)"ip";
		args[n++] = (char *)"netns";
		args[n++] = (char *)"exec";
		args[n++] = (char *)netns;
	}
	for (i = 0; argv[i] && n < sizeof(args) / sizeof(args[0]) - 1; i++)
		args[n++] = !strcmp(argv[i], "self") && i == 0 ? self : argv[i];
	if (argv[i]) {
		return lr_err_set(err, -E2BIG, NULL, "%s: too many arguments",
				  tag);
	}
	args[n] = NULL;

	c->out_fd = memfd_create(tag, MFD_CLOEXEC);
	c->err_fd = memfd_create(tag, MFD_CLOEXEC);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (c->out_fd < 0 || c->err_fd < 0 || null_fd < 0) {
		int e = errno;

		lr_err_set(err, -e, NULL,
			   "%s: cannot make its output files: %s", tag,
			   strerror(e));
		if (null_fd >= 0)
			close(null_fd);
		child_close(c);
		return -e;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		lr_err_set(err, -e, NULL, "%s: fork: %s", tag, strerror(e));
		close(null_fd);
		child_close(c);
		return -e;
	}
	if (!pid) {
		/* The child: our signal mask and handlers are not its. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (dup2(null_fd, STDIN_FILENO) < 0 ||
		    dup2(c->out_fd, STDOUT_FILENO) < 0 ||
		    dup2(c->err_fd, STDERR_FILENO) < 0)
			_exit(127);
		execvp(args[0], args);
		fprintf(stderr, "cannot run %s: %s\n", args[0],
			strerror(errno));
		_exit(127);
	}
	close(null_fd);
	c->pid = pid;
	pr_debug("started %s (pid %d)%s%s\n", tag, (int)pid,
		 netns ? " in " : "", netns ? netns : "");
	return 0;
}

/* Reap without blocking: true once the child is gone. */
bool child_done(struct child_proc *c)
{
	int status;
	pid_t r;

	if (c->reaped || !c->pid)
		return true;
	r = waitpid(c->pid, &status, WNOHANG);
	if (r == c->pid || (r < 0 && errno == ECHILD)) {
		c->status = r == c->pid ? status : 0;
		c->reaped = true;
		return true;
	}
	return false;
}

bool child_wait(struct child_proc *c, uint64_t limit_ns,
		const atomic_bool *stop)
{
	uint64_t deadline = mono_ns() + limit_ns;

	while (!child_done(c)) {
		if (mono_ns() >= deadline || (stop && atomic_load(stop)))
			return false;
		sleep_ns(POLL_NS);
	}
	return true;
}

int child_finish(struct child_proc *c, uint64_t wait_ns,
		    const atomic_bool *stop)
{
	if (!c->pid)
		return -ECHILD;
	if (!child_wait(c, wait_ns, stop)) {
		pr_debug("ending %s (pid %d)\n", c->tag, (int)c->pid);
		kill(c->pid, SIGTERM);
		if (!child_wait(c, KILL_GRACE_NS, NULL)) {
			kill(c->pid, SIGKILL);
			child_wait(c, KILL_GRACE_NS, NULL);
		}
	}
	if (!c->reaped)
		return -ETIMEDOUT;
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status);
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	return -EIO;
}

/* A memory file's whole content, NUL-terminated; NULL when unreadable. */
char *child_read_output(int fd, size_t *len_out)
{
	struct stat st;
	size_t len;
	char *buf;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) || st.st_size < 0 ||
	    (uint64_t)st.st_size > CHILD_OUTPUT_MAX)
		return NULL;
	len = (size_t)st.st_size;
	buf = malloc(len + 1);
	if (!buf)
		return NULL;
	n = pread(fd, buf, len, 0);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len_out)
		*len_out = (size_t)n;
	return buf;
}

json_t *child_json(const struct child_proc *c, struct lr_err *err)
{
	json_error_t jerr;
	json_t *doc;
	size_t len;
	char *text;

	text = child_read_output(c->out_fd, &len);
	if (!text) {
		lr_err_set(err, -EIO, NULL, "%s: cannot read its output",
			   c->tag);
		return NULL;
	}
	doc = json_loadb(text, len, 0, &jerr);
	free(text);
	if (!doc || !json_is_object(doc)) {
		json_decref(doc);
		lr_err_set(err, -EPROTO, NULL,
			   "%s: its output is not a JSON report (%s)", c->tag,
			   jerr.text);
		return NULL;
	}
	return doc;
}

void child_last_err_line(const struct child_proc *c, char *out, size_t len)
{
	char *text, *end, *line;

	out[0] = '\0';
	text = child_read_output(c->err_fd, NULL);
	if (!text)
		return;
	end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	line = strrchr(text, '\n');
	snprintf(out, len, "%s", line ? line + 1 : text);
	free(text);
}

void child_close(struct child_proc *c)
{
	if (c->pid && !c->reaped) {
		kill(c->pid, SIGKILL);
		child_wait(c, KILL_GRACE_NS, NULL);
	}
	c->pid = 0;
	if (c->out_fd >= 0)
		close(c->out_fd);
	if (c->err_fd >= 0)
		close(c->err_fd);
	c->out_fd = c->err_fd = -1;
}

