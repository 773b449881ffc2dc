/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtop's data model and the unit that fills it: one sample of the
 * kvmtrace debugfs tree, read file by file with readers picked from the
 * file table of uapi/kvmtrace_keys.h.  Nothing here knows how a value is
 * shown: rates are in rates.h, derived times in stats.h, the formats and
 * the screen in output.h and screen.h.
 */
#ifndef KVMTOP_SAMPLE_H
#define KVMTOP_SAMPLE_H

#include <limits.h>
#include <stdbool.h>
#include <time.h>
#include <linux/types.h>

#include "uapi/kvmtrace.h"
#include "util.h"

#define KVMTOP_DEBUGFS		"/sys/kernel/debug"
#define KVMTOP_DEFAULT_ROOT	KVMTOP_DEBUGFS "/" KVMTRACE_ROOT

#define KVMTOP_MAX_VMS		4096u
#define KVMTOP_MAX_VCPUS	4096u		/* per VM */
#define KVMTOP_MAX_KV		64u		/* key/value lines per file */
#define KVMTOP_NAME_LEN		48
#define KVMTOP_KEY_LEN		32
#define KVMTOP_VAL_LEN		32
#define KVMTOP_GUEST_LEN	64

/* The host-wide files and the commands of control, from kvmtrace_keys.h. */
enum kvmtop_host_file {
#define KVMTRACE_HOST_FILE(name)	KVMTOP_HOST_##name,
#include "uapi/kvmtrace_keys.h"
	KVMTOP_HOST_NR,
};

enum kvmtop_command {
#define KVMTRACE_COMMAND(name, ...)	KVMTOP_CMD_##name,
#include "uapi/kvmtrace_keys.h"
	KVMTOP_CMD_NR,
};

/* The files of a VM or vCPU directory, in the order of kvmtrace_keys.h. */
enum kvmtop_file {
#define KVMTRACE_SCOPE_FILE(name)	KVMTOP_FILE_##name,
#include "uapi/kvmtrace_keys.h"
	KVMTOP_FILE_NR,
};

/* What a key's value is; see kvmtrace_keys.h. */
enum kvmtop_kind {
	KVMTOP_SUM,
	KVMTOP_COUNTER,
	KVMTOP_VALUE,
	KVMTOP_WORD,
};

struct kvmtop_key {
	const char *name;
	enum kvmtop_kind kind;
	const char *help;
};

struct kvmtop_keys {
	const struct kvmtop_key *key;
	unsigned int nr;
};

/* The keys of the "key value" files that kvmtop looks at by name. */
enum kvmtop_hlt_key {
#define KVMTRACE_HLT_KEY(key, ...)	KVMTOP_HLT_##key,
#include "uapi/kvmtrace_keys.h"
	KVMTOP_HLT_NR,
};

enum kvmtop_wakeups_key {
#define KVMTRACE_WAKEUPS_KEY(key, ...)	KVMTOP_WAKEUPS_##key,
#include "uapi/kvmtrace_keys.h"
	KVMTOP_WAKEUPS_NR,
};

enum kvmtop_stats_key {
#define KVMTRACE_STATS_KEY(key, ...)	KVMTOP_STATS_##key,
#include "uapi/kvmtrace_keys.h"
	KVMTOP_STATS_NR,
};

enum kvmtop_hlt_hist {
#define KVMTRACE_HLT_HIST(name, ...)	KVMTOP_HLT_HIST_##name,
#include "uapi/kvmtrace_keys.h"
	KVMTOP_HLT_HIST_NR,
};

/* Per file its keys (none for the files that are not "key value"). */
extern const struct kvmtop_keys kvmtop_file_keys[KVMTOP_FILE_NR];
extern const struct kvmtop_keys kvmtop_summary_keys;
extern const struct kvmtop_key kvmtop_hlt_hists[KVMTOP_HLT_HIST_NR];

/* A log2 histogram: bucket b counts b ? [2^b, 2^(b+1)) : [0, 2) ns. */
struct kvmtop_hist {
	__u64 b[KVMTRACE_HIST_BUCKETS];
};

/* Where an exit was completed: latency or user_latency. */
enum kvmtop_where {
	KVMTOP_KERNEL,
	KVMTOP_USER,
	KVMTOP_WHERE_NR,
};

/*
 * One exit reason: its line of "exits" and its lines of "latency" and
 * "user_latency".  The OTHER lines of the latency files are a reason of
 * their own, with no code and no line in "exits".
 */
struct kvmtop_reason {
	char name[KVMTOP_NAME_LEN];
	unsigned int code;
	bool other;
	bool in_exits;
	__u64 exits;
	struct kvmtop_hist lat[KVMTOP_WHERE_NR];
};

struct kvmtop_msr {
	unsigned int index;
	char name[KVMTOP_NAME_LEN];	/* empty for "-" */
	__u64 writes;
	__u64 reads;
};

/* One "key value" line; known is its index in the file's key table, or -1. */
struct kvmtop_kv {
	char key[KVMTOP_KEY_LEN];
	char val[KVMTOP_VAL_LEN];
	__u64 v;
	bool num;
	int known;
};

struct kvmtop_kvs {
	struct kvmtop_kv *kv;
	unsigned int nr;
};

/* One VM or one vCPU: the same files, the same format. */
struct kvmtop_scope {
	unsigned int files;		/* bit (1 << enum kvmtop_file) per file read */
	struct kvmtop_reason *reasons;	/* by code, OTHER last */
	unsigned int nr_reasons;
	unsigned int reasons_cap;
	struct kvmtop_msr *msrs;	/* by index */
	unsigned int nr_msrs;
	struct kvmtop_kvs kv[KVMTOP_FILE_NR];
	struct kvmtop_hist hlt_hist[KVMTOP_HLT_HIST_NR];
	__u64 exits_total;		/* sum of the "exits" file */
	/* Set by kvmtop_sample_delta(): the same rows, minus the previous sample. */
	struct kvmtop_scope *delta;
};

struct kvmtop_vcpu {
	unsigned int id;
	struct kvmtop_scope s;
};

struct kvmtop_vm {
	char name[NAME_MAX + 1];
	long pid;
	char guest[KVMTOP_GUEST_LEN];	/* QEMU's -name, empty if none */
	struct kvmtop_scope s;
	struct kvmtop_vcpu *vcpus;	/* by id */
	unsigned int nr_vcpus;
	unsigned int vcpus_cap;
};

struct kvmtop_sample {
	struct timespec mono;
	struct timespec real;
	struct kvmtop_kvs summary;
	struct kvmtop_vm *vms;		/* by name */
	unsigned int nr_vms;
	unsigned int vms_cap;
	bool has_delta;			/* every scope has its delta */
	double interval;		/* seconds since the previous sample */
};

/* Where samples come from. */
struct kvmtop_source {
	const char *root;		/* the kvmtrace directory */
	const char *proc;		/* for guest names; NULL for none */
	long pid;			/* only this VMM's VMs; -1 for all */
	struct kvmtop_buf buf;
};

int kvmtop_sample_take(struct kvmtop_source *src, struct kvmtop_sample **out);
void kvmtop_sample_free(struct kvmtop_sample *smp);
void kvmtop_scope_free(struct kvmtop_scope *s);
int kvmtop_cmp_vm(const void *a, const void *b);
int kvmtop_cmp_vcpu(const void *a, const void *b);

const struct kvmtop_kv *kvmtop_kv_known(const struct kvmtop_kvs *kvs, int key);
__u64 kvmtop_kv_u64(const struct kvmtop_scope *s, enum kvmtop_file f, int key);
bool kvmtop_kv_is_count(enum kvmtop_file f, const struct kvmtop_kv *kv);
const char *kvmtop_file_name(enum kvmtop_file f);
const char *kvmtop_host_file_name(enum kvmtop_host_file f);
const char *kvmtop_command_name(enum kvmtop_command cmd);
bool kvmtop_scope_has(const struct kvmtop_scope *s, enum kvmtop_file f);

int kvmtop_guest_name(const char *proc, long pid, char *buf, size_t size);
int kvmtop_control(const char *root, enum kvmtop_command cmd);
int kvmtop_errno_exit(int err, const char *root, const char *what);

#endif /* KVMTOP_SAMPLE_H */
