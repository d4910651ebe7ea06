// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/clock.h"
#include "api/spec_json.h"
#include "lib/marking.h"
#include "lib/units.h"
#include "lib/utf8.h"

#define ROLE_BIT(r) (1u << (r))
#define SENDERS (ROLE_BIT(API_ROLE_SOURCE) | ROLE_BIT(API_ROLE_PING))
#define ALL_ROLES (ROLE_BIT(API_ROLE_SINK) | ROLE_BIT(API_ROLE_REFLECT) | SENDERS)
#define STAMP_REFLECT ROLE_BIT(API_ROLE_STAMP_REFLECT)

struct parse_ctx {
	struct api_session_req *req;
	char *field;
	size_t field_len;
	char *err;
	size_t err_len;
	unsigned int marks; /* MARK_*: which marking fields came */
};

#define MARK_DSCP_ECN (1u << 0)
#define MARK_TOS (1u << 1)

static int fail(struct parse_ctx *pc, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Both go into a JSON reply, so both must be valid UTF-8 however the
 * client's bytes (and jansson's "near '...'" quotes of them) were cut; the
 * message stays on one line whatever a key held.
 */
static int fail(struct parse_ctx *pc, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (pc->field_len) {
		snprintf(pc->field, pc->field_len, "%s", field);
		utf8_make_valid(pc->field);
	}
	if (pc->err_len) {
		va_start(ap, fmt);
		vsnprintf(pc->err, pc->err_len, fmt, ap);
		va_end(ap);
		for (char *c = pc->err; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		utf8_make_valid(pc->err);
	}
	return -EINVAL;
}

const char *api_role_name(enum api_role role)
{
	switch (role) {
	case API_ROLE_SINK:
		return "sink";
	case API_ROLE_REFLECT:
		return "reflect";
	case API_ROLE_SOURCE:
		return "source";
	case API_ROLE_PING:
		return "ping";
	case API_ROLE_STAMP_REFLECT:
		return "stamp-reflect";
	}
	return "unknown";
}

static int get_int(struct parse_ctx *pc, const char *name, json_t *v,
		   long long min, long long max, long long *out)
{
	if (!json_is_integer(v))
		return fail(pc, name, "%s: must be an integer", name);
	*out = json_integer_value(v);
	if (*out < min || *out > max)
		return fail(pc, name, "%s: %lld is out of range (accepted: %lld..%lld)",
			    name, *out, min, max);
	return 0;
}

/* A duration: a string with a unit ("10s", "500ms") or seconds. */
static int get_duration(struct parse_ctx *pc, const char *name, json_t *v,
			uint64_t *ns)
{
	const uint64_t max_ns = 30ULL * 24 * 3600 * NSEC_PER_SEC;

	if (json_is_string(v)) {
		if (parse_duration(json_string_value(v), ns) || !*ns ||
		    *ns > max_ns)
			return fail(pc, name,
				    "%s: '%s' is not a duration (e.g. \"10s\", "
				    "\"500ms\"; up to 30 days)",
				    name, json_string_value(v));
		return 0;
	}
	if (json_is_number(v)) {
		double s = json_number_value(v);

		/* Under a nanosecond would be 0, which means "no limit"; the
		 * string form refuses it too, and rounds the same way. */
		if (!isfinite(s) || s * 1e9 < 1 || s > (double)max_ns / 1e9)
			return fail(pc, name,
				    "%s: %g seconds is out of range (accepted: "
				    "1 ns up to 30 days)",
				    name, s);
		*ns = (uint64_t)(s * 1e9 + 0.5);
		return 0;
	}
	return fail(pc, name, "%s: must be a string like \"10s\" or a number of seconds",
		    name);
}

typedef int (*field_fn)(struct parse_ctx *pc, const char *name, json_t *v);

static int f_backend(struct parse_ctx *pc, const char *name, json_t *v)
{
	struct test_spec *sp = &pc->req->spec;

	if (!json_is_string(v) || !spec_backend_known(json_string_value(v)))
		return fail(pc, name, "%s: must be one of %s", name, SPEC_BACKENDS);
	snprintf(sp->backend, sizeof(sp->backend), "%s", json_string_value(v));
	return 0;
}

static int f_size(struct parse_ctx *pc, const char *name, json_t *v)
{
	long long n = 0;
	int err;

	/* A source may send a mix: "imix", "64:7,594:4,1518:1", a sweep. */
	if (json_is_string(v) && pc->req->role == API_ROLE_SOURCE) {
		struct test_spec *sp = &pc->req->spec;

		if (sizemix_parse(json_string_value(v), FRAME_MIN_SIZE,
				  FRAME_MAX_SIZE, &sp->size_mix))
			return fail(pc, name,
				    "%s: '%.64s' is not a size mix (imix, "
				    "\"SIZE:WEIGHT,...\" or \"LO..HI/STEP\"; "
				    "at most 64 sizes, 4096 frames a period)",
				    name, json_string_value(v));
		sp->frame_size = sizemix_max(&sp->size_mix);
		return 0;
	}
	err = get_int(pc, name, v, FRAME_MIN_SIZE, FRAME_MAX_SIZE, &n);

	if (!err)
		pc->req->spec.frame_size = (uint32_t)n;
	return err;
}

static int f_rate(struct parse_ctx *pc, const char *name, json_t *v)
{
	struct rate *r = &pc->req->spec.rate;

	if (json_is_string(v)) {
		if (parse_rate(json_string_value(v), r))
			return fail(pc, name,
				    "%s: '%s' is not a rate (e.g. \"1Mpps\", "
				    "\"800Mbps\", \"max\")",
				    name, json_string_value(v));
		return 0;
	}
	if (json_is_number(v)) {
		double pps = json_number_value(v);

		if (!isfinite(pps) || pps <= 0 || pps > 2e9)
			return fail(pc, name,
				    "%s: %g pps is out of range (accepted: > 0, "
				    "up to 2e9)",
				    name, pps);
		r->kind = RATE_PPS;
		r->value = pps;
		return 0;
	}
	return fail(pc, name, "%s: must be a string like \"1Mpps\" or a number of pps",
		    name);
}

static int f_duration(struct parse_ctx *pc, const char *name, json_t *v)
{
	pc->req->has_duration = true;
	return get_duration(pc, name, v, &pc->req->spec.duration_ns);
}

static int f_idle(struct parse_ctx *pc, const char *name, json_t *v)
{
	return get_duration(pc, name, v, &pc->req->spec.idle_timeout_ns);
}

static int f_count(struct parse_ctx *pc, const char *name, json_t *v)
{
	long long n = 0;
	int err = get_int(pc, name, v, 1, 1000000000000LL, &n);

	if (!err)
		pc->req->spec.count = (uint64_t)n;
	return err;
}

static int f_flows(struct parse_ctx *pc, const char *name, json_t *v)
{
	long long n = 0;
	int err = get_int(pc, name, v, 1, SPEC_MAX_FLOWS, &n);

	if (!err)
		pc->req->spec.flows = (uint32_t)n;
	return err;
}

static int f_burst(struct parse_ctx *pc, const char *name, json_t *v)
{
	long long n = 0;
	int err = get_int(pc, name, v, 1, SPEC_MAX_BURST, &n);

	if (!err)
		pc->req->spec.burst = (uint32_t)n;
	return err;
}

static int f_queues(struct parse_ctx *pc, const char *name, json_t *v)
{
	long long n = 0;
	int err = get_int(pc, name, v, 1, SPEC_MAX_QUEUES, &n);

	if (!err)
		pc->req->spec.queues = (uint32_t)n;
	return err;
}

static int f_port(struct parse_ctx *pc, const char *name, json_t *v)
{
	long long n = 0;
	int err = get_int(pc, name, v, 1, 65535, &n);

	if (!err)
		pc->req->port = (uint16_t)n;
	return err;
}

static int f_dst(struct parse_ctx *pc, const char *name, json_t *v)
{
	uint16_t port;
	bool has_port = false;

	if (!json_is_string(v) ||
	    parse_endpoint(json_string_value(v), true, &pc->req->dst, &port,
			   &has_port) ||
	    has_port)
		return fail(pc, name, "%s: must be an IPv4 or IPv6 address (no port)",
			    name);
	pc->req->has_dst = true;
	return 0;
}

static int f_line_rate(struct parse_ctx *pc, const char *name, json_t *v)
{
	if (!json_is_string(v) ||
	    parse_bitrate(json_string_value(v), &pc->req->spec.line_rate_bps))
		return fail(pc, name, "%s: must be a bit rate like \"10Gbps\"", name);
	return 0;
}

static int f_clock_offset(struct parse_ctx *pc, const char *name, json_t *v)
{
	const long long day = 86400LL * (long long)NSEC_PER_SEC;
	long long n = 0;
	int err = get_int(pc, name, v, -day, day, &n);

	if (!err) {
		pc->req->spec.clock_offset_ns = n;
		pc->req->spec.clock_sync = CLOCK_SYNC_MEASURED;
	}
	return err;
}

static int f_clock_error(struct parse_ctx *pc, const char *name, json_t *v)
{
	long long n = 0;
	int err = get_int(pc, name, v, 0, 86400LL * (long long)NSEC_PER_SEC, &n);

	if (!err)
		pc->req->spec.clock_error_ns = (uint64_t)n;
	return err;
}

/* sink, reflect: whose packets count (and get reflected), when that is
 * not the client; the daemon allows only its --allow-target addresses. */
static int f_peer(struct parse_ctx *pc, const char *name, json_t *v)
{
	uint16_t port;
	bool has_port = false;

	if (!json_is_string(v) ||
	    parse_endpoint(json_string_value(v), true, &pc->req->peer, &port,
			   &has_port) ||
	    has_port)
		return fail(pc, name, "%s: must be an IPv4 or IPv6 address (no port)",
			    name);
	pc->req->has_peer = true;
	return 0;
}

static int f_no_gso(struct parse_ctx *pc, const char *name, json_t *v)
{
	if (!json_is_boolean(v))
		return fail(pc, name, "%s: must be true or false", name);
	pc->req->spec.no_gso = json_is_true(v);
	return 0;
}

/* dscp/ecn set part of the byte, tos all of it: not both. */
static int mark_once(struct parse_ctx *pc, const char *name,
		     unsigned int bit)
{
	unsigned int other = bit == MARK_TOS ? MARK_DSCP_ECN : MARK_TOS;

	if (pc->marks & other)
		return fail(pc, name,
			    "%s: cannot be combined with %s (tos is the whole "
			    "byte, dscp and ecn are parts of it)",
			    name, bit == MARK_TOS ? "dscp/ecn" : "tos");
	pc->marks |= bit;
	return 0;
}

static int f_dscp(struct parse_ctx *pc, const char *name, json_t *v)
{
	struct test_spec *sp = &pc->req->spec;
	long long n = 0;
	uint8_t dscp;

	if (mark_once(pc, name, MARK_DSCP_ECN))
		return -EINVAL;
	if (json_is_string(v)) {
		if (marking_parse_dscp(json_string_value(v), &dscp))
			return fail(pc, name,
				    "%s: '%s' is not a DSCP (EF, AF11..AF43, "
				    "CS0..CS7, LE, VA, DF or 0..63)",
				    name, json_string_value(v));
	} else {
		if (get_int(pc, name, v, 0, MARKING_DSCP_MAX, &n))
			return -EINVAL;
		dscp = (uint8_t)n;
	}
	sp->tos = marking_tos(dscp, marking_ecn_of(sp->tos));
	return 0;
}

static int f_ecn(struct parse_ctx *pc, const char *name, json_t *v)
{
	struct test_spec *sp = &pc->req->spec;
	long long n = 0;
	uint8_t ecn;

	if (mark_once(pc, name, MARK_DSCP_ECN))
		return -EINVAL;
	if (json_is_string(v)) {
		if (marking_parse_ecn(json_string_value(v), &ecn))
			return fail(pc, name,
				    "%s: '%s' is not an ECN codepoint (not-ect, "
				    "ect0, ect1, ce or 0..3)",
				    name, json_string_value(v));
	} else {
		if (get_int(pc, name, v, 0, MARKING_ECN_MAX, &n))
			return -EINVAL;
		ecn = (uint8_t)n;
	}
	sp->tos = marking_tos(marking_dscp_of(sp->tos), ecn);
	return 0;
}

static int f_tos(struct parse_ctx *pc, const char *name, json_t *v)
{
	long long n = 0;

	if (mark_once(pc, name, MARK_TOS) || get_int(pc, name, v, 0, 255, &n))
		return -EINVAL;
	pc->req->spec.tos = (uint8_t)n;
	return 0;
}

static int f_vlan(struct parse_ctx *pc, const char *name, json_t *v)
{
	struct test_spec *sp = &pc->req->spec;
	long long n = 0;

	if (json_is_string(v)) {
		struct marking_vlans tags;

		if (marking_parse_vlans(json_string_value(v), &tags))
			return fail(pc, name,
				    "%s: '%.64s' is not a VLAN (ID 1..4094, "
				    "\"ID:PCP\" with PCP 0..7, or QinQ "
				    "\"OUTER[:PCP],INNER[:PCP]\")",
				    name, json_string_value(v));
		sp->vlan_id = tags.id;
		sp->vlan_pcp = tags.pcp;
		sp->vlan_inner_id = tags.inner_id;
		sp->vlan_inner_pcp = tags.inner_pcp;
		return 0;
	}
	if (get_int(pc, name, v, 1, MARKING_VLAN_ID_MAX, &n))
		return -EINVAL;
	sp->vlan_id = (uint16_t)n;
	return 0;
}

static int f_stateful(struct parse_ctx *pc, const char *name, json_t *v)
{
	if (!json_is_boolean(v))
		return fail(pc, name, "%s: must be true or false", name);
	pc->req->stamp_stateful = json_is_true(v);
	return 0;
}

static const struct field {
	const char *name;
	field_fn fn;
	unsigned int roles;
} fields[] = {
	{ "backend", f_backend, ALL_ROLES },
	{ "size", f_size, ALL_ROLES | STAMP_REFLECT },
	{ "duration", f_duration, ALL_ROLES | STAMP_REFLECT },
	{ "idle_timeout", f_idle, ROLE_BIT(API_ROLE_SINK) | ROLE_BIT(API_ROLE_REFLECT) | STAMP_REFLECT },
	{ "rate", f_rate, SENDERS | ROLE_BIT(API_ROLE_REFLECT) },
	{ "line_rate", f_line_rate, SENDERS | ROLE_BIT(API_ROLE_REFLECT) },
	{ "count", f_count, ALL_ROLES | STAMP_REFLECT },
	{ "stateful", f_stateful, STAMP_REFLECT },
	{ "flows", f_flows, ROLE_BIT(API_ROLE_SOURCE) },
	{ "burst", f_burst, ROLE_BIT(API_ROLE_SOURCE) },
	{ "queues", f_queues, ALL_ROLES },
	{ "port", f_port, SENDERS },
	{ "dst", f_dst, SENDERS },
	{ "peer", f_peer, ROLE_BIT(API_ROLE_SINK) | ROLE_BIT(API_ROLE_REFLECT) },
	{ "clock_offset_ns", f_clock_offset, ROLE_BIT(API_ROLE_SINK) },
	{ "clock_error_ns", f_clock_error, ROLE_BIT(API_ROLE_SINK) },
	{ "no_gso", f_no_gso, ALL_ROLES },
	{ "dscp", f_dscp, SENDERS },
	{ "ecn", f_ecn, SENDERS },
	{ "tos", f_tos, SENDERS },
	{ "vlan", f_vlan, SENDERS },
};

static const struct field *field_find(const char *name)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

static int role_parse(struct parse_ctx *pc, json_t *v)
{
	static const enum role to_role[] = {
		[API_ROLE_SINK] = ROLE_RECV,
		[API_ROLE_REFLECT] = ROLE_REFLECT,
		[API_ROLE_SOURCE] = ROLE_SEND,
		[API_ROLE_PING] = ROLE_PING,
		[API_ROLE_STAMP_REFLECT] = ROLE_REFLECT,
	};
	const char *s;

	if (!v)
		return fail(pc, "role", "role: required (sink, reflect or source)");
	s = json_is_string(v) ? json_string_value(v) : "";
	for (int r = API_ROLE_SINK; r <= API_ROLE_STAMP_REFLECT; r++) {
		if (!strcmp(s, api_role_name(r))) {
			pc->req->role = r;
			spec_init(&pc->req->spec, to_role[r]);
			/* The daemon serves many; the fallback that works
			 * everywhere and shares the interface is the default. */
			snprintf(pc->req->spec.backend,
				 sizeof(pc->req->spec.backend), "udp");
			pc->req->spec.interval_ns = 0;
			return 0;
		}
	}
	return fail(pc, "role",
		    "role: must be \"sink\", \"reflect\", \"source\", "
		    "\"ping\" or \"stamp-reflect\"");
}

/* spec_validate() speaks in CLI flags ("--line-rate: ..."); an API client
 * knows the JSON fields ("line_rate"). */
static void flags_to_fields(const char *msg, char *out, size_t out_len)
{
	size_t n = 0;

	for (const char *in = msg; *in && n + 1 < out_len;) {
		if (in[0] == '-' && in[1] == '-' && isalpha((unsigned char)in[2]) &&
		    (in == msg || !isalnum((unsigned char)in[-1]))) {
			for (in += 2; (isalnum((unsigned char)*in) || *in == '-') &&
				      n + 1 < out_len;
			     in++)
				out[n++] = *in == '-' ? '_' : *in;
			continue;
		}
		out[n++] = *in++;
	}
	out[n] = '\0';
}

void api_spec_message(const char *msg, char *field, size_t field_len,
		      char *text, size_t text_len)
{
	char name[32];

	flags_to_fields(msg, text, text_len);
	/* The field the message starts with, when it is one. */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(text, ":/ "), text);
	snprintf(field, field_len, "%s", field_find(name) ? name : "");
}

/* The whole spec, with placeholder addresses, through spec_validate(). */
static int check_whole(struct parse_ctx *pc)
{
	struct test_spec sp = pc->req->spec;
	char msg[256];

	if (api_role_sends(pc->req->role)) {
		if (!pc->req->port)
			return fail(pc, "port",
				    "port: required for a %s (the client's data port)",
				    api_role_name(pc->req->role));
		sp.dst.family = AF_INET;
		sp.dst_port = pc->req->port;
		if (pc->req->has_dst)
			sp.dst = pc->req->dst;
	} else {
		sp.listen.family = AF_INET;
		sp.listen_port = 9;
	}
	if (spec_validate(&sp, msg, sizeof(msg))) {
		char text[sizeof(msg)], name[32];

		api_spec_message(msg, name, sizeof(name), text, sizeof(text));
		return fail(pc, name, "%s", text);
	}
	return 0;
}

int api_session_req_parse(const char *body, size_t len,
			  struct api_session_req *req, char *field,
			  size_t field_len, char *err, size_t err_len)
{
	struct parse_ctx pc = { req, field, field_len, err, err_len };
	json_error_t jerr;
	const char *key;
	json_t *doc, *v;
	int ret;

	memset(req, 0, sizeof(*req));
	if (field_len)
		field[0] = '\0';
	if (len > API_MAX_BODY)
		return fail(&pc, "", "body: %zu bytes is over the limit of %d",
			    len, API_MAX_BODY);
	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return fail(&pc, "", "body: not valid JSON: %s (at byte %d)",
			    jerr.text, jerr.position);
	if (!json_is_object(doc)) {
		ret = fail(&pc, "", "body: must be a JSON object");
		goto out;
	}
	ret = role_parse(&pc, json_object_get(doc, "role"));
	if (ret)
		goto out;
	json_object_foreach(doc, key, v) {
		const struct field *f;

		if (!strcmp(key, "role"))
			continue;
		f = field_find(key);
		if (!f) {
			ret = fail(&pc, key, "%.64s: unknown field", key);
			goto out;
		}
		if (!(f->roles & ROLE_BIT(req->role))) {
			ret = fail(&pc, key, "%s: does not apply to a %s", key,
				   api_role_name(req->role));
			goto out;
		}
		ret = f->fn(&pc, key, v);
		if (ret)
			goto out;
	}
	/* A ping for a duration sends for that long, not 10 probes. */
	if (req->role == API_ROLE_PING && req->has_duration &&
	    !json_object_get(doc, "count"))
		req->spec.count = 0;
	/* As on the command line: the smallest tagged frame with a probe. */
	if (req->spec.vlan_id && !json_object_get(doc, "size") &&
	    req->spec.frame_size == FRAME_MIN_SIZE)
		req->spec.frame_size +=
			FRAME_VLAN_HLEN * (req->spec.vlan_inner_id ? 2u : 1u);
	ret = check_whole(&pc);
out:
	json_decref(doc);
	return ret;
}
