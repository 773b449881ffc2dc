// SPDX-License-Identifier: GPL-2.0
/*
 * Memory checks. Seeds: Meituan's KVM tuning talk (THP, KSM), the libvirt
 * tuning note (THP, hugetlbfs, KSM across nodes, zone_reclaim_mode,
 * swappiness, NUMA placement), the OpenStack case (automatic NUMA
 * balancing, numa_hit/numa_miss).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "util.h"

#define THP		"/sys/kernel/mm/transparent_hugepage"
#define KSM		"/sys/kernel/mm/ksm"
#define KSM_RESTART	"echo 1 > " KSM "/run" \
	" (or per VM: -machine mem-merge=off, libvirt <memoryBacking><nosharepages/>)"

/* A sysfs choice file's selected word, "" if unreadable. */
static void selected(char *buf, size_t size, const char *path)
{
	char line[256];

	buf[0] = '\0';
	if (!kvmaudit_read_line(line, sizeof(line), "%s", path) &&
	    kvmaudit_selected(line, buf, size))
		kvmaudit_copy(buf, size, line);
}

static bool all_vms_hugetlb(const struct kvmaudit *a)
{
	unsigned int i;

	for (i = 0; i < a->vms.nr; i++) {
		const struct kvmaudit_vm *vm = &a->vms.vm[i];

		if (!vm->is_qemu || vm->hugetlb_kib < vm->qemu.ram_mib * 1024)
			return false;
	}
	return a->vms.nr > 0;
}

KVMAUDIT_CHECK(kvmaudit_check_thp)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, NULL, NULL);
	char enabled[32], defrag[32], line[32];
	enum kvmaudit_verdict v = KVMAUDIT_PASS;
	struct kvmaudit_str why = { 0 };

	selected(enabled, sizeof(enabled), THP "/enabled");
	if (!enabled[0]) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP,
				 "kernel without transparent hugepages (" THP ")");
		return;
	}
	selected(defrag, sizeof(defrag), THP "/defrag");
	kvmaudit_ev(r, "enabled", "%s", enabled);
	kvmaudit_ev(r, "defrag", "%s", defrag);
	if (!kvmaudit_read_line(line, sizeof(line), THP "/khugepaged/defrag"))
		kvmaudit_ev(r, "khugepaged_defrag", "%s", line);

	if (!strcmp(enabled, "never") && !all_vms_hugetlb(a)) {
		v = KVMAUDIT_WARN;
		kvmaudit_str_add(&why,
				 "THP off: guest RAM in 4 KiB pages, every TLB miss walks two page tables");
		kvmaudit_fix(r, "echo always > " THP "/enabled");
	} else if (!strcmp(enabled, "never")) {
		kvmaudit_str_add(&why, "THP off, but every VM is on hugetlbfs");
	} else if (!strcmp(enabled, "madvise")) {
		kvmaudit_str_add(&why, "THP for madvised memory: QEMU madvises guest RAM");
	} else {
		kvmaudit_str_add(&why, "THP for all memory");
	}
	if (!strcmp(defrag, "always")) {
		v = KVMAUDIT_WARN;
		kvmaudit_str_add(&why,
				 "; defrag=always: a fault that finds no free huge page compacts memory in the faulting vCPU thread");
		kvmaudit_fix(r, "echo madvise > " THP "/defrag");
	}
	if (v == KVMAUDIT_WARN && !strcmp(enabled, "never") && !strcmp(defrag, "always"))
		kvmaudit_fix(r, "echo always > " THP "/enabled; echo madvise > " THP "/defrag");
	kvmaudit_verdict(r, v, "%s", kvmaudit_str_get(&why));
	kvmaudit_str_free(&why);
}

KVMAUDIT_CHECK(kvmaudit_check_ksm)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, NULL, NULL);
	__u64 run, across, shared = 0, sharing = 0;

	if (kvmaudit_read_u64(&run, KSM "/run")) {
		kvmaudit_ev(r, "ksm", "absent");
		kvmaudit_verdict(r, KVMAUDIT_PASS, "kernel without KSM: nothing is merged");
		return;
	}
	kvmaudit_ev_u64(r, "run", run);
	if (kvmaudit_read_u64(&across, KSM "/merge_across_nodes"))
		across = 1;
	else
		kvmaudit_ev_u64(r, "merge_across_nodes", across);
	kvmaudit_read_u64(&shared, KSM "/pages_shared");
	kvmaudit_read_u64(&sharing, KSM "/pages_sharing");
	kvmaudit_ev_u64(r, "pages_shared", shared);
	kvmaudit_ev_u64(r, "pages_sharing", sharing);
	kvmaudit_ev_u64(r, "nodes", a->host.nr_nodes);

	if (a->host.nr_nodes < 2) {
		kvmaudit_verdict(r, KVMAUDIT_PASS, "one NUMA node: merged pages are never remote");
	} else if (!across) {
		kvmaudit_verdict(r, KVMAUDIT_PASS, "KSM merges within each node only");
	} else if (run != 1 && !sharing) {
		kvmaudit_verdict(r, KVMAUDIT_PASS, "KSM is not running and nothing is merged");
	} else {
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "KSM merges pages across nodes: a VM reads a merged page from a distant node");
		kvmaudit_fix(r, "echo 2 > %s/run; echo 0 > %s/merge_across_nodes; %s",
			     KSM, KSM, KSM_RESTART);
	}
}

KVMAUDIT_CHECK(kvmaudit_check_zone_reclaim)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, NULL, NULL);
	__u64 mode;

	if (kvmaudit_read_u64(&mode, "/proc/sys/vm/zone_reclaim_mode")) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP, "no vm.zone_reclaim_mode (kernel without NUMA)");
		return;
	}
	kvmaudit_ev_u64(r, "zone_reclaim_mode", mode);
	if (!mode) {
		kvmaudit_verdict(r, KVMAUDIT_PASS,
				 "allocations fall back to other nodes before reclaiming");
		return;
	}
	kvmaudit_verdict(r, KVMAUDIT_WARN,
			 "a node short of free memory reclaims its page cache (and writes back or swaps) before allocating on another node");
	kvmaudit_fix(r, "sysctl -w vm.zone_reclaim_mode=0");
}

/* Intel Nehalem: family 6, models 26, 30, 31, 46 */
static bool nehalem(char *vendor, size_t size, unsigned int *family,
		    unsigned int *model)
{
	char *text, *p;
	bool ok;

	vendor[0] = '\0';
	*family = 0;
	*model = 0;
	if (size < 32 || kvmaudit_read(&text, "/proc/cpuinfo") < 0)
		return false;
	p = strstr(text, "vendor_id");
	if (!p || sscanf(p, "vendor_id : %31s", vendor) != 1)
		vendor[0] = '\0';
	p = strstr(text, "cpu family");
	if (!p || sscanf(p, "cpu family : %u", family) != 1)
		*family = 0;
	p = strstr(text, "\nmodel\t");
	if (!p || sscanf(p + 1, "model : %u", model) != 1)
		*model = 0;
	free(text);
	ok = !strcmp(vendor, "GenuineIntel") && *family == 6 &&
	     (*model == 26 || *model == 30 || *model == 31 || *model == 46);
	return ok;
}

/* SwapTotal of /proc/meminfo, kB */
static __u64 swap_kib(void)
{
	unsigned long long kib = 0;
	char *text, *p;

	if (kvmaudit_read(&text, "/proc/meminfo") < 0)
		return 0;
	p = strstr(text, "SwapTotal:");
	if (p)
		sscanf(p, "SwapTotal: %llu", &kib);
	free(text);
	return kib;
}

KVMAUDIT_CHECK(kvmaudit_check_swappiness)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, NULL, NULL);
	unsigned int family, model;
	char vendor[32];
	__u64 swp, swap;
	bool nhm;

	if (kvmaudit_read_u64(&swp, "/proc/sys/vm/swappiness")) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP, "no vm.swappiness");
		return;
	}
	swap = swap_kib();
	nhm = nehalem(vendor, sizeof(vendor), &family, &model);
	kvmaudit_ev_u64(r, "swappiness", swp);
	kvmaudit_ev_u64(r, "swap_kib", swap);
	kvmaudit_ev(r, "cpu", "%s/%u/%u", vendor[0] ? vendor : "unknown", family, model);
	if (!swap)
		kvmaudit_verdict(r, KVMAUDIT_PASS, "no swap: swappiness does not matter");
	else if (!nhm)
		kvmaudit_verdict(r, KVMAUDIT_PASS,
				 "not an Intel Nehalem: the libvirt note leaves swappiness alone");
	else if (swp <= 10)
		kvmaudit_verdict(r, KVMAUDIT_PASS, "Nehalem with swappiness at most 10");
	if (swap && nhm && swp > 10) {
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "Intel Nehalem with swap: the libvirt note lowers swappiness there, so guest RAM is not swapped for page cache");
		kvmaudit_fix(r, "sysctl -w vm.swappiness=10");
	}
}

KVMAUDIT_CHECK(kvmaudit_check_numa_balancing)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, NULL, NULL);
	__u64 nb;

	kvmaudit_ev_u64(r, "nodes", a->host.nr_nodes);
	if (a->host.nr_nodes < 2) {
		kvmaudit_verdict(r, KVMAUDIT_PASS, "one NUMA node: nothing to balance");
		return;
	}
	if (kvmaudit_read_u64(&nb, "/proc/sys/kernel/numa_balancing")) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP,
				 "no kernel.numa_balancing (kernel without CONFIG_NUMA_BALANCING)");
		return;
	}
	kvmaudit_ev_u64(r, "numa_balancing", nb);
	if (nb) {
		kvmaudit_verdict(r, KVMAUDIT_PASS,
				 "the kernel moves memory to the node of the thread using it");
		return;
	}
	kvmaudit_verdict(r, KVMAUDIT_WARN,
			 "automatic NUMA balancing is off: a VM's memory stays where it was first touched");
	kvmaudit_fix(r, "sysctl -w kernel.numa_balancing=1");
}

KVMAUDIT_CHECK(kvmaudit_check_numastat)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, NULL, NULL);
	enum kvmaudit_verdict v = KVMAUDIT_PASS;
	int worst = -1;
	unsigned int i;
	char key[32];

	kvmaudit_ev_u64(r, "nodes", a->host.nr_nodes);
	if (a->host.nr_nodes < 2) {
		kvmaudit_verdict(r, KVMAUDIT_PASS, "one NUMA node: every allocation is local");
		return;
	}
	for (i = 0; i < a->host.nr_nodes; i++) {
		const struct kvmaudit_node *n = &a->host.nodes[i];

		if (!n->has_stat)
			continue;
		snprintf(key, sizeof(key), "node%u_hit", n->id);
		kvmaudit_ev_u64(r, key, n->numa_hit);
		snprintf(key, sizeof(key), "node%u_miss", n->id);
		kvmaudit_ev_u64(r, key, n->numa_miss);
		if (n->numa_miss > n->numa_hit) {
			if (v != KVMAUDIT_FAIL)
				worst = n->id;
			v = KVMAUDIT_FAIL;
		} else if (n->numa_miss * 10 > n->numa_hit && v == KVMAUDIT_PASS) {
			v = KVMAUDIT_WARN;
			worst = n->id;
		}
	}
	if (v == KVMAUDIT_FAIL)
		kvmaudit_verdict(r, v,
				 "node %d: more allocations missed it than hit it, as in the OpenStack case before its fix",
				 worst);
	else if (v == KVMAUDIT_WARN)
		kvmaudit_verdict(r, v,
				 "node %d: over 10%% of its allocations landed on another node",
				 worst);
	else
		kvmaudit_verdict(r, v, "numa_miss is under 10%% of numa_hit on every node");
	if (v != KVMAUDIT_PASS)
		kvmaudit_fix(r,
			     "bind each VM's memory to the node of its vCPUs: numactl --cpunodebind=N --membind=N qemu-system-x86_64 ..., libvirt <numatune><memory mode='preferred' nodeset='N'/></numatune>");
}

KVMAUDIT_CHECK(kvmaudit_check_hugepages)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, vm->name, NULL);
	__u64 ram;

	if (vm->mem_err) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP, "cannot read /proc/%d/numa_maps: %s",
				 vm->pid, strerror(-vm->mem_err));
		return;
	}
	kvmaudit_ev_u64(r, "hugetlb_kib", vm->hugetlb_kib);
	if (!vm->is_qemu) {
		if (vm->hugetlb_kib) {
			kvmaudit_verdict(r, KVMAUDIT_PASS, "%llu KiB on hugetlbfs",
					 (unsigned long long)vm->hugetlb_kib);
			return;
		}
		kvmaudit_verdict(r, KVMAUDIT_WARN, "no hugetlbfs mapping");
		kvmaudit_fix(r,
			     "back guest RAM with hugetlbfs (vm.nr_hugepages, a MAP_HUGETLB or hugetlbfs mapping)");
		return;
	}
	ram = vm->qemu.ram_mib * 1024;
	kvmaudit_ev_u64(r, "guest_ram_kib", ram);
	if (vm->hugetlb_kib >= ram) {
		kvmaudit_verdict(r, KVMAUDIT_PASS, "guest RAM is on hugetlbfs");
		return;
	}
	kvmaudit_verdict(r, KVMAUDIT_WARN, vm->hugetlb_kib ?
			 "only part of guest RAM is on hugetlbfs" :
			 "guest RAM is not on hugetlbfs: 4 KiB pages (or THP, when the kernel finds huge pages)");
	kvmaudit_fix(r,
		     "sysctl -w vm.nr_hugepages=%llu; -object memory-backend-memfd,id=ram0,size=%lluM,hugetlb=on -machine memory-backend=ram0 (libvirt <memoryBacking><hugepages/></memoryBacking>)",
		     (unsigned long long)(ram / 2048),
		     (unsigned long long)vm->qemu.ram_mib);
}

KVMAUDIT_CHECK(kvmaudit_check_numa_local)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, vm->name, NULL);
	struct kvmaudit_cpus cpus, nodes;
	char list[256], key[32];
	unsigned int i;
	__u64 local, pct;
	int home;

	if (a->host.nr_nodes < 2) {
		kvmaudit_ev_u64(r, "nodes", a->host.nr_nodes);
		kvmaudit_verdict(r, KVMAUDIT_PASS, "one NUMA node: all memory is local");
		return;
	}
	if (vm->mem_err) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP, "cannot read /proc/%d/numa_maps: %s",
				 vm->pid, strerror(-vm->mem_err));
		return;
	}
	if (!kvmaudit_vm_vcpu_cpus(vm, &cpus)) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP,
				 "vCPU threads unknown: no KVM debugfs and no \"CPU n/KVM\" thread names (-name debug-threads=on)");
		return;
	}
	kvmaudit_host_nodes_of(&a->host, &cpus, &nodes);
	kvmaudit_cpus_print(&nodes, list, sizeof(list));
	kvmaudit_ev(r, "vcpu_nodes", "%s", list);
	for (i = 0; i < vm->nr_node_kib; i++) {
		if (!vm->node_kib[i])
			continue;
		snprintf(key, sizeof(key), "node%u_kib", i);
		kvmaudit_ev_u64(r, key, vm->node_kib[i]);
	}
	if (kvmaudit_cpus_count(&nodes) != 1) {
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "its vCPUs may run on nodes %s: no node is home to its memory",
				 list);
		kvmaudit_fix(r,
			     "pin the vCPUs to one node (cpu.numa), then numactl --membind or libvirt <numatune>");
		return;
	}
	if (!vm->mem_kib) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP, "no resident memory");
		return;
	}
	home = kvmaudit_cpus_next(&nodes, -1);
	local = home < (int)vm->nr_node_kib ? vm->node_kib[home] : 0;
	pct = local * 100 / vm->mem_kib;
	kvmaudit_ev_u64(r, "local_pct", pct);
	if (pct >= 90) {
		kvmaudit_verdict(r, KVMAUDIT_PASS,
				 "%llu%% of its memory is on node %d, with its vCPUs",
				 (unsigned long long)pct, home);
		return;
	}
	kvmaudit_verdict(r, pct >= 50 ? KVMAUDIT_WARN : KVMAUDIT_FAIL,
			 "only %llu%% of its memory is on node %d, with its vCPUs; the rest is remote (30-40%% slower in the libvirt note)",
			 (unsigned long long)pct, home);
	kvmaudit_fix(r,
		     "migratepages %d all %d; start it with numactl --membind=%d, or -object memory-backend-ram,...,host-nodes=%d,policy=bind (libvirt <numatune><memory mode='preferred' nodeset='%d'/>)",
		     vm->pid, home, home, home, home);
}
