// SPDX-License-Identifier: MIT
/*
 * The in-kernel backend's sender: lr_gen (xdp_gen.bpf.c) run by
 * BPF_PROG_RUN with live frames on the interface: the kernel copies the
 * template frame into a page per repetition, the program numbers, stamps
 * and paces it (lib/pacer.c's token bucket, copied into the program) and
 * XDP_TX sends it through the driver's ndo_xdp_xmit. A runner thread
 * makes the calls; the worker's thread polls, publishes and stops it.
 *
 * The generator stamps a frame when the program runs; the kernel sends it
 * at the end of its batch (64 repetitions, a few us at most).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "backend/xdp_common.h"
#include "lib/clock.h"
#include "lib/frame.h"
#include "lib/log.h"
#include "lib/pacer.h"
#include "lib/probe.h"
#include "xdp_gen.skel.h"

_Static_assert(XDP_GEN_MAX_FLOWS >= SPEC_MAX_FLOWS,
	       "the generator must number every flow a spec allows");

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

static int gen_template_build(struct backend *b, struct lr_err *why)
{
	const struct backend_config *cfg = &b->cfg;
	uint8_t payload[GEN_MAX_TEMPLATE];
	struct probe probe = {0};
	int len;

	len = frame_payload_len(&cfg->frame, cfg->frame_size, PROBE_HDR_LEN);
	if (len < 0)
		return lr_err_set(why, -EINVAL, "size",
				  "xdp: frame size %u leaves no room for a "
				  "probe",
				  cfg->frame_size);
	if (cfg->frame_size - FRAME_FCS_LEN > GEN_MAX_TEMPLATE)
		return lr_err_set(why, -EINVAL, "size",
				  "xdp: the in-kernel generator sends frames "
				  "of at most %d bytes (live frames share a "
				  "page with the kernel); %u is too large",
				  GEN_MAX_TEMPLATE + FRAME_FCS_LEN,
				  cfg->frame_size);
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

int xdp_gen_open(struct backend *b, struct lr_err *why)
{
	const struct backend_config *cfg = &b->cfg;
	struct xdp_gen_config *gc;
	uint16_t csum;
	int err;

	err = gen_template_build(b, why);
	if (err)
		return err;
	b->gen = xdp_gen__open();
	if (!b->gen) {
		return lr_err_set(why, -errno, NULL,
				  "xdp: cannot open the generator program: %s",
				  strerror(errno));
	}
	gc = &b->gen->rodata->gen_cfg;
	gc->udp_offset =
		(uint32_t)(frame_header_len(&cfg->frame) - FRAME_UDP_HLEN);
	/* Through the probe's magic and version, in whole words: the words
	 * run into seq, which the program writes afterwards. */
	gc->header_len = (gc->udp_offset + FRAME_UDP_HLEN + 2 + 7) & ~7u;
	if (gc->header_len > XDP_GEN_HEADER_MAX ||
	    gc->header_len > b->template_len)
		return lr_err_set(why, -EINVAL, NULL,
				  "xdp: headers of %u bytes are too long for "
				  "the generator",
				  gc->header_len);
	memcpy(gc->header, b->template, gc->header_len);
	gc->frame_len = b->template_len;
	gc->src_port = cfg->frame.src_port;
	memcpy(&csum, b->template + gc->udp_offset + 6, sizeof(csum));
	gc->template_csum = csum;
	err = xdp_gen__load(b->gen);
	if (err)
		return lr_err_set(why, err, NULL,
				  "xdp: cannot load the generator program: %s",
				  strerror(-err));
	/*
	 * One repetition with a zero budget: the program drops it, nothing
	 * is sent, but the kernel has checked that it takes live frames on
	 * this interface with this template. One repetition also skips the
	 * dispatcher update, so this costs no RCU grace period.
	 */
	b->gen->bss->gen_ctl.budget = 0;
	err = gen_prog_run(b, 1);
	if (err)
		return lr_err_set(why, err, NULL,
				  "xdp: BPF_PROG_RUN with live frames refused "
				  "on %s: %s",
				  b->ifname, strerror(-err));
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
		if (counter_read(&ctl->generated) >= counter_read(&ctl->budget))
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
			lr_err_set(&r->why, err, NULL,
				   "xdp: BPF_PROG_RUN on %s failed: %s",
				   b->ifname, strerror(-err));
			break;
		}
	}
	r->error = err;
	atomic_store(&r->done, true);
	return NULL;
}

static uint64_t gen_publish(struct backend *b, struct backend_role_ctx *ctx)
{
	uint64_t generated = counter_read(&b->gen->bss->gen_ctl.generated);

	STAT_SET(ctx->stats->c.tx_packets, generated);
	STAT_SET(ctx->stats->c.tx_bytes, generated * ctx->spec->frame_size);
	return generated;
}

static int gen_runner_start(struct backend *b, struct lr_err *why)
{
	struct gen_runner *r = &b->runner;
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	pthread_once(&gen_signal_once, gen_signal_install);
	if (gen_signal_error)
		return lr_err_set(why, gen_signal_error, NULL,
				  "xdp: cannot install the generator's signal "
				  "handler: %s",
				  strerror(-gen_signal_error));
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

int xdp_gen_runner_stop(struct backend *b)
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

/* The program's copy of lib/pacer.c's bucket, set up as pacer_init()
 * sets up a user-space sender's. */
static void gen_pacer_setup(struct xdp_gen_control *ctl, double pps,
			    uint32_t burst, uint64_t now)
{
	struct pacer p;

	pacer_init(&p, pps, burst, now);
	ctl->last_ns = p.last_ns;
	ctl->ps_per_packet = p.ps_per_packet;
	ctl->max_credit_ps = p.max_credit_ps;
	ctl->credit_ps = p.credit_ps;
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

int xdp_gen_run(struct backend *b, struct backend_role_ctx *ctx)
{
	const struct test_spec *sp = ctx->spec;
	struct xdp_gen_control *ctl = &b->gen->bss->gen_ctl;
	uint64_t start = ctx->start_mono_ns;
	uint64_t budget;
	bool checked = false;
	int err;

	/* The worker's spec has this queue's share of the flows. */
	if (sp->flows < 1 || sp->flows > XDP_GEN_MAX_FLOWS ||
	    (uint32_t)b->cfg.frame.src_port + sp->flows - 1 > UINT16_MAX)
		return lr_err_set(ctx->err, -EINVAL, "flows",
				  "xdp: %u flows from source port %u do not "
				  "fit",
				  sp->flows, b->cfg.frame.src_port);
	memset(ctl, 0, sizeof(*ctl));
	memset(b->gen->bss->gen_next_seq, 0, sizeof(b->gen->bss->gen_next_seq));
	budget = sp->count ? sp->count : UINT64_MAX;
	ctl->budget = budget;
	ctl->deadline_ns = sp->duration_ns ? start + sp->duration_ns : 0;
	ctl->realtime_offset_ns = realtime_offset();
	/* With several queues each has its share of the flows, numbered
	 * from flow_base; cfg->frame.src_port is already its first port. */
	ctl->flow_base = ctx->flow_base;
	ctl->flows = sp->flows;
	gen_pacer_setup(ctl, ctx->target_pps, sp->burst, mono_ns());
	dev_stats_baseline(b);
	b->running = RUNNING_GEN;

	err = gen_runner_start(b, ctx->err);
	if (err)
		return err;
	while (!atomic_load(&b->runner.done)) {
		uint64_t now = mono_ns(), generated;

		generated = gen_publish(b, ctx);
		/* The program has stopped stamping at the count or the
		 * deadline already; what is left is ending the call. */
		if (backend_role_over(ctx, now, generated, 0))
			break;
		__atomic_store_n(&ctl->realtime_offset_ns, realtime_offset(),
				 __ATOMIC_RELAXED);
		if (!checked && now - start >= NSEC_PER_SEC) {
			gen_check_device(b, generated);
			checked = true;
		}
		clock_sleep_until(now + POLL_NS);
	}
	err = xdp_gen_runner_stop(b);
	if (err)
		lr_err_set(ctx->err, err, b->runner.why.field, "%s",
			   lr_err_text(&b->runner.why));
	if (!checked)
		gen_check_device(b, gen_publish(b, ctx));
	else
		gen_publish(b, ctx);
	return err;
}

int xdp_gen_kernel_stats(struct backend *b, char *buf, size_t len)
{
	const struct xdp_gen_control *ctl = &b->gen->bss->gen_ctl;

	return snprintf(buf, len,
			"gen_generated=%llu gen_not_due=%llu "
			"gen_calls=%llu gen_interrupted=%llu",
			(unsigned long long)counter_read(&ctl->generated),
			(unsigned long long)counter_read(&ctl->not_due),
			(unsigned long long)counter_read(&b->gen_calls),
			(unsigned long long)counter_read(&b->gen_interrupted));
}
