// SPDX-License-Identifier: MIT
/*
 * The lab trial runner: both ends in the two-namespace veth lab
 * (scripts/lab). Each trial starts a fresh receiver in NAME-b
 * (`linerate recv --json`), optionally sends warm-up traffic to a sink
 * receiver on the next port, runs the sender in NAME-a
 * (`linerate send --json`), waits for the drain time, stops the receiver
 * with SIGINT and reads both JSON documents. Both ends read the host's
 * clock, so the receiver's one-way latency is valid (--clock-sync host).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <jansson.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/ethtool.h"
#include "lib/child.h"
#include "lib/clock.h"
#include "lib/frame.h"
#include "lib/log.h"
#include "lib/marking.h"
#include "lib/options.h"
#include "lib/report.h"
#include "lib/spec.h"
#include "lib/spec_opts.h"
#include "search/trial.h"

#define LAB_NAME_MAX  8
#define RECV_READY_NS (5 * NSEC_PER_SEC)
#define RECV_STOP_NS  (5 * NSEC_PER_SEC)
/* The sender ends by itself; past this much over its duration it hangs. */
#define SEND_GRACE_NS	(15 * NSEC_PER_SEC)
#define POLL_NS		(10 * NSEC_PER_MSEC)
#define PACING_SLACK_NS (5 * NSEC_PER_MSEC)


struct lab_runner {
	struct trial_runner base;
	char ns_a[LAB_NAME_MAX + 3], ns_b[LAB_NAME_MAX + 3];
	char dev_a[LAB_NAME_MAX + 3], dev_b[LAB_NAME_MAX + 3];
	char ip_b[INET_ADDRSTRLEN];
	struct ip_addr addr_b; /* ip_b */
	char self_path[4096];
	char backend[16];
	bool no_gso;
	uint32_t flows;
	uint8_t tos;
	struct marking_vlans vlan; /* the sender's tags; id 0: none */
	uint16_t port;
	char catch_up[32]; /* "": the old burst */
	struct child_proc sink; /* warm-up receiver, started on first use */
	char what_recv[64], what_send[64], what_sink[64];
};

/* A plain sleep: the poll loops must not spin on a CPU the test needs. */
static void nap(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / NSEC_PER_SEC),
			      .tv_nsec = (long)(ns % NSEC_PER_SEC)};

	nanosleep(&ts, NULL);
}

void trial_result_finish(struct trial_result *res)
{
	res->lost = res->sent > res->received ? res->sent - res->received : 0;
	res->loss_ratio = res->sent ? (double)res->lost / (double)res->sent : 0;
	res->rx_pps = res->duration_s > 0 ?
			      (double)res->received / res->duration_s :
			      0;
}

static bool stopped(const struct lab_runner *lr)
{
	return lr->base.stop && atomic_load(lr->base.stop);
}

/* ---------------------------------------------------------------- netns */

/* Run fn inside namespace ns, then come back. */
static int in_netns(const char *ns, int (*fn)(void *arg), void *arg)
{
	char path[64];
	int self, target, err, back;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0) {
		err = -errno;
		goto out_self;
	}
	if (setns(target, CLONE_NEWNET)) {
		err = -errno;
		goto out_target;
	}
	err = fn(arg);
	back = setns(self, CLONE_NEWNET) ? -errno : 0;
	if (back) {
		pr_warn("rfc2544: cannot return from namespace %s: %s\n", ns,
			strerror(-back));
		err = back;
	}
out_target:
	close(target);
out_self:
	close(self);
	return err;
}

struct addr_query {
	const char *ifname;
	char *out;
	size_t len;
};

static int find_ipv4(void *arg)
{
	struct addr_query *q = arg;
	struct ifaddrs *list, *ifa;
	int err = -ENOENT;

	if (getifaddrs(&list))
		return -errno;
	for (ifa = list; ifa; ifa = ifa->ifa_next) {
		if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET ||
		    strcmp(ifa->ifa_name, q->ifname))
			continue;
		inet_ntop(AF_INET,
			  &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr,
			  q->out, (socklen_t)q->len);
		err = 0;
		break;
	}
	freeifaddrs(list);
	return err;
}

struct speed_query {
	const char *ifname;
	uint32_t mbps;
};

static int read_speed(void *arg)
{
	struct speed_query *q = arg;
	struct ethtool_cmd cmd = {.cmd = ETHTOOL_GSET};
	uint32_t speed;
	int err;

	err = ethtool_request(q->ifname, &cmd);
	if (err)
		return err;
	speed = ethtool_cmd_speed(&cmd);
	if (speed == 0 || speed == (uint32_t)SPEED_UNKNOWN)
		return -ENODATA;
	q->mbps = speed;
	return 0;
}

int trial_if_speed_mbps(const char *ifname, uint32_t *mbps)
{
	struct speed_query q = {.ifname = ifname};
	int err = read_speed(&q);

	if (err)
		return err == -EOPNOTSUPP ? -ENODATA : err;
	*mbps = q.mbps;
	return 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

void trial_result_combine(struct trial_result *out,
			  const struct trial_result *a,
			  const struct trial_result *b)
{
	struct trial_result r = {0};

	r.sent = a->sent + b->sent;
	r.received = a->received + b->received;
	r.duplicates = a->duplicates + b->duplicates;
	r.reordered = a->reordered + b->reordered;
	r.duration_s = a->duration_s > b->duration_s ? a->duration_s :
						       b->duration_s;
	trial_result_finish(&r);
	r.tx_pps = a->tx_pps < b->tx_pps ? a->tx_pps : b->tx_pps;
	r.rx_pps = a->rx_pps < b->rx_pps ? a->rx_pps : b->rx_pps;
	if (a->latency.valid && b->latency.valid)
		r.latency = a->latency.p99 >= b->latency.p99 ? a->latency :
								b->latency;
	else
		r.latency = a->latency.valid ? a->latency : b->latency;
	if (a->pacing.valid && b->pacing.valid) {
		r.pacing.valid = true;
		r.pacing.gap_p50_ns = max_u64(a->pacing.gap_p50_ns,
					      b->pacing.gap_p50_ns);
		r.pacing.gap_p99_ns = max_u64(a->pacing.gap_p99_ns,
					      b->pacing.gap_p99_ns);
		r.pacing.gap_max_ns = max_u64(a->pacing.gap_max_ns,
					      b->pacing.gap_max_ns);
		r.pacing.late_max_ns = max_u64(a->pacing.late_max_ns,
					       b->pacing.late_max_ns);
		r.pacing.forfeit_ns = max_u64(a->pacing.forfeit_ns,
					      b->pacing.forfeit_ns);
		r.pacing.bursts = a->pacing.bursts + b->pacing.bursts;
		r.pacing.burst_max = max_u64(a->pacing.burst_max,
					     b->pacing.burst_max);
	}
	*out = r;
}

bool trial_size_valid(uint32_t frame_size, const struct size_mix *mix)
{
	if (frame_size < FRAME_MIN_SIZE || frame_size > FRAME_MAX_SIZE)
		return false;
	/* A mix's frame_size is its largest; every size is in range. */
	return !mix || !mix->count ||
	       (sizemix_max(mix) == frame_size &&
		sizemix_min(mix) >= FRAME_MIN_SIZE);
}

void trial_sender_marking(struct test_spec *sp, uint8_t tos,
			  const struct marking_vlans *vlan, bool no_gso)
{
	sp->tos = tos;
	sp->vlan_id = vlan->id;
	sp->vlan_pcp = vlan->pcp;
	sp->vlan_inner_id = vlan->inner_id;
	sp->vlan_inner_pcp = vlan->inner_pcp;
	sp->backend.no_gso = no_gso;
}

int trial_params_check(const struct trial_params *p, struct lr_err *err)
{
	if (!trial_size_valid(p->frame_size, p->mix) || !(p->rate_pps > 0) ||
	    !p->duration_ns) {
		return lr_err_set(err, -EINVAL, NULL,
				  "invalid trial parameters");
	}
	return 0;
}

int trial_burst_check(const struct burst_params *p, struct lr_err *err)
{
	if (!trial_size_valid(p->frame_size, p->mix) || !p->frames ||
	    !p->max_ns) {
		return lr_err_set(err, -EINVAL, NULL,
				  "invalid burst parameters");
	}
	return 0;
}

int trial_runner_trial(struct trial_runner *r, const struct trial_params *p,
		       struct trial_result *out, struct lr_err *err)
{
	const struct trial_run run = {.p = *p};
	int ret = trial_params_check(p, err);

	return ret ? ret : r->ops->run(r, &run, out, err);
}

int trial_runner_burst(struct trial_runner *r, const struct burst_params *p,
		       struct trial_result *out, struct lr_err *err)
{
	const struct trial_run run = {
		.p = {.frame_size = p->frame_size,
		      .mix = p->mix,
		      .rate_pps = p->rate_pps,
		      .duration_ns = p->max_ns,
		      .drain_ns = p->drain_ns},
		.frames = p->frames,
	};
	int ret = trial_burst_check(p, err);

	return ret ? ret : r->ops->run(r, &run, out, err);
}

uint32_t trial_pacing_burst(double rate_pps)
{
	double b = ceil(rate_pps * (double)PACING_SLACK_NS / 1e9);

	return b < 32 ? 32u : b > 1024 ? 1024u : (unsigned int)b;
}

static int lab_line_rate(struct trial_runner *r, uint64_t *bps, char *source,
			 size_t source_len)
{
	struct lab_runner *lr = (struct lab_runner *)r;
	struct speed_query q = {.ifname = lr->dev_a};
	int err;

	err = in_netns(lr->ns_a, read_speed, &q);
	if (err)
		return err == -EOPNOTSUPP ? -ENODATA : err;
	*bps = (uint64_t)q.mbps * 1000000ULL;
	snprintf(source, source_len, "ethtool speed of %s (%u Mb/s)", lr->dev_a,
		 q.mbps);
	return 0;
}

/* ---------------------------------------------------------------- children */

/* This binary (lib/child.c: "self") with args, in namespace ns. */
static int lab_child_start(struct lab_runner *lr, struct child_proc *c,
			   const char *ns, char *const args[], const char *what)
{
	struct lr_err err = {0};
	char *argv[48];
	size_t n = 0;
	int rc;

	argv[n++] = "self";
	for (size_t i = 0; args[i] && n < sizeof(argv) / sizeof(argv[0]) - 1;
	     i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	rc = child_start(c, what, ns, argv, &err);
	if (rc) {
		pr_debug("rfc2544: %s\n", lr_err_text(&err));
	} else if (log_get_level() >= LOG_DEBUG) {
		char line[1024];
		size_t used = 0;

		line[0] = '\0';
		for (size_t i = 1; argv[i] && used < sizeof(line); i++)
			used += (size_t)snprintf(line + used,
						 sizeof(line) - used, " %s",
						 argv[i]);
		pr_debug("rfc2544: [%d] in %s: linerate%s\n", (int)c->pid, ns,
			 line);
	}
	(void)lr;
	return rc;
}

/* Wait up to timeout_ns for the child to exit. 0 with *status set, or
 * -ETIMEDOUT, or -EINTR when the run is being stopped. */
static int lab_child_wait(struct lab_runner *lr, struct child_proc *c,
			  uint64_t timeout_ns, bool obey_stop, int *status)
{
	if (!c->pid)
		return -ECHILD;
	if (!child_wait(c, timeout_ns, obey_stop ? lr->base.stop : NULL))
		return obey_stop && stopped(lr) ? -EINTR : -ETIMEDOUT;
	*status = c->status;
	return 0;
}

/* Still running? false (and reaped, *status set) when it has exited. */
static bool child_alive(struct child_proc *c, int *status)
{
	if (!c->pid || child_done(c)) {
		*status = c->status;
		return false;
	}
	return true;
}

static void describe_exit(int status, char *out, size_t len)
{
	if (WIFEXITED(status))
		snprintf(out, len, "exit code %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, len, "status %d", status);
}

/* An error line about a child that ended when it should not have. */
static int child_failed(const struct child_proc *c, int status,
			struct lr_err *err)
{
	char how[48], line[200];

	describe_exit(status, how, sizeof(how));
	child_last_err_line(c, line, sizeof(line));
	return lr_err_set(err, -EPIPE, NULL, "%s ended (%s)%s%s", c->tag, how,
			  line[0] ? ": " : "", line);
}

/* Traffic that failed (nothing received, refused) is a trial's result,
 * reported as usual, not an error of the run: only another exit fails. */
static int trial_child_status(const struct child_proc *c, int status,
			      struct lr_err *err)
{
	if (!WIFEXITED(status) ||
	    (WEXITSTATUS(status) != 0 &&
	     WEXITSTATUS(status) != LINERATE_EXIT_NO_TRAFFIC))
		return child_failed(c, status, err);
	return 0;
}

/*
 * The receiver is ready when it has exec'd linerate (so it is in the
 * namespace) and its UDP port is bound there. /proc/PID/net/udp shows the
 * socket table of the process's own namespace.
 */
static bool udp_port_bound(pid_t pid, uint16_t port)
{
	char path[64], line[256], want[16];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/udp", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	snprintf(want, sizeof(want), ":%04X", port);
	while (fgets(line, sizeof(line), f)) {
		char local[64];
		unsigned int state;

		if (sscanf(line, " %*s %63s %*s %x", local, &state) != 2)
			continue;
		if (state == 7 && strstr(local, want) &&
		    strlen(strstr(local, want)) == strlen(want)) {
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

static bool exec_done(const struct lab_runner *lr, pid_t pid)
{
	char path[64], target[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, lr->self_path);
}

/*
 * The children's flags come from the option rows of `send` and `recv`
 * (lib/spec_opts.h): a runner fills a test_spec and every value that
 * differs from the command's own defaults goes on the command line as its
 * row writes it.
 */
#define CHILD_MAX_ARGS 48

/* This binary as `send` or `recv` (by sp->role) with sp's flags, in
 * namespace ns. */
static int lab_spec_start(struct lab_runner *lr, struct child_proc *c,
			  const char *ns, const struct test_spec *sp,
			  const char *what)
{
	const struct opt_command *cmd = spec_opts_command(sp->role);
	char *args[CHILD_MAX_ARGS], **argv;
	struct test_spec defaults;
	int n, rc;

	spec_opts_defaults(sp->role, &defaults);
	n = opts_to_argv(cmd, 0, sp, &defaults, &argv);
	if (n < 0)
		return n;
	if (n + 1 > CHILD_MAX_ARGS) {
		opts_argv_free(argv);
		return -E2BIG;
	}
	memcpy(args, argv, (size_t)n * sizeof(args[0]));
	args[n] = NULL;
	rc = lab_child_start(lr, c, ns, args, what);
	opts_argv_free(argv);
	return rc;
}

static int start_receiver(struct lab_runner *lr, struct child_proc *c,
			  uint16_t port, uint32_t frame_size, uint64_t limit_ns,
			  const char *what, struct lr_err *err)
{
	char listen[64];
	struct test_spec sp;
	uint64_t deadline;
	int status, rc;

	snprintf(listen, sizeof(listen), "%s:%u", lr->ip_b, port);
	spec_opts_defaults(ROLE_RECV, &sp);
	sp.listen = lr->addr_b;
	sp.listen_port = port;
	snprintf(sp.backend.name, sizeof(sp.backend.name), "%s", lr->backend);
	sp.frame_size = frame_size < 1518 ? 1518 : frame_size;
	sp.clock_sync = CLOCK_SYNC_HOST;
	sp.idle_timeout_ns = 0;
	/* A safety net: it is stopped with SIGINT long before this. */
	sp.duration_ns = limit_ns / NSEC_PER_MSEC * NSEC_PER_MSEC;
	sp.interval_ns = 0;
	sp.output = OUTPUT_JSON;
	sp.backend.no_gso = lr->no_gso;
	rc = lab_spec_start(lr, c, lr->ns_b, &sp, what);
	if (rc) {
		return lr_err_set(err, rc, NULL, "cannot start the %s: %s",
				  what, strerror(-rc));
	}
	deadline = mono_ns() + RECV_READY_NS;
	while (!(exec_done(lr, c->pid) && udp_port_bound(c->pid, port))) {
		if (!child_alive(c, &status))
			return child_failed(c, status, err);
		if (stopped(lr))
			return -EINTR;
		if (mono_ns() >= deadline) {
			return lr_err_set(err, -ETIMEDOUT, NULL,
					  "the %s did not bind %s within 5 s",
					  what, listen);
		}
		nap(POLL_NS);
	}
	return 0;
}

/* The sender's spec for a rate (0: as fast as it goes) and a duration
 * or a frame count. */
static int sender_spec(const struct lab_runner *lr, uint16_t port,
		       uint32_t frame_size, const struct size_mix *mix,
		       double rate_pps, uint64_t duration_ns, uint64_t frames,
		       struct test_spec *sp)
{
	spec_opts_defaults(ROLE_SEND, sp);
	sp->dst = lr->addr_b;
	sp->dst_port = port;
	snprintf(sp->backend.name, sizeof(sp->backend.name), "%s", lr->backend);
	sp->frame_size = frame_size;
	if (mix && mix->count)
		sp->size_mix = *mix;
	sp->rate.kind = rate_pps > 0 ? RATE_PPS : RATE_MAX;
	sp->rate.value = rate_pps > 0 ? rate_pps : 0;
	/* In whole microseconds, at least one. */
	sp->duration_ns = duration_ns / NSEC_PER_USEC ?
				  duration_ns / NSEC_PER_USEC * NSEC_PER_USEC :
				  NSEC_PER_USEC;
	sp->count = frames;
	sp->flows = lr->flows;
	if (rate_pps > 0 && lr->catch_up[0] && !frames) {
		/* A stated policy: a late sender makes up at most that,
		 * so a shallow buffer on the path sees no burst; and at
		 * real-time priority it is seldom late on a busy host.
		 * Not for a back-to-back burst (frames): that one goes as
		 * fast as the sender can, one --burst per send. */
		if (spec_parse_catch_up(sp, lr->catch_up))
			return -EINVAL;
		sp->realtime = true;
	} else if (rate_pps > 0) {
		/*
		 * The pacer's bucket holds one burst: a sender woken late
		 * catches up by at most that much, the rest of the delay is
		 * lost for good. On a busy host wake-ups run milliseconds
		 * late, so the bucket holds PACING_SLACK_NS of frames
		 * (32..1024); in steady state frames still go one by one.
		 */
		sp->burst = trial_pacing_burst(rate_pps);
	}
	sp->interval_ns = 0;
	sp->output = OUTPUT_JSON;
	trial_sender_marking(sp, lr->tos, &lr->vlan, lr->no_gso);
	return 0;
}

/* Run a sender to its end. rate_pps 0: as fast as it goes. */
static int run_sender(struct lab_runner *lr, uint16_t port, uint32_t frame_size,
		      const struct size_mix *mix, double rate_pps,
		      uint64_t duration_ns, uint64_t frames,
		      struct child_proc *c, struct lr_err *err)
{
	struct test_spec sp;
	int status, rc;

	rc = sender_spec(lr, port, frame_size, mix, rate_pps, duration_ns,
			 frames, &sp);
	if (!rc)
		rc = lab_spec_start(lr, c, lr->ns_a, &sp, lr->what_send);
	if (rc) {
		return lr_err_set(err, rc, NULL, "cannot start the sender: %s",
				  strerror(-rc));
	}
	rc = lab_child_wait(lr, c, duration_ns + SEND_GRACE_NS, true, &status);
	if (rc == -EINTR)
		return rc;
	if (rc) {
		return lr_err_set(err, rc, NULL,
				  "the %s did not finish in time",
				  lr->what_send);
	}
	return trial_child_status(c, status, err);
}

/* Stop a receiver with SIGINT: it prints its final JSON and exits. */
static int stop_receiver(struct lab_runner *lr, struct child_proc *c,
			 struct lr_err *err)
{
	int status, rc;

	if (!child_alive(c, &status))
		return child_failed(c, status, err);
	kill(c->pid, SIGINT);
	rc = lab_child_wait(lr, c, RECV_STOP_NS, false, &status);
	if (rc) {
		return lr_err_set(err, rc, NULL,
				  "the %s did not stop on SIGINT", c->tag);
	}
	return trial_child_status(c, status, err);
}

/* ---------------------------------------------------------------- JSON */

static bool get_u64(json_t *doc, const char *section, const char *key,
		    uint64_t *out)
{
	json_t *v = json_object_get(json_object_get(doc, section), key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static bool get_double(json_t *doc, const char *section, const char *key,
		       double *out)
{
	json_t *obj = section ? json_object_get(doc, section) : doc;
	json_t *v = json_object_get(obj, key);

	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return true;
}

static void parse_latency(json_t *recv, struct trial_latency *lat)
{
	json_t *o = json_object_get(recv, "latency_ns");
	const char *type = json_string_value(json_object_get(o, "type"));

	memset(lat, 0, sizeof(*lat));
	if (!json_is_object(o))
		return;
	snprintf(lat->type, sizeof(lat->type), "%s", type ? type : "one-way");
	get_u64(recv, "latency_ns", "count", &lat->count);
	get_u64(recv, "latency_ns", "min", &lat->min);
	get_u64(recv, "latency_ns", "p50", &lat->p50);
	get_u64(recv, "latency_ns", "p90", &lat->p90);
	get_u64(recv, "latency_ns", "p99", &lat->p99);
	get_u64(recv, "latency_ns", "p999", &lat->p999);
	get_u64(recv, "latency_ns", "max", &lat->max);
	get_double(recv, "latency_ns", "mean", &lat->mean);
	lat->valid = json_is_true(json_object_get(o, "valid")) && lat->count;
}

static void parse_pacing(json_t *send, struct trial_pacing *pc)
{
	json_t *tx = json_object_get(send, "tx");
	json_t *o = json_object_get(tx, "pacing");

	memset(pc, 0, sizeof(*pc));
	if (!json_is_object(o))
		return;
	/* Null where the sender measured nothing: then not valid. */
	pc->valid = get_u64(tx, "pacing", "gap_p99_ns", &pc->gap_p99_ns) &&
		    get_u64(tx, "pacing", "late_max_ns", &pc->late_max_ns);
#define GET_PACING(name) get_u64(tx, "pacing", #name, &pc->name);
	TRIAL_PACING_COUNTS(GET_PACING)
#undef GET_PACING
}

int trial_result_from_reports(json_t *send, json_t *recv,
			      struct trial_result *out, struct lr_err *err)
{
	uint64_t rx_packets, dups = 0;

	memset(out, 0, sizeof(*out));
	if (!get_u64(send, "tx", "packets", &out->sent) ||
	    !get_double(send, "tx", "pps", &out->tx_pps) ||
	    !get_double(send, NULL, "duration_s", &out->duration_s)) {
		return lr_err_set(err, -EPROTO, NULL,
				  "the sender's JSON lacks tx.packets, "
				  "tx.pps or duration_s");
	}
	if (!get_u64(recv, "rx", "packets", &rx_packets)) {
		return lr_err_set(err, -EPROTO, NULL,
				  "the receiver's JSON lacks rx.packets");
	}
	get_u64(recv, "rx", "duplicates", &dups);
	get_u64(recv, "rx", "reordered", &out->reordered);
	out->duplicates = dups;
	out->received = rx_packets > dups ? rx_packets - dups : 0;
	parse_latency(recv, &out->latency);
	parse_pacing(send, &out->pacing);
	trial_result_finish(out);
	return 0;
}

static int collect(struct lab_runner *lr, const struct child_proc *sender,
		   const struct child_proc *receiver, struct trial_result *out,
		   struct lr_err *err)
{
	json_t *send = child_json(sender, err), *recv = NULL;
	int rc = -EPROTO;

	(void)lr;
	if (!send)
		return -EPROTO;
	recv = child_json(receiver, err);
	if (recv)
		rc = trial_result_from_reports(send, recv, out, err);
	json_decref(send);
	json_decref(recv);
	return rc;
}

/* ---------------------------------------------------------------- trials */

static int warm_up(struct lab_runner *lr, const struct trial_params *p,
		   struct lr_err *err)
{
	struct child_proc sender = {.out_fd = -1, .err_fd = -1};
	int status, rc;

	if (!child_alive(&lr->sink, &status)) {
		child_close(&lr->sink);
		rc = start_receiver(lr, &lr->sink, lr->port + 1, FRAME_MAX_SIZE,
				    30ULL * 24 * 3600 * NSEC_PER_SEC,
				    lr->what_sink, err);
		if (rc)
			return rc;
	}
	rc = run_sender(lr, lr->port + 1, p->frame_size, p->mix, p->rate_pps,
			p->warmup_ns, 0, &sender, err);
	child_close(&sender);
	if (!rc && !child_alive(&lr->sink, &status))
		rc = child_failed(&lr->sink, status, err);
	return rc;
}

/* Interruptible sleep. */
static int lab_sleep(struct lab_runner *lr, uint64_t ns)
{
	uint64_t end = mono_ns() + ns, now;

	while ((now = mono_ns()) < end) {
		if (stopped(lr))
			return -EINTR;
		nap(end - now < POLL_NS ? end - now : POLL_NS);
	}
	return 0;
}

static int lab_run(struct trial_runner *r, const struct trial_run *run,
		   struct trial_result *out, struct lr_err *err)
{
	struct lab_runner *lr = (struct lab_runner *)r;
	const struct trial_params *p = &run->p;
	struct child_proc receiver, sender;
	uint64_t limit =
		p->warmup_ns + p->duration_ns + p->drain_ns + 60 * NSEC_PER_SEC;
	int rc;

	memset(&receiver, 0, sizeof(receiver));
	memset(&sender, 0, sizeof(sender));
	receiver.out_fd = receiver.err_fd = sender.out_fd = sender.err_fd = -1;
	if (p->warmup_ns) {
		rc = warm_up(lr, p, err);
		if (rc)
			goto out;
	}
	rc = start_receiver(lr, &receiver, lr->port, p->frame_size, limit,
			    lr->what_recv, err);
	if (rc)
		goto out;
	rc = run_sender(lr, lr->port, p->frame_size, p->mix, p->rate_pps,
			p->duration_ns, run->frames, &sender, err);
	if (rc)
		goto out;
	rc = lab_sleep(lr, p->drain_ns);
	if (rc)
		goto out;
	rc = stop_receiver(lr, &receiver, err);
	if (rc)
		goto out;
	rc = collect(lr, &sender, &receiver, out, err);
	if (!rc && out->sent == 0) {
		rc = lr_err_set(err, -EIO, NULL, "the %s sent nothing",
				lr->what_send);
	}
out:
	if (rc == -EINTR) {
		/* The signal is the cause, whatever failed on the way. */
		lr_err_clear(err);
		lr_err_set(err, rc, NULL, "interrupted by a signal");
	}
	child_close(&sender);
	child_close(&receiver);
	return rc;
}

static void lab_destroy(struct trial_runner *r)
{
	struct lab_runner *lr = (struct lab_runner *)r;

	if (!lr)
		return;
	child_close(&lr->sink);
	free(lr);
}

static const struct trial_runner_ops lab_ops = TRIAL_RUNNER_OPS(lab);

static bool valid_lab_name(const char *name)
{
	size_t n = strlen(name);

	if (n < 1 || n > LAB_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= '0' && name[i] <= '9')))
			return false;
	return true;
}

int lab_runner_create(const struct lab_runner_config *cfg,
		      struct trial_runner **out, struct lr_err *err)
{
	struct lab_runner *lr;
	struct addr_query q;
	char path[64], vlan[32];
	int rc;

	if (!valid_lab_name(cfg->lab)) {
		return lr_err_set(err, -EINVAL, NULL,
				  "--name: invalid lab name '%s' (1 to 8 "
				  "characters a-z 0-9)",
				  cfg->lab);
	}
	lr = calloc(1, sizeof(*lr));
	if (!lr)
		return -ENOMEM;
	lr->base.ops = &lab_ops;
	lr->base.stop = cfg->stop;
	lr->sink.out_fd = lr->sink.err_fd = -1;
	snprintf(lr->ns_a, sizeof(lr->ns_a), "%s-a", cfg->lab);
	snprintf(lr->ns_b, sizeof(lr->ns_b), "%s-b", cfg->lab);
	snprintf(lr->dev_a, sizeof(lr->dev_a), "%s-a0", cfg->lab);
	snprintf(lr->dev_b, sizeof(lr->dev_b), "%s-b0", cfg->lab);
	snprintf(lr->self_path, sizeof(lr->self_path), "%s", cfg->self_path);
	snprintf(lr->backend, sizeof(lr->backend), "%s", cfg->backend);
	snprintf(lr->base.backend, sizeof(lr->base.backend), "%s",
		 cfg->backend);
	lr->no_gso = cfg->no_gso;
	lr->flows = cfg->flows ? cfg->flows : 1;
	lr->tos = cfg->tos;
	lr->vlan = cfg->vlan;
	if (cfg->catch_up)
		snprintf(lr->catch_up, sizeof(lr->catch_up), "%s",
			 cfg->catch_up);
	lr->port = cfg->port;
	snprintf(lr->what_recv, sizeof(lr->what_recv), "receiver in %s",
		 lr->ns_b);
	snprintf(lr->what_sink, sizeof(lr->what_sink), "warm-up receiver in %s",
		 lr->ns_b);
	snprintf(lr->what_send, sizeof(lr->what_send), "sender in %s",
		 lr->ns_a);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/run/netns/%s",
			 i ? lr->ns_b : lr->ns_a);
		if (access(path, F_OK)) {
			rc = lr_err_set(
				err, -ENOENT, NULL,
				"lab '%s' is not up (no namespace %s); run "
				"'linerate lab up --name %s' first",
				cfg->lab, i ? lr->ns_b : lr->ns_a, cfg->lab);
			goto fail;
		}
	}
	q.ifname = lr->dev_b;
	q.out = lr->ip_b;
	q.len = sizeof(lr->ip_b);
	rc = in_netns(lr->ns_b, find_ipv4, &q);
	if (!rc)
		rc = ip_addr_parse(lr->ip_b, &lr->addr_b);
	if (rc) {
		lr_err_set(err, rc, NULL, "no IPv4 address on %s in %s: %s",
			   lr->dev_b, lr->ns_b, strerror(-rc));
		goto fail;
	}
	snprintf(lr->base.description, sizeof(lr->base.description),
		 "lab %s: %s (%s) -> %s (%s %s:%u), %s backend%s%s%s", cfg->lab,
		 lr->ns_a, lr->dev_a, lr->ns_b, lr->dev_b, lr->ip_b, lr->port,
		 lr->backend, lr->no_gso ? ", no GSO" : "",
		 lr->vlan.id ? ", vlan " : "",
		 lr->vlan.id ?
			 marking_vlans_format(&lr->vlan, vlan, sizeof(vlan)) :
			 "");
	*out = &lr->base;
	return 0;
fail:
	free(lr);
	return rc;
}
