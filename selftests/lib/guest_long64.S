/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit long-mode guest blob (identity-mapped 0..4 GiB).
 * Calling convention: see kvm_util.h.  Only relative jumps are used, so the
 * blob may be loaded at any GPA.
 */
#define PORT_DONE	0xf4
#define APIC_EOI_GPA	0xfee000b0

	.section .rodata.guest_long64, "a"
	.code64

	.globl guest_long64_start
guest_long64_start:

	.globl guest_long64_workload
guest_long64_workload:
	pushq	%rdx			/* K: hlt */
	pushq	%rdi			/* X: wrmsr(other) */
	pushq	%rsi			/* W: wrmsr(0x6e0) */
	pushq	%rcx			/* J: cpuid */
	pushq	%rbx			/* M: mmio */
	movq	%rbp, %rsi		/* parameter block */

	movl	%eax, %ecx		/* N: pio */
	movw	0(%rsi), %dx
1:	testl	%ecx, %ecx
	jz	2f
	outb	%al, %dx
	decl	%ecx
	jmp	1b

2:	popq	%rcx			/* mmio */
	movl	4(%rsi), %edi
3:	testl	%ecx, %ecx
	jz	4f
	movl	%ecx, (%rdi)
	decl	%ecx
	jmp	3b

4:	popq	%rdi			/* cpuid */
5:	testl	%edi, %edi
	jz	6f
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	decl	%edi
	jmp	5b

6:	popq	%rdi			/* wrmsr(IA32_TSC_DEADLINE) */
7:	testl	%edi, %edi
	jz	8f
	movl	$0x6e0, %ecx
	movl	24(%rsi), %eax
	movl	28(%rsi), %edx
	wrmsr
	decl	%edi
	jmp	7b

8:	popq	%rdi			/* wrmsr(other) */
9:	testl	%edi, %edi
	jz	10f
	movl	8(%rsi), %ecx
	movl	16(%rsi), %eax
	movl	20(%rsi), %edx
	wrmsr
	decl	%edi
	jmp	9b

10:	popq	%rdi			/* hlt */
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
