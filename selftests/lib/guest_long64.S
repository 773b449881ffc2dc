/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit long-mode guest blob (identity-mapped 0..4 GiB).
 * Calling conventions: see kvm_util.h.  Only relative jumps and RIP-relative
 * addressing are used, so the blob may be loaded at any GPA below 4 GiB.
 */
#define AX		%rax
#define BX		%rbx
#define CX		%rcx
#define DX		%rdx
#define SI		%rsi
#define DI		%rdi
#define BP		%rbp
#define SP		%rsp
#define PARAMS		%rsi
#define PUSH		pushq
#define POP		popq
#define MOV		movq
#define SLOT(n)		((n) * 8)

#include "workload.S"

#define APIC_EOI_GPA	0xfee000b0

	.section .rodata.guest_long64, "a"
	.code64

	.globl guest_long64_start
guest_long64_start:

/* Workload routine (workload.S), RBP = parameter block. */
	.globl guest_long64_workload
guest_long64_workload:
	guest_workload

/* Wakeup routine (workload.S), RBP = parameter block. */
	.globl guest_long64_wakeup
guest_long64_wakeup:
	guest_wakeup

/*
 * apic_setup: IDT gates for P_VECTOR(%rbp) and the spurious vector, then
 * x2apic_enable (workload.S).  Clobbers RAX, RCX, RDX, RDI.
 */
apic_setup:
	movl	P_VECTOR(%rbp), %eax
	leaq	guest_long64_irq_count(%rip), %rdx
	call	set_gate
	movl	$APIC_SPURIOUS_VECTOR, %eax
	leaq	spurious(%rip), %rdx
	call	set_gate
	x2apic_enable
	ret

/* set_gate: 64-bit interrupt gate for vector EAX to handler RDX */
set_gate:
	movzbl	%al, %edi
	shll	$4, %edi
	addl	$GP_IDT_GPA, %edi
	movw	%dx, (%rdi)
	movw	$GP_SEL_CODE64, 2(%rdi)
	movw	$0x8e00, 4(%rdi)	/* present, DPL 0, interrupt gate */
	shrq	$16, %rdx
	movw	%dx, 6(%rdi)
	shrq	$16, %rdx
	movl	%edx, 8(%rdi)
	movl	$0, 12(%rdi)
	ret

spurious:
	iretq

/* Interrupt handler for the x2APIC routines (workload.S). */
	.globl guest_long64_irq_count
guest_long64_irq_count:
	irq_count_body
	iretq

/* Interrupt handler: EOI to the xAPIC (in-kernel LAPIC), then return. */
	.globl guest_long64_irq_eoi
guest_long64_irq_eoi:
	pushq	%rax
	movl	$APIC_EOI_GPA, %eax
	movl	$0, (%rax)
	popq	%rax
	iretq

	.globl guest_long64_end
guest_long64_end:

	.section .note.GNU-stack, "", @progbits
