// SPDX-License-Identifier: MIT
/*
 * stamp-reflect: a STAMP Session-Reflector on a UDP socket. One datagram
 * at a time: the reflector's decisions are in reflector.c, this file
 * moves datagrams and reports the counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include <jansson.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/report.h"
#include "lib/sockaddr.h"
#include "stamp/sock.h"
#include "stamp/stamp.h"
#include "stamp/xdp_reflect.h"

#define RECV_WAIT_NS (100 * NSEC_PER_MSEC)

void stamp_clock_estimate(uint64_t *error_ns, bool *synchronized,
			  int64_t *tai_offset_ns)
{
	struct timex tx;
	int state;

	memset(&tx, 0, sizeof(tx));
	state = adjtimex(&tx);
	*synchronized = state >= 0 && state != TIME_ERROR &&
			!(tx.status & STA_UNSYNC);
	*error_ns = (uint64_t)(*synchronized ? tx.esterror : tx.maxerror) *
		    NSEC_PER_USEC;
	*tai_offset_ns = state >= 0 ? (int64_t)tx.tai * (int64_t)NSEC_PER_SEC :
				      0;
}

static void peer_from(struct stamp_peer *p, const struct sockaddr_storage *ss)
{
	struct ip_addr ip;

	memset(p, 0, sizeof(*p));
	sockaddr_to_ip((const struct sockaddr *)ss, &ip, &p->port);
	p->family = ip.family;
	if (ip.family == AF_INET6)
		memcpy(p->addr, &ip.v6, 16);
	else
		memcpy(p->addr, &ip.v4, 4);
}

static const char *endpoint_format(const struct ip_addr *ip, uint16_t port,
				   char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(ip->family, &ip->v6, addr, sizeof(addr));
	snprintf(buf, len, ip->family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
		 port);
	return buf;
}

static json_t *xdp_json(struct stamp_xdp *x)
{
	struct stamp_xdp_counters c;
	json_t *o;

	if (!x || stamp_xdp_read(x, &c))
		return json_null();
	o = json_object();
	json_object_set_new(o, "mode", json_string(stamp_xdp_mode(x)));
	if (stamp_xdp_note(x)[0])
		json_object_set_new(o, "note", json_string(stamp_xdp_note(x)));
	json_object_set_new(o, "rx_packets", json_integer((json_int_t)c.rx_packets));
	json_object_set_new(o, "reflected", json_integer((json_int_t)c.reflected));
	json_object_set_new(o, "bytes", json_integer((json_int_t)c.bytes));
	json_object_set_new(o, "passed_up", json_integer((json_int_t)c.passed_up));
	json_object_set_new(o, "rate_limited",
			    json_integer((json_int_t)c.rate_limited));
	json_object_set_new(o, "ptp_replies",
			    json_integer((json_int_t)c.ptp_replies));
	return o;
}

static json_t *report_json_doc(const struct test_spec *sp,
			       const struct stamp_reflector *r,
			       bool kernel_ts, double seconds,
			       struct stamp_xdp *xdp)
{
	const struct stamp_reflector_counters *c = &r->c;
	json_t *doc = json_object(), *dropped = json_object();
	char ep[64];

	json_object_set_new(doc, "role", json_string("stamp-reflect"));
	json_object_set_new(doc, "listen",
			    json_string(endpoint_format(&sp->listen,
							sp->listen_port, ep,
							sizeof(ep))));
	json_object_set_new(doc, "mode",
			    json_string(r->cfg.mode == STAMP_MODE_AUTH ?
						"authenticated" :
						"unauthenticated"));
	json_object_set_new(doc, "backend", json_string(xdp ? "xdp" : "udp"));
	json_object_set_new(doc, "stateful", json_boolean(r->cfg.stateful));
	json_object_set_new(doc, "rate_limit_pps",
			    r->cfg.rate_limit_pps > 0 ?
				    json_real(r->cfg.rate_limit_pps) :
				    json_null());
	json_object_set_new(doc, "rx_timestamps",
			    json_string(kernel_ts ? "kernel" : "user"));
	json_object_set_new(doc, "clock_synchronized",
			    json_boolean(r->cfg.synchronized));
	json_object_set_new(doc, "clock_error_ns",
			    json_integer((json_int_t)r->cfg.error_ns));
	json_object_set_new(doc, "duration_s", json_real(seconds));
	json_object_set_new(doc, "rx_packets",
			    json_integer((json_int_t)c->rx_packets));
	json_object_set_new(doc, "rx_bytes", json_integer((json_int_t)c->rx_bytes));
	json_object_set_new(doc, "reflected",
			    json_integer((json_int_t)c->reflected));
	json_object_set_new(doc, "tx_bytes", json_integer((json_int_t)c->tx_bytes));
	json_object_set_new(doc, "tx_errors",
			    json_integer((json_int_t)c->tx_errors));
	for (int i = STAMP_DROP_SHORT; i < STAMP_DROP_COUNT_; i++)
		json_object_set_new(dropped, stamp_drop_name(i),
				    json_integer((json_int_t)c->dropped[i]));
	json_object_set_new(doc, "dropped", dropped);
	json_object_set_new(doc, "tlv_flagged",
			    json_integer((json_int_t)c->tlv_flagged));
	json_object_set_new(doc, "ptp_replies",
			    json_integer((json_int_t)c->ptp_requests));
	json_object_set_new(doc, "sessions",
			    r->cfg.stateful ?
				    json_integer((json_int_t)c->sessions) :
				    json_null());
	json_object_set_new(doc, "table_evictions",
			    json_integer((json_int_t)c->evicted));
	/* With XDP, the counters above are the socket reflector's (what the
	 * XDP program passed up); the XDP program's own are here. */
	json_object_set_new(doc, "xdp", xdp_json(xdp));
	return doc;
}

static void report_text(FILE *out, const struct stamp_reflector *r,
			double seconds, struct stamp_xdp *xdp)
{
	const struct stamp_reflector_counters *c = &r->c;
	struct stamp_xdp_counters x;

	if (xdp && !stamp_xdp_read(xdp, &x))
		fprintf(out,
			"stamp-reflect: %s: %llu received, %llu reflected in "
			"XDP, %llu passed to the socket, %llu over the rate "
			"limit\n",
			stamp_xdp_mode(xdp), (unsigned long long)x.rx_packets,
			(unsigned long long)x.reflected,
			(unsigned long long)x.passed_up,
			(unsigned long long)x.rate_limited);

	fprintf(out,
		"stamp-reflect: %.2f s: %llu received (%llu bytes), %llu "
		"reflected (%llu bytes), %llu send errors\n",
		seconds, (unsigned long long)c->rx_packets,
		(unsigned long long)c->rx_bytes,
		(unsigned long long)c->reflected,
		(unsigned long long)c->tx_bytes,
		(unsigned long long)c->tx_errors);
	fprintf(out, "  refused:");
	for (int i = STAMP_DROP_SHORT; i < STAMP_DROP_COUNT_; i++)
		fprintf(out, " %s %llu", stamp_drop_name(i),
			(unsigned long long)c->dropped[i]);
	fprintf(out, "\n  TLVs flagged U/M %llu, PTP-format replies %llu",
		(unsigned long long)c->tlv_flagged,
		(unsigned long long)c->ptp_requests);
	if (r->cfg.stateful)
		fprintf(out, ", sessions %llu", (unsigned long long)c->sessions);
	else
		fprintf(out, ", sessions not tracked (stateless)");
	fprintf(out, "\n");
}

static bool finished(const struct test_spec *sp, uint64_t received,
		     uint64_t start, uint64_t last_rx, uint64_t now)
{
	if (sp->duration_ns && now - start >= sp->duration_ns)
		return true;
	if (sp->count && received >= sp->count)
		return true;
	return sp->idle_timeout_ns && last_rx &&
	       now - last_rx >= sp->idle_timeout_ns;
}

/* The counters as a reflect session's, for an observer's live view. */
static void live_snapshot(struct stats_snapshot *snap,
			  const struct stamp_reflector *r, int family,
			  uint64_t now)
{
	const struct stamp_reflector_counters *c = &r->c;
	uint32_t hdr = FRAME_FCS_LEN + FRAME_ETH_HLEN + FRAME_UDP_HLEN +
		       (family == AF_INET6 ? FRAME_IPV6_HLEN : FRAME_IPV4_HLEN);

	snap->taken_ns = now;
	snap->c.rx_packets = c->rx_packets;
	snap->c.rx_bytes = c->rx_bytes + c->rx_packets * hdr;
	snap->c.reflected = c->reflected;
	snap->c.tx_packets = c->reflected;
	snap->c.tx_bytes = c->tx_bytes + c->reflected * hdr;
	snap->c.tx_errors = c->tx_errors;
	snap->c.rx_filtered = c->dropped[STAMP_DROP_FILTERED];
}

int stamp_reflect_run(const struct test_spec *sp,
		      const struct stamp_reflector_config *cfg,
		      atomic_bool *stop, FILE *out, struct lr_err *err)
{
	struct session_observer obs = { .out = out };
	int rc = stamp_reflect_observed(sp, cfg, stop, &obs);

	if (rc)
		lr_err_errno(&obs.err, rc);
	*err = obs.err;
	return rc;
}

int stamp_reflect_observed(const struct test_spec *sp,
			   const struct stamp_reflector_config *cfg,
			   atomic_bool *stop, struct session_observer *obs)
{
	uint8_t *in = malloc(STAMP_MAX_PACKET + 1);
	uint8_t *reply = malloc(STAMP_MAX_PACKET);
	struct stats_snapshot *snap = malloc(sizeof(*snap));
	struct stamp_datagram d = { .buf = in, .cap = STAMP_MAX_PACKET + 1 };
	uint64_t start, now, last_rx = 0, received = 0, xdp_rx = 0, next_live;
	struct report_ctx ctx = { .spec = sp, .backend_name = "udp",
				  .backend_mode = "STAMP reflector "
						  "(recvmsg/sendmsg)" };
	FILE *out = obs->out;
	struct stamp_reflector_config socket_cfg = *cfg;
	struct stamp_xdp_counters xc;
	struct stamp_xdp *xdp = NULL;
	struct stamp_reflector r;
	struct stamp_sock sock;
	unsigned int polls = 0;
	char ep[64];
	int rc = 0;

	if (!in || !reply || !snap) {
		rc = -ENOMEM;
		goto out_free;
	}
	stats_snapshot_init(snap);
	if (!strcmp(sp->backend.name, "xdp")) {
		rc = stamp_xdp_open(&xdp, sp, cfg, &obs->err);
		if (rc)
			goto out_free;
		ctx.backend_name = "xdp";
		/* The XDP program limits every packet's source already. */
		socket_cfg.rate_limit_pps = 0;
	}
	rc = stamp_reflector_init(&r, &socket_cfg);
	if (rc)
		goto out_xdp;
	rc = stamp_sock_open(&sock, &sp->listen, sp->listen_port, NULL, 0,
			     sp->backend.kernel_rx_timestamps);
	if (rc) {
		lr_err_set(&obs->err, rc, NULL,
			   "stamp-reflect: cannot listen on %s: %s",
			   endpoint_format(&sp->listen, sp->listen_port, ep,
					   sizeof(ep)),
			   strerror(-rc));
		stamp_reflector_destroy(&r);
		goto out_xdp;
	}
	if (obs->on_started)
		obs->on_started(obs->arg, &ctx);
	if (out && sp->output == OUTPUT_TEXT) {
		fprintf(out,
			"stamp-reflect: listening on %s, %s, %s, rate limit %s "
			"per source, %s receive timestamps%s%s\n",
			endpoint_format(&sp->listen, sp->listen_port, ep,
					sizeof(ep)),
			cfg->mode == STAMP_MODE_AUTH ? "authenticated" :
						       "unauthenticated",
			cfg->stateful ? "stateful" : "stateless",
			cfg->rate_limit_pps > 0 ? "on" : "off",
			sock.kernel_timestamps ? "kernel" : "user-space",
			xdp ? ", XDP on " : "", xdp ? sp->backend.ifname : "");
		fflush(out);
	}
	start = mono_ns();
	ctx.start_mono_ns = start;
	ctx.start_real_ns = clock_ns(CLOCK_REALTIME);
	next_live = start;
	for (;;) {
		enum stamp_drop drop;
		struct stamp_peer peer;

		now = mono_ns();
		if (obs->on_live && now >= next_live) {
			live_snapshot(snap, &r, sp->listen.family, now);
			obs->on_live(obs->arg, &ctx, snap,
				     (double)(now - start) / 1e9);
			next_live = now + (obs->live_period_ns ?
						   obs->live_period_ns :
						   250 * NSEC_PER_MSEC);
		}
		/* Every packet for the port meets the XDP program first (what
		 * it passes up, the socket sees again): its counters say what
		 * arrived. Read when the socket is quiet and every 256
		 * datagrams, not once per datagram. */
		if (xdp && (rc == 0 || ++polls % 256 == 0) &&
		    !stamp_xdp_read(xdp, &xc) && xc.rx_packets != xdp_rx) {
			xdp_rx = xc.rx_packets;
			last_rx = now;
		}
		received = xdp ? xdp_rx : r.c.rx_packets;
		if (atomic_load(stop) ||
		    finished(sp, received, start, last_rx, now))
			break;
		rc = stamp_sock_recv(&sock, &d, RECV_WAIT_NS);
		if (rc < 0) {
			pr_warn("stamp-reflect: receive: %s\n", strerror(-rc));
			break;
		}
		if (rc == 0)
			continue;
		now = mono_ns();
		last_rx = now;
		peer_from(&peer, &d.peer);
		/* TTL 0 when the kernel did not report one. */
		drop = stamp_reflector_process(&r, d.buf, d.len, d.wire_len,
					       &peer, d.rx_real_ns,
					       d.ttl >= 0 ? (uint8_t)d.ttl : 0,
					       now, clock_ns(CLOCK_REALTIME),
					       reply);
		if (drop != STAMP_OK)
			continue;
		if (stamp_sock_reply(&sock, &d, reply, d.len)) {
			r.c.tx_errors++;
			continue;
		}
		r.c.reflected++;
		r.c.tx_bytes += d.len;
	}
	now = mono_ns();
	/* The observer's last totals are the final ones (the daemon's
	 * /metrics counters take them from here, not from the report). */
	if (obs->on_live) {
		live_snapshot(snap, &r, sp->listen.family, now);
		obs->on_live(obs->arg, &ctx, snap, (double)(now - start) / 1e9);
	}
	if (out && sp->output == OUTPUT_TEXT)
		report_text(out, &r, (double)(now - start) / 1e9, xdp);
	if ((out && sp->output != OUTPUT_TEXT) || obs->want_final) {
		json_t *doc = report_json_doc(sp, &r, sock.kernel_timestamps,
					      (double)(now - start) / 1e9, xdp);

		if (out && sp->output != OUTPUT_TEXT && !obs->final_silent)
			report_json_print(out, doc,
					  sp->output == OUTPUT_JSON_STREAM);
		if (obs->want_final)
			obs->final = doc;
		else
			json_decref(doc);
	}
	if (out)
		fflush(out);
	rc = 0;
	stamp_sock_close(&sock);
	stamp_reflector_destroy(&r);
out_xdp:
	stamp_xdp_close(xdp);
out_free:
	if (rc && obs->on_started)
		obs->on_started(obs->arg, NULL);
	free(in);
	free(reply);
	free(snap);
	return rc;
}

uint32_t stamp_max_payload(const struct test_spec *sp)
{
	uint32_t hdr = FRAME_FCS_LEN + FRAME_ETH_HLEN + FRAME_UDP_HLEN +
		       (sp->listen.family == AF_INET6 ? FRAME_IPV6_HLEN :
							FRAME_IPV4_HLEN);
	uint32_t len = sp->frame_size > hdr ? sp->frame_size - hdr : 0;

	return len > STAMP_MAX_PACKET ? STAMP_MAX_PACKET : len;
}

int stamp_reflect_session(const struct test_spec *sp, bool stateful,
			  atomic_bool *stop, struct session_observer *obs)
{
	struct stamp_reflector_config cfg = {
		.mode = STAMP_MODE_UNAUTH,
		.stateful = stateful,
		.max_len = stamp_max_payload(sp),
		.rate_limit_pps = STAMP_DEFAULT_RATE_LIMIT,
		.rate_burst = STAMP_DEFAULT_RATE_LIMIT / 10,
	};

	lr_err_clear(&obs->err);
	if (cfg.max_len < STAMP_UNAUTH_LEN) {
		lr_err_set(&obs->err, -EINVAL, "size",
			   "stamp-reflect: a %u-byte frame cannot hold a "
			   "STAMP packet",
			   sp->frame_size);
		if (obs->on_started)
			obs->on_started(obs->arg, NULL);
		return -EINVAL;
	}
	/* The daemon's reflector answers its client only: a spoofed source
	 * cannot aim it at a third party. */
	if (sp->has_only_from) {
		cfg.only_from.family = sp->only_from.family;
		memcpy(cfg.only_from.addr, &sp->only_from.v6,
		       sp->only_from.family == AF_INET6 ? 16 : 4);
	}
	stamp_clock_estimate(&cfg.error_ns, &cfg.synchronized,
			     &cfg.tai_offset_ns);
	return stamp_reflect_observed(sp, &cfg, stop, obs);
}
