/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SPEC_JSON_H
#define LINERATE_SPEC_JSON_H

/*
 * The session request of the daemon's API: a JSON object that fills the
 * same struct test_spec as the CLI flags, checked field by field (type,
 * range, unknown fields refused) before spec_validate() checks the whole.
 * Roles are the server's: "sink" receives, "reflect" reflects, "source"
 * sends (to the client, at the port it names), "ping" sends probes to a
 * reflector at the client and measures the round trip.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/spec.h"

enum api_role {
	API_ROLE_SINK = 0,
	API_ROLE_REFLECT,
	API_ROLE_SOURCE,
	API_ROLE_PING, /* probes to the client's reflector, round trip */
	API_ROLE_STAMP_REFLECT, /* a STAMP reflector for the client (docs/stamp.md) */
};

/* Roles whose session sends to the client (dst, port). */
static inline bool api_role_sends(enum api_role role)
{
	return role == API_ROLE_SOURCE || role == API_ROLE_PING;
}

/* A request body larger than this is refused before it is parsed. */
#define API_MAX_BODY 16384

struct api_session_req {
	enum api_role role;
	struct test_spec spec; /* addresses and ports are the daemon's to set */
	uint16_t port; /* source: the client's data port */
	bool has_dst; /* source: an explicit destination address */
	struct ip_addr dst;
	bool has_peer; /* sink, reflect: the sender, when not the client */
	struct ip_addr peer;
	bool has_duration; /* the request named a duration */
	bool stamp_stateful; /* stamp-reflect: own sequence numbers */
};

/*
 * Parse and check a request body. On error returns -EINVAL with err (may
 * be NULL) filled: code -EINVAL, the offending field's name ("" for the
 * body as a whole) and a one-line message, both valid UTF-8. Never
 * allocates without bound: the caller caps the body at API_MAX_BODY
 * first.
 */
int api_session_req_parse(const char *body, size_t len,
			  struct api_session_req *req, struct lr_err *err);

const char *api_role_name(enum api_role role);

/* A spec_validate() error in the API's words: its message's --flags as
 * the JSON fields (text), and its flag's JSON field, or "" when the
 * request has no such field (field). */
void api_spec_message(const struct lr_err *spec_err, char *field,
		      size_t field_len, char *text, size_t text_len);

#endif
