/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_CMD_API_CLIENT_OPTS_H
#define LINERATE_CMD_API_CLIENT_OPTS_H

/*
 * The flags of every command that talks to a linerate API (client,
 * hookcost, rfc2544, mesh, subscribers): declared once here, parsed by one
 * function, described by one help block.
 */

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "api/client.h"
#include "lib/frame.h"

/* clang-format off */
/* X(ID, name, has_arg, value placeholder or NULL, help) */
#define CMD_API_CLIENT_ROWS(X)                                              \
	X(TOKEN_FILE, "token-file", required_argument, "FILE",               \
	  "the server's bearer token")                                       \
	X(TLS, "tls", no_argument, NULL,                                     \
	  "HTTPS, the certificate verified with the system's CAs")           \
	X(CACERT, "cacert", required_argument, "FILE",                       \
	  "HTTPS, the certificate verified with the CAs in FILE")            \
	X(INSECURE, "insecure", no_argument, NULL,                           \
	  "HTTPS without verifying the certificate")
/* Only for commands that send traffic where the server's reply says. */
#define CMD_API_CLIENT_DATA_ROWS(X)                                         \
	X(EXPECT_DATA_ADDRESS, "expect-data-address", required_argument,     \
	  "IP",                                                              \
	  "the server may send us to IP (default: its API's address "   \
	  "only)")

#define CMD_API_CLIENT_ENUM(id, ...) CMD_API_CLIENT_##id,
enum cmd_api_client_opt {
	CMD_API_CLIENT_ROWS(CMD_API_CLIENT_ENUM)
	CMD_API_CLIENT_DATA_ROWS(CMD_API_CLIENT_ENUM)
	CMD_API_CLIENT_NOPTS
};
#undef CMD_API_CLIENT_ENUM

/* getopt_long ids of the rows: far above any command's own. */
#define CMD_API_CLIENT_OPT_BASE 0x4000
#define CMD_API_CLIENT_LONGOPT(id, name, has_arg, ...)                     \
	{ name, has_arg, NULL, CMD_API_CLIENT_OPT_BASE + CMD_API_CLIENT_##id },
/* Entries for a command's struct option table. */
#define CMD_API_CLIENT_LONGOPTS CMD_API_CLIENT_ROWS(CMD_API_CLIENT_LONGOPT)
/* clang-format on */

/* Which rows a command takes besides the four of CMD_API_CLIENT_ROWS. */
#define CMD_API_CLIENT_WITH_DATA_ADDRESS 1u

struct cmd_api_client {
	struct api_client_opts api;
	struct ip_addr expect_data_address; /* --expect-data-address */
	bool has_expect_data_address;
};

/* A getopt_long id of one of the rows (CMD_API_CLIENT_LONGOPTS). */
static inline bool cmd_api_client_is_opt(int id)
{
	return id >= CMD_API_CLIENT_OPT_BASE &&
	       id < CMD_API_CLIENT_OPT_BASE + CMD_API_CLIENT_NOPTS;
}

/*
 * One row's value (NULL for a switch), by getopt_long id. 0, or EXIT_USAGE
 * after one line "linerate COMMAND: --flag: ..." on stderr.
 */
int cmd_api_client_parse(struct cmd_api_client *o, const char *command, int id,
			 const char *value);

/*
 * For a command that walks argv itself: when argv[*i] is one of the rows
 * (as features allow), take it and its value (*i advanced) and set *taken.
 * 0, or EXIT_USAGE after one line on stderr (a missing or bad value).
 */
int cmd_api_client_parse_argv(struct cmd_api_client *o, const char *command,
			      unsigned int features, int argc, char **argv,
			      int *i, bool *taken);

/*
 * The same four rows (CMD_API_CLIENT_ROWS, not --expect-data-address) for
 * a command on the option model (lib/options.h): place the group at the
 * offset of its struct cmd_api_client.
 */
struct opt_group;
extern const struct opt_group cmd_api_client_group;

/*
 * The rows' --help lines, "  --flag ARG" padded to width. token_help, if
 * not NULL, replaces the --token-file text (whose token it is).
 */
void cmd_api_client_help(FILE *out, int width, unsigned int features,
			 const char *token_help);

#endif
