/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_HTTP_GUARD_H
#define LINERATE_HTTP_GUARD_H

/*
 * Deadlines and eviction around libmicrohttpd, which has neither: its
 * connection timeout is for silence, so a client trickling one header line
 * a second holds a connection for ever, and a full table refuses everyone
 * else.
 *
 * The guard tracks every connection (MHD_OPTION_NOTIFY_CONNECTION) through
 * head -> body -> busy (the handler and the response) -> head (keep-alive,
 * the next request), and a thread of its own closes, by shutdown() of its
 * socket (libmicrohttpd then sees the end and cleans up as for a client
 * that left):
 *   - a connection whose request head is not complete head_timeout after
 *     it began (accept, or the end of the previous request);
 *   - one whose body is not complete body_timeout after its head;
 *   - when more than max connections are open, the one that has waited
 *     longest for its head, so that a table full of slow clients still
 *     takes a new one (libmicrohttpd itself is given a hard limit above
 *     max). When no connection is waiting for its head the newest is
 *     closed: max holds.
 * A connection in the handler or sending its answer is never closed here.
 */

#include <stdint.h>

struct http_guard;
struct http_guard_conn;

struct http_guard_counters {
	uint64_t head_timeouts; /* closed: the head took too long */
	uint64_t body_timeouts; /* closed: the body took too long */
	uint64_t evicted; /* closed: the table was full */
};

/* NULL with errno set. */
struct http_guard *http_guard_create(unsigned int max,
				     unsigned int head_timeout_s,
				     unsigned int body_timeout_s);
void http_guard_destroy(struct http_guard *g);

/* From the connection notifier: a new connection on fd (returns its
 * context, NULL when out of memory: then it is not guarded), and its end. */
struct http_guard_conn *http_guard_open(struct http_guard *g, int fd);
void http_guard_close(struct http_guard *g, struct http_guard_conn *c);

/* From the request handler: the head is in; the body is in (or there was
 * none); the request is done and the next head is awaited. c may be NULL. */
void http_guard_head_done(struct http_guard *g, struct http_guard_conn *c);
void http_guard_body_done(struct http_guard *g, struct http_guard_conn *c);
void http_guard_request_done(struct http_guard *g, struct http_guard_conn *c);

void http_guard_counters(struct http_guard *g, struct http_guard_counters *out);

/* The limit to give libmicrohttpd for a guard of max connections. */
unsigned int http_guard_hard_limit(unsigned int max);

#endif
