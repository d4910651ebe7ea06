// SPDX-License-Identifier: MIT
/*
 * Attach and detach linerate's XDP programs with plain libbpf netlink
 * calls, and clean up what a killed run left behind.
 *
 * Two rules keep us from breaking someone else's setup:
 *  - every change names the program it expects to replace or remove
 *    (XDP_FLAGS_REPLACE with the old program's fd, or
 *    XDP_FLAGS_UPDATE_IF_NOEXIST when there should be none), so a program
 *    attached by someone else in the meantime makes the call fail instead
 *    of being clobbered;
 *  - a linerate-named program that a live process still holds open belongs
 *    to a linerate run in progress, not to a killed one, and is treated
 *    like a foreign program.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/xdp_attach.h"
#include "lib/log.h"

#define PROG_NAME_LEN 16 /* BPF_OBJ_NAME_LEN */
#define MAX_TC_FILTERS 256 /* per hook; more is not a linerate leftover */

const struct xdp_mode_name xdp_modes[XDP_MODE_COUNT] = {
	{ XDP_FLAGS_DRV_MODE, "native" },
	{ XDP_FLAGS_SKB_MODE, "generic" },
	{ XDP_FLAGS_HW_MODE, "offload" },
};

/* ------------------------------------------------------------ logging */

/* libbpf reports the kernel's reason for a refused attach (the netlink
 * extack text) only through its log; keep the last one so it can go into
 * the attachment's note instead of a bare errno. */
static __thread char kernel_message[120];

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	static const char prefix[] = "libbpf: Kernel error message: ";
	char line[512];
	size_t len;

	(void)level;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (!strncmp(line, prefix, sizeof(prefix) - 1)) {
		snprintf(kernel_message, sizeof(kernel_message), "%.*s",
			 (int)sizeof(kernel_message) - 1,
			 line + sizeof(prefix) - 1);
		len = strlen(kernel_message);
		if (len && kernel_message[len - 1] == '\n')
			kernel_message[len - 1] = '\0';
	}
	/* libbpf is chatty and its warnings are often expected (a refused
	 * native attach is a fallback, not a failure): debug level only. */
	pr_debug("%s", line);
	return 0;
}

static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void log_setup(void)
{
	libbpf_set_print(libbpf_log);
}

static void log_init(void)
{
	pthread_once(&log_once, log_setup);
}

/* ------------------------------------------------------------ programs */

static const char *mode_name(uint32_t flag)
{
	for (size_t i = 0; i < sizeof(xdp_modes) / sizeof(xdp_modes[0]); i++)
		if (xdp_modes[i].flag == flag)
			return xdp_modes[i].name;
	return "?";
}

static bool is_linerate_name(const char *name)
{
	return !strncmp(name, LINERATE_PROG_PREFIX,
			sizeof(LINERATE_PROG_PREFIX) - 1);
}

int bpf_fd_dup(int fd)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);

	return copy < 0 ? -errno : copy;
}

int bpf_prog_fd_take(int ifindex, int prog_fd, int *out)
{
	int fd;

	*out = -1;
	if (ifindex <= 0 || prog_fd < 0)
		return -EINVAL;
	fd = bpf_fd_dup(prog_fd);
	if (fd < 0)
		return fd;
	*out = fd;
	return 0;
}

int bpf_fd_above_stdio(int fd)
{
	int moved;

	if (fd < 0 || fd > STDERR_FILENO)
		return fd;
	moved = bpf_fd_dup(fd);
	close(fd);
	return moved;
}

/* An fd of program id above stdio, or -errno (-ENOENT: it is gone). */
static int prog_fd_of_id(uint32_t id)
{
	int fd = bpf_prog_get_fd_by_id(id);

	return fd < 0 ? -errno : bpf_fd_above_stdio(fd);
}

/* An fd and the name of program id; -ENOENT when it is gone. */
static int prog_open(uint32_t id, char name[PROG_NAME_LEN], int *fd_out)
{
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);
	int fd, err;

	fd = prog_fd_of_id(id);
	if (fd < 0)
		return fd;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
		err = -errno;
		close(fd);
		return err;
	}
	snprintf(name, PROG_NAME_LEN, "%s", info.name);
	*fd_out = fd;
	return 0;
}

static uint32_t prog_id_of_fd(int fd)
{
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		return 0;
	return info.id;
}

static bool fdinfo_has_prog(int fdinfo_dir, const char *fd_name, uint32_t id)
{
	char line[128];
	unsigned int got;
	bool found = false;
	FILE *f;
	int fd;

	fd = openat(fdinfo_dir, fd_name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return false;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "prog_id: %u", &got) == 1) {
			found = got == id;
			break;
		}
	fclose(f);
	return found;
}

static bool pid_holds_prog(long pid, uint32_t id)
{
	char path[64], target[64];
	int fd_dir, fdinfo_dir;
	bool found = false;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	fd_dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd_dir < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/fdinfo", pid);
	fdinfo_dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fdinfo_dir < 0) {
		close(fd_dir);
		return false;
	}
	d = fdopendir(fd_dir);
	if (!d) {
		close(fd_dir);
		close(fdinfo_dir);
		return false;
	}
	while (!found && (de = readdir(d))) {
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), de->d_name, target,
			       sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "anon_inode:bpf-prog"))
			continue;
		found = fdinfo_has_prog(fdinfo_dir, de->d_name, id);
	}
	closedir(d);
	close(fdinfo_dir);
	return found;
}

/*
 * Another live process holding program id open, or 0. The process that
 * attached a program keeps its fd for as long as it runs; a program whose
 * owner was killed is held by nobody but the interface.
 */
static pid_t prog_holder(uint32_t id)
{
	pid_t self = getpid(), pid = 0;
	struct dirent *de;
	DIR *proc;

	proc = opendir("/proc");
	if (!proc)
		return 0;
	while (!pid && (de = readdir(proc))) {
		char *end;
		long n = strtol(de->d_name, &end, 10);

		if (*end || n <= 0 || n == self)
			continue;
		if (pid_holds_prog(n, id))
			pid = (pid_t)n;
	}
	closedir(proc);
	return pid;
}

static uint32_t query_mode_id(const struct bpf_xdp_query_opts *q,
			      uint32_t flag)
{
	switch (flag) {
	case XDP_FLAGS_DRV_MODE:
		return q->drv_prog_id;
	case XDP_FLAGS_SKB_MODE:
		return q->skb_prog_id;
	case XDP_FLAGS_HW_MODE:
		return q->hw_prog_id;
	default:
		return 0;
	}
}

static int xdp_query(int ifindex, struct bpf_xdp_query_opts *q)
{
	memset(q, 0, sizeof(*q));
	q->sz = sizeof(*q);
	return bpf_xdp_query(ifindex, 0, q) ? -errno : 0;
}

static const char *ifname_of(int ifindex, char buf[IF_NAMESIZE])
{
	if (!if_indextoname((unsigned int)ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "ifindex %d", ifindex);
	return buf;
}

/* Remove exactly old_fd's program from the hook, nothing else. */
static int xdp_detach_exact(int ifindex, uint32_t mode_flag, int old_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old_fd);

	return bpf_xdp_detach(ifindex, mode_flag | XDP_FLAGS_REPLACE, &opts) ?
		       -errno :
		       0;
}

int xdp_remove_id(int ifindex, uint32_t mode_flag, uint32_t id)
{
	int fd = prog_fd_of_id(id), err;

	if (fd < 0)
		return fd;
	err = xdp_detach_exact(ifindex, mode_flag, fd);
	close(fd);
	return err;
}

/* ------------------------------------------------------------ attach */

/*
 * Netlink attachments not yet detached, for xdp_detach_all_now() in a
 * signal handler: plain fields written before the slot is published, so
 * the handler reads no half-made entry.
 */
#define LIVE_MAX 64
static struct {
	int ifindex;
	uint32_t flags;
	int prog_fd;
	atomic_int used;
} live[LIVE_MAX];

static void live_add(const struct xdp_attachment *a)
{
	for (int i = 0; i < LIVE_MAX; i++) {
		int expect = 0;

		if (atomic_load(&live[i].used) ||
		    !atomic_compare_exchange_strong(&live[i].used, &expect, -1))
			continue;
		live[i].ifindex = a->ifindex;
		live[i].flags = a->flags;
		live[i].prog_fd = a->prog_fd;
		atomic_store(&live[i].used, 1);
		return;
	}
}

static void live_remove(const struct xdp_attachment *a)
{
	for (int i = 0; i < LIVE_MAX; i++)
		if (atomic_load(&live[i].used) == 1 &&
		    live[i].ifindex == a->ifindex &&
		    live[i].prog_fd == a->prog_fd) {
			atomic_store(&live[i].used, 0);
			return;
		}
}

int xdp_detach_all_now(void)
{
	int n = 0;

	for (int i = 0; i < LIVE_MAX; i++) {
		int expect = 1;

		if (!atomic_compare_exchange_strong(&live[i].used, &expect, -1))
			continue;
		if (!xdp_detach_exact(live[i].ifindex, live[i].flags,
				      live[i].prog_fd))
			n++;
		atomic_store(&live[i].used, 0);
	}
	return n;
}

/* Attach through a bpf_link: 0, or -errno (-EOPNOTSUPP/-EINVAL from a
 * kernel without XDP links, where the caller falls back to netlink). */
static int attach_link(struct xdp_attachment *a, int prog_fd,
		       uint32_t mode_flag)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = mode_flag);
	int fd;

	fd = bpf_link_create(prog_fd, a->ifindex, BPF_XDP, &lo);
	if (fd < 0)
		return -errno;
	fd = bpf_fd_above_stdio(fd);
	if (fd < 0)
		return fd;
	a->link_fd = fd;
	return 0;
}

/*
 * May the program (id, name) attached to ifindex be replaced? Linerate's
 * own leftovers may; foreign ones and those of a running linerate only
 * with force. -EBUSY with a warning otherwise.
 */
static int may_replace(struct xdp_attachment *a, uint32_t mode_flag,
		       uint32_t id, const char *name, bool force)
{
	int ifindex = a->ifindex;
	char ifname[IF_NAMESIZE];
	pid_t holder = 0;

	if (force)
		return 0;
	if (is_linerate_name(name)) {
		holder = prog_holder(id);
		if (!holder)
			return 0;
	}
	ifname_of(ifindex, ifname);
	if (holder)
		snprintf(a->why, sizeof(a->why),
			 "%s: XDP program %s (id %u, %s mode) belongs to a "
			 "running linerate (pid %d); not replacing it",
			 ifname, name, id, mode_name(mode_flag), (int)holder);
	else
		snprintf(a->why, sizeof(a->why),
			 "%s: foreign XDP program %s (id %u, %s mode) is "
			 "attached; not replacing it without force",
			 ifname, name, id, mode_name(mode_flag));
	return -EBUSY;
}

static void note_refusal(struct xdp_attachment *a, uint32_t mode_flag,
			 int err)
{
	int n = snprintf(a->note, sizeof(a->note),
			 "%s XDP refused: ", mode_name(mode_flag));

	snprintf(a->note + n, sizeof(a->note) - (size_t)n, "%s%s%s",
		 strerror(-err), kernel_message[0] ? ": " : "", kernel_message);
	snprintf(a->refusal, sizeof(a->refusal), "%s", a->note + n);
}

static int attach_in_mode(struct xdp_attachment *a, int prog_fd,
			  uint32_t mode_flag, bool force)
{
	static const uint32_t exclusive[] = { XDP_FLAGS_DRV_MODE,
					      XDP_FLAGS_SKB_MODE };
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	struct bpf_xdp_query_opts q;
	char name[PROG_NAME_LEN];
	uint32_t flags = mode_flag;
	int err, old_fd, replace_fd = -1;

	kernel_message[0] = '\0';
	err = xdp_query(a->ifindex, &q);
	if (err)
		goto out;
	/* The kernel refuses native and generic XDP at the same time, so a
	 * program in the other mode must go first (offload can coexist). */
	for (size_t i = 0; i < sizeof(exclusive) / sizeof(exclusive[0]); i++) {
		uint32_t id = query_mode_id(&q, exclusive[i]);

		if (!id)
			continue;
		err = prog_open(id, name, &old_fd);
		if (err == -ENOENT)
			continue; /* detached meanwhile */
		if (err)
			goto out;
		err = may_replace(a, exclusive[i], id, name, force);
		if (err) {
			close(old_fd);
			goto out;
		}
		if (exclusive[i] == mode_flag) {
			replace_fd = old_fd;
			continue;
		}
		err = xdp_detach_exact(a->ifindex, exclusive[i], old_fd);
		close(old_fd);
		if (err)
			goto out;
		pr_debug("xdp: removed %s (id %u) from %s mode first\n", name,
			 id, mode_name(exclusive[i]));
	}

	/* A link cannot replace a program attached through netlink: ours
	 * (a leftover, or one we may replace) goes first. Someone attaching
	 * in between makes the link fail with -EBUSY, and theirs stays. */
	if (replace_fd >= 0) {
		err = xdp_detach_exact(a->ifindex, mode_flag, replace_fd);
		if (err && err != -ENOENT)
			goto out;
		close(replace_fd);
		replace_fd = -1;
	}
	err = attach_link(a, prog_fd, mode_flag);
	if (err == -EINVAL || err == -EOPNOTSUPP || err == -ENOSYS) {
		/* No XDP links here (kernel < 5.9), or none for this mode on
		 * this driver: the older way, which a SIGKILL leaves behind
		 * (`linerate cleanup` removes it). */
		kernel_message[0] = '\0';
		flags |= XDP_FLAGS_UPDATE_IF_NOEXIST;
		err = bpf_xdp_attach(a->ifindex, prog_fd, flags, &opts) ?
			      -errno :
			      0;
	}
	if (err == -EEXIST || err == -EBUSY) {
		char ifname[IF_NAMESIZE];

		/* Someone attached a program (or an XDP link) between our
		 * look and our attach: theirs stays. */
		snprintf(a->why, sizeof(a->why),
			 "%s: another XDP program was attached meanwhile; "
			 "not replacing it%s%s",
			 ifname_of(a->ifindex, ifname),
			 kernel_message[0] ? ": " : "", kernel_message);
		err = -EBUSY;
	}
out:
	if (replace_fd >= 0)
		close(replace_fd);
	if (err)
		note_refusal(a, mode_flag, err);
	return err;
}

int xdp_attach(struct xdp_attachment *a, int ifindex, int prog_fd,
	       enum xdp_mode_pref mode, bool force)
{
	char native_note[sizeof(a->note)] = "";
	int err;

	log_init();
	memset(a, 0, sizeof(*a));
	a->ifindex = ifindex;
	a->link_fd = -1;
	err = bpf_prog_fd_take(ifindex, prog_fd, &a->prog_fd);
	if (err)
		return err;

	if (mode != XDP_PREF_GENERIC) {
		err = attach_in_mode(a, a->prog_fd, XDP_FLAGS_DRV_MODE, force);
		if (!err) {
			a->flags = XDP_FLAGS_DRV_MODE;
			goto attached;
		}
		if (mode == XDP_PREF_NATIVE || err == -EBUSY)
			goto err_close;
		/* Kept to explain the fallback to generic below. */
		snprintf(native_note, sizeof(native_note), "%s", a->note);
	}
	err = attach_in_mode(a, a->prog_fd, XDP_FLAGS_SKB_MODE, force);
	if (err)
		goto err_close;
	a->flags = XDP_FLAGS_SKB_MODE;
	snprintf(a->note, sizeof(a->note), "%s", native_note);

attached:
	a->attached = true;
	snprintf(a->mode, sizeof(a->mode), "%s", mode_name(a->flags));
	if (a->link_fd < 0)
		live_add(a);
	pr_debug("xdp: attached in %s mode through %s\n", a->mode,
		 a->link_fd >= 0 ? "a bpf_link" : "netlink");
	return 0;

err_close:
	close(a->prog_fd);
	a->prog_fd = -1;
	return err;
}

void xdp_detach(struct xdp_attachment *a)
{
	char ifname[IF_NAMESIZE];
	int err;

	if (!a->attached)
		return;
	a->attached = false;
	if (a->link_fd >= 0) {
		/* Detach now, whoever else may still hold the link's fd. */
		if (bpf_link_detach(a->link_fd) && errno != ENOLINK)
			pr_debug("xdp: bpf_link_detach: %s\n", strerror(errno));
		close(a->link_fd);
		a->link_fd = -1;
		close(a->prog_fd);
		a->prog_fd = -1;
		return;
	}
	live_remove(a);
	err = xdp_detach_exact(a->ifindex, a->flags, a->prog_fd);
	if (err == -EEXIST)
		pr_warn("%s: our XDP program was replaced by someone else; "
			"leaving theirs attached\n",
			ifname_of(a->ifindex, ifname));
	else if (err == -ENODEV)
		pr_debug("xdp: ifindex %d is gone; nothing to detach\n",
			 a->ifindex);
	else if (err)
		pr_warn("%s: cannot detach our XDP program (id %u): %s; "
			"`linerate cleanup -i %s` removes it\n",
			ifname_of(a->ifindex, ifname),
			prog_id_of_fd(a->prog_fd), strerror(-err), ifname);
	close(a->prog_fd);
	a->prog_fd = -1;
}

uint32_t xdp_attached_prog(int ifindex, uint32_t mode_flag, char *name,
			   size_t name_len)
{
	struct bpf_xdp_query_opts q;
	char prog_name[PROG_NAME_LEN] = "";
	uint32_t id;
	int fd;

	log_init();
	if (name_len)
		name[0] = '\0';
	if (xdp_query(ifindex, &q))
		return 0;
	id = query_mode_id(&q, mode_flag);
	if (!id)
		return 0;
	if (!prog_open(id, prog_name, &fd))
		close(fd);
	if (name_len)
		snprintf(name, name_len, "%s", prog_name);
	return id;
}

/* ------------------------------------------------------------ tc */

struct tc_filter {
	uint32_t handle;
	uint32_t priority;
	uint32_t prog_id; /* 0 for a classifier other than bpf */
	char kind[16];
};

struct tc_filter_list {
	struct tc_filter filter[MAX_TC_FILTERS];
	unsigned int count;
};

static void tc_parse_filter(const struct nlmsghdr *h,
			    struct tc_filter_list *list)
{
	const struct rtattr *rta, *kind = NULL, *options = NULL;
	const struct tcmsg *tcm = NLMSG_DATA(h);
	struct tc_filter *f;
	int len;

	if (h->nlmsg_type != RTM_NEWTFILTER ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*tcm)))
		return;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*tcm)));
	for (rta = TCA_RTA(tcm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == TCA_KIND)
			kind = rta;
		else if (rta->rta_type == TCA_OPTIONS)
			options = rta;
	}
	/* The dump also lists each priority's classifier with handle 0. */
	if (!tcm->tcm_handle || !kind || list->count >= MAX_TC_FILTERS)
		return;
	f = &list->filter[list->count];
	memset(f, 0, sizeof(*f));
	f->handle = tcm->tcm_handle;
	f->priority = TC_H_MAJ(tcm->tcm_info) >> 16;
	snprintf(f->kind, sizeof(f->kind), "%.*s",
		 (int)strnlen(RTA_DATA(kind), RTA_PAYLOAD(kind)),
		 (const char *)RTA_DATA(kind));
	/* Other classifiers (u32, flower, ...) are listed without a program:
	 * they are somebody's too. */
	if (strcmp(f->kind, "bpf") || !options) {
		list->count++;
		return;
	}
	len = (int)RTA_PAYLOAD(options);
	for (rta = RTA_DATA(options); RTA_OK(rta, len);
	     rta = RTA_NEXT(rta, len))
		if (rta->rta_type == TCA_BPF_ID &&
		    RTA_PAYLOAD(rta) >= sizeof(uint32_t))
			memcpy(&f->prog_id, RTA_DATA(rta), sizeof(uint32_t));
	list->count++;
}

/*
 * List the bpf filters on one clsact hook. libbpf's bpf_tc_query answers
 * only for a known handle and priority, so the list comes from an
 * RTM_GETTFILTER dump, as `tc filter show` does it.
 */
static int tc_list(int ifindex, uint32_t parent, struct tc_filter_list *list)
{
	struct {
		struct nlmsghdr h;
		struct tcmsg tcm;
	} req;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 2 };
	socklen_t sa_len = sizeof(sa);
	size_t buf_len = 64 * 1024;
	uint8_t *buf;
	int fd, err = 0;

	list->count = 0;
	buf = malloc(buf_len);
	if (!buf)
		return -ENOMEM;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		err = -errno;
		goto out_free;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sa_len)) {
		err = -errno;
		goto out_close;
	}
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.tcm));
	req.h.nlmsg_type = RTM_GETTFILTER;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.tcm.tcm_family = AF_UNSPEC;
	req.tcm.tcm_ifindex = ifindex;
	req.tcm.tcm_parent = parent;
	if (send(fd, &req, req.h.nlmsg_len, 0) < 0) {
		err = -errno;
		goto out_close;
	}
	for (;;) {
		const struct nlmsghdr *h;
		ssize_t n = recv(fd, buf, buf_len, 0);
		size_t len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out_close;
		}
		len = (size_t)n;
		for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != 1 || h->nlmsg_pid != sa.nl_pid)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				goto out_close;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				err = h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ?
					      -EBADMSG :
					      e->error;
				goto out_close;
			}
			tc_parse_filter(h, list);
		}
		if (len) {
			err = -EBADMSG;
			goto out_close;
		}
	}
out_close:
	close(fd);
out_free:
	free(buf);
	return err;
}

/* Remove linerate's filters from one clsact hook: count, or -errno. */
static int tc_cleanup_hook(int ifindex, enum bpf_tc_attach_point point)
{
	uint32_t parent = TC_H_MAKE(TC_H_CLSACT, point == BPF_TC_INGRESS ?
							 TC_H_MIN_INGRESS :
							 TC_H_MIN_EGRESS);
	const char *hook_name = point == BPF_TC_INGRESS ? "ingress" : "egress";
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = point);
	char ifname[IF_NAMESIZE], name[PROG_NAME_LEN];
	struct tc_filter_list *list;
	int err, removed = 0, first_err = 0;

	list = malloc(sizeof(*list));
	if (!list)
		return -ENOMEM;
	err = tc_list(ifindex, parent, list);
	if (err) {
		free(list);
		return err;
	}
	ifname_of(ifindex, ifname);
	for (unsigned int i = 0; i < list->count; i++) {
		const struct tc_filter *f = &list->filter[i];
		LIBBPF_OPTS(bpf_tc_opts, query, .handle = f->handle,
			    .priority = f->priority);
		LIBBPF_OPTS(bpf_tc_opts, del, .handle = f->handle,
			    .priority = f->priority);
		pid_t holder;
		int fd;

		if (!f->prog_id)
			continue; /* not a bpf filter: not ours */
		err = prog_open(f->prog_id, name, &fd);
		if (err == -ENOENT)
			continue;
		if (err) {
			pr_warn("%s: cannot inspect tc %s filter id %u: %s\n",
				ifname, hook_name, f->prog_id, strerror(-err));
			if (!first_err)
				first_err = err;
			continue;
		}
		close(fd);
		if (!is_linerate_name(name)) {
			pr_debug("%s: leaving foreign tc %s filter %s (id %u)\n",
				 ifname, hook_name, name, f->prog_id);
			continue;
		}
		holder = prog_holder(f->prog_id);
		if (holder) {
			pr_warn("%s: tc %s filter %s (id %u) belongs to a "
				"running linerate (pid %d); not removing it\n",
				ifname, hook_name, name, f->prog_id,
				(int)holder);
			continue;
		}
		/* Still the same program at that handle and priority? */
		if (bpf_tc_query(&hook, &query) ||
		    query.prog_id != f->prog_id)
			continue;
		if (bpf_tc_detach(&hook, &del)) {
			err = -errno;
			pr_warn("%s: cannot remove tc %s filter %s (id %u): "
				"%s\n", ifname, hook_name, name, f->prog_id,
				strerror(-err));
			if (!first_err)
				first_err = err;
			continue;
		}
		pr_info("%s: removed tc %s filter %s (id %u)\n", ifname,
			hook_name, name, f->prog_id);
		removed++;
	}
	free(list);
	return first_err ? first_err : removed;
}

/* ------------------------------------------------------------ cleanup */

int xdp_cleanup(int ifindex)
{
	static const enum bpf_tc_attach_point hooks[] = { BPF_TC_INGRESS,
							  BPF_TC_EGRESS };
	struct bpf_xdp_query_opts q;
	char ifname[IF_NAMESIZE], name[PROG_NAME_LEN];
	int err, removed = 0, first_err = 0;

	log_init();
	err = xdp_query(ifindex, &q);
	if (err)
		return err;
	ifname_of(ifindex, ifname);
	for (size_t i = 0; i < sizeof(xdp_modes) / sizeof(xdp_modes[0]); i++) {
		uint32_t id = query_mode_id(&q, xdp_modes[i].flag);
		pid_t holder;
		int fd;

		if (!id)
			continue;
		err = prog_open(id, name, &fd);
		if (err == -ENOENT)
			continue; /* detached meanwhile */
		if (err) {
			pr_warn("%s: cannot inspect XDP program id %u (%s "
				"mode): %s\n", ifname, id, xdp_modes[i].name,
				strerror(-err));
			if (!first_err)
				first_err = err;
			continue;
		}
		if (!is_linerate_name(name)) {
			pr_debug("%s: leaving foreign XDP program %s (id %u, "
				 "%s mode)\n", ifname, name, id,
				 xdp_modes[i].name);
			close(fd);
			continue;
		}
		holder = prog_holder(id);
		if (holder) {
			pr_warn("%s: XDP program %s (id %u, %s mode) belongs "
				"to a running linerate (pid %d); not removing "
				"it\n", ifname, name, id, xdp_modes[i].name,
				(int)holder);
			close(fd);
			continue;
		}
		err = xdp_detach_exact(ifindex, xdp_modes[i].flag, fd);
		close(fd);
		if (err) {
			pr_warn("%s: cannot remove XDP program %s (id %u, %s "
				"mode): %s\n", ifname, name, id,
				xdp_modes[i].name, strerror(-err));
			if (!first_err)
				first_err = err;
			continue;
		}
		pr_info("%s: removed XDP program %s (id %u, %s mode)\n",
			ifname, name, id, xdp_modes[i].name);
		removed++;
	}

	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		err = tc_cleanup_hook(ifindex, hooks[i]);
		if (err < 0) {
			pr_warn("%s: cannot clean up tc %s filters: %s\n",
				ifname,
				hooks[i] == BPF_TC_INGRESS ? "ingress" :
							     "egress",
				strerror(-err));
			if (!first_err)
				first_err = err;
			continue;
		}
		removed += err;
	}
	return first_err ? first_err : removed;
}

/* ------------------------------------------------------------ inspect */

static uint32_t clsact_parent(bool ingress)
{
	return TC_H_MAKE(TC_H_CLSACT,
			 ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
}

/* The filters on one side of a hook, in a list of their own (it is
 * large) for the caller to free(), even on error. No clsact (or ingress)
 * qdisc: no filters. */
static int tc_filters(int ifindex, bool ingress, struct tc_filter_list **out)
{
	struct tc_filter_list *list = malloc(sizeof(*list));
	int err;

	*out = list;
	if (!list)
		return -ENOMEM;
	err = tc_list(ifindex, clsact_parent(ingress), list);
	if (err == -EINVAL || err == -ENOENT) {
		list->count = 0;
		err = 0;
	}
	return err;
}

static void hook_classify(struct hook_prog *p)
{
	p->owner = HOOK_OWNER_FOREIGN;
	p->holder = 0;
	if (!p->id || !is_linerate_name(p->name))
		return;
	p->holder = prog_holder(p->id);
	p->owner = p->holder ? HOOK_OWNER_RUNNING : HOOK_OWNER_LEFTOVER;
}

int hook_inspect(int ifindex, struct hook_prog *out, unsigned int max)
{
	struct bpf_xdp_query_opts q;
	struct tc_filter_list *list;
	unsigned int n = 0;
	int err, fd;

	log_init();
	err = xdp_query(ifindex, &q);
	if (err)
		return err;
	for (size_t i = 0; i < sizeof(xdp_modes) / sizeof(xdp_modes[0]); i++) {
		uint32_t id = query_mode_id(&q, xdp_modes[i].flag);
		struct hook_prog *p = &out[n];

		if (!id || n >= max)
			continue;
		memset(p, 0, sizeof(*p));
		p->id = id;
		p->mode_flag = xdp_modes[i].flag;
		snprintf(p->hook, sizeof(p->hook), "XDP %s", xdp_modes[i].name);
		err = prog_open(id, p->name, &fd);
		if (err == -ENOENT)
			continue; /* detached meanwhile */
		if (!err)
			close(fd);
		hook_classify(p);
		n++;
	}

	err = tc_filters(ifindex, true, &list);
	for (unsigned int i = 0; !err && i < list->count && n < max; i++) {
		const struct tc_filter *f = &list->filter[i];
		struct hook_prog *p = &out[n];

		memset(p, 0, sizeof(*p));
		snprintf(p->hook, sizeof(p->hook), "tc ingress");
		if (f->prog_id) {
			p->id = f->prog_id;
			if (prog_open(f->prog_id, p->name, &fd) == -ENOENT)
				continue;
			close(fd);
		} else {
			snprintf(p->name, sizeof(p->name), "%s", f->kind);
		}
		p->tc_handle = f->handle;
		p->tc_priority = f->priority;
		hook_classify(p);
		n++;
	}
	free(list);
	return err ? err : (int)n;
}

int tc_filter_count(int ifindex, bool ingress)
{
	struct tc_filter_list *list;
	int err;

	err = tc_filters(ifindex, ingress, &list);
	if (!err)
		err = (int)list->count;
	free(list);
	return err;
}
