// SPDX-License-Identifier: MIT
/*
 * The probe of an interface (probe.h): each check tries the thing itself.
 *
 * Whatever happens, nothing stays attached: every attach is undone before
 * the next step, with termination signals held off in between, and a
 * detach that fails is an error naming the cleanup command.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "backend/netpath.h"
#include "backend/xdp_attach.h"
#include "engine/probe.h"
#include "engine/select.h"
#include "lib/log.h"
#include "xdp_pass.skel.h"

#define XSK_PROBE_FRAMES 64 /* enough to bind; nothing is sent */
#define LIVE_FRAME_LEN	 64
#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's own "not supported", seen via bpf() */
#endif

const enum role probe_roles[PROBE_ROLE_COUNT] = {ROLE_SEND, ROLE_RECV,
						 ROLE_REFLECT, ROLE_PING};

static void check_set(struct probe_check *c, enum probe_check_state state,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check_set(struct probe_check *c, enum probe_check_state state,
		      const char *fmt, ...)
{
	va_list ap;

	c->state = state;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

/* CHECK_NO for the error err (-errno): its text between before and after. */
static void check_no(struct probe_check *c, int err, const char *before,
		     const char *after)
{
	check_set(c, CHECK_NO, "%s%s%s", before, strerror(-err), after);
}

static int libxdp_log(enum libxdp_print_level level, const char *fmt,
		      va_list ap)
{
	char line[512];

	(void)level;
	/* A refused zero-copy bind is an answer here, not a warning. */
	vsnprintf(line, sizeof(line), fmt, ap);
	pr_debug("%s", line);
	return 0;
}

/* Termination signals wait until the interface is back as it was. */
static void signals_hold(sigset_t *saved)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, saved);
}

static void signals_release(const sigset_t *saved)
{
	sigprocmask(SIG_SETMASK, saved, NULL);
}

static void probe_driver(struct probe_result *r)
{
	r->have_drv = netpath_driver(r->iface.ifname, &r->drv) == 0;
}

static void probe_attached(struct probe_result *r)
{
	r->n_attached = 0;
	for (size_t i = 0; i < XDP_MODE_COUNT; i++) {
		struct probe_attached_prog *p = &r->attached[r->n_attached];

		p->id = xdp_attached_prog(r->iface.ifindex, xdp_modes[i].flag,
					  p->name, sizeof(p->name));
		if (!p->id)
			continue;
		p->mode = xdp_modes[i].name;
		p->linerate = !strncmp(p->name, LINERATE_PROG_PREFIX,
				       strlen(LINERATE_PROG_PREFIX));
		r->n_attached++;
	}
}

/*
 * Attach one program in one mode and take it off again: 0, -EIO when it
 * could not be taken off (the caller must say so and fail), or the
 * attach error with the reason in note.
 */
static int attach_cycle(int ifindex, int prog_fd, enum xdp_mode_pref pref,
			uint32_t flag, char *note, size_t note_len)
{
	struct xdp_attachment a;
	char name[16];
	sigset_t saved;
	uint32_t id;
	int err;

	signals_hold(&saved);
	err = xdp_attach(&a, ifindex, prog_fd, pref, false);
	if (err) {
		signals_release(&saved);
		/* The check's label already names the mode; a program put
		 * there meanwhile is named in a.why (the report says it,
		 * nothing is logged here). */
		snprintf(note, note_len, "%s",
			 a.why[0]     ? a.why :
			 a.refusal[0] ? a.refusal :
			 a.note[0]    ? a.note :
					strerror(-err));
		return err;
	}
	xdp_detach(&a);
	id = xdp_attached_prog(ifindex, flag, name, sizeof(name));
	signals_release(&saved);
	if (id && !strncmp(name, "lr_pass", strlen("lr_pass"))) {
		snprintf(note, note_len, "attached, but could not be detached");
		return -EIO;
	}
	return 0;
}

/*
 * Can an XDP program attach in this mode? The plain lr_pass first; if the
 * driver refuses it, the multi-buffer aware lr_pass_frags, which drivers
 * take at MTUs above a page. Returns -EIO when something stayed attached.
 */
static int probe_xdp_mode(struct probe_result *r, const struct xdp_pass *skel,
			  enum xdp_mode_pref pref, uint32_t flag,
			  struct probe_check *c)
{
	char plain_note[sizeof(c->detail)], frags_note[sizeof(c->detail)];
	int err;

	for (unsigned int i = 0; i < r->n_attached; i++)
		if (strcmp(r->attached[i].mode, "offload")) {
			check_set(c, CHECK_UNTESTED,
				  "%s (id %u) is attached in %s mode",
				  r->attached[i].name, r->attached[i].id,
				  r->attached[i].mode);
			return 0;
		}

	err = attach_cycle(r->iface.ifindex,
			   bpf_program__fd(skel->progs.lr_pass), pref, flag,
			   plain_note, sizeof(plain_note));
	if (!err) {
		check_set(c, CHECK_YES, "attached and detached");
		return 0;
	}
	if (err == -EIO) {
		check_set(c, CHECK_YES, "%s", plain_note);
		return err;
	}
	err = attach_cycle(r->iface.ifindex,
			   bpf_program__fd(skel->progs.lr_pass_frags), pref,
			   flag, frags_note, sizeof(frags_note));
	if (!err || err == -EIO) {
		c->frags_only = true;
		check_set(c, CHECK_YES,
			  "multi-buffer (xdp.frags) programs only; a plain "
			  "one is refused: %.150s",
			  plain_note);
		return err;
	}
	check_set(c, CHECK_NO, "%.190s", plain_note);
	return 0;
}

static void probe_live_frames(int prog_fd, struct probe_check *c)
{
	uint8_t frame[LIVE_FRAME_LEN];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = sizeof(frame), .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	int err;

	/* Passed frames enter the stack on this namespace's lo: broadcast
	 * with the local experimental EtherType 0x88B5, which no protocol
	 * handler takes, so the kernel drops it unseen. */
	memset(frame, 0, sizeof(frame));
	memset(frame, 0xff, 6);
	frame[12] = 0x88;
	frame[13] = 0xb5;
	err = bpf_prog_test_run_opts(prog_fd, &opts) ? -errno : 0;
	if (!err)
		check_set(c, CHECK_YES,
			  "BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES");
	else if (err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTSUPP)
		check_no(c, err,
			 "the kernel has no BPF_F_TEST_XDP_LIVE_FRAMES (",
			 "; needs Linux 5.18)");
	else
		check_no(c, err, "BPF_PROG_RUN failed: ", "");
}

/*
 * Bind an AF_XDP socket to queue 0 without any XDP program: the bind alone
 * decides whether the driver does zero-copy, and with no program no packet
 * is ever diverted from the stack.
 */
static void probe_xsk(const char *ifname, uint16_t bind_flag,
		      struct probe_check *c)
{
	const size_t size = XSK_PROBE_FRAMES * XSK_UMEM__DEFAULT_FRAME_SIZE;
	const struct xsk_umem_config umem_cfg = {
		.fill_size = XSK_PROBE_FRAMES,
		.comp_size = XSK_PROBE_FRAMES,
		.frame_size = XSK_UMEM__DEFAULT_FRAME_SIZE,
		.frame_headroom = XSK_UMEM__DEFAULT_FRAME_HEADROOM,
	};
	struct xsk_socket_config xsk_cfg = {
		.rx_size = XSK_PROBE_FRAMES,
		.tx_size = XSK_PROBE_FRAMES,
		.bind_flags = bind_flag,
	};
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	struct xsk_socket *xsk = NULL;
	struct xsk_umem *umem = NULL;
	void *area;
	int err;

	xsk_cfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
	area = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		check_no(c, -errno, "cannot map a UMEM: ", "");
		return;
	}
	err = xsk_umem__create(&umem, area, size, &fill, &comp, &umem_cfg);
	if (err) {
		check_no(c, err, "cannot register a UMEM: ",
			 err == -EPERM ?
				 " (needs CAP_NET_RAW and CAP_IPC_LOCK)" :
				 "");
		goto out_unmap;
	}
	err = xsk_socket__create(&xsk, ifname, 0, umem, &rx, &tx, &xsk_cfg);
	if (!err)
		check_set(c, CHECK_YES, "bound to queue 0");
	else if (err == -EOPNOTSUPP && bind_flag == XDP_ZEROCOPY)
		check_no(c, err, "the driver has no AF_XDP zero-copy support (",
			 ")");
	else if (err == -EBUSY)
		check_no(c, err, "queue 0 is taken by another AF_XDP socket (",
			 ")");
	else
		check_no(c, err, "bind to queue 0 failed: ", "");
	if (xsk)
		xsk_socket__delete(xsk);
	xsk_umem__delete(umem);
out_unmap:
	munmap(area, size);
}

static void probe_afpacket(int ifindex, struct probe_check *c)
{
	/* Protocol 0: the socket receives nothing while we look at it. */
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_ifindex = ifindex};
	int version = TPACKET_V3;
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		check_set(c, CHECK_NO, "cannot open an AF_PACKET socket: %s",
			  strerror(errno));
		return;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version,
		       sizeof(version)))
		check_set(c, CHECK_NO, "no TPACKET_V3: %s", strerror(errno));
	else if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		check_set(c, CHECK_NO, "cannot bind to the interface: %s",
			  strerror(errno));
	else
		check_set(c, CHECK_YES, "TPACKET_V3");
	close(fd);
}

const char *probe_check_word(enum probe_check_state s)
{
	return s == CHECK_YES ? "yes" : s == CHECK_NO ? "no" : "untested";
}

/*
 * What backend `name` needs for role, as probed: 0 and why not in `why`
 * when it would not open. The rule of what auto may take at all is the
 * run's own (backend_auto_refusal); this is only "does it work here".
 */
static bool backend_works(const struct probe_result *r, const char *name,
			  enum role role, char *why, size_t why_len)
{
	bool attaches =
		r->native.state == CHECK_YES || r->generic.state == CHECK_YES;

	if (!strcmp(name, "xdp")) {
		if (!attaches) {
			snprintf(why, why_len,
				 "no XDP attach (native %s, "
				 "generic %s)",
				 probe_check_word(r->native.state),
				 probe_check_word(r->generic.state));
			return false;
		}
		if (role == ROLE_SEND && r->live_frames.state != CHECK_YES) {
			snprintf(why, why_len, "no live frames");
			return false;
		}
		return true;
	}
	if (!strcmp(name, "afxdp")) {
		if (r->zero_copy.state != CHECK_YES &&
		    r->copy.state != CHECK_YES) {
			snprintf(why, why_len, "AF_XDP does not bind");
			return false;
		}
		if (!attaches) {
			snprintf(why, why_len,
				 "its steering program does not "
				 "attach");
			return false;
		}
		return true;
	}
	if (!strcmp(name, "afpacket")) {
		if (r->afpacket.state != CHECK_YES) {
			snprintf(why, why_len, "AF_PACKET does not open");
			return false;
		}
		return true;
	}
	return true;
}

/* The rule `--backend auto` follows, applied to what was found, for
 * each role. */
static void pick_auto(struct probe_result *r)
{
	struct backend_path_facts facts = {
		.loopback = r->iface.flags & IFF_LOOPBACK,
		.veth = r->have_drv && !strcmp(r->drv.driver, "veth"),
	};

	for (size_t k = 0; k < PROBE_ROLE_COUNT; k++) {
		enum role role = probe_roles[k];
		struct probe_auto_pick *p = &r->picks[role];

		p->backend = NULL;
		p->reason[0] = '\0';
		for (size_t i = 0; i < BACKEND_AUTO_COUNT && !p->backend; i++) {
			const char *name = backend_auto_order[i];
			const char *refusal =
				backend_auto_refusal(name, role, &facts);
			char why[160];

			if (!refusal &&
			    backend_works(r, name, role, why, sizeof(why))) {
				p->backend = name;
				break;
			}
			backend_note_append(p->reason, sizeof(p->reason), name,
					    refusal ? refusal : why);
		}
	}
}

static void probe_xdp(struct probe_result *r)
{
	struct xdp_pass *skel;
	int e;

	skel = xdp_pass__open_and_load();
	if (!skel) {
		e = errno;
		snprintf(r->load_error, sizeof(r->load_error),
			 "cannot load an XDP program: %s%s", strerror(e),
			 e == EPERM ? " (needs root or CAP_BPF and "
				      "CAP_NET_ADMIN)" :
				      "");
		check_set(&r->native, CHECK_UNTESTED, "%s", r->load_error);
		check_set(&r->generic, CHECK_UNTESTED, "%s", r->load_error);
		check_set(&r->live_frames, CHECK_UNTESTED, "%s", r->load_error);
		return;
	}
	if (probe_xdp_mode(r, skel, XDP_PREF_NATIVE, XDP_FLAGS_DRV_MODE,
			   &r->native) ||
	    probe_xdp_mode(r, skel, XDP_PREF_GENERIC, XDP_FLAGS_SKB_MODE,
			   &r->generic))
		r->left_attached = true;
	probe_live_frames(bpf_program__fd(skel->progs.lr_pass),
			  &r->live_frames);
	xdp_pass__destroy(skel);
}

int probe_interface(const char *ifname, struct probe_result *r,
		    struct lr_err *err)
{
	int ret;

	memset(r, 0, sizeof(*r));
	ret = netpath_interface(ifname, &r->iface, err);
	if (ret)
		return ret;
	libxdp_set_print(libxdp_log);
	probe_driver(r);
	probe_attached(r); /* also routes libbpf's log before the load */
	probe_xdp(r);
	probe_xsk(r->iface.ifname, XDP_ZEROCOPY, &r->zero_copy);
	probe_xsk(r->iface.ifname, XDP_COPY, &r->copy);
	probe_afpacket(r->iface.ifindex, &r->afpacket);
	pick_auto(r);
	return 0;
}
