// SPDX-License-Identifier: MIT
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "backend/netpath.h"
#include "backend/xdp_attach.h"
#include "bpf/stamp_shared.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "stamp/xdp_reflect.h"
#include "xdp_stamp.skel.h"

struct stamp_xdp {
	struct xdp_stamp *skel;
	struct xdp_attachment attachment;
	int ncpus;
	struct xdp_stamp_counters *percpu;
	char mode[32];
};

int stamp_ifname_of(const struct ip_addr *addr, char *name, size_t len)
{
	struct net_path path;
	int rc;

	rc = netpath_local(addr, NULL, &path, NULL);
	if (rc)
		return rc == -EADDRNOTAVAIL || rc == -EINVAL ? -ENOENT : rc;
	snprintf(name, len, "%s", path.ifname);
	return 0;
}

int stamp_xdp_open(struct stamp_xdp **out, const struct test_spec *sp,
		   const struct stamp_reflector_config *cfg, struct lr_err *why)
{
	static const struct in6_addr any6;
	struct xdp_stamp_config *c;
	struct stamp_xdp *x;
	int ifindex, err;

	ifindex = (int)if_nametoindex(sp->backend.ifname);
	if (!ifindex)
		return lr_err_set(why, -ENODEV, "interface",
				  "stamp-reflect: no interface '%s'",
				  sp->backend.ifname);
	x = calloc(1, sizeof(*x));
	if (!x)
		return lr_err_errno(why, -ENOMEM);
	x->ncpus = libbpf_num_possible_cpus();
	x->percpu = calloc(x->ncpus > 0 ? (size_t)x->ncpus : 1,
			   sizeof(*x->percpu));
	x->skel = xdp_stamp__open();
	if (x->ncpus <= 0 || !x->percpu || !x->skel) {
		err = x->ncpus < 0 ? x->ncpus : -ENOMEM;
		lr_err_set(why, err, NULL,
			   "stamp-reflect: cannot open the XDP program: %s",
			   strerror(-err));
		goto fail;
	}
	c = (struct xdp_stamp_config *)&x->skel->rodata->stamp_cfg;
	c->match.family = sp->listen.family == AF_INET6 ? XDP_FAMILY_IPV6 :
							  XDP_FAMILY_IPV4;
	c->match.port = sp->listen_port;
	if (sp->listen.family == AF_INET6) {
		memcpy(c->match.addr, &sp->listen.v6, 16);
		c->match.any_addr = !memcmp(&sp->listen.v6, &any6, 16);
	} else {
		memcpy(c->match.addr, &sp->listen.v4, 4);
		c->match.any_addr = sp->listen.v4.s_addr == 0;
	}
	c->stateful = cfg->stateful;
	c->ee_ntp = stamp_ee_encode(cfg->error_ns, cfg->synchronized,
				    STAMP_TS_NTP);
	c->ee_ptp = stamp_ee_encode(cfg->error_ns, cfg->synchronized,
				    STAMP_TS_PTP);
	c->tai_offset_ns = cfg->tai_offset_ns;
	if (cfg->rate_limit_pps > 0) {
		c->rate_ns_per_packet = (uint64_t)(1e9 / cfg->rate_limit_pps);
		if (!c->rate_ns_per_packet)
			c->rate_ns_per_packet = 1;
		c->rate_burst_ns = c->rate_ns_per_packet * cfg->rate_burst;
	}
	err = xdp_stamp__load(x->skel);
	if (err) {
		lr_err_set(why, err, NULL,
			   "stamp-reflect: cannot load the XDP program: %s",
			   strerror(-err));
		goto fail;
	}
	err = xdp_attach(&x->attachment, ifindex,
			 bpf_program__fd(x->skel->progs.lr_stamp),
			 sp->backend.xdp_mode, sp->backend.force);
	if (err) {
		if (x->attachment.why[0])
			lr_err_set(why, err, "force", "%s", x->attachment.why);
		else
			lr_err_set(why, err, NULL,
				   "stamp-reflect: cannot attach XDP to %s: "
				   "%s%s%s",
				   sp->backend.ifname, strerror(-err),
				   x->attachment.note[0] ? ": " : "",
				   x->attachment.note);
		goto fail;
	}
	snprintf(x->mode, sizeof(x->mode), "%s XDP", x->attachment.mode);
	*out = x;
	return 0;
fail:
	stamp_xdp_close(x);
	return err;
}

int stamp_xdp_read(struct stamp_xdp *x, struct stamp_xdp_counters *sum)
{
	__u32 key = 0;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.stamp_counters),
				&key, x->percpu))
		return -errno;
	for (int i = 0; i < x->ncpus; i++) {
		sum->rx_packets += x->percpu[i].rx_packets;
		sum->reflected += x->percpu[i].reflected;
		sum->bytes += x->percpu[i].bytes;
		sum->passed_up += x->percpu[i].passed_up;
		sum->rate_limited += x->percpu[i].rate_limited;
		sum->ptp_replies += x->percpu[i].ptp_replies;
	}
	return 0;
}

const char *stamp_xdp_mode(const struct stamp_xdp *x)
{
	return x->mode;
}

const char *stamp_xdp_note(const struct stamp_xdp *x)
{
	return x->attachment.note;
}

void stamp_xdp_close(struct stamp_xdp *x)
{
	if (!x)
		return;
	xdp_detach(&x->attachment);
	xdp_stamp__destroy(x->skel);
	free(x->percpu);
	free(x);
}
