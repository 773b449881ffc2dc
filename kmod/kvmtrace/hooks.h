/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hook table: every place kvmtrace attaches to KVM, and the handlers
 * that account what they see into state.h's entries.
 */
#ifndef KVMTRACE_HOOKS_H
#define KVMTRACE_HOOKS_H

#include <linux/types.h>

#include "stats.h"

struct kvm_vcpu;
struct kt_vcpu;
struct seq_file;
struct task_struct;

int kt_hooks_init(void);
void kt_hooks_exit(void);
void kt_hooks_show(struct seq_file *m);
bool kt_teardown_armed(void);
bool kt_symbols_resolved(void);

/* How the exit path learns SVM exit reasons; see hooks.c. */
enum kt_vmcb_layout {
	KT_VMCB_CHECKING,	/* get_exit_info(), comparing with the VMCB */
	KT_VMCB_DIRECT,		/* read from the VMCB */
	KT_VMCB_CALL,		/* get_exit_info(): the VMCB did not match */
};

const char *kt_exit_info_source(void);

/* A posted-interrupt wakeup handler's mark on its CPU; see hooks.c. */
struct kt_piw_mark {
	struct task_struct *task;
	unsigned int ctx;
};

struct kt_piw_save {
	struct kt_piw_mark prev;
	unsigned int ctx;
	int cpu;
};

void kt_piw_begin(struct kt_piw_save *save);
void kt_piw_end(const struct kt_piw_save *save);
bool kt_in_piw(void);
enum kt_poll kt_halt_update(struct kt_vcpu *v, const struct kvm_vcpu *vcpu,
			    u64 *other);
bool kt_wake_same_vcpu(const struct kt_vcpu *v, const struct kvm_vcpu *key,
		       u32 gen);

#endif /* KVMTRACE_HOOKS_H */
