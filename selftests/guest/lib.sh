# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the guest-kernel tests and benchmarks (selftests/guest/),
# which run in the proving ground (L1) and boot the kernels of
# make guest-kernels as real KVM guests (L2): nested QEMU microvm with
# 2 vCPUs, talking to selftests/guest/l2_init.sh over its serial console.
# Source it after selftests/lib/kvmtune.sh.
#
#   g_kernel LINE stock|patched       path of a guest kernel
#   g_boot NAME KERNEL CPU APPEND     boot a guest; returns once it is ready
#                                     and kvmtrace shows both its vCPUs
#   g_cmd NAME COMMAND                run a command of l2_init.sh; its output
#                                     goes to $G_OUT/NAME.<command>
#                                     (g_cmd_start, g_cmd_wait: the same in
#                                     two steps)
#   g_window NAME SECONDS             count the guest's HLT exits, halts and
#                                     halt wakeups per vCPU over SECONDS:
#                                     sets g_exits[V] g_halts[V] g_wakeups[V]
#   g_end NAME                        power the guest off, check its console
#   g_fact NAME KEY                   a FACT line of the last "facts"
#   g_dmesg NAME                      the guest's kernel log from "facts",
#                                     without timestamps
#   g_anchor                          create the anchor VM (below)
# g_cleanup (the EXIT trap) kills guests still running, and the anchor.
#
# The anchor.  Creating and destroying a VM patches kernel text in the
# proving ground: KVM's preempt notifier key (every VM) and its
# apic_sw_disabled key (every vCPU until its guest enables its APIC) go
# 0 -> 1 and back, and multi-threaded TCG races with such patching (the
# proving ground died with "Oops: int3" in __schedule() on the fourth
# guest).  A VM that exists throughout, with an in-kernel irqchip and a
# vCPU that never runs, holds both keys at 1 or more: the guests then
# patch nothing.  g_anchor creates it (kvmtune_kvm_anchor) before the first
# guest; the tests call it first.

G_KT=/sys/kernel/debug/kvmtrace
G_OUT=${G_OUT:-${TMPDIR:-/tmp}/guest}
# the guests' initramfs: the proving ground's L2 initramfs (busybox) with
# the overlay of make guest-kernels (l2_init.sh as /init, l2_util)
G_OVERLAY=$KVMTUNE_BUILD/guest/l2-overlay.cpio.gz
G_INITRD=$G_OUT/initrd
G_BOOT_TMO=${G_BOOT_TMO:-240}
G_CMD_TMO=${G_CMD_TMO:-120}

# The guests' CPU: the proving ground's, without XSAVE.  QEMU 7.2's TCG
# lets a nested guest's XSETBV through without the exit KVM asked for, so
# KVM's CPUID 0xd EBX never follows the guest's XCR0 and the kernel WARNs
# "XSAVE consistency problem" in fpu__init_system_xstate() (Debian's
# kernel too).  Without XSAVE the kernel uses FXSAVE and checks nothing
# of the kind.
# shellcheck disable=SC2034 # for the scripts that source this file
G_CPU=host,-xsave

# The guest machine: microvm, without ACPI (the guest config has no PCI,
# and microvm's ACPI tables then fail to load; qboot's MP table gives the
# CPUs), with the CMOS RTC: without kvmclock the kernel reads the time of
# day from it, and without one it waited some 40 s with interrupts off.
# G_QEMU_EXTRA: more QEMU arguments (the benchmarks add devices).
G_MACHINE=${G_MACHINE:-microvm,x-option-roms=off,rtc=on,acpi=off}
G_QEMU_EXTRA=()

declare -A g_pid=() g_vm=() g_t0=()
declare -a g_exits=() g_halts=() g_wakeups=()

mkdir -p "$G_OUT"

# shellcheck disable=SC2317 # EXIT traps
g_kill_guests() {
	local n

	for n in "${!g_pid[@]}"; do
		kill -KILL "${g_pid[$n]}" 2>/dev/null
	done
	wait 2>/dev/null
}

# shellcheck disable=SC2317 # the EXIT trap
g_cleanup() {
	# the anchor first: g_kill_guests waits for every child
	[ -z "$kvmtune_anchor_pid" ] || kill -KILL "$kvmtune_anchor_pid" 2>/dev/null
	g_kill_guests
}

g_anchor() {
	kvmtune_kvm_anchor "$G_OUT/anchor"
}

# g_has_line FILE REGEX: a line of FILE matches
g_has_line() {
	grep -Eq "$2" "$1" 2>/dev/null
}

g_kernel() {
	local k=$KVMTUNE_CACHE/guest/$1/$2/bzImage

	[ -f "$k" ] || kvmtune_fail "$k missing (make guest-kernels)"
	echo "$k"
}

# g_log NAME: the guest's console so far, without carriage returns, its
# last line ended (a guest that died in mid-line left it open, and what is
# printed after the log must start a line of its own: guest() in boot.sh
# looks for "^FAIL: ...")
g_log() {
	tr -d '\r' <"$G_OUT/$1.console" | awk 1
}

# g_wait_line NAME FROM REGEX SECONDS [DIED]: wait until a console line
# after line FROM matches REGEX; fails if the guest's QEMU died first, or,
# with DIED given, returns 2 then
g_wait_line() {
	local name=$1 from=$2 re=$3 end=$((SECONDS + $4))

	until g_log "$name" | tail -n +"$((from + 1))" | grep -Eq "$re"; do
		if ! kill -0 "${g_pid[$name]}" 2>/dev/null; then
			g_log "$name" | tail -n 20
			sed 's/^/qemu: /' "$G_OUT/$name.qemu"
			[ -z "${5:-}" ] || return 2
			kvmtune_fail "guest $name: QEMU exited while waiting for '$re'"
		fi
		if [ $SECONDS -ge $end ]; then
			g_log "$name" | tail -n 20
			kvmtune_fail "guest $name: no '$re' within $4 s"
		fi
		sleep 0.2
	done
}

# g_start NAME KERNEL CPU APPEND: start a guest's QEMU
g_start() {
	local name=$1 kernel=$2 cpu=$3 append=$4 d=$G_OUT/$1

	rm -f "$d".con.in "$d".con.out "$d".console "$d".qemu
	mkfifo "$d.con.in" "$d.con.out"
	# QEMU opens both FIFOs read-write: it never blocks on them, and the
	# reader below keeps the guest's output flowing into the log
	cat "$d.con.out" >"$d.console" &
	g_t0[$name]=$SECONDS
	qemu-system-x86_64 -enable-kvm -cpu "$cpu" -smp 2 -m 128M \
		-M "$G_MACHINE" -nodefaults -no-user-config \
		-display none -no-reboot -chardev "pipe,id=con,path=$d.con" \
		-serial chardev:con "${G_QEMU_EXTRA[@]}" -kernel "$kernel" -initrd "$G_INITRD" \
		-append "console=ttyS0 panic=-1 reboot=t quiet $append" \
		</dev/null >"$d.qemu" 2>&1 &
	g_pid[$name]=$!
}

# g_boot NAME KERNEL CPU APPEND: boot a guest, wait until it is ready.
# Under nested multi-threaded TCG a guest kernel rarely resets early in
# boot, silently (6.1 stock, once in about twenty boots, with a command line
# it had just booted with): a guest whose QEMU ends before it is ready,
# with no splat on its console, is booted once more, and this is said
# (and counted in $G_OUT/reboots).  A second such end, or any splat, fails.
g_boot() {
	local name=$1 kernel=$2 cpu=$3 append=$4 vm v try rc st splat

	if [ ! -f "$G_INITRD" ]; then
		[ -f "$G_OVERLAY" ] || kvmtune_fail "$G_OVERLAY missing (make guest-kernels)"
		[ -f "$KVMTUNE_L2_INITRD" ] || kvmtune_fail "$KVMTUNE_L2_INITRD missing"
		cat "$KVMTUNE_L2_INITRD" "$G_OVERLAY" >"$G_INITRD" ||
			kvmtune_fail "cannot build the guests' initramfs"
	fi
	[ -d "$G_KT/vms" ] || kvmtune_fail "kvmtrace is not loaded"
	echo "guest $name: $(basename "$(dirname "$(dirname "$kernel")")")/$(basename "$(dirname "$kernel")") -cpu $cpu -append '$append'"
	for try in 1 2; do
		g_start "$@"
		rc=0
		g_wait_line "$name" 0 '^KVMTUNE-L2 ready' "$G_BOOT_TMO" died || rc=$?
		[ "$rc" -eq 2 ] || break
		wait "${g_pid[$name]}"
		st=$?
		unset "g_pid[$name]"
		splat=$(g_log "$name" | grep -Em 1 "$KVMTUNE_SPLAT")
		[ -z "$splat" ] || kvmtune_fail "guest $name: kernel splat while booting: $splat"
		[ "$try" -eq 1 ] ||
			kvmtune_fail "guest $name: QEMU ended (status $st) before the guest was ready, twice"
		echo "guest $name: QEMU ended (status $st) after $((SECONDS - g_t0[$name])) s, before the guest was ready, no splat: booting it once more"
		echo "$name" >>"$G_OUT/reboots"
	done
	# kvmtrace names the VM <pid>-<fd>, like KVM's debugfs
	for vm in "$G_KT/vms/${g_pid[$name]}"-*; do :; done
	for v in 0 1; do
		[ -d "$vm/vcpu$v" ] || kvmtune_fail "guest $name: no kvmtrace directory $vm/vcpu$v"
	done
	g_vm[$name]=$vm
	echo "guest $name: ready after $((SECONDS - g_t0[$name])) s (kvmtrace: ${vm##*/})"
}

# g_cmd_start NAME COMMAND: send a command, print the console line count
# before it (for g_cmd_wait and g_wait_line)
g_cmd_start() {
	g_log "$1" | wc -l
	echo "$2" >"$G_OUT/$1.con.in"
}

# g_cmd_wait NAME COMMAND FROM: wait for the answer of a command sent when
# the console had FROM lines; its output goes to $G_OUT/NAME.<command>
g_cmd_wait() {
	local name=$1 cmd=$2 from=$3 word=${2%% *}

	g_wait_line "$name" "$from" "^KVMTUNE-L2 (ok|fail) $word( |\$)" "$G_CMD_TMO"
	g_log "$name" | tail -n +"$((from + 1))" | sed -n "/^KVMTUNE-L2 \(ok\|fail\) $word/q;p" \
		>"$G_OUT/$name.$word"
	if g_log "$name" | tail -n +"$((from + 1))" | grep -q "^KVMTUNE-L2 fail $word"; then
		cat "$G_OUT/$name.$word"
		kvmtune_fail "guest $name: '$cmd' failed"
	fi
}

g_cmd() {
	local from

	from=$(g_cmd_start "$1" "$2")
	g_cmd_wait "$1" "$2" "$from"
}

# g_count NAME VCPU: "HLT_EXITS HALTS WAKEUPS" of a vCPU, from kvmtrace
g_count() {
	local d=${g_vm[$1]}/vcpu$2

	awk '
	FILENAME ~ /hlt$/ && $1 == "exits" { e = $2 }
	FILENAME ~ /hlt$/ && $1 == "halts" { h = $2 }
	FILENAME ~ /wakeups$/ && ($1 == "piw" || $1 == "other") { w += $2 }
	END { print e + 0, h + 0, w + 0 }' "$d/hlt" "$d/wakeups"
}

g_window() {
	local name=$1 secs=$2 v
	local -a a0 a1 b0 b1

	read -r -a a0 <<<"$(g_count "$name" 0)"
	read -r -a a1 <<<"$(g_count "$name" 1)"
	sleep "$secs"
	read -r -a b0 <<<"$(g_count "$name" 0)"
	read -r -a b1 <<<"$(g_count "$name" 1)"
	kill -0 "${g_pid[$name]}" 2>/dev/null || kvmtune_fail "guest $name died during the window"
	g_exits=("$((b0[0] - a0[0]))" "$((b1[0] - a1[0]))")
	g_halts=("$((b0[1] - a0[1]))" "$((b1[1] - a1[1]))")
	g_wakeups=("$((b0[2] - a0[2]))" "$((b1[2] - a1[2]))")
	for v in 0 1; do
		echo "guest $name: ${secs}s window: vCPU $v: ${g_exits[$v]} HLT exits," \
			"${g_halts[$v]} halts, ${g_wakeups[$v]} halt wakeups"
	done
}

g_end() {
	local name=$1 end splat

	g_cmd "$name" poweroff
	end=$((SECONDS + 60))
	while kill -0 "${g_pid[$name]}" 2>/dev/null; do
		if [ $SECONDS -ge $end ]; then
			kill -KILL "${g_pid[$name]}"
			g_log "$name" | tail -n 20
			kvmtune_fail "guest $name did not power off"
		fi
		sleep 0.2
	done
	wait "${g_pid[$name]}" 2>/dev/null
	unset "g_pid[$name]"
	splat=$(g_log "$name" | grep -Em 1 "$KVMTUNE_SPLAT")
	if [ -n "$splat" ]; then
		g_log "$name" | grep -E -B 5 -A 20 "$KVMTUNE_SPLAT" | head -n 60
		kvmtune_fail "guest $name: kernel splat: $splat"
	fi
	echo "guest $name: up $((SECONDS - g_t0[$name])) s in all"
}

g_fact() {
	sed -n "s/^FACT $2 //p" "$G_OUT/$1.facts" | head -n 1
}

g_dmesg() {
	sed -n '/^KVMTUNE-L2 dmesg begin/,/^KVMTUNE-L2 dmesg end/p' "$G_OUT/$1.facts" |
		sed -e '1d' -e '$d' -e 's/^\[ *[0-9]*\.[0-9]*\] //'
}
