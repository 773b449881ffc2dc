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
#include <linux/seq_file.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/svm.h>
#include <asm/vmx.h>

#include "control.h"
#include "debugfs.h"
#include "hooks.h"
#include "names.h"
#include "state.h"
#include "stats.h"

static struct dentry *kt_root;
static struct dentry *kt_vms_dir;

/*
 * The keys of the "key value" files, from uapi/kvmtrace_keys.h: an enum to
 * fill a file's values by key, and the names to print them with.
 */
struct kt_key {
	const char *name;
};

enum {
#define KVMTRACE_HLT_KEY(key, ...)	KT_HLT_##key,
#include "uapi/kvmtrace_keys.h"
	KT_HLT_NR
};

static const struct kt_key kt_HLT_keys[] = {
#define KVMTRACE_HLT_KEY(key, ...)	{ #key },
#include "uapi/kvmtrace_keys.h"
};

static_assert(ARRAY_SIZE(kt_HLT_keys) == KT_HLT_NR);

/* where each plain counter of stats.h goes */
#define KT_HLTC_KEY_COUNTER(key)	KT_HLT_##key,
#define KT_HLTC_KEY_SUM(...)
#define KT_HLTC_KEY_VALUE(...)
static const u8 kt_hltc_key[] = {
#define KVMTRACE_HLT_KEY(key, kind, ...)	KT_HLTC_KEY_##kind(key)
#include "uapi/kvmtrace_keys.h"
};

static_assert(ARRAY_SIZE(kt_hltc_key) == KT_HLTC_NR);

enum {
#define KVMTRACE_NPF_KEY(key, ...)	KT_NPF_##key,
#include "uapi/kvmtrace_keys.h"
	KT_NPF_NR
};

static const struct kt_key kt_NPF_keys[] = {
#define KVMTRACE_NPF_KEY(key, ...)	{ #key },
#include "uapi/kvmtrace_keys.h"
};

static_assert(ARRAY_SIZE(kt_NPF_keys) == KT_NPF_NR);

enum {
#define KVMTRACE_WAKEUPS_KEY(key, ...)	KT_WAKEUPS_##key,
#include "uapi/kvmtrace_keys.h"
	KT_WAKEUPS_NR
};

static const struct kt_key kt_WAKEUPS_keys[] = {
#define KVMTRACE_WAKEUPS_KEY(key, ...)	{ #key },
#include "uapi/kvmtrace_keys.h"
};

static_assert(ARRAY_SIZE(kt_WAKEUPS_keys) == KT_WAKEUPS_NR);

enum {
#define KVMTRACE_STATS_KEY(key, ...)	KT_STATS_##key,
#include "uapi/kvmtrace_keys.h"
	KT_STATS_NR
};

static const struct kt_key kt_STATS_keys[] = {
#define KVMTRACE_STATS_KEY(key, ...)	{ #key },
#include "uapi/kvmtrace_keys.h"
};

static_assert(ARRAY_SIZE(kt_STATS_keys) == KT_STATS_NR);

enum {
#define KVMTRACE_SUMMARY_KEY(key, ...)	KT_SUMMARY_##key,
#include "uapi/kvmtrace_keys.h"
	KT_SUMMARY_NR
};

static const struct kt_key kt_SUMMARY_keys[] = {
#define KVMTRACE_SUMMARY_KEY(key, ...)	{ #key },
#include "uapi/kvmtrace_keys.h"
};

static_assert(ARRAY_SIZE(kt_SUMMARY_keys) == KT_SUMMARY_NR);

enum {
#define KVMTRACE_CONTROL_KEY(key, ...)	KT_CONTROL_##key,
#include "uapi/kvmtrace_keys.h"
	KT_CONTROL_NR
};

static const struct kt_key kt_CONTROL_keys[] = {
#define KVMTRACE_CONTROL_KEY(key, ...)	{ #key },
#include "uapi/kvmtrace_keys.h"
};

static_assert(ARRAY_SIZE(kt_CONTROL_keys) == KT_CONTROL_NR);

/* A value is a number unless the key has a word of its own. */
static void kt_print_keys(struct seq_file *m, const struct kt_key *keys,
			  const u64 *vals, const char *const *words,
			  unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (words && words[i])
			seq_printf(m, "%s %s\n", keys[i].name, words[i]);
		else
			seq_printf(m, "%s %llu\n", keys[i].name, vals[i]);
	}
}

#define kt_print(m, file, vals, words)					\
	kt_print_keys(m, kt_##file##_keys, vals, words, KT_##file##_NR)

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
		seq_printf(m, KVMTRACE_EXITS_FMT, kt_reason_name(s->isa, code),
			   code, st->count[i]);
	}
	for (i = 0; i < KT_UNKNOWN_SLOTS && st->unknown[i].count; i++) {
		code = st->unknown[i].code;
		seq_printf(m, KVMTRACE_EXITS_FMT, kt_reason_name(s->isa, code),
			   code, st->unknown[i].count);
	}
}

static int kt_cmp_msr(const void *a, const void *b)
{
	const struct kt_msr *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* The snapshot is private to this read, so sort its MSR table in place. */
static void kt_show_msrs(struct seq_file *m, struct kt_snap *s)
{
	struct kt_msr *msr = s->st.msr;
	unsigned int i, n = 0;
	u32 index;

	for (i = 0; i < KT_MSR_SLOTS; i++)
		if (msr[i].key)
			msr[n++] = msr[i];
	sort(msr, n, sizeof(msr[0]), kt_cmp_msr, NULL);
	for (i = 0; i < n; i++) {
		index = msr[i].key - 1;
		seq_printf(m, KVMTRACE_MSRS_FMT, index,
			   kt_msr_name(index) ?: KVMTRACE_MSR_NO_NAME,
			   msr[i].n[1], msr[i].n[0]);
	}
}

/* A reason slot, to print the slots in code order. */
struct kt_lat_line {
	u32 code;
	unsigned int slot;
};

static int kt_cmp_lat(const void *a, const void *b)
{
	const struct kt_lat_line *x = a, *y = b;

	return x->code < y->code ? -1 : x->code > y->code;
}

/* "latency" and "user_latency": the same lines, for exits handled @where */
static void kt_show_lat(struct seq_file *m, struct kt_snap *s,
			enum kt_where where)
{
	const struct kt_stats *st = &s->st;
	struct kt_lat_line lines[KT_LAT_SLOTS];
	char prefix[KT_REASON_LEN + 16];
	unsigned int i;

	for (i = 0; i < st->lat_used; i++) {
		lines[i].code = st->lat_code[i];
		lines[i].slot = i;
	}
	sort(lines, st->lat_used, sizeof(lines[0]), kt_cmp_lat, NULL);
	for (i = 0; i < st->lat_used; i++) {
		snprintf(prefix, sizeof(prefix), "%s 0x%x ",
			 kt_reason_name(s->isa, lines[i].code), lines[i].code);
		kt_print_hist(m, prefix,
			      &st->lh[KT_LH_SLOTS + lines[i].slot * KT_WHERE_NR +
				      where].h);
	}
	kt_print_hist(m, "OTHER - ", &st->lh[KT_LH_OTHER + where].h);
}

static void kt_show_latency(struct seq_file *m, struct kt_snap *s)
{
	kt_show_lat(m, s, KT_IN_KERNEL);
}

static void kt_show_user_latency(struct seq_file *m, struct kt_snap *s)
{
	kt_show_lat(m, s, KT_IN_USER);
}

static void kt_show_hlt(struct seq_file *m, struct kt_snap *s)
{
	const struct kt_stats *st = &s->st;
	u32 code = s->isa == KT_ISA_SVM ? SVM_EXIT_HLT : EXIT_REASON_HLT;
	int idx = kt_code_idx(s->isa, code);
	u64 v[KT_HLT_NR] = {
		[KT_HLT_exits] = idx >= 0 ? st->count[idx] : 0,
		[KT_HLT_exit_ns] = st->lh[KT_LH_HLT].ns,
		[KT_HLT_poll_ns] = st->poll_ns,
	};
	unsigned int i;

	for (i = 0; i < KT_HLTC_NR; i++)
		v[kt_hltc_key[i]] = st->hlt[i];
	kt_print(m, HLT, v, NULL);
	kt_print_hist(m, "exit_hist ", &st->lh[KT_LH_HLT].h);
	kt_print_hist(m, "halt_hist ", &st->halt);
}

static void kt_show_npf(struct seq_file *m, struct kt_snap *s)
{
	const struct kt_stats *st = &s->st;
	u64 v[KT_NPF_NR] = {
		[KT_NPF_mmio] = st->npf_mmio,
		[KT_NPF_fault] = st->npf_fault,
	};
	unsigned int i;

	for (i = 0; i < KT_NR_CODES; i++)
		if (kt_code_is_npf(s->isa, kt_idx_code(s->isa, i)))
			v[KT_NPF_exits] += st->count[i];
	kt_print(m, NPF, v, NULL);
}

static void kt_show_wakeups(struct seq_file *m, struct kt_snap *s)
{
	u64 v[KT_WAKEUPS_NR] = {
		[KT_WAKEUPS_piw] = s->wake_piw,
		[KT_WAKEUPS_other] = s->st.wake_other,
	};

	kt_print(m, WAKEUPS, v, NULL);
}

static void kt_show_stats(struct seq_file *m, struct kt_snap *s)
{
	const struct kt_stats *st = &s->st;
	const char *strs[KT_STATS_NR] = {
		[KT_STATS_isa] = s->isa == KT_ISA_SVM ? "svm" : "vmx",
	};
	u64 v[KT_STATS_NR] = {
		[KT_STATS_vcpus] = s->nr_vcpus,
		[KT_STATS_exits] = kt_stats_exits(st),
		[KT_STATS_exit_ns] = kt_stats_exit_ns(st, KT_IN_KERNEL),
		[KT_STATS_user_exits] = kt_stats_lat_exits(st, KT_IN_USER),
		[KT_STATS_user_exit_ns] = kt_stats_exit_ns(st, KT_IN_USER),
		[KT_STATS_slow] = st->slow[KT_IN_KERNEL],
		[KT_STATS_user_slow] = st->slow[KT_IN_USER],
		[KT_STATS_latency_other] =
			kt_hist_sum(&st->lh[KT_LH_OTHER + KT_IN_KERNEL].h),
		[KT_STATS_user_latency_other] =
			kt_hist_sum(&st->lh[KT_LH_OTHER + KT_IN_USER].h),
		[KT_STATS_unknown_lost] = st->unknown_lost,
		[KT_STATS_msr_lost_writes] = st->msr_lost_writes,
		[KT_STATS_msr_lost_reads] = st->msr_lost_reads,
		[KT_STATS_vmx_failed_entry] = st->vmx_flags[KT_VMX_FAILED_ENTRY],
		[KT_STATS_vmx_bus_lock] = st->vmx_flags[KT_VMX_BUS_LOCK],
		[KT_STATS_vmx_enclave] = st->vmx_flags[KT_VMX_ENCLAVE],
		[KT_STATS_vmx_other_flags] = st->vmx_flags[KT_VMX_OTHER_FLAGS],
	};

	kt_print(m, STATS, v, strs);
}

static int kt_scope_show_with(struct seq_file *m,
			      void (*show)(struct seq_file *m,
					   struct kt_snap *s))
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

/* One file per entry of uapi/kvmtrace_keys.h, all with one set of fops. */
static const struct {
	const char *name;
	void (*show)(struct seq_file *m, struct kt_snap *s);
} kt_scope_shows[] = {
#define KVMTRACE_SCOPE_FILE(name)	{ #name, kt_show_##name },
#include "uapi/kvmtrace_keys.h"
};

static int kt_scope_show(struct seq_file *m, void *unused)
{
	const char *name = file_dentry(m->file)->d_name.name;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kt_scope_shows); i++)
		if (!strcmp(name, kt_scope_shows[i].name))
			return kt_scope_show_with(m, kt_scope_shows[i].show);
	return -ENOENT;
}
DEFINE_SHOW_ATTRIBUTE(kt_scope);

static void kt_scope_files(struct dentry *dir, enum kt_obj_kind *kind)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kt_scope_shows); i++)
		debugfs_create_file(kt_scope_shows[i].name, 0400, dir, kind,
				    &kt_scope_fops);
}

/*
 * Called from kt_work only. Returns 0 when done (also when debugfs is not
 * available at all: the VM is then traced without files), or an error if
 * the directory could not be made yet and must be retried.
 */
static int kt_debugfs_add_vm(struct kt_vm *vm)
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
static int kt_debugfs_add_vcpu(struct kt_vcpu *v)
{
	char name[16];
	struct dentry *d;

	if (!v->vm->dir)
		return 0;
	snprintf(name, sizeof(name), KVMTRACE_VCPU_DIR, v->vcpu_id);
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
	const char *strs[KT_SUMMARY_NR] = {
		[KT_SUMMARY_kvm_symbols] = kt_symbols_resolved() ? "resolved" :
								   "missing",
		[KT_SUMMARY_exit_info] = kt_exit_info_source(),
	};
	struct kt_state_summary sum;
	u64 v[KT_SUMMARY_NR];

	kt_state_summary(&sum);
	v[KT_SUMMARY_enabled] = kt_active();
	v[KT_SUMMARY_pid] = READ_ONCE(kt_pid_filter);
	v[KT_SUMMARY_slow_ns] = READ_ONCE(kt_slow_ns);
	v[KT_SUMMARY_vms] = sum.vms;
	v[KT_SUMMARY_max_vms] = sum.max_vms;
	v[KT_SUMMARY_vcpus] = sum.vcpus;
	v[KT_SUMMARY_max_vcpus] = sum.max_vcpus;
	v[KT_SUMMARY_memory_bytes] = sum.memory_bytes;
	v[KT_SUMMARY_exits] = sum.exits;
	v[KT_SUMMARY_dropped_vm_full] = sum.counters[KT_C_VM_FULL];
	v[KT_SUMMARY_dropped_vcpu_full] = sum.counters[KT_C_VCPU_FULL];
	v[KT_SUMMARY_untracked] = sum.counters[KT_C_UNTRACKED];
	v[KT_SUMMARY_noreason] = sum.counters[KT_C_NOREASON];
	v[KT_SUMMARY_dir_failures] = sum.counters[KT_C_DIR_FAIL];
	kt_print(m, SUMMARY, v, strs);
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
	u64 v[KT_CONTROL_NR] = {
		[KT_CONTROL_enabled] = kt_active(),
		[KT_CONTROL_pid] = READ_ONCE(kt_pid_filter),
		[KT_CONTROL_slow_ns] = READ_ONCE(kt_slow_ns),
	};

	kt_print(m, CONTROL, v, NULL);
	return 0;
}

static int kt_control_open(struct inode *inode, struct file *file)
{
	return single_open(file, kt_control_show, inode->i_private);
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

	/* a NUL would hide what follows it from the parser */
	ret = strlen(buf) == len ? kt_control_apply(strim(buf)) : -EINVAL;
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
/* Also the vCPU directories below it. */
static void kt_debugfs_remove_vm(struct kt_vm *vm)
{
	debugfs_remove_recursive(vm->dir);
}

static const struct kt_dir_ops kt_debugfs_dir_ops = {
	.add_vm = kt_debugfs_add_vm,
	.add_vcpu = kt_debugfs_add_vcpu,
	.remove_vm = kt_debugfs_remove_vm,
};

void kt_debugfs_init(void)
{
	struct dentry *root, *vms;

	root = debugfs_create_dir(KVMTRACE_ROOT, NULL);
	if (IS_ERR(root)) {
		pr_warn("debugfs unavailable (%ld); no files\n", PTR_ERR(root));
		return;
	}
	vms = debugfs_create_dir(KVMTRACE_VMS_DIR, root);
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
	if (vms)
		kt_state_set_dir_ops(&kt_debugfs_dir_ops);
}

/* Per-VM directories are already gone (kt_state_flush()). */
void kt_debugfs_exit(void)
{
	kt_state_set_dir_ops(NULL);
	debugfs_remove_recursive(kt_root);
	kt_vms_dir = NULL;
	kt_root = NULL;
}
