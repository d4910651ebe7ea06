// SPDX-License-Identifier: MIT
/*
 * The host runner: trials against a linerate server. Each trial is one
 * forward run of src/api/remote.c: a sink session on the server, our
 * sender here, the server's report for what arrived. The one-way latency
 * rests on the clock offset measured over the API and is marked valid
 * only when that offset is known well enough.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "api/remote.h"
#include "backend/netpath.h"
#include "lib/clock.h"
#include "search/trial.h"

struct host_runner {
	struct trial_runner base;
	struct host_runner_config cfg;
	char backend[16];
	char server_backend[16];
};

static int host_line_rate(struct trial_runner *r, uint64_t *bps, char *source,
			  size_t source_len)
{
	struct host_runner *hr = (struct host_runner *)r;
	const char *ip = api_client_local_ip(hr->cfg.api);
	struct ip_addr addr;
	struct net_path path;
	uint32_t mbps;
	bool has_port;
	uint16_t port;
	int rc;

	/* The interface our traffic to the server leaves from. */
	if (!ip || parse_endpoint(ip, true, &addr, &port, &has_port) ||
	    netpath_local(&addr, NULL, &path, NULL))
		return -ENODATA;
	rc = trial_if_speed_mbps(path.ifname, &mbps);
	if (rc)
		return rc;
	*bps = (uint64_t)mbps * 1000000ULL;
	snprintf(source, source_len, "ethtool speed of %s (%u Mb/s)",
		 path.ifname, mbps);
	return 0;
}

/* The trial's result from the reports of the directions that ran. */
static int host_result(struct host_runner *hr, struct remote_result *res,
		       struct trial_result *out, struct lr_err *err)
{
	bool fwd = hr->cfg.direction != REMOTE_REVERSE;
	bool rev = hr->cfg.direction != REMOTE_FORWARD;
	struct trial_result f, r;
	int ret;

	if ((fwd && (!res->local_tx || !res->far_rx)) ||
	    (rev && (!res->far_tx || !res->local_rx))) {
		return lr_err_set(err, -EPROTO, NULL, "the run left no report");
	}
	if (fwd) {
		ret = trial_result_from_reports(res->local_tx, res->far_rx, &f,
						err);
		if (ret)
			return ret;
	}
	if (rev) {
		ret = trial_result_from_reports(res->far_tx, res->local_rx, &r,
						err);
		if (ret)
			return ret;
	}
	if (fwd && rev)
		trial_result_combine(out, &f, &r);
	else
		*out = fwd ? f : r;
	return 0;
}

/* One run: frames (0: for duration_ns) at rate_pps, in the runner's
 * direction(s). */
static int host_run_once(struct host_runner *hr, uint32_t frame_size,
			 const struct size_mix *mix, double rate_pps,
			 uint64_t duration_ns, uint64_t frames,
			 uint64_t drain_ns, struct trial_result *out,
			 struct lr_err *err)
{
	struct remote_config rc;
	struct remote_result res;
	struct test_spec *sp = &rc.spec;
	int ret;

	remote_config_init(&rc);
	rc.mode = (enum remote_mode)hr->cfg.direction;
	snprintf(rc.server_backend, sizeof(rc.server_backend), "%s",
		 hr->server_backend);
	rc.drain_ns = drain_ns;
	spec_init(sp, ROLE_SEND);
	snprintf(sp->backend.name, sizeof(sp->backend.name), "%s", hr->backend);
	/* A mix goes to the server as its list (remote.c), and the sink
	 * is sized for its largest frame. */
	sp->frame_size = frame_size;
	if (mix && mix->count)
		sp->size_mix = *mix;
	if (rate_pps > 0) {
		sp->rate.kind = RATE_PPS;
		sp->rate.value = rate_pps;
		sp->burst = trial_pacing_burst(rate_pps);
		/* On a busy host, the difference between a sender that
		 * holds the rate and one that falls short. */
		sp->realtime = hr->cfg.catch_up && !frames;
		/* Checked when the run was set up (rfc2544 --catch-up);
		 * not for a back-to-back burst (frames), which goes as fast
		 * as the sender can. */
		if (hr->cfg.catch_up && !frames &&
		    spec_parse_catch_up(sp, hr->cfg.catch_up)) {
			return lr_err_set(err, -EINVAL, NULL,
					  "bad catch-up policy %s",
					  hr->cfg.catch_up);
		}
		/* The server's source takes --burst, not --catch-up, and
		 * makes up one burst: a burst of the policy's frames is the
		 * same policy. */
		if (hr->cfg.catch_up && !frames &&
		    hr->cfg.direction != REMOTE_FORWARD) {
			uint32_t f = spec_catch_up_frames(sp, rate_pps);

			sp->burst = f ? (f > SPEC_MAX_BURST ? SPEC_MAX_BURST : f) :
					1;
		}
	} else {
		sp->rate.kind = RATE_MAX;
	}
	sp->duration_ns = duration_ns;
	sp->count = frames;
	sp->flows = hr->cfg.flows ? hr->cfg.flows : 1;
	trial_sender_marking(sp, hr->cfg.tos, &hr->cfg.vlan, hr->cfg.no_gso);
	sp->interval_ns = 0;
	sp->quiet = true;
	sp->output = OUTPUT_JSON;
	ret = remote_run(hr->cfg.api, &rc, hr->base.stop, &res, err);
	if (!ret)
		ret = host_result(hr, &res, out, err);
	if (!ret && out->latency.valid && !res.one_way_valid)
		out->latency.valid = false;
	if (!ret && out->sent == 0) {
		ret = lr_err_set(err, -EIO, NULL, "the sender sent nothing");
	}
	remote_result_free(&res);
	if (atomic_load(hr->base.stop)) {
		/* The signal is the cause, whatever failed on the way. */
		lr_err_clear(err);
		return lr_err_set(err, -EINTR, NULL, "interrupted by a signal");
	}
	return ret;
}

static int host_run(struct trial_runner *r, const struct trial_run *run,
		    struct trial_result *out, struct lr_err *err)
{
	struct host_runner *hr = (struct host_runner *)r;
	const struct trial_params *p = &run->p;
	struct trial_result warm;
	int ret;

	if (p->warmup_ns) {
		/* Learning frames: the path's tables primed, not counted. */
		ret = host_run_once(hr, p->frame_size, p->mix, p->rate_pps,
				    p->warmup_ns, 0, 0, &warm, err);
		if (ret)
			return ret;
	}
	return host_run_once(hr, p->frame_size, p->mix, p->rate_pps,
			     p->duration_ns, run->frames, p->drain_ns, out,
			     err);
}

static void host_destroy(struct trial_runner *r)
{
	free(r);
}

static const struct trial_runner_ops host_ops = TRIAL_RUNNER_OPS(host);

int host_runner_create(const struct host_runner_config *cfg,
		       struct trial_runner **out, struct lr_err *err)
{
	struct host_runner *hr = calloc(1, sizeof(*hr));

	if (!hr) {
		return lr_err_set(err, -ENOMEM, NULL, "out of memory");
	}
	hr->cfg = *cfg;
	hr->base.ops = &host_ops;
	hr->base.stop = cfg->stop;
	snprintf(hr->backend, sizeof(hr->backend), "%s",
		 cfg->backend ? cfg->backend : "udp");
	snprintf(hr->server_backend, sizeof(hr->server_backend), "%s",
		 cfg->server_backend ? cfg->server_backend : "udp");
	snprintf(hr->base.backend, sizeof(hr->base.backend), "%s", hr->backend);
	if (cfg->direction == REMOTE_REVERSE)
		snprintf(hr->base.description, sizeof(hr->base.description),
			 "reverse: sender a source session on the linerate "
			 "server %s (%s backend), receiver here (%s backend)",
			 cfg->host, hr->server_backend, hr->backend);
	else if (cfg->direction == REMOTE_BIDIR)
		snprintf(hr->base.description, sizeof(hr->base.description),
			 "bidir: both at once, here (%s backend) to a sink on "
			 "the linerate server %s (%s backend) and its source "
			 "to us; rates per direction",
			 hr->backend, cfg->host, hr->server_backend);
	else
		snprintf(hr->base.description, sizeof(hr->base.description),
			 "sender here (%s backend), receiver a sink session on "
			 "the linerate server %s (%s backend)",
			 hr->backend, cfg->host, hr->server_backend);
	*out = &hr->base;
	return 0;
}
