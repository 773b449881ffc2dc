// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrace's run-time settings and the commands that change them (written
 * to the control file, see Documentation/kvmtrace.rst). Commands are
 * serialised by kt_control_mutex; the hooks read the settings without a
 * lock, each with READ_ONCE() or a static key.
 */
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/threads.h>

#include "control.h"

static DEFINE_MUTEX(kt_control_mutex);

DEFINE_STATIC_KEY_TRUE(kt_enabled);
DEFINE_STATIC_KEY_FALSE(kt_pid_filtering);
int kt_pid_filter;
u32 kt_epoch;
u32 kt_gen = KT_GEN_STEP;
u32 kt_halt_gen;

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
		/* with its 0x: base 16 skips one, so a second is an error */
		return kstrtou64(s, 16, val);
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

/* Under kt_control_mutex. */
static void kt_gen_advance_locked(void)
{
	u32 gen = kt_gen + KT_GEN_STEP;

	/* after the settings it guards; pairs with the hooks' smp_rmb() */
	smp_wmb();
	WRITE_ONCE(kt_gen, gen ?: KT_GEN_STEP);
}

void kt_gen_advance(void)
{
	mutex_lock(&kt_control_mutex);
	kt_gen_advance_locked();
	mutex_unlock(&kt_control_mutex);
}

/* The exit path compares with one value: 0 (off) never matches. */
static void kt_set_slow_ns(u64 ns)
{
	WRITE_ONCE(kt_slow_ns, ns);
	WRITE_ONCE(kt_slow_threshold, ns ?: U64_MAX);
}

/* Parse everything first; change nothing unless the command is valid. */
static int kt_control_apply_locked(char *cmd)
{
	char *arg = strchr(cmd, ' ');
	u64 ns;
	int pid;

	if (arg) {
		*arg++ = '\0';
		arg = skip_spaces(arg);
	}

	if (!strcmp(cmd, "enable") && !arg) {
		kt_gen_advance_locked();
		static_branch_enable(&kt_enabled);
	} else if (!strcmp(cmd, "disable") && !arg) {
		static_branch_disable(&kt_enabled);
		WRITE_ONCE(kt_halt_gen, kt_halt_gen + 1);
		kt_gen_advance_locked();
	} else if (!strcmp(cmd, "reset") && !arg) {
		/* open exits dropped, counters zeroed at each vCPU's next event */
		WRITE_ONCE(kt_epoch, kt_epoch + 1);
		kt_gen_advance_locked();
	} else if (!strcmp(cmd, "pid") && arg) {
		if (!strcmp(arg, "-1"))
			ns = 0;
		else if (kt_parse_u64(arg, &ns) || ns > PID_MAX_LIMIT)
			return -EINVAL;
		pid = ns;
		WRITE_ONCE(kt_pid_filter, pid);
		if (kt_pid_filter)
			static_branch_enable(&kt_pid_filtering);
		else
			static_branch_disable(&kt_pid_filtering);
		/* exits open under the old filter are not measured */
		kt_gen_advance_locked();
	} else if (!strcmp(cmd, "slow_ns") && arg) {
		if (kt_parse_u64(arg, &ns))
			return -EINVAL;
		kt_set_slow_ns(ns);
	} else {
		return -EINVAL;
	}
	return 0;
}

int kt_control_apply(char *cmd)
{
	int ret;

	mutex_lock(&kt_control_mutex);
	ret = kt_control_apply_locked(cmd);
	mutex_unlock(&kt_control_mutex);
	return ret;
}

void kt_control_init(void)
{
	kt_set_slow_ns(kt_slow_ns);
}
