// SPDX-License-Identifier: MIT
/*
 * The configurations `linerate hookcost` compares, on the receiving
 * interface: nothing, lr_pass as generic XDP, lr_pass (or lr_pass_frags,
 * which drivers take above a page of MTU) as native XDP, and lr_tc_pass on
 * the clsact ingress hook.
 *
 * "Nothing" must really be nothing, so the interface is checked first: a
 * killed run's linerate programs are removed, and anything foreign stops
 * the run unless --force. With --force a foreign XDP program is taken off
 * for the run (an XDP hook holds one program) and put back at the end;
 * foreign tc filters stay where they are and are in every row.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hookcost/hookcost_internal.h"
#include "lib/log.h"
#include "tc_pass.skel.h"
#include "xdp_pass.skel.h"

#define HOOK_LIST_MAX 32

static const char *owner_text(const struct hook_prog *p, char *buf, size_t len)
{
	if (p->owner == HOOK_OWNER_RUNNING)
		snprintf(buf, len, "belongs to a running linerate (pid %d)",
			 (int)p->holder);
	else
		snprintf(buf, len, "is foreign");
	return buf;
}

/* Take a foreign XDP program off, keeping an fd to put it back. */
static int take_off_foreign(struct hc_hooks *h, const struct hook_prog *p)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int fd, err;

	fd = bpf_prog_get_fd_by_id(p->id);
	if (fd < 0)
		return -errno;
	fd = bpf_fd_above_stdio(fd);
	if (fd < 0)
		return fd;
	opts.old_prog_fd = fd;
	err = bpf_xdp_detach(h->ifindex, p->mode_flag | XDP_FLAGS_REPLACE,
			     &opts);
	if (err) {
		close(fd);
		return err;
	}
	h->foreign_fd = fd;
	h->foreign_mode = p->mode_flag;
	snprintf(h->foreign_name, sizeof(h->foreign_name), "%s", p->name);
	pr_warn("hookcost: %s: took foreign XDP program %s (id %u, %s) off "
		"for the run (--force); it is put back at the end\n",
		h->ifname, p->name, p->id, p->hook);
	return 0;
}

/* The interface as the "none" row needs it, or one line and -EBUSY. */
static int check_interface(struct hc_hooks *h)
{
	struct hook_prog list[HOOK_LIST_MAX];
	bool leftovers = false;
	char why[64];
	int n, err;

	n = hook_inspect(h->ifindex, list, HOOK_LIST_MAX);
	if (n < 0) {
		pr_warn("linerate hookcost: %s: cannot inspect its XDP and tc "
			"hooks: %s\n",
			h->ifname, strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		const struct hook_prog *p = &list[i];
		bool xdp = p->mode_flag != 0;

		if (p->owner == HOOK_OWNER_LEFTOVER) {
			leftovers = true;
			continue;
		}
		if (!h->force) {
			if (xdp)
				pr_warn("linerate hookcost: %s: XDP program %s "
					"(id %u, %s) %s; not measuring over "
					"it (--force takes it off for the run "
					"and puts it back)\n",
					h->ifname, p->name, p->id, p->hook,
					owner_text(p, why, sizeof(why)));
			else
				pr_warn("linerate hookcost: %s: tc ingress "
					"filter %s (handle %#x, priority %u) "
					"%s; not measuring over it (--force "
					"measures with it in place)\n",
					h->ifname, p->name, p->tc_handle,
					p->tc_priority,
					owner_text(p, why, sizeof(why)));
			return -EBUSY;
		}
		if (!xdp) {
			pr_warn("hookcost: %s: tc ingress filter %s (handle "
				"%#x, priority %u) stays in place (--force): "
				"every row includes it, and during the tc run "
				"lr_tc_pass may end classification before "
				"it\n",
				h->ifname, p->name, p->tc_handle,
				p->tc_priority);
			continue;
		}
		if (h->foreign_fd >= 0) {
			pr_warn("linerate hookcost: %s: more than one foreign "
				"XDP program is attached; take them off "
				"first\n",
				h->ifname);
			return -EBUSY;
		}
		err = take_off_foreign(h, p);
		if (err) {
			pr_warn("linerate hookcost: %s: cannot take XDP "
				"program %s (id %u) off: %s\n",
				h->ifname, p->name, p->id, strerror(-err));
			return err;
		}
	}
	if (leftovers) {
		/* A killed run's programs; cleanup names each at info. */
		err = xdp_cleanup(h->ifindex);
		if (err < 0) {
			pr_warn("linerate hookcost: %s: cannot remove what a "
				"killed linerate left: %s\n",
				h->ifname, strerror(-err));
			return err;
		}
	}
	return 0;
}

int hc_hooks_open(struct hc_hooks *h, const char *ifname, bool force)
{
	int err;

	memset(h, 0, sizeof(*h));
	h->foreign_fd = -1;
	h->force = force;
	snprintf(h->ifname, sizeof(h->ifname), "%s", ifname);
	h->ifindex = (int)if_nametoindex(ifname);
	if (!h->ifindex) {
		err = -errno;
		pr_warn("linerate hookcost: %s: no such interface\n", ifname);
		return err ? err : -ENODEV;
	}
	/* Routes libbpf's log through ours before the loads. */
	xdp_attached_prog(h->ifindex, XDP_FLAGS_SKB_MODE, NULL, 0);
	h->xdp_skel = xdp_pass__open_and_load();
	h->tc_skel = h->xdp_skel ? tc_pass__open_and_load() : NULL;
	if (!h->xdp_skel || !h->tc_skel) {
		err = -errno;
		pr_warn("linerate hookcost: cannot load the empty XDP and tc "
			"programs: %s%s\n",
			strerror(-err),
			err == -EPERM ? " (needs root, or CAP_BPF and "
					"CAP_NET_ADMIN)" :
					"");
		hc_hooks_close(h);
		return err ? err : -EINVAL;
	}
	err = check_interface(h);
	if (err) {
		hc_hooks_close(h);
		return err;
	}
	return 0;
}

static int apply_xdp_native(struct hc_hooks *h, char *note, size_t note_len)
{
	char plain_note[sizeof(h->xdp.note)];
	int err;

	err = xdp_attach(&h->xdp, h->ifindex,
			 bpf_program__fd(h->xdp_skel->progs.lr_pass),
			 XDP_PREF_NATIVE, false);
	if (!err) {
		snprintf(h->program[HC_XDP_NATIVE], 24, "lr_pass");
		return 0;
	}
	if (err == -EBUSY)
		return err;
	snprintf(plain_note, sizeof(plain_note), "%s", h->xdp.note);
	/* veth at MTU 9000: "Peer MTU is too large to set XDP" for a
	 * program that is not multi-buffer aware. */
	err = xdp_attach(&h->xdp, h->ifindex,
			 bpf_program__fd(h->xdp_skel->progs.lr_pass_frags),
			 XDP_PREF_NATIVE, false);
	if (!err) {
		snprintf(h->program[HC_XDP_NATIVE], 24, "lr_pass_frags");
		pr_debug("hookcost: native XDP takes lr_pass_frags only: "
			 "%s\n",
			 plain_note);
		return 0;
	}
	if (err == -EBUSY)
		return err;
	snprintf(note, note_len, "%s", plain_note);
	return -EOPNOTSUPP;
}

int hc_hooks_apply(struct hc_hooks *h, enum hc_config c, char *note,
		   size_t note_len)
{
	int err = 0;

	note[0] = '\0';
	err = hc_hooks_clear(h);
	if (err)
		return err;
	switch (c) {
	case HC_NONE:
		snprintf(h->program[c], 24, "-");
		snprintf(h->mode[c], 24, "-");
		return 0;
	case HC_XDP_GENERIC:
		err = xdp_attach(&h->xdp, h->ifindex,
				 bpf_program__fd(h->xdp_skel->progs.lr_pass),
				 XDP_PREF_GENERIC, false);
		if (err && err != -EBUSY) {
			snprintf(note, note_len, "%s", h->xdp.note);
			err = -EOPNOTSUPP;
		}
		snprintf(h->program[c], 24, "lr_pass");
		snprintf(h->mode[c], 24, "XDP generic");
		break;
	case HC_XDP_NATIVE:
		err = apply_xdp_native(h, note, note_len);
		snprintf(h->mode[c], 24, "XDP native");
		break;
	case HC_TC:
		err = tc_ingress_attach(
			&h->tc, h->ifindex,
			bpf_program__fd(h->tc_skel->progs.lr_tc_pass));
		if (err)
			snprintf(note, note_len, "tc ingress attach failed: %s",
				 strerror(-err));
		snprintf(h->program[c], 24, "lr_tc_pass");
		snprintf(h->mode[c], 24, "tc ingress");
		break;
	default:
		return -EINVAL;
	}
	if (err == -EBUSY && h->xdp.why[0])
		pr_warn("%s\n", h->xdp.why);
	if (err == -EBUSY)
		pr_warn("linerate hookcost: %s: somebody attached a program "
			"during the run\n",
			h->ifname);
	if (!err)
		h->attached = c;
	return err;
}

int hc_hooks_clear(struct hc_hooks *h)
{
	int err = 0;

	if (h->xdp.attached) {
		struct bpf_prog_info info;
		uint32_t info_len = sizeof(info);
		uint32_t mode = h->xdp.flags;

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(h->xdp.prog_fd, &info, &info_len))
			info.id = 0;
		xdp_detach(&h->xdp);
		/* Ours still there: xdp_detach said why. */
		if (info.id &&
		    xdp_attached_prog(h->ifindex, mode, NULL, 0) == info.id)
			err = -EIO;
	}
	if (h->tc.attached || h->tc.created_qdisc) {
		int e = tc_ingress_detach(&h->tc);

		if (e && !err)
			err = e;
	}
	h->attached = HC_NONE;
	return err;
}

int hc_hooks_close(struct hc_hooks *h)
{
	int err = hc_hooks_clear(h);

	if (h->foreign_fd >= 0) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
		int e;

		e = bpf_xdp_attach(
			h->ifindex, h->foreign_fd,
			h->foreign_mode | XDP_FLAGS_UPDATE_IF_NOEXIST, &opts);
		if (e) {
			pr_warn("linerate hookcost: %s: cannot put foreign XDP "
				"program %s back: %s\n",
				h->ifname, h->foreign_name, strerror(-e));
			if (!err)
				err = e;
		} else {
			pr_info("hookcost: %s: put foreign XDP program %s "
				"back\n",
				h->ifname, h->foreign_name);
		}
		close(h->foreign_fd);
		h->foreign_fd = -1;
	}
	tc_pass__destroy(h->tc_skel);
	xdp_pass__destroy(h->xdp_skel);
	h->tc_skel = NULL;
	h->xdp_skel = NULL;
	return err;
}
