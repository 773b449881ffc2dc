#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The proving ground: boot one of Debian's kernels under QEMU TCG
# (-cpu max emulates AMD SVM, so kvm_amd loads and real KVM guests run),
# run a spec of tests inside it and print one verdict.
#
# Usage: run.sh [-i] [-v] [-s SPEC] [-n NAME] [-b BOOT_TIMEOUT] LINE
#   LINE   kernel line: 6.1 or 6.12
#   -s     run spec (default selftests/tests.list); see Documentation/testing.rst
#   -n     name of this run; artifacts go to build/LINE/run-NAME/
#   -b     seconds allowed for boot + shutdown on top of the test timeouts
#   -i     interactive: a root shell in the same environment (make vm)
#   -v     stream the tests' output to stderr while they run
#
# Stdout carries the verdict lines and nothing else, one per planned test
# and one for the run itself (boot/clean-run):
#   PASS|FAIL|SKIP [LINE] NAME # DETAIL
# Everything else (progress, the tails of the logs) goes to stderr.
# Exits 0 only if every test passed (or was skipped), every planned test
# reported, the guest finished, and the console is free of kernel splats.
# Artifacts: console.log (kernel), tests.log (test output), results.tap.
#
# Environment variables named BENCH_* are passed on to the tests.

set -euo pipefail
# shellcheck source=host-env.sh
. "$(dirname "${BASH_SOURCE[0]}")/host-env.sh"

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${KVMTUNE_CACHE:-$HOME/.cache/kvmtune}
spec=$repo/selftests/tests.list
name=
boot_tmo=${KVMTUNE_BOOT_TIMEOUT:-180}
interactive=
verbose=
usage="usage: run.sh [-i] [-v] [-s SPEC] [-n NAME] [-b SECS] LINE"

die() { echo "run.sh: $*" >&2; exit 2; }

while getopts "ivs:n:b:" o; do
	case $o in
	i) interactive=1 ;;
	v) verbose=1 ;;
	s) spec=$(realpath -m -- "$OPTARG") ;;
	n) name=$OPTARG ;;
	b) boot_tmo=$OPTARG ;;
	*) die "$usage" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || die "$usage"
line=$1
[[ $boot_tmo =~ ^[0-9]+$ ]] || die "-b wants seconds, got '$boot_tmo'"
[ -f "$spec" ] || die "no run spec $spec"

# Directives for run.sh itself, read before boot (the guest skips them).
# directive NAME: the last "@NAME ..." line of the spec, or nothing
directive() {
	grep -E "^[[:space:]]*@$1([[:space:]]|\$)" "$spec" | tail -n 1 || true
}

# How TCG runs the two vCPUs ("@tcg MODE", default icount):
#   icount  one thread, instruction-counted time: timers and interrupts of
#           nested guests arrive in order.  Cross-modifying code (kprobes,
#           static keys, tracepoints) is safe.
#   single  one thread, real time.
#   multi   a thread per vCPU: fast, and the only mode in which nested
#           Linux guests boot, but QEMU 7.2 races when one vCPU patches
#           kernel text another is running (int3 Oopses under churn).
read -r _ tcg _ <<<"$(directive tcg)"
tcg=${KVMTUNE_TCG:-${tcg:-icount}}
case $tcg in
icount | single | multi) ;;
*) die "unknown TCG mode '$tcg' (icount, single or multi)" ;;
esac

# "@icount shift=N" (or "@icount N"), N in 0..10: each instruction takes
# 2^N ns of guest time instead of QEMU's adaptive shift=auto.  With 0, guest
# time is an instruction count.
icount=auto
icount_line=$(directive icount)
if [ -n "$icount_line" ]; then
	read -r _ icount extra <<<"$icount_line"
	icount=${icount#shift=}
	if ! [[ $icount =~ ^([0-9]|10|auto)$ ]] || [ -n "$extra" ]; then
		die "$spec: '$icount_line': want @icount shift=N, N in 0..10 or auto"
	fi
	[ "$tcg" = icount ] ||
		die "$spec: '$icount_line' needs TCG mode icount, this run uses $tcg"
fi

# "@smp N", N in 1..8: the proving ground's vCPUs (default 2), e.g. for a
# benchmark with more writers than the machine has cores.
smp=2
smp_line=$(directive smp)
if [ -n "$smp_line" ]; then
	read -r _ smp extra <<<"$smp_line"
	if ! [[ $smp =~ ^[1-8]$ ]] || [ -n "$extra" ]; then
		die "$spec: '$smp_line': want @smp N, N in 1..8"
	fi
fi

# "@numa N", N of 1 or 2: the guest's vCPUs and 3 GiB as N NUMA nodes,
# one socket each, the CPUs and memory split evenly; tests of NUMA
# placement get real nodes to judge.
smp_args=(-smp "$smp")
numa=()
numa_line=$(directive numa)
if [ -n "$numa_line" ]; then
	read -r _ nodes extra <<<"$numa_line"
	if ! [[ $nodes =~ ^[12]$ ]] || [ -n "$extra" ] || ((smp % nodes)); then
		die "$spec: '$numa_line': want @numa N, N of 1 or 2 dividing the $smp vCPUs"
	fi
	smp_args=(-smp "$smp,sockets=$nodes,cores=$((smp / nodes)),threads=1")
	for ((n = 0; n < nodes; n++)); do
		numa+=(-object "memory-backend-ram,id=node$n,size=$((3072 / nodes))M"
			-numa "node,nodeid=$n,cpus=$((n * smp / nodes))-$(((n + 1) * smp / nodes - 1)),memdev=node$n")
	done
fi

# "@append PARAM...": kernel parameters added to the proving ground's
# command line, e.g. tsc=reliable, so that its kernel keeps the TSC (TCG's
# is one clock for every vCPU, but the warp check at boot fails it) and
# kvmtrace takes its TSC paths, those of a real host.
append_line=$(directive append)
read -r _ append <<<"$append_line"
if [ -n "$append_line" ] && [ -z "$append" ]; then
	die "$spec: '@append' wants kernel parameters"
fi

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (make deps)"

envfile=$cache/$line/env
[ -f "$envfile" ] || "$here/kernel-supply.sh" "$line" >/dev/null
# shellcheck disable=SC1090
. "$envfile"

build=$repo/build/$line
out=$build/run${name:+-$name}
mkdir -p "$out"
rm -f "$out"/{console.log,tests.log,results.tap,verdict}

initrd=$build/initramfs.cpio.gz
if [ ! -f "$initrd" ] || [ "$initrd" -ot "$here/init.sh" ] ||
	[ "$initrd" -ot "$here/mkinitramfs.sh" ] || [ "$initrd" -ot "$envfile" ]; then
	"$here/mkinitramfs.sh" "$envfile" "$build" >&2
fi

[ "$tcg" = icount ] || icount=
cat >"$out/guest.env" <<EOF
KVMTUNE_REPO='$repo'
KVMTUNE_BUILD='$repo/build'
KVMTUNE_CACHE='$cache'
KVMTUNE_KMOD='$build/mod/kmod'
KVMTUNE_LINE='$line'
KVMTUNE_KVER='$KVER'
KVMTUNE_MODROOT='$ROOT'
KVMTUNE_VMLINUZ='$VMLINUZ'
KVMTUNE_L2_INITRD='$build/l2-initramfs.cpio.gz'
KVMTUNE_SPEC='$spec'
KVMTUNE_TCG='$tcg'
KVMTUNE_ICOUNT_SHIFT='$icount'
EOF
# The host's BENCH_* variables, quoted for both bash and busybox sh.
q="'\\''"
for v in $(compgen -e); do
	case $v in
	BENCH_*) printf "%s='%s'\n" "$v" "${!v//\'/$q}" ;;
	esac
done >>"$out/guest.env"

# The tests the spec plans, in order; the sum of their timeouts bounds the
# whole run.
mapfile -t planned < <(grep -Ev '^[[:space:]]*(#|@|$)' "$spec" | awk '{ print $1 }')
tests_tmo=$(grep -Ev '^[[:space:]]*(#|@|$)' "$spec" | awk '{ s += $2 + 5 } END { print s + 0 }')
total_tmo=$((tests_tmo + boot_tmo))

# host_tsc_khz: this machine's TSC frequency in kHz, as its kernel
# calibrated it (its log), else as /proc/cpuinfo says
host_tsc_khz() {
	local mhz

	mhz=$(dmesg 2>/dev/null | sed -nE 's/.*tsc: (Refined TSC clocksource calibration|Detected): ([0-9]+\.[0-9]+) MHz.*/\2/p' | tail -n 1)
	[ -n "$mhz" ] || mhz=$(awk -F': *' '/^cpu MHz/ { print $2; exit }' /proc/cpuinfo)
	[ -n "$mhz" ] || return 1
	awk -v m="$mhz" 'BEGIN { printf "%d\n", m * 1000 }'
}

# lpj= skips delay-loop calibration, which under -icount made 6.1 take
# minutes to bring up its second CPU. slab_nomerge: a slab cache's
# objects count only its own (tests count kernel objects by cache; the
# UDP sockets' cache was merged with another, whose use moved the count
# by 37 in an idle guest).
cmdline="console=ttyS0 ignore_loglevel panic=-1 oops=panic softlockup_panic=1"
cmdline+=" 8250.nr_uarts=4 lpj=4000000 slab_nomerge kvmtune.env=$out/guest.env"
# A stuck guest gets an NMI (dump_stuck): it panics and prints the stacks
# of its tasks.  No other NMI source exists here (TCG has no PMU).
cmdline+=" unknown_nmi_panic panic_print=0x1"
cmdline+="${append:+ $append}"
case $tcg in
icount)
	# sleep=on: idle time passes in real time. With sleep=off it jumps to
	# the next timer, so a guest that waits for the host (9p reads on a
	# busy machine) saw minutes pass in seconds, and test timeouts (guest
	# time) fired early: tests that take 1 s timed out at 150 s.
	accel=(-accel "tcg,thread=single" -icount "shift=$icount,sleep=on")
	;;
single) accel=(-accel "tcg,thread=single") ;;
multi) accel=(-accel "tcg,thread=multi") ;;
esac
# Without icount, TCG's TSC is this machine's TSC.  The kernel calibrates
# it against the emulated PIT, which a loaded host slows down: it then
# logged "PIT calibration deviates from HPET: 202382 2442818", used the
# PIT's figure, and its KVM gave nested guests a TSC frequency 12 times
# too low (their kvmclock ran 12 times too fast: RCU stalls).  Tell it the
# frequency instead.
if [ "$tcg" != icount ]; then
	tsc_khz=$(host_tsc_khz) || die "cannot tell this machine's TSC frequency"
	cmdline+=" tsc_early_khz=$tsc_khz"
fi

# cx16=off: QEMU 7.2's single-threaded TCG corrupts EFLAGS on
# CMPXCHG16B (SLUB's per-CPU fastpath): the L1 kernel took a #DB with the
# trap flag set, and a double fault, right after one.  Without CX16 the
# kernel never executes it.
qemu=(qemu-system-x86_64 "${accel[@]}" -cpu "max,cx16=off" "${smp_args[@]}" -m 3G "${numa[@]}"
	-nodefaults -display none -no-reboot -monitor none
	-kernel "$VMLINUZ" -initrd "$initrd"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-device virtio-rng-pci)

if [ -n "$interactive" ]; then
	"${qemu[@]}" -append "$cmdline kvmtune.shell=1" -serial mon:stdio \
		-serial "file:$out/results.tap" -serial "file:$out/tests.log"
	exit 0
fi

# A test that hangs is ended by its own timeout in the guest.  When the
# guest does not report it even well past that timeout (GRACE), the guest
# as a whole is stuck, and waiting for the run's overall limit only wastes
# time: a nested run once sat 2615 s on one stuck test.
# grace TIMEOUT: host seconds allowed past a test's guest-time timeout
grace() { echo $(($1 / 2 + 60)); }

# symbolize: "CPU#N RIP CPL=C HLT=H" lines on stdin, from a guest whose
# kernel text was at $text (START-END, as the guest said), with what each
# RIP is in: the L1 kernel's text, its module area, or neither (a nested
# guest, or user space).  (Debian's System.map is a stub: the stacks come
# from the NMI.)  Kernel addresses all start ffffffff, and awk's doubles
# hold their low 32 bits exactly.
symbolize() {
	awk -v text="$text" '
	function hex(s,   i, v) {
		v = 0
		s = tolower(s)
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	# low32 A: the low 32 bits of a kernel address A, or -1 if not one
	function low32(a) {
		a = tolower(a)
		if (length(a) != 16 || substr(a, 1, 8) != "ffffffff")
			return -1
		return hex(substr(a, 9))
	}
	BEGIN {
		split(text, t, "-")
		start = low32(t[1])
		end = low32(t[2])
	}
	{
		a = low32($2)
		what = "neither the L1 kernel nor its modules (a nested guest, or user space)"
		if (a < 0) {
			# not a kernel address
		} else if (start >= 0 && end > start && a >= start && a < end) {
			what = sprintf("the L1 kernel text, _text+0x%x", a - start)
		} else if (a >= hex("c0000000") && a < hex("ff000000")) {
			what = "the L1 module area"
		} else if (a >= hex("80000000") && a < hex("c0000000")) {
			what = start >= 0 ? "the kernel image area, not the L1 kernel (a nested guest)" : \
				"the kernel image area (the guest did not say where its kernel is)"
		}
		printf "%s RIP=%s %s %s: %s\n", $1, $2, $3, $4, what
	}'
}

# cpu_states FILE: "CPU#N RIP CPL=C HLT=H" for each vCPU in FILE (the
# output of "info registers -a", CRLF lines), symbolized
cpu_states() {
	awk '/^CPU#/ { cpu = $1 }
	/^[RE]IP=/ {
		split($1, r, "=")
		cpl = hlt = "?"
		for (i = 2; i <= NF; i++) {
			if ($i ~ /^CPL=/) cpl = $i
			if ($i ~ /^HLT=/) hlt = $i
		}
		print cpu, r[2], cpl, hlt
	}' <(tr -d '\r' <"$1") | symbolize
}

# dump_stuck WHY: record a stuck guest's state in $out/stuck.txt (each
# vCPU's registers, twice, two seconds apart, and what its RIP is in),
# then inject an NMI, which its kernel (unknown_nmi_panic) answers with a
# panic that prints the stacks of its tasks; the console from byte
# $console_mark on is that answer, not the cause
console_mark=
dump_stuck() {
	local sock=$out/qmp.sock i

	text=$(tr -d '\r' <"$out/tests.log" | sed -n 's/^# kernel text at \([0-9a-f]*-[0-9a-f]*\)$/\1/p' | head -n 1)
	{
		echo "# $1"
		for i in 1 2; do
			[ "$i" -eq 1 ] || sleep 2
			echo "## registers, look $i"
			"$here/qmp.py" "$sock" "info registers -a" >"$out/registers-$i.txt" 2>&1
			cpu_states "$out/registers-$i.txt"
		done
	} >"$out/stuck.txt" 2>&1
	console_mark=$(stat -c %s "$out/console.log" 2>/dev/null || echo 0)
	"$here/qmp.py" "$sock" nmi >>"$out/stuck.txt" 2>&1
	for i in $(seq 30); do
		kill -0 "$qpid" 2>/dev/null || return 0
		sleep 1
	done
	kill "$qpid" 2>/dev/null
}

# hung_why: the verdict's words for a run past its limit, with the last
# test or setup line the guest started
hung_why() {
	local last

	last=$(tr -d '\r' <"$out/tests.log" | sed -n -e 's/^=== [0-9]\{1,\} \([^ ]*\) (timeout.*/\1/p' \
		-e 's/^=== \(setup: .*\)/\1/p' | tail -n 1)
	echo "hung: no shutdown within ${total_tmo}s${last:+ (last started: $last)}"
}

# watch_guest: wait for QEMU to end; end it (dump_stuck) and set $stuck
# when a test runs past its timeout and grace, or the run past its limit
stuck=
watch_guest() {
	local cur='' since=0 now l n name tmo re

	re='^=== ([0-9]+) ([^ ]+) \(timeout ([0-9]+)s\)'
	while kill -0 "$qpid" 2>/dev/null; do
		# look every 5 s, but see QEMU end within one
		sleep 1
		now=$(date +%s)
		[ $(((now - t0) % 5)) -eq 0 ] || continue
		l=$(grep -a '^=== [0-9]' "$out/tests.log" | tail -n 1 | tr -d '\r')
		if [[ $l =~ $re ]]; then
			n=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]} tmo=${BASH_REMATCH[3]}
			[ "$n" = "$cur" ] || { cur=$n; since=$now; }
			if [ $((now - since)) -gt $((tmo + $(grace "$tmo"))) ]; then
				stuck="stuck: $name ran $((now - since))s, its ${tmo}s timeout never ended it"
			fi
		else
			cur=
		fi
		if [ -z "$stuck" ] && [ $((now - t0)) -ge "$total_tmo" ]; then
			stuck=$(hung_why)
		fi
		if [ -n "$stuck" ]; then
			dump_stuck "$stuck"
			return
		fi
	done
}

echo "[$line] booting $KVER (TCG $tcg${icount:+, shift=$icount}, $smp vCPUs), ${#planned[@]} tests, limit ${total_tmo}s" >&2
t0=$(date +%s)
set +e
: >"$out/tests.log"
rm -f "$out"/{qmp.sock,stuck.txt,registers-1.txt,registers-2.txt}
# timeout is the backstop should watch_guest fail to end a stuck QEMU
timeout -k 10 $((total_tmo + 120)) "${qemu[@]}" -append "$cmdline" \
	-qmp "unix:$out/qmp.sock,server=on,wait=off" \
	-serial "file:$out/console.log" -serial "file:$out/results.tap" \
	-serial "file:$out/tests.log" </dev/null >"$out/qemu.log" 2>&1 &
qpid=$!
if [ -n "$verbose" ]; then
	tail -n +1 -f --pid="$qpid" "$out/tests.log" | tr -d '\r' >&2 &
fi
watch_guest
wait "$qpid"
qrc=$?
wait
set -e
elapsed=$(($(date +%s) - t0))

# One verdict per TAP result; remember which planned tests reported.
pass=0 fail=0 skip=0
declare -A seen=()
odd=()
tap_re='^(not )?ok ([0-9]+) ?(.*)$'
skip_re='^(.*) # SKIP ?(.*)$'
while IFS= read -r l; do
	if [[ $l =~ $tap_re ]]; then
		n=${BASH_REMATCH[2]} rest=${BASH_REMATCH[3]}
		if [ "$n" -lt 1 ] || [ "$n" -gt "${#planned[@]}" ] || [ -n "${seen[$n]:-}" ]; then
			odd+=("$n")
		fi
		seen[$n]=1
		if [ -n "${BASH_REMATCH[1]}" ]; then
			fail=$((fail + 1))
			echo "FAIL [$line] $rest"
		elif [[ $rest =~ $skip_re ]]; then
			skip=$((skip + 1))
			echo "SKIP [$line] ${BASH_REMATCH[1]} # ${BASH_REMATCH[2]}"
		else
			pass=$((pass + 1))
			echo "PASS [$line] $rest"
		fi
	elif [[ $l == "Bail out!"* ]]; then
		fail=$((fail + 1))
		echo "FAIL [$line] $l"
	fi
done < <(tr -d '\r' <"$out/results.tap" 2>/dev/null)

# A planned test that never reported failed: the guest died or hung in it
# or before it.
reported=0
for i in "${!planned[@]}"; do
	if [ -n "${seen[$((i + 1))]:-}" ]; then
		reported=$((reported + 1))
	else
		fail=$((fail + 1))
		echo "FAIL [$line] ${planned[$i]} # never reported"
	fi
done

# The run itself is a test: it must finish, report every planned test and
# leave a clean console.  Every reason it is red is named.
why=()
# shellcheck source=../lib/splat.sh
. "$repo/selftests/lib/splat.sh"
badness=$KVMTUNE_SPLAT
# console_log: the console up to the NMI dump_stuck injected, if it did
# (a stuck guest's answer to it is not its fault); console: the same
# without the timestamps
console_log() {
	if [ -n "$console_mark" ]; then
		head -c "$console_mark" "$out/console.log"
	else
		cat "$out/console.log"
	fi 2>/dev/null | tr -d '\r'
}
console() { console_log | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //'; }
splat=$(console | grep -Em 1 "$badness" || true)
if [ -n "$splat" ]; then
	# the first splat is the cause; name the Oops and panic it led to
	for kind in '^Oops: ' '^Kernel panic'; do
		also=$(console | grep -Em 1 "$kind" || true)
		[ -z "$also" ] || [ "$also" = "$splat" ] || splat+="; $also"
	done
	why+=("kernel splat: $splat")
fi
if [ -n "$stuck" ]; then
	why+=("$stuck")
elif [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	why+=("$(hung_why)")
elif ! grep -q '^# kvmtune: done' "$out/results.tap" 2>/dev/null; then
	qerr=$(tail -n 1 "$out/qemu.log" 2>/dev/null || true)
	why+=("guest died before finishing (qemu exit $qrc${qerr:+: $qerr})")
fi
if [ "$reported" -ne "${#planned[@]}" ]; then
	why+=("${#planned[@]} tests planned, $reported reported")
fi
if [ ${#odd[@]} -gt 0 ]; then
	why+=("unexpected or repeated results: ${odd[*]}")
fi
if [ ${#why[@]} -gt 0 ]; then
	fail=$((fail + 1))
	reasons=$(printf '%s; ' "${why[@]}")
	echo "FAIL [$line] boot/clean-run # ${reasons%; }"
	echo "---- console tail ($out/console.log)" >&2
	console_log | tail -n 40 >&2
	if [ -n "$stuck" ]; then
		echo "---- where the vCPUs were ($out/stuck.txt)" >&2
		cat "$out/stuck.txt" >&2
		echo "---- the guest's answer to the NMI (console.log from byte ${console_mark:-0})" >&2
		tail -c +"$((${console_mark:-0} + 1))" "$out/console.log" 2>/dev/null | tr -d '\r' | head -n 60 >&2
	fi
else
	pass=$((pass + 1))
	echo "PASS [$line] boot/clean-run # ${elapsed}s"
fi
if [ "$fail" -gt 0 ]; then
	echo "---- test output tail ($out/tests.log)" >&2
	tr -d '\r' <"$out/tests.log" 2>/dev/null | tail -n 20 >&2
fi
echo "$pass $fail $skip" >"$out/verdict"
echo "[$line] $pass passed, $fail failed, $skip skipped in ${elapsed}s (artifacts: $out)" >&2
[ "$fail" -eq 0 ]
