/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_UNITS_H
#define LINERATE_UNITS_H

/*
 * Parsers for the values people type: rates, durations, counts, sizes and
 * IP:PORT endpoints. Each returns 0 or -EINVAL/-ERANGE and writes its
 * output only on success.
 */

#include <stdbool.h>
#include <stdint.h>

#include "lib/frame.h"

enum rate_kind {
	RATE_MAX = 0, /* as fast as the path takes */
	RATE_PPS,
	RATE_BPS_L1, /* bits/s on the wire: frame + preamble + IFG */
	RATE_BPS_L2, /* bits/s of Ethernet frames incl. FCS */
	RATE_PERCENT, /* % of a stated line rate (L1) */
};

struct rate {
	enum rate_kind kind;
	double value;
};

/* "max", "250kpps", "1.5Mpps", "1000pps", "800Mbps" (L1), "800Mbps-l2",
 * "10Gbps", "50%". SI prefixes k, M, G (powers of 1000). */
int parse_rate(const char *text, struct rate *out);
/* Packets per second a rate means at this frame size (incl. FCS); 0 for
 * RATE_MAX. line_rate_bps (L1) is needed for RATE_PERCENT. */
double rate_to_pps(const struct rate *rate, uint32_t frame_size,
		   uint64_t line_rate_bps);
/* Human form into buf, e.g. "1.50 Mpps" or "max". */
const char *rate_format(const struct rate *rate, char *buf, size_t len);
/* v with an SI prefix (k, M, G) and unit, e.g. "1.5 Mpps"; aligned gives
 * a fixed-width number for columns ("  1.500 Mpps"). Returns buf. */
const char *format_si(double v, const char *unit, bool aligned, char *buf,
		      size_t len);
/* "10Gbps", "25G", "1000000000" -> bits/s */
int parse_bitrate(const char *text, uint64_t *bps);

/* "10s", "500ms", "250us", "1m", "1h", "2.5s"; a bare number is seconds.
 * Must be > 0 and <= 30 days. */
int parse_duration(const char *text, uint64_t *ns);
/* Unsigned decimal integer in [min, max]; "10k"/"2M" allowed. */
int parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out);
/* "IP:PORT", "[IPv6]:PORT"; with port_optional "IP" alone is fine
 * (*has_port false). Port 1..65535. */
int parse_endpoint(const char *text, bool port_optional, struct ip_addr *ip,
		   uint16_t *port, bool *has_port);

/* Bits per second of frames at pps: L2 counts the frame incl. FCS, L1 adds
 * preamble, SFD and inter-frame gap. */
static inline double frame_bps_l2(double pps, uint32_t frame_size)
{
	return pps * frame_size * 8.0;
}

static inline double frame_bps_l1(double pps, uint32_t frame_size)
{
	return pps * (frame_size + FRAME_L1_OVERHEAD) * 8.0;
}

#endif
