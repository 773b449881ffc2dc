// SPDX-License-Identifier: GPL-2.0
/*
 * CPU checks. Seeds: Meituan's talk (binding QEMU to a node), the libvirt
 * note (cache sharing, NUMA pinning: 16% for a JVM, 30-40% in SPEC
 * CPU2006), the OpenStack case (32 sockets x 1 core, host-model without
 * an L3: 70% CPU, 10% after the fix).
 */
#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "util.h"

#define NO_THREADS	"vCPU threads unknown: no KVM debugfs and no \"CPU n/KVM\" thread names (-name debug-threads=on)"

static const char * const tid_src[] = {
	[KVMAUDIT_TID_NONE] = "none",
	[KVMAUDIT_TID_DEBUGFS] = "debugfs",
	[KVMAUDIT_TID_COMM] = "comm",
};

/* vcpuN_tid, vcpuN_cpus, vcpuN_nodes for each vCPU; false if one is unknown */
static bool vcpu_evidence(struct kvmaudit *a, struct kvmaudit_result *r,
			  const struct kvmaudit_vm *vm)
{
	struct kvmaudit_cpus nodes;
	char key[48], list[256];
	unsigned int i;
	bool all = vm->nr_vcpus > 0;

	for (i = 0; i < vm->nr_vcpus; i++) {
		const struct kvmaudit_vcpu *c = &vm->vcpus[i];

		snprintf(key, sizeof(key), "vcpu%u_tid", c->id);
		if (!c->tid) {
			kvmaudit_ev(r, key, "unknown");
			all = false;
			continue;
		}
		kvmaudit_ev(r, key, "%d/%s", c->tid, tid_src[c->src]);
		kvmaudit_cpus_print(&c->allowed, list, sizeof(list));
		snprintf(key, sizeof(key), "vcpu%u_cpus", c->id);
		kvmaudit_ev(r, key, "%s", list);
		kvmaudit_host_nodes_of(&a->host, &c->allowed, &nodes);
		kvmaudit_cpus_print(&nodes, list, sizeof(list));
		snprintf(key, sizeof(key), "vcpu%u_nodes", c->id);
		kvmaudit_ev(r, key, "%s", list);
	}
	return all;
}

/* The node holding most of the VM's memory, else its first vCPU's, else 0. */
static int best_node(const struct kvmaudit *a, const struct kvmaudit_vm *vm)
{
	struct kvmaudit_cpus nodes;
	unsigned int i;
	int best = -1;

	for (i = 0; i < vm->nr_node_kib; i++)
		if (vm->node_kib[i] && (best < 0 || vm->node_kib[i] > vm->node_kib[best]))
			best = i;
	if (best >= 0)
		return best;
	if (vm->nr_vcpus && vm->vcpus[0].tid) {
		kvmaudit_host_nodes_of(&a->host, &vm->vcpus[0].allowed, &nodes);
		best = kvmaudit_cpus_next(&nodes, -1);
	}
	return best < 0 ? 0 : best;
}

static void pin_fix(struct kvmaudit *a, struct kvmaudit_result *r,
		    const struct kvmaudit_vm *vm)
{
	struct kvmaudit_str tids = { 0 };
	char list[256];
	unsigned int i;
	int node = best_node(a, vm);

	for (i = 0; i < a->host.nr_nodes; i++)
		if ((int)a->host.nodes[i].id == node)
			kvmaudit_cpus_print(&a->host.nodes[i].cpus, list, sizeof(list));
	for (i = 0; i < vm->nr_vcpus; i++)
		kvmaudit_str_add(&tids, "%s%d", i ? " " : "", vm->vcpus[i].tid);
	kvmaudit_fix(r,
		     "for t in %s; do taskset -pc %s $t; done (node %d); at start: numactl --cpunodebind=%d --membind=%d qemu-system-x86_64 ...; libvirt <vcpupin> and <numatune>",
		     kvmaudit_str_get(&tids), list, node, node, node);
	kvmaudit_str_free(&tids);
}

KVMAUDIT_CHECK(kvmaudit_check_vcpu_node)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, vm->name, NULL);
	struct kvmaudit_cpus nodes, all_nodes;
	bool spans = false;
	unsigned int i;
	char list[256];

	kvmaudit_ev_u64(r, "nodes", a->host.nr_nodes);
	if (!vcpu_evidence(a, r, vm)) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP, NO_THREADS);
		return;
	}
	if (a->host.nr_nodes < 2) {
		kvmaudit_verdict(r, KVMAUDIT_PASS, "one NUMA node");
		return;
	}
	kvmaudit_cpus_clear(&all_nodes);
	for (i = 0; i < vm->nr_vcpus; i++) {
		kvmaudit_host_nodes_of(&a->host, &vm->vcpus[i].allowed, &nodes);
		spans |= kvmaudit_cpus_count(&nodes) > 1;
		kvmaudit_cpus_or(&all_nodes, &nodes);
	}
	kvmaudit_cpus_print(&all_nodes, list, sizeof(list));
	if (kvmaudit_cpus_count(&all_nodes) == 1) {
		kvmaudit_verdict(r, KVMAUDIT_PASS, "every vCPU thread runs on node %s", list);
		return;
	}
	if (spans)
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "vCPU threads not pinned to a node: the scheduler moves them across nodes %s, away from their memory",
				 list);
	else
		kvmaudit_verdict(r, KVMAUDIT_FAIL,
				 "vCPUs pinned to different nodes (%s): 30-40%% slower than on one node in the libvirt note",
				 list);
	pin_fix(a, r, vm);
}

KVMAUDIT_CHECK(kvmaudit_check_cache_share)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, vm->name, NULL);
	struct kvmaudit_cpus cpus, nodes;
	unsigned int n = vm->nr_vcpus;
	const char *want;
	char list[256];
	bool ok;

	if (!kvmaudit_vm_vcpu_cpus(vm, &cpus)) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP, NO_THREADS);
		return;
	}
	kvmaudit_cpus_print(&cpus, list, sizeof(list));
	kvmaudit_ev_u64(r, "vcpus", n);
	kvmaudit_ev(r, "cpus", "%s", list);
	kvmaudit_ev_u64(r, "threads_per_core", a->host.threads_per_core);
	kvmaudit_ev_u64(r, "cpus_per_package", a->host.cpus_per_package);
	if (n <= a->host.threads_per_core) {
		want = "core";
		ok = kvmaudit_host_one_core(&a->host, &cpus);
	} else if (n <= a->host.cpus_per_package) {
		want = "package";
		ok = kvmaudit_host_one_package(&a->host, &cpus);
	} else {
		want = "node";
		kvmaudit_host_nodes_of(&a->host, &cpus, &nodes);
		ok = kvmaudit_cpus_count(&nodes) == 1;
	}
	kvmaudit_ev(r, "within", "%s", want);
	if (ok) {
		kvmaudit_verdict(r, KVMAUDIT_PASS,
				 "its %u vCPU%s run%s within one %s and share its caches",
				 n, n == 1 ? "" : "s", n == 1 ? "s" : "", want);
		return;
	}
	kvmaudit_verdict(r, KVMAUDIT_WARN,
			 "its %u vCPU%s may run on CPUs %s, more than one %s: no shared %s (16%% for a JVM in the libvirt note)",
			 n, n == 1 ? "" : "s", list, want, !strcmp(want, "core") ? "L2" : "L3");
	kvmaudit_fix(r,
		     "pin its vCPU threads within one %s (taskset -pc, libvirt <vcpu cpuset=...> or <vcpupin>)",
		     want);
}

KVMAUDIT_CHECK(kvmaudit_check_topology)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, vm->name, NULL);
	const struct kvmaudit_qemu *q = &vm->qemu;
	struct kvmaudit_cpus cpus, nodes;
	unsigned int spanned = 0;

	if (!vm->is_qemu) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP,
				 "not QEMU (%s): its command line is not understood",
				 vm->comm);
		return;
	}
	kvmaudit_ev_u64(r, "vcpus", q->cpus);
	kvmaudit_ev_u64(r, "sockets", q->sockets);
	kvmaudit_ev_u64(r, "cores", q->cores);
	kvmaudit_ev_u64(r, "threads", q->threads);
	kvmaudit_ev_u64(r, "guest_nodes", q->numa_nodes);
	kvmaudit_ev(r, "smp", "%s", q->smp_given ? "given" : "default");
	if (kvmaudit_vm_vcpu_cpus(vm, &cpus)) {
		kvmaudit_host_nodes_of(&a->host, &cpus, &nodes);
		spanned = kvmaudit_cpus_count(&nodes);
		kvmaudit_ev_u64(r, "host_nodes_used", spanned);
	}
	if (q->cpus > 1 && q->sockets > 1 && q->cores * q->threads == 1) {
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "%u sockets of one core each: the guest sees no shared caches (the OpenStack case's 32 x 1, fixed with 4 x 8 and NUMA: CPU from 70%% to 10%%)",
				 q->sockets);
		kvmaudit_fix(r,
			     "-smp %u,sockets=%u,cores=%u,threads=1 (libvirt <cpu><topology sockets='%u' cores='%u' threads='1'/>)",
			     q->cpus, spanned > 1 ? spanned : 1,
			     q->cpus / (spanned > 1 ? spanned : 1),
			     spanned > 1 ? spanned : 1,
			     q->cpus / (spanned > 1 ? spanned : 1));
		return;
	}
	if (spanned > 1 && q->numa_nodes < 2) {
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "its vCPUs run on %u host nodes but the guest sees %s: it cannot place its memory",
				 spanned, q->numa_nodes ? "one node" : "no NUMA");
		kvmaudit_fix(r,
			     "-numa node,cpus=...,memdev=... per host node it uses (libvirt <cpu><numa><cell .../></numa>, nova hw:numa_nodes)");
		return;
	}
	kvmaudit_verdict(r, KVMAUDIT_PASS, "%u socket(s) x %u core(s) x %u thread(s)",
			 q->sockets, q->cores, q->threads);
}

static bool generic_model(const char *m)
{
	return !strcmp(m, "qemu64") || !strcmp(m, "kvm64") ||
	       !strcmp(m, "qemu32") || !strcmp(m, "kvm32");
}

KVMAUDIT_CHECK(kvmaudit_check_cpu_model)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, vm->name, NULL);
	const struct kvmaudit_qemu *q = &vm->qemu;
	const char *m;

	if (!vm->is_qemu) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP,
				 "not QEMU (%s): its command line is not understood",
				 vm->comm);
		return;
	}
	m = q->cpu_model;
	kvmaudit_ev(r, "cpu", "%s", m);
	kvmaudit_ev(r, "given", "%s", q->cpu_given ? "yes" : "no");
	kvmaudit_ev(r, "l3_cache", "%s", q->l3_cache ? "on" : "off");
	if (!q->l3_cache) {
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "l3-cache=off: the guest sees no L3, as in the OpenStack case");
		kvmaudit_fix(r, "drop l3-cache=off from -cpu");
	} else if (!strcmp(m, "host") || !strcmp(m, "max")) {
		kvmaudit_verdict(r, KVMAUDIT_PASS, "the host's CPU, passed through");
	} else if (generic_model(m)) {
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "%s: a lowest-common-denominator model without the host's features",
				 q->cpu_given ? m : "QEMU's default qemu64");
		kvmaudit_fix(r, "-cpu host (libvirt <cpu mode='host-passthrough'/>)");
	} else {
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "a named model (%s, as libvirt's host-model gives): the model's features, not the host's; the OpenStack case moved to host-passthrough",
				 m);
		kvmaudit_fix(r,
			     "-cpu host (libvirt <cpu mode='host-passthrough'/>, nova cpu_mode=host-passthrough), unless the VM must migrate to other CPUs");
	}
}
