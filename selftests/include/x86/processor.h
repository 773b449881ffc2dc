/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 set-up of the library's VMs: the guest modes, the guest physical
 * memory layout, the GDT, page tables and IDT, and where a vCPU starts.
 *
 * Guest physical memory layout (one anonymous memslot at GPA 0):
 *
 *   0x00000 - 0x004ff  unused (real-mode IVT/BDA area)
 *   0x00500 - 0x008ff  per-vCPU parameter blocks (guest_routines.h), 128 B
 *   0x01000 - 0x01fff  GDT (KVM_UTIL_SEL_* selectors)
 *   0x02000 - 0x07fff  long-mode page tables: identity map 0..4 GiB, 2 MiB
 *   0x08000 - 0x08fff  IDT (32-bit or 64-bit gates)
 *   0x09000 - 0x090ff  TSS
 *   0x10000 - 0x1ffff  vCPU stacks, 4 KiB each, vCPU i's stack ends at
 *                      0x11000 + i * 0x1000
 *   0x20000 - 0x2ffff  guest code (the built-in blob for the VM's mode)
 *   0x30000 - 0x3ffff  per-vCPU op lists of the script routine, 4 KiB each
 *                      (vCPU i's at 0x30000 + i * 0x1000)
 *   0x40000 - mem_size free for tests
 *
 * Every vCPU starts at the entry of the workload routine of its VM's mode
 * with a fresh stack; the guest routines (guest_routines.h) point it
 * elsewhere.
 */
#ifndef KVMTUNE_X86_PROCESSOR_H
#define KVMTUNE_X86_PROCESSOR_H

#include <stdio.h>
#include <linux/kvm.h>

#include "test_util.h"

struct kvm_vm;
struct kvm_vcpu;

#define KVM_UTIL_PARAMS_GPA	0x500ULL
#define KVM_UTIL_PARAMS_SIZE	0x80ULL
#define KVM_UTIL_GDT_GPA	0x1000ULL
#define KVM_UTIL_PT_GPA		0x2000ULL
#define KVM_UTIL_IDT_GPA	0x8000ULL
#define KVM_UTIL_TSS_GPA	0x9000ULL
#define KVM_UTIL_STACK_GPA	0x10000ULL
#define KVM_UTIL_STACK_SIZE	0x1000ULL
#define KVM_UTIL_CODE_GPA	0x20000ULL
#define KVM_UTIL_SCRIPT_GPA	0x30000ULL
#define KVM_UTIL_SCRIPT_SIZE	0x1000ULL
#define KVM_UTIL_FREE_GPA	0x40000ULL

/* GDT selectors */
#define KVM_UTIL_SEL_CODE64	0x08
#define KVM_UTIL_SEL_DATA	0x10
#define KVM_UTIL_SEL_CODE32	0x18
#define KVM_UTIL_SEL_TSS	0x20

#define KVM_UTIL_MSR_TSC_DEADLINE	0x6e0

enum kvm_util_mode {
	KVM_MODE_REAL = 0,	/* default */
	KVM_MODE_PROT32,
	KVM_MODE_LONG64,
	KVM_MODE_NR,
};

/* "real", "prot32" or "long64" */
const char *kvm_mode_name(enum kvm_util_mode mode);

/* vCPU registers */
void kvm_vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void kvm_vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs);
void kvm_vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
void kvm_vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs);

/*
 * Point the vCPU at @gpa with a fresh stack (RFLAGS = 2).  In real mode CS
 * is chosen so that @gpa is reachable (gpa < 1 MiB) and SS:SP is the
 * stack.  With an in-kernel irqchip the vCPU is also made runnable again:
 * it may have been left halted (kvm_vm_reenter()).
 */
void kvm_vcpu_set_entry(struct kvm_vcpu *vcpu, u64 gpa);
u64 kvm_vcpu_stack_top(struct kvm_vcpu *vcpu);

/* interrupt building blocks (32/64-bit modes) */
void kvm_vm_set_idt_gate(struct kvm_vm *vm, u8 vector, u64 handler_gpa);
/* KVM_SIGNAL_MSI (in-kernel irqchip): fixed interrupt @vector to @apic_id */
void kvm_vm_signal_msi(struct kvm_vm *vm, u32 apic_id, u8 vector);

/* The GPA of @sym, a label of the VM's guest blob (guest_routines.h). */
u64 kvm_vm_guest_sym_gpa(struct kvm_vm *vm, const void *sym);

#endif /* KVMTUNE_X86_PROCESSOR_H */
