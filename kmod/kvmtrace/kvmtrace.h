/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtrace: per-VM and per-vCPU KVM exit accounting.
 *
 * Object model:
 *
 *   struct kt_vm    one per traced VM (struct kvm), named like KVM's own
 *                   debugfs directory ("<pid>-<fd>").
 *   struct kt_vcpu  one per traced vCPU (struct kvm_vcpu), found in O(1)
 *                   from the hot path through an RCU hash keyed by the
 *                   struct kvm_vcpu pointer plus a per-CPU last-hit cache.
 *
 * Both come from pools preallocated at module load (max_vms, max_vcpus).
 * Nothing is allocated in the hot path.
 *
 * Counters in struct kt_stats are written only by the vCPU's own thread
 * (kvm_exit, kvm_entry, kvm_vcpu_wakeup and kvm_halt_poll_ns all fire on
 * it), so they are plain u64: there is exactly one writer, and aligned
 * 64-bit loads and stores are single-copy atomic on x86-64, so readers never
 * see torn values. Wakeup counters are bumped by whichever CPU wakes the
 * vCPU and are atomic64_t.
 */
#ifndef KVMTRACE_H
#define KVMTRACE_H

#include <linux/atomic.h>
#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <asm/barrier.h>
#include <linux/types.h>

struct dentry;
struct kvm;
struct kvm_vcpu;
struct module;
struct seq_file;

/* The "isa" argument of the kvm_exit tracepoint. */
#define KT_ISA_VMX		1
#define KT_ISA_SVM		2

/*
 * Exit codes are counted in a dense array. VMX basic reasons are < 128.
 * SVM codes 0x000-0x0ff map 1:1 and 0x400-0x41f (NPF, AVIC, VMGEXIT) follow
 * them. Anything else (a VMX reason with flag bits set, SVM_EXIT_ERR, ...)
 * goes to a small table of unknown codes.
 */
#define KT_VMX_CODES		128
#define KT_SVM_LOW_CODES	0x100
#define KT_SVM_HIGH_BASE	0x400
#define KT_SVM_HIGH_CODES	0x20
#define KT_NR_CODES		(KT_SVM_LOW_CODES + KT_SVM_HIGH_CODES)
#define KT_UNKNOWN_SLOTS	8

/* Latency histograms: bucket b counts values in [2^b, 2^(b+1)) ns. */
#define KT_HIST_BUCKETS		36
/* Per-reason latency histograms per vCPU; later reasons share "OTHER". */
#define KT_LAT_SLOTS		16
/* Distinct MSR indexes tracked per vCPU. */
#define KT_MSR_SLOTS		64

#define KT_NAME_LEN		32
#define KT_REASON_LEN		32

struct kt_hist {
	u64 b[KT_HIST_BUCKETS];
};

struct kt_lat {
	u32 code;
	struct kt_hist h;
};

struct kt_unknown {
	u32 code;
	u64 count;
};

struct kt_msr {
	u32 index;
	bool used;
	u64 writes;
	u64 reads;
};

/* Written only by the owning vCPU thread; see the comment at the top. */
struct kt_stats {
	/* exit -> entry pairing */
	u64 exit_ts;
	u32 exit_code;
	u32 exit_gen;
	s16 exit_idx;
	bool exit_hlt;
	bool npf_open;		/* last exit was NPF/EPT, not yet classified */
	bool npf_mmio_seen;	/* ... and KVM emulated MMIO for it */

	u64 exits;
	u64 exit_ns;		/* sum of paired non-HLT exit latencies */
	u64 slow;		/* non-HLT exits >= slow_ns */
	u64 count[KT_NR_CODES];
	struct kt_unknown unknown[KT_UNKNOWN_SLOTS];
	u64 unknown_lost;	/* unknown codes beyond KT_UNKNOWN_SLOTS */

	u8 lat_map[KT_NR_CODES];	/* slot + 1, 0 = none */
	u32 lat_used;
	struct kt_lat lat[KT_LAT_SLOTS];
	struct kt_hist lat_other;
	struct kt_hist lat_hlt;

	struct kt_msr msr[KT_MSR_SLOTS];
	u64 msr_lost_writes;	/* MSR table full */
	u64 msr_lost_reads;

	u64 npf_mmio;		/* NPF/EPT exits with MMIO emulation */
	u64 npf_fault;		/* NPF/EPT exits without */

	u64 hlt_exit_ns;	/* sum of paired HLT exit latencies */
	u64 halts;		/* kvm_vcpu_wakeup events */
	u64 poll_success;	/* halts that ended without sleeping */
	u64 poll_fail;		/* halts that slept */
	u64 halt_invalid;	/* wakeups KVM flagged as not valid */
	u64 halted_ns;
	u64 poll_grow;
	u64 poll_shrink;
	u64 poll_ns;		/* last halt_poll_ns value KVM set */
	struct kt_hist halt;
};

enum kt_obj_kind {
	KT_OBJ_VM,
	KT_OBJ_VCPU,
};

/* Pool entry life cycle. */
enum kt_state {
	KT_FREE,
	KT_NEW,		/* hashed and counting, debugfs dir pending */
	KT_LIVE,	/* debugfs dir created (or creation failed) */
	KT_DEAD,	/* unhashed, waiting for teardown */
};

struct kt_vm {
	enum kt_obj_kind kind;
	atomic_t state;
	struct list_head node;		/* kt_vms (RCU) or the free list */
	struct list_head dead_node;	/* kt_dead_vms */
	const struct kvm *key;
	struct list_head vcpus;		/* struct kt_vcpu.vm_node, RCU */
	struct dentry *dir;
	pid_t pid;
	u32 seq;
	u8 isa;
	char name[KT_NAME_LEN];
};

struct kt_vcpu {
	enum kt_obj_kind kind;
	atomic_t state;
	struct hlist_node hnode;	/* kt_vcpu_hash, RCU */
	struct list_head vm_node;	/* vm->vcpus, or the free list */
	const struct kvm_vcpu *key;
	struct kt_vm *vm;
	struct dentry *dir;
	int vcpu_id;
	u8 isa;
	u32 epoch;			/* kt_epoch when st was last zeroed */
	atomic64_t wake_piw;
	atomic64_t wake_other;
	struct kt_stats st;
};

/* Aggregated, printable view of one vCPU or of all vCPUs of a VM. */
struct kt_snap {
	struct kt_stats st;
	u64 wake_piw;
	u64 wake_other;
	u32 nr_vcpus;
	u8 isa;
};

/* main.c: run-time settings, changed through the control file */
DECLARE_STATIC_KEY_TRUE(kt_enabled);
extern int kt_pid_filter;
extern u64 kt_slow_ns;
extern u32 kt_epoch;
extern u32 kt_gen;
extern unsigned int kt_max_vms;
extern unsigned int kt_max_vcpus;

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

/* state.c */
int kt_state_init(void);
void kt_state_exit(void);
struct kt_vcpu *kt_vcpu_find(const struct kvm_vcpu *vcpu);
struct kt_vcpu *kt_vcpu_get(struct kvm_vcpu *vcpu, u8 isa);
void kt_vm_destroy(const struct kvm *kvm);
void kt_state_flush(void);
void kt_snap_vcpu(struct kt_snap *s, const struct kt_vcpu *v);
void kt_snap_vm(struct kt_snap *s, const struct kt_vm *vm);
void kt_state_summary(struct seq_file *m);
void kt_state_reset(void);
size_t kt_state_memory(void);

/* stats.c: called on the owning vCPU's thread only */
void kt_stats_exit(struct kt_stats *st, u8 isa, u32 code, u64 info1,
		   u32 msr);
u64 kt_stats_entry(struct kt_stats *st);
void kt_stats_mmio(struct kt_stats *st);
bool kt_code_is_npf(u8 isa, u32 code);
void kt_stats_halt(struct kt_stats *st, u64 ns, bool waited, bool valid);
void kt_stats_merge(struct kt_stats *dst, const struct kt_stats *src, u8 isa);
int kt_code_idx(u8 isa, u32 code);
u32 kt_idx_code(u8 isa, int idx);
unsigned int kt_hist_bucket(u64 ns);

static inline bool kt_active(void)
{
	return static_branch_likely(&kt_enabled);
}

/* Does the pid filter let @v through? */
static inline bool kt_traced(const struct kt_vcpu *v)
{
	int pid = READ_ONCE(kt_pid_filter);

	return !pid || v->vm->pid == pid;
}

/*
 * Called by the owning vCPU thread before it touches v->st: "reset" only
 * bumps kt_epoch, and each vCPU zeroes its own counters here, so the
 * counters keep a single writer. Readers ignore counters whose epoch is
 * stale (see kt_snap_vcpu()).
 */
static inline void kt_vcpu_own(struct kt_vcpu *v)
{
	u32 epoch = READ_ONCE(kt_epoch);

	if (unlikely(v->epoch != epoch)) {
		memset(&v->st, 0, sizeof(v->st));
		/* zeroed counters before the epoch; see kt_snap_vcpu() */
		smp_store_release(&v->epoch, epoch);
	}
}

/* names.c */
void kt_names_init(void);
const char *kt_reason_name(u8 isa, u32 code);
const char *kt_msr_name(u32 index);

/* hooks.c */
int kt_hooks_init(void);
void kt_hooks_exit(void);
void kt_hooks_show(struct seq_file *m);
bool kt_teardown_armed(void);
bool kt_symbols_resolved(void);

/* debugfs.c */
void kt_debugfs_init(void);
void kt_debugfs_exit(void);
void kt_debugfs_add_vm(struct kt_vm *vm);
void kt_debugfs_add_vcpu(struct kt_vcpu *v);

#endif /* KVMTRACE_H */
