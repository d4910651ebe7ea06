// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/ethtool.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/netpath.h"
#include "engine/select.h"

void backend_request_from_spec(const struct test_spec *sp,
			       struct backend_request *req)
{
	struct backend_config *cfg = &req->cfg;

	memset(req, 0, sizeof(*req));
	cfg->role = sp->role;
	cfg->opts = sp->backend;
	cfg->opts.low_latency = sp->backend.low_latency ||
				sp->role == ROLE_PING ||
				sp->role == ROLE_REFLECT;
	cfg->batch = sp->burst < 64 ? 64 : sp->burst;
	cfg->max_frame = FRAME_MAX_SIZE;
	cfg->cpu = sp->cpu;
	cfg->flows = sp->flows;
	cfg->frame_size = sp->frame_size;
	cfg->tos = sp->tos;
	if (sp->role == ROLE_SEND || sp->role == ROLE_PING) {
		cfg->frame.tos = sp->tos;
		cfg->frame.vlan_id = sp->vlan_id;
		cfg->frame.vlan_pcp = sp->vlan_pcp;
		cfg->frame.vlan_inner_id = sp->vlan_inner_id;
		cfg->frame.vlan_inner_pcp = sp->vlan_inner_pcp;
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
	req->mixed_sizes = sp->role == ROLE_SEND && sp->size_mix.count;
}

uint16_t backend_default_src_port(uint32_t flows)
{
	/* An ephemeral-range port that differs between concurrent runs and
	 * leaves room for every flow's port. */
	uint32_t span = 65535 - 49152 + 1 - flows;

	return (uint16_t)(49152 + (uint32_t)getpid() % span);
}

/* The raw backends' frame: where it goes and from where, to the byte. */
static int config_raw(struct backend_config *cfg, struct lr_err *err)
{
	const char *ifname = cfg->opts.ifname[0] ? cfg->opts.ifname : NULL;
	bool has_src = cfg->local.family != 0;
	struct frame_spec *fs = &cfg->frame;
	struct net_path path;
	int rc;

	if (cfg->role == ROLE_SEND || cfg->role == ROLE_PING) {
		rc = netpath_to(&cfg->remote, has_src ? &cfg->local : NULL,
				ifname, &path, err);
		if (rc)
			return rc;
		memcpy(fs->src_mac, path.src_mac, 6);
		memcpy(fs->dst_mac, path.dst_mac, 6);
		fs->src = has_src ? cfg->local : path.src;
		fs->dst = cfg->remote;
		fs->src_port = cfg->local_port ?
				       cfg->local_port :
				       backend_default_src_port(cfg->flows);
		fs->dst_port = cfg->remote_port;
		cfg->local = fs->src;
		cfg->local_port = fs->src_port;
		cfg->test_port_min = fs->src_port;
		cfg->test_port_max = (uint16_t)(fs->src_port + cfg->flows - 1);
	} else {
		rc = netpath_local(&cfg->local, ifname, &path, err);
		if (rc)
			return rc;
		memcpy(fs->dst_mac, path.src_mac, 6);
		fs->dst = cfg->local;
		fs->src.family = cfg->local.family;
		fs->dst_port = cfg->local_port;
		cfg->test_port_min = cfg->test_port_max = cfg->local_port;
	}
	snprintf(cfg->opts.ifname, sizeof(cfg->opts.ifname), "%s", path.ifname);
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
	facts->veth = !netpath_driver(cfg->opts.ifname, &drv) &&
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

/* Why req may not open ops (it cannot do what was asked), or NULL. With a
 * backend named outright, the error says so in the flag's words. */
static const char *backend_cannot(const struct backend_request *req,
				  const struct backend_ops *ops, bool is_auto,
				  struct lr_err *err)
{
	const struct backend_config *cfg = &req->cfg;

	/* A round trip is measured per packet in user space: the in-kernel
	 * backend has no ping (auto's rule says so below). */
	if ((ops->flags & BACKEND_F_KERNEL) && cfg->role == ROLE_PING &&
	    !is_auto) {
		lr_err_set(err, -EOPNOTSUPP, "backend",
			   "--backend %s: ping needs a user-space backend "
			   "(afxdp, afpacket, udp)",
			   ops->name);
		return "";
	}
	/* A socket cannot put an 802.1Q tag on its packets. */
	if (cfg->frame.vlan_id && !(ops->flags & BACKEND_F_RAW)) {
		if (!is_auto) {
			lr_err_set(
				err, -EOPNOTSUPP, "backend",
				"--backend %s: cannot tag frames with --vlan",
				ops->name);
			return "";
		}
		return "cannot tag 802.1Q frames (--vlan)";
	}
	/* The in-kernel generator repeats one frame. */
	if (req->mixed_sizes && (ops->flags & BACKEND_F_KERNEL))
		return "sends one frame size (--size mix)";
	return NULL;
}

int backend_select_open(const struct backend_request *req,
			const struct backend_ops **ops_out, struct backend **b,
			struct backend_config *cfg, char *note, size_t note_len,
			struct lr_err *err)
{
	const char *single[] = {req->cfg.opts.name};
	const char *const *names = single;
	size_t count = 1;
	bool is_auto = !strcmp(req->cfg.opts.name, "auto");
	int rc = -ENOENT;

	note[0] = '\0';
	if (is_auto) {
		names = req->auto_order ? req->auto_order : backend_auto_order;
		count = req->auto_order ? req->auto_count : BACKEND_AUTO_COUNT;
	}
	for (size_t i = 0; i < count; i++) {
		const struct backend_ops *ops = backend_find(names[i]);
		struct lr_err why = {0};
		const char *cannot;

		if (!ops)
			continue;
		cannot = backend_cannot(req, ops, is_auto, err);
		if (cannot && !is_auto)
			return lr_err_is_set(err) ? err->code : -EOPNOTSUPP;
		if (cannot) {
			backend_note_append(note, note_len, ops->name, cannot);
			continue;
		}
		*cfg = req->cfg;
		if (ops->flags & BACKEND_F_RAW) {
			rc = config_raw(cfg, &why);
			if (rc) {
				if (!is_auto)
					return lr_err_set(
						err, rc, NULL, "%s backend: %s",
						ops->name, lr_err_text(&why));
				backend_note_append(note, note_len, ops->name,
						    lr_err_text(&why));
				continue;
			}
		}
		if (is_auto) {
			struct backend_path_facts facts = { 0 };
			const char *refusal;

			if (ops->flags & BACKEND_F_RAW)
				path_facts(cfg, &facts);
			refusal = backend_auto_refusal(ops->name, cfg->role,
						       &facts);
			if (refusal) {
				backend_note_append(note, note_len, ops->name,
						    refusal);
				continue;
			}
		}
		rc = ops->open(cfg, b, &why);
		if (!rc) {
			*ops_out = ops;
			return 0;
		}
		/* The backend's own words when it had any. */
		if (!is_auto && why.message[0])
			return lr_err_set(err, rc, why.field, "%s",
					  why.message);
		if (!is_auto)
			return lr_err_set(err, rc, NULL, "%s backend: %s",
					  ops->name, strerror(-rc));
		backend_note_append(note, note_len, ops->name, strerror(-rc));
	}
	return lr_err_set(err, rc, NULL, "no backend could be opened: %s",
			  note);
}
