#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmtop against the real kvmtrace module, with two real VMs: QEMU
# booting a nested Linux guest (1 vCPU: a 6.1 guest does not bring up a
# second one under TCG's icount; "-name guest=web1"), and vmload
# (a VMM of ours, 2 vCPUs, a known mix of exits).
#
# - error paths: module not loaded, not root, debugfs not mounted, a bad
#   argument: their messages and exit codes;
# - while both VMs run: the screen of rates (-b) and --hist over one
#   interval show both, with QEMU's guest name;
# - with both stopped (SIGSTOP takes every vCPU thread out of KVM_RUN, so
#   the files stand still): --json, --prometheus (OpenMetrics) and
#   --prometheus=text equal the debugfs files of every VM and vCPU, read
#   directly just before and just after kvmtop (tools/testdata/compare.py,
#   the comparison the fake trees get), exactly; --hist draws every
#   histogram of vmload's VM with the JSON's counts; the text screen;
# - the interactive screen under tmux: a terminal narrowed to 80 columns
#   (nothing wider, nothing wrapped), sort, filter, drill-down and help
#   keys, and "r", which resets the counters through control;
# - short-lived VMs created and destroyed while kvmtop samples;
# - the module unloaded: exit code 5.
#
# Every view is printed as it was seen (lines starting with "| "), so a
# run's log shows kvmtop on this kernel.
#
# $PYTHON (default /usr/bin/python3, the one Debian's
# python3-prometheus-client is for) runs compare.py.

. "$KVMTUNE_REPO/selftests/lib/kvmtrace.sh"
# shellcheck source=../../tools/testdata/tmux.sh
. "$KVMTUNE_REPO/tools/testdata/tmux.sh"

kvmtop=$KVMTUNE_BUILD/tools/kvmtop
compare=$KVMTUNE_REPO/tools/testdata/compare.py
python=${PYTHON:-/usr/bin/python3}
tmp=$KVMTRACE_OUT

cleanup() {
	tmux_stop
	kvmtrace_cleanup
}
trap cleanup EXIT

kvmtrace_test_init "$KVMTRACE_KO" "$KVMTUNE_VMLOAD" "$kvmtop"
[ -f "$KVMTUNE_L2_INITRD" ] || kvmtune_fail "nested initramfs $KVMTUNE_L2_INITRD missing"
"$python" -c 'import prometheus_client' ||
	kvmtune_fail "$python has no prometheus_client (python3-prometheus-client; make deps)"
command -v tmux >/dev/null || kvmtune_fail "tmux missing (make deps)"
command -v setpriv >/dev/null || kvmtune_fail "setpriv (util-linux) missing"

# show WHAT FILE: print a view as seen, for the log
show() {
	echo "# $1:"
	sed 's/^/| /' "$2"
}

# expect_fail WHAT RC REGEX CMD...: CMD exits RC with stderr matching REGEX
expect_fail() {
	local what=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	cat "$tmp/err"
	kvmtune_expect_eq "$what: exit code" "$want" "$rc"
	grep -Eq "$re" "$tmp/err" || kvmtune_fail "$what: message does not match '$re'"
}

kvmtune_step "error paths"
expect_fail "module not loaded" 5 'kvmtrace module is not loaded.*insmod kvmtrace\.ko' \
	"$kvmtop" --once --totals --json
insmod "$KVMTRACE_KO" || kvmtune_fail "insmod $KVMTRACE_KO"
[ -d "$KVMTRACE_D/vms" ] || kvmtune_fail "$KVMTRACE_D/vms missing after insmod"
expect_fail "not root" 3 'must be run as root' \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$kvmtop" --once --totals
expect_fail "debugfs not mounted" 4 'debugfs is not mounted' \
	unshare -m sh -c "umount -l /sys/kernel/debug && exec '$kvmtop' --once --totals"
expect_fail "bad argument" 2 "bad delay 'nope'" "$kvmtop" --delay nope

kvmtune_step "two VMs: QEMU with -name, and vmload"
# QEMU first: under TCG, vmload's busy vCPUs would slow its boot
qemu-system-x86_64 -enable-kvm -cpu host -smp 1 -m 256M \
	-name guest=web1,process=qemu-web1 \
	-M microvm,x-option-roms=off,rtc=off -nodefaults -no-user-config \
	-display none -no-reboot -serial stdio \
	-kernel "$KVMTUNE_VMLINUZ" -initrd "$KVMTUNE_L2_INITRD" \
	-append "console=ttyS0 panic=-1 quiet" </dev/null >"$tmp/l2.log" 2>&1 &
kvmtrace_vm_pids[l2]=$!
qpid=${kvmtrace_vm_pids[l2]}
# its VM directory, once the guest's vCPU has run
l2_up() {
	local d
	for d in "$KVMTRACE_D"/vms/"$qpid"-*; do
		[ -f "$d/vcpu0/exits" ] && l2=${d##*/} && return 0
	done
	return 1
}
kvmtune_poll_deadline 60 l2_up ||
	{ tail -n 5 "$tmp/l2.log"; kvmtune_fail "no kvmtrace directory for QEMU ($qpid)"; }
# a few seconds of its boot
sleep 5
kvmtrace_vm_start load -v 2 --pio 30 --mmio 20 --cpuid 10 --hlt 5 --tscdl 10 --msr 5
load=$(kvmtrace_vm load)
kvmtune_poll_deadline 30 test -f "$KVMTRACE_D/vms/$load/vcpu1/exits" ||
	kvmtune_fail "no kvmtrace directory $load with 2 vCPUs for vmload's VM"
echo "VMs: vmload $load, QEMU $l2"

kvmtune_step "views of rates, both VMs running"
"$kvmtop" -b --once -d 2 -t 6 >"$tmp/rates" || kvmtune_fail "kvmtop -b --once exited $?"
show "kvmtop -b --once -d 2 -t 6" "$tmp/rates"
grep -q "^kvmtop [0-9:]*  interval [0-9.]* s  VMs 2  vCPUs 3  exits [0-9]*/s  sort rate$" "$tmp/rates" ||
	kvmtune_fail "the header of rates"
grep -q "^VM $l2  guest web1  pid $qpid  vcpus 1  exits [0-9]*/s  in KVM [0-9.]*%  in VMM [0-9.]*%$" "$tmp/rates" ||
	kvmtune_fail "QEMU's VM line, with its guest name"
grep -q "^VM $load  pid ${load%%-*}  vcpus 2  exits [1-9][0-9]*/s" "$tmp/rates" ||
	kvmtune_fail "vmload's VM line: no exits in the interval"
"$kvmtop" --hist --once -d 1 -p "$qpid" >"$tmp/hist-rates" || kvmtune_fail "kvmtop --hist --once exited $?"
show "kvmtop --hist --once -d 1 -p $qpid" "$tmp/hist-rates"
grep -q '^kvmtop: histograms of the last [0-9.]* s' "$tmp/hist-rates" || kvmtune_fail "--hist over an interval"

kvmtune_step "both VMs stopped: outputs against debugfs"
kvmtrace_vm_stop load
kvmtrace_vm_stop l2
# kvmtop's --json, --prometheus and --prometheus=text against the files,
# read directly just before and just after them, in rounds until the two
# reads are equal
"$python" "$compare" live "$KVMTRACE_D" "$kvmtop" "$tmp" "$l2=web1" ||
	kvmtune_fail "kvmtop differs from debugfs"
"$kvmtop" --hist --once --totals -p "${load%%-*}" >"$tmp/top.hist" || kvmtune_fail "kvmtop --hist exited $?"
cmp <(grep -v '^#' "$tmp/top.prom") <(grep -v '^#' "$tmp/top.text") ||
	kvmtune_fail "--prometheus and --prometheus=text have different samples"

# The VMs with their vCPUs and names, time in the kernel and in userspace;
# --hist draws each histogram of vmload's VM with the JSON's counts.
"$python" - "$tmp/top.json" "$tmp/top.hist" "$load" "$l2" <<'EOF' || kvmtune_fail "the VMs in kvmtop"
import json, re, sys
doc, hist = json.load(open(sys.argv[1])), open(sys.argv[2]).read()
vms = {v['name']: v for v in doc['vms']}
load, l2 = vms[sys.argv[3]], vms[sys.argv[4]]
assert sorted(vms) == sorted([sys.argv[3], sys.argv[4]]), list(vms)
assert load['guest'] is None and l2['guest'] == 'web1', (load['guest'], l2['guest'])
for vm, n in ((load, 2), (l2, 1)):
    assert len(vm['vcpus']) == n, (vm['name'], len(vm['vcpus']))
    assert vm['stats']['exit_ns'] > 0 and vm['latency'], f'{vm["name"]}: no time in the kernel'
    assert vm['stats']['user_exit_ns'] > 0 and vm['user_latency'], f'{vm["name"]}: no time in the VMM'
want = {}
for f in ('latency', 'user_latency'):
    for x in load[f]:
        r = 'OTHER' if x['code'] is None else f'{x["name"]} 0x{x["code"]:x}'
        want[f'{f}_ns[{load["name"]}, {r}]'] = x['count']
for h in ('exit_hist', 'halt_hist'):
    if load['hlt'][h]['count']:
        want[f'{h}_ns[{load["name"]}]'] = load['hlt'][h]['count']
got = {m.group(1): int(m.group(2)) for m in re.finditer(r'^@(\S+\[[^]]*\]): count (\d+)', hist, re.M)}
assert got == want, f'--hist {got} != {want}'
for vm in (load, l2):
    print(f'ok: {vm["name"]}: {vm["exits_total"]} exits, {len(vm["latency"])} reasons in the kernel, '
          f'{len(vm["user_latency"])} in userspace, {len(vm["msrs"])} MSRs')
print(f'ok: --hist: {len(got)} histograms of {load["name"]} drawn')
c = load['vcpus'][0]
c['latency'], c['user_latency'] = c['latency'][:1], c['user_latency'][:1]
c['exits'], c['msrs'] = c['exits'][:2], c['msrs'][:2]
print("# kvmtop --once --totals --json (vmload's vCPU 0, shortened):")
print('\n'.join('| ' + l for l in json.dumps(c, indent=2).splitlines()))
EOF

# The screens of the same moment, as a pipe gets them: no ANSI codes.
"$kvmtop" --once --totals >"$tmp/screen" || kvmtune_fail "kvmtop --once --totals exited $?"
show "kvmtop --once --totals" "$tmp/screen"
grep -q "^VM $l2  guest web1  pid $qpid  vcpus 1  exits [1-9]" "$tmp/screen" || kvmtune_fail "QEMU's VM on the screen"
grep -q "^VM $load  pid ${load%%-*}  vcpus 2  exits [1-9]" "$tmp/screen" || kvmtune_fail "vmload's VM on the screen"
grep -q $'\033' "$tmp/screen" && kvmtune_fail "ANSI codes on a pipe"
"$kvmtop" --once --totals -V -t 3 -p "${load%%-*}" >"$tmp/screen-v" || kvmtune_fail "kvmtop -V exited $?"
show "kvmtop --once --totals -V -t 3 -p ${load%%-*}" "$tmp/screen-v"
for c in 0 1; do
	grep -q "^vCPU $c of $load  exits [1-9]" "$tmp/screen-v" || kvmtune_fail "-V: no block for vCPU $c"
done
show "kvmtop --hist --once --totals -p ${load%%-*}" "$tmp/top.hist"
show "kvmtop --prometheus (its first 40 lines)" <(head -n 40 "$tmp/top.prom")
# family F FILE: F's comment lines, and of its first series the first
# six buckets with exits and +Inf
family() {
	awk -v f="$1" '$0 ~ "^# [A-Z]+ " f "(_bucket)? " { print; next }
		index($0, f "_bucket{") == 1 {
			k = $0; sub(/,le=.*/, "", k); if (first == "") first = k
			if (k == first && $NF > 0 && (n++ < 6 || $0 ~ /le="\+Inf"/)) print
		}' "$2"
}
show "kvmtop --prometheus (a histogram, shortened)" \
	<(family kvmtrace_vm_user_exit_duration_seconds "$tmp/top.prom")
show "kvmtop --prometheus=text (its first 24 lines)" <(head -n 24 "$tmp/top.text")
show "kvmtop --prometheus=text (a histogram, shortened)" \
	<(family kvmtrace_vm_user_exit_duration_seconds "$tmp/top.text")
kvmtune_step "the interactive screen, under tmux"
tmux_start "$tmp" 150 60 "$kvmtop" --totals -d 0.5
tmux_wait 60 "^VM $l2  guest web1  pid $qpid  vcpus 1  exits [1-9]" || kvmtune_fail "kvmtop's screen"
tmux_screen >"$tmp/tty"
show "kvmtop --totals, interactive (150x60)" "$tmp/tty"
tail -n 1 "$tmp/tty" | grep -q '^s:sort f:filter d:drill u:up r:reset t:totals h:help q:quit' ||
	kvmtune_fail "the key line is not the last row"
# narrower: columns go, nothing wraps
tmux_resize 80 30
w=$(tmux_wait_fit 30 80) || { echo "$w"; kvmtune_fail "kvmtop does not fit 80 columns"; }
echo "ok: the widest line at 80 columns: $w"
tmux_screen >"$tmp/tty"
show "the same, 80x30" "$tmp/tty"
tmux_resize 150 60
tmux_keys s s s
tmux_wait 30 '  sort p99$' || kvmtune_fail "s: sort p99"
# f shows the VMs one by one, by name
tmux_keys f
[ "$(printf '%s\n' "$load" "$l2" | LC_ALL=C sort | head -n 1)" = "$load" ] || tmux_keys f
tmux_wait 30 "  sort p99  filter $load\$" || kvmtune_fail "f: only $load"
tmux_keys d
tmux_wait 30 "  vCPUs of $load\$" || kvmtune_fail "d: the vCPUs of $load"
tmux_wait 30 "^vCPU 1 of $load  exits [1-9]" || kvmtune_fail "d: the block of vCPU 1"
tmux_screen >"$tmp/tty"
show "keys s s s f d: sort p99, only $load, its vCPUs" "$tmp/tty"
tmux_keys u u h
tmux_wait 30 '^kvmtop keys \(no Enter needed\)$' || kvmtune_fail "h: help"
tmux_screen >"$tmp/tty"
show "key h: the help" "$tmp/tty"
# "r" resets the counters through control: the stopped VMs' files read
# zero at once (each vCPU zeroes its own on its next event; until then
# they read as zero)
tmux_keys x r
tmux_wait 30 'counters reset \(wrote "reset" to /sys/kernel/debug/kvmtrace/control\)' ||
	kvmtune_fail "r: no reset"
kvmtune_expect_eq "$load/exits after r" "" "$(cat "$KVMTRACE_D/vms/$load/exits")"
kvmtune_expect_eq "$load/stats exits after r" "exits 0" "$(grep '^exits ' "$KVMTRACE_D/vms/$load/stats")"
tmux_wait 30 "^VM $load  pid ${load%%-*}  vcpus 2  exits 0  " || kvmtune_fail "the screen after reset"
tmux_keys q
kvmtune_expect_eq "kvmtop's exit status after q" 0 "$(tmux_done 30)"
tmux_stop
kill -KILL "$qpid"
wait "$qpid" 2>/dev/null
unset 'kvmtrace_vm_pids[l2]'
kvmtrace_vm_end load

kvmtune_step "VMs created and destroyed while kvmtop samples"
"$kvmtop" --json -d 0.1 >"$tmp/churn.json" 2>"$tmp/churn.err" &
top=$!
for i in 1 2 3 4 5 6; do
	"$KVMTUNE_VMLOAD" -v 2 --pio 5 --hlt 1 --loops 300 --quiet ||
		kvmtune_fail "vmload $i (of 6 short-lived VMs) failed"
done
# SIGTERM: background jobs of a script start with SIGINT ignored
kill -TERM $top
wait $top
rc=$?
cat "$tmp/churn.err"
kvmtune_expect_eq "kvmtop after SIGTERM during VM churn: exit code" 0 "$rc"
"$python" -c '
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
names = {v["name"] for d in docs for v in d["vms"]}
seen = sum(1 for d in docs if d["vms"])
assert len(docs) >= 5 and len(names) >= 2, (len(docs), names)
print(f"ok: {len(docs)} JSON documents during churn, {seen} with VMs, {len(names)} VMs seen")
' "$tmp/churn.json" || kvmtune_fail "kvmtop JSON during VM churn"

kvmtune_step "module gone"
rmmod kvmtrace || kvmtune_fail "rmmod kvmtrace"
expect_fail "module unloaded" 5 'not loaded.*insmod kvmtrace\.ko' "$kvmtop" --once
kvmtune_step end
echo "kvmtop: all checks passed"
