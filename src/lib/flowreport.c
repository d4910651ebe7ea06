// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/flowreport.h"
#include "lib/marking.h"
#include "lib/strbuf.h"

void flowreport_set_latency(struct flow_result *r, const struct hist *h)
{
	r->has_latency = h && h->count;
	if (!r->has_latency)
		return;
	r->latency_min = h->min;
	r->latency_mean = hist_mean(h);
	r->latency_p50 = hist_percentile(h, 50);
	r->latency_p90 = hist_percentile(h, 90);
	r->latency_p99 = hist_percentile(h, 99);
	r->latency_max = h->max;
}

static int cmp_source(const struct flow_result *a, const struct flow_result *b)
{
	int c;

	if (a->src.family != b->src.family)
		return a->src.family < b->src.family ? -1 : 1;
	c = a->src.family == AF_INET6 ?
		    memcmp(&a->src.v6, &b->src.v6, sizeof(a->src.v6)) :
		    memcmp(&a->src.v4, &b->src.v4, sizeof(a->src.v4));
	if (c)
		return c;
	if (a->src_port != b->src_port)
		return a->src_port < b->src_port ? -1 : 1;
	if (a->flow_id != b->flow_id)
		return a->flow_id < b->flow_id ? -1 : 1;
	return 0;
}

static int cmp_source_qsort(const void *a, const void *b)
{
	return cmp_source(a, b);
}

static int cmp_loss_qsort(const void *pa, const void *pb)
{
	const struct flow_result *a = pa, *b = pb;

	if (a->lost != b->lost)
		return a->lost > b->lost ? -1 : 1;
	return cmp_source(a, b);
}

void flowreport_sort_by_loss(struct flow_result *flows, size_t n)
{
	if (n > 1)
		qsort(flows, n, sizeof(*flows), cmp_loss_qsort);
}

void flowreport_sort_by_source(struct flow_result *flows, size_t n)
{
	if (n > 1)
		qsort(flows, n, sizeof(*flows), cmp_source_qsort);
}

/* The names of the values whose bits are set in mask (0..max), joined
 * by "+": "EF", "EF+CS0" (remarked part-way); "" when not seen. */
static const char *
seen_list(char *buf, size_t len, bool seen, uint64_t mask, unsigned int max,
	  const char *(*name)(uint8_t v, char *tmp, size_t tmp_len))
{
	struct strbuf sb;

	strbuf_init_fixed(&sb, buf, len);
	if (!seen)
		return buf;
	for (unsigned int v = 0; v <= max && strbuf_ok(&sb); v++) {
		char tmp[8];

		if (!(mask & (1ULL << v)))
			continue;
		strbuf_sep(&sb, "+");
		strbuf_printf(&sb, "%s", name((uint8_t)v, tmp, sizeof(tmp)));
	}
	return buf;
}

static const char *ecn_name(uint8_t ecn, char *tmp, size_t tmp_len)
{
	(void)tmp;
	(void)tmp_len;
	return marking_ecn_name(ecn);
}

static const char *dscp_list(const struct flow_result *r, char *buf, size_t len)
{
	return seen_list(buf, len, r->tos_seen, r->dscp_seen, MARKING_DSCP_MAX,
			 marking_dscp_name);
}

static const char *ecn_list(const struct flow_result *r, char *buf, size_t len)
{
	return seen_list(buf, len, r->tos_seen, r->ecn_seen, MARKING_ECN_MAX,
			 ecn_name);
}

const char *flowreport_name(const struct flow_result *r, char *buf,
			    size_t len)
{
	char addr[INET6_ADDRSTRLEN], dscp[128];
	struct strbuf sb;

	strbuf_init_fixed(&sb, buf, len);
	ip_addr_format(&r->src, addr, sizeof(addr));
	strbuf_printf(&sb, r->src.family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		      addr, r->src_port);
	dscp_list(r, dscp, sizeof(dscp));
	if (dscp[0])
		strbuf_printf(&sb, " %s", dscp);
	if (r->vlan_seen && r->vlan_inner_id)
		strbuf_printf(&sb, " vlan %u,%u", r->vlan_id, r->vlan_inner_id);
	else if (r->vlan_seen)
		strbuf_printf(&sb, " vlan %u", r->vlan_id);
	return buf;
}

static json_t *names_json(const struct flow_result *r, bool dscp)
{
	json_t *a;

	if (!r->tos_seen)
		return json_null();
	a = json_array();
	for (unsigned int v = 0; v <= (dscp ? MARKING_DSCP_MAX : MARKING_ECN_MAX);
	     v++) {
		char name[8];

		if (dscp && (r->dscp_seen & (1ULL << v)))
			json_array_append_new(a, json_string(marking_dscp_name(
						 (uint8_t)v, name, sizeof(name))));
		if (!dscp && (r->ecn_seen & (1u << v)))
			json_array_append_new(a, json_string(
						 marking_ecn_name((uint8_t)v)));
	}
	return a;
}

static json_t *latency_json(const struct flow_result *r, bool valid)
{
	json_t *o;

	if (!valid || !r->has_latency)
		return json_null();
	o = json_object();
	json_object_set_new(o, "min", json_integer((json_int_t)r->latency_min));
	json_object_set_new(o, "mean", json_real(r->latency_mean));
	json_object_set_new(o, "p50", json_integer((json_int_t)r->latency_p50));
	json_object_set_new(o, "p90", json_integer((json_int_t)r->latency_p90));
	json_object_set_new(o, "p99", json_integer((json_int_t)r->latency_p99));
	json_object_set_new(o, "max", json_integer((json_int_t)r->latency_max));
	return o;
}

json_t *flowreport_json(struct flow_result *flows, size_t n,
			bool latency_valid)
{
	json_t *a = json_array();

	flowreport_sort_by_source(flows, n);
	for (size_t i = 0; i < n; i++) {
		const struct flow_result *r = &flows[i];
		char addr[INET6_ADDRSTRLEN], name[192];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(flowreport_name(
						       r, name, sizeof(name))));
		json_object_set_new(o, "src", json_string(ip_addr_format(
						      &r->src, addr, sizeof(addr))));
		json_object_set_new(o, "src_port", json_integer(r->src_port));
		json_object_set_new(o, "flow_id", json_integer(r->flow_id));
		json_object_set_new(o, "packets",
				    json_integer((json_int_t)r->received));
		json_object_set_new(o, "expected",
				    json_integer((json_int_t)r->expected));
		json_object_set_new(o, "lost", json_integer((json_int_t)r->lost));
		json_object_set_new(o, "loss_ratio",
				    r->expected ? json_real((double)r->lost /
							    (double)r->expected) :
						  json_null());
		json_object_set_new(o, "reordered",
				    json_integer((json_int_t)r->reordered));
		json_object_set_new(o, "duplicates",
				    json_integer((json_int_t)r->duplicates));
		json_object_set_new(o, "late", json_integer((json_int_t)r->late));
		json_object_set_new(o, "dscp", names_json(r, true));
		json_object_set_new(o, "ecn", names_json(r, false));
		json_object_set_new(o, "vlan", r->vlan_seen ?
						       json_integer(r->vlan_id) :
						       json_null());
		json_object_set_new(o, "vlan_inner",
				    r->vlan_seen && r->vlan_inner_id ?
					    json_integer(r->vlan_inner_id) :
					    json_null());
		json_object_set_new(o, "vlan_pcp",
				    r->vlan_seen ? json_integer(r->vlan_pcp) :
						   json_null());
		json_object_set_new(o, "vlan_inner_pcp",
				    r->vlan_seen && r->vlan_inner_id ?
					    json_integer(r->vlan_inner_pcp) :
					    json_null());
		json_object_set_new(o, "latency_ns", latency_json(r, latency_valid));
		json_object_set_new(o, "jitter_rfc3550_ns",
				    r->received >= 2 ?
					    json_real(r->jitter_rfc3550_ns) :
					    json_null());
		json_array_append_new(a, o);
	}
	return a;
}

/* A CSV field as RFC 4180 has it: quoted, its quotes doubled, when it
 * holds a comma, a quote or a line break (a QinQ name: "vlan 100,200"). */
static const char *csv_field(const char *s, char *buf, size_t len)
{
	struct strbuf sb;

	if (!strpbrk(s, ",\"\r\n"))
		return s;
	strbuf_init_fixed(&sb, buf, len);
	strbuf_printf(&sb, "\"");
	for (; *s; s++)
		strbuf_printf(&sb, *s == '"' ? "\"\"" : "%c", *s);
	strbuf_printf(&sb, "\"");
	return buf;
}

int flowreport_csv(FILE *out, struct flow_result *flows, size_t n,
		   bool latency_valid)
{
	flowreport_sort_by_source(flows, n);
	fprintf(out, "name,src,src_port,flow_id,packets,expected,lost,"
		     "loss_ratio,reordered,duplicates,late,dscp,ecn,vlan,"
		     "latency_min_ns,latency_p50_ns,latency_p90_ns,"
		     "latency_p99_ns,latency_max_ns,jitter_rfc3550_ns,"
		     "vlan_inner,vlan_pcp,vlan_inner_pcp\n");
	for (size_t i = 0; i < n; i++) {
		const struct flow_result *r = &flows[i];
		bool lat = latency_valid && r->has_latency;
		char name[192], field[400], addr[INET6_ADDRSTRLEN], dscp[128];
		char ecn[40];
		char loss[32] = "", vlan[8] = "", jitter[32] = "";
		char inner[8] = "", pcp[4] = "", inner_pcp[4] = "";
		char l[5][24] = { "", "", "", "", "" };

		if (r->expected)
			snprintf(loss, sizeof(loss), "%.9g",
				 (double)r->lost / (double)r->expected);
		if (r->vlan_seen)
			snprintf(vlan, sizeof(vlan), "%u", r->vlan_id);
		if (r->vlan_seen && r->vlan_inner_id)
			snprintf(inner, sizeof(inner), "%u", r->vlan_inner_id);
		if (r->vlan_seen)
			snprintf(pcp, sizeof(pcp), "%u", r->vlan_pcp & 7u);
		if (r->vlan_seen && r->vlan_inner_id)
			snprintf(inner_pcp, sizeof(inner_pcp), "%u",
				 r->vlan_inner_pcp & 7u);
		if (r->received >= 2)
			snprintf(jitter, sizeof(jitter), "%.0f",
				 r->jitter_rfc3550_ns);
		if (lat) {
			snprintf(l[0], sizeof(l[0]), "%llu",
				 (unsigned long long)r->latency_min);
			snprintf(l[1], sizeof(l[1]), "%llu",
				 (unsigned long long)r->latency_p50);
			snprintf(l[2], sizeof(l[2]), "%llu",
				 (unsigned long long)r->latency_p90);
			snprintf(l[3], sizeof(l[3]), "%llu",
				 (unsigned long long)r->latency_p99);
			snprintf(l[4], sizeof(l[4]), "%llu",
				 (unsigned long long)r->latency_max);
		}
		fprintf(out,
			"%s,%s,%u,%u,%llu,%llu,%llu,%s,%llu,%llu,%llu,%s,%s,%s,"
			"%s,%s,%s,%s,%s,%s,%s,%s,%s\n",
			csv_field(flowreport_name(r, name, sizeof(name)), field,
				  sizeof(field)),
			ip_addr_format(&r->src, addr, sizeof(addr)),
			r->src_port, r->flow_id,
			(unsigned long long)r->received,
			(unsigned long long)r->expected,
			(unsigned long long)r->lost, loss,
			(unsigned long long)r->reordered,
			(unsigned long long)r->duplicates,
			(unsigned long long)r->late,
			dscp_list(r, dscp, sizeof(dscp)),
			ecn_list(r, ecn, sizeof(ecn)), vlan, l[0], l[1], l[2],
			l[3], l[4], jitter, inner, pcp, inner_pcp);
	}
	return ferror(out) ? -EIO : 0;
}

static const char *ns_text(bool valid, uint64_t ns, char *buf, size_t len)
{
	if (!valid)
		snprintf(buf, len, "-");
	else if (ns >= 10000000)
		snprintf(buf, len, "%.1fms", (double)ns / 1e6);
	else if (ns >= 10000)
		snprintf(buf, len, "%.1fus", (double)ns / 1e3);
	else
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	return buf;
}

void flowreport_text(FILE *out, struct flow_result *flows, size_t n,
		     uint32_t rows, bool latency_valid)
{
	size_t shown = n < rows ? n : rows;

	if (!n || !rows)
		return;
	flowreport_sort_by_loss(flows, n);
	fprintf(out, "  per flow (%zu flow%s, most lost first):\n", n,
		n == 1 ? "" : "s");
	fprintf(out, "    %-34s %10s %10s %8s %8s %9s %9s %-8s %s\n", "flow",
		"packets", "lost", "loss%", "reord", "p50", "p99", "ecn",
		"pcp");
	for (size_t i = 0; i < shown; i++) {
		const struct flow_result *r = &flows[i];
		bool lat = latency_valid && r->has_latency;
		char name[192], p50[16], p99[16], ecn[40], loss[16], pcp[8];

		if (r->expected)
			snprintf(loss, sizeof(loss), "%.3f",
				 100.0 * (double)r->lost / (double)r->expected);
		else
			snprintf(loss, sizeof(loss), "-");
		ecn_list(r, ecn, sizeof(ecn));
		/* The tags' priorities, QinQ's outer,inner; - untagged */
		if (r->vlan_seen && r->vlan_inner_id)
			snprintf(pcp, sizeof(pcp), "%u,%u", r->vlan_pcp & 7u,
				 r->vlan_inner_pcp & 7u);
		else if (r->vlan_seen)
			snprintf(pcp, sizeof(pcp), "%u", r->vlan_pcp & 7u);
		else
			snprintf(pcp, sizeof(pcp), "-");
		fprintf(out,
			"    %-34s %10llu %10llu %8s %8llu %9s %9s %-8s %s\n",
			flowreport_name(r, name, sizeof(name)),
			(unsigned long long)r->received,
			(unsigned long long)r->lost, loss,
			(unsigned long long)r->reordered,
			ns_text(lat, r->latency_p50, p50, sizeof(p50)),
			ns_text(lat, r->latency_p99, p99, sizeof(p99)),
			ecn[0] ? ecn : "not seen", pcp);
	}
	if (n > shown)
		fprintf(out, "    ... %zu more flow%s (--per-flow all lists "
			     "them; --json has every flow)\n",
			n - shown, n - shown == 1 ? "" : "s");
}
