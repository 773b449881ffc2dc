/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Timer and idle checks (Documentation/kvmaudit.rst, "Timers and idle"):
 * from kvmtrace's counters, per VM, TSC_DEADLINE write rates, port I/O
 * rates and HLT/wakeup rates; on the host, KVM's halt_poll_ns.
 */
#ifndef KVMAUDIT_TIMER_H
#define KVMAUDIT_TIMER_H

#include "audit.h"

KVMAUDIT_CHECK(kvmaudit_check_tsc_deadline);
KVMAUDIT_CHECK(kvmaudit_check_pio);
KVMAUDIT_CHECK(kvmaudit_check_nohlt);
KVMAUDIT_CHECK(kvmaudit_check_halt_poll);

#endif /* KVMAUDIT_TIMER_H */
