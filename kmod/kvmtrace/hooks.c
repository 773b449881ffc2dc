// SPDX-License-Identifier: GPL-2.0
/*
 * The hook table: every place kvmtrace attaches to KVM, in one array.
 *
 * kvmtrace never links against kvm.ko, so KVM (kvm, kvm_intel, kvm_amd) can
 * be loaded after it, unloaded and reloaded while it stays loaded:
 *
 * - tracepoints are found by name in kvm.ko's tracepoint section from the
 *   tracepoint module notifier (COMING) and released there (GOING, before
 *   the tracepoints go away); the notifier replays COMING for modules that
 *   are already loaded;
 * - kprobes are armed on "module:symbol" targets when the module goes LIVE
 *   (and at load time for modules already there) and disarmed on GOING;
 * - two kvm.ko symbols are read from kvm.ko's own symbol table when it
 *   arrives: kvm_x86_ops, which is not exported, and kvm_get_running_vcpu,
 *   which is, but calling it directly would make kvmtrace.ko depend on
 *   kvm.ko: kvmtrace could then not be loaded before KVM, and KVM could not
 *   be unloaded while kvmtrace is loaded. Reading the module's own symbol
 *   table also avoids calling kallsyms_lookup_name() (unexported) through a
 *   pointer, which IBT-enabled kernels (Debian 6.12) may reject because it
 *   is not an indirect branch target.
 *
 * Hooks of one module are armed as a batch; if a required hook of the batch
 * fails, the hooks the batch armed are disarmed again (rollback).
 */
#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/preempt.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <asm/svm.h>

#include "control.h"
#include "hooks.h"
#include "fault.h"
#include "state.h"
#include "stats.h"
#include "trace.h"
#include "uapi/kvmtrace.h"

enum kt_hook_id {
	KT_H_EXIT,
	KT_H_ENTRY,
	KT_H_HALT,
	KT_H_POLL,
	KT_H_MMIO,
	KT_H_FAST_MMIO,
	KT_H_USER_EXIT,
	KT_H_DESTROY,
	KT_H_WAKE,
	KT_H_PIW_VMX,
	KT_H_PIW_SVM,
	KT_H_NR,
};

enum kt_hook_kind {
	KT_TRACEPOINT = BIT(0),
	KT_KPROBE = BIT(1),
	KT_KRETPROBE = BIT(2),
};

#define KT_PROBES	(KT_KPROBE | KT_KRETPROBE)

enum kt_hook_state {
	KT_HOOK_WAITING,	/* target module not loaded */
	KT_HOOK_ARMED,
	KT_HOOK_FAILED,
};

struct kt_hook {
	const char *target;		/* "module:symbol" */
	enum kt_hook_kind kind;
	bool required;			/* batch is rolled back without it */
	void *tp_probe;
	kprobe_pre_handler_t pre;
	kretprobe_handler_t entry;
	kretprobe_handler_t ret;
	size_t data_size;

	/* run time, under kt_hook_mutex */
	enum kt_hook_state state;
	int err;
	bool in_batch;
	struct tracepoint *tp;
	struct kprobe kp;
	struct kretprobe krp;
};

struct kt_hits {
	u64 n[KT_H_NR];
};

static DEFINE_PER_CPU(struct kt_hits, kt_hits);

/*
 * The posted-interrupt wakeup handler running on this CPU, if any: its task
 * and its interrupt context (see kt_irq_context()).
 */
static DEFINE_PER_CPU(struct kt_piw_mark, kt_piw_owner);

static DEFINE_MUTEX(kt_hook_mutex);

/* kvm.ko symbols, resolved from its symbol table when it loads. */
static struct {
	const struct kvm_x86_ops *x86_ops;
	struct kvm_vcpu *(*get_running_vcpu)(void);
} kt_kvm;
static int kt_tp_init_err;

/* The modules kvmtrace hooks into; all of them may come and go. */
static const char *const kt_modules[] = {
	"kvm", "kvm_intel", "kvm_amd",
};

static inline void kt_hit(enum kt_hook_id id)
{
	this_cpu_inc(kt_hits.n[id]);
}

/* ---- handlers ---------------------------------------------------------- */

/*
 * kvm_exit(vcpu, isa): on the vCPU thread with preemption off. VMX fires it
 * in vmx_vcpu_run() with IRQs off (before the fastpath); SVM fires it in
 * svm_vcpu_run() on 6.12 but in svm_handle_exit() on 6.1, i.e. after the
 * fastpath and with IRQs on, so SVM latencies on 6.1 start later.
 */
/*
 * SVM: reading the exit code straight from the VMCB saves the indirect call
 * of get_exit_info() on every exit. struct vcpu_svm is private to kvm_amd,
 * but on every supported kernel it starts with the struct kvm_vcpu and then
 * the pointer to the current VMCB (a page; the public struct vmcb gives the
 * rest). kvmtrace relies on that only once get_exit_info() agreed with it
 * on KT_VMCB_CHECKS exits; one disagreement and it keeps calling
 * get_exit_info() until kvm_amd is loaded again. "summary" says which.
 */
#define KT_VMCB_CHECKS	64

static atomic_t kt_vmcb_checks;
static int kt_vmcb_layout;	/* enum kt_vmcb_layout */

static __always_inline const struct vmcb *kt_svm_vmcb(struct kvm_vcpu *vcpu)
{
	return *(const struct vmcb **)((char *)vcpu + sizeof(*vcpu));
}

static void kt_vmcb_check(struct kvm_vcpu *vcpu, const struct kt_vcpu *v)
{
	const struct vmcb *vmcb = kt_svm_vmcb(vcpu);
	struct vmcb_control_area c;

	if (!PAGE_ALIGNED(vmcb) || !virt_addr_valid(vmcb) ||
	    copy_from_kernel_nofault(&c, &vmcb->control, sizeof(c)) ||
	    c.exit_code != v->exit_info.reason ||
	    c.exit_info_1 != v->exit_info.info1 ||
	    c.exit_info_2 != v->exit_info.info2) {
		WRITE_ONCE(kt_vmcb_layout, KT_VMCB_CALL);
		return;
	}
	if (atomic_inc_return(&kt_vmcb_checks) >= KT_VMCB_CHECKS)
		cmpxchg(&kt_vmcb_layout, KT_VMCB_CHECKING, KT_VMCB_DIRECT);
}

/* The exit reason through get_exit_info(); false if KVM has none yet. */
static noinline bool kt_exit_info(struct kt_vcpu *v, struct kvm_vcpu *vcpu,
				  u32 isa)
{
	const struct kvm_x86_ops *ops = kt_kvm.x86_ops;

	/* NULL until the vendor module has filled in kvm_x86_ops */
	if (unlikely(!ops->get_exit_info)) {
		kt_count(KT_C_NOREASON);
		return false;
	}
	/*
	 * Exactly what the kvm_exit tracepoint's own TP_fast_assign does. The
	 * results go to the vCPU's entry, not the stack, which keeps stack
	 * canaries and auto-initialisation off this path.
	 */
	ops->get_exit_info(vcpu, &v->exit_info.reason, &v->exit_info.info1,
			   &v->exit_info.info2, &v->exit_info.intr_info,
			   &v->exit_info.error_code);
	if (isa == KT_ISA_SVM &&
	    READ_ONCE(kt_vmcb_layout) == KT_VMCB_CHECKING)
		kt_vmcb_check(vcpu, v);
	return true;
}

const char *kt_exit_info_source(void)
{
	static const char *const names[] = {
		[KT_VMCB_CHECKING] = "checking",
		[KT_VMCB_DIRECT] = "vmcb",
		[KT_VMCB_CALL] = "get_exit_info",
	};

	static_assert(ARRAY_SIZE(names) == KT_VMCB_CALL + 1);
	return names[READ_ONCE(kt_vmcb_layout)];
}

/*
 * The exit hook's general path: a vCPU's first exits, the first exit after
 * a settings change (kt_gen) or a return to userspace, VMX, SVM while the
 * VMCB is being checked, and exits kt_stats_exit_fast() does not take.
 * It checks everything the fast path takes for granted, and lets the
 * vCPU's next exits take the fast path by setting v->fast_gen: on SVM with
 * the VMCB read directly, on the TSC, with no NPF exit open.
 */
static noinline __noclone void kt_exit_slow(void *data, struct kvm_vcpu *vcpu,
					    u32 isa)
{
	u32 gen = READ_ONCE(kt_gen);
	const struct vmcb *vmcb;
	struct kt_vcpu *v;
	u32 ecx;

	/* the settings as of @gen or later; pairs with kt_gen_advance() */
	smp_rmb();
	if (!kt_active())
		return;
	v = kt_vcpu_find(vcpu);
	if (unlikely(!v)) {
		v = kt_vcpu_create(vcpu, isa, kt_teardown_armed());
		if (!v)
			return;
	}
	if (!kt_traced(v))
		return;
	kt_vcpu_own(v);
	if (unlikely(READ_ONCE(v->task) != current))
		kt_vcpu_set_task(v);

	ecx = vcpu->arch.regs[VCPU_REGS_RCX];
	if (likely(isa == KT_ISA_SVM &&
		   READ_ONCE(kt_vmcb_layout) == KT_VMCB_DIRECT)) {
		vmcb = kt_svm_vmcb(vcpu);
		kt_stats_exit(&v->st, KT_ISA_SVM, vmcb->control.exit_code,
			      vmcb->control.exit_info_1, ecx, gen);
		v->fast_gen = v->st.open.gen & KT_OPEN_SLOW ? 0 : gen;
		return;
	}
	v->fast_gen = 0;
	if (!kt_exit_info(v, vcpu, isa))
		return;
	/* one copy of the accounting per vendor, the vendor tests folded */
	if (isa == KT_ISA_SVM)
		kt_stats_exit(&v->st, KT_ISA_SVM, v->exit_info.reason,
			      v->exit_info.info1, ecx, gen);
	else
		kt_stats_exit(&v->st, KT_ISA_VMX, v->exit_info.reason,
			      v->exit_info.info1, ecx, gen);
}

/*
 * kvm_exit, on every exit: the fast path for a vCPU whose settings the
 * general path checked under the current kt_gen (the entry found in this
 * CPU's cache, v->fast_gen), an SVM exit whose code is read from the VMCB.
 * kt_last_vcpu is never NULL (state.c).
 */
static notrace void kt_tp_exit(void *data, struct kvm_vcpu *vcpu, u32 isa)
{
	struct kt_vcpu *v = this_cpu_read(kt_last_vcpu);
	u32 gen = READ_ONCE(kt_gen);
	const struct vmcb *vmcb;
	unsigned long code;

	kt_hit(KT_H_EXIT);
	/* a plain read of the key, which may change: it is only compared */
	if (likely(data_race(v->key) == vcpu && v->fast_gen == gen)) {
		vmcb = kt_svm_vmcb(vcpu);
		code = vmcb->control.exit_code;
		if (likely(kt_stats_exit_fast(&v->st, code, gen))) {
			if (code == SVM_EXIT_MSR)
				kt_count_msr(&v->st,
					     vcpu->arch.regs[VCPU_REGS_RCX],
					     vmcb->control.exit_info_1 != 0);
			return;
		}
	}
	/* the same arguments: a plain jump */
	kt_exit_slow(data, vcpu, isa);
}

/* An exit that took at least slow_ns; not on the fast path. */
static noinline void kt_slow_exit(struct kt_vcpu *v, u64 ns,
				  enum kt_where where)
{
	if (kt_open_is_hlt(&v->st))
		return;
	kt_inc(v->st.slow[where]);
	trace_kvmtrace_slow_exit(v->vm->name, v->pid, v->vcpu_id, v->isa,
				 v->st.open.code, ns, where == KT_IN_USER);
}

/* The entry hook's general path: whatever kt_stats_entry_fast() does not take. */
static noinline __noclone void kt_entry_slow(void *data,
					     struct kvm_vcpu *vcpu)
{
	u32 gen = READ_ONCE(kt_gen);
	enum kt_where where;
	struct kt_vcpu *v;
	u64 ns;

	if (!kt_active())
		return;
	v = kt_vcpu_find(vcpu);
	if (!v || !kt_traced(v))
		return;
	ns = kt_stats_entry(&v->st, gen, &where);
	if (unlikely(ns >= READ_ONCE(kt_slow_threshold)))
		kt_slow_exit(v, ns, where);
}

/*
 * kvm_entry, on every entry: the fast path closes an exit the exit hook
 * opened under the current kt_gen, without flags (stats.h).
 */
static __always_inline void kt_entry(void *data, struct kvm_vcpu *vcpu)
{
	struct kt_vcpu *v = this_cpu_read(kt_last_vcpu);
	u32 gen = READ_ONCE(kt_gen);
	u64 ns;

	kt_hit(KT_H_ENTRY);
	/* a plain read of the key, which may change: it is only compared */
	if (likely(data_race(v->key) == vcpu && v->st.open.gen == gen)) {
		ns = kt_stats_entry_fast(&v->st);
		/* a plain read of the setting: compared from memory */
		if (unlikely(ns >= data_race(kt_slow_threshold)))
			kt_slow_exit(v, ns, KT_IN_KERNEL);
		return;
	}
	/* the same first arguments: a plain jump */
	kt_entry_slow(data, vcpu);
}

#ifdef HAVE_KVM_ENTRY_IMMEDIATE_EXIT
static notrace void kt_tp_entry(void *data, struct kvm_vcpu *vcpu,
				bool force_immediate_exit)
{
	kt_entry(data, vcpu);
}
#else
static notrace void kt_tp_entry(void *data, struct kvm_vcpu *vcpu)
{
	kt_entry(data, vcpu);
}
#endif

/*
 * The vCPU loaded on this thread, for tracepoints without a vCPU argument
 * that fire inside KVM_RUN; its struct kvm_vcpu in @vcpu if not NULL.
 */
static struct kt_vcpu *kt_running_vcpu(struct kvm_vcpu **vcpup)
{
	typeof(kt_kvm.get_running_vcpu) fn = READ_ONCE(kt_kvm.get_running_vcpu);
	struct kvm_vcpu *vcpu = fn ? fn() : NULL;
	struct kt_vcpu *v;

	if (vcpup)
		*vcpup = vcpu;
	if (!vcpu)
		return NULL;
	v = kt_vcpu_find(vcpu);
	if (!v) {
		kt_count(KT_C_UNTRACKED);
		return NULL;
	}
	if (!kt_traced(v))
		return NULL;
	kt_vcpu_own(v);
	return v;
}

static struct kt_vcpu *kt_running(void)
{
	return kt_running_vcpu(NULL);
}

/*
 * What KVM did for the halt that just ended, from its own per-vCPU stats:
 * kvm_vcpu_halt() updates halt_attempted_poll, halt_successful_poll and
 * halt_poll_invalid before kvm_vcpu_wakeup fires, so their change since the
 * previous halt is this halt's. (Whether KVM polled cannot be told from the
 * tracepoint: it depends on the vCPU's halt_poll_ns when the halt began,
 * which KVM may zero at its end without a kvm_halt_poll_ns event.) The
 * change of halt_wakeup, less the PIW wakeups counted meanwhile, gives
 * @other. After a disable, halts may have gone unseen: the first one is
 * then neither classified nor its wakeups counted.
 */
enum kt_poll kt_halt_update(struct kt_vcpu *v, const struct kvm_vcpu *vcpu,
			    u64 *other)
{
	const struct kvm_vcpu_stat_generic *g = &vcpu->stat.generic;
	u64 attempted = READ_ONCE(g->halt_attempted_poll);
	u64 successful = READ_ONCE(g->halt_successful_poll);
	u64 invalid = READ_ONCE(g->halt_poll_invalid);
	u64 wakeups = READ_ONCE(g->halt_wakeup);
	u64 piw = atomic64_read(&v->wake.piw) - v->halt_seen.piw;
	u64 woken = wakeups - v->halt_seen.wakeup;
	enum kt_poll poll;

	*other = 0;
	if (unlikely(v->halt_seen.gen != READ_ONCE(kt_halt_gen))) {
		kt_halt_seen_set(v, vcpu);
		return KT_POLL_UNKNOWN;
	}
	if (attempted == v->halt_seen.attempted)
		poll = KT_POLL_NONE;
	else if (invalid != v->halt_seen.invalid)
		poll = KT_POLL_INVALID;
	else if (successful != v->halt_seen.successful)
		poll = KT_POLL_SUCCESS;
	else
		poll = KT_POLL_FAIL;
	/* a PIW's return handler may still run after the vCPU saw it */
	piw = min(piw, woken);
	*other = woken - piw;
	v->halt_seen.attempted = attempted;
	v->halt_seen.successful = successful;
	v->halt_seen.invalid = invalid;
	v->halt_seen.wakeup = wakeups;
	v->halt_seen.piw += piw;
	return poll;
}

/* kvm_vcpu_wakeup(ns, waited, valid): end of kvm_vcpu_halt(). */
static void kt_tp_halt(void *data, u64 ns, bool waited, bool valid)
{
	struct kvm_vcpu *vcpu;
	struct kt_vcpu *v;
	enum kt_poll poll;
	u64 other;

	kt_hit(KT_H_HALT);
	if (!kt_active())
		return;
	v = kt_running_vcpu(&vcpu);
	if (!v)
		return;
	poll = kt_halt_update(v, vcpu, &other);
	kt_stats_halt(&v->st, ns, waited, poll);
	kt_add(v->st.wake_other, other);
}

/* kvm_halt_poll_ns(grow, vcpu_id, new, old) */
static void kt_tp_poll(void *data, bool grow, unsigned int vcpu_id,
		       unsigned int new, unsigned int old)
{
	struct kt_vcpu *v;

	kt_hit(KT_H_POLL);
	if (!kt_active())
		return;
	v = kt_running();
	if (v)
		kt_stats_poll_ns(&v->st, grow, new, old);
}

/*
 * kvm_mmio(type, len, gpa, val): KVM emulated an MMIO access, on the vCPU
 * thread. Only used to classify the vCPU's open NPF/EPT exit, if any.
 */
static void kt_tp_mmio(void *data, int type, int len, u64 gpa, void *val)
{
	struct kt_vcpu *v;

	kt_hit(KT_H_MMIO);
	if (!kt_active())
		return;
	v = kt_running();
	if (v)
		kt_stats_mmio(&v->st);
}

/*
 * kvm_fast_mmio(gpa): VMX's EPT-misconfig fast path handed an MMIO write to
 * an ioeventfd (virtio notifies) without emulating it, so kvm_mmio does not
 * fire. It is MMIO all the same.
 */
static void kt_tp_fast_mmio(void *data, u64 gpa)
{
	struct kt_vcpu *v;

	kt_hit(KT_H_FAST_MMIO);
	if (!kt_active())
		return;
	v = kt_running();
	if (v)
		kt_stats_mmio(&v->st);
}

/*
 * kvm_userspace_exit(reason, errno): KVM_RUN returns to userspace, after
 * the vCPU was put; the exit in progress, if any, is completed there (or
 * the vCPU stays out of the guest for a signal, a pause, a stop).
 */
static void kt_tp_user_exit(void *data, u32 reason, int err)
{
	kt_hit(KT_H_USER_EXIT);
	if (!kt_active())
		return;
	kt_user_exit();
}

/* kvm_arch_destroy_vm(kvm): process context, no vCPU runs any more. */
static int kt_kp_destroy(struct kprobe *p, struct pt_regs *regs)
{
	kt_hit(KT_H_DESTROY);
	kt_vm_destroy((const struct kvm *)regs_get_kernel_argument(regs, 0));
	return 0;
}

struct kt_wake_data {
	struct kt_vcpu *v;
	const struct kvm_vcpu *key;
	u32 gen;
};

/*
 * The interrupt context we run in: hardirq nesting and softirq service,
 * so that a hardirq or softirq interrupting a posted-interrupt wakeup
 * thread is not taken for it. An int3-based kprobe runs its handlers as an
 * NMI, which also counts one hardirq level: that level is not ours.
 */
static unsigned int kt_irq_context(void)
{
	unsigned int pc = preempt_count();
	unsigned int nmi = (pc & NMI_MASK) >> NMI_SHIFT;

	return ((pc & HARDIRQ_MASK) - nmi * HARDIRQ_OFFSET) |
	       (pc & SOFTIRQ_OFFSET);
}

bool kt_in_piw(void)
{
	const struct kt_piw_mark *m = this_cpu_ptr(&kt_piw_owner);

	return READ_ONCE(m->task) == current &&
	       READ_ONCE(m->ctx) == kt_irq_context();
}

/*
 * kvm_vcpu_wake_up(vcpu) inside a posted-interrupt wakeup handler: a PIW.
 * Both handlers call it out of line (they are in kvm_intel and kvm_amd), so
 * a kretprobe sees them; kvm_vcpu_kick() inlines it and is not seen, which
 * keeps the probe off the common wakeup paths. It returns true if the vCPU
 * was waiting and is woken, the event KVM counts in halt_wakeup. All other
 * wakeups are KVM's halt_wakeup count minus these (kt_halt_update()).
 */
static int kt_krp_wake_entry(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	struct kt_wake_data *d = (struct kt_wake_data *)ri->data;
	struct kvm_vcpu *vcpu;

	kt_hit(KT_H_WAKE);
	if (!kt_active() || !kt_in_piw())
		return 1;	/* skip the return handler */
	vcpu = (struct kvm_vcpu *)regs_get_kernel_argument(regs, 0);
	d->v = kt_vcpu_find(vcpu);
	if (!d->v)
		return 1;
	d->key = READ_ONCE(d->v->key);
	d->gen = READ_ONCE(d->v->gen);
	return 0;
}

/*
 * The waker (AMD's GA-log thread) may be preempted between the two
 * handlers, long enough for the vCPU's VM to die and its slot to be taken
 * by another vCPU: only count the wakeup if the slot still has the
 * identity it had at entry. The pool entry itself is never freed while the
 * probe is armed.
 */
bool kt_wake_same_vcpu(const struct kt_vcpu *v, const struct kvm_vcpu *key,
		       u32 gen)
{
	return key && READ_ONCE(v->key) == key && READ_ONCE(v->gen) == gen;
}

static int kt_krp_wake_ret(struct kretprobe_instance *ri,
			   struct pt_regs *regs)
{
	struct kt_wake_data *d = (struct kt_wake_data *)ri->data;
	struct kt_vcpu *v = d->v;

	if (!(bool)regs_return_value(regs) || !kt_active())
		return 0;
	if (kt_wake_same_vcpu(v, d->key, d->gen) && kt_traced(v))
		atomic64_inc(&v->wake.piw);
	return 0;
}

/*
 * Posted-interrupt wakeup handlers: Intel's pi_wakeup_handler() (hardirq,
 * wakeup vector) and AMD's avic_ga_log_notifier() (IOMMU GA log, may be a
 * preemptible thread). While one runs, kvm_vcpu_wake_up() calls made by the
 * same task, in the same interrupt context, on this CPU are charged as PIW;
 * a timer interrupt that preempts the GA-log thread and kicks a vCPU is not
 * a PIW. The CPU is remembered so the mark is cleared where it was set even
 * if the task migrated.
 */
/* Mark this CPU; @save keeps the mark of a handler we interrupted. */
void kt_piw_begin(struct kt_piw_save *save)
{
	struct kt_piw_mark *m = this_cpu_ptr(&kt_piw_owner);

	save->cpu = smp_processor_id();
	save->prev = *m;
	WRITE_ONCE(m->task, NULL);
	WRITE_ONCE(m->ctx, kt_irq_context());
	WRITE_ONCE(m->task, current);
	save->ctx = m->ctx;
}

/* Where it was set, if it is still ours, put the previous mark back. */
void kt_piw_end(const struct kt_piw_save *save)
{
	struct kt_piw_mark *m = per_cpu_ptr(&kt_piw_owner, save->cpu);

	if (READ_ONCE(m->ctx) != save->ctx ||
	    cmpxchg(&m->task, current, NULL) != current)
		return;
	if (save->prev.task) {
		WRITE_ONCE(m->ctx, save->prev.ctx);
		WRITE_ONCE(m->task, save->prev.task);
	}
}

static int kt_krp_piw_entry(struct kretprobe_instance *ri,
			    struct pt_regs *regs, enum kt_hook_id id)
{
	kt_hit(id);
	kt_piw_begin((struct kt_piw_save *)ri->data);
	return 0;
}

static int kt_krp_piw_vmx_entry(struct kretprobe_instance *ri,
				struct pt_regs *regs)
{
	return kt_krp_piw_entry(ri, regs, KT_H_PIW_VMX);
}

static int kt_krp_piw_svm_entry(struct kretprobe_instance *ri,
				struct pt_regs *regs)
{
	return kt_krp_piw_entry(ri, regs, KT_H_PIW_SVM);
}

static int kt_krp_piw_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	kt_piw_end((struct kt_piw_save *)ri->data);
	return 0;
}

/* ---- the table --------------------------------------------------------- */

static struct kt_hook kt_hooks[KT_H_NR] = {
	[KT_H_EXIT] = {
		.target = "kvm:kvm_exit",
		.kind = KT_TRACEPOINT,
		.required = true,
		.tp_probe = kt_tp_exit,
	},
	[KT_H_ENTRY] = {
		.target = "kvm:kvm_entry",
		.kind = KT_TRACEPOINT,
		.required = true,
		.tp_probe = kt_tp_entry,
	},
	[KT_H_HALT] = {
		.target = "kvm:kvm_vcpu_wakeup",
		.kind = KT_TRACEPOINT,
		.tp_probe = kt_tp_halt,
	},
	[KT_H_POLL] = {
		.target = "kvm:kvm_halt_poll_ns",
		.kind = KT_TRACEPOINT,
		.tp_probe = kt_tp_poll,
	},
	[KT_H_MMIO] = {
		.target = "kvm:kvm_mmio",
		.kind = KT_TRACEPOINT,
		.tp_probe = kt_tp_mmio,
	},
	[KT_H_FAST_MMIO] = {
		.target = "kvm:kvm_fast_mmio",
		.kind = KT_TRACEPOINT,
		.tp_probe = kt_tp_fast_mmio,
	},
	[KT_H_USER_EXIT] = {
		.target = "kvm:kvm_userspace_exit",
		.kind = KT_TRACEPOINT,
		.required = true,
		.tp_probe = kt_tp_user_exit,
	},
	[KT_H_DESTROY] = {
		.target = "kvm:kvm_arch_destroy_vm",
		.kind = KT_KPROBE,
		.required = true,
		.pre = kt_kp_destroy,
	},
	[KT_H_WAKE] = {
		.target = "kvm:kvm_vcpu_wake_up",
		.kind = KT_KRETPROBE,
		.entry = kt_krp_wake_entry,
		.ret = kt_krp_wake_ret,
		.data_size = sizeof(struct kt_wake_data),
	},
	[KT_H_PIW_VMX] = {
		.target = "kvm_intel:pi_wakeup_handler",
		.kind = KT_KRETPROBE,
		.entry = kt_krp_piw_vmx_entry,
		.ret = kt_krp_piw_ret,
		.data_size = sizeof(struct kt_piw_save),
	},
	[KT_H_PIW_SVM] = {
		.target = "kvm_amd:avic_ga_log_notifier",
		.kind = KT_KRETPROBE,
		.entry = kt_krp_piw_svm_entry,
		.ret = kt_krp_piw_ret,
		.data_size = sizeof(struct kt_piw_save),
	},
};

static const char *kt_hook_symbol(const struct kt_hook *h)
{
	return strchr(h->target, ':') + 1;
}

static bool kt_hook_match(const struct kt_hook *h, const char *mod,
			  unsigned int kinds)
{
	size_t len = strlen(mod);

	return (h->kind & kinds) && !strncmp(h->target, mod, len) &&
	       h->target[len] == ':';
}

bool kt_teardown_armed(void)
{
	return READ_ONCE(kt_hooks[KT_H_DESTROY].state) == KT_HOOK_ARMED;
}

bool kt_symbols_resolved(void)
{
	return READ_ONCE(kt_kvm.x86_ops) && READ_ONCE(kt_kvm.get_running_vcpu);
}

static int kt_hook_arm(struct kt_hook *h)
{
	int ret = kt_fault_arm(h->target);

	if (ret)
		return ret;
	switch (h->kind) {
	case KT_TRACEPOINT:
		if (!h->tp)
			return -ENOENT;
		return tracepoint_probe_register(h->tp, h->tp_probe, NULL);
	case KT_KPROBE:
		memset(&h->kp, 0, sizeof(h->kp));
		h->kp.symbol_name = h->target;
		h->kp.pre_handler = h->pre;
		return register_kprobe(&h->kp);
	case KT_KRETPROBE:
		memset(&h->krp, 0, sizeof(h->krp));
		h->krp.kp.symbol_name = h->target;
		h->krp.entry_handler = h->entry;
		h->krp.handler = h->ret;
		h->krp.data_size = h->data_size;
		return register_kretprobe(&h->krp);
	}
	return -EINVAL;
}

static void kt_hook_disarm(struct kt_hook *h)
{
	switch (h->kind) {
	case KT_TRACEPOINT:
		tracepoint_probe_unregister(h->tp, h->tp_probe, NULL);
		break;
	case KT_KPROBE:
		unregister_kprobe(&h->kp);
		break;
	case KT_KRETPROBE:
		unregister_kretprobe(&h->krp);
		break;
	}
}

/*
 * Arm the hooks of module @mod whose kind is in @kinds. With @absent_ok an
 * -ENOENT means "module not loaded yet" and leaves the hook waiting. If a
 * required hook fails, everything this call armed is disarmed again.
 */
static int kt_arm_batch(const char *mod, unsigned int kinds, bool absent_ok)
{
	struct kt_hook *h;
	int i, j, ret = 0;

	lockdep_assert_held(&kt_hook_mutex);
	for (i = 0; i < KT_H_NR; i++) {
		h = &kt_hooks[i];
		if (!kt_hook_match(h, mod, kinds) || h->state == KT_HOOK_ARMED)
			continue;
		ret = kt_hook_arm(h);
		h->err = ret;
		if (!ret) {
			WRITE_ONCE(h->state, KT_HOOK_ARMED);
			h->in_batch = true;
			continue;
		}
		if (absent_ok && ret == -ENOENT) {
			h->state = KT_HOOK_WAITING;
			h->err = 0;
			ret = 0;
			continue;
		}
		h->state = KT_HOOK_FAILED;
		pr_warn("cannot attach to %s: %d\n", h->target, ret);
		if (!h->required) {
			ret = 0;
			continue;
		}
		for (j = i - 1; j >= 0; j--) {
			if (!kt_hooks[j].in_batch)
				continue;
			kt_hook_disarm(&kt_hooks[j]);
			WRITE_ONCE(kt_hooks[j].state, KT_HOOK_FAILED);
			kt_hooks[j].err = -ECANCELED;
		}
		/* and the ones not tried yet are cancelled as well */
		for (j = i + 1; j < KT_H_NR; j++) {
			h = &kt_hooks[j];
			if (!kt_hook_match(h, mod, kinds) ||
			    h->state == KT_HOOK_ARMED)
				continue;
			h->state = KT_HOOK_FAILED;
			h->err = -ECANCELED;
		}
		break;
	}
	for (i = 0; i < KT_H_NR; i++)
		kt_hooks[i].in_batch = false;
	return ret;
}

/* Mark the hooks of @mod of @kinds failed without trying to arm them. */
static void kt_fail_batch(const char *mod, unsigned int kinds, int err)
{
	int i;

	lockdep_assert_held(&kt_hook_mutex);
	for (i = 0; i < KT_H_NR; i++) {
		struct kt_hook *h = &kt_hooks[i];

		if (!kt_hook_match(h, mod, kinds) ||
		    h->state == KT_HOOK_ARMED)
			continue;
		h->state = KT_HOOK_FAILED;
		h->err = err;
	}
}

/* Disarm the hooks of @mod of @kinds; returns true if any was armed. */
static bool kt_disarm_batch(const char *mod, unsigned int kinds)
{
	bool any = false;
	int i;

	lockdep_assert_held(&kt_hook_mutex);
	for (i = KT_H_NR - 1; i >= 0; i--) {
		struct kt_hook *h = &kt_hooks[i];

		if (!kt_hook_match(h, mod, kinds))
			continue;
		if (h->state == KT_HOOK_ARMED) {
			kt_hook_disarm(h);
			any = true;
		}
		WRITE_ONCE(h->state, KT_HOOK_WAITING);
		h->err = 0;
		h->tp = NULL;
	}
	return any;
}

/* ---- kvm.ko symbols ---------------------------------------------------- */

static unsigned long kt_module_symbol(struct module *mod, const char *name)
{
	struct mod_kallsyms *ks;
	unsigned long addr = 0;
	unsigned int i;

	rcu_read_lock_sched();
	ks = rcu_dereference_sched(mod->kallsyms);
	for (i = 0; ks && i < ks->num_symtab; i++) {
		if (ks->symtab[i].st_shndx != SHN_UNDEF &&
		    !strcmp(ks->strtab + ks->symtab[i].st_name, name)) {
			addr = ks->symtab[i].st_value;
			break;
		}
	}
	rcu_read_unlock_sched();
	return addr;
}

static bool kt_resolve_symbols(struct module *mod)
{
	unsigned long ops = kt_module_symbol(mod, "kvm_x86_ops");
	unsigned long fn = kt_module_symbol(mod, "kvm_get_running_vcpu");

	if (!ops || !fn) {
		pr_warn("kvm_x86_ops or kvm_get_running_vcpu not found in %s\n",
			mod->name);
		return false;
	}
	WRITE_ONCE(kt_kvm.x86_ops, (const struct kvm_x86_ops *)ops);
	WRITE_ONCE(kt_kvm.get_running_vcpu,
		   (struct kvm_vcpu *(*)(void))fn);
	return true;
}

/* ---- notifiers --------------------------------------------------------- */

static bool kt_module_has(const char *mod, unsigned int kinds)
{
	int i;

	for (i = 0; i < KT_H_NR; i++)
		if (kt_hook_match(&kt_hooks[i], mod, kinds))
			return true;
	return false;
}

static void kt_tp_coming(struct module *mod)
{
	unsigned int i;
	int j, ret;

	mutex_lock(&kt_hook_mutex);
	if (!strcmp(mod->name, "kvm") && !kt_resolve_symbols(mod)) {
		/* the exit hook cannot work without kvm_x86_ops */
		kt_fail_batch(mod->name, KT_TRACEPOINT, -ENOENT);
		if (!kt_tp_init_err)
			kt_tp_init_err = -ENOENT;
		mutex_unlock(&kt_hook_mutex);
		return;
	}
	for (i = 0; i < mod->num_tracepoints; i++) {
		struct tracepoint *tp;

		tp = tracepoint_ptr_deref(&mod->tracepoints_ptrs[i]);
		for (j = 0; j < KT_H_NR; j++) {
			struct kt_hook *h = &kt_hooks[j];

			if (kt_hook_match(h, mod->name, KT_TRACEPOINT) &&
			    !strcmp(tp->name, kt_hook_symbol(h)))
				h->tp = tp;
		}
	}
	ret = kt_arm_batch(mod->name, KT_TRACEPOINT, false);
	if (ret && !kt_tp_init_err)
		kt_tp_init_err = ret;
	mutex_unlock(&kt_hook_mutex);
}

static void kt_tp_going(struct module *mod)
{
	bool is_kvm = !strcmp(mod->name, "kvm");

	mutex_lock(&kt_hook_mutex);
	if (kt_disarm_batch(mod->name, KT_TRACEPOINT))
		tracepoint_synchronize_unregister();
	if (is_kvm) {
		WRITE_ONCE(kt_kvm.x86_ops, NULL);
		WRITE_ONCE(kt_kvm.get_running_vcpu, NULL);
	}
	mutex_unlock(&kt_hook_mutex);

	/* Every VM is gone with kvm.ko; drop whatever state is left. */
	if (is_kvm)
		kt_state_flush();
}

static int kt_tp_notify(struct notifier_block *nb, unsigned long action,
			void *data)
{
	struct tp_module *tp_mod = data;

	if (!kt_module_has(tp_mod->mod->name, KT_TRACEPOINT))
		return NOTIFY_DONE;
	if (action == MODULE_STATE_COMING)
		kt_tp_coming(tp_mod->mod);
	else if (action == MODULE_STATE_GOING)
		kt_tp_going(tp_mod->mod);
	return NOTIFY_OK;
}

static struct notifier_block kt_tp_nb = {
	.notifier_call = kt_tp_notify,
};

static int kt_module_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	struct module *mod = data;

	if (!kt_module_has(mod->name, KT_PROBES))
		return NOTIFY_DONE;
	mutex_lock(&kt_hook_mutex);
	if (action == MODULE_STATE_LIVE)
		kt_arm_batch(mod->name, KT_PROBES, false);
	else if (action == MODULE_STATE_GOING)
		kt_disarm_batch(mod->name, KT_PROBES);
	/* no VM is left: a new kvm_amd is checked again (kt_vmcb_check()) */
	if (action == MODULE_STATE_GOING && !strcmp(mod->name, "kvm_amd")) {
		WRITE_ONCE(kt_vmcb_layout, KT_VMCB_CHECKING);
		atomic_set(&kt_vmcb_checks, 0);
		/* no vCPU takes the fast path before the new checks passed */
		kt_gen_advance();
	}
	mutex_unlock(&kt_hook_mutex);
	return NOTIFY_OK;
}

static struct notifier_block kt_module_nb = {
	.notifier_call = kt_module_notify,
};

/* ---- init/exit and the "probes" file ----------------------------------- */

static void kt_disarm_all_probes(void)
{
	unsigned int i;

	mutex_lock(&kt_hook_mutex);
	for (i = 0; i < ARRAY_SIZE(kt_modules); i++)
		kt_disarm_batch(kt_modules[i], KT_PROBES);
	mutex_unlock(&kt_hook_mutex);
}

int kt_hooks_init(void)
{
	unsigned int i;
	int ret;

	ret = register_module_notifier(&kt_module_nb);
	if (ret)
		return ret;

	mutex_lock(&kt_hook_mutex);
	for (i = 0; i < ARRAY_SIZE(kt_modules) && !ret; i++)
		ret = kt_arm_batch(kt_modules[i], KT_PROBES, true);
	mutex_unlock(&kt_hook_mutex);
	if (ret)
		goto err_disarm_probes;

	/* Replays COMING for kvm.ko if it is already loaded. */
	ret = register_tracepoint_module_notifier(&kt_tp_nb);
	if (ret)
		goto err_disarm_probes;
	mutex_lock(&kt_hook_mutex);
	ret = kt_tp_init_err;
	mutex_unlock(&kt_hook_mutex);
	if (ret)
		goto err_unregister_tp;
	return 0;

err_unregister_tp:
	unregister_tracepoint_module_notifier(&kt_tp_nb);
err_disarm_probes:
	unregister_module_notifier(&kt_module_nb);
	kt_disarm_all_probes();
	tracepoint_synchronize_unregister();
	kt_state_flush();
	return ret;
}

void kt_hooks_exit(void)
{
	/* Replays GOING: releases kvm.ko's tracepoints. */
	unregister_tracepoint_module_notifier(&kt_tp_nb);
	unregister_module_notifier(&kt_module_nb);
	kt_disarm_all_probes();
	tracepoint_synchronize_unregister();
	kt_state_flush();
}

static const char *const kt_kind_names[] = {
	[0] = "tracepoint", [1] = "kprobe", [2] = "kretprobe",
};

static_assert(ARRAY_SIZE(kt_kind_names) == ilog2(KT_KRETPROBE) + 1);

static const char *const kt_state_names[] = {
	[KT_HOOK_WAITING] = "waiting",
	[KT_HOOK_ARMED] = "armed",
	[KT_HOOK_FAILED] = "failed",
};

static_assert(ARRAY_SIZE(kt_state_names) == KT_HOOK_FAILED + 1);

void kt_hooks_show(struct seq_file *m)
{
	unsigned int i;
	int cpu;

	mutex_lock(&kt_hook_mutex);
	for (i = 0; i < KT_H_NR; i++) {
		const struct kt_hook *h = &kt_hooks[i];
		unsigned long missed = 0;
		u64 hits = 0;

		for_each_possible_cpu(cpu)
			hits += READ_ONCE(per_cpu_ptr(&kt_hits, cpu)->n[i]);
		if (h->state == KT_HOOK_ARMED && h->kind == KT_KPROBE)
			missed = h->kp.nmissed;
		else if (h->state == KT_HOOK_ARMED && h->kind == KT_KRETPROBE)
			missed = h->krp.nmissed + h->krp.kp.nmissed;

		seq_printf(m, KVMTRACE_PROBES_FMT, kt_hook_symbol(h),
			   kt_kind_names[ilog2(h->kind)], h->target,
			   kt_state_names[h->state], hits, missed, h->err);
	}
	mutex_unlock(&kt_hook_mutex);
}
