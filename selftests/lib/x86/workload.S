/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines shared by the real-mode, 32-bit and 64-bit blobs, as
 * assembler macros: a blob defines the register macros below, includes
 * this file and expands the macros under its own (exported) labels.
 * Only included, never assembled on its own: the Makefile builds
 * lib/guest_*.S.
 *
 *   AX BX CX DX SI DI	full-width general registers (%rax or %eax, ...)
 *   BP SP		parameter block pointer and stack pointer
 *   PARAMS		register addressing the workload parameter block
 *			(SI, or %si in real mode)
 *   PUSH POP MOV	full-width pushq/popq/movq or pushl/popl/movl
 *   SLOT(n)		offset of the n-th pushed register from SP
 *   GUEST_REAL_MODE	defined by the real-mode blob: no irqchip, MMIO
 *			through ES:DI
 *
 * Outside real mode the blob also provides apic_setup (IDT gates, then
 * x2apic_enable), called by guest_workload and guest_wakeup.
 */
#ifndef KVMTUNE_WORKLOAD_S
#define KVMTUNE_WORKLOAD_S

#include "guest_params.h"

#ifdef GUEST_REAL_MODE
#define WL_MMIO_DST	%es:(%di)
#else
#define WL_MMIO_DST	(DI)
#endif

/*
 * Workload, BP = struct kvm_workload_params: the six counts stay on the
 * stack for the outer loop, N at SLOT(5), M 4, J 3, W 2, X 1, K 0.
 * BP is never modified (the irq_count handler relies on it).
 */
.macro guest_workload
	PUSH	AX			/* N: pio */
	PUSH	BX			/* M: mmio */
	PUSH	CX			/* J: cpuid */
	PUSH	SI			/* W: wrmsr(0x6e0) */
	PUSH	DI			/* X: wrmsr(other) */
	PUSH	DX			/* K: hlt */
	MOV	BP, SI			/* parameter block */
#ifndef GUEST_REAL_MODE
	testl	$WL_FLAG_HLT_TIMER, WP_FLAGS(PARAMS)
	jz	.Lwl_loop
	call	apic_setup
#endif

.Lwl_loop:
	movl	SLOT(5)(SP), %ecx	/* pio */
	movw	WP_PORT(PARAMS), %dx
1:	testl	%ecx, %ecx
	jz	2f
	outb	%al, %dx
	decl	%ecx
	jmp	1b

2:	movl	SLOT(4)(SP), %ecx	/* mmio */
	movl	WP_MMIO_GPA(PARAMS), %edi
#ifdef GUEST_REAL_MODE
	xorl	%eax, %eax		/* ES = max(0, mmio_gpa - 0xfff0) / 16 */
	cmpl	$0xfff0, %edi
	jb	20f
	leal	-0xfff0(%edi), %eax
	shrl	$4, %eax
20:	movw	%ax, %es
	shll	$4, %eax
	subl	%eax, %edi		/* DI = mmio_gpa - ES * 16 */
#endif
3:	testl	%ecx, %ecx
	jz	4f
	movl	%ecx, WL_MMIO_DST
	decl	%ecx
	jmp	3b

4:	movl	SLOT(3)(SP), %edi	/* cpuid: keep this loop tight */
	testl	%edi, %edi
	jz	6f
5:	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	decl	%edi
	jnz	5b

6:	movl	SLOT(2)(SP), %edi	/* wrmsr(IA32_TSC_DEADLINE) */
7:	testl	%edi, %edi
	jz	8f
	movl	$0x6e0, %ecx
	movl	WP_TSC_DEADLINE(PARAMS), %eax
	movl	WP_TSC_DEADLINE + 4(PARAMS), %edx
	wrmsr
	decl	%edi
	jmp	7b

8:	movl	SLOT(1)(SP), %edi	/* wrmsr(other) */
9:	testl	%edi, %edi
	jz	10f
	movl	WP_MSR_INDEX(PARAMS), %ecx
	movl	WP_MSR_VALUE(PARAMS), %eax
	movl	WP_MSR_VALUE + 4(PARAMS), %edx
	wrmsr
	decl	%edi
	jmp	9b

10:	movl	SLOT(0)(SP), %edi	/* hlt */
11:	testl	%edi, %edi
	jz	12f
#ifdef GUEST_REAL_MODE
	hlt				/* no irqchip in real mode */
#else
	testl	$WL_FLAG_HLT_TIMER, WP_FLAGS(PARAMS)
	jz	14f
	movl	$MSR_X2APIC_TMICT, %ecx
	movl	P_TIMER_COUNT(PARAMS), %eax
	xorl	%edx, %edx
	wrmsr
	sti				/* the STI shadow covers the HLT */
	hlt
	cli
	jmp	15f
14:	hlt
15:
#endif
	incl	P_HLTS(PARAMS)
	decl	%edi
	jmp	11b

12:	incl	WP_LOOPS_DONE(PARAMS)
	cmpl	$0, WP_STOP(PARAMS)
	jne	16f
	movl	WP_LOOPS_DONE(PARAMS), %eax
	cmpl	WP_LOOPS(PARAMS), %eax
	jb	.Lwl_loop

16:	movw	$GP_PORT_DONE, %dx
	outb	%al, %dx
13:	hlt
	jmp	13b
.endm

/*
 * Wakeup routine, BP = struct kvm_wakeup_params (never modified).
 * EDI counts HLTs (TIMER, IPI_RECV) or IPIs (IPI_SEND) done so far.
 */
.macro guest_wakeup
	call	apic_setup
	movl	KP_ROLE(BP), %eax
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
	cmpl	KP_COUNT(BP), %edi
	jae	.Ldone
	incl	%edi
	movl	$MSR_X2APIC_TMICT, %ecx	/* one-shot, LVTT set up by apic_setup */
	movl	P_TIMER_COUNT(BP), %eax
	xorl	%edx, %edx
	wrmsr
	sti
	hlt
	cli
	incl	P_HLTS(BP)
	/*
	 * Every HLT must have been ended by an interrupt.  More interrupts
	 * than HLTs are tolerated: the proving ground's emulated nested SVM
	 * sometimes delivers a re-injected interrupt twice.
	 */
	cmpl	P_IRQS(BP), %edi
	jbe	.Ltimer
	movl	$WAKEUP_FAIL_IRQS, %eax
	jmp	.Lfail

.Lrecv:
	cmpl	KP_COUNT(BP), %edi
	jae	.Ldone
	incl	%edi
	movl	%edi, KP_READY(BP)	/* "about to halt for IPI number EDI" */
	sti
	hlt
	cli
	incl	P_HLTS(BP)
	cmpl	P_IRQS(BP), %edi	/* as for .Ltimer */
	jbe	.Lrecv
	movl	$WAKEUP_FAIL_IRQS, %eax
	jmp	.Lfail

.Lsend:
	movl	KP_PEER_PARAMS(BP), %esi
1:	cmpl	KP_COUNT(BP), %edi
	jae	.Ldone
	incl	%edi
	/*
	 * Wait until the peer waits for this IPI (or a later one, if a
	 * duplicated interrupt already woke it: see .Ltimer).
	 */
2:	cmpl	%edi, KP_READY(SI)
	jae	3f
	pause
	jmp	2b
3:	movl	$MSR_X2APIC_ICR, %ecx
	movl	P_VECTOR(BP), %eax
	orl	$APIC_ICR_ASSERT, %eax
	movl	KP_PEER_APIC_ID(BP), %edx
	wrmsr
	incl	KP_IPIS_SENT(BP)
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
.endm

/*
 * Second half of apic_setup, after the IDT gates: x2APIC mode, APIC
 * software-enabled, timer divide by 1, LVTT one-shot P_VECTOR(BP).
 * One RDMSR and four WRMSR exits.  Clobbers EAX, ECX, EDX.
 */
.macro x2apic_enable
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
	movl	P_VECTOR(BP), %eax
	wrmsr
.endm

/*
 * Body of the interrupt handler for the x2APIC routines: count in
 * P_IRQS(BP) (and P_HLT_SKIPS, below), EOI through the x2APIC EOI MSR (one WRMSR exit without
 * AVIC).  The blob adds its own return instruction.
 */
.macro irq_count_body
	PUSH	AX
	PUSH	CX
	PUSH	DX
	/*
	 * Interrupted right before a HLT, i.e. inside the STI shadow of
	 * "sti; hlt": impossible on hardware, but the proving ground's
	 * emulated nested SVM occasionally delivers there.  That HLT would
	 * then wait for an interrupt that already came: step over it and
	 * count it in P_HLT_SKIPS (P_HLTS still counts it).
	 */
	MOV	SLOT(3)(SP), AX		/* the interrupted instruction */
	cmpb	$0xf4, (AX)		/* HLT */
	jne	1f
	inc	AX
	MOV	AX, SLOT(3)(SP)
	incl	P_HLT_SKIPS(BP)
1:	incl	P_IRQS(BP)
	movl	$MSR_X2APIC_EOI, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	POP	DX
	POP	CX
	POP	AX
.endm

#endif /* KVMTUNE_WORKLOAD_S */
