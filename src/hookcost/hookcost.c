// SPDX-License-Identifier: MIT
/*
 * `linerate hookcost --lab`: what an empty XDP or tc program costs on the
 * receive path. On the receiving interface, in turn: nothing, an empty XDP
 * program in generic and in native mode, an empty tc ingress program; for
 * each the same traffic from the far end: a maximum-rate run of small UDP
 * packets (received pps at the socket and at the interface), a fixed-rate
 * run (loss) and a ping against a reflector (RTT), optionally a TCP
 * stream. The configurations take turns within each repeat, so slow drift
 * of the machine spreads over all of them instead of biasing one.
 *
 * Every run is a linerate (or iperf3) child process with a time limit;
 * whatever we attached comes off after each configuration, on errors and
 * on SIGINT/SIGTERM, and the lab goes down again if we brought it up.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/client.h"
#include "api/http.h"
#include "backend/netpath.h"
#include "hookcost/hookcost_internal.h"
#include "lib/clock.h"
#include "lib/exit_code.h"
#include "lib/log.h"
#include "lib/report.h"
#include "lib/spec_opts.h"
#include "lib/units.h"

#define RECEIVER_SLACK_NS (20 * NSEC_PER_SEC) /* backstop past the run */
#define RECEIVER_DRAIN_NS (3 * NSEC_PER_SEC) /* after the source ended */
#define BIND_WAIT_NS	  (5 * NSEC_PER_SEC)
#define IDLE_TIMEOUT_NS	  (500 * NSEC_PER_MSEC)

/* Everything one measurement needs. */
struct hc_ctx {
	const struct hc_opts *o;
	struct hc_far_end *fe;
	const char *dst_ip; /* the receiving side's address */
	const char *ifname; /* the receiving interface */
	atomic_bool *stop;
};

static atomic_bool stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	/* Every wait is bounded and looks at the flag; a second signal must
	 * not end us with programs still attached. */
	atomic_store(&stop_requested, true);
}

/* ------------------------------------------------------------ JSON */

/* A number at a dotted path ("rx.pps"); false when missing. */
static bool jnum(json_t *doc, const char *path, double *out)
{
	char key[64];
	const char *p = path;
	json_t *v = doc;

	while (v && *p) {
		size_t n = strcspn(p, ".");

		if (n >= sizeof(key))
			return false;
		memcpy(key, p, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		p += n + (p[n] == '.');
	}
	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return true;
}

/* ------------------------------------------------------------ runs */

static int start_near(struct child_proc *c, const char *tag, char *const argv[])
{
	struct lr_err err = {0};
	int rc;

	rc = child_start(c, tag, NULL, argv, &err);
	if (rc)
		pr_warn("linerate hookcost: %s\n", lr_err_text(&err));
	return rc;
}

/* Start a linerate receiver or reflector on our side, ready for traffic. */
static int start_receiver(const struct hc_ctx *x, struct child_proc *c,
			  const char *role, uint16_t port)
{
	struct test_spec spec;
	struct hc_argv args;
	char line[200];
	int rc;

	spec_opts_defaults(strcmp(role, "reflect") ? ROLE_RECV : ROLE_REFLECT,
			   &spec);
	hc_spec_backend(&spec, "udp");
	/* recv's --size is the largest frame it expects. */
	spec.frame_size = x->o->frame_size > 1518 ? x->o->frame_size : 1518;
	spec.idle_timeout_ns = IDLE_TIMEOUT_NS;
	spec.duration_ns = (x->o->duration_ns + RECEIVER_SLACK_NS) /
			   NSEC_PER_MSEC * NSEC_PER_MSEC;
	spec.output = OUTPUT_JSON;
	spec.quiet = true;
	rc = hc_spec_endpoint(&spec, x->dst_ip, port);
	if (!rc)
		rc = hc_child_argv(&args, &spec);
	if (rc) {
		pr_warn("linerate hookcost: %s: cannot make its command line: "
			"%s\n",
			role, strerror(-rc));
		return rc;
	}
	rc = start_near(c, role, args.argv);
	hc_child_argv_free(&args);
	if (rc)
		return rc;
	rc = hc_wait_port_bound(c, false, port, BIND_WAIT_NS, x->stop);
	if (rc && !atomic_load(x->stop)) {
		child_finish(c, 0, NULL);
		child_last_err_line(c, line, sizeof(line));
		pr_warn("linerate hookcost: %s did not bind %s:%u: %s\n", role,
			x->dst_ip, port, line[0] ? line : strerror(-rc));
	}
	return rc;
}

/* The receiver's report once the source is done. */
static json_t *finish_receiver(const struct hc_ctx *x, struct child_proc *c)
{
	struct lr_err err = {0};
	char line[200];
	json_t *doc;
	int rc;

	rc = child_finish(c, RECEIVER_DRAIN_NS, x->stop);
	if (atomic_load(x->stop))
		return NULL;
	/* 128 + SIGTERM: it saw no packet to start its idle timer; its
	 * report is still there, as with exit code 3 (nothing received). */
	if (rc != 0 && rc != 128 + SIGTERM && rc != LINERATE_EXIT_NO_TRAFFIC) {
		child_last_err_line(c, line, sizeof(line));
		pr_warn("linerate hookcost: %s failed (exit %d): %s\n", c->tag,
			rc, line[0] ? line : "no message");
		return NULL;
	}
	doc = child_json(c, &err);
	if (!doc)
		pr_warn("linerate hookcost: %s\n", lr_err_text(&err));
	return doc;
}

/* A far-end job run to its end: its report, or NULL (the reason said
 * unless stopped); the far end forgets the job either way. */
static json_t *run_far_job(const struct hc_ctx *x, struct hc_job *job)
{
	struct lr_err err = {0};
	json_t *doc;

	doc = x->fe->ops->job_finish(x->fe, job, x->stop, &err);
	if (!doc && !atomic_load(x->stop))
		pr_warn("linerate hookcost: %s\n", lr_err_text(&err));
	x->fe->ops->job_abort(x->fe, job);
	return doc;
}

/* Where a far-end job sends: to us, on the run's port + port_offset, for
 * the run's duration. */
static struct hc_job_target job_target(const struct hc_ctx *x,
				       unsigned int port_offset)
{
	return (struct hc_job_target){
		.dst_ip = x->dst_ip,
		.port = (uint16_t)(x->o->port + port_offset),
		.duration_ns = x->o->duration_ns,
	};
}

/* One source run into a receiver: the source's and receiver's reports
 * and the receiving interface's rx packets over the run. */
static int traffic_run(const struct hc_ctx *x, const char *rate,
		       json_t **tx_doc, json_t **rx_doc, uint64_t *if_rx)
{
	struct hc_source_req req = {
		.to = job_target(x, 0),
		.frame_size = x->o->frame_size,
		.rate = rate,
		.backend = x->o->source_backend,
	};
	struct if_counters before, after;
	struct child_proc recv_child;
	struct hc_job job = {.child = {.out_fd = -1, .err_fd = -1}};
	bool have_if;
	int rc;

	*tx_doc = *rx_doc = NULL;
	*if_rx = 0;
	rc = start_receiver(x, &recv_child, "recv", x->o->port);
	if (rc)
		goto out_recv;
	have_if = !netpath_if_counters(x->ifname, &before);
	rc = x->fe->ops->source_start(x->fe, &req, &job);
	if (rc)
		goto out_recv;
	*tx_doc = run_far_job(x, &job);
	have_if = have_if && !netpath_if_counters(x->ifname, &after);
	if (*tx_doc)
		*rx_doc = finish_receiver(x, &recv_child);
	if (have_if && after.rx_packets >= before.rx_packets)
		*if_rx = after.rx_packets - before.rx_packets;
	rc = *tx_doc && *rx_doc ? 0 : -EIO;
out_recv:
	child_close(&recv_child);
	if (rc) {
		json_decref(*tx_doc);
		json_decref(*rx_doc);
		*tx_doc = *rx_doc = NULL;
	}
	return atomic_load(x->stop) ? -EINTR : rc;
}

static void add(struct hc_result *r, enum hc_config c, enum hc_metric m,
		double v)
{
	struct hc_series *s = &r->series[c][m];

	if (s->n < HC_MAX_REPEATS)
		s->value[s->n++] = v;
}

/* A traffic run's reports: the source's (tx) and the receiver's (rx),
 * and the receiving interface's rx packets over the run. */
struct traffic_reports {
	const char *rate;
	json_t *tx, *rx;
	uint64_t if_rx;
};

/* What one traffic run measured, into r and line; 0 or -EIO. */
typedef int (*traffic_eval_fn)(const struct hc_ctx *x,
			       const struct traffic_reports *t,
			       struct hc_result *r, enum hc_config c,
			       char *line, size_t len);

static int measure_traffic(const struct hc_ctx *x, struct hc_result *r,
			   enum hc_config c, const char *rate,
			   traffic_eval_fn eval, char *line, size_t len)
{
	struct traffic_reports t = {.rate = rate};
	int rc = traffic_run(x, rate, &t.tx, &t.rx, &t.if_rx);

	if (rc)
		return rc;
	rc = eval(x, &t, r, c, line, len);
	json_decref(t.tx);
	json_decref(t.rx);
	return rc;
}

static int max_eval(const struct hc_ctx *x, const struct traffic_reports *t,
		    struct hc_result *r, enum hc_config c, char *line,
		    size_t len)
{
	double pps, bps, tx_s;

	if (!jnum(t->rx, "rx.pps", &pps) || !jnum(t->rx, "rx.bps_l1", &bps) ||
	    !jnum(t->tx, "duration_s", &tx_s) || pps <= 0 || tx_s <= 0) {
		pr_warn("linerate hookcost: the maximum-rate run received "
			"nothing at the socket\n");
		return -EIO;
	}
	add(r, c, HC_M_SOCK_PPS, pps);
	add(r, c, HC_M_GBPS, bps / 1e9);
	if (t->if_rx)
		add(r, c, HC_M_IFACE_PPS, (double)t->if_rx / tx_s);
	snprintf(line, len, "max %.3f Mpps at the socket, %.3f at %s",
		 pps / 1e6, (double)t->if_rx / tx_s / 1e6, x->ifname);
	return 0;
}

static int fixed_eval(const struct hc_ctx *x, const struct traffic_reports *t,
		      struct hc_result *r, enum hc_config c, char *line,
		      size_t len)
{
	double sent, got, dups = 0, loss;

	(void)x;
	if (!jnum(t->tx, "tx.packets", &sent) ||
	    !jnum(t->rx, "rx.packets", &got) || sent <= 0) {
		pr_warn("linerate hookcost: the fixed-rate run sent nothing\n");
		return -EIO;
	}
	jnum(t->rx, "rx.duplicates", &dups);
	/* From what the source sent: a receiver alone cannot see the loss
	 * of a run's last packets. */
	loss = sent - (got - dups);
	if (loss < 0)
		loss = 0;
	add(r, c, HC_M_LOSS, 100.0 * loss / sent);
	snprintf(line + strlen(line), len - strlen(line), ", loss %.3f%% at %s",
		 100.0 * loss / sent, t->rate);
	return 0;
}

static int measure_max(const struct hc_ctx *x, struct hc_result *r,
		       enum hc_config c, char *line, size_t len)
{
	return measure_traffic(x, r, c, "max", max_eval, line, len);
}

static int measure_fixed(const struct hc_ctx *x, struct hc_result *r,
			 enum hc_config c, char *line, size_t len)
{
	char rate[32];

	snprintf(rate, sizeof(rate), "%" PRIu64 "pps", x->o->fixed_pps);
	return measure_traffic(x, r, c, rate, fixed_eval, line, len);
}

static int measure_ping(const struct hc_ctx *x, struct hc_result *r,
			enum hc_config c, char *line, size_t len)
{
	struct hc_ping_req req = {
		.to = job_target(x, 1),
		.rate_pps = x->o->ping_pps,
	};
	struct child_proc reflector;
	double p50, p99, got;
	json_t *doc = NULL, *refl;
	struct hc_job job = {.child = {.out_fd = -1, .err_fd = -1}};
	int rc;

	rc = start_receiver(x, &reflector, "reflect", req.to.port);
	if (rc)
		goto out;
	rc = x->fe->ops->ping_start(x->fe, &req, &job);
	if (rc)
		goto out;
	doc = run_far_job(x, &job);
	refl = doc ? finish_receiver(x, &reflector) : NULL;
	json_decref(refl);
	if (!doc) {
		rc = -EIO;
		goto out;
	}
	if (!jnum(doc, "rx.packets", &got) || got <= 0 ||
	    !jnum(doc, "rtt_ns.p50", &p50) || !jnum(doc, "rtt_ns.p99", &p99)) {
		pr_warn("linerate hookcost: ping got no reply from the "
			"reflector\n");
		rc = -EIO;
		goto out;
	}
	add(r, c, HC_M_RTT_P50, p50 / 1e3);
	add(r, c, HC_M_RTT_P99, p99 / 1e3);
	snprintf(line + strlen(line), len - strlen(line),
		 ", rtt p50 %.1f us p99 %.1f us", p50 / 1e3, p99 / 1e3);
out:
	json_decref(doc);
	child_close(&reflector);
	return atomic_load(x->stop) ? -EINTR : rc;
}

/* A TCP bulk stream: iperf3 server on our side, client at the far end. */
static int measure_tcp(const struct hc_ctx *x, struct hc_result *r,
		       enum hc_config c, char *line, size_t len)
{
	struct hc_tcp_req req = {.to = job_target(x, 2)};
	char port[16];
	char *argv[] = {(char *)"iperf3",
			(char *)"-s",
			(char *)"-1",
			(char *)"-B",
			(char *)x->dst_ip,
			(char *)"-p",
			port,
			(char *)"-J",
			NULL};
	struct child_proc server;
	struct hc_job job = {.child = {.out_fd = -1, .err_fd = -1}};
	json_t *doc = NULL;
	double bps;
	int rc;

	snprintf(port, sizeof(port), "%u", req.to.port);
	rc = start_near(&server, "iperf3 -s", argv);
	if (rc)
		return rc;
	rc = hc_wait_port_bound(&server, true, req.to.port, BIND_WAIT_NS,
				x->stop);
	if (rc) {
		if (!atomic_load(x->stop))
			pr_warn("linerate hookcost: iperf3 -s did not listen "
				"on port %u\n",
				req.to.port);
		goto out;
	}
	rc = x->fe->ops->tcp_start(x->fe, &req, &job);
	if (rc)
		goto out;
	doc = run_far_job(x, &job);
	if (!doc || !jnum(doc, "end.sum_received.bits_per_second", &bps) ||
	    bps <= 0) {
		if (doc)
			pr_warn("linerate hookcost: iperf3 reported no TCP "
				"throughput\n");
		rc = -EIO;
		goto out;
	}
	add(r, c, HC_M_TCP_GBPS, bps / 1e9);
	snprintf(line + strlen(line), len - strlen(line), ", tcp %.2f Gb/s",
		 bps / 1e9);
out:
	json_decref(doc);
	child_finish(&server, RECEIVER_DRAIN_NS, NULL);
	child_close(&server);
	return atomic_load(x->stop) ? -EINTR : rc;
}

/* One configuration, one repeat: attach, measure, detach. */
static int run_config(const struct hc_ctx *x, struct hc_hooks *h,
		      struct hc_result *r, enum hc_config c, unsigned int rep)
{
	char line[256] = "", note[200];
	int rc, err;

	rc = hc_hooks_apply(h, c, note, sizeof(note));
	if (rc == -EOPNOTSUPP) {
		r->skipped[c] = true;
		snprintf(r->note[c], sizeof(r->note[c]), "%s", note);
		fprintf(stderr, "hookcost: %s: not possible on %s: %s\n",
			hc_config_name(c), x->ifname, note);
		return 0;
	}
	if (rc)
		return rc;
	snprintf(r->program[c], sizeof(r->program[c]), "%s", h->program[c]);
	snprintf(r->mode[c], sizeof(r->mode[c]), "%s", h->mode[c]);
	rc = measure_max(x, r, c, line, sizeof(line));
	if (!rc)
		rc = measure_fixed(x, r, c, line, sizeof(line));
	if (!rc)
		rc = measure_ping(x, r, c, line, sizeof(line));
	if (!rc && x->o->tcp)
		rc = measure_tcp(x, r, c, line, sizeof(line));
	err = hc_hooks_clear(h);
	if (!rc)
		rc = err;
	if (!rc)
		fprintf(stderr, "hookcost: repeat %u/%u %-11s %s\n", rep + 1,
			x->o->repeats, hc_config_name(c), line);
	return rc;
}

static int run_all(const struct hc_ctx *x, struct hc_hooks *h,
		   struct hc_result *r)
{
	enum hc_config order[HC_CONFIGS];
	unsigned int n = 0;
	int rc;

	for (int c = 0; c < HC_CONFIGS; c++)
		if (x->o->enabled[c])
			order[n++] = (enum hc_config)c;
	for (unsigned int rep = 0; rep < x->o->repeats; rep++)
		for (unsigned int k = 0; k < n; k++) {
			/* Each repeat starts one further along, so no
			 * configuration always runs first or last. */
			enum hc_config c = order[(k + rep) % n];

			if (atomic_load(x->stop))
				return -EINTR;
			if (r->skipped[c])
				continue;
			rc = run_config(x, h, r, c, rep);
			if (rc)
				return rc;
		}
	return 0;
}

/* ------------------------------------------------------------ run */

static int write_reports(const struct hc_opts *o, const struct hc_setup *s,
			 const struct hc_result *r, FILE *csv)
{
	int rc = 0;

	if (o->json)
		rc = hc_report_json(stdout, s, r);
	else if (!csv || csv != stdout)
		hc_report_text(stdout, s, r);
	if (csv && hc_report_csv(csv, s, r))
		rc = -EIO;
	fflush(stdout);
	return rc;
}

/* Where the run happens: the far end, the receiving interface and our
 * address on it. */
struct hc_place {
	struct hc_lab lab;
	struct api_client *api;
	struct hc_far_end fe;
	char ifname[24];
	char local_ip[64];
};

/* The far end over a linerate server's API; our address is the one the
 * API connection leaves from (where its sessions send). */
static int open_peer(const struct hc_opts *o, struct hc_place *p)
{
	struct api_client_config acfg;
	struct lr_err err = {0};
	const char *ip;

	api_client_config_init(&acfg, &o->api, o->peer);
	p->api = api_client_connect(&acfg, o->api.token_file,
				    "/v1/capabilities", NULL, &err);
	if (!p->api) {
		pr_warn("linerate hookcost: --peer: %s\n", lr_err_text(&err));
		return -EINVAL;
	}
	ip = api_client_local_ip(p->api);
	if (!ip) {
		pr_warn("linerate hookcost: cannot tell our address towards "
			"%s\n",
			o->peer);
		return -EIO;
	}
	snprintf(p->local_ip, sizeof(p->local_ip), "%s", ip);
	snprintf(p->ifname, sizeof(p->ifname), "%s", o->ifname);
	hc_far_end_api(&p->fe, p->api, o->peer);
	return 0;
}

/* The lab (brought up when it is not), from inside its namespace b. */
static int open_lab(const struct hc_opts *o, struct hc_place *p)
{
	int rc;

	rc = hc_lab_open(&p->lab, o->name, o->subnet, &stop_requested);
	if (rc)
		return rc;
	rc = hc_lab_enter_b(&p->lab);
	if (rc)
		return rc;
	snprintf(p->ifname, sizeof(p->ifname), "%s", p->lab.dev_b);
	snprintf(p->local_ip, sizeof(p->local_ip), "%s", p->lab.ip_b);
	hc_far_end_lab(&p->fe, &p->lab);
	return 0;
}

static void place_close(const struct hc_opts *o, struct hc_place *p)
{
	if (!o->peer)
		hc_lab_close(&p->lab);
	api_client_close(p->api);
	p->api = NULL;
}

static void setup_fill(const struct hc_opts *o, const struct hc_place *p,
		       struct hc_setup *setup)
{
	memset(setup, 0, sizeof(*setup));
	if (o->peer)
		snprintf(setup->target, sizeof(setup->target),
			 "receiving interface %s (%s)", p->ifname, p->local_ip);
	else
		snprintf(setup->target, sizeof(setup->target),
			 "lab %s, receiving interface %s (%s, %s)", p->lab.name,
			 p->lab.dev_b, p->lab.ns_b, p->lab.ip_b);
	snprintf(setup->ifname, sizeof(setup->ifname), "%s", p->ifname);
	snprintf(setup->far_end, sizeof(setup->far_end), "%s", p->fe.desc);
	snprintf(setup->source_backend, sizeof(setup->source_backend), "%s",
		 o->source_backend);
	format_si((double)o->fixed_pps, "pps", false, setup->fixed_rate,
		  sizeof(setup->fixed_rate));
	format_si((double)o->ping_pps, "pps", false, setup->ping_rate,
		  sizeof(setup->ping_rate));
	if (o->tcp)
		snprintf(setup->tcp_tool, sizeof(setup->tcp_tool), "iperf3");
	setup->frame_size = o->frame_size;
	setup->repeats = o->repeats;
	setup->duration_ns = o->duration_ns;
}

static void signals_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	atomic_store(&stop_requested, false);
}

/* Our ports must be free here, or the receivers would not get the
 * traffic. */
static int ports_check(const struct hc_opts *o)
{
	if (hc_wait_port_bound(NULL, false, o->port, 0, NULL) == 0 ||
	    hc_wait_port_bound(NULL, false, (uint16_t)(o->port + 1), 0, NULL) ==
		    0) {
		pr_warn("linerate hookcost: UDP port %u or %u is in use here; "
			"pick others with --port\n",
			o->port, o->port + 1);
		return -EADDRINUSE;
	}
	return 0;
}

/* Measure on the open place, with the hooks loaded. */
static int measure(const struct hc_opts *o, struct hc_place *p,
		   struct hc_hooks *hooks, struct hc_setup *setup,
		   struct hc_result *result)
{
	struct hc_ctx x = {
		.o = o,
		.fe = &p->fe,
		.dst_ip = p->local_ip,
		.ifname = p->ifname,
		.stop = &stop_requested,
	};
	int rc;

	setup_fill(o, p, setup);
	fprintf(stderr, "hookcost: %s; far end %s\n", setup->target,
		p->fe.desc);
	rc = run_all(&x, hooks, result);
	if (atomic_load(&stop_requested))
		rc = -EINTR;
	return rc;
}

int hookcost_run(const struct hc_opts *o, FILE *csv)
{
	struct hc_result *result;
	struct hc_setup setup;
	struct hc_hooks hooks;
	struct hc_place place;
	bool hooks_open = false;
	int rc, err;

	result = calloc(1, sizeof(*result));
	if (!result) {
		fprintf(stderr, "linerate hookcost: out of memory\n");
		return -ENOMEM;
	}
	memcpy(result->enabled, o->enabled, sizeof(o->enabled));
	result->tcp = o->tcp;
	signals_catch();

	memset(&place, 0, sizeof(place));
	memset(&setup, 0, sizeof(setup));
	place.lab.home_netns = -1;
	rc = o->peer ? open_peer(o, &place) : open_lab(o, &place);
	if (!rc)
		rc = ports_check(o);
	if (!rc)
		rc = hc_hooks_open(&hooks, place.ifname, o->force);
	if (rc)
		goto out_place;
	hooks_open = true;
	rc = measure(o, &place, &hooks, &setup, result);

	err = hc_hooks_close(&hooks);
	if (err && (!rc || rc == -EINTR)) {
		fprintf(stderr,
			"linerate hookcost: %s: could not "
			"detach everything; `linerate cleanup "
			"-i %s`%s%s removes it\n",
			place.ifname, place.ifname, o->peer ? "" : " in ",
			o->peer ? "" : place.lab.ns_b);
		rc = err;
	}
out_place:
	place_close(o, &place);
	if (rc == -EINTR) {
		fprintf(stderr, "linerate hookcost: interrupted; everything "
				"it attached is detached\n");
		setup.interrupted = true;
	}
	if (hooks_open && (!rc || rc == -EINTR) &&
	    write_reports(o, &setup, result, csv))
		rc = -EIO;
	free(result);
	return rc;
}
