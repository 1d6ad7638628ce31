#!/usr/bin/env bash
# Ratios in instructions, counted by callgrind, so they are the same however loaded the
# machine is:
# - per call of f(i) -> i + 1 from Lua: a Swift function through the bridge vs a plain
#   C lua_CFunction (CallProbe);
# - per pcall that writes nothing: the sandbox's (savepoints set, none opened) vs Lua's
#   own in a stock state (CallProbe);
# - per organisation created: orgs.create from Lua (checked, audited, returned as a
#   record) vs the same rows inserted through GRDB from Swift (CreateProbe, ROWS rows).
# Each count is taken for N and for none, so that start-up is left out.
#   callgrind-ratios.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v valgrind >/dev/null; then
    echo "valgrind not found: skipping the instruction-count ratios"
    exit 0
fi
swift build -c release --product CallProbe >/dev/null
swift build -c release --product CreateProbe >/dev/null
calls_probe=$(mktemp)
create_probe=$(mktemp)
trap 'rm -f "$calls_probe" "$create_probe"' EXIT
# valgrind cannot read the debug information of current Swift toolchains.
strip -o "$calls_probe" .build/release/CallProbe
strip -g -o "$create_probe" .build/release/CreateProbe
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | sed -n 's/.*Collected : //p'; }
per() { echo $(( $(count "$1" "$2" "$3") - $(count "$1" "$2" 0) )); }

calls=1000000
c=$(per "$calls_probe" c $calls)
s=$(per "$calls_probe" swift $calls)
awk -v c="$c" -v s="$s" -v n="$calls" 'BEGIN {
    printf "\nInstructions per call (callgrind): C %.0f, Swift %.0f, ratio %.2fx\n", c / n, s / n, s / c
}'

pcalls=1000000
stock=$(per "$calls_probe" pcall-stock $pcalls)
sandboxed=$(per "$calls_probe" pcall-sandbox $pcalls)
awk -v c="$stock" -v s="$sandboxed" -v n="$pcalls" 'BEGIN {
    printf "Instructions per pcall that writes nothing (callgrind): stock Lua %.0f, sandbox with savepoints %.0f, ratio %.2fx\n", c / n, s / n, s / c
}'

rows=${1:-20000}
lua=$(per "$create_probe" lua "$rows")
grdb=$(per "$create_probe" grdb "$rows")
audit=$(per "$create_probe" grdb-audit "$rows")
awk -v l="$lua" -v g="$grdb" -v a="$audit" -v n="$rows" 'BEGIN {
    printf "Instructions per organisation created (callgrind, %d rows): Lua %.0f, GRDB %.0f, ratio %.2fx; GRDB with its audit row %.0f (%.2fx)\n", n, l / n, g / n, l / g, a / n, l / a
}'
