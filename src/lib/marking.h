/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_MARKING_H
#define LINERATE_MARKING_H

/*
 * QoS markings as people type them: DSCP by name (RFC 4594 classes: EF,
 * AF11..AF43, CS0..CS7, plus LE, VA, DF/BE) or number, ECN codepoints
 * (RFC 3168), a raw TOS / traffic class byte and an 802.1Q tag "ID[:PCP]".
 * Parsers return 0 or -EINVAL and write their output only on success.
 *
 * The TOS byte (IPv4) and the traffic class (IPv6) are the same 8 bits:
 * DSCP in the top six, ECN in the bottom two.
 */

#include <stddef.h>
#include <stdint.h>

#define MARKING_DSCP_MAX 63
#define MARKING_ECN_MAX 3
#define MARKING_VLAN_ID_MAX 4094
#define MARKING_PCP_MAX 7

/* ECN codepoints (RFC 3168 section 5). */
#define MARKING_ECN_NOT_ECT 0
#define MARKING_ECN_ECT1 1
#define MARKING_ECN_ECT0 2
#define MARKING_ECN_CE 3

static inline uint8_t marking_tos(uint8_t dscp, uint8_t ecn)
{
	return (uint8_t)((dscp << 2) | (ecn & 3));
}

static inline uint8_t marking_dscp_of(uint8_t tos)
{
	return tos >> 2;
}

static inline uint8_t marking_ecn_of(uint8_t tos)
{
	return tos & 3;
}

/* "EF", "af41" (any case), "CS6", "LE", "46", "0x2e" -> 0..63 */
int marking_parse_dscp(const char *text, uint8_t *dscp);
/* "not-ect", "ect0", "ect1", "ce" (also "ect(0)", "ect(1)") or 0..3 */
int marking_parse_ecn(const char *text, uint8_t *ecn);
/* A byte 0..255, decimal or 0x hex. */
int marking_parse_tos(const char *text, uint8_t *tos);
/* "ID" or "ID:PCP", ID 1..4094, PCP 0..7 (default 0). */
int marking_parse_vlan(const char *text, uint16_t *vlan_id, uint8_t *pcp);

/* The tags a sender puts in front of its IP header. */
struct marking_vlans {
	uint16_t id; /* the outer (or only) tag; 0: untagged */
	uint8_t pcp;
	uint16_t inner_id; /* QinQ: 802.1Q inside 802.1ad; 0: one tag */
	uint8_t inner_pcp;
};

/* "ID[:PCP]" (one 802.1Q tag) or "OUTER[:PCP],INNER[:PCP]" (QinQ: an
 * 802.1ad S-tag, TPID 0x88a8, then an 802.1Q C-tag). */
int marking_parse_vlans(const char *text, struct marking_vlans *out);
/* "100:3" or "100:3,200:0", as marking_parse_vlans() reads it back. */
const char *marking_vlans_format(const struct marking_vlans *v, char *buf,
				 size_t len);

/* "EF", "AF41", "CS0", or the number for a value without a name. */
const char *marking_dscp_name(uint8_t dscp, char *buf, size_t len);
/* "not-ect", "ect1", "ect0", "ce" */
const char *marking_ecn_name(uint8_t ecn);

#endif
