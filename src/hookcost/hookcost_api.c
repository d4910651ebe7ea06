// SPDX-License-Identifier: MIT
/*
 * hookcost's far end on another host: a linerate server, driven over its
 * JSON API. A source job is a "source" session sending to us, a ping job
 * a "ping" session probing our reflector; each job's report is the
 * session's final report, the same JSON the lab's child processes print.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/client.h"
#include "api/remote.h"
#include "lib/clock.h"
#include "hookcost/hookcost_internal.h"
#include "lib/log.h"

/* How long past its duration a session may take to end. */
#define API_JOB_SLACK_NS (30 * NSEC_PER_SEC)

static int api_session_start(struct hc_far_end *fe, json_t *req,
			     uint64_t duration_ns, struct hc_job *job)
{
	char err[300], msg[300];
	json_t *reply = NULL;
	const char *id;
	long status;
	int rc;

	memset(job, 0, sizeof(*job));
	job->child.out_fd = job->child.err_fd = -1;
	job->limit_ns = duration_ns + API_JOB_SLACK_NS;
	rc = api_client_request(fe->api, "POST", "/v1/sessions", req, &status,
				&reply, err, sizeof(err));
	json_decref(req);
	if (rc) {
		pr_warn("linerate hookcost: %s\n", err);
		return rc;
	}
	id = json_string_value(json_object_get(reply, "id"));
	if (status != 201 || !id || strlen(id) != 16) {
		pr_warn("linerate hookcost: the server refused the session: %s\n",
			api_reply_error(reply, status, msg, sizeof(msg)));
		json_decref(reply);
		return -EPERM;
	}
	snprintf(job->session_id, sizeof(job->session_id), "%s", id);
	json_decref(reply);
	return 0;
}

static int api_source_start(struct hc_far_end *fe,
			    const struct hc_source_req *req, struct hc_job *job)
{
	json_t *body = json_pack("{ss si si ss sf ss ss}", "role", "source",
				 "port", req->port, "size", req->frame_size,
				 "rate", req->rate, "duration",
				 (double)req->duration_ns / 1e9, "dst",
				 req->dst_ip, "backend", req->backend);

	return api_session_start(fe, body, req->duration_ns, job);
}

static int api_ping_start(struct hc_far_end *fe, const struct hc_ping_req *req,
			  struct hc_job *job)
{
	json_t *body = json_pack("{ss si sI sf ss}", "role", "ping", "port",
				 req->port, "rate", (json_int_t)req->rate_pps,
				 "duration", (double)req->duration_ns / 1e9,
				 "dst", req->dst_ip);

	return api_session_start(fe, body, req->duration_ns, job);
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
			      const atomic_bool *stop, char *err,
			      size_t err_len)
{
	json_t *report = NULL;

	if (remote_report_wait(fe->api, job->session_id,
			       mono_ns() + job->limit_ns, 200 * NSEC_PER_MSEC,
			       stop, &report, err, err_len))
		return NULL;
	return report;
}

static void api_job_abort(struct hc_far_end *fe, struct hc_job *job)
{
	char path[80], err[300];
	json_t *reply = NULL;
	long status;

	if (!job->session_id[0])
		return;
	/* Ends it if it still runs; a finished one just answers. */
	snprintf(path, sizeof(path), "/v1/sessions/%s", job->session_id);
	api_client_request(fe->api, "DELETE", path, NULL, &status, &reply, err,
			   sizeof(err));
	json_decref(reply);
	job->session_id[0] = '\0';
}

static const struct hc_far_end_ops api_far_end_ops = {
	.name = "api",
	.source_start = api_source_start,
	.ping_start = api_ping_start,
	.tcp_start = api_tcp_start,
	.job_finish = api_job_finish,
	.job_abort = api_job_abort,
};

void hc_far_end_api(struct hc_far_end *fe, struct api_client *api,
		    const char *host)
{
	memset(fe, 0, sizeof(*fe));
	fe->ops = &api_far_end_ops;
	fe->api = api;
	snprintf(fe->desc, sizeof(fe->desc), "linerate server %s", host);
}
