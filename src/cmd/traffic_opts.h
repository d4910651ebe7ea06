/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_CMD_TRAFFIC_OPTS_H
#define LINERATE_CMD_TRAFFIC_OPTS_H

#include "cmd/cmd.h"
#include "lib/options.h"
#include "lib/spec_opts.h"

/*
 * The traffic commands on the option model (lib/options.h): the address
 * rows (--dst, --src, --listen, --from; they resolve host names) and the
 * groups of a test_spec command, placed at offset 0 (add the offset of
 * the test_spec when the config embeds one).
 */
extern const struct opt_group cmd_address_group;
extern const struct opt_group_ref cmd_spec_groups[];
extern const struct opt_command cmd_send_opts, cmd_recv_opts,
	cmd_reflect_opts, cmd_ping_opts, cmd_stamp_opts,
	cmd_stamp_reflect_opts;
const struct opt_command *cmd_role_opts(enum role role);

/* spec_init, and the defaults of a role's command line (send's
 * catch-up). */
void cmd_spec_defaults(enum role role, struct test_spec *spec);
/* After parsing: the checks across flags (ping's --duration alone,
 * --tos vs the address family, --from vs --listen) and spec_validate.
 * Returns 0 or EXIT_USAGE after one line on stderr. */
int cmd_spec_finish(const char *command, const struct opt_parse *st,
		    struct test_spec *spec);

#endif
