/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_CMD_API_CLIENT_ROWS_H
#define LINERATE_CMD_API_CLIENT_ROWS_H

/*
 * The API-client flags (CMD_API_CLIENT_ROWS of api_client_opts.h: --token-
 * file, --tls, --cacert, --insecure) as an option-model group, for the
 * commands on the model (hookcost, mesh). Place it at the offset of a
 * struct cmd_api_client in the command's config; each row is parsed by
 * cmd_api_client_parse, so the flags mean what they mean everywhere.
 */

#include "cmd/api_client_opts.h"
#include "lib/options.h"

extern const struct opt_group cmd_api_client_group;

#endif
