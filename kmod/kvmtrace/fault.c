// SPDX-License-Identifier: GPL-2.0
/*
 * Debug builds only: fault injection, by module parameters that root can
 * also change at run time in /sys/module/kvmtrace/parameters/:
 *
 *   fault_arm=<module:symbol>      arming that hook fails with
 *                                  -fault_arm_errno (default EBUSY)
 *   fault_teardown_delay_ms=<ms>   a dead VM's directory is removed only
 *                                  after this delay, widening the window in
 *                                  which KVM has removed its own directory
 *                                  and a new VM may reuse its name
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "fault.h"

static char kt_fault_arm_target[64];
module_param_string(fault_arm, kt_fault_arm_target,
		    sizeof(kt_fault_arm_target), 0600);
MODULE_PARM_DESC(fault_arm, "debug: make arming this hook (module:symbol) fail");

static int kt_fault_arm_errno = EBUSY;
module_param_named(fault_arm_errno, kt_fault_arm_errno, int, 0600);
MODULE_PARM_DESC(fault_arm_errno, "debug: errno for fault_arm (default EBUSY)");

static unsigned int kt_teardown_delay_ms;
module_param_named(fault_teardown_delay_ms, kt_teardown_delay_ms, uint, 0600);
MODULE_PARM_DESC(fault_teardown_delay_ms,
		 "debug: delay the removal of a dead VM's directory (ms)");

int kt_fault_arm(const char *target)
{
	char want[sizeof(kt_fault_arm_target)];

	kernel_param_lock(THIS_MODULE);
	strscpy(want, kt_fault_arm_target, sizeof(want));
	kernel_param_unlock(THIS_MODULE);
	strim(want);
	if (!want[0] || strcmp(want, target))
		return 0;
	pr_info("fault injection: arming %s fails with %d\n", target,
		-kt_fault_arm_errno);
	return -abs(kt_fault_arm_errno);
}

unsigned int kt_fault_teardown_delay_ms(void)
{
	return READ_ONCE(kt_teardown_delay_ms);
}
