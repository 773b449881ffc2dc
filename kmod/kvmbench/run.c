// SPDX-License-Identifier: GPL-2.0
/*
 * How a bench is measured, as kvm-unit-tests' x86/vmexit.c does: a loop of
 * 32 operations, doubled until one loop takes at least the cycle goal
 * (rdtsc); that loop is the first measurement, and it is repeated with the
 * same iterations until there are "repeats" of them. Cycles per operation
 * are reported as the minimum and median over the loops, and their spread.
 *
 * Each vCPU runs the bench in a kernel thread bound to it. With "cpu all",
 * benches marked KB_PARALLEL run on every online vCPU at once (they start
 * together and keep their vCPU busy until all are done); the others, which
 * need an idle or dedicated partner vCPU, run on one vCPU after the other.
 * CPU hotplug waits for the run to end.
 *
 * The run is the writer's: it waits for the threads, and a signal makes
 * every thread stop after its current loop (a loop is bounded by about
 * twice the goal), then the run returns -EINTR.
 */
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "bench.h"
#include "results.h"
#include "run.h"

#define KB_ITERS_MAX	BIT_ULL(32)

/* The vCPUs running one bench at the same time. */
struct kb_group {
	unsigned int n;
	atomic_t started;		/* threads past their start */
	atomic_t running;		/* threads not done measuring */
};

struct kb_worker {
	struct kb_ctx ctx;
	struct kb_group *g;
	struct task_struct *task;
	struct completion done;
};

static const struct kb_bench *kb_current;

const struct kb_bench *kb_run_current(void)
{
	return READ_ONCE(kb_current);
}

static bool kb_aborted(const struct kb_ctx *c)
{
	return atomic_read(c->abort);
}

static void kb_measure(struct kb_ctx *c)
{
	const struct kb_bench *b = c->s->b;
	u64 n = KVMBENCH_ITERS_START, t;
	unsigned int r;

	for (;;) {
		t = b->loop(c, n);
		c->ops += n;
		if (c->why[0] || kb_aborted(c))
			return;
		if (t >= c->goal || n >= KB_ITERS_MAX)
			break;
		n <<= 1;
		cond_resched();
	}
	c->iters = n;
	c->samples[0] = t;
	for (r = 1; r < c->repeats; r++) {
		cond_resched();
		c->samples[r] = b->loop(c, n);
		c->ops += n;
		if (c->why[0] || kb_aborted(c))
			return;
	}
	c->measured = true;
}

/* Spin (preemptibly) until @v reaches @until, or the run is aborted. */
static void kb_spin_until(const atomic_t *v, int until,
			  const struct kb_ctx *c)
{
	while (atomic_read(v) != until && !kb_aborted(c)) {
		cond_resched();
		cpu_relax();
	}
}

static int kb_worker_fn(void *arg)
{
	struct kb_worker *w = arg;
	struct kb_ctx *c = &w->ctx;
	const struct kb_bench *b = c->s->b;

	/* start together */
	atomic_inc(&w->g->started);
	kb_spin_until(&w->g->started, w->g->n, c);

	if (!c->why[0] && b->cpu_setup)
		b->cpu_setup(c);
	if (!c->why[0])
		kb_measure(c);
	if (b->cpu_teardown)
		b->cpu_teardown(c);

	/* keep this vCPU busy, out of idle, until the others are done */
	atomic_dec(&w->g->running);
	kb_spin_until(&w->g->running, 0, c);
	kthread_complete_and_exit(&w->done, 0);
}

static int kb_partner_fn(void *arg)
{
	struct kb_ctx *c = arg;

	c->s->b->partner(c);
	return 0;
}

/* The next online vCPU after @cpu, or -1 if @cpu is alone. */
static int kb_partner_of(unsigned int cpu)
{
	unsigned int p = cpumask_next_wrap(cpu, cpu_online_mask, cpu, false);

	return p < nr_cpu_ids && p != cpu ? p : -1;
}

/* KB_SPINNER, alone: start the partner's thread and wait until it is up. */
static struct task_struct *kb_start_partner(struct kb_ctx *c)
{
	struct task_struct *t;
	unsigned int ms;

	t = kthread_create_on_node(kb_partner_fn, c, cpu_to_node(c->partner),
				   "kvmbench/p%d", c->partner);
	if (IS_ERR(t))
		return t;
	kthread_bind(t, c->partner);
	wake_up_process(t);
	for (ms = 0; !READ_ONCE(c->partner_ready) && ms < 1000; ms++)
		usleep_range(1000, 2000);
	if (!READ_ONCE(c->partner_ready))
		kb_unsupported(c->why, "partner vCPU %d did not start",
			       c->partner);
	return t;
}

/*
 * Run @s on the vCPUs of @cpus at once. @alone: a single vCPU, whose
 * partner (KB_SPINNER) gets a thread of its own.
 */
static int kb_run_group(struct kb_setup *s, const struct cpumask *cpus,
			bool alone, const struct kb_run_args *a, atomic_t *abort)
{
	const struct kb_bench *b = s->b;
	struct task_struct *partner = NULL;
	struct kb_group g = { .n = cpumask_weight(cpus) };
	struct kb_worker *w;
	unsigned int i, cpu, created = 0;
	int ret = 0;

	w = kcalloc(g.n, sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	atomic_set(&g.started, 0);
	atomic_set(&g.running, g.n);
	i = 0;
	for_each_cpu(cpu, cpus) {
		struct kb_ctx *c = &w[i].ctx;

		c->s = s;
		c->abort = abort;
		c->cpu = cpu;
		c->goal = a->goal;
		c->repeats = a->repeats;
		c->partner = b->flags & KB_PARTNER ? kb_partner_of(cpu) : -1;
		if ((b->flags & KB_PARTNER) && c->partner < 0)
			kb_unsupported(c->why,
				       "needs a second online vCPU");
		w[i].g = &g;
		init_completion(&w[i].done);
		i++;
	}

	if (alone && (b->flags & KB_SPINNER) && !w[0].ctx.why[0]) {
		partner = kb_start_partner(&w[0].ctx);
		if (IS_ERR(partner)) {
			ret = PTR_ERR(partner);
			partner = NULL;
			goto out_free;
		}
	}

	for (i = 0; i < g.n; i++) {
		w[i].task = kthread_create_on_node(kb_worker_fn, &w[i],
						   cpu_to_node(w[i].ctx.cpu),
						   "kvmbench/%u", w[i].ctx.cpu);
		if (IS_ERR(w[i].task)) {
			ret = PTR_ERR(w[i].task);
			goto out_stop_created;
		}
		kthread_bind(w[i].task, w[i].ctx.cpu);
		created++;
	}
	for (i = 0; i < g.n; i++)
		wake_up_process(w[i].task);

	for (i = 0; i < g.n; i++) {
		if (wait_for_completion_interruptible(&w[i].done)) {
			atomic_set(abort, 1);
			ret = -EINTR;
			wait_for_completion(&w[i].done);
		}
	}
	for (i = 0; i < g.n; i++)
		kb_results_add(&w[i].ctx);
	goto out_partner;

out_stop_created:
	/* never woken: kthread_stop() makes them exit without running */
	for (i = 0; i < created; i++)
		kthread_stop(w[i].task);
out_partner:
	if (partner)
		kthread_stop(partner);
out_free:
	kfree(w);
	return ret;
}

static int kb_run_bench(const struct kb_bench *b, const struct kb_run_args *a,
			struct mm_struct *mm, atomic_t *abort)
{
	struct kb_setup *s;
	unsigned int cpu;
	int ret = 0;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->b = b;
	s->mm = mm;
	if ((b->flags & KB_USER_MM) && !mm)
		kb_unsupported(s->why,
			       "no user address space (not run by a process)");
	else if (b->prepare)
		b->prepare(s);

	if (s->why[0]) {
		if (a->cpu == KB_CPU_ALL)
			for_each_online_cpu(cpu)
				kb_results_add_unsupported(s, cpu);
		else
			kb_results_add_unsupported(s, a->cpu);
	} else if (a->cpu != KB_CPU_ALL) {
		ret = kb_run_group(s, cpumask_of(a->cpu), true, a, abort);
	} else if (b->flags & KB_PARALLEL) {
		ret = kb_run_group(s, cpu_online_mask, false, a, abort);
	} else {
		for_each_online_cpu(cpu) {
			ret = kb_run_group(s, cpumask_of(cpu), true, a, abort);
			if (ret)
				break;
		}
	}

	if (b->release)
		b->release(s);
	kfree(s);
	return ret;
}

int kb_run(const struct kb_run_args *a)
{
	atomic_t abort = ATOMIC_INIT(0);
	struct mm_struct *mm = NULL;
	unsigned int i;
	int ret;

	cpus_read_lock();
	if (a->cpu != KB_CPU_ALL && !cpu_online(a->cpu)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	for (i = 0; i < a->nbenches; i++) {
		if (a->benches[i]->flags & KB_USER_MM) {
			mm = get_task_mm(current);
			break;
		}
	}
	ret = kb_results_begin(a->nbenches * num_online_cpus());
	if (ret)
		goto out_mm;
	for (i = 0; i < a->nbenches && !ret; i++) {
		WRITE_ONCE(kb_current, a->benches[i]);
		ret = kb_run_bench(a->benches[i], a, mm, &abort);
	}
	WRITE_ONCE(kb_current, NULL);
out_mm:
	if (mm)
		mmput(mm);
out_unlock:
	cpus_read_unlock();
	return ret;
}
