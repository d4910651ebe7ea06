// SPDX-License-Identifier: MIT
/*
 * hookcost's far end on another host: a linerate server, driven over its
 * JSON API. A source job is a "source" session sending to us, a ping job
 * a "ping" session probing our reflector; each job's report is the
 * session's final report, the same JSON the lab's child processes print.
 * The requests carry the spec by the option rows' JSON keys.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/client.h"
#include "api/remote.h"
#include "hookcost/hookcost_internal.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/options.h"
#include "lib/spec_opts.h"
#include "lib/units.h"

/* How long past its duration a session may take to end. */
#define API_JOB_SLACK_NS (30 * NSEC_PER_SEC)

/* POST req (consumed; NULL: it could not be built) as job's session. */
static int api_session_start(struct hc_far_end *fe, json_t *req,
			     uint64_t duration_ns, struct hc_job *job)
{
	struct lr_err err = {0};
	char msg[300];
	json_t *reply = NULL;
	const char *id;
	long status;
	int rc;

	if (!req)
		return -ENOMEM;
	memset(job, 0, sizeof(*job));
	job->child.out_fd = job->child.err_fd = -1;
	job->limit_ns = duration_ns + API_JOB_SLACK_NS;
	rc = api_client_request(fe->api, "POST", "/v1/sessions", req, &status,
				&reply, &err);
	json_decref(req);
	if (rc) {
		pr_warn("linerate hookcost: %s\n", lr_err_text(&err));
		return rc;
	}
	id = json_string_value(json_object_get(reply, "id"));
	if (status != 201 || !id || strlen(id) != 16) {
		pr_warn("linerate hookcost: the server refused the session: "
			"%s\n",
			api_reply_error(reply, status, msg, sizeof(msg)));
		json_decref(reply);
		return -EPERM;
	}
	snprintf(job->session_id, sizeof(job->session_id), "%s", id);
	json_decref(reply);
	return 0;
}

/* A session request (remote_spec_request) and where it sends. NULL on
 * ENOMEM. */
static json_t *session_json(const char *role, const struct test_spec *spec,
			    const char *const *keys,
			    const struct hc_job_target *to)
{
	json_t *body = remote_spec_request(role, spec, keys);

	if (body &&
	    (json_object_set_new(body, "dst", json_string(to->dst_ip)) ||
	     json_object_set_new(body, "port", json_integer(to->port)))) {
		json_decref(body);
		return NULL;
	}
	return body;
}

static int api_source_start(struct hc_far_end *fe,
			    const struct hc_source_req *req, struct hc_job *job)
{
	static const char *const keys[] = {"size", "rate", "duration",
					   "backend", NULL};
	struct test_spec spec;
	json_t *body;

	spec_opts_defaults(ROLE_SEND, &spec);
	if (hc_spec_backend(&spec, req->backend) ||
	    parse_rate(req->rate, &spec.rate))
		return -EINVAL;
	spec.frame_size = req->frame_size;
	spec.duration_ns = req->to.duration_ns;
	body = session_json("source", &spec, keys, &req->to);
	return api_session_start(fe, body, req->to.duration_ns, job);
}

static int api_ping_start(struct hc_far_end *fe, const struct hc_ping_req *req,
			  struct hc_job *job)
{
	static const char *const keys[] = {"rate", "duration", NULL};
	struct test_spec spec;
	json_t *body;

	spec_opts_defaults(ROLE_PING, &spec);
	spec.rate.kind = RATE_PPS;
	spec.rate.value = (double)req->rate_pps;
	spec.duration_ns = req->to.duration_ns;
	body = session_json("ping", &spec, keys, &req->to);
	return api_session_start(fe, body, req->to.duration_ns, job);
}

static int api_tcp_start(struct hc_far_end *fe, const struct hc_tcp_req *req,
			 struct hc_job *job)
{
	(void)fe;
	(void)req;
	(void)job;
	pr_warn("linerate hookcost: --tcp needs iperf3 at the far end; a "
		"linerate server has no TCP role\n");
	return -EOPNOTSUPP;
}

static json_t *api_job_finish(struct hc_far_end *fe, struct hc_job *job,
			      const atomic_bool *stop, struct lr_err *err)
{
	json_t *report = NULL;

	if (remote_report_wait(fe->api, job->session_id,
			       mono_ns() + job->limit_ns, 200 * NSEC_PER_MSEC,
			       stop, &report, err))
		return NULL;
	return report;
}

static void api_job_abort(struct hc_far_end *fe, struct hc_job *job)
{
	if (!job->session_id[0])
		return;
	remote_stop(fe->api, job->session_id, NULL);
	job->session_id[0] = '\0';
}

static const struct hc_far_end_ops api_far_end_ops = HC_FAR_END_OPS(api);

void hc_far_end_api(struct hc_far_end *fe, struct api_client *api,
		    const char *host)
{
	memset(fe, 0, sizeof(*fe));
	fe->ops = &api_far_end_ops;
	fe->api = api;
	snprintf(fe->desc, sizeof(fe->desc), "linerate server %s", host);
}
