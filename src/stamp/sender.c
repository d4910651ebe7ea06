// SPDX-License-Identifier: MIT
/*
 * stamp: a STAMP Session-Sender. One thread sends paced test packets over
 * one connected UDP socket per flow (each flow is a session: its own
 * source port and sequence numbers) and reads the reflected packets:
 *
 *   t1  our transmit time (in the packet, and reflected back)
 *   t2  the reflector's receive time     t3  its transmit time
 *   t4  our receive time (the kernel's, SO_TIMESTAMPNS)
 *
 *   round trip = (t4 - t1) - (t3 - t2)   (the reflector's time excluded)
 *   forward    = t2 - t1,  reverse = t4 - t3
 *
 * The round trip needs no common clock. The one-way delays are only as
 * good as the agreement of the two clocks: they are reported when both
 * ends say they are synchronized (the S flag of the error estimates; the
 * error bound is then the sum of both estimates) or when told that both
 * ends read this host's clock (--clock-sync host). Jitter per direction
 * needs no common clock (a constant offset cancels).
 *
 * Sequence numbers: ours (reflected back) give round-trip loss,
 * reordering and duplicates; a stateful reflector's own numbers count the
 * packets it received, which splits the loss into forward and reverse.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/clock.h"
#include "lib/jitter.h"
#include "lib/log.h"
#include "lib/pacer.h"
#include "lib/report.h"
#include "lib/seqtrack.h"
#include "stamp/sock.h"
#include "stamp/stamp.h"

#define MAX_WAIT_SLICE_NS (50 * NSEC_PER_MSEC)

struct stamp_flow {
	struct stamp_sock sock;
	uint32_t next_seq;
	struct seqtrack ours; /* our numbers, reflected */
	struct seqtrack theirs; /* a stateful reflector's numbers */
	struct jitter rtt, fwd, rev;
};

struct stamp_measure {
	struct stats_snapshot cur; /* the ping report's figures */
	struct stats_snapshot prev, delta;
	struct hist fwd, rev; /* one-way delays >= 0, ns */
	struct hist residence; /* t3 - t2 */
	uint64_t fwd_negative, rev_negative;
	uint64_t refused[STAMP_DROP_COUNT_]; /* replies we could not use */
	uint64_t unknown_seq; /* a number we never sent */
	uint64_t tlv_flagged;
	uint64_t ssid_echoed, ssid_other;
	uint64_t reflector_ptp; /* replies with PTPv2 timestamps */
	uint64_t reflector_unsynchronized; /* replies with S clear */
	uint64_t reflector_error_max_ns;
	uint64_t seq_differs; /* replies whose seq is not ours: stateful */
	int ttl_min, ttl_max;
	uint64_t unique_replies;
};

struct sender {
	const struct test_spec *spec;
	const struct stamp_sender_config *cfg;
	struct stamp_flow *flows;
	uint32_t nflows;
	uint32_t payload_len;
	uint64_t our_error_ns;
	bool our_synchronized;
	int64_t tai_offset_ns;
	struct stamp_measure m;
	struct report_ctx ctx;
	FILE *out, *csv;
	uint64_t start_mono, tx_end_mono, last_tx_mono;
	double prev_s;
};

static void flows_close(struct sender *s)
{
	for (uint32_t i = 0; i < s->nflows; i++)
		stamp_sock_close(&s->flows[i].sock);
	free(s->flows);
	s->flows = NULL;
}

static int flows_open(struct sender *s)
{
	const struct test_spec *sp = s->spec;

	s->flows = calloc(sp->flows, sizeof(*s->flows));
	if (!s->flows)
		return -ENOMEM;
	for (uint32_t i = 0; i < sp->flows; i++) {
		struct stamp_flow *f = &s->flows[i];
		uint16_t port = sp->src_port ? (uint16_t)(sp->src_port + i) : 0;
		int rc;

		rc = stamp_sock_open(&f->sock, sp->has_src ? &sp->src : NULL,
				     port, &sp->dst, sp->dst_port,
				     sp->backend.kernel_rx_timestamps);
		if (rc) {
			pr_warn("stamp: flow %u: cannot open a socket to the "
				"reflector: %s\n",
				i, strerror(-rc));
			s->nflows = i;
			flows_close(s);
			return rc;
		}
		s->nflows = i + 1;
		seqtrack_init(&f->ours);
		seqtrack_init(&f->theirs);
		jitter_init(&f->rtt);
		jitter_init(&f->fwd);
		jitter_init(&f->rev);
	}
	return 0;
}

static uint64_t real_from_wire(const struct sender *s, uint64_t wire,
			       enum stamp_ts_format format)
{
	uint64_t ns = stamp_ts_decode(wire, format);

	/* PTP time is TAI; our times are CLOCK_REALTIME (UTC). */
	return format == STAMP_TS_PTP ? ns - (uint64_t)s->tai_offset_ns : ns;
}

static int send_one(struct sender *s, struct stamp_flow *f, uint64_t now)
{
	uint8_t buf[STAMP_MAX_PACKET];
	struct stamp_sender_packet p;
	uint64_t real = clock_ns(CLOCK_REALTIME);
	struct stats_counters *c = &s->m.cur.c;
	int rc;

	if (s->cfg->format == STAMP_TS_PTP)
		real += (uint64_t)s->tai_offset_ns;
	p.seq = f->next_seq;
	p.timestamp = stamp_ts_encode(real, s->cfg->format);
	p.error_estimate = stamp_ee_encode(s->our_error_ns,
					   s->our_synchronized, s->cfg->format);
	p.ssid = s->cfg->ssid;
	rc = stamp_sender_build(buf, s->payload_len, s->cfg->mode, &p,
				&s->cfg->key, s->cfg->tlv_padding);
	if (rc)
		return rc;
	rc = stamp_sock_send(&f->sock, buf, s->payload_len);
	if (rc == -EAGAIN || rc == -ENOBUFS) {
		c->tx_backpressure++;
		return rc;
	}
	if (rc) {
		/* ICMP unreachable from an earlier packet surfaces here as
		 * ECONNREFUSED: not sent, not numbered. */
		c->tx_errors++;
		return rc;
	}
	f->next_seq++;
	c->tx_packets++;
	c->tx_bytes += s->spec->frame_size;
	c->tx_sends++;
	c->tx_burst_max = 1;
	if (s->last_tx_mono)
		hist_record(&s->m.cur.tx_gap, now - s->last_tx_mono);
	s->last_tx_mono = now;
	return 0;
}

static void take_reply(struct sender *s, struct stamp_flow *f,
		       const struct stamp_datagram *d)
{
	struct stamp_measure *m = &s->m;
	struct stats_counters *c = &m->cur.c;
	struct stamp_reflector_packet r;
	enum stamp_ts_format rf;
	enum stamp_drop drop;
	uint64_t t1, t2, t3, t4 = d->rx_real_ns;
	uint32_t flagged = 0;
	enum seq_event ev;

	drop = stamp_reflector_parse(d->buf, d->len, s->cfg->mode,
				     &s->cfg->key, &r, &flagged);
	if (drop == STAMP_OK && d->wire_len > d->len)
		drop = STAMP_DROP_OVERSIZE;
	if (drop != STAMP_OK) {
		m->refused[drop]++;
		c->rx_foreign++;
		return;
	}
	if (r.sender_seq >= f->next_seq) {
		m->unknown_seq++;
		c->rx_foreign++;
		return;
	}
	c->rx_packets++;
	c->rx_bytes += d->wire_len + (s->spec->frame_size - s->payload_len);
	c->last_rx_ns = mono_ns();
	ev = seqtrack_update(&f->ours, r.sender_seq);
	if (ev == SEQ_DUPLICATE) {
		c->rx_duplicates++;
		return;
	}
	if (ev == SEQ_REORDERED)
		c->rx_reordered++;
	if (ev == SEQ_LATE)
		c->rx_late++;
	m->unique_replies++;
	m->tlv_flagged += flagged;
	if (r.ssid == s->cfg->ssid)
		m->ssid_echoed++;
	else
		m->ssid_other++;
	if (r.seq != r.sender_seq)
		m->seq_differs++;
	seqtrack_update(&f->theirs, r.seq);
	if (m->ttl_min < 0 || r.sender_ttl < m->ttl_min)
		m->ttl_min = r.sender_ttl;
	if (r.sender_ttl > m->ttl_max)
		m->ttl_max = r.sender_ttl;
	rf = stamp_ee_format(r.error_estimate);
	if (rf == STAMP_TS_PTP)
		m->reflector_ptp++;
	if (!stamp_ee_synchronized(r.error_estimate))
		m->reflector_unsynchronized++;
	if (stamp_ee_ns(r.error_estimate) > m->reflector_error_max_ns)
		m->reflector_error_max_ns = stamp_ee_ns(r.error_estimate);

	t1 = real_from_wire(s, r.sender_timestamp,
			    stamp_ee_format(r.sender_error_estimate));
	t2 = real_from_wire(s, r.rx_timestamp, rf);
	t3 = real_from_wire(s, r.timestamp, rf);
	if (t3 >= t2 && t4 >= t1 && t4 - t1 >= t3 - t2) {
		uint64_t rtt = (t4 - t1) - (t3 - t2);

		hist_record(&m->cur.latency, rtt);
		hist_record(&m->residence, t3 - t2);
		/* the round trip as a transit from t1: RTT jitter */
		jitter_update(&f->rtt, r.sender_seq, t1, t1 + rtt,
			      &m->cur.ipdv, &m->cur.pdv, NULL, NULL);
	} else {
		c->latency_negative++;
	}
	if (t2 >= t1)
		hist_record(&m->fwd, t2 - t1);
	else
		m->fwd_negative++;
	if (t4 >= t3)
		hist_record(&m->rev, t4 - t3);
	else
		m->rev_negative++;
	jitter_update(&f->fwd, r.sender_seq, t1, t2, NULL, NULL, NULL, NULL);
	jitter_update(&f->rev, r.sender_seq, t3, t4, NULL, NULL, NULL, NULL);
}

/* Loss and jitter over the flows into the report's counters. */
static void publish(struct sender *s)
{
	struct stats_counters *c = &s->m.cur.c;
	double weighted = 0;
	uint64_t expected = 0, lost = 0, weight = 0;

	for (uint32_t i = 0; i < s->nflows; i++) {
		const struct stamp_flow *f = &s->flows[i];

		/* Everything sent is expected back (ping's view): a
		 * reply still missing at the end is lost. */
		expected += f->next_seq;
		lost += f->next_seq > f->ours.received - f->ours.duplicates ?
				f->next_seq -
					(f->ours.received - f->ours.duplicates) :
				0;
		weighted += f->rtt.rfc3550_ns * (double)f->ours.received;
		weight += f->ours.received;
	}
	c->rx_expected = expected;
	c->rx_lost = lost;
	c->rx_flows = s->nflows;
	if (weight)
		c->jitter_rfc3550_ns = (uint64_t)(weighted / (double)weight + 0.5);
}

static bool reflector_stateful(const struct sender *s)
{
	if (s->cfg->reflector == STAMP_REFLECTOR_STATEFUL)
		return true;
	if (s->cfg->reflector == STAMP_REFLECTOR_STATELESS)
		return false;
	return s->m.seq_differs > 0;
}

static bool one_way_valid(const struct sender *s, uint64_t *error_ns)
{
	if (s->cfg->clock_host) {
		*error_ns = 0;
		return true;
	}
	*error_ns = s->our_error_ns + s->m.reflector_error_max_ns;
	return s->our_synchronized && s->m.unique_replies &&
	       !s->m.reflector_unsynchronized;
}

static json_t *count_json(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *delay_json(const struct hist *h, bool valid, uint64_t negative)
{
	json_t *o = json_object();
	bool have = valid && h->count;

	json_object_set_new(o, "samples", count_json(h->count));
	json_object_set_new(o, "min", have ? count_json(h->min) : json_null());
	json_object_set_new(o, "p50",
			    have ? count_json(hist_percentile(h, 50)) :
				   json_null());
	json_object_set_new(o, "p99",
			    have ? count_json(hist_percentile(h, 99)) :
				   json_null());
	json_object_set_new(o, "max", have ? count_json(h->max) : json_null());
	json_object_set_new(o, "mean",
			    have ? json_real(hist_mean(h)) : json_null());
	json_object_set_new(o, "negative", count_json(negative));
	return o;
}

static double direction_jitter(const struct sender *s, bool forward)
{
	double weighted = 0;
	uint64_t weight = 0;

	for (uint32_t i = 0; i < s->nflows; i++) {
		const struct stamp_flow *f = &s->flows[i];
		const struct jitter *j = forward ? &f->fwd : &f->rev;

		weighted += j->rfc3550_ns * (double)j->samples;
		weight += j->samples;
	}
	return weight ? weighted / (double)weight : -1;
}

/* Packets the reflector received (a stateful one's numbers) and the
 * forward and reverse loss they imply. */
static void direction_loss(const struct sender *s, uint64_t *fwd,
			   uint64_t *rev)
{
	uint64_t sent = 0, at_reflector = 0;

	*rev = 0;
	for (uint32_t i = 0; i < s->nflows; i++) {
		sent += s->flows[i].next_seq;
		at_reflector += seqtrack_expected(&s->flows[i].theirs);
		*rev += seqtrack_lost(&s->flows[i].theirs);
	}
	*fwd = sent > at_reflector ? sent - at_reflector : 0;
}

static const char *reflector_kind(const struct sender *s)
{
	if (!s->m.unique_replies)
		return NULL;
	if (!s->m.ssid_other && s->cfg->ssid)
		return "stamp-rfc8972";
	if (!s->m.ssid_echoed && s->cfg->ssid)
		return "twamp-light-or-rfc8762";
	if (!s->cfg->ssid)
		return "stamp-or-twamp-light";
	return "mixed";
}

/* One direction's one-way delays, with its jitter (negative: not
 * measured) and its loss where the reflector numbers its replies. */
static json_t *direction_json(const struct hist *h, bool valid,
			      uint64_t negative, double jitter,
			      bool lost_measured, uint64_t lost)
{
	json_t *o = delay_json(h, valid, negative);

	json_object_set_new(o, "jitter_rfc3550_ns",
			    jitter >= 0 ? json_real(jitter) : json_null());
	json_object_set_new(o, "lost",
			    lost_measured ? count_json(lost) : json_null());
	return o;
}

static json_t *stamp_json(const struct sender *s)
{
	const struct stamp_measure *m = &s->m;
	json_t *o = json_object(), *refused = json_object(), *clock, *fwd, *rev;
	bool stateful = reflector_stateful(s), valid;
	uint64_t error_ns, fwd_lost, rev_lost;
	double jf = direction_jitter(s, true), jr = direction_jitter(s, false);
	const char *kind = reflector_kind(s);

	valid = one_way_valid(s, &error_ns);
	direction_loss(s, &fwd_lost, &rev_lost);
	json_object_set_new(o, "mode",
			    json_string(s->cfg->mode == STAMP_MODE_AUTH ?
						"authenticated" :
						"unauthenticated"));
	json_object_set_new(o, "ssid", json_integer(s->cfg->ssid));
	json_object_set_new(o, "timestamp_format",
			    json_string(s->cfg->format == STAMP_TS_PTP ? "ptpv2" :
									"ntp"));
	json_object_set_new(o, "reflector_kind",
			    kind ? json_string(kind) : json_null());
	json_object_set_new(o, "reflector_stateful",
			    m->unique_replies ? json_boolean(stateful) :
						json_null());
	clock = json_object();
	json_object_set_new(clock, "assumption",
			    json_string(s->cfg->clock_host ?
						"host: both ends read this "
						"host's clock" :
						"the reflector's clock equals "
						"ours within both error "
						"estimates"));
	json_object_set_new(clock, "valid", json_boolean(valid));
	json_object_set_new(clock, "error_ns",
			    valid ? count_json(error_ns) : json_null());
	json_object_set_new(clock, "sender_synchronized",
			    json_boolean(s->our_synchronized));
	json_object_set_new(clock, "sender_error_ns",
			    count_json(s->our_error_ns));
	json_object_set_new(clock, "reflector_unsynchronized_replies",
			    count_json(m->reflector_unsynchronized));
	json_object_set_new(clock, "reflector_error_max_ns",
			    m->unique_replies ? count_json(m->reflector_error_max_ns) :
						json_null());
	json_object_set_new(o, "clock", clock);
	fwd = direction_json(&m->fwd, valid, m->fwd_negative, jf,
			     stateful && m->unique_replies, fwd_lost);
	rev = direction_json(&m->rev, valid, m->rev_negative, jr,
			     stateful && m->unique_replies, rev_lost);
	json_object_set_new(o, "forward_ns", fwd);
	json_object_set_new(o, "reverse_ns", rev);
	json_object_set_new(o, "reflector_residence_ns",
			    delay_json(&m->residence, true, 0));
	json_object_set_new(o, "reflector_saw_ttl_min",
			    m->ttl_min >= 0 ? json_integer(m->ttl_min) :
					      json_null());
	json_object_set_new(o, "reflector_saw_ttl_max",
			    m->ttl_min >= 0 ? json_integer(m->ttl_max) :
					      json_null());
	json_object_set_new(o, "reflector_ptp_replies",
			    count_json(m->reflector_ptp));
	json_object_set_new(o, "tlv_flagged", count_json(m->tlv_flagged));
	for (int i = STAMP_DROP_SHORT; i < STAMP_DROP_COUNT_; i++)
		if (i != STAMP_DROP_RATE && i != STAMP_DROP_FILTERED)
			json_object_set_new(refused, stamp_drop_name(i),
					    count_json(m->refused[i]));
	json_object_set_new(refused, "unknown_seq", count_json(m->unknown_seq));
	json_object_set_new(o, "replies_refused", refused);
	return o;
}

static void text_delay(FILE *out, const char *name, const struct hist *h,
		       bool valid)
{
	char a[32], b[32], c[32], d[32];

	if (!valid) {
		fprintf(out, "  %-8s not measured (clocks not known to agree; "
			     "--clock-sync host if both ends use this host's "
			     "clock)\n", name);
		return;
	}
	if (!h->count) {
		fprintf(out, "  %-8s not measured (no samples)\n", name);
		return;
	}
	fprintf(out, "  %-8s min %s  p50 %s  p99 %s  max %s\n", name,
		report_format_ns((double)h->min, a, sizeof(a)),
		report_format_ns((double)hist_percentile(h, 50), b, sizeof(b)),
		report_format_ns((double)hist_percentile(h, 99), c, sizeof(c)),
		report_format_ns((double)h->max, d, sizeof(d)));
}

static void stamp_text(FILE *out, const struct sender *s)
{
	const struct stamp_measure *m = &s->m;
	bool stateful = reflector_stateful(s), valid;
	uint64_t error_ns, fwd_lost, rev_lost;
	const char *kind = reflector_kind(s);
	char e[32], j1[32], j2[32];
	double jf = direction_jitter(s, true), jr = direction_jitter(s, false);

	valid = one_way_valid(s, &error_ns);
	direction_loss(s, &fwd_lost, &rev_lost);
	fprintf(out, "stamp: %s, SSID %u, reflector %s%s\n",
		s->cfg->mode == STAMP_MODE_AUTH ? "authenticated" :
						  "unauthenticated",
		s->cfg->ssid, kind ? kind : "did not answer",
		!m->unique_replies ? "" :
		stateful	  ? " (stateful)" :
				    " (stateless, or no forward loss yet)");
	text_delay(out, "forward", &m->fwd, valid);
	text_delay(out, "reverse", &m->rev, valid);
	if (valid)
		fprintf(out, "  one-way error bound %s (%s)\n",
			report_format_ns((double)error_ns, e, sizeof(e)),
			s->cfg->clock_host ? "one host clock" :
					     "both error estimates");
	fprintf(out, "  jitter   forward %s  reverse %s (RFC 3550)\n",
		jf >= 0 ? report_format_ns(jf, j1, sizeof(j1)) : "not measured",
		jr >= 0 ? report_format_ns(jr, j2, sizeof(j2)) : "not measured");
	if (stateful && m->unique_replies)
		fprintf(out, "  loss     forward %llu  reverse %llu\n",
			(unsigned long long)fwd_lost,
			(unsigned long long)rev_lost);
	else
		fprintf(out, "  loss     per direction not measured (%s)\n",
			m->unique_replies ?
				"a stateless reflector; --reflector stateful "
				"if it is one" :
				"no replies");
	fprintf(out, "  replies refused: short %llu wrong_mode %llu "
		     "bad_hmac %llu unknown_seq %llu; TLVs flagged %llu\n",
		(unsigned long long)m->refused[STAMP_DROP_SHORT],
		(unsigned long long)m->refused[STAMP_DROP_MODE],
		(unsigned long long)m->refused[STAMP_DROP_HMAC],
		(unsigned long long)m->unknown_seq,
		(unsigned long long)m->tlv_flagged);
}

static void emit_interval(struct sender *s, uint64_t now)
{
	double to_s = (double)(now - s->start_mono) / 1e9;

	publish(s);
	stats_snapshot_delta(&s->m.delta, &s->m.cur, &s->m.prev);
	if (to_s - s->prev_s < 0.001)
		return;
	report_interval_emit(&s->ctx, s->out, s->csv, &s->m.delta, s->prev_s,
			     to_s);
	memcpy(&s->m.prev, &s->m.cur, sizeof(s->m.prev));
	s->prev_s = to_s;
}

static void emit_final(struct sender *s, char *failure, size_t failure_len)
{
	const struct test_spec *sp = s->spec;
	uint64_t end = s->tx_end_mono ? s->tx_end_mono : mono_ns();
	double seconds = (double)(end - s->start_mono) / 1e9;

	publish(s);
	/* The rule every sender follows: nothing sent, no reply, or refused
	 * from start to end is a failed run (exit code 3). */
	if (report_traffic_failed(ROLE_PING, &s->m.cur.c, s->ctx.target_pps,
				  s->start_mono, end, failure, failure_len))
		s->ctx.failure = failure;
	if (sp->output == OUTPUT_TEXT) {
		report_text_final(s->out, &s->ctx, &s->m.cur, seconds);
		stamp_text(s->out, s);
	} else {
		json_t *doc = report_json(&s->ctx, &s->m.cur, seconds, true);

		json_object_set_new(doc, "stamp", stamp_json(s));
		report_json_print(s->out, doc, sp->output == OUTPUT_JSON_STREAM);
		json_decref(doc);
	}
	fflush(s->out);
}

/* Read every reply waiting on any flow. */
static int drain(struct sender *s, struct stamp_datagram *d)
{
	for (uint32_t i = 0; i < s->nflows; i++) {
		int rc;

		while ((rc = stamp_sock_recv(&s->flows[i].sock, d, 0)) == 1)
			take_reply(s, &s->flows[i], d);
		if (rc < 0 && rc != -ECONNREFUSED) {
			s->m.cur.c.rx_errors++;
			return rc;
		}
	}
	return 0;
}

static int wait_readable(struct sender *s, struct pollfd *pfds,
			 uint64_t timeout_ns)
{
	struct timespec ts = { (time_t)(timeout_ns / NSEC_PER_SEC),
			       (long)(timeout_ns % NSEC_PER_SEC) };

	for (uint32_t i = 0; i < s->nflows; i++) {
		pfds[i].fd = s->flows[i].sock.fd;
		pfds[i].events = POLLIN;
		pfds[i].revents = 0;
	}
	if (ppoll(pfds, s->nflows, &ts, NULL) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

static bool all_back(const struct sender *s)
{
	return s->m.unique_replies >= s->m.cur.c.tx_packets;
}

static int run_loop(struct sender *s, atomic_bool *stop)
{
	static uint8_t rxbuf[STAMP_MAX_PACKET + 1];
	const struct test_spec *sp = s->spec;
	struct stamp_datagram d = { .buf = rxbuf, .cap = sizeof(rxbuf) };
	uint64_t now, next_report, wait_end = 0;
	struct pollfd *pfds;
	struct pacer pacer;
	uint32_t flow = 0;
	bool sending = true;
	int rc = 0;

	pfds = calloc(s->nflows, sizeof(*pfds));
	if (!pfds)
		return -ENOMEM;
	s->start_mono = mono_ns();
	next_report = sp->interval_ns ? s->start_mono + sp->interval_ns : 0;
	pacer_init(&pacer, s->ctx.target_pps, 1, s->start_mono);
	pacer_set_catch_up(&pacer, spec_catch_up_frames(sp, s->ctx.target_pps));
	while (!atomic_load(stop)) {
		uint64_t due;

		now = mono_ns();
		if (sending &&
		    ((sp->count && s->m.cur.c.tx_packets >= sp->count) ||
		     (sp->duration_ns && now - s->start_mono >= sp->duration_ns))) {
			sending = false;
			s->tx_end_mono = now;
			wait_end = now + sp->wait_ns;
		}
		if (!sending && (now >= wait_end || all_back(s)))
			break;
		if (next_report && now >= next_report) {
			emit_interval(s, now);
			next_report += sp->interval_ns;
		}
		if (sending && pacer_take(&pacer, now, 1)) {
			rc = send_one(s, &s->flows[flow], now);
			if (rc == -EAGAIN || rc == -ENOBUFS) {
				pacer_refund(&pacer, 1);
			} else if (rc == 0) {
				s->m.cur.c.tx_late_max_ns =
					pacer.late_ns > s->m.cur.c.tx_late_max_ns ?
						pacer.late_ns :
						s->m.cur.c.tx_late_max_ns;
				flow = (flow + 1) % s->nflows;
			}
			rc = 0;
		}
		due = sending ? pacer_due_ns(&pacer, 1) : wait_end;
		if (next_report && next_report < due)
			due = next_report;
		now = mono_ns();
		if (due > now) {
			rc = wait_readable(s, pfds,
					   due - now < MAX_WAIT_SLICE_NS ?
						   due - now :
						   MAX_WAIT_SLICE_NS);
			if (rc)
				break;
		}
		rc = drain(s, &d);
		if (rc) {
			pr_warn("stamp: receive: %s\n", strerror(-rc));
			break;
		}
	}
	if (!s->tx_end_mono)
		s->tx_end_mono = mono_ns();
	s->m.cur.c.tx_forfeit_ns = pacer.forfeit_ns;
	free(pfds);
	return rc;
}

int stamp_send_run(const struct test_spec *sp,
		   const struct stamp_sender_config *cfg, atomic_bool *stop,
		   FILE *out, char *failure, size_t failure_len)
{
	int hdr = FRAME_FCS_LEN + FRAME_ETH_HLEN + FRAME_UDP_HLEN +
		  (sp->dst.family == AF_INET6 ? FRAME_IPV6_HLEN :
						FRAME_IPV4_HLEN);
	struct sender *s;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->spec = sp;
	s->cfg = cfg;
	s->out = out;
	s->payload_len = sp->frame_size - (uint32_t)hdr;
	s->m.ttl_min = -1;
	stats_snapshot_init(&s->m.cur);
	stats_snapshot_init(&s->m.prev);
	stats_snapshot_init(&s->m.delta);
	hist_init(&s->m.fwd);
	hist_init(&s->m.rev);
	hist_init(&s->m.residence);
	stamp_clock_estimate(&s->our_error_ns, &s->our_synchronized,
			     &s->tai_offset_ns);
	rc = flows_open(s);
	if (rc)
		goto out_free;
	if (sp->csv_path) {
		s->csv = fopen(sp->csv_path, "w");
		if (!s->csv) {
			rc = -errno;
			pr_warn("--csv: cannot write %s: %s\n", sp->csv_path,
				strerror(errno));
			goto out_flows;
		}
		report_csv_header(s->csv, ROLE_PING);
	}
	if (sp->output == OUTPUT_JSON)
		s->ctx.intervals = json_array();
	s->ctx.spec = sp;
	s->ctx.command = "stamp";
	s->ctx.backend_name = "udp";
	s->ctx.backend_mode = "STAMP over connected UDP sockets (sendmsg/recvmsg)";
	s->ctx.target_pps = spec_target_pps(sp);
	s->ctx.queues = 1;
	s->ctx.clock = clock_name(CLOCK_REALTIME);
	s->ctx.one_way_valid = false;
	s->ctx.start_real_ns = clock_ns(CLOCK_REALTIME);
	if (sp->output == OUTPUT_TEXT && !sp->quiet)
		report_text_header(out, &s->ctx);
	failure[0] = '\0';
	rc = run_loop(s, stop);
	emit_final(s, failure, failure_len);
	if (s->csv)
		fclose(s->csv);
	json_decref(s->ctx.intervals);
out_flows:
	flows_close(s);
out_free:
	free(s);
	return rc;
}
