/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_CMD_API_CLIENT_OPTS_H
#define LINERATE_CMD_API_CLIENT_OPTS_H

/*
 * The flags of every command that talks to a linerate API (client,
 * hookcost, rfc2544, mesh, subscribers): declared once here, as the
 * X-macro rows below, taken as the option model's groups
 * cmd_api_client_group and cmd_api_client_data_group.
 */

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "api/client.h"
#include "lib/frame.h"

/* clang-format off */
/* X(ID, name, has_arg, value placeholder or NULL, help, row flags) */
#define CMD_API_CLIENT_ROWS(X)                                              \
	X(TOKEN_FILE, "token-file", required_argument, "FILE",               \
	  "the server's bearer token", OPT_F_FILE)                           \
	X(TLS, "tls", no_argument, NULL,                                     \
	  "HTTPS, the certificate verified with the system's CAs", 0)        \
	X(CACERT, "cacert", required_argument, "FILE",                       \
	  "HTTPS, the certificate verified with the CAs in FILE", OPT_F_FILE) \
	X(INSECURE, "insecure", no_argument, NULL,                           \
	  "HTTPS without verifying the certificate", 0)
/* Only for commands that send traffic where the server's reply says. */
#define CMD_API_CLIENT_DATA_ROWS(X)                                         \
	X(EXPECT_DATA_ADDRESS, "expect-data-address", required_argument,     \
	  "IP",                                                              \
	  "the server may send us to IP (default: its API's address "   \
	  "only)", 0)

#define CMD_API_CLIENT_ENUM(id, ...) CMD_API_CLIENT_##id,
enum cmd_api_client_opt {
	CMD_API_CLIENT_ROWS(CMD_API_CLIENT_ENUM)
	CMD_API_CLIENT_DATA_ROWS(CMD_API_CLIENT_ENUM)
	CMD_API_CLIENT_NOPTS
};
#undef CMD_API_CLIENT_ENUM

/* clang-format on */

struct cmd_api_client {
	struct api_client_opts api;
	struct ip_addr expect_data_address; /* --expect-data-address */
	bool has_expect_data_address;
};

/*
 * The same rows for the option model (lib/options.h), each a group of
 * struct cmd_api_client rows: the four every API client takes, and
 * --expect-data-address for those whose traffic goes where the server's
 * reply says. Place them at the offset of a struct cmd_api_client.
 * (lib/options.h is not included here: the commands still on getopt have
 * OPT_ names of their own; the typedefs are what OPT_GROUP_TYPE writes.)
 */
struct opt_group;
typedef struct cmd_api_client cmd_api_client_group_opt_type;
typedef struct cmd_api_client cmd_api_client_data_group_opt_type;
extern const struct opt_group cmd_api_client_group;
extern const struct opt_group cmd_api_client_data_group;

#endif
