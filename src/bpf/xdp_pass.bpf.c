// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest XDP program. `linerate probe` attaches it to learn whether
 * native and generic XDP attach at all and whether BPF_PROG_RUN takes live
 * frames; it is also the baseline for measuring what an XDP hook costs.
 * Its name carries the linerate prefix ("lr_") so that a copy left behind
 * by a killed run is recognised and removed by `linerate cleanup`.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int lr_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

/*
 * The same, declared multi-buffer aware. Drivers refuse a plain XDP
 * program when the MTU exceeds one page (veth: "Peer MTU is too large to
 * set XDP", as on the MTU 9000 lab); a frags-aware one they take. It never
 * reads the packet, so it is correct for any number of fragments.
 */
SEC("xdp.frags")
int lr_pass_frags(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

/* GPL so the kernel lets later variants use GPL-only helpers. */
char LICENSE[] SEC("license") = "GPL";
