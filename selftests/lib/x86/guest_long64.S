/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit long-mode guest blob (identity-mapped 0..4 GiB).
 * Calling conventions: see guest_routines.h.  Only relative jumps and RIP-relative
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
 * Script routine (guest_routines.h), RBP = struct kvm_script_params.  R12 = the
 * op list, R13 = index of the current op, R14 = its repetitions left, RBX =
 * the current op (each op's code below may use it and clobbers RAX, RCX,
 * RDX, RDI only).  Interrupts stay disabled.
 */
	.globl guest_long64_script
guest_long64_script:
	cli
	movl	SP_OPS_GPA(%rbp), %r12d
.Lsc_loop:
	xorl	%r13d, %r13d
.Lsc_op:
	cmpl	SP_NR_OPS(%rbp), %r13d
	jae	.Lsc_loop_done
	movl	%r13d, %ebx
	shll	$OP_SIZE_SHIFT, %ebx
	addq	%r12, %rbx
	movzwl	OP_COUNT(%rbx), %r14d
	movzwl	OP_CODE(%rbx), %eax
	cmpl	$GOP_NR, %eax
	jae	.Lsc_bad_op
	leaq	.Lsc_table(%rip), %rdx
	movslq	(%rdx, %rax, 4), %rax
	addq	%rdx, %rax
	movq	%rax, %r15
1:	testl	%r14d, %r14d
	jz	2f
	call	*%r15
	decl	%r14d
	jmp	1b
2:	incl	%r13d
	jmp	.Lsc_op

.Lsc_loop_done:
	incl	SP_LOOPS_DONE(%rbp)
	movl	SP_LOOPS_DONE(%rbp), %eax
	cmpl	SP_LOOPS(%rbp), %eax
	jb	.Lsc_loop
	movw	$GP_PORT_DONE, %dx
	outb	%al, %dx
3:	hlt
	jmp	3b

.Lsc_bad_op:
	movl	$SCRIPT_FAIL_OP, %eax
.Lsc_fail:
	movw	$GP_PORT_FAIL, %dx
	outl	%eax, %dx
4:	hlt
	jmp	4b

/* One entry per enum kvm_guest_op_code, relative to the table. */
	.balign	4
.Lsc_table:
	.long	op_nop - .Lsc_table
	.long	op_wait - .Lsc_table
	.long	op_cpuid - .Lsc_table
	.long	op_hlt - .Lsc_table
	.long	op_out - .Lsc_table
	.long	op_in - .Lsc_table
	.long	op_mmio - .Lsc_table
	.long	op_rdmsr - .Lsc_table
	.long	op_wrmsr - .Lsc_table
	.long	op_vmmcall - .Lsc_table
	.long	op_wbinvd - .Lsc_table
	.long	op_monitor - .Lsc_table
	.long	op_mwait - .Lsc_table
	.long	op_rdpmc - .Lsc_table
	.long	op_write_dr0 - .Lsc_table
	.long	op_read_cr4 - .Lsc_table
	.long	op_write_cr4 - .Lsc_table
	.long	op_write_cr8 - .Lsc_table
	.long	op_ud2 - .Lsc_table
	.long	op_vmrun - .Lsc_table
	.long	op_skinit - .Lsc_table
	.long	op_invlpga - .Lsc_table
.Lsc_table_end:
	.if	(.Lsc_table_end - .Lsc_table) != GOP_NR * 4
	.error	"script op table does not match GOP_NR"
	.endif

op_nop:
	ret
op_wait:				/* no exit: plain loads */
	cmpl	$0, SP_GO(%rbp)
	je	op_wait
	ret
op_cpuid:
	pushq	%rbx
	movl	OP_ARG(%rbx), %eax
	xorl	%ecx, %ecx
	cpuid
	popq	%rbx
	ret
op_hlt:
	hlt
	incl	P_HLTS(%rbp)
	ret
op_out:
	movl	OP_ARG(%rbx), %edx
	outb	%al, %dx
	ret
op_in:
	movl	OP_ARG(%rbx), %edx
	inb	%dx, %al
	ret
op_mmio:
	movl	OP_ARG(%rbx), %edi
	movl	%eax, (%rdi)
	ret
op_rdmsr:
	movl	OP_ARG(%rbx), %ecx
	rdmsr
	ret
op_wrmsr:
	movl	OP_ARG(%rbx), %ecx
	movl	OP_VALUE(%rbx), %eax
	movl	OP_VALUE + 4(%rbx), %edx
	wrmsr
	ret
op_vmmcall:
	pushq	%rbx
	pushq	%rsi
	movl	OP_ARG(%rbx), %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	vmmcall
	popq	%rsi
	popq	%rbx
	ret
op_wbinvd:
	wbinvd
	ret
op_monitor:
	movq	%rbp, %rax
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	monitor
	ret
op_mwait:
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	mwait
	ret
op_rdpmc:
	movl	OP_ARG(%rbx), %ecx
	rdpmc
	ret
op_write_dr0:
	movq	OP_VALUE(%rbx), %rax
	movq	%rax, %dr0
	ret
op_read_cr4:
	movq	%cr4, %rax
	ret
op_write_cr4:
	movq	OP_VALUE(%rbx), %rax
	movq	%rax, %cr4
	ret
op_write_cr8:
	movq	OP_VALUE(%rbx), %rax
	movq	%rax, %cr8
	ret
op_ud2:
	ud2
	ret
op_vmrun:
	xorl	%eax, %eax
	vmrun	%rax
	ret
op_skinit:
	xorl	%eax, %eax
	skinit	%eax
	ret
op_invlpga:
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	invlpga	%rax, %ecx
	ret

/*
 * #UD and #GP handlers of the script routine: step over the instruction at
 * the saved RIP.  Every op above that can fault is "0f 01 xx" (3 bytes),
 * "[REX] 0f 20..23 modrm" (mov to/from CR/DR, 3 after the prefix) or
 * "0f xx" (2).
 */
	.globl guest_long64_gp
guest_long64_gp:
	incl	SP_GP(%rbp)
	addq	$8, %rsp		/* the error code */
	jmp	fault_skip

	.globl guest_long64_ud
guest_long64_ud:
	incl	SP_UD(%rbp)
fault_skip:
	pushq	%rax
	pushq	%rdx
	movq	16(%rsp), %rax		/* the faulting RIP */
	movb	(%rax), %dl
	andb	$0xf0, %dl
	cmpb	$0x40, %dl		/* REX prefix */
	jne	1f
	incq	%rax
1:	cmpb	$0x0f, (%rax)
	jne	.Lsc_fault
	movb	1(%rax), %dl
	addq	$2, %rax
	cmpb	$0x01, %dl
	je	2f
	andb	$0xfc, %dl
	cmpb	$0x20, %dl
	jne	3f
2:	incq	%rax
3:	movq	%rax, 16(%rsp)
	popq	%rdx
	popq	%rax
	iretq
.Lsc_fault:
	movl	$SCRIPT_FAIL_FAULT, %eax
	jmp	.Lsc_fail

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
