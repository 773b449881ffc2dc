/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_util - a small library for driving /dev/kvm directly from selftests.
 *
 * Guest physical memory layout (one anonymous memslot at GPA 0):
 *
 *   0x00000 - 0x004ff  unused (real-mode IVT/BDA area)
 *   0x00500 - 0x008ff  per-vCPU parameter blocks (workload or wakeup), 64 B
 *   0x01000 - 0x01fff  GDT (KVM_UTIL_SEL_* selectors)
 *   0x02000 - 0x07fff  long-mode page tables: identity map 0..4 GiB, 2 MiB
 *   0x08000 - 0x08fff  IDT (32-bit or 64-bit gates)
 *   0x09000 - 0x090ff  TSS
 *   0x10000 - 0x1ffff  vCPU stacks, 4 KiB each, vCPU i's stack ends at
 *                      0x11000 + i * 0x1000
 *   0x20000 - 0x2ffff  guest code (the built-in blob for the VM's mode)
 *   0x30000 - 0x3ffff  per-vCPU op lists of the script routine, 4 KiB each
 *                      (vCPU i's at 0x30000 + i * 0x1000)
 *   0x40000 - mem_size free for tests
 *
 * Reserved I/O ports:
 *   KVM_UTIL_PORT_DONE (0xf4): "out" of any value ends the vCPU with success.
 *   KVM_UTIL_PORT_FAIL (0xf5): "out" ends the vCPU with failure, the value
 *                              written (AL/AX/EAX) is reported.
 * Both are counted like every other exit: exit_count[KVM_EXIT_IO] and the
 * per-port counters include them (KVM's io_exits stat counts them too).
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
#ifndef KVMTUNE_KVM_UTIL_H
#define KVMTUNE_KVM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <linux/kvm.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define KVM_UTIL_MAX_VCPUS	16
#define KVM_UTIL_EXIT_MAX	64	/* exit_count[] size, > any KVM_EXIT_* */
#define KVM_UTIL_MAX_ADDRS	32	/* distinct ports / MMIO GPAs per vCPU */

#define KVM_UTIL_PORT_DONE	0xf4
#define KVM_UTIL_PORT_FAIL	0xf5
#define KVM_UTIL_PORT_WORK	0x80	/* default workload port, not in-kernel */

#define KVM_UTIL_MEM_SIZE	0x100000ULL	/* default memslot size, 1 MiB */
#define KVM_UTIL_PARAMS_GPA	0x500ULL
#define KVM_UTIL_PARAMS_SIZE	0x80ULL
#define KVM_UTIL_GDT_GPA	0x1000ULL
#define KVM_UTIL_PT_GPA		0x2000ULL
#define KVM_UTIL_IDT_GPA	0x8000ULL
#define KVM_UTIL_TSS_GPA	0x9000ULL
#define KVM_UTIL_STACK_GPA	0x10000ULL
#define KVM_UTIL_STACK_SIZE	0x1000ULL
#define KVM_UTIL_CODE_GPA	0x20000ULL
#define KVM_UTIL_SCRIPT_GPA	0x30000ULL
#define KVM_UTIL_SCRIPT_SIZE	0x1000ULL
#define KVM_UTIL_FREE_GPA	0x40000ULL

/* GDT selectors */
#define KVM_UTIL_SEL_CODE64	0x08
#define KVM_UTIL_SEL_DATA	0x10
#define KVM_UTIL_SEL_CODE32	0x18
#define KVM_UTIL_SEL_TSS	0x20

#define KVM_UTIL_MSR_TSC_DEADLINE	0x6e0

enum kvm_util_mode {
	KVM_MODE_REAL = 0,	/* default */
	KVM_MODE_PROT32,
	KVM_MODE_LONG64,
};

struct kvm_vm;

struct kvm_vm_opts {
	unsigned int nr_vcpus;	/* 1..KVM_UTIL_MAX_VCPUS */
	bool irqchip;		/* KVM_CREATE_IRQCHIP (in-kernel LAPIC etc.) */
	enum kvm_util_mode mode;
	u64 mem_size;	/* 0: KVM_UTIL_MEM_SIZE */
	/*
	 * NULL: open /dev/kvm for this VM.  Otherwise use that VM's /dev/kvm
	 * file descriptor (it must outlive this VM), so that KVM_CREATE_VM
	 * gets the lowest free descriptor, as in a VMM that opens /dev/kvm
	 * once.
	 */
	struct kvm_vm *sys_from;
};

/*
 * Guest-visible parameter blocks, at KVM_UTIL_PARAMS_GPA + 128 * vcpu id.
 * Offsets are shared with guest_*.S through guest_params.h.
 */
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

/* Script routine: one instruction per op, see the comment at the top. */
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

/* what the guest reported in its parameter block */
/*
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

struct kvm_util_addr_count {
	u64 addr;
	u64 count;
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	unsigned int id;
	int fd;
	int stats_fd;		/* KVM_GET_STATS_FD, -1 if unsupported */
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	/* results of the last kvm_vm_run() */
	bool done;		/* guest wrote KVM_UTIL_PORT_DONE */
	bool failed;		/* guest failure or error, see err */
	bool stopped;		/* ended by kvm_vm_stop(), not a failure */
	u32 fail_value;	/* value written to KVM_UTIL_PORT_FAIL */
	char err[256];
	/* exit counters, reset by kvm_vm_run() */
	u64 exit_count[KVM_UTIL_EXIT_MAX];
	struct kvm_util_addr_count pio[KVM_UTIL_MAX_ADDRS];
	struct kvm_util_addr_count mmio[KVM_UTIL_MAX_ADDRS];
	u64 untracked;	/* PIO/MMIO exits that found no free slot */
	/* progress, for diagnostics (kvm_vcpu_dump()) and timing */
	u64 nr_runs;		/* KVM_RUN calls */
	u32 last_exit_reason;	/* KVM_UTIL_EXIT_NONE: no exit yet */
	u64 last_exit_addr;	/* port or GPA of the last IO/MMIO exit */
	u64 last_exit_ns;	/* CLOCK_MONOTONIC of the last exit */
	u64 start_ns, end_ns;	/* CLOCK_MONOTONIC, vCPU thread start/end */
	bool finished;		/* thread left its loop (atomic) */
	/* KVM_RUN calls that failed with EINTR (a signal), reset by start */
	u64 signal_exits;
	/* kvm_vcpu_hold(): holds done and the time spent in them */
	u64 holds;
	u64 held_ns;
	u32 hold_ms;		/* internal: hold requested (atomic) */
	int routine;		/* internal: last kvm_vcpu_set_*() routine */
};

#define KVM_UTIL_EXIT_NONE	0xffffffffU

/*
 * Exit callback, called from the vCPU thread for every exit except writes to
 * the DONE/FAIL ports (after counting).  Return KVM_UTIL_CB_DEFAULT to get the
 * default handling (IO/MMIO: reads return 0, HLT: resume; anything else is
 * an error), KVM_UTIL_CB_HANDLED to resume the guest, KVM_UTIL_CB_STOP to
 * finish the vCPU successfully, or a negative errno to fail it.
 *
 * It is also called when KVM_RUN failed with EINTR because of a signal
 * (kvm_vcpu_kick(), or one the test sent; not when kvm_vm_stop() or a
 * timeout stops the vCPUs), with run->exit_reason set to KVM_EXIT_INTR; the
 * default is to resume.  These are counted in vcpu->signal_exits, not in
 * exit_count[].  The callback may take its time (a VMM emulating a slow
 * device) and may make ioctls on its own vCPU.
 */
enum {
	KVM_UTIL_CB_DEFAULT = 0,
	KVM_UTIL_CB_HANDLED = 1,
	KVM_UTIL_CB_STOP = 2,
};

typedef int (*kvm_exit_cb_t)(struct kvm_vcpu *vcpu, void *opaque);

/* VM lifetime */
struct kvm_vm *kvm_vm_create(const struct kvm_vm_opts *opts);
void kvm_vm_destroy(struct kvm_vm *vm);
bool kvm_available(void);
/*
 * Move the VM's file descriptor to @newfd with dup2() and close the old
 * one, as a VMM that moves its descriptors out of the way.  KVM's debugfs
 * directory keeps the old name, and so does kvm_vm_debugfs_dir().
 * 0 or -errno.
 */
int kvm_vm_move_fd(struct kvm_vm *vm, int newfd);

/* accessors */
int kvm_vm_fd(struct kvm_vm *vm);
int kvm_vm_sys_fd(struct kvm_vm *vm);
unsigned int kvm_vm_nr_vcpus(struct kvm_vm *vm);
struct kvm_vcpu *kvm_vm_vcpu(struct kvm_vm *vm, unsigned int id);
enum kvm_util_mode kvm_vm_mode(struct kvm_vm *vm);
u64 kvm_vm_mem_size(struct kvm_vm *vm);
u64 kvm_vm_mmio_gpa(struct kvm_vm *vm);
void *kvm_vm_hva(struct kvm_vm *vm, u64 gpa, size_t len);

/* guest memory */
int kvm_vm_write(struct kvm_vm *vm, u64 gpa, const void *src, size_t len);
int kvm_vm_read(struct kvm_vm *vm, u64 gpa, void *dst, size_t len);
int kvm_vm_load_blob(struct kvm_vm *vm, u64 gpa, const void *start,
		     const void *end);

/* KVM's debugfs stats for this VM: /sys/kernel/debug/kvm/<pid>-<vmfd>/ */
const char *kvm_vm_debugfs_dir(struct kvm_vm *vm);
int kvm_vm_read_stat(struct kvm_vm *vm, const char *name, u64 *val);

/* vCPU state */
int kvm_vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
int kvm_vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs);
int kvm_vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
int kvm_vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs);
int kvm_vcpu_set_entry(struct kvm_vcpu *vcpu, u64 gpa);
u64 kvm_vcpu_stack_top(struct kvm_vcpu *vcpu);
int kvm_vcpu_set_workload(struct kvm_vcpu *vcpu, const struct kvm_workload *wl);
int kvm_vcpu_set_wakeup(struct kvm_vcpu *vcpu, const struct kvm_wakeup *wk);
/* script routine: @nr ops (<= KVM_UTIL_MAX_OPS), @loops times (0: once) */
int kvm_vcpu_set_script(struct kvm_vcpu *vcpu, const struct kvm_guest_op *ops,
			unsigned int nr, u32 loops);
/* release the script's KVM_OP_WAIT ops (signal safe) */
void kvm_vcpu_script_go(struct kvm_vcpu *vcpu);
int kvm_vcpu_guest_result(struct kvm_vcpu *vcpu, struct kvm_guest_result *res);
u64 kvm_vcpu_params_gpa(struct kvm_vcpu *vcpu);
/* ask every workload routine to end after its current loop (signal safe) */
void kvm_vm_request_guest_stop(struct kvm_vm *vm);
/* binary stats (KVM_GET_STATS_FD, no debugfs needed), e.g. "halt_exits" */
int kvm_vcpu_read_stat(struct kvm_vcpu *vcpu, const char *name, u64 *val);
/*
 * All values of a binary stat, e.g. the buckets of "halt_wait_hist", at
 * most @max of them.  Returns the number of values the stat has, or -errno.
 */
int kvm_vcpu_read_stat_array(struct kvm_vcpu *vcpu, const char *name,
			     u64 *vals, unsigned int max);
/*
 * KVM_SET_SIGNAL_MASK: the signal mask of the vCPU's thread while it is in
 * KVM_RUN (NULL: the thread's own).  A signal that the thread blocks but
 * @mask does not makes every KVM_RUN fail with EINTR as long as it is
 * pending, and is never delivered.
 */
int kvm_vcpu_set_signal_mask(struct kvm_vcpu *vcpu, const sigset_t *mask);
/* KVM_SIGNAL_MSI (in-kernel irqchip): fixed interrupt @vector to @apic_id */
int kvm_vm_signal_msi(struct kvm_vm *vm, u32 apic_id, u8 vector);
int kvm_vm_debugfs_pid(struct kvm_vm *vm);

/*
 * running: kvm_vm_run() = kvm_vm_start() + kvm_vm_wait().  kvm_vm_stop()
 * (any thread, signal safe) kicks all vCPUs out: they end with
 * vcpu->stopped and kvm_vm_wait() returns -EINTR unless something failed.
 * When a vCPU fails, the others are stopped too ("another vCPU failed").
 * On timeout, kvm_vcpu_dump() is printed for each vCPU still running.
 */
int kvm_vm_run(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque,
	       unsigned int timeout_ms);
int kvm_vm_start(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque);
int kvm_vm_wait(struct kvm_vm *vm, unsigned int timeout_ms);
void kvm_vm_stop(struct kvm_vm *vm);
/*
 * Send the kick signal to a running vCPU's thread: if the thread is in
 * KVM_RUN, KVM_RUN fails with EINTR (a vCPU in the guest takes a host
 * interrupt exit first) and the exit callback sees KVM_EXIT_INTR; a kick
 * that arrives while the thread is in userspace is lost.  Any thread.
 */
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);
/*
 * Keep the vCPU out of the guest for @ms, as a paused VM: kick it out of
 * KVM_RUN (or, if it is in userspace, out of its next KVM_RUN at once) and
 * sleep @ms in its thread before it enters the guest again, so the exit in
 * progress lasts at least @ms.  Any thread; vcpu->holds and vcpu->held_ns
 * count the holds done.
 */
void kvm_vcpu_hold(struct kvm_vcpu *vcpu, unsigned int ms);
/*
 * After a run in which the guests wrote the DONE port: enter each vCPU once
 * more, so that this exit completes (every routine then executes HLT with
 * IF = 0), and return once each has halted: without an irqchip at its
 * KVM_EXIT_HLT, with one once KVM's halt_exits stat moved (the vCPU is then
 * stopped).  Each vCPU has one more HLT exit, still in progress.
 * 0 or -errno.
 */
int kvm_vm_reenter(struct kvm_vm *vm, unsigned int timeout_ms);
void kvm_vcpu_dump(struct kvm_vcpu *vcpu, FILE *f);
u64 kvm_vcpu_exit_count(struct kvm_vcpu *vcpu, unsigned int reason);
u64 kvm_vcpu_pio_count(struct kvm_vcpu *vcpu, u16 port);
u64 kvm_vcpu_mmio_count(struct kvm_vcpu *vcpu, u64 gpa);
const char *kvm_exit_reason_name(unsigned int reason);

/* interrupt building blocks (32/64-bit modes) */
int kvm_vm_set_idt_gate(struct kvm_vm *vm, u8 vector, u64 handler_gpa);
u64 kvm_vm_guest_sym_gpa(struct kvm_vm *vm, const void *sym);

/* built-in guest blobs, see guest_*.S */
extern const char guest_real_start[], guest_real_end[], guest_real_workload[];
extern const char guest_prot32_start[], guest_prot32_end[];
extern const char guest_prot32_workload[], guest_prot32_irq_eoi[];
extern const char guest_prot32_wakeup[], guest_prot32_irq_count[];
extern const char guest_long64_start[], guest_long64_end[];
extern const char guest_long64_workload[], guest_long64_irq_eoi[];
extern const char guest_long64_wakeup[], guest_long64_irq_count[];
extern const char guest_long64_script[], guest_long64_ud[];
extern const char guest_long64_gp[];

#endif /* KVMTUNE_KVM_UTIL_H */
