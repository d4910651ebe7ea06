/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_CMD_API_SERVER_AUTH_H
#define LINERATE_CMD_API_SERVER_AUTH_H

/*
 * Who may use an API this process serves (server, replicate), written
 * once: without a token only loopback (unless --insecure-open); a token of
 * at least API_TOKEN_MIN_LEN characters, from a file others may not read
 * (unless --allow-insecure-perms).
 */

#include <stdbool.h>

#include "lib/frame.h"

#define API_TOKEN_MIN_LEN 16

/* The flags of a command that serves an API (server, replicate). */
struct cmd_api_server {
	const char *api; /* --api ADDR[:PORT] as given, or NULL */
	const char *token_file; /* --token-file */
	bool insecure_open; /* --insecure-open */
	bool allow_insecure_perms; /* --allow-insecure-perms */
};

/* Their rows (lib/options.h), at the offset of a struct cmd_api_server;
 * a command's own defaults go in its help overrides. */
struct opt_group;
/* What OPT_GROUP_TYPE (lib/options.h) writes: the group's type. */
typedef struct cmd_api_server cmd_api_server_group_opt_type;
extern const struct opt_group cmd_api_server_group;

/*
 * May an API on ip be served? 0, or EXIT_USAGE after one line
 * "linerate COMMAND: --api: ..." (api_text: what --api said).
 */
int api_server_check_open(const char *command, const struct ip_addr *ip,
			  bool has_token, bool insecure_open,
			  const char *api_text);

/*
 * The token in path (flag names it in messages), at least
 * API_TOKEN_MIN_LEN characters and, when other is given, not equal to it
 * (an admin token beside the clients' one). A string to free, or NULL
 * after one line on stderr.
 */
char *api_server_read_token(const char *command, const char *flag,
			    const char *path, bool allow_insecure_perms,
			    const char *other);

#endif
