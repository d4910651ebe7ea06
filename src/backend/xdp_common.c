// SPDX-License-Identifier: MIT
/* What the in-kernel backend's roles share: clocks, the interface's
 * counters, the receive programs' match and attach, per-CPU map reads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "backend/ethtool.h"
#include "backend/xdp_common.h"
#include "lib/clock.h"

#define DEV_STAT_NAME(id, name) [id] = name,
/* clang-format off */
const char *const dev_stat_names[DEV_STAT_COUNT] = {
	DEV_STATS(DEV_STAT_NAME)
};
/* clang-format on */
#undef DEV_STAT_NAME

/*
 * CLOCK_REALTIME - CLOCK_MONOTONIC: the realtime reading against the
 * middle of the two monotonic ones around it, from the tightest of three
 * tries (a preemption in between shows as a wide bracket).
 */
uint64_t realtime_offset(void)
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

int dev_stats_read(const char *ifname, struct dev_stats *out)
{
	struct ethtool_counters all;
	int err;

	memset(out, 0, sizeof(*out));
	err = ethtool_counters_read(ifname, &all);
	if (err)
		return err;
	for (uint32_t i = 0; i < all.count; i++) {
		const char *name = all.names + (size_t)i * ETHTOOL_NAME_LEN;
		const char *rest;
		unsigned int queue;
		int used = 0;

		if (sscanf(name, "rx_queue_%u_%n", &queue, &used) != 1 &&
		    sscanf(name, "tx_queue_%u_%n", &queue, &used) != 1)
			continue;
		if (!used)
			continue;
		rest = name + used;
		for (int k = 0; k < DEV_STAT_COUNT; k++) {
			if (strcmp(rest, dev_stat_names[k]))
				continue;
			out->value[k] += all.values[i];
			out->found[k] = true;
		}
	}
	ethtool_counters_free(&all);
	return 0;
}

void dev_stats_baseline(struct backend *b)
{
	b->dev_base_valid = !dev_stats_read(b->ifname, &b->dev_base);
}

/* " name=delta" for the interface counters the driver has. */
size_t dev_stats_format(struct backend *b, char *buf, size_t len)
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

void match_config_from(const struct backend_config *cfg,
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

int percpu_lookup(struct backend *b, struct bpf_map *map, uint32_t key,
		  size_t value_size)
{
	int err = percpu_buf_reserve(b, value_size);

	if (err)
		return err;
	return bpf_map_lookup_elem(bpf_map__fd(map), &key, b->percpu_buf) ?
		       -errno :
		       0;
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

/*
 * The value at key 0 of the per-CPU map, a struct of __u64 counters of size
 * bytes, summed over CPUs into sum, but for its first and last arrival
 * times (at first_off and last_off), merged by rx_times_merge(). 0 or
 * -errno.
 */
int percpu_counters_read(struct backend *b, struct bpf_map *map, void *sum,
			 size_t size, size_t first_off, size_t last_off)
{
	const size_t n = size / sizeof(__u64);
	const size_t first = first_off / sizeof(__u64);
	const size_t last = last_off / sizeof(__u64);
	const __u64 *cpu;
	__u64 *total = sum;
	int err;

	err = percpu_lookup(b, map, 0, size);
	if (err)
		return err;
	memset(sum, 0, size);
	cpu = b->percpu_buf;
	for (int i = 0; i < b->ncpus; i++, cpu += n) {
		for (size_t k = 0; k < n; k++)
			if (k != first && k != last)
				total[k] += cpu[k];
		rx_times_merge(&total[first], &total[last], cpu[first],
			       cpu[last]);
	}
	return 0;
}

/* Opening or loading (what) the receive programs failed with err. */
int receive_progs_error(struct lr_err *why, int err, const char *what)
{
	return lr_err_set(why, err, NULL,
			  "xdp: cannot %s the receive programs: %s", what,
			  strerror(-err));
}

int receiver_attach(struct backend *b, int prog_fd, const char *what,
		    struct lr_err *why)
{
	const char *gso_note = "";
	char sample_note[88];
	int err;

	err = xdp_attach(&b->attachment, b->cfg.ifindex, prog_fd,
			 b->cfg.opts.xdp_mode, b->cfg.opts.force);
	if (err == -EBUSY && b->attachment.why[0])
		return lr_err_set(why, err, "force", "%s", b->attachment.why);
	if (err)
		return lr_err_set(why, err, NULL,
				  "xdp: cannot attach the %s to %s: %s%s%s",
				  what, b->ifname, strerror(-err),
				  b->attachment.note[0] ? ": " : "",
				  b->attachment.note);
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
	if (b->cfg.opts.latency_sample > 1 && !gso_note[0]) {
		snprintf(sample_note, sizeof(sample_note),
			 "latency and jitter from 1 in %u packets of each flow "
			 "(--latency-sample)",
			 b->cfg.opts.latency_sample);
		gso_note = sample_note;
	}
	snprintf(b->note, sizeof(b->note), "%s%s%s", b->attachment.note,
		 b->attachment.note[0] && gso_note[0] ? "; " : "", gso_note);
	return 0;
}

/*
 * Attach prog for the role (unless it already is), then poll every POLL_NS
 * until the role (RUNNING_SINK or RUNNING_REFLECT) is over; detached on the way out, so that a last read
 * after this is final. 0 or -errno (a read error in ctx->err).
 */
int xdp_role_run(struct backend *b, struct backend_role_ctx *ctx,
		 struct bpf_program *prog, enum xdp_running role,
		 xdp_role_poll_fn poll, void *arg)
{
	/* receiver_attach()'s name of the role, and what its reads read. */
	static const char *const names[] = {
		[RUNNING_SINK] = "analyzer",
		[RUNNING_REFLECT] = "reflector",
	};
	static const char *const reading[] = {
		[RUNNING_SINK] = "analyzer's maps",
		[RUNNING_REFLECT] = "reflector's counters",
	};
	bool over = false;
	int err;

	dev_stats_baseline(b);
	err = b->attachment.attached ? 0 :
				       receiver_attach(b, bpf_program__fd(prog),
						       names[role], NULL);
	if (err)
		return err;
	b->running = role;
	for (;;) {
		uint64_t now = mono_ns();

		err = poll(b, ctx, now, arg, &over);
		if (err || over)
			break;
		clock_sleep_until(now + POLL_NS);
	}
	xdp_detach(&b->attachment);
	if (err)
		return lr_err_set(ctx->err, err, NULL,
				  "xdp: reading the %s: %s", reading[role],
				  strerror(-err));
	return 0;
}
