/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_FRAME_H
#define LINERATE_FRAME_H

/*
 * Ethernet / 802.1Q / IPv4 / IPv6 / UDP frames, built and parsed byte for
 * byte, with checksums. The raw backends (AF_XDP, AF_PACKET) send what
 * frame_build() produces as it is, so it must be right on the wire.
 *
 * Sizes: "frame size" is the Ethernet frame including the 4-byte FCS, as
 * RFC 2544 counts it (64 is the minimum). frame_build() writes the frame
 * without the FCS (the NIC appends it): frame_size - 4 bytes.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_FCS_LEN 4
#define FRAME_ETH_HLEN 14
#define FRAME_VLAN_HLEN 4
#define FRAME_ETH_P_8021Q  0x8100 /* C-tag, and a lone tag */
#define FRAME_ETH_P_8021AD 0x88a8 /* S-tag, the outer tag of QinQ */
#define FRAME_IPV4_HLEN 20
#define FRAME_IPV6_HLEN 40
#define FRAME_UDP_HLEN 8
#define FRAME_MIN_SIZE 64 /* incl. FCS */
#define FRAME_MAX_SIZE 9018 /* jumbo, incl. FCS */
/* On-the-wire overhead per frame besides the frame itself: preamble+SFD
 * (8) and inter-frame gap (12). L1 bit rates count these. */
#define FRAME_L1_OVERHEAD 20

struct ip_addr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

struct frame_spec {
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint16_t vlan_id; /* 0: untagged; 1..4094: 802.1Q tag */
	uint8_t vlan_pcp; /* 0..7 */
	/* QinQ: 1..4094 puts this 802.1Q tag inside vlan_id, which then
	 * goes out as an 802.1ad S-tag (TPID 0x88a8); 0: one tag */
	uint16_t vlan_inner_id;
	uint8_t vlan_inner_pcp;
	struct ip_addr src; /* src.family == dst.family */
	struct ip_addr dst;
	uint16_t src_port; /* host byte order */
	uint16_t dst_port;
	uint8_t ttl; /* IPv4 TTL / IPv6 hop limit; 0 means 64 */
	uint8_t tos; /* IPv4 TOS / IPv6 traffic class */
};

/* Header bytes in front of the UDP payload for this spec (L2+L3+L4). */
size_t frame_header_len(const struct frame_spec *spec);

/*
 * UDP payload length that makes a frame of frame_size bytes (incl. FCS),
 * or -EINVAL when frame_size is outside [FRAME_MIN_SIZE, FRAME_MAX_SIZE]
 * or leaves less than min_payload bytes of UDP payload.
 */
int frame_payload_len(const struct frame_spec *spec, size_t frame_size,
		      size_t min_payload);

/*
 * Build the frame into buf: headers from spec, then payload_len bytes of
 * payload, all checksums filled in (IPv4 header, UDP over the pseudo
 * header; a computed UDP checksum of 0 is sent as 0xffff). Frames shorter
 * than the 60-byte Ethernet minimum are zero-padded to 60 bytes (the
 * padding is not part of the IP/UDP lengths).
 * Returns the frame length written (without FCS), or -EINVAL/-ENOSPC.
 */
int frame_build(const struct frame_spec *spec, const uint8_t *payload,
		size_t payload_len, uint8_t *buf, size_t buf_len);

struct frame_view {
	uint16_t vlan_id; /* the outer (or only) tag's ID; 0 when untagged */
	uint16_t ethertype; /* of the L3 header, after any VLAN tag */
	uint8_t vlan_pcp; /* 0 when untagged */
	uint8_t vlan_tags; /* 0, 1, or 2 (QinQ) */
	uint16_t vlan_inner_id; /* the second tag's; 0 with fewer tags */
	uint8_t vlan_inner_pcp;
	uint8_t tos; /* IPv4 TOS / IPv6 traffic class (DSCP << 2 | ECN) */
	struct ip_addr src;
	struct ip_addr dst;
	uint16_t src_port; /* host byte order */
	uint16_t dst_port;
	size_t l3_offset;
	size_t l4_offset;
	size_t payload_offset;
	size_t payload_len; /* from the UDP length field */
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
};

enum frame_parse_result {
	FRAME_OK = 0,
	FRAME_NOT_UDP = 1, /* well-formed, but not IPv4/IPv6 UDP (ARP, TCP..) */
	FRAME_MALFORMED = 2, /* truncated, bad lengths, bad version, fragment */
};

/*
 * Parse an Ethernet frame (without FCS; trailing padding allowed), with
 * up to two VLAN tags (TPID 0x8100 or 0x88a8) before the IP header. Checks
 * every length against len; never reads past buf[len-1]. Does not verify
 * checksums (see frame_verify_checksums()).
 */
enum frame_parse_result frame_parse(const uint8_t *buf, size_t len,
				    struct frame_view *view);

/* True when the IPv4 header checksum (if any) and UDP checksum are right. */
bool frame_verify_checksums(const uint8_t *buf, size_t len,
			    const struct frame_view *view);

/* Rewrite the IP and UDP length fields of a parsed frame for a UDP payload
 * of payload_len bytes (and the IPv4 header checksum); the UDP checksum is
 * left as it is. For frames cut out of a GSO super-packet. */
void frame_set_lengths(uint8_t *buf, const struct frame_view *view,
		       size_t payload_len);

/* Internet checksum helpers (RFC 1071 / RFC 1624), values in network order
 * as they appear in the packet. */
uint32_t csum_partial(const void *data, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);
/* UDP checksum over pseudo header + udp header + payload (udp points at the
 * UDP header, udp_len bytes), with the checksum field taken as zero. */
uint16_t csum_udp(const struct ip_addr *src, const struct ip_addr *dst,
		  const uint8_t *udp, size_t udp_len);
/* RFC 1624 incremental update: checksum after a 16-bit word changed. */
uint16_t csum_replace16(uint16_t check, uint16_t old_word, uint16_t new_word);

/* Swap MACs, IP addresses and UDP ports in place (a reflector's rewrite);
 * checksums stay valid since the sums are order independent. */
void frame_swap_endpoints(uint8_t *buf, const struct frame_view *view);

int ip_addr_parse(const char *text, struct ip_addr *addr);
/* Writes at most len bytes incl. NUL; returns buf. */
const char *ip_addr_format(const struct ip_addr *addr, char *buf, size_t len);
bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b);
/* 127.0.0.0/8 or ::1 (an IPv4-mapped address is not mapped back here). */
bool ip_addr_is_loopback(const struct ip_addr *addr);

#endif
