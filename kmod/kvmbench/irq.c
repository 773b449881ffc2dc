// SPDX-License-Identifier: GPL-2.0
/*
 * Benches whose operation is a round trip through an interrupt: the TSC
 * deadline timer, IPIs, and the TLB shootdown that a madvise(MADV_DONTNEED)
 * of memory other vCPUs use costs.
 *
 * Their exits are bounds, not exact counts: interrupts bring the vCPU's own
 * background (its tick, EOIs) into the measured time, and where the guest
 * uses paravirtual EOI, IPI or TLB flush the exits per operation depend on
 * what the host offers. Waits for an interrupt give up after a second, so a
 * lost interrupt fails the bench instead of hanging the vCPU.
 */
#include <linux/bits.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/sched/mm.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/apic.h>
#include <asm/msr.h>
#include <asm/tsc.h>

#include "bench.h"
#include "irq.h"

#define KB_HALT_SETTLE_MAX_US	1000000
/* LVTT's timer mode field: one-shot, periodic, TSC-deadline */
#define KB_LVTT_MODE		(3 << 17)

static uint kb_halt_settle_us = 1000;
module_param_named(halt_settle_us, kb_halt_settle_us, uint, 0444);
MODULE_PARM_DESC(halt_settle_us,
		 "ipi_halt: microseconds the target is left idle before each IPI (1-1000000, default 1000)");

int kb_irq_check_params(void)
{
	if (!kb_halt_settle_us || kb_halt_settle_us > KB_HALT_SETTLE_MAX_US) {
		pr_err("halt_settle_us=%u is out of range 1-%u\n",
		       kb_halt_settle_us, KB_HALT_SETTLE_MAX_US);
		return -EINVAL;
	}
	return 0;
}

/*
 * Wait for ctx->fired, at most a second. False (and the bench unsupported
 * on this vCPU) if it did not come.
 */
static bool kb_wait_fired(struct kb_ctx *c, const char *what)
{
	u64 start = rdtsc(), limit = (u64)tsc_khz * 1000;

	while (!READ_ONCE(c->fired)) {
		if (rdtsc() - start > limit) {
			kb_unsupported(c->why, "%s did not arrive within 1 s",
				       what);
			return false;
		}
		cpu_relax();
	}
	return true;
}

/* The IPI exits, as the guest sends one IPI to one vCPU. */
static void kb_declare_ipi(struct kb_setup *s, u8 lo, u8 hi)
{
	if (x2apic_mode)
		kb_declare(s, KB_EXIT_wrmsr, APIC_BASE_MSR + (APIC_ICR >> 4),
			   lo, hi, 0, false);
	else	/* ICR2 and ICR writes, and maybe a read of ICR's busy bit */
		kb_declare(s, KB_EXIT_mmio_kernel, 0, 2 * lo, 3 * hi, 0,
			   false);
}

/* ---- TSC deadline timer ------------------------------------------------- */

static void kb_tsc_deadline_prepare(struct kb_setup *s, u8 lo, u8 hi)
{
	if (!boot_cpu_has(X86_FEATURE_TSC_DEADLINE_TIMER)) {
		kb_unsupported(s->why, "no TSC deadline timer");
		return;
	}
	kb_declare(s, KB_EXIT_wrmsr, MSR_IA32_TSC_DEADLINE, lo, hi, 0, false);
}

/* The kernel drives the LAPIC timer; is it in TSC-deadline mode here? */
static void kb_tsc_deadline_cpu_setup(struct kb_ctx *c)
{
	u32 lvtt = x2apic_mode ? native_apic_msr_read(APIC_LVTT) :
				 native_apic_mem_read(APIC_LVTT);

	if ((lvtt & KB_LVTT_MODE) != APIC_LVT_TIMER_TSCDEADLINE)
		kb_unsupported(c->why,
			       "the LAPIC timer is not in TSC-deadline mode (LVTT 0x%x)",
			       lvtt);
}

/* far enough never to fire while armed: about 6 minutes at 3 GHz */
#define KB_TSC_FAR	BIT_ULL(40)

/*
 * Arm the deadline far in the future. Interrupts are off, so the kernel's
 * own deadline (read first, put back after) cannot be reprogrammed
 * meanwhile; if it passed, putting it back fires it at once.
 */
static u64 kb_wr_tsc_deadline_loop(struct kb_ctx *c, u64 n)
{
	unsigned long flags;
	u64 saved, far, t0, t1;

	local_irq_save(flags);
	rdmsrl(MSR_IA32_TSC_DEADLINE, saved);
	t0 = rdtsc_ordered();
	far = t0 + KB_TSC_FAR;
	while (n--)
		wrmsrl(MSR_IA32_TSC_DEADLINE, far);
	t1 = rdtsc_ordered();
	wrmsrl(MSR_IA32_TSC_DEADLINE, saved);
	local_irq_restore(flags);
	return t1 - t0;
}

static void kb_wr_tsc_deadline_prepare(struct kb_setup *s)
{
	kb_tsc_deadline_prepare(s, 1, 1);
}

const struct kb_bench kb_wr_tsc_deadline_msr = {
	.name = "wr_tsc_deadline_msr",
	.flags = KB_PARALLEL,
	.prepare = kb_wr_tsc_deadline_prepare,
	.cpu_setup = kb_tsc_deadline_cpu_setup,
	.loop = kb_wr_tsc_deadline_loop,
};

static enum hrtimer_restart kb_timer_fired(struct hrtimer *t)
{
	struct kb_ctx *c = container_of(t, struct kb_ctx, timer);

	WRITE_ONCE(c->fired, 1);
	return HRTIMER_NORESTART;
}

static void kb_tscdeadline_immed_cpu_setup(struct kb_ctx *c)
{
	kb_tsc_deadline_cpu_setup(c);
	if (c->why[0])
		return;
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_PINNED_HARD);
	c->timer.function = kb_timer_fired;
	if (!hrtimer_is_hres_active(&c->timer))
		kb_unsupported(c->why, "high-resolution timers are not active");
}

static void kb_tscdeadline_immed_cpu_teardown(struct kb_ctx *c)
{
	if (c->timer.function)
		hrtimer_cancel(&c->timer);
}

/*
 * A timer due now, through the kernel's own hrtimer and clockevent code
 * (lapic_next_deadline() writes the deadline): the arming exit, the
 * host's timer emulation and injection, and the guest's interrupt entry
 * until the callback runs. The kernel reprograms its next event after the
 * callback, a second deadline write.
 */
static u64 kb_tscdeadline_immed_loop(struct kb_ctx *c, u64 n)
{
	u64 t0, t1;

	preempt_disable();
	t0 = rdtsc_ordered();
	while (n--) {
		WRITE_ONCE(c->fired, 0);
		hrtimer_start(&c->timer, ktime_get(),
			      HRTIMER_MODE_ABS_PINNED_HARD);
		if (!kb_wait_fired(c, "the timer interrupt"))
			break;
	}
	t1 = rdtsc_ordered();
	preempt_enable();
	return t1 - t0;
}

static void kb_tscdeadline_immed_prepare(struct kb_setup *s)
{
	kb_tsc_deadline_prepare(s, 1, 2);
}

const struct kb_bench kb_tscdeadline_immed = {
	.name = "tscdeadline_immed",
	.flags = KB_PARALLEL,
	.prepare = kb_tscdeadline_immed_prepare,
	.cpu_setup = kb_tscdeadline_immed_cpu_setup,
	.cpu_teardown = kb_tscdeadline_immed_cpu_teardown,
	.loop = kb_tscdeadline_immed_loop,
};

/* ---- IPIs --------------------------------------------------------------- */

static void kb_work_fired(struct irq_work *w)
{
	struct kb_ctx *c = container_of(w, struct kb_ctx, work);

	WRITE_ONCE(c->fired, 1);
}

/*
 * irq_work raises its interrupt with a self-IPI: in x2APIC mode a write to
 * the SELF_IPI register, which xAPIC does not have.
 */
static void kb_self_ipi_prepare(struct kb_setup *s)
{
	if (!x2apic_mode || !arch_irq_work_has_interrupt()) {
		kb_unsupported(s->why,
			       "no x2APIC (its SELF_IPI register is the bench)");
		return;
	}
	kb_declare(s, KB_EXIT_wrmsr, APIC_BASE_MSR + (APIC_SELF_IPI >> 4),
		   1, 1, 0, false);
}

static void kb_self_ipi_cpu_setup(struct kb_ctx *c)
{
	c->work = IRQ_WORK_INIT_HARD(kb_work_fired);
}

static void kb_self_ipi_cpu_teardown(struct kb_ctx *c)
{
	irq_work_sync(&c->work);
}

static u64 kb_self_ipi_loop(struct kb_ctx *c, u64 n)
{
	u64 t0, t1;

	preempt_disable();
	t0 = rdtsc_ordered();
	while (n--) {
		WRITE_ONCE(c->fired, 0);
		irq_work_queue(&c->work);
		if (!kb_wait_fired(c, "the self-IPI"))
			break;
	}
	t1 = rdtsc_ordered();
	preempt_enable();
	return t1 - t0;
}

const struct kb_bench kb_self_ipi = {
	.name = "self_ipi",
	.flags = KB_PARALLEL,
	.prepare = kb_self_ipi_prepare,
	.cpu_setup = kb_self_ipi_cpu_setup,
	.cpu_teardown = kb_self_ipi_cpu_teardown,
	.loop = kb_self_ipi_loop,
};

static void kb_ipi_nop(void *unused)
{
}

/* the partner that keeps its vCPU busy (out of HLT), IPIs enabled */
static void kb_spin_partner(struct kb_ctx *c)
{
	WRITE_ONCE(c->partner_ready, true);
	while (!kthread_should_stop()) {
		cond_resched();
		cpu_relax();
	}
}

/* smp_call_function_single(wait): the IPI, the call on the partner, and
 * the partner's acknowledgment the sender spins on
 */
static u64 kb_ipi_loop(struct kb_ctx *c, u64 n)
{
	u64 t0, t1;

	preempt_disable();
	t0 = rdtsc_ordered();
	while (n--)
		if (smp_call_function_single(c->partner, kb_ipi_nop, NULL, 1)) {
			c->failed = true;
			break;
		}
	t1 = rdtsc_ordered();
	preempt_enable();
	if (c->failed)
		kb_unsupported(c->why, "vCPU %d went offline", c->partner);
	return t1 - t0;
}

static void kb_ipi_prepare(struct kb_setup *s)
{
	kb_declare_ipi(s, 1, 1);
}

const struct kb_bench kb_ipi = {
	.name = "ipi",
	.flags = KB_PARALLEL | KB_PARTNER | KB_SPINNER,
	.prepare = kb_ipi_prepare,
	.loop = kb_ipi_loop,
	.partner = kb_spin_partner,
};

/*
 * The partner is idle: before each IPI the sender sleeps halt_settle_us,
 * so that the partner halts (and, with the default 1 ms, outlasts KVM's
 * default halt polling of up to 200 us). Only the IPI round trip is timed:
 * the wakeup of a halted vCPU, which nohlt_list avoids.
 */
static u64 kb_ipi_halt_loop(struct kb_ctx *c, u64 n)
{
	u64 t = 0, t0;

	while (n--) {
		usleep_range(kb_halt_settle_us, kb_halt_settle_us + 50);
		t0 = rdtsc_ordered();
		if (smp_call_function_single(c->partner, kb_ipi_nop, NULL, 1)) {
			c->failed = true;
			break;
		}
		t += rdtsc_ordered() - t0;
	}
	if (c->failed)
		kb_unsupported(c->why, "vCPU %d went offline", c->partner);
	return t;
}

static void kb_ipi_halt_prepare(struct kb_setup *s)
{
	kb_declare_ipi(s, 1, 1);
	kb_declare(s, KB_EXIT_hlt, 0, 0, 1, 0, true);
}

const struct kb_bench kb_ipi_halt = {
	.name = "ipi_halt",
	.flags = KB_PARTNER,
	.prepare = kb_ipi_halt_prepare,
	.loop = kb_ipi_halt_loop,
};

/* ---- TLB shootdown ------------------------------------------------------ */

/*
 * madvise(MADV_DONTNEED) of one page, the kernel's way: zap the page under
 * the mmap lock, which ends in flush_tlb_mm_range() and so in a flush IPI
 * to every other vCPU that has the address space loaded (PV TLB flush
 * skips vCPUs the host has preempted). Measured in the kernel rather than
 * from userspace, as kvm-utils does, so that an operation is one flush:
 * no system call, and the page fault that refills the page is not timed.
 * The address space is the writer's, borrowed by kthread_use_mm() on both
 * vCPUs; one page is mapped for the bench and unmapped after.
 */
static void kb_tlb_partner(struct kb_ctx *c)
{
	kthread_use_mm(c->s->mm);
	WRITE_ONCE(c->partner_ready, true);
	while (!kthread_should_stop()) {
		cond_resched();
		cpu_relax();
	}
	kthread_unuse_mm(c->s->mm);
}

static void kb_tlb_cpu_setup(struct kb_ctx *c)
{
	unsigned long addr;

	kthread_use_mm(c->s->mm);
	c->mm_used = true;
	addr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(addr)) {
		kb_unsupported(c->why, "cannot map a page (%ld)", (long)addr);
		return;
	}
	c->uaddr = addr;
}

static void kb_tlb_cpu_teardown(struct kb_ctx *c)
{
	if (c->uaddr)
		vm_munmap(c->uaddr, PAGE_SIZE);
	c->uaddr = 0;
	if (c->mm_used)
		kthread_unuse_mm(c->s->mm);
	c->mm_used = false;
}

static void kb_zap_page(struct vm_area_struct *vma, unsigned long addr)
{
#ifdef HAVE_ZAP_PAGE_RANGE
	zap_page_range(vma, addr, PAGE_SIZE);
#else
	zap_page_range_single(vma, addr, PAGE_SIZE, NULL);
#endif
}

static u64 kb_tlb_loop(struct kb_ctx *c, u64 n)
{
	struct mm_struct *mm = c->s->mm;
	struct vm_area_struct *vma;
	u32 __user *p = (u32 __user *)c->uaddr;
	u64 t = 0, t0;

	while (n--) {
		/* touch: the page is back, and its TLB entry */
		if (put_user(1, p)) {
			c->failed = true;
			break;
		}
		t0 = rdtsc_ordered();
		mmap_read_lock(mm);
		vma = find_vma(mm, c->uaddr);
		if (vma && vma->vm_start <= c->uaddr)
			kb_zap_page(vma, c->uaddr);
		else
			c->failed = true;
		mmap_read_unlock(mm);
		t += rdtsc_ordered() - t0;
		if (c->failed)
			break;
		cond_resched();
	}
	if (c->failed)
		kb_unsupported(c->why, "the bench's page went away");
	return t;
}

static void kb_tlb_shootdown_prepare(struct kb_setup *s)
{
	kb_declare_ipi(s, 1, 1);
}

const struct kb_bench kb_tlb_shootdown = {
	.name = "tlb_shootdown",
	.flags = KB_PARTNER | KB_SPINNER | KB_USER_MM,
	.prepare = kb_tlb_shootdown_prepare,
	.cpu_setup = kb_tlb_cpu_setup,
	.cpu_teardown = kb_tlb_cpu_teardown,
	.loop = kb_tlb_loop,
	.partner = kb_tlb_partner,
};

/* the same, with no other vCPU in the address space: no IPI at all */
static void kb_tlb_flush_local_prepare(struct kb_setup *s)
{
	kb_declare_ipi(s, 0, 0);
}

const struct kb_bench kb_tlb_flush_local = {
	.name = "tlb_flush_local",
	.flags = KB_USER_MM,
	.prepare = kb_tlb_flush_local_prepare,
	.cpu_setup = kb_tlb_cpu_setup,
	.cpu_teardown = kb_tlb_cpu_teardown,
	.loop = kb_tlb_loop,
};
