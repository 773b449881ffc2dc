#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The proving ground must give tests a working KVM: kvm_amd loaded on an
# (emulated) AMD CPU with SVM, and /dev/kvm present.

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

grep -qw svm /proc/cpuinfo || kvmtune_fail "CPU does not advertise svm"
kvmtune_loaded kvm_amd || kvmtune_fail "kvm_amd is not loaded"
kvmtune_loaded kvm || kvmtune_fail "kvm is not loaded"
[ -c /dev/kvm ] || kvmtune_fail "/dev/kvm missing"
[ -d /sys/kernel/debug/kvm ] || kvmtune_fail "KVM debugfs missing"
echo "kvm_amd loaded, /dev/kvm present on $(uname -r)"
