/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real-mode guest blob.  Calling convention: see kvm_util.h.  The library
 * enters with DS = ES = 0 and the parameter block below 64 KiB.
 * Only relative jumps are used, so the blob may be loaded at any
 * 16-byte aligned GPA.
 */
#define PORT_DONE	0xf4

	.section .rodata.guest_real, "a"
	.code16

	.globl guest_real_start
guest_real_start:

	.globl guest_real_workload
guest_real_workload:
	cli
	pushl	%edx			/* K: hlt */
	pushl	%edi			/* X: wrmsr(other) */
	pushl	%esi			/* W: wrmsr(0x6e0) */
	pushl	%ecx			/* J: cpuid */
	pushl	%ebx			/* M: mmio */
	movl	%ebp, %esi		/* parameter block */

	movl	%eax, %ecx		/* N: pio */
	movw	0(%si), %dx
1:	testl	%ecx, %ecx
	jz	2f
	outb	%al, %dx
	decl	%ecx
	jmp	1b

2:	popl	%ecx			/* mmio: ES:DI = mmio_gpa */
	movl	4(%si), %edi
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
	movl	24(%si), %eax
	movl	28(%si), %edx
	wrmsr
	decl	%edi
	jmp	7b

8:	popl	%edi			/* wrmsr(other) */
9:	testl	%edi, %edi
	jz	10f
	movl	8(%si), %ecx
	movl	16(%si), %eax
	movl	20(%si), %edx
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

	.globl guest_real_end
guest_real_end:

	.section .note.GNU-stack, "", @progbits
