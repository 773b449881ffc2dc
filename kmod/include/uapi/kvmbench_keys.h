/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The keys of kvmbench's control file and the exit kinds of its results
 * (uapi/kvmbench.h says what each means), in file order. Like
 * kvmtrace_keys.h, this file has no include guard: define the macros you
 * need, include it, and it #undefs them all again; the ones left undefined
 * expand to nothing.
 *
 *   KVMBENCH_CONTROL_KEY(key)   the "key value" lines control reads back
 *   KVMBENCH_EXIT_KIND(kind)    the kinds of the results' exits field
 */
#ifndef KVMBENCH_CONTROL_KEY
#define KVMBENCH_CONTROL_KEY(...)
#endif
#ifndef KVMBENCH_EXIT_KIND
#define KVMBENCH_EXIT_KIND(...)
#endif

KVMBENCH_CONTROL_KEY(cpu)
KVMBENCH_CONTROL_KEY(goal)
KVMBENCH_CONTROL_KEY(repeats)
KVMBENCH_CONTROL_KEY(state)
KVMBENCH_CONTROL_KEY(tsc_khz)
KVMBENCH_CONTROL_KEY(benches)

KVMBENCH_EXIT_KIND(cpuid)
KVMBENCH_EXIT_KIND(hypercall)
KVMBENCH_EXIT_KIND(pio_kernel)
KVMBENCH_EXIT_KIND(pio_user)
KVMBENCH_EXIT_KIND(mmio_kernel)
KVMBENCH_EXIT_KIND(mmio_user)
KVMBENCH_EXIT_KIND(rdmsr)
KVMBENCH_EXIT_KIND(wrmsr)
KVMBENCH_EXIT_KIND(hlt)

#undef KVMBENCH_CONTROL_KEY
#undef KVMBENCH_EXIT_KIND
