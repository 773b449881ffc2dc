/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtrace_util - what the kvmtrace selftests share: loading and unloading
 * kvmtrace.ko, and reading its debugfs files.  The file names, sizes and
 * line formats are kvmtrace's own (kmod/include/uapi/kvmtrace.h; their
 * meaning is in Documentation/kvmtrace.rst).  Like kvm_util, it asserts;
 * a "__" twin returns the error.
 */
#ifndef KVMTUNE_KVMTRACE_UTIL_H
#define KVMTUNE_KVMTRACE_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "uapi/kvmtrace.h"
#include "kvm_util.h"

#define KVMTRACE_DIR		"/sys/kernel/debug/" KVMTRACE_ROOT
#define KVMTRACE_MAX_ROWS	256	/* more than any file has: 64 MSRs, ... */
/* the last bucket's lo_ns */
#define KVMTRACE_HIST_LO_MAX	(1ULL << (KVMTRACE_HIST_BUCKETS - 1))

/*
 * NULL when kvmtrace can be loaded here: /dev/kvm, and the module build
 * ($KVMTUNE_KMOD, set in the proving ground); else what is missing.
 */
const char *kvmtrace_need_module(void);

/*
 * Load kvmtrace.ko from $KVMTUNE_KMOD (unloading it first if it is
 * loaded), or its debug build next to it (build/<line>/mod-debug/kmod)
 * with module parameters @params; asserts that insmod succeeded.
 * kvmtrace_unload() unloads it if this process loaded it; so does the
 * exit of a process that did not (a failed assertion).
 */
void kvmtrace_load(void);
void kvmtrace_load_debug(const char *params);
void kvmtrace_unload(void);

/* The directory of @vm: vms/<name>, the name of KVM's own directory */
void kvmtrace_vm_dir(struct kvm_vm *vm, char *buf, size_t len);
/* @file of @vm's directory (@vcpu < 0) or of its vCPU @vcpu's */
void kvmtrace_path(char *buf, size_t len, struct kvm_vm *vm, int vcpu,
		   const char *file);
/* The number of VM directories kvmtrace has now */
int kvmtrace_nr_vm_dirs(void);

/* One command to the control file, in one write */
void kvmtrace_control(const char *cmd);

/*
 * A kvmtrace file of rows: "<key> <value>", "<NAME> <0xCODE> <count>" or
 * "<0xIDX> <NAME> <w> <r>".  The key is the first field; a field that is
 * not a number after it is the row's name, the numbers are its values.
 */
struct kvmtrace_row {
	char key[48];
	char name[48];	/* first non-numeric field after the key, or "" */
	unsigned long long v[3];
	int nv;
};

struct kvmtrace_file {
	struct kvmtrace_row row[KVMTRACE_MAX_ROWS];
	int n;
};

void kvmtrace_read(const char *path, struct kvmtrace_file *f);
int __kvmtrace_read(const char *path, struct kvmtrace_file *f);
const struct kvmtrace_row *kvmtrace_find(const struct kvmtrace_file *f,
					 const char *key);
/* Value number @i of row @key, 0 if the row is absent. */
unsigned long long kvmtrace_val(const struct kvmtrace_file *f,
				const char *key, int i);
/* "key value" file: the value of @key, ~0ULL if absent or unreadable. */
unsigned long long kvmtrace_get(const char *path, const char *key);

/*
 * The histogram lines of a "latency" or "user_latency" file, or of "hlt"
 * ("exit_hist <lo> <count>": name "exit_hist", code -1):
 * "<NAME> <0xCODE> <lo_ns> <count>", "OTHER - <lo_ns> <count>" (code -1).
 */
#define KVMTRACE_MAX_HIST	1024

struct kvmtrace_hist_line {
	char name[32];
	long long code;
	unsigned long long lo, count;
};

struct kvmtrace_hist {
	struct kvmtrace_hist_line l[KVMTRACE_MAX_HIST];
	int n;
	int bad;	/* lines that did not parse */
};

void kvmtrace_read_hist(const char *path, struct kvmtrace_hist *h);
/* Sum of the counts of lines named @name ("OTHER", "IOIO", "halt_hist") */
unsigned long long kvmtrace_hist_count(const struct kvmtrace_hist *h,
				       const char *name);
/* The same, of the lines whose bucket starts at @lo (0: the 0 ns spans) */
unsigned long long kvmtrace_hist_count_at(const struct kvmtrace_hist *h,
					  const char *name,
					  unsigned long long lo);
/* Upper end (exclusive) of a bucket: lo_ns 0 is the bucket of 0 and 1 ns. */
unsigned long long kvmtrace_bucket_hi(unsigned long long lo);
/* Is @lo a valid lower bound: 0 or a power of two, at most 2^35? */
bool kvmtrace_bucket_ok(unsigned long long lo);

#endif /* KVMTUNE_KVMTRACE_UTIL_H */
