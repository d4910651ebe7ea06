// SPDX-License-Identifier: MIT
/*
 * The traffic commands (send, recv, reflect, ping) on the option model:
 * their rows and commands are lib/spec_opts.c's; here, the parse and the
 * checks across flags that run after it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd/traffic_opts.h"
#include "lib/clock.h"
#include "lib/probe.h"
#include "lib/spec_opts.h"

/* --tos names the IPv4 byte and --traffic-class the IPv6 one: the wrong
 * one for the destination is most likely a mistake worth a word. */
static int marking_family_check(const char *command, const struct opt_parse *st,
				const struct test_spec *sp)
{
	const char *flag = NULL;

	if (opts_seen(st, "tos") && sp->dst.family == AF_INET6)
		flag = "tos: the destination is IPv6 (use --traffic-class)";
	if (opts_seen(st, "traffic-class") && sp->dst.family == AF_INET)
		flag = "traffic-class: the destination is IPv4 (use --tos)";
	if (!flag)
		return 0;
	fprintf(stderr, "linerate %s: --%s\n", command, flag);
	return EXIT_USAGE;
}

int cmd_spec_finish(const char *command, const struct opt_parse *st,
		    struct test_spec *sp)
{
	struct lr_err err;
	int rc;

	/* A ping's (and a STAMP sender's) --duration alone means "for that
	 * long", not "10 probes or that long". */
	if (opts_seen(st, "duration") && !opts_seen(st, "count") &&
	    sp->role == ROLE_PING)
		sp->count = 0;
	rc = marking_family_check(command, st, sp);
	if (rc)
		return rc;
	if (sp->has_only_from && sp->only_from.family != sp->listen.family) {
		fprintf(stderr,
			"linerate %s: --from: address family differs from "
			"--listen\n",
			command);
		return EXIT_USAGE;
	}
	if (spec_validate(sp, &err)) {
		fprintf(stderr, "linerate %s: %s\n", command,
			lr_err_text(&err));
		return EXIT_USAGE;
	}
	return 0;
}

void cmd_spec_defaults_after(enum role role, const struct opt_parse *st,
			     struct test_spec *sp)
{
	bool sender = role == ROLE_SEND || role == ROLE_PING;

	/* --count alone means "until N packets", not "until N or 10 s". */
	if (opts_seen(st, "count") && !opts_seen(st, "duration") &&
	    role == ROLE_SEND)
		sp->duration_ns = 0;
	/* The default size is the smallest frame: over IPv6 that is larger
	 * than 64 bytes (a 40-byte header). An explicit --size is checked. */
	if (!opts_seen(st, "size") && sender && sp->dst.family == AF_INET6)
		sp->frame_size = FRAME_FCS_LEN + FRAME_ETH_HLEN +
				 FRAME_IPV6_HLEN + FRAME_UDP_HLEN +
				 PROBE_HDR_LEN;
	/* A tag takes 4 bytes of the smallest frame's payload; the
	 * smallest tagged frame that carries a probe is 4 bytes longer. */
	if (!opts_seen(st, "size") && sender && sp->vlan_id)
		sp->frame_size +=
			FRAME_VLAN_HLEN * (sp->vlan_inner_id ? 2u : 1u);
}

int cmd_spec_check(void *cfg, const struct opt_parse *st)
{
	struct test_spec *sp = cfg;

	cmd_spec_defaults_after(sp->role, st, sp);
	return cmd_spec_finish(role_name(sp->role), st, sp);
}

int cmd_parse_spec(enum role role, int argc, char **argv, struct test_spec *sp)
{
	struct opt_parse st;
	int rc;

	spec_opts_defaults(role, sp);
	rc = opts_parse_argv(spec_opts_command(role), 0, argc, argv, sp, &st);
	return rc ? rc : cmd_spec_check(sp, &st);
}

int cmd_bad_value(const char *command, const char *flag, const char *value,
		  const char *accepted)
{
	fprintf(stderr,
		"linerate %s: --%s: invalid value '%s' (accepted: %s)\n",
		command, flag, value, accepted);
	return EXIT_USAGE;
}
