#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest/series: the guest-kernel patch series (guest-kernel-patches/v*/)
# are complete, apply, pass checkpatch and say the same thing.  Runs on the
# build machine (make check's "guest kernels" stage), after the kernel
# supply; no boot.  For each line:
#
#   - a "series" file listing the patches, a cover letter with a
#     "base-commit:" line, a README;
#   - the patches apply in order with patch -p1 (no fuzz) and with git am,
#     to the files of Debian's linux-source of the line ($SRC of the kernel
#     supply; only the files they touch are copied);
#   - checkpatch.pl --strict: 0 errors, 0 warnings, 0 checks;
#   - every new __setup/early_param is documented in kernel-parameters.txt
#     within its own patch (checkpatch checks that too, under --strict).
#
# Then the two lines: the same subjects and changelogs, and the code
# changes compared with git range-diff; its output, without commit ids,
# must be exactly guest-kernel-patches/range-diff.txt, the reviewed
# differences (context and tags of kernel-parameters.txt).  After a
# deliberate change, review the new output (printed on failure) and update
# that file.
#
# Usage: series.sh [-u]   (-u: rewrite range-diff.txt from this tree)

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${KVMTUNE_CACHE:-$HOME/.cache/kvmtune}
checkpatch=$cache/6.12/src/scripts/checkpatch.pl
patches=$repo/guest-kernel-patches
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok: $*"; }
git_id() {
	git -c user.name=kvmtune -c user.email=dev@kvmtune.invalid \
		-c init.defaultBranch=master "$@"
}

[ -f "$checkpatch" ] || { echo "FAIL: $checkpatch missing (make kernels LINE=6.12)"; exit 1; }

# series_of LINE: the patch files of a line, in order
series_of() {
	local p
	while read -r p; do
		case $p in '' | '#'*) continue ;; esac
		echo "$patches/v$1/$p"
	done <"$patches/v$1/series"
}

check_line() {
	local line=$1 dir=$patches/v$1 src envfile p f base want files=() list=()
	envfile=$cache/$line/env
	[ -f "$envfile" ] || { fail "$line: no kernel supply ($envfile)"; return; }
	src=$(sed -n 's/^SRC=//p' "$envfile")

	[ -f "$dir/series" ] || { fail "$line: $dir/series missing"; return; }
	[ -f "$dir/README" ] || fail "$line: $dir/README missing"
	mapfile -t list < <(series_of "$line")
	[ ${#list[@]} -gt 0 ] || { fail "$line: the series file lists no patch"; return; }
	for p in "${list[@]}"; do
		[ -f "$p" ] || { fail "$line: series names ${p##*/}, which is missing"; return; }
	done
	f=$(ls "$dir"/0000-cover-letter.patch 2>/dev/null)
	[ -n "$f" ] || fail "$line: no cover letter (0000-cover-letter.patch)"
	base=$(sed -n 's/^base-commit: //p' "$f" 2>/dev/null)
	if [ -z "$base" ]; then
		fail "$line: the cover letter has no base-commit: line"
	else
		want=$(git -C "$cache/guest/$line/src" rev-parse -q --verify base 2>/dev/null)
		if [ -z "$want" ]; then
			echo "note: $line: no imported tree to compare base-commit $base with (make guest-kernels)"
		elif [ "$want" != "$base" ]; then
			echo "note: $line: the series was made on $base; Debian's current linux-source" \
				"imports as $want (a new point release): it still has to apply, below"
		else
			ok "$line: base-commit $base is the import of this linux-source"
		fi
	fi

	# the files the series touches, from the pristine source
	mapfile -t files < <(sed -n 's|^--- a/||p' "${list[@]}" | sort -u)
	mkdir -p "$tmp/$line/patch" "$tmp/$line/am"
	for f in "${files[@]}"; do
		[ -f "$src/$f" ] || { fail "$line: $f is not in $src"; return; }
		mkdir -p "$tmp/$line/patch/${f%/*}"
		cp "$src/$f" "$tmp/$line/patch/$f"
	done
	cp -a "$tmp/$line/patch/." "$tmp/$line/am/"

	for p in "${list[@]}"; do
		if ! out=$(patch -d "$tmp/$line/patch" -p1 -F0 -N --no-backup-if-mismatch <"$p" 2>&1) ||
			grep -q 'offset\|fuzz' <<<"$out"; then
			echo "$out"
			fail "$line: ${p##*/} does not apply cleanly with patch -p1"
		fi
	done
	ok "$line: ${#list[@]} patches apply with patch -p1 (no fuzz, no offset)"

	(
		cd "$tmp/$line/am" && git_id init -q && git_id add -A &&
			git_id commit -q -m base && git_id am -q --whitespace=error-all "${list[@]}"
	) >"$tmp/$line/am.log" 2>&1 || { cat "$tmp/$line/am.log"; fail "$line: git am failed"; }
	[ "$failed" -ne 0 ] || ok "$line: ${#list[@]} patches apply with git am"
	if ! diff -r -x .git "$tmp/$line/patch" "$tmp/$line/am" >/dev/null; then
		fail "$line: patch -p1 and git am give different trees"
	fi

	if ! perl "$checkpatch" --strict --terse --show-types "${list[@]}" >"$tmp/$line/cp" 2>&1; then
		cat "$tmp/$line/cp"
		fail "$line: checkpatch --strict"
	elif grep -Eq ': (ERROR|WARNING|CHECK):' "$tmp/$line/cp"; then
		cat "$tmp/$line/cp"
		fail "$line: checkpatch --strict"
	else
		ok "$line: checkpatch --strict: 0 errors, 0 warnings, 0 checks"
	fi
}

for line in 6.1 6.12; do
	check_line "$line"
done

# The two lines say the same thing: same subjects and changelogs...
msg() { # msg PATCH: subject and body, up to the --- line
	sed -n '/^Subject: /,/^---$/p' "$1" | sed -e 's/^Subject: \[PATCH[^]]*\] /Subject: /' -e '$d'
}
mapfile -t l61 < <(series_of 6.1)
mapfile -t l612 < <(series_of 6.12)
if [ ${#l61[@]} -ne ${#l612[@]} ]; then
	fail "6.1 has ${#l61[@]} patches, 6.12 ${#l612[@]}"
else
	for i in "${!l61[@]}"; do
		if ! diff <(msg "${l61[$i]}") <(msg "${l612[$i]}"); then
			fail "patch $((i + 1)): the changelogs of 6.1 and 6.12 differ"
		fi
	done
	ok "the changelogs of both lines are the same"
fi

# ...and the same code changes, up to reviewed differences: range-diff of
# the two series, each applied to its line's files.
if [ -d "$tmp/6.1/am/.git" ] && [ -d "$tmp/6.12/am/.git" ]; then
	git -C "$tmp/6.12/am" fetch -q "$tmp/6.1/am" master:v6.1
	git -C "$tmp/6.12/am" range-diff --no-color --creation-factor=90 \
		v6.1~${#l61[@]}..v6.1 HEAD~${#l612[@]}..HEAD |
		sed -E 's/^( *[0-9]+): +[0-9a-f]+ ([=!<>]) +([0-9]+): +[0-9a-f]+ /\1 \2 \3 /' \
			>"$tmp/range-diff.txt"
	if [ "${1:-}" = -u ]; then
		cp "$tmp/range-diff.txt" "$patches/range-diff.txt"
		echo "wrote $patches/range-diff.txt"
	elif ! diff -u "$patches/range-diff.txt" "$tmp/range-diff.txt"; then
		fail "the v6.1 and v6.12 series differ other than reviewed (range-diff.txt);" \
			"review the diff above and update with selftests/guest/series.sh -u"
	else
		ok "range-diff v6.1 v6.12: only the reviewed differences ($(grep -c '^ *[0-9]' "$tmp/range-diff.txt") patch pairs)"
	fi
fi

[ "$failed" -eq 0 ] || exit 1
echo "ok: both series"
