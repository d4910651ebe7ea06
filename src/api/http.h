/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_HTTP_H
#define LINERATE_HTTP_H

/*
 * The HTTP/1.1 side of linerate's JSON APIs (the daemon, the replicator),
 * on libmicrohttpd: bearer-token authentication compared in constant time,
 * request bodies capped before they are read, deadlines and a cap on
 * connections, optional TLS, and JSON error bodies. The routes are the
 * caller's, a table of rows (struct http_route) that route.c dispatches
 * the same way for every server.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/err.h"

struct http_server;

/* TLS 1.2 and 1.3 only, forward-secret key exchange (ECDHE, DHE) and AEAD
 * ciphers only: no static RSA, no CBC, no SHA-1 MACs. A GnuTLS priority
 * string; documented in docs/api.md. */
#define HTTP_TLS_PRIORITIES                                                  \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:" \
	"+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:" \
	"+ECDHE-RSA:+DHE-RSA:%SERVER_PRECEDENCE"

struct http_request {
	const char *method;
	const char *path; /* without the query */
	/* What a route's trailing '*' matched, else NULL. */
	const char *param;
	const char *body; /* NUL-terminated, body_len bytes */
	size_t body_len;
	struct sockaddr_storage peer; /* the client */
	struct sockaddr_storage local; /* the address the client reached */
	bool admin; /* it presented the admin token */
};

struct http_response {
	int status;
	json_t *json; /* the body, or NULL with text set */
	char *text; /* malloc'ed body (e.g. Prometheus text), or NULL */
	const char *content_type; /* for text */
	bool close; /* close the connection once it is sent */
};

typedef void (*http_handler_fn)(void *arg, const struct http_request *req,
				struct http_response *resp);

/* What a route's check says of what its trailing '*' matched. */
enum http_param_verdict {
	HTTP_PARAM_OURS, /* the route applies */
	HTTP_PARAM_NOT_OURS, /* as if its path did not match */
	HTTP_PARAM_ANSWERED, /* the check filled the response: stop there */
};

/*
 * One row of a server's route table, which ends with a row of NULLs.
 * path is exact, or ends in '*' to take any rest of the path (empty
 * too, slashes too), which the handler gets as req->param. check, when
 * set, judges that rest before the method is looked at, so a bad one
 * is refused whatever the method. A request goes to the first row whose
 * path and method match; when only paths match the answer is 405, when
 * none does 404, both with a JSON error.
 */
struct http_route {
	const char *method;
	const char *path;
	http_handler_fn handler;
	enum http_param_verdict (*check)(const char *param,
					 struct http_response *resp);
	bool public; /* served without a token (health checks) */
};

void http_route_dispatch(const struct http_route *routes, void *arg,
			 const struct http_request *req,
			 struct http_response *resp);

/* Does a public row's path match path (whatever the method)? */
bool http_route_public(const struct http_route *routes, const char *path);

struct http_config {
	const char *addr; /* IP to bind */
	uint16_t port;
	const char *token; /* NULL: no authentication */
	const char *admin_token; /* NULL: none; accepted wherever token is */
	const char *tls_cert_pem; /* both or neither */
	const char *tls_key_pem;
	/* Beyond this, the connection that waited longest for its request
	 * head is closed to make room. */
	unsigned int max_connections;
	unsigned int max_connections_per_ip;
	/* A connection idle this long is closed, and so is one whose
	 * request head is still coming this long after it began, or whose
	 * body is this long after its head. */
	unsigned int timeout_s;
	size_t max_body;
	const struct http_route *routes;
	void *arg; /* the handlers' */
	/* Lines logged while answering are the client's doing: rate-limited
	 * (log_client_thread()). */
	bool client_logs;
};

/* Start serving (threads of its own). NULL with errno set, after a line
 * saying why. */
struct http_server *http_server_start(const struct http_config *cfg);
void http_server_stop(struct http_server *srv);

/* Would libmicrohttpd serve with this PEM certificate and key? */
bool http_tls_pair_usable(const char *cert_pem, const char *key_pem);

/* The answer to an error that travelled up (lib/err.h): its message and
 * field. */
void http_error_from(struct http_response *resp, int status,
		     const struct lr_err *err);
/* Fill resp with {"error": msg, "field": field} (field may be NULL). */
void http_error(struct http_response *resp, int status, const char *field,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A Prometheus text exposition as the body (text is malloc'ed, taken
 * over); NULL, which a failed allocation leaves, answers 500. */
void http_metrics_reply(struct http_response *resp, char *text);

/* Constant-time comparison of a presented token with the configured one:
 * the time taken depends only on the configured token's length. */
bool http_token_equal(const char *configured, const char *presented,
		      size_t presented_len);

/* Requests served, by status class, for /metrics. */
struct http_counters {
	uint64_t requests;
	uint64_t status_2xx, status_4xx, status_5xx;
	uint64_t unauthorized;
	uint64_t body_too_large;
	/* Connections closed by the deadlines and when the table was full
	 * (http_guard.h). */
	uint64_t head_timeouts, body_timeouts, evicted;
};
void http_server_counters(const struct http_server *srv,
			  struct http_counters *out);

/* Read a small text file (a token, a PEM file) into a malloc'ed,
 * NUL-terminated buffer with trailing whitespace removed; NULL with errno
 * set, after a line on stderr naming the flag. */
char *http_read_small_file(const char *flag, const char *path, size_t max);

/* The same for a secret (a token, a private key): refused, with a line
 * naming the flag, when its group or others may read it, unless
 * allow_insecure (then a warning). */
char *http_read_secret_file(const char *flag, const char *path, size_t max,
			   bool allow_insecure);

/* "ADDR:PORT" text of a socket address. */
const char *http_addr_text(const struct sockaddr_storage *ss, char *buf,
			   size_t len, uint16_t *port);

#endif
