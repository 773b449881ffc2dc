#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In the proving ground: the modules the kvmtune-dkms package had DKMS
# build and install into the scratch root of `selftests/package/check.sh
# install` (build/package/root), not the build tree's, and the kvmtop the
# kvmtune-tools package installed there.
#
#  - modprobe, with the root's module tree (-d): it resolves kvmtrace to
#    the root's /lib/modules/<this kernel>/updates/dkms/ and loads that
#    file (modprobe -v says which; the loaded module's GNU build-id is the
#    file's, and not the build tree's module's);
#  - the smoke test: a VM of two vCPUs with a known mix of exits, loaded
#    after kvmtrace; stopped, kvmtrace's counts (exits, IOIO exits) equal
#    KVM's own (exits, io_exits), and the installed kvmtop's JSON has the
#    VM with the same exits;
#  - modprobe -r unloads it.

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
# shellcheck source=../kvmtrace/kt_lib.sh
. "$KVMTUNE_REPO/selftests/kvmtrace/kt_lib.sh"

trap kt_cleanup EXIT

root=$KVMTUNE_BUILD/package/root
dir=$root/lib/modules/$KVMTUNE_KVER/updates/dkms
kvmtop=$root/usr/sbin/kvmtop
mp=(modprobe -d "$root" -S "$KVMTUNE_KVER")

[ -c /dev/kvm ] || kt_skip "/dev/kvm"
[ -d "$root" ] || kt_fail "no scratch root $root (selftests/package/check.sh install)"
[ -x "$KT_VMLOAD" ] || kt_fail "$KT_VMLOAD missing (make selftests)"
[ -x "$kvmtop" ] || kt_fail "$kvmtop missing: kvmtune-tools is not installed there"
kt_loaded kvmtrace && kt_fail "kvmtrace is already loaded; this test loads it itself"
dmesg -C

# ko_build_id FILE: the GNU build-id of a module file (.ko, .ko.xz, .ko.zst)
ko_build_id() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -dcq "$1" ;;
	*) cat "$1" ;;
	esac >"$KT_OUT/ko" || return
	readelf -n "$KT_OUT/ko" | sed -n 's/^ *Build ID: //p'
}

# loaded_build_id MODULE: the build-id of the loaded MODULE: the last 20
# bytes of its note (name and description sizes, type, "GNU\0", the id)
loaded_build_id() {
	od -An -tx1 -v "/sys/module/$1/notes/.note.gnu.build-id" | tr -d ' \n' | tail -c 40
}

kt_step "the installed module"
ko=$(find "$dir" -name 'kvmtrace.ko*' 2>/dev/null)
[ -n "$ko" ] || kt_fail "DKMS installed no kvmtrace.ko* in $dir"
echo "installed: ${ko#"$root"}"
kt_expect_eq "its vermagic's release" "$KVMTUNE_KVER" "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)"
plan=$("${mp[@]}" --show-depends kvmtrace) || kt_fail "modprobe --show-depends kvmtrace"
echo "$plan"
kt_expect_eq "what modprobe loads for kvmtrace" "insmod $ko" \
	"$(grep -E '/kvmtrace\.ko' <<<"$plan" | sed 's/[[:space:]]*$//')"

kt_step "modprobe kvmtrace"
out=$("${mp[@]}" -v kvmtrace 2>&1) || { echo "$out"; kt_fail "modprobe kvmtrace"; }
echo "$out"
kt_expect_eq "the file modprobe inserted" "insmod $ko" \
	"$(grep -E '^insmod .*/kvmtrace\.ko' <<<"$out" | sed 's/[[:space:]]*$//')"
kt_loaded kvmtrace || kt_fail "kvmtrace is not loaded after modprobe"
id=$(ko_build_id "$ko")
[ -n "$id" ] || kt_fail "${ko#"$root"} has no GNU build-id"
kt_expect_eq "the loaded module's build-id" "$id" "$(loaded_build_id kvmtrace)"
# the build tree's module, if there is one, is another build
tree_ko=$KVMTUNE_KMOD/kvmtrace/kvmtrace.ko
if [ -f "$tree_ko" ]; then
	[ "$(ko_build_id "$tree_ko")" != "$id" ] ||
		kt_fail "$tree_ko has the same build-id: cannot tell them apart"
	echo "ok: the build tree's $tree_ko is build $(ko_build_id "$tree_ko")"
fi

kt_step "a VM: kvmtrace against KVM"
kt_vm_start a -v 2 -i --hlt 1 --hlt-ns 2000000 --pio 5 --mmio 2 --cpuid 5
a=$(kt_vm a)
kt_wait_for 10 test -d "$KT_D/vms/$a/vcpu1" || kt_fail "VM $a not traced"
kt_wait_for 30 kt_above "$KT_D/vms/$a/stats" exits 100 || kt_fail "VM $a: not 100 exits"
kt_vm_stop a
trace="$(kt_val "$KT_D/vms/$a/stats" exits) $(kt_exits "$KT_D/vms/$a/exits" IOIO)"
kt_expect_eq "VM $a: kvmtrace = KVM (exits io_exits)" \
	"$(kt_kvm_stat a exits) $(kt_kvm_stat a io_exits)" "$trace"

kt_step "the installed kvmtop"
json=$("$kvmtop" --once --totals --json -p "$(kt_vm_pid a)") || kt_fail "$kvmtop --json exited $?"
got=$(python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
print(" ".join("%s %d" % (v["name"], v["exits_total"]) for v in d["vms"]))' <<<"$json") ||
	kt_fail "kvmtop's JSON: $json"
kt_expect_eq "kvmtop: the VM and its exits" "$a ${trace%% *}" "$got"
kt_vm_end a

kt_step "modprobe -r kvmtrace"
"${mp[@]}" -r kvmtrace || kt_fail "modprobe -r kvmtrace"
kt_loaded kvmtrace && kt_fail "kvmtrace still loaded"
kt_step end
echo "package/installed-modules: all checks passed"
exit 0
