// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "jitter.h"
#include "report.h"
#include "units.h"

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

static double per_second(uint64_t n, double seconds)
{
	return seconds > 0 ? (double)n / seconds : 0;
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
	json_object_set_new(o, "pps",
			    json_number(per_second(left.tx_packets, seconds)));
	json_object_set_new(o, "bps_l1",
			    json_number(bps_l1(left.tx_packets, left.tx_bytes,
					       seconds)));
	json_object_set_new(o, "bps_l2",
			    json_number(per_second(left.tx_bytes, seconds) * 8));
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
	json_object_set_new(o, "backpressure", json_count(c->tx_backpressure));
	if (ctx->spec->role != ROLE_REFLECT)
		json_object_set_new(o, "target_pps",
				    json_number(ctx->target_pps));
	return o;
}

static json_t *rx_json(const struct stats_counters *c, double seconds)
{
	json_t *o = json_object();

	json_object_set_new(o, "packets", json_count(c->rx_packets));
	json_object_set_new(o, "bytes", json_count(c->rx_bytes));
	json_object_set_new(o, "pps",
			    json_number(per_second(c->rx_packets, seconds)));
	json_object_set_new(o, "bps_l1",
			    json_number(bps_l1(c->rx_packets, c->rx_bytes,
					       seconds)));
	json_object_set_new(o, "bps_l2",
			    json_number(per_second(c->rx_bytes, seconds) * 8));
	json_object_set_new(o, "expected", json_count(c->rx_expected));
	json_object_set_new(o, "lost", json_count(c->rx_lost));
	json_object_set_new(o, "loss_ratio", json_number(loss_ratio(c)));
	json_object_set_new(o, "reordered", json_count(c->rx_reordered));
	json_object_set_new(o, "duplicates", json_count(c->rx_duplicates));
	json_object_set_new(o, "late", json_count(c->rx_late));
	json_object_set_new(o, "corrupt", json_count(c->rx_corrupt));
	json_object_set_new(o, "foreign", json_count(c->rx_foreign));
	json_object_set_new(o, "truncated", json_count(c->rx_truncated));
	json_object_set_new(o, "malformed", json_count(c->rx_malformed));
	json_object_set_new(o, "untracked", json_count(c->rx_untracked));
	json_object_set_new(o, "errors", json_count(c->rx_errors));
	json_object_set_new(o, "filtered", json_count(c->rx_filtered));
	json_object_set_new(o, "flows", json_count(c->rx_flows));
	return o;
}

static json_t *latency_json(const struct hist *h)
{
	json_t *o = json_object();

	json_object_set_new(o, "count", json_count(h->count));
	json_object_set_new(o, "min", json_count(h->count ? h->min : 0));
	json_object_set_new(o, "mean", json_number(hist_mean(h)));
	json_object_set_new(o, "p50", json_count(hist_percentile(h, 50)));
	json_object_set_new(o, "p90", json_count(hist_percentile(h, 90)));
	json_object_set_new(o, "p99", json_count(hist_percentile(h, 99)));
	json_object_set_new(o, "p999", json_count(hist_percentile(h, 99.9)));
	json_object_set_new(o, "max", json_count(h->max));
	return o;
}

static json_t *jitter_json(const struct stats_snapshot *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "rfc3550",
			    json_count(s->c.jitter_rfc3550_ns));
	json_object_set_new(o, "ipdv_samples", json_count(shist_count(&s->ipdv)));
	json_object_set_new(o, "ipdv_p50",
			    json_integer(shist_percentile(&s->ipdv, 50)));
	json_object_set_new(o, "ipdv_p99",
			    json_integer(shist_percentile(&s->ipdv, 99)));
	json_object_set_new(o, "ipdv_min", json_integer(shist_min(&s->ipdv)));
	json_object_set_new(o, "ipdv_max", json_integer(shist_max(&s->ipdv)));
	json_object_set_new(o, "pdv_p50",
			    json_count(jitter_pdv_percentile(&s->pdv, 50)));
	json_object_set_new(o, "pdv_p99",
			    json_count(jitter_pdv_percentile(&s->pdv, 99)));
	json_object_set_new(o, "pdv_p999",
			    json_count(jitter_pdv_percentile(&s->pdv, 99.9)));
	json_object_set_new(o, "pdv_max",
			    json_count(jitter_pdv_percentile(&s->pdv, 100)));
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
	json_object_set_new(doc, "role", json_string(role_name(role)));
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
	if (role_sends(role))
		json_object_set_new(doc, "tx", tx_json(ctx, &s->c, seconds));
	if (role_receives(role))
		json_object_set_new(doc, "rx", rx_json(&s->c, seconds));
	if (role == ROLE_REFLECT)
		json_object_set_new(doc, "reflected", json_count(s->c.reflected));
	if (role == ROLE_RECV || role == ROLE_PING) {
		json_t *lat = latency_json(&s->latency);

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
		json_object_set_new(lat, "negative",
				    json_count(s->c.latency_negative));
		json_object_set_new(doc, role == ROLE_RECV ? "latency_ns" :
							     "rtt_ns",
				    lat);
		json_object_set_new(doc, "jitter_ns", jitter_json(s));
	}
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
		json_object_set_new(o, "tx_packets",
				    json_count(delta->c.tx_packets));
		json_object_set_new(o, "tx_pps",
				    json_number(per_second(delta->c.tx_packets,
							   seconds)));
		json_object_set_new(o, "tx_bps_l1",
				    json_number(bps_l1(delta->c.tx_packets,
						       delta->c.tx_bytes,
						       seconds)));
		json_object_set_new(o, "tx_errors",
				    json_count(delta->c.tx_errors));
	}
	if (role_receives(role)) {
		json_object_set_new(o, "rx_packets",
				    json_count(delta->c.rx_packets));
		json_object_set_new(o, "rx_pps",
				    json_number(per_second(delta->c.rx_packets,
							   seconds)));
		json_object_set_new(o, "rx_bps_l1",
				    json_number(bps_l1(delta->c.rx_packets,
						       delta->c.rx_bytes,
						       seconds)));
		json_object_set_new(o, "rx_lost", json_count(delta->c.rx_lost));
		json_object_set_new(o, "rx_reordered",
				    json_count(delta->c.rx_reordered));
		json_object_set_new(o, "rx_duplicates",
				    json_count(delta->c.rx_duplicates));
	}
	if (role == ROLE_RECV || role == ROLE_PING) {
		json_object_set_new(o, "latency_p50_ns",
				    json_count(hist_percentile(&delta->latency,
							       50)));
		json_object_set_new(o, "latency_p99_ns",
				    json_count(hist_percentile(&delta->latency,
							       99)));
		json_object_set_new(o, "latency_max_ns",
				    json_count(delta->latency.max));
		json_object_set_new(o, "jitter_rfc3550_ns",
				    json_count(delta->c.jitter_rfc3550_ns));
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
		fprintf(out, "linerate %s -> %s:%u", role_name(sp->role),
			ip_addr_format(&sp->dst, addr, sizeof(addr)),
			sp->dst_port);
	else
		fprintf(out, "linerate %s on %s:%u", role_name(sp->role),
			ip_addr_format(&sp->listen, addr, sizeof(addr)),
			sp->listen_port);
	fprintf(out, "  backend %s (%s)", ctx->backend_name, ctx->backend_mode);
	if (sp->role == ROLE_SEND || sp->role == ROLE_PING)
		fprintf(out, "  %u-byte frames  rate %s  flows %u",
			sp->frame_size, rate_format(&sp->rate, rate, sizeof(rate)),
			sp->flows);
	fputc('\n', out);
	if (ctx->backend_note)
		fprintf(out, "  note: %s\n", ctx->backend_note);
	fflush(out);
}

void report_text_interval(FILE *out, const struct report_ctx *ctx,
			  const struct stats_snapshot *d, double from_s,
			  double to_s)
{
	enum role role = ctx->spec->role;
	double seconds = to_s - from_s;
	char a[32], b[32], c[32], e[32];

	fprintf(out, "[%6.2f-%6.2f s]", from_s, to_s);
	if (role_sends(role))
		fprintf(out, "  tx %s %s",
			format_rate(per_second(d->c.tx_packets, seconds), "pps",
				    a, sizeof(a)),
			format_rate(bps_l1(d->c.tx_packets, d->c.tx_bytes,
					   seconds),
				    "bps", b, sizeof(b)));
	if (role_receives(role))
		fprintf(out, "  rx %s %s  lost %llu",
			format_rate(per_second(d->c.rx_packets, seconds), "pps",
				    a, sizeof(a)),
			format_rate(bps_l1(d->c.rx_packets, d->c.rx_bytes,
					   seconds),
				    "bps", b, sizeof(b)),
			(unsigned long long)d->c.rx_lost);
	if ((role == ROLE_RECV || role == ROLE_PING) && d->latency.count)
		fprintf(out, "  %s p50 %s p99 %s  jitter %s",
			role == ROLE_PING ? "rtt" : "lat",
			report_format_ns((double)hist_percentile(&d->latency, 50),
					 a, sizeof(a)),
			report_format_ns((double)hist_percentile(&d->latency, 99),
					 c, sizeof(c)),
			report_format_ns((double)d->c.jitter_rfc3550_ns, e,
					 sizeof(e)));
	if (role_sends(role) && d->c.tx_errors)
		fprintf(out, "  tx errors %llu",
			(unsigned long long)d->c.tx_errors);
	fputc('\n', out);
	fflush(out);
}

static void text_latency(FILE *out, const char *title, const struct hist *h,
			 const char *note)
{
	char v[7][32];

	if (!h->count) {
		fprintf(out, "  %-10s no samples\n", title);
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

void report_text_final(FILE *out, const struct report_ctx *ctx,
		       const struct stats_snapshot *s, double seconds)
{
	const struct stats_counters *c = &s->c;
	enum role role = ctx->spec->role;
	char a[32], b[32], d[32], j[5][32];

	fprintf(out, "--- %s summary (%.2f s, backend %s/%s) ---\n",
		role_name(role), seconds, ctx->backend_name, ctx->backend_mode);
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
		fprintf(out,
			"  loss       %llu of %llu (%.4f%%)  reordered %llu  "
			"duplicates %llu  late %llu  corrupt %llu\n",
			(unsigned long long)c->rx_lost,
			(unsigned long long)c->rx_expected,
			100.0 * loss_ratio(c),
			(unsigned long long)c->rx_reordered,
			(unsigned long long)c->rx_duplicates,
			(unsigned long long)c->rx_late,
			(unsigned long long)c->rx_corrupt);
		if (c->rx_foreign || c->rx_truncated || c->rx_malformed ||
		    c->rx_untracked || c->rx_errors || c->rx_filtered)
			fprintf(out,
				"  other      foreign %llu  truncated %llu  "
				"malformed %llu  untracked %llu  errors %llu  "
				"filtered %llu\n",
				(unsigned long long)c->rx_foreign,
				(unsigned long long)c->rx_truncated,
				(unsigned long long)c->rx_malformed,
				(unsigned long long)c->rx_untracked,
				(unsigned long long)c->rx_errors,
				(unsigned long long)c->rx_filtered);
	}
	if (ctx->kernel_stats && *ctx->kernel_stats)
		fprintf(out, "  kernel     %s\n", ctx->kernel_stats);
	if (role == ROLE_RECV)
		text_latency(out,
			     ctx->one_way_valid ? "one-way" : "transit*",
			     &s->latency,
			     ctx->one_way_valid ? NULL : ctx->one_way_note);
	if (role == ROLE_PING)
		text_latency(out, "rtt", &s->latency, NULL);
	if (role == ROLE_RECV || role == ROLE_PING)
		fprintf(out,
			"  jitter     RFC 3550 %s  IPDV p50 %s p99 %s  PDV p50 %s "
			"p99 %s\n",
			report_format_ns((double)c->jitter_rfc3550_ns, j[0], 32),
			report_format_ns((double)shist_percentile(&s->ipdv, 50),
					 j[1], 32),
			report_format_ns((double)shist_percentile(&s->ipdv, 99),
					 j[2], 32),
			report_format_ns((double)jitter_pdv_percentile(&s->pdv,
								       50),
					 j[3], 32),
			report_format_ns((double)jitter_pdv_percentile(&s->pdv,
								       99),
					 j[4], 32));
	fflush(out);
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
	if (role_sends(role))
		fprintf(out, ",%llu,%.1f,%.0f,%llu",
			(unsigned long long)d->c.tx_packets,
			per_second(d->c.tx_packets, seconds),
			bps_l1(d->c.tx_packets, d->c.tx_bytes, seconds),
			(unsigned long long)d->c.tx_errors);
	if (role_receives(role))
		fprintf(out, ",%llu,%.1f,%.0f,%llu,%llu,%llu",
			(unsigned long long)d->c.rx_packets,
			per_second(d->c.rx_packets, seconds),
			bps_l1(d->c.rx_packets, d->c.rx_bytes, seconds),
			(unsigned long long)d->c.rx_lost,
			(unsigned long long)d->c.rx_reordered,
			(unsigned long long)d->c.rx_duplicates);
	if (role == ROLE_RECV || role == ROLE_PING)
		fprintf(out, ",%llu,%llu,%llu,%llu",
			(unsigned long long)hist_percentile(&d->latency, 50),
			(unsigned long long)hist_percentile(&d->latency, 99),
			(unsigned long long)d->latency.max,
			(unsigned long long)d->c.jitter_rfc3550_ns);
	fputc('\n', out);
	fflush(out);
	return ferror(out) ? -EIO : 0;
}
