// SPDX-License-Identifier: MIT
/*
 * The AF_XDP backend: one XDP socket on one queue of one interface, with
 * the lr_steer program (xdp_steer.bpf.c) redirecting only the test's
 * packets to it. The worker hands over and gets back whole Ethernet frames.
 *
 * The UMEM is split in two: the lower half feeds the fill ring (receive),
 * the upper half is a stack of free transmit frames refilled from the
 * completion ring. Keeping them apart means a burst of replies can never
 * starve transmission of frames, or the other way round.
 *
 * Several instances in one process (one per queue) share one steering
 * program per interface: attaching a second lr_ program would replace the
 * first and silently cut off the other queues' sockets.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include "backend/backend.h"
#include "backend/xdp_attach.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "bpf/steer_shared.h"
#include "xdp_steer.skel.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

#define AFXDP_FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE
#define AFXDP_DEFAULT_FRAMES 4096
#define AFXDP_DEFAULT_RING 2048
#define AFXDP_MIN_FRAMES 256
#define AFXDP_MAX_FRAMES (1u << 20)
#define AFXDP_MIN_RING 64
#define AFXDP_MAX_RING 65536
#define AFXDP_MAX_BATCH 4096
#define AFXDP_BUSY_POLL_USEC 20
/* Copy mode transmits at most 32 descriptors per sendto (the kernel's
 * default budget) and answers EAGAIN while more are queued; since 6.17
 * XDP_MAX_TX_SKB_BUDGET raises that, up to the TX ring's size. */
#define AFXDP_COPY_TX_BUDGET 32
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9
#endif
#define AFXDP_BUSY_WAIT_NS (500 * NSEC_PER_MSEC)
/* Blocked this long, the peer that would free our frames is not running:
 * it shares our CPU (see tx_full). */
#define AFXDP_YIELD_AFTER_NS (20 * NSEC_PER_USEC)
#define AFXDP_BUSY_RETRY_US 2000

/* The steering program of one interface, shared by the instances on it. */
struct steer_link {
	struct steer_link *next;
	int ifindex;
	unsigned int users;
	struct steer_config config;
	struct xdp_steer *skel;
	struct xdp_attachment attachment;
};

static pthread_mutex_t steer_lock = PTHREAD_MUTEX_INITIALIZER;
static struct steer_link *steer_links;

struct frame_stack {
	uint64_t *addrs;
	uint32_t count;
};

struct backend {
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	int fd;
	uint8_t *area;
	size_t area_len;
	uint32_t rx_frames; /* frames [0, rx_frames) receive */
	uint32_t tx_frames; /* the rest transmit */
	uint32_t fill_size;
	uint32_t comp_size;
	uint32_t ring_size;
	uint32_t batch;
	uint32_t queue_id;
	struct frame_stack tx_free;
	struct frame_stack rx_free; /* waiting to go back to the fill ring */
	uint64_t *rx_held; /* handed out by the last rx_burst */
	uint32_t rx_held_count;
	uint32_t tx_outstanding; /* submitted, not yet completed */
	uint32_t tx_reserved; /* handed out by tx_reserve, not submitted */
	uint32_t tx_template_len; /* 0: the tx frames hold no template */
	uint32_t tx_budget; /* descriptors one sendto sends (copy mode) */
	/* For backend.kernel: how the user side fed the kernel. */
	uint64_t tx_kicks; /* sendto calls */
	uint64_t tx_submitted; /* descriptors put on the TX ring */
	uint64_t tx_ring_fill_sum; /* TX ring entries queued, summed over */
	uint64_t tx_ring_samples; /* ... this many submits */
	uint64_t tx_no_frames; /* bursts that found no free frame/ring slot */
	uint64_t tx_kick_dropped; /* sendto stopped by a device drop */
	uint64_t tx_kick_blocked; /* sendto that could send nothing more */
	uint64_t tx_blocked_since; /* mono ns; 0: the kernel is taking frames */
	struct steer_link *steer;
	bool in_xskmap;
	bool zero_copy;
	bool need_wakeup;
	bool busy_poll;
	char mode[128];
	char note[384];
};

static void note_add(struct backend *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note_add(struct backend *b, const char *fmt, ...)
{
	size_t used = strlen(b->note);
	va_list ap;

	if (used && used + 2 < sizeof(b->note)) {
		memcpy(b->note + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(b->note + used, sizeof(b->note) - used, fmt, ap);
	va_end(ap);
}

static uint32_t round_up_pow2(uint32_t v)
{
	uint32_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* ------------------------------------------------------------ steering */

static void steer_config_from(const struct backend_config *cfg,
			      struct steer_config *sc)
{
	bool sender = cfg->remote.family != 0;
	const struct ip_addr *addr = sender ? &cfg->frame.src : &cfg->frame.dst;
	static const uint32_t zero[4];

	memset(sc, 0, sizeof(*sc));
	if (addr->family == AF_INET6) {
		sc->family = XDP_FAMILY_IPV6;
		memcpy(sc->addr, &addr->v6, sizeof(addr->v6));
	} else {
		sc->family = XDP_FAMILY_IPV4;
		memcpy(sc->addr, &addr->v4, sizeof(addr->v4));
	}
	/* A wildcard listen address takes the test's port on any address. */
	sc->any_addr = !memcmp(sc->addr, zero, sizeof(zero));
	if (cfg->test_port_min) {
		/* Every queue of the test steers the same ports, so they
		 * share one program. */
		sc->port_min = cfg->test_port_min;
		sc->port_max = cfg->test_port_max;
	} else if (sender) {
		/* Replies (ping) come back to our address, to the port of
		 * the flow that sent them. */
		uint32_t flows = cfg->flows ? cfg->flows : 1;
		uint32_t last = (uint32_t)cfg->frame.src_port + flows - 1;

		sc->port_min = cfg->frame.src_port;
		sc->port_max = (uint16_t)(last > 65535 ? 65535 : last);
		if (!cfg->frame.src_port)
			sc->port_max = 65535;
	} else {
		sc->port_min = cfg->frame.dst_port;
		sc->port_max = cfg->frame.dst_port ? cfg->frame.dst_port :
						     65535;
	}
}

static void steer_destroy(struct steer_link *link)
{
	xdp_detach(&link->attachment);
	xdp_steer__destroy(link->skel);
	free(link);
}

/* The interface's steering program, loaded and attached by the first
 * instance. Called with steer_lock held. */
static int steer_get_locked(const struct backend_config *cfg,
			    struct steer_link **out, struct lr_err *why)
{
	struct steer_config sc;
	struct steer_link *link;
	int err;

	steer_config_from(cfg, &sc);
	for (link = steer_links; link; link = link->next) {
		if (link->ifindex != cfg->ifindex)
			continue;
		if (memcmp(&link->config, &sc, sizeof(sc)))
			return lr_err_set(why, -EBUSY, NULL,
					  "afxdp: %s already steers other "
					  "traffic in this process",
					  cfg->opts.ifname);
		link->users++;
		*out = link;
		return 0;
	}
	link = calloc(1, sizeof(*link));
	if (!link)
		return -ENOMEM;
	link->ifindex = cfg->ifindex;
	link->config = sc;
	link->skel = xdp_steer__open();
	if (!link->skel) {
		err = lr_err_set(why, -errno, NULL,
				 "afxdp: cannot open the steering program: %s",
				 strerror(errno));
		goto err_free;
	}
	link->skel->rodata->steer_cfg = sc;
	err = xdp_steer__load(link->skel);
	if (err) {
		lr_err_set(why, err, NULL,
			   "afxdp: cannot load the steering program: %s",
			   strerror(-err));
		goto err_destroy;
	}
	err = xdp_attach(&link->attachment, cfg->ifindex,
			 bpf_program__fd(link->skel->progs.lr_steer),
			 cfg->opts.xdp_mode, cfg->opts.force);
	if (err) {
		if (err == -EBUSY && link->attachment.why[0])
			lr_err_set(why, err, "force", "%s",
				   link->attachment.why);
		else
			lr_err_set(why, err, NULL,
				   "afxdp: cannot attach XDP to %s: %s",
				   cfg->opts.ifname, strerror(-err));
		goto err_destroy;
	}
	link->users = 1;
	link->next = steer_links;
	steer_links = link;
	*out = link;
	return 0;

err_destroy:
	xdp_steer__destroy(link->skel);
err_free:
	free(link);
	return err;
}

static int steer_get(const struct backend_config *cfg, struct steer_link **out,
		     struct lr_err *why)
{
	int err;

	pthread_mutex_lock(&steer_lock);
	err = steer_get_locked(cfg, out, why);
	pthread_mutex_unlock(&steer_lock);
	return err;
}

static void steer_put(struct steer_link *link)
{
	struct steer_link **pp;

	pthread_mutex_lock(&steer_lock);
	if (--link->users) {
		pthread_mutex_unlock(&steer_lock);
		return;
	}
	for (pp = &steer_links; *pp; pp = &(*pp)->next) {
		if (*pp == link) {
			*pp = link->next;
			break;
		}
	}
	pthread_mutex_unlock(&steer_lock);
	steer_destroy(link);
}

/* ------------------------------------------------------------- sockets */

static int stack_alloc(struct frame_stack *s, uint32_t cap)
{
	s->addrs = malloc(sizeof(*s->addrs) * cap);
	s->count = 0;
	return s->addrs ? 0 : -ENOMEM;
}

/*
 * Undo a UMEM whose socket never came up. libxdp leaves the fill and
 * completion rings mapped when the first socket on a UMEM fails to bind
 * (it expects a retry on the same rings), and a mapping keeps the UMEM
 * socket and its pinned pages alive.
 */
static void umem_discard(struct backend *b)
{
	struct xdp_mmap_offsets off;
	socklen_t optlen = sizeof(off);
	int fd = xsk_umem__fd(b->umem);

	if (b->fill.ring &&
	    !getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &optlen) &&
	    optlen == sizeof(off)) {
		munmap((uint8_t *)b->fill.ring - off.fr.desc,
		       off.fr.desc + b->fill_size * sizeof(uint64_t));
		munmap((uint8_t *)b->comp.ring - off.cr.desc,
		       off.cr.desc + b->comp_size * sizeof(uint64_t));
	}
	xsk_umem__delete(b->umem);
	b->umem = NULL;
	memset(&b->fill, 0, sizeof(b->fill));
	memset(&b->comp, 0, sizeof(b->comp));
}

static void socket_close(struct backend *b)
{
	if (b->xsk) {
		xsk_socket__delete(b->xsk);
		b->xsk = NULL;
		xsk_umem__delete(b->umem);
		b->umem = NULL;
	} else if (b->umem) {
		umem_discard(b);
	}
	b->fd = -1;
}

static int socket_open_once(struct backend *b, const char *ifname,
			    uint16_t bind_flags, struct lr_err *why)
{
	struct xsk_umem_config ucfg = {
		.fill_size = b->fill_size,
		.comp_size = b->comp_size,
		.frame_size = AFXDP_FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	struct xsk_socket_config scfg = {
		.rx_size = b->ring_size,
		.tx_size = b->ring_size,
		/* Our own program and map: libxdp's default program would
		 * take every packet of the queue, and it needs bpffs. */
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = bind_flags,
	};
	int err;

	err = xsk_umem__create(&b->umem, b->area, b->area_len, &b->fill,
			       &b->comp, &ucfg);
	if (err) {
		b->umem = NULL;
		if (err == -ENOMEM || err == -ENOBUFS || err == -EPERM)
			return lr_err_set(why, err, NULL,
					  "afxdp: cannot register %zu bytes "
					  "of UMEM: %s (RLIMIT_MEMLOCK or "
					  "CAP_IPC_LOCK?)",
					  b->area_len, strerror(-err));
		return lr_err_set(why, err, NULL,
				  "afxdp: cannot create the UMEM: %s",
				  strerror(-err));
	}
	err = xsk_socket__create(&b->xsk, ifname, b->queue_id, b->umem,
				 &b->rx, &b->tx, &scfg);
	if (err) {
		b->xsk = NULL;
		socket_close(b);
		return err;
	}
	b->fd = xsk_socket__fd(b->xsk);
	return 0;
}

/*
 * The kernel lets go of a closed socket's queue from a work item, a few
 * milliseconds later, so a test that reopens the queue right away (the
 * next trial of a search, a fallback) finds it busy for a moment. A queue
 * still busy after AFXDP_BUSY_WAIT_NS is someone else's.
 */
static int socket_open(struct backend *b, const char *ifname,
		       uint16_t bind_flags, struct lr_err *why)
{
	uint64_t deadline = mono_ns() + AFXDP_BUSY_WAIT_NS;
	int err;

	for (;;) {
		err = socket_open_once(b, ifname, bind_flags, why);
		if (err != -EBUSY || mono_ns() >= deadline)
			break;
		usleep(AFXDP_BUSY_RETRY_US);
	}
	if (err == -EBUSY)
		lr_err_set(why, err, NULL,
			   "afxdp: %s queue %u is taken by another AF_XDP "
			   "socket",
			   ifname, b->queue_id);
	return err;
}

/* Zero-copy per preference, else copy; says in the note why zero-copy
 * was refused. */
static int socket_open_mode(struct backend *b, const struct backend_config *cfg,
			    const char *ifname, struct lr_err *why)
{
	struct lr_err zc_why = {0};
	uint16_t flags = b->need_wakeup ? XDP_USE_NEED_WAKEUP : 0;
	bool native = b->steer->attachment.flags & XDP_FLAGS_DRV_MODE;
	int err;

	if (cfg->opts.zero_copy != ZC_COPY) {
		/* Zero-copy frames only come from the driver's own XDP path. */
		if (!native)
			err = -EOPNOTSUPP;
		else
			err = socket_open(b, ifname, flags | XDP_ZEROCOPY,
					  &zc_why);
		if (!err) {
			b->zero_copy = true;
			return 0;
		}
		if (err == -EBUSY)
			return lr_err_set(why, err, NULL, "%s",
					  lr_err_text(&zc_why));
		if (cfg->opts.zero_copy == ZC_REQUIRE)
			return lr_err_set(why, err, "zero_copy",
					  "afxdp: zero-copy refused on %s "
					  "queue %u: %s",
					  ifname, b->queue_id,
					  native ? strerror(-err) :
						   "XDP runs in generic mode");
		if (!native)
			note_add(b, "zero-copy refused: XDP runs in generic "
				 "mode");
		else if (err == -EOPNOTSUPP)
			note_add(b, "zero-copy refused: %s (the driver has no "
				 "AF_XDP zero-copy support)", strerror(-err));
		else
			note_add(b, "zero-copy refused: %s", strerror(-err));
	}
	err = socket_open(b, ifname, flags | XDP_COPY, why);
	if (err)
		return lr_err_set(why, err, NULL,
				  "afxdp: cannot bind an AF_XDP socket to %s "
				  "queue %u: %s",
				  ifname, b->queue_id, strerror(-err));
	b->zero_copy = false;
	return 0;
}

static void busy_poll_setup(struct backend *b)
{
	static const struct {
		int opt;
		const char *name;
	} opts[] = {
		{ SO_PREFER_BUSY_POLL, "SO_PREFER_BUSY_POLL" },
		{ SO_BUSY_POLL, "SO_BUSY_POLL" },
		{ SO_BUSY_POLL_BUDGET, "SO_BUSY_POLL_BUDGET" },
	};
	int values[] = { 1, AFXDP_BUSY_POLL_USEC, (int)b->batch };

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (!setsockopt(b->fd, SOL_SOCKET, opts[i].opt, &values[i],
				sizeof(values[i])))
			continue;
		/* Busy polling still works without the option, only less
		 * well: the socket is driven by recvfrom/sendto either way. */
		if (errno == EPERM || errno == ENOPROTOOPT)
			note_add(b, "%s refused: %s", opts[i].name,
				 strerror(errno));
		else
			pr_debug("afxdp: %s: %s\n", opts[i].name,
				 strerror(errno));
	}
}

/*
 * Copy mode: let one sendto send a whole ring's worth, so one kick drains
 * what is queued instead of 32 of it. Kernels before 6.17 refuse the
 * option; they send 32 per call and the kick loop calls again.
 */
static void tx_budget_setup(struct backend *b)
{
	int budget = (int)b->ring_size;

	b->tx_budget = AFXDP_COPY_TX_BUDGET;
	if (b->zero_copy)
		return;

	if (!setsockopt(b->fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget,
			sizeof(budget)))
		b->tx_budget = (uint32_t)budget;
	else
		pr_debug("afxdp: XDP_MAX_TX_SKB_BUDGET %d: %s\n", budget,
			 strerror(errno));
}

/* Give the kernel every receive frame it does not hold yet. */
static void fill_ring_refill(struct backend *b)
{
	uint32_t n = b->rx_free.count, room, idx;

	if (!n)
		return;
	room = xsk_prod_nb_free(&b->fill, n);
	if (room < n)
		n = room;
	if (!n || xsk_ring_prod__reserve(&b->fill, n, &idx) != n)
		return;
	for (uint32_t i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&b->fill, idx + i) =
			b->rx_free.addrs[--b->rx_free.count];
	xsk_ring_prod__submit(&b->fill, n);
}

static void set_mode(struct backend *b)
{
	char budget[48] = "";

	if (!b->zero_copy)
		snprintf(budget, sizeof(budget), ", %u per sendto",
			 b->tx_budget);
	snprintf(b->mode, sizeof(b->mode), "AF_XDP %s, %s XDP, queue %u%s%s%s",
		 b->zero_copy ? "zero-copy" : "copy",
		 b->steer->attachment.mode[0] ? b->steer->attachment.mode :
						"unknown",
		 b->queue_id, b->need_wakeup ? ", need_wakeup" : "",
		 b->busy_poll ? ", busy-poll" : "", budget);
}

static void afxdp_close(struct backend *b)
{
	if (!b)
		return;
	/* Out of the map before the socket goes, so the program (which
	 * other queues may still use) never redirects to a closing socket. */
	if (b->in_xskmap) {
		uint32_t key = b->queue_id;

		bpf_map_delete_elem(bpf_map__fd(b->steer->skel->maps.xsks),
				    &key);
	}
	if (b->steer)
		steer_put(b->steer);
	socket_close(b);
	if (b->area)
		munmap(b->area, b->area_len);
	free(b->tx_free.addrs);
	free(b->rx_free.addrs);
	free(b->rx_held);
	free(b);
}

static int afxdp_open(const struct backend_config *cfg, struct backend **out,
		      struct lr_err *why)
{
	uint32_t frames = cfg->opts.umem_frames ? cfg->opts.umem_frames :
						  AFXDP_DEFAULT_FRAMES;
	uint32_t ring =
		cfg->opts.ring_size ? cfg->opts.ring_size : AFXDP_DEFAULT_RING;
	char ifname_buf[IF_NAMESIZE];
	const char *ifname = cfg->opts.ifname[0] ? cfg->opts.ifname : NULL;
	const struct ip_addr *steered;
	struct backend *b;
	uint32_t key;
	int fd, err;

	if (!cfg->batch || cfg->batch > AFXDP_MAX_BATCH || cfg->batch > ring ||
	    !is_pow2(ring) || ring < AFXDP_MIN_RING || ring > AFXDP_MAX_RING ||
	    !is_pow2(frames) || frames < AFXDP_MIN_FRAMES ||
	    frames > AFXDP_MAX_FRAMES || cfg->ifindex <= 0 ||
	    cfg->queue_id >= STEER_MAX_QUEUES)
		return -EINVAL;
	steered = cfg->remote.family ? &cfg->frame.src : &cfg->frame.dst;
	if (steered->family != AF_INET && steered->family != AF_INET6)
		return -EINVAL;
	if (cfg->frame_size > AFXDP_FRAME_SIZE + FRAME_FCS_LEN)
		return lr_err_set(why, -EMSGSIZE, "size",
				  "afxdp: %u-byte frames do not fit the "
				  "%u-byte UMEM frames",
				  cfg->frame_size, AFXDP_FRAME_SIZE);
	if (!ifname) {
		ifname = if_indextoname((unsigned int)cfg->ifindex, ifname_buf);
		if (!ifname)
			return -errno;
	}

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->fd = -1;
	b->batch = cfg->batch;
	b->queue_id = cfg->queue_id;
	b->ring_size = ring;
	b->rx_frames = frames / 2;
	b->tx_frames = frames - b->rx_frames;
	/* Rings that hold every frame of their half: the kernel never runs
	 * short of fill entries while we hold none, and completions never
	 * back up behind a full ring. */
	b->fill_size = round_up_pow2(b->rx_frames);
	b->comp_size = round_up_pow2(b->tx_frames);
	b->need_wakeup = !cfg->need_wakeup_off;
	b->busy_poll = cfg->opts.busy_poll;
	b->area_len = (size_t)frames * AFXDP_FRAME_SIZE;
	err = -ENOMEM;
	if (stack_alloc(&b->tx_free, b->tx_frames) ||
	    stack_alloc(&b->rx_free, b->rx_frames))
		goto err_close;
	b->rx_held = malloc(sizeof(*b->rx_held) * b->batch);
	if (!b->rx_held)
		goto err_close;
	b->area = mmap(NULL, b->area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->area == MAP_FAILED) {
		b->area = NULL;
		err = -errno;
		goto err_close;
	}
	/* Pushed in reverse so the lowest frames go out first. */
	for (uint32_t i = b->tx_frames; i-- > 0;)
		b->tx_free.addrs[b->tx_free.count++] =
			(uint64_t)(b->rx_frames + i) * AFXDP_FRAME_SIZE;
	for (uint32_t i = b->rx_frames; i-- > 0;)
		b->rx_free.addrs[b->rx_free.count++] =
			(uint64_t)i * AFXDP_FRAME_SIZE;

	err = steer_get(cfg, &b->steer, why);
	if (err) {
		b->steer = NULL;
		goto err_close;
	}
	if (b->steer->attachment.note[0])
		note_add(b, "%s", b->steer->attachment.note);
	err = socket_open_mode(b, cfg, ifname, why);
	if (err)
		goto err_close;
	fill_ring_refill(b);
	if (b->busy_poll)
		busy_poll_setup(b);
	tx_budget_setup(b);

	key = b->queue_id;
	fd = b->fd;
	if (bpf_map_update_elem(bpf_map__fd(b->steer->skel->maps.xsks), &key,
				&fd, BPF_ANY)) {
		err = lr_err_set(why, -errno, NULL,
				 "afxdp: cannot add the socket to the XSKMAP: "
				 "%s",
				 strerror(errno));
		goto err_close;
	}
	b->in_xskmap = true;
	set_mode(b);
	pr_debug("afxdp: %s: %s%s%s\n", ifname, b->mode, b->note[0] ? "; " : "",
		 b->note);
	*out = b;
	return 0;

err_close:
	afxdp_close(b);
	return err;
}

/* --------------------------------------------------------------- burst */

static void completions_reap(struct backend *b)
{
	uint32_t idx, n;

	n = xsk_ring_cons__peek(&b->comp, b->comp_size, &idx);
	if (!n)
		return;
	for (uint32_t i = 0; i < n; i++)
		b->tx_free.addrs[b->tx_free.count++] =
			*xsk_ring_cons__comp_addr(&b->comp, idx + i);
	xsk_ring_cons__release(&b->comp, n);
	b->tx_outstanding -= n;
}

/* Descriptors on the TX ring the kernel has not taken yet. */
static uint32_t tx_ring_queued(const struct backend *b)
{
	return b->tx.cached_prod -
	       __atomic_load_n(b->tx.consumer, __ATOMIC_ACQUIRE);
}

/*
 * Tell the kernel there is something to send. Returns 0, or -errno for an
 * error that will not go away by trying again (the device went down).
 *
 * In copy mode the kernel transmits inside sendto, at most tx_budget
 * descriptors per call, and stops early when the device drops a frame
 * (EBUSY) or is full (EAGAIN). As DPDK's af_xdp PMD does, call again while
 * the kernel keeps taking descriptors: a kick that gave up at the first
 * drop left the ring full and every later burst waiting for frames. When
 * a call takes nothing (the device queue is stopped), come back with the
 * next burst rather than spin here.
 */
static int tx_kick(struct backend *b)
{
	uint32_t queued, drops_left, budgets_left;

	if (b->need_wakeup && !b->busy_poll &&
	    !xsk_ring_prod__needs_wakeup(&b->tx))
		return 0;
	/*
	 * The kernel publishes its consumer index lazily, so progress is
	 * not visible from here; bound the calls instead. Each EBUSY took
	 * at least the dropped descriptor off the ring, each EAGAIN at a
	 * budget smaller than the ring a budget's worth; an EAGAIN with the
	 * whole ring as budget means the kernel could take nothing (the
	 * socket's send buffer is full of skbs the peer has not freed, or
	 * the completion ring or the device queue is).
	 */
	queued = tx_ring_queued(b);
	drops_left = queued;
	budgets_left = b->tx_budget >= b->ring_size ? 0 :
			queued / b->tx_budget + 1;
	for (;;) {
		b->tx_kicks++;
		if (sendto(b->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			return 0;
		switch (errno) {
		case EBUSY: /* the device dropped one; or another sender */
			b->tx_kick_dropped++;
			if (b->zero_copy || !drops_left--)
				return 0;
			continue;
		case EAGAIN: /* budget spent, or nothing could go */
			b->tx_kick_blocked++;
			if (b->zero_copy || !budgets_left--)
				return 0;
			completions_reap(b);
			continue;
		case ENOBUFS: /* no skb: reap first */
		case EINTR:
			return 0;
		default:
			return -errno;
		}
	}
}

/* Up to n free transmit frames with a TX descriptor each, reaping
 * completions first; the descriptors wait for tx_commit. */
static uint32_t tx_take(struct backend *b, uint32_t n, uint32_t *idx)
{
	uint32_t room;

	completions_reap(b);
	if (n > b->tx_free.count)
		n = b->tx_free.count;
	if (n) {
		room = xsk_prod_nb_free(&b->tx, n);
		if (room < n)
			n = room;
	}
	if (n && xsk_ring_prod__reserve(&b->tx, n, idx) == n) {
		b->tx_blocked_since = 0;
		return n;
	}
	b->tx_no_frames++;
	return 0;
}

static int tx_commit(struct backend *b, uint32_t n)
{
	xsk_ring_prod__submit(&b->tx, n);
	b->tx_outstanding += n;
	b->tx_submitted += n;
	b->tx_ring_fill_sum += tx_ring_queued(b);
	b->tx_ring_samples++;
	return tx_kick(b);
}

/*
 * Full: make sure the kernel is working on what is queued. When it can
 * take nothing (every frame is an skb the peer has not freed yet) for
 * longer than the peer takes on a CPU of its own, the peer's NAPI most
 * likely waits for this CPU: yield it. Yielding at once would hand the
 * CPU to whatever else runs here while the completions are microseconds
 * away.
 */
static int tx_full(struct backend *b)
{
	if (b->tx_outstanding) {
		uint64_t blocked = b->tx_kick_blocked, now;
		int err = tx_kick(b);

		if (err)
			return err;
		if (b->tx_kick_blocked == blocked) {
			b->tx_blocked_since = 0;
			return -EAGAIN;
		}
		now = mono_ns();
		if (!b->tx_blocked_since)
			b->tx_blocked_since = now;
		else if (now - b->tx_blocked_since >= AFXDP_YIELD_AFTER_NS)
			sched_yield();
	}
	return -EAGAIN;
}

static int afxdp_tx_burst(struct backend *b, struct pkt *pkts, unsigned int n)
{
	uint32_t idx, count;
	int err;

	if (b->tx_reserved)
		return -EINVAL;
	if (n > b->batch)
		n = b->batch;
	count = n;
	for (uint32_t i = 0; i < n; i++) {
		if (pkts[i].len > AFXDP_FRAME_SIZE || !pkts[i].len) {
			count = i;
			if (!i)
				return -EMSGSIZE;
			break;
		}
	}
	count = tx_take(b, count, &idx);
	if (!count)
		return tx_full(b);
	/* The frames get other contents: no template any more. */
	b->tx_template_len = 0;
	for (uint32_t i = 0; i < count; i++) {
		struct xdp_desc *desc = xsk_ring_prod__tx_desc(&b->tx, idx + i);
		uint64_t addr = b->tx_free.addrs[--b->tx_free.count];

		memcpy(b->area + addr, pkts[i].data, pkts[i].len);
		desc->addr = addr;
		desc->len = pkts[i].len;
		desc->options = 0;
	}
	err = tx_commit(b, count);
	if (err)
		return err;
	return (int)count;
}

/*
 * Frames prepared once: every transmit frame of the UMEM gets the
 * template, and the worker then rewrites only what changes per packet
 * (port, probe, checksum) in place, with no copy and no staging buffer.
 */
static int afxdp_tx_prepare(struct backend *b, const uint8_t *frame,
			    uint32_t len)
{
	if (!len || len > AFXDP_FRAME_SIZE || b->tx_reserved)
		return -EINVAL;
	/* Every frame must get it: none may be in flight. */
	completions_reap(b);
	if (b->tx_outstanding)
		return -EBUSY;
	for (uint32_t i = 0; i < b->tx_free.count; i++)
		memcpy(b->area + b->tx_free.addrs[i], frame, len);
	b->tx_template_len = len;
	return 0;
}

static int afxdp_tx_reserve(struct backend *b, struct pkt *pkts,
			    unsigned int n)
{
	uint32_t idx, count;

	if (!b->tx_template_len || b->tx_reserved)
		return -EINVAL;
	if (n > b->batch)
		n = b->batch;
	count = tx_take(b, n, &idx);
	if (!count)
		return tx_full(b);
	for (uint32_t i = 0; i < count; i++) {
		struct xdp_desc *desc = xsk_ring_prod__tx_desc(&b->tx, idx + i);
		uint64_t addr = b->tx_free.addrs[--b->tx_free.count];

		desc->addr = addr;
		desc->len = b->tx_template_len;
		desc->options = 0;
		pkts[i].data = b->area + addr;
		pkts[i].len = b->tx_template_len;
	}
	b->tx_reserved = count;
	return (int)count;
}

static int afxdp_tx_submit(struct backend *b, unsigned int n)
{
	uint32_t unused;

	if (n > b->tx_reserved)
		return -EINVAL;
	/* Give back what the worker did not use: the last reserved
	 * descriptors, whose frames went off the top of the stack last. */
	unused = b->tx_reserved - n;
	if (unused) {
		uint32_t first = b->tx.cached_prod - unused;

		for (uint32_t i = unused; i-- > 0;)
			b->tx_free.addrs[b->tx_free.count++] =
				xsk_ring_prod__tx_desc(&b->tx, first + i)->addr;
		b->tx.cached_prod -= unused;
	}
	b->tx_reserved = 0;
	if (!n)
		return 0;
	return tx_commit(b, n);
}

/* Let the kernel look at the fill ring (need_wakeup, copy mode) or run
 * the driver's poll on this CPU (busy poll). */
static void rx_kick(struct backend *b)
{
	if (b->busy_poll || !b->need_wakeup ||
	    xsk_ring_prod__needs_wakeup(&b->fill))
		recvfrom(b->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

static int afxdp_rx_burst(struct backend *b, struct pkt *pkts, unsigned int n,
			  uint64_t timeout_ns)
{
	uint64_t now;
	uint32_t idx, got;

	if (n > b->batch)
		n = b->batch;
	for (uint32_t i = 0; i < b->rx_held_count; i++)
		b->rx_free.addrs[b->rx_free.count++] = b->rx_held[i];
	b->rx_held_count = 0;
	fill_ring_refill(b);

	got = xsk_ring_cons__peek(&b->rx, n, &idx);
	if (!got) {
		rx_kick(b);
		got = xsk_ring_cons__peek(&b->rx, n, &idx);
	}
	if (!got && timeout_ns && !b->busy_poll) {
		uint64_t ms = (timeout_ns + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
		struct pollfd pfd = { .fd = b->fd, .events = POLLIN };
		int rc;

		rc = poll(&pfd, 1, ms > 1000 * 60 ? 1000 * 60 : (int)ms);
		if (rc < 0 && errno != EINTR)
			return -errno;
		got = xsk_ring_cons__peek(&b->rx, n, &idx);
	}
	if (!got)
		return 0;
	now = clock_ns(CLOCK_REALTIME);
	for (uint32_t i = 0; i < got; i++) {
		const struct xdp_desc *desc =
			xsk_ring_cons__rx_desc(&b->rx, idx + i);
		uint64_t addr = xsk_umem__add_offset_to_addr(desc->addr);
		struct pkt *p = &pkts[i];

		b->rx_held[i] = addr & ~(uint64_t)(AFXDP_FRAME_SIZE - 1);
		p->data = b->area + addr;
		p->len = desc->len;
		p->payload_offset = 0;
		p->flow = 0;
		p->rx_real_ns = now;
		memset(&p->peer, 0, sizeof(p->peer));
	}
	b->rx_held_count = got;
	xsk_ring_cons__release(&b->rx, got);
	return (int)got;
}

static const char *afxdp_mode(struct backend *b)
{
	return b->mode;
}

static const char *afxdp_note(struct backend *b)
{
	return b->note[0] ? b->note : NULL;
}

static int steer_counters_read(struct backend *b, struct steer_counters *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	struct steer_counters *per_cpu;
	int map_fd = bpf_map__fd(b->steer->skel->maps.steer_counters);
	uint32_t key = 0;
	int err = 0;

	memset(sum, 0, sizeof(*sum));
	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	per_cpu = calloc((size_t)ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(map_fd, &key, per_cpu)) {
		err = -errno;
	} else {
		for (int i = 0; i < ncpus; i++) {
			sum->redirected += per_cpu[i].redirected;
			sum->passed += per_cpu[i].passed;
			sum->no_socket += per_cpu[i].no_socket;
		}
	}
	free(per_cpu);
	return err;
}

/* "name=value" pairs, space separated: a name stands next to its value. */
static int afxdp_stats_format(const struct backend *b,
			      const struct xdp_statistics *xs,
			      const struct steer_counters *sc, char *buf,
			      size_t len)
{
	const struct {
		const char *name;
		uint64_t value;
	} stats[] = {
		{ "rx_dropped", xs->rx_dropped },
		{ "rx_invalid_descs", xs->rx_invalid_descs },
		{ "tx_invalid_descs", xs->tx_invalid_descs },
		{ "rx_ring_full", xs->rx_ring_full },
		{ "rx_fill_ring_empty_descs", xs->rx_fill_ring_empty_descs },
		{ "tx_ring_empty_descs", xs->tx_ring_empty_descs },
		{ "steer_redirected", sc->redirected },
		{ "steer_passed", sc->passed },
		{ "steer_no_socket", sc->no_socket },
		{ "tx_kicks", b->tx_kicks },
		{ "tx_submitted", b->tx_submitted },
		{ "tx_ring_fill_sum", b->tx_ring_fill_sum },
		{ "tx_ring_samples", b->tx_ring_samples },
		{ "tx_no_frames", b->tx_no_frames },
		{ "tx_kick_dropped", b->tx_kick_dropped },
		{ "tx_kick_blocked", b->tx_kick_blocked },
	};
	struct strbuf sb;

	strbuf_init_fixed(&sb, buf, len);
	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		strbuf_sep(&sb, " ");
		strbuf_printf(&sb, "%s=%llu", stats[i].name,
			      (unsigned long long)stats[i].value);
	}
	if (sb.failed)
		return -EINVAL;
	return sb.truncated ? -ENOSPC : 0;
}

/* The steer_ counters cover the whole interface (every queue), the
 * others this socket; queue 0 alone reports the former, so that the
 * session's sum over queues counts them once. */
static int afxdp_kernel_stats(struct backend *b, char *buf, size_t len)
{
	struct xdp_statistics xs = { 0 };
	socklen_t optlen = sizeof(xs);
	struct steer_counters sc;
	int err;

	if (getsockopt(b->fd, SOL_XDP, XDP_STATISTICS, &xs, &optlen))
		return -errno;
	if (b->queue_id) {
		memset(&sc, 0, sizeof(sc));
	} else {
		err = steer_counters_read(b, &sc);
		if (err)
			return err;
	}
	return afxdp_stats_format(b, &xs, &sc, buf, len);
}

const struct backend_ops backend_afxdp_ops = {
	BACKEND_OPS_BASE(afxdp, "afxdp", BACKEND_F_RAW),
	.tx_prepare = afxdp_tx_prepare,
	.tx_reserve = afxdp_tx_reserve,
	.tx_submit = afxdp_tx_submit,
	.note = afxdp_note,
	.kernel_stats = afxdp_kernel_stats,
};
