// SPDX-License-Identifier: GPL-2.0
/*
 * Planted fault for make check-harness: a module whose init writes through
 * a NULL pointer.  The proving ground boots with oops=panic, so the Oops
 * ends the run, which must be red for that Oops.  Never shipped or
 * installed.
 */
#include <linux/compiler.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init kvmtune_oops_init(void)
{
	int *p = NULL;

	/* keep the compiler from proving anything about p */
	OPTIMIZER_HIDE_VAR(p);
	pr_info("kvmtune_oops: writing through a NULL pointer\n");
	WRITE_ONCE(*p, 1);
	return 0;
}
module_init(kvmtune_oops_init);

static void __exit kvmtune_oops_exit(void)
{
}
module_exit(kvmtune_oops_exit);

MODULE_DESCRIPTION("kvmtune check-harness planted Oops");
MODULE_LICENSE("GPL");
