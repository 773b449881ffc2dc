/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM and vCPU state: one struct kt_vm per traced VM (struct kvm), named
 * like KVM's own debugfs directory ("<pid>-<fd>"), and one struct kt_vcpu
 * per traced vCPU (struct kvm_vcpu), found in O(1) from the hot path
 * through a per-CPU last-hit cache and RCU hashes keyed by the struct
 * kvm_vcpu pointer and by the thread that last ran it (for tracepoints that
 * fire after KVM_RUN has put the vCPU).
 *
 * Both come from pools preallocated at module load (max_vms, max_vcpus).
 * Nothing is allocated in the hot path.
 *
 * A vCPU's counters (struct kt_stats, stats.h) are written only by the
 * vCPU's own thread. PIW wakeups are counted by whichever CPU wakes the
 * vCPU, in an atomic64_t on a cache line of its own.
 */
#ifndef KVMTRACE_STATE_H
#define KVMTRACE_STATE_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/barrier.h>

#include "control.h"
#include "stats.h"

struct dentry;
struct kvm;
struct kvm_vcpu;
struct seq_file;
struct task_struct;

#define KT_NAME_LEN		KVMTRACE_NAME_LEN

enum kt_obj_kind {
	KT_OBJ_VM,
	KT_OBJ_VCPU,
};

/* Pool entry life cycle. */
enum kt_state {
	KT_FREE,
	KT_NEW,		/* hashed and counting, debugfs dir pending */
	KT_LIVE,	/* debugfs dir created (or debugfs unavailable) */
	KT_DEAD,	/* unhashed, waiting for teardown */
};

struct kt_vm {
	enum kt_obj_kind kind;
	atomic_t state;
	struct list_head node;		/* kt_vms (RCU) or the free list */
	struct hlist_node hnode;	/* kt_vm_hash (RCU) */
	struct list_head dead_node;	/* kt_dead_vms */
	unsigned long dead_since;	/* jiffies */
	const struct kvm *key;
	struct list_head vcpus;		/* struct kt_vcpu.vm_node, RCU */
	struct dentry *dir;
	pid_t pid;
	u32 seq;
	u8 isa;
	char name[KT_NAME_LEN];
};

/* PIW wakeups are counted by the waking CPU: keep them off the hot lines. */
struct kt_wakeups {
	atomic64_t piw;
} ____cacheline_aligned_in_smp;

struct kt_vcpu {
	enum kt_obj_kind kind;
	atomic_t state;
	const struct kvm_vcpu *key;
	/*
	 * kt_gen when the exit hook's general path last found that this
	 * vCPU's exits may take the fast path (hooks.c); 0: they may not.
	 * Written by the vCPU thread only, and when the slot changes hands.
	 */
	u32 fast_gen;
	const struct task_struct *task;	/* thread of the last exit */
	struct kt_vm *vm;
	pid_t pid;			/* vm->pid, for the pid filter */
	u32 epoch;			/* kt_epoch when st was last zeroed */
	u32 gen;			/* bumped each time the slot is taken */
	int vcpu_id;
	u8 isa;
	struct hlist_node hnode;	/* kt_vcpu_hash, RCU */
	struct hlist_node tnode;	/* kt_task_hash, RCU */
	struct list_head vm_node;	/* vm->vcpus, or the free list */
	struct dentry *dir;
	/*
	 * KVM's halt-polling stats of this vCPU at its last halt, and
	 * kt_halt_gen then: each halt's change of them says what KVM's
	 * polling did. Written by the vCPU thread only, kept over reset.
	 */
	struct {
		u64 attempted, successful, invalid, wakeup;
		u64 piw;	/* wake.piw taken into account */
		u32 gen;
	} halt_seen;
	u64 piw_base;	/* wake.piw at the last reset; vCPU thread only */
	/* get_exit_info()'s results: written by the vCPU thread only */
	struct {
		u64 info1, info2;
		u32 reason, intr_info, error_code;
	} exit_info;
	struct kt_stats st;
	struct kt_wakeups wake;
};

/* Aggregated, printable view of one vCPU or of all vCPUs of a VM. */
struct kt_snap {
	struct kt_stats st;
	u64 wake_piw;
	u32 nr_vcpus;
	u8 isa;
};

/*
 * Host-wide event counters shown in "summary". Per-CPU because some of them
 * can fire on every exit (e.g. while a pool is full); not cleared by reset.
 */
enum kt_counter {
	KT_C_VM_FULL,		/* events dropped: VM pool full */
	KT_C_VCPU_FULL,		/* events dropped: vCPU pool full */
	KT_C_UNTRACKED,		/* events of vCPUs kvmtrace has no state for */
	KT_C_NOREASON,		/* exits seen before kvm_x86_ops was known */
	KT_C_DIR_FAIL,		/* debugfs directories that failed */
	KT_C_NR,
};

struct kt_counters {
	unsigned long n[KT_C_NR];
};

DECLARE_PER_CPU(struct kt_counters, kt_counters);

static inline void kt_count(enum kt_counter c)
{
	this_cpu_inc(kt_counters.n[c]);
}

unsigned long kt_counter_sum(enum kt_counter c);

/*
 * How per-VM and per-vCPU directories are made and removed (debugfs.c
 * registers them): the add functions return 0 when done, or an error to be
 * retried at the next run of the state work item.
 */
struct kt_dir_ops {
	int (*add_vm)(struct kt_vm *vm);
	int (*add_vcpu)(struct kt_vcpu *v);
	/* waits for readers inside a file operation of the VM's files */
	void (*remove_vm)(struct kt_vm *vm);
};

int kt_state_init(unsigned int max_vms, unsigned int max_vcpus);
void kt_state_exit(void);
void kt_state_set_dir_ops(const struct kt_dir_ops *ops);
/* state.c */
unsigned int kt_hash_bits_for(unsigned int entries);
struct kt_vcpu *kt_vcpu_lookup(const struct kvm_vcpu *vcpu);
struct kt_vcpu *kt_vcpu_create(struct kvm_vcpu *vcpu, u8 isa, bool can_free);
void kt_halt_seen_set(struct kt_vcpu *v, const struct kvm_vcpu *vcpu);
void kt_vcpu_set_task(struct kt_vcpu *v);
void kt_user_exit(void);
void kt_vm_destroy(const struct kvm *kvm);
void kt_state_flush(void);
void kt_snap_vcpu(struct kt_snap *s, const struct kt_vcpu *v);
void kt_snap_vm(struct kt_snap *s, const struct kt_vm *vm);
struct kt_state_summary {
	unsigned int vms, max_vms;
	unsigned int vcpus, max_vcpus;
	size_t memory_bytes;
	u64 exits;
	unsigned long counters[KT_C_NR];
};

void kt_state_summary(struct kt_state_summary *sum);
#ifdef DEBUG
void kt_state_selftest(unsigned int *failed);
#endif
size_t kt_state_memory(void);

/* Does the pid filter let @v through? */
static __always_inline bool kt_traced(const struct kt_vcpu *v)
{
	if (static_branch_unlikely(&kt_pid_filtering))
		return kt_pid_match(READ_ONCE(kt_pid_filter), v->pid);
	return true;
}

/*
 * The entry last found on each CPU. Never NULL once kt_state_init() has
 * run (a free entry's key matches no vCPU), so the hot paths compare its
 * key without a test.
 */
DECLARE_PER_CPU(struct kt_vcpu *, kt_last_vcpu);

/*
 * Find the entry of @vcpu, or NULL: the entry last found on this CPU, else
 * the hash. Any context; the caller must have preemption disabled (all
 * hooks do) so that the entry cannot be recycled under it.
 */
static __always_inline struct kt_vcpu *kt_vcpu_find(const struct kvm_vcpu *vcpu)
{
	struct kt_vcpu *v = this_cpu_read(kt_last_vcpu);

	if (likely(v && READ_ONCE(v->key) == vcpu))
		return v;
	return kt_vcpu_lookup(vcpu);
}

/*
 * Called by the owning vCPU thread before it touches v->st: "reset" only
 * bumps kt_epoch, and each vCPU zeroes its own counters here, so the
 * counters keep a single writer. Readers ignore counters whose epoch is
 * stale (see kt_snap_vcpu()).
 */
static __always_inline void kt_vcpu_own(struct kt_vcpu *v)
{
	u32 epoch = READ_ONCE(kt_epoch);

	if (unlikely(v->epoch != epoch)) {
		memset(&v->st, 0, sizeof(v->st));
		v->piw_base = atomic64_read(&v->wake.piw);
		/* zeroed counters before the epoch; see kt_snap_vcpu() */
		smp_store_release(&v->epoch, epoch);
	}
}

#endif /* KVMTRACE_STATE_H */
