// SPDX-License-Identifier: MIT
/*
 * One tc ingress filter of ours on and off again, leaving the interface as
 * it was: the filter goes in at a handle and priority the kernel picks (so
 * it never collides with someone else's), is removed only while that
 * handle and priority still hold our program, and the clsact qdisc goes
 * only if we made it and nobody has put a filter on it since.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/tc_attach.h"
#include "backend/xdp_attach.h"
#include "lib/log.h"

static const char *ifname_or_index(int ifindex, char buf[IF_NAMESIZE])
{
	if (!if_indextoname((unsigned int)ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "ifindex %d", ifindex);
	return buf;
}

int tc_ingress_attach(struct tc_attachment *a, int ifindex, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts);
	int err;

	memset(a, 0, sizeof(*a));
	a->ifindex = ifindex;
	err = bpf_prog_fd_take(ifindex, prog_fd, &a->prog_fd);
	if (err)
		return err;

	err = bpf_tc_hook_create(&hook);
	if (!err)
		a->created_qdisc = true;
	else if (err != -EEXIST)
		goto err_close;

	/* Handle and priority 0: the kernel picks free ones and libbpf
	 * reads them back from the echo. */
	opts.prog_fd = a->prog_fd;
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		goto err_qdisc;
	a->handle = opts.handle;
	a->priority = opts.priority;
	a->prog_id = opts.prog_id;
	a->attached = true;
	return 0;

err_qdisc:
	if (a->created_qdisc) {
		/* Ours and still empty: nothing of anyone else's goes. */
		if (tc_filter_count(ifindex, true) == 0 &&
		    tc_filter_count(ifindex, false) == 0) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
		a->created_qdisc = false;
	}
err_close:
	close(a->prog_fd);
	a->prog_fd = -1;
	return err;
}

int tc_ingress_detach(struct tc_attachment *a)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
		    .attach_point = BPF_TC_INGRESS);
	char ifname[IF_NAMESIZE];
	int err = 0, in, eg;

	if (a->attached) {
		LIBBPF_OPTS(bpf_tc_opts, query, .handle = a->handle,
			    .priority = a->priority);
		LIBBPF_OPTS(bpf_tc_opts, del, .handle = a->handle,
			    .priority = a->priority);

		a->attached = false;
		/* libbpf returns -errno itself. */
		err = bpf_tc_query(&hook, &query);
		if (err == -ENOENT || err == -ENODEV || err == -EINVAL)
			err = 0; /* gone with the qdisc or the interface */
		else if (!err && query.prog_id != a->prog_id)
			pr_warn("%s: our tc ingress filter was replaced by "
				"someone else; leaving theirs\n",
				ifname_or_index(a->ifindex, ifname));
		else if (!err)
			err = bpf_tc_detach(&hook, &del);
		if (err)
			pr_warn("%s: cannot remove our tc ingress filter "
				"(handle %#x, priority %u): %s; `linerate "
				"cleanup -i %s` removes it\n",
				ifname_or_index(a->ifindex, ifname), a->handle,
				a->priority, strerror(-err), ifname);
	}
	if (a->created_qdisc) {
		a->created_qdisc = false;
		in = tc_filter_count(a->ifindex, true);
		eg = tc_filter_count(a->ifindex, false);
		if (in == 0 && eg == 0) {
			int ret;

			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			ret = bpf_tc_hook_destroy(&hook);
			if (ret && ret != -ENOENT && ret != -EINVAL && !err)
				err = ret;
		} else if (in > 0 || eg > 0) {
			pr_info("%s: leaving the clsact qdisc: someone else "
				"added filters to it\n",
				ifname_or_index(a->ifindex, ifname));
		}
	}
	if (a->prog_fd >= 0)
		close(a->prog_fd);
	a->prog_fd = -1;
	return err;
}
