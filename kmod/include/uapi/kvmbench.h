/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmbench's debugfs interface, defined once for the guest module that
 * writes it and the tools and tests that read it (Documentation/kvmbench.rst
 * has the meaning of every field). debugfs is not ABI; the formats are
 * nevertheless kept stable, and this header is where they are.
 *
 *   /sys/kernel/debug/KVMBENCH_ROOT/
 *       control    commands (write); settings and state (read, "key value")
 *       results    one line per bench and vCPU of the last run
 */
#ifndef _UAPI_KVMBENCH_H
#define _UAPI_KVMBENCH_H

#include <linux/const.h>

#define KVMBENCH_ROOT		"kvmbench"

/* Limits of the settings (control commands and module parameters) */
#define KVMBENCH_GOAL_MIN	_BITULL(10)	/* cycles */
#define KVMBENCH_GOAL_MAX	_BITULL(32)
#define KVMBENCH_GOAL_DEFAULT	_BITULL(30)	/* as kvm-unit-tests' vmexit.c */
#define KVMBENCH_REPEATS_MAX	31
#define KVMBENCH_REPEATS_DEFAULT 5
#define KVMBENCH_ITERS_START	32		/* first loop of the doubling */
#define KVMBENCH_CMD_MAX	512		/* bytes of one control write */

/*
 * The "key value" lines control reads back, in file order, are the
 * KVMBENCH_CONTROL_KEY()s of kvmbench_keys.h:
 *   cpu      the vCPU benches run on, or "all" (every online vCPU)
 *   goal     cycles a measured loop must reach (iterations double until it
 *            does)
 *   repeats  measured loops per bench and vCPU
 *   state    "idle", or "running <bench>"
 *   tsc_khz  the guest's TSC frequency: cycles to ns
 *   benches  every bench, in table order, separated by spaces
 */

/* The commands control takes, one per write: run, cpu, goal, repeats */
#define KVMBENCH_CPU_ALL	"all"

/*
 * results: a comment line, then one line per bench and vCPU, in the order
 * they ran. A measured bench:
 *
 *   name cpu min median spread iterations repeats ops partner exits
 *
 *   min, median  cycles per operation: the best and the median loop
 *   spread       (slowest - fastest loop) / median, in percent
 *   iterations   operations per measured loop (a power of two)
 *   repeats      measured loops
 *   ops          every operation executed on this vCPU for this bench,
 *                the doubling loops included: what the host saw
 *   partner      the other vCPU the bench needs, or "-"
 *   exits        what one operation exits on, see below
 *
 * A bench that cannot run there:
 *
 *   name cpu unsupported reason...
 */
#define KVMBENCH_RESULTS_HEADER	\
	"# name cpu min median spread iterations repeats ops partner exits\n"
/* all fields but the last, exits, which follows (then "\n") */
#define KVMBENCH_RESULT_FMT	"%s %u %llu %llu %u.%u%% %llu %u %llu %s "
#define KVMBENCH_UNSUPPORTED	"unsupported"
#define KVMBENCH_UNSUPPORTED_FMT "%s %u " KVMBENCH_UNSUPPORTED " %s\n"
#define KVMBENCH_NO_PARTNER	"-"

/*
 * The exits field: comma-separated items, "-" when there are none,
 *
 *   [partner:]KIND[:0xMSR]=N[+S]    exactly N per operation, plus S once
 *                                   per vCPU and run (set-up)
 *   [partner:]KIND[:0xMSR]=LO..HI   between LO and HI per operation,
 *                                   plus the vCPU's background (timer and
 *                                   IPI benches; documented bounds)
 *
 * "partner:" items are exits of the partner vCPU. The kinds, as KVM and
 * kvmtrace's per-vCPU files see them, are the KVMBENCH_EXIT_KIND()s of
 * kvmbench_keys.h:
 *   cpuid        CPUID exits
 *   hypercall    VMCALL (Intel) or VMMCALL (AMD) exits
 *   pio_kernel   port I/O exits completed in the host kernel
 *   pio_user     port I/O exits completed by the VMM in userspace
 *   mmio_kernel  MMIO exits (EPT misconfig/violation, NPF) completed in
 *                the host kernel
 *   mmio_user    MMIO exits completed by the VMM in userspace
 *   rdmsr        RDMSR exits of MSR 0xMSR
 *   wrmsr        WRMSR exits of MSR 0xMSR
 *   hlt          HLT exits
 */
#define KVMBENCH_PARTNER_PREFIX	"partner:"

#endif /* _UAPI_KVMBENCH_H */
