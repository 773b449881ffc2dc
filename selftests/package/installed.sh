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
#    VM with the same exits; the installed kvmaudit audits that VM;
#  - modprobe -r unloads it.

# shellcheck source=../lib/kvmtrace.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtrace.sh"

trap kvmtrace_cleanup EXIT

root=$KVMTUNE_BUILD/package/root
dir=$root/lib/modules/$KVMTUNE_KVER/updates/dkms
kvmtop=$root/usr/sbin/kvmtop
kvmaudit=$root/usr/sbin/kvmaudit
mp=(modprobe -d "$root" -S "$KVMTUNE_KVER")

[ -c /dev/kvm ] || kvmtune_skip "/dev/kvm"
[ -d "$root" ] || kvmtune_fail "no scratch root $root (selftests/package/check.sh install)"
[ -x "$KVMTUNE_VMLOAD" ] || kvmtune_fail "$KVMTUNE_VMLOAD missing (make selftests)"
for t in "$kvmtop" "$kvmaudit"; do
	[ -x "$t" ] || kvmtune_fail "$t missing: kvmtune-tools is not installed there"
done
kvmtune_loaded kvmtrace && kvmtune_fail "kvmtrace is already loaded; this test loads it itself"
dmesg -C

# ko_build_id FILE: the GNU build-id of a module file (.ko, .ko.xz, .ko.zst)
ko_build_id() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -dcq "$1" ;;
	*) cat "$1" ;;
	esac >"$KVMTRACE_OUT/ko" || return
	readelf -n "$KVMTRACE_OUT/ko" | sed -n 's/^ *Build ID: //p'
}

# loaded_build_id MODULE: the build-id of the loaded MODULE: the last 20
# bytes of its note (name and description sizes, type, "GNU\0", the id)
loaded_build_id() {
	od -An -tx1 -v "/sys/module/$1/notes/.note.gnu.build-id" | tr -d ' \n' | tail -c 40
}

kvmtune_step "the installed module"
ko=$(find "$dir" -name 'kvmtrace.ko*' 2>/dev/null)
[ -n "$ko" ] || kvmtune_fail "DKMS installed no kvmtrace.ko* in $dir"
echo "installed: ${ko#"$root"}"
kvmtune_expect_eq "its vermagic's release" "$KVMTUNE_KVER" "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)"
plan=$("${mp[@]}" --show-depends kvmtrace) || kvmtune_fail "modprobe --show-depends kvmtrace"
echo "$plan"
kvmtune_expect_eq "what modprobe loads for kvmtrace" "insmod $ko" \
	"$(grep -E '/kvmtrace\.ko' <<<"$plan" | sed 's/[[:space:]]*$//')"

kvmtune_step "modprobe kvmtrace"
out=$("${mp[@]}" -v kvmtrace 2>&1) || { echo "$out"; kvmtune_fail "modprobe kvmtrace"; }
echo "$out"
kvmtune_expect_eq "the file modprobe inserted" "insmod $ko" \
	"$(grep -E '^insmod .*/kvmtrace\.ko' <<<"$out" | sed 's/[[:space:]]*$//')"
kvmtune_loaded kvmtrace || kvmtune_fail "kvmtrace is not loaded after modprobe"
id=$(ko_build_id "$ko")
[ -n "$id" ] || kvmtune_fail "${ko#"$root"} has no GNU build-id"
kvmtune_expect_eq "the loaded module's build-id" "$id" "$(loaded_build_id kvmtrace)"
# the build tree's module, if there is one, is another build
tree_ko=$KVMTUNE_KMOD/kvmtrace/kvmtrace.ko
if [ -f "$tree_ko" ]; then
	[ "$(ko_build_id "$tree_ko")" != "$id" ] ||
		kvmtune_fail "$tree_ko has the same build-id: cannot tell them apart"
	echo "ok: the build tree's $tree_ko is build $(ko_build_id "$tree_ko")"
fi

kvmtune_step "a VM: kvmtrace against KVM"
kvmtrace_vm_start a -v 2 -i --hlt 1 --hlt-ns 2000000 --pio 5 --mmio 2 --cpuid 5
a=$(kvmtrace_vm a)
kvmtune_poll_tries 10 test -d "$KVMTRACE_D/vms/$a/vcpu1" || kvmtune_fail "VM $a not traced"
kvmtune_poll_tries 30 kvmtrace_above "$KVMTRACE_D/vms/$a/stats" exits 100 || kvmtune_fail "VM $a: not 100 exits"
kvmtrace_vm_stop a
trace="$(kvmtrace_val "$KVMTRACE_D/vms/$a/stats" exits) $(kvmtrace_exits "$KVMTRACE_D/vms/$a/exits" IOIO)"
kvmtune_expect_eq "VM $a: kvmtrace = KVM (exits io_exits)" \
	"$(kvmtrace_kvm_stat a exits) $(kvmtrace_kvm_stat a io_exits)" "$trace"

kvmtune_step "the installed kvmtop"
json=$("$kvmtop" --once --totals --json -p "$(kvmtrace_vm_pid a)") || kvmtune_fail "$kvmtop --json exited $?"
got=$(python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
print(" ".join("%s %d" % (v["name"], v["exits_total"]) for v in d["vms"]))' <<<"$json") ||
	kvmtune_fail "kvmtop's JSON: $json"
kvmtune_expect_eq "kvmtop: the VM and its exits" "$a ${trace%% *}" "$got"

kvmtune_step "the installed kvmaudit"
# one look (-i 0), this VM only: the verdicts depend on the proving
# ground's settings, but the VM, its vCPUs and the exit code do not
json=$("$kvmaudit" --json -i 0 -p "$(kvmtrace_vm_pid a)")
rc=$?
[ "$rc" -le 2 ] || kvmtune_fail "$kvmaudit --json exited $rc (no audit)"
got=$(python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
vms = " ".join("%s %d" % (v["name"], v["vcpus"]) for v in d["vms"])
vm_results = sum(1 for r in d["results"] if r["vm"] == d["vms"][0]["name"])
print(vms, d["summary"]["exit"], "results" if vm_results else "none")' <<<"$json") ||
	kvmtune_fail "kvmaudit's JSON: $json"
kvmtune_expect_eq "kvmaudit: the VM, its vCPUs, its exit code, its results" "$a 2 $rc results" "$got"
kvmtrace_vm_end a

kvmtune_step "modprobe -r kvmtrace"
"${mp[@]}" -r kvmtrace || kvmtune_fail "modprobe -r kvmtrace"
kvmtune_loaded kvmtrace && kvmtune_fail "kvmtrace still loaded"
kvmtune_step end
echo "package/installed-modules: all checks passed"
exit 0
