/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's shape, read once from sysfs: online CPUs, NUMA nodes with
 * their CPUs and numastat counters, and each CPU's core and package.
 */
#ifndef KVMAUDIT_HOST_H
#define KVMAUDIT_HOST_H

#include <stdbool.h>
#include <linux/types.h>

#include "cpus.h"

#define KVMAUDIT_MAX_NODES	1024

struct kvmaudit_node {
	unsigned int id;
	struct kvmaudit_cpus cpus;
	bool has_stat;
	__u64 numa_hit;
	__u64 numa_miss;
};

struct kvmaudit_host {
	struct kvmaudit_cpus online;
	unsigned int nr_cpus;		/* entries of the per-CPU arrays */
	struct kvmaudit_node *nodes;	/* online nodes, by id */
	unsigned int nr_nodes;
	int *node_of;			/* per CPU: node id, -1 unknown */
	int *core_of;			/* per CPU: first CPU of its core */
	int *package_of;		/* per CPU: first CPU of its package */
	unsigned int threads_per_core;	/* the most of any core */
	unsigned int cpus_per_package;	/* the most of any package */
};

int kvmaudit_host_read(struct kvmaudit_host *h);
void kvmaudit_host_free(struct kvmaudit_host *h);

/* The node of a CPU, or -1. */
int kvmaudit_host_node_of(const struct kvmaudit_host *h, int cpu);
/* The nodes a set of CPUs touches, as a set of node ids. */
void kvmaudit_host_nodes_of(const struct kvmaudit_host *h,
			    const struct kvmaudit_cpus *cpus,
			    struct kvmaudit_cpus *nodes);
/* true if every CPU of the set belongs to one core (one package). */
bool kvmaudit_host_one_core(const struct kvmaudit_host *h,
			    const struct kvmaudit_cpus *cpus);
bool kvmaudit_host_one_package(const struct kvmaudit_host *h,
			       const struct kvmaudit_cpus *cpus);

#endif /* KVMAUDIT_HOST_H */
