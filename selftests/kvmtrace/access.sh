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

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
# shellcheck source=kt_lib.sh
. "$KVMTUNE_REPO/selftests/kvmtrace/kt_lib.sh"

trap kt_cleanup EXIT

[ -c /dev/kvm ] || kt_skip "/dev/kvm"
[ -f "$KT_KO" ] || kt_fail "$KT_KO missing (make kmod-line)"
[ -x "$KT_VMLOAD" ] || kt_fail "$KT_VMLOAD missing (make selftests)"
command -v setpriv >/dev/null || kt_fail "setpriv (util-linux) missing"
kt_loaded kvmtrace && rmmod kvmtrace
dmesg -C

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

kt_step "insmod, a VM"
insmod "$KT_KO" || kt_fail "insmod"
kt_vm_start a -v 2 -i --hlt 2 --hlt-ns 2000000 --pio 2 --cpuid 2
a=$(kt_vm a)
kt_wait_for 10 test -f "$KT_D/vms/$a/vcpu1/stats" || kt_fail "VM $a not traced"

kt_step "the files"
# names WORD...: the words sorted, on one line
names() { printf '%s\n' "$@" | sort | tr '\n' ' '; }
# entries DIR: the names in DIR, the same way
entries() { (cd "$1" && names ./*) | sed 's|\./||g'; }
kt_expect_eq "top-level entries" "$(names control probes summary vms)" \
	"$(entries "$KT_D")"
# shellcheck disable=SC2086 # a list of names
kt_expect_eq "VM directory" "$(names $KT_SCOPE_FILES vcpu0 vcpu1)" \
	"$(entries "$KT_D/vms/$a")"
# shellcheck disable=SC2086
kt_expect_eq "vCPU directory" "$(names $KT_SCOPE_FILES)" \
	"$(entries "$KT_D/vms/$a/vcpu1")"
# every file, relative to $KT_D
files=(summary probes control)
for f in $KT_SCOPE_FILES; do
	files+=("vms/$a/$f" "vms/$a/vcpu0/$f" "vms/$a/vcpu1/$f")
done
n=0
while read -r f mode; do
	want="400 0 0"
	[ "$f" = control ] && want="600 0 0"
	kt_expect_eq "$f mode, owner, group" "$want" "$mode"
	n=$((n + 1))
done < <(cd "$KT_D" && stat -c '%n %a %u %g' "${files[@]}")
kt_expect_eq "files stat'ed" "${#files[@]}" "$n"
(cd "$KT_D" && cat "${files[@]}" >/dev/null) || kt_fail "root cannot read them all"
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

kt_step "reads as nobody"
exec {kfd}<"$KT_KVM_D/$a" || kt_fail "no KVM directory $KT_KVM_D/$a"
kt_expect_eq "nobody reads KVM's 0444 exits" "exits: ok" "$(as_nobody "$kfd" "<" exits)"
exec {kfd}<&-
exec {dfd}<"$KT_D"
declare -A res=()
while IFS= read -r l; do
	res[${l%%: *}]=${l#*: }
done < <(as_nobody "$dfd" "<" "${files[@]}")
for f in "${files[@]}"; do
	kt_expect_eq "nobody reads $f" "Permission denied" "${res[$f]}"
done

kt_step "writes to control as nobody"
before_control=$(cat "$KT_D/control")
settings() { grep -E '^(enabled|pid|slow_ns) ' "$KT_D/summary"; }
before_summary=$(settings)
e0=$(kt_val "$KT_D/vms/$a/stats" exits)
for cmd in disable reset "pid 1" "slow_ns 5"; do
	kt_expect_eq "nobody writes '$cmd'" "control: Permission denied" \
		"$(as_nobody "$dfd" ">" "control=$cmd")"
done
kt_expect_eq "control unchanged" "$before_control" "$(cat "$KT_D/control")"
kt_expect_eq "summary settings unchanged" "$before_summary" "$(settings)"
# not reset, not disabled, not filtered: the VM's counts go on from e0
e1=$(kt_val "$KT_D/vms/$a/stats" exits)
[ "$e1" -ge "$e0" ] || kt_fail "VM counters went back: $e0 -> $e1"
kt_wait_for 10 kt_above "$KT_D/vms/$a/stats" exits "$e1" ||
	kt_fail "VM $a no longer counted"
echo "ok: the VM is still counted ($e0 -> $(kt_val "$KT_D/vms/$a/stats" exits) exits)"
exec {dfd}<&-
kt_vm_end a
kt_step end
echo "kvmtrace/access: all checks passed"
exit 0
