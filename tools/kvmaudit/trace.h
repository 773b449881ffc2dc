/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kvmaudit reads of kvmtrace's debugfs files (Documentation/
 * kvmtrace.rst; formats and keys from uapi/kvmtrace.h and
 * uapi/kvmtrace_keys.h): per vCPU, its IA32_TSC_DEADLINE writes, port
 * I/O exits, HLT exits and wakeups, in two samples an interval apart.
 */
#ifndef KVMAUDIT_TRACE_H
#define KVMAUDIT_TRACE_H

#include <stdbool.h>
#include <time.h>
#include <linux/types.h>

#include "uapi/kvmtrace.h"

#define KVMAUDIT_MSR_TSC_DEADLINE	0x6e0	/* IA32_TSC_DEADLINE */

/* The counters of one vCPU that the checks use. */
enum kvmaudit_trace_counter {
	KVMAUDIT_TSC_DEADLINE,		/* msrs: IA32_TSC_DEADLINE writes */
	KVMAUDIT_PIO,			/* exits: port I/O exits */
	KVMAUDIT_HLT,			/* hlt: exits */
	KVMAUDIT_PIW,			/* wakeups: piw */
	KVMAUDIT_WAKEUPS,		/* wakeups: piw + other */
	KVMAUDIT_TRACE_NR,
};

struct kvmaudit_trace_vcpu {
	unsigned int id;
	bool ok;			/* every file was read */
	__u64 c[KVMAUDIT_TRACE_NR];
};

struct kvmaudit_trace_vm {
	char name[KVMTRACE_NAME_LEN * 2];
	struct kvmaudit_trace_vcpu *vcpus;	/* by id */
	unsigned int nr_vcpus;
	unsigned int cap_vcpus;
};

struct kvmaudit_trace_sample {
	struct timespec t;		/* CLOCK_MONOTONIC */
	struct kvmaudit_trace_vm *vms;
	unsigned int nr_vms;
	unsigned int cap_vms;
};

/* The kvmtrace directory under the root: "/sys/kernel/debug/kvmtrace". */
#define KVMAUDIT_TRACE_DIR	"/sys/kernel/debug/" KVMTRACE_ROOT

/* true if kvmtrace's directory is there (the module is loaded). */
bool kvmaudit_trace_loaded(void);

/*
 * Read every VM of kvmtrace's vms/ directory. A VM or vCPU whose files
 * vanish while being read is left out. Returns 0 or -errno.
 */
int kvmaudit_trace_sample(struct kvmaudit_trace_sample *s);
void kvmaudit_trace_free(struct kvmaudit_trace_sample *s);

const struct kvmaudit_trace_vcpu *
kvmaudit_trace_vcpu(const struct kvmaudit_trace_sample *s, const char *vm,
		    unsigned int id);

const char *kvmaudit_trace_counter_name(enum kvmaudit_trace_counter c);

#endif /* KVMAUDIT_TRACE_H */
