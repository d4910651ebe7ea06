// SPDX-License-Identifier: MIT
/*
 * Flags of the traffic subcommands. One table says which role takes which
 * flag; every value is checked for type, range and unit, and a bad one
 * gets one line naming the flag and what it accepts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd/cmd.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/marking.h"
#include "lib/probe.h"
#include "cmd/resolve.h"
#include "lib/units.h"

enum opt_id {
	OPT_DST = 256,
	OPT_SRC,
	OPT_LISTEN,
	OPT_FROM,
	OPT_SIZE,
	OPT_RATE,
	OPT_LINE_RATE,
	OPT_DURATION,
	OPT_COUNT,
	OPT_FLOWS,
	OPT_BURST,
	OPT_CATCH_UP,
	OPT_INTERVAL,
	OPT_CPU,
	OPT_BACKEND,
	OPT_IDLE,
	OPT_WAIT,
	OPT_BUSY_POLL,
	OPT_REALTIME,
	OPT_USER_TS,
	OPT_NO_GSO,
	OPT_COUNT_ONLY,
	OPT_INTERFACE,
	OPT_XDP_MODE,
	OPT_ZERO_COPY,
	OPT_FORCE,
	OPT_RING_SIZE,
	OPT_UMEM_FRAMES,
	OPT_QUEUES,
	OPT_CLOCK_SYNC,
	OPT_JSON,
	OPT_JSON_STREAM,
	OPT_CSV,
	OPT_QUIET,
	OPT_VERBOSE,
	OPT_HELP,
	OPT_DSCP,
	OPT_ECN,
	OPT_TOS,
	OPT_TRAFFIC_CLASS,
	OPT_VLAN,
	OPT_PER_FLOW,
	OPT_PER_FLOW_CSV,
};

#define SEND_CATCH_UP_NS (10 * NSEC_PER_MSEC)

#define R_SEND (1u << ROLE_SEND)
#define R_RECV (1u << ROLE_RECV)
#define R_REFLECT (1u << ROLE_REFLECT)
#define R_PING (1u << ROLE_PING)
#define R_ALL (R_SEND | R_RECV | R_REFLECT | R_PING)
#define R_TX (R_SEND | R_PING)
#define R_RX (R_RECV | R_REFLECT)

struct opt_doc {
	const char *name;
	int has_arg;
	int id;
	unsigned int roles;
	const char *arg;
	const char *help;
};

static const struct opt_doc opt_docs[] = {
	{ "dst", 1, OPT_DST, R_TX, "HOST:PORT",
	  "destination (required): an IP, [IPv6] or a host name" },
	{ "src", 1, OPT_SRC, R_TX, "HOST[:PORT]",
	  "source address; with a port, flows use PORT, PORT+1, ..." },
	{ "listen", 1, OPT_LISTEN, R_RX, "HOST:PORT",
	  "address to listen on (required): an IP, [IPv6] or a host name" },
	{ "from", 1, OPT_FROM, R_RX, "HOST",
	  "take packets only from HOST (the xdp backend filters in its "
	  "program); the rest to the port is counted in rx.filtered" },
	{ "size", 1, OPT_SIZE, R_ALL, "BYTES",
	  "Ethernet frame size incl. FCS, 64..9018 (default 64, 84 over IPv6; recv/reflect: "
	  "the largest expected, default 1518); send: also a mix, imix "
	  "(64:7,594:4,1518:1), SIZE:WEIGHT,... or LO..HI/STEP" },
	{ "rate", 1, OPT_RATE, R_TX, "RATE",
	  "max | 250kpps | 1.5Mpps | 800Mbps (L1) | 800Mbps-l2 | 50% "
	  "(default 100kpps; ping 100pps)" },
	{ "dscp", 1, OPT_DSCP, R_TX, "CLASS",
	  "DSCP of every packet: EF, AF11..AF43, CS0..CS7, LE, VA, DF or "
	  "0..63 (default 0)" },
	{ "ecn", 1, OPT_ECN, R_TX, "CODEPOINT",
	  "ECN field: not-ect, ect0, ect1, ce or 0..3 (default not-ect)" },
	{ "tos", 1, OPT_TOS, R_TX, "BYTE",
	  "IPv4 TOS byte 0..255 (DSCP << 2 | ECN); not with --dscp/--ecn" },
	{ "traffic-class", 1, OPT_TRAFFIC_CLASS, R_TX, "BYTE",
	  "IPv6 traffic class 0..255; not with --dscp/--ecn" },
	{ "vlan", 1, OPT_VLAN, R_TX, "ID[:PCP]",
	  "802.1Q tag, ID 1..4094, priority 0..7; QinQ: OUTER[:PCP],"
	  "INNER[:PCP] (802.1ad outer tag); raw backends (afpacket, afxdp, "
	  "xdp) only" },
	{ "line-rate", 1, OPT_LINE_RATE, R_TX, "BPS",
	  "line rate for % rates, e.g. 10Gbps" },
	{ "duration", 1, OPT_DURATION, R_ALL, "TIME",
	  "run time: 10s, 500ms, 2m (send default 10s)" },
	{ "count", 1, OPT_COUNT, R_ALL, "N",
	  "packets to send (send/ping) or receive (recv/reflect)" },
	{ "flows", 1, OPT_FLOWS, R_TX, "N",
	  "distinct source ports, 1..4096 (default 1)" },
	{ "burst", 1, OPT_BURST, R_ALL, "N",
	  "packets per burst/syscall, 1..1024 (default 32)" },
	{ "catch-up", 1, OPT_CATCH_UP, R_TX, "none|N|TIME",
	  "lateness a paced sender makes up: none (the schedule shifts), N "
	  "frames, or TIME worth of frames (default: send 10ms, ping one "
	  "burst)" },
	{ "interval", 1, OPT_INTERVAL, R_ALL, "TIME",
	  "live report period (default 1s; 0 for none)" },
	{ "cpu", 1, OPT_CPU, R_ALL, "N", "pin the worker to CPU N" },
	{ "backend", 1, OPT_BACKEND, R_ALL, "NAME",
	  "auto | xdp | afxdp | afpacket | udp (default auto: the fastest "
	  "that opens here)" },
	{ "interface", 1, OPT_INTERFACE, R_ALL, "IFACE",
	  "-i IFACE; raw backends: interface (default: from the route / listen address)" },
	{ "xdp-mode", 1, OPT_XDP_MODE, R_ALL, "MODE",
	  "auto | native | generic (default auto: native, else generic)" },
	{ "zero-copy", 1, OPT_ZERO_COPY, R_ALL, "WHEN",
	  "afxdp: auto | require | off (default auto)" },
	{ "force", 0, OPT_FORCE, R_ALL, NULL,
	  "replace a foreign XDP program on the interface" },
	{ "ring-size", 1, OPT_RING_SIZE, R_ALL, "N",
	  "AF_XDP/AF_PACKET ring entries, power of two (default 2048)" },
	{ "queues", 1, OPT_QUEUES, R_SEND | R_RX, "N",
	  "raw backends: one worker per queue 0..N-1 (default 1)" },
	{ "umem-frames", 1, OPT_UMEM_FRAMES, R_ALL, "N",
	  "AF_XDP UMEM frames, power of two (default 4096)" },
	{ "idle-timeout", 1, OPT_IDLE, R_RX, "TIME",
	  "end after this long without test packets, once they started "
	  "(default 2s; 0 for never)" },
	{ "wait", 1, OPT_WAIT, R_PING, "TIME",
	  "wait for late replies after the last probe (default 1s)" },
	{ "realtime", 0, OPT_REALTIME, R_TX, NULL,
	  "paced sender at real-time priority (SCHED_FIFO 1; root), so a busy "
	  "host does not stall it; only where it sleeps between frames" },
	{ "busy-poll", 0, OPT_BUSY_POLL, R_ALL, NULL,
	  "spin on nonblocking sockets instead of sleeping" },
	{ "count-only", 0, OPT_COUNT_ONLY, R_RECV, NULL,
	  "xdp backend: count probes and drop them, no loss/latency accounting "
	  "(a sink as cheap as XDP_DROP, to compare senders)" },
	{ "no-gso", 0, OPT_NO_GSO, R_ALL, NULL,
	  "udp: one datagram per send/receive (no UDP GSO/GRO batching)" },
	{ "user-timestamps", 0, OPT_USER_TS, R_RECV | R_PING | R_REFLECT, NULL,
	  "time arrivals in user space instead of kernel SO_TIMESTAMPNS" },
	{ "clock-sync", 1, OPT_CLOCK_SYNC, R_RECV | R_REFLECT, "none|host",
	  "host: sender shares this host's clock, one-way latency is valid" },
	{ "per-flow", 1, OPT_PER_FLOW, R_RECV | R_REFLECT | R_PING, "N|all|none",
	  "rows of the per-flow table, most lost first (default 10, shown "
	  "when more than one flow arrived; --json has every flow)" },
	{ "per-flow-csv", 1, OPT_PER_FLOW_CSV, R_RECV | R_REFLECT | R_PING,
	  "FILE", "at the end, write one CSV row per flow" },
	{ "json", 0, OPT_JSON, R_ALL, NULL,
	  "print one JSON document at the end, nothing else on stdout" },
	{ "json-stream", 0, OPT_JSON_STREAM, R_ALL, NULL,
	  "print one JSON object per interval and a final one (NDJSON)" },
	{ "csv", 1, OPT_CSV, R_ALL, "FILE", "write one CSV row per interval" },
	{ "quiet", 0, OPT_QUIET, R_ALL, NULL, "no live interval lines" },
	{ "verbose", 0, OPT_VERBOSE, R_ALL, NULL, "more log on stderr" },
	{ "help", 0, OPT_HELP, R_ALL, NULL, "this help" },
};

#define OPT_COUNT_ALL (sizeof(opt_docs) / sizeof(opt_docs[0]))

static const char *role_usage(enum role role)
{
	switch (role) {
	case ROLE_SEND:
		return "send --dst HOST:PORT [options]\n"
		       "  Send UDP test packets (sequence number and timestamp in "
		       "each) at a frame size and rate.";
	case ROLE_RECV:
		return "recv --listen HOST:PORT [options]\n"
		       "  Receive test packets; report loss, reordering, "
		       "duplicates, latency and jitter.";
	case ROLE_REFLECT:
		return "reflect --listen HOST:PORT [options]\n"
		       "  Send every test packet back to its source.";
	case ROLE_PING:
		return "ping --dst HOST:PORT [options]\n"
		       "  Round trip against a reflector: RTT percentiles, "
		       "optionally under load (--rate).";
	}
	return "";
}

static void print_help(enum role role)
{
	printf("usage: linerate %s\n\noptions:\n", role_usage(role));
	for (size_t i = 0; i < OPT_COUNT_ALL; i++) {
		const struct opt_doc *d = &opt_docs[i];
		char left[64];

		if (!(d->roles & (1u << role)))
			continue;
		snprintf(left, sizeof(left), "--%s%s%s", d->name,
			 d->arg ? " " : "", d->arg ? d->arg : "");
		printf("  %-26s %s\n", left, d->help);
	}
	printf("\nexit codes: 0 ok, 1 runtime error, 2 bad input, 3 the test "
	       "ran but its traffic\nfailed: %s\n(one line on stderr says "
	       "why; docs/cli.md)\nJSON fields: docs/json.md\n",
	       role == ROLE_SEND ? "nothing sent, or the destination refused "
				   "it from start to end" :
	       role == ROLE_PING ? "no reply" : "no test packet received");
}

/* One line in the CLI's one form: "linerate CMD: --flag: what is wrong". */
static enum role parsing_role;

static int bad(const char *flag, const char *value, const char *accepted)
{
	fprintf(stderr,
		"linerate %s: --%s: invalid value '%s' (accepted: %s)\n",
		role_name(parsing_role), flag, value, accepted);
	return EXIT_USAGE;
}

/* An address flag: an IP or a host name (resolved now). */
static int endpoint_flag(const char *flag, const char *value,
			 bool port_optional, struct ip_addr *ip,
			 uint16_t *port, bool *has_port)
{
	char err[400];

	if (!endpoint_resolve(value, port_optional, ip, port, has_port, err,
			      sizeof(err)))
		return 0;
	fprintf(stderr, "linerate %s: --%s: %s\n", role_name(parsing_role),
		flag, err);
	return EXIT_USAGE;
}

/* Two flags that each choose the same thing (what stdout carries). */
static int exclusive(const char *flag, const char *other)
{
	fprintf(stderr,
		"linerate %s: --%s: cannot be combined with --%s (choose one)\n",
		role_name(parsing_role), flag, other);
	return EXIT_USAGE;
}

/* Which marking flags this command line has used: --tos and
 * --traffic-class set the whole byte, --dscp and --ecn a part of it. */
#define MARK_DSCP (1u << 0)
#define MARK_ECN (1u << 1)
#define MARK_TOS (1u << 2)
#define MARK_TCLASS (1u << 3)
static unsigned int marks_seen;

static int parse_marking(struct test_spec *sp, int id, const char *name,
			 const char *v)
{
	static const char *const flag_of[] = { "dscp", "ecn", "tos",
					       "traffic-class" };
	unsigned int bit = id == OPT_DSCP ? MARK_DSCP :
			   id == OPT_ECN  ? MARK_ECN :
			   id == OPT_TOS  ? MARK_TOS :
					    MARK_TCLASS;
	unsigned int clash = bit & (MARK_DSCP | MARK_ECN) ?
				     MARK_TOS | MARK_TCLASS :
				     (MARK_DSCP | MARK_ECN | MARK_TOS |
				      MARK_TCLASS) & ~bit;
	uint8_t value;

	for (unsigned int i = 0; i < 4; i++)
		if (marks_seen & clash & (1u << i))
			return exclusive(name, flag_of[i]);
	marks_seen |= bit;
	switch (id) {
	case OPT_DSCP:
		if (marking_parse_dscp(v, &value))
			return bad(name, v,
				   "EF, AF11..AF43, CS0..CS7, LE, VA, DF or "
				   "0..63");
		sp->tos = marking_tos(value, marking_ecn_of(sp->tos));
		return 0;
	case OPT_ECN:
		if (marking_parse_ecn(v, &value))
			return bad(name, v, "not-ect, ect0, ect1, ce or 0..3");
		sp->tos = marking_tos(marking_dscp_of(sp->tos), value);
		return 0;
	default:
		if (marking_parse_tos(v, &value))
			return bad(name, v, "a byte 0..255 (or 0x00..0xff)");
		sp->tos = value;
		return 0;
	}
}

static int parse_one(struct test_spec *sp, int id, const char *name,
		     const char *v)
{
	uint64_t n;
	bool has_port;

	switch (id) {
	case OPT_DSCP:
	case OPT_ECN:
	case OPT_TOS:
	case OPT_TRAFFIC_CLASS:
		return parse_marking(sp, id, name, v);
	case OPT_PER_FLOW:
		sp->per_flow_explicit = true;
		if (!strcmp(v, "all"))
			sp->per_flow_rows = UINT32_MAX;
		else if (!strcmp(v, "none"))
			sp->per_flow_rows = 0;
		else if (parse_u64(v, 1, 100000, &n))
			return bad(name, v, "a row count 1..100000, all or none");
		else
			sp->per_flow_rows = (uint32_t)n;
		return 0;
	case OPT_PER_FLOW_CSV:
		if (!*v)
			return bad(name, v, "a file path");
		sp->per_flow_csv_path = v;
		return 0;
	case OPT_VLAN: {
		struct marking_vlans tags;

		if (marking_parse_vlans(v, &tags))
			return bad(name, v,
				   "ID 1..4094 or ID:PCP with PCP "
				   "0..7, e.g. 100 or 100:5; QinQ "
				   "OUTER[:PCP],INNER[:PCP]");
		sp->vlan_id = tags.id;
		sp->vlan_pcp = tags.pcp;
		sp->vlan_inner_id = tags.inner_id;
		sp->vlan_inner_pcp = tags.inner_pcp;
		return 0;
	}
	case OPT_DST:
		return endpoint_flag(name, v, false, &sp->dst, &sp->dst_port,
				     NULL);
	case OPT_SRC:
		if (endpoint_flag(name, v, true, &sp->src, &sp->src_port,
				  &has_port))
			return EXIT_USAGE;
		sp->has_src = true;
		return 0;
	case OPT_LISTEN:
		return endpoint_flag(name, v, false, &sp->listen,
				     &sp->listen_port, NULL);
	case OPT_FROM:
		if (endpoint_flag(name, v, true, &sp->only_from, NULL,
				  &has_port))
			return EXIT_USAGE;
		if (has_port)
			return bad(name, v, "an address or host name, no port");
		sp->has_only_from = true;
		return 0;
	case OPT_SIZE:
		if (sp->role == ROLE_SEND && (strchr(v, ':') || strstr(v, "..") ||
					      !strcmp(v, "imix"))) {
			if (sizemix_parse(v, FRAME_MIN_SIZE, FRAME_MAX_SIZE,
					  &sp->size_mix))
				return bad(name, v,
					   "imix, SIZE:WEIGHT,... (at most 64 "
					   "sizes, 4096 frames a period) or "
					   "LO..HI/STEP (at most 64 sizes), "
					   "sizes 64..9018");
			sp->frame_size = sizemix_max(&sp->size_mix);
			return 0;
		}
		if (parse_u64(v, FRAME_MIN_SIZE, FRAME_MAX_SIZE, &n))
			return bad(name, v, "64..9018 bytes, incl. FCS");
		sp->frame_size = (uint32_t)n;
		sp->size_mix.count = 0;
		return 0;
	case OPT_RATE:
		if (parse_rate(v, &sp->rate))
			return bad(name, v,
				   "max, N[k|M|G]pps, N[k|M|G]bps (L1), "
				   "N[k|M|G]bps-l2, N% with --line-rate");
		return 0;
	case OPT_LINE_RATE:
		if (parse_bitrate(v, &sp->line_rate_bps))
			return bad(name, v, "bits/s, e.g. 10Gbps, 25G");
		return 0;
	case OPT_DURATION:
		if (parse_duration(v, &sp->duration_ns))
			return bad(name, v, "a time > 0 like 10s, 500ms, 2m");
		return 0;
	case OPT_COUNT:
		if (parse_u64(v, 1, UINT64_MAX / 2, &sp->count))
			return bad(name, v, "a packet count >= 1, e.g. 1000, 10k, 2M");
		return 0;
	case OPT_FLOWS:
		if (parse_u64(v, 1, SPEC_MAX_FLOWS, &n))
			return bad(name, v, "1..4096");
		sp->flows = (uint32_t)n;
		return 0;
	case OPT_BURST:
		if (parse_u64(v, 1, SPEC_MAX_BURST, &n))
			return bad(name, v, "1..1024");
		sp->burst = (uint32_t)n;
		return 0;
	case OPT_CATCH_UP:
		if (spec_parse_catch_up(sp, v))
			return bad(name, v,
				   "none, a frame count 0..1000000, or a time "
				   "like 5ms (<= 10s)");
		return 0;
	case OPT_INTERVAL:
		if (!strcmp(v, "0")) {
			sp->interval_ns = 0;
			return 0;
		}
		if (parse_duration(v, &sp->interval_ns) ||
		    sp->interval_ns < 100 * NSEC_PER_MSEC)
			return bad(name, v, "0 or a time >= 100ms, e.g. 1s");
		return 0;
	case OPT_CPU:
		if (parse_u64(v, 0, 4095, &n))
			return bad(name, v, "a CPU number 0..4095");
		sp->cpu = (int)n;
		return 0;
	case OPT_BACKEND:
		if (!spec_backend_known(v))
			return bad(name, v, SPEC_BACKENDS);
		snprintf(sp->backend, sizeof(sp->backend), "%s", v);
		return 0;
	case OPT_IDLE:
		if (!strcmp(v, "0")) {
			sp->idle_timeout_ns = 0;
			return 0;
		}
		if (parse_duration(v, &sp->idle_timeout_ns))
			return bad(name, v, "0 or a time like 2s, 500ms");
		return 0;
	case OPT_WAIT:
		if (parse_duration(v, &sp->wait_ns))
			return bad(name, v, "a time like 1s, 200ms");
		return 0;
	case OPT_BUSY_POLL:
		sp->busy_poll = true;
		return 0;
	case OPT_REALTIME:
		sp->realtime = true;
		return 0;
	case OPT_INTERFACE:
		if (!*v || strlen(v) >= SPEC_IFNAME_LEN || strchr(v, '/') ||
		    strchr(v, ' '))
			return bad(name, v, "an interface name (1..15 characters)");
		snprintf(sp->ifname, sizeof(sp->ifname), "%s", v);
		return 0;
	case OPT_XDP_MODE:
		if (!strcmp(v, "auto"))
			sp->xdp_mode = XDP_PREF_AUTO;
		else if (!strcmp(v, "native") || !strcmp(v, "drv"))
			sp->xdp_mode = XDP_PREF_NATIVE;
		else if (!strcmp(v, "generic") || !strcmp(v, "skb"))
			sp->xdp_mode = XDP_PREF_GENERIC;
		else
			return bad(name, v, "auto, native, generic");
		return 0;
	case OPT_ZERO_COPY:
		if (!strcmp(v, "auto"))
			sp->zero_copy = ZC_AUTO;
		else if (!strcmp(v, "require") || !strcmp(v, "on"))
			sp->zero_copy = ZC_REQUIRE;
		else if (!strcmp(v, "off") || !strcmp(v, "copy"))
			sp->zero_copy = ZC_COPY;
		else
			return bad(name, v, "auto, require, off");
		return 0;
	case OPT_FORCE:
		sp->force = true;
		return 0;
	case OPT_RING_SIZE:
		if (parse_u64(v, 64, SPEC_MAX_RING, &n) || (n & (n - 1)))
			return bad(name, v, "a power of two, 64..65536");
		sp->ring_size = (uint32_t)n;
		return 0;
	case OPT_QUEUES:
		if (parse_u64(v, 1, SPEC_MAX_QUEUES, &n))
			return bad(name, v, "1..64");
		sp->queues = (uint32_t)n;
		return 0;
	case OPT_UMEM_FRAMES:
		if (parse_u64(v, 256, SPEC_MAX_UMEM_FRAMES, &n) || (n & (n - 1)))
			return bad(name, v, "a power of two, 256..262144");
		sp->umem_frames = (uint32_t)n;
		return 0;
	case OPT_NO_GSO:
		sp->no_gso = true;
		return 0;
	case OPT_COUNT_ONLY:
		sp->count_only = true;
		return 0;
	case OPT_USER_TS:
		sp->kernel_rx_timestamps = false;
		return 0;
	case OPT_CLOCK_SYNC:
		if (!strcmp(v, "none"))
			sp->clock_sync = CLOCK_SYNC_NONE;
		else if (!strcmp(v, "host"))
			sp->clock_sync = CLOCK_SYNC_HOST;
		else
			return bad(name, v, "none, host");
		return 0;
	case OPT_JSON:
		if (sp->output == OUTPUT_JSON_STREAM)
			return exclusive(name, "json-stream");
		sp->output = OUTPUT_JSON;
		return 0;
	case OPT_JSON_STREAM:
		if (sp->output == OUTPUT_JSON)
			return exclusive(name, "json");
		sp->output = OUTPUT_JSON_STREAM;
		return 0;
	case OPT_CSV:
		if (!*v)
			return bad(name, v, "a file path");
		sp->csv_path = v;
		return 0;
	case OPT_QUIET:
		sp->quiet = true;
		return 0;
	case OPT_VERBOSE:
		log_set_level(log_get_level() < LOG_DEBUG ?
				      (enum log_level)(log_get_level() + 1) :
				      LOG_DEBUG);
		return 0;
	}
	return EXIT_USAGE;
}

/* --tos names the IPv4 byte and --traffic-class the IPv6 one: the wrong
 * one for the destination is most likely a mistake worth a word. */
static int marking_family_check(const char *command,
				const struct test_spec *sp)
{
	const char *flag = NULL;

	if ((marks_seen & MARK_TOS) && sp->dst.family == AF_INET6)
		flag = "tos: the destination is IPv6 (use --traffic-class)";
	if ((marks_seen & MARK_TCLASS) && sp->dst.family == AF_INET)
		flag = "traffic-class: the destination is IPv4 (use --tos)";
	if (!flag)
		return 0;
	fprintf(stderr, "linerate %s: --%s\n", command, flag);
	return EXIT_USAGE;
}

int cmd_parse_spec(enum role role, int argc, char **argv,
		   struct test_spec *sp)
{
	struct option longopts[OPT_COUNT_ALL + 1];
	bool seen_duration = false, seen_count = false, seen_size = false;
	char err[256];
	size_t n = 0;
	int id, rc;

	spec_init(sp, role);
	parsing_role = role;
	marks_seen = 0;
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
	for (size_t i = 0; i < OPT_COUNT_ALL; i++) {
		if (!(opt_docs[i].roles & (1u << role)))
			continue;
		longopts[n].name = opt_docs[i].name;
		longopts[n].has_arg = opt_docs[i].has_arg;
		longopts[n].flag = NULL;
		longopts[n].val = opt_docs[i].id;
		n++;
	}
	memset(&longopts[n], 0, sizeof(longopts[n]));
	optind = 1;
	opterr = 0;
	while ((id = getopt_long(argc, argv, ":hi:", longopts, NULL)) != -1) {
		const char *name = NULL;

		if (id == 'i')
			id = OPT_INTERFACE;
		if (id == 'h' || id == OPT_HELP) {
			print_help(role);
			return CMD_HELP_SHOWN;
		}
		if (id == ':') {
			const char *flag = argv[optind - 1];

			for (size_t i = 0; i < OPT_COUNT_ALL; i++)
				if (opt_docs[i].id == optopt)
					flag = opt_docs[i].name;
			fprintf(stderr,
				"linerate %s: --%s: a value is required (see "
				"--help)\n",
				role_name(role), flag + strspn(flag, "-"));
			return EXIT_USAGE;
		}
		if (id == '?') {
			if (optopt && optopt < 256)
				fprintf(stderr,
					"linerate %s: -%c: unknown flag (see "
					"--help)\n",
					role_name(role), optopt);
			else
				fprintf(stderr,
					"linerate %s: %s: unknown flag (see "
					"--help)\n",
					role_name(role), argv[optind - 1]);
			return EXIT_USAGE;
		}
		for (size_t i = 0; i < OPT_COUNT_ALL; i++)
			if (opt_docs[i].id == id)
				name = opt_docs[i].name;
		if (id == OPT_DURATION)
			seen_duration = true;
		if (id == OPT_COUNT)
			seen_count = true;
		if (id == OPT_SIZE)
			seen_size = true;
		rc = parse_one(sp, id, name, optarg);
		if (rc)
			return rc;
	}
	if (optind < argc) {
		fprintf(stderr, "linerate %s: unexpected argument '%s' (see --help)\n",
			role_name(role), argv[optind]);
		return EXIT_USAGE;
	}
	/* --count alone means "until N packets", not "until N or 10 s". */
	if (seen_count && !seen_duration && role == ROLE_SEND)
		sp->duration_ns = 0;
	/* The default size is the smallest frame: over IPv6 that is larger
	 * than 64 bytes (a 40-byte header). An explicit --size is checked. */
	if (!seen_size && (role == ROLE_SEND || role == ROLE_PING) &&
	    sp->dst.family == AF_INET6)
		sp->frame_size = FRAME_FCS_LEN + FRAME_ETH_HLEN + FRAME_IPV6_HLEN +
				 FRAME_UDP_HLEN + PROBE_HDR_LEN;
	/* A tag takes 4 bytes of the smallest frame's payload; the
	 * smallest tagged frame that carries a probe is 4 bytes longer. */
	if (!seen_size && (role == ROLE_SEND || role == ROLE_PING) &&
	    sp->vlan_id)
		sp->frame_size +=
			FRAME_VLAN_HLEN * (sp->vlan_inner_id ? 2u : 1u);
	/* And a ping's --duration alone means "for that long", not "10
	 * probes or that long". */
	if (seen_duration && !seen_count && role == ROLE_PING)
		sp->count = 0;
	rc = marking_family_check(role_name(role), sp);
	if (rc)
		return rc;
	if (sp->has_only_from && sp->only_from.family != sp->listen.family) {
		fprintf(stderr, "linerate %s: --from: address family differs "
				"from --listen\n", role_name(role));
		return EXIT_USAGE;
	}
	if (spec_validate(sp, err, sizeof(err))) {
		fprintf(stderr, "linerate %s: %s\n", role_name(role), err);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * A subcommand outside the four roles (stamp, stamp-reflect) takes some
 * of a role's rows by name, so their parsing, ranges and help stay in one
 * place above, and adds rows of its own, parsed by its callback.
 */
static const struct opt_doc *base_row(const struct cmd_opt_table *t,
				      const char *name)
{
	for (const struct cmd_base_row *b = t->base_rows; b->name; b++) {
		if (strcmp(b->name, name))
			continue;
		for (size_t i = 0; i < OPT_COUNT_ALL; i++)
			if (!strcmp(opt_docs[i].name, name) &&
			    (opt_docs[i].roles & (1u << t->base_role)))
				return &opt_docs[i];
	}
	return NULL;
}

static void print_table_help(const struct cmd_opt_table *t)
{
	char left[64];

	printf("usage: linerate %s\n\noptions:\n", t->usage);
	for (const struct cmd_base_row *b = t->base_rows; b->name; b++) {
		const struct opt_doc *d = base_row(t, b->name);

		if (!d)
			continue;
		snprintf(left, sizeof(left), "--%s%s%s", d->name,
			 d->arg ? " " : "", d->arg ? d->arg : "");
		printf("  %-26s %s\n", left, b->help ? b->help : d->help);
	}
	for (size_t i = 0; i < t->nrows; i++) {
		const struct cmd_opt_row *r = &t->rows[i];

		snprintf(left, sizeof(left), "--%s%s%s", r->name,
			 r->arg ? " " : "", r->arg ? r->arg : "");
		printf("  %-26s %s\n", left, r->help);
	}
	if (t->traffic_failure)
		printf("\nexit codes: 0 ok, 1 runtime error, 2 bad input, 3 the "
		       "test ran but its traffic\nfailed: %s\n(one line on "
		       "stderr says why; docs/cli.md)\n",
		       t->traffic_failure);
	else
		printf("\nexit codes: 0 ok, 1 runtime error, 2 bad input\n");
	printf("JSON fields: docs/json.md, docs/stamp.md\n");
}

#define TABLE_ROW_ID 1024 /* getopt ids of a table's own rows: 1024 + i */
#define TABLE_MAX_ROWS 64

int cmd_parse_table(const struct cmd_opt_table *t, int argc, char **argv,
		    struct test_spec *sp)
{
	struct option longopts[OPT_COUNT_ALL + TABLE_MAX_ROWS + 1];
	bool seen_duration = false, seen_count = false;
	char err[256];
	size_t n = 0;
	int id, rc;

	if (t->nrows > TABLE_MAX_ROWS)
		return EXIT_USAGE;
	spec_init(sp, t->base_role);
	marks_seen = 0;
	if (t->defaults)
		t->defaults(sp, t->ctx);
	for (const struct cmd_base_row *b = t->base_rows; b->name; b++) {
		const struct opt_doc *d = base_row(t, b->name);

		if (!d)
			continue;
		longopts[n++] = (struct option){ d->name, d->has_arg, NULL,
						 d->id };
	}
	for (size_t i = 0; i < t->nrows; i++)
		longopts[n++] = (struct option){ t->rows[i].name,
						 t->rows[i].has_arg, NULL,
						 TABLE_ROW_ID + (int)i };
	memset(&longopts[n], 0, sizeof(longopts[n]));
	optind = 1;
	opterr = 0;
	/* -i is --interface, where the command takes that row. */
	while ((id = getopt_long(argc, argv,
				 base_row(t, "interface") ? ":hi:" : ":h",
				 longopts, NULL)) != -1) {
		const char *name = NULL;

		if (id == 'i')
			id = OPT_INTERFACE;
		if (id == 'h' || id == OPT_HELP) {
			print_table_help(t);
			return CMD_HELP_SHOWN;
		}
		if (id == ':' || id == '?') {
			fprintf(stderr,
				"linerate %s: %s: %s (see --help)\n",
				t->command, argv[optind - 1],
				id == ':' ? "a value is required" :
					    "unknown flag");
			return EXIT_USAGE;
		}
		if (id >= TABLE_ROW_ID) {
			rc = t->parse(t->ctx, (size_t)(id - TABLE_ROW_ID),
				      optarg);
			if (rc)
				return rc;
			continue;
		}
		for (size_t i = 0; i < OPT_COUNT_ALL; i++)
			if (opt_docs[i].id == id)
				name = opt_docs[i].name;
		seen_duration |= id == OPT_DURATION;
		seen_count |= id == OPT_COUNT;
		rc = parse_one(sp, id, name, optarg);
		if (rc)
			return rc;
	}
	if (optind < argc) {
		fprintf(stderr, "linerate %s: unexpected argument '%s' (see --help)\n",
			t->command, argv[optind]);
		return EXIT_USAGE;
	}
	/* As for ping: --duration alone means "for that long". */
	if (seen_duration && !seen_count && t->base_role == ROLE_PING)
		sp->count = 0;
	if (t->finish) {
		rc = t->finish(sp, t->ctx);
		if (rc)
			return rc;
	}
	rc = marking_family_check(t->command, sp);
	if (rc)
		return rc;
	if (spec_validate(sp, err, sizeof(err))) {
		fprintf(stderr, "linerate %s: %s\n", t->command, err);
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_bad_value(const char *command, const char *flag, const char *value,
		  const char *accepted)
{
	fprintf(stderr,
		"linerate %s: --%s: invalid value '%s' (accepted: %s)\n",
		command, flag, value, accepted);
	return EXIT_USAGE;
}
