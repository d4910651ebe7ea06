// SPDX-License-Identifier: MIT
/*
 * The in-kernel backend's reflector: lr_reflect (xdp_reflect.bpf.c)
 * attached to the interface sends test packets back with XDP_TX and
 * counts them per CPU; user space sums and publishes the counts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "backend/xdp_common.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "xdp_reflect.skel.h"

int xdp_reflector_load(struct backend *b, struct lr_err *why)
{
	int err;

	b->reflect = xdp_reflect__open();
	if (!b->reflect)
		return lr_err_set(why, -errno, NULL,
				  "xdp: cannot open the receive programs: %s",
				  strerror(errno));
	match_config_from(&b->cfg, &b->reflect->rodata->reflect_cfg);
	err = xdp_reflect__load(b->reflect);
	if (err)
		return lr_err_set(why, err, NULL,
				  "xdp: cannot load the receive programs: %s",
				  strerror(-err));
	return 0;
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

static void reflect_publish(struct backend_role_ctx *ctx,
			    const struct xdp_reflect_counters *sum)
{
	struct stats_counters *c = &ctx->stats->c;

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
	*ctx->rx_first_mono_ns = sum->first_rx_ns;
}

int xdp_reflector_run(struct backend *b, struct backend_role_ctx *ctx)
{
	struct xdp_reflect_counters sum;
	int err;

	dev_stats_baseline(b);
	err = b->attachment.attached ?
		      0 :
		      receiver_attach(
			      b, bpf_program__fd(b->reflect->progs.lr_reflect),
			      "reflector", NULL);
	if (err)
		return err;
	b->running = RUNNING_REFLECT;
	for (;;) {
		uint64_t now = mono_ns();

		err = reflect_counters_read(b, &sum);
		if (err)
			break;
		reflect_publish(ctx, &sum);
		if (backend_role_over(ctx, now, sum.reflected, sum.last_rx_ns))
			break;
		clock_sleep_until(now + POLL_NS);
	}
	xdp_detach(&b->attachment);
	if (err)
		return lr_err_set(ctx->err, err, NULL,
				  "xdp: reading the reflector's counters: %s",
				  strerror(-err));
	err = reflect_counters_read(b, &sum);
	if (!err)
		reflect_publish(ctx, &sum);
	return err;
}

int xdp_reflector_kernel_stats(struct backend *b, char *buf, size_t len)
{
	struct xdp_reflect_counters sum;
	int err = reflect_counters_read(b, &sum);

	if (err)
		return err;
	return snprintf(buf, len, "reflect_reflected=%llu reflect_passed=%llu",
			(unsigned long long)sum.reflected,
			(unsigned long long)sum.passed);
}
