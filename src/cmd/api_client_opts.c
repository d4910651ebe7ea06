// SPDX-License-Identifier: MIT
/*
 * The API-client flag groups (api_client_opts.h): the option model's rows
 * from the one row list.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/api_client_opts.h"
#include "lib/options.h"
#include "lib/units.h"

/* One row's value into o: 0, or -EINVAL with what is wrong in err. */
static int api_client_set(struct cmd_api_client *o, int row, const char *value,
			  struct lr_err *err)
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
			return lr_err_set_verbatim(err, -EINVAL, NULL,
						   "'%s' is not an IP address",
						   value);
		}
		o->has_expect_data_address = true;
		return 0;
	}
	return lr_err_set(err, -EINVAL, NULL, "unknown API-client option");
}

/* The option model's rows: row->set is the row's id, cfg the group's
 * struct cmd_api_client. */
static int api_client_row_parse(const struct opt_row *row, void *cfg,
				const char *value, struct opt_parse *st)
{
	struct lr_err err = {0};

	if (api_client_set(cfg, row->set, value, &err))
		return opts_fail(st, row, "%s", lr_err_text(&err));
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
