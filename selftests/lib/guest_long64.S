/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit long-mode guest blob (identity-mapped 0..4 GiB).
 * Calling conventions: see kvm_util.h.  Only relative jumps and RIP-relative
 * addressing are used, so the blob may be loaded at any GPA below 4 GiB.
 */
#include "guest_params.h"

#define APIC_EOI_GPA	0xfee000b0

	.section .rodata.guest_long64, "a"
	.code64

	.globl guest_long64_start
guest_long64_start:

/*
 * Workload: the six counts stay on the stack for the outer loop,
 * N at 40(%rsp), M 32, J 24, W 16, X 8, K 0.  RBP is never modified
 * (guest_long64_irq_count relies on it).
 */
	.globl guest_long64_workload
guest_long64_workload:
	pushq	%rax			/* N: pio */
	pushq	%rbx			/* M: mmio */
	pushq	%rcx			/* J: cpuid */
	pushq	%rsi			/* W: wrmsr(0x6e0) */
	pushq	%rdi			/* X: wrmsr(other) */
	pushq	%rdx			/* K: hlt */
	movq	%rbp, %rsi		/* parameter block */
	testl	$WL_FLAG_HLT_TIMER, WP_FLAGS(%rsi)
	jz	.Lwl_loop
	call	apic_setup

.Lwl_loop:
	movl	40(%rsp), %ecx		/* pio */
	movw	WP_PORT(%rsi), %dx
1:	testl	%ecx, %ecx
	jz	2f
	outb	%al, %dx
	decl	%ecx
	jmp	1b

2:	movl	32(%rsp), %ecx		/* mmio */
	movl	WP_MMIO_GPA(%rsi), %edi
3:	testl	%ecx, %ecx
	jz	4f
	movl	%ecx, (%rdi)
	decl	%ecx
	jmp	3b

4:	movl	24(%rsp), %edi		/* cpuid: keep this loop tight */
	testl	%edi, %edi
	jz	6f
5:	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	decl	%edi
	jnz	5b

6:	movl	16(%rsp), %edi		/* wrmsr(IA32_TSC_DEADLINE) */
7:	testl	%edi, %edi
	jz	8f
	movl	$0x6e0, %ecx
	movl	WP_TSC_DEADLINE(%rsi), %eax
	movl	WP_TSC_DEADLINE + 4(%rsi), %edx
	wrmsr
	decl	%edi
	jmp	7b

8:	movl	8(%rsp), %edi		/* wrmsr(other) */
9:	testl	%edi, %edi
	jz	10f
	movl	WP_MSR_INDEX(%rsi), %ecx
	movl	WP_MSR_VALUE(%rsi), %eax
	movl	WP_MSR_VALUE + 4(%rsi), %edx
	wrmsr
	decl	%edi
	jmp	9b

10:	movl	0(%rsp), %edi		/* hlt */
11:	testl	%edi, %edi
	jz	12f
	testl	$WL_FLAG_HLT_TIMER, WP_FLAGS(%rsi)
	jz	14f
	movl	$MSR_X2APIC_TMICT, %ecx
	movl	P_TIMER_COUNT(%rsi), %eax
	xorl	%edx, %edx
	wrmsr
	sti				/* the STI shadow covers the HLT */
	hlt
	cli
	jmp	15f
14:	hlt
15:	incl	P_HLTS(%rsi)
	decl	%edi
	jmp	11b

12:	incl	WP_LOOPS_DONE(%rsi)
	cmpl	$0, WP_STOP(%rsi)
	jne	16f
	movl	WP_LOOPS_DONE(%rsi), %eax
	cmpl	WP_LOOPS(%rsi), %eax
	jb	.Lwl_loop

16:	movw	$GP_PORT_DONE, %dx
	outb	%al, %dx
13:	hlt
	jmp	13b

/*
 * Wakeup routine, RBP = struct kvm_wakeup_params (never modified).
 * EDI counts HLTs (TIMER, IPI_RECV) or IPIs (IPI_SEND) done so far.
 */
	.globl guest_long64_wakeup
guest_long64_wakeup:
	call	apic_setup
	movl	KP_ROLE(%rbp), %eax
	xorl	%edi, %edi
	cmpl	$WAKEUP_ROLE_TIMER, %eax
	je	.Ltimer
	cmpl	$WAKEUP_ROLE_IPI_RECV, %eax
	je	.Lrecv
	cmpl	$WAKEUP_ROLE_IPI_SEND, %eax
	je	.Lsend
	movl	$WAKEUP_FAIL_ROLE, %eax
	jmp	.Lfail

.Ltimer:
	cmpl	KP_COUNT(%rbp), %edi
	jae	.Ldone
	incl	%edi
	movl	$MSR_X2APIC_TMICT, %ecx	/* one-shot, LVTT set up by apic_setup */
	movl	P_TIMER_COUNT(%rbp), %eax
	xorl	%edx, %edx
	wrmsr
	sti
	hlt
	cli
	incl	P_HLTS(%rbp)
	/*
	 * Every HLT must have been ended by an interrupt.  More interrupts
	 * than HLTs are tolerated and reported: TCG's nested SVM sometimes
	 * delivers a re-injected timer interrupt twice.
	 */
	cmpl	P_IRQS(%rbp), %edi
	jbe	.Ltimer
	movl	$WAKEUP_FAIL_IRQS, %eax
	jmp	.Lfail

.Lrecv:
	cmpl	KP_COUNT(%rbp), %edi
	jae	.Ldone
	incl	%edi
	movl	%edi, KP_READY(%rbp)	/* "about to halt for IPI number EDI" */
	sti
	hlt
	cli
	incl	P_HLTS(%rbp)
	cmpl	P_IRQS(%rbp), %edi
	je	.Lrecv
	movl	$WAKEUP_FAIL_IRQS, %eax
	jmp	.Lfail

.Lsend:
	movl	KP_PEER_PARAMS(%rbp), %esi
1:	cmpl	KP_COUNT(%rbp), %edi
	jae	.Ldone
	incl	%edi
2:	cmpl	%edi, KP_READY(%rsi)	/* wait until the peer waits for us */
	je	3f
	pause
	jmp	2b
3:	movl	$MSR_X2APIC_ICR, %ecx
	movl	P_VECTOR(%rbp), %eax
	orl	$APIC_ICR_ASSERT, %eax
	movl	KP_PEER_APIC_ID(%rbp), %edx
	wrmsr
	incl	KP_IPIS_SENT(%rbp)
	jmp	1b

.Ldone:
	movw	$GP_PORT_DONE, %dx
	outb	%al, %dx
4:	hlt
	jmp	4b

.Lfail:
	movw	$GP_PORT_FAIL, %dx
	outl	%eax, %dx
5:	hlt
	jmp	5b

/*
 * apic_setup: IDT gates for P_VECTOR(%rbp) and the spurious vector, x2APIC
 * mode, APIC software-enabled, timer divide by 1, LVTT one-shot P_VECTOR.
 * One RDMSR and four WRMSR exits.  Clobbers RAX, RCX, RDX, RDI.
 */
apic_setup:
	movl	P_VECTOR(%rbp), %eax
	leaq	guest_long64_irq_count(%rip), %rdx
	call	set_gate
	movl	$APIC_SPURIOUS_VECTOR, %eax
	leaq	spurious(%rip), %rdx
	call	set_gate
	movl	$MSR_APIC_BASE, %ecx
	rdmsr
	orl	$(APIC_BASE_EN | APIC_BASE_EXTD), %eax
	wrmsr
	xorl	%edx, %edx
	movl	$MSR_X2APIC_SVR, %ecx
	movl	$(APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR), %eax
	wrmsr
	movl	$MSR_X2APIC_TDCR, %ecx
	movl	$APIC_TDCR_DIV1, %eax
	wrmsr
	movl	$MSR_X2APIC_LVTT, %ecx
	movl	P_VECTOR(%rbp), %eax
	wrmsr
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

/*
 * Interrupt handler for the x2APIC routines: count in P_IRQS(%rbp), EOI
 * through the x2APIC EOI MSR (one WRMSR exit without AVIC).
 */
	.globl guest_long64_irq_count
guest_long64_irq_count:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	incl	P_IRQS(%rbp)
	movl	$MSR_X2APIC_EOI, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	popq	%rdx
	popq	%rcx
	popq	%rax
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
