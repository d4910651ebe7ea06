// SPDX-License-Identifier: MIT
/*
 * The traffic commands (send, recv, reflect, ping) on the option model:
 * the address rows (they resolve host names, so they live here, not in
 * lib/spec_opts.c), the four commands, and the checks across flags that
 * run after parsing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd/traffic_opts.h"
#include "cmd/resolve.h"
#include "lib/clock.h"
#include "lib/probe.h"
#include "lib/spec_opts.h"

#define SEND_CATCH_UP_NS (10 * NSEC_PER_MSEC)

/* An address flag: an IP or a host name (resolved now). */
static int resolve_row(const struct opt_row *row, const char *v,
		       bool port_optional, struct ip_addr *ip, uint16_t *port,
		       bool *has_port, struct opt_parse *st)
{
	char err[400];

	if (!endpoint_resolve(v, port_optional, ip, port, has_port, err,
			      sizeof(err)))
		return 0;
	return opts_fail(st, row, "%s", err);
}

static int dst_parse(const struct opt_row *row, void *cfg, const char *v,
		     struct opt_parse *st)
{
	struct test_spec *sp = cfg;

	return resolve_row(row, v, false, &sp->dst, &sp->dst_port, NULL, st);
}

static int src_parse(const struct opt_row *row, void *cfg, const char *v,
		     struct opt_parse *st)
{
	struct test_spec *sp = cfg;
	bool has_port;

	if (resolve_row(row, v, true, &sp->src, &sp->src_port, &has_port, st))
		return -EINVAL;
	sp->has_src = true;
	return 0;
}

static int listen_parse(const struct opt_row *row, void *cfg, const char *v,
			struct opt_parse *st)
{
	struct test_spec *sp = cfg;

	return resolve_row(row, v, false, &sp->listen, &sp->listen_port, NULL,
			   st);
}

static int from_parse(const struct opt_row *row, void *cfg, const char *v,
		      struct opt_parse *st)
{
	struct test_spec *sp = cfg;
	bool has_port;

	if (resolve_row(row, v, true, &sp->only_from, NULL, &has_port, st))
		return -EINVAL;
	if (has_port)
		return -EINVAL; /* the standard line: no port */
	sp->has_only_from = true;
	return 0;
}

/* "IP", "IP:PORT" or "[IPv6]:PORT" (port 0: none). */
static int format_endpoint(const struct ip_addr *ip, uint16_t port, char *buf,
			   size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if ((ip->family != AF_INET && ip->family != AF_INET6) ||
	    !inet_ntop(ip->family, &ip->v4, addr, sizeof(addr)))
		return 0;
	if (!port)
		snprintf(buf, len, "%s", addr);
	else if (ip->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", addr, port);
	else
		snprintf(buf, len, "%s:%u", addr, port);
	return 1;
}

static int dst_format(const struct opt_row *row, const void *cfg, char *buf,
		      size_t len)
{
	const struct test_spec *sp = cfg;

	(void)row;
	return format_endpoint(&sp->dst, sp->dst_port, buf, len);
}

static int src_format(const struct opt_row *row, const void *cfg, char *buf,
		      size_t len)
{
	const struct test_spec *sp = cfg;

	(void)row;
	return sp->has_src ? format_endpoint(&sp->src, sp->src_port, buf, len) :
			     0;
}

static int listen_format(const struct opt_row *row, const void *cfg, char *buf,
			 size_t len)
{
	const struct test_spec *sp = cfg;

	(void)row;
	return format_endpoint(&sp->listen, sp->listen_port, buf, len);
}

static int from_format(const struct opt_row *row, const void *cfg, char *buf,
		       size_t len)
{
	const struct test_spec *sp = cfg;

	(void)row;
	return sp->has_only_from ?
		       format_endpoint(&sp->only_from, 0, buf, len) :
		       0;
}

#define R_TX (SPEC_R_SEND | SPEC_R_PING)
#define R_RX (SPEC_R_RECV | SPEC_R_REFLECT)

static const struct opt_row address_rows[] = {
	{.name = "dst",
	 .type = OPT_CUSTOM,
	 .roles = R_TX | SPEC_R_STAMP,
	 .arg = "HOST:PORT",
	 .help = "destination (required): an IP, [IPv6] or a host name",
	 .parse = dst_parse,
	 .format = dst_format},
	{.name = "src",
	 .type = OPT_CUSTOM,
	 .roles = R_TX | SPEC_R_STAMP,
	 .arg = "HOST[:PORT]",
	 .help = "source address; with a port, flows use PORT, PORT+1, ...",
	 .parse = src_parse,
	 .format = src_format},
	{.name = "listen",
	 .type = OPT_CUSTOM,
	 .roles = R_RX | SPEC_R_STAMP_REFLECT,
	 .arg = "HOST:PORT",
	 .help = "address to listen on (required): an IP, [IPv6] or a host "
		 "name",
	 .parse = listen_parse,
	 .format = listen_format},
	{.name = "from",
	 .type = OPT_CUSTOM,
	 .roles = R_RX,
	 .arg = "HOST",
	 .help = "take packets only from HOST (the xdp backend filters in its "
		 "program); the rest to the port is counted in rx.filtered",
	 .accepted = "an address or host name, no port",
	 .parse = from_parse,
	 .format = from_format},
};

const struct opt_group cmd_address_group = OPT_GROUP("address", address_rows);

const struct opt_group_ref cmd_spec_groups[] = {
	{&cmd_address_group, 0},
	{&spec_opts_traffic, 0},
	{&spec_opts_backend, 0},
	{&spec_opts_output, 0},
	{NULL, 0},
};

#define EXIT_NOTE(failure)                                                     \
	"\nexit codes: 0 ok, 1 runtime error, 2 bad input, 3 the test ran "    \
	"but its traffic\nfailed: " failure "\n(one line on stderr says why; " \
	"docs/cli.md)\nJSON fields: docs/json.md\n"

const struct opt_command cmd_send_opts = {
	.name = "send",
	.summary = "send test traffic at a frame size and rate",
	.usage = "send --dst HOST:PORT [options]\n"
		 "  Send UDP test packets (sequence number and timestamp in "
		 "each) at a frame size and rate.",
	.groups = cmd_spec_groups,
	.roles = SPEC_R_SEND,
	.epilog = EXIT_NOTE("nothing sent, or the destination refused it "
			    "from start to end"),
};

const struct opt_command cmd_recv_opts = {
	.name = "recv",
	.summary = "receive and analyse test traffic",
	.usage = "recv --listen HOST:PORT [options]\n"
		 "  Receive test packets; report loss, reordering, duplicates, "
		 "latency and jitter.",
	.groups = cmd_spec_groups,
	.roles = SPEC_R_RECV,
	.epilog = EXIT_NOTE("no test packet received"),
};

const struct opt_command cmd_reflect_opts = {
	.name = "reflect",
	.summary = "send test packets back to their source",
	.usage = "reflect --listen HOST:PORT [options]\n"
		 "  Send every test packet back to its source.",
	.groups = cmd_spec_groups,
	.roles = SPEC_R_REFLECT,
	.epilog = EXIT_NOTE("no test packet received"),
};

const struct opt_command cmd_ping_opts = {
	.name = "ping",
	.summary = "round-trip latency against a reflector",
	.usage = "ping --dst HOST:PORT [options]\n"
		 "  Round trip against a reflector: RTT percentiles, "
		 "optionally under load (--rate).",
	.groups = cmd_spec_groups,
	.roles = SPEC_R_PING,
	.epilog = EXIT_NOTE("no reply"),
};

static const struct opt_command *role_command(enum role role)
{
	switch (role) {
	case ROLE_SEND:
		return &cmd_send_opts;
	case ROLE_RECV:
		return &cmd_recv_opts;
	case ROLE_REFLECT:
		return &cmd_reflect_opts;
	case ROLE_PING:
		break;
	}
	return &cmd_ping_opts;
}

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
	char err[256];
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
	if (spec_validate(sp, err, sizeof(err))) {
		fprintf(stderr, "linerate %s: %s\n", command, err);
		return EXIT_USAGE;
	}
	return 0;
}

/* Defaults that follow from what was (not) given. */
static void role_defaults_after(enum role role, const struct opt_parse *st,
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

void cmd_spec_defaults(enum role role, struct test_spec *sp)
{
	spec_init(sp, role);
	/*
	 * A load generator's job is the rate: `send` makes up 10 ms of
	 * lateness (a busy host stalls it for milliseconds; bursts show in
	 * tx.pacing). A ping's probes and the server's sessions keep one
	 * burst; rfc2544 trials use their own policy.
	 */
	if (role == ROLE_SEND) {
		sp->catch_up = CATCH_UP_TIME;
		sp->catch_up_value = SEND_CATCH_UP_NS;
	}
}

const struct opt_command *cmd_role_opts(enum role role)
{
	return role_command(role);
}

int cmd_parse_spec(enum role role, int argc, char **argv, struct test_spec *sp)
{
	struct opt_parse st;
	int rc;

	cmd_spec_defaults(role, sp);
	rc = opts_parse_argv(role_command(role), 0, argc, argv, sp, &st);
	if (rc)
		return rc;
	role_defaults_after(role, &st, sp);
	return cmd_spec_finish(role_name(role), &st, sp);
}

int cmd_bad_value(const char *command, const char *flag, const char *value,
		  const char *accepted)
{
	fprintf(stderr,
		"linerate %s: --%s: invalid value '%s' (accepted: %s)\n",
		command, flag, value, accepted);
	return EXIT_USAGE;
}
