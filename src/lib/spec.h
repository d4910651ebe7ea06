/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_SPEC_H
#define LINERATE_SPEC_H

/*
 * A test spec: what the CLI flags fill now and the daemon's JSON will fill
 * later. One struct, one validation, so both inputs get the same limits.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/backend_opts.h"
#include "lib/err.h"
#include "lib/frame.h"
#include "lib/sizemix.h"
#include "lib/units.h"

enum role { ROLE_SEND = 0, ROLE_RECV, ROLE_REFLECT, ROLE_PING };

enum output_format {
	OUTPUT_TEXT = 0,
	OUTPUT_JSON, /* one document at the end */
	OUTPUT_JSON_STREAM, /* NDJSON: one object per interval, then final */
};

enum clock_sync {
	CLOCK_SYNC_NONE = 0, /* one-way figures are not valid */
	CLOCK_SYNC_HOST, /* sender and receiver share this host's clock */
	CLOCK_SYNC_MEASURED, /* offset estimated (client/server), with a bound */
};

/* How much lateness a paced sender makes up (pacer_set_catch_up). */
enum catch_up_kind {
	CATCH_UP_BURST = 0, /* default: one burst (--burst frames) */
	CATCH_UP_NONE, /* none: the schedule shifts */
	CATCH_UP_FRAMES, /* catch_up_value frames */
	CATCH_UP_TIME, /* catch_up_value ns worth of frames at the rate */
};

#define SPEC_MAX_CATCH_UP_FRAMES 1000000
#define SPEC_MAX_CATCH_UP_NS (10 * 1000000000ULL)

#define SPEC_MAX_FLOWS 4096
#define SPEC_MAX_BURST 1024

struct test_spec {
	enum role role;
	/* which data path and how (lib/backend_opts.h) */
	struct backend_opts backend;
	struct ip_addr dst; /* send, ping */
	uint16_t dst_port;
	struct ip_addr src; /* optional local address */
	uint16_t src_port; /* 0: any (per-flow ports are src_port + flow) */
	bool has_src;
	struct ip_addr listen; /* recv, reflect */
	uint16_t listen_port;
	/* recv, reflect: take test packets only from this address (the
	 * daemon's sessions: the client that asked); others are counted as
	 * filtered and never reflected. */
	struct ip_addr only_from;
	bool has_only_from;
	/* reflect: send back no faster than rate (a token bucket); what
	 * comes faster is counted as policed and dropped (the daemon's
	 * reflectors: their declared rate is what admission counted). */
	bool police;
	uint32_t frame_size; /* incl. FCS; with a size mix, its largest */
	/* send: frame sizes in a fixed interleave (sizemix.h); count 0:
	 * every frame is frame_size */
	struct size_mix size_mix;
	/* send/ping: the IPv4 TOS / IPv6 traffic class byte (DSCP << 2 |
	 * ECN) every test packet carries; 0 unless a marking flag set it. */
	uint8_t tos;
	/* send/ping, raw backends: an 802.1Q tag (0: untagged) and its
	 * priority code point. The udp backend cannot tag and refuses. */
	uint16_t vlan_id;
	uint8_t vlan_pcp;
	/* QinQ: an 802.1Q tag inside vlan_id, which then goes out as an
	 * 802.1ad S-tag (TPID 0x88a8); 0: one tag */
	uint16_t vlan_inner_id;
	uint8_t vlan_inner_pcp;
	struct rate rate;
	uint64_t line_rate_bps; /* for % rates; 0 unknown */
	uint64_t duration_ns; /* 0: no limit (count or idle ends it) */
	uint64_t count; /* packets; 0: no limit */
	uint32_t flows;
	uint32_t burst;
	enum catch_up_kind catch_up;
	uint64_t catch_up_value; /* frames or ns, by catch_up */
	uint64_t interval_ns; /* live report period; 0: none */
	int cpu; /* -1: not pinned */
	uint64_t idle_timeout_ns; /* recv/reflect: end after this much quiet */
	uint64_t wait_ns; /* ping: wait for late replies after the last probe */
	bool realtime; /* paced sender: SCHED_FIFO where it sleeps */
	enum clock_sync clock_sync;
	/* recv: the sender's clock minus ours, added to receive stamps so
	 * one-way latency is in the sender's time; and its error bound. */
	int64_t clock_offset_ns;
	uint64_t clock_error_ns;
	/* recv/reflect/ping text report: rows of the per-flow table
	 * (UINT32_MAX: all); unless per_flow_explicit, the table shows
	 * only when more than one flow arrived. JSON has every flow. */
	uint32_t per_flow_rows;
	bool per_flow_explicit;
	enum output_format output;
	const char *csv_path; /* NULL: no CSV */
	const char *per_flow_csv_path; /* recv/reflect/ping: NULL: none */
	bool quiet;
};

void spec_init(struct test_spec *spec, enum role role);

/*
 * Check the spec as a whole (ranges and combinations). On error returns
 * -EINVAL with err (may be NULL): the flag it is about as the field
 * ("queues"; "" when no flag says it), and one line that starts with
 * "--FLAG: " and says what is accepted.
 */
int spec_validate(const struct test_spec *spec, struct lr_err *err);

/* The catch-up policy in frames beyond the due one, at rate pps. */
uint32_t spec_catch_up_frames(const struct test_spec *spec, double pps);
/* Parse "none", "N" (frames) or a TIME ("5ms") into the spec; -EINVAL. */
int spec_parse_catch_up(struct test_spec *spec, const char *text);
/* "one burst (32 frames)", "none", "2 frames", "5ms" */
const char *spec_catch_up_format(const struct test_spec *spec, char *buf,
				 size_t len);

/*
 * The one end-of-run rule, for the worker and for a backend that runs the
 * role in the kernel alike: the run is over when stopped, when the
 * duration has passed since start_ns, when packets (sent by a sender or
 * pinger, received by a receiver or reflector) reached the count, or, for
 * recv and reflect, when idle_timeout passed since the last arrival
 * last_rx_ns (0: none yet, so a receiver started before its sender waits
 * for it). Times are CLOCK_MONOTONIC ns.
 */
bool spec_run_over(const struct test_spec *spec, bool stopped,
		   uint64_t start_ns, uint64_t now_ns, uint64_t packets,
		   uint64_t last_rx_ns);

/* Packets per second the spec's rate means, over its size mix if any. */
double spec_target_pps(const struct test_spec *spec);
/* Bits per second on the wire (L1) of the spec's frames at pps: at the
 * mean size of a size mix. */
double spec_bps_l1(const struct test_spec *spec, double pps);

/* UDP payload bytes for the spec's frame size and address family. */
int spec_payload_len(const struct test_spec *spec);

#define SPEC_BACKENDS "auto, xdp, afxdp, afpacket, udp"
bool spec_backend_known(const char *name);

const char *role_name(enum role role);

#endif
