/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 32-bit protected-mode guest blob (flat segments, paging off).
 * Calling convention: see kvm_util.h.  Only relative jumps are used, so the
 * blob may be loaded at any GPA.
 */
#define PORT_DONE	0xf4
#define APIC_EOI_GPA	0xfee000b0

	.section .rodata.guest_prot32, "a"
	.code32

	.globl guest_prot32_start
guest_prot32_start:

	.globl guest_prot32_workload
guest_prot32_workload:
	pushl	%edx			/* K: hlt */
	pushl	%edi			/* X: wrmsr(other) */
	pushl	%esi			/* W: wrmsr(0x6e0) */
	pushl	%ecx			/* J: cpuid */
	pushl	%ebx			/* M: mmio */
	movl	%ebp, %esi		/* parameter block */

	movl	%eax, %ecx		/* N: pio */
	movw	0(%esi), %dx
1:	testl	%ecx, %ecx
	jz	2f
	outb	%al, %dx
	decl	%ecx
	jmp	1b

2:	popl	%ecx			/* mmio */
	movl	4(%esi), %edi
3:	testl	%ecx, %ecx
	jz	4f
	movl	%ecx, (%edi)
	decl	%ecx
	jmp	3b

4:	popl	%edi			/* cpuid */
5:	testl	%edi, %edi
	jz	6f
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	decl	%edi
	jmp	5b

6:	popl	%edi			/* wrmsr(IA32_TSC_DEADLINE) */
7:	testl	%edi, %edi
	jz	8f
	movl	$0x6e0, %ecx
	movl	24(%esi), %eax
	movl	28(%esi), %edx
	wrmsr
	decl	%edi
	jmp	7b

8:	popl	%edi			/* wrmsr(other) */
9:	testl	%edi, %edi
	jz	10f
	movl	8(%esi), %ecx
	movl	16(%esi), %eax
	movl	20(%esi), %edx
	wrmsr
	decl	%edi
	jmp	9b

10:	popl	%edi			/* hlt */
11:	testl	%edi, %edi
	jz	12f
	hlt
	decl	%edi
	jmp	11b

12:	movw	$PORT_DONE, %dx
	outb	%al, %dx
13:	hlt
	jmp	13b

/* Interrupt handler: EOI to the xAPIC (in-kernel LAPIC), then return. */
	.globl guest_prot32_irq_eoi
guest_prot32_irq_eoi:
	movl	$0, APIC_EOI_GPA
	iretl

	.globl guest_prot32_end
guest_prot32_end:

	.section .note.GNU-stack, "", @progbits
