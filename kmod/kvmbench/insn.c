// SPDX-License-Identifier: GPL-2.0
/*
 * The benches whose every operation is one instruction that exits exactly
 * once: CPUID, a hypercall, port I/O and MMIO reads (handled in the host
 * kernel, or by the VMM in userspace), RDMSR and WRMSR of an MSR KVM
 * handles and of one it does not (the #GP it injects is handled).
 *
 * Loops run with interrupts off, so that nothing else runs on the vCPU
 * while they are timed and the host sees exactly the exits declared: one
 * per operation, plus the set-up reads that are declared with them.
 */
#include <linux/device.h>
#include <linux/irqflags.h>
#include <linux/kvm_para.h>
#include <linux/io.h>
#include <linux/moduleparam.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "bench.h"
#include "insn.h"
#include "targets.h"

/* a KVM paravirtual MSR index that KVM has never assigned */
static uint kb_msr_unknown = 0x4b564dff;
module_param_named(msr_unknown, kb_msr_unknown, uint, 0444);
MODULE_PARM_DESC(msr_unknown,
		 "MSR that the host does not handle, for rd/wr_unknown_msr; only written if a read #GPs (default 0x4b564dff)");

/*
 * @n operations, interrupts off, timed. @op is a constant at every call
 * site, so it is inlined into the loop: no indirect call per operation.
 */
static __always_inline u64 kb_timed(struct kb_ctx *c, u64 n,
				    void (*op)(struct kb_ctx *c))
{
	unsigned long flags;
	u64 t0, t1;

	local_irq_save(flags);
	t0 = rdtsc_ordered();
	while (n--)
		op(c);
	t1 = rdtsc_ordered();
	local_irq_restore(flags);
	return t1 - t0;
}

/* ---- cpuid, vmcall ------------------------------------------------------ */

static __always_inline void kb_cpuid_op(struct kb_ctx *c)
{
	unsigned int eax = 0, ebx, ecx = 0, edx;

	native_cpuid(&eax, &ebx, &ecx, &edx);
}

static u64 kb_cpuid_loop(struct kb_ctx *c, u64 n)
{
	return kb_timed(c, n, kb_cpuid_op);
}

static void kb_cpuid_prepare(struct kb_setup *s)
{
	kb_declare(s, KB_EXIT_cpuid, 0, 1, 1, 0, false);
}

const struct kb_bench kb_cpuid = {
	.name = "cpuid",
	.flags = KB_EXACT | KB_PARALLEL,
	.prepare = kb_cpuid_prepare,
	.loop = kb_cpuid_loop,
};

/*
 * KVM_HC_VAPIC_POLL_IRQ does nothing and returns 0: the cost of a
 * hypercall round trip. kvm_hypercall0() is VMCALL or VMMCALL by vendor
 * (an alternative patched at load).
 */
static __always_inline void kb_vmcall_op(struct kb_ctx *c)
{
	kvm_hypercall0(KVM_HC_VAPIC_POLL_IRQ);
}

static u64 kb_vmcall_loop(struct kb_ctx *c, u64 n)
{
	return kb_timed(c, n, kb_vmcall_op);
}

static void kb_vmcall_prepare(struct kb_setup *s)
{
	if (!kvm_para_available()) {
		kb_unsupported(s->why, "not a KVM guest (no KVM hypercalls)");
		return;
	}
	kb_declare(s, KB_EXIT_hypercall, 0, 1, 1, 0, false);
}

const struct kb_bench kb_vmcall = {
	.name = "vmcall",
	.flags = KB_EXACT | KB_PARALLEL,
	.prepare = kb_vmcall_prepare,
	.loop = kb_vmcall_loop,
};

/* ---- port I/O ----------------------------------------------------------- */

static __always_inline void kb_inb_op(struct kb_ctx *c)
{
	inb(c->s->port);
}

static u64 kb_inb_loop(struct kb_ctx *c, u64 n)
{
	return kb_timed(c, n, kb_inb_op);
}

/* KVM's PIC emulation takes byte accesses only: inb, as vmexit.c does */
static void kb_inl_from_kernel_prepare(struct kb_setup *s)
{
	kb_claim_pio_kernel(s);
	kb_declare(s, KB_EXIT_pio_kernel, 0, 1, 1, 0, false);
}

const struct kb_bench kb_inl_from_kernel = {
	.name = "inl_from_kernel",
	.flags = KB_EXACT | KB_PARALLEL,
	.prepare = kb_inl_from_kernel_prepare,
	.release = kb_release_pio,
	.loop = kb_inb_loop,
};

static void kb_inl_from_qemu_prepare(struct kb_setup *s)
{
	kb_claim_pio_user(s);
	kb_declare(s, KB_EXIT_pio_user, 0, 1, 1, 0, false);
}

const struct kb_bench kb_inl_from_qemu = {
	.name = "inl_from_qemu",
	.flags = KB_EXACT | KB_PARALLEL,
	.prepare = kb_inl_from_qemu_prepare,
	.release = kb_release_pio,
	.loop = kb_inb_loop,
};

/* ---- MMIO --------------------------------------------------------------- */

static __always_inline void kb_readl_op(struct kb_ctx *c)
{
	readl(c->s->mmio);
}

static u64 kb_readl_loop(struct kb_ctx *c, u64 n)
{
	return kb_timed(c, n, kb_readl_op);
}

static void kb_mmio_from_kernel_prepare(struct kb_setup *s)
{
	kb_claim_mmio_kernel(s);
	kb_declare(s, KB_EXIT_mmio_kernel, 0, 1, 1, 0, false);
}

const struct kb_bench kb_mmio_from_kernel = {
	.name = "mmio_from_kernel",
	.flags = KB_EXACT | KB_PARALLEL,
	.prepare = kb_mmio_from_kernel_prepare,
	.release = kb_release_mmio,
	.loop = kb_readl_loop,
};

/* a device found on the platform is checked first: one more read */
static void kb_mmio_from_qemu_prepare(struct kb_setup *s)
{
	kb_claim_mmio_user(s);
	kb_declare(s, KB_EXIT_mmio_user, 0, 1, 1, s->dev ? 1 : 0, false);
}

static void kb_mmio_from_qemu_cpu_setup(struct kb_ctx *c)
{
	u32 magic;

	if (!c->s->dev)
		return;
	magic = readl(c->s->mmio);
	if (magic != KB_VIRTIO_MMIO_MAGIC)
		kb_unsupported(c->why, "%s reads 0x%08x, not virtio-mmio's magic",
			       dev_name(c->s->dev), magic);
}

const struct kb_bench kb_mmio_from_qemu = {
	.name = "mmio_from_qemu",
	.flags = KB_EXACT | KB_PARALLEL,
	.prepare = kb_mmio_from_qemu_prepare,
	.release = kb_release_mmio,
	.cpu_setup = kb_mmio_from_qemu_cpu_setup,
	.loop = kb_readl_loop,
};

/* ---- MSRs --------------------------------------------------------------- */

/*
 * IA32_MISC_ENABLE: KVM emulates it for every vendor, intercepts both
 * directions, and Linux does not touch it after boot. The write puts back
 * the value this vCPU read in its set-up.
 */
static __always_inline void kb_rd_misc_enable_op(struct kb_ctx *c)
{
	u64 val;

	if (rdmsrl_safe(MSR_IA32_MISC_ENABLE, &val))
		c->failed = true;
}

static u64 kb_rd_misc_enable_loop(struct kb_ctx *c, u64 n)
{
	u64 t = kb_timed(c, n, kb_rd_misc_enable_op);

	if (c->failed)
		kb_unsupported(c->why, "MSR 0x%x is not readable here",
			       MSR_IA32_MISC_ENABLE);
	return t;
}

static void kb_rd_misc_enable_prepare(struct kb_setup *s)
{
	kb_declare(s, KB_EXIT_rdmsr, MSR_IA32_MISC_ENABLE, 1, 1, 0, false);
}

const struct kb_bench kb_rd_misc_enable_msr = {
	.name = "rd_misc_enable_msr",
	.flags = KB_EXACT | KB_PARALLEL,
	.prepare = kb_rd_misc_enable_prepare,
	.loop = kb_rd_misc_enable_loop,
};

static __always_inline void kb_wr_misc_enable_op(struct kb_ctx *c)
{
	if (wrmsrl_safe(MSR_IA32_MISC_ENABLE, c->msr_val))
		c->failed = true;
}

static u64 kb_wr_misc_enable_loop(struct kb_ctx *c, u64 n)
{
	u64 t = kb_timed(c, n, kb_wr_misc_enable_op);

	if (c->failed)
		kb_unsupported(c->why, "writing MSR 0x%x back faults",
			       MSR_IA32_MISC_ENABLE);
	return t;
}

static void kb_wr_misc_enable_prepare(struct kb_setup *s)
{
	kb_declare(s, KB_EXIT_wrmsr, MSR_IA32_MISC_ENABLE, 1, 1, 0, false);
	kb_declare(s, KB_EXIT_rdmsr, MSR_IA32_MISC_ENABLE, 0, 0, 1, false);
}

static void kb_wr_misc_enable_cpu_setup(struct kb_ctx *c)
{
	if (rdmsrl_safe(MSR_IA32_MISC_ENABLE, &c->msr_val))
		kb_unsupported(c->why, "MSR 0x%x is not readable here",
			       MSR_IA32_MISC_ENABLE);
}

const struct kb_bench kb_wr_misc_enable_msr = {
	.name = "wr_misc_enable_msr",
	.flags = KB_EXACT | KB_PARALLEL,
	.prepare = kb_wr_misc_enable_prepare,
	.cpu_setup = kb_wr_misc_enable_cpu_setup,
	.loop = kb_wr_misc_enable_loop,
};

/*
 * An MSR the host does not handle: KVM injects #GP, which the _safe
 * accessors' exception table entry handles. An operation is the exit, the
 * injection and the guest's #GP handler. If the MSR does not fault (the
 * host ignores unknown MSRs, or msr_unknown= names a real one), the bench
 * is unsupported, and nothing is ever written to it.
 */
static __always_inline void kb_rd_unknown_op(struct kb_ctx *c)
{
	u64 val;

	if (!rdmsrl_safe(c->s->msr, &val))
		c->failed = true;
}

static u64 kb_rd_unknown_loop(struct kb_ctx *c, u64 n)
{
	u64 t = kb_timed(c, n, kb_rd_unknown_op);

	if (c->failed)
		kb_unsupported(c->why,
			       "MSR 0x%x does not #GP here (kvm.ignore_msrs?); set msr_unknown=",
			       c->s->msr);
	return t;
}

static void kb_rd_unknown_prepare(struct kb_setup *s)
{
	s->msr = kb_msr_unknown;
	kb_declare(s, KB_EXIT_rdmsr, s->msr, 1, 1, 0, false);
}

const struct kb_bench kb_rd_unknown_msr = {
	.name = "rd_unknown_msr",
	.flags = KB_EXACT | KB_PARALLEL,
	.prepare = kb_rd_unknown_prepare,
	.loop = kb_rd_unknown_loop,
};

static __always_inline void kb_wr_unknown_op(struct kb_ctx *c)
{
	if (!wrmsrl_safe(c->s->msr, 0))
		c->failed = true;
}

static u64 kb_wr_unknown_loop(struct kb_ctx *c, u64 n)
{
	u64 t = kb_timed(c, n, kb_wr_unknown_op);

	if (c->failed)
		kb_unsupported(c->why, "writing MSR 0x%x does not #GP here",
			       c->s->msr);
	return t;
}

static void kb_wr_unknown_prepare(struct kb_setup *s)
{
	s->msr = kb_msr_unknown;
	kb_declare(s, KB_EXIT_wrmsr, s->msr, 1, 1, 0, false);
	kb_declare(s, KB_EXIT_rdmsr, s->msr, 0, 0, 1, false);
}

/* write only to an MSR that does not even read */
static void kb_wr_unknown_cpu_setup(struct kb_ctx *c)
{
	u64 val;

	if (!rdmsrl_safe(c->s->msr, &val))
		kb_unsupported(c->why,
			       "MSR 0x%x reads without #GP (kvm.ignore_msrs?); not writing it; set msr_unknown=",
			       c->s->msr);
}

const struct kb_bench kb_wr_unknown_msr = {
	.name = "wr_unknown_msr",
	.flags = KB_EXACT | KB_PARALLEL,
	.prepare = kb_wr_unknown_prepare,
	.cpu_setup = kb_wr_unknown_cpu_setup,
	.loop = kb_wr_unknown_loop,
};
