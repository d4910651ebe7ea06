// SPDX-License-Identifier: MIT
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/xdp_attach.h"
#include "cmd/cmd.h"
#include "cmd/traffic_opts.h"
#include "engine/session.h"
#include "lib/log.h"

static atomic_bool stop_requested;
/* The first stop signal: which, from whom, when (monotonic ns). */
static volatile sig_atomic_t first_sig;
static volatile pid_t first_pid;
static volatile int64_t first_ns;

/* One stop delivered twice is not a second stop: timeout(1) signals its
 * child and then its whole process group, so the child gets the same
 * signal from the same sender microseconds apart. No hand repeats a
 * Ctrl-C within this. */
#define SIGNAL_REPEAT_NS 100000000LL

static int64_t signal_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* async-signal-safe */
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int64_t now = signal_now_ns();
	pid_t from = si ? si->si_pid : 0;

	(void)uc;
	if (!atomic_exchange(&stop_requested, true)) {
		first_sig = sig;
		first_pid = from;
		first_ns = now;
		return;
	}
	if (sig == first_sig && from == first_pid &&
	    now - first_ns < SIGNAL_REPEAT_NS)
		return;
	/* A second stop ends the process at once, leaving no XDP program
	 * behind: those on a bpf_link go with the process; the rest are
	 * detached here. */
	xdp_detach_all_now();
	_exit(128 + sig);
}

atomic_bool *cmd_stop_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	/* One handler at a time: a second stop waits for the first's. */
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A hang-up (the terminal went away) is a stop with the cleanup,
	 * not a death without it. The server puts its own reload on it. */
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	atomic_store(&stop_requested, false);
	return &stop_requested;
}

int cmd_run_parsed(const struct opt_command *cmd, int argc, char **argv,
		   void *cfg, cmd_check_fn check, cmd_run_fn run)
{
	struct opt_parse st;
	int rc = opts_parse_argv(cmd, 0, argc, argv, cfg, &st);

	if (!rc && check)
		rc = check(cfg, &st);
	if (rc == CMD_HELP_SHOWN)
		return EXIT_OK;
	return rc ? rc : run(cfg);
}

int cmd_traffic_exit(const char *command, const char *failure)
{
	if (!failure[0])
		return EXIT_OK;
	fflush(stdout);
	fprintf(stderr, "linerate %s: %s\n", command, failure);
	return EXIT_NO_TRAFFIC;
}

static int role_run(void *cfg)
{
	struct test_spec *sp = cfg;
	struct lr_err err;
	char failure[256];

	if (session_run(sp, cmd_stop_on_signals(), failure, sizeof(failure),
			&err)) {
		pr_warn("%s\n", lr_err_text(&err));
		return EXIT_RUNTIME;
	}
	return cmd_traffic_exit(role_name(sp->role), failure);
}

int cmd_run_role(enum role role, int argc, char **argv)
{
	struct test_spec spec;

	spec_opts_defaults(role, &spec);
	return cmd_run_parsed(spec_opts_command(role), argc, argv, &spec,
			      cmd_spec_check, role_run);
}
