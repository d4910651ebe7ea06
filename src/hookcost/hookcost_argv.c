// SPDX-License-Identifier: MIT
/*
 * The command line of a linerate child (send, recv, reflect, ping): made
 * from the spec by the role's own option rows (lib/spec_opts.h) with
 * opts_to_argv, the way the child itself reads them back, instead of by
 * hand.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hookcost/hookcost_internal.h"
#include "lib/frame.h"
#include "lib/log.h"
#include "lib/options.h"
#include "lib/spec_opts.h"

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

int hc_child_argv(struct hc_argv *a, const struct test_spec *spec)
{
	const struct opt_command *cmd;
	struct test_spec defaults;
	int count;

	memset(a, 0, sizeof(*a));
	if ((unsigned int)spec->role > ROLE_PING)
		return -EINVAL;
	cmd = spec_opts_command(spec->role);
	/* The rows write what differs from the child's defaults; the frame
	 * size and a ping's count always go (a default of the child's may
	 * depend on what else it was given). */
	spec_opts_defaults(spec->role, &defaults);
	defaults.frame_size = 0;
	defaults.count = 0;
	count = opts_to_argv(cmd, cmd->roles, spec, &defaults, &a->opts);
	if (count < 0)
		return count;
	if ((size_t)count + 2 > HC_ARGV_MAX) {
		hc_child_argv_free(a);
		return -E2BIG;
	}
	a->argv[0] = (char *)"self";
	for (int i = 0; i < count; i++)
		a->argv[i + 1] = a->opts[i];
	a->argv[count + 1] = NULL;
	log_argv(a->argv);
	return 0;
}

int hc_spec_endpoint(struct test_spec *spec, const char *ip, uint16_t port)
{
	bool sends = spec->role == ROLE_SEND || spec->role == ROLE_PING;
	struct ip_addr *addr = sends ? &spec->dst : &spec->listen;

	if (ip_addr_parse(ip, addr) || !port)
		return -EINVAL;
	if (sends)
		spec->dst_port = port;
	else
		spec->listen_port = port;
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
