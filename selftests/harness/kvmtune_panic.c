// SPDX-License-Identifier: GPL-2.0
/*
 * Planted fault for make check-harness: a module whose init panics.  The
 * run must be red for that panic.  Never shipped or installed.
 */
#include <linux/module.h>
#include <linux/panic.h>

static int __init kvmtune_panic_init(void)
{
	panic("kvmtune: planted panic for check-harness");
	return 0;
}
module_init(kvmtune_panic_init);

static void __exit kvmtune_panic_exit(void)
{
}
module_exit(kvmtune_panic_exit);

MODULE_DESCRIPTION("kvmtune check-harness planted panic");
MODULE_LICENSE("GPL");
