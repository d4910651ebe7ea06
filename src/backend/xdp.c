// SPDX-License-Identifier: MIT
/*
 * The in-kernel backend: the whole role runs in BPF, user space only sets
 * it up, polls its counters and publishes them into the role context's
 * stats (backend_role_ctx), ending by the worker's own rule
 * (backend_role_over). This file is its ops table; the roles are
 *
 *  send     xdp_generator.c  lr_gen by BPF_PROG_RUN with live frames
 *  recv     xdp_analyzer.c   lr_sink attached: validate, count, track
 *  reflect  xdp_reflector.c  lr_reflect attached: XDP_TX back
 *
 * and xdp_common.c what they share.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "backend/xdp_common.h"
#include "lib/free_all.h"
#include "lib/log.h"
#include "xdp_gen.skel.h"
#include "xdp_reflect.skel.h"
#include "xdp_sink.skel.h"

static int receivers_open(struct backend *b, struct lr_err *why)
{
	const struct backend_config *cfg = &b->cfg;
	int err;

	if (cfg->frame.dst.family != AF_INET &&
	    cfg->frame.dst.family != AF_INET6)
		return lr_err_set(why, -EINVAL, NULL,
				  "xdp: the listen address has no family");
	if (cfg->only_from.family &&
	    cfg->only_from.family != cfg->frame.dst.family)
		return lr_err_set(why, -EAFNOSUPPORT, NULL,
				  "xdp: the client's address family differs "
				  "from the listen address's");
	/* The role (recv or reflect) is known only in run(): load both
	 * here so BPF problems show at open, attach the one needed then. */
	err = xdp_analyzer_load(b, why);
	if (!err)
		err = xdp_reflector_load(b, why);
	if (err)
		return err;
	/* Attach now, so a refusal shows at open (and --backend auto can
	 * fall back) and the mode is known before the test starts. */
	if (cfg->role == ROLE_REFLECT)
		return receiver_attach(
			b, bpf_program__fd(b->reflect->progs.lr_reflect),
			"reflector", why);
	return receiver_attach(b, bpf_program__fd(b->sink->progs.lr_sink),
			       "analyzer", why);
}

static void xdp_close(struct backend *b)
{
	if (!b)
		return;
	if (b->runner.started)
		xdp_gen_runner_stop(b);
	xdp_detach(&b->attachment);
	xdp_gen__destroy(b->gen);
	xdp_sink__destroy(b->sink);
	xdp_reflect__destroy(b->reflect);
	free_all(b->percpu_buf, b->merged, b->cpu_hist, b->cpu_hist_norm, b);
}

static int xdp_open(const struct backend_config *cfg, struct backend **out,
		    struct lr_err *why)
{
	struct backend *b;
	int err;

	*out = NULL;
	if (cfg->ifindex <= 0)
		return lr_err_set(why, -EINVAL, NULL, "xdp: no interface");
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->cfg = *cfg;
	if (!if_indextoname((unsigned int)cfg->ifindex, b->ifname)) {
		err = lr_err_set(why, -errno, NULL, "xdp: interface %d: %s",
				 cfg->ifindex, strerror(errno));
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
	err = b->sender ? xdp_gen_open(b, why) : receivers_open(b, why);
	if (err)
		goto err;
	*out = b;
	return 0;
err:
	xdp_close(b);
	return err;
}

static int xdp_run(struct backend *b, struct backend_role_ctx *ctx)
{
	if (b->secondary)
		return 0; /* queue 0's worker reports for every queue */
	/* The end rule counts the duration from it. */
	if (!ctx->start_mono_ns)
		ctx->start_mono_ns = mono_ns();
	switch (ctx->spec->role) {
	case ROLE_SEND:
		if (!b->gen)
			break;
		return xdp_gen_run(b, ctx);
	case ROLE_RECV:
		if (!b->sink)
			break;
		return xdp_analyzer_run(b, ctx);
	case ROLE_REFLECT:
		if (!b->reflect)
			break;
		return xdp_reflector_run(b, ctx);
	case ROLE_PING:
		return lr_err_set(ctx->err, -EOPNOTSUPP, "backend",
				  "xdp: ping needs a user-space backend");
	}
	return lr_err_set(ctx->err, -EINVAL, NULL,
			  "xdp: opened for another role than %s",
			  role_name(ctx->spec->role));
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
	case RUNNING_GEN:
		n = xdp_gen_kernel_stats(b, buf, len);
		break;
	case RUNNING_SINK:
		n = xdp_analyzer_kernel_stats(b, buf, len);
		break;
	case RUNNING_REFLECT:
		n = xdp_reflector_kernel_stats(b, buf, len);
		break;
	case RUNNING_NONE:
		break;
	}
	/* A map read's -errno, or snprintf's -1. */
	if (n < -1)
		return n;
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

const struct backend_ops backend_xdp_ops = {
	BACKEND_OPS_BASE(xdp, "xdp", BACKEND_F_RAW | BACKEND_F_KERNEL),
	.note = xdp_note,
	.run = xdp_run,
	.kernel_stats = xdp_kernel_stats,
	.unmeasured = xdp_unmeasured,
	.tx_dropped = xdp_tx_dropped,
	.flow_results = xdp_analyzer_flow_results,
};
