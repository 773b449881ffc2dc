// SPDX-License-Identifier: GPL-2.0
/*
 * vmloop - a VM workload helper for the kvmtrace shell tests.
 *
 *   vmloop run SECONDS   one VM with two vCPUs; runs rounds of an exactly
 *                        known workload for SECONDS, checking every round's
 *                        exit counts. Prints "vm <pid>-<fd>" (the VM's
 *                        debugfs name) once the VM exists, then "rounds <n>".
 *   vmloop cycles N      N times: create a VM, run one round, destroy it.
 *   vmloop hold N        one VM with two vCPUs, no irqchip: prints "vm
 *                        <pid>-<fd>" and each vCPU's workload ("vcpu <id>
 *                        pio <n> mmio <n> cpuid <n> hlt <n>"), runs N
 *                        rounds of it, prints "held <N>" and keeps the VM,
 *                        its vCPUs out of KVM_RUN, until SIGTERM or SIGINT,
 *                        so that its exits are exactly known and its
 *                        kvmtrace files can still be read.
 *
 * Exit status 0 only if every round of every VM completed with exactly the
 * expected PIO, MMIO and HLT exits.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvm_util.h"

#define NR_VCPUS	2
#define ROUND_MS	60000

static const struct kvm_workload round_wl[NR_VCPUS] = {
	{ .pio = 40, .mmio = 20, .cpuid = 10 },
	{ .pio = 25, .mmio = 30, .cpuid = 5 },
};

/* cycles: just enough to create state for both vCPUs */
static const struct kvm_workload cycle_wl[NR_VCPUS] = {
	{ .pio = 4, .mmio = 2 },
	{ .pio = 3, .mmio = 1 },
};

/* hold: every exit kind the workload routine has, different per vCPU */
static const struct kvm_workload hold_wl[NR_VCPUS] = {
	{ .pio = 20, .mmio = 10, .cpuid = 40, .hlt = 5 },
	{ .pio = 15, .mmio = 12, .cpuid = 30, .hlt = 3 },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One round of @wls on every vCPU of @vm; 0 if all counts are exact. */
static int run_round(struct kvm_vm *vm, const struct kvm_workload *wls)
{
	unsigned int i;
	int ret;

	for (i = 0; i < NR_VCPUS; i++) {
		struct kvm_workload wl = wls[i];

		wl.pio_port = KVM_UTIL_PORT_WORK + i;
		wl.mmio_gpa = kvm_vm_mmio_gpa(vm) + i * 0x1000;
		kvm_vcpu_set_workload(kvm_vm_vcpu(vm, i), &wl);
	}
	ret = __kvm_vm_run(vm, NULL, NULL, ROUND_MS);
	for (i = 0; i < NR_VCPUS; i++) {
		struct kvm_vcpu *vcpu = kvm_vm_vcpu(vm, i);

		if (vcpu->failed || !vcpu->done) {
			fprintf(stderr, "vmloop: vcpu %u: %s\n", i, vcpu->err);
			return -1;
		}
		if (kvm_vcpu_exit_count(vcpu, KVM_EXIT_IO) !=
		    wls[i].pio + 1ULL ||
		    kvm_vcpu_exit_count(vcpu, KVM_EXIT_MMIO) !=
		    wls[i].mmio ||
		    kvm_vcpu_exit_count(vcpu, KVM_EXIT_HLT) !=
		    wls[i].hlt) {
			fprintf(stderr, "vmloop: vcpu %u: wrong exit counts\n",
				i);
			return -1;
		}
	}
	return ret;
}

/*
 * Cycles use an in-kernel irqchip: a vCPU without one flips KVM's
 * kvm_has_noapic_vcpu static key on creation and destruction, and the
 * resulting run-time code patching is what the proving ground (QEMU TCG,
 * multi-threaded) handles worst.
 */
static struct kvm_vm *create_vm(bool irqchip)
{
	struct kvm_vm_opts opts = {
		.nr_vcpus = NR_VCPUS,
		.irqchip = irqchip,
		.mode = KVM_MODE_LONG64,
	};

	return kvm_vm_create(&opts);
}

static int stop_requested;

static void request_stop(int sig)
{
	(void)sig;
	__atomic_store_n(&stop_requested, 1, __ATOMIC_RELAXED);
}

static int cmd_run(double secs)
{
	struct sigaction sa = { .sa_handler = request_stop };
	struct kvm_vm *vm = create_vm(false);
	unsigned long rounds = 0;
	double end;
	int ret = 0;

	printf("vm %s\n", kvm_vm_debugfs_name(vm));
	fflush(stdout);
	/* SIGTERM or SIGINT ends the run after the current round */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	end = now() + secs;
	do {
		ret = run_round(vm, round_wl);
		rounds++;
	} while (!ret && !__atomic_load_n(&stop_requested, __ATOMIC_RELAXED) &&
		 now() < end);
	printf("rounds %lu%s\n", rounds, ret ? " FAILED" : "");
	kvm_vm_destroy(vm);
	return ret ? 1 : 0;
}

static int cmd_cycles(unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		struct kvm_vm *vm = create_vm(true);
		int ret;

		ret = run_round(vm, cycle_wl);
		kvm_vm_destroy(vm);
		if (ret) {
			printf("cycle %lu FAILED\n", i);
			return 1;
		}
	}
	printf("cycles %lu\n", n);
	return 0;
}

static int cmd_hold(unsigned long n)
{
	struct kvm_vm *vm;
	unsigned long i;
	sigset_t sigs;
	int ret = 0, sig;

	/* blocked before the vCPU threads exist, taken by sigwait() */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &sigs, NULL))
		return 1;
	vm = create_vm(false);
	printf("vm %s\n", kvm_vm_debugfs_name(vm));
	for (i = 0; i < NR_VCPUS; i++)
		printf("vcpu %lu pio %u mmio %u cpuid %u hlt %u\n", i,
		       hold_wl[i].pio, hold_wl[i].mmio, hold_wl[i].cpuid,
		       hold_wl[i].hlt);
	fflush(stdout);
	for (i = 0; i < n && !ret; i++)
		ret = run_round(vm, hold_wl);
	if (ret) {
		printf("round %lu FAILED\n", i);
		goto out_destroy;
	}
	printf("held %lu\n", n);
	fflush(stdout);
	sigwait(&sigs, &sig);
out_destroy:
	kvm_vm_destroy(vm);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (!kvm_available()) {
		fprintf(stderr, "vmloop: /dev/kvm is not available\n");
		return 4;
	}
	if (argc == 3 && !strcmp(argv[1], "run"))
		return cmd_run(atof(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "cycles"))
		return cmd_cycles(strtoul(argv[2], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return cmd_hold(strtoul(argv[2], NULL, 0));
	fprintf(stderr,
		"usage: vmloop run SECONDS | vmloop cycles N | vmloop hold N\n");
	return 2;
}
