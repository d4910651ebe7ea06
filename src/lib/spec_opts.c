// SPDX-License-Identifier: MIT
/*
 * struct test_spec's option rows (spec_opts.h): one row per flag, read by
 * the CLI, --help, man pages, completion, the daemon's JSON spec and the
 * argv of child runs. A value callback is here only where a type of the
 * model does not say it all (a size mix, marking bytes, catch-up).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/marking.h"
#include "lib/resolve.h"
#include "lib/spec_opts.h"

#define R_SEND	  SPEC_R_SEND
#define R_RECV	  SPEC_R_RECV
#define R_REFLECT SPEC_R_REFLECT
#define R_PING	  SPEC_R_PING
#define R_STAMP	  SPEC_R_STAMP
#define R_SREFL	  SPEC_R_STAMP_REFLECT
#define R_ALL	  (R_SEND | R_RECV | R_REFLECT | R_PING)
#define R_TX	  (R_SEND | R_PING)
#define R_RX	  (R_RECV | R_REFLECT)

#define J_SENDERS (SPEC_J_SOURCE | SPEC_J_PING)
#define J_ALL	  (SPEC_J_SINK | SPEC_J_REFLECT | J_SENDERS)

#define SPEC_FIELD(field) OPT_FIELD(struct test_spec, field)
#define BOPT_FIELD(field) OPT_FIELD(struct backend_opts, field)
/* A backend count that must be a power of two in lo..hi. */
#define BOPT_POW2_ROW(lname, field, role_bits, lo, hi, text, acc)              \
	{                                                                      \
		.name = lname, .type = OPT_UINT, .flags = OPT_F_POW2,          \
		BOPT_FIELD(field), .roles = role_bits, .min = lo, .max = hi,   \
		.arg = "N", .help = text, .accepted = acc                      \
	}

/* Marking rows: --tos and --traffic-class set the whole byte, --dscp and
 * --ecn a part of it. */
#define X_DSCP	 (1u << 0)
#define X_ECN	 (1u << 1)
#define X_TOS	 (1u << 2)
#define X_TCLASS (1u << 3)
#define X_JSON	 (1u << 4)
#define X_STREAM (1u << 5)

/* --size: a frame size, or (send) a mix. */
static int size_parse(const struct opt_row *row, void *cfg, const char *v,
		      struct opt_parse *st)
{
	struct test_spec *sp = cfg;
	uint64_t n;

	(void)st;
	if (sp->role == ROLE_SEND && !(st->role & (R_STAMP | R_SREFL)) &&
	    (strchr(v, ':') || strstr(v, "..") || !strcmp(v, "imix"))) {
		if (sizemix_parse(v, FRAME_MIN_SIZE, FRAME_MAX_SIZE,
				  &sp->size_mix))
			return opts_fail(st, row,
					 "invalid value '%s' (accepted: imix, "
					 "SIZE:WEIGHT,... (at most 64 sizes, "
					 "4096 frames a period) or LO..HI/STEP "
					 "(at most 64 sizes), sizes 64..9018)",
					 v);
		sp->frame_size = sizemix_max(&sp->size_mix);
		return 0;
	}
	if (parse_u64(v, FRAME_MIN_SIZE, FRAME_MAX_SIZE, &n))
		return -EINVAL;
	sp->frame_size = (uint32_t)n;
	sp->size_mix.count = 0;
	return 0;
}

static int size_json(const struct opt_row *row, void *cfg, json_t *v,
		     struct opt_parse *st)
{
	struct test_spec *sp = cfg;
	json_int_t n;

	/* A source may send a mix: "imix", "64:7,594:4,1518:1", a sweep. */
	if (json_is_string(v) && st->role == SPEC_J_SOURCE) {
		if (sizemix_parse(json_string_value(v), FRAME_MIN_SIZE,
				  FRAME_MAX_SIZE, &sp->size_mix))
			return opts_fail(
				st, row,
				"'%.64s' is not a size mix (imix, "
				"\"SIZE:WEIGHT,...\" or \"LO..HI/STEP\"; "
				"at most 64 sizes, 4096 frames a period)",
				json_string_value(v));
		sp->frame_size = sizemix_max(&sp->size_mix);
		return 0;
	}
	if (!json_is_integer(v))
		return opts_fail(st, row, "must be an integer");
	n = json_integer_value(v);
	if (n < FRAME_MIN_SIZE || n > FRAME_MAX_SIZE)
		return opts_fail(st, row,
				 "%lld is out of range (accepted: %d..%d)",
				 (long long)n, FRAME_MIN_SIZE, FRAME_MAX_SIZE);
	sp->frame_size = (uint32_t)n;
	return 0;
}

static int size_format(const struct opt_row *row, const void *cfg, char *buf,
		       size_t len)
{
	const struct test_spec *sp = cfg;

	(void)row;
	if (!sp->size_mix.count) {
		snprintf(buf, len, "%" PRIu32, sp->frame_size);
		return 1;
	}
	/* A mix as it was given ("imix", a sweep): it parses back to the
	 * same mix, text and all. A text cut at SIZEMIX_TEXT_LEN would not,
	 * so a long one goes as its list. */
	if (sp->size_mix.text[0] &&
	    strlen(sp->size_mix.text) + 1 < sizeof(sp->size_mix.text))
		snprintf(buf, len, "%s", sp->size_mix.text);
	else
		sizemix_format(&sp->size_mix, buf, len);
	/* A mix cut short would be another mix: refuse instead. */
	return strlen(buf) + 1 < len ? 1 : -ENOSPC;
}

int spec_opts_mark_tos(const char *flag, const char *v, uint8_t *tos)
{
	uint8_t value;

	if (!strcmp(flag, "dscp")) {
		if (marking_parse_dscp(v, &value))
			return -EINVAL;
		*tos = marking_tos(value, marking_ecn_of(*tos));
	} else if (!strcmp(flag, "ecn")) {
		if (marking_parse_ecn(v, &value))
			return -EINVAL;
		*tos = marking_tos(marking_dscp_of(*tos), value);
	} else {
		if (marking_parse_tos(v, &value))
			return -EINVAL;
		*tos = value;
	}
	return 0;
}

/* --dscp, --ecn: part of the byte; --tos, --traffic-class: all of it. */
static int marking_parse(const struct opt_row *row, void *cfg, const char *v,
			 struct opt_parse *st)
{
	(void)st;
	return spec_opts_mark_tos(row->name, v,
				  &((struct test_spec *)cfg)->tos);
}

/* JSON: dscp and ecn take a name or a number, tos a number; dscp/ecn
 * and tos cannot be combined. */
static int marking_json(const struct opt_row *row, void *cfg, json_t *v,
			struct opt_parse *st)
{
	bool whole = row->excl_bit == X_TOS;
	struct test_spec *sp = cfg;
	const char *s = json_string_value(v);
	json_int_t n = json_integer_value(v);
	json_int_t max = whole			 ? 255 :
			 row->excl_bit == X_DSCP ? MARKING_DSCP_MAX :
						   MARKING_ECN_MAX;
	uint8_t value;

	if (whole ? opts_seen(st, "dscp") || opts_seen(st, "ecn") :
		    opts_seen(st, "tos"))
		return opts_fail(st, row,
				 "cannot be combined with %s (tos is the whole "
				 "byte, dscp and ecn are parts of it)",
				 whole ? "dscp/ecn" : "tos");
	if (s && !whole) {
		if (row->excl_bit == X_DSCP ? marking_parse_dscp(s, &value) :
					      marking_parse_ecn(s, &value))
			return opts_fail(st, row, "'%s' is not %s", s,
					 row->excl_bit == X_DSCP ?
						 "a DSCP (EF, AF11..AF43, "
						 "CS0..CS7, LE, VA, DF or "
						 "0..63)" :
						 "an ECN codepoint (not-ect, "
						 "ect0, ect1, ce or 0..3)");
	} else if (!json_is_integer(v)) {
		return opts_fail(st, row, "must be an integer");
	} else if (n < 0 || n > max) {
		return opts_fail(st, row,
				 "%lld is out of range (accepted: 0..%lld)",
				 (long long)n, (long long)max);
	} else {
		value = (uint8_t)n;
	}
	if (whole)
		sp->tos = value;
	else if (row->excl_bit == X_DSCP)
		sp->tos = marking_tos(value, marking_ecn_of(sp->tos));
	else
		sp->tos = marking_tos(marking_dscp_of(sp->tos), value);
	return 0;
}

/* The marking byte goes to a child once, as --tos (or --traffic-class
 * for an IPv6 destination): it says everything --dscp/--ecn said. */
static int marking_format(const struct opt_row *row, const void *cfg, char *buf,
			  size_t len)
{
	const struct test_spec *sp = cfg;
	bool v6 = sp->dst.family == AF_INET6;

	if (!sp->tos || row->excl_bit != (v6 ? X_TCLASS : X_TOS))
		return 0;
	snprintf(buf, len, "%u", sp->tos);
	return 1;
}

/* "ID[:PCP]", or QinQ "OUTER[:PCP],INNER[:PCP]" (marking.h). */
static int vlans_set(struct test_spec *sp, const char *text)
{
	struct marking_vlans tags;

	if (marking_parse_vlans(text, &tags))
		return -EINVAL;
	sp->vlan_id = tags.id;
	sp->vlan_pcp = tags.pcp;
	sp->vlan_inner_id = tags.inner_id;
	sp->vlan_inner_pcp = tags.inner_pcp;
	return 0;
}

static int vlan_parse(const struct opt_row *row, void *cfg, const char *v,
		      struct opt_parse *st)
{
	(void)row;
	(void)st;
	return vlans_set(cfg, v);
}

static int vlan_json(const struct opt_row *row, void *cfg, json_t *v,
		     struct opt_parse *st)
{
	struct test_spec *sp = cfg;
	json_int_t n;

	if (json_is_string(v)) {
		if (vlans_set(sp, json_string_value(v)))
			return opts_fail(st, row,
					 "'%.64s' is not a VLAN (ID 1..4094, "
					 "\"ID:PCP\" with PCP 0..7, or QinQ "
					 "\"OUTER[:PCP],INNER[:PCP]\")",
					 json_string_value(v));
		return 0;
	}
	if (!json_is_integer(v))
		return opts_fail(st, row, "must be an integer");
	n = json_integer_value(v);
	if (n < 1 || n > MARKING_VLAN_ID_MAX)
		return opts_fail(st, row,
				 "%lld is out of range (accepted: 1..%d)",
				 (long long)n, MARKING_VLAN_ID_MAX);
	sp->vlan_id = (uint16_t)n;
	return 0;
}

static int vlan_format(const struct opt_row *row, const void *cfg, char *buf,
		       size_t len)
{
	const struct test_spec *sp = cfg;
	const struct marking_vlans tags = {
		.id = sp->vlan_id,
		.pcp = sp->vlan_pcp,
		.inner_id = sp->vlan_inner_id,
		.inner_pcp = sp->vlan_inner_pcp,
	};

	(void)row;
	if (!sp->vlan_id)
		return 0;
	marking_vlans_format(&tags, buf, len);
	return 1;
}

/* JSON counts are integers up to 10^12 (the CLI's suffixes are text). */
static int count_json(const struct opt_row *row, void *cfg, json_t *v,
		      struct opt_parse *st)
{
	const json_int_t max = 1000000000000LL;
	json_int_t n;

	if (!json_is_integer(v))
		return opts_fail(st, row, "must be an integer");
	n = json_integer_value(v);
	if (n < 1 || n > max)
		return opts_fail(st, row,
				 "%lld is out of range (accepted: 1..%lld)",
				 (long long)n, (long long)max);
	((struct test_spec *)cfg)->count = (uint64_t)n;
	return 0;
}

static int catch_up_parse(const struct opt_row *row, void *cfg, const char *v,
			  struct opt_parse *st)
{
	(void)row;
	(void)st;
	return spec_parse_catch_up(cfg, v) ? -EINVAL : 0;
}

static int catch_up_format(const struct opt_row *row, const void *cfg,
			   char *buf, size_t len)
{
	const struct test_spec *sp = cfg;

	(void)row;
	switch (sp->catch_up) {
	case CATCH_UP_BURST:
		return 0;
	case CATCH_UP_NONE:
		snprintf(buf, len, "none");
		return 1;
	case CATCH_UP_FRAMES:
		snprintf(buf, len, "%" PRIu64, sp->catch_up_value);
		return 1;
	case CATCH_UP_TIME:
		snprintf(buf, len, "%" PRIu64 "ns", sp->catch_up_value);
		return 1;
	}
	return 0;
}

static const struct opt_row traffic_rows[] = {
	{.name = "size",
	 .flags = OPT_F_ALWAYS,
	 .type = OPT_CUSTOM,
	 .roles = R_ALL | R_STAMP | R_SREFL,
	 .arg = "BYTES",
	 .help = "Ethernet frame size incl. FCS, 64..9018 (default 64, 84 "
		 "over IPv6; recv/reflect: the largest expected, default "
		 "1518); send: also a mix, imix (64:7,594:4,1518:1), "
		 "SIZE:WEIGHT,... or LO..HI/STEP",
	 .accepted = "64..9018 bytes, incl. FCS",
	 .json_key = "size",
	 .json_roles = J_ALL | SPEC_J_STAMP_REFLECT,
	 .parse = size_parse,
	 .parse_json = size_json,
	 .format = size_format},
	{.name = "rate",
	 .type = OPT_RATE,
	 SPEC_FIELD(rate),
	 .roles = R_TX | R_STAMP,
	 .arg = "RATE",
	 .help = "max | 250kpps | 1.5Mpps | 800Mbps (L1) | 800Mbps-l2 | 50% "
		 "(default 100kpps; ping 100pps)",
	 .accepted = "max, N[k|M|G]pps, N[k|M|G]bps (L1), N[k|M|G]bps-l2, "
		     "N% with --line-rate",
	 .json_key = "rate",
	 .json_roles = J_SENDERS | SPEC_J_REFLECT},
	{.name = "dscp",
	 .type = OPT_CUSTOM,
	 .roles = R_TX,
	 .arg = "CLASS",
	 .help = "DSCP of every packet: EF, AF11..AF43, CS0..CS7, LE, VA, DF "
		 "or 0..63 (default 0)",
	 .accepted = "EF, AF11..AF43, CS0..CS7, LE, VA, DF or 0..63",
	 .excl_bit = X_DSCP,
	 .excl_with = X_TOS | X_TCLASS,
	 .json_key = "dscp",
	 .json_roles = J_SENDERS,
	 .parse = marking_parse,
	 .parse_json = marking_json,
	 .format = marking_format},
	{.name = "ecn",
	 .type = OPT_CUSTOM,
	 .roles = R_TX,
	 .arg = "CODEPOINT",
	 .help = "ECN field: not-ect, ect0, ect1, ce or 0..3 (default "
		 "not-ect)",
	 .accepted = "not-ect, ect0, ect1, ce or 0..3",
	 .excl_bit = X_ECN,
	 .excl_with = X_TOS | X_TCLASS,
	 .json_key = "ecn",
	 .json_roles = J_SENDERS,
	 .parse = marking_parse,
	 .parse_json = marking_json,
	 .format = marking_format},
	{.name = "tos",
	 .type = OPT_CUSTOM,
	 .roles = R_TX,
	 .arg = "BYTE",
	 .help = "IPv4 TOS byte 0..255 (DSCP << 2 | ECN); not with "
		 "--dscp/--ecn",
	 .accepted = "a byte 0..255 (or 0x00..0xff)",
	 .excl_bit = X_TOS,
	 .excl_with = X_DSCP | X_ECN | X_TCLASS,
	 .json_key = "tos",
	 .json_roles = J_SENDERS,
	 .parse = marking_parse,
	 .parse_json = marking_json,
	 .format = marking_format},
	{.name = "traffic-class",
	 .type = OPT_CUSTOM,
	 .roles = R_TX,
	 .arg = "BYTE",
	 .help = "IPv6 traffic class 0..255; not with --dscp/--ecn",
	 .accepted = "a byte 0..255 (or 0x00..0xff)",
	 .excl_bit = X_TCLASS,
	 .excl_with = X_DSCP | X_ECN | X_TOS,
	 .parse = marking_parse,
	 .format = marking_format},
	{.name = "vlan",
	 .type = OPT_CUSTOM,
	 .roles = R_TX,
	 .arg = "ID[:PCP]",
	 .help = "802.1Q tag, ID 1..4094, priority 0..7; QinQ: OUTER[:PCP],"
		 "INNER[:PCP] (802.1ad outer tag); raw backends (afpacket, "
		 "afxdp, xdp) only",
	 .accepted = "ID 1..4094 or ID:PCP with PCP 0..7, e.g. 100 or 100:5; "
		     "QinQ OUTER[:PCP],INNER[:PCP]",
	 .json_key = "vlan",
	 .json_roles = J_SENDERS,
	 .parse = vlan_parse,
	 .parse_json = vlan_json,
	 .format = vlan_format},
	{.name = "line-rate",
	 .type = OPT_BITRATE,
	 SPEC_FIELD(line_rate_bps),
	 .roles = R_TX | R_STAMP,
	 .arg = "BPS",
	 .help = "line rate for % rates, e.g. 10Gbps",
	 .accepted = "bits/s, e.g. 10Gbps, 25G",
	 .json_key = "line_rate",
	 .json_roles = J_SENDERS | SPEC_J_REFLECT},
	{.name = "duration",
	 .flags = OPT_F_ALWAYS,
	 .type = OPT_DURATION,
	 SPEC_FIELD(duration_ns),
	 .roles = R_ALL | R_STAMP | R_SREFL,
	 .arg = "TIME",
	 .help = "run time: 10s, 500ms, 2m (send default 10s)",
	 .accepted = "a time > 0 like 10s, 500ms, 2m",
	 .json_key = "duration",
	 .json_roles = J_ALL | SPEC_J_STAMP_REFLECT},
	{.name = "count",
	 .flags = OPT_F_ALWAYS,
	 .type = OPT_UINT,
	 SPEC_FIELD(count),
	 .roles = R_ALL | R_STAMP | R_SREFL,
	 .min = 1,
	 .max = UINT64_MAX / 2,
	 .arg = "N",
	 .help = "packets to send (send/ping) or receive (recv/reflect)",
	 .accepted = "a packet count >= 1, e.g. 1000, 10k, 2M",
	 .json_key = "count",
	 .json_roles = J_ALL | SPEC_J_STAMP_REFLECT,
	 .parse_json = count_json},
	{.name = "flows",
	 .type = OPT_UINT,
	 SPEC_FIELD(flows),
	 .roles = R_TX | R_STAMP,
	 .min = 1,
	 .max = SPEC_MAX_FLOWS,
	 .arg = "N",
	 .help = "distinct source ports, 1..4096 (default 1)",
	 .accepted = "1..4096",
	 .json_key = "flows",
	 .json_roles = SPEC_J_SOURCE},
	{.name = "burst",
	 .type = OPT_UINT,
	 SPEC_FIELD(burst),
	 .roles = R_ALL,
	 .min = 1,
	 .max = SPEC_MAX_BURST,
	 .arg = "N",
	 .help = "packets per burst/syscall, 1..1024 (default 32)",
	 .accepted = "1..1024",
	 .json_key = "burst",
	 .json_roles = SPEC_J_SOURCE},
	{.name = "catch-up",
	 .type = OPT_CUSTOM,
	 .roles = R_TX | R_STAMP,
	 .arg = "none|N|TIME",
	 .help = "lateness a paced sender makes up: none (the schedule "
		 "shifts), N frames, or TIME worth of frames (default: send "
		 "10ms, ping one burst)",
	 .accepted = "none, a frame count 0..1000000, or a time like 5ms "
		     "(<= 10s)",
	 .parse = catch_up_parse,
	 .format = catch_up_format},
	{.name = "cpu",
	 .type = OPT_UINT,
	 SPEC_FIELD(cpu),
	 .roles = R_ALL,
	 .min = 0,
	 .max = 4095,
	 .arg = "N",
	 .help = "pin the worker to CPU N",
	 .accepted = "a CPU number 0..4095"},
	{.name = "idle-timeout",
	 .type = OPT_DURATION,
	 .flags = OPT_F_ZERO,
	 SPEC_FIELD(idle_timeout_ns),
	 .roles = R_RX | R_SREFL,
	 .arg = "TIME",
	 .help = "end after this long without test packets, once they "
		 "started (default 2s; 0 for never)",
	 .accepted = "0 or a time like 2s, 500ms",
	 .json_key = "idle_timeout",
	 .json_roles = SPEC_J_SINK | SPEC_J_REFLECT | SPEC_J_STAMP_REFLECT},
	{.name = "wait",
	 .type = OPT_DURATION,
	 SPEC_FIELD(wait_ns),
	 .roles = R_PING | R_STAMP,
	 .arg = "TIME",
	 .help = "wait for late replies after the last probe (default 1s)",
	 .accepted = "a time like 1s, 200ms"},
	{.name = "realtime",
	 .type = OPT_SWITCH,
	 SPEC_FIELD(realtime),
	 .roles = R_TX,
	 .help = "paced sender at real-time priority (SCHED_FIFO 1; root), so "
		 "a busy host does not stall it; only where it sleeps between "
		 "frames"},
	{.name = "clock-sync",
	 .type = OPT_ENUM,
	 SPEC_FIELD(clock_sync),
	 .roles = R_RX,
	 .arg = "none|host",
	 .names = (const struct opt_name[]){{"none", CLOCK_SYNC_NONE},
					    {"host", CLOCK_SYNC_HOST},
					    {NULL, 0}},
	 .help = "host: sender shares this host's clock, one-way latency is "
		 "valid",
	 .accepted = "none, host"},
};

const struct opt_group spec_opts_traffic = OPT_GROUP_FOR(
	spec_opts_traffic, "traffic", traffic_rows, struct test_spec);

static int backend_parse(const struct opt_row *row, void *cfg, const char *v,
			 struct opt_parse *st)
{
	struct backend_opts *bo = cfg;

	(void)row;
	(void)st;
	if (!spec_backend_known(v))
		return -EINVAL;
	snprintf(bo->name, sizeof(bo->name), "%s", v);
	return 0;
}

static int backend_json(const struct opt_row *row, void *cfg, json_t *v,
			struct opt_parse *st)
{
	if (!json_is_string(v) || !spec_backend_known(json_string_value(v)))
		return opts_fail(st, row, "must be one of %s", SPEC_BACKENDS);
	return backend_parse(row, cfg, json_string_value(v), st);
}

static int ifname_parse(const struct opt_row *row, void *cfg, const char *v,
			struct opt_parse *st)
{
	struct backend_opts *bo = cfg;

	(void)row;
	(void)st;
	if (!*v || strlen(v) >= SPEC_IFNAME_LEN || strchr(v, '/') ||
	    strchr(v, ' '))
		return -EINVAL;
	snprintf(bo->ifname, sizeof(bo->ifname), "%s", v);
	return 0;
}

static const struct opt_name xdp_modes[] = {
	{"auto", XDP_PREF_AUTO},       {"native", XDP_PREF_NATIVE},
	{"generic", XDP_PREF_GENERIC}, {"drv", XDP_PREF_NATIVE},
	{"skb", XDP_PREF_GENERIC},     {NULL, 0},
};

static const struct opt_name zero_copy_names[] = {
	{"auto", ZC_AUTO},  {"require", ZC_REQUIRE}, {"off", ZC_COPY},
	{"on", ZC_REQUIRE}, {"copy", ZC_COPY},	     {NULL, 0},
};

static const struct opt_row backend_rows[] = {
	{.name = "backend",
	 .type = OPT_STRING,
	 BOPT_FIELD(name),
	 .roles = R_ALL | R_SREFL,
	 .arg = "NAME",
	 .names = (const struct opt_name[]){{"auto", 0},
					    {"xdp", 0},
					    {"afxdp", 0},
					    {"afpacket", 0},
					    {"udp", 0},
					    {NULL, 0}},
	 .help = "auto | xdp | afxdp | afpacket | udp (default auto: the "
		 "fastest that opens here)",
	 .accepted = SPEC_BACKENDS,
	 .json_key = "backend",
	 .json_roles = J_ALL,
	 .parse = backend_parse,
	 .parse_json = backend_json},
	{.name = "interface",
	 .short_name = 'i',
	 .type = OPT_STRING,
	 .flags = OPT_F_IFACE,
	 BOPT_FIELD(ifname),
	 .roles = R_ALL | R_SREFL,
	 .arg = "IFACE",
	 .help = "-i IFACE; raw backends: interface (default: from the route "
		 "/ listen address)",
	 .accepted = "an interface name (1..15 characters)",
	 .parse = ifname_parse},
	{.name = "xdp-mode",
	 .type = OPT_ENUM,
	 BOPT_FIELD(xdp_mode),
	 .roles = R_ALL | R_SREFL,
	 .names = xdp_modes,
	 .arg = "MODE",
	 .help = "auto | native | generic (default auto: native, else "
		 "generic)",
	 .accepted = "auto, native, generic"},
	{.name = "zero-copy",
	 .type = OPT_ENUM,
	 BOPT_FIELD(zero_copy),
	 .roles = R_ALL,
	 .names = zero_copy_names,
	 .arg = "WHEN",
	 .help = "afxdp: auto | require | off (default auto)",
	 .accepted = "auto, require, off"},
	{.name = "force",
	 .type = OPT_SWITCH,
	 BOPT_FIELD(force),
	 .roles = R_ALL | R_SREFL,
	 .help = "replace a foreign XDP program on the interface"},
	BOPT_POW2_ROW("ring-size", ring_size, R_ALL, 64, SPEC_MAX_RING,
		      "AF_XDP/AF_PACKET ring entries, power of two (default "
		      "2048)",
		      "a power of two, 64..65536"),
	{.name = "queues",
	 .type = OPT_UINT,
	 BOPT_FIELD(queues),
	 .roles = R_SEND | R_RX,
	 .min = 1,
	 .max = SPEC_MAX_QUEUES,
	 .arg = "N",
	 .help = "raw backends: one worker per queue 0..N-1 (default 1)",
	 .accepted = "1..64",
	 .json_key = "queues",
	 .json_roles = J_ALL},
	BOPT_POW2_ROW("umem-frames", umem_frames, R_ALL, 256,
		      SPEC_MAX_UMEM_FRAMES,
		      "AF_XDP UMEM frames, power of two (default 4096)",
		      "a power of two, 256..262144"),
	{.name = "busy-poll",
	 .type = OPT_SWITCH,
	 BOPT_FIELD(busy_poll),
	 .roles = R_ALL,
	 .help = "spin on nonblocking sockets instead of sleeping"},
	{.name = "count-only",
	 .type = OPT_SWITCH,
	 BOPT_FIELD(count_only),
	 .roles = R_RECV,
	 .help = "xdp backend: count probes and drop them, no loss/latency "
		 "accounting (a sink as cheap as XDP_DROP, to compare "
		 "senders)"},
	BOPT_POW2_ROW("latency-sample", latency_sample, R_RECV, 1,
		      SPEC_MAX_LATENCY_SAMPLE,
		      "xdp backend: latency and jitter from 1 in N packets of "
		      "each flow (sequence numbers divisible by N), loss and "
		      "order still from every one; saves the clock read, most "
		      "of the analyzer's cost (default 1: every packet)",
		      "a power of two, 1..1024"),
	{.name = "user-timestamps",
	 .type = OPT_SWITCH,
	 .flags = OPT_F_INVERT,
	 BOPT_FIELD(kernel_rx_timestamps),
	 .roles = R_RECV | R_PING | R_REFLECT | R_STAMP | R_SREFL,
	 .help = "time arrivals in user space instead of kernel "
		 "SO_TIMESTAMPNS"},
	{.name = "no-gso",
	 .type = OPT_SWITCH,
	 BOPT_FIELD(no_gso),
	 .roles = R_ALL,
	 .help = "udp: one datagram per send/receive (no UDP GSO/GRO "
		 "batching)",
	 .json_key = "no_gso",
	 .json_roles = J_ALL},
};

const struct opt_group spec_opts_backend = OPT_GROUP_FOR(
	spec_opts_backend, "backend", backend_rows, struct backend_opts);

static int per_flow_parse(const struct opt_row *row, void *cfg, const char *v,
			  struct opt_parse *st)
{
	struct test_spec *sp = cfg;
	uint64_t n;

	(void)row;
	(void)st;
	if (!strcmp(v, "all"))
		sp->per_flow_rows = UINT32_MAX;
	else if (!strcmp(v, "none"))
		sp->per_flow_rows = 0;
	else if (parse_u64(v, 1, 100000, &n))
		return -EINVAL;
	else
		sp->per_flow_rows = (uint32_t)n;
	sp->per_flow_explicit = true;
	return 0;
}

static int per_flow_format(const struct opt_row *row, const void *cfg,
			   char *buf, size_t len)
{
	const struct test_spec *sp = cfg;

	(void)row;
	if (!sp->per_flow_explicit)
		return 0;
	if (sp->per_flow_rows == UINT32_MAX)
		snprintf(buf, len, "all");
	else if (!sp->per_flow_rows)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%" PRIu32, sp->per_flow_rows);
	return 1;
}

int spec_opts_parse_verbose(const struct opt_row *row, void *cfg, const char *v,
			    struct opt_parse *st)
{
	(void)cfg;
	(void)v;
	(void)st;
	log_set_level(row->set != LOG_DEBUG && log_get_level() < LOG_DEBUG ?
			      (enum log_level)(log_get_level() + 1) :
			      LOG_DEBUG);
	return 0;
}

static const struct opt_row output_rows[] = {
	{.name = "interval",
	 .type = OPT_DURATION,
	 .flags = OPT_F_ZERO,
	 SPEC_FIELD(interval_ns),
	 .roles = R_ALL | R_STAMP,
	 .min = 100 * NSEC_PER_MSEC,
	 .arg = "TIME",
	 .help = "live report period (default 1s; 0 for none)",
	 .accepted = "0 or a time >= 100ms, e.g. 1s"},
	{.name = "per-flow",
	 .type = OPT_CUSTOM,
	 .roles = R_RECV | R_REFLECT | R_PING,
	 .arg = "N|all|none",
	 .help = "rows of the per-flow table, most lost first (default 10, "
		 "shown when more than one flow arrived; --json has every "
		 "flow)",
	 .accepted = "a row count 1..100000, all or none",
	 .parse = per_flow_parse,
	 .format = per_flow_format},
	{.name = "per-flow-csv",
	 .type = OPT_STRING,
	 .flags = OPT_F_PTR | OPT_F_FILE,
	 SPEC_FIELD(per_flow_csv_path),
	 .roles = R_RECV | R_REFLECT | R_PING,
	 .arg = "FILE",
	 .help = "at the end, write one CSV row per flow",
	 .accepted = "a file path"},
	{.name = "json",
	 .type = OPT_SET,
	 SPEC_FIELD(output),
	 .roles = R_ALL | R_STAMP | R_SREFL,
	 .set = OUTPUT_JSON,
	 .excl_bit = X_JSON,
	 .excl_with = X_STREAM,
	 .help = "print one JSON document at the end, nothing else on "
		 "stdout"},
	{.name = "json-stream",
	 .type = OPT_SET,
	 SPEC_FIELD(output),
	 .roles = R_ALL | R_STAMP,
	 .set = OUTPUT_JSON_STREAM,
	 .excl_bit = X_STREAM,
	 .excl_with = X_JSON,
	 .help = "print one JSON object per interval and a final one "
		 "(NDJSON)"},
	{.name = "csv",
	 .type = OPT_STRING,
	 .flags = OPT_F_PTR | OPT_F_FILE,
	 SPEC_FIELD(csv_path),
	 .roles = R_ALL | R_STAMP,
	 .arg = "FILE",
	 .help = "write one CSV row per interval",
	 .accepted = "a file path"},
	{.name = "quiet",
	 .type = OPT_SWITCH,
	 SPEC_FIELD(quiet),
	 .roles = R_ALL | R_STAMP | R_SREFL,
	 .help = "no live interval lines"},
	{.name = "verbose",
	 .type = OPT_CUSTOM,
	 .roles = R_ALL | R_STAMP | R_SREFL,
	 .flags = OPT_F_NO_ARGV,
	 .help = "more log on stderr",
	 .parse = spec_opts_parse_verbose},
};

const struct opt_group spec_opts_output = OPT_GROUP_FOR(
	spec_opts_output, "output", output_rows, struct test_spec);

/* The address rows: an IP or a host name, resolved as it is parsed. */
/* An address flag: an IP or a host name (resolved now). */
static int resolve_row(const struct opt_row *row, const char *v,
		       bool port_optional, struct ip_addr *ip, uint16_t *port,
		       bool *has_port, struct opt_parse *st)
{
	struct lr_err err = {0};

	if (!endpoint_resolve(v, port_optional, ip, port, has_port, &err))
		return 0;
	return opts_fail(st, row, "%s", lr_err_text(&err));
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

const struct opt_group spec_opts_address = OPT_GROUP_FOR(
	spec_opts_address, "address", address_rows, struct test_spec);

const struct opt_group_ref spec_opts_groups[] = {
	OPT_AT_ROOT(spec_opts_address, struct test_spec),
	OPT_AT_ROOT(spec_opts_traffic, struct test_spec),
	OPT_AT(spec_opts_backend, struct test_spec, backend),
	OPT_AT_ROOT(spec_opts_output, struct test_spec),
	OPT_AT_END,
};

#define EXIT_NOTE(failure)                                                     \
	"\nexit codes: 0 ok, 1 runtime error, 2 bad input, 3 the test ran "    \
	"but its traffic\nfailed: " failure "\n(one line on stderr says why; " \
	"docs/cli.md)\nJSON fields: docs/json.md\n"

const struct opt_command spec_opts_send = {
	.name = "send",
	.summary = "send test traffic at a frame size and rate",
	.usage = "send --dst HOST:PORT [options]\n"
		 "  Send UDP test packets (sequence number and timestamp in "
		 "each) at a frame size and rate.",
	.groups = spec_opts_groups,
	.roles = SPEC_R_SEND,
	.epilog = EXIT_NOTE("nothing sent, or the destination refused it "
			    "from start to end"),
};

const struct opt_command spec_opts_recv = {
	.name = "recv",
	.summary = "receive and analyse test traffic",
	.usage = "recv --listen HOST:PORT [options]\n"
		 "  Receive test packets; report loss, reordering, duplicates, "
		 "latency and jitter.",
	.groups = spec_opts_groups,
	.roles = SPEC_R_RECV,
	.epilog = EXIT_NOTE("no test packet received"),
};

const struct opt_command spec_opts_reflect = {
	.name = "reflect",
	.summary = "send test packets back to their source",
	.usage = "reflect --listen HOST:PORT [options]\n"
		 "  Send every test packet back to its source.",
	.groups = spec_opts_groups,
	.roles = SPEC_R_REFLECT,
	.epilog = EXIT_NOTE("no test packet received"),
};

const struct opt_command spec_opts_ping = {
	.name = "ping",
	.summary = "round-trip latency against a reflector",
	.usage = "ping --dst HOST:PORT [options]\n"
		 "  Round trip against a reflector: RTT percentiles, "
		 "optionally under load (--rate).",
	.groups = spec_opts_groups,
	.roles = SPEC_R_PING,
	.epilog = EXIT_NOTE("no reply"),
};

const struct opt_command *spec_opts_command(enum role role)
{
	switch (role) {
	case ROLE_SEND:
		return &spec_opts_send;
	case ROLE_RECV:
		return &spec_opts_recv;
	case ROLE_REFLECT:
		return &spec_opts_reflect;
	case ROLE_PING:
		break;
	}
	return &spec_opts_ping;
}

#define SEND_CATCH_UP_NS (10 * NSEC_PER_MSEC)

void spec_opts_defaults(enum role role, struct test_spec *sp)
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
