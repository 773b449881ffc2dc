// SPDX-License-Identifier: GPL-2.0
/*
 * The control commands (Documentation/kvmbench.rst):
 *
 *   run [BENCH...]   run the named benches, or all, in table order or in
 *                    the order given; the write returns when they are done
 *   cpu N|all        the vCPU to run on, or every online vCPU
 *   goal CYCLES      cycles one measured loop must reach
 *   repeats N        measured loops per bench and vCPU
 *
 * Numbers are decimal, or hex with 0x. A command is parsed and checked
 * whole before anything changes: bad input is -EINVAL with nothing changed
 * and a line in the kernel log saying why.
 */
#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/tsc.h>

#include "bench.h"
#include "control.h"
#include "run.h"

static DEFINE_MUTEX(kb_control_mutex);

static int kb_cpu;
static unsigned long long kb_goal = KVMBENCH_GOAL_DEFAULT;
module_param_named(goal, kb_goal, ullong, 0444);
MODULE_PARM_DESC(goal,
		 "Initial cycle goal of a measured loop (1024-4294967296, default 2^30)");

static uint kb_repeats = KVMBENCH_REPEATS_DEFAULT;
module_param_named(repeats, kb_repeats, uint, 0444);
MODULE_PARM_DESC(repeats,
		 "Initial measured loops per bench and vCPU (1-31, default 5)");

static bool kb_goal_ok(u64 goal)
{
	return goal >= KVMBENCH_GOAL_MIN && goal <= KVMBENCH_GOAL_MAX;
}

static bool kb_repeats_ok(u64 repeats)
{
	return repeats >= 1 && repeats <= KVMBENCH_REPEATS_MAX;
}

int kb_control_check_params(void)
{
	if (!kb_goal_ok(kb_goal)) {
		pr_err("goal=%llu is out of range %llu-%llu\n", kb_goal,
		       KVMBENCH_GOAL_MIN, KVMBENCH_GOAL_MAX);
		return -EINVAL;
	}
	if (!kb_repeats_ok(kb_repeats)) {
		pr_err("repeats=%u is out of range 1-%u\n", kb_repeats,
		       KVMBENCH_REPEATS_MAX);
		return -EINVAL;
	}
	return 0;
}

/* decimal ("010" is ten), or hex with 0x; no sign */
static int kb_parse_u64(const char *s, u64 *val)
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

/* @args: bench names separated by spaces, or "" for all */
static int kb_cmd_run(char *args)
{
	unsigned int i, n = 0, max = kb_bench_count();
	const struct kb_bench **list, *b;
	struct kb_run_args a = {
		.cpu = kb_cpu,
		.goal = kb_goal,
		.repeats = kb_repeats,
	};
	char *word;
	int ret = -EINVAL;

	list = kcalloc(max, sizeof(*list), GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	while ((word = strsep(&args, " \t")) != NULL) {
		if (!*word)
			continue;
		b = kb_bench_find(word, strlen(word));
		if (!b) {
			pr_info_ratelimited("control: no bench '%s'\n", word);
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (list[i] == b) {
				pr_info_ratelimited("control: bench '%s' named twice\n",
						    word);
				goto out;
			}
		}
		list[n++] = b;
	}
	if (!n)
		for (n = 0; n < max; n++)
			list[n] = kb_bench_get(n);
	if (kb_cpu != KB_CPU_ALL && !cpu_online(kb_cpu)) {
		pr_info_ratelimited("control: vCPU %d is offline\n", kb_cpu);
		goto out;
	}
	a.benches = list;
	a.nbenches = n;
	ret = kb_run(&a);
out:
	kfree(list);
	return ret;
}

static int kb_cmd_cpu(const char *arg)
{
	u64 cpu;

	if (!strcmp(arg, KVMBENCH_CPU_ALL)) {
		kb_cpu = KB_CPU_ALL;
		return 0;
	}
	if (kb_parse_u64(arg, &cpu) || cpu >= nr_cpu_ids || !cpu_online(cpu)) {
		pr_info_ratelimited("control: cpu '%s' is not an online vCPU or \"%s\"\n",
				    arg, KVMBENCH_CPU_ALL);
		return -EINVAL;
	}
	kb_cpu = cpu;
	return 0;
}

static int kb_cmd_goal(const char *arg)
{
	u64 goal;

	if (kb_parse_u64(arg, &goal) || !kb_goal_ok(goal)) {
		pr_info_ratelimited("control: goal '%s' is not a number in %llu-%llu\n",
				    arg, KVMBENCH_GOAL_MIN, KVMBENCH_GOAL_MAX);
		return -EINVAL;
	}
	kb_goal = goal;
	return 0;
}

static int kb_cmd_repeats(const char *arg)
{
	u64 repeats;

	if (kb_parse_u64(arg, &repeats) || !kb_repeats_ok(repeats)) {
		pr_info_ratelimited("control: repeats '%s' is not a number in 1-%u\n",
				    arg, KVMBENCH_REPEATS_MAX);
		return -EINVAL;
	}
	kb_repeats = repeats;
	return 0;
}

static int kb_control_apply_locked(char *cmd)
{
	char *arg = strpbrk(cmd, " \t");

	if (arg) {
		*arg++ = '\0';
		arg = skip_spaces(arg);
	}
	if (!strcmp(cmd, "run"))
		return kb_cmd_run(arg ?: "");
	if (arg && *arg && !strpbrk(arg, " \t")) {
		if (!strcmp(cmd, "cpu"))
			return kb_cmd_cpu(arg);
		if (!strcmp(cmd, "goal"))
			return kb_cmd_goal(arg);
		if (!strcmp(cmd, "repeats"))
			return kb_cmd_repeats(arg);
	}
	pr_info_ratelimited("control: unknown command or wrong arguments: '%s'\n",
			    cmd);
	return -EINVAL;
}

int kb_control_apply(char *cmd)
{
	int ret;

	if (!mutex_trylock(&kb_control_mutex)) {
		pr_info_ratelimited("control: busy, a run is in progress\n");
		return -EBUSY;
	}
	ret = kb_control_apply_locked(cmd);
	mutex_unlock(&kb_control_mutex);
	return ret;
}

enum {
#define KVMBENCH_CONTROL_KEY(key)	KB_CONTROL_##key,
#include "uapi/kvmbench_keys.h"
	KB_CONTROL_NR
};

static const struct {
	const char *name;
} kb_control_keys[] = {
#define KVMBENCH_CONTROL_KEY(key)	{ #key },
#include "uapi/kvmbench_keys.h"
};

static_assert(ARRAY_SIZE(kb_control_keys) == KB_CONTROL_NR);

/* Lock-free: readable while a run holds the mutex. */
void kb_control_show(struct seq_file *m)
{
	const struct kb_bench *b;
	unsigned int i, j;
	int cpu;

	for (i = 0; i < KB_CONTROL_NR; i++) {
		seq_printf(m, "%s ", kb_control_keys[i].name);
		switch (i) {
		case KB_CONTROL_cpu:
			cpu = READ_ONCE(kb_cpu);
			if (cpu == KB_CPU_ALL)
				seq_puts(m, KVMBENCH_CPU_ALL);
			else
				seq_printf(m, "%d", cpu);
			break;
		case KB_CONTROL_goal:
			seq_printf(m, "%llu", READ_ONCE(kb_goal));
			break;
		case KB_CONTROL_repeats:
			seq_printf(m, "%u", READ_ONCE(kb_repeats));
			break;
		case KB_CONTROL_state:
			b = kb_run_current();
			if (b)
				seq_printf(m, "running %s", b->name);
			else
				seq_puts(m, "idle");
			break;
		case KB_CONTROL_tsc_khz:
			seq_printf(m, "%u", tsc_khz);
			break;
		case KB_CONTROL_benches:
			for (j = 0; j < kb_bench_count(); j++)
				seq_printf(m, "%s%s", j ? " " : "",
					   kb_bench_get(j)->name);
			break;
		}
		seq_putc(m, '\n');
	}
}
