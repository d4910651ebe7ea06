// SPDX-License-Identifier: MIT
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "engine/session.h"

static atomic_bool stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	/* A second signal ends the process the hard way. */
	if (atomic_exchange(&stop_requested, true))
		signal(sig, SIG_DFL);
}

atomic_bool *cmd_stop_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	atomic_store(&stop_requested, false);
	return &stop_requested;
}

int cmd_run_role(enum role role, int argc, char **argv)
{
	struct test_spec spec;
	char failure[256];
	int rc;

	rc = cmd_parse_spec(role, argc, argv, &spec);
	if (rc == CMD_HELP_SHOWN)
		return EXIT_OK;
	if (rc)
		return rc;
	rc = session_run(&spec, cmd_stop_on_signals(), failure,
			 sizeof(failure));
	if (rc)
		return EXIT_RUNTIME;
	if (failure[0]) {
		fflush(stdout);
		fprintf(stderr, "linerate %s: %s\n", role_name(role), failure);
		return EXIT_NO_TRAFFIC;
	}
	return EXIT_OK;
}
