/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_util - a small library for driving /dev/kvm directly from selftests:
 * VMs and their vCPUs, guest memory, KVM's stats, and vCPU threads that run
 * the guest and count its exits to userspace.
 *
 * The x86 set-up (guest modes, memory layout, GDT, page tables) is in
 * x86/processor.h, the built-in guest code that makes exactly known exits
 * in x86/guest_routines.h; this header includes both.  Operations assert
 * (test_util.h); a "__" twin returns the error instead.
 *
 * Reserved I/O ports:
 *   KVM_UTIL_PORT_DONE (0xf4): "out" of any value ends the vCPU with success.
 *   KVM_UTIL_PORT_FAIL (0xf5): "out" ends the vCPU with failure, the value
 *                              written (AL/AX/EAX) is reported.
 * Both are counted like every other exit: exit_count[KVM_EXIT_IO] and the
 * per-port counters include them (KVM's io_exits stat counts them too).
 */
#ifndef KVMTUNE_KVM_UTIL_H
#define KVMTUNE_KVM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <linux/kvm.h>

#include "test_util.h"
#include "processor.h"
#include "guest_routines.h"

#define KVM_UTIL_MAX_VCPUS	16
#define KVM_UTIL_EXIT_MAX	64	/* exit_count[] size, > any KVM_EXIT_* */
#define KVM_UTIL_MAX_ADDRS	32	/* distinct ports / MMIO GPAs per vCPU */

#define KVM_UTIL_PORT_DONE	0xf4
#define KVM_UTIL_PORT_FAIL	0xf5
#define KVM_UTIL_PORT_WORK	0x80	/* default workload port, not in-kernel */

#define KVM_UTIL_MEM_SIZE	0x100000ULL	/* default memslot size, 1 MiB */

struct kvm_vm;

struct kvm_vm_opts {
	unsigned int nr_vcpus;	/* 1..KVM_UTIL_MAX_VCPUS */
	bool irqchip;		/* KVM_CREATE_IRQCHIP (in-kernel LAPIC etc.) */
	enum kvm_util_mode mode;
	u64 mem_size;	/* 0: KVM_UTIL_MEM_SIZE */
	/*
	 * NULL: open /dev/kvm for this VM.  Otherwise use that VM's /dev/kvm
	 * file descriptor (it must outlive this VM), so that KVM_CREATE_VM
	 * gets the lowest free descriptor, as in a VMM that opens /dev/kvm
	 * once.
	 */
	struct kvm_vm *sys_from;
};

struct kvm_util_addr_count {
	u64 addr;
	u64 count;
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	unsigned int id;
	int fd;
	int stats_fd;		/* KVM_GET_STATS_FD, -1 if unsupported */
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	/* results of the last kvm_vm_run() */
	bool done;		/* guest wrote KVM_UTIL_PORT_DONE */
	bool failed;		/* guest failure or error, see err */
	bool stopped;		/* ended by kvm_vm_stop(), not a failure */
	u32 fail_value;	/* value written to KVM_UTIL_PORT_FAIL */
	char err[256];
	/* exit counters, reset by kvm_vm_run() */
	u64 exit_count[KVM_UTIL_EXIT_MAX];
	struct kvm_util_addr_count pio[KVM_UTIL_MAX_ADDRS];
	struct kvm_util_addr_count mmio[KVM_UTIL_MAX_ADDRS];
	u64 untracked;	/* PIO/MMIO exits that found no free slot */
	/* progress, for diagnostics (kvm_vcpu_dump()) and timing */
	u64 nr_runs;		/* KVM_RUN calls */
	u32 last_exit_reason;	/* KVM_UTIL_EXIT_NONE: no exit yet */
	u64 last_exit_addr;	/* port or GPA of the last IO/MMIO exit */
	u64 last_exit_ns;	/* CLOCK_MONOTONIC of the last exit */
	u64 start_ns, end_ns;	/* CLOCK_MONOTONIC, vCPU thread start/end */
	bool finished;		/* thread left its loop (atomic) */
	/* KVM_RUN calls that failed with EINTR (a signal), reset by start */
	u64 signal_exits;
	/* kvm_vcpu_hold(): holds done and the time spent in them */
	u64 holds;
	u64 held_ns;
	u32 hold_ms;		/* internal: hold requested (atomic) */
	int routine;		/* internal: last kvm_vcpu_set_*() routine */
};

#define KVM_UTIL_EXIT_NONE	0xffffffffU

/*
 * Exit callback, called from the vCPU thread for every exit except writes to
 * the DONE/FAIL ports (after counting).  Return KVM_UTIL_CB_DEFAULT to get the
 * default handling (IO/MMIO: reads return 0, HLT: resume; anything else is
 * an error), KVM_UTIL_CB_HANDLED to resume the guest, KVM_UTIL_CB_STOP to
 * finish the vCPU successfully, or a negative errno to fail it.
 *
 * It is also called when KVM_RUN failed with EINTR because of a signal
 * (kvm_vcpu_kick(), or one the test sent; not when kvm_vm_stop() or a
 * timeout stops the vCPUs), with run->exit_reason set to KVM_EXIT_INTR; the
 * default is to resume.  These are counted in vcpu->signal_exits, not in
 * exit_count[].  The callback may take its time (a VMM emulating a slow
 * device) and may make ioctls on its own vCPU, but it runs on the vCPU's
 * thread: it must not assert, only use "__" functions.
 */
enum {
	KVM_UTIL_CB_DEFAULT = 0,
	KVM_UTIL_CB_HANDLED = 1,
	KVM_UTIL_CB_STOP = 2,
};

typedef int (*kvm_exit_cb_t)(struct kvm_vcpu *vcpu, void *opaque);

/* VM lifetime: every vCPU starts in the workload routine of its mode */
struct kvm_vm *kvm_vm_create(const struct kvm_vm_opts *opts);
void kvm_vm_destroy(struct kvm_vm *vm);
/*
 * Move the VM's file descriptor to @newfd with dup2() and close the old
 * one, as a VMM that moves its descriptors out of the way.  KVM's debugfs
 * directory keeps the old name, and so does kvm_vm_debugfs_dir().
 */
void kvm_vm_move_fd(struct kvm_vm *vm, int newfd);

/*
 * What a test needs of its environment, for TEST_REQUIRE(): NULL when it
 * is there, else a string naming what is missing.
 *
 * kvm_need_dev(): /dev/kvm, readable and writable.
 * kvm_need_debugfs(): KVM's debugfs (/sys/kernel/debug/kvm).  Where it is
 * mounted, the VM's own directory must exist: that is asserted, not a
 * reason to skip.
 * kvm_need_cap(): a KVM_CHECK_EXTENSION capability, by its name.
 */
bool kvm_available(void);
const char *kvm_need_dev(void);
const char *kvm_need_debugfs(struct kvm_vm *vm);
#define kvm_need_cap(vm, cap)	__kvm_need_cap(vm, cap, #cap)
const char *__kvm_need_cap(struct kvm_vm *vm, long cap, const char *name);

/* accessors */
int kvm_vm_fd(struct kvm_vm *vm);
int kvm_vm_sys_fd(struct kvm_vm *vm);
unsigned int kvm_vm_nr_vcpus(struct kvm_vm *vm);
struct kvm_vcpu *kvm_vm_vcpu(struct kvm_vm *vm, unsigned int id);
enum kvm_util_mode kvm_vm_mode(struct kvm_vm *vm);
u64 kvm_vm_mem_size(struct kvm_vm *vm);
u64 kvm_vm_mmio_gpa(struct kvm_vm *vm);
/* the host address of guest memory, NULL if [gpa, gpa + len) is not RAM */
void *kvm_vm_hva(struct kvm_vm *vm, u64 gpa, size_t len);

/* guest memory */
void kvm_vm_write(struct kvm_vm *vm, u64 gpa, const void *src, size_t len);
void kvm_vm_read(struct kvm_vm *vm, u64 gpa, void *dst, size_t len);

/*
 * KVM's debugfs directory of the VM, /sys/kernel/debug/kvm/<pid>-<vmfd>,
 * its name "<pid>-<vmfd>" (which kvmtrace uses too), and the pid in it
 * (the id of the thread that created the VM).
 */
const char *kvm_vm_debugfs_dir(struct kvm_vm *vm);
const char *kvm_vm_debugfs_name(struct kvm_vm *vm);
int kvm_vm_debugfs_pid(struct kvm_vm *vm);

/*
 * KVM's stats.  kvm_vm_read_stat(): a file of the VM's debugfs directory,
 * e.g. "io_exits" (the sum over its vCPUs).  kvm_vcpu_read_stat(): a
 * binary stat of one vCPU (KVM_GET_STATS_FD, no debugfs needed), e.g.
 * "halt_exits"; it can be read while the vCPU runs, also from its exit
 * callback (the "__" twin).  kvm_vcpu_read_stat_array(): all values of a
 * binary stat, e.g. the buckets of "halt_wait_hist", at most @max of them;
 * returns how many the stat has.
 */
u64 kvm_vm_read_stat(struct kvm_vm *vm, const char *name);
int __kvm_vm_read_stat(struct kvm_vm *vm, const char *name, u64 *val);
u64 kvm_vcpu_read_stat(struct kvm_vcpu *vcpu, const char *name);
int __kvm_vcpu_read_stat(struct kvm_vcpu *vcpu, const char *name, u64 *val);
unsigned int kvm_vcpu_read_stat_array(struct kvm_vcpu *vcpu, const char *name,
				      u64 *vals, unsigned int max);

/*
 * KVM_SET_SIGNAL_MASK: the signal mask of the vCPU's thread while it is in
 * KVM_RUN (NULL: the thread's own).  A signal that the thread blocks but
 * @mask does not makes every KVM_RUN fail with EINTR as long as it is
 * pending, and is never delivered.
 */
void kvm_vcpu_set_signal_mask(struct kvm_vcpu *vcpu, const sigset_t *mask);

/*
 * Running: a thread per vCPU.  kvm_vm_run() = kvm_vm_start() +
 * kvm_vm_wait().  kvm_vm_wait() waits until each vCPU has written the DONE
 * or FAIL port, failed, been stopped, or @timeout_ms (0: no limit, on
 * CLOCK_MONOTONIC) expired; it asserts that every vCPU finished
 * successfully (DONE, or its callback's KVM_UTIL_CB_STOP), and reports
 * each failed vCPU's error (vcpu->err) and state before it fails.
 * __kvm_vm_wait() returns 0 if every vCPU finished successfully, -EINTR if
 * some were stopped by kvm_vm_stop() and none failed, otherwise a negative
 * errno (-ETIMEDOUT on timeout).  kvm_vm_stop() (any thread, signal safe)
 * kicks all vCPUs out: they end with vcpu->stopped.  When a vCPU fails,
 * the others are stopped too ("another vCPU failed").  On timeout,
 * kvm_vcpu_dump() is printed for each vCPU still running.
 */
void kvm_vm_run(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque,
		unsigned int timeout_ms);
int __kvm_vm_run(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque,
		 unsigned int timeout_ms);
void kvm_vm_start(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque);
int __kvm_vm_start(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque);
void kvm_vm_wait(struct kvm_vm *vm, unsigned int timeout_ms);
int __kvm_vm_wait(struct kvm_vm *vm, unsigned int timeout_ms);
void kvm_vm_stop(struct kvm_vm *vm);
/*
 * Send the kick signal to a running vCPU's thread: if the thread is in
 * KVM_RUN, KVM_RUN fails with EINTR (a vCPU in the guest takes a host
 * interrupt exit first) and the exit callback sees KVM_EXIT_INTR; a kick
 * that arrives while the thread is in userspace is lost.  Any thread.
 */
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);
/*
 * Keep the vCPU out of the guest for @ms, as a paused VM: kick it out of
 * KVM_RUN (or, if it is in userspace, out of its next KVM_RUN at once) and
 * sleep @ms in its thread before it enters the guest again, so the exit in
 * progress lasts at least @ms.  Any thread; vcpu->holds and vcpu->held_ns
 * count the holds done.
 */
void kvm_vcpu_hold(struct kvm_vcpu *vcpu, unsigned int ms);
/*
 * After a run in which the guests wrote the DONE port: enter each vCPU once
 * more, so that this exit completes (every routine then executes HLT with
 * IF = 0), and return once each has halted: without an irqchip at its
 * KVM_EXIT_HLT, with one once KVM's halt_exits stat moved (the vCPU is then
 * stopped).  Each vCPU has one more HLT exit, still in progress.
 */
void kvm_vm_reenter(struct kvm_vm *vm, unsigned int timeout_ms);
/*
 * Print what is known about a vCPU: exits seen, the last one, registers and
 * mode, code at RIP, the parameter block.  Call it while the vCPU is not
 * running (after kvm_vm_run()/kvm_vm_wait()).
 */
void kvm_vcpu_dump(struct kvm_vcpu *vcpu, FILE *f);

/* exits that reached userspace in the last run */
u64 kvm_vcpu_exit_count(struct kvm_vcpu *vcpu, unsigned int reason);
u64 kvm_vcpu_pio_count(struct kvm_vcpu *vcpu, u16 port);
u64 kvm_vcpu_mmio_count(struct kvm_vcpu *vcpu, u64 gpa);
const char *kvm_exit_reason_name(unsigned int reason);

#endif /* KVMTUNE_KVM_UTIL_H */
