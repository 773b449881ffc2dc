#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest/nohlt_list/LINE: judge what guest/boot/LINE recorded about
# nohlt_list= (selftests/guest/boot.sh has the boots).  Each guest has a
# task waking every 200 ms on each CPU, and L1's kvmtrace counted the HLT
# exits, halts and halt wakeups of each vCPU over windows in which the guest
# did nothing else:
#
#   A  patched, nohlt_list=1: exactly 0 HLT exits, halts and halt wakeups
#      on vCPU 1, more than 0 HLT exits on vCPU 0; the same after a hotplug
#      cycle of CPU 1; /sys/devices/system/cpu/nohlt says 1; one log line
#   B  stock, nohlt_list=1: HLT exits on both vCPUs, before and after the
#      hotplug cycle (so A's zeros are the patch's doing); no sysfs file
#   C  patched, nohlt_list=0-1: 0 on both vCPUs; sysfs says 0-1
#   D  patched, three bad values: one warning each, the sysfs list empty,
#      HLT exits on both vCPUs, as in E (stock, same command line)

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

line=${1:?usage: nohlt_list.sh LINE}
G_OUT=${TMPDIR:-/tmp}/guest-$line
[ -f "$G_OUT/done" ] || kvmtune_fail "guest/boot/$line did not finish: nothing to judge"
export G_OUT
. "$KVMTUNE_REPO/selftests/guest/lib.sh"

# win NAME WINDOW VCPU: "EXITS HALTS WAKEUPS"
win() {
	awk -v w="$2" -v v="$3" '$1 == w && $2 == v { print $3, $4, $5; f = 1 }
		END { exit !f }' "$G_OUT/$1.windows" || kvmtune_fail "guest $1: no window $2"
}

# quiet NAME WINDOW VCPU: no HLT exit, halt or halt wakeup
quiet() {
	kvmtune_expect_eq "guest $1, $2: vCPU $3 HLT exits, halts, halt wakeups" "0 0 0" "$(win "$@")"
}

# halting NAME WINDOW VCPU: HLT exits
halting() {
	local c
	read -r -a c <<<"$(win "$@")"
	[ "${c[0]}" -gt 0 ] || kvmtune_fail "guest $1, $2: vCPU $3 had no HLT exit (${c[*]})"
	echo "ok: guest $1, $2: vCPU $3 halted: ${c[0]} HLT exits, ${c[1]} halts, ${c[2]} halt wakeups"
}

# A: the patched kernel with nohlt_list=1
kvmtune_expect_eq "A: /sys/devices/system/cpu/nohlt" "[1]" "$(g_fact A nohlt)"
kvmtune_expect_eq "A: nohlt_list log line" "idle: CPUs 1 poll in idle (nohlt_list=)" \
	"$(g_dmesg A | grep '^idle: ')"
for w in w1 w2; do
	quiet A "$w" 1
	halting A "$w" 0
done

# B: stock, same command line: both vCPUs halt, before and after hotplug
kvmtune_expect_eq "B: /sys/devices/system/cpu/nohlt" "absent" "$(g_fact B nohlt)"
for w in w1 w2; do
	halting B "$w" 0
	halting B "$w" 1
done

# C: every CPU listed
kvmtune_expect_eq "C: /sys/devices/system/cpu/nohlt" "[0-1]" "$(g_fact C nohlt)"
quiet C w1 0
quiet C w1 1

# D: bad values, each ignored with one warning; E: stock, same values
want="idle: nohlt_list=x ignored: not a CPU list
idle: nohlt_list=2 ignored: not all of these CPUs exist (possible: 0-1)
idle: nohlt_list= ignored: no CPU listed"
kvmtune_expect_eq "D: warnings" "$want" "$(g_dmesg D | grep '^idle: ')"
kvmtune_expect_eq "D: /sys/devices/system/cpu/nohlt" "[]" "$(g_fact D nohlt)"
halting D w1 0
halting D w1 1
halting E w1 0
halting E w1 1
echo "ok: nohlt_list= on $line"
