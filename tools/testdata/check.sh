#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side checks of kvmtop against the fake kvmtrace tree next to this
# script (no module, no root needed except for the non-root checks, which
# are skipped when not root or without setpriv).
#
# Usage: check.sh KVMTOP [--valgrind]
#   --valgrind   also run the sampling loops under valgrind (leaks = failure)

set -u

kvmtop=$(realpath "${1:?usage: check.sh KVMTOP [--valgrind]}")
vg=()
[ "${2:-}" = --valgrind ] && vg=(valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'kill $churn 2>/dev/null; chmod -R u+rwx "$tmp"; rm -rf "$tmp"' EXIT
churn=
fails=0

ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect_rc WHAT RC REGEX CMD...: exit code RC and stderr matching REGEX
expect_rc() {
	local what=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		bad "$what: exit $rc, expected $want ($(head -c 300 "$tmp/err"))"
	elif ! grep -Eq "$re" "$tmp/err"; then
		bad "$what: stderr does not match '$re': $(head -c 300 "$tmp/err")"
	else
		ok "$what (exit $rc)"
	fi
}

# compare.py ROOT JSON: every field of kvmtop's JSON against the files
cat >"$tmp/compare.py" <<'EOF'
import json, os, re, sys

root, doc = sys.argv[1], json.load(open(sys.argv[2]))

def lines(path):
    return [l.split() for l in open(path).read().splitlines()]

def kv(path):
    out = {}
    for t in lines(path):
        if len(t) == 2:
            out[t[0]] = int(t[1]) if t[1].isdigit() else t[1]
    return out

def check_scope(d, s, where):
    exits = sorted((int(c, 16), n, int(k)) for n, c, k in
                   (t for t in lines(d + '/exits') if len(t) == 3 and
                    re.fullmatch('0x[0-9a-f]+', t[1]) and t[2].isdigit()))
    got = [(e['code'], e['name'], e['count']) for e in s['exits']]
    assert got == exits, f'{where} exits {got} != {exits}'
    assert s['exits_total'] == sum(e[2] for e in exits), where
    msrs = sorted((int(i, 16), None if n == '-' else n, int(w), int(r))
                  for i, n, w, r in (t for t in lines(d + '/msrs') if len(t) == 4))
    got = [(m['index'], m['name'], m['writes'], m['reads']) for m in s['msrs']]
    assert got == msrs, f'{where} msrs {got} != {msrs}'
    hlt = kv(d + '/hlt')
    for k, v in s['hlt'].items():
        if k != 'rate':
            assert hlt[k] == v, f'{where} hlt {k}'
    wk = kv(d + '/wakeups')
    assert s['wakeups']['piw'] == wk['piw'] and s['wakeups']['other'] == wk['other'], where
    tot = wk['piw'] + wk['other']
    if tot:
        assert abs(s['wakeups']['piw_share'] - wk['piw'] / tot) < 1e-3, where
    assert s['stats'] == kv(d + '/stats'), f'{where} stats'
    if os.path.exists(d + '/npf'):
        npf = dict(s['npf'])
        assert npf.pop('rate') is None, where
        assert npf == kv(d + '/npf'), f'{where} npf'
    else:
        assert 'npf' not in s, where

pid = int(sys.argv[3]) if len(sys.argv) > 3 else None
assert doc['summary'] == kv(root + '/summary'), 'summary'
vms = sorted(v for v in os.listdir(root + '/vms')
             if pid is None or v.split('-')[0] == str(pid))
assert [v['name'] for v in doc['vms']] == vms, f"vms {[v['name'] for v in doc['vms']]} != {vms}"
for vm in doc['vms']:
    d = root + '/vms/' + vm['name']
    assert vm['pid'] == int(vm['name'].split('-')[0])
    check_scope(d, vm, vm['name'])
    ids = sorted(int(e[4:]) for e in os.listdir(d) if e.startswith('vcpu') and e[4:].isdigit())
    assert [c['id'] for c in vm['vcpus']] == ids, vm['name']
    for c in vm['vcpus']:
        check_scope(f"{d}/vcpu{c['id']}", c, f"{vm['name']}/vcpu{c['id']}")
print(f"{len(doc['vms'])} VMs, {sum(len(v['vcpus']) for v in doc['vms'])} vCPUs match")
EOF

cp -a "$here/kvmtrace" "$tmp/tree"
tree=$tmp/tree

# 1. cumulative JSON equals the files, field by field
if "$kvmtop" --root "$tree" --once --totals --json >"$tmp/t.json" &&
	python3 "$tmp/compare.py" "$tree" "$tmp/t.json"; then
	ok "totals JSON matches the tree"
else
	bad "totals JSON"
fi
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["interval"] is None and all(e["rate"] is None for v in d["vms"] for e in v["exits"])' "$tmp/t.json"; then
	ok "--totals --once: rates are null"
else
	bad "--totals rates not null"
fi

# 2. -p filter
if "$kvmtop" --root "$tree" --once --totals --json -p 5150 >"$tmp/p.json" &&
	python3 "$tmp/compare.py" "$tree" "$tmp/p.json" 5150; then
	ok "-p 5150"
else
	bad "-p filter"
fi

# 3. rates: +1000 MSR_WRITE on vcpu0 during the interval
"$kvmtop" --root "$tree" --once --json -d 1 >"$tmp/r.json" &
top=$!
sleep 0.4
sed -i 's/^MSR_WRITE 0x20 604721$/MSR_WRITE 0x20 605721/' "$tree/vms/4242-12/vcpu0/exits"
sed -i 's/^MSR_WRITE 0x20 1209442$/MSR_WRITE 0x20 1210442/' "$tree/vms/4242-12/exits"
sed -i 's/^piw 7$/piw 107/' "$tree/vms/4242-12/wakeups"
sed -i 's/^mmio 1000$/mmio 1010/' "$tree/vms/5150-kvm3/npf"
wait $top
if python3 - "$tmp/r.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
dt = d['interval']
assert 0.9 < dt < 2, dt
vm = [v for v in d['vms'] if v['name'] == '4242-12'][0]
c0 = vm['vcpus'][0]
e = {x['name']: x for x in c0['exits']}
assert abs(e['MSR_WRITE']['rate'] - 1000 / dt) < 0.01, (e['MSR_WRITE'], dt)
assert e['HLT']['rate'] == 0
assert abs(c0['exits_rate'] - 1000 / dt) < 0.01
assert abs(vm['exits_rate'] - 1000 / dt) < 0.01
assert abs(vm['wakeups']['rate']['piw'] - 100 / dt) < 0.01
assert vm['wakeups']['rate']['piw_share'] == 1.0
assert vm['vcpus'][1]['exits_rate'] == 0
assert vm['hlt']['rate']['halts'] == 0 and 'poll_ns' not in vm['hlt']['rate']
vm = [v for v in d['vms'] if v['name'] == '5150-kvm3'][0]
assert abs(vm['npf']['rate']['mmio'] - 10 / dt) < 0.01, vm['npf']
assert vm['npf']['rate']['fault'] == 0 and vm['npf']['mmio'] == 1010
EOF
then ok "rates over one interval"; else bad "rates"; fi

# 4. text screens: --once, --totals, -t, -n; no ANSI codes when not a tty
out=$("$kvmtop" --root "$tree" --once --totals -t 1)
if grep -q '^VM 4242-12  pid 4242  vcpus 2  exits 1321876$' <<<"$out" &&
	grep -q 'MSR_WRITE .* 0x20 .* 1210442 .*0x6e0 .*IA32_TSC_DEADLINE .* 1208811' <<<"$out" &&
	! grep -q 'EXTERNAL_INTERRUPT' <<<"$out" && grep -q '\.\.\. 1 more vCPUs' <<<"$out" &&
	! grep -q $'\033' <<<"$out"; then
	ok "text --totals -t 1"
else
	bad "text --totals"
	echo "$out"
fi
n=$("$kvmtop" --root "$tree" --json -d 0.05 -n 3 | wc -l)
if [ "$n" = 3 ]; then ok "-n 3 gives 3 documents"; else bad "-n 3 gave $n"; fi
n=$("$kvmtop" --root "$tree" --totals -d 0.05 -n 2 | grep -c '^kvmtop ')
if [ "$n" = 2 ]; then ok "-n 2 --totals gives 2 screens"; else bad "-n 2 gave $n screens"; fi

# 5. strings are escaped, unknown lines/keys/files tolerated
mkdir "$tree/vms/77-\"q\\z"$'\t'
cp "$tree/vms/5150-kvm3/"{exits,msrs,hlt,wakeups,stats} "$tree/vms/77-\"q\\z"$'\t'/
printf 'garbage line here\nX 0xzz 1\n\n' >>"$tree/vms/5150-kvm3/exits"
printf 'new_key 5\n' >>"$tree/vms/5150-kvm3/hlt"
if "$kvmtop" --root "$tree" --once --totals --json >"$tmp/e.json" &&
	python3 "$tmp/compare.py" "$tree" "$tmp/e.json"; then
	ok "escaping and malformed lines"
else
	bad "escaping / malformed lines"
fi
rm -rf "$tree/vms/77-"*

# 6. VMs appearing and disappearing while sampling (optionally valgrind)
(
	while :; do
		cp -a "$tree/vms/4242-12" "$tree/vms/.9-1" && mv "$tree/vms/.9-1" "$tree/vms/9-1"
		rm -f "$tree/vms/9-1/vcpu1/msrs"
		rm -rf "$tree/vms/9-1"
	done
) &
churn=$!
"${vg[@]}" "$kvmtop" --root "$tree" --json -d 0.01 -n 200 >"$tmp/c.json"
rc=$?
"${vg[@]}" "$kvmtop" --root "$tree" -d 0.01 -n 50 >/dev/null
rc2=$?
kill $churn
wait $churn 2>/dev/null
churn=
if [ $rc -eq 0 ] && [ $rc2 -eq 0 ] && python3 - "$tmp/c.json" <<'EOF'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
assert len(docs) == 200
seen = 0
for d in docs:
    for v in d['vms']:
        if v['name'] == '9-1':
            assert len(v['vcpus']) == 2, v['name']
            seen += 1
            assert v['exits_total'] == 1321876
print(f'9-1 complete in {seen} of 200 samples')
EOF
then ok "VM churn${vg[*]:+ under valgrind}"; else bad "VM churn (rc $rc/$rc2)"; fi

# 7. error paths and arguments
expect_rc "missing root" 5 'not loaded.*insmod kvmtrace.ko' "$kvmtop" --root "$tmp/nope" --once
expect_rc "root is a file" 5 'not a directory' "$kvmtop" --root "$tree/summary" --once
expect_rc "-d 0" 2 'bad delay' "$kvmtop" --root "$tree" -d 0
expect_rc "-t x" 2 'bad row count' "$kvmtop" --root "$tree" -t x
expect_rc "-p -1" 2 'bad pid' "$kvmtop" --root "$tree" -p -1
expect_rc "-n 0" 2 'bad count' "$kvmtop" --root "$tree" -n 0
expect_rc "extra arg" 2 'unexpected argument' "$kvmtop" --root "$tree" foo
expect_rc "unknown option" 2 'USAGE' "$kvmtop" --bogus
if "$kvmtop" --help | grep -q EXAMPLES; then ok "--help"; else bad "--help"; fi
mv "$tree/summary" "$tree/summary.x"
expect_rc "no summary" 5 'summary: not found' "$kvmtop" --root "$tree" --once --totals
mv "$tree/summary.x" "$tree/summary"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	asnobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	expect_rc "not root (default root)" 3 'must be run as root' "${asnobody[@]}" "$kvmtop" --once
	chmod 755 "$tmp"
	chmod -R go-rwx "$tree"
	expect_rc "not root (EACCES)" 3 'permission denied' "${asnobody[@]}" "$kvmtop" --root "$tree" --once
	chmod 711 "$tree"
	expect_rc "not root (EACCES, summary)" 3 'permission denied.*root' "${asnobody[@]}" "$kvmtop" --root "$tree" --once
fi

echo "$fails failed"
[ $fails -eq 0 ]
