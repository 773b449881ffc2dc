#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmtop against the real kvmtrace module: its JSON (--once --totals) must
# equal the debugfs files of every VM and vCPU, read directly just before
# and just after it; and its error paths (module not loaded, not root,
# debugfs not mounted) must give their messages and exit codes.
#
# The compared VM is quiescent, so the comparison is exact: the workload
# (vmload looping for --seconds, or else a nested Linux guest) runs until
# kvmtrace shows all its vCPUs, then gets SIGSTOP, which takes every vCPU
# thread out of KVM_RUN while the VM still exists (no in-kernel irqchip
# either way for vmload; the nested guest's timers cannot run a stopped
# vCPU).  A snapshot only counts when debugfs read the same before and
# after kvmtop.
# Then exit_counts creates and destroys VMs while kvmtop samples in a loop.

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

kvmtop=$KVMTUNE_BUILD/tools/kvmtop
ko=$KVMTUNE_KMOD/kvmtrace/kvmtrace.ko
root=/sys/kernel/debug/kvmtrace
vmload=$KVMTUNE_BUILD/selftests/kvm/vmload
exit_counts=$KVMTUNE_BUILD/selftests/kvm/exit_counts
tmp=${TMPDIR:-/tmp}/kvmtop.$$
nr_vcpus=2

[ -x "$kvmtop" ] || kt_fail "$kvmtop missing (make tools)"
[ -f "$ko" ] || kt_fail "$ko missing (make kmod-line)"
[ -c /dev/kvm ] || kt_fail "/dev/kvm missing"
command -v python3 >/dev/null || kt_fail "python3 missing"
kt_loaded kvmtrace && kt_fail "kvmtrace is already loaded; this test loads it itself"

guest=
inserted=
cleanup() {
	if [ -n "$guest" ]; then
		kill -KILL "$guest" 2>/dev/null
		wait "$guest" 2>/dev/null
	fi
	[ -n "$inserted" ] && rmmod kvmtrace
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp"

# expect_fail WHAT RC REGEX CMD...: CMD exits RC with stderr matching REGEX
expect_fail() {
	local what=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	cat "$tmp/err"
	kt_expect_eq "$what: exit code" "$want" "$rc"
	grep -Eq "$re" "$tmp/err" || kt_fail "$what: message does not match '$re'"
}

# ---- error paths --------------------------------------------------------

expect_fail "module not loaded" 5 'kvmtrace module is not loaded.*insmod kvmtrace\.ko' \
	"$kvmtop" --once --totals --json

insmod "$ko" || kt_fail "insmod $ko"
inserted=1
[ -d "$root/vms" ] || kt_fail "$root/vms missing after insmod"

expect_fail "not root" 3 'must be run as root' \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$kvmtop" --once --totals
expect_fail "debugfs not mounted" 4 'debugfs is not mounted' \
	unshare -m sh -c "umount -l /sys/kernel/debug && exec '$kvmtop' --once --totals"
expect_fail "bad argument" 2 'USAGE' "$kvmtop" --delay nope

# ---- a quiescent VM -------------------------------------------------------

# wait_for SECS CMD...: poll CMD every 0.2 s
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

vm_has_vcpus() {
	local d
	for d in "$root"/vms/"$guest"-*; do
		[ -f "$d/vcpu$((nr_vcpus - 1))/exits" ] && return 0
	done
	return 1
}

if [ -x "$vmload" ]; then
	echo "workload: vmload, $nr_vcpus vCPUs, stopped with SIGSTOP"
	"$vmload" -v $nr_vcpus --pio 30 --mmio 20 --cpuid 10 --hlt 5 --tscdl 10 \
		--msr 5 --seconds 120 --ready-file "$tmp/ready" >"$tmp/vmload.log" 2>&1 &
	guest=$!
	wait_for 60 test -s "$tmp/ready" ||
		{ cat "$tmp/vmload.log"; kt_fail "vmload did not get ready"; }
	read -r _ rpid _ rfd <"$tmp/ready"
	kt_expect_eq "vmload ready file pid" "$guest" "$rpid"
	wait_for 30 test -f "$root/vms/$rpid-$rfd/vcpu$((nr_vcpus - 1))/exits" ||
		kt_fail "no kvmtrace directory $rpid-$rfd with $nr_vcpus vCPUs for vmload's VM"
	sleep 1
	kill -STOP "$guest" || kt_fail "vmload exited early"
	sleep 1
else
	echo "workload: nested guest stopped with SIGSTOP ($vmload missing)"
	[ -f "$KVMTUNE_L2_INITRD" ] || kt_fail "nested initramfs $KVMTUNE_L2_INITRD missing"
	qemu-system-x86_64 -enable-kvm -cpu host -smp $nr_vcpus -m 256M \
		-M microvm,x-option-roms=off,rtc=off -nodefaults -no-user-config \
		-display none -no-reboot -serial stdio \
		-kernel "$KVMTUNE_VMLINUZ" -initrd "$KVMTUNE_L2_INITRD" \
		-append "console=ttyS0 panic=-1 quiet" </dev/null >"$tmp/l2.log" 2>&1 &
	guest=$!
	wait_for 120 vm_has_vcpus ||
		{ tail -n 5 "$tmp/l2.log"; kt_fail "no kvmtrace directory with $nr_vcpus vCPUs for the nested guest"; }
	sleep 2
	kill -STOP "$guest" || kt_fail "nested guest exited early"
	sleep 1
fi

# snapshot.py OUT: every VM's and vCPU's files, read directly
cat >"$tmp/snapshot.py" <<'EOF'
import json, os, sys

root = '/sys/kernel/debug/kvmtrace'

def rows(path):
    return [l.split() for l in open(path).read().splitlines()]

def scope(d):
    kv = lambda f: {t[0]: int(t[1]) for t in rows(f'{d}/{f}') if len(t) == 2}
    return {
        'exits': sorted([int(c, 16), n, int(k)] for n, c, k in rows(f'{d}/exits')),
        'msrs': sorted([int(i, 16), None if n == '-' else n, int(w), int(r)]
                       for i, n, w, r in rows(f'{d}/msrs')),
        'hlt': kv('hlt'),
        'wakeups': kv('wakeups'),
    }

out = {}
for vm in sorted(os.listdir(f'{root}/vms')):
    d = f'{root}/vms/{vm}'
    out[vm] = scope(d)
    out[vm]['vcpus'] = {int(v[4:]): scope(f'{d}/{v}') for v in sorted(os.listdir(d))
                        if v.startswith('vcpu') and v[4:].isdigit()}
json.dump(out, open(sys.argv[1], 'w'), sort_keys=True)
EOF

# fromtop.py JSON OUT: kvmtop's document in the same shape, plus checks of
# its own consistency
cat >"$tmp/fromtop.py" <<'EOF'
import json, sys

doc = json.load(open(sys.argv[1]))
assert doc['version'] == 1 and doc['interval'] is None

def scope(s):
    assert s['exits_total'] == sum(e['count'] for e in s['exits'])
    assert all(e['rate'] is None for e in s['exits'])
    return {
        'exits': sorted([e['code'], e['name'], e['count']] for e in s['exits']),
        'msrs': sorted([m['index'], m['name'], m['writes'], m['reads']] for m in s['msrs']),
        'hlt': {k: v for k, v in s['hlt'].items() if k != 'rate'},
        'wakeups': {k: s['wakeups'][k] for k in ('piw', 'other')},
    }

out = {}
for vm in doc['vms']:
    assert vm['pid'] == int(vm['name'].split('-')[0])
    out[vm['name']] = scope(vm)
    out[vm['name']]['vcpus'] = {c['id']: scope(c) for c in vm['vcpus']}
assert doc['summary']['vms'] == len(out), (doc['summary']['vms'], len(out))
json.dump(out, open(sys.argv[2], 'w'), sort_keys=True)
EOF

# compare.py A B GUEST NR_VCPUS: equal, and the guest's VM is there
cat >"$tmp/compare.py" <<'EOF'
import json, sys

a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
guest, nr = sys.argv[3], int(sys.argv[4])
for vm in sorted(set(a) | set(b)):
    if vm not in a or vm not in b:
        sys.exit(f'VM {vm}: only in {"kvmtop" if vm in b else "debugfs"}')
    for vcpu in [None] + sorted(set(a[vm]['vcpus']) | set(b[vm]['vcpus'])):
        x = a[vm] if vcpu is None else a[vm]['vcpus'].get(vcpu)
        y = b[vm] if vcpu is None else b[vm]['vcpus'].get(vcpu)
        where = vm + ('' if vcpu is None else f'/vcpu{vcpu}')
        if x is None or y is None:
            sys.exit(f'{where}: missing on one side')
        # newer modules may add hlt keys kvmtop does not know
        x = dict(x, hlt={k: x['hlt'].get(k) for k in y['hlt']})
        for k in ('exits', 'msrs', 'hlt', 'wakeups'):
            if x[k] != y[k]:
                sys.exit(f'{where} {k}: debugfs {x[k]} != kvmtop {y[k]}')
mine = [vm for vm in a if vm.split('-')[0] == guest]
if len(mine) != 1 or len(a[mine[0]]['vcpus']) != nr:
    sys.exit(f'guest VM of pid {guest} with {nr} vCPUs not found: {list(a)}')
vm = a[mine[0]]
print(f'{len(a)} VMs equal; {mine[0]}: {sum(e[2] for e in vm["exits"])} exits, '
      f'{len(vm["exits"])} reasons, {len(vm["msrs"])} MSRs, {nr} vCPUs')
EOF

stable=
for try in 1 2 3 4 5; do
	python3 "$tmp/snapshot.py" "$tmp/before.json" || kt_fail "reading debugfs"
	"$kvmtop" --once --totals --json >"$tmp/top.json" || kt_fail "kvmtop --once --totals --json exited $?"
	python3 "$tmp/snapshot.py" "$tmp/after.json" || kt_fail "reading debugfs"
	if cmp -s "$tmp/before.json" "$tmp/after.json"; then
		stable=1
		break
	fi
	echo "debugfs changed while kvmtop ran (try $try), again"
	sleep 1
done
[ -n "$stable" ] || kt_fail "the VM never became quiescent"
python3 "$tmp/fromtop.py" "$tmp/top.json" "$tmp/top-shape.json" ||
	kt_fail "kvmtop JSON is invalid or inconsistent"
python3 "$tmp/compare.py" "$tmp/before.json" "$tmp/top-shape.json" "$guest" $nr_vcpus ||
	kt_fail "kvmtop differs from debugfs"

# The text screen shows the guest's VM, without ANSI codes on a pipe.
"$kvmtop" --once --totals -p "$guest" >"$tmp/screen" || kt_fail "kvmtop --once --totals -p"
grep -q "^VM $guest-.* vcpus $nr_vcpus " "$tmp/screen" || { cat "$tmp/screen"; kt_fail "VM line missing"; }
grep -q $'\033' "$tmp/screen" && kt_fail "ANSI codes on a pipe"
echo "ok: text screen"

kill -KILL "$guest"
wait "$guest" 2>/dev/null
guest=

# ---- VMs created and destroyed while kvmtop samples ---------------------

if [ -x "$exit_counts" ]; then
	"$kvmtop" --json -d 0.1 >"$tmp/churn.json" 2>"$tmp/churn.err" &
	top=$!
	"$exit_counts" >"$tmp/exit_counts.log" 2>&1 || { cat "$tmp/exit_counts.log"; kt_fail "exit_counts failed"; }
	sleep 0.3
	# SIGTERM: background jobs of a script start with SIGINT ignored
	kill -TERM $top
	wait $top
	rc=$?
	cat "$tmp/churn.err"
	kt_expect_eq "kvmtop after SIGTERM during VM churn: exit code" 0 "$rc"
	python3 -c '
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
assert len(docs) >= 5, len(docs)
seen = sum(1 for d in docs if d["vms"])
print(f"ok: {len(docs)} JSON documents during churn, {seen} with VMs")
' "$tmp/churn.json" || kt_fail "kvmtop JSON during VM churn"
fi

# ---- module gone ----------------------------------------------------------

rmmod kvmtrace || kt_fail "rmmod kvmtrace"
inserted=
expect_fail "module unloaded" 5 'not loaded.*insmod kvmtrace\.ko' "$kvmtop" --once
echo "kvmtop: all checks passed"
