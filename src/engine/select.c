// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/ethtool.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/netpath.h"
#include "lib/log.h"
#include "engine/select.h"

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
	cfg->tos = sp->tos;
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
		if (sp->has_only_from)
			cfg->only_from = sp->only_from;
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
		fs->tos = sp->tos;
		fs->vlan_id = sp->vlan_id;
		fs->vlan_pcp = sp->vlan_pcp;
		fs->vlan_inner_id = sp->vlan_inner_id;
		fs->vlan_inner_pcp = sp->vlan_inner_pcp;
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
	cfg->if_flags = path.flags;
	cfg->queue_id = 0;
	return 0;
}

const char *const backend_auto_order[BACKEND_AUTO_COUNT] = {
	"xdp", "afxdp", "afpacket", "udp"
};

const char *backend_auto_refusal(const char *name, enum role role,
				 const struct backend_path_facts *facts)
{
	const struct backend_ops *ops = backend_find(name);
	bool receives = role == ROLE_RECV || role == ROLE_REFLECT;

	if (!ops)
		return "not built in";
	/* A round trip is measured per packet in user space. */
	if ((ops->flags & BACKEND_F_KERNEL) && role == ROLE_PING)
		return "ping needs a user-space backend";
	if (!(ops->flags & BACKEND_F_RAW))
		return NULL;
	/*
	 * On lo every sender is on this host, and lo hands XDP and packet
	 * sockets a UDP GSO batch as one packet: the raw backends would
	 * report loss and corruption that did not happen. The udp
	 * backend's socket gets the batch segmented.
	 */
	if (facts->loopback && receives)
		return "on a loopback interface every sender is on this host, "
		       "and a sender's UDP GSO batch reaches XDP and AF_PACKET "
		       "as one packet (false loss and corrupt)";
	if (facts->loopback)
		return "a loopback interface: raw backends send only to "
		       "another host";
	/*
	 * The xdp backend's generator and reflector transmit with XDP_TX.
	 * A veth hands such frames to its peer only when the peer runs an
	 * XDP program (or GRO, for some of them), which cannot be seen
	 * from here: auto does not bet a whole test on it.
	 */
	if ((ops->flags & BACKEND_F_KERNEL) && facts->veth &&
	    (role == ROLE_SEND || role == ROLE_REFLECT))
		return "a veth drops XDP_TX frames unless its peer runs XDP "
		       "(use --backend xdp to insist)";
	return NULL;
}

static void path_facts(const struct backend_config *cfg,
		       struct backend_path_facts *facts)
{
	struct ethtool_drvinfo drv;

	facts->loopback = cfg->if_flags & IFF_LOOPBACK;
	facts->veth = !netpath_driver(cfg->ifname, &drv) &&
		      !strcmp(drv.driver, "veth");
}

/* "a refused: why; b, c refused: why2": backends refused for the same
 * reason share one clause. */
void backend_note_append(char *note, size_t len, const char *name,
			const char *why)
{
	size_t used = strlen(note), why_len = strlen(why);
	const char *clause = strrchr(note, ';');
	const char *refused;

	clause = clause ? clause + 2 : note;
	refused = strstr(clause, " refused: ");
	if (used && refused && !strcmp(refused + strlen(" refused: "), why) &&
	    used + strlen(name) + 2 < len) {
		size_t at = (size_t)(refused - note);
		size_t tail = strlen(" refused: ") + why_len + 1;
		size_t add = strlen(name) + 2;

		memmove(note + at + add, note + at, tail);
		memcpy(note + at, ", ", 2);
		memcpy(note + at + 2, name, add - 2);
		return;
	}
	snprintf(note + used, len - used, "%s%s refused: %s", used ? "; " : "",
		 name, why);
}

int backend_select_open(const struct test_spec *sp,
			const struct backend_ops **ops_out, struct backend **b,
			struct backend_config *cfg, char *note,
			size_t note_len)
{
	const char *single[] = { sp->backend };
	const char *const *names = single;
	size_t count = 1;
	bool is_auto = !strcmp(sp->backend, "auto");
	int err = -ENOENT;

	note[0] = '\0';
	if (is_auto) {
		names = backend_auto_order;
		count = BACKEND_AUTO_COUNT;
	}
	for (size_t i = 0; i < count; i++) {
		const struct backend_ops *ops = backend_find(names[i]);
		char why[256] = "";

		if (!ops)
			continue;
		/* A round trip is measured per packet in user space: the
		 * in-kernel backend has no ping. */
		if ((ops->flags & BACKEND_F_KERNEL) && sp->role == ROLE_PING &&
		    !is_auto) {
			pr_warn("--backend %s: ping needs a user-space backend "
				"(afxdp, afpacket, udp)\n",
				ops->name);
			return -EOPNOTSUPP;
		}
		/* A socket cannot put an 802.1Q tag on its packets. */
		if (sp->vlan_id && !(ops->flags & BACKEND_F_RAW)) {
			if (!is_auto) {
				pr_warn("--backend %s: cannot tag frames with "
					"--vlan\n", ops->name);
				return -EOPNOTSUPP;
			}
			backend_note_append(note, note_len, ops->name,
					    "cannot tag 802.1Q frames (--vlan)");
			continue;
		}
		/* The in-kernel generator repeats one frame. */
		if (sp->size_mix.count && (ops->flags & BACKEND_F_KERNEL) &&
		    sp->role == ROLE_SEND) {
			backend_note_append(note, note_len, ops->name,
					    "sends one frame size (--size mix)");
			continue;
		}
		config_common(sp, cfg);
		if (ops->flags & BACKEND_F_RAW) {
			err = config_raw(sp, cfg, why, sizeof(why));
			if (err) {
				if (!is_auto) {
					pr_warn("%s backend: %s\n", ops->name,
						why);
					return err;
				}
				backend_note_append(note, note_len, ops->name, why);
				continue;
			}
		}
		if (is_auto) {
			struct backend_path_facts facts = { 0 };
			const char *refusal;

			if (ops->flags & BACKEND_F_RAW)
				path_facts(cfg, &facts);
			refusal = backend_auto_refusal(ops->name, sp->role,
						       &facts);
			if (refusal) {
				backend_note_append(note, note_len, ops->name, refusal);
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
		backend_note_append(note, note_len, ops->name, strerror(-err));
	}
	pr_warn("no backend could be opened: %s\n", note);
	return err;
}
