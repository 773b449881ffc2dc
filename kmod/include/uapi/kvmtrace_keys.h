/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmtrace's debugfs files and the keys of its "key value" files, in file
 * order, for the module that writes them and the tools and tests that read
 * them. Like KVM's kvm-x86-ops.h, this file has no include guard: define
 * the macros you need, include it, and it #undefs them all again; the ones
 * left undefined expand to nothing. A "key value" line is "<key> <value>\n".
 *
 *   KVMTRACE_HOST_FILE(name)             summary probes control
 *   KVMTRACE_SCOPE_FILE(name)            the files of vms/<vm>/[vcpu<id>/]
 *   KVMTRACE_HLT_KEY(key, kind, text)    hlt
 *   KVMTRACE_HLT_HIST(name, text)        hlt's histogram lines, after its keys
 *   KVMTRACE_NPF_KEY(key, kind, text)    npf
 *   KVMTRACE_WAKEUPS_KEY(key, kind, text) wakeups
 *   KVMTRACE_STATS_KEY(key, kind, text)  stats
 *   KVMTRACE_SUMMARY_KEY(key, kind, text) summary
 *   KVMTRACE_CONTROL_KEY(key, kind, text) what control reads back
 *   KVMTRACE_COMMAND(name, text)         what control takes
 *   KVMTRACE_PROBE_FIELD(name)           the fields of a probes line
 *   KVMTRACE_PROBE_STATE(name)           probes: its state field
 *
 * A key's kind says what its value is:
 *   SUM      a count or a total that only grows (until reset): rates make
 *            sense, and a VM's value is the sum of its vCPUs'
 *   COUNTER  the same, kept by the module as a plain counter under the
 *            key's name
 *   VALUE    a setting or a level (poll_ns, pid, vcpus, ...)
 *   WORD     a word, not a number (isa, kvm_symbols, exit_info)
 *
 * Adding a counter means a line here, the code that counts it, and a test.
 */
#ifndef KVMTRACE_HOST_FILE
#define KVMTRACE_HOST_FILE(...)
#endif
#ifndef KVMTRACE_SCOPE_FILE
#define KVMTRACE_SCOPE_FILE(...)
#endif
#ifndef KVMTRACE_HLT_KEY
#define KVMTRACE_HLT_KEY(...)
#endif
#ifndef KVMTRACE_HLT_HIST
#define KVMTRACE_HLT_HIST(...)
#endif
#ifndef KVMTRACE_NPF_KEY
#define KVMTRACE_NPF_KEY(...)
#endif
#ifndef KVMTRACE_WAKEUPS_KEY
#define KVMTRACE_WAKEUPS_KEY(...)
#endif
#ifndef KVMTRACE_STATS_KEY
#define KVMTRACE_STATS_KEY(...)
#endif
#ifndef KVMTRACE_SUMMARY_KEY
#define KVMTRACE_SUMMARY_KEY(...)
#endif
#ifndef KVMTRACE_CONTROL_KEY
#define KVMTRACE_CONTROL_KEY(...)
#endif
#ifndef KVMTRACE_COMMAND
#define KVMTRACE_COMMAND(...)
#endif
#ifndef KVMTRACE_PROBE_FIELD
#define KVMTRACE_PROBE_FIELD(...)
#endif
#ifndef KVMTRACE_PROBE_STATE
#define KVMTRACE_PROBE_STATE(...)
#endif

KVMTRACE_HOST_FILE(summary)
KVMTRACE_HOST_FILE(probes)
KVMTRACE_HOST_FILE(control)

KVMTRACE_SCOPE_FILE(exits)
KVMTRACE_SCOPE_FILE(msrs)
KVMTRACE_SCOPE_FILE(latency)
KVMTRACE_SCOPE_FILE(user_latency)
KVMTRACE_SCOPE_FILE(hlt)
KVMTRACE_SCOPE_FILE(npf)
KVMTRACE_SCOPE_FILE(wakeups)
KVMTRACE_SCOPE_FILE(stats)

KVMTRACE_HLT_KEY(exits, SUM, "HLT exits")
KVMTRACE_HLT_KEY(exit_ns, SUM, "total HLT exit-to-entry time, ns")
KVMTRACE_HLT_KEY(halts, COUNTER, "halts completed")
KVMTRACE_HLT_KEY(poll_attempted, COUNTER, "halts in which KVM polled")
KVMTRACE_HLT_KEY(poll_success, COUNTER, "polled halts that ended while polling")
KVMTRACE_HLT_KEY(poll_fail, COUNTER, "polled halts that then slept")
KVMTRACE_HLT_KEY(waited, COUNTER, "halts in which the vCPU thread slept")
KVMTRACE_HLT_KEY(invalid, COUNTER, "successful polls without a valid wakeup")
KVMTRACE_HLT_KEY(halted_ns, COUNTER, "total time halted, ns")
KVMTRACE_HLT_KEY(poll_grow, COUNTER, "times KVM grew halt_poll_ns")
KVMTRACE_HLT_KEY(poll_shrink, COUNTER, "times KVM shrank halt_poll_ns")
KVMTRACE_HLT_KEY(poll_ns, VALUE, "last halt_poll_ns KVM set (a value, not a sum)")
KVMTRACE_HLT_HIST(exit_hist, "HLT exit-to-entry time")
KVMTRACE_HLT_HIST(halt_hist, "halt duration")

KVMTRACE_NPF_KEY(exits, SUM, "NPF/EPT exits")
KVMTRACE_NPF_KEY(mmio, SUM, "of these, MMIO that KVM emulated")
KVMTRACE_NPF_KEY(fault, SUM, "of these, page faults KVM resolved")

KVMTRACE_WAKEUPS_KEY(piw, SUM, "posted-interrupt wakeups")
KVMTRACE_WAKEUPS_KEY(other, SUM, "all other wakeups of a waiting vCPU")

KVMTRACE_STATS_KEY(vcpus, VALUE, "vCPUs summed")
KVMTRACE_STATS_KEY(isa, WORD, "vmx or svm")
KVMTRACE_STATS_KEY(exits, SUM, "all exits")
KVMTRACE_STATS_KEY(exit_ns, SUM, "total time of the exits in latency, ns")
KVMTRACE_STATS_KEY(user_exits, SUM, "exits in user_latency")
KVMTRACE_STATS_KEY(user_exit_ns, SUM, "total time of the exits in user_latency, ns")
KVMTRACE_STATS_KEY(slow, SUM, "exits in latency that took >= slow_ns")
KVMTRACE_STATS_KEY(user_slow, SUM, "exits in user_latency that took >= slow_ns")
KVMTRACE_STATS_KEY(latency_other, SUM, "exits in latency's OTHER lines")
KVMTRACE_STATS_KEY(user_latency_other, SUM, "exits in user_latency's OTHER lines")
KVMTRACE_STATS_KEY(unknown_lost, SUM, "out-of-range codes beyond the ones kept")
KVMTRACE_STATS_KEY(msr_lost_writes, SUM, "WRMSR exits beyond the MSRs kept")
KVMTRACE_STATS_KEY(msr_lost_reads, SUM, "RDMSR exits beyond the MSRs kept")
KVMTRACE_STATS_KEY(vmx_failed_entry, SUM, "VMX exits with bit 31 (failed VM entry)")
KVMTRACE_STATS_KEY(vmx_bus_lock, SUM, "VMX exits with bit 26 (bus lock)")
KVMTRACE_STATS_KEY(vmx_enclave, SUM, "VMX exits with bit 27 (enclave mode)")
KVMTRACE_STATS_KEY(vmx_other_flags, SUM, "VMX exits with another flag bit")

KVMTRACE_SUMMARY_KEY(enabled, VALUE, "1 if accounting is on")
KVMTRACE_SUMMARY_KEY(pid, VALUE, "pid filter, 0 for none")
KVMTRACE_SUMMARY_KEY(slow_ns, VALUE, "slow-exit threshold, 0 for off")
KVMTRACE_SUMMARY_KEY(kvm_symbols, WORD, "resolved or missing")
KVMTRACE_SUMMARY_KEY(exit_info, WORD, "checking, vmcb or get_exit_info")
KVMTRACE_SUMMARY_KEY(vms, VALUE, "VMs traced now")
KVMTRACE_SUMMARY_KEY(max_vms, VALUE, "VM pool size")
KVMTRACE_SUMMARY_KEY(vcpus, VALUE, "vCPUs traced now")
KVMTRACE_SUMMARY_KEY(max_vcpus, VALUE, "vCPU pool size")
KVMTRACE_SUMMARY_KEY(memory_bytes, VALUE, "preallocated state")
KVMTRACE_SUMMARY_KEY(exits, SUM, "exits of the vCPUs traced now")
KVMTRACE_SUMMARY_KEY(dropped_vm_full, SUM, "events lost: VM pool full")
KVMTRACE_SUMMARY_KEY(dropped_vcpu_full, SUM, "events lost: vCPU pool full")
KVMTRACE_SUMMARY_KEY(untracked, SUM, "events of vCPUs without state")
KVMTRACE_SUMMARY_KEY(noreason, SUM, "exits seen without get_exit_info")
KVMTRACE_SUMMARY_KEY(dir_failures, SUM, "debugfs directories not made (attempts)")

KVMTRACE_CONTROL_KEY(enabled, VALUE, "1 if accounting is on")
KVMTRACE_CONTROL_KEY(pid, VALUE, "pid filter, 0 for none")
KVMTRACE_CONTROL_KEY(slow_ns, VALUE, "slow-exit threshold, 0 for off")

KVMTRACE_COMMAND(enable, "resume accounting")
KVMTRACE_COMMAND(disable, "stop accounting")
KVMTRACE_COMMAND(reset, "zero all per-VM and per-vCPU counters")
KVMTRACE_COMMAND(pid, "<pid>: trace one VMM's VMs, 0 or -1 for all")
KVMTRACE_COMMAND(slow_ns, "<ns>: slow-exit threshold, 0 for off")

KVMTRACE_PROBE_FIELD(name)
KVMTRACE_PROBE_FIELD(kind)
KVMTRACE_PROBE_FIELD(target)
KVMTRACE_PROBE_FIELD(state)
KVMTRACE_PROBE_FIELD(hits)
KVMTRACE_PROBE_FIELD(nmissed)
KVMTRACE_PROBE_FIELD(errno)

KVMTRACE_PROBE_STATE(waiting)
KVMTRACE_PROBE_STATE(armed)
KVMTRACE_PROBE_STATE(failed)

#undef KVMTRACE_HOST_FILE
#undef KVMTRACE_SCOPE_FILE
#undef KVMTRACE_HLT_KEY
#undef KVMTRACE_HLT_HIST
#undef KVMTRACE_NPF_KEY
#undef KVMTRACE_WAKEUPS_KEY
#undef KVMTRACE_STATS_KEY
#undef KVMTRACE_SUMMARY_KEY
#undef KVMTRACE_CONTROL_KEY
#undef KVMTRACE_COMMAND
#undef KVMTRACE_PROBE_FIELD
#undef KVMTRACE_PROBE_STATE
