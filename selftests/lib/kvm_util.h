/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_util - a small library for driving /dev/kvm directly from selftests.
 *
 * Guest physical memory layout (one anonymous memslot at GPA 0):
 *
 *   0x00000 - 0x004ff  unused (real-mode IVT/BDA area)
 *   0x00500 - 0x008ff  per-vCPU workload parameter blocks, 64 bytes each
 *   0x01000 - 0x01fff  GDT (KVM_UTIL_SEL_* selectors)
 *   0x02000 - 0x07fff  long-mode page tables: identity map 0..4 GiB, 2 MiB
 *   0x08000 - 0x08fff  IDT (32-bit or 64-bit gates)
 *   0x09000 - 0x090ff  TSS
 *   0x10000 - 0x1ffff  vCPU stacks, 4 KiB each, vCPU i's stack ends at
 *                      0x11000 + i * 0x1000
 *   0x20000 - 0x2ffff  guest code (the built-in blob for the VM's mode)
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
 * Order: PIO, MMIO, CPUID, WRMSR 0x6e0, WRMSR other, HLT, then "out" to
 * KVM_UTIL_PORT_DONE.  The routine uses only relative addressing, so the
 * blob is position independent.
 */
#ifndef KVMTUNE_KVM_UTIL_H
#define KVMTUNE_KVM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
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
#define KVM_UTIL_PARAMS_SIZE	0x40ULL
#define KVM_UTIL_GDT_GPA	0x1000ULL
#define KVM_UTIL_PT_GPA		0x2000ULL
#define KVM_UTIL_IDT_GPA	0x8000ULL
#define KVM_UTIL_TSS_GPA	0x9000ULL
#define KVM_UTIL_STACK_GPA	0x10000ULL
#define KVM_UTIL_STACK_SIZE	0x1000ULL
#define KVM_UTIL_CODE_GPA	0x20000ULL
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

struct kvm_vm_opts {
	unsigned int nr_vcpus;	/* 1..KVM_UTIL_MAX_VCPUS */
	bool irqchip;		/* KVM_CREATE_IRQCHIP (in-kernel LAPIC etc.) */
	enum kvm_util_mode mode;
	u64 mem_size;	/* 0: KVM_UTIL_MEM_SIZE */
};

/* Guest-visible parameter block, at KVM_UTIL_PARAMS_GPA + 64 * vcpu id */
struct kvm_workload_params {
	u16 pio_port;
	u16 reserved0;
	u32 mmio_gpa;	/* real mode: below 0x10fff0 */
	u32 msr_index;	/* "other" MSR for the X writes */
	u32 reserved1;
	u64 msr_value;
	u64 tsc_deadline;
};	/* naturally aligned, no padding: 32 bytes */

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
};

struct kvm_util_addr_count {
	u64 addr;
	u64 count;
};

struct kvm_vm;

struct kvm_vcpu {
	struct kvm_vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	/* results of the last kvm_vm_run() */
	bool done;		/* guest wrote KVM_UTIL_PORT_DONE */
	bool failed;		/* guest failure or error, see err */
	u32 fail_value;	/* value written to KVM_UTIL_PORT_FAIL */
	char err[256];
	/* exit counters, reset by kvm_vm_run() */
	u64 exit_count[KVM_UTIL_EXIT_MAX];
	struct kvm_util_addr_count pio[KVM_UTIL_MAX_ADDRS];
	struct kvm_util_addr_count mmio[KVM_UTIL_MAX_ADDRS];
	u64 untracked;	/* PIO/MMIO exits that found no free slot */
};

/*
 * Exit callback, called from the vCPU thread for every exit except writes to
 * the DONE/FAIL ports (after counting).  Return KVM_UTIL_CB_DEFAULT to get the
 * default handling (IO/MMIO: reads return 0, HLT: resume; anything else is
 * an error), KVM_UTIL_CB_HANDLED to resume the guest, KVM_UTIL_CB_STOP to
 * finish the vCPU successfully, or a negative errno to fail it.
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

/* running */
int kvm_vm_run(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque,
	       unsigned int timeout_ms);
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
extern const char guest_long64_start[], guest_long64_end[];
extern const char guest_long64_workload[], guest_long64_irq_eoi[];

#endif /* KVMTUNE_KVM_UTIL_H */
