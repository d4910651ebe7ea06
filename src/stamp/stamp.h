/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_STAMP_H
#define LINERATE_STAMP_H

/* The STAMP applications: the Session-Reflector (stamp-reflect) and the
 * Session-Sender (stamp), over UDP sockets. docs/stamp.md. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/session.h"
#include "stamp/reflector.h"
#include "lib/spec.h"

/* This host's clock as adjtimex() sees it: synchronized (S flag), the
 * error it estimates (esterror if synchronized, else maxerror) and
 * CLOCK_TAI - CLOCK_REALTIME. */
void stamp_clock_estimate(uint64_t *error_ns, bool *synchronized,
			  int64_t *tai_offset_ns);

/* Reflect until spec's duration/count/idle timeout or stop; report on
 * out as spec->output says. 0 or -errno (could not open: why in err). */
int stamp_reflect_run(const struct test_spec *spec,
		      const struct stamp_reflector_config *cfg,
		      atomic_bool *stop, FILE *out, struct lr_err *err);

/* The same, for a caller that embeds it (the daemon): started once
 * listening (or NULL on failure), live counters as a reflect session's,
 * the final report kept if obs->want_final. obs->out may be NULL. */
int stamp_reflect_observed(const struct test_spec *spec,
			   const struct stamp_reflector_config *cfg,
			   atomic_bool *stop, struct session_observer *obs);

#define STAMP_DEFAULT_RATE_LIMIT 100000 /* packets/s per source address */

/* The UDP payload a --size frame holds at the listen address's family
 * (at most STAMP_MAX_PACKET). */
uint32_t stamp_max_payload(const struct test_spec *spec);

/* The daemon's stamp-reflect session: unauthenticated, answering only
 * spec->only_from when set, the default rate limit. */
int stamp_reflect_session(const struct test_spec *spec, bool stateful,
			  atomic_bool *stop, struct session_observer *obs);

enum stamp_reflector_kind {
	STAMP_REFLECTOR_AUTO = 0, /* stateful once its numbers differ */
	STAMP_REFLECTOR_STATELESS,
	STAMP_REFLECTOR_STATEFUL,
};

struct stamp_sender_config {
	enum stamp_mode mode;
	struct stamp_key key;
	uint16_t ssid;
	bool tlv_padding; /* pad with an Extra Padding TLV, not zeros */
	enum stamp_ts_format format;
	enum stamp_reflector_kind reflector;
	/* one-way delays are valid: both clocks are this host's (host), or
	 * both ends say they are synchronized (auto) */
	bool clock_host;
};

/* failure: why the run's traffic failed (empty when it did not), as
 * report_traffic_failed() says it. */
int stamp_send_run(const struct test_spec *spec,
		   const struct stamp_sender_config *cfg, atomic_bool *stop,
		   FILE *out, char *failure, size_t failure_len);

#endif
