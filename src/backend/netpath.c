// SPDX-License-Identifier: MIT
/*
 * Where a raw backend's frames go, asked of the kernel over rtnetlink:
 * RTM_GETROUTE as `ip route get` does it, RTM_GETLINK for the interface,
 * RTM_GETNEIGH for the next hop's MAC. The raw backends bypass the stack,
 * so they must address frames exactly as the stack would have.
 *
 * Every reply is length-checked before it is read: the message against the
 * bytes received, the fixed header against the message, each attribute
 * against the rest and its payload against the size of what it holds.
 */
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend/ethtool.h"
#include "backend/netpath.h"
#include "lib/log.h"

/* A dump message is at most 32 KiB (the kernel's netlink dump limit). */
#define NL_BUF_LEN (64 * 1024)
/* How long the kernel may take to answer one netlink request. */
#define NL_TIMEOUT_S 2
#define NEIGH_RESOLVE_NS 1000000000ull
#define NEIGH_POLL_NS 10000000ull
#define DISCARD_PORT 9

/* A neighbour entry in these states has a MAC the kernel itself would use. */
#define NUD_USABLE                                                      \
	(NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT)

struct nl_sock {
	int fd;
	uint32_t seq;
	uint32_t port;
	uint8_t *buf;
};

/* Called for each reply message of our request; nonzero stops the walk. */
/*
 * The replies a request wants: messages of type, each a fixed header of
 * hdr_len bytes and attributes up to max. parse gets each one's header and
 * its attributes by type (tb[0..max]); it returns 0 to go on, nonzero to
 * stop (a negative: -errno).
 */
struct nl_reply {
	uint16_t type;
	size_t hdr_len;
	unsigned int max;
	int (*parse)(const void *hdr, const struct rtattr *const *tb,
		     void *arg);
};

/* The largest max of the replies we ask for. */
#define NL_ATTR_MAX IFLA_MAX
_Static_assert(IFLA_MAX >= IFA_MAX && IFLA_MAX >= RTA_MAX &&
		       IFLA_MAX >= NDA_MAX,
	       "NL_ATTR_MAX is the largest");

static int nl_open(struct nl_sock *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	socklen_t len = sizeof(sa);
	int err;

	nl->buf = NULL;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0)
		return -errno;
	/* A reply that never comes must not hang a test's setup. */
	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &len)) {
		err = -errno;
		goto err_close;
	}
	nl->buf = malloc(NL_BUF_LEN);
	if (!nl->buf) {
		err = -ENOMEM;
		goto err_close;
	}
	nl->port = sa.nl_pid;
	nl->seq = (uint32_t)time(NULL);
	return 0;

err_close:
	close(nl->fd);
	nl->fd = -1;
	return err;
}

static void nl_close(struct nl_sock *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
	free(nl->buf);
	nl->buf = NULL;
}

/* msg is the whole request buffer of cap bytes, starting with its header. */
static int nl_add_attr(void *msg, size_t cap, unsigned short type,
		       const void *data, size_t len)
{
	struct nlmsghdr *h = msg;
	size_t off = NLMSG_ALIGN(h->nlmsg_len);
	struct rtattr *rta;

	if (off + RTA_SPACE(len) > cap)
		return -ENOSPC;
	rta = (struct rtattr *)((uint8_t *)h + off);
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	h->nlmsg_len = off + RTA_SPACE(len);
	return 0;
}

/*
 * Send req and hand each reply message to reply->parse until the kernel's
 * ack or the end of the dump. Returns 0, the kernel's -errno, or the
 * nonzero value of parse (or of nl_reply_take()).
 */
static int nl_reply_take(const struct nlmsghdr *h,
			 const struct nl_reply *reply, void *arg);

/* A request: its header, then the type's fixed header and attributes. */
struct nl_req {
	struct nlmsghdr h;
	uint8_t body[160];
};

/* Every fixed header we send starts with its address family byte. */
_Static_assert(offsetof(struct ifinfomsg, ifi_family) == 0 &&
		       offsetof(struct ifaddrmsg, ifa_family) == 0 &&
		       offsetof(struct rtmsg, rtm_family) == 0 &&
		       offsetof(struct ndmsg, ndm_family) == 0,
	       "the family leads the fixed header");

/* Clear req for a request of type with a fixed header of hdr_len bytes for
 * family; returns that header. */
static void *nl_req_init(struct nl_req *req, size_t hdr_len, uint16_t type,
			 int family)
{
	memset(req, 0, sizeof(*req));
	req->h.nlmsg_len = NLMSG_LENGTH(hdr_len);
	req->h.nlmsg_type = type;
	req->body[0] = (uint8_t)family;
	return NLMSG_DATA(&req->h);
}

static int nl_talk(struct nl_sock *nl, struct nlmsghdr *req,
		   const struct nl_reply *reply, void *arg)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	bool dump = req->nlmsg_flags & NLM_F_DUMP;
	int stop = 0;

	req->nlmsg_flags |= NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK);
	req->nlmsg_seq = ++nl->seq;
	req->nlmsg_pid = 0;
	if (sendto(nl->fd, req, req->nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;

	for (;;) {
		struct iovec iov = { .iov_base = nl->buf,
				     .iov_len = NL_BUF_LEN };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		const struct nlmsghdr *h;
		ssize_t n;
		size_t len;

		n = recvmsg(nl->fd, &msg, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		len = (size_t)n;
		for (h = (const struct nlmsghdr *)nl->buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			/* A late reply to an earlier request. */
			if (h->nlmsg_seq != nl->seq || h->nlmsg_pid != nl->port)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				int dump_err = 0;

				/* A dump that failed half way says so here. */
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&dump_err, NLMSG_DATA(h),
					       sizeof(int));
				return dump_err < 0 ? dump_err : stop;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EBADMSG;
				return e->error ? e->error : stop;
			}
			if (!stop)
				stop = nl_reply_take(h, reply, arg);
			/* Keep reading after a stop: the ack or the rest of
			 * the dump must not be left for the next request. */
		}
		if (len)
			return -EBADMSG; /* a message cut short */
	}
}

/* Index the attributes in [rta, rta+len) by type; later ones win. */
static void nl_parse_attrs(const struct rtattr **tb, unsigned int max,
			   const struct rtattr *rta, int len)
{
	memset(tb, 0, sizeof(*tb) * (max + 1));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type <= max)
			tb[rta->rta_type] = rta;
}

/*
 * One reply message to reply->parse, with its fixed header and its
 * attributes by type. 0: a message of another type, skipped; -EBADMSG: one
 * too short for its header.
 */
static int nl_reply_take(const struct nlmsghdr *h,
			 const struct nl_reply *reply, void *arg)
{
	const struct rtattr *tb[NL_ATTR_MAX + 1];
	const uint8_t *fixed;

	if (h->nlmsg_type != reply->type)
		return 0;
	if (h->nlmsg_len < NLMSG_LENGTH(reply->hdr_len))
		return -EBADMSG;
	fixed = NLMSG_DATA(h);
	nl_parse_attrs(tb, reply->max,
		       (const struct rtattr *)(fixed +
					       NLMSG_ALIGN(reply->hdr_len)),
		       (int)(h->nlmsg_len - NLMSG_LENGTH(reply->hdr_len)));
	return reply->parse(fixed, tb, arg);
}

static bool attr_u32(const struct rtattr *rta, uint32_t *out)
{
	if (!rta || RTA_PAYLOAD(rta) < sizeof(uint32_t))
		return false;
	memcpy(out, RTA_DATA(rta), sizeof(*out));
	return true;
}

static size_t family_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static bool attr_addr(const struct rtattr *rta, int family, struct ip_addr *out)
{
	size_t len = family_addr_len(family);

	if (!rta || !len || RTA_PAYLOAD(rta) != len)
		return false;
	memset(out, 0, sizeof(*out));
	out->family = family;
	memcpy(&out->v6, RTA_DATA(rta), len); /* v4 and v6 share the union */
	return true;
}

static const void *ip_addr_bytes(const struct ip_addr *a)
{
	if (a->family == AF_INET)
		return &a->v4;
	return &a->v6;
}

static bool ip_addr_is_wildcard(const struct ip_addr *a)
{
	if (!a || a->family == 0)
		return true;
	if (a->family == AF_INET)
		return a->v4.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&a->v6);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ links */

struct link_reply {
	bool found;
	unsigned short type; /* ARPHRD_* */
	unsigned int flags; /* IFF_* */
	int ifindex;
	char name[IF_NAMESIZE];
	uint8_t mac[6];
	bool has_mac;
	uint32_t mtu;
};

static int link_reply_parse(const void *hdr, const struct rtattr *const *tb,
			    void *arg)
{
	const struct rtattr *name = tb[IFLA_IFNAME];
	const struct ifinfomsg *ifi = hdr;
	struct link_reply *r = arg;

	if (!name || RTA_PAYLOAD(name) < 1 || RTA_PAYLOAD(name) > IF_NAMESIZE ||
	    memchr(RTA_DATA(name), '\0', RTA_PAYLOAD(name)) == NULL)
		return -EBADMSG;
	strcpy(r->name, RTA_DATA(name));
	r->ifindex = ifi->ifi_index;
	r->type = ifi->ifi_type;
	r->flags = ifi->ifi_flags;
	r->has_mac = tb[IFLA_ADDRESS] && RTA_PAYLOAD(tb[IFLA_ADDRESS]) == 6;
	if (r->has_mac)
		memcpy(r->mac, RTA_DATA(tb[IFLA_ADDRESS]), 6);
	if (!attr_u32(tb[IFLA_MTU], &r->mtu))
		r->mtu = 0;
	r->found = true;
	return 1;
}

static const struct nl_reply link_reply = {
	RTM_NEWLINK, sizeof(struct ifinfomsg), IFLA_MAX, link_reply_parse
};

/* The link by index (ifname NULL) or by name. -ENODEV when there is none. */
static int link_get(struct nl_sock *nl, int ifindex, const char *ifname,
		    struct link_reply *r)
{
	struct nl_req req;
	struct ifinfomsg *ifi =
		nl_req_init(&req, sizeof(*ifi), RTM_GETLINK, AF_UNSPEC);
	int err;

	memset(r, 0, sizeof(*r));
	ifi->ifi_index = ifname ? 0 : ifindex;
	if (ifname) {
		if (!*ifname || strlen(ifname) >= IF_NAMESIZE)
			return -ENODEV;
		err = nl_add_attr(&req, sizeof(req), IFLA_IFNAME, ifname,
				  strlen(ifname) + 1);
		if (err)
			return err;
	}
	err = nl_talk(nl, &req.h, &link_reply, r);
	if (err == -ENODEV || (err >= 0 && !r->found))
		return -ENODEV;
	return err < 0 ? err : 0;
}

/* Count rx-N / tx-N under /sys/class/net/IF/queues. Only trusted when that
 * sysfs entry is our interface: a process that entered a namespace without
 * remounting /sys sees the devices of another namespace there. */
static int queues_from_sysfs(const struct link_reply *link, uint32_t *rx,
			     uint32_t *tx)
{
	char path[128];
	struct dirent *de;
	unsigned int rxn = 0, txn = 0;
	int index = 0;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", link->name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%d", &index) != 1)
		index = 0;
	fclose(f);
	if (index != link->ifindex)
		return -ENOENT;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", link->name);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, "rx-", 3))
			rxn++;
		else if (!strncmp(de->d_name, "tx-", 3))
			txn++;
	}
	closedir(d);
	if (!rxn || !txn)
		return -ENOENT;
	*rx = rxn;
	*tx = txn;
	return 0;
}

/* ETHTOOL_GCHANNELS reports the channels in use, for drivers that have it. */
static int queues_from_ethtool(const char *ifname, uint32_t *rx, uint32_t *tx)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	int err = ethtool_request(ifname, &ch);

	if (err)
		return err;
	if (!(ch.rx_count + ch.combined_count) ||
	    !(ch.tx_count + ch.combined_count))
		return -ENOENT;
	*rx = ch.rx_count + ch.combined_count;
	*tx = ch.tx_count + ch.combined_count;
	return 0;
}

static void fill_interface(struct net_path *out, const struct link_reply *link)
{
	strcpy(out->ifname, link->name);
	out->ifindex = link->ifindex;
	if (link->has_mac)
		memcpy(out->src_mac, link->mac, 6);
	out->mtu = link->mtu;
	out->flags = link->flags;
	if (queues_from_sysfs(link, &out->rx_queues, &out->tx_queues) &&
	    queues_from_ethtool(link->name, &out->rx_queues,
				&out->tx_queues)) {
		pr_debug("netpath: queue counts of %s unknown, assuming 1\n",
			 link->name);
		out->rx_queues = 1;
		out->tx_queues = 1;
	}
}

/* ------------------------------------------------------------ addresses */

struct addr_search {
	const struct ip_addr *want;
	int prefer_ifindex;
	int ifindex; /* where it was found, 0: nowhere */
};

static int addr_reply_parse(const void *hdr, const struct rtattr *const *tb,
			    void *arg)
{
	const struct ifaddrmsg *ifa = hdr;
	struct addr_search *s = arg;
	const struct rtattr *local;
	struct ip_addr a;

	if (ifa->ifa_family != s->want->family)
		return 0;
	/* On point-to-point links IFA_ADDRESS is the peer's; IFA_LOCAL,
	 * when present, is ours. */
	local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!attr_addr(local, ifa->ifa_family, &a) ||
	    !ip_addr_equal(&a, s->want))
		return 0;
	if (!s->ifindex || (int)ifa->ifa_index == s->prefer_ifindex)
		s->ifindex = (int)ifa->ifa_index;
	return 0; /* an address may sit on more than one interface */
}

static const struct nl_reply addr_reply = {
	RTM_NEWADDR, sizeof(struct ifaddrmsg), IFA_MAX, addr_reply_parse
};

/* The interface holding addr (the preferred one if it has it), 0: none. */
static int addr_find(struct nl_sock *nl, const struct ip_addr *addr,
		     int prefer_ifindex, int *ifindex)
{
	struct addr_search s = { .want = addr,
				 .prefer_ifindex = prefer_ifindex };
	struct nl_req req;
	int err;

	nl_req_init(&req, sizeof(struct ifaddrmsg), RTM_GETADDR, addr->family);
	req.h.nlmsg_flags = NLM_F_DUMP;
	err = nl_talk(nl, &req.h, &addr_reply, &s);
	if (err < 0)
		return err;
	*ifindex = s.ifindex;
	return 0;
}

/* ------------------------------------------------------------ routes */

struct route_reply {
	bool found;
	unsigned char type; /* RTN_* */
	uint32_t oif;
	struct ip_addr prefsrc; /* family 0: none */
	struct ip_addr gateway; /* family 0: on link */
};

static int route_reply_parse(const void *hdr, const struct rtattr *const *tb,
			     void *arg)
{
	const struct rtmsg *rtm = hdr;
	struct route_reply *r = arg;

	r->type = rtm->rtm_type;
	if (!attr_u32(tb[RTA_OIF], &r->oif))
		r->oif = 0;
	if (tb[RTA_PREFSRC] &&
	    !attr_addr(tb[RTA_PREFSRC], rtm->rtm_family, &r->prefsrc))
		return -EBADMSG;
	if (tb[RTA_GATEWAY] &&
	    !attr_addr(tb[RTA_GATEWAY], rtm->rtm_family, &r->gateway))
		return -EBADMSG;
	/* An IPv4 route may have an IPv6 next hop (RFC 5549). */
	if (!tb[RTA_GATEWAY] && tb[RTA_VIA]) {
		const struct rtvia *via = RTA_DATA(tb[RTA_VIA]);
		size_t len = RTA_PAYLOAD(tb[RTA_VIA]);
		size_t alen;

		if (len < sizeof(*via))
			return -EBADMSG;
		alen = family_addr_len(via->rtvia_family);
		if (!alen || len != sizeof(*via) + alen)
			return -EBADMSG;
		r->gateway.family = via->rtvia_family;
		memcpy(&r->gateway.v6, via->rtvia_addr, alen);
	}
	r->found = true;
	return 1;
}

static const struct nl_reply route_reply = {
	RTM_NEWROUTE, sizeof(struct rtmsg), RTA_MAX, route_reply_parse
};

static int route_get(struct nl_sock *nl, const struct ip_addr *dst,
		     const struct ip_addr *src, int oif, struct route_reply *r)
{
	struct nl_req req;
	struct rtmsg *rtm =
		nl_req_init(&req, sizeof(*rtm), RTM_GETROUTE, dst->family);
	size_t alen = family_addr_len(dst->family);
	uint32_t oif32 = (uint32_t)oif;
	int err;

	memset(r, 0, sizeof(*r));
	rtm->rtm_dst_len = (unsigned char)(alen * 8);
	err = nl_add_attr(&req, sizeof(req), RTA_DST, ip_addr_bytes(dst),
			  alen);
	if (!err && src) {
		rtm->rtm_src_len = (unsigned char)(alen * 8);
		err = nl_add_attr(&req, sizeof(req), RTA_SRC,
				  ip_addr_bytes(src), alen);
	}
	if (!err && oif)
		err = nl_add_attr(&req, sizeof(req), RTA_OIF, &oif32,
				  sizeof(oif32));
	if (err)
		return err;
	err = nl_talk(nl, &req.h, &route_reply, r);
	if (err < 0)
		return err;
	return r->found ? 0 : -ENOENT;
}

static const char *route_type_name(unsigned char type)
{
	switch (type) {
	case RTN_LOCAL:
		return "a local address";
	case RTN_BROADCAST:
		return "a broadcast address";
	case RTN_MULTICAST:
		return "a multicast address";
	case RTN_ANYCAST:
		return "an anycast address";
	case RTN_BLACKHOLE:
		return "routed to a blackhole";
	case RTN_UNREACHABLE:
		return "unreachable";
	case RTN_PROHIBIT:
		return "administratively prohibited";
	default:
		return "not a unicast destination";
	}
}

/* ------------------------------------------------------------ neighbours */

struct neigh_reply {
	bool found;
	uint16_t state; /* NUD_* */
	bool has_mac;
	uint8_t mac[6];
};

static int neigh_reply_parse(const void *hdr, const struct rtattr *const *tb,
			     void *arg)
{
	const struct ndmsg *ndm = hdr;
	struct neigh_reply *r = arg;

	r->state = ndm->ndm_state;
	r->has_mac = tb[NDA_LLADDR] && RTA_PAYLOAD(tb[NDA_LLADDR]) == 6;
	if (r->has_mac)
		memcpy(r->mac, RTA_DATA(tb[NDA_LLADDR]), 6);
	r->found = true;
	return 1;
}

static const struct nl_reply neigh_reply = {
	RTM_NEWNEIGH, sizeof(struct ndmsg), NDA_MAX, neigh_reply_parse
};

/* The entry for hop on ifindex; r->found false when there is none. */
static int neigh_get(struct nl_sock *nl, const struct ip_addr *hop,
		     int ifindex, struct neigh_reply *r)
{
	struct nl_req req;
	struct ndmsg *ndm =
		nl_req_init(&req, sizeof(*ndm), RTM_GETNEIGH, hop->family);
	int err;

	memset(r, 0, sizeof(*r));
	ndm->ndm_ifindex = ifindex;
	err = nl_add_attr(&req, sizeof(req), NDA_DST, ip_addr_bytes(hop),
			  family_addr_len(hop->family));
	if (err)
		return err;
	err = nl_talk(nl, &req.h, &neigh_reply, r);
	if (err == -ENOENT) {
		r->found = false;
		return 0;
	}
	return err < 0 ? err : 0;
}

static bool neigh_usable(const struct neigh_reply *r)
{
	return r->found && r->has_mac && (r->state & NUD_USABLE);
}

/*
 * Make the kernel resolve hop: one empty datagram to its discard port
 * starts ARP / neighbour discovery exactly as any sender would, without a
 * raw socket. The datagram itself is thrown away by the peer (or answered
 * with an ICMP error we never read).
 */
static int neigh_kick(const struct ip_addr *hop, const char *ifname,
		      int ifindex)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, err = 0;

	memset(&ss, 0, sizeof(ss));
	if (hop->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(DISCARD_PORT);
		sin->sin_addr = hop->v4;
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(DISCARD_PORT);
		sin6->sin6_addr = hop->v6;
		/* A link-local gateway means nothing without its link. */
		if (IN6_IS_ADDR_LINKLOCAL(&hop->v6))
			sin6->sin6_scope_id = (uint32_t)ifindex;
		len = sizeof(*sin6);
	}
	fd = socket(hop->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Best effort: without CAP_NET_RAW the route decides the interface,
	 * which is the one we found anyway. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strlen(ifname)))
		pr_debug("netpath: SO_BINDTODEVICE %s: %s\n", ifname,
			 strerror(errno));
	if (sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&ss, len) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int neigh_resolve(struct nl_sock *nl, const struct ip_addr *hop,
			 const char *ifname, int ifindex, uint8_t mac[6],
			 struct lr_err *err_buf)
{
	struct timespec pause = { .tv_nsec = (long)NEIGH_POLL_NS };
	char hop_text[INET6_ADDRSTRLEN];
	struct neigh_reply r;
	uint64_t deadline;
	int err;

	ip_addr_format(hop, hop_text, sizeof(hop_text));
	err = neigh_get(nl, hop, ifindex, &r);
	if (err)
		goto err_lookup;
	if (neigh_usable(&r))
		goto found;

	err = neigh_kick(hop, ifname, ifindex);
	if (err) {
		return lr_err_set(
			err_buf, err, NULL,
			"neighbour %s on %s: cannot send to it to start "
			"resolution: %s",
			hop_text, ifname, strerror(-err));
	}
	deadline = monotonic_ns() + NEIGH_RESOLVE_NS;
	while (monotonic_ns() < deadline) {
		nanosleep(&pause, NULL);
		err = neigh_get(nl, hop, ifindex, &r);
		if (err)
			goto err_lookup;
		if (neigh_usable(&r))
			goto found;
	}
	return lr_err_set(
		err_buf, -EHOSTUNREACH, NULL,
		"neighbour %s on %s did not resolve (no %s within 1 s)",
		hop_text, ifname,
		hop->family == AF_INET ? "ARP reply" :
					 "neighbour advertisement");

found:
	memcpy(mac, r.mac, 6);
	return 0;

err_lookup:
	return lr_err_set(err_buf, err, NULL,
			  "neighbour lookup of %s on %s failed: %s", hop_text,
			  ifname, strerror(-err));
}

/* ------------------------------------------------------------ API */

static int open_or_say(struct nl_sock *nl, struct lr_err *err)
{
	int ret = nl_open(nl);

	if (ret)
		lr_err_set(err, ret, NULL,
			   "cannot open an rtnetlink socket: %s",
			   strerror(-ret));
	return ret;
}

/* addr_find(), saying in err why it failed or found nothing
 * (-EADDRNOTAVAIL); what ("source " or "") and text name addr there. */
static int addr_find_or_say(struct nl_sock *nl, const struct ip_addr *addr,
			    int prefer_ifindex, int *ifindex, const char *what,
			    const char *text, struct lr_err *err)
{
	int ret = addr_find(nl, addr, prefer_ifindex, ifindex);

	if (ret)
		return lr_err_set(err, ret, NULL, "cannot list addresses: %s",
				  strerror(-ret));
	if (!*ifindex)
		return lr_err_set(err, -EADDRNOTAVAIL, NULL,
				  "%s%s is not an address of this host", what,
				  text);
	return 0;
}

static int link_or_say(struct nl_sock *nl, int ifindex, const char *ifname,
		       struct link_reply *link, struct lr_err *err)
{
	int ret = link_get(nl, ifindex, ifname, link);

	if (ret == -ENODEV) {
		if (ifname)
			lr_err_set(err, ret, NULL, "no interface named '%s'",
				   ifname);
		else
			lr_err_set(err, ret, NULL, "no interface with index %d",
				   ifindex);
	} else if (ret) {
		lr_err_set(err, ret, NULL, "cannot read interface %s: %s",
			   ifname ? ifname : "", strerror(-ret));
	}
	return ret;
}

/* A netlink socket, and the interface the user pinned (ifindex 0 when
 * none); on error the socket is closed and err says why. */
static int open_pinned(struct nl_sock *nl, const char *ifname,
		       struct link_reply *pinned, struct lr_err *err)
{
	int ret = open_or_say(nl, err);

	if (ret)
		return ret;
	pinned->ifindex = 0;
	if (!ifname)
		return 0;
	ret = link_or_say(nl, 0, ifname, pinned, err);
	if (ret)
		nl_close(nl);
	return ret;
}

int netpath_interface(const char *ifname, struct net_path *out,
		      struct lr_err *err)
{
	struct link_reply link;
	struct nl_sock nl;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!ifname) {
		return lr_err_set(err, -EINVAL, NULL, "no interface given");
	}
	ret = open_or_say(&nl, err);
	if (ret)
		return ret;
	ret = link_or_say(&nl, 0, ifname, &link, err);
	if (!ret)
		fill_interface(out, &link);
	nl_close(&nl);
	return ret;
}

int netpath_to(const struct ip_addr *dst, const struct ip_addr *src,
	       const char *ifname, struct net_path *out, struct lr_err *err)
{
	char dst_text[INET6_ADDRSTRLEN], src_text[INET6_ADDRSTRLEN];
	struct link_reply pinned, link;
	struct route_reply route;
	bool have_src = src && src->family;
	struct nl_sock nl;
	int ret, src_ifindex;

	memset(out, 0, sizeof(*out));
	if (!dst || !family_addr_len(dst->family) || ip_addr_is_wildcard(dst)) {
		return lr_err_set(err, -EINVAL, NULL, "no destination address");
	}
	ip_addr_format(dst, dst_text, sizeof(dst_text));
	if (have_src) {
		ip_addr_format(src, src_text, sizeof(src_text));
		if (src->family != dst->family) {
			return lr_err_set(
				err, -EINVAL, NULL,
				"source %s and destination %s are not of "
				"the same address family",
				src_text, dst_text);
		}
	}
	ret = open_pinned(&nl, ifname, &pinned, err);
	if (ret)
		return ret;
	/* The kernel would say "network unreachable"; say what is wrong. */
	if (have_src) {
		ret = addr_find_or_say(&nl, src, pinned.ifindex, &src_ifindex,
				       "source ", src_text, err);
		if (ret)
			goto out;
	}

	ret = route_get(&nl, dst, have_src ? src : NULL, pinned.ifindex,
			&route);
	if (ret == -ENETUNREACH || ret == -EHOSTUNREACH || ret == -ENOENT ||
	    (!ret && route.type == RTN_UNREACHABLE)) {
		ret = lr_err_set(err, -ENETUNREACH, NULL, "no route to %s%s%s",
				 dst_text, ifname ? " via " : "",
				 ifname ? ifname : "");
		goto out;
	}
	if (ret == -EINVAL || ret == -EACCES) {
		/* What the kernel answers for blackhole and prohibit routes. */
		ret = lr_err_set(err, -ENETUNREACH, NULL,
				 "no route to %s (%s route?)", dst_text,
				 ret == -EINVAL ? "a blackhole" : "a prohibit");
		goto out;
	}
	if (ret) {
		lr_err_set(err, ret, NULL, "route lookup for %s failed: %s",
			   dst_text, strerror(-ret));
		goto out;
	}
	if (route.type != RTN_UNICAST) {
		ret = lr_err_set(err,
				 route.type == RTN_LOCAL ? -EADDRINUSE :
							   -ENETUNREACH,
				 NULL,
				 "%s is %s: raw backends send only to unicast "
				 "destinations on another host",
				 dst_text, route_type_name(route.type));
		goto out;
	}
	if (!route.oif) {
		ret = lr_err_set(err, -ENETUNREACH, NULL,
				 "the route to %s names no interface",
				 dst_text);
		goto out;
	}

	ret = link_or_say(&nl, (int)route.oif, NULL, &link, err);
	if (ret)
		goto out;
	fill_interface(out, &link);
	out->dst = *dst;
	if (have_src) {
		out->src = *src;
	} else if (route.prefsrc.family == dst->family) {
		out->src = route.prefsrc;
	} else {
		ret = lr_err_set(
			err, -EADDRNOTAVAIL, NULL,
			"%s has no %s address to send to %s from", link.name,
			dst->family == AF_INET ? "IPv4" : "IPv6", dst_text);
		goto out;
	}
	out->next_hop = route.gateway.family ? route.gateway : *dst;

	/* Frames are addressed to a MAC: there must be a neighbour table. */
	if (link.type != ARPHRD_ETHER || (link.flags & IFF_NOARP) ||
	    !link.has_mac) {
		ret = lr_err_set(
			err, -EPFNOSUPPORT, NULL,
			"%s is not an Ethernet interface with neighbours "
			"(link type %u): raw backends need one",
			link.name, link.type);
		goto out;
	}
	if (!(link.flags & IFF_UP)) {
		ret = lr_err_set(err, -ENETDOWN, NULL, "%s is down", link.name);
		goto out;
	}
	ret = neigh_resolve(&nl, &out->next_hop, link.name, link.ifindex,
			    out->dst_mac, err);

out:
	nl_close(&nl);
	return ret;
}

int netpath_local(const struct ip_addr *addr, const char *ifname,
		  struct net_path *out, struct lr_err *err)
{
	char addr_text[INET6_ADDRSTRLEN];
	struct link_reply pinned, link;
	struct nl_sock nl;
	int ret, ifindex = 0;

	memset(out, 0, sizeof(*out));
	if (ip_addr_is_wildcard(addr) && !ifname) {
		return lr_err_set(
			err, -EINVAL, NULL,
			"a raw backend listening on the wildcard address "
			"needs -i IFACE");
	}
	ret = open_pinned(&nl, ifname, &pinned, err);
	if (ret)
		return ret;
	if (ip_addr_is_wildcard(addr)) {
		fill_interface(out, &pinned);
		if (addr)
			out->src = *addr;
		goto out;
	}

	ip_addr_format(addr, addr_text, sizeof(addr_text));
	ret = addr_find_or_say(&nl, addr, pinned.ifindex, &ifindex, "",
			       addr_text, err);
	if (ret)
		goto out;
	ret = link_or_say(&nl, ifindex, NULL, &link, err);
	if (ret)
		goto out;
	if (ifname && ifindex != pinned.ifindex) {
		ret = lr_err_set(err, -EADDRNOTAVAIL, NULL,
				 "%s is an address of %s, not of %s", addr_text,
				 link.name, pinned.name);
		goto out;
	}
	fill_interface(out, &link);
	out->src = *addr;

out:
	nl_close(&nl);
	return ret;
}

int netpath_if_counters(const char *ifname, struct if_counters *out)
{
	struct ifaddrs *list, *ifa;
	int err = -ENODEV;

	/* getifaddrs reads the counters over netlink, so they are this
	 * namespace's even where /sys belongs to another one. */
	if (getifaddrs(&list))
		return -errno;
	for (ifa = list; ifa; ifa = ifa->ifa_next) {
		const struct rtnl_link_stats *st = ifa->ifa_data;

		if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_PACKET ||
		    !st || strcmp(ifa->ifa_name, ifname))
			continue;
#define IF_COUNTER_COPY(name, link_stat) out->name = st->link_stat;
		IF_COUNTER_FIELDS(IF_COUNTER_COPY)
#undef IF_COUNTER_COPY
		err = 0;
		break;
	}
	freeifaddrs(list);
	return err;
}

int netpath_driver(const char *ifname, struct ethtool_drvinfo *out)
{
	memset(out, 0, sizeof(*out));
	out->cmd = ETHTOOL_GDRVINFO;
	return ethtool_request(ifname, out);
}
