/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The results of an audit: per check and subject (the host, a VM, or one
 * of a VM's disks or NICs) a verdict, why, the evidence (the values read,
 * as key=value pairs in the order they were read) and the fix.
 */
#ifndef KVMAUDIT_RESULT_H
#define KVMAUDIT_RESULT_H

#include <stdbool.h>
#include <linux/types.h>

#include "util.h"

/* Worse is larger; the exit code is the worst verdict's. */
enum kvmaudit_verdict {
	KVMAUDIT_PASS,
	KVMAUDIT_SKIP,
	KVMAUDIT_WARN,
	KVMAUDIT_FAIL,
	KVMAUDIT_VERDICT_NR,
};

struct kvmaudit_ev {
	char *key;
	char *val;
	bool num;		/* a number: JSON gets it unquoted */
};

struct kvmaudit_result {
	const char *check;	/* the check's name, static */
	char *vm;		/* the VM's name, NULL for the host */
	char *item;		/* "disk <id>", "nic <id>", or NULL */
	enum kvmaudit_verdict verdict;
	char *reason;
	struct kvmaudit_ev *ev;
	unsigned int nr_ev;
	unsigned int cap_ev;
	char *fix;		/* NULL: nothing to fix */
};

struct kvmaudit_results {
	struct kvmaudit_result *r;
	unsigned int nr;
	unsigned int cap;
	bool oom;
};

/*
 * Start a result of check for vm (NULL: the host) and item (NULL: the VM
 * as a whole). Its verdict is SKIP until kvmaudit_verdict() is called.
 * Returns NULL, and marks rs->oom, when out of memory; the other
 * functions take a NULL result and do nothing.
 */
struct kvmaudit_result *kvmaudit_begin(struct kvmaudit_results *rs,
				       const char *check, const char *vm,
				       const char *item);
__printf(3, 4)
void kvmaudit_ev(struct kvmaudit_result *r, const char *key, const char *fmt, ...);
void kvmaudit_ev_u64(struct kvmaudit_result *r, const char *key, __u64 v);
__printf(3, 4)
void kvmaudit_verdict(struct kvmaudit_result *r, enum kvmaudit_verdict v,
		      const char *fmt, ...);
__printf(2, 3)
void kvmaudit_fix(struct kvmaudit_result *r, const char *fmt, ...);

const char *kvmaudit_verdict_name(enum kvmaudit_verdict v);
enum kvmaudit_verdict kvmaudit_worst(const struct kvmaudit_results *rs);
void kvmaudit_results_free(struct kvmaudit_results *rs);

#endif /* KVMAUDIT_RESULT_H */
