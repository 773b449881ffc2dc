// SPDX-License-Identifier: GPL-2.0
/*
 * x86 set-up (processor.h): CPUID, the GDT, page tables and IDT of the
 * library's VMs, the segments and entry point of their vCPUs, and the
 * x86 part of a vCPU's dump.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_util_internal.h"

#define BIT_ULL(nr)		(1ULL << (nr))

#define X86_CR0_PE		BIT_ULL(0)
#define X86_CR0_ET		BIT_ULL(4)
#define X86_CR0_NE		BIT_ULL(5)
#define X86_CR0_WP		BIT_ULL(16)
#define X86_CR0_PG		BIT_ULL(31)
#define X86_CR4_PAE		BIT_ULL(5)
#define X86_EFER_LME		BIT_ULL(8)
#define X86_EFER_LMA		BIT_ULL(10)

#define PTE_PRESENT		BIT_ULL(0)
#define PTE_WRITE		BIT_ULL(1)
#define PTE_LARGE		BIT_ULL(7)
#define PT_PAGE			0x1000ULL
#define PT_HUGE			0x200000ULL
#define PT_NR_PD		4	/* 4 page directories: 0..4 GiB */

#define CPUID_1_ECX_X2APIC	BIT_ULL(21)
#define CPUID_1_ECX_TSCDL	BIT_ULL(24)

/* The guest blob of each mode; wakeup is NULL where the routine is absent. */
static const struct {
	const char *name;
	const char *start, *end;
	const char *workload, *wakeup;
} x86_modes[] = {
	[KVM_MODE_REAL] = {
		"real", guest_real_start, guest_real_end,
		guest_real_workload, NULL,
	},
	[KVM_MODE_PROT32] = {
		"prot32", guest_prot32_start, guest_prot32_end,
		guest_prot32_workload, guest_prot32_wakeup,
	},
	[KVM_MODE_LONG64] = {
		"long64", guest_long64_start, guest_long64_end,
		guest_long64_workload, guest_long64_wakeup,
	},
};

static_assert(ARRAY_SIZE(x86_modes) == KVM_MODE_NR, "a mode without a blob");

const char *kvm_mode_name(enum kvm_util_mode mode)
{
	return mode < KVM_MODE_NR ? x86_modes[mode].name : "?";
}

const char *x86_mode_workload(enum kvm_util_mode mode)
{
	return x86_modes[mode].workload;
}

const char *x86_mode_wakeup(enum kvm_util_mode mode)
{
	return x86_modes[mode].wakeup;
}

u64 kvm_vm_guest_sym_gpa(struct kvm_vm *vm, const void *sym)
{
	return KVM_UTIL_CODE_GPA + ((const char *)sym - x86_modes[vm->mode].start);
}

struct kvm_cpuid2 *x86_supported_cpuid(int sys_fd)
{
	struct kvm_cpuid2 *cpuid;
	int nent = 64;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) +
			       nent * sizeof(struct kvm_cpuid_entry2));
		TEST_ASSERT(cpuid, "allocating %d CPUID entries", nent);
		cpuid->nent = nent;
		if (ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			return cpuid;
		free(cpuid);
		TEST_ASSERT(errno == E2BIG && nent < 4096,
			    "KVM_GET_SUPPORTED_CPUID failed");
		nent *= 2;
	}
}

static void x86_vcpu_set_cpuid(struct kvm_vcpu *vcpu)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_cpuid2 *cpuid;
	size_t size;
	u32 i;

	size = sizeof(*cpuid) + vm->cpuid->nent * sizeof(cpuid->entries[0]);
	cpuid = malloc(size);
	TEST_ASSERT(cpuid, "allocating CPUID entries");
	memcpy(cpuid, vm->cpuid, size);

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		switch (e->function) {
		case 1:
			/* initial APIC ID = vCPU id */
			e->ebx = (e->ebx & 0x00ffffff) | (vcpu->id << 24);
			e->ecx |= CPUID_1_ECX_X2APIC;
			if (vm->irqchip &&
			    ioctl(vm->sys_fd, KVM_CHECK_EXTENSION,
				  KVM_CAP_TSC_DEADLINE_TIMER) > 0)
				e->ecx |= CPUID_1_ECX_TSCDL;
			break;
		case 0xb:
		case 0x1f:
			e->edx = vcpu->id;
			break;
		}
	}
	kvm_ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
}

/* Flat GDT: null, 64-bit code, data, 32-bit code, TSS */
static void x86_vm_build_gdt(struct kvm_vm *vm)
{
	u64 *gdt = kvm_vm_hva(vm, KVM_UTIL_GDT_GPA, PT_PAGE);
	u64 tss = KVM_UTIL_TSS_GPA;

	gdt[KVM_UTIL_SEL_CODE64 >> 3] = 0x00af9b000000ffffULL;
	gdt[KVM_UTIL_SEL_DATA >> 3] = 0x00cf93000000ffffULL;
	gdt[KVM_UTIL_SEL_CODE32 >> 3] = 0x00cf9b000000ffffULL;
	/* 64-bit busy TSS descriptor, limit 0x67 (16 bytes, two slots) */
	gdt[KVM_UTIL_SEL_TSS >> 3] = 0x67 | ((tss & 0xffffff) << 16) |
				     (0x8bULL << 40) |
				     ((tss >> 24) & 0xff) << 56;
	gdt[(KVM_UTIL_SEL_TSS >> 3) + 1] = tss >> 32;
}

/* Identity map 0..4 GiB with 2 MiB pages. */
static void x86_vm_build_page_tables(struct kvm_vm *vm)
{
	u64 pml4 = KVM_UTIL_PT_GPA;
	u64 pdpt = pml4 + PT_PAGE;
	u64 pd = pdpt + PT_PAGE;
	u64 *p;
	int i;

	p = kvm_vm_hva(vm, pml4, PT_PAGE);
	p[0] = pdpt | PTE_PRESENT | PTE_WRITE;
	p = kvm_vm_hva(vm, pdpt, PT_PAGE);
	for (i = 0; i < PT_NR_PD; i++)
		p[i] = (pd + i * PT_PAGE) | PTE_PRESENT | PTE_WRITE;
	p = kvm_vm_hva(vm, pd, PT_NR_PD * PT_PAGE);
	for (i = 0; i < PT_NR_PD * 512; i++)
		p[i] = (u64)i * PT_HUGE | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
}

/* The tables of every mode, and the guest blob of the VM's mode. */
void x86_vm_setup(struct kvm_vm *vm)
{
	const char *start = x86_modes[vm->mode].start;

	x86_vm_build_gdt(vm);
	x86_vm_build_page_tables(vm);
	kvm_vm_write(vm, KVM_UTIL_CODE_GPA, start,
		     x86_modes[vm->mode].end - start);
}

static void x86_set_seg(struct kvm_segment *s, u16 sel, u8 type,
			bool l, bool db)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = l;
	s->db = db;
	s->g = 1;
}

static void x86_vcpu_init_sregs(struct kvm_vcpu *vcpu)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_sregs sregs;
	struct kvm_segment data;

	kvm_vcpu_get_sregs(vcpu, &sregs);

	if (vm->mode == KVM_MODE_REAL) {
		/* reset state with CS:IP set later; flat 0 data segments */
		sregs.ds.selector = 0;
		sregs.ds.base = 0;
		sregs.es = sregs.ds;
		sregs.fs = sregs.ds;
		sregs.gs = sregs.ds;
		sregs.ss = sregs.ds;
		sregs.cr0 &= ~X86_CR0_PG;
		sregs.cr0 &= ~X86_CR0_PE;
		kvm_vcpu_set_sregs(vcpu, &sregs);
		return;
	}

	x86_set_seg(&data, KVM_UTIL_SEL_DATA, 3, false, true);
	sregs.ds = data;
	sregs.es = data;
	sregs.fs = data;
	sregs.gs = data;
	sregs.ss = data;

	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.selector = KVM_UTIL_SEL_TSS;
	sregs.tr.base = KVM_UTIL_TSS_GPA;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 11;
	sregs.tr.present = 1;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.unusable = 1;
	sregs.ldt.type = 2;

	sregs.gdt.base = KVM_UTIL_GDT_GPA;
	sregs.gdt.limit = PT_PAGE - 1;
	sregs.idt.base = KVM_UTIL_IDT_GPA;

	sregs.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	if (vm->mode == KVM_MODE_PROT32) {
		x86_set_seg(&sregs.cs, KVM_UTIL_SEL_CODE32, 11, false, true);
		sregs.idt.limit = 256 * 8 - 1;
		sregs.cr4 = 0;
		sregs.efer = 0;
	} else {
		x86_set_seg(&sregs.cs, KVM_UTIL_SEL_CODE64, 11, true, false);
		sregs.idt.limit = 256 * 16 - 1;
		sregs.cr0 |= X86_CR0_PG | X86_CR0_WP;
		sregs.cr3 = KVM_UTIL_PT_GPA;
		sregs.cr4 = X86_CR4_PAE;
		sregs.efer = X86_EFER_LME | X86_EFER_LMA;
	}
	kvm_vcpu_set_sregs(vcpu, &sregs);
}

/* A new vCPU: CPUID, runnable, the VM's mode, at the workload routine. */
void x86_vcpu_setup(struct kvm_vcpu *vcpu)
{
	struct kvm_mp_state mp_state = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_vm *vm = vcpu->vm;

	x86_vcpu_set_cpuid(vcpu);
	/* with an in-kernel LAPIC, APs would otherwise wait for INIT/SIPI */
	if (vm->irqchip)
		kvm_ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp_state);
	x86_vcpu_init_sregs(vcpu);
	kvm_vcpu_set_entry(vcpu, kvm_vm_guest_sym_gpa(vm,
						      x86_mode_workload(vm->mode)));
}

void kvm_vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	kvm_ioctl(vcpu->fd, KVM_GET_REGS, regs);
}

void kvm_vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs)
{
	kvm_ioctl(vcpu->fd, KVM_SET_REGS, (void *)regs);
}

void kvm_vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	kvm_ioctl(vcpu->fd, KVM_GET_SREGS, sregs);
}

void kvm_vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	kvm_ioctl(vcpu->fd, KVM_SET_SREGS, (void *)sregs);
}

u64 kvm_vcpu_stack_top(struct kvm_vcpu *vcpu)
{
	return KVM_UTIL_STACK_GPA + (vcpu->id + 1) * KVM_UTIL_STACK_SIZE;
}

void kvm_vcpu_set_entry(struct kvm_vcpu *vcpu, u64 gpa)
{
	struct kvm_mp_state mp_state = { .mp_state = KVM_MP_STATE_RUNNABLE };
	u64 stack = kvm_vcpu_stack_top(vcpu);
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (vcpu->vm->irqchip)
		kvm_ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp_state);

	kvm_vcpu_get_regs(vcpu, &regs);
	regs.rflags = 2;
	regs.rip = gpa;
	regs.rsp = stack;

	if (vcpu->vm->mode == KVM_MODE_REAL) {
		u64 cs_base = gpa & ~0xffffULL;
		u64 ss_base = stack - KVM_UTIL_STACK_SIZE;

		TEST_ASSERT(gpa < 0x100000, "real-mode entry 0x%llx above 1 MiB",
			    (unsigned long long)gpa);
		kvm_vcpu_get_sregs(vcpu, &sregs);
		sregs.cs.selector = cs_base >> 4;
		sregs.cs.base = cs_base;
		sregs.ss.selector = ss_base >> 4;
		sregs.ss.base = ss_base;
		kvm_vcpu_set_sregs(vcpu, &sregs);
		regs.rip = gpa - cs_base;
		regs.rsp = KVM_UTIL_STACK_SIZE;
	}
	kvm_vcpu_set_regs(vcpu, &regs);
}

void kvm_vm_set_idt_gate(struct kvm_vm *vm, u8 vector, u64 handler_gpa)
{
	u64 lo, hi = 0;
	size_t size = 8;
	u16 sel = KVM_UTIL_SEL_CODE32;

	TEST_ASSERT(vm->mode != KVM_MODE_REAL, "no IDT gates in real mode");
	if (vm->mode == KVM_MODE_LONG64) {
		size = 16;
		sel = KVM_UTIL_SEL_CODE64;
		hi = handler_gpa >> 32;
	}
	/* present, DPL 0, interrupt gate (0xe) */
	lo = (handler_gpa & 0xffff) | ((u64)sel << 16) | (0x8eULL << 40) |
	     ((handler_gpa >> 16) & 0xffff) << 48;
	kvm_vm_write(vm, KVM_UTIL_IDT_GPA + vector * size, &lo, 8);
	if (size == 16)
		kvm_vm_write(vm, KVM_UTIL_IDT_GPA + vector * size + 8, &hi, 8);
}

void kvm_vm_signal_msi(struct kvm_vm *vm, u32 apic_id, u8 vector)
{
	struct kvm_msi msi = {
		/* fixed, physical destination, edge */
		.address_lo = 0xfee00000U | (apic_id & 0xff) << 12,
		.address_hi = apic_id & ~0xffU,
		.data = vector,
	};
	int ret;

	ret = kvm_ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
	/* 1: delivered, 0: blocked by the guest */
	TEST_ASSERT(ret == 1, "KVM_SIGNAL_MSI to APIC %u, vector 0x%x: blocked",
		    apic_id, vector);
}

static const char *x86_cpu_mode_name(const struct kvm_sregs *sregs)
{
	if (!(sregs->cr0 & X86_CR0_PE))
		return "real";
	if (sregs->efer & X86_EFER_LMA)
		return sregs->cs.l ? "long64" : "compat";
	return sregs->cs.db ? "prot32" : "prot16";
}

void x86_vcpu_dump(struct kvm_vcpu *vcpu, FILE *f)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	const u8 *b;
	unsigned int r;

	if (__kvm_ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0 ||
	    __kvm_ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return;
	fprintf(f, "  mode %s: CR0 0x%llx CR3 0x%llx CR4 0x%llx EFER 0x%llx\n",
		x86_cpu_mode_name(&sregs), sregs.cr0, sregs.cr3, sregs.cr4,
		sregs.efer);
	fprintf(f, "  CS 0x%x base 0x%llx l %u db %u, SS 0x%x base 0x%llx\n",
		sregs.cs.selector, sregs.cs.base, sregs.cs.l, sregs.cs.db,
		sregs.ss.selector, sregs.ss.base);
	fprintf(f, "  RIP 0x%llx RSP 0x%llx RFLAGS 0x%llx\n",
		regs.rip, regs.rsp, regs.rflags);
	fprintf(f, "  RAX 0x%llx RBX 0x%llx RCX 0x%llx RDX 0x%llx\n",
		regs.rax, regs.rbx, regs.rcx, regs.rdx);
	fprintf(f, "  RSI 0x%llx RDI 0x%llx RBP 0x%llx\n",
		regs.rsi, regs.rdi, regs.rbp);
	/* paging is off or identity: linear == physical */
	b = kvm_vm_hva(vm, sregs.cs.base + regs.rip, 16);
	if (b) {
		fprintf(f, "  code at RIP (blob offset 0x%llx):",
			sregs.cs.base + regs.rip - KVM_UTIL_CODE_GPA);
		for (r = 0; r < 16; r++)
			fprintf(f, " %02x", b[r]);
		fprintf(f, "\n");
	}
	b = kvm_vm_hva(vm, kvm_vcpu_params_gpa(vcpu), KVM_UTIL_PARAMS_SIZE);
	fprintf(f, "  parameter block at 0x%llx:",
		(unsigned long long)kvm_vcpu_params_gpa(vcpu));
	for (r = 0; r < KVM_UTIL_PARAMS_SIZE; r += 4)
		fprintf(f, "%s%08x", r % 32 ? " " : "\n   ",
			*(const u32 *)(b + r));
	fprintf(f, "\n");
}
