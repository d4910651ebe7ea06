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
#include "lib/options.h"
#include "lib/names.h"
#include "lib/spec_opts.h"
#include "lib/units.h"
#include "lib/utf8.h"

#define ROLE_BIT(r) (1u << (r))
#define SENDERS	    (ROLE_BIT(API_ROLE_SOURCE) | ROLE_BIT(API_ROLE_PING))
#define STAMP_REFLECT ROLE_BIT(API_ROLE_STAMP_REFLECT)

struct parse_ctx {
	struct api_session_req *req;
	struct lr_err *err; /* or NULL */
};

static int fail(struct parse_ctx *pc, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Both go into a JSON reply, so both must be valid UTF-8 however the
 * client's bytes (and jansson's "near '...'" quotes of them) were cut; the
 * message stays on one line whatever a key held.
 */
static int fail(struct parse_ctx *pc, const char *field, const char *fmt, ...)
{
	struct lr_err *err = pc->err;
	va_list ap;

	if (!err)
		return -EINVAL;
	va_start(ap, fmt);
	lr_err_vset_verbatim(err, -EINVAL, field, fmt, ap);
	va_end(ap);
	utf8_make_valid(err->field);
	for (char *c = err->message; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	utf8_make_valid(err->message);
	return -EINVAL;
}

LR_NAME_FN(api_role_name, enum api_role, "unknown", [API_ROLE_SINK] = "sink",
	   [API_ROLE_REFLECT] = "reflect", [API_ROLE_SOURCE] = "source",
	   [API_ROLE_PING] = "ping", [API_ROLE_STAMP_REFLECT] = "stamp-reflect")

/* clock_offset_ns: a signed offset, and it makes the clock "measured". */
static int clock_offset_json(const struct opt_row *row, void *cfg, json_t *v,
			     struct opt_parse *st)
{
	const long long day = 86400LL * (long long)NSEC_PER_SEC;
	struct api_session_req *req = cfg;
	long long n;

	if (!json_is_integer(v))
		return opts_fail(st, row, "must be an integer");
	n = json_integer_value(v);
	if (n < -day || n > day)
		return opts_fail(st, row,
				 "%lld is out of range (accepted: %lld..%lld)",
				 n, -day, day);
	req->spec.clock_offset_ns = n;
	req->spec.clock_sync = CLOCK_SYNC_MEASURED;
	return 0;
}

#define REQ_FIELD(field) OPT_FIELD(struct api_session_req, field)
/* A field of the JSON request only, no flag: its key names the row. */
#define JSON_ROW(key, row_type, roles, ...)                                    \
	{                                                                      \
		.name = (key), .type = (row_type), .flags = OPT_F_JSON_ONLY,   \
		.json_key = (key), .json_roles = (roles), __VA_ARGS__          \
	}

/* The request's own fields: where the daemon's sessions differ from a
 * command line (the client's port and address, the sender to count). The
 * spec's fields are the test_spec rows' JSON keys (lib/spec_opts.c). */
static const struct opt_row request_rows[] = {
	JSON_ROW("port", OPT_UINT, SENDERS, REQ_FIELD(port), .min = 1,
		 .max = 65535),
	JSON_ROW("dst", OPT_ADDRESS, SENDERS, REQ_FIELD(dst)),
	/* sink, reflect: whose packets count (and get reflected), when that
	 * is not the client; the daemon allows only its --allow-target
	 * addresses. */
	JSON_ROW("peer", OPT_ADDRESS,
		 ROLE_BIT(API_ROLE_SINK) | ROLE_BIT(API_ROLE_REFLECT),
		 REQ_FIELD(peer)),
	JSON_ROW("clock_offset_ns", OPT_CUSTOM, ROLE_BIT(API_ROLE_SINK),
		 .parse_json = clock_offset_json),
	JSON_ROW("clock_error_ns", OPT_UINT, ROLE_BIT(API_ROLE_SINK),
		 REQ_FIELD(spec.clock_error_ns),
		 .max = 86400ULL * NSEC_PER_SEC),
	JSON_ROW("stateful", OPT_BOOL, STAMP_REFLECT,
		 REQ_FIELD(stamp_stateful)),
};

OPT_STATIC_GROUP(request_group, "session request", request_rows,
		 struct api_session_req);

static const struct opt_group_ref request_groups[] = {
	OPT_AT(spec_opts_traffic, struct api_session_req, spec),
	OPT_AT(spec_opts_backend, struct api_session_req, spec.backend),
	OPT_AT_ROOT(request_group, struct api_session_req),
	OPT_AT_END,
};

/* The JSON spec as a command of the option model: its fields are the
 * rows' json_key, the roles the daemon's (json_roles). */
static const struct opt_command request_command = {
	.name = "POST /v1/sessions",
	.groups = request_groups,
};

/* The JSON role bits of the rows are the daemon's roles, in order. */
_Static_assert(SPEC_J_SINK == ROLE_BIT(API_ROLE_SINK) &&
		       SPEC_J_REFLECT == ROLE_BIT(API_ROLE_REFLECT) &&
		       SPEC_J_SOURCE == ROLE_BIT(API_ROLE_SOURCE) &&
		       SPEC_J_PING == ROLE_BIT(API_ROLE_PING) &&
		       SPEC_J_STAMP_REFLECT == ROLE_BIT(API_ROLE_STAMP_REFLECT),
	       "spec_opts.h's JSON roles follow enum api_role");

static bool field_known(const char *name)
{
	return opts_find_json(&request_command, name) >= 0;
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
		return fail(pc, "role",
			    "role: required (sink, reflect or source)");
	s = json_is_string(v) ? json_string_value(v) : "";
	for (int r = API_ROLE_SINK; r <= API_ROLE_STAMP_REFLECT; r++) {
		if (!strcmp(s, api_role_name(r))) {
			pc->req->role = r;
			spec_init(&pc->req->spec, to_role[r]);
			/* The daemon serves many; the fallback that works
			 * everywhere and shares the interface is the default. */
			snprintf(pc->req->spec.backend.name,
				 sizeof(pc->req->spec.backend.name), "udp");
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
		if (in[0] == '-' && in[1] == '-' &&
		    isalpha((unsigned char)in[2]) &&
		    (in == msg || !isalnum((unsigned char)in[-1]))) {
			for (in += 2;
			     (isalnum((unsigned char)*in) || *in == '-') &&
			     n + 1 < out_len;
			     in++)
				out[n++] = *in == '-' ? '_' : *in;
			continue;
		}
		out[n++] = *in++;
	}
	out[n] = '\0';
}

void api_spec_message(const struct lr_err *spec_err, char *field,
		      size_t field_len, char *text, size_t text_len)
{
	char name[LR_ERR_FIELD_LEN];

	flags_to_fields(lr_err_text(spec_err), text, text_len);
	/* The flag's JSON field ("line-rate": "line_rate"), when the
	 * request has one. */
	snprintf(name, sizeof(name), "%s", spec_err->field);
	for (char *c = name; *c; c++)
		if (*c == '-')
			*c = '_';
	snprintf(field, field_len, "%s", field_known(name) ? name : "");
}

/* The whole spec, with placeholder addresses, through spec_validate(). */
/* Every member but "role", by the rows' JSON keys. */
static int fields_parse(struct parse_ctx *pc, json_t *doc)
{
	static const char *const skip[] = {"role", NULL};
	struct api_session_req *req = pc->req;
	struct opt_parse st = {.role_name = api_role_name(req->role)};

	if (opts_parse_json(&request_command, ROLE_BIT(req->role), doc, skip,
			    req, &st))
		return fail(pc, st.err.field, "%.64s: %s", st.err.field,
			    st.err.message);
	req->has_duration = opts_seen(&st, "duration");
	req->has_dst = opts_seen(&st, "dst");
	req->has_peer = opts_seen(&st, "peer");
	return 0;
}

static int check_whole(struct parse_ctx *pc)
{
	struct test_spec sp = pc->req->spec;
	struct lr_err spec_err;

	if (api_role_sends(pc->req->role)) {
		if (!pc->req->port)
			return fail(pc, "port",
				    "port: required for a %s (the client's "
				    "data port)",
				    api_role_name(pc->req->role));
		sp.dst.family = AF_INET;
		sp.dst_port = pc->req->port;
		if (pc->req->has_dst)
			sp.dst = pc->req->dst;
	} else {
		sp.listen.family = AF_INET;
		sp.listen_port = 9;
	}
	if (spec_validate(&sp, &spec_err)) {
		char text[LR_ERR_MESSAGE_LEN], name[LR_ERR_FIELD_LEN];

		api_spec_message(&spec_err, name, sizeof(name), text,
				 sizeof(text));
		return fail(pc, name, "%s", text);
	}
	return 0;
}

int api_session_req_parse(const char *body, size_t len,
			  struct api_session_req *req, struct lr_err *err)
{
	struct parse_ctx pc = {req, err};
	json_error_t jerr;
	json_t *doc;
	int ret;

	memset(req, 0, sizeof(*req));
	lr_err_clear(err);
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
	ret = fields_parse(&pc, doc);
	if (ret)
		goto out;
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
