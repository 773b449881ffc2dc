// SPDX-License-Identifier: GPL-2.0
/*
 * The guest routines (guest_routines.h): their parameter blocks, which the
 * blobs lib/x86/guest_*.S read through guest_params.h, and their set-up.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "kvm_util_internal.h"
#include "guest_params.h"

/* guest_*.S depend on the parameter block layouts (guest_params.h) */
#define PARAM_OFF(type, field, off)					\
	static_assert(offsetof(struct type, field) == (off), #type "." #field)
static_assert(sizeof(struct kvm_workload_params) == KVM_UTIL_PARAMS_SIZE,
	      "workload parameter block size");
static_assert(sizeof(struct kvm_wakeup_params) == KVM_UTIL_PARAMS_SIZE,
	      "wakeup parameter block size");
PARAM_OFF(kvm_workload_params, hlt_skips, P_HLT_SKIPS);
PARAM_OFF(kvm_wakeup_params, hlt_skips, P_HLT_SKIPS);
PARAM_OFF(kvm_workload_params, pio_port, WP_PORT);
PARAM_OFF(kvm_workload_params, mmio_gpa, WP_MMIO_GPA);
PARAM_OFF(kvm_workload_params, msr_index, WP_MSR_INDEX);
PARAM_OFF(kvm_workload_params, msr_value, WP_MSR_VALUE);
PARAM_OFF(kvm_workload_params, tsc_deadline, WP_TSC_DEADLINE);
PARAM_OFF(kvm_workload_params, hlts, P_HLTS);
PARAM_OFF(kvm_workload_params, irqs, P_IRQS);
PARAM_OFF(kvm_workload_params, loops, WP_LOOPS);
PARAM_OFF(kvm_workload_params, loops_done, WP_LOOPS_DONE);
PARAM_OFF(kvm_workload_params, flags, WP_FLAGS);
PARAM_OFF(kvm_workload_params, timer_count, P_TIMER_COUNT);
PARAM_OFF(kvm_workload_params, stop, WP_STOP);
PARAM_OFF(kvm_workload_params, vector, P_VECTOR);
PARAM_OFF(kvm_wakeup_params, role, KP_ROLE);
PARAM_OFF(kvm_wakeup_params, count, KP_COUNT);
PARAM_OFF(kvm_wakeup_params, peer_apic_id, KP_PEER_APIC_ID);
PARAM_OFF(kvm_wakeup_params, peer_params, KP_PEER_PARAMS);
PARAM_OFF(kvm_wakeup_params, hlts, P_HLTS);
PARAM_OFF(kvm_wakeup_params, irqs, P_IRQS);
PARAM_OFF(kvm_wakeup_params, ipis_sent, KP_IPIS_SENT);
PARAM_OFF(kvm_wakeup_params, ready, KP_READY);
PARAM_OFF(kvm_wakeup_params, timer_count, P_TIMER_COUNT);
PARAM_OFF(kvm_wakeup_params, vector, P_VECTOR);
static_assert(sizeof(struct kvm_script_params) == KVM_UTIL_PARAMS_SIZE,
	      "script parameter block size");
PARAM_OFF(kvm_script_params, ops_gpa, SP_OPS_GPA);
PARAM_OFF(kvm_script_params, nr_ops, SP_NR_OPS);
PARAM_OFF(kvm_script_params, loops, SP_LOOPS);
PARAM_OFF(kvm_script_params, loops_done, SP_LOOPS_DONE);
PARAM_OFF(kvm_script_params, go, SP_GO);
PARAM_OFF(kvm_script_params, ud, SP_UD);
PARAM_OFF(kvm_script_params, gp, SP_GP);
PARAM_OFF(kvm_script_params, hlts, P_HLTS);
static_assert(sizeof(struct kvm_guest_op) == 1 << OP_SIZE_SHIFT,
	      "script op size");
PARAM_OFF(kvm_guest_op, op, OP_CODE);
PARAM_OFF(kvm_guest_op, count, OP_COUNT);
PARAM_OFF(kvm_guest_op, arg, OP_ARG);
PARAM_OFF(kvm_guest_op, value, OP_VALUE);
static_assert(KVM_UTIL_SCRIPT_GPA + KVM_UTIL_MAX_VCPUS * KVM_UTIL_SCRIPT_SIZE <=
	      KVM_UTIL_FREE_GPA, "script op lists overlap the free area");
/* guest_params.h and kvm_util.h must agree */
#define SAME_CONST(a, b)	static_assert(!((a) - (b)), #a " != " #b)
SAME_CONST(KVM_WL_FLAG_HLT_TIMER, WL_FLAG_HLT_TIMER);
SAME_CONST(KVM_WAKEUP_TIMER, WAKEUP_ROLE_TIMER);
SAME_CONST(KVM_WAKEUP_IPI_RECV, WAKEUP_ROLE_IPI_RECV);
SAME_CONST(KVM_WAKEUP_IPI_SEND, WAKEUP_ROLE_IPI_SEND);
SAME_CONST(KVM_WAKEUP_FAIL_ROLE, WAKEUP_FAIL_ROLE);
SAME_CONST(KVM_WAKEUP_FAIL_IRQS, WAKEUP_FAIL_IRQS);
SAME_CONST(KVM_UTIL_PORT_DONE, GP_PORT_DONE);
SAME_CONST(KVM_UTIL_PORT_FAIL, GP_PORT_FAIL);
SAME_CONST(KVM_UTIL_IDT_GPA, GP_IDT_GPA);
SAME_CONST(KVM_UTIL_SEL_CODE64, GP_SEL_CODE64);
SAME_CONST(KVM_UTIL_SEL_CODE32, GP_SEL_CODE32);
SAME_CONST(KVM_SCRIPT_FAIL_OP, SCRIPT_FAIL_OP);
SAME_CONST(KVM_SCRIPT_FAIL_FAULT, SCRIPT_FAIL_FAULT);
SAME_CONST(KVM_OP_NR, GOP_NR);
SAME_CONST(KVM_OP_WAIT, GOP_WAIT);
SAME_CONST(KVM_OP_CPUID, GOP_CPUID);
SAME_CONST(KVM_OP_HLT, GOP_HLT);
SAME_CONST(KVM_OP_OUT, GOP_OUT);
SAME_CONST(KVM_OP_IN, GOP_IN);
SAME_CONST(KVM_OP_MMIO, GOP_MMIO);
SAME_CONST(KVM_OP_RDMSR, GOP_RDMSR);
SAME_CONST(KVM_OP_WRMSR, GOP_WRMSR);
SAME_CONST(KVM_OP_VMMCALL, GOP_VMMCALL);
SAME_CONST(KVM_OP_WBINVD, GOP_WBINVD);
SAME_CONST(KVM_OP_MONITOR, GOP_MONITOR);
SAME_CONST(KVM_OP_MWAIT, GOP_MWAIT);
SAME_CONST(KVM_OP_RDPMC, GOP_RDPMC);
SAME_CONST(KVM_OP_WRITE_DR0, GOP_WRITE_DR0);
SAME_CONST(KVM_OP_READ_CR4, GOP_READ_CR4);
SAME_CONST(KVM_OP_WRITE_CR4, GOP_WRITE_CR4);
SAME_CONST(KVM_OP_WRITE_CR8, GOP_WRITE_CR8);
SAME_CONST(KVM_OP_UD2, GOP_UD2);
SAME_CONST(KVM_OP_VMRUN, GOP_VMRUN);
SAME_CONST(KVM_OP_SKINIT, GOP_SKINIT);
SAME_CONST(KVM_OP_INVLPGA, GOP_INVLPGA);

/* which routine kvm_vcpu_set_*() last set up, kvm_vcpu.routine */
enum {
	ROUTINE_WORKLOAD = 0,
	ROUTINE_WAKEUP,
	ROUTINE_SCRIPT,
};

void kvm_vcpu_set_workload(struct kvm_vcpu *vcpu, const struct kvm_workload *wl)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_workload_params p = { 0 };
	u64 pgpa = kvm_vcpu_params_gpa(vcpu);
	struct kvm_regs regs;

	p.pio_port = wl->pio_port ? wl->pio_port : KVM_UTIL_PORT_WORK;
	p.mmio_gpa = wl->mmio_gpa ? wl->mmio_gpa : kvm_vm_mmio_gpa(vm);
	p.msr_index = wl->msr_index;
	p.msr_value = wl->msr_value;
	p.tsc_deadline = wl->tsc_deadline ? wl->tsc_deadline : ~0ULL >> 1;
	p.loops = wl->loops ? wl->loops : 1;
	TEST_ASSERT(vm->mode != KVM_MODE_REAL || !wl->mmio ||
		    p.mmio_gpa < 0x10fff0,
		    "real mode: MMIO GPA 0x%x out of reach", p.mmio_gpa);
	/* with an in-kernel LAPIC, HLT with IF = 0 would never return */
	if (wl->hlt && vm->irqchip) {
		TEST_ASSERT(vm->mode != KVM_MODE_REAL,
			    "real mode: no timer-woken HLTs");
		p.flags |= KVM_WL_FLAG_HLT_TIMER;
		p.timer_count = wl->hlt_timer_ns ? wl->hlt_timer_ns :
						   KVM_UTIL_TIMER_NS;
		p.vector = KVM_UTIL_WAKEUP_VECTOR;
	}
	kvm_vm_write(vm, pgpa, &p, sizeof(p));

	kvm_vcpu_set_entry(vcpu, kvm_vm_guest_sym_gpa(vm,
						      x86_mode_workload(vm->mode)));
	kvm_vcpu_get_regs(vcpu, &regs);
	regs.rax = wl->pio;
	regs.rbx = wl->mmio;
	regs.rcx = wl->cpuid;
	regs.rdx = wl->hlt;
	regs.rsi = wl->wrmsr_tscdl;
	regs.rdi = wl->wrmsr_other;
	regs.rbp = pgpa;
	vcpu->routine = ROUTINE_WORKLOAD;
	kvm_vcpu_set_regs(vcpu, &regs);
}

u64 kvm_vcpu_params_gpa(struct kvm_vcpu *vcpu)
{
	return KVM_UTIL_PARAMS_GPA + vcpu->id * KVM_UTIL_PARAMS_SIZE;
}

void kvm_vcpu_set_wakeup(struct kvm_vcpu *vcpu, const struct kvm_wakeup *wk)
{
	struct kvm_vm *vm = vcpu->vm;
	const char *entry = x86_mode_wakeup(vm->mode);
	struct kvm_wakeup_params p = { 0 };
	struct kvm_regs regs;

	TEST_ASSERT(vm->irqchip && entry,
		    "the wakeup routine needs an irqchip, prot32 or long64");
	TEST_ASSERT(wk->role <= KVM_WAKEUP_IPI_SEND, "wakeup role %d",
		    wk->role);
	TEST_ASSERT(!wk->vector || (wk->vector >= 32 &&
				    wk->vector != APIC_SPURIOUS_VECTOR),
		    "wakeup vector 0x%x", wk->vector);
	TEST_ASSERT(wk->role != KVM_WAKEUP_IPI_SEND ||
		    (wk->peer < vm->nr_vcpus && wk->peer != vcpu->id),
		    "vCPU %u cannot send IPIs to vCPU %u", vcpu->id, wk->peer);

	p.role = wk->role;
	p.count = wk->count;
	p.vector = wk->vector ? wk->vector : KVM_UTIL_WAKEUP_VECTOR;
	p.timer_count = wk->timer_ns ? wk->timer_ns : KVM_UTIL_TIMER_NS;
	if (wk->role == KVM_WAKEUP_IPI_SEND) {
		/* x2APIC ID = vCPU id in KVM */
		p.peer_apic_id = wk->peer;
		p.peer_params = kvm_vcpu_params_gpa(vm->vcpus[wk->peer]);
	}
	kvm_vm_write(vm, kvm_vcpu_params_gpa(vcpu), &p, sizeof(p));
	kvm_vcpu_set_entry(vcpu, kvm_vm_guest_sym_gpa(vm, entry));
	kvm_vcpu_get_regs(vcpu, &regs);
	regs.rax = 0;
	regs.rbx = 0;
	regs.rcx = 0;
	regs.rdx = 0;
	regs.rsi = 0;
	regs.rdi = 0;
	regs.rbp = kvm_vcpu_params_gpa(vcpu);
	vcpu->routine = ROUTINE_WAKEUP;
	kvm_vcpu_set_regs(vcpu, &regs);
}

void kvm_vcpu_set_script(struct kvm_vcpu *vcpu, const struct kvm_guest_op *ops,
			 unsigned int nr, u32 loops)
{
	u64 ops_gpa = KVM_UTIL_SCRIPT_GPA + vcpu->id * KVM_UTIL_SCRIPT_SIZE;
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_script_params p = { 0 };
	struct kvm_guest_op *dst;
	struct kvm_regs regs;
	unsigned int i;

	TEST_ASSERT(vm->mode == KVM_MODE_LONG64, "the script routine is long64");
	TEST_ASSERT(nr <= KVM_UTIL_MAX_OPS, "%u ops, at most %llu", nr,
		    KVM_UTIL_MAX_OPS);
	for (i = 0; i < nr; i++)
		TEST_ASSERT(ops[i].op < KVM_OP_NR, "op %u: code %u", i,
			    ops[i].op);
	dst = kvm_vm_hva(vm, ops_gpa, KVM_UTIL_SCRIPT_SIZE);
	TEST_ASSERT(dst, "the script area is outside the memslot");
	memset(dst, 0, KVM_UTIL_SCRIPT_SIZE);
	for (i = 0; i < nr; i++) {
		dst[i] = ops[i];
		if (!dst[i].count)
			dst[i].count = 1;
	}
	/* the IDT is shared: every vCPU's script installs the same gates */
	kvm_vm_set_idt_gate(vm, 6, kvm_vm_guest_sym_gpa(vm, guest_long64_ud));
	kvm_vm_set_idt_gate(vm, 13, kvm_vm_guest_sym_gpa(vm, guest_long64_gp));

	p.ops_gpa = ops_gpa;
	p.nr_ops = nr;
	p.loops = loops ? loops : 1;
	kvm_vm_write(vm, kvm_vcpu_params_gpa(vcpu), &p, sizeof(p));
	kvm_vcpu_set_entry(vcpu, kvm_vm_guest_sym_gpa(vm, guest_long64_script));
	kvm_vcpu_get_regs(vcpu, &regs);
	regs.rbp = kvm_vcpu_params_gpa(vcpu);
	vcpu->routine = ROUTINE_SCRIPT;
	kvm_vcpu_set_regs(vcpu, &regs);
}

/* Only an atomic store to guest memory: signal safe. */
void kvm_vcpu_script_go(struct kvm_vcpu *vcpu)
{
	struct kvm_script_params *p;

	p = kvm_vm_hva(vcpu->vm, kvm_vcpu_params_gpa(vcpu), sizeof(*p));
	if (p)
		__atomic_store_n(&p->go, 1, __ATOMIC_RELEASE);
}

struct kvm_guest_result kvm_vcpu_guest_result(struct kvm_vcpu *vcpu)
{
	u64 gpa = kvm_vcpu_params_gpa(vcpu);
	struct kvm_guest_result res = { 0 };
	struct kvm_workload_params wp;
	struct kvm_wakeup_params kp;
	struct kvm_script_params sp;

	if (vcpu->routine == ROUTINE_SCRIPT) {
		kvm_vm_read(vcpu->vm, gpa, &sp, sizeof(sp));
		res.hlts = sp.hlts;
		res.loops_done = sp.loops_done;
		res.ud = sp.ud;
		res.gp = sp.gp;
	} else if (vcpu->routine == ROUTINE_WAKEUP) {
		kvm_vm_read(vcpu->vm, gpa, &kp, sizeof(kp));
		res.hlts = kp.hlts - kp.hlt_skips;
		res.hlt_skips = kp.hlt_skips;
		res.irqs = kp.irqs;
		res.ipis_sent = kp.ipis_sent;
	} else {
		kvm_vm_read(vcpu->vm, gpa, &wp, sizeof(wp));
		res.hlts = wp.hlts - wp.hlt_skips;
		res.hlt_skips = wp.hlt_skips;
		res.irqs = wp.irqs;
		res.loops_done = wp.loops_done;
	}
	return res;
}

/* Only atomic stores to guest memory: safe in signal handlers. */
void kvm_vm_request_guest_stop(struct kvm_vm *vm)
{
	struct kvm_workload_params *p;
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		p = kvm_vm_hva(vm, kvm_vcpu_params_gpa(vm->vcpus[i]),
			       sizeof(*p));
		if (p)
			__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	}
}
