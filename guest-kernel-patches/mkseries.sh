#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate guest-kernel-patches/v<LINE>/ from the branch "patched" of the
# imported tree of make guest-kernels ($KVMTUNE_CACHE/guest/<LINE>/src),
# where the series is developed: git format-patch with a cover letter whose
# subject and text come from cover-letter.txt, a base-commit: line (the
# import of Debian's linux-source-<LINE>), and a series file.
#
# Usage: mkseries.sh LINE...
# Then: selftests/guest/series.sh (and -u after a reviewed change to one
# line only), make guest-kernels.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${KVMTUNE_CACHE:-$HOME/.cache/kvmtune}
[ $# -gt 0 ] || { echo "usage: mkseries.sh LINE..." >&2; exit 2; }

for line in "$@"; do
	src=$cache/guest/$line/src
	out=$here/v$line
	git -C "$src" rev-parse -q --verify patched >/dev/null ||
		{ echo "mkseries: no branch 'patched' in $src" >&2; exit 1; }
	rm -f "$out"/*.patch "$out/series"
	mkdir -p "$out"
	git -C "$src" format-patch -q --cover-letter --base=base --no-signature \
		-o "$out" base..patched
	# the cover letter: subject and text from cover-letter.txt
	python3 - "$out/0000-cover-letter.patch" "$here/cover-letter.txt" "$line" <<-'EOF'
		import sys
		path, text, line = sys.argv[1:]
		subject, _, body = open(text).read().replace('@LINE@', line).partition('\n\n')
		s = open(path).read()
		s = s.replace('*** SUBJECT HERE ***', subject.strip())
		s = s.replace('*** BLURB HERE ***', body.strip())
		open(path, 'w').write(s)
	EOF
	for p in "$out"/[0-9][0-9][0-9][0-9]-*.patch; do
		case ${p##*/} in 0000-*) ;; *) echo "${p##*/}" ;; esac
	done >"$out/series"
	echo "mkseries: $line: $(wc -l <"$out/series") patches in $out"
done
