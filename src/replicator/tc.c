// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "backend/netpath.h"
#include "bpf/tc_repl_shared.h"
#include "lib/log.h"
#include "replicator/tc.h"
#include "tc_replicate.skel.h"

/* BPF_TCX_INGRESS of Linux 6.6's uapi, newer than the headers we build
 * against. */
#define LR_TCX_INGRESS 46

struct tc_replicator {
	struct tc_replicate *skel;
	pthread_mutex_t lock; /* one sync at a time */
	int inner_fd; /* the set the kernel uses now */
	int link_fd; /* tcx link, or -1 (clsact filter) */
	int ncpus;
	bool hook_created;
	bool attached;
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	struct tc_repl_set staging;
};

static void addr_words(const struct ip_addr *a, __u32 out[4])
{
	memset(out, 0, 16);
	if (a->family == AF_INET6)
		memcpy(out, &a->v6, 16);
	else
		memcpy(out, &a->v4, 4);
}

/*
 * A tcx link (Linux 6.6+) where there is one: it goes away with the
 * process, so a replicator killed hard does not go on replicating in the
 * kernel. Otherwise a filter on a clsact qdisc, which outlives a killed
 * process (linerate cleanup -i removes it).
 */
static int attach(struct replicator *r, struct tc_replicator *t,
		  struct lr_err *err)
{
	int prog_fd = bpf_program__fd(t->skel->progs.lr_tc_repl);
	int rc;

	t->link_fd = bpf_link_create(prog_fd, r->ifindex,
				     (enum bpf_attach_type)LR_TCX_INGRESS, NULL);
	if (t->link_fd >= 0) {
		t->attached = true;
		return 0;
	}
	pr_debug("replicate: no tcx link (%s), using a clsact filter\n",
		 strerror(-t->link_fd));
	t->link_fd = -1;
	memset(&t->hook, 0, sizeof(t->hook));
	t->hook.sz = sizeof(t->hook);
	t->hook.ifindex = r->ifindex;
	t->hook.attach_point = BPF_TC_INGRESS;
	rc = bpf_tc_hook_create(&t->hook);
	if (!rc)
		t->hook_created = true;
	else if (rc != -EEXIST) {
		return lr_err_set(err, rc, NULL,
				  "cannot add a clsact qdisc to %s: %s",
				  r->ifname, strerror(-rc));
	}
	memset(&t->opts, 0, sizeof(t->opts));
	t->opts.sz = sizeof(t->opts);
	t->opts.prog_fd = prog_fd;
	rc = bpf_tc_attach(&t->hook, &t->opts);
	if (rc) {
		return lr_err_set(err, rc, NULL,
				  "cannot attach the tc program to %s: %s",
				  r->ifname, strerror(-rc));
	}
	t->attached = true;
	return 0;
}

static void detach(struct tc_replicator *t)
{
	if (t->link_fd >= 0) {
		close(t->link_fd);
		t->link_fd = -1;
		t->attached = false;
	}
	if (t->attached) {
		LIBBPF_OPTS(bpf_tc_opts, del, .handle = t->opts.handle,
			    .priority = t->opts.priority);

		if (bpf_tc_detach(&t->hook, &del))
			pr_warn("replicate: cannot detach the tc program: %s "
				"(linerate cleanup -i removes it)\n",
				strerror(errno));
		t->attached = false;
	}
	if (t->hook_created) {
		/* Ours alone: it goes, with whatever a killed run left. */
		t->hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&t->hook);
		t->hook_created = false;
	}
}

int tc_replicator_open(struct replicator *r, struct lr_err *err)
{
	struct tc_replicator *t;
	struct net_path path;
	struct tc_repl_config *cfg;
	int rc;

	if (r->cfg.max_subscribers > TC_REPL_MAX_SUBS) {
		return lr_err_set(err, -EINVAL, "max-subscribers",
				  "--max-subscribers: at most %d in the kernel",
				  TC_REPL_MAX_SUBS);
	}
	rc = netpath_local(&r->cfg.listen,
			   r->cfg.backend.ifname[0] ? r->cfg.backend.ifname :
						      NULL,
			   &path, err);
	if (rc)
		return rc;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	r->tc = t;
	pthread_mutex_init(&t->lock, NULL);
	t->inner_fd = -1;
	t->link_fd = -1;
	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus <= 0)
		return lr_err_set(err, -EINVAL, NULL, "cannot count the CPUs");
	snprintf(r->ifname, sizeof(r->ifname), "%s", path.ifname);
	r->ifindex = path.ifindex;
	memcpy(r->src_mac, path.src_mac, 6);
	t->skel = tc_replicate__open();
	if (!t->skel) {
		rc = -errno;
		return lr_err_set(err, rc, NULL,
				  "cannot open the tc program: %s",
				  strerror(-rc));
	}
	cfg = (struct tc_repl_config *)&t->skel->rodata->repl_cfg;
	cfg->family = r->cfg.listen.family == AF_INET6 ? TC_REPL_FAMILY_IPV6 :
							 TC_REPL_FAMILY_IPV4;
	cfg->any_addr = r->listen_wildcard;
	addr_words(&r->cfg.listen, cfg->addr);
	cfg->port = r->cfg.listen_port;
	memcpy(cfg->mac, path.src_mac, 6);
	cfg->ifindex = (__u32)path.ifindex;
	cfg->max_len = r->cfg.max_frame - FRAME_FCS_LEN;
	cfg->return_path = r->cfg.return_path;
	rc = tc_replicate__load(t->skel);
	if (rc)
		return lr_err_set(err, rc, NULL,
				  "cannot load the tc program: %s",
				  strerror(-rc));
	rc = attach(r, t, err);
	if (rc)
		return rc;
	r->backend_name = "xdp";
	snprintf(r->mode, sizeof(r->mode),
		 "in kernel: tc %s ingress on %s, bpf_clone_redirect per "
		 "subscriber",
		 t->link_fd >= 0 ? "tcx" : "clsact", r->ifname);
	snprintf(r->note, sizeof(r->note),
		 "tc rather than XDP: XDP has no per-copy clone, and a veth "
		 "drops "
		 "XDP_TX/REDIRECT frames unless its peer runs XDP");
	return 0;
}

/* The set as the program reads it. */
static void stage(struct tc_repl_set *ks, const struct sub_set *set)
{
	memset(ks, 0, sizeof(*ks));
	ks->count =
		set->count < TC_REPL_MAX_SUBS ? set->count : TC_REPL_MAX_SUBS;
	for (uint32_t i = 0; i < ks->count; i++) {
		const struct subscriber *s = &set->subs[i];
		struct tc_repl_target *kt = &ks->subs[i];

		addr_words(&s->target.addr, kt->addr);
		memcpy(kt->mac, s->target.mac, 6);
		kt->port = htons(s->target.port);
		kt->slot = s->slot;
	}
}

int tc_replicator_sync(struct replicator *r)
{
	struct tc_replicator *t = r->tc;
	const struct sub_set *set;
	uint64_t epoch;
	__u32 zero = 0;
	int fd, rc = 0;

	pthread_mutex_lock(&t->lock);
	/* The kernel is reader 0: this set stays ours until it is marked
	 * below, after the kernel stopped using the older ones. */
	set = subs_reader_peek(&r->subs, &epoch);
	stage(&t->staging, set);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "lr_repl_set", sizeof(__u32),
			    sizeof(struct tc_repl_set), 1, NULL);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if (bpf_map_update_elem(fd, &zero, &t->staging, BPF_ANY) ||
	    /* Returns after an RCU grace period: no program run still
	     * sees the previous inner map. */
	    bpf_map_update_elem(bpf_map__fd(t->skel->maps.sets), &zero, &fd,
				BPF_ANY)) {
		rc = -errno;
		close(fd);
		goto out;
	}
	if (t->inner_fd >= 0)
		close(t->inner_fd);
	t->inner_fd = fd;
	subs_reader_mark(&r->subs, 0, epoch);
out:
	pthread_mutex_unlock(&t->lock);
	if (!rc)
		subs_reclaim(&r->subs);
	return rc;
}

/* Sum a per-CPU value of n u64 words. */
static void percpu_sum(struct tc_replicator *t, int map_fd, __u32 key,
		       uint64_t *out, size_t words)
{
	size_t stride = (words * 8 + 7) & ~(size_t)7;
	uint8_t *buf = calloc((size_t)t->ncpus, stride);

	memset(out, 0, words * 8);
	if (!buf)
		return;
	if (!bpf_map_lookup_elem(map_fd, &key, buf)) {
		for (int cpu = 0; cpu < t->ncpus; cpu++) {
			const uint64_t *v =
				(const uint64_t *)(buf + (size_t)cpu * stride);

			for (size_t k = 0; k < words; k++)
				out[k] += v[k];
		}
	}
	free(buf);
}

/* The counters the tc program keeps (struct tc_repl_counters), each
 * named as the repl_counters member it goes to. */
/* clang-format off */
#define TC_REPL_COUNTER_NAMES(X)                                               \
	X(rx_packets) X(rx_bytes) X(replicated) X(tx_packets) X(tx_bytes)      \
	X(tx_errors) X(no_subscribers) X(too_big) X(malformed)                 \
	X(from_subscriber) X(returned) X(return_no_feed)
/* clang-format on */

/* Every word of the program's counters is in the list. */
#define TC_REPL_COUNTER_WORD(name) +1
_Static_assert(sizeof(struct tc_repl_counters) ==
		       sizeof(uint64_t) *
			       (0 TC_REPL_COUNTER_NAMES(TC_REPL_COUNTER_WORD)),
	       "TC_REPL_COUNTER_NAMES lists every tc_repl_counters member");
#undef TC_REPL_COUNTER_WORD

void tc_replicator_totals(struct replicator *r, struct repl_counters *out)
{
	struct tc_replicator *t = r->tc;
	struct tc_repl_counters k;

	percpu_sum(t, bpf_map__fd(t->skel->maps.repl_counters), 0,
		   (uint64_t *)&k, sizeof(k) / 8);
#define TC_REPL_COUNTER_COPY(name) out->name = k.name;
	TC_REPL_COUNTER_NAMES(TC_REPL_COUNTER_COPY)
#undef TC_REPL_COUNTER_COPY
}

void tc_replicator_slot_sum(struct replicator *r, uint32_t slot,
			    struct sub_counters *out)
{
	struct tc_replicator *t = r->tc;
	struct tc_repl_sub_counters k;

	if (slot >= TC_REPL_MAX_SLOTS)
		return;
	percpu_sum(t, bpf_map__fd(t->skel->maps.sub_counters), slot,
		   (uint64_t *)&k, sizeof(k) / 8);
	out->sent = k.sent;
	out->dropped = k.dropped;
	out->bytes = k.bytes;
}

void tc_replicator_detach(struct replicator *r)
{
	if (r->tc)
		detach(r->tc);
}

void tc_replicator_close(struct replicator *r)
{
	struct tc_replicator *t = r->tc;

	if (!t)
		return;
	detach(t);
	if (t->inner_fd >= 0)
		close(t->inner_fd);
	tc_replicate__destroy(t->skel);
	pthread_mutex_destroy(&t->lock);
	free(t);
	r->tc = NULL;
}
