// SPDX-License-Identifier: GPL-2.0
/*
 * Sets of host CPUs in the kernel's list format.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpus.h"

#define WORDS	(KVMAUDIT_MAX_CPUS / KVMAUDIT_LONG_BITS)

void kvmaudit_cpus_clear(struct kvmaudit_cpus *set)
{
	memset(set, 0, sizeof(*set));
}

void kvmaudit_cpus_set(struct kvmaudit_cpus *set, unsigned int cpu)
{
	if (cpu < KVMAUDIT_MAX_CPUS)
		set->bits[cpu / KVMAUDIT_LONG_BITS] |= 1UL << (cpu % KVMAUDIT_LONG_BITS);
}

bool kvmaudit_cpus_has(const struct kvmaudit_cpus *set, unsigned int cpu)
{
	return cpu < KVMAUDIT_MAX_CPUS &&
	       (set->bits[cpu / KVMAUDIT_LONG_BITS] >> (cpu % KVMAUDIT_LONG_BITS)) & 1;
}

static int parse_cpu(const char **s, unsigned int *cpu)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)**s))
		return -EINVAL;
	errno = 0;
	v = strtoul(*s, &end, 10);
	if (errno)
		return -EINVAL;
	if (v >= KVMAUDIT_MAX_CPUS)
		return -ERANGE;
	*cpu = v;
	*s = end;
	return 0;
}

int kvmaudit_cpus_parse(struct kvmaudit_cpus *set, const char *s)
{
	unsigned int lo, hi, cpu;
	int err;

	kvmaudit_cpus_clear(set);
	while (isspace((unsigned char)*s))
		s++;
	while (*s && !isspace((unsigned char)*s)) {
		err = parse_cpu(&s, &lo);
		if (err)
			return err;
		hi = lo;
		if (*s == '-') {
			s++;
			err = parse_cpu(&s, &hi);
			if (err)
				return err;
			if (hi < lo)
				return -EINVAL;
		}
		for (cpu = lo; cpu <= hi; cpu++)
			kvmaudit_cpus_set(set, cpu);
		if (*s == ',')
			s++;
		else if (*s && !isspace((unsigned char)*s))
			return -EINVAL;
	}
	while (isspace((unsigned char)*s))
		s++;
	return *s ? -EINVAL : 0;
}

void kvmaudit_cpus_print(const struct kvmaudit_cpus *set, char *buf,
			 size_t size)
{
	size_t len = 0;
	int cpu, lo = -1, prev = -1;

	if (!size)
		return;
	buf[0] = '\0';
	for (cpu = kvmaudit_cpus_next(set, -1);; cpu = kvmaudit_cpus_next(set, cpu)) {
		if (cpu >= 0 && cpu == prev + 1 && lo >= 0) {
			prev = cpu;
			continue;
		}
		if (lo >= 0 && len < size) {
			if (prev > lo)
				len += snprintf(buf + len, size - len, "%s%d-%d",
						len ? "," : "", lo, prev);
			else
				len += snprintf(buf + len, size - len, "%s%d",
						len ? "," : "", lo);
		}
		if (cpu < 0)
			break;
		lo = cpu;
		prev = cpu;
	}
}

unsigned int kvmaudit_cpus_count(const struct kvmaudit_cpus *set)
{
	unsigned int i, n = 0;

	for (i = 0; i < WORDS; i++)
		n += __builtin_popcountl(set->bits[i]);
	return n;
}

bool kvmaudit_cpus_empty(const struct kvmaudit_cpus *set)
{
	return kvmaudit_cpus_next(set, -1) < 0;
}

int kvmaudit_cpus_next(const struct kvmaudit_cpus *set, int cpu)
{
	unsigned int i = cpu + 1;
	unsigned long w;

	while (i < KVMAUDIT_MAX_CPUS) {
		w = set->bits[i / KVMAUDIT_LONG_BITS] >> (i % KVMAUDIT_LONG_BITS);
		if (w)
			return i + __builtin_ctzl(w);
		i = (i / KVMAUDIT_LONG_BITS + 1) * KVMAUDIT_LONG_BITS;
	}
	return -1;
}

void kvmaudit_cpus_or(struct kvmaudit_cpus *dst, const struct kvmaudit_cpus *src)
{
	unsigned int i;

	for (i = 0; i < WORDS; i++)
		dst->bits[i] |= src->bits[i];
}

void kvmaudit_cpus_and(struct kvmaudit_cpus *dst, const struct kvmaudit_cpus *src)
{
	unsigned int i;

	for (i = 0; i < WORDS; i++)
		dst->bits[i] &= src->bits[i];
}

bool kvmaudit_cpus_subset(const struct kvmaudit_cpus *a,
			  const struct kvmaudit_cpus *b)
{
	unsigned int i;

	for (i = 0; i < WORDS; i++)
		if (a->bits[i] & ~b->bits[i])
			return false;
	return true;
}

bool kvmaudit_cpus_equal(const struct kvmaudit_cpus *a,
			 const struct kvmaudit_cpus *b)
{
	return !memcmp(a->bits, b->bits, sizeof(a->bits));
}
