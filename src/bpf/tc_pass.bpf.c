// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest tc program: `linerate hookcost` attaches it to a clsact
 * ingress hook to measure what the hook itself costs. Direct action,
 * TC_ACT_OK: the packet goes on up the stack untouched and no later filter
 * runs. The name carries the linerate prefix ("lr_") so that a copy left by
 * a killed run is recognised and removed by `linerate cleanup`.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int lr_tc_pass(struct __sk_buff *skb)
{
	(void)skb;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
