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

/*
 * A subcommand outside the four roles: some of a role's option rows,
 * taken by name (their parsing, ranges and help are the role's), plus
 * rows of its own, parsed by a callback. Returns like cmd_parse_spec.
 */
struct cmd_opt_row {
	const char *name;
	int has_arg;
	const char *arg; /* value placeholder for --help, NULL for a switch */
	const char *help;
};

/* A row taken from the base role, by name; help, if not NULL, replaces
 * the role's text (where this command's default differs). */
struct cmd_base_row {
	const char *name;
	const char *help;
};

struct cmd_opt_table {
	const char *command; /* "stamp" */
	const char *usage; /* "stamp --dst IP:PORT [options]\n  what it does" */
	enum role base_role; /* whose rows and spec defaults */
	const struct cmd_base_row *base_rows; /* ends with a NULL name */
	const struct cmd_opt_row *rows;
	size_t nrows;
	/* after spec_init: defaults that differ from the base role's */
	void (*defaults)(struct test_spec *spec, void *ctx);
	/* one of rows[]: 0, or EXIT_USAGE after one line on stderr */
	int (*parse)(void *ctx, size_t row, const char *value);
	/* after parsing, before spec_validate: 0 or EXIT_USAGE */
	int (*finish)(struct test_spec *spec, void *ctx);
	void *ctx;
	/* when the command exits 3 (EXIT_NO_TRAFFIC), for --help; NULL: never */
	const char *traffic_failure;
};

int cmd_parse_table(const struct cmd_opt_table *table, int argc, char **argv,
		    struct test_spec *spec);
/* One line "linerate CMD: --FLAG: invalid value ..."; returns EXIT_USAGE. */
int cmd_bad_value(const char *command, const char *flag, const char *value,
		  const char *accepted);

int cmd_stamp(int argc, char **argv);
int cmd_stamp_reflect(int argc, char **argv);

#endif
