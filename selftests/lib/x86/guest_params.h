/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parameter block offsets and constants shared by the guest blobs
 * (guest_*.S) and kvm_util.c, which checks them against the C structs.
 * Plain #defines only: this file is included from assembly.
 */
#ifndef KVMTUNE_GUEST_PARAMS_H
#define KVMTUNE_GUEST_PARAMS_H

#define GP_PORT_DONE		0xf4
#define GP_PORT_FAIL		0xf5
#define GP_IDT_GPA		0x8000
#define GP_SEL_CODE64		0x08
#define GP_SEL_CODE32		0x18

/* struct kvm_workload_params */
#define WP_PORT			0
#define WP_MMIO_GPA		4
#define WP_MSR_INDEX		8
#define WP_MSR_VALUE		16
#define WP_TSC_DEADLINE		24
#define WP_LOOPS		40
#define WP_LOOPS_DONE		44
#define WP_FLAGS		48
#define WP_STOP			56

/* struct kvm_wakeup_params */
#define KP_ROLE			0
#define KP_COUNT		4
#define KP_PEER_APIC_ID		8
#define KP_PEER_PARAMS		12
#define KP_IPIS_SENT		40
#define KP_READY		44

/* struct kvm_script_params (script routine, long64) */
#define SP_OPS_GPA		0
#define SP_NR_OPS		4
#define SP_LOOPS		8
#define SP_LOOPS_DONE		12
#define SP_GO			16
#define SP_UD			20
#define SP_GP			24

/* struct kvm_guest_op, 16 bytes */
#define OP_SIZE_SHIFT		4
#define OP_CODE			0
#define OP_COUNT		2
#define OP_ARG			4
#define OP_VALUE		8

/* enum kvm_guest_op_code */
#define GOP_NOP		0
#define GOP_WAIT	1
#define GOP_CPUID	2
#define GOP_HLT		3
#define GOP_OUT		4
#define GOP_IN		5
#define GOP_MMIO	6
#define GOP_RDMSR	7
#define GOP_WRMSR	8
#define GOP_VMMCALL	9
#define GOP_WBINVD	10
#define GOP_MONITOR	11
#define GOP_MWAIT	12
#define GOP_RDPMC	13
#define GOP_WRITE_DR0	14
#define GOP_READ_CR4	15
#define GOP_WRITE_CR4	16
#define GOP_WRITE_CR8	17
#define GOP_UD2		18
#define GOP_VMRUN	19
#define GOP_SKINIT	20
#define GOP_INVLPGA	21
#define GOP_NR		22

/* values the script routine writes to GP_PORT_FAIL */
#define SCRIPT_FAIL_OP		0x20	/* unknown op code */
#define SCRIPT_FAIL_FAULT	0x21	/* #UD/#GP on an instruction not ours */

/* common to both blocks: the interrupt handler and apic_setup use them */
#define P_HLTS			32
#define P_IRQS			36
#define P_TIMER_COUNT		52
#define P_VECTOR		60
#define P_HLT_SKIPS		64

/* WP_FLAGS bits */
#define WL_FLAG_HLT_TIMER	0x1	/* arm the LAPIC timer before each HLT */

/* KP_ROLE values */
#define WAKEUP_ROLE_TIMER	0
#define WAKEUP_ROLE_IPI_RECV	1
#define WAKEUP_ROLE_IPI_SEND	2

/* values the wakeup routine writes to GP_PORT_FAIL */
#define WAKEUP_FAIL_ROLE	0x10	/* unknown KP_ROLE */
#define WAKEUP_FAIL_IRQS	0x11	/* HLT returned, P_IRQS != HLTs so far */

/* x2APIC */
#define MSR_APIC_BASE		0x1b
#define APIC_BASE_EXTD		0x400
#define APIC_BASE_EN		0x800
#define MSR_X2APIC_EOI		0x80b
#define MSR_X2APIC_SVR		0x80f
#define MSR_X2APIC_ICR		0x830
#define MSR_X2APIC_LVTT		0x832
#define MSR_X2APIC_TMICT	0x838
#define MSR_X2APIC_TDCR		0x83e
#define APIC_SVR_ENABLE		0x100
#define APIC_SPURIOUS_VECTOR	0xff
#define APIC_TDCR_DIV1		0xb
#define APIC_ICR_ASSERT		0x4000	/* fixed, physical, edge */

#endif /* KVMTUNE_GUEST_PARAMS_H */
