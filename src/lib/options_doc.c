// SPDX-License-Identifier: MIT
/*
 * The option model's documentation side: --help, man pages and shell
 * completion, all from the rows (options.h).
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "lib/options.h"

static bool shown(const struct opt_row *r, uint32_t roles)
{
	return r->name && opts_row_applies(r, roles) &&
	       !(r->flags & (OPT_F_HIDDEN | OPT_F_JSON_ONLY));
}

/* The next row of cmd at or after *i that roles are shown, or NULL; *i
 * moves past it. */
static const struct opt_row *next_shown(const struct opt_command *cmd,
					uint32_t roles, size_t *i)
{
	for (size_t n = opts_count(cmd); *i < n;) {
		const struct opt_row *r = opts_row(cmd, (*i)++, NULL);

		if (shown(r, roles))
			return r;
	}
	return NULL;
}

static const char *row_help(const struct opt_command *cmd,
			    const struct opt_row *r)
{
	for (const struct opt_help_override *o = cmd->help_overrides;
	     o && o->name; o++)
		if (!strcmp(o->name, r->name))
			return o->help;
	return r->help ? r->help : "";
}

void opts_print_help(const struct opt_command *cmd, uint32_t role, FILE *out)
{
	uint32_t roles = role ? role : cmd->roles;
	const struct opt_row *r;
	char left[64];

	fprintf(out, "usage: linerate %s\n\noptions:\n", cmd->usage);
	for (size_t i = 0; (r = next_shown(cmd, roles, &i));) {
		snprintf(left, sizeof(left), "--%s%s%s", r->name,
			 r->arg ? " " : "", r->arg ? r->arg : "");
		fprintf(out, "  %-26s %s\n", left, row_help(cmd, r));
	}
	fprintf(out, "  %-26s %s\n", "--help", "this help");
	if (cmd->epilog)
		fputs(cmd->epilog, out);
}

/* roff: a backslash is \e, a line may not start with . or ', and a
 * hyphen in a flag is \- (so it copies as a hyphen). */
static void roff_text(const char *s, bool hyphens, FILE *out)
{
	bool bol = true;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", out);
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-' && hyphens)
			fputs("\\-", out);
		else
			fputc(*s, out);
		bol = *s == '\n';
	}
}

static void man_upper(const char *s, FILE *out)
{
	for (; *s; s++)
		fputc(*s == '-' ? '-' : toupper((unsigned char)*s), out);
}

static void man_options(const struct opt_command *cmd, FILE *out)
{
	const struct opt_row *r;

	fputs(".SH OPTIONS\n", out);
	for (size_t i = 0; (r = next_shown(cmd, cmd->roles, &i));) {
		fputs(".TP\n", out);
		if (r->short_name)
			fprintf(out, "\\fB\\-%c\\fR, ", r->short_name);
		fputs("\\fB\\-\\-", out);
		roff_text(r->name, true, out);
		fputs("\\fR", out);
		if (r->arg) {
			fputs(" \\fI", out);
			roff_text(r->arg, false, out);
			fputs("\\fR", out);
		}
		fputc('\n', out);
		roff_text(row_help(cmd, r), false, out);
		if (r->def) {
			fputs(" (default: ", out);
			roff_text(r->def, false, out);
			fputc(')', out);
		}
		fputc('\n', out);
	}
	fputs(".TP\n\\fB\\-\\-help\\fR\nthis help\n", out);
}

/* How a usage text's further synopsis lines start. */
#define SYNOPSIS_MORE "       linerate "

void opts_print_man(const struct opt_command *cmd, const char *version,
		    const char *date, FILE *out)
{
	const char *usage = cmd->usage ? cmd->usage : cmd->name;
	size_t first = strcspn(usage, "\n");
	const char *usage_rest = usage + first;

	fputs(".TH LINERATE-", out);
	man_upper(cmd->name, out);
	fprintf(out, " 1 \"%s\" \"linerate %s\" \"User Commands\"\n", date,
		version);
	fputs(".SH NAME\nlinerate\\-", out);
	roff_text(cmd->name, true, out);
	fputs(" \\- ", out);
	roff_text(cmd->summary ? cmd->summary : cmd->name, false, out);
	fputs("\n.SH SYNOPSIS\n", out);
	/* The first line, and each further one in the form "       linerate
	 * ..." (a second way to call the command), is a synopsis line. */
	for (const char *line = usage;;) {
		char text[256];

		snprintf(text, sizeof(text), "%.*s", (int)first, line);
		fputs(line == usage ? ".B linerate\n" : ".br\n.B linerate\n",
		      out);
		roff_text(text, true, out);
		fputc('\n', out);
		line += first;
		if (*line != '\n' || strncmp(line + 1, SYNOPSIS_MORE,
					     strlen(SYNOPSIS_MORE)))
			break;
		line += 1 + strlen(SYNOPSIS_MORE);
		first = strcspn(line, "\n");
		usage_rest = line + first;
	}
	first = (size_t)(usage_rest - usage);
	if (usage[first]) {
		fputs(".SH DESCRIPTION\n", out);
		while (usage[first] == '\n' || usage[first] == ' ')
			first++;
		roff_text(usage + first, false, out);
		fputc('\n', out);
	}
	man_options(cmd, out);
	if (cmd->epilog) {
		fputs(".SH NOTES\n.nf\n", out);
		roff_text(cmd->epilog + strspn(cmd->epilog, "\n"), false, out);
		fputs(".fi\n", out);
	}
	fputs(".SH SEE ALSO\n.BR linerate (1)\n", out);
}

/* bash: the words of a flag's value, when the rows know them. */
static void bash_values(const struct opt_command *cmd, FILE *out)
{
	const struct opt_row *r;

	fputs("\t\tcase $prev in\n", out);
	for (size_t i = 0; (r = next_shown(cmd, cmd->roles, &i));) {
		if (r->names) {
			fprintf(out, "\t\t--%s) words=\"", r->name);
			for (const struct opt_name *v = r->names; v->name; v++)
				fprintf(out, "%s%s", v == r->names ? "" : " ",
					v->name);
			fputs("\" ;;\n", out);
		} else if (r->flags & OPT_F_FILE) {
			fprintf(out, "\t\t--%s) words=@file ;;\n", r->name);
		} else if (r->flags & OPT_F_IFACE) {
			fprintf(out, "\t\t--%s%s%c) words=@iface ;;\n", r->name,
				r->short_name ? " | -" : "",
				r->short_name ? r->short_name : ' ');
		}
	}
	fputs("\t\tesac\n", out);
}

static void bash_command(const struct opt_command *cmd, FILE *out)
{
	const struct opt_row *r;

	fprintf(out, "\t%s)\n\t\topts=\"%s%s", cmd->name,
		cmd->words ? cmd->words : "", cmd->words ? " " : "");
	for (size_t i = 0; (r = next_shown(cmd, cmd->roles, &i));)
		fprintf(out, "--%s ", r->name);
	fputs("--help\"\n", out);
	bash_values(cmd, out);
	fputs("\t\t;;\n", out);
}

static void print_bash(const struct opt_command *const *cmds, size_t ncmds,
		       FILE *out)
{
	fputs("# bash completion for linerate (generated from its option "
	      "rows)\n_linerate() {\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=\"\" opts=\"\" "
	      "words=\"\"\n"
	      "\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	      "\tif ((COMP_CWORD == 1)); then\n\t\tmapfile -t COMPREPLY < <"
	      "(compgen -W \"",
	      out);
	for (size_t i = 0; i < ncmds; i++)
		fprintf(out, "%s ", cmds[i]->name);
	fputs("--help --version\" -- \"$cur\")\n\t\treturn\n\tfi\n"
	      "\tcase ${COMP_WORDS[1]} in\n",
	      out);
	for (size_t i = 0; i < ncmds; i++)
		bash_command(cmds[i], out);
	fputs("\t*) return ;;\n\tesac\n"
	      "\tcase $words in\n"
	      "\t@file) mapfile -t COMPREPLY < <(compgen -f -- \"$cur\") ;;\n"
	      "\t@iface) mapfile -t COMPREPLY < <(compgen -W \"$(ls "
	      "/sys/class/net 2>/dev/null)\" -- \"$cur\") ;;\n"
	      "\t?*) mapfile -t COMPREPLY < <(compgen -W \"$words\" -- "
	      "\"$cur\") ;;\n"
	      "\t*) mapfile -t COMPREPLY < <(compgen -W \"$opts\" -- "
	      "\"$cur\") ;;\n\tesac\n}\ncomplete -F _linerate linerate\n",
	      out);
}

/* zsh _arguments specs: [ ] : \ and ' are special in them. */
static void zsh_text(const char *s, size_t max, FILE *out)
{
	for (size_t i = 0; s[i] && i < max; i++) {
		if (s[i] == '\'')
			fputs("'\\''", out);
		else if (strchr("[]:\\", s[i]))
			fprintf(out, "\\%c", s[i]);
		else if (s[i] == '\n')
			fputc(' ', out);
		else
			fputc(s[i], out);
	}
}

static void zsh_row(const struct opt_command *cmd, const struct opt_row *r,
		    FILE *out)
{
	const char *help = row_help(cmd, r);

	fprintf(out, " \\\n\t\t\t'--%s[", r->name);
	zsh_text(help, strcspn(help, ";("), out);
	fputc(']', out);
	if (r->arg) {
		fputc(':', out);
		zsh_text(r->arg, 64, out);
		fputc(':', out);
		if (r->names) {
			fputc('(', out);
			for (const struct opt_name *v = r->names; v->name; v++)
				fprintf(out, "%s%s", v == r->names ? "" : " ",
					v->name);
			fputc(')', out);
		} else if (r->flags & OPT_F_FILE) {
			fputs("_files", out);
		} else if (r->flags & OPT_F_IFACE) {
			fputs("_net_interfaces", out);
		}
	}
	fputc('\'', out);
}

static void print_zsh(const struct opt_command *const *cmds, size_t ncmds,
		      FILE *out)
{
	fputs("#compdef linerate\n# zsh completion for linerate (generated "
	      "from its option rows)\n_linerate() {\n\tlocal -a commands\n"
	      "\tcommands=(\n",
	      out);
	for (size_t i = 0; i < ncmds; i++) {
		fprintf(out, "\t\t'%s:", cmds[i]->name);
		zsh_text(cmds[i]->summary ? cmds[i]->summary : "", 200, out);
		fputs("'\n", out);
	}
	fputs("\t)\n\tif ((CURRENT == 2)); then\n\t\t_describe 'command' "
	      "commands\n\t\treturn\n\tfi\n"
	      /* the command's flags: its words from the command on */
	      "\tlocal cmd=$words[2]\n\tshift words\n\t((CURRENT--))\n"
	      "\tcase $cmd in\n",
	      out);
	for (size_t i = 0; i < ncmds; i++) {
		const struct opt_row *r;

		fprintf(out, "\t%s)\n\t\t_arguments", cmds[i]->name);
		for (size_t k = 0;
		     (r = next_shown(cmds[i], cmds[i]->roles, &k));)
			zsh_row(cmds[i], r, out);
		fputs(" \\\n\t\t\t'--help[this help]'", out);
		if (cmds[i]->words)
			fprintf(out, " \\\n\t\t\t'1:word:(%s)'",
				cmds[i]->words);
		fputs("\n\t\t;;\n", out);
	}
	fputs("\tesac\n}\n_linerate \"$@\"\n", out);
}

int opts_print_completion(const struct opt_command *const *cmds, size_t ncmds,
			  const char *shell, FILE *out)
{
	if (!strcmp(shell, "bash"))
		print_bash(cmds, ncmds, out);
	else if (!strcmp(shell, "zsh"))
		print_zsh(cmds, ncmds, out);
	else
		return -EINVAL;
	return 0;
}
