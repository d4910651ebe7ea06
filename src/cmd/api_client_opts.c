// SPDX-License-Identifier: MIT
/*
 * The API-client flag group (api_client_opts.h): parsing and help from the
 * one row list.
 */
#include <errno.h>
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
#define ROW(id, name, has_arg, arg, help, flags) { name, has_arg, arg, help, 0 },
#define DATA_ROW(id, name, has_arg, arg, help, flags)                        \
	{ name, has_arg, arg, help, CMD_API_CLIENT_WITH_DATA_ADDRESS },
static const struct api_client_row rows[CMD_API_CLIENT_NOPTS] = {
	CMD_API_CLIENT_ROWS(ROW)
	CMD_API_CLIENT_DATA_ROWS(DATA_ROW)
};
#undef ROW
#undef DATA_ROW
/* clang-format on */

/* One row's value into o: 0, or -EINVAL with what is wrong in err. */
static int api_client_set(struct cmd_api_client *o, int row, const char *value,
			  char *err, size_t err_len)
{
	uint16_t port;
	bool has_port;

	switch (row) {
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
			snprintf(err, err_len, "'%s' is not an IP address",
				 value);
			return -EINVAL;
		}
		o->has_expect_data_address = true;
		return 0;
	}
	snprintf(err, err_len, "unknown API-client option");
	return -EINVAL;
}

int cmd_api_client_parse(struct cmd_api_client *o, const char *command, int id,
			 const char *value)
{
	int row = id - CMD_API_CLIENT_OPT_BASE;
	char err[320];

	if (!api_client_set(o, row, value, err, sizeof(err)))
		return 0;
	if (row >= 0 && row < CMD_API_CLIENT_NOPTS)
		fprintf(stderr, "linerate %s: --%s: %s\n", command,
			rows[row].name, err);
	else
		fprintf(stderr, "linerate %s: %s\n", command, err);
	return EXIT_USAGE;
}

/* The option model's rows: row->set is the row's id, cfg the group's
 * struct cmd_api_client. */
static int api_client_row_parse(const struct opt_row *row, void *cfg,
				const char *value, struct opt_parse *st)
{
	char err[320];

	if (api_client_set(cfg, row->set, value, err, sizeof(err)))
		return opts_fail(st, row, "%s", err);
	return 0;
}

/* clang-format off */
#define MODEL_ROW(id, lname, has_arg, argname, text, row_flags)             \
	{ .name = (lname), .type = OPT_CUSTOM, .flags = (row_flags),         \
	  .set = CMD_API_CLIENT_##id, .arg = (argname), .help = (text),      \
	  .parse = api_client_row_parse },
static const struct opt_row api_client_rows[] = {
	CMD_API_CLIENT_ROWS(MODEL_ROW)
};
static const struct opt_row api_client_data_rows[] = {
	CMD_API_CLIENT_DATA_ROWS(MODEL_ROW)
};
#undef MODEL_ROW
/* clang-format on */

const struct opt_group cmd_api_client_group =
	OPT_GROUP_FOR(cmd_api_client_group, "API client", api_client_rows,
		      struct cmd_api_client);
const struct opt_group cmd_api_client_data_group =
	OPT_GROUP_FOR(cmd_api_client_data_group, "API client data",
		      api_client_data_rows, struct cmd_api_client);

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
