// SPDX-License-Identifier: GPL-2.0
/*
 * Planted fault for make check-harness: a module whose init triggers a
 * kernel WARNING.  The proving ground must turn any run that loads it red.
 * Never shipped or installed.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init kvmtune_warn_init(void)
{
	WARN(1, "kvmtune: planted warning for check-harness\n");
	return 0;
}
module_init(kvmtune_warn_init);

static void __exit kvmtune_warn_exit(void)
{
}
module_exit(kvmtune_warn_exit);

MODULE_DESCRIPTION("kvmtune check-harness planted WARN");
MODULE_LICENSE("GPL");
