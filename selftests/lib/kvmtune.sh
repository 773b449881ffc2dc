# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shell helpers for kvmtune tests running in the proving ground: kselftest
# exit codes, verdicts, modules of the booted kernel, waiting, and steps
# checked against the kernel log.  Source it; everything it defines starts
# with kvmtune_ (or KVMTUNE_).  The kvmtrace tests add selftests/lib/kvmtrace.sh.

# shellcheck disable=SC2034 # for the tests that source this file
ksft_pass=0
ksft_fail=1
ksft_skip=4

# The load generators (selftests/loadgen/)
# shellcheck disable=SC2034
KVMTUNE_VMLOAD=$KVMTUNE_BUILD/selftests/loadgen/vmload
# shellcheck disable=SC2034
KVMTUNE_VMLOOP=$KVMTUNE_BUILD/selftests/loadgen/vmloop

# kvmtune_kvm_anchor OUT: start selftests/loadgen/kvmanchor, a VM that keeps
# KVM's static keys enabled so that VMs coming and going patch no kernel
# text (multi-threaded TCG races with that: see kvmanchor.c), and wait for
# it; its pid in kvmtune_anchor_pid (the caller's cleanup kills it), its
# debugfs name in kvmtune_anchor_vm, its output in the file OUT
kvmtune_anchor_pid=
kvmtune_anchor_vm=
kvmtune_kvm_anchor() {
	local w

	"$KVMTUNE_BUILD/selftests/loadgen/kvmanchor" >"$1" 2>&1 &
	kvmtune_anchor_pid=$!
	kvmtune_poll_deadline 30 grep -q '^anchor ' "$1" ||
		kvmtune_fail "the anchor VM did not start: $(cat "$1")"
	read -r -a w <"$1"
	kvmtune_anchor_vm=${w[1]}-${w[2]}
	[ -d "/sys/kernel/debug/kvm/$kvmtune_anchor_vm" ] ||
		kvmtune_fail "no KVM debugfs directory for the anchor VM $kvmtune_anchor_vm"
	echo "anchor VM $kvmtune_anchor_vm: KVM's static keys stay enabled while VMs come and go"
}

# What the proving ground calls a kernel splat: KVMTUNE_SPLAT
# shellcheck source=splat.sh
. "$KVMTUNE_REPO/selftests/lib/splat.sh"

# kvmtune_modprobe MODULE [PARAM=VALUE...]: load a module of the booted
# kernel from the unpacked Debian package (the chroot has no /lib/modules
# for it).
kvmtune_modprobe() {
	modprobe -d "$KVMTUNE_MODROOT" -S "$KVMTUNE_KVER" "$@"
}

# kvmtune_rmmod MODULE...: unload modules of the booted kernel,
# dependencies too.
kvmtune_rmmod() {
	modprobe -r -d "$KVMTUNE_MODROOT" -S "$KVMTUNE_KVER" "$@"
}

# kvmtune_loaded MODULE: true if MODULE (dash or underscore form) is loaded.
kvmtune_loaded() {
	[ -d "/sys/module/${1//-/_}" ]
}

# kvmtune_fail MSG: print a failure message and exit with the kselftest code.
kvmtune_fail() {
	echo "FAIL: $*"
	exit "$ksft_fail"
}

# kvmtune_skip MSG: skip, naming the capability the environment lacks.
kvmtune_skip() {
	echo "SKIP $*"
	exit "$ksft_skip"
}

# kvmtune_expect_eq WHAT EXPECTED ACTUAL
kvmtune_expect_eq() {
	if [ "$2" != "$3" ]; then
		kvmtune_fail "$1: expected '$2', got '$3'"
	fi
	echo "ok: $1 = $3"
}

# Forks are slow in the proving ground (an emulated CPU): the helpers
# below that run often are bash only.

# kvmtune_sleep SECONDS: sleep without a fork (a read that times out on a
# pipe that stays open)
exec {kvmtune_sleep_fd}<> <(:)
kvmtune_sleep() {
	read -r -t "$1" -u "$kvmtune_sleep_fd"
	return 0
}

# Two ways to wait for COMMAND to succeed, trying it again and again:
#
# kvmtune_poll_tries SECONDS COMMAND...: at most 10 x SECONDS tries, 0.1 s
# apart: SECONDS of sleeping, plus the time COMMAND takes, which a slow
# (loaded) guest does not cut short
kvmtune_poll_tries() {
	local n=$(($1 * 10))

	shift
	until "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		kvmtune_sleep 0.1
	done
	return 0
}

# kvmtune_poll_deadline SECONDS COMMAND...: a try every 0.2 s until
# SECONDS of real time have passed, however long COMMAND takes
kvmtune_poll_deadline() {
	local end=$((SECONDS + $1))

	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		kvmtune_sleep 0.2
	done
	return 0
}

# kvmtune_dmesg_step STEP: the kernel log since the last call, into
# $kvmtune_dmesg (and cleared); fails naming STEP if it has a splat
kvmtune_dmesg=
kvmtune_dmesg_step() {
	kvmtune_dmesg=$(dmesg -c) || kvmtune_fail "dmesg -c"
	if grep -Eq "$KVMTUNE_SPLAT" <<<"$kvmtune_dmesg"; then
		echo "$kvmtune_dmesg"
		kvmtune_fail "kernel splat during: $1"
	fi
}

# kvmtune_step NAME: checks the kernel log of the previous step
# (kvmtune_dmesg_step), then starts step NAME: says so, with the time, on
# stdout and in the kernel log, so that the console names the step a crash
# happened in.  $kvmtune_step_cur is the step.
kvmtune_step_cur=start
kvmtune_step() {
	kvmtune_dmesg_step "$kvmtune_step_cur"
	kvmtune_step_cur=$1
	echo "---- $1 (at ${SECONDS}s)"
	echo "kvmtune-test: ${0##*/}: step $1" >/dev/kmsg
}
