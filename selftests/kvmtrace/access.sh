#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "All files are readable by root only; control is root-writable"
# (Documentation/kvmtrace.rst): with a VM of two vCPUs running, every file
# kvmtrace has (summary, probes, control, and the eight files of the VM's
# directory and of each vCPU's) is mode 0400 (control 0600), owned by root,
# and readable by root; a reader with another uid and no groups (nobody,
# through setpriv) gets EACCES on open, for reading and, on control, for
# writing; the commands it tried (disable, reset, pid, slow_ns) change
# nothing: the settings read back the same and the VM keeps counting.
#
# debugfs' mount point is 0700, so a non-root path walk would stop there
# and prove nothing about the files: the non-root reader reaches them
# through a directory file descriptor opened by root.  The same route
# must let it read KVM's own per-VM stat files (mode 0444), so an EACCES
# is the file's own permission.

# shellcheck source=../lib/kvmtrace.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtrace.sh"

trap kvmtrace_cleanup EXIT

kvmtrace_test_init "$KVMTRACE_KO" "$KVMTUNE_VMLOAD"
command -v setpriv >/dev/null || kvmtune_fail "setpriv (util-linux) missing"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

kvmtune_step "insmod, a VM"
insmod "$KVMTRACE_KO" || kvmtune_fail "insmod"
kvmtrace_vm_start a -v 2 -i --hlt 2 --hlt-ns 2000000 --pio 2 --cpuid 2
a=$(kvmtrace_vm a)
kvmtune_poll_tries 10 test -f "$KVMTRACE_D/vms/$a/vcpu1/stats" || kvmtune_fail "VM $a not traced"

kvmtune_step "the files"
# names WORD...: the words sorted, on one line
names() { printf '%s\n' "$@" | sort | tr '\n' ' '; }
# entries DIR: the names in DIR, the same way
entries() { (cd "$1" && names ./*) | sed 's|\./||g'; }
kvmtune_expect_eq "top-level entries" "$(names control probes summary vms)" \
	"$(entries "$KVMTRACE_D")"
# shellcheck disable=SC2086 # a list of names
kvmtune_expect_eq "VM directory" "$(names $KVMTRACE_SCOPE_FILES vcpu0 vcpu1)" \
	"$(entries "$KVMTRACE_D/vms/$a")"
# shellcheck disable=SC2086
kvmtune_expect_eq "vCPU directory" "$(names $KVMTRACE_SCOPE_FILES)" \
	"$(entries "$KVMTRACE_D/vms/$a/vcpu1")"
# every file, relative to $KVMTRACE_D
files=(summary probes control)
for f in $KVMTRACE_SCOPE_FILES; do
	files+=("vms/$a/$f" "vms/$a/vcpu0/$f" "vms/$a/vcpu1/$f")
done
n=0
while read -r f mode; do
	want="400 0 0"
	[ "$f" = control ] && want="600 0 0"
	kvmtune_expect_eq "$f mode, owner, group" "$want" "$mode"
	n=$((n + 1))
done < <(cd "$KVMTRACE_D" && stat -c '%n %a %u %g' "${files[@]}")
kvmtune_expect_eq "files stat'ed" "${#files[@]}" "$n"
(cd "$KVMTRACE_D" && cat "${files[@]}" >/dev/null) || kvmtune_fail "root cannot read them all"
echo "ok: ${#files[@]} files, all readable by root"

# as_nobody DIR_FD MODE PATH...: opens each PATH (relative to DIR_FD) for
# reading (MODE <) or writing (MODE >, writing the path's word after "=")
# as nobody; one line per path: "PATH: ok" or "PATH: <strerror>"
as_nobody() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	"${NOBODY[@]}" bash -c '
		d=/proc/self/fd/$1 mode=$2
		shift 2
		for p; do
			f=${p%%=*}
			if [ "$mode" = "<" ]; then
				err=$( { : <"$d/$f"; } 2>&1 )
			else
				err=$( { printf "%s" "${p#*=}" >"$d/$f"; } 2>&1 )
			fi
			[ -n "$err" ] && echo "$f: ${err##*: }" || echo "$f: ok"
		done' nobody "$@"
}

kvmtune_step "reads as nobody"
exec {kfd}<"$KVMTRACE_KVM_D/$a" || kvmtune_fail "no KVM directory $KVMTRACE_KVM_D/$a"
kvmtune_expect_eq "nobody reads KVM's 0444 exits" "exits: ok" "$(as_nobody "$kfd" "<" exits)"
exec {kfd}<&-
exec {dfd}<"$KVMTRACE_D"
declare -A res=()
while IFS= read -r l; do
	res[${l%%: *}]=${l#*: }
done < <(as_nobody "$dfd" "<" "${files[@]}")
for f in "${files[@]}"; do
	kvmtune_expect_eq "nobody reads $f" "Permission denied" "${res[$f]}"
done

kvmtune_step "writes to control as nobody"
before_control=$(cat "$KVMTRACE_D/control")
settings() { grep -E '^(enabled|pid|slow_ns) ' "$KVMTRACE_D/summary"; }
before_summary=$(settings)
e0=$(kvmtrace_val "$KVMTRACE_D/vms/$a/stats" exits)
for cmd in disable reset "pid 1" "slow_ns 5"; do
	kvmtune_expect_eq "nobody writes '$cmd'" "control: Permission denied" \
		"$(as_nobody "$dfd" ">" "control=$cmd")"
done
kvmtune_expect_eq "control unchanged" "$before_control" "$(cat "$KVMTRACE_D/control")"
kvmtune_expect_eq "summary settings unchanged" "$before_summary" "$(settings)"
# not reset, not disabled, not filtered: the VM's counts go on from e0
e1=$(kvmtrace_val "$KVMTRACE_D/vms/$a/stats" exits)
[ "$e1" -ge "$e0" ] || kvmtune_fail "VM counters went back: $e0 -> $e1"
kvmtune_poll_tries 10 kvmtrace_above "$KVMTRACE_D/vms/$a/stats" exits "$e1" ||
	kvmtune_fail "VM $a no longer counted"
echo "ok: the VM is still counted ($e0 -> $(kvmtrace_val "$KVMTRACE_D/vms/$a/stats" exits) exits)"
exec {dfd}<&-
kvmtrace_vm_end a
kvmtune_step end
echo "kvmtrace/access: all checks passed"
exit 0
