// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/kvmtrace/
 *
 *   summary  probes  control  vms/<pid>-<fd>/{files}  vms/<pid>-<fd>/vcpu<id>/{files}
 *
 * where {files} = exits msrs latency user_latency hlt npf wakeups stats. The
 * text formats
 * are documented in Documentation/kvmtrace.rst and are parsed by tools.
 *
 * Files are created with debugfs_create_file(), i.e. behind debugfs' full
 * proxy: debugfs_remove_recursive() waits for readers inside a file
 * operation and later calls fail, so a VM's entries are not recycled while
 * one of its files is being read. Reads never touch struct kvm.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/threads.h>
#include <linux/uaccess.h>
#include <asm/svm.h>
#include <asm/vmx.h>

#include "kvmtrace.h"

static struct dentry *kt_root;
static struct dentry *kt_vms_dir;
static DEFINE_MUTEX(kt_control_mutex);

/* ---- per-VM / per-vCPU files ------------------------------------------- */

static void kt_print_hist(struct seq_file *m, const char *prefix,
			  const struct kt_hist *h)
{
	unsigned int b;

	for (b = 0; b < KT_HIST_BUCKETS; b++)
		if (h->b[b])
			seq_printf(m, "%s%llu %llu\n", prefix,
				   b ? 1ULL << b : 0, h->b[b]);
}

static void kt_show_exits(struct seq_file *m, struct kt_snap *s)
{
	const struct kt_stats *st = &s->st;
	unsigned int i;
	u32 code;

	for (i = 0; i < KT_NR_CODES; i++) {
		if (!st->count[i])
			continue;
		code = kt_idx_code(s->isa, i);
		seq_printf(m, "%s 0x%x %llu\n", kt_reason_name(s->isa, code),
			   code, st->count[i]);
	}
	for (i = 0; i < KT_UNKNOWN_SLOTS && st->unknown[i].count; i++) {
		code = st->unknown[i].code;
		seq_printf(m, "%s 0x%x %llu\n", kt_reason_name(s->isa, code),
			   code, st->unknown[i].count);
	}
}

static int kt_cmp_msr(const void *a, const void *b)
{
	const struct kt_msr *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* The snapshot is private to this read, so sort its MSR table in place. */
static void kt_show_msrs(struct seq_file *m, struct kt_snap *s)
{
	struct kt_msr *msr = s->st.msr;
	unsigned int i, n = 0;

	for (i = 0; i < KT_MSR_SLOTS; i++)
		if (msr[i].used)
			msr[n++] = msr[i];
	sort(msr, n, sizeof(msr[0]), kt_cmp_msr, NULL);
	for (i = 0; i < n; i++)
		seq_printf(m, "0x%x %s %llu %llu\n", msr[i].index,
			   kt_msr_name(msr[i].index) ?: "-", msr[i].writes,
			   msr[i].reads);
}

static int kt_cmp_lat(const void *a, const void *b)
{
	const struct kt_lat *x = *(const struct kt_lat * const *)a;
	const struct kt_lat *y = *(const struct kt_lat * const *)b;

	return x->code < y->code ? -1 : x->code > y->code;
}

/* "latency" and "user_latency": the same lines, for exits handled @where */
static void kt_show_lat(struct seq_file *m, struct kt_snap *s,
			enum kt_where where)
{
	const struct kt_stats *st = &s->st;
	const struct kt_lat *lat[KT_LAT_SLOTS];
	char prefix[KT_REASON_LEN + 16];
	unsigned int i;

	for (i = 0; i < st->lat_used; i++)
		lat[i] = &st->lat[i];
	sort(lat, st->lat_used, sizeof(lat[0]), kt_cmp_lat, NULL);
	for (i = 0; i < st->lat_used; i++) {
		snprintf(prefix, sizeof(prefix), "%s 0x%x ",
			 kt_reason_name(s->isa, lat[i]->code), lat[i]->code);
		kt_print_hist(m, prefix, &lat[i]->h[where]);
	}
	kt_print_hist(m, "OTHER - ", &st->lat_other[where]);
}

static void kt_show_latency(struct seq_file *m, struct kt_snap *s)
{
	kt_show_lat(m, s, KT_IN_KERNEL);
}

static void kt_show_user_latency(struct seq_file *m, struct kt_snap *s)
{
	kt_show_lat(m, s, KT_IN_USER);
}

/* Exits whose latency is in the "user_latency" histograms. */
static u64 kt_user_exits(const struct kt_stats *st)
{
	u64 sum = kt_hist_sum(&st->lat_other[KT_IN_USER]);
	unsigned int i;

	for (i = 0; i < st->lat_used; i++)
		sum += kt_hist_sum(&st->lat[i].h[KT_IN_USER]);
	return sum;
}

static void kt_show_hlt(struct seq_file *m, struct kt_snap *s)
{
	const struct kt_stats *st = &s->st;
	u32 code = s->isa == KT_ISA_SVM ? SVM_EXIT_HLT : EXIT_REASON_HLT;
	int idx = kt_code_idx(s->isa, code);

	seq_printf(m, "exits %llu\n", idx >= 0 ? st->count[idx] : 0);
	seq_printf(m, "exit_ns %llu\n", st->hlt_exit_ns);
	seq_printf(m, "halts %llu\n", st->halts);
	seq_printf(m, "poll_attempted %llu\n", st->poll_attempted);
	seq_printf(m, "poll_success %llu\n", st->poll_success);
	seq_printf(m, "poll_fail %llu\n", st->poll_fail);
	seq_printf(m, "waited %llu\n", st->waited);
	seq_printf(m, "invalid %llu\n", st->halt_invalid);
	seq_printf(m, "halted_ns %llu\n", st->halted_ns);
	seq_printf(m, "poll_grow %llu\n", st->poll_grow);
	seq_printf(m, "poll_shrink %llu\n", st->poll_shrink);
	seq_printf(m, "poll_ns %llu\n", st->poll_ns);
	kt_print_hist(m, "exit_hist ", &st->lat_hlt);
	kt_print_hist(m, "halt_hist ", &st->halt);
}

static void kt_show_npf(struct seq_file *m, struct kt_snap *s)
{
	const struct kt_stats *st = &s->st;
	u64 exits = 0;
	unsigned int i;

	for (i = 0; i < KT_NR_CODES; i++)
		if (kt_code_is_npf(s->isa, kt_idx_code(s->isa, i)))
			exits += st->count[i];
	seq_printf(m, "exits %llu\n", exits);
	seq_printf(m, "mmio %llu\n", st->npf_mmio);
	seq_printf(m, "fault %llu\n", st->npf_fault);
}

static void kt_show_wakeups(struct seq_file *m, struct kt_snap *s)
{
	seq_printf(m, "piw %llu\n", s->wake_piw);
	seq_printf(m, "other %llu\n", s->st.wake_other);
}

static void kt_show_stats(struct seq_file *m, struct kt_snap *s)
{
	const struct kt_stats *st = &s->st;

	seq_printf(m, "vcpus %u\n", s->nr_vcpus);
	seq_printf(m, "isa %s\n", s->isa == KT_ISA_SVM ? "svm" : "vmx");
	seq_printf(m, "exits %llu\n", kt_stats_exits(st));
	seq_printf(m, "exit_ns %llu\n", st->exit_ns[KT_IN_KERNEL]);
	seq_printf(m, "user_exits %llu\n", kt_user_exits(st));
	seq_printf(m, "user_exit_ns %llu\n", st->exit_ns[KT_IN_USER]);
	seq_printf(m, "slow %llu\n", st->slow[KT_IN_KERNEL]);
	seq_printf(m, "user_slow %llu\n", st->slow[KT_IN_USER]);
	seq_printf(m, "latency_other %llu\n",
		   kt_hist_sum(&st->lat_other[KT_IN_KERNEL]));
	seq_printf(m, "user_latency_other %llu\n",
		   kt_hist_sum(&st->lat_other[KT_IN_USER]));
	seq_printf(m, "unknown_lost %llu\n", st->unknown_lost);
	seq_printf(m, "msr_lost_writes %llu\n", st->msr_lost_writes);
	seq_printf(m, "msr_lost_reads %llu\n", st->msr_lost_reads);
	seq_printf(m, "vmx_failed_entry %llu\n",
		   st->vmx_flags[KT_VMX_FAILED_ENTRY]);
	seq_printf(m, "vmx_bus_lock %llu\n", st->vmx_flags[KT_VMX_BUS_LOCK]);
	seq_printf(m, "vmx_enclave %llu\n", st->vmx_flags[KT_VMX_ENCLAVE]);
	seq_printf(m, "vmx_other_flags %llu\n",
		   st->vmx_flags[KT_VMX_OTHER_FLAGS]);
}

static int kt_scope_show(struct seq_file *m,
			 void (*show)(struct seq_file *m, struct kt_snap *s))
{
	const enum kt_obj_kind *kind = m->private;
	struct kt_snap *s;

	s = kvzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	if (*kind == KT_OBJ_VM)
		kt_snap_vm(s, container_of(kind, struct kt_vm, kind));
	else
		kt_snap_vcpu(s, container_of(kind, struct kt_vcpu, kind));
	show(m, s);
	kvfree(s);
	return 0;
}

#define KT_SCOPE_FILE(name)						\
static int kt_##name##_show(struct seq_file *m, void *unused)		\
{									\
	return kt_scope_show(m, kt_show_##name);			\
}									\
DEFINE_SHOW_ATTRIBUTE(kt_##name)

KT_SCOPE_FILE(exits);
KT_SCOPE_FILE(msrs);
KT_SCOPE_FILE(latency);
KT_SCOPE_FILE(user_latency);
KT_SCOPE_FILE(hlt);
KT_SCOPE_FILE(npf);
KT_SCOPE_FILE(wakeups);
KT_SCOPE_FILE(stats);

static void kt_scope_files(struct dentry *dir, enum kt_obj_kind *kind)
{
	debugfs_create_file("exits", 0400, dir, kind, &kt_exits_fops);
	debugfs_create_file("msrs", 0400, dir, kind, &kt_msrs_fops);
	debugfs_create_file("latency", 0400, dir, kind, &kt_latency_fops);
	debugfs_create_file("user_latency", 0400, dir, kind,
			    &kt_user_latency_fops);
	debugfs_create_file("hlt", 0400, dir, kind, &kt_hlt_fops);
	debugfs_create_file("npf", 0400, dir, kind, &kt_npf_fops);
	debugfs_create_file("wakeups", 0400, dir, kind, &kt_wakeups_fops);
	debugfs_create_file("stats", 0400, dir, kind, &kt_stats_fops);
}

/*
 * Called from kt_work only. Returns 0 when done (also when debugfs is not
 * available at all: the VM is then traced without files), or an error if
 * the directory could not be made yet and must be retried.
 */
int kt_debugfs_add_vm(struct kt_vm *vm)
{
	struct dentry *d;

	if (!kt_vms_dir)
		return 0;
	d = debugfs_create_dir(vm->name, kt_vms_dir);
	if (IS_ERR(d)) {
		kt_count(KT_C_DIR_FAIL);
		return PTR_ERR(d);
	}
	vm->dir = d;
	kt_scope_files(d, &vm->kind);
	return 0;
}

/* Called from kt_work only, once the VM's directory exists; as above. */
int kt_debugfs_add_vcpu(struct kt_vcpu *v)
{
	char name[16];
	struct dentry *d;

	if (!v->vm->dir)
		return 0;
	snprintf(name, sizeof(name), "vcpu%d", v->vcpu_id);
	d = debugfs_create_dir(name, v->vm->dir);
	if (IS_ERR(d)) {
		kt_count(KT_C_DIR_FAIL);
		return PTR_ERR(d);
	}
	v->dir = d;
	kt_scope_files(d, &v->kind);
	return 0;
}

/* ---- host-wide files --------------------------------------------------- */

static int kt_summary_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "enabled %d\n", kt_active());
	seq_printf(m, "pid %d\n", READ_ONCE(kt_pid_filter));
	seq_printf(m, "slow_ns %llu\n", READ_ONCE(kt_slow_ns));
	seq_printf(m, "kvm_symbols %s\n",
		   kt_symbols_resolved() ? "resolved" : "missing");
	seq_printf(m, "exit_info %s\n", kt_exit_info_source());
	kt_state_summary(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kt_summary);

static int kt_probes_show(struct seq_file *m, void *unused)
{
	kt_hooks_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kt_probes);

static int kt_control_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "enabled %d\n", kt_active());
	seq_printf(m, "pid %d\n", READ_ONCE(kt_pid_filter));
	seq_printf(m, "slow_ns %llu\n", READ_ONCE(kt_slow_ns));
	return 0;
}

static int kt_control_open(struct inode *inode, struct file *file)
{
	return single_open(file, kt_control_show, inode->i_private);
}

/* Parse everything first; change nothing unless the command is valid. */
static int kt_control_apply(char *cmd)
{
	char *arg = strchr(cmd, ' ');
	u64 ns;
	int pid;

	if (arg) {
		*arg++ = '\0';
		arg = skip_spaces(arg);
	}

	if (!strcmp(cmd, "enable") && !arg) {
		WRITE_ONCE(kt_gen, kt_gen + 1);
		static_branch_enable(&kt_enabled);
	} else if (!strcmp(cmd, "disable") && !arg) {
		static_branch_disable(&kt_enabled);
		WRITE_ONCE(kt_gen, kt_gen + 1);
		WRITE_ONCE(kt_halt_gen, kt_halt_gen + 1);
	} else if (!strcmp(cmd, "reset") && !arg) {
		kt_state_reset();
	} else if (!strcmp(cmd, "pid") && arg) {
		if (!strcmp(arg, "-1"))
			ns = 0;
		else if (kt_parse_u64(arg, &ns) || ns > PID_MAX_LIMIT)
			return -EINVAL;
		pid = ns;
		WRITE_ONCE(kt_pid_filter, pid);
		/* exits open under the old filter are not measured */
		WRITE_ONCE(kt_gen, kt_gen + 1);
		if (kt_pid_filter)
			static_branch_enable(&kt_pid_filtering);
		else
			static_branch_disable(&kt_pid_filtering);
	} else if (!strcmp(cmd, "slow_ns") && arg) {
		if (kt_parse_u64(arg, &ns))
			return -EINVAL;
		kt_set_slow_ns(ns);
	} else {
		return -EINVAL;
	}
	return 0;
}

static ssize_t kt_control_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	char buf[64];
	int ret;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';

	mutex_lock(&kt_control_mutex);
	ret = kt_control_apply(strim(buf));
	mutex_unlock(&kt_control_mutex);
	if (ret) {
		pr_info_ratelimited("control: invalid command\n");
		return ret;
	}
	return len;
}

static const struct file_operations kt_control_fops = {
	.owner = THIS_MODULE,
	.open = kt_control_open,
	.read = seq_read,
	.write = kt_control_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* debugfs is optional: on failure kvmtrace still counts, just unseen. */
void kt_debugfs_init(void)
{
	struct dentry *root, *vms;

	root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(root)) {
		pr_warn("debugfs unavailable (%ld); no files\n", PTR_ERR(root));
		return;
	}
	vms = debugfs_create_dir("vms", root);
	if (IS_ERR(vms)) {
		pr_warn("cannot create debugfs vms directory (%ld)\n",
			PTR_ERR(vms));
		vms = NULL;
	}
	debugfs_create_file("summary", 0400, root, NULL, &kt_summary_fops);
	debugfs_create_file("probes", 0400, root, NULL, &kt_probes_fops);
	debugfs_create_file("control", 0600, root, NULL, &kt_control_fops);
	kt_root = root;
	kt_vms_dir = vms;
}

/* Per-VM directories are already gone (kt_state_flush()). */
void kt_debugfs_exit(void)
{
	debugfs_remove_recursive(kt_root);
	kt_vms_dir = NULL;
	kt_root = NULL;
}
