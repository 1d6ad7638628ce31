#!/usr/bin/env bash
# Instructions per call of f(i) -> i + 1 from Lua: a Swift function through the
# bridge vs a plain C lua_CFunction. valgrind counts instructions, so the ratio is the
# same however loaded the machine is.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v valgrind >/dev/null; then
    echo "valgrind not found: skipping the instruction-count ratio"
    exit 0
fi
swift build -c release --product CallProbe >/dev/null
probe=$(mktemp)
trap 'rm -f "$probe"' EXIT
# valgrind cannot read the debug information of current Swift toolchains.
strip -o "$probe" .build/release/CallProbe
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$probe" "$1" "$2" 2>&1 | sed -n 's/.*Collected : //p'; }
calls=1000000
c=$(( $(count c $calls) - $(count c 0) ))
s=$(( $(count swift $calls) - $(count swift 0) ))
awk -v c="$c" -v s="$s" -v n="$calls" 'BEGIN {
    printf "\nInstructions per call (callgrind): C %.0f, Swift %.0f, ratio %.2fx\n", c / n, s / n, s / c
}'
