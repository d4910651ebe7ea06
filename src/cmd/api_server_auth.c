// SPDX-License-Identifier: MIT
/* The API servers' access rules (api_server_auth.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"
#include "cmd/cmd.h"
#include "cmd/api_server_auth.h"
#include "cmd/row_values.h"
#include "lib/options.h"

#define API_SERVER_FIELD(field) OPT_FIELD(struct cmd_api_server, field)

static const struct opt_row api_server_rows[] = {
	{.name = "api",
	 .type = OPT_STRING,
	 .flags = OPT_F_PTR,
	 API_SERVER_FIELD(api),
	 .arg = "ADDR[:PORT]",
	 .help = "where the API listens",
	 .parse = cmd_row_text},
	OPT_FILE_ROW("token-file", struct cmd_api_server, token_file,
		     "require 'Authorization: Bearer <token in FILE>'",
		     .parse = cmd_row_text),
	OPT_SWITCH_ROW("insecure-open", struct cmd_api_server, insecure_open,
		       "allow a non-loopback --api without a token"),
	OPT_SWITCH_ROW("allow-insecure-perms", struct cmd_api_server,
		       allow_insecure_perms,
		       "take token and key files that others may read "
		       "(refused by default)"),
};

const struct opt_group cmd_api_server_group =
	OPT_GROUP_FOR(cmd_api_server_group, "API server", api_server_rows,
		      struct cmd_api_server);

int api_server_check_open(const char *command, const struct ip_addr *ip,
			  bool has_token, bool insecure_open,
			  const char *api_text)
{
	if (has_token || insecure_open || ip_addr_is_loopback(ip))
		return 0;
	fprintf(stderr,
		"linerate %s: --api: without --token-file the API serves "
		"loopback only (--insecure-open to serve %s anyway)\n",
		command, api_text);
	return EXIT_USAGE;
}

char *api_server_read_token(const char *command, const char *flag,
			    const char *path, bool allow_insecure_perms,
			    const char *other)
{
	char *token =
		http_read_secret_file(flag, path, 4096, allow_insecure_perms);

	if (!token)
		return NULL;
	if (other &&
	    (strlen(token) < API_TOKEN_MIN_LEN || !strcmp(token, other))) {
		fprintf(stderr,
			"linerate %s: %s: the admin token must be at least "
			"%d characters and differ from --token-file's\n",
			command, flag, API_TOKEN_MIN_LEN);
		free(token);
		return NULL;
	}
	if (strlen(token) < API_TOKEN_MIN_LEN) {
		fprintf(stderr,
			"linerate %s: %s: the token must be at least %d "
			"characters\n",
			command, flag, API_TOKEN_MIN_LEN);
		free(token);
		return NULL;
	}
	return token;
}
