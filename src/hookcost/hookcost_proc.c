// SPDX-License-Identifier: MIT
/*
 * The processes of `linerate hookcost`: every receiver, reflector and
 * source is this same linerate binary run as a child (lib/child.c) with
 * --json (or iperf3 with -J), so each measurement is made by the code the
 * user would run by hand.
 *
 * Also here: the lab (scripts/lab through `linerate lab`) and the lab's
 * far end, which runs the sources in namespace a with `ip netns exec`.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hookcost/hookcost_internal.h"
#include "lib/clock.h"
#include "lib/exit_code.h"
#include "lib/lab_script.h"
#include "lib/log.h"
#include "lib/options.h"
#include "lib/report.h"
#include "lib/spec_opts.h"
#include "lib/units.h"

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / NSEC_PER_SEC),
			      .tv_nsec = (long)(ns % NSEC_PER_SEC)};

	nanosleep(&ts, NULL);
}

/*
 * Is a socket of this namespace bound to port: UDP, or TCP listening?
 * /proc/self/net shows the namespace of the reading thread, ours.
 */
static bool port_bound(bool tcp, uint16_t port)
{
	static const char *const udp_files[] = {"/proc/self/net/udp",
						"/proc/self/net/udp6"};
	static const char *const tcp_files[] = {"/proc/self/net/tcp",
						"/proc/self/net/tcp6"};
	const char *const *files = tcp ? tcp_files : udp_files;
	bool found = false;

	for (size_t i = 0; !found && i < 2; i++) {
		unsigned int local_port, state;
		char line[256];
		FILE *f = fopen(files[i], "re");

		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f))
			if (sscanf(line,
				   " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x "
				   "%x",
				   &local_port, &state) == 2 &&
			    local_port == port && (!tcp || state == 0x0a))
				found = true;
		fclose(f);
	}
	return found;
}

int hc_wait_port_bound(struct child_proc *c, bool tcp, uint16_t port,
		       uint64_t limit_ns, const atomic_bool *stop)
{
	uint64_t deadline = mono_ns() + limit_ns;

	for (;;) {
		if (port_bound(tcp, port))
			return 0;
		if (c && child_done(c))
			return -ECHILD;
		if (mono_ns() >= deadline || (stop && atomic_load(stop)))
			return -ETIMEDOUT;
		sleep_ns(10 * NSEC_PER_MSEC);
	}
}

/* ------------------------------------------------------------ lab */

/* Value of "key=" in key=value lines; "" when missing. */
static void lab_key(const char *text, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);
	const char *p = text;

	out[0] = '\0';
	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;

			snprintf(out, len, "%.*s", (int)strcspn(v, "\n"), v);
			return;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

/* `self lab --name NAME [--subnet S] VERB`, from the lab's rows, into
 * argv (opts to free with opts_argv_free). 0 or -errno. */
static int lab_argv(const char *verb, const char *name, const char *subnet,
		    char **argv, size_t max, char ***opts)
{
	const struct lab_args a = {.name = name, .subnet = subnet};
	const struct lab_args none = {0};
	int n;

	n = opts_to_argv(&lab_script_opts, 0, &a, &none, opts);
	if (n < 0)
		return n;
	if ((size_t)n + 3 > max) {
		opts_argv_free(*opts);
		return -E2BIG;
	}
	argv[0] = (char *)"self";
	for (int i = 0; i < n; i++)
		argv[i + 1] = (*opts)[i];
	argv[n + 1] = (char *)verb;
	argv[n + 2] = NULL;
	return 0;
}

/* Run `linerate lab VERB --name NAME [--subnet S]`; its exit code (or
 * -errno), its stdout in *keys (to free), its last stderr line in err
 * (-EIO; nothing when it printed none). */
static int lab_run(const char *verb, const char *name, const char *subnet,
		   char **keys, struct lr_err *err, const atomic_bool *stop)
{
	char *argv[8], **opts = NULL;
	struct child_proc c;
	char line[256];
	int rc;

	if (keys)
		*keys = NULL;
	rc = lab_argv(verb, name, subnet, argv, sizeof(argv) / sizeof(argv[0]),
		      &opts);
	if (rc) {
		return lr_err_set(err, rc, NULL,
				  "lab: cannot make its command line: %s",
				  strerror(-rc));
	}
	rc = child_start(&c, "lab", NULL, argv, err);
	opts_argv_free(opts);
	if (rc)
		return rc;
	rc = child_finish(&c, 60 * NSEC_PER_SEC, stop);
	if (rc) {
		child_last_err_line(&c, line, sizeof(line));
		if (line[0])
			lr_err_set(err, -EIO, NULL, "%s", line);
	}
	if (keys)
		*keys = child_read_output(c.out_fd, NULL);
	child_close(&c);
	return rc;
}

static int lab_take_keys(struct hc_lab *lab, const char *keys)
{
	lab_key(keys, "ns_a", lab->ns_a, sizeof(lab->ns_a));
	lab_key(keys, "ns_b", lab->ns_b, sizeof(lab->ns_b));
	lab_key(keys, "dev_b", lab->dev_b, sizeof(lab->dev_b));
	lab_key(keys, "ip_a", lab->ip_a, sizeof(lab->ip_a));
	lab_key(keys, "ip_b", lab->ip_b, sizeof(lab->ip_b));
	return lab->ns_a[0] && lab->ns_b[0] && lab->dev_b[0] && lab->ip_a[0] &&
			       lab->ip_b[0] ?
		       0 :
		       -EINVAL;
}

int hc_lab_open(struct hc_lab *lab, const char *name, const char *subnet,
		const atomic_bool *stop)
{
	struct lr_err err = {0};
	char want[24];
	char *keys = NULL;
	int rc;

	memset(lab, 0, sizeof(*lab));
	lab->home_netns = -1;
	snprintf(lab->name, sizeof(lab->name), "%s", name);
	snprintf(lab->subnet, sizeof(lab->subnet), "%s", subnet ? subnet : "");

	rc = lab_run("status", name, NULL, &keys, &err, stop);
	if (rc == 0) {
		rc = lab_take_keys(lab, keys ? keys : "");
		free(keys);
		if (rc) {
			pr_warn("linerate hookcost: lab '%s' is up but its "
				"status is incomplete\n",
				name);
			return rc;
		}
		snprintf(want, sizeof(want), "%s.2", subnet ? subnet : "");
		if (subnet && strcmp(lab->ip_b, want)) {
			pr_warn("linerate hookcost: lab '%s' is up with %s in "
				"%s, not %s; take it down first or drop "
				"--subnet\n",
				name, lab->ip_b, lab->ns_b, want);
			return -EEXIST;
		}
		pr_info("hookcost: using lab '%s' (already up)\n", name);
		return 0;
	}
	free(keys);
	if (rc < 0 || rc > 1) {
		pr_warn("linerate hookcost: lab status --name %s failed: %s\n",
			name,
			lr_err_is_set(&err) ? lr_err_text(&err) :
					      strerror(rc < 0 ? -rc : EIO));
		return rc < 0 ? rc : -EIO;
	}
	if (stop && atomic_load(stop))
		return -EINTR;
	pr_info("hookcost: bringing lab '%s' up\n", name);
	/* Marked first: a half-made lab is ours to take down too. */
	lab->made = true;
	lr_err_clear(&err); /* status's line was no failure */
	rc = lab_run("up", name, subnet, &keys, &err, stop);
	if (rc == 0)
		rc = lab_take_keys(lab, keys ? keys : "");
	free(keys);
	if (rc) {
		pr_warn("linerate hookcost: lab up --name %s failed: %s\n",
			name,
			lr_err_is_set(&err) ? lr_err_text(&err) :
					      "no lab keys in its output");
		return rc < 0 ? rc : -EIO;
	}
	return 0;
}

int hc_lab_enter_b(struct hc_lab *lab)
{
	char path[64];
	int fd, err;

	lab->home_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (lab->home_netns < 0)
		return -errno;
	snprintf(path, sizeof(path), "/run/netns/%s", lab->ns_b);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_warn("linerate hookcost: cannot open %s: %s\n", path,
			strerror(-err));
		close(lab->home_netns);
		lab->home_netns = -1;
		return err;
	}
	err = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	if (err) {
		pr_warn("linerate hookcost: cannot enter namespace %s: %s\n",
			lab->ns_b, strerror(-err));
		close(lab->home_netns);
		lab->home_netns = -1;
	}
	return err;
}

void hc_lab_close(struct hc_lab *lab)
{
	struct lr_err err = {0};
	int rc;

	if (lab->home_netns >= 0) {
		if (setns(lab->home_netns, CLONE_NEWNET))
			pr_warn("linerate hookcost: cannot return to our "
				"namespace: %s\n",
				strerror(errno));
		close(lab->home_netns);
		lab->home_netns = -1;
	}
	if (!lab->made)
		return;
	lab->made = false;
	/* No stop flag: the lab goes down also after a signal. */
	rc = lab_run("down", lab->name, NULL, NULL, &err, NULL);
	if (rc)
		pr_warn("linerate hookcost: lab down --name %s failed: %s\n",
			lab->name,
			lr_err_is_set(&err) ? lr_err_text(&err) : "see above");
	else
		pr_info("hookcost: lab '%s' is down\n", lab->name);
}

/* ------------------------------------------------------------ far end */

static int lab_job_start(struct hc_far_end *fe, struct hc_job *job,
			 const char *tag, char *const argv[], uint64_t limit_ns)
{
	struct lr_err err = {0};
	int rc;

	job->limit_ns = limit_ns;
	rc = child_start(&job->child, tag, fe->lab->ns_a, argv, &err);
	if (rc)
		pr_warn("linerate hookcost: %s\n", lr_err_text(&err));
	return rc;
}

/* Start a linerate child in namespace a that runs spec towards ip:port. */
/* Whole milliseconds, as the lab's children always got them. */
static uint64_t whole_ms(uint64_t ns)
{
	return ns / NSEC_PER_MSEC * NSEC_PER_MSEC;
}

/* This binary with spec's flags as job, sending to the target for its
 * duration, its JSON report on stdout. */
static int lab_spec_start(struct hc_far_end *fe, struct hc_job *job,
			  const char *tag, struct test_spec *spec,
			  const struct hc_job_target *to)
{
	struct hc_argv args;
	int rc;

	spec->duration_ns = whole_ms(to->duration_ns);
	spec->output = OUTPUT_JSON;
	spec->quiet = true;
	rc = hc_spec_endpoint(spec, to->dst_ip, to->port);
	if (!rc)
		rc = hc_child_argv(&args, spec);
	if (rc) {
		pr_warn("linerate hookcost: %s: cannot make its command line: "
			"%s\n",
			tag, strerror(-rc));
		return rc;
	}
	rc = lab_job_start(fe, job, tag, args.argv,
			   spec->duration_ns + 15 * NSEC_PER_SEC);
	hc_child_argv_free(&args);
	return rc;
}

static int lab_source_start(struct hc_far_end *fe,
			    const struct hc_source_req *req, struct hc_job *job)
{
	struct test_spec spec;

	spec_opts_defaults(ROLE_SEND, &spec);
	if (hc_spec_backend(&spec, req->backend) ||
	    parse_rate(req->rate, &spec.rate))
		return -EINVAL;
	spec.frame_size = req->frame_size;
	return lab_spec_start(fe, job, "send", &spec, &req->to);
}

static int lab_ping_start(struct hc_far_end *fe, const struct hc_ping_req *req,
			  struct hc_job *job)
{
	uint64_t n = req->rate_pps * req->to.duration_ns / NSEC_PER_SEC;
	struct test_spec spec;

	spec_opts_defaults(ROLE_PING, &spec);
	hc_spec_backend(&spec, "udp");
	spec.rate.kind = RATE_PPS;
	spec.rate.value = (double)req->rate_pps;
	spec.count = n ? n : 1;
	spec.wait_ns = 200 * NSEC_PER_MSEC;
	return lab_spec_start(fe, job, "ping", &spec, &req->to);
}

static int lab_tcp_start(struct hc_far_end *fe, const struct hc_tcp_req *req,
			 struct hc_job *job)
{
	char port[16], secs[16];
	char *argv[] = {(char *)"iperf3",
			(char *)"-c",
			(char *)req->to.dst_ip,
			(char *)"-p",
			port,
			(char *)"-t",
			secs,
			(char *)"-J",
			NULL};
	uint64_t s = (req->to.duration_ns + NSEC_PER_SEC - 1) / NSEC_PER_SEC;

	snprintf(port, sizeof(port), "%u", req->to.port);
	snprintf(secs, sizeof(secs), "%" PRIu64, s ? s : 1);
	return lab_job_start(fe, job, "iperf3 -c", argv,
			     s * NSEC_PER_SEC + 15 * NSEC_PER_SEC);
}

static json_t *lab_job_finish(struct hc_far_end *fe, struct hc_job *job,
			      const atomic_bool *stop, struct lr_err *err)
{
	char line[200];
	json_t *doc;
	int rc;

	(void)fe;
	rc = child_finish(&job->child, job->limit_ns, stop);
	if (stop && atomic_load(stop)) {
		lr_err_set(err, -EINTR, NULL, "%s: interrupted",
			   job->child.tag);
		return NULL;
	}
	/* Exit code 3 (no replies) still leaves the report to read. */
	if (rc && rc != LINERATE_EXIT_NO_TRAFFIC) {
		child_last_err_line(&job->child, line, sizeof(line));
		lr_err_set(err, -EIO, NULL, "%s in %s failed (exit %d): %s",
			   job->child.tag, fe->lab->ns_a, rc,
			   line[0] ? line : "no message");
		return NULL;
	}
	doc = child_json(&job->child, err);
	return doc;
}

static void lab_job_abort(struct hc_far_end *fe, struct hc_job *job)
{
	(void)fe;
	child_close(&job->child);
}

static const struct hc_far_end_ops lab_far_end_ops = HC_FAR_END_OPS(lab);

void hc_far_end_lab(struct hc_far_end *fe, const struct hc_lab *lab)
{
	memset(fe, 0, sizeof(*fe));
	fe->ops = &lab_far_end_ops;
	fe->lab = lab;
	snprintf(fe->desc, sizeof(fe->desc), "lab namespace %s (%s)", lab->ns_a,
		 lab->ip_a);
}
