// SPDX-License-Identifier: MIT
/*
 * Hidden commands that write the documentation the build installs, from
 * the registry of commands (main.c) and their option rows:
 *
 *   linerate __man             linerate(1): the commands
 *   linerate __man CMD         linerate-CMD(1)
 *   linerate __completion bash|zsh
 *   linerate __options CMD     the flags CMD takes, one a line
 *
 * A command not yet on the option model gets its page and completion
 * from its --help text (run as a child), its flags read from the lines
 * that start with "--FLAG".
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/options.h"

#define HELP_MAX	 (64 * 1024)
#define SCRAPED_MAX_ROWS 128

/* A command's --help text, from a child run of this binary. */
static char *help_text(const char *name)
{
	char exe[512], cmdline[700], *buf;
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t n = 0, got;
	FILE *p;

	/* Our own path, not /proc/self/exe: the shell popen runs would
	 * read that as itself. */
	if (len <= 0 || memchr(exe, '\'', (size_t)len))
		return NULL;
	exe[len] = '\0';
	snprintf(cmdline, sizeof(cmdline), "'%s' %s --help 2>&1", exe, name);
	p = popen(cmdline, "r");
	if (!p)
		return NULL;
	buf = malloc(HELP_MAX + 1);
	while (buf && (got = fread(buf + n, 1, HELP_MAX - n, p)) > 0)
		n += got;
	pclose(p);
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* "  -i, --interface IFACE   help" or "  --json   help" into a row; the
 * strings point into line, which the caller keeps. */
static bool scrape_line(char *line, struct opt_row *row)
{
	char *p = line + strspn(line, " \t"), *end;

	if (p == line)
		return false;
	if (p[0] == '-' && isalpha((unsigned char)p[1]) &&
	    (p[2] == ',' || p[2] == ' ')) {
		row->short_name = p[1];
		p += 2 + strspn(p + 2, ", ");
	}
	if (strncmp(p, "--", 2) || !islower((unsigned char)p[2]))
		return false;
	row->name = p + 2;
	p += 2 + strspn(p + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
	end = strstr(p, "  ");
	row->help = end ? end + strspn(end, " ") : "";
	if (p[0] == ' ' && p[1] != ' ' && p[1] != '\0') {
		row->arg = p + 1;
		row->type = OPT_STRING;
	} else {
		row->type = OPT_SWITCH;
	}
	*p = '\0';
	if (end)
		*end = '\0';
	return strcmp(row->name, "help") != 0;
}

struct scraped {
	struct opt_command cmd;
	struct opt_group group;
	struct opt_group_ref refs[2];
	struct opt_row rows[SCRAPED_MAX_ROWS];
	char *text; /* the rows point into it */
	char *help; /* the whole --help, for the page */
};

static bool already(const struct scraped *s, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s->rows[i].name, name))
			return true;
	return false;
}

static int scrape(const char *name, const char *summary, struct scraped *s)
{
	size_t n = 0;
	char *line, *save = NULL, *usage;

	memset(s, 0, sizeof(*s));
	s->help = help_text(name);
	s->text = s->help ? strdup(s->help) : NULL;
	if (!s->text)
		return -ENOMEM;
	for (line = strtok_r(s->text, "\n", &save);
	     line && n < SCRAPED_MAX_ROWS; line = strtok_r(NULL, "\n", &save))
		if (scrape_line(line, &s->rows[n]) &&
		    !already(s, n, s->rows[n].name))
			n++;
	usage = strstr(s->help, "usage: linerate ");
	s->group = (struct opt_group){"help", s->rows, n};
	s->refs[0] = (struct opt_group_ref){&s->group, 0};
	s->cmd = (struct opt_command){
		.name = name,
		.summary = summary,
		.usage =
			usage ? strndup(usage + 16, strcspn(usage + 16, "\n")) :
				NULL,
		.groups = s->refs,
		.epilog = s->help,
	};
	return 0;
}

static void scraped_free(struct scraped *s)
{
	free((char *)s->cmd.usage);
	free(s->text);
	free(s->help);
}

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

static int man_page(const char *name)
{
	const struct cmd_entry *c = find_command(name);
	struct scraped s;
	char date[32];

	page_date(date, sizeof(date));
	if (!name[0]) {
		print_overview(date, stdout);
		return EXIT_OK;
	}
	if (!c) {
		fprintf(stderr, "linerate __man: unknown command '%s'\n", name);
		return EXIT_USAGE;
	}
	if (c->opts) {
		opts_print_man(c->opts, LINERATE_VERSION, date, stdout);
		return EXIT_OK;
	}
	if (scrape(c->name, c->summary, &s))
		return EXIT_RUNTIME;
	opts_print_man(&s.cmd, LINERATE_VERSION, date, stdout);
	scraped_free(&s);
	return EXIT_OK;
}

/* Every command's rows, scraped where a command is not on the model. */
static int completion(const char *shell)
{
	const struct opt_command *cmds[64] = {0};
	struct scraped *s = calloc(cmd_ncommands, sizeof(*s));
	size_t n = 0;
	int rc = EXIT_OK;

	if (!s || cmd_ncommands > 64) {
		free(s);
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < cmd_ncommands && rc == EXIT_OK; i++) {
		const struct cmd_entry *c = &cmd_commands[i];

		if (c->opts)
			cmds[n++] = c->opts;
		else if (scrape(c->name, c->summary, &s[i]))
			rc = EXIT_RUNTIME;
		else
			cmds[n++] = &s[i].cmd;
		if (!c->opts && !strcmp(c->name, "lab"))
			s[i].cmd.words = "up down status";
	}
	if (rc == EXIT_OK && opts_print_completion(cmds, n, shell, stdout)) {
		fprintf(stderr, "linerate __completion: bash or zsh\n");
		rc = EXIT_USAGE;
	}
	for (size_t i = 0; i < cmd_ncommands; i++)
		if (!cmd_commands[i].opts)
			scraped_free(&s[i]);
	free(s);
	return rc;
}

/* The flags a command on the model takes; exit 1 when it is not. */
static int list_options(const char *name)
{
	const struct cmd_entry *c = find_command(name);
	size_t n;

	if (!c || !c->opts)
		return EXIT_RUNTIME;
	n = opts_count(c->opts);
	for (size_t i = 0; i < n; i++) {
		const struct opt_row *r = opts_row(c->opts, i, NULL);

		if (r->name && opts_row_applies(r, c->opts->roles) &&
		    !(r->flags & (OPT_F_HIDDEN | OPT_F_JSON_ONLY)))
			printf("%s\n", r->name);
	}
	return EXIT_OK;
}

int cmd_docgen(int argc, char **argv)
{
	if (!strcmp(argv[0], "__man") && argc <= 2)
		return man_page(argc == 2 ? argv[1] : "");
	if (!strcmp(argv[0], "__completion") && argc == 2)
		return completion(argv[1]);
	if (!strcmp(argv[0], "__options") && argc == 2)
		return list_options(argv[1]);
	fprintf(stderr, "usage: linerate __man [COMMAND] | __completion "
			"bash|zsh | __options COMMAND\n");
	return EXIT_USAGE;
}
