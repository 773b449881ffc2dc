// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrace: where every VM and every vCPU spends its exits.
 *
 * Load it on a live host (no reboot, VMs keep running) and read
 * /sys/kernel/debug/kvmtrace/. See Documentation/kvmtrace.rst.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "kvmtrace.h"

#if !IS_MODULE(CONFIG_KVM)
#error "kvmtrace attaches to kvm.ko and needs CONFIG_KVM=m"
#endif

/* About 10 KiB per vCPU slot: the vCPU limit caps the pool at 160 MiB. */
#define KT_MAX_VMS_LIMIT	4096
#define KT_MAX_VCPUS_LIMIT	16384

DEFINE_STATIC_KEY_TRUE(kt_enabled);
int kt_pid_filter;
u32 kt_epoch;
u32 kt_gen;

unsigned int kt_max_vms = 64;
module_param_named(max_vms, kt_max_vms, uint, 0444);
MODULE_PARM_DESC(max_vms, "VMs that can be traced at once (1-4096, default 64)");

unsigned int kt_max_vcpus = 256;
module_param_named(max_vcpus, kt_max_vcpus, uint, 0444);
MODULE_PARM_DESC(max_vcpus,
		 "vCPUs that can be traced at once (1-16384, default 256)");

u64 kt_slow_ns = 100000;
module_param_named(slow_ns, kt_slow_ns, ullong, 0444);
MODULE_PARM_DESC(slow_ns,
		 "Initial slow-exit threshold in ns for the kvmtrace_slow_exit tracepoint, 0 = off (default 100000)");

static int __init kvmtrace_init(void)
{
	int ret;

	if (!kt_max_vms || kt_max_vms > KT_MAX_VMS_LIMIT) {
		pr_err("max_vms=%u is out of range 1-%u\n", kt_max_vms,
		       KT_MAX_VMS_LIMIT);
		return -EINVAL;
	}
	if (!kt_max_vcpus || kt_max_vcpus > KT_MAX_VCPUS_LIMIT) {
		pr_err("max_vcpus=%u is out of range 1-%u\n", kt_max_vcpus,
		       KT_MAX_VCPUS_LIMIT);
		return -EINVAL;
	}

	kt_names_init();
	ret = kt_state_init();
	if (ret)
		return ret;
	kt_debugfs_init();
	ret = kt_hooks_init();
	if (ret)
		goto err_debugfs;

	pr_info("tracing up to %u VMs, %u vCPUs (%zu KiB)\n", kt_max_vms,
		kt_max_vcpus, kt_state_memory() >> 10);
	return 0;

err_debugfs:
	kt_debugfs_exit();
	kt_state_exit();
	return ret;
}

static void __exit kvmtrace_exit(void)
{
	kt_hooks_exit();
	kt_debugfs_exit();
	kt_state_exit();
}

module_init(kvmtrace_init);
module_exit(kvmtrace_exit);

MODULE_DESCRIPTION("Per-VM and per-vCPU KVM exit, MSR, HLT and wakeup accounting");
MODULE_LICENSE("GPL");
