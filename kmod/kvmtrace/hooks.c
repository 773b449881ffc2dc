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
 * - two unexported kvm.ko symbols (kvm_x86_ops, kvm_get_running_vcpu) are
 *   read from kvm.ko's own symbol table when it arrives. This avoids
 *   calling kallsyms_lookup_name() through a pointer, which IBT-enabled
 *   kernels (Debian 6.12) may reject because the function is not an
 *   indirect branch target.
 *
 * Hooks of one module are armed as a batch; if a required hook of the batch
 * fails, the hooks the batch armed are disarmed again (rollback).
 */
#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/tracepoint.h>

#include "kvmtrace.h"
#include "trace.h"

enum kt_hook_id {
	KT_H_EXIT,
	KT_H_ENTRY,
	KT_H_HALT,
	KT_H_POLL,
	KT_H_MMIO,
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

/* Task running a posted-interrupt wakeup handler on this CPU, if any. */
static DEFINE_PER_CPU(struct task_struct *, kt_piw_owner);

static DEFINE_MUTEX(kt_hook_mutex);

/* Unexported kvm.ko symbols, resolved from its symbol table at load. */
static struct {
	const struct kvm_x86_ops *x86_ops;
	struct kvm_vcpu *(*get_running_vcpu)(void);
} kt_kvm;
static int kt_tp_init_err;

/* "vmlinux" hooks are armed at load and disarmed at unload only. */
static const char *const kt_modules[] = {
	"vmlinux", "kvm", "kvm_intel", "kvm_amd",
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
static void kt_tp_exit(void *data, struct kvm_vcpu *vcpu, u32 isa)
{
	const struct kvm_x86_ops *ops = READ_ONCE(kt_kvm.x86_ops);
	typeof(ops->get_exit_info) get_exit_info =
		ops ? READ_ONCE(ops->get_exit_info) : NULL;
	u32 reason, intr_info, error_code;
	u64 info1, info2;
	struct kt_vcpu *v;

	kt_hit(KT_H_EXIT);
	if (!kt_active())
		return;
	if (unlikely(!get_exit_info)) {
		kt_count(KT_C_NOREASON);
		return;
	}
	v = kt_vcpu_get(vcpu, isa);
	if (!v || !kt_traced(v))
		return;
	kt_vcpu_own(v);

	/* Exactly what the kvm_exit tracepoint's own TP_fast_assign does. */
	get_exit_info(vcpu, &reason, &info1, &info2, &intr_info, &error_code);
	kt_stats_exit(&v->st, v->isa, reason, info1,
		      (u32)vcpu->arch.regs[VCPU_REGS_RCX]);
}

static void kt_entry(struct kvm_vcpu *vcpu)
{
	struct kt_vcpu *v;
	u64 delta, slow;

	kt_hit(KT_H_ENTRY);
	if (!kt_active())
		return;
	v = kt_vcpu_find(vcpu);
	if (!v || !kt_traced(v))
		return;
	kt_vcpu_own(v);

	delta = kt_stats_entry(&v->st);
	slow = READ_ONCE(kt_slow_ns);
	if (!delta || !slow || delta < slow || v->st.exit_hlt)
		return;
	v->st.slow++;
	trace_kvmtrace_slow_exit(v->vm->name, v->vm->pid, v->vcpu_id, v->isa,
				 v->st.exit_code, delta);
}

#ifdef HAVE_KVM_ENTRY_IMMEDIATE_EXIT
static void kt_tp_entry(void *data, struct kvm_vcpu *vcpu,
			bool force_immediate_exit)
{
	kt_entry(vcpu);
}
#else
static void kt_tp_entry(void *data, struct kvm_vcpu *vcpu)
{
	kt_entry(vcpu);
}
#endif

/* The vCPU running on this thread, for tracepoints without a vCPU. */
static struct kt_vcpu *kt_running(void)
{
	typeof(kt_kvm.get_running_vcpu) fn = READ_ONCE(kt_kvm.get_running_vcpu);
	struct kvm_vcpu *vcpu = fn ? fn() : NULL;
	struct kt_vcpu *v;

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

/* kvm_vcpu_wakeup(ns, waited, valid): end of kvm_vcpu_halt(). */
static void kt_tp_halt(void *data, u64 ns, bool waited, bool valid)
{
	struct kt_vcpu *v;

	kt_hit(KT_H_HALT);
	if (!kt_active())
		return;
	v = kt_running();
	if (v)
		kt_stats_halt(&v->st, ns, waited, valid);
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
	if (!v)
		return;
	if (grow)
		v->st.poll_grow++;
	else
		v->st.poll_shrink++;
	v->st.poll_ns = new;
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

/* kvm_arch_destroy_vm(kvm): process context, no vCPU runs any more. */
static int kt_kp_destroy(struct kprobe *p, struct pt_regs *regs)
{
	kt_hit(KT_H_DESTROY);
	kt_vm_destroy((const struct kvm *)regs_get_kernel_argument(regs, 0));
	return 0;
}

struct kt_wake_data {
	struct kt_vcpu *v;
	bool piw;
};

/*
 * rcuwait_wake_up(w): every wakeup of a vCPU blocked in kvm_vcpu_block()
 * goes through it with w = &vcpu->wait, whether kvm_vcpu_wake_up() was
 * called out of line or inlined (kvm_vcpu_kick() inlines it on 6.1 and
 * 6.12). Other rcuwaits of the kernel are filtered out by looking the
 * would-be vCPU up by address, without dereferencing it. Any context.
 */
static int kt_krp_wake_entry(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	struct kt_wake_data *d = (struct kt_wake_data *)ri->data;
	struct rcuwait *w;

	kt_hit(KT_H_WAKE);
	if (!kt_active())
		return 1;
	w = (struct rcuwait *)regs_get_kernel_argument(regs, 0);
	d->v = kt_vcpu_find(container_of(w, struct kvm_vcpu, wait));
	if (!d->v)
		return 1;	/* not a traced vCPU: skip the return handler */
	d->piw = this_cpu_read(kt_piw_owner) == current;
	return 0;
}

static int kt_krp_wake_ret(struct kretprobe_instance *ri,
			   struct pt_regs *regs)
{
	struct kt_wake_data *d = (struct kt_wake_data *)ri->data;
	struct kt_vcpu *v = d->v;

	/*
	 * Returns non-zero only if a task was waiting and woken. The entry
	 * stays valid: recycling waits for an RCU grace period, and kretprobe
	 * handlers run with preemption disabled.
	 */
	if (!(int)regs_return_value(regs) || !kt_active())
		return 0;
	if (READ_ONCE(v->key) && kt_traced(v))
		atomic64_inc(d->piw ? &v->wake_piw : &v->wake_other);
	return 0;
}

/*
 * Posted-interrupt wakeup handlers: Intel's pi_wakeup_handler() (hardirq,
 * wakeup vector) and AMD's avic_ga_log_notifier() (IOMMU GA log, may be a
 * preemptible thread). While one runs, kvm_vcpu_wake_up() calls made by the
 * same task on this CPU are charged as PIW. The CPU is remembered so the
 * mark is cleared where it was set even if the task migrated.
 */
static int kt_krp_piw_entry(struct kretprobe_instance *ri,
			    struct pt_regs *regs, enum kt_hook_id id)
{
	kt_hit(id);
	*(int *)ri->data = smp_processor_id();
	this_cpu_write(kt_piw_owner, current);
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
	int cpu = *(int *)ri->data;

	cmpxchg(per_cpu_ptr(&kt_piw_owner, cpu), current, NULL);
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
	[KT_H_DESTROY] = {
		.target = "kvm:kvm_arch_destroy_vm",
		.kind = KT_KPROBE,
		.required = true,
		.pre = kt_kp_destroy,
	},
	[KT_H_WAKE] = {
		.target = "vmlinux:rcuwait_wake_up",
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
		.data_size = sizeof(int),
	},
	[KT_H_PIW_SVM] = {
		.target = "kvm_amd:avic_ga_log_notifier",
		.kind = KT_KRETPROBE,
		.entry = kt_krp_piw_svm_entry,
		.ret = kt_krp_piw_ret,
		.data_size = sizeof(int),
	},
};

static const char *kt_hook_symbol(const struct kt_hook *h)
{
	return strchr(h->target, ':') + 1;
}

/* kprobe symbol: "module:symbol", or just "symbol" for vmlinux */
static const char *kt_hook_kp_name(const struct kt_hook *h)
{
	return str_has_prefix(h->target, "vmlinux:") ? kt_hook_symbol(h) :
						       h->target;
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
	switch (h->kind) {
	case KT_TRACEPOINT:
		if (!h->tp)
			return -ENOENT;
		return tracepoint_probe_register(h->tp, h->tp_probe, NULL);
	case KT_KPROBE:
		memset(&h->kp, 0, sizeof(h->kp));
		h->kp.symbol_name = kt_hook_kp_name(h);
		h->kp.pre_handler = h->pre;
		return register_kprobe(&h->kp);
	case KT_KRETPROBE:
		memset(&h->krp, 0, sizeof(h->krp));
		h->krp.kp.symbol_name = kt_hook_kp_name(h);
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
		break;
	}
	for (i = 0; i < KT_H_NR; i++)
		kt_hooks[i].in_batch = false;
	return ret;
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

static void kt_resolve_symbols(struct module *mod)
{
	unsigned long ops = kt_module_symbol(mod, "kvm_x86_ops");
	unsigned long fn = kt_module_symbol(mod, "kvm_get_running_vcpu");

	WRITE_ONCE(kt_kvm.x86_ops, (const struct kvm_x86_ops *)ops);
	WRITE_ONCE(kt_kvm.get_running_vcpu,
		   (struct kvm_vcpu *(*)(void))fn);
	if (!kt_symbols_resolved())
		pr_warn("kvm_x86_ops or kvm_get_running_vcpu not found in %s\n",
			mod->name);
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
	if (!strcmp(mod->name, "kvm"))
		kt_resolve_symbols(mod);
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

static const char *const kt_state_names[] = {
	[KT_HOOK_WAITING] = "waiting",
	[KT_HOOK_ARMED] = "armed",
	[KT_HOOK_FAILED] = "failed",
};

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

		seq_printf(m, "%s %s %s %s %llu %lu %d\n", kt_hook_symbol(h),
			   kt_kind_names[ilog2(h->kind)], h->target,
			   kt_state_names[h->state], hits, missed, h->err);
	}
	mutex_unlock(&kt_hook_mutex);
}
