// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrace: where every VM and every vCPU spends its exits.
 *
 * Load it on a live host (no reboot, VMs keep running) and read
 * /sys/kernel/debug/kvmtrace/. See Documentation/kvmtrace.rst.
 */
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "kvmtrace.h"

#if !IS_MODULE(CONFIG_KVM)
#error "kvmtrace attaches to kvm.ko and needs CONFIG_KVM=m"
#endif

/* About 15 KiB per vCPU slot: the vCPU limit caps the pool at 240 MiB. */
#define KT_MAX_VMS_LIMIT	4096
#define KT_MAX_VCPUS_LIMIT	16384

DEFINE_STATIC_KEY_TRUE(kt_enabled);
DEFINE_STATIC_KEY_FALSE(kt_pid_filtering);
int kt_pid_filter;
u32 kt_epoch;
u32 kt_gen;
u32 kt_halt_gen;

unsigned int kt_max_vms = 64;
module_param_named(max_vms, kt_max_vms, uint, 0444);
MODULE_PARM_DESC(max_vms, "VMs that can be traced at once (1-4096, default 64)");

unsigned int kt_max_vcpus = 256;
module_param_named(max_vcpus, kt_max_vcpus, uint, 0444);
MODULE_PARM_DESC(max_vcpus,
		 "vCPUs that can be traced at once (1-16384, default 256)");

u64 kt_slow_ns = 100000;
u64 kt_slow_threshold;

/*
 * Numbers, in parameters and in control commands alike: decimal ("010" is
 * ten), or hex with 0x; no sign.
 */
int kt_parse_u64(const char *s, u64 *val)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!isxdigit(s[2]))
			return -EINVAL;
		return kstrtou64(s + 2, 16, val);
	}
	if (!isdigit(s[0]))
		return -EINVAL;
	return kstrtou64(s, 10, val);
}

static int kt_slow_ns_set(const char *val, const struct kernel_param *kp)
{
	char buf[24];
	u64 ns;
	int ret;

	if (strscpy(buf, val, sizeof(buf)) < 0)
		return -EINVAL;
	ret = kt_parse_u64(strim(buf), &ns);
	if (ret)
		return ret;
	*(u64 *)kp->arg = ns;
	return 0;
}

static const struct kernel_param_ops kt_slow_ns_ops = {
	.set = kt_slow_ns_set,
	.get = param_get_ullong,
};

module_param_cb(slow_ns, &kt_slow_ns_ops, &kt_slow_ns, 0444);
MODULE_PARM_DESC(slow_ns,
		 "Initial slow-exit threshold in ns for the kvmtrace_slow_exit tracepoint, 0 = off (default 100000)");

/* The exit path compares with one value: 0 (off) never matches. */
void kt_set_slow_ns(u64 ns)
{
	WRITE_ONCE(kt_slow_ns, ns);
	WRITE_ONCE(kt_slow_threshold, ns ?: U64_MAX);
}

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

	kt_set_slow_ns(kt_slow_ns);
	kt_names_init();
	kt_clock_init();
	ret = kt_state_init();
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
