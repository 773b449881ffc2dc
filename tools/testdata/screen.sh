#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmtop's interactive screen for real: kvmtop runs in a tmux window on the
# fake tree next to this script; keys are sent with send-keys (no Enter) and
# the screen is read with capture-pane.  Sort, filter, drill-down, reset
# (what it wrote to control), totals, help, unknown keys, a terminal that
# narrows and widens, and quitting with q and Ctrl-C (exit 0, the terminal
# given back in cooked mode, the alternate screen left).
#
# Usage: screen.sh KVMTOP

set -u

kvmtop=$(realpath "${1:?usage: screen.sh KVMTOP}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tmux.sh
. "$here/tmux.sh"
tmp=$(mktemp -d)
trap 'tmux_stop; rm -rf "$tmp"' EXIT
fails=0
passes=0
# seconds to wait for a screen: a bound for hangs, not a speed (the
# machine may be busy)
wait=30

ok() { echo "ok: $*"; passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# step WHAT KEYS ERE: send KEYS (words: tmux key names or characters),
# then the screen must match ERE
step() {
	local what=$1 re=$3 keys
	read -ra keys <<<"$2"
	[ ${#keys[@]} -gt 0 ] && tmux_keys "${keys[@]}"
	if tmux_wait $wait "$re"; then ok "$what"; else bad "$what"; fi
}

# lacking WHAT ERE: the screen does not match ERE
lacking() {
	if tmux_screen | grep -Eq -- "$2"; then
		bad "$1"
		tmux_screen | sed 's/^/  | /'
	else
		ok "$1"
	fi
}

# first_vm: the first VM of the screen
first_vm() {
	tmux_screen | awk '/^VM /{ print $2; exit }'
}

# reason_rows VM: the rows of VM's reason table on the screen
reason_rows() {
	tmux_screen | awk -v vm="$1" '/^VM /{ b = $2 == vm } b && /^  REASON /{ t = 1; next }
		/^  [A-Z_]+ +(CODE|WRITES)|^  hlt:/{ t = 0 } b && t { n++ } END { print n + 0 }'
}

# rows WHAT VM N: VM's reason table gets N rows
rows() {
	local end=$((SECONDS + wait)) n
	while n=$(reason_rows "$2") && [ "$n" != "$3" ]; do
		if [ $SECONDS -ge $end ]; then
			bad "$1: $n rows, not $3"
			return
		fi
		sleep 0.1
	done
	ok "$1"
}

# fits WHAT COLS: no line of the screen is wider than COLS, even joined,
# once kvmtop has redrawn it after a resize
fits() {
	local w
	if w=$(tmux_wait_fit $wait "$2"); then
		ok "$1 (widest line $w)"
	else
		bad "$1"
		echo "$w"
	fi
}

cp -a "$here/kvmtrace" "$tmp/tree"
tree=$tmp/tree
: >"$tree/control"
mkdir -p "$tmp/proc/4242"
printf 'qemu-system-x86_64\0-name\0web\0' >"$tmp/proc/4242/cmdline"
# kvmtop, then the terminal's modes as it left them
# shellcheck disable=SC2016 # expanded by that bash
run=(bash -c '"$@"; rc=$?; stty -a >"$STTY"; exit $rc' - "$kvmtop" --root "$tree" --proc "$tmp/proc")
export STTY=$tmp/stty

tmux_start "$tmp" 160 50 "${run[@]}" --totals -d 0.3
step "first screen: totals, sort rate, the key line" "" \
	'^kvmtop [0-9:]+  totals  VMs 2  vCPUs 3  exits 1324321  sort rate$'
step "key line on the last row" "" 's:sort f:filter d:drill u:up r:reset t:totals h:help q:quit'
if [ "$(tmux_screen | tail -n 1 | cut -c1-20)" = "s:sort f:filter d:dr" ]; then
	ok "the key line is the last row"
else
	bad "the key line is not the last row"
fi
step "guest name next to the pid" "" '^VM 4242-12  guest web  pid 4242  vcpus 2  exits 1320876'

# sort keys: s forward, S back; p99 puts 5150 first, its IOIO before NPF
step "s: sort exits" s ' sort exits$'
step "s: sort time" s ' sort time$'
step "s: sort p99" s ' sort p99$'
if [ "$(first_vm)" = 5150-kvm3 ]; then ok "p99: 5150-kvm3 first"; else bad "p99: $(first_vm) first"; fi
step "p99: reasons by p99" "" '^  IOIO +0x7b'
if tmux_screen | grep -A2 '^VM 5150' | tail -n 1 | grep -q '^  IOIO '; then
	ok "p99: IOIO heads 5150's reasons"
else
	bad "p99: IOIO does not head 5150's reasons"
fi
step "S: back to time" S ' sort time$'
if [ "$(first_vm)" = 4242-12 ]; then ok "time: 4242-12 first"; else bad "time: $(first_vm) first"; fi

# filter: f walks the VMs by name, then all again
step "f: only 4242-12" f ' sort time  filter 4242-12$'
lacking "f: 5150-kvm3 hidden" '^VM 5150'
step "f: only 5150-kvm3" f ' filter 5150-kvm3$'
lacking "f: 4242-12 hidden" '^VM 4242'
step "f: all VMs again" f ' sort time$'
step "f: both VMs shown" "" '^VM 5150-kvm3'

# drill-down: into the busiest VM by the sort key, up twice
step "d: the vCPUs of the busiest VM" d ' vCPUs of 4242-12$'
step "d: a block per vCPU" "" '^vCPU 1 of 4242-12  exits 659934  in KVM 478ms  in VMM 1.51s$'
lacking "d: no vCPU table" '^  VCPU '
step "u: back to the filtered VM" u ' filter 4242-12$'
step "u: the vCPU table again" "" '^  VCPU +EXITS'
step "u: all VMs" u ' sort time$'
step "f, Enter: drill into 5150-kvm3" "f f Enter" ' vCPUs of 5150-kvm3$'
step "Escape: up" Escape ' filter 5150-kvm3$'
step "Backspace: up" BSpace ' sort time$'

# reset: written to control, said on the key line
step "r: reset" r "counters reset \\(wrote \"reset\" to $tree/control\\)"
if [ "$(cat "$tree/control")" = reset ]; then
	ok "r: wrote \"reset\" to control"
else
	bad "r: control holds '$(cat "$tree/control")'"
fi
step "a key clears the message" s 's:sort f:filter'
step "t: rates" t '^kvmtop [0-9:]+  interval 0\.[0-9]+ s  VMs 2  vCPUs 3  exits 0/s  sort p99$'
step "t: totals" t '  totals  VMs 2'
rows "-t 5: five reasons" 4242-12 5
tmux_keys +
rows "+: six reasons" 4242-12 6
step "+: OTHER, the sixth" "" '^  OTHER +- '
tmux_keys -
rows "-: five again" 4242-12 5
step "h: help" h '^kvmtop keys \(no Enter needed\)$'
step "help: the sort keys" "" '^  p99 +99th percentile of the exit handling time$'
step "any key leaves the help" x '^kvmtop [0-9:]+  totals'
step "an unknown key" z 'unknown key; h for help'

# the terminal narrows: columns narrow, then go; nothing wraps
fits "160 columns" 160
tmux_resize 60 30
step "narrowed to 60: redrawn" "" '^  REASON +EXITS'
fits "60 columns" 60
lacking "60 columns: P50 dropped" ' P50 '
lacking "60 columns: CODE dropped" 'REASON +CODE'
tmux_resize 40 20
step "narrowed to 40" "" '^  REASON +EXITS'
fits "40 columns" 40
tmux_resize 200 50
step "widened to 200: every column back" "" '^  REASON +CODE +EXITS +EXIT% +TIME% +AVG +P50 +P99 +MAX$'
fits "200 columns" 200

tmux_keys q
rc=$(tmux_done $wait)
if [ "$rc" = 0 ]; then ok "q: exit 0"; else bad "q: exit '$rc'"; fi
if grep -qE '(^| )icanon ' "$STTY" && grep -qE '(^| )echo ' "$STTY"; then
	ok "q: the terminal is back in cooked mode"
else
	bad "q: the terminal was left raw: $(head -c 400 "$STTY")"
fi
lacking "q: the alternate screen is left" '^kvmtop '
tmux_stop

# Ctrl-C: also exit 0, terminal restored
tmux_start "$tmp" 100 30 "${run[@]}" -d 0.3
step "rates: the first screen after one interval" "" '^kvmtop [0-9:]+  interval '
tmux_keys C-c
rc=$(tmux_done $wait)
if [ "$rc" = 0 ]; then ok "Ctrl-C: exit 0"; else bad "Ctrl-C: exit '$rc'"; fi
if grep -qE '(^| )icanon ' "$STTY"; then ok "Ctrl-C: cooked mode"; else bad "Ctrl-C: raw mode left"; fi
tmux_stop

# not interactive: --once on a narrow terminal fits it too
tmux_start "$tmp" 50 60 "$kvmtop" --root "$tree" --once --totals
rc=$(tmux_done $wait)
if [ "$rc" = 0 ]; then ok "--once on a terminal: exit 0"; else bad "--once: exit '$rc'"; fi
fits "--once, 50 columns" 50
step "--once: narrowed reason table" "" '^  REASON +EXITS'
tmux_stop

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
