// SPDX-License-Identifier: MIT
/*
 * linerate mesh output: matrices as text tables, one JSON document, CSV
 * rows, and an SVG heatmap through gnuplot. Rows are senders (pingers),
 * columns receivers (reflectors). A pair that was not planned is "-"
 * (null); a pair that failed shows its error; a figure that was not
 * measured is "not measured" (null).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gnuplot.h"
#include "lib/report.h"
#include "lib/textio.h"
#include "mesh/mesh.h"

enum metric { METRIC_PPS, METRIC_LOSS, METRIC_P50, METRIC_P99, METRIC_SENT,
	      METRIC_RECEIVED, METRIC_LOST };

/* The cell's figure, or a negative number when it has none. */
static double metric_value(const struct mesh_cell *c, enum metric m)
{
	switch (m) {
	case METRIC_PPS:
		return c->pps;
	case METRIC_LOSS:
		return c->loss_ratio;
	case METRIC_P50:
		return (double)c->latency_p50_ns;
	case METRIC_P99:
		return (double)c->latency_p99_ns;
	case METRIC_SENT:
		return (double)c->sent;
	case METRIC_RECEIVED:
		return (double)c->received;
	default:
		return (double)c->lost;
	}
}

static void format_metric(double v, enum metric m, char *buf, size_t len)
{
	if (v < 0) {
		snprintf(buf, len, "n/m");
		return;
	}
	switch (m) {
	case METRIC_LOSS:
		snprintf(buf, len, "%.3f%%", 100 * v);
		break;
	case METRIC_P50:
	case METRIC_P99:
		report_format_ns(v, buf, len);
		break;
	case METRIC_PPS:
		snprintf(buf, len, "%.0f", v);
		break;
	default:
		snprintf(buf, len, "%.0f", v);
	}
}

static void print_matrix(FILE *out, const char *title, enum metric m,
			 const struct mesh_config *cfg,
			 const struct mesh_result *res, int *errors)
{
	int w = 12;

	for (int h = 0; h < cfg->nhosts; h++)
		if ((int)strlen(cfg->hosts[h].name) + 2 > w)
			w = (int)strlen(cfg->hosts[h].name) + 2;
	fprintf(out, "%s (rows send, columns receive):\n", title);
	fprintf(out, "  %-*s", w, "");
	for (int r = 0; r < cfg->nhosts; r++)
		fprintf(out, "%*s", w, cfg->hosts[r].name);
	fputc('\n', out);
	for (int s = 0; s < cfg->nhosts; s++) {
		fprintf(out, "  %-*s", w, cfg->hosts[s].name);
		for (int r = 0; r < cfg->nhosts; r++) {
			const struct mesh_cell *c = &res->cell[s][r];
			char buf[48];

			if (!c->planned)
				snprintf(buf, sizeof(buf), "-");
			else if (!c->ok)
				snprintf(buf, sizeof(buf), "ERR%d", errors[s * MESH_MAX_HOSTS + r]);
			else
				format_metric(metric_value(c, m), m, buf, sizeof(buf));
			fprintf(out, "%*s", w, buf);
		}
		fputc('\n', out);
	}
}

void mesh_print_text(FILE *out, const struct mesh_config *cfg,
		     const struct mesh_result *res)
{
	static int errors[MESH_MAX_HOSTS * MESH_MAX_HOSTS];
	bool rtt = cfg->mode == MESH_RTT;
	int nerr = 0, planned = 0;
	char rate[48];

	for (int s = 0; s < cfg->nhosts; s++)
		for (int r = 0; r < cfg->nhosts; r++) {
			const struct mesh_cell *c = &res->cell[s][r];

			planned += c->planned;
			errors[s * MESH_MAX_HOSTS + r] = c->planned && !c->ok ? ++nerr : 0;
		}
	fprintf(out, "mesh: %d hosts, %s, %s, %s; %u-byte frames at %s, %s each; "
		     "%d pairs, %d failed, %.1f s\n",
		cfg->nhosts, mesh_topology_names[cfg->topology],
		mesh_mode_names[cfg->mode], cfg->parallel ? "in parallel" : "in turns",
		cfg->frame_size, rate_format(&cfg->rate, rate, sizeof(rate)),
		cfg->count ? "by count" : "by duration", planned, nerr,
		res->elapsed_s);
	print_matrix(out, rtt ? "replies/s" : "received pps", METRIC_PPS, cfg, res, errors);
	print_matrix(out, rtt ? "sent (pings)" : "sent (packets)", METRIC_SENT, cfg, res, errors);
	print_matrix(out, rtt ? "received (replies)" : "received (packets)",
		     METRIC_RECEIVED, cfg, res, errors);
	print_matrix(out, "loss", METRIC_LOSS, cfg, res, errors);
	print_matrix(out, rtt ? "rtt p50" : "one-way latency p50", METRIC_P50, cfg, res, errors);
	print_matrix(out, rtt ? "rtt p99" : "one-way latency p99", METRIC_P99, cfg, res, errors);
	if (!rtt)
		fprintf(out, "(n/m: not measured; one-way latency needs the "
			     "servers' clock offsets known)\n");
	for (int s = 0; s < cfg->nhosts; s++)
		for (int r = 0; r < cfg->nhosts; r++)
			if (errors[s * MESH_MAX_HOSTS + r])
				fprintf(out, "ERR%d %s -> %s: %s\n",
					errors[s * MESH_MAX_HOSTS + r],
					cfg->hosts[s].name, cfg->hosts[r].name,
					res->cell[s][r].error);
}

static json_t *num_or_null(double v)
{
	return v < 0 ? json_null() : json_real(v);
}

static json_t *int_or_null(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

json_t *mesh_json(const struct mesh_config *cfg, const struct mesh_result *res)
{
	json_t *doc = json_object(), *hosts = json_array(), *cells = json_array();
	json_t *matrix = json_object();
	static const struct {
		const char *name;
		enum metric m;
		bool integer;
	} mats[] = {
		{ "pps", METRIC_PPS, false },
		{ "sent", METRIC_SENT, true },
		{ "received", METRIC_RECEIVED, true },
		{ "lost", METRIC_LOST, true },
		{ "loss_ratio", METRIC_LOSS, false },
		{ "latency_p50_ns", METRIC_P50, true },
		{ "latency_p99_ns", METRIC_P99, true },
	};
	int failed = 0;

	for (int h = 0; h < cfg->nhosts; h++) {
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(cfg->hosts[h].name));
		json_object_set_new(o, "api", json_string(cfg->hosts[h].api));
		json_object_set_new(o, "error", res->host_error[h][0] ?
					json_string(res->host_error[h]) : json_null());
		json_array_append_new(hosts, o);
	}
	for (size_t k = 0; k < sizeof(mats) / sizeof(mats[0]); k++) {
		json_t *rows = json_array();

		for (int s = 0; s < cfg->nhosts; s++) {
			json_t *row = json_array();

			for (int r = 0; r < cfg->nhosts; r++) {
				const struct mesh_cell *c = &res->cell[s][r];
				double v = metric_value(c, mats[k].m);

				if (!c->planned || !c->ok)
					json_array_append_new(row, json_null());
				else if (mats[k].integer)
					json_array_append_new(row, int_or_null((int64_t)v));
				else
					json_array_append_new(row, num_or_null(v));
			}
			json_array_append_new(rows, row);
		}
		json_object_set_new(matrix, mats[k].name, rows);
	}
	for (int s = 0; s < cfg->nhosts; s++)
		for (int r = 0; r < cfg->nhosts; r++) {
			const struct mesh_cell *c = &res->cell[s][r];
			json_t *o;

			if (!c->planned)
				continue;
			o = json_object();
			json_object_set_new(o, "from", json_string(cfg->hosts[s].name));
			json_object_set_new(o, "to", json_string(cfg->hosts[r].name));
			json_object_set_new(o, "ok", json_boolean(c->ok));
			json_object_set_new(o, "error", c->ok ? json_null() :
							       json_string(c->error));
			json_object_set_new(o, "sent", c->ok ? int_or_null(c->sent) : json_null());
			json_object_set_new(o, "received", c->ok ? int_or_null(c->received) : json_null());
			json_object_set_new(o, "lost", c->ok ? int_or_null(c->lost) : json_null());
			json_object_set_new(o, "loss_ratio", c->ok ? num_or_null(c->loss_ratio) : json_null());
			json_object_set_new(o, "pps", c->ok ? num_or_null(c->pps) : json_null());
			json_object_set_new(o, "latency_p50_ns", c->ok ? int_or_null(c->latency_p50_ns) : json_null());
			json_object_set_new(o, "latency_p99_ns", c->ok ? int_or_null(c->latency_p99_ns) : json_null());
			json_object_set_new(o, "latency_kind",
					    json_string(cfg->mode == MESH_RTT ? "rtt" : "one-way"));
			if (c->sender_report)
				json_object_set(o, "sender_report", c->sender_report);
			if (c->receiver_report)
				json_object_set(o, "receiver_report", c->receiver_report);
			json_array_append_new(cells, o);
			failed += !c->ok;
		}
	json_object_set_new(doc, "mode", json_string(mesh_mode_names[cfg->mode]));
	json_object_set_new(doc, "topology", json_string(mesh_topology_names[cfg->topology]));
	json_object_set_new(doc, "parallel", json_boolean(cfg->parallel));
	json_object_set_new(doc, "size", json_integer(cfg->frame_size));
	json_object_set_new(doc, "hosts", hosts);
	json_object_set_new(doc, "matrix", matrix);
	json_object_set_new(doc, "cells", cells);
	json_object_set_new(doc, "failed", json_integer(failed));
	json_object_set_new(doc, "elapsed_s", json_real(res->elapsed_s));
	json_object_set_new(doc, "ok", json_boolean(failed == 0));
	return doc;
}

/* A CSV field: quoted, quotes doubled. */
static void csv_quoted(FILE *out, const char *s)
{
	textio_put_quoted(out, s, '"');
}

static void csv_num(FILE *out, double v, bool integer)
{
	if (v < 0)
		fputc(',', out);
	else if (integer)
		fprintf(out, ",%.0f", v);
	else
		fprintf(out, ",%.6g", v);
}

void mesh_print_csv(FILE *out, const struct mesh_config *cfg,
		    const struct mesh_result *res)
{
	fprintf(out, "from,to,mode,ok,sent,received,lost,loss_ratio,pps,"
		     "latency_p50_ns,latency_p99_ns,error\n");
	for (int s = 0; s < cfg->nhosts; s++)
		for (int r = 0; r < cfg->nhosts; r++) {
			const struct mesh_cell *c = &res->cell[s][r];

			if (!c->planned)
				continue;
			fprintf(out, "%s,%s,%s,%s", cfg->hosts[s].name,
				cfg->hosts[r].name, mesh_mode_names[cfg->mode],
				c->ok ? "true" : "false");
			/* Empty fields: not measured (or the pair failed). */
			csv_num(out, c->ok ? (double)c->sent : -1, true);
			csv_num(out, c->ok ? (double)c->received : -1, true);
			csv_num(out, c->ok ? (double)c->lost : -1, true);
			csv_num(out, c->ok ? c->loss_ratio : -1, false);
			csv_num(out, c->ok ? c->pps : -1, false);
			csv_num(out, c->ok ? (double)c->latency_p50_ns : -1, true);
			csv_num(out, c->ok ? (double)c->latency_p99_ns : -1, true);
			fputc(',', out);
			if (!c->ok)
				csv_quoted(out, c->error);
			fputc('\n', out);
		}
}

static void write_heatmap(FILE *f, const char *path, enum metric m,
			  const struct mesh_config *cfg,
			  const struct mesh_result *res)
{
	const char *title = m == METRIC_LOSS ? "loss (%)" :
			    m == METRIC_PPS  ? "received pps" :
			    cfg->mode == MESH_RTT ? "rtt p50 (us)" :
						    "one-way latency p50 (us)";
	int n = cfg->nhosts, size = 160 + 70 * n;

	fprintf(f, "set terminal svg size %d,%d dynamic font 'Sans,11' "
		   "background rgb 'white'\nset output ",
		size + 120, size);
	gnuplot_quoted(f, path);
	fprintf(f, "\nset title 'linerate mesh, %s, %s: %s' noenhanced\n",
		mesh_mode_names[cfg->mode], mesh_topology_names[cfg->topology], title);
	fprintf(f, "set xlabel 'receiver'\nset ylabel 'sender'\n"
		   "set xrange [-0.5:%d.5]\nset yrange [%d.5:-0.5]\n"
		   "set palette defined (0 '#1a9850', 0.5 '#fee08b', 1 '#d73027')\n"
		   "set cbrange [0:*]\nset datafile missing 'NaN'\nset tics scale 0\n",
		n - 1, n - 1);
	fprintf(f, "set xtics (");
	for (int h = 0; h < n; h++) {
		fprintf(f, "%s", h ? ", " : "");
		gnuplot_quoted(f, cfg->hosts[h].name);
		fprintf(f, " %d", h);
	}
	fprintf(f, ")\nset ytics (");
	for (int h = 0; h < n; h++) {
		fprintf(f, "%s", h ? ", " : "");
		gnuplot_quoted(f, cfg->hosts[h].name);
		fprintf(f, " %d", h);
	}
	fprintf(f, ")\n$m << EOD\n");
	/* x y value label: NaN (blank) where there is nothing to show. */
	for (int s = 0; s < n; s++)
		for (int r = 0; r < n; r++) {
			const struct mesh_cell *c = &res->cell[s][r];
			double v = c->planned && c->ok ? metric_value(c, m) : -1;
			char label[48];

			if (v >= 0 && m == METRIC_LOSS)
				v *= 100;
			else if (v >= 0 && (m == METRIC_P50 || m == METRIC_P99))
				v /= 1e3;
			if (!c->planned)
				snprintf(label, sizeof(label), "-");
			else if (!c->ok)
				snprintf(label, sizeof(label), "error");
			else if (v < 0)
				snprintf(label, sizeof(label), "n/m");
			else
				snprintf(label, sizeof(label), "%.4g", v);
			if (v < 0)
				fprintf(f, "%d %d NaN %s\n", r, s, label);
			else
				fprintf(f, "%d %d %.6g %s\n", r, s, v, label);
		}
	/* One filled box a cell: `with image` needs a complete grid, and
	 * the diagonal (and failed pairs) are holes in it. */
	fprintf(f, "EOD\nset style fill solid 1.0 noborder\n"
		   "plot $m using 1:2:(0.5):(0.5):3 with boxxyerror lc palette "
		   "notitle, $m using 1:2:4 with labels notitle\n");
}

struct heatmap_args {
	const char *path;
	enum metric m;
	const struct mesh_config *cfg;
	const struct mesh_result *res;
};

static void heatmap_script(FILE *f, void *arg)
{
	const struct heatmap_args *h = arg;

	write_heatmap(f, h->path, h->m, h->cfg, h->res);
}

int mesh_write_csv(const char *path, const struct mesh_config *cfg,
		   const struct mesh_result *res, struct lr_err *err)
{
	FILE *f;
	int rc;

	rc = textio_open(&f, path, "w", err);
	if (rc)
		return rc;
	mesh_print_csv(f, cfg, res);
	if (fclose(f)) {
		rc = -errno;
		return lr_err_set(err, rc, NULL, "%s", strerror(-rc));
	}
	return 0;
}

int mesh_plot_svg(const char *path, const char *metric,
		  const struct mesh_config *cfg, const struct mesh_result *res,
		  struct lr_err *err)
{
	struct heatmap_args h = {
		.path = path,
		.m = !strcmp(metric, "pps")	  ? METRIC_PPS :
		     !strcmp(metric, "latency") ? METRIC_P50 :
						  METRIC_LOSS,
		.cfg = cfg,
		.res = res,
	};

	return gnuplot_run("--svg", heatmap_script, &h, err);
}
