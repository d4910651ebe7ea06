// SPDX-License-Identifier: MIT
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/server_opts.h"
#include "cmd/traffic_opts.h"

/* The registry of commands: their option rows (opts) drive --help, the
 * man pages and completion; NULL for a command not on the model yet. */
const struct cmd_entry cmd_commands[] = {
	{"send", cmd_send, "send test traffic at a frame size and rate",
	 &spec_opts_send},
	{"recv", cmd_recv, "receive and analyse test traffic", &spec_opts_recv},
	{"reflect", cmd_reflect, "send test packets back to their source",
	 &spec_opts_reflect},
	{"ping", cmd_ping, "round-trip latency against a reflector",
	 &spec_opts_ping},
	{"probe", cmd_probe,
	 "what an interface and the kernel support; the backend auto picks",
	 &cmd_probe_opts},
	{"cleanup", cmd_cleanup,
	 "remove XDP/tc programs a killed linerate left on an interface",
	 &cmd_cleanup_opts},
	{"server", cmd_server,
	 "the daemon: test sessions driven over a JSON API (port 9270)",
	 &cmd_server_opts},
	{"client", cmd_client,
	 "test against a linerate server: forward, --reverse, --bidir, --rtt",
	 &cmd_client_opts},
	{"mesh", cmd_mesh,
	 "tests between many servers: full mesh, many-to-one, one-to-many",
	 &cmd_mesh_opts},
	{"hookcost", cmd_hookcost, "what an empty XDP or tc program costs",
	 &cmd_hookcost_opts},
	{"replicate", cmd_replicate,
	 "fan a UDP feed out to subscribers managed over a JSON API",
	 &cmd_replicate_opts},
	{"subscribers", cmd_subscribers,
	 "add, remove, list a running replicator's subscribers",
	 &cmd_subscribers_opts},
	{"rfc2544", cmd_rfc2544,
	 "RFC 2544 throughput/latency/loss/back-to-back (--lab or a server)",
	 &cmd_rfc2544_opts},
	{"stamp", cmd_stamp,
	 "STAMP Session-Sender: delay, loss, jitter to any STAMP reflector",
	 &cmd_stamp_opts},
	{"stamp-reflect", cmd_stamp_reflect,
	 "STAMP Session-Reflector (RFC 8762/8972, TWAMP-Light), port 862",
	 &cmd_stamp_reflect_opts},
	{"lab", cmd_lab,
	 "two-namespace veth test lab: lab up|down|status (scripts/lab)",
	 &cmd_lab_opts},
};
const size_t cmd_ncommands = sizeof(cmd_commands) / sizeof(cmd_commands[0]);

static void usage(FILE *out)
{
	fprintf(out, "usage: linerate COMMAND [options]   (linerate COMMAND "
		     "--help for its options)\n\ncommands:\n");
	for (size_t i = 0; i < cmd_ncommands; i++)
		fprintf(out, "  %-12s %s\n", cmd_commands[i].name,
			cmd_commands[i].summary);
	fprintf(out, "\nexit codes: 0 ok, 1 runtime error, 2 bad input, 3 the "
		     "test ran but its\ntraffic failed (send, recv, reflect, "
		     "ping, client; see docs/cli.md)\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version();
	if (!strncmp(argv[1], "__", 2))
		return cmd_docgen(argc - 1, argv + 1);
	/* Until a command says otherwise, a hang-up does not kill it
	 * halfway (a short command finishes; a long one makes SIGHUP a
	 * stop with cleanup, the server a reload). */
	signal(SIGHUP, SIG_IGN);
	for (size_t i = 0; i < cmd_ncommands; i++)
		if (!strcmp(argv[1], cmd_commands[i].name))
			return cmd_commands[i].run(argc - 1, argv + 1);
	fprintf(stderr,
		"linerate: unknown command '%s' (see linerate --help)\n",
		argv[1]);
	return EXIT_USAGE;
}
