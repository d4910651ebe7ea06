// SPDX-License-Identifier: MIT
/*
 * The command line of a linerate child (send, recv, reflect, ping): made
 * from the spec by the option rows (lib/spec_opts.h) with opts_to_argv,
 * the way the child itself will read them back, instead of by hand. The
 * address (--dst or --listen) is added as IP:PORT: its rows resolve host
 * names and live with the commands.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hookcost/hookcost_internal.h"
#include "lib/log.h"
#include "lib/options.h"
#include "lib/spec_opts.h"

static const struct opt_group_ref child_groups[] = {
	{&spec_opts_traffic, 0},
	{&spec_opts_backend, offsetof(struct test_spec, backend)},
	{&spec_opts_output, 0},
	{NULL, 0},
};

#define CHILD_COMMAND(cname, bit)                                              \
	{                                                                      \
		.name = (cname), .groups = child_groups, .roles = (bit)        \
	}

static const struct opt_command child_commands[] = {
	[ROLE_SEND] = CHILD_COMMAND("send", SPEC_R_SEND),
	[ROLE_RECV] = CHILD_COMMAND("recv", SPEC_R_RECV),
	[ROLE_REFLECT] = CHILD_COMMAND("reflect", SPEC_R_REFLECT),
	[ROLE_PING] = CHILD_COMMAND("ping", SPEC_R_PING),
};

static void log_argv(char *const argv[])
{
	char line[512];
	size_t used = 0;

	if (log_get_level() < LOG_DEBUG)
		return;
	line[0] = '\0';
	for (size_t i = 0; argv[i] && used < sizeof(line); i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used,
					 "%s%s", i ? " " : "", argv[i]);
	pr_debug("hookcost: child: %s\n", line);
}

int hc_child_argv(struct hc_argv *a, const struct test_spec *spec,
		  const char *ip, uint16_t port)
{
	const struct opt_command *cmd;
	struct test_spec defaults;
	size_t n = 0;
	int count;

	memset(a, 0, sizeof(*a));
	if ((unsigned int)spec->role > ROLE_PING)
		return -EINVAL;
	cmd = &child_commands[spec->role];
	/* The rows write what differs from the child's defaults; the frame
	 * size and a ping's count always go (a default of the child's may
	 * depend on what else it was given). */
	spec_init(&defaults, spec->role);
	defaults.frame_size = 0;
	defaults.count = 0;
	count = opts_to_argv(cmd, cmd->roles, spec, &defaults, &a->opts);
	if (count < 0)
		return count;
	if ((size_t)count + 4 > HC_ARGV_MAX) {
		hc_child_argv_free(a);
		return -E2BIG;
	}
	snprintf(a->addr, sizeof(a->addr), "%s:%u", ip, port);
	a->argv[n++] = (char *)"self";
	for (int i = 0; i < count; i++)
		a->argv[n++] = a->opts[i];
	a->argv[n++] =
		(char *)(spec->role == ROLE_SEND || spec->role == ROLE_PING ?
				 "--dst" :
				 "--listen");
	a->argv[n++] = a->addr;
	a->argv[n] = NULL;
	log_argv(a->argv);
	return 0;
}

int hc_spec_backend(struct test_spec *spec, const char *name)
{
	size_t n = strlen(name);

	if (n >= sizeof(spec->backend.name))
		return -EINVAL;
	memcpy(spec->backend.name, name, n + 1);
	return 0;
}

void hc_child_argv_free(struct hc_argv *a)
{
	opts_argv_free(a->opts);
	a->opts = NULL;
}
