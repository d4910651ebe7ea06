/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_CMD_TRAFFIC_OPTS_H
#define LINERATE_CMD_TRAFFIC_OPTS_H

#include "cmd/cmd.h"
#include "lib/options.h"
#include "lib/spec_opts.h"

/* The traffic commands' rows and commands are lib/spec_opts.h's; stamp's
 * and stamp-reflect's are theirs. */
extern const struct opt_command cmd_stamp_opts, cmd_stamp_reflect_opts;

/* The test_spec groups (address, traffic, backend, output), in that
 * order, placed at member spec (a struct test_spec) of cfg_type: for a
 * command's CMD_GROUPS. */
#define CMD_SPEC_GROUPS(cfg_type, spec)                                        \
	OPT_AT(spec_opts_address, cfg_type, spec),                             \
		OPT_AT(spec_opts_traffic, cfg_type, spec),                     \
		OPT_AT(spec_opts_backend, cfg_type, spec.backend),             \
		OPT_AT(spec_opts_output, cfg_type, spec)

/* After parsing: the defaults that follow from what was (not) given
 * (--count alone, the smallest frame over IPv6 or with a VLAN tag). */
void cmd_spec_defaults_after(enum role role, const struct opt_parse *st,
			     struct test_spec *sp);
/* After parsing: the checks across flags (ping's --duration alone,
 * --tos vs the address family, --from vs --listen) and spec_validate.
 * Returns 0 or EXIT_USAGE after one line on stderr. */
int cmd_spec_finish(const char *command, const struct opt_parse *st,
		    struct test_spec *spec);
/* Both, for a role's command (cfg: its test_spec, the role set): the
 * check cmd_run_parsed runs. */
int cmd_spec_check(void *cfg, const struct opt_parse *st);
/* Fill spec from argv for a role: its defaults, the parse, the check.
 * Returns 0, CMD_HELP_SHOWN after --help, or EXIT_USAGE after one line
 * naming the bad flag. */
int cmd_parse_spec(enum role role, int argc, char **argv,
		   struct test_spec *spec);

#endif
