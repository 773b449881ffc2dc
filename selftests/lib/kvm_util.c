// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_util - a small library for driving /dev/kvm directly from selftests.
 * See kvm_util.h for the guest memory layout and the guest conventions.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kvm_util.h"
#include "guest_params.h"

#define KVM_DEV			"/dev/kvm"
#define KVM_DEBUGFS		"/sys/kernel/debug/kvm"
#define KICK_SIGNAL		SIGUSR1

#define BIT_ULL(nr)		(1ULL << (nr))

#define X86_CR0_PE		BIT_ULL(0)
#define X86_CR0_ET		BIT_ULL(4)
#define X86_CR0_NE		BIT_ULL(5)
#define X86_CR0_WP		BIT_ULL(16)
#define X86_CR0_PG		BIT_ULL(31)
#define X86_CR4_PAE		BIT_ULL(5)
#define X86_EFER_LME		BIT_ULL(8)
#define X86_EFER_LMA		BIT_ULL(10)

#define PTE_PRESENT		BIT_ULL(0)
#define PTE_WRITE		BIT_ULL(1)
#define PTE_LARGE		BIT_ULL(7)
#define PT_PAGE			0x1000ULL
#define PT_HUGE			0x200000ULL
#define PT_NR_PD		4	/* 4 page directories: 0..4 GiB */

#define CPUID_1_ECX_X2APIC	BIT_ULL(21)
#define CPUID_1_ECX_TSCDL	BIT_ULL(24)

#define NSEC_PER_SEC		1000000000ULL
#define NSEC_PER_MSEC		1000000ULL
#define JOIN_SLICE_NS		(50 * NSEC_PER_MSEC)
#define KICK_SLICE_NS		(10 * NSEC_PER_MSEC)
#define STUCK_SAMPLE_US		100000	/* stats sampling on timeout */

/* guest_*.S depend on the parameter block layouts (guest_params.h) */
#define PARAM_OFF(type, field, off)					\
	static_assert(offsetof(struct type, field) == (off), #type "." #field)
static_assert(sizeof(struct kvm_workload_params) == KVM_UTIL_PARAMS_SIZE,
	      "workload parameter block size");
static_assert(sizeof(struct kvm_wakeup_params) == KVM_UTIL_PARAMS_SIZE,
	      "wakeup parameter block size");
PARAM_OFF(kvm_workload_params, hlt_skips, P_HLT_SKIPS);
PARAM_OFF(kvm_wakeup_params, hlt_skips, P_HLT_SKIPS);
PARAM_OFF(kvm_workload_params, pio_port, WP_PORT);
PARAM_OFF(kvm_workload_params, mmio_gpa, WP_MMIO_GPA);
PARAM_OFF(kvm_workload_params, msr_index, WP_MSR_INDEX);
PARAM_OFF(kvm_workload_params, msr_value, WP_MSR_VALUE);
PARAM_OFF(kvm_workload_params, tsc_deadline, WP_TSC_DEADLINE);
PARAM_OFF(kvm_workload_params, hlts, P_HLTS);
PARAM_OFF(kvm_workload_params, irqs, P_IRQS);
PARAM_OFF(kvm_workload_params, loops, WP_LOOPS);
PARAM_OFF(kvm_workload_params, loops_done, WP_LOOPS_DONE);
PARAM_OFF(kvm_workload_params, flags, WP_FLAGS);
PARAM_OFF(kvm_workload_params, timer_count, P_TIMER_COUNT);
PARAM_OFF(kvm_workload_params, stop, WP_STOP);
PARAM_OFF(kvm_workload_params, vector, P_VECTOR);
PARAM_OFF(kvm_wakeup_params, role, KP_ROLE);
PARAM_OFF(kvm_wakeup_params, count, KP_COUNT);
PARAM_OFF(kvm_wakeup_params, peer_apic_id, KP_PEER_APIC_ID);
PARAM_OFF(kvm_wakeup_params, peer_params, KP_PEER_PARAMS);
PARAM_OFF(kvm_wakeup_params, hlts, P_HLTS);
PARAM_OFF(kvm_wakeup_params, irqs, P_IRQS);
PARAM_OFF(kvm_wakeup_params, ipis_sent, KP_IPIS_SENT);
PARAM_OFF(kvm_wakeup_params, ready, KP_READY);
PARAM_OFF(kvm_wakeup_params, timer_count, P_TIMER_COUNT);
PARAM_OFF(kvm_wakeup_params, vector, P_VECTOR);
static_assert(sizeof(struct kvm_script_params) == KVM_UTIL_PARAMS_SIZE,
	      "script parameter block size");
PARAM_OFF(kvm_script_params, ops_gpa, SP_OPS_GPA);
PARAM_OFF(kvm_script_params, nr_ops, SP_NR_OPS);
PARAM_OFF(kvm_script_params, loops, SP_LOOPS);
PARAM_OFF(kvm_script_params, loops_done, SP_LOOPS_DONE);
PARAM_OFF(kvm_script_params, go, SP_GO);
PARAM_OFF(kvm_script_params, ud, SP_UD);
PARAM_OFF(kvm_script_params, gp, SP_GP);
PARAM_OFF(kvm_script_params, hlts, P_HLTS);
static_assert(sizeof(struct kvm_guest_op) == 1 << OP_SIZE_SHIFT,
	      "script op size");
PARAM_OFF(kvm_guest_op, op, OP_CODE);
PARAM_OFF(kvm_guest_op, count, OP_COUNT);
PARAM_OFF(kvm_guest_op, arg, OP_ARG);
PARAM_OFF(kvm_guest_op, value, OP_VALUE);
static_assert(KVM_UTIL_SCRIPT_GPA + KVM_UTIL_MAX_VCPUS * KVM_UTIL_SCRIPT_SIZE <=
	      KVM_UTIL_FREE_GPA, "script op lists overlap the free area");
/* guest_params.h and kvm_util.h must agree */
#define SAME_CONST(a, b)	static_assert(!((a) - (b)), #a " != " #b)
SAME_CONST(KVM_WL_FLAG_HLT_TIMER, WL_FLAG_HLT_TIMER);
SAME_CONST(KVM_WAKEUP_TIMER, WAKEUP_ROLE_TIMER);
SAME_CONST(KVM_WAKEUP_IPI_RECV, WAKEUP_ROLE_IPI_RECV);
SAME_CONST(KVM_WAKEUP_IPI_SEND, WAKEUP_ROLE_IPI_SEND);
SAME_CONST(KVM_WAKEUP_FAIL_ROLE, WAKEUP_FAIL_ROLE);
SAME_CONST(KVM_WAKEUP_FAIL_IRQS, WAKEUP_FAIL_IRQS);
SAME_CONST(KVM_UTIL_PORT_DONE, GP_PORT_DONE);
SAME_CONST(KVM_UTIL_PORT_FAIL, GP_PORT_FAIL);
SAME_CONST(KVM_UTIL_IDT_GPA, GP_IDT_GPA);
SAME_CONST(KVM_UTIL_SEL_CODE64, GP_SEL_CODE64);
SAME_CONST(KVM_UTIL_SEL_CODE32, GP_SEL_CODE32);
SAME_CONST(KVM_SCRIPT_FAIL_OP, SCRIPT_FAIL_OP);
SAME_CONST(KVM_SCRIPT_FAIL_FAULT, SCRIPT_FAIL_FAULT);
SAME_CONST(KVM_OP_NR, GOP_NR);
SAME_CONST(KVM_OP_WAIT, GOP_WAIT);
SAME_CONST(KVM_OP_CPUID, GOP_CPUID);
SAME_CONST(KVM_OP_HLT, GOP_HLT);
SAME_CONST(KVM_OP_OUT, GOP_OUT);
SAME_CONST(KVM_OP_IN, GOP_IN);
SAME_CONST(KVM_OP_MMIO, GOP_MMIO);
SAME_CONST(KVM_OP_RDMSR, GOP_RDMSR);
SAME_CONST(KVM_OP_WRMSR, GOP_WRMSR);
SAME_CONST(KVM_OP_VMMCALL, GOP_VMMCALL);
SAME_CONST(KVM_OP_WBINVD, GOP_WBINVD);
SAME_CONST(KVM_OP_MONITOR, GOP_MONITOR);
SAME_CONST(KVM_OP_MWAIT, GOP_MWAIT);
SAME_CONST(KVM_OP_RDPMC, GOP_RDPMC);
SAME_CONST(KVM_OP_WRITE_DR0, GOP_WRITE_DR0);
SAME_CONST(KVM_OP_READ_CR4, GOP_READ_CR4);
SAME_CONST(KVM_OP_WRITE_CR4, GOP_WRITE_CR4);
SAME_CONST(KVM_OP_WRITE_CR8, GOP_WRITE_CR8);
SAME_CONST(KVM_OP_UD2, GOP_UD2);
SAME_CONST(KVM_OP_VMRUN, GOP_VMRUN);
SAME_CONST(KVM_OP_SKINIT, GOP_SKINIT);
SAME_CONST(KVM_OP_INVLPGA, GOP_INVLPGA);

/* which routine kvm_vcpu_set_*() last set up, kvm_vcpu.routine */
enum {
	ROUTINE_WORKLOAD = 0,
	ROUTINE_WAKEUP,
	ROUTINE_SCRIPT,
};

/* why vCPU threads are being stopped, kvm_vm.stop */
enum {
	STOP_NONE = 0,
	STOP_TIMEOUT,
	STOP_REQUEST,		/* kvm_vm_stop() */
	STOP_FAILED,		/* another vCPU failed */
};

struct kvm_vm {
	int sys_fd;
	bool own_sys_fd;	/* opened for this VM (not opts->sys_from) */
	int fd;
	int debugfs_pid;
	char debugfs_dir[64];
	enum kvm_util_mode mode;
	bool irqchip;
	u64 mem_size;
	void *mem;
	struct kvm_cpuid2 *cpuid;
	int stop;		/* STOP_*, accessed with __atomic builtins */
	unsigned int nr_vcpus;
	struct kvm_vcpu *vcpus[KVM_UTIL_MAX_VCPUS];
	kvm_exit_cb_t cb;
	void *cb_opaque;
};

static u64 kvm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void kvm_util_err(const char *what, int err)
{
	fprintf(stderr, "kvm_util: %s failed: %s (errno %d)\n", what,
		strerror(err), err);
}

#define kvm_ioctl(fd, req, arg)	__kvm_ioctl(fd, req, #req, arg)

static int __kvm_ioctl(int fd, unsigned long req, const char *name, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0) {
		ret = -errno;
		kvm_util_err(name, -ret);
	}
	return ret;
}

bool kvm_available(void)
{
	return access(KVM_DEV, R_OK | W_OK) == 0;
}

static struct kvm_cpuid2 *kvm_get_supported_cpuid(int sys_fd)
{
	struct kvm_cpuid2 *cpuid;
	int nent = 64;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) +
			       nent * sizeof(struct kvm_cpuid_entry2));
		if (!cpuid)
			return NULL;
		cpuid->nent = nent;
		if (ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			return cpuid;
		free(cpuid);
		if (errno != E2BIG || nent >= 4096) {
			kvm_util_err("KVM_GET_SUPPORTED_CPUID", errno);
			return NULL;
		}
		nent *= 2;
	}
}

static int kvm_vcpu_set_cpuid(struct kvm_vcpu *vcpu)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_cpuid2 *cpuid;
	size_t size;
	u32 i;
	int ret;

	size = sizeof(*cpuid) + vm->cpuid->nent * sizeof(cpuid->entries[0]);
	cpuid = malloc(size);
	if (!cpuid)
		return -ENOMEM;
	memcpy(cpuid, vm->cpuid, size);

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		switch (e->function) {
		case 1:
			/* initial APIC ID = vCPU id */
			e->ebx = (e->ebx & 0x00ffffff) | (vcpu->id << 24);
			e->ecx |= CPUID_1_ECX_X2APIC;
			if (vm->irqchip &&
			    ioctl(vm->sys_fd, KVM_CHECK_EXTENSION,
				  KVM_CAP_TSC_DEADLINE_TIMER) > 0)
				e->ecx |= CPUID_1_ECX_TSCDL;
			break;
		case 0xb:
		case 0x1f:
			e->edx = vcpu->id;
			break;
		}
	}
	ret = kvm_ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return ret;
}

static void kvm_vcpu_free(struct kvm_vcpu *vcpu)
{
	if (vcpu->stats_fd >= 0)
		close(vcpu->stats_fd);
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	free(vcpu);
}

static struct kvm_vcpu *kvm_vcpu_create(struct kvm_vm *vm, unsigned int id)
{
	struct kvm_mp_state mp_state = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_vcpu *vcpu;
	int size;

	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		return NULL;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->stats_fd = -1;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0) {
		kvm_util_err("KVM_CREATE_VCPU", errno);
		goto err_free;
	}
	size = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run)) {
		kvm_util_err("KVM_GET_VCPU_MMAP_SIZE", size < 0 ? errno : EINVAL);
		goto err_free;
	}
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		kvm_util_err("mmap(kvm_run)", errno);
		goto err_free;
	}
	if (kvm_vcpu_set_cpuid(vcpu))
		goto err_free;
	/* with an in-kernel LAPIC, APs would otherwise wait for INIT/SIPI */
	if (vm->irqchip && kvm_ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp_state))
		goto err_free;
	/* optional (Linux 5.14+): diagnostics and kvm_vcpu_read_stat() */
	vcpu->stats_fd = ioctl(vcpu->fd, KVM_GET_STATS_FD, NULL);
	return vcpu;

err_free:
	kvm_vcpu_free(vcpu);
	return NULL;
}

/* Flat GDT: null, 64-bit code, data, 32-bit code, TSS */
static void kvm_vm_build_gdt(struct kvm_vm *vm)
{
	u64 *gdt = kvm_vm_hva(vm, KVM_UTIL_GDT_GPA, PT_PAGE);
	u64 tss = KVM_UTIL_TSS_GPA;

	gdt[KVM_UTIL_SEL_CODE64 >> 3] = 0x00af9b000000ffffULL;
	gdt[KVM_UTIL_SEL_DATA >> 3] = 0x00cf93000000ffffULL;
	gdt[KVM_UTIL_SEL_CODE32 >> 3] = 0x00cf9b000000ffffULL;
	/* 64-bit busy TSS descriptor, limit 0x67 (16 bytes, two slots) */
	gdt[KVM_UTIL_SEL_TSS >> 3] = 0x67 | ((tss & 0xffffff) << 16) |
				     (0x8bULL << 40) |
				     ((tss >> 24) & 0xff) << 56;
	gdt[(KVM_UTIL_SEL_TSS >> 3) + 1] = tss >> 32;
}

/* Identity map 0..4 GiB with 2 MiB pages. */
static void kvm_vm_build_page_tables(struct kvm_vm *vm)
{
	u64 pml4 = KVM_UTIL_PT_GPA;
	u64 pdpt = pml4 + PT_PAGE;
	u64 pd = pdpt + PT_PAGE;
	u64 *p;
	int i;

	p = kvm_vm_hva(vm, pml4, PT_PAGE);
	p[0] = pdpt | PTE_PRESENT | PTE_WRITE;
	p = kvm_vm_hva(vm, pdpt, PT_PAGE);
	for (i = 0; i < PT_NR_PD; i++)
		p[i] = (pd + i * PT_PAGE) | PTE_PRESENT | PTE_WRITE;
	p = kvm_vm_hva(vm, pd, PT_NR_PD * PT_PAGE);
	for (i = 0; i < PT_NR_PD * 512; i++)
		p[i] = (u64)i * PT_HUGE | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
}

static void kvm_set_seg(struct kvm_segment *s, u16 sel, u8 type,
			bool l, bool db)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = l;
	s->db = db;
	s->g = 1;
}

static int kvm_vcpu_init_sregs(struct kvm_vcpu *vcpu)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_sregs sregs;
	struct kvm_segment data;
	int ret;

	ret = kvm_vcpu_get_sregs(vcpu, &sregs);
	if (ret)
		return ret;

	if (vm->mode == KVM_MODE_REAL) {
		/* reset state with CS:IP set later; flat 0 data segments */
		sregs.ds.selector = 0;
		sregs.ds.base = 0;
		sregs.es = sregs.ds;
		sregs.fs = sregs.ds;
		sregs.gs = sregs.ds;
		sregs.ss = sregs.ds;
		sregs.cr0 &= ~X86_CR0_PG;
		sregs.cr0 &= ~X86_CR0_PE;
		return kvm_vcpu_set_sregs(vcpu, &sregs);
	}

	kvm_set_seg(&data, KVM_UTIL_SEL_DATA, 3, false, true);
	sregs.ds = data;
	sregs.es = data;
	sregs.fs = data;
	sregs.gs = data;
	sregs.ss = data;

	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.selector = KVM_UTIL_SEL_TSS;
	sregs.tr.base = KVM_UTIL_TSS_GPA;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 11;
	sregs.tr.present = 1;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.unusable = 1;
	sregs.ldt.type = 2;

	sregs.gdt.base = KVM_UTIL_GDT_GPA;
	sregs.gdt.limit = PT_PAGE - 1;
	sregs.idt.base = KVM_UTIL_IDT_GPA;

	sregs.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	if (vm->mode == KVM_MODE_PROT32) {
		kvm_set_seg(&sregs.cs, KVM_UTIL_SEL_CODE32, 11, false, true);
		sregs.idt.limit = 256 * 8 - 1;
		sregs.cr4 = 0;
		sregs.efer = 0;
	} else {
		kvm_set_seg(&sregs.cs, KVM_UTIL_SEL_CODE64, 11, true, false);
		sregs.idt.limit = 256 * 16 - 1;
		sregs.cr0 |= X86_CR0_PG | X86_CR0_WP;
		sregs.cr3 = KVM_UTIL_PT_GPA;
		sregs.cr4 = X86_CR4_PAE;
		sregs.efer = X86_EFER_LME | X86_EFER_LMA;
	}
	return kvm_vcpu_set_sregs(vcpu, &sregs);
}

/* start, end, workload entry, wakeup entry (NULL: not in this mode) */
static const char *const *kvm_mode_blob(enum kvm_util_mode mode)
{
	static const char *const real[] = {
		guest_real_start, guest_real_end, guest_real_workload, NULL };
	static const char *const prot32[] = {
		guest_prot32_start, guest_prot32_end, guest_prot32_workload,
		guest_prot32_wakeup };
	static const char *const long64[] = {
		guest_long64_start, guest_long64_end, guest_long64_workload,
		guest_long64_wakeup };

	switch (mode) {
	case KVM_MODE_PROT32:
		return prot32;
	case KVM_MODE_LONG64:
		return long64;
	default:
		return real;
	}
}

struct kvm_vm *kvm_vm_create(const struct kvm_vm_opts *opts)
{
	struct kvm_userspace_memory_region region = { 0 };
	const char *const *blob;
	struct kvm_vm *vm;
	unsigned int i;
	int ret;

	if (!opts || !opts->nr_vcpus || opts->nr_vcpus > KVM_UTIL_MAX_VCPUS ||
	    opts->mode > KVM_MODE_LONG64 ||
	    (opts->mem_size && (opts->mem_size < KVM_UTIL_FREE_GPA ||
				opts->mem_size % PT_PAGE))) {
		kvm_util_err("VM options check", EINVAL);
		errno = EINVAL;
		return NULL;
	}

	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return NULL;
	vm->fd = -1;
	vm->mode = opts->mode;
	vm->irqchip = opts->irqchip;
	vm->mem_size = opts->mem_size ? opts->mem_size : KVM_UTIL_MEM_SIZE;

	if (opts->sys_from) {
		vm->sys_fd = opts->sys_from->sys_fd;
	} else {
		vm->sys_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
		if (vm->sys_fd < 0) {
			kvm_util_err("open(" KVM_DEV ")", errno);
			goto err_free_vm;
		}
		vm->own_sys_fd = true;
	}
	ret = ioctl(vm->sys_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		kvm_util_err("KVM_GET_API_VERSION", ret < 0 ? errno : EINVAL);
		goto err_close_sys;
	}
	vm->cpuid = kvm_get_supported_cpuid(vm->sys_fd);
	if (!vm->cpuid)
		goto err_close_sys;

	/* KVM names the debugfs dir after the creating task's (thread) id */
	vm->debugfs_pid = syscall(SYS_gettid);
	vm->fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		kvm_util_err("KVM_CREATE_VM", errno);
		goto err_free_cpuid;
	}
	snprintf(vm->debugfs_dir, sizeof(vm->debugfs_dir), "%s/%d-%d",
		 KVM_DEBUGFS, vm->debugfs_pid, vm->fd);

	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		kvm_util_err("mmap(guest memory)", errno);
		goto err_close_vm;
	}
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = vm->mem_size;
	region.userspace_addr = (unsigned long)vm->mem;
	if (kvm_ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region))
		goto err_unmap_mem;

	if (vm->irqchip && kvm_ioctl(vm->fd, KVM_CREATE_IRQCHIP, NULL))
		goto err_unmap_mem;

	kvm_vm_build_gdt(vm);
	kvm_vm_build_page_tables(vm);
	blob = kvm_mode_blob(vm->mode);
	if (kvm_vm_load_blob(vm, KVM_UTIL_CODE_GPA, blob[0], blob[1]))
		goto err_unmap_mem;

	for (i = 0; i < opts->nr_vcpus; i++) {
		vm->vcpus[i] = kvm_vcpu_create(vm, i);
		if (!vm->vcpus[i])
			goto err_free_vcpus;
		vm->nr_vcpus++;
		if (kvm_vcpu_init_sregs(vm->vcpus[i]) ||
		    kvm_vcpu_set_entry(vm->vcpus[i],
				       kvm_vm_guest_sym_gpa(vm, blob[2])))
			goto err_free_vcpus;
	}
	return vm;

err_free_vcpus:
	for (i = 0; i < vm->nr_vcpus; i++)
		kvm_vcpu_free(vm->vcpus[i]);
err_unmap_mem:
	munmap(vm->mem, vm->mem_size);
err_close_vm:
	close(vm->fd);
err_free_cpuid:
	free(vm->cpuid);
err_close_sys:
	if (vm->own_sys_fd)
		close(vm->sys_fd);
err_free_vm:
	free(vm);
	return NULL;
}

void kvm_vm_destroy(struct kvm_vm *vm)
{
	unsigned int i;

	if (!vm)
		return;
	for (i = 0; i < vm->nr_vcpus; i++)
		kvm_vcpu_free(vm->vcpus[i]);
	munmap(vm->mem, vm->mem_size);
	close(vm->fd);
	free(vm->cpuid);
	if (vm->own_sys_fd)
		close(vm->sys_fd);
	free(vm);
}

int kvm_vm_move_fd(struct kvm_vm *vm, int newfd)
{
	int ret;

	if (newfd == vm->fd)
		return 0;
	if (dup2(vm->fd, newfd) < 0) {
		ret = -errno;
		kvm_util_err("dup2(VM fd)", -ret);
		return ret;
	}
	close(vm->fd);
	vm->fd = newfd;
	return 0;
}

int kvm_vm_fd(struct kvm_vm *vm)
{
	return vm->fd;
}

int kvm_vm_sys_fd(struct kvm_vm *vm)
{
	return vm->sys_fd;
}

unsigned int kvm_vm_nr_vcpus(struct kvm_vm *vm)
{
	return vm->nr_vcpus;
}

struct kvm_vcpu *kvm_vm_vcpu(struct kvm_vm *vm, unsigned int id)
{
	return id < vm->nr_vcpus ? vm->vcpus[id] : NULL;
}

enum kvm_util_mode kvm_vm_mode(struct kvm_vm *vm)
{
	return vm->mode;
}

u64 kvm_vm_mem_size(struct kvm_vm *vm)
{
	return vm->mem_size;
}

u64 kvm_vm_mmio_gpa(struct kvm_vm *vm)
{
	/* first GPA above the memslot: not backed, so every access exits */
	return vm->mem_size;
}

void *kvm_vm_hva(struct kvm_vm *vm, u64 gpa, size_t len)
{
	if (gpa > vm->mem_size || len > vm->mem_size - gpa)
		return NULL;
	return (char *)vm->mem + gpa;
}

int kvm_vm_write(struct kvm_vm *vm, u64 gpa, const void *src, size_t len)
{
	void *hva = kvm_vm_hva(vm, gpa, len);

	if (!hva) {
		kvm_util_err("guest write (GPA range outside memslot)", EFAULT);
		return -EFAULT;
	}
	memcpy(hva, src, len);
	return 0;
}

int kvm_vm_read(struct kvm_vm *vm, u64 gpa, void *dst, size_t len)
{
	void *hva = kvm_vm_hva(vm, gpa, len);

	if (!hva) {
		kvm_util_err("guest read (GPA range outside memslot)", EFAULT);
		return -EFAULT;
	}
	memcpy(dst, hva, len);
	return 0;
}

int kvm_vm_load_blob(struct kvm_vm *vm, u64 gpa, const void *start,
		     const void *end)
{
	if (end < start)
		return -EINVAL;
	return kvm_vm_write(vm, gpa, start,
			    (const char *)end - (const char *)start);
}

u64 kvm_vm_guest_sym_gpa(struct kvm_vm *vm, const void *sym)
{
	const char *start = kvm_mode_blob(vm->mode)[0];

	return KVM_UTIL_CODE_GPA + ((const char *)sym - start);
}

const char *kvm_vm_debugfs_dir(struct kvm_vm *vm)
{
	return vm->debugfs_dir;
}

int kvm_vm_debugfs_pid(struct kvm_vm *vm)
{
	return vm->debugfs_pid;
}

int kvm_vm_read_stat(struct kvm_vm *vm, const char *name, u64 *val)
{
	char path[128], buf[32];
	ssize_t len;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", vm->debugfs_dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	ret = len < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	buf[len] = '\0';
	errno = 0;
	*val = strtoull(buf, NULL, 10);
	return errno ? -errno : 0;
}

int kvm_vm_set_idt_gate(struct kvm_vm *vm, u8 vector, u64 handler_gpa)
{
	u64 lo, hi = 0;
	size_t size = 8;
	u16 sel = KVM_UTIL_SEL_CODE32;

	if (vm->mode == KVM_MODE_REAL)
		return -EINVAL;
	if (vm->mode == KVM_MODE_LONG64) {
		size = 16;
		sel = KVM_UTIL_SEL_CODE64;
		hi = handler_gpa >> 32;
	}
	/* present, DPL 0, interrupt gate (0xe) */
	lo = (handler_gpa & 0xffff) | ((u64)sel << 16) | (0x8eULL << 40) |
	     ((handler_gpa >> 16) & 0xffff) << 48;
	if (kvm_vm_write(vm, KVM_UTIL_IDT_GPA + vector * size, &lo, 8))
		return -EFAULT;
	if (size == 16)
		return kvm_vm_write(vm, KVM_UTIL_IDT_GPA + vector * size + 8,
				    &hi, 8);
	return 0;
}

int kvm_vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	return kvm_ioctl(vcpu->fd, KVM_GET_REGS, regs);
}

int kvm_vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs)
{
	return kvm_ioctl(vcpu->fd, KVM_SET_REGS, (void *)regs);
}

int kvm_vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	return kvm_ioctl(vcpu->fd, KVM_GET_SREGS, sregs);
}

int kvm_vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	return kvm_ioctl(vcpu->fd, KVM_SET_SREGS, (void *)sregs);
}

u64 kvm_vcpu_stack_top(struct kvm_vcpu *vcpu)
{
	return KVM_UTIL_STACK_GPA + (vcpu->id + 1) * KVM_UTIL_STACK_SIZE;
}

/*
 * Point the vCPU at @gpa with a fresh stack (RFLAGS = 2).  In real mode CS is
 * chosen so that @gpa is reachable (gpa < 1 MiB) and SS:SP is the stack.
 * With an in-kernel irqchip the vCPU is also made runnable again: it may
 * have been left halted (kvm_vm_reenter()).
 */
int kvm_vcpu_set_entry(struct kvm_vcpu *vcpu, u64 gpa)
{
	struct kvm_mp_state mp_state = { .mp_state = KVM_MP_STATE_RUNNABLE };
	u64 stack = kvm_vcpu_stack_top(vcpu);
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

	if (vcpu->vm->irqchip) {
		ret = kvm_ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp_state);
		if (ret)
			return ret;
	}

	ret = kvm_vcpu_get_regs(vcpu, &regs);
	if (ret)
		return ret;
	regs.rflags = 2;
	regs.rip = gpa;
	regs.rsp = stack;

	if (vcpu->vm->mode == KVM_MODE_REAL) {
		u64 cs_base = gpa & ~0xffffULL;
		u64 ss_base = stack - KVM_UTIL_STACK_SIZE;

		if (gpa >= 0x100000)
			return -EINVAL;
		ret = kvm_vcpu_get_sregs(vcpu, &sregs);
		if (ret)
			return ret;
		sregs.cs.selector = cs_base >> 4;
		sregs.cs.base = cs_base;
		sregs.ss.selector = ss_base >> 4;
		sregs.ss.base = ss_base;
		ret = kvm_vcpu_set_sregs(vcpu, &sregs);
		if (ret)
			return ret;
		regs.rip = gpa - cs_base;
		regs.rsp = KVM_UTIL_STACK_SIZE;
	}
	return kvm_vcpu_set_regs(vcpu, &regs);
}

int kvm_vcpu_set_workload(struct kvm_vcpu *vcpu, const struct kvm_workload *wl)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_workload_params p = { 0 };
	u64 pgpa = KVM_UTIL_PARAMS_GPA + vcpu->id * KVM_UTIL_PARAMS_SIZE;
	struct kvm_regs regs;
	u64 entry;
	int ret;

	p.pio_port = wl->pio_port ? wl->pio_port : KVM_UTIL_PORT_WORK;
	p.mmio_gpa = wl->mmio_gpa ? wl->mmio_gpa : kvm_vm_mmio_gpa(vm);
	p.msr_index = wl->msr_index;
	p.msr_value = wl->msr_value;
	p.tsc_deadline = wl->tsc_deadline ? wl->tsc_deadline : ~0ULL >> 1;
	p.loops = wl->loops ? wl->loops : 1;
	if (vm->mode == KVM_MODE_REAL && wl->mmio && p.mmio_gpa >= 0x10fff0)
		return -EINVAL;
	/* with an in-kernel LAPIC, HLT with IF = 0 would never return */
	if (wl->hlt && vm->irqchip) {
		if (vm->mode == KVM_MODE_REAL)
			return -EINVAL;
		p.flags |= KVM_WL_FLAG_HLT_TIMER;
		p.timer_count = wl->hlt_timer_ns ? wl->hlt_timer_ns :
						   KVM_UTIL_TIMER_NS;
		p.vector = KVM_UTIL_WAKEUP_VECTOR;
	}
	ret = kvm_vm_write(vm, pgpa, &p, sizeof(p));
	if (ret)
		return ret;

	entry = kvm_vm_guest_sym_gpa(vm, kvm_mode_blob(vm->mode)[2]);
	ret = kvm_vcpu_set_entry(vcpu, entry);
	if (ret)
		return ret;
	ret = kvm_vcpu_get_regs(vcpu, &regs);
	if (ret)
		return ret;
	regs.rax = wl->pio;
	regs.rbx = wl->mmio;
	regs.rcx = wl->cpuid;
	regs.rdx = wl->hlt;
	regs.rsi = wl->wrmsr_tscdl;
	regs.rdi = wl->wrmsr_other;
	regs.rbp = pgpa;
	vcpu->routine = ROUTINE_WORKLOAD;
	return kvm_vcpu_set_regs(vcpu, &regs);
}

u64 kvm_vcpu_params_gpa(struct kvm_vcpu *vcpu)
{
	return KVM_UTIL_PARAMS_GPA + vcpu->id * KVM_UTIL_PARAMS_SIZE;
}

int kvm_vcpu_set_wakeup(struct kvm_vcpu *vcpu, const struct kvm_wakeup *wk)
{
	struct kvm_vm *vm = vcpu->vm;
	const char *entry = kvm_mode_blob(vm->mode)[3];
	struct kvm_wakeup_params p = { 0 };
	struct kvm_regs regs;
	int ret;

	if (!vm->irqchip || !entry || wk->role > KVM_WAKEUP_IPI_SEND ||
	    (wk->vector && wk->vector < 32) ||
	    wk->vector == APIC_SPURIOUS_VECTOR)
		return -EINVAL;
	if (wk->role == KVM_WAKEUP_IPI_SEND &&
	    (wk->peer >= vm->nr_vcpus || wk->peer == vcpu->id))
		return -EINVAL;

	p.role = wk->role;
	p.count = wk->count;
	p.vector = wk->vector ? wk->vector : KVM_UTIL_WAKEUP_VECTOR;
	p.timer_count = wk->timer_ns ? wk->timer_ns : KVM_UTIL_TIMER_NS;
	if (wk->role == KVM_WAKEUP_IPI_SEND) {
		/* x2APIC ID = vCPU id in KVM */
		p.peer_apic_id = wk->peer;
		p.peer_params = kvm_vcpu_params_gpa(vm->vcpus[wk->peer]);
	}
	ret = kvm_vm_write(vm, kvm_vcpu_params_gpa(vcpu), &p, sizeof(p));
	if (ret)
		return ret;
	ret = kvm_vcpu_set_entry(vcpu, kvm_vm_guest_sym_gpa(vm, entry));
	if (ret)
		return ret;
	ret = kvm_vcpu_get_regs(vcpu, &regs);
	if (ret)
		return ret;
	regs.rax = 0;
	regs.rbx = 0;
	regs.rcx = 0;
	regs.rdx = 0;
	regs.rsi = 0;
	regs.rdi = 0;
	regs.rbp = kvm_vcpu_params_gpa(vcpu);
	vcpu->routine = ROUTINE_WAKEUP;
	return kvm_vcpu_set_regs(vcpu, &regs);
}

int kvm_vcpu_set_script(struct kvm_vcpu *vcpu, const struct kvm_guest_op *ops,
			unsigned int nr, u32 loops)
{
	u64 ops_gpa = KVM_UTIL_SCRIPT_GPA + vcpu->id * KVM_UTIL_SCRIPT_SIZE;
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_script_params p = { 0 };
	struct kvm_guest_op *dst;
	struct kvm_regs regs;
	unsigned int i;
	int ret;

	if (vm->mode != KVM_MODE_LONG64 || nr > KVM_UTIL_MAX_OPS)
		return -EINVAL;
	for (i = 0; i < nr; i++)
		if (ops[i].op >= KVM_OP_NR)
			return -EINVAL;
	dst = kvm_vm_hva(vm, ops_gpa, KVM_UTIL_SCRIPT_SIZE);
	if (!dst)
		return -EFAULT;
	memset(dst, 0, KVM_UTIL_SCRIPT_SIZE);
	for (i = 0; i < nr; i++) {
		dst[i] = ops[i];
		if (!dst[i].count)
			dst[i].count = 1;
	}
	/* the IDT is shared: every vCPU's script installs the same gates */
	ret = kvm_vm_set_idt_gate(vm, 6, kvm_vm_guest_sym_gpa(vm, guest_long64_ud));
	if (!ret)
		ret = kvm_vm_set_idt_gate(vm, 13,
					  kvm_vm_guest_sym_gpa(vm, guest_long64_gp));
	if (ret)
		return ret;

	p.ops_gpa = ops_gpa;
	p.nr_ops = nr;
	p.loops = loops ? loops : 1;
	ret = kvm_vm_write(vm, kvm_vcpu_params_gpa(vcpu), &p, sizeof(p));
	if (ret)
		return ret;
	ret = kvm_vcpu_set_entry(vcpu,
				 kvm_vm_guest_sym_gpa(vm, guest_long64_script));
	if (ret)
		return ret;
	ret = kvm_vcpu_get_regs(vcpu, &regs);
	if (ret)
		return ret;
	regs.rbp = kvm_vcpu_params_gpa(vcpu);
	vcpu->routine = ROUTINE_SCRIPT;
	return kvm_vcpu_set_regs(vcpu, &regs);
}

/* Only an atomic store to guest memory: signal safe. */
void kvm_vcpu_script_go(struct kvm_vcpu *vcpu)
{
	struct kvm_script_params *p;

	p = kvm_vm_hva(vcpu->vm, kvm_vcpu_params_gpa(vcpu), sizeof(*p));
	if (p)
		__atomic_store_n(&p->go, 1, __ATOMIC_RELEASE);
}

int kvm_vcpu_guest_result(struct kvm_vcpu *vcpu, struct kvm_guest_result *res)
{
	u64 gpa = kvm_vcpu_params_gpa(vcpu);
	struct kvm_workload_params wp;
	struct kvm_wakeup_params kp;
	int ret;

	memset(res, 0, sizeof(*res));
	if (vcpu->routine == ROUTINE_SCRIPT) {
		struct kvm_script_params sp;

		ret = kvm_vm_read(vcpu->vm, gpa, &sp, sizeof(sp));
		res->hlts = sp.hlts;
		res->loops_done = sp.loops_done;
		res->ud = sp.ud;
		res->gp = sp.gp;
	} else if (vcpu->routine == ROUTINE_WAKEUP) {
		ret = kvm_vm_read(vcpu->vm, gpa, &kp, sizeof(kp));
		res->hlts = kp.hlts - kp.hlt_skips;
		res->hlt_skips = kp.hlt_skips;
		res->irqs = kp.irqs;
		res->ipis_sent = kp.ipis_sent;
	} else {
		ret = kvm_vm_read(vcpu->vm, gpa, &wp, sizeof(wp));
		res->hlts = wp.hlts - wp.hlt_skips;
		res->hlt_skips = wp.hlt_skips;
		res->irqs = wp.irqs;
		res->loops_done = wp.loops_done;
	}
	return ret;
}

/* Only atomic stores to guest memory: safe in signal handlers. */
void kvm_vm_request_guest_stop(struct kvm_vm *vm)
{
	struct kvm_workload_params *p;
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		p = kvm_vm_hva(vm, kvm_vcpu_params_gpa(vm->vcpus[i]),
			       sizeof(*p));
		if (p)
			__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	}
}

/* Up to @max values of stat @name; returns how many it has, or -errno. */
static int kvm_stats_fd_read(int fd, const char *name, u64 *vals,
			     unsigned int max)
{
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *desc;
	size_t desc_size, len;
	char *descs;
	u32 i;
	int ret = -ENOENT;

	if (pread(fd, &hdr, sizeof(hdr), 0) != sizeof(hdr))
		return -EIO;
	desc_size = sizeof(*desc) + hdr.name_size;
	len = desc_size * hdr.num_desc;
	descs = malloc(len);
	if (!descs)
		return -ENOMEM;
	if (pread(fd, descs, len, hdr.desc_offset) != (ssize_t)len) {
		ret = -EIO;
		goto out_free;
	}
	for (i = 0; i < hdr.num_desc; i++) {
		desc = (struct kvm_stats_desc *)(descs + i * desc_size);
		if (strncmp(desc->name, name, hdr.name_size))
			continue;
		len = (size_t)(desc->size < max ? desc->size : max) *
		      sizeof(*vals);
		if (pread(fd, vals, len, hdr.data_offset + desc->offset) !=
		    (ssize_t)len)
			ret = -EIO;
		else
			ret = desc->size;
		break;
	}
out_free:
	free(descs);
	return ret;
}

/*
 * The stats fd is opened when the vCPU is created: KVM_GET_STATS_FD needs
 * the vCPU mutex, which KVM_RUN holds, but reading the fd does not, so
 * stats can be read while the vCPU runs (or is stuck).
 */
int kvm_vcpu_read_stat(struct kvm_vcpu *vcpu, const char *name, u64 *val)
{
	int ret;

	if (vcpu->stats_fd < 0)
		return -ENOTSUP;
	ret = kvm_stats_fd_read(vcpu->stats_fd, name, val, 1);
	return ret < 0 ? ret : 0;
}

int kvm_vcpu_read_stat_array(struct kvm_vcpu *vcpu, const char *name,
			     u64 *vals, unsigned int max)
{
	if (vcpu->stats_fd < 0)
		return -ENOTSUP;
	return kvm_stats_fd_read(vcpu->stats_fd, name, vals, max);
}

int kvm_vcpu_set_signal_mask(struct kvm_vcpu *vcpu, const sigset_t *mask)
{
	struct kvm_signal_mask *m;
	int ret;

	if (!mask)
		return kvm_ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, NULL);
	/* the kernel's sigset_t: 64 signals, 8 bytes */
	m = calloc(1, sizeof(*m) + 8);
	if (!m)
		return -ENOMEM;
	m->len = 8;
	memcpy(m->sigset, mask, 8);
	ret = kvm_ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, m);
	free(m);
	return ret;
}

int kvm_vm_signal_msi(struct kvm_vm *vm, u32 apic_id, u8 vector)
{
	struct kvm_msi msi = {
		/* fixed, physical destination, edge */
		.address_lo = 0xfee00000U | (apic_id & 0xff) << 12,
		.address_hi = apic_id & ~0xffU,
		.data = vector,
	};
	int ret;

	ret = kvm_ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
	/* 1: delivered, 0: blocked by the guest, < 0: error */
	return ret < 0 ? ret : ret == 1 ? 0 : -EAGAIN;
}

static void kvm_count_addr(struct kvm_vcpu *vcpu, struct kvm_util_addr_count *t,
			   u64 addr)
{
	int i;

	for (i = 0; i < KVM_UTIL_MAX_ADDRS; i++) {
		if (t[i].count && t[i].addr == addr) {
			t[i].count++;
			return;
		}
		if (!t[i].count) {
			t[i].addr = addr;
			t[i].count = 1;
			return;
		}
	}
	vcpu->untracked++;
}

static u64 kvm_lookup_addr(const struct kvm_util_addr_count *t, u64 addr)
{
	int i;

	for (i = 0; i < KVM_UTIL_MAX_ADDRS && t[i].count; i++)
		if (t[i].addr == addr)
			return t[i].count;
	return 0;
}

u64 kvm_vcpu_exit_count(struct kvm_vcpu *vcpu, unsigned int reason)
{
	return reason < KVM_UTIL_EXIT_MAX ? vcpu->exit_count[reason] : 0;
}

u64 kvm_vcpu_pio_count(struct kvm_vcpu *vcpu, u16 port)
{
	return kvm_lookup_addr(vcpu->pio, port);
}

u64 kvm_vcpu_mmio_count(struct kvm_vcpu *vcpu, u64 gpa)
{
	return kvm_lookup_addr(vcpu->mmio, gpa);
}

const char *kvm_exit_reason_name(unsigned int reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
		[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "?";
}

static void kvm_vcpu_fail(struct kvm_vcpu *vcpu, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vcpu->err, sizeof(vcpu->err), fmt, ap);
	va_end(ap);
	vcpu->failed = true;
	fprintf(stderr, "kvm_util: vcpu %u: %s\n", vcpu->id, vcpu->err);
}

static u32 kvm_io_value(struct kvm_run *run)
{
	u32 v = 0;

	memcpy(&v, (char *)run + run->io.data_offset,
	       run->io.size <= 4 ? run->io.size : 4);
	return v;
}

/* Returns 1 to keep running, 0 when the vCPU is finished. */
static int kvm_vcpu_handle_exit(struct kvm_vcpu *vcpu)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_run *run = vcpu->run;
	unsigned int reason = run->exit_reason;
	int ret;

	if (reason < KVM_UTIL_EXIT_MAX)
		vcpu->exit_count[reason]++;
	vcpu->last_exit_reason = reason;
	vcpu->last_exit_ns = kvm_now_ns();
	vcpu->last_exit_addr = reason == KVM_EXIT_IO ? run->io.port :
			       reason == KVM_EXIT_MMIO ? run->mmio.phys_addr : 0;

	if (reason == KVM_EXIT_IO) {
		kvm_count_addr(vcpu, vcpu->pio, run->io.port);
		if (run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == KVM_UTIL_PORT_DONE) {
			vcpu->done = true;
			return 0;
		}
		if (run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == KVM_UTIL_PORT_FAIL) {
			vcpu->fail_value = kvm_io_value(run);
			kvm_vcpu_fail(vcpu, "guest reported failure 0x%x",
				      vcpu->fail_value);
			return 0;
		}
	} else if (reason == KVM_EXIT_MMIO) {
		kvm_count_addr(vcpu, vcpu->mmio, run->mmio.phys_addr);
	}

	if (vm->cb) {
		ret = vm->cb(vcpu, vm->cb_opaque);
		if (ret < 0) {
			kvm_vcpu_fail(vcpu, "exit callback failed: %s",
				      strerror(-ret));
			return 0;
		}
		if (ret == KVM_UTIL_CB_STOP) {
			vcpu->done = true;
			return 0;
		}
		if (ret == KVM_UTIL_CB_HANDLED)
			return 1;
	}

	switch (reason) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_IN)
			memset((char *)run + run->io.data_offset, 0,
			       (size_t)run->io.size * run->io.count);
		return 1;
	case KVM_EXIT_MMIO:
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
		return 1;
	case KVM_EXIT_HLT:
		return 1;
	case KVM_EXIT_INTR:
		return 1;
	case KVM_EXIT_FAIL_ENTRY:
		kvm_vcpu_fail(vcpu, "KVM_EXIT_FAIL_ENTRY, reason 0x%llx",
			      run->fail_entry.hardware_entry_failure_reason);
		return 0;
	case KVM_EXIT_INTERNAL_ERROR: {
		char data[160] = "";
		size_t len = 0;
		u32 i;

		for (i = 0; i < run->internal.ndata &&
		     i < ARRAY_SIZE(run->internal.data) &&
		     len < sizeof(data) - 20; i++)
			len += snprintf(data + len, sizeof(data) - len,
					" 0x%llx", run->internal.data[i]);
		kvm_vcpu_fail(vcpu, "KVM_EXIT_INTERNAL_ERROR, suberror %u, data:%s",
			      run->internal.suberror, data);
		return 0;
	}
	default:
		kvm_vcpu_fail(vcpu, "unhandled exit %u (KVM_EXIT_%s)", reason,
			      kvm_exit_reason_name(reason));
		return 0;
	}
}

/*
 * KVM_RUN failed with EINTR: a signal.  Present it to the callback as
 * KVM_EXIT_INTR (KVM sets that reason for signal exits, but not when it
 * returned before entering the guest).  Returns 1 to keep running.
 */
static int kvm_vcpu_handle_signal(struct kvm_vcpu *vcpu)
{
	struct kvm_vm *vm = vcpu->vm;
	int ret;

	vcpu->signal_exits++;
	if (!vm->cb)
		return 1;
	vcpu->run->exit_reason = KVM_EXIT_INTR;
	ret = vm->cb(vcpu, vm->cb_opaque);
	if (ret < 0) {
		kvm_vcpu_fail(vcpu, "exit callback failed: %s", strerror(-ret));
		return 0;
	}
	if (ret == KVM_UTIL_CB_STOP) {
		vcpu->done = true;
		return 0;
	}
	return 1;
}

/* kvm_vcpu_hold(): stay out of the guest for the time asked, if any. */
static void kvm_vcpu_do_hold(struct kvm_vcpu *vcpu)
{
	u32 ms = __atomic_exchange_n(&vcpu->hold_ms, 0, __ATOMIC_ACQ_REL);
	struct timespec ts;
	u64 t0, end;

	if (!ms)
		return;
	vcpu->run->immediate_exit = 0;
	t0 = kvm_now_ns();
	end = t0 + ms * NSEC_PER_MSEC;
	ts.tv_sec = end / NSEC_PER_SEC;
	ts.tv_nsec = end % NSEC_PER_SEC;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
	vcpu->held_ns += kvm_now_ns() - t0;
	vcpu->holds++;
}

static void kvm_vcpu_stopped(struct kvm_vcpu *vcpu, int why)
{
	switch (why) {
	case STOP_REQUEST:
		vcpu->stopped = true;
		snprintf(vcpu->err, sizeof(vcpu->err), "stopped (request)");
		break;
	case STOP_FAILED:
		kvm_vcpu_fail(vcpu, "stopped (another vCPU failed)");
		break;
	default:
		kvm_vcpu_fail(vcpu, "stopped (timeout)");
		break;
	}
}

static void *kvm_vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct kvm_vm *vm = vcpu->vm;
	int none = STOP_NONE;
	int why;

	vcpu->start_ns = kvm_now_ns();
	for (;;) {
		why = __atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE);
		if (why != STOP_NONE) {
			kvm_vcpu_stopped(vcpu, why);
			break;
		}
		vcpu->nr_runs++;
		if (ioctl(vcpu->fd, KVM_RUN, NULL) < 0) {
			if (errno == EAGAIN)
				continue;
			if (errno != EINTR) {
				kvm_vcpu_fail(vcpu, "KVM_RUN failed: %s (errno %d)",
					      strerror(errno), errno);
				break;
			}
			/* being stopped: the loop's head ends it */
			if (__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE) !=
			    STOP_NONE)
				continue;
			/*
			 * Left by a kvm_vcpu_hold() whose hold an earlier
			 * return already did; a pending hold set hold_ms
			 * before it and is done below.
			 */
			vcpu->run->immediate_exit = 0;
			if (!kvm_vcpu_handle_signal(vcpu))
				break;
		} else if (!kvm_vcpu_handle_exit(vcpu)) {
			break;
		}
		kvm_vcpu_do_hold(vcpu);
	}
	vcpu->end_ns = kvm_now_ns();
	/* no point in running the others: stop them (first reason wins) */
	if (vcpu->failed)
		__atomic_compare_exchange_n(&vm->stop, &none, STOP_FAILED,
					    false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE);
	__atomic_store_n(&vcpu->finished, true, __ATOMIC_RELEASE);
	return NULL;
}

static void kvm_kick_handler(int sig)
{
	(void)sig;
}

static void kvm_vcpu_reset_counts(struct kvm_vcpu *vcpu)
{
	vcpu->done = false;
	vcpu->failed = false;
	vcpu->stopped = false;
	vcpu->fail_value = 0;
	vcpu->err[0] = '\0';
	vcpu->untracked = 0;
	memset(vcpu->exit_count, 0, sizeof(vcpu->exit_count));
	memset(vcpu->pio, 0, sizeof(vcpu->pio));
	memset(vcpu->mmio, 0, sizeof(vcpu->mmio));
	vcpu->nr_runs = 0;
	vcpu->last_exit_reason = KVM_UTIL_EXIT_NONE;
	vcpu->last_exit_addr = 0;
	vcpu->last_exit_ns = 0;
	vcpu->start_ns = 0;
	vcpu->end_ns = 0;
	vcpu->finished = false;
	vcpu->signal_exits = 0;
	vcpu->holds = 0;
	vcpu->held_ns = 0;
	vcpu->hold_ms = 0;
}

static const char *kvm_cpu_mode_name(const struct kvm_sregs *sregs)
{
	if (!(sregs->cr0 & X86_CR0_PE))
		return "real";
	if (sregs->efer & X86_EFER_LMA)
		return sregs->cs.l ? "long64" : "compat";
	return sregs->cs.db ? "prot32" : "prot16";
}

struct kvm_stuck_sample {
	int ret0, ret1;		/* reading the "exits" stat */
	u64 exits0, exits1;	/* at the timeout, STUCK_SAMPLE_US later */
};

static void __kvm_vcpu_dump(struct kvm_vcpu *vcpu, FILE *f,
			    const struct kvm_stuck_sample *sample)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_mp_state mp = { 0 };
	u64 now = kvm_now_ns(), val;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	const u8 *b;
	unsigned int r;

	fprintf(f, "kvm_util: vcpu %u diagnostics (VM mode %d, irqchip %d):\n",
		vcpu->id, vm->mode, vm->irqchip);
	fprintf(f, "  KVM_RUN calls %llu, ran %.3f s, done %d failed %d stopped %d: %s\n",
		(unsigned long long)vcpu->nr_runs,
		((vcpu->end_ns ? vcpu->end_ns : now) - vcpu->start_ns) / 1e9,
		vcpu->done, vcpu->failed, vcpu->stopped, vcpu->err);
	fprintf(f, "  userspace exits:");
	for (r = 0; r < KVM_UTIL_EXIT_MAX; r++)
		if (vcpu->exit_count[r])
			fprintf(f, " %s %llu", kvm_exit_reason_name(r),
				(unsigned long long)vcpu->exit_count[r]);
	fprintf(f, "\n");
	if (vcpu->last_exit_reason == KVM_UTIL_EXIT_NONE)
		fprintf(f, "  last exit: none\n");
	else
		fprintf(f, "  last exit: KVM_EXIT_%s (%u) addr 0x%llx, %.3f s before the dump\n",
			kvm_exit_reason_name(vcpu->last_exit_reason),
			vcpu->last_exit_reason,
			(unsigned long long)vcpu->last_exit_addr,
			(now - vcpu->last_exit_ns) / 1e9);
	fprintf(f, "  kvm_run: exit_reason %u immediate_exit %u\n",
		vcpu->run->exit_reason, vcpu->run->immediate_exit);
	if (sample && !sample->ret0 && !sample->ret1)
		fprintf(f, "  stat exits: %llu at the timeout, +%llu in %u ms\n",
			(unsigned long long)sample->exits0,
			(unsigned long long)(sample->exits1 - sample->exits0),
			STUCK_SAMPLE_US / 1000);
	if (!kvm_vcpu_read_stat(vcpu, "halt_exits", &val))
		fprintf(f, "  stat halt_exits %llu\n", (unsigned long long)val);
	if (vm->irqchip && !ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp))
		fprintf(f, "  mp_state %u\n", mp.mp_state);

	if (kvm_vcpu_get_regs(vcpu, &regs) || kvm_vcpu_get_sregs(vcpu, &sregs))
		return;
	fprintf(f, "  mode %s: CR0 0x%llx CR3 0x%llx CR4 0x%llx EFER 0x%llx\n",
		kvm_cpu_mode_name(&sregs), sregs.cr0, sregs.cr3, sregs.cr4,
		sregs.efer);
	fprintf(f, "  CS 0x%x base 0x%llx l %u db %u, SS 0x%x base 0x%llx\n",
		sregs.cs.selector, sregs.cs.base, sregs.cs.l, sregs.cs.db,
		sregs.ss.selector, sregs.ss.base);
	fprintf(f, "  RIP 0x%llx RSP 0x%llx RFLAGS 0x%llx\n",
		regs.rip, regs.rsp, regs.rflags);
	fprintf(f, "  RAX 0x%llx RBX 0x%llx RCX 0x%llx RDX 0x%llx\n",
		regs.rax, regs.rbx, regs.rcx, regs.rdx);
	fprintf(f, "  RSI 0x%llx RDI 0x%llx RBP 0x%llx\n",
		regs.rsi, regs.rdi, regs.rbp);
	/* paging is off or identity: linear == physical */
	b = kvm_vm_hva(vm, sregs.cs.base + regs.rip, 16);
	if (b) {
		fprintf(f, "  code at RIP (blob offset 0x%llx):",
			sregs.cs.base + regs.rip - KVM_UTIL_CODE_GPA);
		for (r = 0; r < 16; r++)
			fprintf(f, " %02x", b[r]);
		fprintf(f, "\n");
	}
	b = kvm_vm_hva(vm, kvm_vcpu_params_gpa(vcpu), KVM_UTIL_PARAMS_SIZE);
	fprintf(f, "  parameter block at 0x%llx:",
		(unsigned long long)kvm_vcpu_params_gpa(vcpu));
	for (r = 0; r < KVM_UTIL_PARAMS_SIZE; r += 4)
		fprintf(f, "%s%08x", r % 32 ? " " : "\n   ",
			*(const u32 *)(b + r));
	fprintf(f, "\n");
}

/*
 * Print what is known about a vCPU: exits seen, the last one, registers and
 * mode, code at RIP, the parameter block.  Call it while the vCPU is not
 * running (after kvm_vm_run()/kvm_vm_wait()).
 */
void kvm_vcpu_dump(struct kvm_vcpu *vcpu, FILE *f)
{
	__kvm_vcpu_dump(vcpu, f, NULL);
}

int kvm_vm_start(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque)
{
	struct sigaction sa = { .sa_handler = kvm_kick_handler };
	unsigned int i;
	int ret;

	/* no SA_RESTART: the signal makes KVM_RUN return -EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(KICK_SIGNAL, &sa, NULL)) {
		ret = -errno;
		kvm_util_err("sigaction", -ret);
		return ret;
	}

	vm->cb = cb;
	vm->cb_opaque = opaque;
	__atomic_store_n(&vm->stop, STOP_NONE, __ATOMIC_RELEASE);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = vm->vcpus[i];

		kvm_vcpu_reset_counts(vcpu);
		vcpu->run->immediate_exit = 0;
		ret = pthread_create(&vcpu->thread, NULL, kvm_vcpu_thread, vcpu);
		if (ret) {
			kvm_util_err("pthread_create", ret);
			__atomic_store_n(&vm->stop, STOP_FAILED,
					 __ATOMIC_RELEASE);
			kvm_vm_wait(vm, 0);
			return -ret;
		}
		vcpu->thread_started = true;
	}
	return 0;
}

void kvm_vm_stop(struct kvm_vm *vm)
{
	int none = STOP_NONE;

	__atomic_compare_exchange_n(&vm->stop, &none, STOP_REQUEST, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static bool kvm_vcpu_running(struct kvm_vcpu *vcpu)
{
	return vcpu->thread_started &&
	       !__atomic_load_n(&vcpu->finished, __ATOMIC_ACQUIRE);
}

void kvm_vcpu_kick(struct kvm_vcpu *vcpu)
{
	if (kvm_vcpu_running(vcpu))
		pthread_kill(vcpu->thread, KICK_SIGNAL);
}

void kvm_vcpu_hold(struct kvm_vcpu *vcpu, unsigned int ms)
{
	if (!ms || !kvm_vcpu_running(vcpu))
		return;
	__atomic_store_n(&vcpu->hold_ms, ms, __ATOMIC_RELEASE);
	/* a thread in userspace leaves its next KVM_RUN at once */
	vcpu->run->immediate_exit = 1;
	pthread_kill(vcpu->thread, KICK_SIGNAL);
}

static void kvm_vm_kick_running(struct kvm_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = vm->vcpus[i];

		if (!vcpu->thread_started ||
		    __atomic_load_n(&vcpu->finished, __ATOMIC_ACQUIRE))
			continue;
		vcpu->run->immediate_exit = 1;
		pthread_kill(vcpu->thread, KICK_SIGNAL);
	}
}

/* Timeout: remember which vCPUs are stuck and whether they still exit. */
static void kvm_vm_sample_stuck(struct kvm_vm *vm, bool *stuck,
				struct kvm_stuck_sample *sample)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		stuck[i] = vm->vcpus[i]->thread_started &&
			   !__atomic_load_n(&vm->vcpus[i]->finished,
					    __ATOMIC_ACQUIRE);
		if (stuck[i])
			sample[i].ret0 = kvm_vcpu_read_stat(vm->vcpus[i],
							    "exits",
							    &sample[i].exits0);
	}
	usleep(STUCK_SAMPLE_US);
	for (i = 0; i < vm->nr_vcpus; i++)
		if (stuck[i])
			sample[i].ret1 = kvm_vcpu_read_stat(vm->vcpus[i],
							    "exits",
							    &sample[i].exits1);
}

static void kvm_realtime_after(struct timespec *ts, u64 ns)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ns += ts->tv_nsec;
	ts->tv_sec += ns / NSEC_PER_SEC;
	ts->tv_nsec = ns % NSEC_PER_SEC;
}

/*
 * Wait for the vCPU threads started by kvm_vm_start() until each has
 * written the DONE or FAIL port, failed, been stopped, or @timeout_ms (0:
 * no limit, measured on CLOCK_MONOTONIC so that a step of the wall clock
 * cannot cut it short) expired.  Returns 0 if every vCPU finished
 * successfully, -EINTR if some were stopped by kvm_vm_stop() and none
 * failed, otherwise a negative errno (-ETIMEDOUT on timeout); per-vCPU
 * detail is in vcpu->err.
 */
int kvm_vm_wait(struct kvm_vm *vm, unsigned int timeout_ms)
{
	struct kvm_stuck_sample sample[KVM_UTIL_MAX_VCPUS] = { 0 };
	bool stuck[KVM_UTIL_MAX_VCPUS] = { false };
	u64 deadline = kvm_now_ns() + timeout_ms * NSEC_PER_MSEC;
	bool timed_out = false, stopped = false;
	struct timespec ts;
	unsigned int i;
	int why, none;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = vm->vcpus[i];

		while (vcpu->thread_started) {
			why = __atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE);
			if (why == STOP_NONE && timeout_ms &&
			    kvm_now_ns() >= deadline) {
				kvm_vm_sample_stuck(vm, stuck, sample);
				none = STOP_NONE;
				if (__atomic_compare_exchange_n(&vm->stop, &none,
								STOP_TIMEOUT,
								false,
								__ATOMIC_ACQ_REL,
								__ATOMIC_ACQUIRE))
					timed_out = true;
				why = STOP_TIMEOUT;
			}
			if (why != STOP_NONE)
				kvm_vm_kick_running(vm);
			kvm_realtime_after(&ts, why != STOP_NONE ?
					   KICK_SLICE_NS : JOIN_SLICE_NS);
			if (pthread_timedjoin_np(vcpu->thread, NULL, &ts) == 0)
				vcpu->thread_started = false;
		}
	}

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (timed_out && stuck[i])
			__kvm_vcpu_dump(vm->vcpus[i], stderr, &sample[i]);
		if (vm->vcpus[i]->stopped)
			stopped = true;
	}
	if (timed_out)
		return -ETIMEDOUT;
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->failed ||
		    (!vm->vcpus[i]->done && !vm->vcpus[i]->stopped))
			return -EIO;
	return stopped ? -EINTR : 0;
}

static int kvm_reenter_cb(struct kvm_vcpu *vcpu, void *opaque)
{
	(void)opaque;
	return vcpu->run->exit_reason == KVM_EXIT_HLT ? KVM_UTIL_CB_STOP :
							 KVM_UTIL_CB_DEFAULT;
}

int kvm_vm_reenter(struct kvm_vm *vm, unsigned int timeout_ms)
{
	u64 halts[KVM_UTIL_MAX_VCPUS] = { 0 }, val;
	u64 deadline = kvm_now_ns() + timeout_ms * NSEC_PER_MSEC;
	unsigned int i, left;
	int ret;

	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = kvm_vcpu_read_stat(vm->vcpus[i], "halt_exits", &halts[i]);
		if (ret)
			return ret;
	}
	ret = kvm_vm_start(vm, kvm_reenter_cb, NULL);
	if (ret)
		return ret;
	do {
		left = 0;
		for (i = 0; i < vm->nr_vcpus; i++) {
			struct kvm_vcpu *vcpu = vm->vcpus[i];

			if (!kvm_vcpu_running(vcpu))
				continue;
			if (kvm_vcpu_read_stat(vcpu, "halt_exits", &val) ||
			    val == halts[i])
				left++;
		}
		if (left)
			usleep(1000);
	} while (left && kvm_now_ns() < deadline);
	kvm_vm_stop(vm);
	ret = kvm_vm_wait(vm, timeout_ms);
	if (left)
		return -ETIMEDOUT;
	return ret == -EINTR ? 0 : ret;
}

/* kvm_vm_start() and kvm_vm_wait(), see there. */
int kvm_vm_run(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque,
	       unsigned int timeout_ms)
{
	int ret;

	ret = kvm_vm_start(vm, cb, opaque);
	if (ret)
		return ret;
	return kvm_vm_wait(vm, timeout_ms);
}
