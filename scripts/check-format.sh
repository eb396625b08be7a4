#!/usr/bin/env bash
# Check every tracked C file against .clang-format; list the files that differ and how to fix them.
# Usage: ./scripts/check-format.sh [FILE...]   (exit 0: all formatted, 1: some differ, 2: cannot check)
# Generated files (first line says "do not edit") are skipped: their generator owns their layout.
set -uo pipefail
cd "$(dirname "$0")/.."

cf=${CLANG_FORMAT:-}
if [[ -z $cf ]]; then
	for c in /usr/bin/clang-format clang-format-14 clang-format; do
		if command -v "$c" >/dev/null; then
			cf=$c
			break
		fi
	done
fi
if [[ -z $cf ]]; then
	echo "check-format: clang-format not found (apt-get install clang-format, or set CLANG_FORMAT)" >&2
	exit 2
fi

if [[ $# -gt 0 ]]; then
	files=("$@")
else
	mapfile -t files < <(git ls-files -- '*.c' '*.h')
fi

bad=()
checked=0
for f in "${files[@]}"; do
	[[ -f $f ]] || continue
	if head -n 1 "$f" | grep -qi 'do not edit'; then
		continue
	fi
	checked=$((checked + 1))
	if ! "$cf" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
		bad+=("$f")
	fi
done

if [[ ${#bad[@]} -eq 0 ]]; then
	echo "check-format: $checked files formatted as .clang-format says"
	exit 0
fi
echo "check-format: ${#bad[@]} of $checked files differ from .clang-format:"
printf '  %s\n' "${bad[@]}"
echo "see the changes with:  $cf --style=file FILE | diff -u FILE -"
echo "fix them with:         $cf -i ${bad[*]}"
exit 1
