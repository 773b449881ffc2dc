#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmbench/allcpus: "cpu all" runs the whole table on every vCPU (the
# parallel benches on both at once, the others on one vCPU after the
# other) and gives a measured line per bench and vCPU, in table order,
# positive, with the operations the doubling did, the partner the bench
# needs and a well-formed exits field. Over the whole run,
# each vCPU's exact exits (summed over the benches that declare them)
# equal kvmtrace's counts for that vCPU; on vCPU 0, which also serves the
# L1's commands over a serial port, userspace port I/O need only reach the
# benches' count.

# shellcheck source=../lib/kvmtune.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
# shellcheck source=kb_lib.sh
. "$KVMTUNE_REPO/selftests/kvmbench/kb_lib.sh"

goal=${KB_TEST_GOAL:-2097152}

kb_l2_up
kb_l2_virtio_mmio
kb_l2_ok "kb_set cpu all goal $goal repeats 1"
benches=$(kb_l2 kb_val "$KB_D/control" benches)

kb_reset
kb_l2_ok kb_run
kb_snap 0 all0
kb_snap 1 all1
kb_l2 kb_results >"$KB_STATE/all.res"
res=$(<"$KB_STATE/all.res")
echo "$res"
kvmtune_expect_eq "benches in results, in order" "$benches $benches" \
	"$(awk '$2 == 0 { a = a (a ? " " : "") $1 } $2 == 1 { b = b " " $1 } END { print a b }' <<<"$res")"

declare -A want=() seen=()
while read -r -a f; do
	b=${f[0]} v=${f[1]}
	[ -z "${seen[$b.$v]:-}" ] || kvmtune_fail "$b: more than one line for vCPU $v"
	seen[$b.$v]=1
	kb_check_ops "${f[*]}"
	[[ ${f[4]} =~ ^[0-9]+\.[0-9]%$ ]] || kvmtune_fail "$b: spread '${f[4]}'"
	[ "${f[6]}" = 1 ] || kvmtune_fail "$b: ${f[6]} repeats, not 1"
	case $b in
	ipi | ipi_halt | tlb_shootdown) partner=$((1 - v)) ;;
	*) partner=- ;;
	esac
	[ "${f[8]}" = "$partner" ] || kvmtune_fail "$b on $v: partner '${f[8]}', not '$partner'"
	[[ ${f[9]} =~ ^(-|[a-z:_0-9x]+=[0-9.+]+(,[a-z:_0-9x]+=[0-9.+]+)*)$ ]] ||
		kvmtune_fail "$b: exits field '${f[9]}'"
	[ "${f[9]}" != - ] || continue
	IFS=, read -r -a items <<<"${f[9]}"
	for item in "${items[@]}"; do
		spec=${item#*=}
		[[ $spec != *..* ]] || continue # bounds: the run's background
		key=${item%%=*} n=${spec%%+*} add=0
		[[ $spec == *+* ]] && add=${spec#*+}
		want[$v.$key]=$((${want[$v.$key]:-0} + f[7] * n + add))
	done
done <<<"$res"
for b in $benches; do
	for v in 0 1; do
		[ -n "${seen[$b.$v]:-}" ] || kvmtune_fail "$b: no line for vCPU $v"
	done
done
for k in "${!want[@]}"; do
	v=${k%%.*} key=${k#*.} kind=${key%%:*} msr=
	[[ $key == *:* ]] && msr=${key#*:}
	kb_kind "all$v" "$kind" "$msr"
	got=$kb_n
	if [ "$v" = 0 ] && [ "$kind" = pio_user ]; then
		[ "$got" -ge "${want[$k]}" ] ||
			kvmtune_fail "vCPU $v: $key: kvmtrace counted $got, below the benches' ${want[$k]}"
		echo "ok: vCPU $v: $key: $got >= ${want[$k]} (with the command server's)"
		continue
	fi
	if [ -n "$msr" ] && kb_msr_lost "all$v"; then
		kvmtune_fail "vCPU $v: kvmtrace's MSR table overflowed in the run"
	fi
	[ "$got" -eq "${want[$k]}" ] ||
		kvmtune_fail "vCPU $v: $key: kvmtrace counted $got, the benches claim ${want[$k]}"
	echo "ok: vCPU $v: $key: $got = ${want[$k]}"
done
[ "${#want[@]}" -ge 20 ] || kvmtune_fail "only ${#want[@]} exact counters checked"
kb_l2_splats allcpus
echo "ok: every bench on both vCPUs, exits exact per vCPU"
