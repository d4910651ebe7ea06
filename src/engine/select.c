// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/ethtool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/netpath.h"
#include "log.h"
#include "select.h"

static void config_common(const struct test_spec *sp,
			  struct backend_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->role = sp->role;
	cfg->batch = sp->burst < 64 ? 64 : sp->burst;
	cfg->max_frame = FRAME_MAX_SIZE;
	cfg->busy_poll = sp->busy_poll;
	cfg->kernel_rx_timestamps = sp->kernel_rx_timestamps;
	cfg->no_gso = sp->no_gso;
	cfg->count_only = sp->count_only;
	cfg->cpu = sp->cpu;
	cfg->flows = sp->flows;
	cfg->frame_size = sp->frame_size;
	cfg->xdp_mode = sp->xdp_mode;
	cfg->zero_copy = sp->zero_copy;
	cfg->force = sp->force;
	cfg->ring_size = sp->ring_size;
	cfg->umem_frames = sp->umem_frames;
	cfg->low_latency = sp->role == ROLE_PING || sp->role == ROLE_REFLECT;
	if (sp->role == ROLE_SEND || sp->role == ROLE_PING) {
		cfg->remote = sp->dst;
		cfg->remote_port = sp->dst_port;
		if (sp->has_src)
			cfg->local = sp->src;
		cfg->local_port = sp->src_port;
	} else {
		cfg->local = sp->listen;
		cfg->local_port = sp->listen_port;
		cfg->flows = 1;
	}
}

uint16_t backend_default_src_port(const struct test_spec *sp)
{
	/* An ephemeral-range port that differs between concurrent runs and
	 * leaves room for every flow's port. */
	uint32_t span = 65535 - 49152 + 1 - sp->flows;

	return (uint16_t)(49152 + (uint32_t)getpid() % span);
}

/* The raw backends' frame: where it goes and from where, to the byte. */
static int config_raw(const struct test_spec *sp, struct backend_config *cfg,
		      char *err, size_t err_len)
{
	const char *ifname = sp->ifname[0] ? sp->ifname : NULL;
	struct frame_spec *fs = &cfg->frame;
	struct net_path path;
	int rc;

	if (sp->role == ROLE_SEND || sp->role == ROLE_PING) {
		rc = netpath_to(&sp->dst, sp->has_src ? &sp->src : NULL, ifname,
				&path, err, err_len);
		if (rc)
			return rc;
		memcpy(fs->src_mac, path.src_mac, 6);
		memcpy(fs->dst_mac, path.dst_mac, 6);
		fs->src = sp->has_src ? sp->src : path.src;
		fs->dst = sp->dst;
		fs->src_port = sp->src_port ? sp->src_port :
					      backend_default_src_port(sp);
		fs->dst_port = sp->dst_port;
		cfg->local = fs->src;
		cfg->local_port = fs->src_port;
		cfg->test_port_min = fs->src_port;
		cfg->test_port_max = (uint16_t)(fs->src_port + sp->flows - 1);
	} else {
		rc = netpath_local(&sp->listen, ifname, &path, err, err_len);
		if (rc)
			return rc;
		memcpy(fs->dst_mac, path.src_mac, 6);
		fs->dst = sp->listen;
		fs->src.family = sp->listen.family;
		fs->dst_port = sp->listen_port;
		cfg->test_port_min = cfg->test_port_max = sp->listen_port;
	}
	snprintf(cfg->ifname_buf, sizeof(cfg->ifname_buf), "%s", path.ifname);
	cfg->ifname = cfg->ifname_buf;
	cfg->ifindex = path.ifindex;
	cfg->queue_id = 0;
	return 0;
}

/*
 * The xdp backend's generator and reflector transmit with XDP_TX. A veth
 * hands such frames to its peer only when the peer runs an XDP program
 * (or GRO, for some of them), which cannot be seen from here: auto does
 * not bet a whole test on it.
 */
static bool xdp_tx_unsafe(const struct backend_ops *ops,
			  const struct test_spec *sp,
			  const struct backend_config *cfg)
{
	struct ethtool_drvinfo drv;

	if (!(ops->flags & BACKEND_F_KERNEL) ||
	    (sp->role != ROLE_SEND && sp->role != ROLE_REFLECT))
		return false;
	return !netpath_driver(cfg->ifname, &drv) && !strcmp(drv.driver, "veth");
}

static void note_append(char *note, size_t len, const char *name,
			const char *why)
{
	size_t used = strlen(note);

	snprintf(note + used, len - used, "%s%s refused: %s", used ? "; " : "",
		 name, why);
}

int backend_select_open(const struct test_spec *sp,
			const struct backend_ops **ops_out, struct backend **b,
			struct backend_config *cfg, char *note,
			size_t note_len)
{
	static const char *const auto_order[] = { "xdp", "afxdp", "afpacket",
						  "udp" };
	const char *single[] = { sp->backend };
	const char *const *names = single;
	size_t count = 1;
	bool is_auto = !strcmp(sp->backend, "auto");
	int err = -ENOENT;

	note[0] = '\0';
	if (is_auto) {
		names = auto_order;
		count = sizeof(auto_order) / sizeof(auto_order[0]);
	}
	for (size_t i = 0; i < count; i++) {
		const struct backend_ops *ops = backend_find(names[i]);
		char why[256] = "";

		if (!ops)
			continue;
		/* A round trip is measured per packet in user space: the
		 * in-kernel backend has no ping. */
		if ((ops->flags & BACKEND_F_KERNEL) && sp->role == ROLE_PING) {
			if (!is_auto) {
				pr_warn("--backend %s: ping needs a user-space "
					"backend (afxdp, afpacket, udp)\n",
					ops->name);
				return -EOPNOTSUPP;
			}
			continue;
		}
		config_common(sp, cfg);
		if (ops->flags & BACKEND_F_RAW) {
			err = config_raw(sp, cfg, why, sizeof(why));
			if (!err && is_auto && xdp_tx_unsafe(ops, sp, cfg)) {
				note_append(note, note_len, ops->name,
					    "a veth drops XDP_TX frames unless its "
					    "peer runs XDP (use --backend xdp to "
					    "insist)");
				continue;
			}
			if (err) {
				if (!is_auto) {
					pr_warn("%s backend: %s\n", ops->name,
						why);
					return err;
				}
				note_append(note, note_len, ops->name, why);
				continue;
			}
		}
		err = ops->open(cfg, b);
		if (!err) {
			*ops_out = ops;
			return 0;
		}
		if (!is_auto) {
			pr_warn("%s backend: %s\n", ops->name, strerror(-err));
			return err;
		}
		note_append(note, note_len, ops->name, strerror(-err));
	}
	pr_warn("no backend could be opened: %s\n", note);
	return err;
}
