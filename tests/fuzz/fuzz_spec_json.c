// SPDX-License-Identifier: MIT
/*
 * api_session_req_parse() (the daemon's POST /v1/sessions body) on
 * arbitrary bytes. The input is the body, copied into a buffer of exactly
 * its length (not NUL-terminated, as the HTTP layer need not give one), so
 * ASan sees any read past it.
 *
 * The parse must return 0 or -EINVAL. On 0 the request is one the engine
 * can run: every value inside its documented range, a named duration not
 * silently turned into "no limit", and the whole spec accepted by
 * spec_validate() once the daemon's addresses are filled in. On -EINVAL
 * `field` and `err` are NUL-terminated inside their buffers, `err` is one
 * non-empty line, and both are valid UTF-8 (they go into a JSON reply,
 * which cannot carry anything else). With tiny buffers the answer is the
 * same (a prefix of it) and nothing is written past them.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "api/spec_json.h"

#define MAX_DURATION_NS (30ULL * 24 * 3600 * 1000000000ULL)
#define DAY_NS		(86400LL * 1000000000LL)

/* Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
static bool utf8_valid(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;

	while (*s) {
		unsigned int c = *s, n, cp;

		if (c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (unsigned int i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		s += n + 1;
	}
	return true;
}

static void check_accepted(const struct api_session_req *req)
{
	static const enum role to_role[] = {
		[API_ROLE_SINK] = ROLE_RECV,
		[API_ROLE_REFLECT] = ROLE_REFLECT,
		[API_ROLE_SOURCE] = ROLE_SEND,
		[API_ROLE_PING] = ROLE_PING,
		[API_ROLE_STAMP_REFLECT] = ROLE_REFLECT,
	};
	const struct test_spec *sp = &req->spec;
	struct test_spec whole = *sp;
	struct lr_err why;

	FUZZ_CHECK(req->role >= API_ROLE_SINK &&
		   req->role <= API_ROLE_STAMP_REFLECT);
	FUZZ_CHECK(sp->role == to_role[req->role]);
	FUZZ_CHECK(memchr(sp->backend.name, 0, sizeof(sp->backend.name)));
	FUZZ_CHECK(spec_backend_known(sp->backend.name));
	FUZZ_CHECK(sp->frame_size >= FRAME_MIN_SIZE &&
		   sp->frame_size <= FRAME_MAX_SIZE);
	FUZZ_CHECK(sp->flows >= 1 && sp->flows <= SPEC_MAX_FLOWS);
	FUZZ_CHECK(sp->burst >= 1 && sp->burst <= SPEC_MAX_BURST);
	FUZZ_CHECK(sp->backend.queues >= 1 &&
		   sp->backend.queues <= SPEC_MAX_QUEUES);
	FUZZ_CHECK(sp->count <= 1000000000000ULL);
	FUZZ_CHECK(sp->duration_ns <= MAX_DURATION_NS);
	/* A duration the request named is a limit, never "none". */
	if (req->has_duration)
		FUZZ_CHECK(sp->duration_ns > 0);
	FUZZ_CHECK(sp->idle_timeout_ns > 0 &&
		   sp->idle_timeout_ns <= MAX_DURATION_NS);
	FUZZ_CHECK(sp->interval_ns == 0);
	FUZZ_CHECK(sp->line_rate_bps <= 1600000000000ULL);
	FUZZ_CHECK(isfinite(sp->rate.value));
	switch (sp->rate.kind) {
	case RATE_MAX:
		break;
	case RATE_PPS:
		FUZZ_CHECK(sp->rate.value > 0 && sp->rate.value <= 2e9);
		break;
	case RATE_BPS_L1:
	case RATE_BPS_L2:
		FUZZ_CHECK(sp->rate.value > 0 && sp->rate.value <= 1.6e12);
		break;
	case RATE_PERCENT:
		FUZZ_CHECK(sp->rate.value > 0 && sp->rate.value <= 100);
		FUZZ_CHECK(sp->line_rate_bps > 0);
		break;
	default:
		FUZZ_CHECK(!"rate kind out of range");
	}
	FUZZ_CHECK(sp->clock_offset_ns >= -DAY_NS &&
		   sp->clock_offset_ns <= DAY_NS);
	FUZZ_CHECK(sp->clock_error_ns <= (uint64_t)DAY_NS);
	FUZZ_CHECK(sp->clock_sync == CLOCK_SYNC_NONE ||
		   (sp->clock_sync == CLOCK_SYNC_MEASURED &&
		    req->role == API_ROLE_SINK));
	/* The daemon's addresses are its own to fill. */
	FUZZ_CHECK(sp->dst.family == 0 && sp->listen.family == 0);
	if (api_role_sends(req->role)) {
		FUZZ_CHECK(req->port >= 1);
		if (req->has_dst)
			FUZZ_CHECK(req->dst.family == AF_INET ||
				   req->dst.family == AF_INET6);
		whole.dst.family = AF_INET;
		if (req->has_dst)
			whole.dst = req->dst;
		whole.dst_port = req->port;
		FUZZ_CHECK(sp->duration_ns || sp->count);
	} else {
		FUZZ_CHECK(req->port == 0 && !req->has_dst);
		whole.listen.family = AF_INET;
		whole.listen_port = 9;
	}
	if (spec_validate(&whole, &why)) {
		fprintf(stderr, "detail: spec_validate: %s\n", why.message);
		FUZZ_CHECK(!"an accepted request fails spec_validate");
	}
}

/* For a "detail:" line: the log stays text whatever the bytes were. */
static void print_escaped(const char *name, const char *text)
{
	fprintf(stderr, "detail: %s is not valid UTF-8: \"", name);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		fprintf(stderr, *p >= 0x20 && *p < 0x7f ? "%c" : "\\x%02x", *p);
	fprintf(stderr, "\"\n");
}

/* The NUL is inside the buffer (ASan watches its end). */
static void check_text(const char *buf, size_t len, const char *name)
{
	if (!memchr(buf, 0, len))
		fprintf(stderr, "detail: %s is not NUL-terminated\n", name);
	FUZZ_CHECK(memchr(buf, 0, len));
	if (!utf8_valid(buf))
		print_escaped(name, buf);
	FUZZ_CHECK(utf8_valid(buf));
}

/* The error on the heap, so ASan tells whether the parser stays inside
 * it; poisoned, so a field or message left without a NUL shows. */
static int parse_into(const char *body, size_t size,
		      struct api_session_req *req, struct lr_err **err)
{
	*err = malloc(sizeof(**err));
	FUZZ_CHECK(*err);
	memset(*err, 'x', sizeof(**err));
	return api_session_req_parse(body, size, req, *err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_session_req req, again;
	char *body = malloc(size ? size : 1);
	struct lr_err *err;
	int ret, again_ret;

	FUZZ_CHECK(body);
	memcpy(body, data, size);
	memset(&req, 0xa5, sizeof(req));
	ret = parse_into(body, size, &req, &err);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	FUZZ_CHECK(err->code == ret);
	if (ret == 0) {
		check_accepted(&req);
	} else {
		check_text(err->field, sizeof(err->field), "field");
		check_text(err->message, sizeof(err->message), "err");
		FUZZ_CHECK(err->message[0] != '\0');
		FUZZ_CHECK(!strchr(err->message, '\n') &&
			   !strchr(err->message, '\r'));
	}

	/* No error to fill: the same answer. */
	again_ret = api_session_req_parse(body, size, &again, NULL);
	FUZZ_CHECK(again_ret == ret);
	if (ret == 0)
		FUZZ_CHECK(!memcmp(&req, &again, sizeof(req)));
	free(err);
	free(body);
	return 0;
}
