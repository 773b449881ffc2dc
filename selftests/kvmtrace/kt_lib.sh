# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by the kvmtrace shell tests; the file formats are those of
# Documentation/kvmtrace.rst.  Source it after selftests/lib/kvmtune.sh.
#
# VMs are vmload processes, known by a NAME the test gives them:
#   kt_vm_start NAME VMLOAD-ARGS...   start one (looping for --seconds 600),
#                                     wait until it runs
#   kt_vm NAME                        its VM name, "<pid>-<fd>" (the name of
#                                     KVM's and kvmtrace's directories)
#   kt_vm_stop / kt_vm_cont NAME      SIGSTOP (returns once every thread is
#                                     stopped, i.e. out of KVM_RUN) / SIGCONT
#   kt_vm_end NAME                    SIGTERM, wait, require exit status 0
# kt_cleanup (the EXIT trap of every test) ends the VMs still running,
# switches the slow-exit event off and unloads kvmtrace.

KT_D=/sys/kernel/debug/kvmtrace
KT_KVM_D=/sys/kernel/debug/kvm
# shellcheck disable=SC2034 # the tests' own
KT_KO=$KVMTUNE_KMOD/kvmtrace/kvmtrace.ko
# shellcheck disable=SC2034
KT_KO_DEBUG=${KVMTUNE_KMOD%/mod/kmod}/mod-debug/kmod/kvmtrace/kvmtrace.ko
KT_VMLOAD=$KVMTUNE_BUILD/selftests/loadgen/vmload
KT_T=/sys/kernel/tracing
KT_EV=$KT_T/events/kvmtrace/kvmtrace_slow_exit
KT_OUT=$(mktemp -d "${TMPDIR:-/tmp}/kvmtrace.XXXXXX")
# what the proving ground calls a kernel splat (selftests/vm/run.sh)
KT_SPLAT='(Oops|BUG:|WARNING:|KASAN|UBSAN|possible recursive locking|possible circular locking|inconsistent lock state|lockdep|Kernel panic|detected stall|soft lockup|hard LOCKUP|blocked for more than|general protection fault|Call Trace:)'
# the files of every VM and vCPU directory
# shellcheck disable=SC2034
KT_SCOPE_FILES="exits msrs latency user_latency hlt npf wakeups stats"

declare -A kt_vm_pids=()

# shellcheck disable=SC2317 # the EXIT trap
kt_cleanup() {
	local n

	for n in "${!kt_vm_pids[@]}"; do
		kill -CONT "${kt_vm_pids[$n]}" 2>/dev/null
		kill -TERM "${kt_vm_pids[$n]}" 2>/dev/null
	done
	wait 2>/dev/null
	[ -e "$KT_EV/enable" ] && echo 0 >"$KT_EV/enable"
	[ -e "$KT_EV/filter" ] && echo 0 >"$KT_EV/filter"
	kt_loaded kvmtrace && rmmod kvmtrace
	rm -rf "$KT_OUT"
}

# Forks are slow in the proving ground (an emulated CPU): the helpers
# below that run often are bash only.

# kt_val FILE KEY [FIELD]: field FIELD (default 2) of FILE's line KEY.
# The file is read in one go: read(1) line by line would seek back after
# each line, and a seq_file regenerates its text on a seek, so a line that
# changed length meanwhile (a count, "exit_info checking" becoming
# "exit_info vmcb") would shift the rest.
kt_val() {
	local c w

	IFS= read -r -d '' c <"$1"
	c=$'\n'$c
	[[ $c == *$'\n'"$2 "* ]] || return 0
	c=${c#*$'\n'"$2 "}
	read -r -a w <<<"$2 ${c%%$'\n'*}"
	echo "${w[${3:-2} - 1]}"
} 2>/dev/null

# kt_sleep SECONDS: sleep without a fork (a read that times out on a pipe
# that stays open)
exec {kt_sleep_fd}<> <(:)
kt_sleep() {
	read -r -t "$1" -u "$kt_sleep_fd"
	return 0
}

kt_summary() { kt_val "$KT_D/summary" "$1"; }

# shellcheck disable=SC2317 # called through kt_wait_for
# kt_above FILE KEY N: FILE's KEY is above N
kt_above() {
	[ "$(kt_val "$1" "$2")" -gt "$3" ]
}

# kt_probe HOOK FIELD: a field of HOOK's probes line, by name
kt_probe() {
	local f

	case $2 in
	kind) f=2 ;; target) f=3 ;; state) f=4 ;; hits) f=5 ;; nmissed) f=6 ;;
	errno) f=7 ;; *) kt_fail "kt_probe: no field $2" ;;
	esac
	kt_val "$KT_D/probes" "$1" "$f"
}

# kt_wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds
kt_wait_for() {
	local n=$(($1 * 10))

	shift
	until "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		kt_sleep 0.1
	done
	return 0
}

# kt_dmesg_step STEP: the kernel log since the last call, into $KT_OUT/dmesg
# (and cleared); fails naming STEP if it has a splat
kt_dmesg_step() {
	dmesg -c >"$KT_OUT/dmesg" || kt_fail "dmesg -c"
	if grep -Eq "$KT_SPLAT" "$KT_OUT/dmesg"; then
		cat "$KT_OUT/dmesg"
		kt_fail "kernel splat during: $1"
	fi
}

# kt_step NAME: checks the kernel log of the previous step (kt_dmesg_step),
# then starts step NAME: says so, with the time, on stdout and in the
# kernel log, so that the console names the step a crash happened in
kt_step_cur=start
kt_step() {
	kt_dmesg_step "$kt_step_cur"
	kt_step_cur=$1
	echo "---- $1 (at ${SECONDS}s)"
	echo "kt-test: ${0##*/}: step $1" >/dev/kmsg
}

# kt_msgs: the kvmtrace lines of the last kt_dmesg_step, without timestamps
# and without the kernel's once-per-boot taint notes for out-of-tree modules
kt_msgs() {
	local l

	while IFS= read -r l; do
		[[ $l =~ ^\[\ *[0-9]+\.[0-9]+\]\ (kvmtrace.*) ]] || continue
		l=${BASH_REMATCH[1]}
		[[ $l =~ taints\ kernel|tainting\ kernel ]] || echo "$l"
	done <"$KT_OUT/dmesg"
}

kt_vm() {
	local w

	read -r -a w <"$KT_OUT/$1.ready"
	echo "${w[1]}-${w[3]}"
}

kt_vm_pid() {
	echo "${kt_vm_pids[$1]}"
}

kt_vm_start() {
	local name=$1

	shift
	rm -f "$KT_OUT/$name.ready"
	"$KT_VMLOAD" --seconds 600 "$@" --ready-file "$KT_OUT/$name.ready" \
		>"$KT_OUT/$name.out" 2>&1 &
	kt_vm_pids[$name]=$!
	if ! kt_wait_for 30 test -s "$KT_OUT/$name.ready"; then
		cat "$KT_OUT/$name.out"
		kt_fail "VM $name ($*) did not start"
	fi
	set -- "$name"
	name=$(kt_vm "$name")
	kt_expect_eq "VM $1 pid" "${kt_vm_pids[$1]}" "${name%%-*}"
}

# all threads of process PID stopped (state T)
kt_all_stopped() {
	local s w

	for s in /proc/"$1"/task/*/stat; do
		# "pid (comm) state ...": comm has no spaces here
		read -r -a w <"$s"
		[ "${w[2]}" = T ] || return 1
	done
}

kt_vm_stop() {
	kill -STOP "${kt_vm_pids[$1]}" || kt_fail "VM $1 is gone"
	kt_wait_for 10 kt_all_stopped "${kt_vm_pids[$1]}" ||
		kt_fail "VM $1 did not stop"
}

kt_vm_cont() {
	kill -CONT "${kt_vm_pids[$1]}" || kt_fail "VM $1 is gone"
}

kt_vm_end() {
	local pid=${kt_vm_pids[$1]} rc

	kill -CONT "$pid"
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	unset "kt_vm_pids[$1]"
	if [ "$rc" -ne 0 ]; then
		cat "$KT_OUT/$1.out"
		kt_fail "VM $1 failed (exit $rc)"
	fi
}

# kt_kvm_stat NAME STAT: KVM's own debugfs stat of VM NAME
kt_kvm_stat() {
	cat "$KT_KVM_D/$(kt_vm "$1")/$2"
}

# kt_exits FILE [REASON]: the count of REASON in an exits file, or the sum
# of all its lines
kt_exits() {
	awk -v r="$2" 'r == "" || $1 == r { n += $3 } END { print n + 0 }' "$1"
}

# kt_ctl STRING: write STRING to control in one write(); prints the error
kt_ctl() {
	{ printf '%s' "$1" >"$KT_D/control"; } 2>&1
}

# kt_trace_start: empty ring buffers of $KT_TRACE_KB (default 16 MiB) per
# CPU, the slow-exit event on (with the filter $KT_FILTER, if set), tracing
# on
kt_trace_start() {
	echo 0 >"$KT_T/tracing_on"
	echo "${KT_TRACE_KB:-16384}" >"$KT_T/buffer_size_kb"
	echo "${KT_FILTER:-0}" >"$KT_EV/filter" ||
		kt_fail "event filter '$KT_FILTER' refused"
	echo 1 >"$KT_EV/enable"
	echo >"$KT_T/trace"
	echo 1 >"$KT_T/tracing_on"
}

# kt_trace_stop OUT: tracing off, the event lines into OUT; fails if the
# ring buffer lost any event (the counts would then be wrong)
kt_trace_stop() {
	local f lost=0 n

	echo 0 >"$KT_T/tracing_on"
	echo 0 >"$KT_EV/enable"
	for f in "$KT_T"/per_cpu/cpu*/stats; do
		n=$(awk '$1 == "overrun:" { print $2 }' "$f")
		lost=$((lost + n))
	done
	[ "$lost" -eq 0 ] || kt_fail "the ring buffer overran ($lost events lost)"
	grep -o 'kvmtrace_slow_exit: .*' "$KT_T/trace" |
		sed 's/^kvmtrace_slow_exit: //' >"$1"
}
