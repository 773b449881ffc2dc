/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 32-bit protected-mode guest blob (flat segments, paging off).
 * Calling conventions: see guest_routines.h.  Only relative jumps are used (and
 * call/pop to find the blob's own address), so the blob may be loaded at
 * any GPA.
 */
#define AX		%eax
#define BX		%ebx
#define CX		%ecx
#define DX		%edx
#define SI		%esi
#define DI		%edi
#define BP		%ebp
#define SP		%esp
#define PARAMS		%esi
#define PUSH		pushl
#define POP		popl
#define MOV		movl
#define SLOT(n)		((n) * 4)

#include "workload.S"

#define APIC_EOI_GPA	0xfee000b0

	.section .rodata.guest_prot32, "a"
	.code32

	.globl guest_prot32_start
guest_prot32_start:

/* Workload routine (workload.S), EBP = parameter block. */
	.globl guest_prot32_workload
guest_prot32_workload:
	guest_workload

/* Wakeup routine (workload.S), EBP = parameter block. */
	.globl guest_prot32_wakeup
guest_prot32_wakeup:
	guest_wakeup

/*
 * apic_setup: IDT gates for P_VECTOR(%ebp) and the spurious vector, then
 * x2apic_enable (workload.S).  Clobbers EAX, ECX, EDX, EDI.
 */
apic_setup:
	call	1f
1:	popl	%ecx			/* ECX = address of 1b */
	movl	P_VECTOR(%ebp), %eax
	leal	guest_prot32_irq_count - 1b(%ecx), %edx
	call	set_gate
	movl	$APIC_SPURIOUS_VECTOR, %eax
	leal	spurious - 1b(%ecx), %edx
	call	set_gate
	x2apic_enable
	ret

/* set_gate: 32-bit interrupt gate for vector EAX to handler EDX */
set_gate:
	movzbl	%al, %edi
	shll	$3, %edi
	addl	$GP_IDT_GPA, %edi
	movw	%dx, (%edi)
	movw	$GP_SEL_CODE32, 2(%edi)
	movw	$0x8e00, 4(%edi)	/* present, DPL 0, 32-bit interrupt gate */
	shrl	$16, %edx
	movw	%dx, 6(%edi)
	ret

spurious:
	iretl

/*
 * Interrupt handler for the x2APIC routines (workload.S).
 * Interrupts only arrive in "sti; hlt", followed by "cli", so return with
 * "lret $4" (EIP, CS; EFLAGS dropped, IF stays 0) instead of IRET: some KVM
 * hosts intercept a protected-mode IRET, and KVM's emulator cannot emulate
 * it (KVM_EXIT_INTERNAL_ERROR, seen on the development host).
 */
	.globl guest_prot32_irq_count
guest_prot32_irq_count:
	irq_count_body
	lret	$4

/* Interrupt handler: EOI to the xAPIC (in-kernel LAPIC), then return. */
	.globl guest_prot32_irq_eoi
guest_prot32_irq_eoi:
	movl	$0, APIC_EOI_GPA
	iretl

	.globl guest_prot32_end
guest_prot32_end:

	.section .note.GNU-stack, "", @progbits
