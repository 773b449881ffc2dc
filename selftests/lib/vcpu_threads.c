// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU threads (kvm_util.h): a thread per vCPU runs KVM_RUN, handles and
 * counts the exits that reach userspace, and can be kicked, held, stopped
 * and waited for.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kvm_util_internal.h"

#define KICK_SIGNAL		SIGUSR1
#define JOIN_SLICE_NS		(50 * NSEC_PER_MSEC)
#define KICK_SLICE_NS		(10 * NSEC_PER_MSEC)
#define STUCK_SAMPLE_US		100000	/* stats sampling on timeout */

static void kvm_count_addr(struct kvm_vcpu *vcpu, struct kvm_util_addr_count *t,
			   u64 addr)
{
	int i;

	for (i = 0; i < KVM_UTIL_MAX_ADDRS; i++) {
		if (t[i].count && t[i].addr == addr) {
			t[i].count++;
			return;
		}
		if (!t[i].count) {
			t[i].addr = addr;
			t[i].count = 1;
			return;
		}
	}
	vcpu->untracked++;
}

static u64 kvm_lookup_addr(const struct kvm_util_addr_count *t, u64 addr)
{
	int i;

	for (i = 0; i < KVM_UTIL_MAX_ADDRS && t[i].count; i++)
		if (t[i].addr == addr)
			return t[i].count;
	return 0;
}

u64 kvm_vcpu_exit_count(struct kvm_vcpu *vcpu, unsigned int reason)
{
	return reason < KVM_UTIL_EXIT_MAX ? vcpu->exit_count[reason] : 0;
}

u64 kvm_vcpu_pio_count(struct kvm_vcpu *vcpu, u16 port)
{
	return kvm_lookup_addr(vcpu->pio, port);
}

u64 kvm_vcpu_mmio_count(struct kvm_vcpu *vcpu, u64 gpa)
{
	return kvm_lookup_addr(vcpu->mmio, gpa);
}

const char *kvm_exit_reason_name(unsigned int reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
		[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "?";
}

static void kvm_vcpu_fail(struct kvm_vcpu *vcpu, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vcpu->err, sizeof(vcpu->err), fmt, ap);
	va_end(ap);
	vcpu->failed = true;
	fprintf(stderr, "kvm_util: vcpu %u: %s\n", vcpu->id, vcpu->err);
}

static u32 kvm_io_value(struct kvm_run *run)
{
	u32 v = 0;

	memcpy(&v, (char *)run + run->io.data_offset,
	       run->io.size <= 4 ? run->io.size : 4);
	return v;
}

/* Returns 1 to keep running, 0 when the vCPU is finished. */
static int kvm_vcpu_handle_exit(struct kvm_vcpu *vcpu)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_run *run = vcpu->run;
	unsigned int reason = run->exit_reason;
	int ret;

	if (reason < KVM_UTIL_EXIT_MAX)
		vcpu->exit_count[reason]++;
	vcpu->last_exit_reason = reason;
	vcpu->last_exit_ns = test_now_ns();
	vcpu->last_exit_addr = reason == KVM_EXIT_IO ? run->io.port :
			       reason == KVM_EXIT_MMIO ? run->mmio.phys_addr : 0;

	if (reason == KVM_EXIT_IO) {
		kvm_count_addr(vcpu, vcpu->pio, run->io.port);
		if (run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == KVM_UTIL_PORT_DONE) {
			vcpu->done = true;
			return 0;
		}
		if (run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == KVM_UTIL_PORT_FAIL) {
			vcpu->fail_value = kvm_io_value(run);
			kvm_vcpu_fail(vcpu, "guest reported failure 0x%x",
				      vcpu->fail_value);
			return 0;
		}
	} else if (reason == KVM_EXIT_MMIO) {
		kvm_count_addr(vcpu, vcpu->mmio, run->mmio.phys_addr);
	}

	if (vm->cb) {
		ret = vm->cb(vcpu, vm->cb_opaque);
		if (ret < 0) {
			kvm_vcpu_fail(vcpu, "exit callback failed: %s",
				      strerror(-ret));
			return 0;
		}
		if (ret == KVM_UTIL_CB_STOP) {
			vcpu->done = true;
			return 0;
		}
		if (ret == KVM_UTIL_CB_HANDLED)
			return 1;
	}

	switch (reason) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_IN)
			memset((char *)run + run->io.data_offset, 0,
			       (size_t)run->io.size * run->io.count);
		return 1;
	case KVM_EXIT_MMIO:
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
		return 1;
	case KVM_EXIT_HLT:
		return 1;
	case KVM_EXIT_INTR:
		return 1;
	case KVM_EXIT_FAIL_ENTRY:
		kvm_vcpu_fail(vcpu, "KVM_EXIT_FAIL_ENTRY, reason 0x%llx",
			      run->fail_entry.hardware_entry_failure_reason);
		return 0;
	case KVM_EXIT_INTERNAL_ERROR: {
		char data[160] = "";
		size_t len = 0;
		u32 i;

		for (i = 0; i < run->internal.ndata &&
		     i < ARRAY_SIZE(run->internal.data) &&
		     len < sizeof(data) - 20; i++)
			len += snprintf(data + len, sizeof(data) - len,
					" 0x%llx", run->internal.data[i]);
		kvm_vcpu_fail(vcpu, "KVM_EXIT_INTERNAL_ERROR, suberror %u, data:%s",
			      run->internal.suberror, data);
		return 0;
	}
	default:
		kvm_vcpu_fail(vcpu, "unhandled exit %u (KVM_EXIT_%s)", reason,
			      kvm_exit_reason_name(reason));
		return 0;
	}
}

/*
 * KVM_RUN failed with EINTR: a signal.  Present it to the callback as
 * KVM_EXIT_INTR (KVM sets that reason for signal exits, but not when it
 * returned before entering the guest).  Returns 1 to keep running.
 */
static int kvm_vcpu_handle_signal(struct kvm_vcpu *vcpu)
{
	struct kvm_vm *vm = vcpu->vm;
	int ret;

	vcpu->signal_exits++;
	if (!vm->cb)
		return 1;
	vcpu->run->exit_reason = KVM_EXIT_INTR;
	ret = vm->cb(vcpu, vm->cb_opaque);
	if (ret < 0) {
		kvm_vcpu_fail(vcpu, "exit callback failed: %s", strerror(-ret));
		return 0;
	}
	if (ret == KVM_UTIL_CB_STOP) {
		vcpu->done = true;
		return 0;
	}
	return 1;
}

/* kvm_vcpu_hold(): stay out of the guest for the time asked, if any. */
static void kvm_vcpu_do_hold(struct kvm_vcpu *vcpu)
{
	u32 ms = __atomic_exchange_n(&vcpu->hold_ms, 0, __ATOMIC_ACQ_REL);
	struct timespec ts;
	u64 t0, end;

	if (!ms)
		return;
	vcpu->run->immediate_exit = 0;
	t0 = test_now_ns();
	end = t0 + ms * NSEC_PER_MSEC;
	ts.tv_sec = end / NSEC_PER_SEC;
	ts.tv_nsec = end % NSEC_PER_SEC;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
	vcpu->held_ns += test_now_ns() - t0;
	vcpu->holds++;
}

static void kvm_vcpu_stopped(struct kvm_vcpu *vcpu, int why)
{
	switch (why) {
	case STOP_REQUEST:
		vcpu->stopped = true;
		snprintf(vcpu->err, sizeof(vcpu->err), "stopped (request)");
		break;
	case STOP_FAILED:
		kvm_vcpu_fail(vcpu, "stopped (another vCPU failed)");
		break;
	default:
		kvm_vcpu_fail(vcpu, "stopped (timeout)");
		break;
	}
}

static void *kvm_vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct kvm_vm *vm = vcpu->vm;
	int none = STOP_NONE;
	int why;

	vcpu->start_ns = test_now_ns();
	for (;;) {
		why = __atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE);
		if (why != STOP_NONE) {
			kvm_vcpu_stopped(vcpu, why);
			break;
		}
		vcpu->nr_runs++;
		if (ioctl(vcpu->fd, KVM_RUN, NULL) < 0) {
			if (errno == EAGAIN)
				continue;
			if (errno != EINTR) {
				kvm_vcpu_fail(vcpu, "KVM_RUN failed: %s (errno %d)",
					      strerror(errno), errno);
				break;
			}
			/* being stopped: the loop's head ends it */
			if (__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE) !=
			    STOP_NONE)
				continue;
			/*
			 * Left by a kvm_vcpu_hold() whose hold an earlier
			 * return already did; a pending hold set hold_ms
			 * before it and is done below.
			 */
			vcpu->run->immediate_exit = 0;
			if (!kvm_vcpu_handle_signal(vcpu))
				break;
		} else if (!kvm_vcpu_handle_exit(vcpu)) {
			break;
		}
		kvm_vcpu_do_hold(vcpu);
	}
	vcpu->end_ns = test_now_ns();
	/* no point in running the others: stop them (first reason wins) */
	if (vcpu->failed)
		__atomic_compare_exchange_n(&vm->stop, &none, STOP_FAILED,
					    false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE);
	__atomic_store_n(&vcpu->finished, true, __ATOMIC_RELEASE);
	return NULL;
}

static void kvm_kick_handler(int sig)
{
	(void)sig;
}

static void kvm_vcpu_reset_counts(struct kvm_vcpu *vcpu)
{
	vcpu->done = false;
	vcpu->failed = false;
	vcpu->stopped = false;
	vcpu->fail_value = 0;
	vcpu->err[0] = '\0';
	vcpu->untracked = 0;
	memset(vcpu->exit_count, 0, sizeof(vcpu->exit_count));
	memset(vcpu->pio, 0, sizeof(vcpu->pio));
	memset(vcpu->mmio, 0, sizeof(vcpu->mmio));
	vcpu->nr_runs = 0;
	vcpu->last_exit_reason = KVM_UTIL_EXIT_NONE;
	vcpu->last_exit_addr = 0;
	vcpu->last_exit_ns = 0;
	vcpu->start_ns = 0;
	vcpu->end_ns = 0;
	vcpu->finished = false;
	vcpu->signal_exits = 0;
	vcpu->holds = 0;
	vcpu->held_ns = 0;
	vcpu->hold_ms = 0;
}

struct kvm_stuck_sample {
	int ret0, ret1;		/* reading the "exits" stat */
	u64 exits0, exits1;	/* at the timeout, STUCK_SAMPLE_US later */
};

static void __kvm_vcpu_dump(struct kvm_vcpu *vcpu, FILE *f,
			    const struct kvm_stuck_sample *sample)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_mp_state mp = { 0 };
	u64 now = test_now_ns(), val;
	unsigned int r;

	fprintf(f, "kvm_util: vcpu %u diagnostics (VM mode %d, irqchip %d):\n",
		vcpu->id, vm->mode, vm->irqchip);
	fprintf(f, "  KVM_RUN calls %llu, ran %.3f s, done %d failed %d stopped %d: %s\n",
		(unsigned long long)vcpu->nr_runs,
		((vcpu->end_ns ? vcpu->end_ns : now) - vcpu->start_ns) / 1e9,
		vcpu->done, vcpu->failed, vcpu->stopped, vcpu->err);
	fprintf(f, "  userspace exits:");
	for (r = 0; r < KVM_UTIL_EXIT_MAX; r++)
		if (vcpu->exit_count[r])
			fprintf(f, " %s %llu", kvm_exit_reason_name(r),
				(unsigned long long)vcpu->exit_count[r]);
	fprintf(f, "\n");
	if (vcpu->last_exit_reason == KVM_UTIL_EXIT_NONE)
		fprintf(f, "  last exit: none\n");
	else
		fprintf(f, "  last exit: KVM_EXIT_%s (%u) addr 0x%llx, %.3f s before the dump\n",
			kvm_exit_reason_name(vcpu->last_exit_reason),
			vcpu->last_exit_reason,
			(unsigned long long)vcpu->last_exit_addr,
			(now - vcpu->last_exit_ns) / 1e9);
	fprintf(f, "  kvm_run: exit_reason %u immediate_exit %u\n",
		vcpu->run->exit_reason, vcpu->run->immediate_exit);
	if (sample && !sample->ret0 && !sample->ret1)
		fprintf(f, "  stat exits: %llu at the timeout, +%llu in %u ms\n",
			(unsigned long long)sample->exits0,
			(unsigned long long)(sample->exits1 - sample->exits0),
			STUCK_SAMPLE_US / 1000);
	if (!__kvm_vcpu_read_stat(vcpu, "halt_exits", &val))
		fprintf(f, "  stat halt_exits %llu\n", (unsigned long long)val);
	if (vm->irqchip && !ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp))
		fprintf(f, "  mp_state %u\n", mp.mp_state);

	x86_vcpu_dump(vcpu, f);
}

void kvm_vcpu_dump(struct kvm_vcpu *vcpu, FILE *f)
{
	__kvm_vcpu_dump(vcpu, f, NULL);
}

int __kvm_vm_start(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque)
{
	struct sigaction sa = { .sa_handler = kvm_kick_handler };
	unsigned int i;
	int ret;

	/* no SA_RESTART: the signal makes KVM_RUN return -EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(KICK_SIGNAL, &sa, NULL))
		return -errno;

	vm->cb = cb;
	vm->cb_opaque = opaque;
	__atomic_store_n(&vm->stop, STOP_NONE, __ATOMIC_RELEASE);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = vm->vcpus[i];

		kvm_vcpu_reset_counts(vcpu);
		vcpu->run->immediate_exit = 0;
		ret = pthread_create(&vcpu->thread, NULL, kvm_vcpu_thread, vcpu);
		if (ret) {
			__atomic_store_n(&vm->stop, STOP_FAILED,
					 __ATOMIC_RELEASE);
			__kvm_vm_wait(vm, 0);
			return -ret;
		}
		vcpu->thread_started = true;
	}
	return 0;
}

void kvm_vm_start(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque)
{
	int ret = __kvm_vm_start(vm, cb, opaque);

	TEST_ASSERT(!ret, "starting the vCPU threads: %s", strerror(-ret));
}

void kvm_vm_stop(struct kvm_vm *vm)
{
	int none = STOP_NONE;

	__atomic_compare_exchange_n(&vm->stop, &none, STOP_REQUEST, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static bool kvm_vcpu_running(struct kvm_vcpu *vcpu)
{
	return vcpu->thread_started &&
	       !__atomic_load_n(&vcpu->finished, __ATOMIC_ACQUIRE);
}

void kvm_vcpu_kick(struct kvm_vcpu *vcpu)
{
	if (kvm_vcpu_running(vcpu))
		pthread_kill(vcpu->thread, KICK_SIGNAL);
}

void kvm_vcpu_hold(struct kvm_vcpu *vcpu, unsigned int ms)
{
	if (!ms || !kvm_vcpu_running(vcpu))
		return;
	__atomic_store_n(&vcpu->hold_ms, ms, __ATOMIC_RELEASE);
	/* a thread in userspace leaves its next KVM_RUN at once */
	vcpu->run->immediate_exit = 1;
	pthread_kill(vcpu->thread, KICK_SIGNAL);
}

static void kvm_vm_kick_running(struct kvm_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = vm->vcpus[i];

		if (!vcpu->thread_started ||
		    __atomic_load_n(&vcpu->finished, __ATOMIC_ACQUIRE))
			continue;
		vcpu->run->immediate_exit = 1;
		pthread_kill(vcpu->thread, KICK_SIGNAL);
	}
}

/* Timeout: remember which vCPUs are stuck and whether they still exit. */
static void kvm_vm_sample_stuck(struct kvm_vm *vm, bool *stuck,
				struct kvm_stuck_sample *sample)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = vm->vcpus[i];

		stuck[i] = vcpu->thread_started &&
			   !__atomic_load_n(&vcpu->finished, __ATOMIC_ACQUIRE);
		if (stuck[i])
			sample[i].ret0 = __kvm_vcpu_read_stat(vcpu, "exits",
							      &sample[i].exits0);
	}
	usleep(STUCK_SAMPLE_US);
	for (i = 0; i < vm->nr_vcpus; i++)
		if (stuck[i])
			sample[i].ret1 = __kvm_vcpu_read_stat(vm->vcpus[i],
							      "exits",
							      &sample[i].exits1);
}

static void kvm_realtime_after(struct timespec *ts, u64 ns)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ns += ts->tv_nsec;
	ts->tv_sec += ns / NSEC_PER_SEC;
	ts->tv_nsec = ns % NSEC_PER_SEC;
}

/*
 * The timeout is measured on CLOCK_MONOTONIC, so that a step of the wall
 * clock cannot cut it short; per-vCPU detail is in vcpu->err.
 */
int __kvm_vm_wait(struct kvm_vm *vm, unsigned int timeout_ms)
{
	struct kvm_stuck_sample sample[KVM_UTIL_MAX_VCPUS] = { 0 };
	bool stuck[KVM_UTIL_MAX_VCPUS] = { false };
	u64 deadline = test_now_ns() + timeout_ms * NSEC_PER_MSEC;
	bool timed_out = false, stopped = false;
	struct timespec ts;
	unsigned int i;
	int why, none;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = vm->vcpus[i];

		while (vcpu->thread_started) {
			why = __atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE);
			if (why == STOP_NONE && timeout_ms &&
			    test_now_ns() >= deadline) {
				kvm_vm_sample_stuck(vm, stuck, sample);
				none = STOP_NONE;
				if (__atomic_compare_exchange_n(&vm->stop, &none,
								STOP_TIMEOUT,
								false,
								__ATOMIC_ACQ_REL,
								__ATOMIC_ACQUIRE))
					timed_out = true;
				why = STOP_TIMEOUT;
			}
			if (why != STOP_NONE)
				kvm_vm_kick_running(vm);
			kvm_realtime_after(&ts, why != STOP_NONE ?
					   KICK_SLICE_NS : JOIN_SLICE_NS);
			if (pthread_timedjoin_np(vcpu->thread, NULL, &ts) == 0)
				vcpu->thread_started = false;
		}
	}

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (timed_out && stuck[i])
			__kvm_vcpu_dump(vm->vcpus[i], stderr, &sample[i]);
		if (vm->vcpus[i]->stopped)
			stopped = true;
	}
	if (timed_out)
		return -ETIMEDOUT;
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->failed ||
		    (!vm->vcpus[i]->done && !vm->vcpus[i]->stopped))
			return -EIO;
	return stopped ? -EINTR : 0;
}

void kvm_vm_wait(struct kvm_vm *vm, unsigned int timeout_ms)
{
	int ret = __kvm_vm_wait(vm, timeout_ms);
	unsigned int i;

	if (!ret)
		return;
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = vm->vcpus[i];

		if (!vcpu->failed)
			continue;
		fprintf(stderr, "# vcpu %u: %s\n", i, vcpu->err);
		/* on timeout the stuck vCPUs were dumped already */
		if (ret != -ETIMEDOUT)
			kvm_vcpu_dump(vcpu, stderr);
	}
	errno = -ret;
	TEST_FAIL("running the VM's %u vCPU(s): %s", vm->nr_vcpus,
		  strerror(-ret));
}

static int kvm_reenter_cb(struct kvm_vcpu *vcpu, void *opaque)
{
	(void)opaque;
	return vcpu->run->exit_reason == KVM_EXIT_HLT ? KVM_UTIL_CB_STOP :
							 KVM_UTIL_CB_DEFAULT;
}

void kvm_vm_reenter(struct kvm_vm *vm, unsigned int timeout_ms)
{
	u64 halts[KVM_UTIL_MAX_VCPUS] = { 0 }, val;
	u64 deadline = test_now_ns() + timeout_ms * NSEC_PER_MSEC;
	unsigned int i, left;
	int ret;

	for (i = 0; i < vm->nr_vcpus; i++)
		halts[i] = kvm_vcpu_read_stat(vm->vcpus[i], "halt_exits");
	kvm_vm_start(vm, kvm_reenter_cb, NULL);
	do {
		left = 0;
		for (i = 0; i < vm->nr_vcpus; i++) {
			struct kvm_vcpu *vcpu = vm->vcpus[i];

			if (!kvm_vcpu_running(vcpu))
				continue;
			if (__kvm_vcpu_read_stat(vcpu, "halt_exits", &val) ||
			    val == halts[i])
				left++;
		}
		if (left)
			usleep(1000);
	} while (left && test_now_ns() < deadline);
	kvm_vm_stop(vm);
	ret = __kvm_vm_wait(vm, timeout_ms);
	TEST_ASSERT(!left, "re-entering: %u vCPU(s) did not halt in %u ms",
		    left, timeout_ms);
	/* halted without an irqchip (done), or stopped halted with one */
	TEST_ASSERT(!ret || ret == -EINTR, "re-entering: %s", strerror(-ret));
}

int __kvm_vm_run(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque,
		 unsigned int timeout_ms)
{
	int ret;

	ret = __kvm_vm_start(vm, cb, opaque);
	if (ret)
		return ret;
	return __kvm_vm_wait(vm, timeout_ms);
}

void kvm_vm_run(struct kvm_vm *vm, kvm_exit_cb_t cb, void *opaque,
		unsigned int timeout_ms)
{
	kvm_vm_start(vm, cb, opaque);
	kvm_vm_wait(vm, timeout_ms);
}
