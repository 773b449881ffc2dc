/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the library share and tests do not see: the VM
 * structure, ioctl helpers, and the x86 set-up that kvm_util.c calls.
 */
#ifndef KVMTUNE_KVM_UTIL_INTERNAL_H
#define KVMTUNE_KVM_UTIL_INTERNAL_H

#include <string.h>

#include "kvm_util.h"

#define KVM_DEV			"/dev/kvm"
#define KVM_DEBUGFS		"/sys/kernel/debug/kvm"

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

/*
 * ioctl() restarted on EINTR: __kvm_ioctl() returns its result or -errno,
 * kvm_ioctl() asserts that it did not fail, naming the request.
 */
int __kvm_ioctl(int fd, unsigned long req, void *arg);
#define kvm_ioctl(fd, req, arg)						\
	({								\
		int __ret = __kvm_ioctl(fd, req, arg);			\
									\
		TEST_ASSERT(__ret >= 0, "%s failed: %s", #req,		\
			    strerror(-__ret));				\
		__ret;							\
	})

/* lib/x86/processor.c: the x86 state of new VMs and vCPUs */
void x86_vm_setup(struct kvm_vm *vm);
void x86_vcpu_setup(struct kvm_vcpu *vcpu);
struct kvm_cpuid2 *x86_supported_cpuid(int sys_fd);
/* the registers, mode, code at RIP and parameter block of a stopped vCPU */
void x86_vcpu_dump(struct kvm_vcpu *vcpu, FILE *f);
/* the entry of the workload (and, where it exists, wakeup) routine */
const char *x86_mode_workload(enum kvm_util_mode mode);
const char *x86_mode_wakeup(enum kvm_util_mode mode);

#endif /* KVMTUNE_KVM_UTIL_INTERNAL_H */
