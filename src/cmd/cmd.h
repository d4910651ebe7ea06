/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_CMD_H
#define LINERATE_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/exit_code.h"
#include "lib/report.h"
#include "lib/spec.h"

/* Exit codes of the CLI (lib/exit_code.h). */
#define EXIT_OK LINERATE_EXIT_OK
#define EXIT_RUNTIME LINERATE_EXIT_RUNTIME
#define EXIT_USAGE LINERATE_EXIT_USAGE
#define EXIT_NO_TRAFFIC LINERATE_EXIT_NO_TRAFFIC

int cmd_send(int argc, char **argv);
int cmd_recv(int argc, char **argv);
int cmd_reflect(int argc, char **argv);
int cmd_ping(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);
int cmd_hookcost(int argc, char **argv);
int cmd_rfc2544(int argc, char **argv);
/* rfc2544's option rows (lib/options.h), for the registry. */
struct opt_command;
extern const struct opt_command cmd_rfc2544_opts;

/*
 * Fill spec from argv for a role. Returns 0 to run, EXIT_OK after
 * printing --help (as -1), or EXIT_USAGE after printing one line naming
 * the bad flag.
 */
#define CMD_HELP_SHOWN (-1)
int cmd_parse_spec(enum role role, int argc, char **argv,
		   struct test_spec *spec);

int cmd_server(int argc, char **argv);
int cmd_client(int argc, char **argv);
int cmd_replicate(int argc, char **argv);
int cmd_subscribers(int argc, char **argv);
int cmd_version(void);
int cmd_mesh(int argc, char **argv);

/* SIGINT/SIGTERM/SIGHUP set the flag returned (a second one exits at once
 * with 128+signal, after detaching XDP programs); SIGPIPE is
 * ignored. */
#include <stdatomic.h>
atomic_bool *cmd_stop_on_signals(void);

/* Parse, validate and run a role's test; the body of each subcommand. */
int cmd_run_role(enum role role, int argc, char **argv);

/* One line "linerate CMD: --FLAG: invalid value ..."; returns EXIT_USAGE. */
int cmd_bad_value(const char *command, const char *flag, const char *value,
		  const char *accepted);

/* The option rows of probe, cleanup, mesh, hookcost and lab (their
 * files), for the registry below. */
struct opt_command;
extern const struct opt_command cmd_probe_opts, cmd_cleanup_opts,
	cmd_mesh_opts, cmd_hookcost_opts, cmd_lab_opts;

int cmd_stamp(int argc, char **argv);
int cmd_stamp_reflect(int argc, char **argv);

/* The registry of commands (main.c): what main dispatches, and what the
 * man pages and completion are generated for. opts: the command's rows
 * (lib/options.h); NULL while it is not on the option model (its page
 * and completion then come from its --help). */
struct opt_command;
struct cmd_entry {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const struct opt_command *opts;
};
extern const struct cmd_entry cmd_commands[];
extern const size_t cmd_ncommands;

/* linerate __man [CMD], __completion bash|zsh, __options CMD */
int cmd_docgen(int argc, char **argv);

#endif
