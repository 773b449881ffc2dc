# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for kvmaudit's tests (audit/...): run kvmaudit, assert on its
# report through expect.py, start QEMU VMs with known settings.

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

ka_dir=$KVMTUNE_REPO/selftests/kvmaudit
kvmaudit=$KVMTUNE_BUILD/tools/kvmaudit
ka_tmp=${TMPDIR:-/tmp}/kvmaudit.$$
mkdir -p "$ka_tmp"
: >"$ka_tmp/batch"

[ -x "$kvmaudit" ] || kvmtune_fail "$kvmaudit missing (make tools)"
command -v python3 >/dev/null || kvmtune_fail "python3 missing"

# ka_audit NAME [ARGS...]: kvmaudit --json ARGS into $ka_tmp/NAME.json,
# its exit code in ka_rc. ka_audit_text: the same, and the text report of
# the same options into NAME.txt: separate audits, for where nothing
# changes in between.
ka_rc=
ka_audit() {
	local name=$1
	shift
	"$kvmaudit" --json "$@" >"$ka_tmp/$name.json" 2>"$ka_tmp/$name.err"
	ka_rc=$?
	if [ "$ka_rc" -gt 2 ]; then
		cat "$ka_tmp/$name.err"
		kvmtune_fail "kvmaudit --json $* exited $ka_rc"
	fi
}

ka_audit_text() {
	ka_audit "$@"
	"$kvmaudit" "${@:2}" >"$ka_tmp/$1.txt" 2>/dev/null
}

# ka_step WHAT: say what the test does next, and when
ka_step() {
	echo "== $* (at ${SECONDS}s)"
}

# ka_expect NAME [text]: the report NAME against the expectations on stdin
# (expect.py's format); with "text", its text report must agree too.
# Checked by ka_verify, with the other commands ka_batch queued: a Python
# start costs seconds in the proving ground.
ka_expect() {
	local name=$1 text=
	cat >"$ka_tmp/$name.expect"
	[ "${2:-}" = text ] && text=$ka_tmp/$name.txt
	ka_batch report "$ka_tmp/$name.json" "$ka_rc" "$ka_tmp/$name.expect" ${text:+"$text"}
}

# ka_batch CMD ARGS...: queue an expect.py command for ka_verify
ka_batch() {
	printf '%q ' "$@" >>"$ka_tmp/batch"
	echo >>"$ka_tmp/batch"
}

# ka_verify: run the queued expect.py commands, in one Python
ka_verify() {
	python3 "$ka_dir/expect.py" batch "$ka_tmp/batch" || kvmtune_fail "expectations"
	: >"$ka_tmp/batch"
}

# ka_interval NAME: the interval_us of report NAME, without a Python
ka_interval() {
	# the host's comes first
	grep -o '"interval_us":[0-9]*' "$ka_tmp/$1.json" | head -n 1 | cut -d: -f2
}

# ka_wait SECS CMD...: poll CMD every 0.2 s
ka_wait() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

# A BIOS of HLTs: the vCPU halts at the reset vector, with interrupts off,
# and sleeps in KVM for good; the others wait for a SIPI. A VM that costs
# nothing while it runs.
ka_hlt_bios=$ka_tmp/hlt.bin
head -c 65536 /dev/zero | tr '\0' '\364' >"$ka_hlt_bios"

# ka_qemu NAME CMD...: start CMD, a qemu-system-x86_64 command line (maybe
# behind taskset), with -accel kvm, no firmware but ka_hlt_bios and no
# devices but those it names, in the background; its pid in ka_pid.
# ka_qemu_wait NAME PID: return once KVM has its VM and every vCPU has
# entered KVM_RUN (KVM's debugfs vcpu<N>/pid is set), its <pid>-<fd> name
# in ka_vm. QEMUs start slowly in the proving ground: start them all, then
# wait for each.
ka_pids=()
ka_pid=
ka_vm=
ka_qemu() {
	local name=$1
	shift
	"$@" -accel kvm -bios "$ka_hlt_bios" -nodefaults -no-user-config \
		-display none -monitor none -serial none \
		</dev/null >"$ka_tmp/qemu-$name.log" 2>&1 &
	ka_pid=$!
	ka_pids+=("$ka_pid")
}

ka_qemu_wait() {
	ka_vm=
	ka_wait 150 ka_vm_ready "$2" ||
		{ cat "$ka_tmp/qemu-$1.log"; kvmtune_fail "QEMU $1 did not start its vCPUs"; }
}

# ka_vm_ready PID: PID has a VM whose vCPUs have all run; sets ka_vm
ka_vm_ready() {
	local pid=$1 fd link d n=0
	kill -0 "$pid" 2>/dev/null || return 1
	for fd in /proc/"$pid"/fd/*; do
		link=$(readlink "$fd" 2>/dev/null) || continue
		[ "$link" = anon_inode:kvm-vm ] || continue
		ka_vm=$pid-${fd##*/}
	done
	[ -n "$ka_vm" ] || return 1
	for d in /sys/kernel/debug/kvm/"$ka_vm"/vcpu*; do
		[ -f "$d/pid" ] || return 1
		[ "$(cat "$d/pid")" != 0 ] || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

# ka_vcpu_tid VM ID: the thread of vCPU ID, from KVM's debugfs
ka_vcpu_tid() {
	cat "/sys/kernel/debug/kvm/$1/vcpu$2/pid"
}

# ka_stopped PID...: every thread of the processes is stopped (SIGSTOP),
# but for PF_USER_WORKER threads (vhost's and KVM's workers, 6.4 and
# later), which belong to the process but take no SIGSTOP
ka_stopped() {
	local s w p
	for p in "$@"; do
		for s in /proc/"$p"/task/*/stat; do
			# "pid (comm) state ppid pgrp session tty tpgid flags
			# ...", and QEMU's thread names have spaces
			read -r s <"$s" || return 1
			read -r -a w <<<"${s##*) }"
			[ "${w[0]}" = T ] || (( w[6] & 0x4000 )) || return 1
		done
	done
}

ka_cleanup() {
	local p
	for p in "${ka_pids[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${ka_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	ka_pids=()
}
