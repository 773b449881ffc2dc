// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtune_invtsc - offer an invariant TSC to the KVM guests of the proving
 * ground.  A test helper for selftests/guest/, never shipped; Linux 6.12.
 *
 * QEMU's TCG does not implement CPUID.80000007H:EDX[8] (invtsc): QEMU
 * refuses -cpu max,+invtsc, the proving ground's kernel has no
 * constant_tsc or nonstop_tsc, and so KVM in it reports no invariant TSC
 * and QEMU there refuses -cpu host,+invtsc for a nested guest.  Yet TCG's
 * TSC is derived from the host's clock: it ticks at a fixed rate on every
 * vCPU and never stops, which is what the bit promises.  A nested guest's
 * TSC is that TSC plus KVM's offset (no scaling), so it is invariant too.
 *
 * Loaded after kvm_amd (or kvm_intel), this module sets the bit in the two
 * places KVM 6.12 builds its supported CPUID leaf 0x80000007 from:
 * kvm_cpu_caps[CPUID_8000_0007_EDX] (a KVM-only word, reverse_cpuid.h) and
 * boot_cpu_data.x86_power, which KVM masks the leaf with.  Guests created
 * afterwards may be given invtsc; nothing else about the host changes.
 * Unloading clears what it set.  6.1's KVM masks the leaf with the raw
 * CPUID of the host instead, so there is nothing to set there.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <asm/processor.h>

#include "cpuid.h"	/* arch/x86/kvm/ of the kernel's source tree */

/* CPUID 0x80000007 EDX bit 8: invariant TSC */
#define KVMTUNE_INVTSC_BIT	BIT(8)

static bool set_cap, set_power;

static int __init kvmtune_invtsc_init(void)
{
	/* KVM's vendor module fills kvm_cpu_caps when it loads */
	if (!kvm_cpu_caps[CPUID_1_EDX]) {
		pr_err("KVM has no CPU capabilities yet: load kvm_amd or kvm_intel first\n");
		return -ENODEV;
	}

	if (!kvm_cpu_cap_has(X86_FEATURE_CONSTANT_TSC)) {
		kvm_cpu_cap_set(X86_FEATURE_CONSTANT_TSC);
		set_cap = true;
	}
	if (!(boot_cpu_data.x86_power & KVMTUNE_INVTSC_BIT)) {
		boot_cpu_data.x86_power |= KVMTUNE_INVTSC_BIT;
		set_power = true;
	}
	pr_info("KVM offers invtsc (CPUID 0x80000007 EDX[8]) to new guests; tsc_khz %u\n",
		tsc_khz);
	return 0;
}

static void __exit kvmtune_invtsc_exit(void)
{
	if (set_cap)
		kvm_cpu_cap_clear(X86_FEATURE_CONSTANT_TSC);
	if (set_power)
		boot_cpu_data.x86_power &= ~KVMTUNE_INVTSC_BIT;
}

module_init(kvmtune_invtsc_init);
module_exit(kvmtune_invtsc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kvmtune test helper: offer an invariant TSC to nested KVM guests");
