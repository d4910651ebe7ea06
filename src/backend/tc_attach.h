/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_TC_ATTACH_H
#define LINERATE_TC_ATTACH_H

/*
 * Attach and detach one of linerate's tc programs on a clsact ingress hook
 * with libbpf's bpf_tc_* netlink calls (no bpffs, no `tc` binary). The
 * clsact qdisc is created when missing and removed again afterwards only
 * if we created it and no filter of anyone else's is on it by then.
 */

#include <stdbool.h>
#include <stdint.h>

struct tc_attachment {
	int ifindex;
	int prog_fd; /* our own dup of the program's fd */
	uint32_t handle; /* as the kernel chose them */
	uint32_t priority;
	uint32_t prog_id;
	bool attached;
	bool created_qdisc; /* the clsact qdisc is ours to remove */
};

/* Attach prog_fd (a BPF_PROG_TYPE_SCHED_CLS program, direct action) to
 * ifindex's ingress. Returns 0 or -errno. */
int tc_ingress_attach(struct tc_attachment *a, int ifindex, int prog_fd);

/* Undo tc_ingress_attach: remove our filter if it is still ours, then the
 * clsact qdisc if we made it and it is empty. Safe to call twice and on an
 * attachment that never attached. Returns 0, or -errno after a warning
 * naming the cleanup command. */
int tc_ingress_detach(struct tc_attachment *a);

#endif
