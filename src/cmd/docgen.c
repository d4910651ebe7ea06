// SPDX-License-Identifier: MIT
/*
 * Hidden commands that write the documentation the build installs, from
 * the registry of commands (main.c) and their option rows:
 *
 *   linerate __man             linerate(1): the commands
 *   linerate __man CMD         linerate-CMD(1)
 *   linerate __completion bash|zsh
 *   linerate __options CMD     the flags CMD takes, one a line
 *   linerate __check-options   every command's groups where their rows
 *                              can write (opts_check); a unit test
 *
 * Every command of the registry has its rows, each group placed at a
 * member of its own size: one without them, or with a group misplaced,
 * is an error here, so the build stops rather than install a page
 * without options or a parser that writes the wrong bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "lib/options.h"

/* The page's date: the build's SOURCE_DATE_EPOCH when set (a
 * reproducible build), else today. */
static void page_date(char *buf, size_t len)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

static void print_overview(const char *date, FILE *out)
{
	fprintf(out,
		".TH LINERATE 1 \"%s\" \"linerate %s\" \"User Commands\"\n"
		".SH NAME\nlinerate \\- UDP test traffic at a chosen frame "
		"size and rate, with loss, reordering and latency\n"
		".SH SYNOPSIS\n.B linerate\n.I COMMAND\n.RI [ options ]\n.br\n"
		".B linerate \\-\\-help\n|\n.B \\-\\-version\n"
		".SH DESCRIPTION\nlinerate sends UDP test traffic at a chosen "
		"Ethernet frame size and rate,\nreceives or reflects it, and "
		"reports packets and bits per second, loss,\nreordering, "
		"duplicates, one-way and round-trip latency percentiles and\n"
		"jitter, as text, JSON, NDJSON or CSV. It runs as one command, "
		"as a daemon\nwith a JSON API (\\fBlinerate server\\fR), and "
		"as "
		"an RFC 2544 tester.\nEach command has its own page, "
		"\\fBlinerate\\-COMMAND\\fR(1), and takes \\fB\\-\\-help\\fR.\n"
		".SH COMMANDS\n",
		date, LINERATE_VERSION);
	for (size_t i = 0; i < cmd_ncommands; i++)
		fprintf(out, ".TP\n\\fBlinerate\\-%s\\fR(1)\n%s\n",
			cmd_commands[i].name, cmd_commands[i].summary);
	fputs(".SH EXIT STATUS\n0 success; 1 a runtime error; 2 bad flags or "
	      "input (the message names the flag);\n3 the test ran but its "
	      "traffic failed (send, recv, reflect, ping, client, stamp).\n"
	      ".SH FILES\n.TP\n.I /usr/libexec/linerate/lab\nthe two-namespace "
	      "veth lab run by \\fBlinerate lab\\fR\n.TP\n"
	      ".I /usr/libexec/linerate/demo\nthe demo of \\fBmake demo\\fR, "
	      "run "
	      "against the installed binary\n.TP\n"
	      ".I /usr/lib/systemd/system/linerate.service\n\\fBlinerate "
	      "server\\fR as a service; its token is "
	      "\\fI/etc/linerate/token\\fR\n.SH SEE ALSO\n",
	      out);
	for (size_t i = 0; i < cmd_ncommands; i++)
		fprintf(out, ".BR linerate\\-%s (1),\n", cmd_commands[i].name);
	fputs(".BR ip (8),\n.BR ethtool (8).\nThe documentation in the "
	      "source tree: docs/api.md, docs/json.md,\ndocs/rfc2544.md, "
	      "docs/install.md.\n",
	      out);
}

static const struct cmd_entry *find_command(const char *name)
{
	for (size_t i = 0; i < cmd_ncommands; i++)
		if (!strcmp(cmd_commands[i].name, name))
			return &cmd_commands[i];
	return NULL;
}

/* The command's rows, or NULL after one line on stderr. */
static const struct opt_command *
command_opts(const char *tool, const struct cmd_entry *c, const char *name)
{
	struct lr_err err = {0};

	if (!c)
		fprintf(stderr, "linerate %s: unknown command '%s'\n", tool,
			name);
	else if (!c->opts)
		fprintf(stderr,
			"linerate %s: %s has no option rows (cmd_commands in "
			"main.c)\n",
			tool, name);
	else if (opts_check(c->opts, &err))
		fprintf(stderr, "linerate %s: option table: %s\n", tool,
			err.message);
	else
		return c->opts;
	return NULL;
}

static int man_page(const char *name)
{
	const struct opt_command *opts;
	char date[32];

	page_date(date, sizeof(date));
	if (!name[0]) {
		print_overview(date, stdout);
		return EXIT_OK;
	}
	opts = command_opts("__man", find_command(name), name);
	if (!opts)
		return EXIT_USAGE;
	opts_print_man(opts, LINERATE_VERSION, date, stdout);
	return EXIT_OK;
}

static int completion(const char *shell)
{
	const struct opt_command *cmds[64] = {0};

	if (cmd_ncommands > 64)
		return EXIT_RUNTIME;
	for (size_t i = 0; i < cmd_ncommands; i++) {
		cmds[i] = command_opts("__completion", &cmd_commands[i],
				       cmd_commands[i].name);
		if (!cmds[i])
			return EXIT_USAGE;
	}
	if (opts_print_completion(cmds, cmd_ncommands, shell, stdout)) {
		fprintf(stderr, "linerate __completion: bash or zsh\n");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* The flags a command takes, one a line. */
static int list_options(const char *name)
{
	const struct opt_command *opts =
		command_opts("__options", find_command(name), name);
	size_t n;

	if (!opts)
		return EXIT_USAGE;
	n = opts_count(opts);
	for (size_t i = 0; i < n; i++) {
		const struct opt_row *r = opts_row(opts, i, NULL);

		if (r->name && opts_row_applies(r, opts->roles) &&
		    !(r->flags & (OPT_F_HIDDEN | OPT_F_JSON_ONLY)))
			printf("%s\n", r->name);
	}
	return EXIT_OK;
}

/* Every registered command's rows, checked. */
static int check_options(void)
{
	int ret = EXIT_OK;

	for (size_t i = 0; i < cmd_ncommands; i++)
		if (!command_opts("__check-options", &cmd_commands[i],
				  cmd_commands[i].name))
			ret = EXIT_USAGE;
	if (ret == EXIT_OK)
		printf("%zu commands: every group placed at a member of its "
		       "type's size, every row inside it\n",
		       cmd_ncommands);
	return ret;
}

int cmd_docgen(int argc, char **argv)
{
	if (!strcmp(argv[0], "__man") && argc <= 2)
		return man_page(argc == 2 ? argv[1] : "");
	if (!strcmp(argv[0], "__completion") && argc == 2)
		return completion(argv[1]);
	if (!strcmp(argv[0], "__options") && argc == 2)
		return list_options(argv[1]);
	if (!strcmp(argv[0], "__check-options") && argc == 1)
		return check_options();
	fprintf(stderr, "usage: linerate __man [COMMAND] | __completion "
			"bash|zsh | __options COMMAND | __check-options\n");
	return EXIT_USAGE;
}
