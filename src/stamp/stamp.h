/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_STAMP_H
#define LINERATE_STAMP_H

/* The STAMP applications: the Session-Reflector (stamp-reflect) and the
 * Session-Sender (stamp), over UDP sockets. docs/stamp.md. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "reflector.h"
#include "spec.h"

/* This host's clock as adjtimex() sees it: synchronized (S flag), the
 * error it estimates (esterror if synchronized, else maxerror) and
 * CLOCK_TAI - CLOCK_REALTIME. */
void stamp_clock_estimate(uint64_t *error_ns, bool *synchronized,
			  int64_t *tai_offset_ns);

/* Reflect until spec's duration/count/idle timeout or stop; report on
 * out as spec->output says. 0 or -errno (could not open). */
int stamp_reflect_run(const struct test_spec *spec,
		      const struct stamp_reflector_config *cfg,
		      atomic_bool *stop, FILE *out);

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

int stamp_send_run(const struct test_spec *spec,
		   const struct stamp_sender_config *cfg, atomic_bool *stop,
		   FILE *out);

#endif
