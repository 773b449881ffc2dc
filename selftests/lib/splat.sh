# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the proving ground calls a kernel splat: the console of a run
# (selftests/vm/run.sh) and the kernel log of a test step
# (kvmtune_dmesg_step in kvmtune.sh) are searched with this one regex.

# shellcheck disable=SC2034 # used by the scripts that source this file
KVMTUNE_SPLAT='(Oops|BUG:|kernel BUG at|WARNING:|KASAN|UBSAN|possible recursive locking|possible circular locking|inconsistent lock state|lockdep|Kernel panic|detected stall|soft lockup|hard LOCKUP|blocked for more than|general protection fault|Call Trace:)'
