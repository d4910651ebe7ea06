// SPDX-License-Identifier: MIT
/*
 * The API-client flag group (api_client_opts.h): parsing and help from the
 * one row list.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/api_client_opts.h"
#include "lib/options.h"
#include "lib/units.h"

struct api_client_row {
	const char *name;
	int has_arg;
	const char *arg;
	const char *help;
	unsigned int feature; /* 0: every command of the group */
};

/* clang-format off */
#define ROW(id, name, has_arg, arg, help) { name, has_arg, arg, help, 0 },
#define DATA_ROW(id, name, has_arg, arg, help)                               \
	{ name, has_arg, arg, help, CMD_API_CLIENT_WITH_DATA_ADDRESS },
static const struct api_client_row rows[CMD_API_CLIENT_NOPTS] = {
	CMD_API_CLIENT_ROWS(ROW)
	CMD_API_CLIENT_DATA_ROWS(DATA_ROW)
};
#undef ROW
#undef DATA_ROW
/* clang-format on */

int cmd_api_client_parse(struct cmd_api_client *o, const char *command, int id,
			 const char *value)
{
	uint16_t port;
	bool has_port;

	switch (id - CMD_API_CLIENT_OPT_BASE) {
	case CMD_API_CLIENT_TOKEN_FILE:
		o->api.token_file = value;
		return 0;
	case CMD_API_CLIENT_TLS:
		o->api.tls = true;
		return 0;
	case CMD_API_CLIENT_CACERT:
		o->api.ca_file = value;
		o->api.tls = true;
		return 0;
	case CMD_API_CLIENT_INSECURE:
		o->api.insecure = o->api.tls = true;
		return 0;
	case CMD_API_CLIENT_EXPECT_DATA_ADDRESS:
		if (parse_endpoint(value, true, &o->expect_data_address, &port,
				   &has_port) ||
		    has_port) {
			fprintf(stderr,
				"linerate %s: --expect-data-address: '%s' is "
				"not an IP address\n",
				command, value);
			return EXIT_USAGE;
		}
		o->has_expect_data_address = true;
		return 0;
	}
	fprintf(stderr, "linerate %s: unknown API-client option\n", command);
	return EXIT_USAGE;
}

int cmd_api_client_parse_argv(struct cmd_api_client *o, const char *command,
			      unsigned int features, int argc, char **argv,
			      int *i, bool *taken)
{
	const char *a = argv[*i];

	*taken = false;
	if (strncmp(a, "--", 2))
		return 0;
	for (int r = 0; r < CMD_API_CLIENT_NOPTS; r++) {
		const char *value = NULL;

		if (strcmp(a + 2, rows[r].name) ||
		    (rows[r].feature && !(rows[r].feature & features)))
			continue;
		*taken = true;
		if (rows[r].has_arg == required_argument) {
			if (*i + 1 >= argc) {
				fprintf(stderr,
					"linerate %s: %s: a value is "
					"required\n",
					command, a);
				return EXIT_USAGE;
			}
			value = argv[++*i];
		}
		return cmd_api_client_parse(o, command,
					    CMD_API_CLIENT_OPT_BASE + r, value);
	}
	return 0;
}

/* --cacert and --insecure mean HTTPS too. */
static int parse_cacert(const struct opt_row *row, void *cfg, const char *v,
			struct opt_parse *st)
{
	struct cmd_api_client *o = cfg;

	(void)row;
	(void)st;
	o->api.ca_file = v;
	o->api.tls = true;
	return 0;
}

static int parse_insecure(const struct opt_row *row, void *cfg, const char *v,
			  struct opt_parse *st)
{
	struct cmd_api_client *o = cfg;

	(void)row;
	(void)v;
	(void)st;
	o->api.insecure = o->api.tls = true;
	return 0;
}

static const struct opt_row api_client_rows[] = {
	{.name = "token-file",
	 .type = OPT_STRING,
	 .flags = OPT_F_PTR | OPT_F_FILE,
	 OPT_FIELD(struct cmd_api_client, api.token_file),
	 .arg = "FILE",
	 .help = "the server's bearer token",
	 .accepted = "a file name"},
	{.name = "tls",
	 .type = OPT_SWITCH,
	 OPT_FIELD(struct cmd_api_client, api.tls),
	 .help = "HTTPS, the certificate verified with the system's CAs"},
	{.name = "cacert",
	 .type = OPT_CUSTOM,
	 .flags = OPT_F_FILE,
	 OPT_FIELD(struct cmd_api_client, api.ca_file),
	 .arg = "FILE",
	 .help = "HTTPS, the certificate verified with the CAs in FILE",
	 .accepted = "a file name",
	 .parse = parse_cacert},
	{.name = "insecure",
	 .type = OPT_CUSTOM,
	 OPT_FIELD(struct cmd_api_client, api.insecure),
	 .help = "HTTPS without verifying the certificate",
	 .parse = parse_insecure},
};

const struct opt_group cmd_api_client_group =
	OPT_GROUP("API client", api_client_rows);

void cmd_api_client_help(FILE *out, int width, unsigned int features,
			 const char *token_help)
{
	for (int r = 0; r < CMD_API_CLIENT_NOPTS; r++) {
		char flag[64];
		const char *help = rows[r].help;
		int n;

		if (rows[r].feature && !(rows[r].feature & features))
			continue;
		if (r == CMD_API_CLIENT_TOKEN_FILE && token_help)
			help = token_help;
		snprintf(flag, sizeof(flag), "--%s%s%s", rows[r].name,
			 rows[r].arg ? " " : "",
			 rows[r].arg ? rows[r].arg : "");
		n = fprintf(out, "  %-*s", width, flag);
		/* A flag wider than its column gets the help on a line of
		 * its own. */
		if (n > width + 2)
			fprintf(out, "\n  %-*s", width, "");
		fprintf(out, " %s\n", help);
	}
}
