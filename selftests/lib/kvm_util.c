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

static_assert(sizeof(struct kvm_workload_params) == 32 &&
	      sizeof(struct kvm_workload_params) <= KVM_UTIL_PARAMS_SIZE,
	      "guest_*.S depend on the parameter block layout");

struct kvm_vm {
	int sys_fd;
	int fd;
	int debugfs_pid;
	char debugfs_dir[64];
	enum kvm_util_mode mode;
	bool irqchip;
	u64 mem_size;
	void *mem;
	struct kvm_cpuid2 *cpuid;
	bool stop;		/* accessed with __atomic builtins */
	unsigned int nr_vcpus;
	struct kvm_vcpu *vcpus[KVM_UTIL_MAX_VCPUS];
	kvm_exit_cb_t cb;
	void *cb_opaque;
};

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

static const char *const *kvm_mode_blob(enum kvm_util_mode mode)
{
	static const char *const real[] = {
		guest_real_start, guest_real_end, guest_real_workload };
	static const char *const prot32[] = {
		guest_prot32_start, guest_prot32_end, guest_prot32_workload };
	static const char *const long64[] = {
		guest_long64_start, guest_long64_end, guest_long64_workload };

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

	vm->sys_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0) {
		kvm_util_err("open(" KVM_DEV ")", errno);
		goto err_free_vm;
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
	close(vm->sys_fd);
	free(vm);
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
 */
int kvm_vcpu_set_entry(struct kvm_vcpu *vcpu, u64 gpa)
{
	u64 stack = kvm_vcpu_stack_top(vcpu);
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

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
	if (vm->mode == KVM_MODE_REAL && wl->mmio && p.mmio_gpa >= 0x10fff0)
		return -EINVAL;
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
	return kvm_vcpu_set_regs(vcpu, &regs);
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
	case KVM_EXIT_FAIL_ENTRY:
		kvm_vcpu_fail(vcpu, "KVM_EXIT_FAIL_ENTRY, reason 0x%llx",
			      run->fail_entry.hardware_entry_failure_reason);
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		kvm_vcpu_fail(vcpu, "KVM_EXIT_INTERNAL_ERROR, suberror %u",
			      run->internal.suberror);
		return 0;
	default:
		kvm_vcpu_fail(vcpu, "unhandled exit %u (KVM_EXIT_%s)", reason,
			      kvm_exit_reason_name(reason));
		return 0;
	}
}

static void *kvm_vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct kvm_vm *vm = vcpu->vm;

	for (;;) {
		if (__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE)) {
			kvm_vcpu_fail(vcpu, "stopped (timeout)");
			break;
		}
		if (ioctl(vcpu->fd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			kvm_vcpu_fail(vcpu, "KVM_RUN failed: %s (errno %d)",
				      strerror(errno), errno);
			break;
		}
		if (!kvm_vcpu_handle_exit(vcpu))
			break;
	}
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
	vcpu->fail_value = 0;
	vcpu->err[0] = '\0';
	vcpu->untracked = 0;
	memset(vcpu->exit_count, 0, sizeof(vcpu->exit_count));
	memset(vcpu->pio, 0, sizeof(vcpu->pio));
	memset(vcpu->mmio, 0, sizeof(vcpu->mmio));
}

/*
 * Join a vCPU thread; once the deadline has passed (or the VM is being
 * stopped), kick it out of KVM_RUN repeatedly until it exits.  Returns true
 * if the deadline expired.
 */
static bool kvm_vcpu_join(struct kvm_vcpu *vcpu, const struct timespec *deadline)
{
	struct kvm_vm *vm = vcpu->vm;
	bool expired = false;
	struct timespec ts;
	int err;

	for (;;) {
		if (!__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE)) {
			err = deadline ?
			      pthread_timedjoin_np(vcpu->thread, NULL, deadline) :
			      pthread_join(vcpu->thread, NULL);
			if (err != ETIMEDOUT)
				return expired;
			expired = true;
			__atomic_store_n(&vm->stop, true, __ATOMIC_RELEASE);
		}
		vcpu->run->immediate_exit = 1;
		pthread_kill(vcpu->thread, KICK_SIGNAL);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(vcpu->thread, NULL, &ts) != ETIMEDOUT)
			return expired;
	}
}

/*
 * Run all vCPUs, one thread each, until each has written the DONE or FAIL
 * port, failed, or @timeout_ms (0: no limit) expired.  Returns 0 if every
 * vCPU finished successfully, otherwise a negative errno (-ETIMEDOUT on
 * timeout); per-vCPU detail is in vcpu->err.
 */
int kvm_vm_run(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque,
	       unsigned int timeout_ms)
{
	struct sigaction sa = { .sa_handler = kvm_kick_handler };
	struct timespec deadline;
	bool timed_out = false;
	unsigned int i;
	int ret = 0;

	/* no SA_RESTART: the signal makes KVM_RUN return -EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(KICK_SIGNAL, &sa, NULL)) {
		kvm_util_err("sigaction", errno);
		return -errno;
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	vm->cb = cb;
	vm->cb_opaque = opaque;
	__atomic_store_n(&vm->stop, false, __ATOMIC_RELEASE);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = vm->vcpus[i];

		kvm_vcpu_reset_counts(vcpu);
		vcpu->run->immediate_exit = 0;
		ret = pthread_create(&vcpu->thread, NULL, kvm_vcpu_thread, vcpu);
		if (ret) {
			kvm_util_err("pthread_create", ret);
			ret = -ret;
			__atomic_store_n(&vm->stop, true, __ATOMIC_RELEASE);
			break;
		}
		vcpu->thread_started = true;
	}

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = vm->vcpus[i];

		if (!vcpu->thread_started)
			continue;
		if (kvm_vcpu_join(vcpu, timeout_ms ? &deadline : NULL))
			timed_out = true;
		vcpu->thread_started = false;
	}

	if (ret)
		return ret;
	if (timed_out)
		return -ETIMEDOUT;
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->failed || !vm->vcpus[i]->done)
			return -EIO;
	return 0;
}
