#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest/tsc_reliable/LINE: judge what guest/boot/LINE recorded about the
# TSC (selftests/guest/boot.sh has the boots; kvmtune_invtsc lets L1's KVM
# offer invtsc).  In A, B and F the guest believes its TSC runs 10 % slower
# than it does (tsc_early_khz), so a clocksource watchdog that checks the
# TSC against kvm-clock has something to say within a second or two: it
# marks the TSC unstable, or, when reading the watchdog took too long on a
# loaded host, says it skipped the check.  Either line proves it checks
# the TSC; a TSC it does not check never appears in such a line.
#
#   A  patched, invtsc: tsc_reliable in /proc/cpuinfo, the clocksource is
#      tsc, the watchdog never names it, one log line saying why
#   B  stock, invtsc: no tsc_reliable, the watchdog checks the TSC (what A
#      is compared with)
#   C  patched, invtsc, no-kvmclock: as A, and the TSC frequency comes from
#      CPUID 0x40000010 (logged once, equal to the leaf's EAX) instead of
#      a failed calibration
#   D  patched, no invtsc, and E stock, the same: line for line the same
#      TSC facts (flags, clocksource, the kernel's TSC and clocksource
#      lines)
#   F  patched, invtsc, no-kvm-tsc-reliable: as B, line for line up to the
#      watchdog's verdict, and the watchdog checks the TSC
#   G  patched, invtsc, tsc=unstable: the TSC is unstable, clocksource
#      kvm-clock
#
# The watchdog's own lines depend on the host's load (marked unstable or
# skipped, and when), so the line-for-line comparisons leave them out.

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

line=${1:?usage: tsc_reliable.sh LINE}
G_OUT=${TMPDIR:-/tmp}/guest-$line
[ -f "$G_OUT/done" ] || kvmtune_fail "guest/boot/$line did not finish: nothing to judge"
export G_OUT
. "$KVMTUNE_REPO/selftests/guest/lib.sh"

reliable_line="kvm-guest: TSC is invariant (constant_tsc nonstop_tsc): marked reliable, no clocksource watchdog"
# the watchdog checking the TSC (boot.sh waits for one of these in B and F)
wd_tsc="timekeeping watchdog on CPU[0-9]+: (Marking clocksource 'tsc(-early)?'|tsc(-early)? read-back delay)|wd-tsc(-early)?-wd (excessive )?read-back delay"
# every line the watchdog writes, which depends on the load
wd_any="timekeeping watchdog|read-back delay|clock-skew test skipped|Long readout interval|^clocksource: +'|^clocksource: +Clocksource|is current clocksource|due to clocksource watchdog|Checking clocksource tsc synchronization"

# flags NAME: which of the TSC flags the guest's /proc/cpuinfo has
flags() {
	local f out=
	for f in constant_tsc nonstop_tsc tsc_known_freq tsc_reliable tsc_adjust; do
		[[ " $(g_fact "$1" flags) " == *" $f "* ]] && out+="$f "
	done
	echo "${out% }"
}

# tsc_log NAME: the guest's kernel log lines about the TSC and
# clocksources, in order, without the watchdog's
tsc_log() {
	g_dmesg "$1" | tsc_lines
}

# tsc_lines: of a kernel log, the lines about the TSC and clocksources,
# without the watchdog's; kvmclock's sched offset (the TSC when the guest
# first read it, which differs from boot to boot) as N
tsc_lines() {
	grep -Ei 'tsc|clocksource|kvm-clock|kvm-guest|calibrat' |
		grep -Ev "^(Kernel )?[Cc]ommand line|^Linux version|$wd_any" |
		sed -E 's/(using sched offset of )[0-9]+ cycles/\1N cycles/'
}

# tsc_log_before_wd NAME: tsc_log up to the watchdog's first line about the
# TSC (after it, what happens depends on its verdict), or up to the refined
# calibration and the TSC's registration as a clocksource, if they come
# first: a delayed work does both, racing with the watchdog, so one boot
# switches to the TSC before the verdict and the next does not
tsc_log_before_wd() {
	g_dmesg "$1" | sed -E "/$wd_tsc|^tsc: Refined TSC|^clocksource: tsc: mask/,\$d" | tsc_lines
}

# facts NAME [before-wd]: the TSC facts compared line for line
facts() {
	echo "flags: $(flags "$1")"
	if [ -n "${2:-}" ]; then
		tsc_log_before_wd "$1"
	else
		echo "clocksource: $(g_fact "$1" clocksource)"
		echo "available: $(g_fact "$1" available)"
		tsc_log "$1"
	fi
}

# same NAME1 NAME2 WHAT [before-wd]: line for line the same TSC facts
same() {
	if ! diff -u <(facts "$1" "${4:-}") <(facts "$2" "${4:-}") >"$G_OUT/$1-$2.diff"; then
		cat "$G_OUT/$1-$2.diff"
		kvmtune_fail "$3: guests $1 and $2 differ in their TSC facts"
	fi
	echo "ok: $3: guests $1 and $2 agree line for line ($(facts "$1" "${4:-}" | wc -l) lines):"
	facts "$1" "${4:-}" | sed 's/^/    /'
}

has() { # has NAME LINE
	grep -qxF -- "$2" <(g_dmesg "$1") || kvmtune_fail "guest $1: no log line '$2'"
	echo "ok: guest $1 logged '$2'"
}

hasnt() { # hasnt NAME REGEX
	if grep -E -- "$2" <(g_dmesg "$1"); then
		kvmtune_fail "guest $1 logged the line above ('$2')"
	fi
	echo "ok: guest $1 logged nothing like '$2'"
}

checked() { # checked NAME: the watchdog checked the guest's TSC
	local l
	l=$(g_dmesg "$1" | grep -E -m 1 -- "$wd_tsc") ||
		kvmtune_fail "guest $1: the clocksource watchdog never checked the TSC"
	echo "ok: guest $1: the watchdog checks the TSC: $l"
}

for g in A B C D E F G; do
	echo "guest $g: $(g_fact "$g" release): $(g_fact "$g" cmdline | sed 's/.*quiet //')"
	echo "    flags: $(flags "$g"); clocksource: $(g_fact "$g" clocksource)"
	g_dmesg "$g" | grep -Ei 'tsc|clocksource|kvm-guest|watchdog' |
		grep -Ev '^(Kernel )?[Cc]ommand line|^Linux version' | sed 's/^/    /'
done

# A: patched, invtsc, skewed frequency: reliable, never checked
kvmtune_expect_eq "A: TSC flags" "constant_tsc nonstop_tsc tsc_known_freq tsc_reliable" "$(flags A)"
kvmtune_expect_eq "A: clocksource" tsc "$(g_fact A clocksource)"
kvmtune_expect_eq "A: log lines saying why" "$reliable_line" "$(g_dmesg A | grep -F 'marked reliable')"
hasnt A "$wd_tsc|Marking TSC unstable"

# B: stock, the same: not reliable, the watchdog checks the TSC
kvmtune_expect_eq "B: TSC flags" "constant_tsc nonstop_tsc tsc_known_freq" "$(flags B)"
checked B
hasnt B 'marked reliable'

# C: patched, invtsc, no kvmclock: reliable, frequency from CPUID
kvmtune_expect_eq "C: TSC flags" "constant_tsc nonstop_tsc tsc_known_freq tsc_reliable tsc_adjust" "$(flags C)"
kvmtune_expect_eq "C: clocksource" tsc "$(g_fact C clocksource)"
has C "$reliable_line"
read -r eax _ <<<"$(g_fact C cpuid_40000010)"
[ "$((eax))" -gt 0 ] || kvmtune_fail "C: CPUID 0x40000010 EAX is 0: QEMU published no TSC frequency"
kvmtune_expect_eq "C: log lines about the frequency" \
	"kvm-guest: TSC frequency $((eax)) kHz from CPUID 0x40000010" \
	"$(g_dmesg C | grep -F 'TSC frequency')"
hasnt C "could not calculate|Unable to calibrate|Marking TSC unstable|$wd_tsc"

# D, E: no invtsc: the patched kernel does what the stock one does
kvmtune_expect_eq "D: TSC flags" "tsc_known_freq tsc_adjust" "$(flags D)"
same D E "without invtsc"
hasnt D 'marked reliable|TSC frequency'

# F: the opt-out: as stock
same F B "no-kvm-tsc-reliable, up to the watchdog's verdict" before-wd
checked F
hasnt F 'marked reliable'

# G: tsc=unstable wins
has G "tsc: Marking TSC unstable due to boot parameter"
kvmtune_expect_eq "G: clocksource" kvm-clock "$(g_fact G clocksource)"
echo "ok: TSC reliable on KVM, $line"
