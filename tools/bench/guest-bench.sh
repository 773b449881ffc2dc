#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, the guest-kernel tables (Documentation/guest-patches.rst):
# runs in the proving ground (tools/bench/guest.list: 6.12, TCG multi,
# kvmtrace and kvmtune_invtsc loaded) and boots the patched guest kernels
# of make guest-kernels as nested KVM guests.
#
# 1. PIW / HLT.  The guest's vCPU 0 takes a steady stream of interrupts
#    from a device: a second 16550 UART (IRQ 3, irqaffinity=0) that this
#    script feeds with one byte every 1/RATE s, noting the L1's TSC at
#    each write.  A reader pinned to CPU 0 in the guest notes its TSC when
#    each byte wakes it.  Per configuration, idle (HLT) and nohlt_list=0,
#    kvmtrace gives vCPU 0's HLT exits and halt wakeups per second, and
#    byte by byte, the guest's TSC minus KVM's tsc-offset minus the L1's
#    gives the device-to-reader latency.  (A byte, not a line: each byte
#    costs the guest port reads, exits that take tens of us under nested
#    TCG, and 20-byte lines at 200/s kept vCPU 0 busy, seconds behind.)  Configurations are
#    booted interleaved, BENCH_ROUNDS times; medians, with the spread.
# 2. Clock reads.  100000 clock_gettime() calls in a guest booted as a
#    QEMU pc machine (qboot firmware), which has an HPET and an ACPI PM
#    timer: once per clocksource, tsc, hpet and acpi_pm.  Exits per 100000
#    calls from kvmtrace (vCPU 0), ns per call in the guest, and the ratio
#    to tsc.
#
# Environment: BENCH_GUEST_LINES (default "6.12"), BENCH_ROUNDS (3),
# BENCH_IRQ_HZ (200), BENCH_SECS (5), BENCH_CLOCK_CALLS (100000).

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
export G_OUT=${TMPDIR:-/tmp}/guest-bench
rm -rf "$G_OUT"
. "$KVMTUNE_REPO/selftests/guest/lib.sh"
trap g_cleanup EXIT

lines=${BENCH_GUEST_LINES:-6.12}
rounds=${BENCH_ROUNDS:-3}
hz=${BENCH_IRQ_HZ:-200}
secs=${BENCH_SECS:-5}
calls=${BENCH_CLOCK_CALLS:-100000}
util=$KVMTUNE_BUILD/guest/l2_util
khz=$(awk -F': *' '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)

[ -x "$util" ] || kvmtune_fail "$util missing (make guest-kernels)"
[ "${khz:-0}" -gt 0 ] || kvmtune_fail "no 'cpu MHz' in /proc/cpuinfo"
t_start=$SECONDS
g_anchor

# stats FILE: "median min max" of the numbers in FILE, one a line
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (!NR) { print "- - -"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f %.1f %.1f\n", m, v[1], v[NR] }'
}

# ---- 1. PIW / HLT --------------------------------------------------------

# irq_run NAME CONFIG KERNEL APPEND: one guest, one stream; appends its
# figures to $G_OUT/irq.CONFIG.{hlt,wake,p50,p90,p99}
irq_run() {
	local name=$1 cfg=$2 kernel=$3 append=$4 n=$((hz * secs)) from t0 t1 off got
	local -a a b p

	rm -f "$G_OUT/$name".dev.*
	mkfifo "$G_OUT/$name.dev.in" "$G_OUT/$name.dev.out"
	cat "$G_OUT/$name.dev.out" >/dev/null &
	# a second 16550 (COM2: 0x2f8, IRQ 3) on the pipe this script feeds
	G_QEMU_EXTRA=(-chardev "pipe,id=dev,path=$G_OUT/$name.dev"
		-device "isa-serial,index=1,chardev=dev")
	g_boot "$name" "$kernel" "$G_CPU" "irqaffinity=0 $append"
	G_QEMU_EXTRA=()
	# shellcheck disable=SC2154 # g_vm: set by g_boot (selftests/guest/lib.sh)
	off=$(cat "/sys/kernel/debug/kvm/${g_vm[$name]##*/}/vcpu0/tsc-offset") ||
		kvmtune_fail "no tsc-offset for vCPU 0 of guest $name"
	from=$(g_cmd_start "$name" "rxlat /dev/ttyS1 $n 0")
	g_wait_line "$name" "$from" '^rxlat ready' 60
	read -r -a a <<<"$(g_count "$name" 0)"
	t0=$(date +%s%N)
	"$util" send "$G_OUT/$name.dev.in" "$hz" "$n" >"$G_OUT/$name.sent" ||
		kvmtune_fail "l2_util send failed (status $?)"
	t1=$(date +%s%N)
	read -r -a b <<<"$(g_count "$name" 0)"
	g_cmd_wait "$name" rxlat "$from"
	g_end "$name"
	# "rxlat n N", then the guest's TSC at each byte's wakeup
	got=$(sed -n 's/^rxlat n \([0-9]*\)$/\1/p' "$G_OUT/$name.rxlat")
	[ "${got:-0}" -eq "$n" ] || kvmtune_fail "guest $name read ${got:-no} of $n bytes"
	grep -E '^[0-9]+$' "$G_OUT/$name.rxlat" >"$G_OUT/$name.recv"
	if [ "$(wc -l <"$G_OUT/$name.recv")" -ne "$n" ] || [ "$(wc -l <"$G_OUT/$name.sent")" -ne "$n" ]; then
		kvmtune_fail "guest $name: not $n wakeups and $n writes to match"
	fi
	awk -v e="$((b[0] - a[0]))" -v w="$((b[2] - a[2]))" -v t="$((t1 - t0))" \
		'BEGIN { printf "%.1f %.1f\n", e * 1e9 / t, w * 1e9 / t }' >"$G_OUT/rate"
	read -r hlt wake <"$G_OUT/rate"
	echo "$hlt" >>"$G_OUT/irq.$cfg.hlt"
	echo "$wake" >>"$G_OUT/irq.$cfg.wake"
	# latency of byte i: its wakeup (guest TSC, minus KVM's offset) minus
	# its write (the host's TSC), in us
	read -r -a p < <(paste "$G_OUT/$name.recv" "$G_OUT/$name.sent" |
		awk -v off="$off" -v khz="$khz" '{ print ($1 - off - $2) * 1000 / khz }' |
		sort -g | awk '{ v[NR] = $1 } END {
			printf "%.1f %.1f %.1f\n", v[int((NR - 1) / 2) + 1],
				v[int((NR * 9 - 1) / 10) + 1], v[int((NR * 99 - 1) / 100) + 1] }')
	echo "${p[0]}" >>"$G_OUT/irq.$cfg.p50"
	echo "${p[1]}" >>"$G_OUT/irq.$cfg.p90"
	echo "${p[2]}" >>"$G_OUT/irq.$cfg.p99"
	echo "guest $name ($cfg): $hlt HLT exits/s, $wake halt wakeups/s on vCPU 0;" \
		"latency p50 ${p[0]} us, p90 ${p[1]} us, p99 ${p[2]} us"
}

# irq_try NAME CONFIG KERNEL APPEND: irq_run, and once more if it failed
# (nested guests under multi-threaded TCG rarely reset without a word:
# selftests/guest/lib.sh); each in a subshell, whose exit ends its guest
irq_try() {
	# shellcheck disable=SC2034 # kvmtune_anchor_pid: read by g_cleanup
	if ! (kvmtune_anchor_pid='' && trap g_cleanup EXIT && irq_run "$@"); then
		echo "guest $1: that run failed (above), once more"
		(kvmtune_anchor_pid='' && trap g_cleanup EXIT && irq_run "$1-again" "${@:2}") ||
			kvmtune_fail "guest $1: failed twice"
	fi
}

irq_table() {
	local line=$1 cfg h w p50 p90 p99

	echo
	echo "PIW / HLT, guest $line (patched kernel): vCPU 0 takes $hz interrupts/s from a 16550" \
		"UART for $secs s; $rounds boots per row, interleaved; median [min-max] over the boots"
	echo "latency: from the write in the guest's host to the reader's wakeup in the guest, us"
	printf '%-14s %20s %20s %18s %18s %18s\n' config "HLT exits/s" "halt wakeups/s" \
		"latency p50" "latency p90" "latency p99"
	for cfg in halt nohlt_list=0; do
		read -r -a h <<<"$(stats "$G_OUT/irq.$cfg.hlt")"
		read -r -a w <<<"$(stats "$G_OUT/irq.$cfg.wake")"
		read -r -a p50 <<<"$(stats "$G_OUT/irq.$cfg.p50")"
		read -r -a p90 <<<"$(stats "$G_OUT/irq.$cfg.p90")"
		read -r -a p99 <<<"$(stats "$G_OUT/irq.$cfg.p99")"
		printf '%-14s %20s %20s %18s %18s %18s\n' "$cfg" \
			"${h[0]} [${h[1]}-${h[2]}]" "${w[0]} [${w[1]}-${w[2]}]" \
			"${p50[0]} [${p50[1]}-${p50[2]}]" "${p90[0]} [${p90[1]}-${p90[2]}]" \
			"${p99[0]} [${p99[1]}-${p99[2]}]"
	done
	awk -v a="$(stats "$G_OUT/irq.halt.p50" | cut -d' ' -f1)" \
		-v b="$(stats "$G_OUT/irq.nohlt_list=0.p50" | cut -d' ' -f1)" \
		'BEGIN { if (b > 0) printf "latency p50, halt / nohlt_list=0: %.2f\n", a / b }'
}

# ---- 2. clock reads ------------------------------------------------------

# exits CS: the clock-read exits (IOIO and NPF) of vCPU 0, and all of them
clock_exits() {
	awk '$1 == "IOIO" || $1 == "NPF" { r += $3 } { t += $3 } END { print r + 0, t + 0 }' \
		"${g_vm[$1]}/vcpu0/exits"
}

clock_table() {
	local line=$1 name kernel cs a b base_r base_t out ns tsc_ns r t

	name=clock-$line

	kernel=$(g_kernel "$line" patched)
	# pc: an HPET, and the ACPI PM timer of PIIX4; qboot boots it fast
	# shellcheck disable=SC2034 # G_MACHINE: read by g_start
	G_MACHINE="pc,hpet=on" G_QEMU_EXTRA=(-bios /usr/share/qemu/qboot.rom)
	g_boot "$name" "$kernel" "$G_CPU,+invtsc,enforce" "acpi=ht"
	# shellcheck disable=SC2034 # read by g_start
	G_MACHINE=microvm,x-option-roms=off,rtc=on,acpi=off G_QEMU_EXTRA=()
	g_cmd "$name" facts
	echo
	echo "Clock reads, guest $line (patched, QEMU pc machine): $calls clock_gettime(CLOCK_MONOTONIC) on CPU 0"
	echo "available clocksources: $(g_fact "$name" available)"
	printf '%-12s %16s %16s %12s %10s\n' clocksource "read exits/100k" "all exits/100k" "ns/call" "x tsc"
	for cs in tsc hpet acpi_pm; do
		# the console round trip alone, then with the calls
		read -r -a a <<<"$(clock_exits "$name")"
		g_cmd "$name" "clock 0 $cs"
		read -r -a b <<<"$(clock_exits "$name")"
		base_r=$((b[0] - a[0])) base_t=$((b[1] - a[1]))
		a=("${b[@]}")
		g_cmd "$name" "clock $calls $cs"
		read -r -a b <<<"$(clock_exits "$name")"
		out=$(sed -n "s/^FACT clock $cs //p" "$G_OUT/$name.clock")
		[ -n "$out" ] || kvmtune_fail "no clock figures for $cs"
		ns=$(awk -v o="$out" 'BEGIN { split(o, f, " "); printf "%.1f", f[2] / f[1] }')
		[ "$cs" = tsc ] && tsc_ns=$ns
		r=$(((b[0] - a[0] - base_r) * 100000 / calls))
		t=$(((b[1] - a[1] - base_t) * 100000 / calls))
		printf '%-12s %16s %16s %12s %10s\n' "$cs" "$r" "$t" "$ns" \
			"$(awk -v a="$ns" -v b="$tsc_ns" 'BEGIN { printf "%.1f", a / b }')"
	done
	g_end "$name"
}

for line in $lines; do
	kernel=$(g_kernel "$line" patched)
	for r in $(seq 1 "$rounds"); do
		irq_try "irq-$line-$r-halt" halt "$kernel" ""
		irq_try "irq-$line-$r-poll" nohlt_list=0 "$kernel" "nohlt_list=0"
	done
	irq_table "$line" | tee "$G_OUT/table-irq-$line"
	rm -f "$G_OUT"/irq.*
	clock_table "$line" | tee "$G_OUT/table-clock-$line"
done
echo
echo "guest bench: $((SECONDS - t_start)) s"
