/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 32-bit protected-mode guest blob (flat segments, paging off).
 * Calling conventions: see kvm_util.h.  Only relative jumps are used (and
 * call/pop to find the blob's own address), so the blob may be loaded at
 * any GPA.
 */
#include "guest_params.h"

#define APIC_EOI_GPA	0xfee000b0

	.section .rodata.guest_prot32, "a"
	.code32

	.globl guest_prot32_start
guest_prot32_start:

/*
 * Workload: the six counts stay on the stack for the outer loop,
 * N at 20(%esp), M 16, J 12, W 8, X 4, K 0.  EBP is never modified
 * (guest_prot32_irq_count relies on it).
 */
	.globl guest_prot32_workload
guest_prot32_workload:
	pushl	%eax			/* N: pio */
	pushl	%ebx			/* M: mmio */
	pushl	%ecx			/* J: cpuid */
	pushl	%esi			/* W: wrmsr(0x6e0) */
	pushl	%edi			/* X: wrmsr(other) */
	pushl	%edx			/* K: hlt */
	movl	%ebp, %esi		/* parameter block */
	testl	$WL_FLAG_HLT_TIMER, WP_FLAGS(%esi)
	jz	.Lwl_loop
	call	apic_setup

.Lwl_loop:
	movl	20(%esp), %ecx		/* pio */
	movw	WP_PORT(%esi), %dx
1:	testl	%ecx, %ecx
	jz	2f
	outb	%al, %dx
	decl	%ecx
	jmp	1b

2:	movl	16(%esp), %ecx		/* mmio */
	movl	WP_MMIO_GPA(%esi), %edi
3:	testl	%ecx, %ecx
	jz	4f
	movl	%ecx, (%edi)
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
	movl	WP_TSC_DEADLINE(%esi), %eax
	movl	WP_TSC_DEADLINE + 4(%esi), %edx
	wrmsr
	decl	%edi
	jmp	7b

8:	movl	4(%esp), %edi		/* wrmsr(other) */
9:	testl	%edi, %edi
	jz	10f
	movl	WP_MSR_INDEX(%esi), %ecx
	movl	WP_MSR_VALUE(%esi), %eax
	movl	WP_MSR_VALUE + 4(%esi), %edx
	wrmsr
	decl	%edi
	jmp	9b

10:	movl	0(%esp), %edi		/* hlt */
11:	testl	%edi, %edi
	jz	12f
	testl	$WL_FLAG_HLT_TIMER, WP_FLAGS(%esi)
	jz	14f
	movl	$MSR_X2APIC_TMICT, %ecx
	movl	P_TIMER_COUNT(%esi), %eax
	xorl	%edx, %edx
	wrmsr
	sti				/* the STI shadow covers the HLT */
	hlt
	cli
	jmp	15f
14:	hlt
15:	incl	P_HLTS(%esi)
	decl	%edi
	jmp	11b

12:	incl	WP_LOOPS_DONE(%esi)
	cmpl	$0, WP_STOP(%esi)
	jne	16f
	movl	WP_LOOPS_DONE(%esi), %eax
	cmpl	WP_LOOPS(%esi), %eax
	jb	.Lwl_loop

16:	movw	$GP_PORT_DONE, %dx
	outb	%al, %dx
13:	hlt
	jmp	13b

/*
 * Wakeup routine, EBP = struct kvm_wakeup_params (never modified).
 * EDI counts HLTs (TIMER, IPI_RECV) or IPIs (IPI_SEND) done so far.
 */
	.globl guest_prot32_wakeup
guest_prot32_wakeup:
	call	apic_setup
	movl	KP_ROLE(%ebp), %eax
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
	cmpl	KP_COUNT(%ebp), %edi
	jae	.Ldone
	incl	%edi
	movl	$MSR_X2APIC_TMICT, %ecx	/* one-shot, LVTT set up by apic_setup */
	movl	P_TIMER_COUNT(%ebp), %eax
	xorl	%edx, %edx
	wrmsr
	sti
	hlt
	cli
	incl	P_HLTS(%ebp)
	/*
	 * Every HLT must have been ended by an interrupt.  More interrupts
	 * than HLTs are tolerated and reported: TCG's nested SVM sometimes
	 * delivers a re-injected timer interrupt twice.
	 */
	cmpl	P_IRQS(%ebp), %edi
	jbe	.Ltimer
	movl	$WAKEUP_FAIL_IRQS, %eax
	jmp	.Lfail

.Lrecv:
	cmpl	KP_COUNT(%ebp), %edi
	jae	.Ldone
	incl	%edi
	movl	%edi, KP_READY(%ebp)	/* "about to halt for IPI number EDI" */
	sti
	hlt
	cli
	incl	P_HLTS(%ebp)
	cmpl	P_IRQS(%ebp), %edi
	je	.Lrecv
	movl	$WAKEUP_FAIL_IRQS, %eax
	jmp	.Lfail

.Lsend:
	movl	KP_PEER_PARAMS(%ebp), %esi
1:	cmpl	KP_COUNT(%ebp), %edi
	jae	.Ldone
	incl	%edi
2:	cmpl	%edi, KP_READY(%esi)	/* wait until the peer waits for us */
	je	3f
	pause
	jmp	2b
3:	movl	$MSR_X2APIC_ICR, %ecx
	movl	P_VECTOR(%ebp), %eax
	orl	$APIC_ICR_ASSERT, %eax
	movl	KP_PEER_APIC_ID(%ebp), %edx
	wrmsr
	incl	KP_IPIS_SENT(%ebp)
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
 * apic_setup: IDT gates for P_VECTOR(%ebp) and the spurious vector, x2APIC
 * mode, APIC software-enabled, timer divide by 1, LVTT one-shot P_VECTOR.
 * One RDMSR and four WRMSR exits.  Clobbers EAX, ECX, EDX, EDI.
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
	movl	P_VECTOR(%ebp), %eax
	wrmsr
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
 * Interrupt handler for the x2APIC routines: count in P_IRQS(%ebp), EOI
 * through the x2APIC EOI MSR (one WRMSR exit without AVIC).  Interrupts
 * only arrive in "sti; hlt", followed by "cli", so return with "lret $4"
 * (EIP, CS; EFLAGS dropped, IF stays 0) instead of IRET: some KVM hosts
 * intercept a protected-mode IRET, and KVM's emulator cannot emulate it
 * (KVM_EXIT_INTERNAL_ERROR, seen on the development host).
 */
	.globl guest_prot32_irq_count
guest_prot32_irq_count:
	pushl	%eax
	pushl	%ecx
	pushl	%edx
	incl	P_IRQS(%ebp)
	movl	$MSR_X2APIC_EOI, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	popl	%edx
	popl	%ecx
	popl	%eax
	lret	$4

/* Interrupt handler: EOI to the xAPIC (in-kernel LAPIC), then return. */
	.globl guest_prot32_irq_eoi
guest_prot32_irq_eoi:
	movl	$0, APIC_EOI_GPA
	iretl

	.globl guest_prot32_end
guest_prot32_end:

	.section .note.GNU-stack, "", @progbits
