/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_CMD_TRAFFIC_OPTS_H
#define LINERATE_CMD_TRAFFIC_OPTS_H

#include "cmd/cmd.h"
#include "lib/options.h"
#include "lib/spec_opts.h"

/* The traffic commands' rows and commands are lib/spec_opts.h's; stamp's
 * and stamp-reflect's are theirs. */
extern const struct opt_command cmd_stamp_opts, cmd_stamp_reflect_opts;

/* After parsing: the defaults that follow from what was (not) given
 * (--count alone, the smallest frame over IPv6 or with a VLAN tag). */
void cmd_spec_defaults_after(enum role role, const struct opt_parse *st,
			     struct test_spec *sp);
/* After parsing: the checks across flags (ping's --duration alone,
 * --tos vs the address family, --from vs --listen) and spec_validate.
 * Returns 0 or EXIT_USAGE after one line on stderr. */
int cmd_spec_finish(const char *command, const struct opt_parse *st,
		    struct test_spec *spec);

#endif
