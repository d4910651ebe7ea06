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

/* What a parse returns after printing --help (lib/options.h). */
#define CMD_HELP_SHOWN (-1)

/*
 * Every subcommand's parse-then-run: parse argv by cmd's rows into cfg
 * (which holds its defaults), then check (the checks across flags, given
 * what the parse saw; NULL: none), then run. Returns the exit code:
 * EXIT_OK after --help, the parse's or check's (EXIT_USAGE after one line
 * naming the flag), else run's.
 */
struct opt_parse;
typedef int (*cmd_check_fn)(void *cfg, const struct opt_parse *st);
typedef int (*cmd_run_fn)(void *cfg);
int cmd_run_parsed(const struct opt_command *cmd, int argc, char **argv,
		   void *cfg, cmd_check_fn check, cmd_run_fn run);

/* An exit code for traffic that ran: EXIT_OK, or EXIT_NO_TRAFFIC after
 * "linerate COMMAND: FAILURE" on stderr (after what went to stdout). */
int cmd_traffic_exit(const char *command, const char *failure);

/*
 * A command's group list and its help overrides (lib/options.h), written
 * inside its struct opt_command: the macro ends the list, so no command
 * repeats the terminator or names an array it uses once.
 */
#define CMD_GROUPS(...)                                                        \
	((const struct opt_group_ref[]){__VA_ARGS__, OPT_AT_END})
#define CMD_HELP(...)                                                          \
	((const struct opt_help_override[]){__VA_ARGS__, {NULL, NULL}})

/*
 * A subcommand's own rows and its command in one: the group
 * ident##_group of cfg_type over rows, named cname like the command, and
 * cmd_##ident##_opts, whose other fields (.summary, .usage, .groups, ...)
 * follow as designators. Each command's own group and its opt_command
 * are written this way, so the name and the type are given once.
 */
#define CMD_OPTS(ident, cname, rows, cfg_type, ...)                            \
	OPT_STATIC_GROUP(ident##_group, cname, rows, cfg_type);                \
	const struct opt_command cmd_##ident##_opts = {.name = (cname),        \
						       __VA_ARGS__}
/* The groups of a command that talks to (or is) a linerate API: its own
 * rows at the root of cfg_type, then api_group at its member api. */
#define CMD_GROUPS_OWN_API(own, cfg_type, api_group)                           \
	CMD_GROUPS(OPT_AT_ROOT(own, cfg_type), OPT_AT(api_group, cfg_type, api))

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

int cmd_stamp(int argc, char **argv);
int cmd_stamp_reflect(int argc, char **argv);

/* The registry of commands (main.c): what main dispatches, and what the
 * man pages and completion are generated for. opts: the command's rows
 * (lib/options.h), which every command has. */
struct opt_command;
struct cmd_entry {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const struct opt_command *opts;
};
extern const struct cmd_entry cmd_commands[];
extern const size_t cmd_ncommands;

/* The rows of probe, cleanup, mesh and hookcost (their files; lab's are
 * lib/lab_script.h's), for the registry. */
extern const struct opt_command cmd_probe_opts, cmd_cleanup_opts,
	cmd_mesh_opts, cmd_hookcost_opts;

/* linerate __man [CMD], __completion bash|zsh, __options CMD */
int cmd_docgen(int argc, char **argv);

#endif
