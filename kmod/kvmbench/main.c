// SPDX-License-Identifier: GPL-2.0
/*
 * kvmbench: what each kind of VM exit costs, measured from inside a guest.
 *
 * A guest module: load it in a guest and drive it through
 * /sys/kernel/debug/kvmbench/. Loading runs nothing. See
 * Documentation/kvmbench.rst.
 */
#include <linux/kernel.h>
#include <linux/module.h>

#include "control.h"
#include "debugfs.h"
#include "irq.h"
#include "results.h"
#include "targets.h"

static int __init kvmbench_init(void)
{
	int ret;

	ret = kb_control_check_params();
	if (ret)
		return ret;
	ret = kb_targets_check_params();
	if (ret)
		return ret;
	ret = kb_irq_check_params();
	if (ret)
		return ret;
	kb_debugfs_init();
	return 0;
}

static void __exit kvmbench_exit(void)
{
	kb_debugfs_exit();
	kb_results_exit();
}

module_init(kvmbench_init);
module_exit(kvmbench_exit);

MODULE_DESCRIPTION("Guest microbenchmarks: the cost of each kind of VM exit");
MODULE_LICENSE("GPL");
