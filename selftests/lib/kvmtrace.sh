# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by the kvmtrace shell tests; the file formats are those of
# Documentation/kvmtrace.rst.  Source it (it sources kvmtune.sh); everything
# it defines starts with kvmtrace_ (or KVMTRACE_).  A test starts with
#
#   trap kvmtrace_cleanup EXIT
#   kvmtrace_test_init "$KVMTRACE_KO" "$KVMTUNE_VMLOAD"
#
# VMs are vmload processes, known by a NAME the test gives them:
#   kvmtrace_vm_start NAME VMLOAD-ARGS...  start one (looping for --seconds
#                                          600), wait until it runs
#   kvmtrace_vm NAME                       its VM name, "<pid>-<fd>" (the
#                                          name of KVM's and kvmtrace's
#                                          directories)
#   kvmtrace_vm_stop / kvmtrace_vm_cont NAME
#                                          SIGSTOP (returns once every
#                                          thread is stopped, i.e. out of
#                                          KVM_RUN) / SIGCONT
#   kvmtrace_vm_end NAME                   SIGTERM, wait, require exit
#                                          status 0
#   kvmtrace_vm_end_all                    end all, whatever their status
# kvmtrace_cleanup (the EXIT trap of every test) ends the VMs still
# running, switches the slow-exit event off and unloads kvmtrace.

# shellcheck source=../lib/kvmtune.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

KVMTRACE_D=/sys/kernel/debug/kvmtrace
KVMTRACE_KVM_D=/sys/kernel/debug/kvm
# shellcheck disable=SC2034 # the tests' own
KVMTRACE_KO=$KVMTUNE_KMOD/kvmtrace/kvmtrace.ko
# shellcheck disable=SC2034
KVMTRACE_KO_DEBUG=${KVMTUNE_KMOD%/mod/kmod}/mod-debug/kmod/kvmtrace/kvmtrace.ko
KVMTRACE_T=/sys/kernel/tracing
KVMTRACE_EV=$KVMTRACE_T/events/kvmtrace/kvmtrace_slow_exit
KVMTRACE_OUT=$(mktemp -d "${TMPDIR:-/tmp}/kvmtrace.XXXXXX")
# the files of every VM and vCPU directory
# shellcheck disable=SC2034
KVMTRACE_SCOPE_FILES="exits msrs latency user_latency hlt npf wakeups stats"

declare -A kvmtrace_vm_pids=()

# kvmtrace_test_init FILE...: the start of a kvmtrace test: skip without
# /dev/kvm, fail unless each FILE (the module, a load generator) was
# built, and begin with kvmtrace unloaded and the kernel log empty
kvmtrace_test_init() {
	local f

	[ -c /dev/kvm ] || kvmtune_skip "/dev/kvm"
	for f; do
		[ -e "$f" ] || kvmtune_fail "$f missing (make kmod-line selftests)"
	done
	kvmtune_loaded kvmtrace && rmmod kvmtrace
	dmesg -C
}

# shellcheck disable=SC2317 # the EXIT trap
kvmtrace_cleanup() {
	kvmtrace_vm_end_all
	[ -e "$KVMTRACE_EV/enable" ] && echo 0 >"$KVMTRACE_EV/enable"
	[ -e "$KVMTRACE_EV/filter" ] && echo 0 >"$KVMTRACE_EV/filter"
	kvmtune_loaded kvmtrace && rmmod kvmtrace
	rm -rf "$KVMTRACE_OUT"
}

# kvmtrace_val FILE KEY [FIELD]: field FIELD (default 2) of FILE's line
# KEY.  The file is read in one go: read(1) line by line would seek back
# after each line, and a seq_file regenerates its text on a seek, so a
# line that changed length meanwhile (a count, "exit_info checking"
# becoming "exit_info vmcb") would shift the rest.
kvmtrace_val() {
	local c w

	IFS= read -r -d '' c <"$1"
	c=$'\n'$c
	[[ $c == *$'\n'"$2 "* ]] || return 0
	c=${c#*$'\n'"$2 "}
	read -r -a w <<<"$2 ${c%%$'\n'*}"
	echo "${w[${3:-2} - 1]}"
} 2>/dev/null

kvmtrace_summary() { kvmtrace_val "$KVMTRACE_D/summary" "$1"; }

# shellcheck disable=SC2317 # called through kvmtune_poll_tries
# kvmtrace_summary_is KEY VALUE: the summary's KEY is VALUE (now)
kvmtrace_summary_is() {
	[ "$(kvmtrace_summary "$1")" = "$2" ]
}

# shellcheck disable=SC2317 # called through kvmtune_poll_tries
# kvmtrace_above FILE KEY N: FILE's KEY is above N
kvmtrace_above() {
	[ "$(kvmtrace_val "$1" "$2")" -gt "$3" ]
}

# kvmtrace_probe HOOK FIELD: a field of HOOK's probes line, by name
kvmtrace_probe() {
	local f

	case $2 in
	kind) f=2 ;; target) f=3 ;; state) f=4 ;; hits) f=5 ;; nmissed) f=6 ;;
	errno) f=7 ;; *) kvmtune_fail "kvmtrace_probe: no field $2" ;;
	esac
	kvmtrace_val "$KVMTRACE_D/probes" "$1" "$f"
}

# kvmtrace_exits FILE [REASON]: the count of REASON in an exits file, or
# the sum of all its lines
kvmtrace_exits() {
	awk -v r="$2" 'r == "" || $1 == r { n += $3 } END { print n + 0 }' "$1"
}

# kvmtrace_ctl STRING: write STRING to control in one write(); prints the
# error
kvmtrace_ctl() {
	{ printf '%s' "$1" >"$KVMTRACE_D/control"; } 2>&1
}

# kvmtrace_msgs: the kvmtrace lines of the last kvmtune_dmesg_step,
# without timestamps and without the kernel's once-per-boot taint notes
# for out-of-tree modules
kvmtrace_msgs() {
	local l

	while IFS= read -r l; do
		[[ $l =~ ^\[\ *[0-9]+\.[0-9]+\]\ (kvmtrace.*) ]] || continue
		l=${BASH_REMATCH[1]}
		[[ $l =~ taints\ kernel|tainting\ kernel ]] || echo "$l"
	done <<<"$kvmtune_dmesg"
}

kvmtrace_vm() {
	local w

	read -r -a w <"$KVMTRACE_OUT/$1.ready"
	echo "${w[1]}-${w[3]}"
}

kvmtrace_vm_pid() {
	echo "${kvmtrace_vm_pids[$1]}"
}

kvmtrace_vm_start() {
	local name=$1

	shift
	rm -f "$KVMTRACE_OUT/$name.ready"
	"$KVMTUNE_VMLOAD" --seconds 600 "$@" \
		--ready-file "$KVMTRACE_OUT/$name.ready" \
		>"$KVMTRACE_OUT/$name.out" 2>&1 &
	kvmtrace_vm_pids[$name]=$!
	if ! kvmtune_poll_tries 30 test -s "$KVMTRACE_OUT/$name.ready"; then
		cat "$KVMTRACE_OUT/$name.out"
		kvmtune_fail "VM $name ($*) did not start"
	fi
	set -- "$name"
	name=$(kvmtrace_vm "$name")
	kvmtune_expect_eq "VM $1 pid" "${kvmtrace_vm_pids[$1]}" "${name%%-*}"
}

# shellcheck disable=SC2317 # called through kvmtune_poll_tries
# kvmtrace_all_stopped PID: all threads of process PID stopped (state T)
kvmtrace_all_stopped() {
	local s w

	for s in /proc/"$1"/task/*/stat; do
		# "pid (comm) state ...": comm has no spaces here
		read -r -a w <"$s"
		[ "${w[2]}" = T ] || return 1
	done
}

kvmtrace_vm_stop() {
	kill -STOP "${kvmtrace_vm_pids[$1]}" || kvmtune_fail "VM $1 is gone"
	kvmtune_poll_tries 10 kvmtrace_all_stopped "${kvmtrace_vm_pids[$1]}" ||
		kvmtune_fail "VM $1 did not stop"
}

kvmtrace_vm_cont() {
	kill -CONT "${kvmtrace_vm_pids[$1]}" || kvmtune_fail "VM $1 is gone"
}

kvmtrace_vm_end() {
	local pid=${kvmtrace_vm_pids[$1]} rc

	kill -CONT "$pid"
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	unset "kvmtrace_vm_pids[$1]"
	if [ "$rc" -ne 0 ]; then
		cat "$KVMTRACE_OUT/$1.out"
		kvmtune_fail "VM $1 failed (exit $rc)"
	fi
}

kvmtrace_vm_end_all() {
	local n

	for n in "${!kvmtrace_vm_pids[@]}"; do
		kill -CONT "${kvmtrace_vm_pids[$n]}" 2>/dev/null
		kill -TERM "${kvmtrace_vm_pids[$n]}" 2>/dev/null
	done
	wait 2>/dev/null
	kvmtrace_vm_pids=()
}

# kvmtrace_kvm_stat NAME STAT: KVM's own debugfs stat of VM NAME
kvmtrace_kvm_stat() {
	cat "$KVMTRACE_KVM_D/$(kvmtrace_vm "$1")/$2"
}

# kvmtrace_trace_start: empty ring buffers of $KVMTRACE_TRACE_KB (default
# 16 MiB) per CPU, the slow-exit event on (with the filter
# $KVMTRACE_FILTER, if set), tracing on
kvmtrace_trace_start() {
	echo 0 >"$KVMTRACE_T/tracing_on"
	echo "${KVMTRACE_TRACE_KB:-16384}" >"$KVMTRACE_T/buffer_size_kb"
	echo "${KVMTRACE_FILTER:-0}" >"$KVMTRACE_EV/filter" ||
		kvmtune_fail "event filter '$KVMTRACE_FILTER' refused"
	echo 1 >"$KVMTRACE_EV/enable"
	echo >"$KVMTRACE_T/trace"
	echo 1 >"$KVMTRACE_T/tracing_on"
}

# kvmtrace_trace_stop OUT: tracing off, the event lines into OUT; fails if
# the ring buffer lost any event, overwritten or dropped (the counts would
# then be wrong)
kvmtrace_trace_stop() {
	local f lost=0 n

	echo 0 >"$KVMTRACE_T/tracing_on"
	echo 0 >"$KVMTRACE_EV/enable"
	for f in "$KVMTRACE_T"/per_cpu/cpu*/stats; do
		n=$(awk '$1 == "overrun:" || ($1 == "dropped" && $2 == "events:") { n += $NF } END { print n + 0 }' "$f")
		lost=$((lost + n))
	done
	[ "$lost" -eq 0 ] ||
		kvmtune_fail "the ring buffer lost $lost events (overrun or dropped)"
	grep -o 'kvmtrace_slow_exit: .*' "$KVMTRACE_T/trace" |
		sed 's/^kvmtrace_slow_exit: //' >"$1"
}
