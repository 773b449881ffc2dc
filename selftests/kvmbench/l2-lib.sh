# SPDX-License-Identifier: GPL-2.0
# busybox ash, which shellcheck knows as its POSIX subset:
# shellcheck shell=dash
#
# Helpers of the kvmbench tests that run in the nested guest (L2), sourced
# by its command server (l2-init.sh). Every byte between the L1 and the L2
# crosses an emulated 16550, a few exits per byte, each slow under nested
# TCG: these helpers look at files where they are and answer in a line.
# They use shell builtins only (no process to start) where they can.

KB_D=/sys/kernel/debug/kvmbench
# what the proving ground calls a kernel splat (selftests/vm/run.sh)
KB_SPLAT='(Oops|BUG:|kernel BUG at|WARNING:|KASAN|UBSAN|possible recursive locking|possible circular locking|inconsistent lock state|lockdep|Kernel panic|detected stall|soft lockup|hard LOCKUP|blocked for more than|general protection fault|Call Trace:)'

# kb_read FILE: the file in $kb_v, lines joined with "|"
kb_read() {
	local l

	kb_v=
	while IFS= read -r l; do
		kb_v="$kb_v|$l"
	done <"$1"
}

# kb_val FILE KEY: the value of KEY in a "key value" file
kb_val() {
	local k v

	while read -r k v; do
		if [ "$k" = "$2" ]; then
			echo "$v"
			return 0
		fi
	done <"$1"
	return 1
}

# kb_results [CPU]: the results lines (of vCPU CPU), without the header
kb_results() {
	local l n c rest

	while IFS= read -r l; do
		case $l in "#"*) continue ;; esac
		read -r n c rest <<EOF
$l
EOF
		[ -z "${1:-}" ] || [ "$c" = "$1" ] || continue
		echo "$l"
	done <"$KB_D/results"
}

# kb_run BENCH...: run on the vCPU set; fails if the write does
kb_run() {
	echo "run $*" >"$KB_D/control"
}

# kb_set KEY VALUE...: set cpu, goal, repeats
kb_set() {
	while [ $# -ge 2 ]; do
		echo "$1 $2" >"$KB_D/control" || return 1
		shift 2
	done
}

# kb_bad CMD...: each CMD is refused with EINVAL and changes neither the
# settings nor the results; one line per command
kb_bad() {
	local c ctl res err fail=0

	kb_read "$KB_D/control"
	ctl=$kb_v
	kb_read "$KB_D/results"
	res=$kb_v
	for c in "$@"; do
		if { echo "$c" >"$KB_D/control"; } 2>/tmp/kb_err; then
			echo "FAIL: control took '$c'"
			fail=1
			continue
		fi
		kb_read /tmp/kb_err
		err=$kb_v
		case $err in
		*"Invalid argument"*) ;;
		*)
			echo "FAIL: '$c': not EINVAL: $err"
			fail=1
			;;
		esac
		kb_read "$KB_D/control"
		[ "$kb_v" = "$ctl" ] || { echo "FAIL: '$c' changed the settings: $kb_v"; fail=1; }
		kb_read "$KB_D/results"
		[ "$kb_v" = "$res" ] || { echo "FAIL: '$c' changed the results"; fail=1; }
	done
	[ "$fail" = 0 ] && echo "ok: $# commands refused with EINVAL, nothing changed"
	return "$fail"
}

# kb_splats: the kernel log's splat lines since the last call (the log is
# cleared); fails if there are any
kb_splats() {
	dmesg -c >/tmp/kb_dmesg
	! grep -E "$KB_SPLAT" /tmp/kb_dmesg
}

# kb_wait SECONDS CMD...: poll CMD every 0.2 s until it succeeds; says
# "@@alive" every 5 s meanwhile, which tells the L1 that this long silence
# is a wait (kb_l2 neither prints it nor nudges the port after it)
kb_wait() {
	local n=$(($1 * 5))

	shift
	until "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		[ $((n % 25)) -ne 0 ] || echo "@@alive"
		sleep 0.2
	done
}

# kb_running: a run is in progress (control's state is "running ...")
kb_running() {
	case $(kb_val "$KB_D/control" state) in
	running*) return 0 ;;
	*) return 1 ;;
	esac
}

# kb_params_bad ARG|MESSAGE...: insmod kvmbench ARG fails, leaves no
# module, and logs "kvmbench: MESSAGE" (an empty MESSAGE: the kernel's own
# parameter parser names the parameter)
kb_params_bad() {
	local p arg msg fail=0

	dmesg -c >/dev/null
	for p in "$@"; do
		arg=${p%%|*} msg=${p#*|}
		if insmod /kvmbench/kvmbench.ko "$arg" 2>/dev/null; then
			echo "FAIL: insmod kvmbench $arg loaded"
			rmmod kvmbench
			fail=1
			continue
		fi
		if [ -d /sys/module/kvmbench ]; then
			echo "FAIL: kvmbench loaded with $arg"
			fail=1
		fi
		dmesg -c | sed 's/^\[[^]]*\] //' >/tmp/kb_log
		if [ -n "$msg" ]; then
			grep -qxF "kvmbench: $msg" /tmp/kb_log ||
				{ echo "FAIL: $arg: no 'kvmbench: $msg' in the log"; fail=1; }
		else
			grep -q "invalid for parameter" /tmp/kb_log ||
				{ echo "FAIL: $arg: the parameter parser said nothing"; fail=1; }
		fi
	done
	[ "$fail" = 0 ] && echo "ok: $# out-of-range parameters refused"
	return "$fail"
}

# kb_params_good "ARG..."...: insmod kvmbench ARG... loads (and unloads)
kb_params_good() {
	local args

	for args in "$@"; do
		# shellcheck disable=SC2086 # one word per parameter
		insmod /kvmbench/kvmbench.ko $args || { echo "FAIL: insmod kvmbench $args"; return 1; }
		rmmod kvmbench || return 1
	done
	echo "ok: $# sets of in-range parameters load"
}
