// SPDX-License-Identifier: GPL-2.0
/*
 * Planted fault for make check-harness: a module whose init stops every
 * CPU, with interrupts off, forever.  No timer runs, so no lockup or stall
 * detector can report it; the guest just stops making progress and never
 * powers off.  Only run.sh's overall timeout can catch it.  Never shipped
 * or installed.
 */
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/processor.h>
#include <linux/stop_machine.h>

static int kvmtune_stall(void *unused)
{
	for (;;)
		cpu_relax();
	return 0;
}

static int __init kvmtune_stall_init(void)
{
	pr_emerg("kvmtune_stall: stopping every CPU with interrupts off\n");
	return stop_machine(kvmtune_stall, NULL, cpu_online_mask);
}
module_init(kvmtune_stall_init);

static void __exit kvmtune_stall_exit(void)
{
}
module_exit(kvmtune_stall_exit);

MODULE_DESCRIPTION("kvmtune check-harness planted whole-guest hang");
MODULE_LICENSE("GPL");
