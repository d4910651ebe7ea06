/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_BACKEND_OPTS_H
#define LINERATE_BACKEND_OPTS_H

/*
 * What the user chooses about the data path: which backend, on which
 * interface, and how it is set up. Declared once and embedded where
 * backend settings are needed (struct test_spec, struct
 * replicator_config, struct backend_config), so the option rows and the
 * backend selector read the same fields.
 */

#include <stdbool.h>
#include <stdint.h>

enum xdp_mode_pref {
	XDP_PREF_AUTO = 0, /* native (driver) first, then generic */
	XDP_PREF_NATIVE,
	XDP_PREF_GENERIC,
};

enum zero_copy_pref {
	ZC_AUTO = 0, /* zero-copy first, then copy */
	ZC_REQUIRE,
	ZC_COPY,
};

#define SPEC_BACKEND_LEN     16
#define SPEC_IFNAME_LEN	     16
#define SPEC_MAX_RING	     65536
#define SPEC_MAX_QUEUES	     64
#define SPEC_MAX_UMEM_FRAMES 262144
#define SPEC_MAX_LATENCY_SAMPLE 1024

struct backend_opts {
	char name[SPEC_BACKEND_LEN]; /* auto, xdp, afxdp, afpacket, udp */
	char ifname[SPEC_IFNAME_LEN]; /* raw backends; "" = from the route */
	enum xdp_mode_pref xdp_mode;
	enum zero_copy_pref zero_copy;
	bool force; /* replace a foreign XDP program */
	uint32_t ring_size; /* AF_XDP/AF_PACKET ring entries, 0: default */
	uint32_t umem_frames; /* AF_XDP UMEM frames, 0: default */
	uint32_t queues; /* raw backends: workers, one per queue (1..64) */
	bool busy_poll; /* nonblocking receive loop instead of blocking */
	bool no_gso; /* udp backend: no UDP GSO/GRO batching */
	/* receive times from the kernel (SO_TIMESTAMPNS, the frame's
	 * ring stamp); false: read the clock in user space */
	bool kernel_rx_timestamps;
	bool count_only; /* recv, xdp backend: count probes only */
	/* recv, xdp backend: time 1 in N packets (a power of two up to
	 * SPEC_MAX_LATENCY_SAMPLE); 0 or 1: every packet */
	uint32_t latency_sample;
	/* hand over each packet at once rather than in batches (AF_PACKET
	 * V2 ring): reflect and ping always, the replicator on request */
	bool low_latency;
};

#endif
