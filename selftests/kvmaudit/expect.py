#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Assertions on kvmaudit's reports, for the tests in this directory. A
# Python start costs seconds in the proving ground, so a test runs few:
# "batch" runs a file of the other commands in one process.
#
#   expect.py report REPORT.json RC EXPECT [TEXT]
#       REPORT.json must parse (json module; no key twice), agree with
#       itself (summary, exit code) and with RC, kvmaudit's exit code;
#       TEXT, the text report of a second audit if given, must say the
#       same line by line (but for memory per node, which moves between
#       the two: same_audit()). EXPECT has one result per line:
#           CHECK WHO ITEM VERDICT [KEY=VALUE...] [| FIX]
#       WHO is "host" or a VM's name, ITEM "-" or e.g. "disk:d0" for "disk
#       d0"; the evidence must be exactly the KEY=VALUE pairs, in order,
#       and the fix, if given, exactly FIX. Every result of each WHO named
#       in EXPECT must be expected, and each expected result found once.
#       Other lines:
#           reason CHECK WHO ITEM REGEX   the reason matches REGEX
#           fix CHECK WHO ITEM FIX        only the fix, exactly
#           vms NAME...                   the VMs audited ("-": none)
#           gone NAME...                  the VMs that exited meanwhile
#           noresults NAME                no result names VM NAME
#   expect.py sane REPORT.json RC
#       REPORT.json as for report, and each VM named once, in its VMs or
#       its gone ones, with results only for those it audited; prints how
#       many VMs it audited and how many were gone.
#   expect.py numa PID[:HOME]...
#       What kvmaudit should find in /proc/PID/{maps,numa_maps}, three
#       lines per PID: the KiB per node of the anonymous, shared-writable
#       and hugetlbfs mappings ("nodeN_kib=K ...", then "local_pct=P", the
#       share on node HOME, if given); "hugetlb_kib=K"; the node with the
#       most (the lowest of equals).
#   expect.py numastat REPORT.json RC BEFORE AFTER
#       mem.numastat's evidence lies between the readings of
#       /sys/devices/system/node/node{0,1}/numastat made before and after
#       the audit ("hit0,miss0,hit1,miss1"), its verdict follows from it.
#   expect.py rates REPORT.json BEFORE.json AFTER.json LIMITS WANT VM...
#       The rate checks of the VMs: deltas within BEFORE..AFTER (kvmtrace's
#       counters read just before and after the audit, by rates.sh: {VM:
#       {VCPU: {tsc_deadline_writes, pio_exits, hlt_exits, piw,
#       wakeups}}}), verdicts as the deltas and the interval make them,
#       and the CHECK:VM that warned exactly WANT (comma-separated).
#       LIMITS: tsc_deadline=N,pio=N,wakeups=N as given to kvmaudit.
#   expect.py batch FILE
#       Each line of FILE is one of the commands above, with its
#       arguments (shell quoting).

import json
import os
import re
import shlex
import sys


def fail(msg):
    print(f'FAIL: {msg}')
    sys.exit(1)


VERDICT_EXIT = {'PASS': 0, 'SKIP': 0, 'WARN': 1, 'FAIL': 2}
ORDER = ['PASS', 'SKIP', 'WARN', 'FAIL']


def no_dups(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        fail(f'a JSON object with a key twice: {keys}')
    return dict(pairs)


def load(path):
    return json.load(open(path), object_pairs_hook=no_dups)


def key(r):
    return (r['check'], r['vm'] or 'host', (r['item'] or '-').replace(' ', ':'))


def text_line(r):
    who = 'host' if r['vm'] is None else f"vm {r['vm']}"
    item = f" {r['item']}" if r['item'] else ''
    ev = ' '.join(f'{k}={v}' for k, v in r['evidence'].items())
    fix = f" fix: {r['fix']}" if r['fix'] is not None else ''
    return f"{r['verdict']} {r['check']} {who}{item}: {r['reason']} [{ev}]{fix}"


# Evidence that moves between two audits of the same stopped VMs: the KiB
# per node of their memory and the shares made of them. khugepaged runs
# while a VM is stopped, and with max_ptes_none at its default a collapse
# can fill a 2 MiB page around one present page: 9 MiB moved between two
# audits on 6.1. Their values are asserted against numa_maps (numa above)
# in the JSON report; the text must only say the same thing.
MOVING = re.compile(r'\b(\w+_kib|local_pct)=(\d+)')


def same_audit(text, json_line):
    """TEXT and JSON_LINE, the same result from two audits, agree: exactly,
    but for the values of MOVING evidence."""
    return MOVING.sub(r'\1=N', text) == MOVING.sub(r'\1=N', json_line)


def consistent(path, rc, text=None):
    """The report parses and agrees with itself, RC and TEXT."""
    doc = load(path)
    if doc.get('version') != 1:
        fail(f'{path}: version {doc.get("version")}')
    res = doc['results']
    counts = {v: sum(1 for r in res if r['verdict'] == v) for v in ORDER}
    s = doc['summary']
    for v in ORDER:
        if s[v.lower()] != counts[v]:
            fail(f'{path}: summary {v.lower()} {s[v.lower()]} != {counts[v]} results')
    worst = max((r['verdict'] for r in res), key=ORDER.index, default='PASS')
    if s['worst'] != worst or s['exit'] != VERDICT_EXIT[worst]:
        fail(f'{path}: summary says worst {s["worst"]} exit {s["exit"]}, results {worst}')
    if int(rc) != s['exit']:
        fail(f'{path}: kvmaudit exited {rc}, its summary says {s["exit"]}')
    for r in res:
        for k, v in r['evidence'].items():
            if not isinstance(v, (int, str)) or ' ' in str(v):
                fail(f'{path}: {key(r)}: evidence {k}={v!r} is not a word or a number')
    if text:
        lines = open(text).read().splitlines()
        body = [l for l in lines if re.match(r'^(PASS|WARN|FAIL|SKIP) ', l)]
        want = [text_line(r) for r in res]
        if body != want:
            for a, b in zip(body, want):
                if not same_audit(a, b):
                    fail(f'{path}: text and JSON differ:\n  text: {a}\n  json: {b}')
            fail(f'{path}: text has {len(body)} result lines, JSON {len(want)}')
        summary = (f"summary: {counts['PASS']} PASS, {counts['WARN']} WARN, "
                   f"{counts['FAIL']} FAIL, {counts['SKIP']} SKIP; worst {worst} "
                   f"(exit {VERDICT_EXIT[worst]})")
        if lines[-1] != summary:
            fail(f'{path}: text summary {lines[-1]!r} != {summary!r}')
    byk = {}
    for r in res:
        if key(r) in byk:
            fail(f'{path}: two results for {key(r)}')
        byk[key(r)] = r
    return doc, byk


def report(path, rc, expect, text=None):
    doc, byk = consistent(path, rc, text)
    whos, seen, n = set(), set(), 0
    for line in open(expect).read().splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        word = line.split()[0]
        if word in ('vms', 'gone'):
            names = sorted(n for n in line.split()[1:] if n != '-')
            got = sorted(v['name'] for v in doc['vms']) if word == 'vms' \
                else sorted(doc['gone'])
            if got != names:
                fail(f'{path}: {word}: {got}, want {names}')
            continue
        if word == 'noresults':
            bad = [k for k in byk if k[1] == line.split()[1]]
            if bad:
                fail(f'{path}: results for {line.split()[1]}: {bad}')
            continue
        if word in ('reason', 'fix'):
            _, check, who, item, want = line.split(' ', 4)
            r = byk.get((check, who, item))
            if r is None:
                fail(f'{path}: no result {check} {who} {item}')
            if word == 'reason' and not re.search(want, r['reason']):
                fail(f'{path}: {check} {who} {item}: reason {r["reason"]!r} !~ {want!r}')
            if word == 'fix' and r['fix'] != want:
                fail(f'{path}: {check} {who} {item}: fix\n  want {want}\n  got  {r["fix"]}')
            continue
        fix = None
        if ' | ' in line:
            line, fix = line.split(' | ', 1)
        words = line.split()
        check, who, item, verdict = words[:4]
        k = (check, who, item)
        whos.add(who)
        if k in seen:
            fail(f'{expect}: {k} expected twice')
        seen.add(k)
        r = byk.get(k)
        if r is None:
            fail(f'{path}: no result {check} {who} {item}; results for {who}: '
                 f'{sorted(x for x in byk if x[1] == who)}')
        ev = [f'{a}={b}' for a, b in r['evidence'].items()]
        if r['verdict'] != verdict or ev != words[4:]:
            fail(f'{path}: {check} {who} {item}:\n  want {verdict} {" ".join(words[4:])}\n'
                 f'  got  {r["verdict"]} {" ".join(ev)}\n  ({r["reason"]})')
        if fix is not None and r['fix'] != fix:
            fail(f'{path}: {check} {who} {item}: fix\n  want {fix}\n  got  {r["fix"]}')
        n += 1
    extra = [x for x in byk if x[1] in whos and x not in seen]
    if extra:
        fail(f'{path}: unexpected results: {extra}')
    print(f'ok: {os.path.basename(path)}: {n} results as expected, '
          f'{len(doc["results"])} in all, exit {rc}')


def sane(path, rc):
    doc, _ = consistent(path, rc)
    names = [v['name'] for v in doc['vms']] + doc['gone']
    if len(names) != len(set(names)):
        fail(f'{path}: a VM named twice: {names}')
    vms = {v['name'] for v in doc['vms']}
    bad = [r for r in doc['results'] if r['vm'] is not None and r['vm'] not in vms]
    if bad:
        fail(f'{path}: results for VMs it did not audit: {bad}')
    print(f'ok: {os.path.basename(path)}: exit {rc}, {len(doc["vms"])} VMs audited, '
          f'{len(doc["gone"])} gone')


def numa(*args):
    for arg in args:
        pid, _, home = arg.partition(':')
        vmas = {}
        for line in open(f'/proc/{pid}/maps'):
            f = line.split()
            lo, hi = (int(x, 16) for x in f[0].split('-'))
            path = f[5] if len(f) > 5 else ''
            perms = f[1]
            vmas[lo] = (hi - lo, not path or path.startswith('[') or
                        (perms[1] == 'w' and perms[3] == 's'))
        nodes, huge_kib = {}, 0
        for line in open(f'/proc/{pid}/numa_maps'):
            f = line.split()
            start = int(f[0], 16)
            huge = 'huge' in f[2:]
            kpage = 4
            for t in f[2:]:
                if t.startswith('kernelpagesize_kB='):
                    kpage = int(t.split('=')[1])
            size, counted = vmas.get(start, (0, False))
            if huge and start in vmas:
                huge_kib += size // 1024
            if not huge and not counted:
                continue
            for t in f[2:]:
                m = re.match(r'^N(\d+)=(\d+)$', t)
                if m:
                    nodes[int(m[1])] = nodes.get(int(m[1]), 0) + int(m[2]) * kpage
        ev = [f'node{n}_kib={k}' for n, k in sorted(nodes.items()) if k]
        if home:
            ev.append(f'local_pct={nodes.get(int(home), 0) * 100 // sum(nodes.values())}')
        print(' '.join(ev))
        print(f'hugetlb_kib={huge_kib}')
        print(max(sorted(nodes), key=lambda n: nodes[n]))


def numastat(path, rc, before, after):
    doc, _ = consistent(path, rc)
    b = [int(x) for x in before.split(',')]
    a = [int(x) for x in after.split(',')]
    [r] = doc['results']
    ev = r['evidence']
    names = ['node0_hit', 'node0_miss', 'node1_hit', 'node1_miss']
    if list(ev) != ['nodes'] + names or ev['nodes'] != 2:
        fail(f'{path}: numastat evidence {ev}')
    vals = [ev[n] for n in names]
    for n, lo, v, hi in zip(names, b, vals, a):
        if not lo <= v <= hi:
            fail(f'{path}: {n}={v} not within [{lo}, {hi}]')
    hit, miss = vals[0::2], vals[1::2]
    want = 'FAIL' if any(m > h for h, m in zip(hit, miss)) else \
        'WARN' if any(m * 10 > h for h, m in zip(hit, miss)) else 'PASS'
    if r['verdict'] != want:
        fail(f'{path}: numastat {r["verdict"]}, its evidence makes it {want}')
    print(f'ok: numastat {want}: {ev}')


RATE_CHECKS = {
    'timer.tsc_deadline': (['tsc_deadline_writes'], 'tsc_deadline'),
    'timer.pio': (['pio_exits'], 'pio'),
    'idle.nohlt': (['hlt_exits', 'wakeups'], 'wakeups'),
}


def rates(path, before, after, limits, want, *vms):
    doc = load(path)
    b, a = json.load(open(before)), json.load(open(after))
    lim = dict(x.split('=') for x in limits.split(','))
    iv = doc['host']['interval_us']
    warned = []
    for r in doc['results']:
        if r['check'] not in RATE_CHECKS or r['vm'] not in vms:
            continue
        names, limname = RATE_CHECKS[r['check']]
        ev = dict(r['evidence'])
        if ev.pop('interval_us') != iv or ev.pop('limit') != int(lim[limname]):
            fail(f'{r["check"]} {r["vm"]}: interval or limit: {r["evidence"]}')
        keys = [f'vcpu{c}_{n}' for n in names + (['piw'] if len(names) > 1 else [])
                for c in sorted(a[r['vm']], key=int)]
        if list(ev) != keys:
            fail(f'{r["check"]} {r["vm"]}: evidence keys {list(ev)} != {keys}')
        over = {}
        for k, d in ev.items():
            vcpu, n = k[4:].split('_', 1)
            lo, hi = b[r['vm']][vcpu][n], a[r['vm']][vcpu][n]
            if not 0 <= d <= hi - lo:
                fail(f'{r["check"]} {r["vm"]}: {k}={d} not within 0..{hi - lo}')
            if n in names:
                over.setdefault(vcpu, []).append(d * 1000000 // iv >= int(lim[limname]))
        hot = [v for v, o in over.items() if all(o) and len(o) == len(names)]
        verdict = 'WARN' if hot else 'PASS'
        if r['verdict'] != verdict:
            fail(f'{r["check"]} {r["vm"]}: {r["verdict"]}, the deltas make it '
                 f'{verdict}: {r["evidence"]}')
        if hot:
            warned.append(f'{r["check"]}:{r["vm"]}')
    if sorted(warned) != sorted(want.split(',')):
        fail(f'warned: {sorted(warned)}, want {sorted(want.split(","))}')
    print(f'ok: rates within the counters; warned: {" ".join(sorted(warned))}')


COMMANDS = {'report': report, 'sane': sane, 'numa': numa, 'numastat': numastat,
            'rates': rates}


def batch(path):
    for line in open(path).read().splitlines():
        if line.strip():
            cmd, *args = shlex.split(line)
            COMMANDS[cmd](*args)


if __name__ == '__main__':
    COMMANDS['batch'] = batch
    COMMANDS[sys.argv[1]](*sys.argv[2:])
