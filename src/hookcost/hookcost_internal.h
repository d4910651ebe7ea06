/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_HOOKCOST_INTERNAL_H
#define LINERATE_HOOKCOST_INTERNAL_H

/*
 * Inside hookcost (hookcost.h is what the command sees). The pieces, one
 * file each:
 *   hookcost.c         the schedule of runs, the measurements
 *   hookcost_proc.c    child processes (linerate itself, iperf3), the lab,
 *                      and the lab's far end
 *   hookcost_hooks.c   the configurations: what is attached for each, the
 *                      check for foreign programs, detaching on every path
 *   hookcost_api.c     the far end as a linerate server over its API
 *   hookcost_report.c  medians, spreads and deltas; text, JSON, CSV
 */

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "backend/tc_attach.h"
#include "backend/xdp_attach.h"
#include "hookcost/hookcost.h"
#include "lib/child.h"
#include "lib/spec.h"

/* ------------------------------------------------------------ processes */

/* Wait until a socket in our network namespace is bound to port (UDP, or
 * TCP listening), at most limit_ns, or until the child c (may be NULL) is
 * gone; 0, -ETIMEDOUT or -ECHILD. limit_ns 0 just looks once. */
int hc_wait_port_bound(struct child_proc *c, bool tcp, uint16_t port,
		       uint64_t limit_ns, const atomic_bool *stop);

/* ------------------------------------------------------------ argv */

/* What child_start takes in all (lib/child.c copies at most 47). */
#define HC_ARGV_MAX 40

/* A linerate child's command line ("self ROLE --flag value ..."): argv
 * points into opts. */
struct hc_argv {
	char **opts; /* opts_to_argv's */
	char *argv[HC_ARGV_MAX];
};

/* The argv of a child that runs spec (its role, its address: --dst or
 * --listen), from the role's option rows. 0 or -errno; free with
 * hc_child_argv_free. */
int hc_child_argv(struct hc_argv *a, const struct test_spec *spec);
void hc_child_argv_free(struct hc_argv *a);
/* Where a child's spec sends to (send, ping) or listens (recv,
 * reflect): an IP literal and a port. 0 or -EINVAL. */
int hc_spec_endpoint(struct test_spec *spec, const char *ip, uint16_t port);
/* The backend a child's spec names: 0, or -EINVAL when it is too long. */
int hc_spec_backend(struct test_spec *spec, const char *name);

/* ------------------------------------------------------------ lab */

struct hc_lab {
	char name[16];
	char subnet[16];
	char ns_a[24], ns_b[24];
	char dev_b[24];
	char ip_a[16], ip_b[16];
	bool made; /* we brought it up: we take it down */
	int home_netns; /* our namespace before entering b, or -1 */
};

/* Use lab name, bringing it up when it is not (subnet NULL: the lab's
 * default). Returns 0, or -errno after one line on stderr. */
int hc_lab_open(struct hc_lab *lab, const char *name, const char *subnet,
		const atomic_bool *stop);
/* Move this process into the lab's namespace b (the receiving side). */
int hc_lab_enter_b(struct hc_lab *lab);
/* Back to our namespace, and the lab down if we made it. */
void hc_lab_close(struct hc_lab *lab);

/* ------------------------------------------------------------ far end */

/*
 * The far end of the link: where the traffic comes from. The lab's runs
 * linerate (and iperf3) in namespace a as child processes; a later one
 * will drive a linerate daemon on another host over its JSON API. A job
 * is one run there whose result is that run's JSON report.
 */
/* Where a job sends, and for how long: every request's. */
struct hc_job_target {
	const char *dst_ip;
	uint16_t port;
	uint64_t duration_ns;
};

struct hc_source_req {
	struct hc_job_target to;
	uint32_t frame_size;
	const char *rate; /* as linerate takes it: "max", "100000pps" */
	const char *backend;
};

struct hc_ping_req {
	struct hc_job_target to;
	uint64_t rate_pps;
};

struct hc_tcp_req {
	struct hc_job_target to;
};

struct hc_job {
	struct child_proc child;
	uint64_t limit_ns; /* how long the job may take in all */
	char session_id[17]; /* the API far end's session, "" for none */
};

struct hc_far_end;

struct hc_far_end_ops {
	const char *name;
	int (*source_start)(struct hc_far_end *fe,
			    const struct hc_source_req *req,
			    struct hc_job *job);
	int (*ping_start)(struct hc_far_end *fe, const struct hc_ping_req *req,
			  struct hc_job *job);
	int (*tcp_start)(struct hc_far_end *fe, const struct hc_tcp_req *req,
			 struct hc_job *job);
	/* The job's JSON report once it ended (NULL with the reason in
	 * err). */
	json_t *(*job_finish)(struct hc_far_end *fe, struct hc_job *job,
			      const atomic_bool *stop, struct lr_err *err);
	/* Stop a job early and forget it; safe on a finished one. */
	void (*job_abort)(struct hc_far_end *fe, struct hc_job *job);
};

/* A far end's ops table from the prefix its functions share
 * (PREFIX_source_start, PREFIX_ping_start, ...), named after it. */
#define HC_FAR_END_OPS(prefix)                                                 \
	{                                                                      \
		.name = #prefix, .source_start = prefix##_source_start,        \
		.ping_start = prefix##_ping_start,                             \
		.tcp_start = prefix##_tcp_start,                               \
		.job_finish = prefix##_job_finish,                             \
		.job_abort = prefix##_job_abort,                               \
	}

struct api_client;

struct hc_far_end {
	const struct hc_far_end_ops *ops;
	char desc[64];
	const struct hc_lab *lab; /* the lab implementation's */
	struct api_client *api; /* the API implementation's */
};

void hc_far_end_lab(struct hc_far_end *fe, const struct hc_lab *lab);
/* A linerate server over its JSON API (hookcost_api.c): its source and
 * ping sessions send to us. */
void hc_far_end_api(struct hc_far_end *fe, struct api_client *api,
		    const char *host);

/* ------------------------------------------------------------ hooks */

struct hc_hooks {
	int ifindex;
	char ifname[16];
	bool force;
	struct xdp_pass *xdp_skel;
	struct tc_pass *tc_skel;
	struct xdp_attachment xdp;
	struct tc_attachment tc;
	enum hc_config attached; /* HC_NONE when nothing is on */
	/* With --force: a foreign XDP program taken off for the run, to be
	 * put back in its mode at the end. */
	int foreign_fd;
	uint32_t foreign_mode;
	char foreign_name[16];
	char program[HC_CONFIGS][24]; /* what each configuration attached */
	char mode[HC_CONFIGS][24];
};

/* Load the programs and check the interface: a foreign XDP program or tc
 * ingress filter stops the run unless force (then the XDP one is taken
 * off until hc_hooks_close, and the tc ones stay). Linerate leftovers of a
 * killed run are removed. 0 or -errno after one line on stderr. */
int hc_hooks_open(struct hc_hooks *h, const char *ifname, bool force);
/* Attach configuration c (detaching whatever was on). 0, -EOPNOTSUPP
 * with the reason in note when the interface cannot do it, or -errno. */
int hc_hooks_apply(struct hc_hooks *h, enum hc_config c, char *note,
		   size_t note_len);
/* Detach what we attached; 0 or -errno (after a warning). */
int hc_hooks_clear(struct hc_hooks *h);
/* Clear, put back a foreign program taken off, free the programs. */
int hc_hooks_close(struct hc_hooks *h);

/* ------------------------------------------------------------ report */

enum hc_metric {
	HC_M_SOCK_PPS = 0, /* max-rate run: received at the socket */
	HC_M_IFACE_PPS, /* max-rate run: the interface's rx counter */
	HC_M_GBPS, /* max-rate run: socket rate in Gbit/s (L1) */
	HC_M_LOSS, /* fixed-rate run: loss in percent */
	HC_M_RTT_P50, /* ping run, microseconds */
	HC_M_RTT_P99,
	HC_M_TCP_GBPS, /* --tcp */
	HC_METRICS
};

struct hc_series {
	double value[HC_MAX_REPEATS];
	unsigned int n;
};

struct hc_result {
	bool enabled[HC_CONFIGS]; /* asked for */
	bool skipped[HC_CONFIGS]; /* not possible here */
	char note[HC_CONFIGS][200];
	char program[HC_CONFIGS][24];
	char mode[HC_CONFIGS][24];
	struct hc_series series[HC_CONFIGS][HC_METRICS];
	bool tcp;
};

/* Everything the report says about how the numbers were made. */
struct hc_setup {
	char target[160];
	char ifname[24];
	char far_end[64];
	char source_backend[16];
	char fixed_rate[32];
	char ping_rate[32];
	char tcp_tool[32];
	uint32_t frame_size;
	unsigned int repeats;
	uint64_t duration_ns;
	bool interrupted;
};

struct hc_stat {
	double median, min, max, q1, q3;
	unsigned int n;
};

/* Median, quartiles and range of a series; n 0 when empty. */
void hc_stat_of(const struct hc_series *s, struct hc_stat *out);

const char *hc_metric_name(enum hc_metric m);

void hc_report_text(FILE *out, const struct hc_setup *setup,
		    const struct hc_result *r);
int hc_report_json(FILE *out, const struct hc_setup *setup,
		   const struct hc_result *r);
int hc_report_csv(FILE *out, const struct hc_setup *setup,
		  const struct hc_result *r);

#endif
