// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <ctype.h>
#include <math.h>

#include "lib/clock.h"
#include "lib/marking.h"
#include "lib/probe.h"
#include "lib/names.h"
#include "lib/spec.h"

void spec_init(struct test_spec *spec, enum role role)
{
	memset(spec, 0, sizeof(*spec));
	spec->role = role;
	/* The fastest path that works here; the report says which ran. */
	snprintf(spec->backend.name, sizeof(spec->backend.name), "auto");
	/* A sender's frame; for a receiver, the largest it expects (the raw
	 * backends size their buffers by it). */
	spec->frame_size = role == ROLE_SEND || role == ROLE_PING ?
				   FRAME_MIN_SIZE :
				   1518;
	spec->rate.kind = RATE_PPS;
	spec->rate.value = role == ROLE_PING ? 100 : 100000;
	spec->flows = 1;
	/* A ping probe should leave when due, not wait to fill a burst. */
	spec->burst = role == ROLE_PING ? 1 : 32;
	spec->interval_ns = NSEC_PER_SEC;
	spec->cpu = -1;
	spec->idle_timeout_ns = 2 * NSEC_PER_SEC;
	spec->wait_ns = NSEC_PER_SEC;
	spec->backend.kernel_rx_timestamps = true;
	spec->backend.queues = 1;
	spec->per_flow_rows = 10; /* FLOWREPORT_DEFAULT_ROWS */
	if (role == ROLE_SEND || role == ROLE_PING)
		spec->duration_ns = role == ROLE_PING ? 0 : 10 * NSEC_PER_SEC;
	if (role == ROLE_PING)
		spec->count = 10;
}

bool spec_run_over(const struct test_spec *spec, bool stopped,
		   uint64_t start_ns, uint64_t now_ns, uint64_t packets,
		   uint64_t last_rx_ns)
{
	bool receives = spec->role == ROLE_RECV || spec->role == ROLE_REFLECT;

	if (stopped)
		return true;
	if (spec->duration_ns && now_ns >= start_ns &&
	    now_ns - start_ns >= spec->duration_ns)
		return true;
	if (spec->count && packets >= spec->count)
		return true;
	/* An arrival stamped after now (another thread's clock read) is no
	 * idle time. */
	return receives && spec->idle_timeout_ns && last_rx_ns &&
	       now_ns > last_rx_ns &&
	       now_ns - last_rx_ns >= spec->idle_timeout_ns;
}

uint32_t spec_catch_up_frames(const struct test_spec *spec, double pps)
{
	double frames;

	switch (spec->catch_up) {
	case CATCH_UP_NONE:
		return 0;
	case CATCH_UP_FRAMES:
		return (uint32_t)spec->catch_up_value;
	case CATCH_UP_TIME:
		if (!(pps > 0))
			return spec->burst;
		frames = floor((double)spec->catch_up_value * pps / 1e9);
		return frames > SPEC_MAX_CATCH_UP_FRAMES ?
			       SPEC_MAX_CATCH_UP_FRAMES :
			       (uint32_t)frames;
	case CATCH_UP_BURST:
		break;
	}
	return spec->burst;
}

int spec_parse_catch_up(struct test_spec *spec, const char *text)
{
	uint64_t v;
	bool digits = *text;

	for (const char *p = text; *p; p++)
		digits &= isdigit((unsigned char)*p) != 0;
	if (!strcmp(text, "none")) {
		spec->catch_up = CATCH_UP_NONE;
		spec->catch_up_value = 0;
		return 0;
	}
	if (digits) {
		if (parse_u64(text, 0, SPEC_MAX_CATCH_UP_FRAMES, &v))
			return -EINVAL;
		spec->catch_up = v ? CATCH_UP_FRAMES : CATCH_UP_NONE;
		spec->catch_up_value = v;
		return 0;
	}
	if (parse_duration(text, &v) || v > SPEC_MAX_CATCH_UP_NS)
		return -EINVAL;
	spec->catch_up = CATCH_UP_TIME;
	spec->catch_up_value = v;
	return 0;
}

const char *spec_catch_up_format(const struct test_spec *spec, char *buf,
				 size_t len)
{
	switch (spec->catch_up) {
	case CATCH_UP_NONE:
		snprintf(buf, len, "none");
		break;
	case CATCH_UP_FRAMES:
		snprintf(buf, len, "%llu frames",
			 (unsigned long long)spec->catch_up_value);
		break;
	case CATCH_UP_TIME:
		snprintf(buf, len, "%.6g ms",
			 (double)spec->catch_up_value / 1e6);
		break;
	case CATCH_UP_BURST:
		snprintf(buf, len, "one burst (%u frames)", spec->burst);
		break;
	}
	return buf;
}

bool spec_backend_known(const char *name)
{
	static const char *const known[] = { "auto", "udp", "afpacket",
					     "afxdp", "xdp" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(name, known[i]))
			return true;
	return false;
}

/* A power of two in lo..hi (both powers of two themselves). */
static bool pow2_within(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v >= lo && v <= hi && !(v & (v - 1));
}

LR_NAME_FN(role_name, enum role,
	   "unknown", [ROLE_SEND] = "send", [ROLE_RECV] = "recv",
	   [ROLE_REFLECT] = "reflect", [ROLE_PING] = "ping")

static int family_of(const struct test_spec *spec)
{
	if (spec->role == ROLE_SEND || spec->role == ROLE_PING)
		return spec->dst.family;
	return spec->listen.family;
}

double spec_target_pps(const struct test_spec *spec)
{
	if (spec->size_mix.count)
		return sizemix_rate_pps(&spec->rate, &spec->size_mix,
					spec->line_rate_bps);
	return rate_to_pps(&spec->rate, spec->frame_size, spec->line_rate_bps);
}

double spec_bps_l1(const struct test_spec *spec, double pps)
{
	if (spec->size_mix.count)
		return pps * (sizemix_mean(&spec->size_mix) + FRAME_L1_OVERHEAD) *
		       8.0;
	return frame_bps_l1(pps, spec->frame_size);
}

int spec_payload_len(const struct test_spec *spec)
{
	struct frame_spec fs = { 0 };

	fs.src.family = fs.dst.family = family_of(spec);
	/* The tag is part of the frame: it takes 4 bytes of the payload. */
	fs.vlan_id = spec->vlan_id;
	fs.vlan_inner_id = spec->vlan_id ? spec->vlan_inner_id : 0;
	return frame_payload_len(&fs, spec->frame_size, PROBE_HDR_LEN);
}

/* The flag (field) and the line, as written: a name the client gave is
 * quoted whole, for the caller to make printable. */
#define FAIL(flag, ...)                                                        \
	return lr_err_set_verbatim(err, -EINVAL, flag, __VA_ARGS__)

int spec_validate(const struct test_spec *spec, struct lr_err *err)
{
	bool sender = spec->role == ROLE_SEND || spec->role == ROLE_PING;

	lr_err_clear(err);
	if (!spec_backend_known(spec->backend.name))
		FAIL("backend",
		     "--backend: unknown backend '%s' (accepted: %s)",
		     spec->backend.name, SPEC_BACKENDS);
	if (spec->backend.queues < 1 || spec->backend.queues > SPEC_MAX_QUEUES)
		FAIL("queues", "--queues: %u is out of range (accepted: 1..%d)",
		     spec->backend.queues, SPEC_MAX_QUEUES);
	if (spec->backend.queues > 1 && spec->role == ROLE_PING)
		FAIL("queues", "--queues: ping runs on one queue");
	if (spec->backend.queues > 1 && spec->role == ROLE_SEND &&
	    spec->flows < spec->backend.queues)
		FAIL("queues",
		     "--queues: %u queues need at least as many --flows",
		     spec->backend.queues);
	if (spec->backend.ring_size &&
	    !pow2_within(spec->backend.ring_size, 64, SPEC_MAX_RING))
		FAIL("ring-size",
		     "--ring-size: %u is not a power of two in 64..%d",
		     spec->backend.ring_size, SPEC_MAX_RING);
	if (spec->backend.umem_frames &&
	    !pow2_within(spec->backend.umem_frames, 256, SPEC_MAX_UMEM_FRAMES))
		FAIL("umem-frames",
		     "--umem-frames: %u is not a power of two in 256..%d",
		     spec->backend.umem_frames, SPEC_MAX_UMEM_FRAMES);
	if (sender) {
		if (spec->dst.family != AF_INET && spec->dst.family != AF_INET6)
			FAIL("dst", "--dst: required, IP:PORT");
		if (!spec->dst_port)
			FAIL("dst", "--dst: a port 1..65535 is required");
		if (spec->has_src && spec->src.family != spec->dst.family)
			FAIL("src", "--src: address family differs from --dst");
	} else {
		if (spec->listen.family != AF_INET &&
		    spec->listen.family != AF_INET6)
			FAIL("listen", "--listen: required, IP:PORT");
		if (!spec->listen_port)
			FAIL("listen", "--listen: a port 1..65535 is required");
	}
	if (spec->frame_size < FRAME_MIN_SIZE ||
	    spec->frame_size > FRAME_MAX_SIZE)
		FAIL("size",
		     "--size: %u is out of range (accepted: %d..%d bytes, "
		     "Ethernet frame incl. FCS)",
		     spec->frame_size, FRAME_MIN_SIZE, FRAME_MAX_SIZE);
	if (sender && spec_payload_len(spec) < 0)
		FAIL("size",
		     "--size: %u is too small for an %s%s probe (minimum %u)",
		     spec->frame_size,
		     family_of(spec) == AF_INET6 ? "IPv6" : "IPv4",
		     spec->vlan_inner_id ? " QinQ-tagged" :
		     spec->vlan_id	 ? " 802.1Q-tagged" :
					   "",
		     (unsigned)(FRAME_FCS_LEN + FRAME_ETH_HLEN +
				(spec->vlan_id ? FRAME_VLAN_HLEN : 0) +
				(spec->vlan_inner_id ? FRAME_VLAN_HLEN : 0) +
				(family_of(spec) == AF_INET6 ?
					 FRAME_IPV6_HLEN :
					 FRAME_IPV4_HLEN) +
				FRAME_UDP_HLEN + PROBE_HDR_LEN));
	if (spec->size_mix.count) {
		struct test_spec smallest = *spec;

		if (spec->role != ROLE_SEND)
			FAIL("size", "--size: a size mix is for send only");
		if (!strcmp(spec->backend.name, "xdp"))
			FAIL("size",
			     "--size: the xdp backend's generator sends one "
			     "frame size (use afxdp, afpacket or udp for a "
			     "mix)");
		smallest.size_mix.count = 0;
		smallest.frame_size = sizemix_min(&spec->size_mix);
		if (spec_payload_len(&smallest) < 0)
			FAIL("size",
			     "--size: the mix's %u-byte frames are too small "
			     "for a probe here",
			     smallest.frame_size);
	}
	if (spec->vlan_id > MARKING_VLAN_ID_MAX ||
	    spec->vlan_pcp > MARKING_PCP_MAX)
		FAIL("vlan",
		     "--vlan: out of range (accepted: ID 1..4094, PCP 0..7)");
	if (spec->vlan_pcp && !spec->vlan_id)
		FAIL("vlan", "--vlan: a priority needs a VLAN ID (ID:PCP)");
	if (spec->vlan_inner_id > MARKING_VLAN_ID_MAX ||
	    spec->vlan_inner_pcp > MARKING_PCP_MAX ||
	    (spec->vlan_inner_pcp && !spec->vlan_inner_id))
		FAIL("vlan",
		     "--vlan: inner tag out of range (accepted: ID 1..4094, "
		     "PCP 0..7)");
	if (spec->vlan_inner_id && !spec->vlan_id)
		FAIL("vlan", "--vlan: an inner tag needs an outer one "
			     "(OUTER[:PCP],INNER[:PCP])");
	if (spec->vlan_id && !sender)
		FAIL("vlan", "--vlan: only a sender tags its frames");
	if (spec->vlan_id && !strcmp(spec->backend.name, "udp"))
		FAIL("vlan",
		     "--vlan: the udp backend cannot tag frames (a socket "
		     "has no 802.1Q header; use a VLAN interface, or "
		     "--backend afpacket, afxdp or xdp)");
	if (spec->tos && !sender)
		FAIL("dscp",
		     "--dscp/--ecn/--tos: only a sender marks its packets");
	if (spec->rate.kind == RATE_PERCENT && !spec->line_rate_bps)
		FAIL("rate",
		     "--rate: a %% rate needs --line-rate (e.g. 10Gbps)");
	if (spec->rate.kind != RATE_MAX &&
	    !(spec->rate.value > 0 &&
	      spec->rate.value <= (spec->rate.kind == RATE_PPS     ? 2e9 :
				   spec->rate.kind == RATE_PERCENT ? 100 :
								     1.6e12)))
		FAIL("rate",
		     "--rate: out of range (accepted: > 0, up to 2 Gpps, "
		     "1.6 Tbit/s or 100%%)");
	if (spec->line_rate_bps > 1600000000000ULL)
		FAIL("line-rate",
		     "--line-rate: out of range (accepted: up to 1.6 Tbit/s)");
	if (spec->duration_ns > 30ULL * 24 * 3600 * NSEC_PER_SEC ||
	    spec->idle_timeout_ns > 30ULL * 24 * 3600 * NSEC_PER_SEC ||
	    spec->wait_ns > 3600ULL * NSEC_PER_SEC)
		FAIL("duration", "--duration/--idle-timeout/--wait: out of "
				 "range (accepted: "
				 "up to 30 days; --wait up to 1h)");
	if (spec->flows < 1 || spec->flows > SPEC_MAX_FLOWS)
		FAIL("flows", "--flows: %u is out of range (accepted: 1..%d)",
		     spec->flows, SPEC_MAX_FLOWS);
	if (spec->src_port && (uint32_t)spec->src_port + spec->flows - 1 > 65535)
		FAIL("src", "--src: port %u + %u flows runs past 65535",
		     spec->src_port, spec->flows);
	if (spec->burst < 1 || spec->burst > SPEC_MAX_BURST)
		FAIL("burst", "--burst: %u is out of range (accepted: 1..%d)",
		     spec->burst, SPEC_MAX_BURST);
	if (spec->interval_ns && spec->interval_ns < 100 * NSEC_PER_MSEC)
		FAIL("interval",
		     "--interval: must be at least 100ms (or 0 for none)");
	if (spec->cpu < -1 || spec->cpu > 4095)
		FAIL("cpu", "--cpu: %d is out of range", spec->cpu);
	if (spec->backend.count_only &&
	    (spec->role != ROLE_RECV || strcmp(spec->backend.name, "xdp")))
		FAIL("count-only", "--count-only: only recv with --backend xdp "
				   "(the in-kernel "
				   "analyzer) counts without accounting");
	if (spec->backend.latency_sample > 1 &&
	    (spec->role != ROLE_RECV || strcmp(spec->backend.name, "xdp") ||
	     spec->backend.count_only))
		FAIL("latency-sample",
		     "--latency-sample: only recv with --backend xdp (the "
		     "in-kernel analyzer, not --count-only) samples; the "
		     "other receivers read the clock once per burst");
	if (spec->backend.latency_sample > SPEC_MAX_LATENCY_SAMPLE ||
	    (spec->backend.latency_sample &
	     (spec->backend.latency_sample - 1)))
		FAIL("latency-sample",
		     "--latency-sample: %u is not a power of two in "
		     "1..%d",
		     spec->backend.latency_sample, SPEC_MAX_LATENCY_SAMPLE);
	if (spec->clock_offset_ns > 86400LL * (int64_t)NSEC_PER_SEC ||
	    spec->clock_offset_ns < -86400LL * (int64_t)NSEC_PER_SEC ||
	    spec->clock_error_ns > 86400ULL * NSEC_PER_SEC)
		FAIL("",
		     "clock offset: out of range (accepted: within one day)");
	if (sender && !spec->duration_ns && !spec->count)
		FAIL("duration",
		     "--duration/--count: a sender needs one of them");
	return 0;
}
