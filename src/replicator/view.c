// SPDX-License-Identifier: MIT
/*
 * Views of the replicator's counters: the JSON of GET /v1/replicator and
 * of the final report (--json), the text report, Prometheus /metrics.
 * Every packet received is accounted for:
 *
 *   rx.packets = replicated + not_replicated.total + return_path.returned
 *   tx.packets + tx.dropped = (copies due to subscribers) + returned
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/prom.h"
#include "lib/prom_labels.h"
#include "lib/strbuf.h"
#include "replicator/replicator.h"
#include "lib/units.h"

static json_t *json_u64(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX :
						      (json_int_t)v);
}

static double seconds_of(const struct replicator *r)
{
	uint64_t end = r->end_mono_ns ? r->end_mono_ns : mono_ns();

	if (!r->start_mono_ns || end <= r->start_mono_ns)
		return 0;
	return (double)(end - r->start_mono_ns) / 1e9;
}

static double rate(uint64_t n, double s)
{
	return s > 0 ? (double)n / s : 0;
}

static uint64_t not_replicated(const struct repl_counters *c)
{
	return c->no_subscribers + c->not_udp + c->other_address +
	       c->other_port + c->malformed + c->too_big + c->from_subscriber +
	       c->return_no_feed;
}

json_t *replicator_sub_json(struct replicator *r, const struct subscriber *s,
			    const struct sub_counters *c, bool active,
			    uint64_t removed_real_ns)
{
	char ip[INET6_ADDRSTRLEN];
	json_t *o = json_object();

	(void)r;
	json_object_set_new(o, "id", json_u64(s->id));
	json_object_set_new(
		o, "address",
		json_string(ip_addr_format(&s->target.addr, ip, sizeof(ip))));
	json_object_set_new(o, "port", json_integer(s->target.port));
	json_object_set_new(o, "active", json_boolean(active));
	json_object_set_new(o, "added_unix_ns", json_u64(s->added_real_ns));
	if (removed_real_ns)
		json_object_set_new(o, "removed_unix_ns",
				    json_u64(removed_real_ns));
	json_object_set_new(o, "sent", json_u64(c->sent));
	json_object_set_new(o, "dropped", json_u64(c->dropped));
	json_object_set_new(o, "bytes", json_u64(c->bytes));
	return o;
}

struct list_arg {
	struct replicator *r;
	json_t *array;
	uint32_t count;
};

static void list_active(const struct sub_set *set, void *arg)
{
	struct list_arg *la = arg;

	la->count = set->count;
	for (uint32_t i = 0; i < set->count; i++) {
		struct sub_counters c;

		replicator_sub_counters(la->r, &set->subs[i], &c);
		json_array_append_new(
			la->array,
			replicator_sub_json(la->r, &set->subs[i], &c, true, 0));
	}
}

json_t *replicator_subscribers_json(struct replicator *r)
{
	struct list_arg la = {.r = r, .array = json_array()};

	subs_with_current(&r->subs, list_active, &la);
	return json_pack("{so sI sI}", "subscribers", la.array, "count",
			 (json_int_t)la.count, "max",
			 (json_int_t)r->cfg.max_subscribers);
}

static json_t *removed_json(struct replicator *r)
{
	json_t *a = json_array();

	pthread_mutex_lock(&r->view_lock);
	for (uint32_t i = 0; i < r->nremoved; i++)
		json_array_append_new(
			a, replicator_sub_json(
				   r, &r->removed[i].sub, &r->removed[i].c,
				   false, r->removed[i].sub.removed_real_ns));
	pthread_mutex_unlock(&r->view_lock);
	return a;
}

static json_t *kernel_json(const char *stats)
{
	json_t *o = json_object();
	const char *p = stats;
	char name[48];
	unsigned long long v;
	int used;

	while (p && sscanf(p, " %47[a-z0-9_]=%llu%n", name, &v, &used) == 2) {
		json_object_set_new(o, name, json_u64(v));
		p += used;
	}
	return o;
}

static void iso_time(uint64_t real_ns, char *buf, size_t len)
{
	time_t t = (time_t)(real_ns / NSEC_PER_SEC);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *replicator_json(struct replicator *r, bool final)
{
	struct list_arg la = {.r = r, .array = json_array()};
	json_t *o = json_object(), *b, *nr, *subs;
	struct repl_counters c;
	double s = seconds_of(r);
	char ip[INET6_ADDRSTRLEN], when[32];
	uint64_t dropped;

	replicator_totals(r, &c);
	dropped = c.tx_ring_full + c.tx_errors;
	json_object_set_new(o, "linerate", json_string("1"));
	json_object_set_new(o, "role", json_string("replicate"));
	json_object_set_new(o, "final", json_boolean(final));
	b = json_pack("{ss ss sI}", "name",
		      r->backend_name ? r->backend_name : "?", "mode", r->mode,
		      "queues", (json_int_t)(r->nworkers ? r->nworkers : 1));
	if (r->note[0])
		json_object_set_new(b, "note", json_string(r->note));
	if (r->ifname[0])
		json_object_set_new(b, "interface", json_string(r->ifname));
	if (r->kernel_stats[0])
		json_object_set_new(b, "kernel", kernel_json(r->kernel_stats));
	json_object_set_new(o, "backend", b);
	{
		json_t *cfg = json_pack(
			"{ss sI sI sI sb sb}", "listen",
			ip_addr_format(&r->cfg.listen, ip, sizeof(ip)),
			"listen_port", (json_int_t)r->cfg.listen_port,
			"max_subscribers", (json_int_t)r->cfg.max_subscribers,
			"max_frame_size", (json_int_t)r->cfg.max_frame,
			"return_path", r->cfg.return_path, "allow_multicast",
			r->cfg.allow_multicast);
		json_t *ports = json_null();

		/* The local ports subscribers may use, as [lo, hi] pairs;
		 * null: none (no --allow-local). */
		if (cfg && r->cfg.allow_local) {
			ports = json_array();
			for (uint32_t i = 0; i < r->cfg.nlocal_ports; i++)
				json_array_append_new(
					ports,
					json_pack("[II]",
						  (json_int_t)r->cfg.local_ports[i].lo,
						  (json_int_t)r->cfg.local_ports[i].hi));
		}
		if (cfg)
			json_object_set_new(cfg, "allow_local", ports);
		else
			json_decref(ports);
		json_object_set_new(o, "config", cfg);
	}
	iso_time(r->start_real_ns, when, sizeof(when));
	json_object_set_new(o, "start_time", json_string(when));
	json_object_set_new(o, "duration_s", json_real(s));
	json_object_set_new(o, "rx",
			    json_pack("{so so sf so}", "packets",
				      json_u64(c.rx_packets), "bytes",
				      json_u64(c.rx_bytes), "pps",
				      rate(c.rx_packets, s), "errors",
				      json_u64(c.rx_errors)));
	json_object_set_new(o, "replicated", json_u64(c.replicated));
	nr = json_object();
	json_object_set_new(nr, "total", json_u64(not_replicated(&c)));
	json_object_set_new(nr, "no_subscribers", json_u64(c.no_subscribers));
	json_object_set_new(nr, "not_udp", json_u64(c.not_udp));
	json_object_set_new(nr, "other_address", json_u64(c.other_address));
	json_object_set_new(nr, "other_port", json_u64(c.other_port));
	json_object_set_new(nr, "malformed", json_u64(c.malformed));
	json_object_set_new(nr, "too_big", json_u64(c.too_big));
	json_object_set_new(nr, "from_subscriber", json_u64(c.from_subscriber));
	json_object_set_new(nr, "return_no_feed", json_u64(c.return_no_feed));
	json_object_set_new(o, "not_replicated", nr);
	json_object_set_new(
		o, "tx",
		json_pack("{so so sf sf so so so}", "packets",
			  json_u64(c.tx_packets), "bytes", json_u64(c.tx_bytes),
			  "pps", rate(c.tx_packets, s), "bps_l2",
			  rate(c.tx_bytes, s) * 8, "dropped", json_u64(dropped),
			  "ring_full", json_u64(c.tx_ring_full), "refused",
			  json_u64(c.tx_errors)));
	json_object_set_new(o, "return_path",
			    json_pack("{sb so}", "enabled", r->cfg.return_path,
				      "returned", json_u64(c.returned)));
	subs_with_current(&r->subs, list_active, &la);
	subs = json_object();
	json_object_set_new(subs, "count", json_integer(la.count));
	json_object_set_new(subs, "max", json_integer(r->cfg.max_subscribers));
	json_object_set_new(subs, "active", la.array);
	json_object_set_new(subs, "removed", removed_json(r));
	pthread_mutex_lock(&r->view_lock);
	json_object_set_new(subs, "removed_total", json_u64(r->removed_total));
	if (r->removed_total > r->nremoved)
		json_object_set_new(
			subs, "removed_older",
			json_pack("{so so so}", "sent",
				  json_u64(r->removed_older.sent), "dropped",
				  json_u64(r->removed_older.dropped), "bytes",
				  json_u64(r->removed_older.bytes)));
	pthread_mutex_unlock(&r->view_lock);
	json_object_set_new(o, "subscribers", subs);
	json_object_set_new(
		o, "api",
		json_pack("{so so so}", "added",
			  json_u64(__atomic_load_n(&r->api_added,
						   __ATOMIC_RELAXED)),
			  "removed",
			  json_u64(__atomic_load_n(&r->api_removed,
						   __ATOMIC_RELAXED)),
			  "refused",
			  json_u64(__atomic_load_n(&r->api_refused,
						   __ATOMIC_RELAXED))));
	return o;
}

/* ---- text */

static void text_sub(FILE *out, const struct subscriber *s,
		     const struct sub_counters *c, const char *tag)
{
	char ip[INET6_ADDRSTRLEN], ep[INET6_ADDRSTRLEN + 8];

	ip_addr_format(&s->target.addr, ip, sizeof(ip));
	snprintf(ep, sizeof(ep),
		 s->target.addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
		 s->target.port);
	fprintf(out, "  %-28s %12llu %10llu %15llu%s\n", ep,
		(unsigned long long)c->sent, (unsigned long long)c->dropped,
		(unsigned long long)c->bytes, tag);
}

struct text_arg {
	struct replicator *r;
	FILE *out;
};

static void text_active(const struct sub_set *set, void *arg)
{
	struct text_arg *ta = arg;

	for (uint32_t i = 0; i < set->count; i++) {
		struct sub_counters c;

		replicator_sub_counters(ta->r, &set->subs[i], &c);
		text_sub(ta->out, &set->subs[i], &c, "");
	}
}

void replicator_text_final(struct replicator *r, FILE *out)
{
	struct text_arg ta = {r, out};
	struct repl_counters c;
	double s = seconds_of(r);
	char a[32], b[32];

	replicator_totals(r, &c);
	fprintf(out, "- - - - - - - - - - - - - - - - - - - - - - - - -\n");
	fprintf(out, "replicated %.2f s, backend %s (%s)\n", s,
		r->backend_name ? r->backend_name : "?", r->mode);
	if (r->note[0])
		fprintf(out, "  note: %s\n", r->note);
	fprintf(out, "  received       %12llu  %s\n",
		(unsigned long long)c.rx_packets,
		format_si(rate(c.rx_packets, s), "pps", false, a, sizeof(a)));
	fprintf(out, "  replicated     %12llu\n",
		(unsigned long long)c.replicated);
	fprintf(out,
		"  not replicated %12llu  (no subscribers %llu, not UDP %llu, "
		"other address %llu, other port %llu, malformed %llu, too big "
		"%llu, from a subscriber %llu, no feed to return to %llu)\n",
		(unsigned long long)not_replicated(&c),
		(unsigned long long)c.no_subscribers,
		(unsigned long long)c.not_udp,
		(unsigned long long)c.other_address,
		(unsigned long long)c.other_port,
		(unsigned long long)c.malformed, (unsigned long long)c.too_big,
		(unsigned long long)c.from_subscriber,
		(unsigned long long)c.return_no_feed);
	if (r->cfg.return_path)
		fprintf(out, "  returned       %12llu\n",
			(unsigned long long)c.returned);
	fprintf(out,
		"  sent           %12llu  %s, %s L2; dropped %llu (ring full "
		"%llu, refused %llu)\n",
		(unsigned long long)c.tx_packets,
		format_si(rate(c.tx_packets, s), "pps", false, a, sizeof(a)),
		format_si(rate(c.tx_bytes, s) * 8, "bps", false, b, sizeof(b)),
		(unsigned long long)(c.tx_ring_full + c.tx_errors),
		(unsigned long long)c.tx_ring_full,
		(unsigned long long)c.tx_errors);
	if (r->kernel_stats[0])
		fprintf(out, "  kernel: %s\n", r->kernel_stats);
	fprintf(out, "  %-28s %12s %10s %15s\n", "subscriber", "sent",
		"dropped", "bytes");
	subs_with_current(&r->subs, text_active, &ta);
	pthread_mutex_lock(&r->view_lock);
	for (uint32_t i = 0; i < r->nremoved; i++)
		text_sub(out, &r->removed[i].sub, &r->removed[i].c,
			 "  (removed)");
	if (r->removed_total > r->nremoved)
		fprintf(out,
			"  and %llu removed earlier: sent %llu, dropped %llu\n",
			(unsigned long long)(r->removed_total - r->nremoved),
			(unsigned long long)r->removed_older.sent,
			(unsigned long long)r->removed_older.dropped);
	pthread_mutex_unlock(&r->view_lock);
}

void replicator_text_interval(struct replicator *r, FILE *out,
			      struct repl_counters *prev, double from_s,
			      double to_s)
{
	struct repl_counters c;
	double s = to_s - from_s;
	char a[32], b[32];
	uint32_t count;

	replicator_totals(r, &c);
	pthread_mutex_lock(&r->subs.lock);
	count = atomic_load(&r->subs.current)->count;
	pthread_mutex_unlock(&r->subs.lock);
	fprintf(out,
		"[%6.2f-%6.2f s] rx %s  tx %s  subscribers %u  dropped %llu  "
		"not replicated %llu\n",
		from_s, to_s,
		format_si(rate(c.rx_packets - prev->rx_packets, s), "pps", true,
			  a, sizeof(a)),
		format_si(rate(c.tx_packets - prev->tx_packets, s), "pps", true,
			  b, sizeof(b)),
		count,
		(unsigned long long)(c.tx_ring_full + c.tx_errors -
				     prev->tx_ring_full - prev->tx_errors),
		(unsigned long long)(not_replicated(&c) -
				     not_replicated(prev)));
	*prev = c;
}

/* ---- Prometheus */

/* A family of one series, named linerate_replicator_NAME. */
static void metric(struct strbuf *tb, const char *name, const char *type,
		   const char *help, uint64_t v)
{
	char full[96];

	snprintf(full, sizeof(full), "linerate_replicator_%s", name);
	prom_metric(tb, full, type, help, v);
}

struct metrics_arg {
	struct replicator *r;
	struct strbuf *tb;
	int which; /* 0 sent, 1 dropped, 2 bytes */
};

static void metrics_subs(const struct sub_set *set, void *arg)
{
	struct metrics_arg *ma = arg;

	for (uint32_t i = 0; i < set->count; i++) {
		const struct subscriber *s = &set->subs[i];
		struct sub_counters c;
		char ip[INET6_ADDRSTRLEN];
		uint64_t v;

		replicator_sub_counters(ma->r, s, &c);
		v = ma->which == 0 ? c.sent :
		    ma->which == 1 ? c.dropped :
				     c.bytes;
		strbuf_printf(
			ma->tb,
			"linerate_replicator_subscriber_%s_total{id=\"%llu\","
			"address=\"%s\",port=\"%u\"} %llu\n",
			ma->which == 0 ? "sent" :
			ma->which == 1 ? "dropped" :
					 "bytes",
			(unsigned long long)s->id,
			ip_addr_format(&s->target.addr, ip, sizeof(ip)),
			s->target.port, (unsigned long long)v);
	}
}

char *replicator_metrics(struct replicator *r, const char *extra)
{
	static const char *const sub_help[] = {
		"Copies sent to a subscriber",
		"Copies for a subscriber that could not be sent",
		"Frame bytes (L2 incl. FCS) sent to a subscriber",
	};
	struct strbuf tb;
	struct repl_counters c;
	uint32_t count;

	if (strbuf_init_heap(&tb, 8192))
		return NULL;
	replicator_totals(r, &c);
	pthread_mutex_lock(&r->subs.lock);
	count = atomic_load(&r->subs.current)->count;
	pthread_mutex_unlock(&r->subs.lock);
	metric(&tb, "up", "gauge", "The replicator is running.", 1);
	metric(&tb, "subscribers", "gauge", "Current subscribers.", count);
	metric(&tb, "max_subscribers", "gauge", "The subscriber limit.",
	       r->cfg.max_subscribers);
	metric(&tb, "rx_packets_total", "counter",
	       "Packets the backend handed over.", c.rx_packets);
	metric(&tb, "rx_bytes_total", "counter",
	       "Frame bytes received (L2 incl. FCS).", c.rx_bytes);
	metric(&tb, "replicated_total", "counter",
	       "Packets sent on to the subscribers.", c.replicated);
	{
		const struct prom_labelled nr[] = {
			{"no_subscribers", c.no_subscribers},
			{"not_udp", c.not_udp},
			{"other_address", c.other_address},
			{"other_port", c.other_port},
			{"malformed", c.malformed},
			{"too_big", c.too_big},
			{"from_subscriber", c.from_subscriber},
			{"return_no_feed", c.return_no_feed},
		};

		PROM_FAMILY_BY(
			&tb, "linerate_replicator_not_replicated_total",
			"counter",
			"Packets received and not replicated, by reason.",
			"reason", nr);
	}
	metric(&tb, "returned_total", "counter",
	       "Subscribers' packets sent back to the feed source.",
	       c.returned);
	metric(&tb, "tx_packets_total", "counter", "Copies sent.",
	       c.tx_packets);
	metric(&tb, "tx_bytes_total", "counter",
	       "Frame bytes sent (L2 incl. FCS).", c.tx_bytes);
	prom_family(&tb, "linerate_replicator_tx_dropped_total", "counter",
		    "Copies not sent, by reason.");
	prom_series(&tb, "linerate_replicator_tx_dropped_total", "reason",
		    "ring_full", c.tx_ring_full);
	prom_series(&tb, "linerate_replicator_tx_dropped_total", "reason",
		    "refused", c.tx_errors);
	for (int which = 0; which < 3; which++) {
		struct metrics_arg ma = {r, &tb, which};
		const char *name = which == 0 ? "sent" :
				   which == 1 ? "dropped" :
						"bytes";

		strbuf_printf(
			&tb,
			"# HELP linerate_replicator_subscriber_%s_total %s.\n"
			"# TYPE linerate_replicator_subscriber_%s_total "
			"counter\n",
			name, sub_help[which], name);
		subs_with_current(&r->subs, metrics_subs, &ma);
	}
	pthread_mutex_lock(&r->view_lock);
	metric(&tb, "removed_subscribers_total", "counter",
	       "Subscribers removed.", r->removed_total);
	pthread_mutex_unlock(&r->view_lock);
	if (extra)
		strbuf_printf(&tb, "%s", extra);
	return strbuf_detach(&tb);
}
