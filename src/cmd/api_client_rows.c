// SPDX-License-Identifier: MIT
/*
 * The API-client group on the option model (api_client_rows.h), made from
 * the one row list of api_client_opts.h.
 */
#include <errno.h>

#include "cmd/api_client_rows.h"

static int api_client_row_parse(const struct opt_row *row, void *cfg,
				const char *value, struct opt_parse *st)
{
	/* These four rows take any value; nothing is printed. */
	if (cmd_api_client_parse(cfg, st->cmd->name,
				 CMD_API_CLIENT_OPT_BASE + row->set, value))
		return opts_fail(st, row, "invalid value '%s'",
				 value ? value : "");
	return 0;
}

/* clang-format off */
#define API_CLIENT_ROW(id, lname, has_arg, argname, text)                  \
	{ .name = (lname), .type = OPT_CUSTOM,                               \
	  .flags = (has_arg) == required_argument ? OPT_F_FILE : 0,          \
	  .set = CMD_API_CLIENT_##id, .arg = (argname), .help = (text),      \
	  .parse = api_client_row_parse },
static const struct opt_row api_client_rows[] = {
	CMD_API_CLIENT_ROWS(API_CLIENT_ROW)
};
#undef API_CLIENT_ROW
/* clang-format on */

const struct opt_group cmd_api_client_group =
	OPT_GROUP("API client", api_client_rows);
