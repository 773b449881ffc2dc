/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtrace's own tracepoint. Exits slower than slow_ns (HLT excluded) are
 * emitted as kvmtrace:kvmtrace_slow_exit, so "perf record -e kvmtrace:*"
 * and ftrace can capture them with full context. "user" says whether the
 * time was spent in userspace (the exit went back to the VMM, or the vCPU
 * was kept out of the guest) or in the kernel.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvmtrace

#if !defined(KVMTRACE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KVMTRACE_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

#include "names.h"
#include "state.h"

TRACE_EVENT(kvmtrace_slow_exit,
	    TP_PROTO(const char *vm, pid_t pid, int vcpu_id, u8 isa,
		     u32 reason, u64 duration_ns, bool user),
	    TP_ARGS(vm, pid, vcpu_id, isa, reason, duration_ns, user),
	    TP_STRUCT__entry(__array(char, vm, KT_NAME_LEN)
			     __array(char, reason_name, KT_REASON_LEN)
			     __field(pid_t, pid)
			     __field(int, vcpu_id)
			     __field(u32, isa)
			     __field(u32, reason)
			     __field(u64, duration_ns)
			     __field(bool, user)),
	    TP_fast_assign(strscpy(__entry->vm, vm, KT_NAME_LEN);
			   strscpy(__entry->reason_name,
				   kt_reason_name(isa, reason), KT_REASON_LEN);
			   __entry->pid = pid;
			   __entry->vcpu_id = vcpu_id;
			   __entry->isa = isa;
			   __entry->reason = reason;
			   __entry->duration_ns = duration_ns;
			   __entry->user = user;),
	    TP_printk("vm %s pid %d vcpu %d reason %s 0x%x duration_ns %llu in %s",
		      __entry->vm, __entry->pid, __entry->vcpu_id,
		      __entry->reason_name, __entry->reason,
		      __entry->duration_ns,
		      __entry->user ? "user" : "kernel")
);

#endif /* KVMTRACE_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
