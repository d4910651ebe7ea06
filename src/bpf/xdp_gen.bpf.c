// SPDX-License-Identifier: MIT
/*
 * In-kernel traffic generator. User space runs this program with
 * BPF_PROG_RUN and BPF_F_TEST_XDP_LIVE_FRAMES on the interface under test:
 * every repetition gets a copy of the template frame (built by
 * frame_build()), and XDP_TX sends it out of that interface. The program
 * numbers and stamps each frame and keeps the UDP checksum right; it
 * drops (unnumbered, so the receiver sees no gap) what the budget, the
 * deadline or the pacer does not allow.
 *
 * Only the thread that calls BPF_PROG_RUN runs this program instance (a
 * live-frames run executes in the caller's context), so its state is in
 * plain .bss with no per-CPU split: each flow's numbers are unique however
 * the thread migrates.
 */
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/pkt.bpf.h"
#include "bpf/xdp_shared.h"

#define PS_PER_NS 1000ULL
/* Probe fields from the UDP header (8 bytes) plus their payload offset. */
#define OFF_FLOW_ID (8 + 2)
#define OFF_SEQ (8 + 4)
#define OFF_TX_NS (8 + 12)

const volatile struct xdp_gen_config gen_cfg = {};

struct xdp_gen_control gen_ctl = {};
__u64 gen_next_seq[XDP_GEN_MAX_FLOWS] = {};

/* lib/pacer.c's bucket: credit accrues with time, capped at a burst. */
static __always_inline int pacer_allows(__u64 now)
{
	__u64 elapsed;

	if (gen_ctl.credit_ps >= gen_ctl.ps_per_packet)
		return 1;
	if (now > gen_ctl.last_ns) {
		elapsed = now - gen_ctl.last_ns;
		gen_ctl.last_ns = now;
		if (elapsed >= gen_ctl.max_credit_ps / PS_PER_NS + 1)
			gen_ctl.credit_ps = gen_ctl.max_credit_ps;
		else
			gen_ctl.credit_ps += elapsed * PS_PER_NS;
		if (gen_ctl.credit_ps > gen_ctl.max_credit_ps)
			gen_ctl.credit_ps = gen_ctl.max_credit_ps;
	}
	return gen_ctl.credit_ps >= gen_ctl.ps_per_packet;
}

SEC("xdp")
int lr_gen(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	/* Masked so the verifier sees a bound even if it did not fold the
	 * rodata constant. */
	__u8 *udp = (__u8 *)data + (gen_cfg.udp_offset & 0x7f);
	__u64 now, seq, ts, sum;
	__u16 port, flow_id;
	__u32 flow, next;
	int i;

	if (gen_ctl.generated >= gen_ctl.budget)
		return XDP_DROP;
	now = bpf_ktime_get_ns();
	if (gen_ctl.deadline_ns && now >= gen_ctl.deadline_ns)
		return XDP_DROP;
	if (gen_ctl.ps_per_packet) {
		if (!pacer_allows(now)) {
			gen_ctl.not_due++;
			return XDP_DROP;
		}
		gen_ctl.credit_ps -= gen_ctl.ps_per_packet;
	}
	if ((void *)(udp + OFF_TX_NS + 6) > data_end)
		return XDP_ABORTED;
	/* The page may hold what someone else wrote into an earlier frame
	 * (see struct xdp_gen_config): start again from the template. */
#pragma unroll
	for (i = 0; i < XDP_GEN_HEADER_MAX / 8; i++) {
		if (i * 8 >= gen_cfg.header_len)
			break;
		if (data + (i + 1) * 8 > data_end)
			return XDP_ABORTED;
		((__u64 *)data)[i] = gen_cfg.header[i];
	}

	flow = gen_ctl.next_flow & (XDP_GEN_MAX_FLOWS - 1);
	next = flow + 1;
	gen_ctl.next_flow = next >= gen_ctl.flows ? 0 : next;
	seq = gen_next_seq[flow];
	gen_next_seq[flow] = seq + 1;
	ts = (now + gen_ctl.realtime_offset_ns) & XDP_PROBE_TS_MASK;

	/* Big-endian values as they sit in memory: the checksum is summed
	 * over those same words, so no byte swapping is needed for it. */
	port = bpf_htons((__u16)(gen_cfg.src_port + flow));
	*(__u16 *)udp = port;
	flow_id = bpf_htons((__u16)(gen_ctl.flow_base + flow));
	*(__u16 *)(udp + OFF_FLOW_ID) = flow_id;
	seq = bpf_cpu_to_be64(seq);
	*(__u64 *)(udp + OFF_SEQ) = seq;
	*(__u16 *)(udp + OFF_TX_NS) = bpf_htons((__u16)(ts >> 32));
	*(__u32 *)(udp + OFF_TX_NS + 2) = bpf_htonl((__u32)ts);

	/*
	 * RFC 1624 eqn. 3 from the template's checksum: the template has
	 * flow 0's port and zero flow id, seq and stamp, so only the new
	 * words are added and the old port taken out. Every changed field
	 * starts at an even offset from the UDP header, as the checksum's
	 * 16-bit words do; 32-bit pieces fold to the same sum.
	 */
	sum = (__u16)~gen_cfg.template_csum;
	sum += (__u16)~bpf_htons(gen_cfg.src_port);
	sum += port;
	sum += flow_id;
	sum += (seq & 0xffffffff) + (seq >> 32);
	sum += bpf_htons((__u16)(ts >> 32));
	sum += bpf_htonl((__u32)ts);
	*(__u16 *)(udp + 6) = udp_csum_field(sum);

	gen_ctl.generated++;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
