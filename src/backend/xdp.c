// SPDX-License-Identifier: MIT
/*
 * The in-kernel backend: the whole role runs in BPF, user space only sets
 * it up, polls its counters and publishes them into the worker's stats.
 *
 *  send     lr_gen (xdp_gen.bpf.c) run by BPF_PROG_RUN with live frames on
 *           the interface: the kernel copies the template frame into a
 *           page per repetition, the program numbers and stamps it and
 *           XDP_TX sends it through the driver's ndo_xdp_xmit. A runner
 *           thread makes the calls; the worker thread polls, publishes
 *           and stops it.
 *  recv     lr_sink (xdp_sink.bpf.c) attached to the interface validates,
 *           counts and sequence-tracks test packets per CPU and per flow,
 *           records their latency in per-CPU histograms, and drops them.
 *  reflect  lr_reflect (xdp_reflect.bpf.c) sends test packets back with
 *           XDP_TX.
 *
 * Clocks: probes carry CLOCK_REALTIME, BPF has only the monotonic clock
 * (bpf_ktime_get_ns). User space measures realtime - monotonic and
 * refreshes it in the programs' .bss every poll, so the kernel's stamps
 * follow NTP slewing with a lag of at most one poll (10 ms here: at the
 * 500 ppm slew limit that is 5 us, at a typical few ppm some 10s of ns),
 * plus the error of one clock_gettime pair (~ 100 ns, the smallest of
 * three tries). A step of the realtime clock shows up one poll late.
 * The generator stamps a frame when the program runs; the kernel sends it
 * at the end of its batch (64 repetitions, a few us at most).
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>

#include "backend/backend.h"
#include "backend/xdp_attach.h"
#include "lib/clock.h"
#include "engine/worker.h"
#include "lib/frame.h"
#include "lib/hist.h"
#include "lib/flowreport.h"
#include "lib/log.h"
#include "lib/probe.h"
#include "lib/seqtrack.h"
#include "lib/spec.h"
#include "bpf/xdp_shared.h"
#include "xdp_gen.skel.h"
#include "xdp_reflect.skel.h"
#include "xdp_sink.skel.h"

_Static_assert(XDP_HIST_BUCKETS == HIST_BUCKETS, "hist.h changed");
_Static_assert(XDP_HIST_MAX_VALUE == HIST_MAX_VALUE, "hist.h changed");
_Static_assert(sizeof(struct xdp_hist) == sizeof(struct hist),
	       "struct xdp_hist must mirror struct hist");
_Static_assert(XDP_SEQ_WINDOW == SEQTRACK_WINDOW, "seqtrack.h changed");
_Static_assert(XDP_PROBE_MAGIC == PROBE_MAGIC &&
		       XDP_PROBE_VERSION == PROBE_VERSION &&
		       XDP_PROBE_HDR_LEN == PROBE_HDR_LEN &&
		       XDP_PROBE_TS_BITS == PROBE_TS_BITS,
	       "probe.h changed");
_Static_assert(XDP_FILL_CHECK_LEN == sizeof(__u64), "one word per check");
_Static_assert(XDP_GEN_MAX_FLOWS >= SPEC_MAX_FLOWS,
	       "the generator must number every flow a spec allows");

/* How often the worker thread looks at the stop flag and the end
 * conditions, and how often it copies the full receive state. */
#define POLL_NS (10 * NSEC_PER_MSEC)
#define PUBLISH_NS (100 * NSEC_PER_MSEC)
/*
 * Each BPF_PROG_RUN with more than one repetition adds the program to the
 * kernel's XDP dispatcher and removes it again, a synchronize_rcu() each:
 * ~20 ms per call on a 2-CPU VM, during which nothing is sent. So the
 * generator makes one call as long as the kernel takes (minutes at any
 * rate), the program stops stamping at the count or the deadline by
 * itself, and the worker ends the call early with a signal, which
 * BPF_PROG_RUN honours between batches.
 */
#define GEN_REPEAT INT_MAX
/* Frames per batch: the NAPI budget, also what the kernel defaults to.
 * Bigger batches reach the device in bigger bursts (veth's ring holds
 * 256) without sending any faster. */
#define GEN_BATCH 64
/* A live frame shares a 4 KiB page with the kernel's headroom and
 * bookkeeping; the kernel refuses larger templates. */
#define GEN_MAX_TEMPLATE 3000
#define ETHTOOL_MAX_STATS 4096

/* Interface counters (ethtool -S) that explain XDP loss, summed over
 * queues; the names are veth's ("rx_queue_0_xdp_drops"). */
enum dev_stat {
	DEV_XDP_PACKETS,
	DEV_XDP_DROPS,
	DEV_XDP_TX,
	DEV_XDP_TX_ERRORS,
	DEV_XDP_XMIT,
	DEV_XDP_XMIT_ERRORS,
	DEV_XDP_REDIRECT,
	DEV_DROPS,
	DEV_STAT_COUNT,
};

static const char *const dev_stat_names[DEV_STAT_COUNT] = {
	[DEV_XDP_PACKETS] = "xdp_packets",
	[DEV_XDP_DROPS] = "xdp_drops",
	[DEV_XDP_TX] = "xdp_tx",
	[DEV_XDP_TX_ERRORS] = "xdp_tx_errors",
	[DEV_XDP_XMIT] = "xdp_xmit",
	[DEV_XDP_XMIT_ERRORS] = "xdp_xmit_errors",
	[DEV_XDP_REDIRECT] = "xdp_redirect",
	[DEV_DROPS] = "drops",
};

struct dev_stats {
	uint64_t value[DEV_STAT_COUNT];
	bool found[DEV_STAT_COUNT];
};

enum xdp_running {
	RUNNING_NONE = 0,
	RUNNING_GEN,
	RUNNING_SINK,
	RUNNING_REFLECT,
};

struct gen_runner {
	struct backend *b;
	pthread_t thread;
	bool started;
	atomic_bool quit; /* set by the worker thread */
	atomic_bool done; /* set by the runner */
	int error; /* valid once done */
};

struct backend {
	struct backend_config cfg;
	char ifname[IF_NAMESIZE];
	bool sender;
	bool secondary; /* a receiver on queue > 0: queue 0's program serves */
	int ncpus;
	enum xdp_running running;
	/* send */
	struct xdp_gen *gen;
	uint8_t template[GEN_MAX_TEMPLATE];
	uint32_t template_len;
	struct gen_runner runner;
	/* written by the runner only, read by kernel_stats() */
	uint64_t gen_calls;
	uint64_t gen_interrupted;
	/* recv, reflect */
	struct xdp_sink *sink;
	struct xdp_reflect *reflect;
	struct xdp_attachment attachment;
	void *percpu_buf; /* one map value per possible CPU */
	size_t percpu_buf_size;
	struct hist *merged; /* latency over all CPUs */
	struct hist *cpu_hist;
	struct hist *cpu_hist_norm;
	uint64_t flows_seen;
	/* both */
	struct dev_stats dev_base;
	bool dev_base_valid;
	char mode[128];
	char note[256];
};

/* ------------------------------------------------------------ helpers */

/* Single writer (the runner), read by kernel_stats() at any time. */
static void counter_add(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

/* A macro: the .bss counters are __u64 (unsigned long long). */
#define counter_read(counter) \
	((uint64_t)__atomic_load_n((counter), __ATOMIC_RELAXED))

static bool should_stop(const struct worker *w)
{
	return atomic_load_explicit(w->stop, memory_order_relaxed);
}

/*
 * CLOCK_REALTIME - CLOCK_MONOTONIC: the realtime reading against the
 * middle of the two monotonic ones around it, from the tightest of three
 * tries (a preemption in between shows as a wide bracket).
 */
static uint64_t realtime_offset(void)
{
	uint64_t best_offset = 0, best_width = UINT64_MAX;

	for (int i = 0; i < 3; i++) {
		uint64_t m1 = mono_ns();
		uint64_t real = clock_ns(CLOCK_REALTIME);
		uint64_t m2 = mono_ns();

		if (m2 - m1 < best_width) {
			best_width = m2 - m1;
			best_offset = real - (m1 + (m2 - m1) / 2);
		}
	}
	return best_offset;
}

static int dev_stats_read(const char *ifname, struct dev_stats *out)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t count;
	} sset = { .hdr = { .cmd = ETHTOOL_GSSET_INFO,
			    .sset_mask = 1ULL << ETH_SS_STATS } };
	struct ethtool_gstrings *strings = NULL;
	struct ethtool_stats *stats = NULL;
	struct ifreq ifr;
	uint32_t n;
	int fd, err = 0;

	memset(out, 0, sizeof(*out));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&sset;
	if (ioctl(fd, SIOCETHTOOL, &ifr)) {
		err = -errno;
		goto out;
	}
	n = sset.hdr.sset_mask ? sset.count : 0;
	if (!n || n > ETHTOOL_MAX_STATS) {
		err = -EOPNOTSUPP;
		goto out;
	}
	strings = calloc(1, sizeof(*strings) + (size_t)n * ETH_GSTRING_LEN);
	stats = calloc(1, sizeof(*stats) + (size_t)n * sizeof(uint64_t));
	if (!strings || !stats) {
		err = -ENOMEM;
		goto out;
	}
	strings->cmd = ETHTOOL_GSTRINGS;
	strings->string_set = ETH_SS_STATS;
	strings->len = n;
	ifr.ifr_data = (void *)strings;
	if (ioctl(fd, SIOCETHTOOL, &ifr)) {
		err = -errno;
		goto out;
	}
	stats->cmd = ETHTOOL_GSTATS;
	stats->n_stats = n;
	ifr.ifr_data = (void *)stats;
	if (ioctl(fd, SIOCETHTOOL, &ifr)) {
		err = -errno;
		goto out;
	}
	if (stats->n_stats < n)
		n = stats->n_stats;
	for (uint32_t i = 0; i < n; i++) {
		char name[ETH_GSTRING_LEN + 1];
		const char *rest;
		unsigned int queue;
		int used = 0;

		memcpy(name, strings->data + (size_t)i * ETH_GSTRING_LEN,
		       ETH_GSTRING_LEN);
		name[ETH_GSTRING_LEN] = '\0';
		if (sscanf(name, "rx_queue_%u_%n", &queue, &used) != 1 &&
		    sscanf(name, "tx_queue_%u_%n", &queue, &used) != 1)
			continue;
		if (!used)
			continue;
		rest = name + used;
		for (int k = 0; k < DEV_STAT_COUNT; k++) {
			if (strcmp(rest, dev_stat_names[k]))
				continue;
			out->value[k] += stats->data[i];
			out->found[k] = true;
		}
	}
out:
	free(strings);
	free(stats);
	close(fd);
	return err;
}

static void dev_stats_baseline(struct backend *b)
{
	b->dev_base_valid = !dev_stats_read(b->ifname, &b->dev_base);
}

/* " name=delta" for the interface counters the driver has. */
static size_t dev_stats_format(struct backend *b, char *buf, size_t len)
{
	struct dev_stats now;
	size_t used = 0;

	if (!b->dev_base_valid || dev_stats_read(b->ifname, &now))
		return 0;
	for (int k = 0; k < DEV_STAT_COUNT; k++) {
		int n;

		if (!now.found[k])
			continue;
		n = snprintf(buf + used, len - used, " dev_%s=%llu",
			     dev_stat_names[k],
			     (unsigned long long)(now.value[k] -
						  b->dev_base.value[k]));
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return used;
}

static int ip_family_to_xdp(int family)
{
	return family == AF_INET6 ? XDP_FAMILY_IPV6 : XDP_FAMILY_IPV4;
}

static void match_config_from(const struct backend_config *cfg,
			      struct xdp_match_config *m)
{
	static const struct in6_addr any6;
	const struct ip_addr *addr = &cfg->frame.dst;

	memset(m, 0, sizeof(*m));
	m->family = ip_family_to_xdp(addr->family);
	m->port = cfg->frame.dst_port;
	/* The client-only filter of the user-space receivers, in the
	 * program (receivers_open() refused a family mismatch). */
	if (cfg->only_from.family == AF_INET6) {
		m->only_from = 1;
		memcpy(m->from_addr, &cfg->only_from.v6,
		       sizeof(cfg->only_from.v6));
	} else if (cfg->only_from.family == AF_INET) {
		m->only_from = 1;
		memcpy(m->from_addr, &cfg->only_from.v4,
		       sizeof(cfg->only_from.v4));
	}
	if (addr->family == AF_INET6) {
		memcpy(m->addr, &addr->v6, sizeof(addr->v6));
		m->any_addr = !memcmp(&addr->v6, &any6, sizeof(any6));
	} else {
		memcpy(m->addr, &addr->v4, sizeof(addr->v4));
		m->any_addr = addr->v4.s_addr == 0;
	}
}

/* ------------------------------------------------------------ generator */

static int gen_template_build(struct backend *b)
{
	const struct backend_config *cfg = &b->cfg;
	uint8_t payload[GEN_MAX_TEMPLATE];
	struct probe probe = { 0 };
	int len;

	len = frame_payload_len(&cfg->frame, cfg->frame_size, PROBE_HDR_LEN);
	if (len < 0) {
		pr_warn("xdp: frame size %u leaves no room for a probe\n",
			cfg->frame_size);
		return -EINVAL;
	}
	if (cfg->frame_size - FRAME_FCS_LEN > GEN_MAX_TEMPLATE) {
		pr_warn("xdp: the in-kernel generator sends frames of at most "
			"%d bytes (live frames share a page with the kernel); "
			"%u is too large\n",
			GEN_MAX_TEMPLATE + FRAME_FCS_LEN, cfg->frame_size);
		return -EINVAL;
	}
	/* The template is flow 0, seq 0, stamp 0: the program's checksum
	 * update starts from exactly these values. */
	probe_write(payload, &probe);
	probe_fill(payload, (size_t)len);
	len = frame_build(&cfg->frame, payload, (size_t)len, b->template,
			  sizeof(b->template));
	if (len < 0)
		return len;
	b->template_len = (uint32_t)len;
	return 0;
}

static int gen_prog_run(struct backend *b, int repeat)
{
	struct xdp_md ctx = {
		.data_end = b->template_len,
		.ingress_ifindex = (uint32_t)b->cfg.ifindex,
		.rx_queue_index = b->cfg.queue_id,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = b->template,
		    .data_size_in = b->template_len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .repeat = repeat,
		    .batch_size = GEN_BATCH);

	if (bpf_prog_test_run_opts(bpf_program__fd(b->gen->progs.lr_gen),
				   &opts))
		return -errno;
	return 0;
}

static int gen_open(struct backend *b)
{
	const struct backend_config *cfg = &b->cfg;
	struct xdp_gen_config *gc;
	uint16_t csum;
	int err;

	err = gen_template_build(b);
	if (err)
		return err;
	b->gen = xdp_gen__open();
	if (!b->gen) {
		err = -errno;
		pr_warn("xdp: cannot open the generator program: %s\n",
			strerror(-err));
		return err;
	}
	gc = &b->gen->rodata->gen_cfg;
	gc->udp_offset =
		(uint32_t)(frame_header_len(&cfg->frame) - FRAME_UDP_HLEN);
	/* Through the probe's magic and version, in whole words: the words
	 * run into seq, which the program writes afterwards. */
	gc->header_len = (gc->udp_offset + FRAME_UDP_HLEN + 2 + 7) & ~7u;
	if (gc->header_len > XDP_GEN_HEADER_MAX ||
	    gc->header_len > b->template_len) {
		pr_warn("xdp: headers of %u bytes are too long for the "
			"generator\n",
			gc->header_len);
		return -EINVAL;
	}
	memcpy(gc->header, b->template, gc->header_len);
	gc->frame_len = b->template_len;
	gc->src_port = cfg->frame.src_port;
	memcpy(&csum, b->template + gc->udp_offset + 6, sizeof(csum));
	gc->template_csum = csum;
	err = xdp_gen__load(b->gen);
	if (err) {
		pr_warn("xdp: cannot load the generator program: %s\n",
			strerror(-err));
		return err;
	}
	/*
	 * One repetition with a zero budget: the program drops it, nothing
	 * is sent, but the kernel has checked that it takes live frames on
	 * this interface with this template. One repetition also skips the
	 * dispatcher update, so this costs no RCU grace period.
	 */
	b->gen->bss->gen_ctl.budget = 0;
	err = gen_prog_run(b, 1);
	if (err) {
		pr_warn("xdp: BPF_PROG_RUN with live frames refused on %s: "
			"%s\n",
			b->ifname, strerror(-err));
		return err;
	}
	snprintf(b->mode, sizeof(b->mode),
		 "in-kernel LIVE_FRAMES generator, XDP_TX via %s's driver",
		 b->ifname);
	return 0;
}

/*
 * The signal that cuts a BPF_PROG_RUN short. Its handler does nothing: the
 * point is the pending signal, which makes the kernel end the run after
 * the batch in progress (-EINTR). A real-time signal, so that it is none
 * the application uses; the handler is installed once and left in place.
 */
#define GEN_SIGNAL (SIGRTMIN + 7)

static pthread_once_t gen_signal_once = PTHREAD_ONCE_INIT;
static int gen_signal_error;

static void gen_signal_handler(int sig)
{
	(void)sig;
}

static void gen_signal_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = gen_signal_handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the interrupted call must return, not resume. */
	if (sigaction(GEN_SIGNAL, &sa, NULL))
		gen_signal_error = -errno;
}

static void *gen_runner_main(void *arg)
{
	struct gen_runner *r = arg;
	struct backend *b = r->b;
	struct xdp_gen_control *ctl = &b->gen->bss->gen_ctl;
	sigset_t mask;
	int err = 0;

	/* Only GEN_SIGNAL may land here; the session's handlers belong on
	 * other threads, and any other signal would end a run as well. */
	sigfillset(&mask);
	sigdelset(&mask, GEN_SIGNAL);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	while (!atomic_load_explicit(&r->quit, memory_order_relaxed)) {
		if (counter_read(&ctl->generated) >=
		    counter_read(&ctl->budget))
			break;
		if (ctl->deadline_ns && mono_ns() >= ctl->deadline_ns)
			break;
		err = gen_prog_run(b, GEN_REPEAT);
		counter_add(&b->gen_calls, 1);
		if (err == -EINTR) {
			/* Cut short on purpose; the counters in .bss are
			 * exact whatever the batch it ended in. */
			counter_add(&b->gen_interrupted, 1);
			err = 0;
			continue;
		}
		if (err) {
			pr_warn("xdp: BPF_PROG_RUN on %s failed: %s\n",
				b->ifname, strerror(-err));
			break;
		}
	}
	r->error = err;
	atomic_store(&r->done, true);
	return NULL;
}

static uint64_t gen_publish(struct backend *b, struct worker *w)
{
	uint64_t generated = counter_read(&b->gen->bss->gen_ctl.generated);

	STAT_SET(w->stats.c.tx_packets, generated);
	STAT_SET(w->stats.c.tx_bytes, generated * w->spec->frame_size);
	return generated;
}

static int gen_runner_start(struct backend *b)
{
	struct gen_runner *r = &b->runner;
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	pthread_once(&gen_signal_once, gen_signal_install);
	if (gen_signal_error) {
		pr_warn("xdp: cannot install the generator's signal handler: "
			"%s\n",
			strerror(-gen_signal_error));
		return gen_signal_error;
	}
	memset(r, 0, sizeof(*r));
	r->b = b;
	atomic_init(&r->quit, false);
	atomic_init(&r->done, false);
	err = pthread_attr_init(&attr);
	if (err)
		return -err;
	/* The runner takes the worker's CPU: it is the one that works. */
	if (b->cfg.cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(b->cfg.cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	err = pthread_create(&r->thread, &attr, gen_runner_main, r);
	pthread_attr_destroy(&attr);
	if (err)
		return -err;
	r->started = true;
	return 0;
}

/* Stop stamping at once, and end the call in progress. */
static void gen_runner_interrupt(struct backend *b)
{
	struct gen_runner *r = &b->runner;

	__atomic_store_n(&b->gen->bss->gen_ctl.budget, 0, __ATOMIC_RELAXED);
	atomic_store(&r->quit, true);
	if (!atomic_load(&r->done))
		pthread_kill(r->thread, GEN_SIGNAL);
}

static int gen_runner_stop(struct backend *b)
{
	struct gen_runner *r = &b->runner;

	if (!r->started)
		return 0;
	/* Again until it is done: a signal that lands just before the
	 * runner enters BPF_PROG_RUN is spent on nothing. */
	while (!atomic_load(&r->done)) {
		gen_runner_interrupt(b);
		clock_wait_until(mono_ns() + NSEC_PER_MSEC);
	}
	pthread_join(r->thread, NULL);
	r->started = false;
	return r->error;
}

static void gen_pacer_setup(struct xdp_gen_control *ctl, double pps,
			    uint32_t burst, uint64_t now)
{
	/* lib/pacer.c's parameters, for the copy in the program. */
	ctl->last_ns = now;
	if (pps <= 0) {
		ctl->ps_per_packet = 0;
		return;
	}
	ctl->ps_per_packet = (uint64_t)(1e12 / pps + 0.5);
	if (!ctl->ps_per_packet)
		ctl->ps_per_packet = 1;
	ctl->max_credit_ps = ctl->ps_per_packet * ((burst ? burst : 1) + 1ULL);
	ctl->credit_ps = ctl->ps_per_packet;
}

static void gen_check_device(struct backend *b, uint64_t generated)
{
	struct dev_stats now;

	/* veth drops XDP frames uncounted when its peer has neither an XDP
	 * program nor GRO (no NAPI to take them): say so instead of leaving
	 * a silent 100% loss. */
	if (!generated || !b->dev_base_valid || dev_stats_read(b->ifname, &now))
		return;
	if (!now.found[DEV_XDP_XMIT])
		return;
	if (now.value[DEV_XDP_XMIT] == b->dev_base.value[DEV_XDP_XMIT] &&
	    now.value[DEV_XDP_XMIT_ERRORS] ==
		    b->dev_base.value[DEV_XDP_XMIT_ERRORS])
		pr_warn("xdp: %s took none of the %llu frames generated; a "
			"veth needs an XDP program or GRO on its peer to "
			"accept XDP frames\n",
			b->ifname, (unsigned long long)generated);
}

static int gen_run(struct backend *b, struct worker *w)
{
	const struct test_spec *sp = w->spec;
	struct xdp_gen_control *ctl = &b->gen->bss->gen_ctl;
	uint64_t start = w->start_mono_ns ? w->start_mono_ns : mono_ns();
	uint64_t budget;
	bool checked = false;
	int err;

	/* The worker's spec has this queue's share of the flows. */
	if (sp->flows < 1 || sp->flows > XDP_GEN_MAX_FLOWS ||
	    (uint32_t)b->cfg.frame.src_port + sp->flows - 1 > UINT16_MAX) {
		pr_warn("xdp: %u flows from source port %u do not fit\n",
			sp->flows, b->cfg.frame.src_port);
		return -EINVAL;
	}
	memset(ctl, 0, sizeof(*ctl));
	memset(b->gen->bss->gen_next_seq, 0,
	       sizeof(b->gen->bss->gen_next_seq));
	budget = sp->count ? sp->count : UINT64_MAX;
	ctl->budget = budget;
	ctl->deadline_ns = sp->duration_ns ? start + sp->duration_ns : 0;
	ctl->realtime_offset_ns = realtime_offset();
	/* With several queues each has its share of the flows, numbered
	 * from flow_base; cfg->frame.src_port is already its first port. */
	ctl->flow_base = w->flow_base;
	ctl->flows = sp->flows;
	gen_pacer_setup(ctl, w->target_pps, sp->burst, mono_ns());
	dev_stats_baseline(b);
	b->running = RUNNING_GEN;

	err = gen_runner_start(b);
	if (err)
		return err;
	while (!atomic_load(&b->runner.done)) {
		uint64_t now = mono_ns(), generated;

		generated = gen_publish(b, w);
		/* The program has stopped stamping at the count or the
		 * deadline already; what is left is ending the call. */
		if (should_stop(w) || generated >= budget ||
		    (ctl->deadline_ns && now >= ctl->deadline_ns))
			break;
		__atomic_store_n(&ctl->realtime_offset_ns, realtime_offset(),
				 __ATOMIC_RELAXED);
		if (!checked && now - start >= NSEC_PER_SEC) {
			gen_check_device(b, generated);
			checked = true;
		}
		clock_sleep_until(now + POLL_NS);
	}
	err = gen_runner_stop(b);
	if (!checked)
		gen_check_device(b, gen_publish(b, w));
	else
		gen_publish(b, w);
	return err;
}

/* ------------------------------------------------------------ receivers */

static int percpu_buf_reserve(struct backend *b, size_t value_size)
{
	size_t need = (size_t)b->ncpus * ((value_size + 7) & ~(size_t)7);
	void *buf;

	if (need <= b->percpu_buf_size)
		return 0;
	buf = realloc(b->percpu_buf, need);
	if (!buf)
		return -ENOMEM;
	b->percpu_buf = buf;
	b->percpu_buf_size = need;
	return 0;
}

static int percpu_lookup(struct backend *b, struct bpf_map *map, uint32_t key,
			 size_t value_size)
{
	int err = percpu_buf_reserve(b, value_size);

	if (err)
		return err;
	return bpf_map_lookup_elem(bpf_map__fd(map), &key, b->percpu_buf) ?
		       -errno :
		       0;
}

/* fill_words[off]: the 8 pattern bytes from offset off, as the program
 * loads them (same byte order as ours). */
static void fill_words_build(__u64 words[XDP_FILL_PERIOD])
{
	for (size_t off = 0; off < XDP_FILL_PERIOD; off++) {
		uint8_t bytes[XDP_FILL_CHECK_LEN];

		for (size_t k = 0; k < sizeof(bytes); k++)
			bytes[k] = probe_fill_byte(off + k);
		memcpy(&words[off], bytes, sizeof(words[off]));
	}
}

static int receiver_attach(struct backend *b, int prog_fd, const char *what)
{
	const char *gso_note = "";
	int err;

	err = xdp_attach(&b->attachment, b->cfg.ifindex, prog_fd,
			 b->cfg.opts.xdp_mode, b->cfg.opts.force);
	if (err) {
		pr_warn("xdp: cannot attach the %s to %s: %s%s%s\n", what,
			b->ifname, strerror(-err),
			b->attachment.note[0] ? ": " : "", b->attachment.note);
		return err;
	}
	snprintf(b->mode, sizeof(b->mode), "in-kernel XDP %s, %s XDP", what,
		 b->attachment.mode);
	/* Generic XDP runs on the skb as it arrives: a UDP GSO batch from a
	 * sender on this host (veth) is one packet there, not many. */
	if (b->attachment.flags == XDP_FLAGS_SKB_MODE)
		gso_note = "generic XDP sees a local sender's UDP GSO batch as "
			   "one packet (corrupt): send with --no-gso";
	if (b->cfg.opts.count_only)
		gso_note = "--count-only: probes counted and dropped; no loss, "
			   "reorder, latency or jitter accounting";
	snprintf(b->note, sizeof(b->note), "%s%s%s", b->attachment.note,
		 b->attachment.note[0] && gso_note[0] ? "; " : "", gso_note);
	return 0;
}

static int receivers_open(struct backend *b)
{
	const struct backend_config *cfg = &b->cfg;
	int err;

	if (cfg->frame.dst.family != AF_INET &&
	    cfg->frame.dst.family != AF_INET6) {
		pr_warn("xdp: the listen address has no family\n");
		return -EINVAL;
	}
	if (cfg->only_from.family &&
	    cfg->only_from.family != cfg->frame.dst.family) {
		pr_warn("xdp: the client's address family differs from the "
			"listen address's\n");
		return -EAFNOSUPPORT;
	}
	/* The role (recv or reflect) is known only in run(): load both
	 * here so BPF problems show at open, attach the one needed then. */
	b->sink = xdp_sink__open();
	b->reflect = xdp_reflect__open();
	if (!b->sink || !b->reflect) {
		err = -errno;
		pr_warn("xdp: cannot open the receive programs: %s\n",
			strerror(-err));
		return err;
	}
	match_config_from(cfg, &b->sink->rodata->sink_cfg.match);
	b->sink->rodata->sink_cfg.pass_test_packets = 0;
	b->sink->rodata->sink_cfg.count_only = cfg->opts.count_only;
	fill_words_build(b->sink->rodata->sink_cfg.fill_words);
	match_config_from(cfg, &b->reflect->rodata->reflect_cfg);
	err = xdp_sink__load(b->sink);
	if (!err)
		err = xdp_reflect__load(b->reflect);
	if (err) {
		pr_warn("xdp: cannot load the receive programs: %s\n",
			strerror(-err));
		return err;
	}
	b->merged = malloc(sizeof(*b->merged));
	b->cpu_hist = malloc(sizeof(*b->cpu_hist));
	b->cpu_hist_norm = malloc(sizeof(*b->cpu_hist_norm));
	if (!b->merged || !b->cpu_hist || !b->cpu_hist_norm)
		return -ENOMEM;
	/* Attach now, so a refusal shows at open (and --backend auto can
	 * fall back) and the mode is known before the test starts. */
	if (cfg->role == ROLE_REFLECT)
		return receiver_attach(b,
				       bpf_program__fd(b->reflect->progs.lr_reflect),
				       "reflector");
	return receiver_attach(b, bpf_program__fd(b->sink->progs.lr_sink),
			       "analyzer");
}

/* Why recv/reflect ends now, as the worker decides it for user-space
 * backends: stop, duration, count, or idle after the first packet. */
static bool receiver_finished(const struct worker *w, uint64_t now,
			      uint64_t start, uint64_t packets,
			      uint64_t last_rx)
{
	const struct test_spec *sp = w->spec;

	if (should_stop(w))
		return true;
	if (sp->duration_ns && now - start >= sp->duration_ns)
		return true;
	if (sp->count && packets >= sp->count)
		return true;
	return sp->idle_timeout_ns && last_rx && now > last_rx &&
	       now - last_rx >= sp->idle_timeout_ns;
}

/* The first and last arrival over CPUs: earliest first, latest last (a
 * CPU that saw nothing has 0 for both). */
static void rx_times_merge(__u64 *first, __u64 *last, __u64 cpu_first,
			   __u64 cpu_last)
{
	if (cpu_last > *last)
		*last = cpu_last;
	if (cpu_first && (!*first || cpu_first < *first))
		*first = cpu_first;
}

static int sink_counters_read(struct backend *b, struct xdp_sink_counters *sum)
{
	const struct xdp_sink_counters *cpu;
	int err;

	err = percpu_lookup(b, b->sink->maps.sink_counters, 0, sizeof(*cpu));
	if (err)
		return err;
	memset(sum, 0, sizeof(*sum));
	cpu = b->percpu_buf;
	for (int i = 0; i < b->ncpus; i++, cpu++) {
		sum->rx_packets += cpu->rx_packets;
		sum->rx_bytes += cpu->rx_bytes;
		sum->foreign += cpu->foreign;
		sum->truncated += cpu->truncated;
		sum->corrupt += cpu->corrupt;
		sum->malformed += cpu->malformed;
		sum->untracked += cpu->untracked;
		sum->latency_negative += cpu->latency_negative;
		sum->passed += cpu->passed;
		sum->filtered += cpu->filtered;
		rx_times_merge(&sum->first_rx_ns, &sum->last_rx_ns,
			       cpu->first_rx_ns, cpu->last_rx_ns);
		if (cpu->flow_limit > sum->flow_limit)
			sum->flow_limit = cpu->flow_limit;
	}
	return 0;
}

/* The per-CPU histograms merged into b->merged, each normalised first by
 * hist_snapshot(): the program may have been between its stores. */
static int sink_latency_read(struct backend *b)
{
	const struct xdp_hist *cpu;
	int err;

	err = percpu_lookup(b, b->sink->maps.sink_latency, 0, sizeof(*cpu));
	if (err)
		return err;
	hist_init(b->merged);
	cpu = b->percpu_buf;
	for (int i = 0; i < b->ncpus; i++, cpu++) {
		struct hist *h = b->cpu_hist;

		memcpy(h, cpu, sizeof(*h));
		if (!h->count)
			h->min = UINT64_MAX;
		hist_snapshot(b->cpu_hist_norm, h);
		hist_merge(b->merged, b->cpu_hist_norm);
	}
	return 0;
}

static void hist_publish(struct hist *dst, const struct hist *src)
{
	/* Relaxed stores, as hist_record() makes them: the reporter reads
	 * with hist_snapshot() meanwhile. */
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		if (dst->buckets[i] != src->buckets[i])
			STAT_SET(dst->buckets[i], src->buckets[i]);
	STAT_SET(dst->sum, src->sum);
	STAT_SET(dst->min, src->min);
	STAT_SET(dst->max, src->max);
	STAT_SET(dst->count, src->count);
}

struct flow_totals {
	uint64_t expected;
	uint64_t lost;
	uint64_t duplicates;
	uint64_t reordered;
	uint64_t late;
	uint64_t flows;
	double jitter_weighted;
	uint64_t jitter_weight;
};

/* One CPU's share of a flow's state, added to the whole (st) and to the
 * received-weighted RFC 3550 jitter sum. */
static void flow_state_add(struct seqtrack *st,
			   const struct xdp_flow_state *cpu, double *jitter,
			   uint64_t *weight)
{
	if (!st->started || cpu->highest > st->highest)
		st->highest = cpu->highest;
	st->started = 1;
	st->received += cpu->received;
	st->duplicates += cpu->duplicates;
	st->reordered += cpu->reordered;
	st->late += cpu->late;
	if (cpu->jitter_samples) {
		*jitter += (double)cpu->jitter_x16 / 16.0 * (double)cpu->received;
		*weight += cpu->received;
	}
}

/*
 * One flow over all CPUs, with seqtrack.h's definitions: received and
 * duplicates add up, the highest number is the highest any CPU saw, and
 * expected and lost follow from those. Duplicates that land on two
 * different CPUs are not recognised (RSS keeps a flow on one queue).
 */
static int sink_flow_read(struct backend *b, uint32_t flow,
			  struct flow_totals *t)
{
	const struct xdp_flow_state *cpu;
	struct seqtrack st;
	double jitter = 0;
	uint64_t jitter_weight = 0;
	int err;

	err = percpu_lookup(b, b->sink->maps.sink_flows, flow, sizeof(*cpu));
	if (err)
		return err;
	memset(&st, 0, sizeof(st));
	cpu = b->percpu_buf;
	for (int i = 0; i < b->ncpus; i++, cpu++) {
		if (!cpu->started)
			continue;
		flow_state_add(&st, cpu, &jitter, &jitter_weight);
	}
	if (!st.started)
		return 0;
	t->flows++;
	t->expected += seqtrack_expected(&st);
	t->lost += seqtrack_lost(&st);
	t->duplicates += st.duplicates;
	t->reordered += st.reordered;
	t->late += st.late;
	t->jitter_weighted += jitter;
	t->jitter_weight += jitter_weight;
	return 0;
}

static int sink_publish(struct backend *b, struct worker *w)
{
	struct stats_counters *c = &w->stats.c;
	struct xdp_sink_counters sum;
	struct flow_totals t = { 0 };
	uint64_t limit;
	int err;

	/* Counters first: flow_limit must cover every flow read below. */
	err = sink_counters_read(b, &sum);
	if (err)
		return err;
	limit = sum.flow_limit < XDP_SINK_MAX_FLOWS ? sum.flow_limit :
						      XDP_SINK_MAX_FLOWS;
	for (uint32_t f = 0; f < limit; f++) {
		err = sink_flow_read(b, f, &t);
		if (err)
			return err;
	}
	err = sink_latency_read(b);
	if (err)
		return err;
	hist_publish(&w->stats.latency, b->merged);
	STAT_SET(c->rx_packets, sum.rx_packets);
	STAT_SET(c->rx_bytes, sum.rx_bytes);
	STAT_SET(c->rx_expected, t.expected);
	STAT_SET(c->rx_lost, t.lost);
	STAT_SET(c->rx_duplicates, t.duplicates);
	STAT_SET(c->rx_reordered, t.reordered);
	STAT_SET(c->rx_late, t.late);
	STAT_SET(c->rx_corrupt, sum.corrupt);
	STAT_SET(c->rx_foreign, sum.foreign);
	STAT_SET(c->rx_truncated, sum.truncated);
	STAT_SET(c->rx_malformed, sum.malformed);
	STAT_SET(c->rx_untracked, sum.untracked);
	STAT_SET(c->rx_filtered, sum.filtered);
	STAT_SET(c->latency_negative, sum.latency_negative);
	STAT_SET(c->rx_flows, t.flows);
	if (t.jitter_weight)
		STAT_SET(c->jitter_rfc3550_ns,
			 (uint64_t)(t.jitter_weighted /
					    (double)t.jitter_weight +
				    0.5));
	STAT_SET(c->last_rx_ns, sum.last_rx_ns);
	/* The session's rates run from the first to the last packet. */
	w->rx_first_mono_ns = sum.first_rx_ns;
	b->flows_seen = t.flows;
	return 0;
}

static int sink_run(struct backend *b, struct worker *w)
{
	uint64_t start = w->start_mono_ns ? w->start_mono_ns : mono_ns();
	uint64_t next_publish = 0;
	struct xdp_sink_counters sum;
	int err;

	/* Arrival stamps in the sender's time when its offset is known. */
	b->sink->bss->sink_realtime_offset_ns =
		realtime_offset() + (uint64_t)w->spec->clock_offset_ns;
	dev_stats_baseline(b);
	err = b->attachment.attached ?
		      0 :
		      receiver_attach(b, bpf_program__fd(b->sink->progs.lr_sink),
				      "analyzer");
	if (err)
		return err;
	b->running = RUNNING_SINK;
	for (;;) {
		uint64_t now = mono_ns();

		err = sink_counters_read(b, &sum);
		if (err)
			break;
		if (receiver_finished(w, now, start, sum.rx_packets,
				      sum.last_rx_ns))
			break;
		if (now >= next_publish) {
			err = sink_publish(b, w);
			if (err)
				break;
			next_publish = now + PUBLISH_NS;
		}
		__atomic_store_n(&b->sink->bss->sink_realtime_offset_ns,
				 realtime_offset() +
					 (uint64_t)w->spec->clock_offset_ns,
				 __ATOMIC_RELAXED);
		clock_sleep_until(now + POLL_NS);
	}
	/* Detached first, so the last copy is final. */
	xdp_detach(&b->attachment);
	if (err) {
		pr_warn("xdp: reading the analyzer's maps: %s\n",
			strerror(-err));
		return err;
	}
	return sink_publish(b, w);
}

static int reflect_counters_read(struct backend *b,
				 struct xdp_reflect_counters *sum)
{
	const struct xdp_reflect_counters *cpu;
	int err;

	err = percpu_lookup(b, b->reflect->maps.reflect_counters, 0,
			    sizeof(*cpu));
	if (err)
		return err;
	memset(sum, 0, sizeof(*sum));
	cpu = b->percpu_buf;
	for (int i = 0; i < b->ncpus; i++, cpu++) {
		sum->reflected += cpu->reflected;
		sum->bytes += cpu->bytes;
		sum->foreign += cpu->foreign;
		sum->truncated += cpu->truncated;
		sum->malformed += cpu->malformed;
		sum->passed += cpu->passed;
		sum->filtered += cpu->filtered;
		rx_times_merge(&sum->first_rx_ns, &sum->last_rx_ns,
			       cpu->first_rx_ns, cpu->last_rx_ns);
	}
	return 0;
}

static void reflect_publish(struct worker *w,
			    const struct xdp_reflect_counters *sum)
{
	struct stats_counters *c = &w->stats.c;

	/* Every test packet received is reflected: XDP_TX failures happen
	 * after the program and show in the device counters. */
	STAT_SET(c->rx_packets, sum->reflected);
	STAT_SET(c->rx_bytes, sum->bytes);
	STAT_SET(c->reflected, sum->reflected);
	STAT_SET(c->tx_packets, sum->reflected);
	STAT_SET(c->tx_bytes, sum->bytes);
	STAT_SET(c->rx_foreign, sum->foreign);
	STAT_SET(c->rx_truncated, sum->truncated);
	STAT_SET(c->rx_malformed, sum->malformed);
	STAT_SET(c->rx_filtered, sum->filtered);
	STAT_SET(c->last_rx_ns, sum->last_rx_ns);
	w->rx_first_mono_ns = sum->first_rx_ns;
}

static int reflect_run(struct backend *b, struct worker *w)
{
	uint64_t start = w->start_mono_ns ? w->start_mono_ns : mono_ns();
	struct xdp_reflect_counters sum;
	int err;

	dev_stats_baseline(b);
	err = b->attachment.attached ?
		      0 :
		      receiver_attach(b,
				      bpf_program__fd(b->reflect->progs.lr_reflect),
				      "reflector");
	if (err)
		return err;
	b->running = RUNNING_REFLECT;
	for (;;) {
		uint64_t now = mono_ns();

		err = reflect_counters_read(b, &sum);
		if (err)
			break;
		reflect_publish(w, &sum);
		if (receiver_finished(w, now, start, sum.reflected,
				      sum.last_rx_ns))
			break;
		clock_sleep_until(now + POLL_NS);
	}
	xdp_detach(&b->attachment);
	if (err) {
		pr_warn("xdp: reading the reflector's counters: %s\n",
			strerror(-err));
		return err;
	}
	err = reflect_counters_read(b, &sum);
	if (!err)
		reflect_publish(w, &sum);
	return err;
}

/* ------------------------------------------------------------ ops */

static void xdp_close(struct backend *b)
{
	if (!b)
		return;
	if (b->runner.started)
		gen_runner_stop(b);
	xdp_detach(&b->attachment);
	xdp_gen__destroy(b->gen);
	xdp_sink__destroy(b->sink);
	xdp_reflect__destroy(b->reflect);
	free(b->percpu_buf);
	free(b->merged);
	free(b->cpu_hist);
	free(b->cpu_hist_norm);
	free(b);
}

static int xdp_open(const struct backend_config *cfg, struct backend **out,
		    struct lr_err *why)
{
	struct backend *b;
	int err;

	*out = NULL;
	if (cfg->ifindex <= 0) {
		pr_warn("xdp: no interface\n");
		return -EINVAL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->cfg = *cfg;
	if (!if_indextoname((unsigned int)cfg->ifindex, b->ifname)) {
		err = -errno;
		pr_warn("xdp: interface %d: %s\n", cfg->ifindex,
			strerror(-err));
		goto err;
	}
	b->ncpus = libbpf_num_possible_cpus();
	if (b->ncpus <= 0) {
		err = b->ncpus ? b->ncpus : -EINVAL;
		goto err;
	}
	/* A sender has somewhere to send to; recv and reflect have not. */
	b->sender = cfg->remote.family != 0;
	if (!b->sender && cfg->queue_id > 0) {
		/* One XDP program sees every queue and keeps per-CPU state;
		 * a second one could only replace the first. */
		b->secondary = true;
		snprintf(b->mode, sizeof(b->mode),
			 "in-kernel XDP, served by queue 0's program");
		*out = b;
		return 0;
	}
	err = b->sender ? gen_open(b) : receivers_open(b);
	if (err == -EBUSY && b->attachment.why[0])
		lr_err_set(why, err, "force", "%s", b->attachment.why);
	if (err)
		goto err;
	*out = b;
	return 0;
err:
	xdp_close(b);
	return err;
}

static int xdp_run(struct backend *b, struct worker *w)
{
	if (b->secondary)
		return 0; /* queue 0's worker reports for every queue */
	switch (w->spec->role) {
	case ROLE_SEND:
		if (!b->gen)
			break;
		return gen_run(b, w);
	case ROLE_RECV:
		if (!b->sink)
			break;
		return sink_run(b, w);
	case ROLE_REFLECT:
		if (!b->reflect)
			break;
		return reflect_run(b, w);
	case ROLE_PING:
		pr_warn("xdp: ping needs a user-space backend\n");
		return -EOPNOTSUPP;
	}
	pr_warn("xdp: opened for another role than %s\n",
		role_name(w->spec->role));
	return -EINVAL;
}

static int xdp_tx_burst(struct backend *b, struct pkt *pkts, unsigned int n)
{
	(void)b;
	(void)pkts;
	(void)n;
	return -EOPNOTSUPP; /* BACKEND_F_KERNEL: run() does the work */
}

static int xdp_rx_burst(struct backend *b, struct pkt *pkts, unsigned int n,
			uint64_t timeout_ns)
{
	(void)b;
	(void)pkts;
	(void)n;
	(void)timeout_ns;
	return -EOPNOTSUPP;
}

static const char *xdp_mode(struct backend *b)
{
	/* A buffer that run() updates: the role, and with it the program
	 * and attach mode, is known only then. */
	return b->mode;
}

static const char *xdp_note(struct backend *b)
{
	return b->note[0] ? b->note : NULL;
}

static int xdp_kernel_stats(struct backend *b, char *buf, size_t len)
{
	size_t used = 0;
	int n = 0;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	switch (b->running) {
	case RUNNING_GEN: {
		const struct xdp_gen_control *ctl = &b->gen->bss->gen_ctl;

		n = snprintf(buf, len,
			     "gen_generated=%llu gen_not_due=%llu "
			     "gen_calls=%llu gen_interrupted=%llu",
			     (unsigned long long)counter_read(&ctl->generated),
			     (unsigned long long)counter_read(&ctl->not_due),
			     (unsigned long long)counter_read(&b->gen_calls),
			     (unsigned long long)counter_read(
				     &b->gen_interrupted));
		break;
	}
	case RUNNING_SINK: {
		struct xdp_sink_counters sum;
		int err = sink_counters_read(b, &sum);

		if (err)
			return err;
		n = snprintf(buf, len,
			     "sink_packets=%llu sink_passed=%llu "
			     "sink_untracked=%llu sink_flows=%llu",
			     (unsigned long long)sum.rx_packets,
			     (unsigned long long)sum.passed,
			     (unsigned long long)sum.untracked,
			     (unsigned long long)b->flows_seen);
		break;
	}
	case RUNNING_REFLECT: {
		struct xdp_reflect_counters sum;
		int err = reflect_counters_read(b, &sum);

		if (err)
			return err;
		n = snprintf(buf, len, "reflect_reflected=%llu "
			     "reflect_passed=%llu",
			     (unsigned long long)sum.reflected,
			     (unsigned long long)sum.passed);
		break;
	}
	case RUNNING_NONE:
		break;
	}
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENOSPC;
	used = (size_t)n;
	/* Frames the driver refused after the program said XDP_TX. They
	 * are the interface's, not this queue's: queue 0 reports them, so
	 * that a sum over queues counts them once. */
	if (b->cfg.queue_id == 0)
		dev_stats_format(b, buf + used, len - used);
	return 0;
}

static unsigned int xdp_unmeasured(struct backend *b)
{
	if (b->cfg.role == ROLE_REFLECT)
		return STATS_NO_SEQUENCE | STATS_NO_CORRUPT;
	if (b->cfg.role != ROLE_RECV)
		return 0;
	if (b->cfg.opts.count_only)
		return STATS_NO_SEQUENCE | STATS_NO_CORRUPT | STATS_NO_LATENCY |
		       STATS_NO_JITTER | STATS_NO_DELAY_VARIATION;
	/* The analyzer keeps RFC 3550 jitter per flow, no IPDV/PDV. */
	return STATS_NO_DELAY_VARIATION;
}

/* XDP_TX frames the driver refused: the generator's go out through
 * ndo_xdp_xmit (xdp_xmit_errors), the reflector's through the driver's
 * own XDP_TX (xdp_tx_errors). Interface-wide, so queue 0 answers. */
static int xdp_tx_dropped(struct backend *b, uint64_t *dropped,
			  const char **from)
{
	enum dev_stat k;
	struct dev_stats now;

	switch (b->running) {
	case RUNNING_GEN:
		k = DEV_XDP_XMIT_ERRORS;
		break;
	case RUNNING_REFLECT:
		k = DEV_XDP_TX_ERRORS;
		break;
	default:
		return -ENODATA;
	}
	if (b->cfg.queue_id || !b->dev_base_valid ||
	    dev_stats_read(b->ifname, &now) || !now.found[k] ||
	    !b->dev_base.found[k])
		return -ENODATA;
	*dropped = now.value[k] - b->dev_base.value[k];
	*from = k == DEV_XDP_XMIT_ERRORS ? "xdp_xmit_errors" : "xdp_tx_errors";
	return 0;
}

/*
 * The analyzer's flows, as sink_flow_read() merges them over CPUs: what
 * its map holds, flow ids below XDP_SINK_MAX_FLOWS, each owned by the
 * first sender that used it. It sees no DSCP, ECN or VLAN per flow and
 * keeps one latency histogram for all of them.
 */
static size_t xdp_flow_results(struct backend *b, struct flow_result *out,
			       size_t cap, const char **note)
{
	struct xdp_sink_counters sum;
	uint64_t limit;
	size_t n = 0;

	*note = "xdp analyzer: flow ids below 1024 only (higher ones are in "
		"rx.untracked), one sender per flow id; no per-flow latency, "
		"DSCP, ECN or VLAN";
	/* Queue 0's program serves every queue: it alone answers. */
	if (b->secondary || !b->sink || sink_counters_read(b, &sum))
		return 0;
	limit = sum.flow_limit < XDP_SINK_MAX_FLOWS ? sum.flow_limit :
						      XDP_SINK_MAX_FLOWS;
	for (uint32_t f = 0; f < limit && n < cap; f++) {
		const struct xdp_flow_state *cpu;
		struct flow_result *r = &out[n];
		struct seqtrack st;
		double jitter = 0;
		uint64_t weight = 0;
		bool owner = false;

		if (percpu_lookup(b, b->sink->maps.sink_flows, f, sizeof(*cpu)))
			break;
		memset(&st, 0, sizeof(st));
		memset(r, 0, sizeof(*r));
		cpu = b->percpu_buf;
		for (int i = 0; i < b->ncpus; i++, cpu++) {
			if (!cpu->started)
				continue;
			if (!owner) {
				r->src.family = b->cfg.local.family;
				if (r->src.family == AF_INET6)
					memcpy(&r->src.v6, cpu->owner_addr, 16);
				else
					memcpy(&r->src.v4, cpu->owner_addr, 4);
				r->src_port = ntohs((uint16_t)cpu->owner_port);
				owner = true;
			}
			flow_state_add(&st, cpu, &jitter, &weight);
		}
		if (!st.started)
			continue;
		r->flow_id = (uint16_t)f;
		r->received = st.received;
		r->expected = seqtrack_expected(&st);
		r->lost = seqtrack_lost(&st);
		r->duplicates = st.duplicates;
		r->reordered = st.reordered;
		r->late = st.late;
		r->jitter_rfc3550_ns = weight ? jitter / (double)weight : 0;
		n++;
	}
	return n;
}

const struct backend_ops backend_xdp_ops = {
	.name = "xdp",
	.flags = BACKEND_F_RAW | BACKEND_F_KERNEL,
	.open = xdp_open,
	.tx_burst = xdp_tx_burst,
	.rx_burst = xdp_rx_burst,
	.mode = xdp_mode,
	.note = xdp_note,
	.run = xdp_run,
	.kernel_stats = xdp_kernel_stats,
	.unmeasured = xdp_unmeasured,
	.tx_dropped = xdp_tx_dropped,
	.flow_results = xdp_flow_results,
	.close = xdp_close,
};
