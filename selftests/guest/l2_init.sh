#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# busybox ash, which shellcheck knows as its POSIX subset:
# shellcheck shell=dash
#
# /init of the nested guests of selftests/guest/ (built into
# build/guest/l2-overlay.cpio.gz by selftests/vm/guest-kernels.sh, which
# the tests append to the proving ground's L2 initramfs: busybox).
#
# Starts a ticker on every CPU (l2_util ticker: a wakeup every 200 ms, so
# that every CPU has a known reason to leave idle), says
# "KVMTUNE-L2 ready", then runs commands read from the console, one per
# line, each answered by "KVMTUNE-L2 ok <command>" (or "... fail <command>
# <why>"):
#
#   facts            FACT lines (CPU flags, clocksource, nohlt list,
#                    command line, the KVM timing leaf) and the kernel log
#                    lines about those, and any splat, between
#                    "KVMTUNE-L2 dmesg begin" and "... end"
#   hotplug CPU      offline CPU, online it again, put its ticker back on it
#   waitlog S REGEX  wait up to S seconds for a kernel log line matching the
#                    extended REGEX, print it, or "waitlog: none in S s"
#   clock N [CS]     N clock_gettime() calls on CPU 0, on clocksource CS if
#                    given: "FACT clock CS N NS"
#   rxlat DEV N CPU  l2_util rxlat DEV N on CPU (serial latency benchmark)
#   poweroff         end the guest (a reset: QEMU runs with -no-reboot)
#
# Nothing here runs between commands but the tickers, so the guest is idle
# apart from them while its host counts its exits.

/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

say() { echo "KVMTUNE-L2 $*"; }

CS=/sys/devices/system/clocksource/clocksource0
# the kernel log lines facts reports: TSC, clocksources, kvm-guest, idle
# (nohlt_list=), the command line, and what selftests/vm/run.sh calls a
# kernel splat (KVMTUNE_SPLAT, selftests/lib/splat.sh)
# shellcheck source=../lib/splat.sh
. /splat.sh
DMESG_KEEP="tsc|clocksource|kvm-clock|kvm-guest|calibrat|idle|nohlt|command line|Linux version|$KVMTUNE_SPLAT"
TICK_MS=200

start_ticker() {
	/bin/l2_util ticker "$1" "$TICK_MS" &
	eval "ticker_$1=\$!"
}

for c in $(seq 0 $(($(nproc) - 1))); do
	start_ticker "$c"
done

facts() {
	echo "FACT release $(uname -r)"
	echo "FACT cpus $(cat /sys/devices/system/cpu/online)"
	echo "FACT cmdline $(cat /proc/cmdline)"
	echo "FACT $(grep -m 1 '^flags' /proc/cpuinfo | tr -s ' \t' ' ')"
	echo "FACT clocksource $(cat $CS/current_clocksource)"
	echo "FACT available $(cat $CS/available_clocksource)"
	if [ -e /sys/devices/system/cpu/nohlt ]; then
		echo "FACT nohlt [$(cat /sys/devices/system/cpu/nohlt)]"
	else
		echo "FACT nohlt absent"
	fi
	echo "FACT cpuid_40000000 $(/bin/l2_util cpuid 0x40000000)"
	echo "FACT cpuid_40000010 $(/bin/l2_util cpuid 0x40000010)"
	echo "FACT cpuid_80000007 $(/bin/l2_util cpuid 0x80000007)"
	# Only the lines the tests judge, and any splat: the whole log at
	# serial speed took most of a nested guest's time
	say dmesg begin
	dmesg | grep -Ei "$DMESG_KEEP"
	say dmesg end
}

hotplug() {
	c=$1
	f=/sys/devices/system/cpu/cpu$c/online
	[ -e "$f" ] || { echo "no $f"; return 1; }
	echo 0 >"$f" || return 1
	[ "$(cat "$f")" = 0 ] || { echo "cpu$c still online"; return 1; }
	echo 1 >"$f" || return 1
	[ "$(cat "$f")" = 1 ] || { echo "cpu$c still offline"; return 1; }
	# its ticker moved away while it was offline: bring it back
	pid=
	eval "pid=\$ticker_$c"
	taskset -p -c "$c" "$pid" >/dev/null || return 1
}

waitlog() {
	s=${1%% *} re=${1#* }
	end=$(($(cut -d. -f1 /proc/uptime) + s))
	while ! dmesg | grep -E -m 1 -- "$re"; do
		if [ "$(cut -d. -f1 /proc/uptime)" -ge "$end" ]; then
			echo "waitlog: none in $s s"
			return 0
		fi
		sleep 2
	done
}

clock() {
	n=$1 cs=${2:-}
	if [ -n "$cs" ]; then
		echo "$cs" >$CS/current_clocksource || return 1
		[ "$(cat $CS/current_clocksource)" = "$cs" ] || return 1
	fi
	r=$(taskset -c 0 /bin/l2_util clock "$n") || return 1
	# shellcheck disable=SC2086 # "calls N ns NS" into words
	set -- $r
	echo "FACT clock $(cat $CS/current_clocksource) $2 $4"
}

stty -echo 2>/dev/null
say ready
while read -r cmd args; do
	case $cmd in
	'') continue ;;
	facts) facts ;;
	hotplug)
		# shellcheck disable=SC2086 # the arguments, as words
		out=$(hotplug $args 2>&1)
		;;
	waitlog) out=$(waitlog "$args" 2>&1) ;;
	clock)
		# shellcheck disable=SC2086 # the arguments, as words
		out=$(clock $args 2>&1)
		;;
	rxlat)
		# shellcheck disable=SC2086 # the arguments, as words
		set -- $args
		# not captured: "rxlat ready" must reach the console at once
		taskset -c "$3" /bin/l2_util rxlat "$1" "$2" 2>&1
		;;
	poweroff)
		# QEMU runs with -no-reboot, so a reset ends it; without ACPI
		# (microvm,acpi=off) a power-off would only halt the CPUs
		say ok poweroff
		reboot -f
		;;
	*) false ;;
	esac
	rc=$?
	[ -z "${out:-}" ] || echo "$out"
	out=
	if [ "$rc" -eq 0 ]; then
		say ok "$cmd"
	else
		say fail "$cmd" "exit $rc"
	fi
done
say fail console "end of input"
reboot -f
