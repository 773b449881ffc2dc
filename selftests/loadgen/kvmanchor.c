// SPDX-License-Identifier: GPL-2.0
/*
 * kvmanchor - a VM that holds KVM's static keys enabled while other VMs
 * come and go (selftests/lib/kvmtune.sh, kvmtune_kvm_anchor).
 *
 *   kvmanchor     create a VM with an in-kernel irqchip and one vCPU that
 *                 never runs, print "anchor <pid> <vmfd>" and wait to be
 *                 killed
 *
 * Creating the first VM enables KVM's preempt-notifier key and creating a
 * vCPU's local APIC its apic_sw_disabled key, until the guest enables its
 * APIC; the last VM going away disables them again. Each change patches
 * kernel text, which races with multi-threaded TCG in the proving ground
 * ("Oops: int3" in __schedule() or apic_has_pending_timer()). With this VM
 * alive both keys stay at 1 or more, and nested guests patch nothing.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

static void die(const char *what)
{
	fprintf(stderr, "kvmanchor: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	int kvm, vm, vcpu;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: kvmanchor\n");
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0))
		die("KVM_CREATE_IRQCHIP");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	printf("anchor %d %d\n", getpid(), vm);
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}
