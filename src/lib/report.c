// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/jitter.h"
#include "lib/report.h"
#include "lib/flowreport.h"
#include "lib/marking.h"
#include "lib/units.h"

/* JSON has no NaN or Infinity; a rate over no time is 0. */
static json_t *json_number(double v)
{
	if (!isfinite(v))
		v = 0;
	return json_real(v);
}

static json_t *json_count(uint64_t v)
{
	/* jansson integers are signed 64-bit; counters never get there. */
	if (v > (uint64_t)INT64_MAX)
		v = (uint64_t)INT64_MAX;
	return json_integer((json_int_t)v);
}

/* A number that was not measured is null, never 0. */
static json_t *json_count_if(bool measured, uint64_t v)
{
	return measured ? json_count(v) : json_null();
}

static json_t *json_signed_if(bool measured, int64_t v)
{
	return measured ? json_integer(v) : json_null();
}

static bool seq_measured(const struct report_ctx *ctx)
{
	return !(ctx->unmeasured & STATS_NO_SEQUENCE);
}

static bool corrupt_measured(const struct report_ctx *ctx)
{
	return !(ctx->unmeasured & STATS_NO_CORRUPT);
}

static bool latency_measured(const struct report_ctx *ctx,
			     const struct hist *h)
{
	return !(ctx->unmeasured & STATS_NO_LATENCY) && h->count;
}

/* RFC 3550 jitter needs two packets of a flow. */
static bool rfc3550_measured(const struct report_ctx *ctx,
			     const struct stats_counters *c)
{
	return !(ctx->unmeasured & STATS_NO_JITTER) && c->rx_packets >= 2;
}

static bool ipdv_measured(const struct report_ctx *ctx,
			  const struct stats_snapshot *s)
{
	return !(ctx->unmeasured & STATS_NO_DELAY_VARIATION) &&
	       shist_count(&s->ipdv);
}

static bool pdv_measured(const struct report_ctx *ctx,
			 const struct stats_snapshot *s)
{
	return !(ctx->unmeasured & STATS_NO_DELAY_VARIATION) &&
	       shist_count(&s->pdv);
}

static double per_second(uint64_t n, double seconds)
{
	return seconds > 0 ? (double)n / seconds : 0;
}

/* The command's name: a role's, or the one a command on top of a role
 * (stamp on ping) gives. */
static const char *report_role(const struct report_ctx *ctx)
{
	return ctx->command ? ctx->command : role_name(ctx->spec->role);
}

static bool role_sends(enum role role)
{
	return role == ROLE_SEND || role == ROLE_PING || role == ROLE_REFLECT;
}

static bool role_receives(enum role role)
{
	return role != ROLE_SEND;
}

static double loss_ratio(const struct stats_counters *c)
{
	return c->rx_expected ? (double)c->rx_lost / (double)c->rx_expected : 0;
}

/* Average frame size from byte and packet counts (incl. FCS). */
static double bps_l1(uint64_t packets, uint64_t bytes, double seconds)
{
	return per_second(bytes + packets * FRAME_L1_OVERHEAD, seconds) * 8;
}

static bool role_paces(enum role role)
{
	return role == ROLE_SEND || role == ROLE_PING;
}

/* "<prefix>pps", "<prefix>bps_l1" and, with l2, "<prefix>bps_l2" of
 * packets and their frame bytes over seconds. */
static void json_set_rates(json_t *o, const char *prefix, uint64_t packets,
			   uint64_t bytes, double seconds, bool l2)
{
	char key[32];

	snprintf(key, sizeof(key), "%spps", prefix);
	json_object_set_new(o, key, json_number(per_second(packets, seconds)));
	snprintf(key, sizeof(key), "%sbps_l1", prefix);
	json_object_set_new(o, key,
			    json_number(bps_l1(packets, bytes, seconds)));
	if (l2) {
		snprintf(key, sizeof(key), "%sbps_l2", prefix);
		json_object_set_new(
			o, key, json_number(per_second(bytes, seconds) * 8));
	}
}

/* An interval's "<prefix>packets" and its rates (json_set_rates()). */
static void json_set_interval_traffic(json_t *o, const char *prefix,
				      uint64_t packets, uint64_t bytes,
				      double seconds)
{
	char key[32];

	snprintf(key, sizeof(key), "%spackets", prefix);
	json_object_set_new(o, key, json_count(packets));
	json_set_rates(o, prefix, packets, bytes, seconds, false);
}

static json_t *count_or_null(bool measured, uint64_t v)
{
	return measured ? json_count(v) : json_null();
}

/* The sender's own pacing: departure gaps, lateness, bursts and the
 * catch-up policy it ran with. */
static json_t *pacing_json(const struct report_ctx *ctx,
			   const struct stats_snapshot *s)
{
	const struct stats_counters *c = &s->c;
	const struct hist *g = &s->tx_gap;
	bool paced = ctx->target_pps > 0, gaps = g->count > 0;
	json_t *o = json_object();
	char policy[48];

	json_object_set_new(o, "catch_up",
			    json_string(spec_catch_up_format(
				    ctx->spec, policy, sizeof(policy))));
	json_object_set_new(
		o, "catch_up_frames",
		paced ? json_count(spec_catch_up_frames(ctx->spec,
							ctx->target_pps)) :
			json_null());
	json_object_set_new(o, "nominal_gap_ns",
			    paced ? json_number(1e9 / ctx->target_pps) :
				    json_null());
	json_object_set_new(o, "gap_samples", json_count(g->count));
	json_object_set_new(o, "gap_p50_ns",
			    count_or_null(gaps, hist_percentile(g, 50)));
	json_object_set_new(o, "gap_p99_ns",
			    count_or_null(gaps, hist_percentile(g, 99)));
	json_object_set_new(o, "gap_max_ns", count_or_null(gaps, g->max));
	json_object_set_new(o, "late_max_ns",
			    count_or_null(paced && c->tx_sends,
					  c->tx_late_max_ns));
	json_object_set_new(o, "forfeit_ns",
			    count_or_null(paced, c->tx_forfeit_ns));
	json_object_set_new(o, "realtime", json_boolean(c->tx_realtime > 0));
	json_object_set_new(o, "sends", json_count(c->tx_sends));
	json_object_set_new(o, "bursts", json_count(c->tx_bursts));
	json_object_set_new(o, "burst_max",
			    count_or_null(c->tx_sends, c->tx_burst_max));
	return o;
}

/*
 * What left the interface: the frames handed to it less those it dropped
 * on transmit (veth with a full peer ring, XDP_TX the driver refused).
 * The frame size is fixed, so the bytes scale with the packets.
 */
static struct stats_counters tx_left(const struct report_ctx *ctx,
				     const struct stats_counters *c)
{
	struct stats_counters left = *c;
	uint64_t dropped = ctx->has_tx_if_dropped ? ctx->tx_if_dropped : 0;

	if (dropped > c->tx_packets)
		dropped = c->tx_packets;
	left.tx_packets = c->tx_packets - dropped;
	if (c->tx_packets)
		left.tx_bytes = (uint64_t)((double)c->tx_bytes *
					   (double)left.tx_packets /
					   (double)c->tx_packets);
	return left;
}

static json_t *tx_json(const struct report_ctx *ctx,
		       const struct stats_counters *c, double seconds)
{
	json_t *o = json_object();
	struct stats_counters left = tx_left(ctx, c);

	json_object_set_new(o, "packets", json_count(c->tx_packets));
	json_object_set_new(o, "bytes", json_count(c->tx_bytes));
	json_set_rates(o, "", left.tx_packets, left.tx_bytes, seconds, true);
	json_object_set_new(o, "handed_pps",
			    json_number(per_second(c->tx_packets, seconds)));
	json_object_set_new(o, "if_dropped",
			    ctx->has_tx_if_dropped ?
				    json_count(c->tx_packets - left.tx_packets) :
				    json_null());
	json_object_set_new(o, "if_dropped_from",
			    ctx->has_tx_if_dropped && ctx->tx_if_dropped_from ?
				    json_string(ctx->tx_if_dropped_from) :
				    json_null());
	json_object_set_new(o, "errors", json_count(c->tx_errors));
	json_object_set_new(o, "refused", json_count(c->tx_refused));
	json_object_set_new(o, "backpressure", json_count(c->tx_backpressure));
	if (ctx->spec->role != ROLE_REFLECT)
		json_object_set_new(o, "target_pps",
				    json_number(ctx->target_pps));
	return o;
}

static json_t *rx_json(const struct report_ctx *ctx,
		       const struct stats_counters *c, double seconds)
{
	bool seq = seq_measured(ctx);
	json_t *o = json_object();

	json_object_set_new(o, "packets", json_count(c->rx_packets));
	json_object_set_new(o, "bytes", json_count(c->rx_bytes));
	json_set_rates(o, "", c->rx_packets, c->rx_bytes, seconds, true);
	json_object_set_new(o, "expected", json_count_if(seq, c->rx_expected));
	json_object_set_new(o, "lost", json_count_if(seq, c->rx_lost));
	json_object_set_new(o, "loss_ratio",
			    seq && c->rx_expected ?
				    json_number(loss_ratio(c)) :
				    json_null());
	json_object_set_new(o, "reordered",
			    json_count_if(seq, c->rx_reordered));
	json_object_set_new(o, "duplicates",
			    json_count_if(seq, c->rx_duplicates));
	json_object_set_new(o, "late", json_count_if(seq, c->rx_late));
	json_object_set_new(o, "corrupt",
			    json_count_if(corrupt_measured(ctx),
					  c->rx_corrupt));
	json_object_set_new(o, "foreign", json_count(c->rx_foreign));
	json_object_set_new(o, "truncated", json_count(c->rx_truncated));
	json_object_set_new(o, "malformed", json_count(c->rx_malformed));
	json_object_set_new(o, "untracked", json_count(c->rx_untracked));
	json_object_set_new(o, "errors", json_count(c->rx_errors));
	json_object_set_new(o, "filtered", json_count(c->rx_filtered));
	json_object_set_new(o, "flows", json_count_if(seq, c->rx_flows));
	if (ctx->bypass_watched)
		json_object_set_new(o, "bypassed", json_count(c->rx_bypassed));
	return o;
}

static json_t *latency_json(const struct report_ctx *ctx,
			    const struct hist *h)
{
	bool m = latency_measured(ctx, h);
	json_t *o = json_object();

	json_object_set_new(o, "count", json_count(m ? h->count : 0));
	json_object_set_new(o, "min", json_count_if(m, h->min));
	json_object_set_new(o, "mean",
			    m ? json_number(hist_mean(h)) : json_null());
	json_object_set_new(o, "p50", json_count_if(m, hist_percentile(h, 50)));
	json_object_set_new(o, "p90", json_count_if(m, hist_percentile(h, 90)));
	json_object_set_new(o, "p99", json_count_if(m, hist_percentile(h, 99)));
	json_object_set_new(o, "p999",
			    json_count_if(m, hist_percentile(h, 99.9)));
	json_object_set_new(o, "max", json_count_if(m, h->max));
	return o;
}

static json_t *jitter_json(const struct report_ctx *ctx,
			   const struct stats_snapshot *s)
{
	static const struct {
		const char *key;
		double pct;
	} pdv_keys[] = {
		{ "pdv_p50", 50 },
		{ "pdv_p99", 99 },
		{ "pdv_p999", 99.9 },
		{ "pdv_max", 100 },
	};
	bool ipdv = ipdv_measured(ctx, s), pdv = pdv_measured(ctx, s);
	json_t *o = json_object();

	json_object_set_new(o, "rfc3550",
			    json_count_if(rfc3550_measured(ctx, &s->c),
					  s->c.jitter_rfc3550_ns));
	json_object_set_new(o, "ipdv_samples",
			    json_count(ipdv ? shist_count(&s->ipdv) : 0));
	json_object_set_new(o, "ipdv_p50",
			    json_signed_if(ipdv,
					   shist_percentile(&s->ipdv, 50)));
	json_object_set_new(o, "ipdv_p99",
			    json_signed_if(ipdv,
					   shist_percentile(&s->ipdv, 99)));
	json_object_set_new(o, "ipdv_min",
			    json_signed_if(ipdv, shist_min(&s->ipdv)));
	json_object_set_new(o, "ipdv_max",
			    json_signed_if(ipdv, shist_max(&s->ipdv)));
	for (size_t i = 0; i < sizeof(pdv_keys) / sizeof(pdv_keys[0]); i++)
		json_object_set_new(
			o, pdv_keys[i].key,
			json_count_if(pdv, jitter_pdv_percentile(
						   &s->pdv, pdv_keys[i].pct)));
	return o;
}

/* ratio = num / den of two counters of o, when both are there. */
static void kernel_stats_ratio(json_t *o, const char *name, const char *num,
			       const char *den)
{
	json_t *n = json_object_get(o, num), *d = json_object_get(o, den);

	if (!json_is_integer(n) || !json_is_integer(d) ||
	    json_integer_value(d) <= 0)
		return;
	json_object_set_new(o, name,
			    json_real((double)json_integer_value(n) /
				      (double)json_integer_value(d)));
}

/* Means that do not add up over queues are derived from counters that
 * do (AF_XDP: frames per sendto, TX ring entries queued at a submit). */
static void kernel_stats_derive(json_t *o)
{
	kernel_stats_ratio(o, "tx_frames_per_kick", "tx_submitted", "tx_kicks");
	kernel_stats_ratio(o, "tx_ring_occupancy", "tx_ring_fill_sum",
			   "tx_ring_samples");
}

/* "name=value name=value" (the backends' kernel counters) as an object of
 * integers; a malformed pair is skipped. */
static json_t *kernel_stats_json(const char *text)
{
	json_t *o = json_object();
	const char *p = text;

	while (*p) {
		char name[64];
		unsigned long long v;
		int used = 0;

		if (sscanf(p, " %63[a-z0-9_]=%llu%n", name, &v, &used) == 2 &&
		    used > 0) {
			json_object_set_new(o, name, json_count(v));
			p += used;
		} else {
			p++;
		}
	}
	kernel_stats_derive(o);
	return o;
}

static void format_iso8601(uint64_t real_ns, char *buf, size_t len)
{
	time_t secs = (time_t)(real_ns / NSEC_PER_SEC);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec,
		 (unsigned)(real_ns % NSEC_PER_SEC / NSEC_PER_MSEC));
}

/* null without a mix; else its sizes and weights, period and mean. */
static json_t *size_mix_json(const struct size_mix *mix)
{
	json_t *o, *sizes;

	if (!mix->count)
		return json_null();
	o = json_object();
	sizes = json_array();
	for (uint32_t i = 0; i < mix->count; i++) {
		json_t *one = json_object();

		json_object_set_new(one, "size", json_integer(mix->sizes[i]));
		json_object_set_new(one, "weight", json_integer(mix->weights[i]));
		json_array_append_new(sizes, one);
	}
	json_object_set_new(o, "name", json_string(mix->text));
	json_object_set_new(o, "sizes", sizes);
	json_object_set_new(o, "period", json_integer(mix->period));
	json_object_set_new(o, "mean_size", json_real(sizemix_mean(mix)));
	return o;
}

static json_t *config_json(const struct report_ctx *ctx)
{
	const struct test_spec *sp = ctx->spec;
	char addr[INET6_ADDRSTRLEN], rate[64];
	json_t *o = json_object();

	if (sp->role == ROLE_SEND || sp->role == ROLE_PING) {
		json_object_set_new(o, "dst", json_string(ip_addr_format(
						      &sp->dst, addr, sizeof(addr))));
		json_object_set_new(o, "dst_port", json_integer(sp->dst_port));
	} else {
		json_object_set_new(o, "listen",
				    json_string(ip_addr_format(&sp->listen, addr,
							       sizeof(addr))));
		json_object_set_new(o, "listen_port",
				    json_integer(sp->listen_port));
	}
	json_object_set_new(o, "frame_size", json_integer(sp->frame_size));
	json_object_set_new(o, "rate", json_string(rate_format(&sp->rate, rate,
							       sizeof(rate))));
	json_object_set_new(o, "flows", json_integer(sp->flows));
	json_object_set_new(o, "burst", json_integer(sp->burst));
	if (sp->role == ROLE_SEND || sp->role == ROLE_PING) {
		char dscp[8];

		json_object_set_new(o, "tos", json_integer(sp->tos));
		json_object_set_new(o, "size_mix", size_mix_json(&sp->size_mix));
		json_object_set_new(o, "dscp",
				    json_string(marking_dscp_name(
					    marking_dscp_of(sp->tos), dscp,
					    sizeof(dscp))));
		json_object_set_new(o, "ecn", json_string(marking_ecn_name(
						      marking_ecn_of(sp->tos))));
		json_object_set_new(o, "vlan", sp->vlan_id ?
						       json_integer(sp->vlan_id) :
						       json_null());
		json_object_set_new(o, "vlan_pcp", sp->vlan_id ?
							   json_integer(sp->vlan_pcp) :
							   json_null());
		/* QinQ: vlan is the outer (802.1ad) tag, this the inner. */
		json_object_set_new(o, "vlan_inner",
				    sp->vlan_inner_id ?
					    json_integer(sp->vlan_inner_id) :
					    json_null());
		json_object_set_new(o, "vlan_inner_pcp",
				    sp->vlan_inner_id ?
					    json_integer(sp->vlan_inner_pcp) :
					    json_null());
	}
	if (sp->role == ROLE_SEND || sp->role == ROLE_PING) {
		char policy[48];

		json_object_set_new(o, "catch_up",
				    json_string(spec_catch_up_format(
					    sp, policy, sizeof(policy))));
	}
	json_object_set_new(o, "duration_s",
			    json_number((double)sp->duration_ns / 1e9));
	json_object_set_new(o, "count", json_count(sp->count));
	return o;
}

json_t *report_json(const struct report_ctx *ctx,
		    const struct stats_snapshot *s, double seconds, bool final)
{
	enum role role = ctx->spec->role;
	char when[96];
	json_t *doc = json_object();
	json_t *backend = json_object();

	json_object_set_new(doc, "linerate", json_string("1"));
	json_object_set_new(doc, "role", json_string(report_role(ctx)));
	json_object_set_new(doc, "final", json_boolean(final));
	json_object_set_new(backend, "name", json_string(ctx->backend_name));
	json_object_set_new(backend, "mode", json_string(ctx->backend_mode));
	json_object_set_new(backend, "queues",
			    json_integer(ctx->queues ? ctx->queues : 1));
	if (ctx->backend_note)
		json_object_set_new(backend, "note",
				    json_string(ctx->backend_note));
	if (ctx->kernel_stats)
		json_object_set_new(backend, "kernel",
				    kernel_stats_json(ctx->kernel_stats));
	json_object_set_new(doc, "backend", backend);
	json_object_set_new(doc, "config", config_json(ctx));
	format_iso8601(ctx->start_real_ns, when, sizeof(when));
	json_object_set_new(doc, "start_time", json_string(when));
	json_object_set_new(doc, "duration_s", json_number(seconds));
	json_object_set_new(doc, "bps_layers",
			    json_string("bps_l1 counts preamble, SFD and "
					"inter-frame gap (20 B per frame); bps_l2 "
					"counts the Ethernet frame incl. FCS"));
	if (role_sends(role)) {
		json_t *tx = tx_json(ctx, &s->c, seconds);

		if (role_paces(role))
			json_object_set_new(tx, "pacing", pacing_json(ctx, s));
		json_object_set_new(doc, "tx", tx);
	}
	if (role_receives(role)) {
		json_t *rx = rx_json(ctx, &s->c, seconds);

		/* Only a policing reflector measures it. */
		json_object_set_new(rx, "policed",
				    ctx->spec && ctx->spec->police ?
					    json_count(s->c.rx_policed) :
					    json_null());
		if (final)
			json_object_set_new(rx, "per_flow",
					    ctx->per_flow ?
						    flowreport_json(
							    ctx->per_flow,
							    ctx->per_flow_count,
							    !(ctx->unmeasured &
							      STATS_NO_LATENCY)) :
						    json_null());
		if (final)
			json_object_set_new(rx, "per_flow_note",
					    ctx->per_flow_note ?
						    json_string(ctx->per_flow_note) :
						    json_null());
		json_object_set_new(doc, "rx", rx);
	}
	if (role == ROLE_REFLECT)
		json_object_set_new(doc, "reflected", json_count(s->c.reflected));
	if (role == ROLE_RECV || role == ROLE_PING) {
		json_t *lat = latency_json(ctx, &s->latency);

		if (role == ROLE_RECV) {
			json_object_set_new(lat, "valid",
					    json_boolean(ctx->one_way_valid));
			json_object_set_new(lat, "type", json_string("one-way"));
			if (ctx->one_way_valid)
				json_object_set_new(lat, "error_ns",
						    json_count(ctx->one_way_error_ns));
		} else {
			json_object_set_new(lat, "valid", json_true());
			json_object_set_new(lat, "type", json_string("round-trip"));
		}
		json_object_set_new(lat, "clock", json_string(ctx->clock));
		if (ctx->one_way_note && role == ROLE_RECV)
			json_object_set_new(lat, "note",
					    json_string(ctx->one_way_note));
		/* 1 in N packets timed (recv --latency-sample), 1: all */
		json_object_set_new(
			lat, "sampled_1_in",
			json_integer(ctx->spec->backend.latency_sample > 1 ?
					     ctx->spec->backend.latency_sample :
					     1));
		json_object_set_new(lat, "negative",
				    json_count(s->c.latency_negative));
		json_object_set_new(doc, role == ROLE_RECV ? "latency_ns" :
							     "rtt_ns",
				    lat);
		json_object_set_new(doc, "jitter_ns", jitter_json(ctx, s));
	}
	if (final)
		json_object_set_new(doc, "failure",
				    ctx->failure ? json_string(ctx->failure) :
						   json_null());
	if (final && ctx->intervals) {
		json_object_set(doc, "intervals", ctx->intervals);
		json_object_set_new(doc, "intervals_dropped",
				    json_count(ctx->intervals_dropped));
	}
	return doc;
}

json_t *report_interval_json(const struct report_ctx *ctx,
			     const struct stats_snapshot *delta, double from_s,
			     double to_s)
{
	double seconds = to_s - from_s;
	enum role role = ctx->spec->role;
	json_t *o = json_object();

	json_object_set_new(o, "start_s", json_number(from_s));
	json_object_set_new(o, "end_s", json_number(to_s));
	if (role_sends(role)) {
		json_set_interval_traffic(o, "tx_", delta->c.tx_packets,
					  delta->c.tx_bytes, seconds);
		json_object_set_new(o, "tx_errors",
				    json_count(delta->c.tx_errors));
	}
	if (role_paces(role)) {
		bool gaps = delta->tx_gap.count > 0;

		json_object_set_new(
			o, "tx_gap_p50_ns",
			count_or_null(gaps, hist_percentile(&delta->tx_gap, 50)));
		json_object_set_new(
			o, "tx_gap_p99_ns",
			count_or_null(gaps, hist_percentile(&delta->tx_gap, 99)));
		json_object_set_new(o, "tx_gap_max_ns",
				    count_or_null(gaps, delta->tx_gap.max));
		json_object_set_new(o, "tx_bursts",
				    json_count(delta->c.tx_bursts));
		json_object_set_new(o, "tx_late_max_ns",
				    count_or_null(ctx->target_pps > 0 &&
							  delta->c.tx_sends,
						  delta->c.tx_late_max_ns));
	}
	if (role_receives(role)) {
		json_set_interval_traffic(o, "rx_", delta->c.rx_packets,
					  delta->c.rx_bytes, seconds);
		json_object_set_new(o, "rx_lost",
				    json_count_if(seq_measured(ctx),
						  delta->c.rx_lost));
		json_object_set_new(o, "rx_reordered",
				    json_count_if(seq_measured(ctx),
						  delta->c.rx_reordered));
		json_object_set_new(o, "rx_duplicates",
				    json_count_if(seq_measured(ctx),
						  delta->c.rx_duplicates));
	}
	if (role == ROLE_RECV || role == ROLE_PING) {
		bool lat = latency_measured(ctx, &delta->latency);

		json_object_set_new(o, "latency_p50_ns",
				    json_count_if(lat,
						  hist_percentile(&delta->latency,
								  50)));
		json_object_set_new(o, "latency_p99_ns",
				    json_count_if(lat,
						  hist_percentile(&delta->latency,
								  99)));
		json_object_set_new(o, "latency_max_ns",
				    json_count_if(lat, delta->latency.max));
		/* The running value, shown for intervals that had packets. */
		json_object_set_new(o, "jitter_rfc3550_ns",
				    json_count_if(!(ctx->unmeasured &
						    STATS_NO_JITTER) &&
							  delta->c.rx_packets,
						  delta->c.jitter_rfc3550_ns));
	}
	return o;
}

int report_json_print(FILE *out, json_t *doc, bool one_line)
{
	size_t flags = JSON_REAL_PRECISION(10) | JSON_PRESERVE_ORDER;
	char *text;

	flags |= one_line ? JSON_COMPACT : JSON_INDENT(2);
	text = json_dumps(doc, flags);
	if (!text)
		return -ENOMEM;
	fputs(text, out);
	fputc('\n', out);
	free(text);
	fflush(out);
	return ferror(out) ? -EIO : 0;
}

const char *report_format_ns(double ns, char *buf, size_t len)
{
	if (ns >= 1e9)
		snprintf(buf, len, "%.3f s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else
		snprintf(buf, len, "%.0f ns", ns);
	return buf;
}

static const char *format_rate(double v, const char *unit, char *buf,
			       size_t len)
{
	return format_si(v, unit, true, buf, len);
}

void report_text_header(FILE *out, const struct report_ctx *ctx)
{
	const struct test_spec *sp = ctx->spec;
	char addr[INET6_ADDRSTRLEN], rate[64];

	if (sp->role == ROLE_SEND || sp->role == ROLE_PING)
		fprintf(out, "linerate %s -> %s:%u", report_role(ctx),
			ip_addr_format(&sp->dst, addr, sizeof(addr)),
			sp->dst_port);
	else
		fprintf(out, "linerate %s on %s:%u", report_role(ctx),
			ip_addr_format(&sp->listen, addr, sizeof(addr)),
			sp->listen_port);
	fprintf(out, "  backend %s (%s)", ctx->backend_name, ctx->backend_mode);
	if ((sp->role == ROLE_SEND || sp->role == ROLE_PING) &&
	    sp->size_mix.count)
		fprintf(out, "  %u..%u-byte frames  rate %s  flows %u",
			sizemix_min(&sp->size_mix), sp->frame_size,
			rate_format(&sp->rate, rate, sizeof(rate)), sp->flows);
	else if (sp->role == ROLE_SEND || sp->role == ROLE_PING)
		fprintf(out, "  %u-byte frames  rate %s  flows %u",
			sp->frame_size, rate_format(&sp->rate, rate, sizeof(rate)),
			sp->flows);
	if (sp->size_mix.count) {
		char mix[SIZEMIX_MAX_SIZES * 12];

		fprintf(out, "\n  size mix %s (%s; %u frames a period, mean "
			     "%.2f bytes)",
			sp->size_mix.text,
			sizemix_format(&sp->size_mix, mix, sizeof(mix)),
			sp->size_mix.period, sizemix_mean(&sp->size_mix));
	}
	if ((sp->role == ROLE_SEND || sp->role == ROLE_PING) && sp->tos) {
		char dscp[8];

		fprintf(out, "  dscp %s ecn %s",
			marking_dscp_name(marking_dscp_of(sp->tos), dscp,
					  sizeof(dscp)),
			marking_ecn_name(marking_ecn_of(sp->tos)));
	}
	if ((sp->role == ROLE_SEND || sp->role == ROLE_PING) && sp->vlan_id)
		fprintf(out, "  vlan %u priority %u", sp->vlan_id, sp->vlan_pcp);
	if ((sp->role == ROLE_SEND || sp->role == ROLE_PING) &&
	    sp->vlan_inner_id)
		fprintf(out, " (802.1ad) inner vlan %u priority %u",
			sp->vlan_inner_id, sp->vlan_inner_pcp);
	fputc('\n', out);
	if (ctx->backend_note)
		fprintf(out, "  note: %s\n", ctx->backend_note);
	fflush(out);
}

static double ipdv_at(const struct shist *h, double p)
{
	return (double)shist_percentile(h, p);
}

static double pdv_at(const struct shist *h, double p)
{
	return (double)jitter_pdv_percentile(h, p);
}

/* "  IPDV p50 X p99 Y" of a delay variation, or "  IPDV not measured". */
static void text_variation(FILE *out, const char *label, bool measured,
			   const struct shist *h,
			   double (*at)(const struct shist *h, double p))
{
	char p50[32], p99[32];

	if (!measured) {
		fprintf(out, "  %s not measured", label);
		return;
	}
	fprintf(out, "  %s p50 %s p99 %s", label,
		report_format_ns(at(h, 50), p50, sizeof(p50)),
		report_format_ns(at(h, 99), p99, sizeof(p99)));
}

/* "  tx   1.038 kpps 697.551 kbps": an interval line's rates (L1). */
static void text_rates(FILE *out, const char *label, uint64_t packets,
		       uint64_t bytes, double seconds)
{
	char pps[32], bps[32];

	fprintf(out, "  %s %s %s", label,
		format_rate(per_second(packets, seconds), "pps", pps,
			    sizeof(pps)),
		format_rate(bps_l1(packets, bytes, seconds), "bps", bps,
			    sizeof(bps)));
}

/* ",packets,pps,bps_l1": a CSV row's rates. */
static void csv_rates(FILE *out, uint64_t packets, uint64_t bytes,
		      double seconds)
{
	fprintf(out, ",%llu,%.1f,%.0f", (unsigned long long)packets,
		per_second(packets, seconds), bps_l1(packets, bytes, seconds));
}

/* ",p50,p99,max" of h, or three empty fields where it was not measured. */
static void csv_hist(FILE *out, const struct hist *h, bool measured)
{
	if (!measured) {
		fputs(",,,", out);
		return;
	}
	fprintf(out, ",%llu,%llu,%llu",
		(unsigned long long)hist_percentile(h, 50),
		(unsigned long long)hist_percentile(h, 99),
		(unsigned long long)h->max);
}

void report_text_interval(FILE *out, const struct report_ctx *ctx,
			  const struct stats_snapshot *d, double from_s,
			  double to_s)
{
	enum role role = ctx->spec->role;
	double seconds = to_s - from_s;
	char a[32], c[32], e[32];

	fprintf(out, "[%6.2f-%6.2f s]", from_s, to_s);
	if (role_sends(role))
		text_rates(out, "tx", d->c.tx_packets, d->c.tx_bytes, seconds);
	if (role_receives(role)) {
		text_rates(out, "rx", d->c.rx_packets, d->c.rx_bytes, seconds);
		if (seq_measured(ctx))
			fprintf(out, "  lost %llu",
				(unsigned long long)d->c.rx_lost);
	}
	if ((role == ROLE_RECV || role == ROLE_PING) &&
	    latency_measured(ctx, &d->latency))
		fprintf(out, "  %s p50 %s p99 %s  jitter %s",
			role == ROLE_PING ? "rtt" : "lat",
			report_format_ns((double)hist_percentile(&d->latency, 50),
					 a, sizeof(a)),
			report_format_ns((double)hist_percentile(&d->latency, 99),
					 c, sizeof(c)),
			ctx->unmeasured & STATS_NO_JITTER ?
				"not measured" :
				report_format_ns((double)d->c.jitter_rfc3550_ns,
						 e, sizeof(e)));
	if (role_sends(role) && d->c.tx_errors)
		fprintf(out, "  tx errors %llu",
			(unsigned long long)d->c.tx_errors);
	fputc('\n', out);
	fflush(out);
}

static void text_latency(FILE *out, const struct report_ctx *ctx,
			 const char *title, const struct hist *h,
			 const char *note)
{
	char v[7][32];

	if (!latency_measured(ctx, h)) {
		fprintf(out, "  %-10s not measured%s\n", title,
			ctx->unmeasured & STATS_NO_LATENCY ?
				" (not by this backend)" :
				" (no samples)");
		return;
	}
	fprintf(out,
		"  %-10s min %s  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s"
		"  (mean %s, %llu samples)%s%s\n",
		title, report_format_ns((double)h->min, v[0], 32),
		report_format_ns((double)hist_percentile(h, 50), v[1], 32),
		report_format_ns((double)hist_percentile(h, 90), v[2], 32),
		report_format_ns((double)hist_percentile(h, 99), v[3], 32),
		report_format_ns((double)hist_percentile(h, 99.9), v[4], 32),
		report_format_ns((double)h->max, v[5], 32),
		report_format_ns(hist_mean(h), v[6], 32),
		(unsigned long long)h->count, note ? "\n             " : "",
		note ? note : "");
}

static void text_pacing(FILE *out, const struct report_ctx *ctx,
			const struct stats_snapshot *s)
{
	const struct stats_counters *c = &s->c;
	const struct hist *g = &s->tx_gap;
	char policy[48], v[5][32];

	spec_catch_up_format(ctx->spec, policy, sizeof(policy));
	if (!g->count) {
		fprintf(out, "  pacing     gaps not measured  catch-up %s\n",
			policy);
		return;
	}
	fprintf(out, "  pacing     gap p50 %s  p99 %s  max %s",
		report_format_ns((double)hist_percentile(g, 50), v[0], 32),
		report_format_ns((double)hist_percentile(g, 99), v[1], 32),
		report_format_ns((double)g->max, v[2], 32));
	if (ctx->target_pps > 0)
		fprintf(out, " (nominal %s)  late max %s",
			report_format_ns(1e9 / ctx->target_pps, v[3], 32),
			report_format_ns((double)c->tx_late_max_ns, v[4], 32));
	else
		fprintf(out, "  late max not measured (unpaced)");
	fprintf(out, "\n             bursts %llu (largest %llu frames)  "
		     "catch-up %s%s",
		(unsigned long long)c->tx_bursts,
		(unsigned long long)c->tx_burst_max, policy,
		c->tx_realtime ? "  real-time priority" : "");
	if (ctx->target_pps > 0 && c->tx_forfeit_ns)
		fprintf(out, "  schedule shifted %s",
			report_format_ns((double)c->tx_forfeit_ns, v[0], 32));
	fputc('\n', out);
}

void report_text_final(FILE *out, const struct report_ctx *ctx,
		       const struct stats_snapshot *s, double seconds)
{
	const struct stats_counters *c = &s->c;
	enum role role = ctx->spec->role;
	char a[32], b[32], d[32], j[32];

	fprintf(out, "--- %s summary (%.2f s, backend %s/%s) ---\n",
		report_role(ctx), seconds, ctx->backend_name, ctx->backend_mode);
	if (role_sends(role)) {
		struct stats_counters left = tx_left(ctx, c);

		fprintf(out, "  sent       %llu packets  %s  %s (L1)  %s (L2)\n",
			(unsigned long long)c->tx_packets,
			format_rate(per_second(left.tx_packets, seconds), "pps",
				    a, sizeof(a)),
			format_rate(bps_l1(left.tx_packets, left.tx_bytes,
					   seconds),
				    "bps", b, sizeof(b)),
			format_rate(per_second(left.tx_bytes, seconds) * 8,
				    "bps", d, sizeof(d)));
		if (ctx->has_tx_if_dropped)
			fprintf(out,
				"  left       %llu packets; %llu dropped by the "
				"interface on transmit (%s); the rates count "
				"what left\n",
				(unsigned long long)left.tx_packets,
				(unsigned long long)(c->tx_packets -
						     left.tx_packets),
				ctx->tx_if_dropped_from ?
					ctx->tx_if_dropped_from :
					"interface counters");
		else
			fprintf(out, "  left       not measured (the interface's "
				"transmit drops); the rates count what was "
				"handed to it\n");
		if (ctx->target_pps > 0 && role != ROLE_REFLECT)
			fprintf(out, "  target     %s  achieved %.2f%%\n",
				format_rate(ctx->target_pps, "pps", a, sizeof(a)),
				100.0 * per_second(left.tx_packets, seconds) /
					ctx->target_pps);
		if (role_paces(role))
			text_pacing(out, ctx, s);
		if (c->tx_errors || c->tx_backpressure)
			fprintf(out,
				"  not sent   %llu refused by the kernel, %llu "
				"retries on a full queue\n",
				(unsigned long long)c->tx_errors,
				(unsigned long long)c->tx_backpressure);
	}
	if (role == ROLE_REFLECT)
		fprintf(out, "  reflected  %llu packets\n",
			(unsigned long long)c->reflected);
	if (role_receives(role)) {
		fprintf(out, "  received   %llu packets  %s  %s (L1)\n",
			(unsigned long long)c->rx_packets,
			format_rate(per_second(c->rx_packets, seconds), "pps",
				    a, sizeof(a)),
			format_rate(bps_l1(c->rx_packets, c->rx_bytes, seconds),
				    "bps", b, sizeof(b)));
		if (!seq_measured(ctx))
			fprintf(out, "  loss       not measured (not by this "
				     "backend): reordered, duplicates, late "
				     "neither\n");
		else if (!c->rx_expected)
			fprintf(out, "  loss       not measured (no test "
				     "packets)\n");
		else
			fprintf(out,
				"  loss       %llu of %llu (%.4f%%)  reordered "
				"%llu  duplicates %llu  late %llu\n",
				(unsigned long long)c->rx_lost,
				(unsigned long long)c->rx_expected,
				100.0 * loss_ratio(c),
				(unsigned long long)c->rx_reordered,
				(unsigned long long)c->rx_duplicates,
				(unsigned long long)c->rx_late);
		if (corrupt_measured(ctx))
			fprintf(out, "  corrupt    %llu\n",
				(unsigned long long)c->rx_corrupt);
		else
			fprintf(out, "  corrupt    not measured (not by this "
				     "backend)\n");
		if (c->rx_foreign || c->rx_truncated || c->rx_malformed ||
		    c->rx_untracked || c->rx_errors || c->rx_filtered ||
		    c->rx_policed)
			fprintf(out,
				"  other      foreign %llu  truncated %llu  "
				"malformed %llu  untracked %llu  errors %llu  "
				"filtered %llu  policed %llu\n",
				(unsigned long long)c->rx_foreign,
				(unsigned long long)c->rx_truncated,
				(unsigned long long)c->rx_malformed,
				(unsigned long long)c->rx_untracked,
				(unsigned long long)c->rx_errors,
				(unsigned long long)c->rx_filtered,
				(unsigned long long)c->rx_policed);
	}
	if (ctx->per_flow && ctx->spec &&
	    (ctx->spec->per_flow_explicit || ctx->per_flow_count > 1))
	{
		flowreport_text(out, ctx->per_flow, ctx->per_flow_count,
				ctx->spec->per_flow_rows,
				!(ctx->unmeasured & STATS_NO_LATENCY));
		if (ctx->per_flow_note)
			fprintf(out, "    (%s)\n", ctx->per_flow_note);
	}
	if (role_receives(role) && c->rx_bypassed)
		fprintf(out,
			"  bypassed   %llu datagrams to the port reached the "
			"kernel stack, not the %s backend\n             (a "
			"sender on this host, over loopback: use --backend "
			"udp; or a queue not served)\n",
			(unsigned long long)c->rx_bypassed, ctx->backend_name);
	if (ctx->kernel_stats && *ctx->kernel_stats)
		fprintf(out, "  kernel     %s\n", ctx->kernel_stats);
	if (role == ROLE_RECV)
		text_latency(out, ctx,
			     ctx->one_way_valid ? "one-way" : "transit*",
			     &s->latency,
			     ctx->one_way_valid ? NULL : ctx->one_way_note);
	if (role == ROLE_PING)
		text_latency(out, ctx, "rtt", &s->latency, NULL);
	if (role == ROLE_RECV || role == ROLE_PING) {
		fprintf(out, "  jitter     RFC 3550 %s",
			rfc3550_measured(ctx, c) ?
				report_format_ns((double)c->jitter_rfc3550_ns,
						 j, sizeof(j)) :
				"not measured");
		text_variation(out, "IPDV", ipdv_measured(ctx, s), &s->ipdv,
			       ipdv_at);
		text_variation(out, "PDV", pdv_measured(ctx, s), &s->pdv,
			       pdv_at);
		fputc('\n', out);
	}
	fflush(out);
}

bool report_traffic_failed(enum role role, const struct stats_counters *c,
			   double target_pps, uint64_t tx_start_ns,
			   uint64_t tx_end_ns, char *why, size_t len)
{
	uint64_t margin = NSEC_PER_SEC;

	if (target_pps > 0 && 2e9 / target_pps > (double)margin)
		margin = (uint64_t)(2e9 / target_pps);
	why[0] = '\0';
	if (role_sends(role) && role != ROLE_REFLECT && !c->tx_packets) {
		if (c->tx_errors)
			snprintf(why, len,
				 "sent nothing: the kernel refused all %llu "
				 "packets (see the warning above)",
				 (unsigned long long)c->tx_errors);
		else
			snprintf(why, len, "sent nothing");
		return true;
	}
	if (role == ROLE_SEND && c->tx_refused &&
	    c->tx_refused_first_ns <= tx_start_ns + margin &&
	    c->tx_refused_last_ns + margin >= tx_end_ns) {
		snprintf(why, len,
			 "the destination refused the traffic from start to "
			 "end: "
			 "%llu sends failed on an ICMP error (port closed or "
			 "host unreachable; is a receiver running?)",
			 (unsigned long long)c->tx_refused);
		return true;
	}
	if (role == ROLE_PING && !c->rx_packets) {
		snprintf(why, len,
			 "no replies: %llu probes sent, none came back%s",
			 (unsigned long long)c->tx_packets,
			 c->tx_refused ? " (the destination refused them: is "
					 "a reflector running?)" : "");
		return true;
	}
	if ((role == ROLE_RECV || role == ROLE_REFLECT) && !c->rx_packets) {
		uint64_t other = c->rx_foreign + c->rx_truncated +
				 c->rx_malformed + c->rx_filtered;

		if (c->rx_bypassed)
			snprintf(why, len,
				 "received no test packets on the interface: "
				 "%llu datagrams to the port reached the kernel "
				 "stack instead (a sender on this host, over "
				 "loopback: use --backend udp)",
				 (unsigned long long)c->rx_bypassed);
		else if (other)
			snprintf(why, len,
				 "received no test packets (%llu other: "
				 "foreign %llu, truncated %llu, malformed %llu, "
				 "filtered %llu)",
				 (unsigned long long)other,
				 (unsigned long long)c->rx_foreign,
				 (unsigned long long)c->rx_truncated,
				 (unsigned long long)c->rx_malformed,
				 (unsigned long long)c->rx_filtered);
		else
			snprintf(why, len, "received no test packets");
		return true;
	}
	return false;
}

int report_csv_header(FILE *out, enum role role)
{
	fprintf(out, "start_s,end_s");
	if (role_sends(role))
		fprintf(out, ",tx_packets,tx_pps,tx_bps_l1,tx_errors");
	if (role_receives(role))
		fprintf(out, ",rx_packets,rx_pps,rx_bps_l1,rx_lost,rx_reordered,"
			     "rx_duplicates");
	if (role == ROLE_RECV || role == ROLE_PING)
		fprintf(out, ",latency_p50_ns,latency_p99_ns,latency_max_ns,"
			     "jitter_rfc3550_ns");
	/* Last, so the earlier columns keep their places. */
	if (role_paces(role))
		fprintf(out, ",tx_gap_p50_ns,tx_gap_p99_ns,tx_gap_max_ns,"
			     "tx_bursts,tx_late_max_ns");
	fputc('\n', out);
	fflush(out);
	return ferror(out) ? -EIO : 0;
}

int report_csv_row(FILE *out, const struct report_ctx *ctx,
		   const struct stats_snapshot *d, double from_s, double to_s)
{
	enum role role = ctx->spec->role;
	double seconds = to_s - from_s;

	fprintf(out, "%.3f,%.3f", from_s, to_s);
	if (role_sends(role)) {
		csv_rates(out, d->c.tx_packets, d->c.tx_bytes, seconds);
		fprintf(out, ",%llu", (unsigned long long)d->c.tx_errors);
	}
	/* A value not measured is an empty field. */
	if (role_receives(role)) {
		csv_rates(out, d->c.rx_packets, d->c.rx_bytes, seconds);
		if (seq_measured(ctx))
			fprintf(out, ",%llu,%llu,%llu",
				(unsigned long long)d->c.rx_lost,
				(unsigned long long)d->c.rx_reordered,
				(unsigned long long)d->c.rx_duplicates);
		else
			fputs(",,,", out);
	}
	if (role == ROLE_RECV || role == ROLE_PING) {
		csv_hist(out, &d->latency, latency_measured(ctx, &d->latency));
		if (!(ctx->unmeasured & STATS_NO_JITTER) && d->c.rx_packets)
			fprintf(out, ",%llu",
				(unsigned long long)d->c.jitter_rfc3550_ns);
		else
			fputc(',', out);
	}
	if (role_paces(role)) {
		/* Empty where not measured. */
		csv_hist(out, &d->tx_gap, d->tx_gap.count);
		fprintf(out, ",%llu,", (unsigned long long)d->c.tx_bursts);
		if (ctx->target_pps > 0 && d->c.tx_sends)
			fprintf(out, "%llu",
				(unsigned long long)d->c.tx_late_max_ns);
	}
	fputc('\n', out);
	fflush(out);
	return ferror(out) ? -EIO : 0;
}

void report_interval_emit(struct report_ctx *ctx, FILE *out, FILE *csv,
			  const struct stats_snapshot *delta, double from_s,
			  double to_s)
{
	const struct test_spec *sp = ctx->spec;

	if (ctx->intervals) {
		if (json_array_size(ctx->intervals) < REPORT_MAX_INTERVALS)
			json_array_append_new(
				ctx->intervals,
				report_interval_json(ctx, delta, from_s, to_s));
		else
			ctx->intervals_dropped++;
	}
	if (sp->output == OUTPUT_JSON_STREAM) {
		json_t *line = json_object();

		json_object_set_new(
			line, "interval",
			report_interval_json(ctx, delta, from_s, to_s));
		json_object_set_new(line, "final", json_false());
		if (out)
			report_json_print(out, line, true);
		json_decref(line);
	} else if (sp->output == OUTPUT_TEXT && !sp->quiet && out) {
		report_text_interval(out, ctx, delta, from_s, to_s);
	}
	if (csv)
		report_csv_row(csv, ctx, delta, from_s, to_s);
}
