// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU state: preallocated pools, the vCPU hash, and the life cycle.
 *
 * First sight of a vCPU (its first exit after load) takes an entry from the
 * pool under kt_lock and hashes it; this is the only lock the exit path can
 * take, and only once per vCPU (and again if the vCPU moves to another
 * thread). Debugfs directories are created later by kt_work, in process
 * context. VM destruction (the kvm_arch_destroy_vm kprobe) unhashes the VM's
 * entries and queues kt_work, which removes the directories (debugfs waits
 * for readers that are inside a file operation), waits for an RCU grace
 * period and returns the entries to the pools.
 *
 * Three RCU hashes find entries in O(1) whatever the pool sizes: vCPUs by
 * struct kvm_vcpu, vCPUs by the thread that last ran them (tracepoints that
 * fire after KVM_RUN put the vCPU, such as kvm_userspace_exit), and VMs by
 * struct kvm (a vCPU of a VM that cannot be traced because the VM pool is
 * full costs one lookup per event, not a scan of the pool).
 */
#include <linux/err.h>
#include <linux/hash.h>
#include <linux/kvm_host.h>
#include <linux/log2.h>
#include <linux/rculist.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "fault.h"
#include "state.h"

DEFINE_PER_CPU(struct kt_counters, kt_counters);

/* Pool sizes, the module parameters, checked by main.c */
static unsigned int kt_max_vms;
static unsigned int kt_max_vcpus;

/* How directories are made; none without debugfs. */
static const struct kt_dir_ops *kt_dir_ops;

/* Remote CPUs write the wakeup counters: not on a line the exit path reads. */
static_assert(offsetof(struct kt_vcpu, wake) % SMP_CACHE_BYTES == 0);
static_assert(offsetof(struct kt_vcpu, wake) >=
	      ALIGN(offsetof(struct kt_vcpu, st) + sizeof(struct kt_stats),
		    SMP_CACHE_BYTES));

static struct kt_vm *kt_vm_pool;
static struct kt_vcpu *kt_vcpu_pool;
static struct hlist_head *kt_vcpu_hash;
static struct hlist_head *kt_task_hash;
static struct hlist_head *kt_vm_hash;
static unsigned int kt_vcpu_hash_bits;
static unsigned int kt_vm_hash_bits;

/* Protects the lists below, the hash chains and pool entry assignment. */
static DEFINE_RAW_SPINLOCK(kt_lock);
static LIST_HEAD(kt_vms);		/* live VMs, RCU */
static LIST_HEAD(kt_dead_vms);		/* killed, waiting for kt_work */
static LIST_HEAD(kt_free_vms);
static LIST_HEAD(kt_free_vcpus);
static unsigned int kt_nr_vms;
static unsigned int kt_nr_vcpus;
static u32 kt_vm_seq;

/* Last vCPU entry looked up on this CPU: see kt_vcpu_find(). */
DEFINE_PER_CPU(struct kt_vcpu *, kt_last_vcpu);

static void kt_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(kt_work, kt_work_fn);
/* kt_state_flush() in progress: no fault-injected delays */
static bool kt_flushing;

static void kt_kick_work(void)
{
	mod_delayed_work(system_wq, &kt_work, 0);
}

unsigned long kt_counter_sum(enum kt_counter c)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(&kt_counters, cpu)->n[c]);
	return sum;
}

/*
 * Hash table size for @entries: at least twice as many buckets, and never
 * fewer than 2 (hash_ptr(p, 0) would shift by 64).
 */
unsigned int kt_hash_bits_for(unsigned int entries)
{
	unsigned int bits = 1;

	while (bits < 31 && (1U << bits) < 2ULL * entries)
		bits++;
	return bits;
}

static struct hlist_head *kt_bucket(const struct kvm_vcpu *vcpu)
{
	return &kt_vcpu_hash[hash_ptr(vcpu, kt_vcpu_hash_bits)];
}

static struct hlist_head *kt_task_bucket(const struct task_struct *task)
{
	return &kt_task_hash[hash_ptr(task, kt_vcpu_hash_bits)];
}

static struct hlist_head *kt_vm_bucket(const struct kvm *kvm)
{
	return &kt_vm_hash[hash_ptr(kvm, kt_vm_hash_bits)];
}

/* kt_vcpu_find() missed the per-CPU cache: the hash. */
struct kt_vcpu *kt_vcpu_lookup(const struct kvm_vcpu *vcpu)
{
	struct kt_vcpu *v;

	rcu_read_lock();
	hlist_for_each_entry_rcu(v, kt_bucket(vcpu), hnode) {
		if (READ_ONCE(v->key) == vcpu) {
			this_cpu_write(kt_last_vcpu, v);
			break;
		}
	}
	rcu_read_unlock();
	return v;
}

/* Under kt_lock, or RCU for a yes/no answer. */
static struct kt_vm *kt_vm_lookup(const struct kvm *kvm)
{
	struct kt_vm *vm;

	hlist_for_each_entry_rcu(vm, kt_vm_bucket(kvm), hnode,
				 lockdep_is_held(&kt_lock))
		if (READ_ONCE(vm->key) == kvm)
			return vm;
	return NULL;
}

static bool kt_vm_known(const struct kvm *kvm)
{
	bool found;

	rcu_read_lock();
	found = kt_vm_lookup(kvm);
	rcu_read_unlock();
	return found;
}

static struct kt_vm *kt_vm_alloc_locked(struct kvm *kvm, u8 isa)
{
	struct dentry *d = kvm->debugfs_dentry;
	struct kt_vm *vm;

	vm = list_first_entry_or_null(&kt_free_vms, struct kt_vm, node);
	if (!vm)
		return NULL;
	list_del(&vm->node);

	vm->key = kvm;
	vm->pid = kvm->userspace_pid;
	vm->seq = ++kt_vm_seq;
	vm->isa = isa;
	vm->dir = NULL;
	/* KVM names its debugfs directory "<pid>-<fd>"; reuse that name. */
	if (!IS_ERR_OR_NULL(d))
		strscpy(vm->name, (const char *)d->d_name.name,
			sizeof(vm->name));
	else
		snprintf(vm->name, sizeof(vm->name), "%d-kvm%u", vm->pid,
			 vm->seq);
	INIT_LIST_HEAD(&vm->vcpus);
	atomic_set_release(&vm->state, KT_NEW);
	list_add_tail_rcu(&vm->node, &kt_vms);
	hlist_add_head_rcu(&vm->hnode, kt_vm_bucket(kvm));
	kt_nr_vms++;
	return vm;
}

/*
 * First sight of @vcpu, on its own thread: take an entry from the pool. New
 * entries are only made if they can be freed again (@can_free: the VM
 * teardown hook is armed).
 */
struct kt_vcpu *kt_vcpu_create(struct kvm_vcpu *vcpu, u8 isa, bool can_free)
{
	struct kvm *kvm = vcpu->kvm;
	int pid = READ_ONCE(kt_pid_filter);
	struct kt_vcpu *v = NULL;
	unsigned long flags;
	struct kt_vm *vm;

	if (!kt_pid_match(pid, kvm->userspace_pid))
		return NULL;
	/* Without the teardown hook we could never free the entry. */
	if (!can_free) {
		kt_count(KT_C_UNTRACKED);
		return NULL;
	}
	/* Pools full: count and leave without taking kt_lock. */
	if (list_empty_careful(&kt_free_vcpus)) {
		kt_count(KT_C_VCPU_FULL);
		return NULL;
	}
	if (list_empty_careful(&kt_free_vms) && !kt_vm_known(kvm)) {
		kt_count(KT_C_VM_FULL);
		return NULL;
	}

	raw_spin_lock_irqsave(&kt_lock, flags);
	vm = kt_vm_lookup(kvm);
	if (!vm)
		vm = kt_vm_alloc_locked(kvm, isa);
	if (!vm) {
		kt_count(KT_C_VM_FULL);
		goto out_unlock;
	}
	v = list_first_entry_or_null(&kt_free_vcpus, struct kt_vcpu, vm_node);
	if (!v) {
		kt_count(KT_C_VCPU_FULL);
		goto out_unlock;
	}
	list_del(&v->vm_node);

	v->vm = vm;
	v->pid = vm->pid;
	v->vcpu_id = vcpu->vcpu_id;
	v->isa = isa;
	v->dir = NULL;
	v->epoch = READ_ONCE(kt_epoch);
	/* a new identity for wakeups in flight; see kt_krp_wake_ret() */
	WRITE_ONCE(v->gen, v->gen + 1);
	WRITE_ONCE(v->key, vcpu);
	WRITE_ONCE(v->task, current);
	kt_halt_seen_set(v, vcpu);
	atomic_set_release(&v->state, KT_NEW);
	list_add_tail_rcu(&v->vm_node, &vm->vcpus);
	hlist_add_head_rcu(&v->hnode, kt_bucket(vcpu));
	hlist_add_head_rcu(&v->tnode, kt_task_bucket(current));
	kt_nr_vcpus++;
out_unlock:
	raw_spin_unlock_irqrestore(&kt_lock, flags);

	if (v) {
		this_cpu_write(kt_last_vcpu, v);
		kt_kick_work();
	}
	return v;
}

/* Remember KVM's halt-polling stats of @vcpu, on its thread. */
void kt_halt_seen_set(struct kt_vcpu *v, const struct kvm_vcpu *vcpu)
{
	const struct kvm_vcpu_stat_generic *g = &vcpu->stat.generic;

	v->halt_seen.attempted = READ_ONCE(g->halt_attempted_poll);
	v->halt_seen.successful = READ_ONCE(g->halt_successful_poll);
	v->halt_seen.invalid = READ_ONCE(g->halt_poll_invalid);
	v->halt_seen.wakeup = READ_ONCE(g->halt_wakeup);
	v->halt_seen.piw = atomic64_read(&v->wake.piw);
	v->halt_seen.gen = READ_ONCE(kt_halt_gen);
}

/* @v now runs on another thread (the VMM moved it): rehash it. */
void kt_vcpu_set_task(struct kt_vcpu *v)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kt_lock, flags);
	/* not if kt_vm_kill_locked() unhashed it meanwhile */
	if (atomic_read(&v->state) != KT_DEAD) {
		hlist_del_rcu(&v->tnode);
		WRITE_ONCE(v->task, current);
		hlist_add_head_rcu(&v->tnode, kt_task_bucket(current));
	}
	raw_spin_unlock_irqrestore(&kt_lock, flags);
}

/*
 * kvm_userspace_exit: KVM_RUN is returning to userspace on this thread, and
 * KVM has already put the vCPU, so it is found by thread: the last vCPU this
 * thread ran has its exit, if one is open, handled in userspace. A thread
 * that runs several vCPUs in turn has at most one of them in KVM_RUN.
 */
void kt_user_exit(void)
{
	struct kt_vcpu *v = this_cpu_read(kt_last_vcpu);
	bool found = false;

	if (likely(v && READ_ONCE(v->task) == current && READ_ONCE(v->key))) {
		kt_vcpu_own(v);
		if (likely(v->st.open.ts)) {
			kt_stats_user(&v->st);
			return;
		}
	}
	rcu_read_lock();
	hlist_for_each_entry_rcu(v, kt_task_bucket(current), tnode) {
		if (READ_ONCE(v->task) != current || !READ_ONCE(v->key))
			continue;
		found = true;
		kt_vcpu_own(v);
		if (v->st.open.ts)
			kt_stats_user(&v->st);
	}
	rcu_read_unlock();
	if (!found)
		kt_count(KT_C_UNTRACKED);
}

static void kt_vm_kill_locked(struct kt_vm *vm)
{
	struct kt_vcpu *v;

	list_for_each_entry(v, &vm->vcpus, vm_node) {
		hlist_del_rcu(&v->hnode);
		hlist_del_rcu(&v->tnode);
		/*
		 * Also out of the per-CPU caches: the struct kvm_vcpu may be
		 * freed and reused by a new VM before kt_work recycles us.
		 */
		WRITE_ONCE(v->key, NULL);
		atomic_set(&v->state, KT_DEAD);
		kt_nr_vcpus--;
	}
	list_del_rcu(&vm->node);
	hlist_del_rcu(&vm->hnode);
	atomic_set(&vm->state, KT_DEAD);
	vm->dead_since = jiffies;
	list_add_tail(&vm->dead_node, &kt_dead_vms);
	kt_nr_vms--;
}

/* @kvm is being destroyed: no vCPU of it runs any more. Any context. */
void kt_vm_destroy(const struct kvm *kvm)
{
	unsigned long flags;
	struct kt_vm *vm;

	raw_spin_lock_irqsave(&kt_lock, flags);
	vm = kt_vm_lookup(kvm);
	if (vm)
		kt_vm_kill_locked(vm);
	raw_spin_unlock_irqrestore(&kt_lock, flags);

	if (vm)
		kt_kick_work();
}

/*
 * Drop the state of every VM and wait until it is gone. Process context;
 * used when kvm.ko goes away and on unload, after the hooks are disarmed.
 */
void kt_state_flush(void)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kt_lock, flags);
	while (!list_empty(&kt_vms))
		kt_vm_kill_locked(list_first_entry(&kt_vms, struct kt_vm, node));
	raw_spin_unlock_irqrestore(&kt_lock, flags);

	WRITE_ONCE(kt_flushing, true);
	kt_kick_work();
	flush_delayed_work(&kt_work);
	WRITE_ONCE(kt_flushing, false);
}

static void kt_vm_recycle(struct kt_vm *vm)
{
	struct kt_vcpu *v, *tmp;
	unsigned long flags;

	list_for_each_entry_safe(v, tmp, &vm->vcpus, vm_node) {
		WRITE_ONCE(v->key, NULL);
		WRITE_ONCE(v->task, NULL);
		v->vm = NULL;
		v->dir = NULL;
		memset(&v->st, 0, sizeof(v->st));
		atomic64_set(&v->wake.piw, 0);
		v->piw_base = 0;
		atomic_set(&v->state, KT_FREE);
		raw_spin_lock_irqsave(&kt_lock, flags);
		list_move(&v->vm_node, &kt_free_vcpus);
		raw_spin_unlock_irqrestore(&kt_lock, flags);
	}
	vm->key = NULL;
	vm->dir = NULL;
	atomic_set(&vm->state, KT_FREE);
	raw_spin_lock_irqsave(&kt_lock, flags);
	list_add(&vm->node, &kt_free_vms);
	raw_spin_unlock_irqrestore(&kt_lock, flags);
}

/*
 * Dead VMs whose directory removal is held back by fault injection (debug
 * builds: fault_teardown_delay_ms, which widens the window in which KVM
 * has removed its own "<pid>-<fd>" directory but kvmtrace has not).
 * Returns the jiffies until the first one is due, 0 if none.
 */
static unsigned long kt_hold_dead(struct list_head *dead)
{
	unsigned long delay = msecs_to_jiffies(kt_fault_teardown_delay_ms());
	unsigned long wait = 0, flags;
	struct kt_vm *vm, *tmp;
	LIST_HEAD(held);

	if (!delay || READ_ONCE(kt_flushing))
		return 0;
	list_for_each_entry_safe(vm, tmp, dead, dead_node) {
		unsigned long left = vm->dead_since + delay - jiffies;

		if (left > delay)	/* due (the subtraction wrapped) */
			continue;
		list_move_tail(&vm->dead_node, &held);
		if (!wait || left < wait)
			wait = max(left, 1UL);
	}
	raw_spin_lock_irqsave(&kt_lock, flags);
	list_splice(&held, &kt_dead_vms);
	raw_spin_unlock_irqrestore(&kt_lock, flags);
	return wait;
}

/*
 * The only place that creates or removes per-VM debugfs directories. A work
 * item never runs concurrently with itself, so teardown and creation are
 * serialised without a lock.
 *
 * Dead VMs go first, so that a new VM can take the name of one that just
 * died. A directory that cannot be created yet stays pending and is retried
 * on every later run: KVM removes its own "<pid>-<fd>" directory before
 * kvm_arch_destroy_vm(), so a new VM may reuse that name (its fd) while the
 * old VM's kvmtrace directory still exists; the old VM's teardown then
 * queues the run that succeeds.
 */
static void kt_work_fn(struct work_struct *work)
{
	const struct kt_dir_ops *ops = READ_ONCE(kt_dir_ops);
	struct kt_vm *vm, *tmp;
	unsigned long flags, wait;
	LIST_HEAD(dead);
	unsigned int i;

	raw_spin_lock_irqsave(&kt_lock, flags);
	list_splice_init(&kt_dead_vms, &dead);
	raw_spin_unlock_irqrestore(&kt_lock, flags);

	wait = kt_hold_dead(&dead);
	if (!list_empty(&dead)) {
		list_for_each_entry(vm, &dead, dead_node)
			if (ops && vm->dir)
				ops->remove_vm(vm);
		/* Hooks still holding a dead entry run with preemption off. */
		synchronize_rcu();
		list_for_each_entry_safe(vm, tmp, &dead, dead_node)
			kt_vm_recycle(vm);
	}

	for (i = 0; i < kt_max_vms; i++) {
		vm = &kt_vm_pool[i];
		if (atomic_read_acquire(&vm->state) != KT_NEW)
			continue;
		if (ops && ops->add_vm(vm))
			continue;	/* still KT_NEW: retried next run */
		atomic_cmpxchg(&vm->state, KT_NEW, KT_LIVE);
	}
	for (i = 0; i < kt_max_vcpus; i++) {
		struct kt_vcpu *v = &kt_vcpu_pool[i];

		if (atomic_read_acquire(&v->state) != KT_NEW ||
		    atomic_read(&v->vm->state) != KT_LIVE)
			continue;
		if (ops && ops->add_vcpu(v))
			continue;
		atomic_cmpxchg(&v->state, KT_NEW, KT_LIVE);
	}
	if (wait)
		mod_delayed_work(system_wq, &kt_work, wait);
}

/* Counters of @v into @s; @s starts zeroed. */
void kt_snap_vcpu(struct kt_snap *s, const struct kt_vcpu *v)
{
	s->isa = v->isa;
	s->nr_vcpus++;
	/* pairs with kt_vcpu_own(): a current epoch means zeroed counters */
	if (smp_load_acquire(&v->epoch) != READ_ONCE(kt_epoch))
		return;
	kt_stats_merge(&s->st, &v->st, v->isa);
	s->wake_piw += atomic64_read(&v->wake.piw) - READ_ONCE(v->piw_base);
}

void kt_snap_vm(struct kt_snap *s, const struct kt_vm *vm)
{
	const struct kt_vcpu *v;

	rcu_read_lock();
	list_for_each_entry_rcu(v, &vm->vcpus, vm_node)
		kt_snap_vcpu(s, v);
	rcu_read_unlock();
	s->isa = vm->isa;
}

size_t kt_state_memory(void)
{
	return array_size(kt_max_vms, sizeof(*kt_vm_pool)) +
	       array_size(kt_max_vcpus, sizeof(*kt_vcpu_pool)) +
	       (2 * sizeof(*kt_vcpu_hash) << kt_vcpu_hash_bits) +
	       (sizeof(*kt_vm_hash) << kt_vm_hash_bits);
}

/* What "summary" shows of the state. */
void kt_state_summary(struct kt_state_summary *sum)
{
	u32 epoch = READ_ONCE(kt_epoch);
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < kt_max_vcpus; i++) {
		const struct kt_vcpu *v = &kt_vcpu_pool[i];
		int state = atomic_read(&v->state);

		if (state != KT_NEW && state != KT_LIVE)
			continue;
		/* pairs with kt_vcpu_own() */
		if (smp_load_acquire(&v->epoch) == epoch)
			sum->exits += kt_stats_exits(&v->st);
	}
	sum->vms = READ_ONCE(kt_nr_vms);
	sum->max_vms = kt_max_vms;
	sum->vcpus = READ_ONCE(kt_nr_vcpus);
	sum->max_vcpus = kt_max_vcpus;
	sum->memory_bytes = kt_state_memory();
	for (i = 0; i < KT_C_NR; i++)
		sum->counters[i] = kt_counter_sum(i);
}

#ifdef DEBUG
/* Self-test helpers: fake keys, only compared, never dereferenced. */
static const struct kvm *kt_st_key(unsigned int i, bool present)
{
	return (const struct kvm *)(0x10000000UL + i * 0x1040UL +
				    (present ? 0 : 8));
}

/*
 * The hash entries @n lookups of VMs that are not traced compare, or
 * U64_MAX if one of them was found. Counted, not timed: the count is exact
 * and the same on every run, a time under an emulator is neither.
 */
static u64 kt_st_count_misses(unsigned int n)
{
	const struct kvm *key;
	struct kt_vm *vm;
	unsigned int i;
	u64 seen = 0;

	rcu_read_lock();
	for (i = 0; i < n; i++) {
		key = kt_st_key(i, false);
		hlist_for_each_entry_rcu(vm, kt_vm_bucket(key), hnode) {
			if (READ_ONCE(vm->key) == key) {
				seen = U64_MAX;
				goto out_unlock;
			}
			seen++;
		}
	}
out_unlock:
	rcu_read_unlock();
	return seen;
}

/* Put @n fake VMs into the (empty) VM pool, or take them all out again. */
static void kt_st_fill(unsigned int n)
{
	unsigned long flags;
	struct kt_vm *vm;
	unsigned int i;

	raw_spin_lock_irqsave(&kt_lock, flags);
	for (i = 0; i < n; i++) {
		vm = list_first_entry(&kt_free_vms, struct kt_vm, node);
		list_del(&vm->node);
		vm->key = kt_st_key(i, true);
		list_add_tail_rcu(&vm->node, &kt_vms);
		hlist_add_head_rcu(&vm->hnode, kt_vm_bucket(vm->key));
	}
	raw_spin_unlock_irqrestore(&kt_lock, flags);
}

static void kt_st_empty(void)
{
	unsigned long flags;
	struct kt_vm *vm;

	raw_spin_lock_irqsave(&kt_lock, flags);
	while (!list_empty(&kt_vms)) {
		vm = list_first_entry(&kt_vms, struct kt_vm, node);
		list_del_rcu(&vm->node);
		hlist_del_rcu(&vm->hnode);
		vm->key = NULL;
		list_add(&vm->node, &kt_free_vms);
	}
	raw_spin_unlock_irqrestore(&kt_lock, flags);
	synchronize_rcu();
}

/*
 * An event of a vCPU whose VM cannot be traced (the VM pool is full) costs
 * one hash lookup, not a scan of the pool: with the pool full, a miss
 * compares at most two entries on average (the table has at least twice
 * as many buckets as the pool has entries).
 */
void kt_state_selftest(unsigned int *failed)
{
	const unsigned int n = 20000;
	u64 one, full;

	if (kt_max_vms < 16 || !list_empty(&kt_vms))
		return;
	kt_st_fill(1);
	one = kt_st_count_misses(n);
	kt_st_empty();
	kt_st_fill(kt_max_vms);
	full = kt_st_count_misses(n);
	kt_st_empty();
	if (one == U64_MAX || full == U64_MAX || one > n || full > 2ULL * n) {
		pr_err("self-test: %u VM misses compared %lld entries with %u VMs, %lld with 1\n",
		       n, (s64)full, kt_max_vms, (s64)one);
		(*failed)++;
		return;
	}
	pr_info("self-test: %u VM misses compared %llu entries with %u VMs, %llu with 1\n",
		n, full, kt_max_vms, one);
}
#endif

/* debugfs.c: how to make directories for new VMs and vCPUs. */
void kt_state_set_dir_ops(const struct kt_dir_ops *ops)
{
	WRITE_ONCE(kt_dir_ops, ops);
}

int kt_state_init(unsigned int max_vms, unsigned int max_vcpus)
{
	unsigned int i;

	kt_max_vms = max_vms;
	kt_max_vcpus = max_vcpus;
	kt_vm_pool = kcalloc(kt_max_vms, sizeof(*kt_vm_pool), GFP_KERNEL);
	if (!kt_vm_pool)
		goto err;
	kt_vcpu_pool = vzalloc(array_size(kt_max_vcpus,
					  sizeof(*kt_vcpu_pool)));
	if (!kt_vcpu_pool)
		goto err_free_vms;
	kt_vcpu_hash_bits = kt_hash_bits_for(kt_max_vcpus);
	kt_vm_hash_bits = kt_hash_bits_for(kt_max_vms);
	kt_vcpu_hash = kvcalloc(1U << kt_vcpu_hash_bits, sizeof(*kt_vcpu_hash),
				GFP_KERNEL);
	if (!kt_vcpu_hash)
		goto err_free_vcpus;
	kt_task_hash = kvcalloc(1U << kt_vcpu_hash_bits, sizeof(*kt_task_hash),
				GFP_KERNEL);
	if (!kt_task_hash)
		goto err_free_vcpu_hash;
	kt_vm_hash = kvcalloc(1U << kt_vm_hash_bits, sizeof(*kt_vm_hash),
			      GFP_KERNEL);
	if (!kt_vm_hash)
		goto err_free_task_hash;

	for (i = 0; i < kt_max_vms; i++) {
		kt_vm_pool[i].kind = KT_OBJ_VM;
		INIT_LIST_HEAD(&kt_vm_pool[i].vcpus);
		list_add_tail(&kt_vm_pool[i].node, &kt_free_vms);
	}
	for (i = 0; i < kt_max_vcpus; i++) {
		kt_vcpu_pool[i].kind = KT_OBJ_VCPU;
		list_add_tail(&kt_vcpu_pool[i].vm_node, &kt_free_vcpus);
	}
	return 0;

err_free_task_hash:
	kvfree(kt_task_hash);
err_free_vcpu_hash:
	kvfree(kt_vcpu_hash);
err_free_vcpus:
	vfree(kt_vcpu_pool);
err_free_vms:
	kfree(kt_vm_pool);
err:
	return -ENOMEM;
}

/* All hooks are gone and kt_state_flush() has run. */
void kt_state_exit(void)
{
	cancel_delayed_work_sync(&kt_work);
	kvfree(kt_vm_hash);
	kvfree(kt_task_hash);
	kvfree(kt_vcpu_hash);
	vfree(kt_vcpu_pool);
	kfree(kt_vm_pool);
}
