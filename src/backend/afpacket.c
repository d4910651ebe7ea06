// SPDX-License-Identifier: MIT
/*
 * AF_PACKET rings: a TPACKET_V3 receive ring (blocks of frames the kernel
 * fills and retires, with a kernel timestamp per frame) for throughput, or
 * for the round-trip roles a TPACKET_V2 one (each frame handed over at
 * once: a V3 block may wait up to its 1 ms retire timeout, which a
 * reflector would add to every round trip), and a TPACKET_V2 transmit ring with qdisc bypass: frames are copied into the shared ring
 * and one sendto() hands a whole burst to the driver.
 *
 * The kernel stack still sees what arrives, so an unclaimed test port
 * would answer with ICMP port unreachable; a UDP socket per port with a
 * drop-everything filter claims it silently.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/backend.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/sockaddr.h"

#define AFP_DEFAULT_FRAMES 2048
/* Small blocks, many of them: at low rates every block is retired by its
 * timeout with few frames in it, so the block count is what bounds how
 * long the reader may be away before the ring freezes. */
#define AFP_RX_BLOCK_SIZE (256u << 10)
#define AFP_RX_MIN_BLOCKS 64
#define AFP_RX_BLOCK_TIMEOUT_MS 1
#define AFP_SNDBUF_BYTES (4 << 20)
#define AFP_MAX_GUARDS 64
#define AFP_MAX_SEGMENTS 64 /* the kernel's UDP GSO limit */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5 /* older uapi headers lack it */
#endif
#define AFP_SCRATCH_SLOT 9216 /* one segment as a whole frame */

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

struct backend {
	int rx_fd;
	int tx_fd;
	uint8_t *rx_ring;
	size_t rx_ring_len;
	uint32_t rx_blocks;
	uint32_t rx_block; /* block being read */
	uint32_t rx_left; /* packets left in it */
	struct tpacket3_hdr *rx_next;
	bool rx_release_pending; /* rx_block was fully handed out */
	bool rx_v2; /* per-frame ring (low latency) */
	uint32_t rx_frames; /* V2 */
	uint32_t rx_frame_size;
	uint32_t rx_head; /* V2: next frame to read */
	uint32_t rx_held; /* V2: frames handed out by the last burst */
	bool vnet; /* frames come with a virtio-net header (GSO info) */
	uint8_t *scratch; /* GSO segments rebuilt as frames, per burst */
	uint32_t scratch_slots;
	uint32_t scratch_used;
	uint8_t *tx_ring;
	size_t tx_ring_len;
	uint32_t tx_frames;
	uint32_t tx_frame_size;
	uint32_t tx_head;
	int guards[AFP_MAX_GUARDS];
	uint32_t nguards;
	uint64_t tx_kicks;
	char mode[96];
};

static void afp_close(struct backend *b)
{
	if (!b)
		return;
	if (b->rx_ring && b->rx_ring != MAP_FAILED)
		munmap(b->rx_ring, b->rx_ring_len);
	if (b->tx_ring && b->tx_ring != MAP_FAILED)
		munmap(b->tx_ring, b->tx_ring_len);
	if (b->rx_fd >= 0)
		close(b->rx_fd);
	if (b->tx_fd >= 0)
		close(b->tx_fd);
	for (uint32_t i = 0; i < b->nguards; i++)
		close(b->guards[i]);
	free(b->scratch);
	free(b);
}

/* An AF_PACKET socket bound to ifindex, also kept in *slot (where
 * afp_close() finds it); or -errno. */
static int packet_socket(int ifindex, int *slot)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	int err;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err = -errno;
		close(fd);
		return err;
	}
	*slot = fd;
	return fd;
}

/* A TPACKET_V2 ring of `frames` frames of at least min_frame bytes (a power
 * of two from 2048), mapped. */
static int ring_v2_map(int fd, int optname, uint32_t frames, uint32_t min_frame,
		       uint32_t *frame_size, uint8_t **ring, size_t *ring_len)
{
	struct tpacket_req req = { 0 };

	*frame_size = 2048;
	while (*frame_size < min_frame)
		*frame_size <<= 1;
	req.tp_frame_size = *frame_size;
	req.tp_frame_nr = frames;
	req.tp_block_size = *frame_size < 4096 ? 4096 : *frame_size;
	req.tp_block_nr = frames / (req.tp_block_size / *frame_size);
	if (setsockopt(fd, SOL_PACKET, optname, &req, sizeof(req)))
		return -errno;
	*ring_len = (size_t)req.tp_block_nr * req.tp_block_size;
	*ring = mmap(NULL, *ring_len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_POPULATE, fd, 0);
	if (*ring == MAP_FAILED)
		return -errno;
	return 0;
}

/* The ring's frame count: the user's, or ours. */
static uint32_t ring_frames(const struct backend_config *cfg)
{
	return cfg->opts.ring_size ? cfg->opts.ring_size : AFP_DEFAULT_FRAMES;
}

static int packet_version(int fd, int version)
{
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version,
		       sizeof(version)))
		return -errno;
	return 0;
}

static int rx_ring_open_v2(struct backend *b, const struct backend_config *cfg,
			   int fd)
{
	uint32_t frames = ring_frames(cfg);
	int err = packet_version(fd, TPACKET_V2);

	if (err)
		return err;
	err = ring_v2_map(fd, PACKET_RX_RING, frames, cfg->frame_size + 128,
			  &b->rx_frame_size, &b->rx_ring, &b->rx_ring_len);
	if (err)
		return err;
	b->rx_v2 = true;
	b->rx_frames = frames;
	return 0;
}

static int rx_ring_open(struct backend *b, const struct backend_config *cfg)
{
	uint32_t frames = ring_frames(cfg);
	struct tpacket_req3 req = { 0 };
	int fd = packet_socket(cfg->ifindex, &b->rx_fd), one = 1, err;

	if (fd < 0)
		return fd;
	/* Our own transmissions would otherwise loop back into the ring. */
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)))
		pr_debug("afpacket: PACKET_IGNORE_OUTGOING: %s\n",
			 strerror(errno));
	/* Ask for the GSO facts of each frame (see rx_emit()). */
	if (!setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)))
		b->vnet = true;
	else
		pr_debug("afpacket: PACKET_VNET_HDR: %s\n", strerror(errno));
	b->scratch_slots = cfg->batch ? cfg->batch : 64;
	b->scratch = malloc((size_t)b->scratch_slots * AFP_SCRATCH_SLOT);
	if (!b->scratch)
		return -ENOMEM;
	if (cfg->opts.low_latency)
		return rx_ring_open_v2(b, cfg, fd);
	err = packet_version(fd, TPACKET_V3);
	if (err)
		return err;
	req.tp_block_size = AFP_RX_BLOCK_SIZE;
	req.tp_frame_size = 2048;
	/* About ring_size frames of a full-size packet, at least 4 blocks. */
	req.tp_block_nr = frames * 2048 / AFP_RX_BLOCK_SIZE;
	if (req.tp_block_nr < AFP_RX_MIN_BLOCKS)
		req.tp_block_nr = AFP_RX_MIN_BLOCKS;
	req.tp_frame_nr = req.tp_block_nr * (AFP_RX_BLOCK_SIZE / 2048);
	/* A block that is not full is handed over after this long, which
	 * bounds how long a packet waits; timestamps are the kernel's, so
	 * the wait does not show up as latency. */
	req.tp_retire_blk_tov = AFP_RX_BLOCK_TIMEOUT_MS;
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
		return -errno;
	b->rx_blocks = req.tp_block_nr;
	b->rx_ring_len = (size_t)req.tp_block_nr * req.tp_block_size;
	b->rx_ring = mmap(NULL, b->rx_ring_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, fd, 0);
	if (b->rx_ring == MAP_FAILED)
		return -errno;
	return 0;
}

static int tx_ring_open(struct backend *b, const struct backend_config *cfg)
{
	uint32_t frames = ring_frames(cfg);
	uint32_t need = cfg->frame_size + TPACKET_ALIGN(sizeof(struct tpacket2_hdr));
	int one = 1, sndbuf = AFP_SNDBUF_BYTES, err;
	int fd = packet_socket(cfg->ifindex, &b->tx_fd);

	if (fd < 0)
		return fd;
	err = packet_version(fd, TPACKET_V2);
	if (err)
		return err;
	/* Straight to the driver: a qdisc would add its own queueing (and
	 * drops) to what we measure. */
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		pr_debug("afpacket: PACKET_QDISC_BYPASS: %s\n", strerror(errno));
	/* net.core.wmem_max can't be raised inside a namespace; FORCE can. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	err = ring_v2_map(fd, PACKET_TX_RING, frames, need, &b->tx_frame_size,
			  &b->tx_ring, &b->tx_ring_len);
	if (err)
		return err;
	b->tx_frames = frames;
	return 0;
}

/* Claim a UDP port for the kernel stack with a socket that drops all. */
static int guard_port(struct backend *b, const struct ip_addr *addr,
		      uint16_t port)
{
	struct sock_filter drop_all = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &drop_all };
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd;

	if (b->nguards >= AFP_MAX_GUARDS)
		return 0;
	fd = socket(addr->family == AF_INET6 ? AF_INET6 : AF_INET,
		    SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	len = sockaddr_from_ip(&ss, addr, port);
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) ||
	    bind(fd, (struct sockaddr *)&ss, len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	b->guards[b->nguards++] = fd;
	return 0;
}

static int afp_open(const struct backend_config *cfg, struct backend **out,
		    struct lr_err *why)
{
	bool sender = cfg->remote.family != 0;
	struct backend *b;
	int err;

	if (cfg->ifindex <= 0 || cfg->frame_size < FRAME_MIN_SIZE ||
	    cfg->frame_size > FRAME_MAX_SIZE)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->rx_fd = b->tx_fd = -1;
	err = rx_ring_open(b, cfg);
	if (!err)
		err = tx_ring_open(b, cfg);
	if (err)
		goto err_close;
	if (sender) {
		for (uint32_t f = 0; f < cfg->flows && !err; f++)
			err = guard_port(b, &cfg->frame.src,
					 (uint16_t)(cfg->frame.src_port + f));
	} else {
		err = guard_port(b, &cfg->frame.dst, cfg->frame.dst_port);
	}
	if (err) {
		lr_err_set(why, err, NULL,
			   "afpacket: cannot claim the test port: %s",
			   strerror(-err));
		goto err_close;
	}
	snprintf(b->mode, sizeof(b->mode),
		 "AF_PACKET %s rx, TPACKET_V2 tx ring, qdisc bypass, %s",
		 b->rx_v2 ? "TPACKET_V2" : "TPACKET_V3",
		 cfg->opts.ifname[0] ? cfg->opts.ifname : "?");
	*out = b;
	return 0;

err_close:
	afp_close(b);
	return err;
}

static struct tpacket2_hdr *tx_slot(struct backend *b, uint32_t i)
{
	return (struct tpacket2_hdr *)(b->tx_ring + (size_t)i * b->tx_frame_size);
}

static int afp_tx_burst(struct backend *b, struct pkt *pkts, unsigned int n)
{
	const size_t data_off = TPACKET_ALIGN(sizeof(struct tpacket2_hdr));
	unsigned int queued = 0;

	for (; queued < n; queued++) {
		struct tpacket2_hdr *hdr = tx_slot(b, b->tx_head);
		uint32_t status = __atomic_load_n(&hdr->tp_status,
						  __ATOMIC_ACQUIRE);

		if (status != TP_STATUS_AVAILABLE) {
			/* TP_STATUS_WRONG_FORMAT would wedge the ring. */
			if (status == TP_STATUS_WRONG_FORMAT)
				__atomic_store_n(&hdr->tp_status,
						 TP_STATUS_AVAILABLE,
						 __ATOMIC_RELEASE);
			break;
		}
		if (pkts[queued].len + data_off > b->tx_frame_size)
			break;
		memcpy((uint8_t *)hdr + data_off, pkts[queued].data,
		       pkts[queued].len);
		hdr->tp_len = pkts[queued].len;
		__atomic_store_n(&hdr->tp_status, TP_STATUS_SEND_REQUEST,
				 __ATOMIC_RELEASE);
		b->tx_head = (b->tx_head + 1) % b->tx_frames;
	}
	/* One kick sends everything marked; with the ring full it also
	 * makes room for the next burst. */
	if (sendto(b->tx_fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
	    errno != EAGAIN && errno != ENOBUFS && !queued)
		return -errno;
	b->tx_kicks++;
	return queued ? (int)queued : -EAGAIN;
}

static struct tpacket_block_desc *rx_block_desc(struct backend *b, uint32_t i)
{
	return (struct tpacket_block_desc *)(b->rx_ring +
					     (size_t)i * AFP_RX_BLOCK_SIZE);
}

static void pkt_set(struct pkt *p, uint8_t *data, uint32_t len, uint64_t ts)
{
	p->data = data;
	p->len = len;
	p->payload_offset = 0;
	p->flow = 0;
	p->rx_real_ns = ts;
	memset(&p->peer, 0, sizeof(p->peer));
}

/* The 802.1Q tag the kernel took off the frame (VLAN offload, a veth),
 * which the ring reports beside it; pkt_vlan_mark() of its VID and
 * priority, or 0. */
static void rx_set_vlan(struct pkt *pkts, unsigned int n, uint32_t status,
			uint16_t tci)
{
	uint16_t vlan =
		(status & TP_STATUS_VLAN_VALID) && (tci & 0x0fff) ?
			pkt_vlan_mark(tci & 0x0fff, (uint8_t)(tci >> 13)) :
			0;

	for (unsigned int i = 0; i < n; i++) {
		pkts[i].rx_vlan = vlan;
		pkts[i].rx_vlan_inner = 0;
	}
}

/*
 * Hand one received frame to the worker. A frame can be a UDP GSO
 * super-packet (a local sender's, e.g. over veth, never on a wire): the
 * virtio-net header the kernel puts in front of it says so, and each
 * segment becomes a frame of its own in the scratch area (headers copied
 * in front of its payload), so every datagram is counted. Returns frames
 * emitted, 0 if there is no room for all of them in pkts[0..room).
 */
static unsigned int rx_emit(struct backend *b, struct pkt *pkts,
			    unsigned int room, uint8_t *frame, uint32_t len,
			    uint64_t ts)
{
	const struct virtio_net_hdr *vh =
		(const void *)(frame - sizeof(struct virtio_net_hdr));
	uint32_t hdr_len, seg, payload, count;
	struct frame_view v;

	if (!room)
		return 0;
	if (!b->vnet || (vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) !=
				VIRTIO_NET_HDR_GSO_UDP_L4 ||
	    !vh->gso_size || frame_parse(frame, len, &v) != FRAME_OK) {
		pkt_set(&pkts[0], frame, len, ts);
		return 1;
	}
	hdr_len = (uint32_t)v.payload_offset;
	seg = vh->gso_size;
	payload = len > hdr_len ? len - hdr_len : 0;
	count = (payload + seg - 1) / seg;
	if (count > AFP_MAX_SEGMENTS) {
		/* Not something the kernel makes: pass it on as it is. */
		pkt_set(&pkts[0], frame, len, ts);
		return 1;
	}
	if (count > room)
		return 0;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t this = payload - i * seg < seg ? payload - i * seg : seg;
		uint8_t *out = b->scratch + (size_t)b->scratch_used * AFP_SCRATCH_SLOT;

		if (b->scratch_used >= b->scratch_slots ||
		    hdr_len + this > AFP_SCRATCH_SLOT)
			return i;
		b->scratch_used++;
		memcpy(out, frame, hdr_len);
		memcpy(out + hdr_len, frame + hdr_len + i * seg, this);
		frame_set_lengths(out, &v, this);
		pkt_set(&pkts[i], out, hdr_len + this, ts);
	}
	return count;
}

static struct tpacket2_hdr *rx_slot_v2(struct backend *b, uint32_t i)
{
	return (struct tpacket2_hdr *)(b->rx_ring + (size_t)i * b->rx_frame_size);
}

static int rx_wait(struct backend *b, uint64_t timeout_ns)
{
	struct pollfd pfd = { .fd = b->rx_fd, .events = POLLIN };
	int ms = (int)((timeout_ns + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);

	if (poll(&pfd, 1, ms) < 0)
		return errno == EINTR ? 0 : -errno;
	return 0;
}

static int rx_burst_v2(struct backend *b, struct pkt *pkts, unsigned int n,
		       uint64_t timeout_ns)
{
	unsigned int got = 0, emitted;
	uint32_t i;
	int err;

	/* Frames handed out last time go back to the kernel now. */
	b->scratch_used = 0;
	for (; b->rx_held; b->rx_held--) {
		i = (b->rx_head + b->rx_frames - b->rx_held) % b->rx_frames;
		__atomic_store_n(&rx_slot_v2(b, i)->tp_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
	}
	if (!(__atomic_load_n(&rx_slot_v2(b, b->rx_head)->tp_status,
			      __ATOMIC_ACQUIRE) &
	      TP_STATUS_USER)) {
		if (!timeout_ns)
			return 0;
		err = rx_wait(b, timeout_ns);
		if (err)
			return err;
	}
	while (got < n) {
		struct tpacket2_hdr *h = rx_slot_v2(b, b->rx_head);

		if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) &
		      TP_STATUS_USER))
			break;
		emitted = rx_emit(b, pkts + got, n - got, (uint8_t *)h + h->tp_mac,
				  h->tp_snaplen,
				  (uint64_t)h->tp_sec * NSEC_PER_SEC + h->tp_nsec);
		if (!emitted)
			break;
		rx_set_vlan(pkts + got, emitted, h->tp_status, h->tp_vlan_tci);
		got += emitted;
		b->rx_held++;
		b->rx_head = (b->rx_head + 1) % b->rx_frames;
	}
	return (int)got;
}

static int afp_rx_burst(struct backend *b, struct pkt *pkts, unsigned int n,
			uint64_t timeout_ns)
{
	unsigned int got = 0, emitted;

	b->scratch_used = 0;
	if (b->rx_v2)
		return rx_burst_v2(b, pkts, n, timeout_ns);

	/* The previous burst's block is ours until now: give it back. */
	if (b->rx_release_pending) {
		__atomic_store_n(&rx_block_desc(b, b->rx_block)->hdr.bh1.block_status,
				 TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		b->rx_block = (b->rx_block + 1) % b->rx_blocks;
		b->rx_release_pending = false;
	}
	if (!b->rx_left) {
		struct tpacket_block_desc *bd = rx_block_desc(b, b->rx_block);

		if (!(__atomic_load_n(&bd->hdr.bh1.block_status,
				      __ATOMIC_ACQUIRE) &
		      TP_STATUS_USER)) {
			int err;

			if (!timeout_ns)
				return 0;
			err = rx_wait(b, timeout_ns);
			if (err)
				return err;
			if (!(__atomic_load_n(&bd->hdr.bh1.block_status,
					      __ATOMIC_ACQUIRE) &
			      TP_STATUS_USER))
				return 0;
		}
		b->rx_left = bd->hdr.bh1.num_pkts;
		b->rx_next = (struct tpacket3_hdr *)((uint8_t *)bd +
						     bd->hdr.bh1.offset_to_first_pkt);
		if (!b->rx_left) {
			b->rx_release_pending = true;
			return 0;
		}
	}
	while (got < n && b->rx_left) {
		struct tpacket3_hdr *h = b->rx_next;

		emitted = rx_emit(b, pkts + got, n - got, (uint8_t *)h + h->tp_mac,
				  h->tp_snaplen,
				  (uint64_t)h->tp_sec * NSEC_PER_SEC + h->tp_nsec);
		if (!emitted)
			break;
		rx_set_vlan(pkts + got, emitted, h->tp_status,
			    h->hv1.tp_vlan_tci);
		got += emitted;
		b->rx_left--;
		b->rx_next = (struct tpacket3_hdr *)((uint8_t *)h +
						     h->tp_next_offset);
	}
	if (!b->rx_left)
		b->rx_release_pending = true;
	return (int)got;
}

static const char *afp_mode(struct backend *b)
{
	return b->mode;
}

static int afp_kernel_stats(struct backend *b, char *buf, size_t len)
{
	/* V2's struct is a prefix of V3's. */
	struct tpacket_stats_v3 st = { 0 };
	socklen_t sl = sizeof(st);

	if (getsockopt(b->rx_fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl))
		return -errno;
	/* The counters reset on read: the caller asks once, at the end. */
	snprintf(buf, len, "packet_rx=%u packet_rx_drops=%u freeze_q_cnt=%u",
		 st.tp_packets, st.tp_drops, st.tp_freeze_q_cnt);
	return 0;
}

const struct backend_ops backend_afpacket_ops = {
	BACKEND_OPS_BASE(afp, "afpacket", BACKEND_F_RAW | BACKEND_F_RX_VLAN),
	.kernel_stats = afp_kernel_stats,
};
