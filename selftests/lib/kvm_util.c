// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_util (kvm_util.h): VMs and vCPUs, their guest memory and file
 * descriptors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kvm_util_internal.h"

int __kvm_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

bool kvm_available(void)
{
	return access(KVM_DEV, R_OK | W_OK) == 0;
}

const char *kvm_need_dev(void)
{
	return kvm_available() ? NULL : KVM_DEV " is missing or not accessible";
}

const char *kvm_need_debugfs(struct kvm_vm *vm)
{
	if (access(KVM_DEBUGFS, F_OK))
		return KVM_DEBUGFS " is missing (debugfs not mounted?)";
	/* debugfs has KVM: the per-VM directory must exist */
	TEST_ASSERT(!access(vm->debugfs_dir, F_OK), "%s: %s", vm->debugfs_dir,
		    strerror(errno));
	return NULL;
}

const char *__kvm_need_cap(struct kvm_vm *vm, long cap, const char *name)
{
	static char why[96];

	if (ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, cap) > 0)
		return NULL;
	snprintf(why, sizeof(why), "%s: not supported by KVM", name);
	return why;
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
	struct kvm_vcpu *vcpu;
	int size;

	vcpu = calloc(1, sizeof(*vcpu));
	TEST_ASSERT(vcpu, "allocating vCPU %u", id);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->stats_fd = -1;
	vcpu->fd = kvm_ioctl(vm->fd, KVM_CREATE_VCPU, (void *)(unsigned long)id);
	size = kvm_ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	TEST_ASSERT(size >= (int)sizeof(struct kvm_run),
		    "KVM_GET_VCPU_MMAP_SIZE: %d", size);
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	TEST_ASSERT(vcpu->run != MAP_FAILED, "mmap(kvm_run)");
	/* optional (Linux 5.14+): diagnostics and kvm_vcpu_read_stat() */
	vcpu->stats_fd = ioctl(vcpu->fd, KVM_GET_STATS_FD, NULL);
	return vcpu;
}

struct kvm_vm *kvm_vm_create(const struct kvm_vm_opts *opts)
{
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_vm *vm;
	unsigned int i;
	int ret;

	TEST_ASSERT(opts && opts->nr_vcpus &&
		    opts->nr_vcpus <= KVM_UTIL_MAX_VCPUS &&
		    opts->mode < KVM_MODE_NR &&
		    (!opts->mem_size || (opts->mem_size >= KVM_UTIL_FREE_GPA &&
					 !(opts->mem_size % 0x1000))),
		    "invalid VM options");

	vm = calloc(1, sizeof(*vm));
	TEST_ASSERT(vm, "allocating the VM");
	vm->fd = -1;
	vm->mode = opts->mode;
	vm->irqchip = opts->irqchip;
	vm->mem_size = opts->mem_size ? opts->mem_size : KVM_UTIL_MEM_SIZE;

	if (opts->sys_from) {
		vm->sys_fd = opts->sys_from->sys_fd;
	} else {
		vm->sys_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
		TEST_ASSERT(vm->sys_fd >= 0, "open(%s)", KVM_DEV);
		vm->own_sys_fd = true;
	}
	ret = ioctl(vm->sys_fd, KVM_GET_API_VERSION, 0);
	TEST_ASSERT(ret == KVM_API_VERSION, "KVM_GET_API_VERSION: %d", ret);
	vm->cpuid = x86_supported_cpuid(vm->sys_fd);

	/* KVM names the debugfs dir after the creating task's (thread) id */
	vm->debugfs_pid = syscall(SYS_gettid);
	vm->fd = kvm_ioctl(vm->sys_fd, KVM_CREATE_VM, NULL);
	snprintf(vm->debugfs_dir, sizeof(vm->debugfs_dir), "%s/%d-%d",
		 KVM_DEBUGFS, vm->debugfs_pid, vm->fd);

	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(vm->mem != MAP_FAILED, "mmap(guest memory)");
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = vm->mem_size;
	region.userspace_addr = (unsigned long)vm->mem;
	kvm_ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
	if (vm->irqchip)
		kvm_ioctl(vm->fd, KVM_CREATE_IRQCHIP, NULL);
	x86_vm_setup(vm);

	for (i = 0; i < opts->nr_vcpus; i++) {
		vm->vcpus[i] = kvm_vcpu_create(vm, i);
		vm->nr_vcpus++;
		x86_vcpu_setup(vm->vcpus[i]);
	}
	return vm;
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

void kvm_vm_move_fd(struct kvm_vm *vm, int newfd)
{
	if (newfd == vm->fd)
		return;
	TEST_ASSERT(dup2(vm->fd, newfd) >= 0, "dup2(VM fd %d, %d)", vm->fd,
		    newfd);
	close(vm->fd);
	vm->fd = newfd;
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

void kvm_vm_write(struct kvm_vm *vm, u64 gpa, const void *src, size_t len)
{
	void *hva = kvm_vm_hva(vm, gpa, len);

	TEST_ASSERT(hva, "guest write of %zu bytes at 0x%llx: outside the memslot",
		    len, (unsigned long long)gpa);
	memcpy(hva, src, len);
}

void kvm_vm_read(struct kvm_vm *vm, u64 gpa, void *dst, size_t len)
{
	void *hva = kvm_vm_hva(vm, gpa, len);

	TEST_ASSERT(hva, "guest read of %zu bytes at 0x%llx: outside the memslot",
		    len, (unsigned long long)gpa);
	memcpy(dst, hva, len);
}

const char *kvm_vm_debugfs_dir(struct kvm_vm *vm)
{
	return vm->debugfs_dir;
}

const char *kvm_vm_debugfs_name(struct kvm_vm *vm)
{
	return strrchr(vm->debugfs_dir, '/') + 1;
}

int kvm_vm_debugfs_pid(struct kvm_vm *vm)
{
	return vm->debugfs_pid;
}

void kvm_vcpu_set_signal_mask(struct kvm_vcpu *vcpu, const sigset_t *mask)
{
	struct kvm_signal_mask *m;

	if (!mask) {
		kvm_ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, NULL);
		return;
	}
	/* the kernel's sigset_t: 64 signals, 8 bytes */
	m = calloc(1, sizeof(*m) + 8);
	TEST_ASSERT(m, "allocating a signal mask");
	m->len = 8;
	memcpy(m->sigset, mask, 8);
	kvm_ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, m);
	free(m);
}
