// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/gnuplot.h"
#include "lib/textio.h"

void gnuplot_quoted(FILE *f, const char *s)
{
	textio_put_quoted(f, s, '\'');
}

int gnuplot_run(const char *what, void (*write_script)(FILE *f, void *arg),
		void *arg, struct lr_err *err)
{
	int in[2], errfd, status, rc = 0;
	char msg[200] = "";
	ssize_t n;
	FILE *f;
	pid_t pid;

	/* gnuplot's complaints go to a memory file, for the error line. */
	errfd = memfd_create("gnuplot-err", MFD_CLOEXEC);
	if (errfd < 0 || pipe2(in, O_CLOEXEC)) {
		rc = -errno;
		lr_err_set(err, rc, NULL, "%s: %s", what, strerror(errno));
		if (errfd >= 0)
			close(errfd);
		return rc;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		lr_err_set(err, rc, NULL, "%s: fork: %s", what,
			   strerror(errno));
		goto out;
	}
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(errfd, STDOUT_FILENO);
		dup2(errfd, STDERR_FILENO);
		execlp("gnuplot", "gnuplot", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	in[0] = -1;
	f = fdopen(in[1], "w");
	if (!f) {
		rc = -errno;
		lr_err_set(err, rc, NULL, "%s: %s", what, strerror(errno));
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
		goto out;
	}
	in[1] = -1;
	write_script(f, arg);
	fclose(f);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
			snprintf(msg, sizeof(msg),
				 "cannot run gnuplot (apt-get install "
				 "gnuplot-nox)");
		} else {
			n = pread(errfd, msg, sizeof(msg) - 1, 0);
			msg[n > 0 ? n : 0] = '\0';
			msg[strcspn(msg, "\n")] = '\0';
		}
		rc = lr_err_set(err, -EIO, NULL, "%s: gnuplot failed%s%s", what,
				msg[0] ? ": " : "", msg);
	}
out:
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	close(errfd);
	return rc;
}
