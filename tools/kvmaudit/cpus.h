/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sets of host CPUs, as the kernel prints them in its list format
 * ("0-3,8,10-11"): parsed, compared, printed back.
 */
#ifndef KVMAUDIT_CPUS_H
#define KVMAUDIT_CPUS_H

#include <stdbool.h>
#include <stddef.h>

#define KVMAUDIT_MAX_CPUS	8192
#define KVMAUDIT_LONG_BITS	(8 * sizeof(unsigned long))

struct kvmaudit_cpus {
	unsigned long bits[KVMAUDIT_MAX_CPUS / KVMAUDIT_LONG_BITS];
};

/* Parse a list ("" is the empty set); -EINVAL or -ERANGE when it is not one. */
int kvmaudit_cpus_parse(struct kvmaudit_cpus *set, const char *list);
/* Print in list format into buf ("" for the empty set). */
void kvmaudit_cpus_print(const struct kvmaudit_cpus *set, char *buf,
			 size_t size);

void kvmaudit_cpus_clear(struct kvmaudit_cpus *set);
void kvmaudit_cpus_set(struct kvmaudit_cpus *set, unsigned int cpu);
bool kvmaudit_cpus_has(const struct kvmaudit_cpus *set, unsigned int cpu);
unsigned int kvmaudit_cpus_count(const struct kvmaudit_cpus *set);
bool kvmaudit_cpus_empty(const struct kvmaudit_cpus *set);
/* The first CPU, or -1 for the empty set; next after cpu, or -1. */
int kvmaudit_cpus_next(const struct kvmaudit_cpus *set, int cpu);
void kvmaudit_cpus_or(struct kvmaudit_cpus *dst,
		      const struct kvmaudit_cpus *src);
void kvmaudit_cpus_and(struct kvmaudit_cpus *dst,
		       const struct kvmaudit_cpus *src);
bool kvmaudit_cpus_subset(const struct kvmaudit_cpus *a,
			  const struct kvmaudit_cpus *b);
bool kvmaudit_cpus_equal(const struct kvmaudit_cpus *a,
			 const struct kvmaudit_cpus *b);

#endif /* KVMAUDIT_CPUS_H */
