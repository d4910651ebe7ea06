/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_API_CLIENT_H
#define LINERATE_API_CLIENT_H

/*
 * The client side of the daemon's JSON API, on libcurl: one keep-alive
 * connection, a bearer token, optional TLS, replies capped in size.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct api_client;

struct api_client_config {
	const char *host; /* "HOST", "HOST:PORT", "[v6]:PORT" */
	const char *token; /* NULL: none */
	bool tls;
	const char *ca_file; /* NULL: the system's CAs */
	bool insecure; /* TLS without verifying the certificate */
	long timeout_ms; /* per request */
};

/*
 * What a command's API-client flags said (--token-file, --tls, --cacert,
 * --insecure; cmd/api_client_opts.c declares and parses them).
 */
struct api_client_opts {
	const char *token_file; /* NULL: no token */
	bool tls;
	const char *ca_file; /* NULL: the system's CAs */
	bool insecure;
};

/* The connection settings for host as opts give them (timeout_ms 0: the
 * default); the one place the flags become an api_client_config. */
void api_client_config_init(struct api_client_config *cfg,
			    const struct api_client_opts *opts,
			    const char *host);

/* NULL with the reason in err (-EINVAL: a bad host, -ENOTSUP: no TLS). */
struct api_client *api_client_open(const struct api_client_config *cfg,
				   struct lr_err *err);

/*
 * api_client_open() with the token read from token_file (NULL: none, or
 * cfg->token), then, when check_path is given, one GET of it that must
 * answer 200, so a wrong address or token fails before anything runs.
 * NULL with the reason in err; *bad_input (may be NULL) tells a usage error
 * (the token file, the host) from a server that refused or did not answer.
 */
struct api_client *api_client_connect(const struct api_client_config *cfg,
				      const char *token_file,
				      const char *check_path, bool *bad_input,
				      struct lr_err *err);
void api_client_close(struct api_client *c);

/*
 * One request. body may be NULL. On a reply, returns 0 with the HTTP
 * status in *status and the parsed JSON body in *reply (NULL when the body
 * was not JSON); -errno with the reason in err when no reply came.
 */
int api_client_request(struct api_client *c, const char *method,
		       const char *path, json_t *body, long *status,
		       json_t **reply, struct lr_err *err);

/*
 * A request that must be answered with status `want`: 0 with the reply
 * in *reply (the caller's to json_decref), -errno when no reply came, or
 * `refused` with the server's error in err (and *reply NULL).
 */
int api_client_expect(struct api_client *c, const char *method,
		      const char *path, json_t *body, long want, int refused,
		      json_t **reply, struct lr_err *err);

/* The server's address as the data plane should use it (no brackets). */
const char *api_client_host(const struct api_client *c);

/* The local address of the API connection (where the server's traffic
 * for us should go), or NULL. */
const char *api_client_local_ip(struct api_client *c);

/* The server's address on the API connection (what HOST resolved to and
 * was reached at), or NULL. */
const char *api_client_peer_ip(struct api_client *c);

/*
 * Clock offset (server minus client, ns) by NTP-style exchanges over the
 * API: of `samples` exchanges, the one with the smallest round trip wins,
 * and half its round trip bounds the error.
 */
int api_client_clock_offset(struct api_client *c, int samples,
			    int64_t *offset_ns, uint64_t *error_ns,
			    struct lr_err *err);

/* "error" of a JSON error reply, or a fallback. */
const char *api_reply_error(json_t *reply, long status, char *buf, size_t len);

/* The same into err, with code; returns code. */
int api_reply_error_set(struct lr_err *err, int code, json_t *reply,
			long status);

#endif
