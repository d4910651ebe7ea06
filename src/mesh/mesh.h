/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_MESH_H
#define LINERATE_MESH_H

/*
 * linerate mesh: tests between N linerate servers, driven through their
 * JSON API from here (no agent of our own: any `linerate server` is a
 * target). For each pair one server's session sends (a source, or a ping)
 * and the other's receives (a sink, or a reflector); the result is a
 * matrix indexed [sender][receiver].
 */

#include <jansson.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "api/client.h"
#include "lib/err.h"
#include "lib/units.h"

#define MESH_MAX_HOSTS 32

struct mesh_host {
	char name[32];
	char api[128]; /* HOST[:PORT] of its API */
	char token_file[PATH_MAX]; /* "": the command line's --token-file */
};

enum mesh_topology {
	MESH_FULL = 0, /* every ordered pair */
	MESH_TO_ONE, /* every other host to the hub */
	MESH_FROM_ONE, /* the hub to every other host */
};

enum mesh_mode {
	MESH_FORWARD = 0, /* the pair's client sends to its server */
	MESH_REVERSE, /* the server sends to the client */
	MESH_RTT, /* the client pings the server's reflector */
};

extern const char *const mesh_mode_names[];
extern const char *const mesh_topology_names[];

struct mesh_config {
	struct mesh_host hosts[MESH_MAX_HOSTS];
	int nhosts;
	enum mesh_topology topology;
	int hub; /* for MESH_TO_ONE / MESH_FROM_ONE */
	enum mesh_mode mode;
	bool parallel; /* all pairs at once, else one after the other */
	/* The traffic of each pair. */
	unsigned int frame_size;
	struct rate rate;
	uint64_t count; /* packets per pair; 0: by duration */
	uint64_t duration_ns; /* 0: by count */
	unsigned int flows;
	char backend[16]; /* the servers' data path */
	/* The API. */
	struct api_client_opts api; /* token_file: for hosts without one */
	long timeout_ms;
};

/* One pair's outcome. Numbers that were not measured are negative. */
struct mesh_cell {
	bool planned;
	bool ok;
	char error[256];
	int64_t sent, received, lost;
	double loss_ratio, pps;
	int64_t latency_p50_ns, latency_p99_ns; /* one-way, or rtt */
	json_t *sender_report, *receiver_report;
};

struct mesh_result {
	int nhosts;
	char host_error[MESH_MAX_HOSTS][256]; /* "" when the host answered */
	struct mesh_cell cell[MESH_MAX_HOSTS][MESH_MAX_HOSTS];
	double elapsed_s;
};

void mesh_config_init(struct mesh_config *cfg);

/*
 * Read a hosts file: one host a line, "NAME HOST[:PORT] [TOKEN_FILE]",
 * '#' starts a comment. Names are unique, 1..31 of [A-Za-z0-9._-].
 * Returns 0, or -EINVAL with "FILE:LINE: why" in err.
 */
int mesh_hosts_read(FILE *f, const char *path, struct mesh_host *hosts, int max,
		    int *nhosts, struct lr_err *err);

/* The hosts file at path into cfg (mesh_hosts_read): 0, or -errno with
 * "cannot read PATH: why" or "PATH:LINE: why" in err. */
int mesh_hosts_load(struct mesh_config *cfg, const char *path,
		    struct lr_err *err);
/* The index of the host called name, or -ENOENT. */
int mesh_host_find(const struct mesh_config *cfg, const char *name);

/* The planned pairs: sender row, receiver column. */
void mesh_plan(const struct mesh_config *cfg, struct mesh_result *res);

/* Run every planned pair. A host that is down or refuses the token fails
 * its cells (the error in each) and the rest runs. Returns the number of
 * cells that failed, or -EINTR when stopped. */
int mesh_run(const struct mesh_config *cfg, atomic_bool *stop,
	     struct mesh_result *res);
void mesh_result_free(struct mesh_result *res);

/* Output: mesh_output.c */
void mesh_print_text(FILE *out, const struct mesh_config *cfg,
		     const struct mesh_result *res);
json_t *mesh_json(const struct mesh_config *cfg, const struct mesh_result *res);
void mesh_print_csv(FILE *out, const struct mesh_config *cfg,
		    const struct mesh_result *res);
/* The CSV into the file at path: 0, or -errno with why in err. */
int mesh_write_csv(const char *path, const struct mesh_config *cfg,
		   const struct mesh_result *res, struct lr_err *err);
/* A heatmap of one metric ("loss", "pps", "latency") through gnuplot. */
int mesh_plot_svg(const char *path, const char *metric,
		  const struct mesh_config *cfg, const struct mesh_result *res,
		  struct lr_err *err);

#endif
