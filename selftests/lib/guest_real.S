/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real-mode guest blob.  Calling convention: see kvm_util.h.  The library
 * enters with DS = ES = 0 and the parameter block below 64 KiB.
 * Only relative jumps are used, so the blob may be loaded at any
 * 16-byte aligned GPA.
 */
#include "guest_params.h"

	.section .rodata.guest_real, "a"
	.code16

	.globl guest_real_start
guest_real_start:

/*
 * Workload: the six counts stay on the stack (SS:ESP) for the outer loop,
 * N at 20(%esp), M 16, J 12, W 8, X 4, K 0.  DS:SI = parameter block.
 */
	.globl guest_real_workload
guest_real_workload:
	cli
	pushl	%eax			/* N: pio */
	pushl	%ebx			/* M: mmio */
	pushl	%ecx			/* J: cpuid */
	pushl	%esi			/* W: wrmsr(0x6e0) */
	pushl	%edi			/* X: wrmsr(other) */
	pushl	%edx			/* K: hlt */
	movl	%ebp, %esi		/* parameter block */

.Lwl_loop:
	movl	20(%esp), %ecx		/* pio */
	movw	WP_PORT(%si), %dx
1:	testl	%ecx, %ecx
	jz	2f
	outb	%al, %dx
	decl	%ecx
	jmp	1b

2:	movl	16(%esp), %ecx		/* mmio: ES:DI = mmio_gpa */
	movl	WP_MMIO_GPA(%si), %edi
	xorl	%eax, %eax		/* ES = max(0, mmio_gpa - 0xfff0) / 16 */
	cmpl	$0xfff0, %edi
	jb	20f
	leal	-0xfff0(%edi), %eax
	shrl	$4, %eax
20:	movw	%ax, %es
	shll	$4, %eax
	subl	%eax, %edi		/* DI = mmio_gpa - ES * 16 */
3:	testl	%ecx, %ecx
	jz	4f
	movl	%ecx, %es:(%di)
	decl	%ecx
	jmp	3b

4:	movl	12(%esp), %edi		/* cpuid: keep this loop tight */
	testl	%edi, %edi
	jz	6f
5:	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	decl	%edi
	jnz	5b

6:	movl	8(%esp), %edi		/* wrmsr(IA32_TSC_DEADLINE) */
7:	testl	%edi, %edi
	jz	8f
	movl	$0x6e0, %ecx
	movl	WP_TSC_DEADLINE(%si), %eax
	movl	WP_TSC_DEADLINE + 4(%si), %edx
	wrmsr
	decl	%edi
	jmp	7b

8:	movl	4(%esp), %edi		/* wrmsr(other) */
9:	testl	%edi, %edi
	jz	10f
	movl	WP_MSR_INDEX(%si), %ecx
	movl	WP_MSR_VALUE(%si), %eax
	movl	WP_MSR_VALUE + 4(%si), %edx
	wrmsr
	decl	%edi
	jmp	9b

10:	movl	0(%esp), %edi		/* hlt (no irqchip in real mode) */
11:	testl	%edi, %edi
	jz	12f
	hlt
	incl	P_HLTS(%si)
	decl	%edi
	jmp	11b

12:	incl	WP_LOOPS_DONE(%si)
	cmpl	$0, WP_STOP(%si)
	jne	16f
	movl	WP_LOOPS_DONE(%si), %eax
	cmpl	WP_LOOPS(%si), %eax
	jb	.Lwl_loop

16:	movw	$GP_PORT_DONE, %dx
	outb	%al, %dx
13:	hlt
	jmp	13b

	.globl guest_real_end
guest_real_end:

	.section .note.GNU-stack, "", @progbits
