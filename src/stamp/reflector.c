// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stamp/reflector.h"

int stamp_reflector_init(struct stamp_reflector *r,
			 const struct stamp_reflector_config *cfg)
{
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	if (!r->cfg.rate_burst)
		r->cfg.rate_burst = 1;
	r->table = calloc(STAMP_TABLE_SLOTS, sizeof(*r->table));
	return r->table ? 0 : -ENOMEM;
}

void stamp_reflector_destroy(struct stamp_reflector *r)
{
	free(r->table);
	r->table = NULL;
}

static uint32_t entry_hash(uint8_t kind, const struct stamp_peer *p,
			   uint16_t port, uint16_t ssid)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	uint8_t head[6] = { kind, (uint8_t)p->family, (uint8_t)(port >> 8),
			    (uint8_t)port, (uint8_t)(ssid >> 8), (uint8_t)ssid };

	for (size_t i = 0; i < sizeof(head); i++)
		h = (h ^ head[i]) * 16777619u;
	for (size_t i = 0; i < 16; i++)
		h = (h ^ p->addr[i]) * 16777619u;
	return h;
}

/* The entry for (kind, address, port, ssid), made if new (*fresh). */
static struct stamp_table_entry *entry_get(struct stamp_reflector *r,
					   uint8_t kind,
					   const struct stamp_peer *p,
					   uint16_t port, uint16_t ssid,
					   uint64_t now_ns, bool *fresh)
{
	uint32_t slot = entry_hash(kind, p, port, ssid) & (STAMP_TABLE_SLOTS - 1);
	struct stamp_table_entry *victim = NULL, *e;

	*fresh = false;
	for (uint32_t i = 0; i < STAMP_TABLE_PROBE; i++) {
		e = &r->table[(slot + i) & (STAMP_TABLE_SLOTS - 1)];
		if (!e->used) {
			victim = e;
			break;
		}
		if (e->kind == kind && e->family == p->family &&
		    e->port == port && e->ssid == ssid &&
		    !memcmp(e->addr, p->addr, 16))
			return e;
		if (!victim || e->last_ns < victim->last_ns)
			victim = e;
	}
	if (victim->used)
		r->c.evicted++;
	memset(victim, 0, sizeof(*victim));
	victim->used = 1;
	victim->kind = kind;
	victim->family = (uint8_t)p->family;
	victim->port = port;
	victim->ssid = ssid;
	memcpy(victim->addr, p->addr, 16);
	victim->last_ns = now_ns;
	*fresh = true;
	return victim;
}

static bool rate_allows(struct stamp_reflector *r,
			const struct stamp_peer *peer, uint64_t now_ns)
{
	struct stamp_table_entry *e;
	double burst = r->cfg.rate_burst;
	bool fresh;

	if (r->cfg.rate_limit_pps <= 0)
		return true;
	e = entry_get(r, 0, peer, 0, 0, now_ns, &fresh);
	if (fresh)
		e->tokens = burst;
	else if (now_ns > e->last_ns)
		e->tokens += (double)(now_ns - e->last_ns) * 1e-9 *
			     r->cfg.rate_limit_pps;
	if (e->tokens > burst)
		e->tokens = burst;
	e->last_ns = now_ns;
	if (e->tokens < 1)
		return false;
	e->tokens -= 1;
	return true;
}

static enum stamp_drop refuse(struct stamp_reflector *r, enum stamp_drop why)
{
	r->c.dropped[why]++;
	return why;
}

enum stamp_drop stamp_reflector_process(struct stamp_reflector *r,
					const uint8_t *in, uint32_t len,
					uint32_t wire_len,
					const struct stamp_peer *peer,
					uint64_t rx_real_ns, uint8_t ttl,
					uint64_t now_ns, uint64_t tx_real_ns,
					uint8_t *out)
{
	struct stamp_reflector_packet reply;
	struct stamp_sender_packet s;
	enum stamp_ts_format format;
	enum stamp_drop drop;
	int flagged;

	r->c.rx_packets++;
	r->c.rx_bytes += wire_len;
	if (wire_len > len || len > r->cfg.max_len || len > STAMP_MAX_PACKET)
		return refuse(r, STAMP_DROP_OVERSIZE);
	if (r->cfg.only_from.family &&
	    (peer->family != r->cfg.only_from.family ||
	     memcmp(peer->addr, r->cfg.only_from.addr, 16)))
		return refuse(r, STAMP_DROP_FILTERED);
	/* The rate limit comes before the HMAC, so a flood costs a table
	 * lookup, not a hash per packet. */
	if (!rate_allows(r, peer, now_ns))
		return refuse(r, STAMP_DROP_RATE);
	drop = stamp_sender_parse(in, len, r->cfg.mode, &r->cfg.key, &s);
	if (drop != STAMP_OK)
		return refuse(r, drop);

	memset(&reply, 0, sizeof(reply));
	if (r->cfg.stateful) {
		struct stamp_table_entry *e;
		bool fresh;

		e = entry_get(r, 1, peer, peer->port, s.ssid, now_ns, &fresh);
		if (fresh)
			r->c.sessions++;
		e->last_ns = now_ns;
		reply.seq = e->next_seq++;
	} else {
		reply.seq = s.seq;
	}
	/* Answer in the format the sender's Z flag asks for. */
	format = stamp_ee_format(s.error_estimate);
	if (format == STAMP_TS_PTP) {
		r->c.ptp_requests++;
		rx_real_ns += (uint64_t)r->cfg.tai_offset_ns;
		tx_real_ns += (uint64_t)r->cfg.tai_offset_ns;
	}
	reply.timestamp = stamp_ts_encode(tx_real_ns, format);
	reply.error_estimate = stamp_ee_encode(r->cfg.error_ns,
					       r->cfg.synchronized, format);
	reply.ssid = s.ssid;
	reply.rx_timestamp = stamp_ts_encode(rx_real_ns, format);
	reply.sender_seq = s.seq;
	reply.sender_timestamp = s.timestamp;
	reply.sender_error_estimate = s.error_estimate;
	reply.sender_ttl = ttl;
	flagged = stamp_reflector_build(out, in, len, r->cfg.mode, &reply,
					&r->cfg.key);
	if (flagged < 0)
		return refuse(r, STAMP_DROP_SHORT);
	r->c.tlv_flagged += (uint64_t)flagged;
	return STAMP_OK;
}
