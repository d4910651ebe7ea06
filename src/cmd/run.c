// SPDX-License-Identifier: MIT
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/xdp_attach.h"
#include "cmd.h"
#include "engine/session.h"

static atomic_bool stop_requested;

static void on_signal(int sig)
{
	/* A second signal ends the process at once, leaving no XDP program
	 * behind: those on a bpf_link go with the process; the rest are
	 * detached here. */
	if (atomic_exchange(&stop_requested, true)) {
		xdp_detach_all_now();
		_exit(128 + sig);
	}
}

atomic_bool *cmd_stop_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A hang-up (the terminal went away) is a stop with the cleanup,
	 * not a death without it. The server puts its own reload on it. */
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	atomic_store(&stop_requested, false);
	return &stop_requested;
}

int cmd_run_role(enum role role, int argc, char **argv)
{
	struct test_spec spec;
	int rc;

	rc = cmd_parse_spec(role, argc, argv, &spec);
	if (rc == CMD_HELP_SHOWN)
		return EXIT_OK;
	if (rc)
		return rc;
	rc = session_run(&spec, cmd_stop_on_signals());
	return rc ? EXIT_RUNTIME : EXIT_OK;
}
