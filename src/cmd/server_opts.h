/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_CMD_SERVER_OPTS_H
#define LINERATE_CMD_SERVER_OPTS_H

/*
 * The option-model commands of the API side (lib/options.h): their rows
 * give --help, the man pages and completion.
 */

struct opt_command;
extern const struct opt_command cmd_server_opts;
extern const struct opt_command cmd_replicate_opts;
extern const struct opt_command cmd_subscribers_opts;
extern const struct opt_command cmd_client_opts;

#endif
