# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by the kvmbench tests (selftests/nested.list) and the
# kvmbench bench (tools/bench/kvmbench-bench.sh). Source it after
# selftests/lib/kvmtune.sh. Formats: Documentation/kvmbench.rst, and
# Documentation/kvmtrace.rst for kvmtrace's files.
#
# The tests of one proving-ground run share one nested guest (L2): the
# first test boots it (kb_l2_boot) with kvmtrace loaded in this kernel (the
# L1), the others talk to it, the last powers it off (kb_l2_poweroff). It
# is a microvm with 2 vCPUs that boots the proving ground's own kernel,
# with kvmbench.ko and a small command server (l2-init.sh) in its
# initramfs, and a virtio-mmio device for mmio_from_qemu.
#
#   kb_l2 CMD...         run CMD in the L2 (a busybox shell on vCPU 0),
#                        print its output, return its status
#   kb_reset             zero kvmtrace's counters: a window starts
#   kb_snap VCPU FILE    kvmtrace's counters of the L2's vCPU since the
#                        reset, one "key value" line each
#   kb_count SNAP KIND [MSR]   what kvmtrace saw of a kvmbench exit kind
#   kb_check_line LINE SNAP PARTNER-SNAP SECONDS [RELAXED [ELIDED]]
#                        a results line's declared exits against kvmtrace
#   kb_elided_start, kb_elided_count
#                        IPIs the L2 kernel did not send, in a window

# shellcheck disable=SC2034 # the tests' own
KB_KO=${KVMTUNE_KMOD%/mod/kmod}/guest/kmod/kvmbench/kvmbench.ko
KB_KT_KO=$KVMTUNE_KMOD/kvmtrace/kvmtrace.ko
KB_KT_D=/sys/kernel/debug/kvmtrace
# in the L2
# shellcheck disable=SC2034
KB_D=/sys/kernel/debug/kvmbench
KB_L2_KO=/kvmbench/kvmbench.ko
# The L2 is a microvm: hardware-reduced ACPI, no PIC as far as the guest
# knows, while KVM's in-kernel irqchip (kb_l2_boot) has one: name its ELCR
# port for inl_from_kernel.
KB_L2_PARAMS="pio_kernel=0x4d0"
# shared by the tests of one run (guest-run.sh gives them one $TMPDIR)
KB_STATE=${KB_STATE:-${TMPDIR:-/tmp}/kvmbench}
KB_L2_TIMEOUT=${KB_L2_TIMEOUT:-240}
KB_L2_NUDGE=${KB_L2_NUDGE:-30}
# the L2's HZ (Debian's kernels): the timer benches' background
KB_HZ=250
# what the proving ground calls a kernel splat (selftests/vm/run.sh)
KB_SPLAT='(Oops|BUG:|kernel BUG at|WARNING:|KASAN|UBSAN|possible recursive locking|possible circular locking|inconsistent lock state|lockdep|Kernel panic|detected stall|soft lockup|hard LOCKUP|blocked for more than|general protection fault|Call Trace:)'

kb_seq=0

kb_qemu_pid() {
	local p

	read -r p 2>/dev/null <"$KB_STATE/qemu.pid" || return 1
	echo "$p"
}

kb_l2_alive() {
	[ -n "${kb_qpid:-}" ] || kb_qpid=$(kb_qemu_pid) || return 1
	kill -0 "$kb_qpid" 2>/dev/null
}

# kb_l2_initrd OUT: the proving ground's L2 initramfs, with l2-init.sh as
# /init, kvmbench.ko and the virtio-mmio driver (and what it needs)
# appended as a second archive
kb_l2_initrd() {
	local out=$1 stage=$KB_STATE/initrd.d ko name

	rm -rf "$stage"
	mkdir -p "$stage/kvmbench/modules"
	install -m 755 "$KVMTUNE_REPO/selftests/kvmbench/l2-init.sh" "$stage/init"
	cp "$KVMTUNE_REPO/selftests/kvmbench/l2-lib.sh" "$stage/kvmbench/l2-lib.sh"
	# nobody, for kvmbench/boot's root-only checks (busybox su)
	mkdir -p "$stage/etc"
	printf '%s\n' root:x:0:0:root:/:/bin/sh nobody:x:65534:65534:nobody:/:/bin/sh \
		>"$stage/etc/passwd"
	printf '%s\n' root:x:0: nogroup:x:65534: >"$stage/etc/group"
	# without its debug sections: a tenth of the size, loaded that much faster
	strip --strip-debug -o "$stage/kvmbench/kvmbench.ko" "$KB_KO" ||
		cp "$KB_KO" "$stage/kvmbench/kvmbench.ko"
	modprobe -d "$KVMTUNE_MODROOT" -S "$KVMTUNE_KVER" --show-depends virtio_mmio |
		awk '$1 == "insmod" { print $2 }' | while read -r ko; do
		name=$(basename "$ko")
		case $name in
		*.xz) xz -dc "$ko" >"$stage/kvmbench/modules/${name%.xz}"; name=${name%.xz} ;;
		*.zst) zstd -qdc "$ko" >"$stage/kvmbench/modules/${name%.zst}"; name=${name%.zst} ;;
		*) cp "$ko" "$stage/kvmbench/modules/$name" ;;
		esac
		echo "$name" >>"$stage/kvmbench/modules.order"
	done
	[ -s "$stage/kvmbench/modules.order" ] || return 1
	(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$stage.cpio.gz" &&
		cat "$KVMTUNE_L2_INITRD" "$stage.cpio.gz" >"$out"
}

# kb_l2_boot [VCPUS]: load kvmtrace here, boot the L2, wait for its
# command server. An L2 that dies before it is ready, of the text-patching
# race of multi-threaded TCG ("Oops: int3", Documentation/testing.rst) or
# without a word, is booted once more, and this is said; any other splat,
# or a second death, fails.
kb_l2_boot() {
	local vcpus=${1:-2} try why

	mkdir -p "$KB_STATE"
	[ -c /dev/kvm ] || kvmtune_fail "/dev/kvm missing"
	[ -f "$KB_KO" ] || kvmtune_fail "$KB_KO missing (make guest-line LINE=$KVMTUNE_LINE)"
	[ -f "$KVMTUNE_L2_INITRD" ] || kvmtune_fail "nested initramfs $KVMTUNE_L2_INITRD missing"
	if ! kvmtune_loaded kvmtrace; then
		insmod "$KB_KT_KO" || kvmtune_fail "insmod kvmtrace"
	fi
	kb_l2_initrd "$KB_STATE/initrd" || kvmtune_fail "cannot build the L2 initramfs"
	for try in 1 2; do
		kb_l2_start "$vcpus" && return 0
		why=$(tr -d '\r' <"$KB_STATE/console.log" | grep -m 1 -E "$KB_SPLAT")
		if [ "$try" -eq 1 ] && [[ -z $why || $why == *"Oops: int3"* ]]; then
			echo "the L2 died before it was ready (${why:-without a word}): booting it once more"
			continue
		fi
		tr -d '\r' <"$KB_STATE/console.log" | tail -n 60
		[ "$try" -eq 1 ] || kvmtune_fail "the L2 died before it was ready, twice"
		kvmtune_fail "the L2 died before it was ready"
	done
}

# kb_l2_start VCPUS: start the L2's QEMU; true once its command server is
# ready, false if QEMU ended before that
kb_l2_start() {
	local vcpus=$1 line qpid watch st

	# the channel of an earlier try
	[ -z "${kb_to:-}" ] || exec {kb_to}>&- {kb_from}<&-
	rm -f "$KB_STATE/ctl.in" "$KB_STATE/ctl.out"
	mkfifo "$KB_STATE/ctl.in" "$KB_STATE/ctl.out"
	: >"$KB_STATE/console.log"
	echo 0 >"$KB_STATE/console.seen"
	# KVM's in-kernel irqchip (microvm's default is split: PIC and IOAPIC in
	# userspace), for inl_from_kernel and mmio_from_kernel.
	# irqaffinity=0: device interrupts on vCPU 0, with the command server;
	# nopvspin: no hypercalls or HLTs from contended spinlocks. rtc=on:
	# microvm has no RTC under KVM by default, and rtc_cmos then polls the
	# absent chip for a second of port reads, under nested TCG a soft
	# lockup. noxsave: under TCG the L1's CPUID leaf 0xd, passed on by
	# KVM, gives an XSAVE size the kernel WARNs about ("XSAVE consistency
	# problem"); the benches do not need XSAVE. pci=off: a microvm has no
	# PCI, and probing for it (config space, the AGP aperture) takes
	# seconds of port I/O under nested TCG. trace_event=: the tracepoint of
	# kb_elided_start, enabled before the second vCPU starts: enabling it
	# later patches the L2's text while its other vCPU runs, which
	# multi-threaded TCG races with.
	setsid qemu-system-x86_64 -accel kvm,kernel-irqchip=on -cpu host \
		-smp "$vcpus" -m 256M -nodefaults -no-user-config \
		-M microvm,x-option-roms=off,rtc=on,pic=on,pit=on,ioapic2=off \
		-display none -no-reboot \
		-kernel "$KVMTUNE_VMLINUZ" -initrd "$KB_STATE/initrd" \
		-append "console=ttyS0 panic=-1 oops=panic softlockup_panic=1 quiet irqaffinity=0 nopvspin noxsave pci=off trace_event=sched:sched_wake_idle_without_ipi" \
		-serial "file:$KB_STATE/console.log" \
		-chardev "pipe,id=ctl,path=$KB_STATE/ctl" \
		-device isa-serial,chardev=ctl,iobase=0x2f8,irq=3 \
		-device virtio-rng-device \
		</dev/null >"$KB_STATE/qemu.log" 2>&1 &
	qpid=$!
	echo "$qpid" >"$KB_STATE/qemu.pid"
	kb_qpid=$qpid
	kb_l2_open
	# a line on the channel when QEMU ends, so that the wait below ends
	# too (no other line comes then); ended is a zombie too, as this
	# shell reaps QEMU only after the wait
	(while st=$(sed 's/.*) //' "/proc/$qpid/stat" 2>/dev/null) && [ "${st%% *}" != Z ]; do
		sleep 1
	 done
	 echo "@@qemu-ended" >"$KB_STATE/ctl.out") &
	watch=$!
	while IFS= read -r -t "$KB_L2_TIMEOUT" line <&"$kb_from"; do
		case $line in
		"@@ready"*) kill "$watch" 2>/dev/null; wait "$watch" 2>/dev/null; return 0 ;;
		"@@qemu-ended") wait "$watch" 2>/dev/null; return 1 ;;
		esac
	done
	kill "$watch" 2>/dev/null
	cat "$KB_STATE/qemu.log" "$KB_STATE/console.log"
	kvmtune_fail "the L2 did not come up within ${KB_L2_TIMEOUT}s"
}

# kb_l2_open: open the command channel and drop what an earlier test left
kb_l2_open() {
	local line

	exec {kb_to}<>"$KB_STATE/ctl.in" {kb_from}<>"$KB_STATE/ctl.out"
	while IFS= read -r -t 0.2 line <&"$kb_from"; do :; done
}

# kb_l2_up: the L2 is running (a test after kvmbench/boot), channel open
kb_l2_up() {
	kb_qpid=$(kb_qemu_pid)
	kb_l2_alive || kvmtune_fail "no L2 (kvmbench/boot failed or the L2 died)"
	kb_l2_open
}

# kb_l2 CMD...: run CMD in the L2's command server; its output, and its
# status. After KB_L2_NUDGE seconds without a line the L2's command port is
# sent an empty line, which the server answers with "@@rc  0" once it reads
# it (a long wait in the L2, kb_wait, says "@@alive" every 5 s instead).
# That is an interrupt of the port's own, which restarts the L2's
# transmitter if it waits for a lost one: under nested TCG the L2's output
# has stopped in mid-line and stayed stopped (the cause is not known; see
# kb_l2_threads). Each nudge is said; KB_L2_TIMEOUT seconds without a line
# fail.
kb_l2() {
	local seq line n silent=0

	kb_seq=$((kb_seq + 1))
	seq="$$.$kb_seq"
	kb_l2_alive || kvmtune_fail "the L2 is gone (running: $*)"
	printf '%s %s\n' "$seq" "$*" >&"$kb_to"
	while [ "$silent" -lt "$KB_L2_TIMEOUT" ]; do
		if ! IFS= read -r -t "$KB_L2_NUDGE" line <&"$kb_from"; then
			silent=$((silent + KB_L2_NUDGE))
			echo "(kb_l2: ${silent}s without a line from the L2: nudged its command port)" >&2
			printf '\n' >&"$kb_to"
			continue
		fi
		silent=0
		case $line in
		"@@rc $seq "*) return "${line##* }" ;;
		"@@rc "* | "@@alive") ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
	# what the L2 said last: a lockup, a hung task, or nothing at all;
	# from its first splat on if it has one (up to 200 lines)
	n=$(tr -d '\r' <"$KB_STATE/console.log" | grep -n -E -m 1 "$KB_SPLAT" | cut -d: -f1)
	if [ -n "$n" ]; then
		echo "---- the L2's console, from its first splat"
		tr -d '\r' <"$KB_STATE/console.log" | tail -n "+$n" | head -n 200
	else
		echo "---- the L2's console, its last 40 lines"
		tr -d '\r' <"$KB_STATE/console.log" | tail -n 40
	fi
	kb_l2_threads
	kvmtune_fail "the L2 did not answer within ${KB_L2_TIMEOUT}s: $*"
}

# kb_l2_threads: how the L2's QEMU threads look from here, twice a second
# apart: state, CPU time (ticks), where each waits, and each vCPU's
# kvmtrace exits and halts, so that a silent L2 shows whether a vCPU runs,
# halts or waits in this kernel
kb_l2_threads() {
	local p t d round

	p=$(kb_qemu_pid) || return 0
	if ! [ -d "/proc/$p/task" ]; then
		echo "---- the L2's QEMU (pid $p) has ended; its log:"
		cat "$KB_STATE/qemu.log"
		return 0
	fi
	for round in 1 2; do
		echo "---- the L2's QEMU threads ($round)"
		for t in /proc/"$p"/task/*; do
			[ -r "$t/stat" ] || continue
			awk '{ sub(/^.*\) /, ""); printf "%s %s utime %s stime %s cpu %s",
				FILENAME, $1, $12, $13, $37 }' "$t/stat"
			printf ' %s wchan %s\n' "$(cat "$t/comm")" "$(cat "$t/wchan" 2>/dev/null)"
			sed -n '1,6s/^/    /p' "$t/stack" 2>/dev/null
		done
		d=$(kb_vm_dir) || continue
		for t in "$d"/vcpus/*; do
			printf '%s: exits %s, halts %s\n' "$t" \
				"$(awk '{ n += $3 } END { print n + 0 }' "$t/exits")" \
				"$(awk '$1 == "halts" { print $2 }' "$t/hlt")"
		done
		[ "$round" = 2 ] || sleep 1
	done
}

# kb_l2_virtio_mmio: the virtio-mmio driver loaded in the L2 (it binds the
# L2's virtio-rng device, mmio_from_qemu's target)
kb_l2_virtio_mmio() {
	# shellcheck disable=SC2016 # expanded in the L2
	kb_l2 '[ -d /sys/module/virtio_mmio ] || for m in $(cat /kvmbench/modules.order); do insmod /kvmbench/modules/$m || exit 1; done' ||
		kvmtune_fail "cannot load virtio_mmio in the L2"
}

# kb_l2_insmod PARAM=VALUE...: load kvmbench in the L2 with KB_L2_PARAMS
# and PARAMs; kb_l2_load: with KB_L2_PARAMS
kb_l2_insmod() {
	kb_l2 insmod "$KB_L2_KO" "$KB_L2_PARAMS" "$@" ||
		kvmtune_fail "insmod kvmbench $KB_L2_PARAMS $*"
}

kb_l2_load() {
	kb_l2 insmod "$KB_L2_KO" "$KB_L2_PARAMS" || kvmtune_fail "insmod kvmbench $KB_L2_PARAMS"
}

# kb_l2_ok CMD...: kb_l2 that must succeed
kb_l2_ok() {
	kb_l2 "$@" || kvmtune_fail "in the L2: '$*' failed"
}

# kb_l2_splats WHAT: fail if the L2's kernel log has a splat since the
# last call (checked in the L2: its console is quiet and shows only a
# panic, checked here too)
kb_l2_splats() {
	local seen now

	read -r seen <"$KB_STATE/console.seen"
	now=$(wc -l <"$KB_STATE/console.log")
	echo "$now" >"$KB_STATE/console.seen"
	if tail -n "+$((seen + 1))" "$KB_STATE/console.log" | tr -d '\r' | grep -Eq "$KB_SPLAT"; then
		tail -n "+$((seen + 1))" "$KB_STATE/console.log" | tr -d '\r' | tail -n 60
		kvmtune_fail "the L2 kernel splatted during: $1"
	fi
	kb_l2 kb_splats || kvmtune_fail "the L2 kernel splatted during: $1"
}

# kb_l2_poweroff: power the L2 off, wait for QEMU; kvmtrace unloaded
kb_l2_poweroff() {
	local p n

	if p=$(kb_qemu_pid) && kill -0 "$p" 2>/dev/null; then
		printf '%s\n' "0 poweroff -f" >&"$kb_to"
		for n in $(seq 100); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$p" 2>/dev/null; then
			kill -KILL "$p"
			kvmtune_fail "the L2 did not power off"
		fi
	fi
	if kvmtune_loaded kvmtrace; then
		rmmod kvmtrace || kvmtune_fail "rmmod kvmtrace"
	fi
}

# ---- kvmtrace's view -------------------------------------------------------

# the L2's directory in kvmtrace's vms/
kb_vm_dir() {
	local p d

	p=$(kb_qemu_pid) || return 1
	for d in "$KB_KT_D/vms/$p"-*; do
		[ -d "$d" ] && echo "$d" && return 0
	done
	return 1
}

# kb_reset: start a window. kvmtrace zeroes each vCPU's counters at its
# next event, and shows zeros until then; so a snapshot after this is what
# happened since (kvmtrace's per-vCPU MSR table, 64 MSRs, starts empty too)
kb_reset() {
	echo reset >"$KB_KT_D/control" || kvmtune_fail "kvmtrace reset"
}

# kb_snap VCPU NAME: the counters of vCPU VCPU (its vcpu_id, the L2's APIC
# ID) since kb_reset, into the associative array NAME: exit.<REASON>,
# lat.<REASON> and ulat.<REASON> (exits completed in the kernel, in
# userspace), npf.<key>, stats.<key>, and the kvmbench exit kinds,
# kind.<KIND> and kind.<rdmsr|wrmsr>:<0xMSR> (SVM and VMX reason names
# alike)
kb_snap() {
	local d k v

	[ -n "${kb_vmdir:-}" ] || kb_vmdir=$(kb_vm_dir) ||
		kvmtune_fail "kvmtrace has no directory for the L2"
	d=$kb_vmdir/vcpu$1
	[ -d "$d" ] || kvmtune_fail "kvmtrace has no $d"
	declare -gA "$2=()"
	local -n kb_snap_a=$2
	while read -r k v; do
		# shellcheck disable=SC2004 # a nameref to an associative array
		kb_snap_a[$k]=$v
	done < <(awk '
	FILENAME ~ /\/exits$/ { e[$1] = $3; print "exit." $1, $3; next }
	FILENAME ~ /\/user_latency$/ { u[$1] += $4; next }
	FILENAME ~ /\/latency$/ { l[$1] += $4; next }
	FILENAME ~ /\/msrs$/ {
		print "kind.wrmsr:" $1, $3
		print "kind.rdmsr:" $1, $4
		next
	}
	FILENAME ~ /\/npf$/ { n[$1] = $2; print "npf." $1, $2; next }
	FILENAME ~ /\/stats$/ { print "stats." $1, $2; next }
	END {
		for (k in l) printf "lat.%s %.0f\n", k, l[k]
		for (k in u) printf "ulat.%s %.0f\n", k, u[k]
		mu = u["NPF"] + u["EPT_MISCONFIG"] + u["EPT_VIOLATION"]
		printf "kind.cpuid %.0f\n", e["CPUID"]
		printf "kind.hypercall %.0f\n", e["VMMCALL"] + e["VMCALL"]
		printf "kind.pio_kernel %.0f\n", l["IOIO"] + l["IO_INSTRUCTION"]
		printf "kind.pio_user %.0f\n", u["IOIO"] + u["IO_INSTRUCTION"]
		printf "kind.mmio_user %.0f\n", mu
		printf "kind.mmio_kernel %.0f\n", n["mmio"] - mu
		printf "kind.hlt %.0f\n", e["HLT"]
	}' "$d/exits" "$d/latency" "$d/user_latency" "$d/msrs" "$d/npf" "$d/stats")
}

# kb_key NAME KEY: a key of snapshot NAME, 0 if absent
kb_key() {
	local -n kb_key_a=$1

	echo "${kb_key_a[$2]:-0}"
}

# kb_kind NAME KIND [MSR]: kb_n = the exits of a kvmbench exit kind in
# snapshot NAME (in this shell: no subshell, no fork)
kb_kind() {
	local -n kb_kind_a=$1

	case $2 in
	cpuid | hypercall | pio_kernel | pio_user | mmio_kernel | mmio_user | hlt)
		kb_n=${kb_kind_a[kind.$2]:-0}
		;;
	rdmsr | wrmsr) kb_n=${kb_kind_a[kind.$2:$3]:-0} ;;
	*) kvmtune_fail "kb_kind: no exit kind '$2'" ;;
	esac
}

# kb_count NAME KIND [MSR]: print that
kb_count() {
	kb_kind "$@"
	echo "$kb_n"
}

# kb_msr_lost NAME: kvmtrace's MSR table overflowed in snapshot NAME (its
# per-MSR counts are incomplete)
kb_msr_lost() {
	local -n kb_lost_a=$1

	[ $((${kb_lost_a[stats.msr_lost_reads]:-0} + ${kb_lost_a[stats.msr_lost_writes]:-0})) -ne 0 ]
}

# ---- results ----------------------------------------------------------------

# kb_result RESULTS NAME CPU: the results line of NAME on CPU
kb_result() {
	awk -v n="$2" -v c="$3" '$1 == n && $2 == c' <<<"$1"
}

# kb_check_ops LINE: a measured line's ops is what the doubling did:
# 32 + 64 + ... + iterations, then repeats - 1 more loops
kb_check_ops() {
	local -a f

	read -r -a f <<<"$1"
	[ "$(((f[6] + 1) * f[5] - 32))" -eq "${f[7]}" ] ||
		kvmtune_fail "${f[0]} on ${f[1]}: ops ${f[7]} is not (repeats + 1) * iterations - 32 ($1)"
	if [ "${f[2]}" -le 0 ] || [ "${f[3]}" -lt "${f[2]}" ]; then
		kvmtune_fail "${f[0]} on ${f[1]}: cycles not positive, or median below min ($1)"
	fi
}

# An IPI to a CPU that is idle but not yet halted (its idle task polls,
# TIF_POLLING_NRFLAG) is not sent at all: the kernel sets need_resched
# instead and traces sched_wake_idle_without_ipi.  ipi_halt's partner can
# be there when the sender's settle time ran out, so that operation made
# no ICR write.  The L2's own tracepoint counts these wakeups of vCPU 0
# (the partner) in a window:
#   kb_elided_start      clear the count (the event is enabled from the
#                        L2's boot: kb_l2_boot)
#   kb_elided_count      kb_elided = those wakeups since kb_elided_start
KB_EV=/sys/kernel/debug/tracing/events/sched/sched_wake_idle_without_ipi
kb_elided_start() {
	kb_l2_ok "grep -qx 1 $KB_EV/enable && echo 'cpu == 0' >$KB_EV/filter && echo >${KB_EV%/events/*}/trace" ||
		kvmtune_fail "sched_wake_idle_without_ipi is not traced in the L2 (trace_event= on its command line)"
}
kb_elided_count() {
	kb_elided=$(kb_l2 "grep -c sched_wake_idle_without_ipi ${KB_EV%/events/*}/trace || :")
	[[ $kb_elided =~ ^[0-9]+$ ]] || kvmtune_fail "sched_wake_idle_without_ipi: not a count: $kb_elided"
}

# kb_check_line LINE SNAP PARTNER-SNAP MS [RELAXED-KINDS [ELIDED]]
# (SNAPs by name, from kb_snap; PARTNER-SNAP only read for partner: items)
# Each declared exit of a measured results line against kvmtrace's counts
# of the bench's vCPU (and of its partner) in the bench's window, whose
# run took MS milliseconds (from a kb_reset before it): exactly ops * N + S, or
# for bounds between ops * LO and ops * HI plus the vCPU's background in
# the window (kb_background); for an IPI item (ICR writes, or the xAPIC's
# MMIO) from (ops - ELIDED) * LO, ELIDED being the operations whose IPI
# the kernel did not send (kb_elided_count, default 0).
# A kind listed in RELAXED-KINDS need only
# reach its exact count (the vCPU also does other exits of that kind: the
# command server on vCPU 0). For port I/O and MMIO, the other side
# (kernel or userspace) must not have moved.
# kb_background KIND MSR OPS MS: kb_n = the exits of a bounds item a vCPU
# may do besides the bench's while a run of MS milliseconds (and 100 ms
# more for the window's ends) takes: TSC-deadline writes, two per tick of
# the L2's HZ (its timer, reprogrammed); HLTs, one per tick (an idle
# partner); IPIs (ICR, SELF_IPI), a quarter of the operations (the
# kernel's own resched and call-function IPIs); plus 16
kb_background() {
	case $1:$2 in
	wrmsr:0x6e0) kb_n=$((2 * KB_HZ * ($4 + 100) / 1000 + 16)) ;;
	hlt:) kb_n=$((KB_HZ * ($4 + 100) / 1000 + 16)) ;;
	*) kb_n=$(($3 / 4 + 16)) ;;
	esac
}

kb_check_line() {
	local line=$1 d=$2 pd=$3 ms=$4 relaxed=" ${5:-} " elided=${6:-0}
	local item kind msr spec n s lo hi got want f slack other min why
	local -a w items

	read -r -a w <<<"$line"
	[ "${w[2]}" != unsupported ] || kvmtune_fail "${w[0]} unsupported on ${w[1]}: $line"
	local name=${w[0]} ops=${w[7]} exits=${w[9]}
	[ "$exits" != - ] || return 0
	IFS=, read -r -a items <<<"$exits"
	for item in "${items[@]}"; do
		f=$d
		if [[ $item == partner:* ]]; then
			f=$pd
			item=${item#partner:}
		fi
		kind=${item%%=*} spec=${item#*=} msr=
		if [[ $kind == *:* ]]; then
			msr=${kind#*:}
			kind=${kind%%:*}
		fi
		if [ -n "$msr" ] && kb_msr_lost "$f"; then
			kvmtune_fail "$name: kvmtrace's MSR table overflowed in the window"
		fi
		kb_kind "$f" "$kind" "$msr"
		got=$kb_n
		if [[ $spec == *..* ]]; then
			lo=${spec%..*} hi=${spec#*..}
			kb_background "$kind" "$msr" "$ops" "$ms"
			slack=$kb_n
			min=$((ops * lo)) why=
			# an IPI item: the ICR (x2APIC) or its MMIO writes (xAPIC)
			if [ "$elided" -gt 0 ] && [[ $msr == 0x830 || $kind == mmio_kernel ]]; then
				min=$(((ops - elided) * lo))
				why=", $elided wakeups of vCPU 0 without an IPI"
			fi
			if [ "$got" -lt "$min" ] || [ "$got" -gt $((ops * hi + slack)) ]; then
				kvmtune_fail "$name: $item: kvmtrace counted $got, not in [$min, $((ops * hi + slack))] for $ops ops$why"
			fi
			echo "ok: $name: $item: $got in [$min, $((ops * hi + slack))] for $ops ops$why"
			continue
		fi
		n=${spec%%+*} s=0
		[[ $spec == *+* ]] && s=${spec#*+}
		want=$((ops * n + s))
		if [[ $relaxed == *" $kind "* ]]; then
			[ "$got" -ge "$want" ] ||
				kvmtune_fail "$name: $item: kvmtrace counted $got, below $want"
			echo "ok: $name: $item: $got >= $want (the command server shares the vCPU)"
		else
			[ "$got" -eq "$want" ] ||
				kvmtune_fail "$name: $item: kvmtrace counted $got, guest claims $ops ops x $n + $s = $want"
			echo "ok: $name: $item: $got = $ops x $n + $s"
		fi
		case $kind in
		pio_kernel) other=pio_user ;;
		pio_user) other=pio_kernel ;;
		mmio_kernel) other=mmio_user ;;
		mmio_user) other=mmio_kernel ;;
		*) other= ;;
		esac
		if [ -n "$other" ] && [[ $relaxed != *" $other "* ]]; then
			kb_none "$name" "$f" "$other"
		fi
	done
}

# kb_none NAME DELTA KIND: no exit of KIND in the window
kb_none() {
	kb_kind "$2" "$3"
	[ "$kb_n" -eq 0 ] || kvmtune_fail "$1: $kb_n $3 exits in its window, expected none"
}
