/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_BACKEND_H
#define LINERATE_BACKEND_H

/*
 * A backend moves bursts of packets and nothing else: no pacing, no
 * counting, no parsing. The worker does those the same way for every
 * backend, so results compare across backends.
 *
 * Two kinds of backend: socket backends (udp) hand the worker UDP
 * payloads and a peer address; raw backends (BACKEND_F_RAW: afxdp,
 * afpacket) hand it whole Ethernet frames, payload at payload_offset.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/err.h"
#include "lib/frame.h"
#include "lib/spec.h"
#include "lib/stats.h"

#define BACKEND_F_RAW (1u << 0) /* whole Ethernet frames */
#define BACKEND_F_KERNEL (1u << 1) /* the kernel generates/accounts: run() */
/* rx fills pkt.rx_vlan itself (a tag the kernel took off the frame) */
#define BACKEND_F_RX_VLAN (1u << 2)

struct flow_result;

/*
 * What a BACKEND_F_KERNEL backend's run() is given by the worker that
 * calls it: its part of the test, when and whether to stop, and where to
 * publish. No more of the worker than that.
 */
struct backend_role_ctx {
	const struct test_spec *spec; /* this queue's share of the test */
	atomic_bool *stop; /* set by the session: end now */
	/* Published with relaxed stores (STAT_SET), read by the reporter
	 * meanwhile. */
	struct worker_stats *stats;
	uint64_t start_mono_ns; /* when the run's clock started */
	double target_pps; /* this queue's rate; 0: as fast as it goes */
	uint32_t flow_base; /* this queue's first flow id */
	/* out, updated as the run goes: the first test packet's arrival
	 * (CLOCK_MONOTONIC), 0 none; the session's receive rates run from
	 * it */
	uint64_t *rx_first_mono_ns;
	/* out: why run() failed when it returns -errno */
	struct lr_err *err;
};

/* The end-of-run rule (spec_run_over) for a role run in the kernel. */
static inline bool backend_role_over(const struct backend_role_ctx *ctx,
				     uint64_t now, uint64_t packets,
				     uint64_t last_rx_ns)
{
	return spec_run_over(
		ctx->spec,
		atomic_load_explicit(ctx->stop, memory_order_relaxed),
		ctx->start_mono_ns, now, packets, last_rx_ns);
}

static inline bool backend_role_stopped(const struct backend_role_ctx *ctx)
{
	return atomic_load_explicit(ctx->stop, memory_order_relaxed);
}

struct pkt {
	uint8_t *data;
	uint32_t len; /* bytes at data */
	uint32_t payload_offset; /* UDP payload start (0 on socket backends) */
	uint32_t flow; /* tx: which flow (source port) sends it */
	uint64_t rx_real_ns; /* rx: arrival time, CLOCK_REALTIME; 0 unknown */
	struct sockaddr_storage peer; /* rx: source; tx: destination if set */
	/* rx: the IPv4 TOS / IPv6 traffic class as received, with
	 * PKT_MARK_VALID set when the backend saw it (0: not seen) */
	uint16_t rx_tos;
	/* rx: pkt_vlan_mark() of the 802.1Q tag's VLAN ID and priority
	 * when the frame carried a tag the backend could see, else 0 */
	uint16_t rx_vlan;
	/* rx: QinQ's inner tag likewise, else 0 */
	uint16_t rx_vlan_inner;
};

#define PKT_MARK_VALID 0x8000
#define PKT_VLAN_PCP_SHIFT 12 /* rx_vlan: VALID | PCP << 12 | VID */

static inline uint16_t pkt_vlan_mark(uint16_t vid, uint8_t pcp)
{
	return (uint16_t)(PKT_MARK_VALID | (pcp & 7u) << PKT_VLAN_PCP_SHIFT |
			  (vid & 0x0fffu));
}

static inline uint16_t pkt_vlan_id(uint16_t mark)
{
	return mark & 0x0fff;
}

static inline uint8_t pkt_vlan_pcp(uint16_t mark)
{
	return (uint8_t)(mark >> PKT_VLAN_PCP_SHIFT & 7u);
}

struct backend_config {
	enum role role; /* what the worker will do with it */
	/* As the user chose them, except: opts.ifname is the resolved
	 * interface of a raw backend ("" for udp), opts.low_latency is set
	 * for reflect and ping too, and opts.queues is the whole test's. */
	struct backend_opts opts;
	int ifindex; /* raw backends */
	unsigned int if_flags; /* raw backends: IFF_* of the interface */
	uint32_t queue_id; /* raw backends: the queue this instance serves */
	/* Raw backends: the frame of flow 0 (addresses, MACs, ports as on
	 * the wire for a sender; for a receiver/reflector, dst is the
	 * listen address and port). Flow f uses src_port + f. */
	struct frame_spec frame;
	uint32_t frame_size; /* incl. FCS */
	/* tx: TOS / traffic class byte; the udp backend sets it with
	 * IP_TOS / IPV6_TCLASS, raw backends have it in frame */
	uint8_t tos;
	/* Raw backends: the UDP ports of ours the whole test uses, over all
	 * queues (a sender's flows; a receiver's listen port), for steering. */
	uint16_t test_port_min;
	uint16_t test_port_max;
	bool need_wakeup_off; /* AF_XDP: poll the kernel on every burst */
	struct ip_addr local; /* family 0: any */
	uint16_t local_port; /* rx: listen port; tx: first flow's source
				port, 0 for kernel-chosen */
	struct ip_addr remote; /* tx: destination (family 0: none) */
	struct ip_addr only_from; /* rx: the one source taken (family 0:
				     any); the rest is counted as filtered */
	uint16_t remote_port;
	uint32_t flows; /* tx: sockets/source ports */
	uint32_t batch; /* max packets per burst */
	uint32_t max_frame; /* largest frame incl. FCS */
	bool tx_to_peers; /* udp receiver that sends to each packet's peer
			     (a relay): GSO per destination */
	int cpu; /* -1: any */
};

struct backend;

struct backend_ops {
	const char *name;
	uint32_t flags;
	/* 0, or -errno with why in err (which the caller has cleared). */
	int (*open)(const struct backend_config *cfg, struct backend **out,
		    struct lr_err *err);
	/* Send up to n; returns how many went (a prefix of pkts), or -errno
	 * if none went for a reason other than a full queue (-EAGAIN). */
	int (*tx_burst)(struct backend *b, struct pkt *pkts, unsigned int n);
	/*
	 * Optional (raw backends): send from frames prepared once in the
	 * backend's own buffers. tx_prepare writes the template frame into
	 * every transmit buffer (0, or -errno: use tx_burst). tx_reserve
	 * then hands out up to n of them in pkts (data, len), each holding
	 * the template with only what the caller rewrote per packet changed,
	 * so the caller must rewrite every field that varies; returns the
	 * count or -errno as tx_burst. tx_submit sends the first n reserved
	 * (the rest go back) and returns 0 or -errno. After tx_burst the
	 * template is gone until the next tx_prepare.
	 */
	int (*tx_prepare)(struct backend *b, const uint8_t *frame, uint32_t len);
	int (*tx_reserve)(struct backend *b, struct pkt *pkts, unsigned int n);
	int (*tx_submit)(struct backend *b, unsigned int n);
	/* Receive up to n into backend-owned buffers, valid until the next
	 * rx_burst; waits at most timeout_ns (0: don't wait). Returns count
	 * (0 when nothing came) or -errno. */
	int (*rx_burst)(struct backend *b, struct pkt *pkts, unsigned int n,
			uint64_t timeout_ns);
	/* Human description of what runs (e.g. "sendmmsg/recvmmsg"). */
	const char *(*mode)(struct backend *b);
	/* Why a faster mode was refused (zero-copy, native XDP), or NULL. */
	const char *(*note)(struct backend *b);
	/* STATS_NO_* bits: what this backend, as opened, does not
	 * measure; NULL: it measures everything its role has. */
	unsigned int (*unmeasured)(struct backend *b);
	/* BACKEND_F_KERNEL only: run the role in the kernel, publishing
	 * into ctx->stats, until backend_role_over() says so. */
	int (*run)(struct backend *b, struct backend_role_ctx *ctx);
	/* Kernel counters that explain loss (XDP_STATISTICS and the like),
	 * as "name=value" pairs, for the report; NULL if none. */
	int (*kernel_stats)(struct backend *b, char *buf, size_t len);
	/* Optional: frames of this test the interface dropped on transmit
	 * since open, when the backend's path has a counter of its own for
	 * them (XDP_TX: the driver's xdp_xmit_errors); *from names it.
	 * -ENODATA: not measured (the session then uses the interface's
	 * tx_dropped). */
	int (*tx_dropped)(struct backend *b, uint64_t *dropped,
			  const char **from);
	/* BACKEND_F_KERNEL receivers that track flows themselves: after
	 * the run, up to cap flows' results into out (flowreport.h) and
	 * in *note what they cannot show (their limits); returns how many.
	 * NULL: no per-flow results. */
	size_t (*flow_results)(struct backend *b, struct flow_result *out,
			       size_t cap, const char **note);
	void (*close)(struct backend *b);
};

/* The members every backend has, for a backend whose functions follow
 * the naming convention <prefix>_open, _tx_burst, _rx_burst, _mode and
 * _close; the optional ones follow it in the table. */
#define BACKEND_OPS_BASE(prefix, backend_name, backend_flags)                  \
	.name = (backend_name), .flags = (backend_flags),                      \
	.open = prefix##_open, .tx_burst = prefix##_tx_burst,                  \
	.rx_burst = prefix##_rx_burst, .mode = prefix##_mode,                  \
	.close = prefix##_close

extern const struct backend_ops backend_udp_ops;
extern const struct backend_ops backend_afpacket_ops;
extern const struct backend_ops backend_afxdp_ops;
extern const struct backend_ops backend_xdp_ops;

/* The ops for a name, or NULL. "auto" is resolved by the session. */
const struct backend_ops *backend_find(const char *name);

#endif
