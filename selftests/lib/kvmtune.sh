# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shell helpers for kvmtune tests running in the proving ground.
# Source it; it defines kselftest exit codes and small helpers.

# shellcheck disable=SC2034 # for the tests that source this file
ksft_pass=0
ksft_fail=1
ksft_skip=4

# kt_modprobe MODULE [PARAM=VALUE...]: load a module of the booted kernel
# from the unpacked Debian package (the chroot has no /lib/modules for it).
kt_modprobe() {
	modprobe -d "$KVMTUNE_MODROOT" -S "$KVMTUNE_KVER" "$@"
}

# kt_rmmod MODULE...: unload modules of the booted kernel, dependencies too.
kt_rmmod() {
	modprobe -r -d "$KVMTUNE_MODROOT" -S "$KVMTUNE_KVER" "$@"
}

# kt_loaded MODULE: true if MODULE (dash or underscore form) is loaded.
kt_loaded() {
	[ -d "/sys/module/${1//-/_}" ]
}

# kt_fail MSG: print a failure message and exit with the kselftest code.
kt_fail() {
	echo "FAIL: $*"
	exit "$ksft_fail"
}

# kt_skip MSG: skip, naming the capability the environment lacks.
kt_skip() {
	echo "SKIP $*"
	exit "$ksft_skip"
}

# kt_expect_eq WHAT EXPECTED ACTUAL
kt_expect_eq() {
	if [ "$2" != "$3" ]; then
		kt_fail "$1: expected '$2', got '$3'"
	fi
	echo "ok: $1 = $3"
}
