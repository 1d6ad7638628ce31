#!/usr/bin/env bash
# Instructions per organisation created: orgs.create from Lua (checked, audited,
# returned as a record) vs the same rows inserted through GRDB from Swift, counted by
# callgrind, so the ratio is the same however loaded the machine is. Each count is
# taken for N rows and for none, so that opening the store and the run are left out.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v valgrind >/dev/null; then
    echo "valgrind not found: skipping the create instruction ratio"
    exit 0
fi
swift build -c release --product CreateProbe >/dev/null
probe=$(mktemp)
trap 'rm -f "$probe"' EXIT
# valgrind cannot read the debug information of current Swift toolchains.
strip -g -o "$probe" .build/release/CreateProbe
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$probe" "$1" "$2" 2>&1 | sed -n 's/.*Collected : //p'; }
rows=${1:-20000}
lua=$(( $(count lua "$rows") - $(count lua 0) ))
grdb=$(( $(count grdb "$rows") - $(count grdb 0) ))
audit=$(( $(count grdb-audit "$rows") - $(count grdb-audit 0) ))
awk -v l="$lua" -v g="$grdb" -v a="$audit" -v n="$rows" 'BEGIN {
    printf "\nInstructions per organisation created (callgrind, %d rows): Lua %.0f, GRDB %.0f, ratio %.2fx; GRDB with its audit row %.0f (%.2fx)\n", n, l / n, g / n, l / g, a / n, l / a
}'
