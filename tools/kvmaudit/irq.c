// SPDX-License-Identifier: GPL-2.0
/*
 * NIC interrupts versus vCPUs. Seed: the libvirt note (CPU0 swamped by
 * eth0's interrupts; reserve 2 or 4 CPUs for NIC IRQs, the rest for VMs).
 *
 * A NIC is a /sys/class/net device with a "device" link; its IRQs are the
 * MSI vectors of that device (or of its parent, for virtio), else its
 * legacy irq. Where each may go is /proc/irq/<n>/smp_affinity_list.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irq.h"
#include "util.h"

#define MAX_NICS	256u
#define IRQBALANCE_FIX	", and stop irqbalance or give it IRQBALANCE_BANNED_CPULIST"
#define MAX_IRQS	4096u

struct nic {
	char name[IF_NAMESIZE];
	int *irqs;
	unsigned int nr_irqs;
	unsigned int cap_irqs;
	struct kvmaudit_cpus cpus;	/* where its IRQs may go */
};

struct nics {
	struct nic *n;
	unsigned int nr;
	unsigned int cap;
	struct kvmaudit_cpus cpus;	/* all of them */
};

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The IRQs of a directory of MSI vectors, e.g. .../device/msi_irqs */
static int msi_irqs(struct nic *n, const char *dir)
{
	char path[KVMAUDIT_PATH_LEN];
	struct dirent *de;
	DIR *d;
	int irq, err = 0;

	if (kvmaudit_path(path, sizeof(path), "/sys/class/net/%s/%s", n->name, dir))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		irq = atoi(de->d_name);
		if (irq <= 0)
			continue;
		err = kvmaudit_grow((void **)&n->irqs, &n->cap_irqs, n->nr_irqs,
				    sizeof(int), MAX_IRQS);
		if (err)
			break;
		n->irqs[n->nr_irqs++] = irq;
	}
	closedir(d);
	return err;
}

static int read_nic(struct nic *n)
{
	struct kvmaudit_cpus cpus;
	char list[4096];
	unsigned int i;
	__u64 irq;
	int err;

	err = msi_irqs(n, "device/msi_irqs");
	if (err == -ENOENT)
		err = msi_irqs(n, "device/../msi_irqs");
	if (err == -ENOENT && !kvmaudit_read_u64(&irq, "/sys/class/net/%s/device/irq",
						 n->name) && irq) {
		err = kvmaudit_grow((void **)&n->irqs, &n->cap_irqs, 0, sizeof(int),
				    MAX_IRQS);
		if (!err)
			n->irqs[n->nr_irqs++] = irq;
	}
	if (err && err != -ENOENT)
		return err;
	qsort(n->irqs, n->nr_irqs, sizeof(int), cmp_int);
	for (i = 0; i < n->nr_irqs; i++) {
		if (kvmaudit_read_line(list, sizeof(list),
				       "/proc/irq/%d/smp_affinity_list", n->irqs[i]) ||
		    kvmaudit_cpus_parse(&cpus, list))
			continue;
		kvmaudit_cpus_or(&n->cpus, &cpus);
	}
	return 0;
}

static void nics_free(struct nics *ns)
{
	unsigned int i;

	for (i = 0; i < ns->nr; i++)
		free(ns->n[i].irqs);
	free(ns->n);
}

static int cmp_nic(const void *a, const void *b)
{
	return strcmp(((const struct nic *)a)->name, ((const struct nic *)b)->name);
}

/* Every NIC with IRQs. */
static int read_nics(struct nics *ns)
{
	char path[KVMAUDIT_PATH_LEN], link[256];
	struct dirent *de;
	DIR *d;
	int err = 0;

	memset(ns, 0, sizeof(*ns));
	if (kvmaudit_path(path, sizeof(path), "/sys/class/net"))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct nic *n;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= IF_NAMESIZE ||
		    kvmaudit_readlink(link, sizeof(link), "/sys/class/net/%s/device",
				      de->d_name))
			continue;
		err = kvmaudit_grow((void **)&ns->n, &ns->cap, ns->nr,
				    sizeof(*ns->n), MAX_NICS);
		if (err)
			break;
		n = &ns->n[ns->nr];
		memset(n, 0, sizeof(*n));
		snprintf(n->name, sizeof(n->name), "%s", de->d_name);
		err = read_nic(n);
		if (err || !n->nr_irqs) {
			free(n->irqs);
			if (err)
				break;
			continue;
		}
		kvmaudit_cpus_or(&ns->cpus, &n->cpus);
		ns->nr++;
	}
	closedir(d);
	qsort(ns->n, ns->nr, sizeof(*ns->n), cmp_nic);
	return err;
}

/* "24-27" style list of a NIC's IRQs */
static void irq_list(const struct nic *n, char *buf, size_t size)
{
	size_t len = 0;
	unsigned int i, j;

	buf[0] = '\0';
	for (i = 0; i < n->nr_irqs && len < size; i = j) {
		for (j = i + 1; j < n->nr_irqs && n->irqs[j] == n->irqs[j - 1] + 1; j++)
			;
		if (j - i > 1)
			len += snprintf(buf + len, size - len, "%s%d-%d", i ? "," : "",
					n->irqs[i], n->irqs[j - 1]);
		else
			len += snprintf(buf + len, size - len, "%s%d", i ? "," : "",
					n->irqs[i]);
	}
}

static void nic_evidence(struct kvmaudit_result *r, const struct nics *ns)
{
	char key[48], list[4096];
	unsigned int i;

	for (i = 0; i < ns->nr; i++) {
		irq_list(&ns->n[i], list, sizeof(list));
		snprintf(key, sizeof(key), "%s_irqs", ns->n[i].name);
		kvmaudit_ev(r, key, "%s", list);
		kvmaudit_cpus_print(&ns->n[i].cpus, list, sizeof(list));
		snprintf(key, sizeof(key), "%s_cpus", ns->n[i].name);
		kvmaudit_ev(r, key, "%s", list);
	}
}

/* irqbalance rewrites the affinities every 10 s */
static bool irqbalance_running(void)
{
	char path[KVMAUDIT_PATH_LEN], comm[32];
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (kvmaudit_path(path, sizeof(path), "/proc"))
		return false;
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		int pid = atoi(de->d_name);

		found = pid > 0 &&
			!kvmaudit_read_line(comm, sizeof(comm), "/proc/%d/comm", pid) &&
			!strcmp(comm, "irqbalance");
	}
	closedir(d);
	return found;
}

KVMAUDIT_CHECK(kvmaudit_check_nic_irqs)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, NULL, NULL);
	char all[4096], online[4096];
	bool irqbalance;
	struct nics ns;
	int err;

	err = read_nics(&ns);
	if (err == -ENOMEM)
		a->results.oom = true;
	if (err || !ns.nr) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP,
				 "no NIC with IRQs (no /sys/class/net/*/device with MSI or legacy IRQs)");
		nics_free(&ns);
		return;
	}
	irqbalance = irqbalance_running();
	nic_evidence(r, &ns);
	kvmaudit_cpus_print(&ns.cpus, all, sizeof(all));
	kvmaudit_cpus_print(&a->host.online, online, sizeof(online));
	kvmaudit_ev(r, "online", "%s", online);
	kvmaudit_ev(r, "irqbalance", "%s", irqbalance ? "running" : "no");
	if (kvmaudit_cpus_subset(&a->host.online, &ns.cpus)) {
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "NIC interrupts may go to every CPU: none are set aside for them, so they land on vCPUs too");
		kvmaudit_fix(r,
			     "set aside 2 or 4 CPUs (libvirt note): echo <cpus> > /proc/irq/<n>/smp_affinity_list for each NIC IRQ%s",
			     irqbalance ? IRQBALANCE_FIX : "");
	} else {
		kvmaudit_verdict(r, KVMAUDIT_PASS, "NIC interrupts go to CPUs %s only", all);
	}
	nics_free(&ns);
}

KVMAUDIT_CHECK(kvmaudit_check_vcpu_irqs)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, vm->name, NULL);
	struct kvmaudit_cpus cpus, both;
	char list[4096];
	struct nics ns;
	int err;

	if (!kvmaudit_vm_vcpu_cpus(vm, &cpus)) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP,
				 "vCPU threads unknown: no KVM debugfs and no \"CPU n/KVM\" thread names (-name debug-threads=on)");
		return;
	}
	err = read_nics(&ns);
	if (err == -ENOMEM)
		a->results.oom = true;
	if (err || !ns.nr) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP,
				 "no NIC with IRQs (no /sys/class/net/*/device with MSI or legacy IRQs)");
		nics_free(&ns);
		return;
	}
	kvmaudit_cpus_print(&cpus, list, sizeof(list));
	kvmaudit_ev(r, "vcpu_cpus", "%s", list);
	kvmaudit_cpus_print(&ns.cpus, list, sizeof(list));
	kvmaudit_ev(r, "nic_irq_cpus", "%s", list);
	both = cpus;
	kvmaudit_cpus_and(&both, &ns.cpus);
	if (kvmaudit_cpus_empty(&both)) {
		kvmaudit_verdict(r, KVMAUDIT_PASS,
				 "no NIC interrupt goes to a CPU its vCPUs run on");
	} else {
		kvmaudit_cpus_print(&both, list, sizeof(list));
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "NIC interrupts may go to CPUs %s, where its vCPUs run: they preempt the vCPUs",
				 list);
		kvmaudit_fix(r,
			     "move NIC IRQs to CPUs no vCPU uses (echo <cpus> > /proc/irq/<n>/smp_affinity_list), or pin the vCPUs elsewhere");
	}
	nics_free(&ns);
}
