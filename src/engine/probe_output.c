// SPDX-License-Identifier: MIT
/*
 * The probe's report (probe.h): aligned text lines, or one JSON object.
 */
#include <jansson.h>
#include <stdio.h>

#include "engine/probe.h"

static void format_mac(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

static void print_check(FILE *out, const char *label,
			const struct probe_check *c)
{
	fprintf(out, "%-14s %s%s%s%s\n", label, probe_check_word(c->state),
		c->detail[0] ? " (" : "", c->detail, c->detail[0] ? ")" : "");
}

void probe_print_text(FILE *out, const struct probe_result *r)
{
	char mac[18];

	format_mac(r->iface.src_mac, mac);
	fprintf(out, "%-14s %s (index %d)\n", "interface", r->iface.ifname,
		r->iface.ifindex);
	if (r->have_drv)
		fprintf(out, "%-14s %s %s%s%s\n", "driver", r->drv.driver,
			r->drv.version, r->drv.bus_info[0] ? ", bus " : "",
			r->drv.bus_info);
	else
		fprintf(out, "%-14s unknown (no ethtool driver info)\n",
			"driver");
	fprintf(out, "%-14s %s\n", "mac", mac);
	fprintf(out, "%-14s %u\n", "mtu", r->iface.mtu);
	fprintf(out, "%-14s rx %u, tx %u\n", "queues", r->iface.rx_queues,
		r->iface.tx_queues);
	if (!r->n_attached)
		fprintf(out, "%-14s none\n", "attached");
	for (unsigned int i = 0; i < r->n_attached; i++)
		fprintf(out, "%-14s %s (id %u, %s mode, %s)\n",
			i ? "" : "attached", r->attached[i].name,
			r->attached[i].id, r->attached[i].mode,
			r->attached[i].linerate ?
				"linerate's: a running test, or a leftover "
				"`linerate cleanup` removes" :
				"foreign");
	print_check(out, "native XDP", &r->native);
	print_check(out, "generic XDP", &r->generic);
	print_check(out, "AF_XDP zc", &r->zero_copy);
	print_check(out, "AF_XDP copy", &r->copy);
	print_check(out, "live frames", &r->live_frames);
	print_check(out, "AF_PACKET", &r->afpacket);
	for (size_t k = 0; k < PROBE_ROLE_COUNT; k++) {
		const struct probe_auto_pick *p = &r->picks[probe_roles[k]];
		char label[24];

		snprintf(label, sizeof(label), "auto %s",
			 role_name(probe_roles[k]));
		fprintf(out, "%-14s %s%s%s%s\n", label, p->backend,
			p->reason[0] ? " (" : "", p->reason,
			p->reason[0] ? ")" : "");
	}
}

/* frags_only is a fact about XDP attaches only. */
static json_t *check_json(const struct probe_check *c, bool xdp)
{
	json_t *supported = c->state == CHECK_UNTESTED ?
				    json_null() :
				    json_boolean(c->state == CHECK_YES);

	json_t *o = json_pack("{s:o, s:s}", "supported", supported, "detail",
			      c->detail);

	if (o && xdp)
		json_object_set_new(o, "frags_only",
				    json_boolean(c->frags_only));
	return o;
}

json_t *probe_json(const struct probe_result *r)
{
	json_t *attached, *picks;
	char mac[18];

	format_mac(r->iface.src_mac, mac);
	attached = json_array();
	for (unsigned int i = 0; attached && i < r->n_attached; i++)
		json_array_append_new(
			attached,
			json_pack("{s:s, s:I, s:s, s:s}", "mode",
				  r->attached[i].mode, "id",
				  (json_int_t)r->attached[i].id, "name",
				  r->attached[i].name, "owner",
				  r->attached[i].linerate ? "linerate" :
							    "foreign"));
	picks = json_object();
	for (size_t k = 0; picks && k < PROBE_ROLE_COUNT; k++) {
		const struct probe_auto_pick *p = &r->picks[probe_roles[k]];

		json_object_set_new(picks, role_name(probe_roles[k]),
				    json_pack("{s:s, s:s}", "backend",
					      p->backend, "refused",
					      p->reason));
	}
	return json_pack("{s:s, s:i, s:{s:s?, s:s?, s:s?, s:s?}, s:s, s:I, "
			 "s:I, s:I, s:o, s:o, s:o, s:{s:o, s:o}, s:o, s:o, "
			 "s:o}",
			 "interface", r->iface.ifname, "ifindex",
			 r->iface.ifindex, "driver", "name",
			 r->have_drv ? r->drv.driver : NULL, "version",
			 r->have_drv ? r->drv.version : NULL, "firmware",
			 r->have_drv ? r->drv.fw_version : NULL, "bus",
			 r->have_drv ? r->drv.bus_info : NULL, "mac", mac,
			 "mtu", (json_int_t)r->iface.mtu, "rx_queues",
			 (json_int_t)r->iface.rx_queues, "tx_queues",
			 (json_int_t)r->iface.tx_queues, "attached", attached,
			 "native_xdp", check_json(&r->native, true),
			 "generic_xdp", check_json(&r->generic, true), "afxdp",
			 "zero_copy", check_json(&r->zero_copy, false), "copy",
			 check_json(&r->copy, false), "live_frames",
			 check_json(&r->live_frames, false), "afpacket",
			 check_json(&r->afpacket, false), "auto", picks);
}
