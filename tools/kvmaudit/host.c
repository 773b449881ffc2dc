// SPDX-License-Identifier: GPL-2.0
/*
 * The host's CPUs, NUMA nodes and topology, from /sys/devices/system.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "util.h"

#define SYS_CPU		"/sys/devices/system/cpu"
#define SYS_NODE	"/sys/devices/system/node"

__printf(2, 3)
static int read_cpus(struct kvmaudit_cpus *set, const char *fmt, ...)
{
	char *text;
	va_list ap;
	long len;
	int err;

	va_start(ap, fmt);
	len = kvmaudit_vread(&text, fmt, ap);
	va_end(ap);
	if (len < 0)
		return len;
	err = kvmaudit_cpus_parse(set, text);
	free(text);
	return err;
}

/* numa_hit and numa_miss of one node's numastat ("key value" lines) */
static void read_numastat(struct kvmaudit_node *node)
{
	char *text, *line, *save = NULL, *tok[3];
	bool hit = false, miss = false;
	__u64 v;

	if (kvmaudit_read(&text, SYS_NODE "/node%u/numastat", node->id) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (kvmaudit_split(line, tok, 3) != 2 || !kvmaudit_parse_u64(tok[1], &v))
			continue;
		if (!strcmp(tok[0], "numa_hit")) {
			node->numa_hit = v;
			hit = true;
		} else if (!strcmp(tok[0], "numa_miss")) {
			node->numa_miss = v;
			miss = true;
		}
	}
	node->has_stat = hit && miss;
	free(text);
}

static int read_nodes(struct kvmaudit_host *h)
{
	struct kvmaudit_cpus online;
	int id, cpu, err;

	err = read_cpus(&online, SYS_NODE "/online");
	if (err == -ENOENT) {
		/* a kernel without CONFIG_NUMA: one node with every CPU */
		h->nodes = calloc(1, sizeof(*h->nodes));
		if (!h->nodes)
			return -ENOMEM;
		h->nodes[0].cpus = h->online;
		h->nr_nodes = 1;
		goto map;
	}
	if (err)
		return err;
	h->nodes = calloc(kvmaudit_cpus_count(&online) ?: 1, sizeof(*h->nodes));
	if (!h->nodes)
		return -ENOMEM;
	for (id = kvmaudit_cpus_next(&online, -1); id >= 0;
	     id = kvmaudit_cpus_next(&online, id)) {
		struct kvmaudit_node *node = &h->nodes[h->nr_nodes++];

		node->id = id;
		err = read_cpus(&node->cpus, SYS_NODE "/node%d/cpulist", id);
		if (err)
			return err;
		read_numastat(node);
	}
map:
	for (id = 0; id < (int)h->nr_nodes; id++)
		for (cpu = kvmaudit_cpus_next(&h->nodes[id].cpus, -1); cpu >= 0;
		     cpu = kvmaudit_cpus_next(&h->nodes[id].cpus, cpu))
			if (cpu < (int)h->nr_cpus)
				h->node_of[cpu] = h->nodes[id].id;
	return 0;
}

/* The first CPU of a topology sibling list, or the CPU itself. */
static int first_sibling(int cpu, const char *list)
{
	struct kvmaudit_cpus set;
	int first;

	if (kvmaudit_cpus_parse(&set, list))
		return cpu;
	first = kvmaudit_cpus_next(&set, -1);
	return first < 0 ? cpu : first;
}

static int read_topology(struct kvmaudit_host *h)
{
	unsigned int *per_core, *per_pkg;
	char list[4096];
	int cpu;

	per_core = calloc(h->nr_cpus, sizeof(*per_core));
	per_pkg = calloc(h->nr_cpus, sizeof(*per_pkg));
	if (!per_core || !per_pkg) {
		free(per_core);
		free(per_pkg);
		return -ENOMEM;
	}
	for (cpu = kvmaudit_cpus_next(&h->online, -1); cpu >= 0;
	     cpu = kvmaudit_cpus_next(&h->online, cpu)) {
		h->core_of[cpu] = cpu;
		h->package_of[cpu] = cpu;
		if (!kvmaudit_read_line(list, sizeof(list),
					SYS_CPU "/cpu%d/topology/thread_siblings_list", cpu))
			h->core_of[cpu] = first_sibling(cpu, list);
		if (!kvmaudit_read_line(list, sizeof(list),
					SYS_CPU "/cpu%d/topology/core_siblings_list", cpu))
			h->package_of[cpu] = first_sibling(cpu, list);
		if (h->core_of[cpu] < (int)h->nr_cpus &&
		    ++per_core[h->core_of[cpu]] > h->threads_per_core)
			h->threads_per_core = per_core[h->core_of[cpu]];
		if (h->package_of[cpu] < (int)h->nr_cpus &&
		    ++per_pkg[h->package_of[cpu]] > h->cpus_per_package)
			h->cpus_per_package = per_pkg[h->package_of[cpu]];
	}
	free(per_core);
	free(per_pkg);
	return 0;
}

int kvmaudit_host_read(struct kvmaudit_host *h)
{
	unsigned int i;
	int err, last = -1, cpu;

	memset(h, 0, sizeof(*h));
	err = read_cpus(&h->online, SYS_CPU "/online");
	if (err)
		return err;
	for (cpu = kvmaudit_cpus_next(&h->online, -1); cpu >= 0;
	     cpu = kvmaudit_cpus_next(&h->online, cpu))
		last = cpu;
	if (last < 0)
		return -EINVAL;
	h->nr_cpus = last + 1;
	h->node_of = malloc(h->nr_cpus * sizeof(int));
	h->core_of = malloc(h->nr_cpus * sizeof(int));
	h->package_of = malloc(h->nr_cpus * sizeof(int));
	if (!h->node_of || !h->core_of || !h->package_of)
		return -ENOMEM;
	for (i = 0; i < h->nr_cpus; i++) {
		h->node_of[i] = -1;
		h->core_of[i] = i;
		h->package_of[i] = i;
	}
	err = read_nodes(h);
	if (err)
		return err;
	return read_topology(h);
}

void kvmaudit_host_free(struct kvmaudit_host *h)
{
	free(h->nodes);
	free(h->node_of);
	free(h->core_of);
	free(h->package_of);
	memset(h, 0, sizeof(*h));
}

int kvmaudit_host_node_of(const struct kvmaudit_host *h, int cpu)
{
	return cpu >= 0 && cpu < (int)h->nr_cpus ? h->node_of[cpu] : -1;
}

void kvmaudit_host_nodes_of(const struct kvmaudit_host *h,
			    const struct kvmaudit_cpus *cpus,
			    struct kvmaudit_cpus *nodes)
{
	int cpu, node;

	kvmaudit_cpus_clear(nodes);
	for (cpu = kvmaudit_cpus_next(cpus, -1); cpu >= 0;
	     cpu = kvmaudit_cpus_next(cpus, cpu)) {
		node = kvmaudit_host_node_of(h, cpu);
		if (node >= 0)
			kvmaudit_cpus_set(nodes, node);
	}
}

static bool one_group(const int *group, unsigned int nr,
		      const struct kvmaudit_cpus *cpus)
{
	int cpu, first = -1;

	for (cpu = kvmaudit_cpus_next(cpus, -1); cpu >= 0;
	     cpu = kvmaudit_cpus_next(cpus, cpu)) {
		if (cpu >= (int)nr)
			return false;
		if (first < 0)
			first = group[cpu];
		else if (group[cpu] != first)
			return false;
	}
	return first >= 0;
}

bool kvmaudit_host_one_core(const struct kvmaudit_host *h,
			    const struct kvmaudit_cpus *cpus)
{
	return one_group(h->core_of, h->nr_cpus, cpus);
}

bool kvmaudit_host_one_package(const struct kvmaudit_host *h,
			       const struct kvmaudit_cpus *cpus)
{
	return one_group(h->package_of, h->nr_cpus, cpus);
}
