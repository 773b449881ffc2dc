/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The library's guest routines: built-in guest code (lib/x86/guest_*.S) that
 * makes exactly known exits, driven by a parameter block per vCPU at
 * KVM_UTIL_PARAMS_GPA + 128 * vcpu id (processor.h has the memory layout).
 * Every routine ends with an "out" to KVM_UTIL_PORT_DONE (kvm_util.h).
 *
 * Workload guest routine (kvm_vcpu_set_workload()), same in all modes:
 *   EAX = N: "out %al, %dx" to params.pio_port, N times
 *   EBX = M: 32-bit store to params.mmio_gpa, M times
 *   ECX = J: CPUID leaf 0, J times
 *   EDX = K: HLT, K times (done last)
 *   ESI = W: WRMSR(0x6e0 IA32_TSC_DEADLINE, params.tsc_deadline), W times
 *   EDI = X: WRMSR(params.msr_index, params.msr_value), X times
 *   EBP = GPA of the 64-byte parameter block (struct kvm_workload_params)
 * Order: PIO, MMIO, CPUID, WRMSR 0x6e0, WRMSR other, HLT; that sequence is
 * one loop.  The guest repeats it params.loops times, or fewer if the host
 * sets params.stop (checked after each loop), then does one "out" to
 * KVM_UTIL_PORT_DONE.  The guest counts params.hlts and params.loops_done
 * in memory (no exits).  With an in-kernel irqchip (prot32/long64 only) each
 * HLT is a timer wakeup: "WRMSR TMICT; sti; hlt; cli", see below; without
 * one each HLT exits to userspace (KVM_EXIT_HLT).  The routine uses only
 * relative addressing, so the blob is position independent.
 *
 * Wakeup guest routine (kvm_vcpu_set_wakeup(), prot32/long64, in-kernel
 * irqchip required), EBP = GPA of struct kvm_wakeup_params, never modified:
 *   setup: IDT gates for params.vector and the spurious vector 0xff;
 *          IA32_APIC_BASE |= EN | EXTD (x2APIC); SVR = 0x1ff; TDCR = divide
 *          by 1; LVTT = one-shot, params.vector.
 *   TIMER:    K times: WRMSR TMICT = params.timer_count; sti; hlt; cli.
 *   IPI_RECV: K times: params.ready = i (1..K); sti; hlt; cli.
 *   IPI_SEND: K times: wait until peer's ready == i (pause loop), then
 *             WRMSR ICR = fixed | physical | params.vector, dest = peer's
 *             x2APIC id; params.ipis_sent++.
 *   After each HLT the guest increments params.hlts and checks that
 *   params.irqs (incremented by the interrupt handler, which also EOIs via
 *   WRMSR 0x80b) equals the number of HLTs so far; otherwise it writes
 *   KVM_WAKEUP_FAIL_IRQS to KVM_UTIL_PORT_FAIL.  Then "out" to DONE.
 * The STI shadow makes "sti; hlt" atomic: the interrupt cannot be taken
 * between them, so every HLT is executed (and exits) and then returns
 * because of exactly one interrupt, even if the interrupt became pending
 * before the STI.  KVM's APIC bus runs at 1 GHz by default, so with divide
 * by 1, timer_count is in nanoseconds.
 *
 * Exits a host sees for the wakeup routine on SVM without AVIC (as in the
 * nested proving ground; x2APIC MSRs are all intercepted there):
 *   setup:    1 RDMSR + 4 WRMSR exits (SVM_EXIT_MSR 0x7c)
 *   TIMER:    per wakeup 1 WRMSR TMICT + 1 HLT (SVM_EXIT_HLT 0x78) + 1
 *             WRMSR EOI (in the handler) = 3 exits
 *   IPI_RECV: per wakeup 1 HLT + 1 WRMSR EOI
 *   IPI_SEND: per IPI 1 WRMSR ICR
 *   end:      1 IOIO exit (0x7b, "out" to DONE, KVM_EXIT_IO to userspace)
 * None of the MSR or HLT exits reach userspace.  Not exact, in addition:
 * NPF exits (0x400) on first touch of guest pages, INTR exits (0x60) for
 * host interrupts, VINTR exits (0x64) when an interrupt became pending while
 * IF = 0, PAUSE exits (0x77) in the sender's wait loop if pause filtering
 * is available.  KVM handles some of these in its "fastpath" (x2APIC ICR
 * and TSC deadline writes; HLT too in newer kernels, e.g. 6.12 with
 * NRIPS): they are still hardware exits (tracepoint kvm_exit fires) but a
 * re-entered fastpath exit is not counted in the "exits" stat.  With AVIC
 * or x2AVIC the EOI and ICR writes (to running targets) are accelerated and
 * do not exit; TMICT writes then trap as AVIC_UNACCELERATED_ACCESS (0x402).
 * KVM stats: halt_exits = number of HLTs executed (exact); halt_wakeup
 * counts wake-ups of a vCPU blocked in kvm_vcpu_halt(): at most one per
 * blocking HLT from our interrupts, but an HLT whose interrupt arrives
 * during halt-polling (or before the HLT) is not a wakeup, and host events
 * may wake a blocked vCPU spuriously, so it is not exact.
 *
 * Script guest routine (kvm_vcpu_set_script(), long64 only), RBP = GPA of
 * struct kvm_script_params, never modified: runs a list of struct
 * kvm_guest_op (in the vCPU's op list area) params.loops times, each op
 * op.count times in a row, then one "out" to DONE.  Each op is one
 * instruction that makes one exit of a known kind (enum
 * kvm_guest_op_code), except KVM_OP_WAIT, which spins without exiting until
 * the host sets params.go (kvm_vcpu_script_go()).  The routine has #UD and
 * #GP handlers that step over the faulting instruction and count it in
 * params.ud / params.gp, so ops that KVM answers with an exception (an
 * unknown MSR, RDPMC without a vPMU, SVM instructions with EFER.SVME
 * clear) neither kill the guest nor repeat.  Interrupts stay disabled.  A
 * fault the handlers cannot step over writes KVM_SCRIPT_FAIL_FAULT to the
 * FAIL port, an unknown op KVM_SCRIPT_FAIL_OP.
 * Checked in the proving ground (QEMU's nested SVM, kvm_amd vgif=1 vls=0):
 * every op exits as listed, each time, except KVM_OP_WRITE_DR0: KVM drops
 * the DR intercepts at the first DR access and restores them at the next
 * other exit, so only the first of consecutive DR0 writes exits (and
 * rarely a second one, if a host interrupt exit comes in between).  Not
 * ops, because they do not exit there: XSETBV (QEMU does not intercept
 * it), STGI/CLGI (virtual GIF), VMLOAD/VMSAVE (not with virtual
 * VMLOAD/VMSAVE); INVD exits with WBINVD's code under QEMU.
 */
#ifndef KVMTUNE_X86_GUEST_ROUTINES_H
#define KVMTUNE_X86_GUEST_ROUTINES_H

#include "processor.h"

struct kvm_workload_params {
	u16 pio_port;
	u16 reserved0;
	u32 mmio_gpa;	/* real mode: below 0x10fff0 */
	u32 msr_index;	/* "other" MSR for the X writes */
	u32 reserved1;
	u64 msr_value;
	u64 tsc_deadline;
	u32 hlts;	/* out: HLTs executed */
	u32 irqs;	/* out: interrupts handled */
	u32 loops;	/* loops to do, >= 1 */
	u32 loops_done;	/* out */
	u32 flags;	/* KVM_WL_FLAG_* */
	u32 timer_count;	/* TMICT before each HLT (HLT_TIMER) */
	u32 stop;	/* host: non-zero ends after the current loop */
	u32 vector;	/* timer vector (HLT_TIMER) */
	u32 hlt_skips;	/* out: HLTs skipped, see struct kvm_guest_result */
	u32 reserved2[15];
};	/* naturally aligned, no padding: 128 bytes */

#define KVM_WL_FLAG_HLT_TIMER	0x1

enum kvm_wakeup_role {
	KVM_WAKEUP_TIMER = 0,	/* K times: arm the LAPIC timer, halt */
	KVM_WAKEUP_IPI_RECV,	/* K times: announce, halt until an IPI */
	KVM_WAKEUP_IPI_SEND,	/* K times: wait for the peer, send an IPI */
};

#define KVM_WAKEUP_FAIL_ROLE	0x10	/* values written to the FAIL port */
#define KVM_WAKEUP_FAIL_IRQS	0x11
#define KVM_UTIL_WAKEUP_VECTOR	0x40
#define KVM_UTIL_TIMER_NS	100000	/* default one-shot period: 100 us */

struct kvm_wakeup_params {
	u32 role;
	u32 count;
	u32 peer_apic_id;	/* IPI_SEND */
	u32 peer_params;	/* IPI_SEND: GPA of the peer's block */
	u32 reserved0[4];
	u32 hlts;		/* out: HLTs executed */
	u32 irqs;		/* out: interrupts handled */
	u32 ipis_sent;		/* out */
	u32 ready;		/* out: IPI_RECV: number of the current HLT */
	u32 reserved1;
	u32 timer_count;	/* TIMER: TMICT value */
	u32 reserved2;
	u32 vector;
	u32 hlt_skips;		/* out: see struct kvm_guest_result */
	u32 reserved3[15];
};	/* 128 bytes */

struct kvm_wakeup {
	enum kvm_wakeup_role role;
	u32 count;		/* K: HLTs (TIMER, IPI_RECV) or IPIs (SEND) */
	u8 vector;		/* 0: KVM_UTIL_WAKEUP_VECTOR */
	u32 timer_ns;		/* TIMER: 0: KVM_UTIL_TIMER_NS */
	unsigned int peer;	/* IPI_SEND: target vCPU id */
};

/* Script routine: one instruction per op, see the top of this file. */
enum kvm_guest_op_code {	/* the exit each op makes on SVM */
	KVM_OP_NOP = 0,		/* none */
	KVM_OP_WAIT,		/* none: spins until params.go */
	KVM_OP_CPUID,		/* CPUID: leaf arg, subleaf 0 */
	KVM_OP_HLT,		/* HLT, IF = 0 (no irqchip: KVM_EXIT_HLT) */
	KVM_OP_OUT,		/* IOIO: "out %al, %dx", port arg */
	KVM_OP_IN,		/* IOIO: "in %dx, %al", port arg */
	KVM_OP_MMIO,		/* NPF: 32-bit store to GPA arg */
	KVM_OP_RDMSR,		/* MSR: RDMSR index arg */
	KVM_OP_WRMSR,		/* MSR: WRMSR index arg = value */
	KVM_OP_VMMCALL,		/* VMMCALL: hypercall arg, other args 0 */
	KVM_OP_WBINVD,		/* WBINVD */
	KVM_OP_MONITOR,		/* MONITOR: RAX = params, ECX = EDX = 0 */
	KVM_OP_MWAIT,		/* MWAIT: EAX = ECX = 0 (KVM: a NOP) */
	KVM_OP_RDPMC,		/* RDPMC: counter arg (#GP without vPMU) */
	KVM_OP_WRITE_DR0,	/* WRITE_DR0: DR0 = value, see below */
	KVM_OP_READ_CR4,	/* READ_CR4 */
	KVM_OP_WRITE_CR4,	/* WRITE_CR4: CR4 = value */
	KVM_OP_WRITE_CR8,	/* WRITE_CR8: CR8 = value (no irqchip only) */
	KVM_OP_UD2,		/* UD_EXCP, then #UD */
	KVM_OP_VMRUN,		/* VMRUN, then #UD (EFER.SVME = 0) */
	KVM_OP_SKINIT,		/* SKINIT, then #UD */
	KVM_OP_INVLPGA,		/* INVLPGA, then #UD (EFER.SVME = 0) */
	KVM_OP_NR,
};

struct kvm_guest_op {
	u16 op;		/* enum kvm_guest_op_code */
	u16 count;	/* times in a row, 0 means 1 */
	u32 arg;
	u64 value;
};

#define KVM_UTIL_MAX_OPS	(KVM_UTIL_SCRIPT_SIZE / sizeof(struct kvm_guest_op))
#define KVM_SCRIPT_FAIL_OP	0x20	/* values written to the FAIL port */
#define KVM_SCRIPT_FAIL_FAULT	0x21

struct kvm_script_params {
	u32 ops_gpa;
	u32 nr_ops;
	u32 loops;		/* >= 1 */
	u32 loops_done;		/* out */
	u32 go;			/* host: releases KVM_OP_WAIT */
	u32 ud;			/* out: #UD stepped over */
	u32 gp;			/* out: #GP stepped over */
	u32 reserved0;
	u32 hlts;		/* out: HLTs executed */
	u32 reserved[23];
};	/* 128 bytes */

/*
 * What the guest reported in its parameter block.
 *
 * @hlts counts HLT instructions the guest executed (what KVM counts as HLT
 * exits).  @hlt_skips counts "sti; hlt" sequences whose HLT never ran: the
 * interrupt arrived inside the STI shadow, which real CPUs forbid but the
 * proving ground's emulated nested SVM occasionally allows; the handler
 * then steps over the HLT, which would otherwise wait forever.  So every
 * "sti; hlt" is one of the two: HLTs asked for = @hlts + @hlt_skips.
 */
struct kvm_guest_result {
	u32 hlts;
	u32 hlt_skips;
	u32 irqs;
	u32 ipis_sent;	/* wakeup routine only */
	u32 loops_done;	/* workload and script routines */
	u32 ud, gp;	/* script routine only: exceptions stepped over */
};

struct kvm_workload {
	u32 pio;		/* N */
	u32 mmio;		/* M */
	u32 cpuid;		/* J */
	u32 hlt;		/* K */
	u32 wrmsr_tscdl;	/* W */
	u32 wrmsr_other;	/* X */
	u16 pio_port;	/* 0: KVM_UTIL_PORT_WORK */
	u32 mmio_gpa;	/* 0: kvm_vm_mmio_gpa() */
	u32 msr_index;
	u64 msr_value;
	u64 tsc_deadline;	/* 0: ~0ULL >> 1 (far in the future) */
	u32 loops;	/* 0: 1; KVM_WL_LOOPS_FOREVER: until stopped */
	u32 hlt_timer_ns;	/* irqchip VMs: 0: KVM_UTIL_TIMER_NS */
};

#define KVM_WL_LOOPS_FOREVER	0xffffffffU

/*
 * Set up a routine on a vCPU: its parameter block, registers and entry
 * point (asserting; in prot32/long64 the wakeup routine needs an in-kernel
 * irqchip, the script routine long64).
 */
void kvm_vcpu_set_workload(struct kvm_vcpu *vcpu, const struct kvm_workload *wl);
void kvm_vcpu_set_wakeup(struct kvm_vcpu *vcpu, const struct kvm_wakeup *wk);
/* script routine: @nr ops (<= KVM_UTIL_MAX_OPS), @loops times (0: once) */
void kvm_vcpu_set_script(struct kvm_vcpu *vcpu, const struct kvm_guest_op *ops,
			 unsigned int nr, u32 loops);
/* release the script's KVM_OP_WAIT ops (signal safe) */
void kvm_vcpu_script_go(struct kvm_vcpu *vcpu);
/* ask every workload routine to end after its current loop (signal safe) */
void kvm_vm_request_guest_stop(struct kvm_vm *vm);
/* what the vCPU's last routine reported */
struct kvm_guest_result kvm_vcpu_guest_result(struct kvm_vcpu *vcpu);
u64 kvm_vcpu_params_gpa(struct kvm_vcpu *vcpu);

/* built-in guest blobs, see lib/x86/guest_*.S */
extern const char guest_real_start[], guest_real_end[], guest_real_workload[];
extern const char guest_prot32_start[], guest_prot32_end[];
extern const char guest_prot32_workload[], guest_prot32_irq_eoi[];
extern const char guest_prot32_wakeup[], guest_prot32_irq_count[];
extern const char guest_long64_start[], guest_long64_end[];
extern const char guest_long64_workload[], guest_long64_irq_eoi[];
extern const char guest_long64_wakeup[], guest_long64_irq_count[];
extern const char guest_long64_script[], guest_long64_ud[];
extern const char guest_long64_gp[];

#endif /* KVMTUNE_X86_GUEST_ROUTINES_H */
