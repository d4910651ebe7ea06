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
		return receive_progs_error(why, -errno, "open");
	match_config_from(&b->cfg, &b->reflect->rodata->reflect_cfg);
	err = xdp_reflect__load(b->reflect);
	if (err)
		return receive_progs_error(why, err, "load");
	return 0;
}

_Static_assert(sizeof(struct xdp_reflect_counters) % sizeof(__u64) == 0,
	       "percpu_counters_read() takes __u64 counters");

static int reflect_counters_read(struct backend *b,
				 struct xdp_reflect_counters *sum)
{
	return percpu_counters_read(
		b, b->reflect->maps.reflect_counters, sum, sizeof(*sum),
		offsetof(struct xdp_reflect_counters, first_rx_ns),
		offsetof(struct xdp_reflect_counters, last_rx_ns));
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

static int reflect_poll(struct backend *b, struct backend_role_ctx *ctx,
			uint64_t now, void *arg, bool *over)
{
	struct xdp_reflect_counters sum;
	int err = reflect_counters_read(b, &sum);

	(void)arg;
	if (err)
		return err;
	reflect_publish(ctx, &sum);
	*over = backend_role_over(ctx, now, sum.reflected, sum.last_rx_ns);
	return 0;
}

int xdp_reflector_run(struct backend *b, struct backend_role_ctx *ctx)
{
	struct xdp_reflect_counters sum;
	int err;

	err = xdp_role_run(b, ctx, b->reflect->progs.lr_reflect,
			   RUNNING_REFLECT, reflect_poll, NULL);
	if (err)
		return err;
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
