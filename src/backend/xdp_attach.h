/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_XDP_ATTACH_H
#define LINERATE_XDP_ATTACH_H

/*
 * Safe attach and detach of linerate's XDP programs, with libbpf directly
 * (libxdp's dispatcher is refused on some kernels and sandboxes, and needs
 * bpffs, which `ip netns exec` does not mount).
 *
 * linerate's programs are recognised by their name prefix LINERATE_PROG_PREFIX
 * (BPF program names are at most 15 characters). A linerate program left by
 * a killed run is replaced; a foreign program is never replaced unless
 * force is set. Attaching uses XDP_FLAGS_REPLACE with the old program's fd
 * so a program attached by someone else in between is not clobbered.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend/backend.h"

#define LINERATE_PROG_PREFIX "lr_"

/* The XDP attach modes by flag (XDP_FLAGS_*_MODE) and the name reports
 * give them: native, generic, offload. */
#define XDP_MODE_COUNT 3
struct xdp_mode_name {
	uint32_t flag;
	const char *name;
};
extern const struct xdp_mode_name xdp_modes[XDP_MODE_COUNT];

struct xdp_attachment {
	int ifindex;
	int prog_fd;
	/* An XDP bpf_link (kernel 5.9+): closing it detaches the program,
	 * so the kernel does it for a process that dies however it dies.
	 * -1 when attached the older way (netlink), or not attached. */
	int link_fd;
	uint32_t flags; /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE as used */
	bool attached;
	char mode[16]; /* "native" or "generic" */
	char note[160]; /* why native was refused, or "" */
	/* After a refusal: the reason alone, without the mode (the words
	 * after "refused: " in note, cut as there); "" otherwise. */
	char refusal[160];
	/* After -EBUSY: the program in the way and why it stays, one line
	 * for the caller to pass on; "" otherwise. */
	char why[192];
};

/*
 * Attach prog_fd to ifindex. XDP_PREF_AUTO tries native (driver) first,
 * then generic, and says in a->note why native was refused. Returns 0, or
 * -EBUSY when a foreign program is attached and !force (a->why names it),
 * or another -errno. It logs nothing: the caller says what failed.
 */
int xdp_attach(struct xdp_attachment *a, int ifindex, int prog_fd,
	       enum xdp_mode_pref mode, bool force);

/* Detach what xdp_attach attached (only if it is still ours). Safe to call
 * twice and on an attachment that never attached. */
void xdp_detach(struct xdp_attachment *a);

/*
 * From a signal handler about to _exit(): detach whatever xdp_attach
 * attached through netlink and has not detached yet (those through a
 * bpf_link go away with the process). Best effort; returns how many.
 */
int xdp_detach_all_now(void);

/* Remove linerate programs left on ifindex (XDP in any mode, and tc
 * clsact filters named with the prefix). Returns the number removed, or
 * -errno; foreign programs are left alone. */
int xdp_cleanup(int ifindex);

/* Remove program id from ifindex's XDP hook in mode_flag
 * (XDP_FLAGS_*_MODE), and nothing attached in its place; whoever owns
 * it. 0 or -errno. */
int xdp_remove_id(int ifindex, uint32_t mode_flag, uint32_t id);

/* libbpf reads a program fd of 0 as "none" (and a process may run with
 * stdin closed): a close-on-exec copy of fd above stdio, or -errno; and
 * the same taking fd over (it is closed). */
int bpf_fd_dup(int fd);
int bpf_fd_above_stdio(int fd);

/* An attachment's own copy of prog_fd in *out (-1 until then), so that
 * it can detach after the caller has freed its skeleton: 0, -EINVAL for
 * a bad ifindex or fd, or -errno. */
int bpf_prog_fd_take(int ifindex, int prog_fd, int *out);

/* Name of the XDP program attached in the given mode (XDP_FLAGS_*_MODE)
 * or "" when none; returns its id or 0. */
uint32_t xdp_attached_prog(int ifindex, uint32_t mode_flag, char *name,
			   size_t name_len);

/* Who put a program on a hook (see hook_inspect). */
enum hook_owner {
	HOOK_OWNER_FOREIGN = 0, /* not linerate's: never touched without force */
	HOOK_OWNER_LEFTOVER, /* linerate's, held by nobody: a killed run's */
	HOOK_OWNER_RUNNING, /* linerate's, held by a live process */
};

struct hook_prog {
	char hook[16]; /* "XDP native", "XDP generic", "XDP offload", "tc ingress" */
	char name[16]; /* the program's name; a non-bpf filter's kind */
	uint32_t id; /* program id; 0 for a non-bpf tc filter */
	uint32_t mode_flag; /* XDP_FLAGS_*_MODE; 0 for tc */
	uint32_t tc_handle, tc_priority; /* tc only */
	enum hook_owner owner;
	pid_t holder; /* HOOK_OWNER_RUNNING: the process holding it */
};

/* What is attached to ifindex's XDP hooks (every mode) and its tc ingress
 * hook (filters of any kind). Fills at most max entries and returns their
 * number, or -errno. */
int hook_inspect(int ifindex, struct hook_prog *out, unsigned int max);

/* Filters of any kind on ifindex's clsact ingress or egress hook (0 when
 * there is no clsact qdisc), or -errno. */
int tc_filter_count(int ifindex, bool ingress);

#endif
