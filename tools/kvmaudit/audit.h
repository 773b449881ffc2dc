/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One audit: everything read from the host (its shape, its VMs, its links
 * and kvmtrace's counters in two samples), the limits the rate checks use,
 * and the results the checks record. Reading happens once, up front, in
 * kvmaudit_collect(); the checks only look at what was read.
 */
#ifndef KVMAUDIT_AUDIT_H
#define KVMAUDIT_AUDIT_H

#include <stdbool.h>

#include "host.h"
#include "links.h"
#include "result.h"
#include "trace.h"
#include "vm.h"

/* Rates above which the kvmtrace checks warn, per vCPU and second. */
struct kvmaudit_limits {
	__u64 tsc_deadline;	/* IA32_TSC_DEADLINE writes */
	__u64 pio;		/* port I/O exits */
	__u64 wakeups;		/* halts ended by a wakeup */
};

#define KVMAUDIT_LIMITS_DEFAULT { \
	.tsc_deadline = 100000, \
	.pio = 10000, \
	.wakeups = 10000, \
}

struct kvmaudit {
	struct kvmaudit_limits lim;
	int pid;			/* only this process's VMs; 0 for all */
	double interval;		/* seconds between the two samples */

	struct kvmaudit_host host;
	struct kvmaudit_vms vms;
	bool kvm_debugfs;		/* KVM's debugfs directory is there */

	bool trace_loaded;		/* kvmtrace's directory is there */
	int trace_err;			/* 0, or why it could not be read */
	bool have_rates;		/* both samples were taken */
	__u64 interval_us;		/* between them, measured */
	struct kvmaudit_trace_sample trace[2];

	int links_err;
	struct kvmaudit_links links;

	struct kvmaudit_results results;
};

/*
 * A check: it looks at a (the host when vm is NULL, else that VM) and
 * records its results, named check.
 */
#define KVMAUDIT_CHECK(fn) \
	void fn(struct kvmaudit *a, const char *check, \
		const struct kvmaudit_vm *vm __maybe_unused)

/*
 * Read the host, every VM (a->pid) and, if kvmtrace is loaded and
 * a->interval > 0, two samples of its counters a->interval apart. VMs that
 * exit meanwhile are moved to a->vms.gone. Returns 0 or -errno for what
 * makes an audit impossible (the host's CPUs unreadable, /proc not
 * readable, out of memory).
 */
int kvmaudit_collect(struct kvmaudit *a);
void kvmaudit_release(struct kvmaudit *a);

/* The delta of a counter for a VM's vCPU between the samples, or false. */
bool kvmaudit_delta(const struct kvmaudit *a, const char *vm, unsigned int id,
		    enum kvmaudit_trace_counter c, __u64 *delta);

#endif /* KVMAUDIT_AUDIT_H */
