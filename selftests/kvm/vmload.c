// SPDX-License-Identifier: GPL-2.0
/*
 * vmload - run one VM with a fixed per-vCPU workload (kvm_util's workload
 * routine) for a number of loops or seconds, then print what was done.
 * A load generator for demos, benchmarks and lifecycle tests; not a
 * kselftest.
 *
 * Usage: see print_usage() below.  Output on stdout, one line each:
 *   pid <pid> vmfd <fd>        (at once: /sys/kernel/debug/kvm/<pid>-<fd>)
 *   vcpu <id> pio <n> mmio <n> hlt <n> cpuid <n> msr <n> io_exits <n>
 *        total_exits <n> ns_per_exit <f> ns_per_op <f> loops <n> wall_ns <n>
 *   kvm_stats <id> exits <n> halt_exits <n> irq_exits <n> reads <n>
 *                              (--stats only, after the vcpu line)
 * pio/mmio/hlt/cpuid/msr: operations the guest completed (pio and mmio as
 * seen by userspace, hlt counted by the guest, cpuid and msr = completed
 * loops x per-loop count); io_exits and total_exits: exits that reached
 * userspace (io_exits includes the final "out" to the DONE port);
 * wall_ns: vCPU thread run time; ns_per_exit = wall_ns / total_exits and
 * ns_per_op = wall_ns / (pio + mmio + hlt + cpuid + msr), 0 if undefined.
 * kvm_stats: KVM's own counters for the vCPU (binary stats fd,
 * KVM_GET_STATS_FD), read after it finished; exits counts every hardware
 * exit, also those KVM handled in its fastpath.  reads: how often the
 * stats fd was read while the vCPUs ran (--stats-poll).
 *
 * --cpu N pins vmload to CPU N before the vCPU threads are created, so they
 * (and vmload's own control and waiter threads, which sleep) run there only.
 *
 * Loops run in the guest (no host intervention between loops).  With
 * --seconds the guest loops until the host sets the parameter block's stop
 * flag, which it checks after each loop.  SIGINT/SIGTERM do the same; if the
 * guest has not finished its loop STOP_GRACE_MS later, the vCPUs are kicked
 * out of KVM_RUN.  Either way the results are printed and the exit status
 * is 0.  Exit status 1: the VM or a vCPU failed, or reading the stats failed;
 * 2: bad arguments (also a --cpu that is not online).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"

#define DEFAULT_MSR_INDEX	0x8b	/* IA32_UCODE_REV: writes are ignored */
#define DEFAULT_HLT_NS		500000	/* irqchip: 500 us per HLT */
#define STOP_GRACE_MS		500
#define POLL_MS			20

struct opts {
	struct kvm_vm_opts vm;
	struct kvm_workload wl;
	u32 loops;
	double seconds;
	bool quiet;
	const char *ready_file;
	int cpu;		/* -1: not pinned */
	bool stats;
	u32 stats_poll_ms;	/* 0: read the stats only at the end */
};

struct waiter {
	struct kvm_vm *vm;
	int ret;
	bool done;	/* __atomic */
};

static void print_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-v vcpus] [-i] [-m real|prot32|long64] [--pio N] [--mmio M]\n"
		"          [--cpuid J] [--hlt K] [--tscdl W] [--msr X] [--msr-index IDX]\n"
		"          [--hlt-ns NS] [--loops L | --seconds S] [--quiet]\n"
		"          [--ready-file PATH] [--cpu N] [--stats] [--stats-poll MS]\n"
		"  -v, --vcpus N      vCPUs (1..%d, default 1), each runs the workload\n"
		"  -i, --irqchip      in-kernel irqchip; each HLT is then woken by the\n"
		"                     LAPIC timer (prot32/long64 only)\n"
		"  -m, --mode MODE    guest mode (default long64)\n"
		"  --pio N            N \"out\" to port 0x%x per loop\n"
		"  --mmio M           M stores to an unbacked GPA per loop\n"
		"  --cpuid J          J CPUID (leaf 0) per loop\n"
		"  --hlt K            K HLT per loop\n"
		"  --tscdl W          W WRMSR IA32_TSC_DEADLINE per loop\n"
		"  --msr X            X WRMSR MSR IDX per loop\n"
		"  --msr-index IDX    MSR for --msr (default 0x%x)\n"
		"  --hlt-ns NS        -i: LAPIC timer period per HLT (default %d)\n"
		"  --loops L          run the workload L times (default 1)\n"
		"  --seconds S        run the workload repeatedly for S seconds\n"
		"  --quiet            no summary on stderr\n"
		"  --ready-file PATH  create PATH (\"pid <pid> vmfd <fd>\") once the\n"
		"                     VM is running\n"
		"  --cpu N            pin the vCPU threads (and vmload) to CPU N\n"
		"  --stats            print KVM's binary stats of each vCPU at the end\n"
		"  --stats-poll MS    --stats, and read them every MS ms while the\n"
		"                     vCPUs run (like a monitoring tool)\n",
		prog, KVM_UTIL_MAX_VCPUS, KVM_UTIL_PORT_WORK, DEFAULT_MSR_INDEX,
		DEFAULT_HLT_NS);
}

static int parse_u32(const char *name, const char *s, u32 min, u32 *val)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > UINT_MAX || v < min) {
		fprintf(stderr, "vmload: %s: invalid value '%s' (%u..%u)\n",
			name, s, min, UINT_MAX);
		return -EINVAL;
	}
	*val = v;
	return 0;
}

enum {
	OPT_PIO = 256, OPT_MMIO, OPT_CPUID, OPT_HLT, OPT_TSCDL, OPT_MSR,
	OPT_MSR_INDEX, OPT_HLT_NS, OPT_LOOPS, OPT_SECONDS, OPT_QUIET,
	OPT_READY, OPT_CPU, OPT_STATS, OPT_STATS_POLL, OPT_HELP,
};

static const struct option long_opts[] = {
	{ "vcpus", required_argument, NULL, 'v' },
	{ "irqchip", no_argument, NULL, 'i' },
	{ "mode", required_argument, NULL, 'm' },
	{ "pio", required_argument, NULL, OPT_PIO },
	{ "mmio", required_argument, NULL, OPT_MMIO },
	{ "cpuid", required_argument, NULL, OPT_CPUID },
	{ "hlt", required_argument, NULL, OPT_HLT },
	{ "tscdl", required_argument, NULL, OPT_TSCDL },
	{ "msr", required_argument, NULL, OPT_MSR },
	{ "msr-index", required_argument, NULL, OPT_MSR_INDEX },
	{ "hlt-ns", required_argument, NULL, OPT_HLT_NS },
	{ "loops", required_argument, NULL, OPT_LOOPS },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "stats-poll", required_argument, NULL, OPT_STATS_POLL },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int parse_mode(const char *s, enum kvm_util_mode *mode)
{
	unsigned int i;

	for (i = 0; i < KVM_MODE_NR; i++) {
		if (!strcmp(s, kvm_mode_name(i))) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Returns 0, 1 for --help, or a negative errno. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	bool have_loops = false;
	char *end;
	u32 n;
	int c;

	o->vm.nr_vcpus = 1;
	o->vm.mode = KVM_MODE_LONG64;
	o->wl.msr_index = DEFAULT_MSR_INDEX;
	o->wl.hlt_timer_ns = DEFAULT_HLT_NS;
	o->loops = 1;
	o->cpu = -1;

	while ((c = getopt_long(argc, argv, "v:im:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (parse_u32("-v", optarg, 1, &n))
				return -EINVAL;
			if (n > KVM_UTIL_MAX_VCPUS) {
				fprintf(stderr, "vmload: -v: at most %d vCPUs\n",
					KVM_UTIL_MAX_VCPUS);
				return -EINVAL;
			}
			o->vm.nr_vcpus = n;
			break;
		case 'i':
			o->vm.irqchip = true;
			break;
		case 'm':
			if (parse_mode(optarg, &o->vm.mode)) {
				fprintf(stderr, "vmload: -m: unknown mode '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_PIO:
			if (parse_u32("--pio", optarg, 0, &o->wl.pio))
				return -EINVAL;
			break;
		case OPT_MMIO:
			if (parse_u32("--mmio", optarg, 0, &o->wl.mmio))
				return -EINVAL;
			break;
		case OPT_CPUID:
			if (parse_u32("--cpuid", optarg, 0, &o->wl.cpuid))
				return -EINVAL;
			break;
		case OPT_HLT:
			if (parse_u32("--hlt", optarg, 0, &o->wl.hlt))
				return -EINVAL;
			break;
		case OPT_TSCDL:
			if (parse_u32("--tscdl", optarg, 0, &o->wl.wrmsr_tscdl))
				return -EINVAL;
			break;
		case OPT_MSR:
			if (parse_u32("--msr", optarg, 0, &o->wl.wrmsr_other))
				return -EINVAL;
			break;
		case OPT_MSR_INDEX:
			if (parse_u32("--msr-index", optarg, 0, &o->wl.msr_index))
				return -EINVAL;
			break;
		case OPT_HLT_NS:
			if (parse_u32("--hlt-ns", optarg, 1, &o->wl.hlt_timer_ns))
				return -EINVAL;
			break;
		case OPT_LOOPS:
			if (parse_u32("--loops", optarg, 1, &o->loops))
				return -EINVAL;
			if (o->loops == KVM_WL_LOOPS_FOREVER)
				o->loops--;
			have_loops = true;
			break;
		case OPT_SECONDS:
			errno = 0;
			o->seconds = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->seconds > 0) ||
			    o->seconds > 1e6) {
				fprintf(stderr, "vmload: --seconds: invalid value '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_READY:
			o->ready_file = optarg;
			break;
		case OPT_CPU:
			if (parse_u32("--cpu", optarg, 0, &n))
				return -EINVAL;
			if (n >= CPU_SETSIZE) {
				fprintf(stderr, "vmload: --cpu: at most %d\n",
					CPU_SETSIZE - 1);
				return -EINVAL;
			}
			o->cpu = n;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_STATS_POLL:
			if (parse_u32("--stats-poll", optarg, 1, &o->stats_poll_ms))
				return -EINVAL;
			o->stats = true;
			break;
		case 'h':
		case OPT_HELP:
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vmload: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (have_loops && o->seconds > 0) {
		fprintf(stderr, "vmload: --loops and --seconds are exclusive\n");
		return -EINVAL;
	}
	if (o->vm.irqchip && o->wl.hlt && o->vm.mode == KVM_MODE_REAL) {
		fprintf(stderr, "vmload: --hlt with -i needs -m prot32 or long64\n");
		return -EINVAL;
	}
	o->wl.loops = o->seconds > 0 ? KVM_WL_LOOPS_FOREVER : o->loops;
	return 0;
}

/* Write "pid <pid> vmfd <fd>" to a temporary file, then rename: atomic. */
static int write_ready_file(const char *path, struct kvm_vm *vm)
{
	char tmp[PATH_MAX];
	FILE *f;
	int ret;

	ret = snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if (ret < 0 || ret >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "pid %d vmfd %d\n", kvm_vm_debugfs_pid(vm), kvm_vm_fd(vm));
	if (fclose(f)) {
		ret = -errno;
		goto err_unlink;
	}
	if (rename(tmp, path)) {
		ret = -errno;
		goto err_unlink;
	}
	return 0;

err_unlink:
	unlink(tmp);
	return ret;
}

static void *waiter_thread(void *arg)
{
	struct waiter *w = arg;

	w->ret = __kvm_vm_wait(w->vm, 0);
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* --stats-poll: read every vCPU's exit counter, as a monitor would */
static void poll_stats(struct kvm_vm *vm, u64 *reads)
{
	unsigned int i;
	u64 val;

	for (i = 0; i < kvm_vm_nr_vcpus(vm); i++)
		if (!__kvm_vcpu_read_stat(kvm_vm_vcpu(vm, i), "exits", &val))
			(*reads)++;
}

/*
 * Wait for the waiter thread; meanwhile end the run on --seconds or on
 * SIGINT/SIGTERM (blocked in all threads, taken here by sigtimedwait),
 * and read the stats every o->stats_poll_ms.  Returns the signal that
 * stopped the run, or 0.
 */
static int control_loop(struct kvm_vm *vm, struct waiter *w,
			const sigset_t *sigs, const struct opts *o,
			u64 *stat_reads)
{
	u32 poll_ms = o->stats_poll_ms && o->stats_poll_ms < POLL_MS ?
		      o->stats_poll_ms : POLL_MS;
	u64 start = now_ns(), stop_at = 0, next_read = start, now;
	struct timespec poll = { poll_ms / 1000, (poll_ms % 1000) * 1000000L };
	double seconds = o->seconds;
	bool forced = false;
	int sig, got = 0;

	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {
		sig = sigtimedwait(sigs, NULL, &poll);
		now = now_ns();
		if (o->stats_poll_ms && now >= next_read) {
			poll_stats(vm, stat_reads);
			next_read = now + o->stats_poll_ms * 1000000ULL;
		}
		if (sig > 0 && !got) {
			got = sig;
			if (!stop_at)
				stop_at = now;
			kvm_vm_request_guest_stop(vm);
		} else if (sig > 0 && !forced) {
			/* a second signal: do not wait for the loop to end */
			forced = true;
			kvm_vm_stop(vm);
		}
		if (seconds > 0 && !stop_at && now - start >= seconds * 1e9) {
			stop_at = now;
			kvm_vm_request_guest_stop(vm);
		}
		if (stop_at && !forced &&
		    now - stop_at >= STOP_GRACE_MS * 1000000ULL) {
			forced = true;
			fprintf(stderr, "vmload: guest did not stop within %d ms, stopping vCPUs\n",
				STOP_GRACE_MS);
			kvm_vm_stop(vm);
		}
	}
	return got;
}

static void print_results(struct kvm_vm *vm, const struct opts *o)
{
	const struct kvm_workload *wl = &o->wl;
	u64 mmio_gpa = wl->mmio_gpa ? wl->mmio_gpa : kvm_vm_mmio_gpa(vm);
	struct kvm_guest_result res;
	unsigned int i, r;

	for (i = 0; i < kvm_vm_nr_vcpus(vm); i++) {
		struct kvm_vcpu *vcpu = kvm_vm_vcpu(vm, i);
		u64 pio, mmio, cpuid, msr, ops, total = 0, wall;

		res = kvm_vcpu_guest_result(vcpu);
		for (r = 0; r < KVM_UTIL_EXIT_MAX; r++)
			total += kvm_vcpu_exit_count(vcpu, r);
		pio = kvm_vcpu_pio_count(vcpu, KVM_UTIL_PORT_WORK);
		mmio = kvm_vcpu_mmio_count(vcpu, mmio_gpa);
		cpuid = (u64)res.loops_done * wl->cpuid;
		msr = (u64)res.loops_done * (wl->wrmsr_tscdl + (u64)wl->wrmsr_other);
		ops = pio + mmio + res.hlts + cpuid + msr;
		wall = vcpu->end_ns > vcpu->start_ns ?
		       vcpu->end_ns - vcpu->start_ns : 0;
		printf("vcpu %u pio %llu mmio %llu hlt %u cpuid %llu msr %llu",
		       i, (unsigned long long)pio, (unsigned long long)mmio,
		       res.hlts, (unsigned long long)cpuid,
		       (unsigned long long)msr);
		printf(" io_exits %llu total_exits %llu ns_per_exit %.1f",
		       (unsigned long long)kvm_vcpu_exit_count(vcpu, KVM_EXIT_IO),
		       (unsigned long long)total,
		       total ? (double)wall / total : 0.0);
		printf(" ns_per_op %.1f loops %u wall_ns %llu\n",
		       ops ? (double)wall / ops : 0.0, res.loops_done,
		       (unsigned long long)wall);
	}
	fflush(stdout);
}

static const char *const stat_names[] = { "exits", "halt_exits", "irq_exits" };

/* --stats: KVM's counters of each vCPU, from its binary stats fd */
static int print_stats(struct kvm_vm *vm, u64 reads)
{
	unsigned int i, s;
	u64 val;
	int ret;

	for (i = 0; i < kvm_vm_nr_vcpus(vm); i++) {
		printf("kvm_stats %u", i);
		for (s = 0; s < ARRAY_SIZE(stat_names); s++) {
			ret = __kvm_vcpu_read_stat(kvm_vm_vcpu(vm, i),
						   stat_names[s], &val);
			if (ret) {
				printf("\n");
				fflush(stdout);
				fprintf(stderr, "vmload: vcpu %u: reading stat %s: %s\n",
					i, stat_names[s], strerror(-ret));
				return ret;
			}
			printf(" %s %llu", stat_names[s], (unsigned long long)val);
		}
		printf(" reads %llu\n", (unsigned long long)reads);
	}
	fflush(stdout);
	return 0;
}

/* --cpu: pin this thread, and so every thread it creates later */
static int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		int err = errno;

		fprintf(stderr, "vmload: --cpu %d: %s\n", cpu, strerror(err));
		return -err;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct waiter w = { 0 };
	struct opts o = { 0 };
	pthread_t waiter;
	u64 stat_reads = 0;
	unsigned int i;
	sigset_t sigs;
	int ret, sig, status = 1;

	ret = parse_args(argc, argv, &o);
	if (ret > 0) {
		print_usage(stdout, argv[0]);
		return 0;
	}
	if (ret) {
		fprintf(stderr, "vmload: bad arguments, see %s --help\n",
			argv[0]);
		return 2;
	}
	if (o.cpu >= 0) {
		ret = pin_to_cpu(o.cpu);
		if (ret)
			return ret == -EINVAL ? 2 : 1;
	}
	if (!kvm_available()) {
		fprintf(stderr, "vmload: /dev/kvm is missing or not accessible\n");
		return 1;
	}

	/* blocked everywhere (vCPU threads inherit it), see control_loop() */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	ret = pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (ret) {
		fprintf(stderr, "vmload: pthread_sigmask: %s\n", strerror(ret));
		return 1;
	}

	w.vm = kvm_vm_create(&o.vm);
	for (i = 0; i < o.vm.nr_vcpus; i++)
		kvm_vcpu_set_workload(kvm_vm_vcpu(w.vm, i), &o.wl);

	printf("pid %d vmfd %d\n", kvm_vm_debugfs_pid(w.vm), kvm_vm_fd(w.vm));
	fflush(stdout);

	kvm_vm_start(w.vm, NULL, NULL);
	ret = pthread_create(&waiter, NULL, waiter_thread, &w);
	if (ret) {
		fprintf(stderr, "vmload: pthread_create: %s\n", strerror(ret));
		kvm_vm_stop(w.vm);
		__kvm_vm_wait(w.vm, 0);
		goto out_destroy;
	}
	if (o.ready_file) {
		ret = write_ready_file(o.ready_file, w.vm);
		if (ret) {
			fprintf(stderr, "vmload: %s: %s\n", o.ready_file,
				strerror(-ret));
			kvm_vm_stop(w.vm);
		}
	}

	sig = control_loop(w.vm, &w, &sigs, &o, &stat_reads);
	pthread_join(waiter, NULL);

	print_results(w.vm, &o);
	if (!ret && (w.ret == 0 || w.ret == -EINTR))
		status = 0;
	if (o.stats && print_stats(w.vm, stat_reads))
		status = 1;
	for (i = 0; i < o.vm.nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = kvm_vm_vcpu(w.vm, i);

		if (vcpu->failed)
			fprintf(stderr, "vmload: vcpu %u failed: %s\n", i,
				vcpu->err);
	}
	if (!o.quiet)
		fprintf(stderr, "vmload: %u vCPU(s), mode %s, irqchip %d: %s%s%s\n",
			o.vm.nr_vcpus, kvm_mode_name(o.vm.mode), o.vm.irqchip,
			status ? "FAILED" : "ok",
			sig ? ", stopped by " : "", sig ? strsignal(sig) : "");

out_destroy:
	kvm_vm_destroy(w.vm);
	return status;
}
