/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_REWRITE_H
#define LINERATE_REWRITE_H

/*
 * The raw backends' per-copy work: a received UDP frame is readdressed in
 * place for one subscriber after another (Ethernet addresses, IP
 * destination, UDP destination port, checksums), each version handed to
 * the backend before the next is written. The payload is never copied or
 * rewritten; its checksum contribution is summed once per frame.
 *
 * The UDP checksum is always recomputed from that sum, never patched:
 * a frame from a local sender (veth, or a NIC's own host) may carry only
 * the pseudo-header part of it, left for an offload that will not happen
 * on its way out again.
 */

#include <stdint.h>

#include "lib/frame.h"
#include "replicator/subs.h"

#define REWRITE_TTL 64

struct rewrite_base {
	uint32_t l3_offset;
	uint32_t l4_offset;
	uint32_t ihl; /* IPv4 header bytes; 0 for IPv6 */
	int family;
	uint64_t udp_sum; /* everything of the UDP checksum but the target's */
};

/* Fill in what is the same for every copy (source address: the one the
 * frame was sent to; source port: src_port; TTL) and sum the rest. */
void rewrite_prepare(uint8_t *frame, const struct frame_view *v,
		     uint16_t src_port, struct rewrite_base *base);

/* Readdress the frame to t, from src_mac. */
void rewrite_for(uint8_t *frame, const struct rewrite_base *base,
		 const struct sub_target *t, const uint8_t src_mac[6]);

/* Precompute t->csum_words and t->sa from t->addr and t->port. */
void rewrite_target_init(struct sub_target *t);

#endif
