// SPDX-License-Identifier: GPL-2.0
/*
 * Every check kvmaudit makes, one line each (Documentation/kvmaudit.rst
 * has a section per line).
 */
#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "disk.h"
#include "irq.h"
#include "mem.h"
#include "net.h"
#include "table.h"
#include "timer.h"

#define MEITUAN		"Meituan's KVM tuning talk"
#define LIBVIRT		"the libvirt tuning note"
#define OPENSTACK	"the OpenStack CPU/NUMA case"
#define BYTEDANCE	"ByteDance's hybrid deployment"
#define TENCENT		"Tencent's virtio-net tuning"

const struct kvmaudit_check kvmaudit_checks[] = {
	/* host */
	{ "mem.thp", false, "transparent hugepages: enabled and defrag",
	  MEITUAN ", " LIBVIRT, kvmaudit_check_thp },
	{ "mem.ksm", false, "KSM merging across NUMA nodes",
	  LIBVIRT, kvmaudit_check_ksm },
	{ "mem.zone_reclaim", false, "vm.zone_reclaim_mode is 0",
	  LIBVIRT, kvmaudit_check_zone_reclaim },
	{ "mem.swappiness", false, "vm.swappiness, on Intel Nehalem only",
	  LIBVIRT, kvmaudit_check_swappiness },
	{ "mem.numa_balancing", false, "automatic NUMA balancing on a NUMA host",
	  OPENSTACK, kvmaudit_check_numa_balancing },
	{ "mem.numastat", false, "numa_miss against numa_hit per node",
	  OPENSTACK, kvmaudit_check_numastat },
	{ "irq.nic_cpus", false, "host CPUs set aside for NIC interrupts",
	  LIBVIRT, kvmaudit_check_nic_irqs },
	{ "idle.halt_poll_ns", false, "KVM's halt polling",
	  BYTEDANCE, kvmaudit_check_halt_poll },
	{ "net.gre_queues", false, "GRE tunnels with a single TX queue",
	  TENCENT, kvmaudit_check_gre_queues },
	{ "net.gre_xps", false, "NIC XPS against the queue a tunnel keeps",
	  TENCENT, kvmaudit_check_gre_xps },
	/* per VM */
	{ "mem.hugepages", true, "guest RAM on hugetlbfs",
	  LIBVIRT ", " BYTEDANCE, kvmaudit_check_hugepages },
	{ "mem.numa_local", true, "memory on its vCPUs' node (numa_maps)",
	  LIBVIRT ", " OPENSTACK, kvmaudit_check_numa_local },
	{ "cpu.numa", true, "vCPU threads pinned within one NUMA node",
	  MEITUAN ", " LIBVIRT, kvmaudit_check_vcpu_node },
	{ "cpu.cache_share", true, "vCPUs within one core or socket",
	  LIBVIRT, kvmaudit_check_cache_share },
	{ "cpu.topology", true, "guest sockets, cores, threads and NUMA nodes",
	  OPENSTACK, kvmaudit_check_topology },
	{ "cpu.model", true, "host-passthrough CPU with an L3 cache",
	  OPENSTACK, kvmaudit_check_cpu_model },
	{ "irq.vcpu_cpus", true, "NIC interrupts off the vCPUs' CPUs",
	  LIBVIRT, kvmaudit_check_vcpu_irqs },
	{ "disk.bus", true, "virtio-blk or virtio-scsi",
	  MEITUAN, kvmaudit_check_disk_bus },
	{ "disk.cache", true, "cache=none or directsync (data-loss risk named)",
	  MEITUAN ", " LIBVIRT, kvmaudit_check_disk_cache },
	{ "disk.aio", true, "aio=native",
	  MEITUAN, kvmaudit_check_disk_aio },
	{ "disk.scheduler", true, "the host I/O scheduler behind each disk",
	  MEITUAN ", " LIBVIRT, kvmaudit_check_disk_scheduler },
	{ "net.vhost", true, "virtio-net with vhost-net",
	  MEITUAN ", " LIBVIRT, kvmaudit_check_vhost },
	{ "net.multiqueue", true, "a virtio-net queue per vCPU",
	  TENCENT, kvmaudit_check_multiqueue },
	{ "net.queue_size", true, "virtio-net rings of 1024",
	  TENCENT, kvmaudit_check_queue_size },
	{ "net.txqueuelen", true, "tap queue length",
	  TENCENT, kvmaudit_check_txqueuelen },
	{ "timer.tsc_deadline", true, "TSC_DEADLINE writes per vCPU (kvmtrace)",
	  BYTEDANCE, kvmaudit_check_tsc_deadline },
	{ "timer.pio", true, "port I/O rates: a guest on acpi_pm (kvmtrace)",
	  BYTEDANCE, kvmaudit_check_pio },
	{ "idle.nohlt", true, "HLT and wakeup rates that call for nohlt_list (kvmtrace)",
	  BYTEDANCE, kvmaudit_check_nohlt },
};

const unsigned int kvmaudit_nr_checks = KVMAUDIT_ARRAY_SIZE(kvmaudit_checks);

/* Does item (of length n) name this check, or its area? */
static bool matches(const char *item, size_t n, const char *name)
{
	const char *dot = strchr(name, '.');

	if (n == strlen(name) && !strncmp(item, name, n))
		return true;
	return dot && n == (size_t)(dot - name) && !strncmp(item, name, n);
}

bool kvmaudit_selected_check(const char *sel, const char *name)
{
	const char *p, *comma;

	if (!sel)
		return true;
	for (p = sel; *p; p = comma + 1) {
		comma = strchrnul(p, ',');
		if (matches(p, comma - p, name))
			return true;
		if (!*comma)
			break;
	}
	return false;
}

bool kvmaudit_valid_selection(const char *sel, char *bad, size_t size)
{
	const char *p, *comma;
	unsigned int i;
	bool found;

	for (p = sel; *p; p = comma + 1) {
		comma = strchrnul(p, ',');
		for (i = 0, found = false; i < kvmaudit_nr_checks && !found; i++)
			found = matches(p, comma - p, kvmaudit_checks[i].name);
		if (!found) {
			snprintf(bad, size, "%.*s", (int)(comma - p), p);
			return false;
		}
		if (!*comma)
			break;
	}
	return true;
}

void kvmaudit_run(struct kvmaudit *a, const char *sel)
{
	unsigned int i, v;

	for (i = 0; i < kvmaudit_nr_checks; i++)
		if (!kvmaudit_checks[i].per_vm &&
		    kvmaudit_selected_check(sel, kvmaudit_checks[i].name))
			kvmaudit_checks[i].run(a, kvmaudit_checks[i].name, NULL);
	for (v = 0; v < a->vms.nr; v++)
		for (i = 0; i < kvmaudit_nr_checks; i++)
			if (kvmaudit_checks[i].per_vm &&
			    kvmaudit_selected_check(sel, kvmaudit_checks[i].name))
				kvmaudit_checks[i].run(a, kvmaudit_checks[i].name,
						       &a->vms.vm[v]);
}
