/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_REMOTE_H
#define LINERATE_REMOTE_H

/*
 * One test against a linerate server: the far end a session on the
 * server, the near end the engine here. What `linerate client` runs, and
 * what other commands (rfc2544, hookcost) run against a server.
 */

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "api/client.h"
#include "lib/spec.h"

enum remote_mode {
	REMOTE_FORWARD = 0, /* we send, the server receives */
	REMOTE_REVERSE, /* the server sends, we receive */
	REMOTE_BIDIR, /* both */
	REMOTE_RTT, /* the server reflects, we ping */
};

extern const char *const remote_mode_names[];

struct remote_config {
	enum remote_mode mode;
	/* The traffic, as `send` takes it (`ping` for REMOTE_RTT): size,
	 * rate, duration, count, flows, burst, the near end's backend and
	 * output. */
	struct test_spec spec;
	uint16_t port; /* our UDP port for the server's traffic */
	char server_backend[16];
	uint64_t max_clock_error_ns;
	FILE *near_out; /* where the near end prints live, or NULL */
	uint64_t drain_ns; /* wait for the last packets; 0: 300 ms */
	/* Where the server may tell us to send (its data.address): this
	 * address, or when it is unset, the address its API answered on.
	 * Anything else is refused: a server must not aim our traffic at a
	 * third party. */
	struct ip_addr expect_data_address;
	bool has_expect_data_address;
};

struct remote_result {
	int64_t offset_ns; /* server clock minus ours */
	uint64_t error_ns;
	bool one_way_valid;
	json_t *local_tx; /* our sender's or pinger's final report */
	json_t *local_rx; /* our receiver's */
	json_t *far_rx; /* the server's sink or reflector */
	json_t *far_tx; /* the server's source */
};

void remote_config_init(struct remote_config *cfg);

/*
 * Run it. Returns 0, or -errno with a line in err; on error the result
 * still holds the reports of whatever ran (for the caller to print), and
 * nothing is left running here or on the server.
 */
int remote_run(struct api_client *api, const struct remote_config *cfg,
	       atomic_bool *stop, struct remote_result *res, char *err,
	       size_t err_len);
void remote_result_free(struct remote_result *res);

/* One session on a linerate server, driven through its API. */
struct remote {
	struct api_client *api;
	char id[17];
	char address[64]; /* its data.address: where to send to it */
	uint16_t port; /* its data.port */
	json_t *report; /* its final report, once remote_finish() got it */
};

/* POST req (consumed) to api as a new session; 0 with r's id, address
 * and port, or -errno with a line in err. */
int remote_create(struct remote *r, json_t *req, char *err, size_t err_len);
/* The session's state ("running", "done", ...) into buf; 0 or -errno. */
int remote_state(struct remote *r, char *buf, size_t len, char *err,
		 size_t err_len);
/* Ask the server to end session id: one that still runs stops, a
 * finished one just answers. 0 (whatever the answer) or -errno with a
 * line in err when the request itself failed. */
int remote_stop(struct api_client *api, const char *id, char *err,
		size_t err_len);
/* Stop it first if asked, then fetch its final report into r->report;
 * 0 (also when r was never created), or -errno with a line in err. */
int remote_finish(struct remote *r, bool stop_first, char *err, size_t err_len);
/* Poll session id's final report every poll_ns until it is there, until
 * deadline_ns (mono_ns()) or until *stop (may be NULL); 0 with *report,
 * or -errno with a line in err. */
int remote_report_wait(struct api_client *api, const char *id,
		       uint64_t deadline_ns, uint64_t poll_ns,
		       const atomic_bool *stop, json_t **report, char *err,
		       size_t err_len);

/*
 * A session request: its role, and the members of sp named in keys by the
 * rows' JSON keys (lib/spec_opts.c, the rows of sp->role), as the server
 * reads them back. NULL on ENOMEM.
 */
json_t *remote_spec_request(const char *role, const struct test_spec *sp,
			    const char *const *keys);

/* A rate as the API takes it (rate_format() is for people). */
json_t *remote_rate_json(const struct rate *r);

/* What went one way: sent by one end, received by the other. */
json_t *remote_direction_json(json_t *sender, json_t *receiver);

/* The result for people (text) or as one JSON document (--json,
 * --json-stream), per run->spec.output; server is what the user named.
 * ok: the run itself worked. (remote_print.c) */
void remote_result_print(const struct remote_config *run, const char *server,
			 const struct remote_result *rs, bool ok, FILE *out);

#endif
