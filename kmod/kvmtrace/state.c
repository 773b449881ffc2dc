// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU state: preallocated pools, the vCPU hash, and the life cycle.
 *
 * First sight of a vCPU (its first exit after load) takes an entry from the
 * pool under kt_lock and hashes it; this is the only lock the exit path can
 * take, and only once per vCPU. Debugfs directories are created later by
 * kt_work, in process context. VM destruction (the kvm_arch_destroy_vm
 * kprobe) unhashes the VM's entries and queues kt_work, which removes the
 * directories (debugfs waits for readers that are inside a file operation),
 * waits for an RCU grace period and returns the entries to the pools.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/hash.h>
#include <linux/kvm_host.h>
#include <linux/log2.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "kvmtrace.h"

DEFINE_PER_CPU(struct kt_counters, kt_counters);

static struct kt_vm *kt_vm_pool;
static struct kt_vcpu *kt_vcpu_pool;
static struct hlist_head *kt_vcpu_hash;
static unsigned int kt_hash_bits;

/* Protects the lists below, the hash chains and pool entry assignment. */
static DEFINE_RAW_SPINLOCK(kt_lock);
static LIST_HEAD(kt_vms);		/* live VMs, RCU */
static LIST_HEAD(kt_dead_vms);		/* killed, waiting for kt_work */
static LIST_HEAD(kt_free_vms);
static LIST_HEAD(kt_free_vcpus);
static unsigned int kt_nr_vms;
static unsigned int kt_nr_vcpus;
static u32 kt_vm_seq;

/* Last vCPU entry looked up on this CPU. */
static DEFINE_PER_CPU(struct kt_vcpu *, kt_last_vcpu);

static void kt_work_fn(struct work_struct *work);
static DECLARE_WORK(kt_work, kt_work_fn);

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
static unsigned int kt_hash_bits_for(unsigned int entries)
{
	unsigned int bits = 1;

	while (bits < 31 && (1U << bits) < 2ULL * entries)
		bits++;
	return bits;
}

static struct hlist_head *kt_bucket(const struct kvm_vcpu *vcpu)
{
	return &kt_vcpu_hash[hash_ptr(vcpu, kt_hash_bits)];
}

/*
 * Find the entry of @vcpu, or NULL. Any context; the caller must have
 * preemption disabled (all hooks do) so that the entry cannot be recycled
 * under it.
 */
struct kt_vcpu *kt_vcpu_find(const struct kvm_vcpu *vcpu)
{
	struct kt_vcpu *v = this_cpu_read(kt_last_vcpu);

	if (likely(v && READ_ONCE(v->key) == vcpu))
		return v;

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

static struct kt_vm *kt_vm_lookup_locked(const struct kvm *kvm)
{
	struct kt_vm *vm;

	list_for_each_entry(vm, &kt_vms, node)
		if (vm->key == kvm)
			return vm;
	return NULL;
}

static bool kt_vm_known(const struct kvm *kvm)
{
	const struct kt_vm *vm;
	bool found = false;

	rcu_read_lock();
	list_for_each_entry_rcu(vm, &kt_vms, node) {
		if (READ_ONCE(vm->key) == kvm) {
			found = true;
			break;
		}
	}
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
	kt_nr_vms++;
	return vm;
}

static struct kt_vcpu *kt_vcpu_create(struct kvm_vcpu *vcpu, u8 isa)
{
	struct kvm *kvm = vcpu->kvm;
	int pid = READ_ONCE(kt_pid_filter);
	struct kt_vcpu *v = NULL;
	unsigned long flags;
	struct kt_vm *vm;

	if (pid && kvm->userspace_pid != pid)
		return NULL;
	/* Without the teardown hook we could never free the entry. */
	if (!kt_teardown_armed()) {
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
	vm = kt_vm_lookup_locked(kvm);
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
	v->vcpu_id = vcpu->vcpu_id;
	v->isa = isa;
	v->dir = NULL;
	v->epoch = READ_ONCE(kt_epoch);
	WRITE_ONCE(v->key, vcpu);
	atomic_set_release(&v->state, KT_NEW);
	list_add_tail_rcu(&v->vm_node, &vm->vcpus);
	hlist_add_head_rcu(&v->hnode, kt_bucket(vcpu));
	kt_nr_vcpus++;
out_unlock:
	raw_spin_unlock_irqrestore(&kt_lock, flags);

	if (v) {
		this_cpu_write(kt_last_vcpu, v);
		queue_work(system_wq, &kt_work);
	}
	return v;
}

/* Find or create the entry of @vcpu; called on @vcpu's own thread. */
struct kt_vcpu *kt_vcpu_get(struct kvm_vcpu *vcpu, u8 isa)
{
	struct kt_vcpu *v = kt_vcpu_find(vcpu);

	return likely(v) ? v : kt_vcpu_create(vcpu, isa);
}

static void kt_vm_kill_locked(struct kt_vm *vm)
{
	struct kt_vcpu *v;

	list_for_each_entry(v, &vm->vcpus, vm_node) {
		hlist_del_rcu(&v->hnode);
		/*
		 * Also out of the per-CPU caches: the struct kvm_vcpu may be
		 * freed and reused by a new VM before kt_work recycles us.
		 */
		WRITE_ONCE(v->key, NULL);
		atomic_set(&v->state, KT_DEAD);
		kt_nr_vcpus--;
	}
	list_del_rcu(&vm->node);
	atomic_set(&vm->state, KT_DEAD);
	list_add_tail(&vm->dead_node, &kt_dead_vms);
	kt_nr_vms--;
}

/* @kvm is being destroyed: no vCPU of it runs any more. Any context. */
void kt_vm_destroy(const struct kvm *kvm)
{
	unsigned long flags;
	struct kt_vm *vm;

	raw_spin_lock_irqsave(&kt_lock, flags);
	vm = kt_vm_lookup_locked(kvm);
	if (vm)
		kt_vm_kill_locked(vm);
	raw_spin_unlock_irqrestore(&kt_lock, flags);

	if (vm)
		queue_work(system_wq, &kt_work);
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

	queue_work(system_wq, &kt_work);
	flush_work(&kt_work);
}

static void kt_vm_recycle(struct kt_vm *vm)
{
	struct kt_vcpu *v, *tmp;
	unsigned long flags;

	list_for_each_entry_safe(v, tmp, &vm->vcpus, vm_node) {
		WRITE_ONCE(v->key, NULL);
		v->vm = NULL;
		v->dir = NULL;
		memset(&v->st, 0, sizeof(v->st));
		atomic64_set(&v->wake_piw, 0);
		atomic64_set(&v->wake_other, 0);
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
 * The only place that creates or removes per-VM debugfs directories. A work
 * item never runs concurrently with itself, so teardown and creation are
 * serialised without a lock.
 */
static void kt_work_fn(struct work_struct *work)
{
	struct kt_vm *vm, *tmp;
	unsigned long flags;
	LIST_HEAD(dead);
	unsigned int i;

	raw_spin_lock_irqsave(&kt_lock, flags);
	list_splice_init(&kt_dead_vms, &dead);
	raw_spin_unlock_irqrestore(&kt_lock, flags);

	if (!list_empty(&dead)) {
		list_for_each_entry(vm, &dead, dead_node)
			debugfs_remove_recursive(vm->dir);
		/* Hooks still holding a dead entry run with preemption off. */
		synchronize_rcu();
		list_for_each_entry_safe(vm, tmp, &dead, dead_node)
			kt_vm_recycle(vm);
	}

	for (i = 0; i < kt_max_vms; i++) {
		vm = &kt_vm_pool[i];
		if (atomic_read_acquire(&vm->state) != KT_NEW)
			continue;
		kt_debugfs_add_vm(vm);
		atomic_cmpxchg(&vm->state, KT_NEW, KT_LIVE);
	}
	for (i = 0; i < kt_max_vcpus; i++) {
		struct kt_vcpu *v = &kt_vcpu_pool[i];

		if (atomic_read_acquire(&v->state) != KT_NEW ||
		    atomic_read(&v->vm->state) != KT_LIVE)
			continue;
		kt_debugfs_add_vcpu(v);
		atomic_cmpxchg(&v->state, KT_NEW, KT_LIVE);
	}
}

/* Counters of @v into @s; @s starts zeroed. */
void kt_snap_vcpu(struct kt_snap *s, const struct kt_vcpu *v)
{
	s->isa = v->isa;
	s->nr_vcpus++;
	/* pairs with kt_vcpu_own(): a current epoch means zeroed counters */
	if (smp_load_acquire(&v->epoch) == READ_ONCE(kt_epoch))
		kt_stats_merge(&s->st, &v->st, v->isa);
	s->wake_piw += atomic64_read(&v->wake_piw);
	s->wake_other += atomic64_read(&v->wake_other);
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

/*
 * Start a new epoch: every vCPU zeroes its own counters on its next event
 * (kt_vcpu_own()) and readers ignore older epochs meanwhile. Open exits are
 * dropped through kt_gen. The caller serialises control commands.
 */
void kt_state_reset(void)
{
	unsigned int i;

	for (i = 0; i < kt_max_vcpus; i++) {
		atomic64_set(&kt_vcpu_pool[i].wake_piw, 0);
		atomic64_set(&kt_vcpu_pool[i].wake_other, 0);
	}
	WRITE_ONCE(kt_gen, kt_gen + 1);
	WRITE_ONCE(kt_epoch, kt_epoch + 1);
}

size_t kt_state_memory(void)
{
	return array_size(kt_max_vms, sizeof(*kt_vm_pool)) +
	       array_size(kt_max_vcpus, sizeof(*kt_vcpu_pool)) +
	       (sizeof(*kt_vcpu_hash) << kt_hash_bits);
}

void kt_state_summary(struct seq_file *m)
{
	u32 epoch = READ_ONCE(kt_epoch);
	u64 exits = 0;
	unsigned int i;

	for (i = 0; i < kt_max_vcpus; i++) {
		const struct kt_vcpu *v = &kt_vcpu_pool[i];
		int state = atomic_read(&v->state);

		if (state != KT_NEW && state != KT_LIVE)
			continue;
		/* pairs with kt_vcpu_own() */
		if (smp_load_acquire(&v->epoch) == epoch)
			exits += READ_ONCE(v->st.exits);
	}

	seq_printf(m, "vms %u\n", READ_ONCE(kt_nr_vms));
	seq_printf(m, "max_vms %u\n", kt_max_vms);
	seq_printf(m, "vcpus %u\n", READ_ONCE(kt_nr_vcpus));
	seq_printf(m, "max_vcpus %u\n", kt_max_vcpus);
	seq_printf(m, "memory_bytes %zu\n", kt_state_memory());
	seq_printf(m, "exits %llu\n", exits);
	seq_printf(m, "dropped_vm_full %lu\n", kt_counter_sum(KT_C_VM_FULL));
	seq_printf(m, "dropped_vcpu_full %lu\n",
		   kt_counter_sum(KT_C_VCPU_FULL));
	seq_printf(m, "untracked %lu\n", kt_counter_sum(KT_C_UNTRACKED));
	seq_printf(m, "noreason %lu\n", kt_counter_sum(KT_C_NOREASON));
	seq_printf(m, "dir_failures %lu\n", kt_counter_sum(KT_C_DIR_FAIL));
}

int kt_state_init(void)
{
	unsigned int i;

	kt_vm_pool = kcalloc(kt_max_vms, sizeof(*kt_vm_pool), GFP_KERNEL);
	if (!kt_vm_pool)
		goto err;
	kt_vcpu_pool = vzalloc(array_size(kt_max_vcpus,
					  sizeof(*kt_vcpu_pool)));
	if (!kt_vcpu_pool)
		goto err_free_vms;
	kt_hash_bits = kt_hash_bits_for(kt_max_vcpus);
	kt_vcpu_hash = kcalloc(1U << kt_hash_bits, sizeof(*kt_vcpu_hash),
			       GFP_KERNEL);
	if (!kt_vcpu_hash)
		goto err_free_vcpus;

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
	cancel_work_sync(&kt_work);
	kfree(kt_vcpu_hash);
	vfree(kt_vcpu_pool);
	kfree(kt_vm_pool);
}
