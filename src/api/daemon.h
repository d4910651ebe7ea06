/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_DAEMON_H
#define LINERATE_DAEMON_H

/*
 * The daemon: test sessions created and watched over the JSON API, each
 * running the same engine as the CLI on a thread of its own, with
 * admission limits, and ending by themselves (duration, idle timeout).
 */

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "api/spec_json.h"
#include "lib/err.h"
#include "lib/units.h"

#define DAEMON_DEFAULT_PORT 9270
#define DAEMON_MAX_ALLOW 16

struct daemon_config {
	const char *api_addr;
	uint16_t api_port;
	const char *token; /* NULL: none */
	const char *admin_token; /* NULL: none; sees and stops every session */
	const char *tls_cert_pem;
	const char *tls_key_pem;
	/* Where they came from, read again on reload (NULL: no TLS). */
	const char *tls_cert_file;
	const char *tls_key_file;
	bool allow_insecure_perms; /* take a key readable by others */
	/* Set (by SIGHUP) to reload the certificate and key; may be NULL. */
	atomic_bool *reload;
	unsigned int max_sessions; /* running at once */
	/* Of those, one client's; 0: half of max_sessions, rounded up. */
	unsigned int max_sessions_per_client;
	struct rate max_rate; /* what the daemon sources in total; RATE_MAX: no cap */
	uint64_t max_duration_ns;
	uint64_t idle_timeout_ns;
	uint64_t retain_ns; /* how long a finished session's report is kept */
	uint16_t data_port_min, data_port_max;
	struct ip_addr allow[DAEMON_MAX_ALLOW]; /* extra source targets */
	unsigned int allow_count;
	unsigned int max_connections;
	unsigned int max_connections_per_ip;
	unsigned int timeout_s;
};

void daemon_config_init(struct daemon_config *cfg);

/* Serve until *stop; 0, or -errno when the API could not start. */
int daemon_run(const struct daemon_config *cfg, atomic_bool *stop);

/* ---- the session registry (sessions.c), used by the routes (server.c) */

enum api_session_state {
	API_STATE_STARTING = 0,
	API_STATE_RUNNING,
	API_STATE_DONE,
	API_STATE_FAILED,
};

/* The counters a session reports, each named as the stats_counters
 * member it is taken from, so that one list declares, copies and sums
 * them (tx_bursts: the sender's sends of more than one frame). rx_lost
 * is expected minus received, so a late arrival lowers it (a gauge); the
 * rest only go up. */
/* clang-format off */
#define API_COUNTER_NAMES(X)                                                   \
	X(tx_packets) X(tx_bytes) X(rx_packets) X(rx_bytes) X(rx_expected)     \
	X(rx_lost) X(rx_reordered) X(rx_duplicates) X(reflected) X(tx_bursts)
/* clang-format on */

#define API_COUNTER_MEMBER(name) uint64_t name;
struct api_counters {
	API_COUNTER_NAMES(API_COUNTER_MEMBER)
};
#undef API_COUNTER_MEMBER

/* The sender's pacing in a finished session; -1: not measured. */
struct api_pacing {
	int64_t gap_p99_ns, late_max_ns;
};

/* Who is asking: a session belongs to the client that created it, the
 * token class it presented (the admin's or the ordinary one) and its
 * source address. The admin may see and stop every session. */
struct api_client {
	struct ip_addr ip;
	bool admin;
};

int api_client_from(const struct sockaddr_storage *peer, bool admin,
		    struct api_client *out);
unsigned int daemon_per_client_limit(const struct daemon_config *cfg);

/* A session's latency histogram as /metrics gives it: cumulative counts
 * at the upper bounds api_latency_le_ns[] (Prometheus buckets). */
#define API_LATENCY_BUCKETS 22
extern const uint64_t api_latency_le_ns[API_LATENCY_BUCKETS];

struct api_latency {
	bool measured; /* false: the session has no latency it can vouch for */
	bool round_trip; /* else one-way */
	uint64_t count, sum_ns;
	uint64_t le[API_LATENCY_BUCKETS];
	/* RFC 3550 interarrival jitter (packet-weighted mean over flows),
	 * measured once two packets of a flow arrived: a gauge. */
	bool jitter_measured;
	uint64_t jitter_ns;
};

struct registry;

struct api_session {
	char id[17];
	struct registry *registry; /* the one it belongs to */
	struct api_client owner;
	enum api_role role;
	struct test_spec spec;
	struct sockaddr_storage client;
	uint16_t data_port; /* sink/reflect: where it listens */
	double pps; /* what it sources, for admission (0 for a sink) */
	double bps_l1;
	bool raw; /* a backend that takes the interface (exclusive) */
	bool stamp_stateful; /* stamp-reflect: own sequence numbers */

	pthread_t thread;
	/* Under the registry lock. Exactly one thread joins a session's
	 * thread: its creator while it starts (creating), else the watchdog,
	 * which claims it (joining) and joins outside the lock. Only a joined
	 * session is ever freed. */
	bool creating;
	bool joining;
	bool thread_joined;
	atomic_bool stop;

	/* Under the registry lock: */
	enum api_session_state state;
	bool start_done;
	/* Why it failed: decide on err.code, the message is for people */
	struct lr_err err;
	const char *end_reason; /* "duration", "idle", "deleted", ... */
	uint64_t created_mono_ns, started_mono_ns, ended_mono_ns;
	uint64_t created_real_ns;
	uint64_t last_contact_ns; /* monotonic: API request about it */
	uint64_t last_traffic_ns; /* monotonic: its rx counter last moved */
	json_t *live; /* the report so far */
	json_t *final; /* the final report */
	struct api_counters counters;
	struct api_latency latency;
	struct api_pacing pacing;
	char backend[16];
	char backend_mode[128]; /* as long as any backend's mode text */
};

struct registry *registry_create(const struct daemon_config *cfg);
void registry_destroy(struct registry *reg);

/* Why a session was not created: the answer's HTTP status, the server
 * limit that refused it (its flag's name without "--", for the answer's
 * "limit"; NULL: none) and the error (code, field, message). */
struct api_refusal {
	int status;
	const char *limit;
	struct lr_err err;
};

/* Admit and start a session from a parsed request: 0 with id_out (a
 * copy of its id), or a negative errno with *why filled. */
int registry_create_session(struct registry *reg, struct api_session_req *req,
			    const struct api_client *who,
			    const struct sockaddr_storage *client,
			    const struct sockaddr_storage *local,
			    struct api_refusal *why, char id_out[17]);

/* Run fn on a session under the registry lock (marks API contact);
 * -ENOENT when there is none with that id. */
int registry_with(struct registry *reg, const char *id,
		  void (*fn)(struct api_session *s, void *arg), void *arg);
/* Every session, oldest first. */
void registry_foreach(struct registry *reg,
		      void (*fn)(struct api_session *s, void *arg), void *arg);
/* Ask a session to stop; -ENOENT when there is none. */
int registry_stop(struct registry *reg, const char *id, const char *reason);

/* The same on behalf of a client: a session it may not see is not there
 * (-ENOENT), and only its owner's contact keeps it from idling out. */
int registry_with_as(struct registry *reg, const struct api_client *who,
		     const char *id,
		     void (*fn)(struct api_session *s, void *arg), void *arg);
void registry_foreach_as(struct registry *reg, const struct api_client *who,
			 void (*fn)(struct api_session *s, void *arg),
			 void *arg);
int registry_stop_as(struct registry *reg, const struct api_client *who,
		     const char *id, const char *reason);
/* Wait up to timeout for a session to finish (0) or -ETIMEDOUT/-ENOENT. */
int registry_wait_done(struct registry *reg, const char *id,
		       uint64_t timeout_ns);

struct registry_totals {
	uint64_t created, refused, finished, running;
	struct api_counters finished_counters; /* of sessions since removed */
	/* finished_counters plus every session's, taken under one lock so
	 * that a session removed meanwhile is counted once. */
	struct api_counters all_counters;
};
void registry_totals(struct registry *reg, struct registry_totals *out);

const char *api_state_name(enum api_session_state st);

#endif
