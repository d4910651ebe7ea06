/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_STAMP_REFLECTOR_H
#define LINERATE_STAMP_REFLECTOR_H

/*
 * The STAMP Session-Reflector's decisions, without sockets: take a
 * Session-Sender packet, refuse it (by reason, counted) or write the
 * reflected packet, exactly as long as what arrived. Stateful reflection
 * keeps a sequence number per session (source address, port and SSID,
 * RFC 8972 section 3); every source address has a token bucket so the
 * reflector cannot be turned into a traffic source. Both live in one
 * bounded table: a new entry that finds no room replaces the one idle
 * longest among its probe window.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "stamp/wire.h"

#define STAMP_TABLE_SLOTS 8192 /* power of two */
#define STAMP_TABLE_PROBE 16

struct stamp_peer {
	int family; /* AF_INET, AF_INET6 */
	uint8_t addr[16];
	uint16_t port; /* host order */
};

struct stamp_reflector_config {
	enum stamp_mode mode;
	struct stamp_key key; /* authenticated mode */
	bool stateful;
	uint32_t max_len; /* largest UDP payload taken (oversize beyond) */
	double rate_limit_pps; /* per source address; 0: none */
	uint32_t rate_burst; /* packets a source may send back to back */
	uint64_t error_ns; /* our clock's error estimate */
	bool synchronized; /* S flag */
	int64_t tai_offset_ns; /* CLOCK_TAI - CLOCK_REALTIME, for PTP */
	/* Serve only this source address (the daemon: its client); family
	 * 0 serves any. */
	struct stamp_peer only_from;
};

struct stamp_reflector_counters {
	uint64_t rx_packets; /* every datagram, refused ones included */
	uint64_t rx_bytes; /* UDP payload octets */
	uint64_t reflected;
	uint64_t tx_bytes; /* UDP payload octets sent back */
	uint64_t tx_errors; /* replies the kernel refused */
	uint64_t dropped[STAMP_DROP_COUNT_]; /* by enum stamp_drop */
	uint64_t tlv_flagged; /* TLVs sent back flagged U or M */
	uint64_t ptp_requests; /* replies in PTPv2 format (Z flag) */
	uint64_t sessions; /* distinct sessions seen (stateful) */
	uint64_t evicted; /* table entries replaced for want of room */
};

struct stamp_table_entry {
	uint8_t used;
	uint8_t kind; /* 0: rate bucket of an address, 1: session */
	uint8_t family;
	uint16_t port;
	uint16_t ssid;
	uint8_t addr[16];
	uint64_t last_ns; /* monotonic, of the last packet */
	double tokens; /* rate bucket */
	uint32_t next_seq; /* session */
};

struct stamp_reflector {
	struct stamp_reflector_config cfg;
	struct stamp_reflector_counters c;
	struct stamp_table_entry *table;
};

/* 0 or -ENOMEM. */
int stamp_reflector_init(struct stamp_reflector *r,
			 const struct stamp_reflector_config *cfg);
void stamp_reflector_destroy(struct stamp_reflector *r);

/*
 * One datagram of wire_len octets (len of them at in; wire_len > len when
 * the kernel truncated it), from peer, received at rx_real_ns
 * (CLOCK_REALTIME) with IP TTL/hop limit ttl, at monotonic now_ns. On
 * STAMP_OK, out[0..len) is the reply, stamped with tx_real_ns; anything
 * else is the reason it is refused (and counted).
 */
enum stamp_drop stamp_reflector_process(struct stamp_reflector *r,
					const uint8_t *in, uint32_t len,
					uint32_t wire_len,
					const struct stamp_peer *peer,
					uint64_t rx_real_ns, uint8_t ttl,
					uint64_t now_ns, uint64_t tx_real_ns,
					uint8_t *out);

#endif
