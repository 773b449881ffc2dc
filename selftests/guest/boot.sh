#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest/boot/LINE: boot the stock and the patched guest kernel of LINE
# (make guest-kernels) as real KVM guests, nested in the proving ground,
# with kvmtrace counting their exits, and record what guest/nohlt_list and
# guest/tsc_reliable judge.  Each boot checks several things that do not
# interfere (nested boots are expensive):
#
#   boot kernel   -cpu $G_CPU (lib.sh),...  command line
#   A    patched  +invtsc,-tsc-adjust       nohlt_list=1 tsc_early_khz=SKEW
#   B    stock    +invtsc,-tsc-adjust       nohlt_list=1 tsc_early_khz=SKEW
#   C    patched  +invtsc                   nohlt_list=0-1 no-kvmclock
#   D    patched  (no invtsc)               nohlt_list=x nohlt_list=2 nohlt_list=
#   E    stock    (no invtsc)               nohlt_list=x nohlt_list=2 nohlt_list=
#   F    patched  +invtsc,-tsc-adjust       no-kvm-tsc-reliable tsc_early_khz=SKEW
#   G    patched  +invtsc                   tsc=unstable
#
# In A, B and F the guest's idea of its TSC frequency is 10 % off
# (tsc_early_khz), so any clocksource watchdog check of the TSC fails within
# a second: the TSC stays the clocksource only if nothing checks it.
# -tsc-adjust there: with TSC_ADJUST (which KVM offers by default) stock
# kernels already skip the watchdog on small machines; without it they do
# not, as on the hosts the patch is for.
#
# A, B: a window of W seconds (kvmtrace's HLT exits, halts and halt
# wakeups per vCPU), a hotplug cycle of CPU 1, another window.  C, D, E: one
# window.  F, G: wait W seconds.  Then every guest reports its facts (CPU
# flags, clocksource, /sys/devices/system/cpu/nohlt, CPUID, kernel log).
# Results go to $TMPDIR/guest-LINE/ (G_OUT); this test fails only if a
# guest does not boot, does not do what it is told or splats.
#
# Needs: kvm_amd, kvmtrace and kvmtune_invtsc loaded (selftests/guest.list).

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

line=${1:?usage: boot.sh LINE}
export G_OUT=${TMPDIR:-/tmp}/guest-$line
rm -rf "$G_OUT"
. "$KVMTUNE_REPO/selftests/guest/lib.sh"
trap g_cleanup EXIT

W=${G_WINDOW:-3}

[ -c /dev/kvm ] || kvmtune_fail "/dev/kvm missing"
kvmtune_loaded kvmtune_invtsc || kvmtune_fail "kvmtune_invtsc is not loaded: no invariant TSC to offer"

g_anchor
stock=$(g_kernel "$line" stock)
patched=$(g_kernel "$line" patched)

# The frequency the guests' TSC runs at: KVM gives them this kernel's.
khz=$(awk -F': *' '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
[ "${khz:-0}" -gt 0 ] || kvmtune_fail "no 'cpu MHz' in /proc/cpuinfo"
skew=$((khz * 9 / 10))
echo "L1 TSC ${khz} kHz; skewed guests get tsc_early_khz=$skew"
echo "$khz $skew" >"$G_OUT/khz"

cpu=$G_CPU
inv=$cpu,+invtsc,enforce
inv_noadj=$cpu,+invtsc,-tsc-adjust,enforce
bad="nohlt_list=x nohlt_list=2 nohlt_list="

# record NAME WINDOWS...: the window counts, "WINDOW vCPU EXITS HALTS WAKEUPS"
record() {
	local v
	for v in 0 1; do
		echo "$2 $v ${g_exits[$v]} ${g_halts[$v]} ${g_wakeups[$v]}"
	done >>"$G_OUT/$1.windows"
}

# hotplug_run NAME KERNEL CPU APPEND
# hotplug_run NAME KERNEL CPU APPEND [WAITLOG]: WAITLOG, if given, after
# the first window and before the hotplug cycle (a CPU coming online
# checks the TSCs for warps, which may mark the TSC unstable before the
# watchdog says anything)
hotplug_run() {
	g_boot "$1" "$2" "$3" "$4"
	g_window "$1" "$W"
	record "$1" w1
	[ -z "${5:-}" ] || g_cmd "$1" "waitlog 60 $5"
	g_cmd "$1" "hotplug 1"
	g_window "$1" "$W"
	record "$1" w2
	g_cmd "$1" facts
	g_end "$1"
}

window_run() {
	g_boot "$1" "$2" "$3" "$4"
	g_window "$1" "$W"
	record "$1" w1
	g_cmd "$1" facts
	g_end "$1"
}

wait_run() {
	g_boot "$1" "$2" "$3" "$4"
	sleep "$W"
	g_cmd "$1" facts
	g_end "$1"
}

# The clocksource watchdog's first words about the TSC (tsc-early, which
# the kernel uses until it registers tsc, or tsc): it marks it unstable
# (the skew), or it skips the check because reading the watchdog took too
# long (a loaded host; it then waits 5 minutes)
WD_TSC="timekeeping watchdog on CPU[0-9]+: (Marking clocksource 'tsc(-early)?'|tsc(-early)? read-back delay)|wd-tsc(-early)?-wd (excessive )?read-back delay"

# watchdog_run NAME KERNEL CPU APPEND: wait_run, but wait for the watchdog
# to say something about the TSC (up to 60 s; guest/tsc_reliable judges
# what it said) before the facts
watchdog_run() {
	g_boot "$1" "$2" "$3" "$4"
	sleep "$W"
	g_cmd "$1" "waitlog 60 $WD_TSC"
	g_cmd "$1" facts
	g_end "$1"
}

# guest RUN NAME KERNEL CPU APPEND...: one guest's whole run (RUN: one of
# the above), in a subshell.  As g_boot does for a reset early in boot, a
# guest whose QEMU ended on its own later (the L2 resets silently: seen
# once, in the stock 6.1 guest right after its watchdog marked the TSC
# unstable, whose static keys patch kernel text under multi-threaded TCG;
# and once in guest C of 6.1 in mid-line of its facts)
# with no splat on its console is run once more from the start, and this
# is said and counted in $G_OUT/reboots.  Any other failure, a splat or a
# second such end fails.
guest() {
	local name=$2 try rc out=$G_OUT/$2.run

	for try in 1 2; do
		rm -f "$G_OUT/$name.windows"
		(trap g_kill_guests EXIT; "$@") >"$out" 2>&1
		rc=$?
		cat "$out"
		[ "$rc" -ne 0 ] || return 0
		grep -Eq "^FAIL: guest $name( died during the window|: QEMU exited while waiting)" "$out" ||
			exit "$rc"
		! g_log "$name" | grep -Eq "$KVMTUNE_SPLAT" ||
			kvmtune_fail "guest $name: kernel splat: $(g_log "$name" | grep -Em 1 "$KVMTUNE_SPLAT")"
		[ "$try" -eq 1 ] || kvmtune_fail "guest $name: QEMU ended on its own, twice"
		echo "guest $name: QEMU ended on its own, no splat: running it once more"
		echo "$name" >>"$G_OUT/reboots"
	done
}

guest hotplug_run A "$patched" "$inv_noadj" "nohlt_list=1 tsc_early_khz=$skew"
guest hotplug_run B "$stock" "$inv_noadj" "nohlt_list=1 tsc_early_khz=$skew" "$WD_TSC"
guest window_run C "$patched" "$inv" "nohlt_list=0-1 no-kvmclock"
guest window_run D "$patched" "$cpu,enforce" "$bad"
guest window_run E "$stock" "$cpu,enforce" "$bad"
guest watchdog_run F "$patched" "$inv_noadj" "no-kvm-tsc-reliable tsc_early_khz=$skew"
guest wait_run G "$patched" "$inv" "tsc=unstable"
touch "$G_OUT/done" "$G_OUT/reboots"
echo "ok: 7 guests of $line booted, did what they were told and shut down cleanly" \
	"($(wc -l <"$G_OUT/reboots") booted twice: a silent reset, see guest())"
