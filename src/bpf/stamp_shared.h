/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef LINERATE_STAMP_SHARED_H
#define LINERATE_STAMP_SHARED_H

/* Types shared by the XDP STAMP reflector (xdp_stamp.bpf.c) and user
 * space (src/stamp/xdp_reflect.c). */

#include <linux/types.h>

#include "bpf/xdp_shared.h"

#define XDP_STAMP_BASE_LEN 44 /* the unauthenticated STAMP packet */
#define XDP_STAMP_TABLE 65536 /* LRU entries: sessions, rate buckets */

struct xdp_stamp_config {
	struct xdp_match_config match;
	__u32 stateful;
	__u16 ee_ntp; /* our error estimate, Z clear */
	__u16 ee_ptp; /* and Z set */
	__s64 tai_offset_ns; /* CLOCK_TAI - CLOCK_REALTIME */
	__u64 rate_ns_per_packet; /* per source address; 0: no limit */
	__u64 rate_burst_ns; /* the bucket's depth, in ns of credit */
};

/* Per CPU. */
struct xdp_stamp_counters {
	__u64 rx_packets; /* STAMP packets to our address and port */
	__u64 reflected; /* answered here (XDP_TX) */
	__u64 bytes; /* their UDP payload octets */
	__u64 passed_up; /* not the 44-octet packet: to the socket reflector */
	__u64 rate_limited; /* dropped here, over the per-source rate */
	__u64 ptp_replies;
};

struct xdp_stamp_session_key {
	__u32 addr[4];
	__u16 port; /* network order */
	__u16 ssid; /* network order */
	__u32 family;
};

struct xdp_stamp_rate_key {
	__u32 addr[4];
	__u32 family;
};

struct xdp_stamp_rate {
	__u64 last_ns;
	__u64 credit_ns;
};

#endif
