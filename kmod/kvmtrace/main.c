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

#include "control.h"
#include "debugfs.h"
#include "hooks.h"
#include "names.h"
#include "selftest.h"
#include "state.h"
#include "stats.h"

#if !IS_MODULE(CONFIG_KVM)
#error "kvmtrace attaches to kvm.ko and needs CONFIG_KVM=m"
#endif

/* About 15 KiB per vCPU slot: the vCPU limit caps the pool at 240 MiB. */
#define KT_MAX_VMS_LIMIT	4096
#define KT_MAX_VCPUS_LIMIT	16384

static unsigned int kt_max_vms = 64;
module_param_named(max_vms, kt_max_vms, uint, 0444);
MODULE_PARM_DESC(max_vms, "VMs that can be traced at once (1-4096, default 64)");

static unsigned int kt_max_vcpus = 256;
module_param_named(max_vcpus, kt_max_vcpus, uint, 0444);
MODULE_PARM_DESC(max_vcpus,
		 "vCPUs that can be traced at once (1-16384, default 256)");

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

	kt_control_init();
	kt_names_init();
	kt_clock_init();
	ret = kt_state_init(kt_max_vms, kt_max_vcpus);
	if (ret)
		return ret;
	/* debug builds: before any hook, on the still empty pools */
	ret = kt_selftests();
	if (ret)
		goto err_state;
	kt_debugfs_init();
	ret = kt_hooks_init();
	if (ret)
		goto err_debugfs;

	pr_info("tracing up to %u VMs, %u vCPUs (%zu KiB)\n", kt_max_vms,
		kt_max_vcpus, kt_state_memory() >> 10);
	return 0;

err_debugfs:
	kt_debugfs_exit();
err_state:
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
