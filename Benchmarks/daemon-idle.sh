#!/usr/bin/env bash
# The daemon's CPU time over one idle minute: a workspace with 20 scheduled workflows,
# none due within the minute; `comity daemon` sleeps until the next slot and looks at
# the scripts every 2 s. CPU time is the process's user and system time from
# /proc/PID/stat (every thread, ended ones included; in clock ticks, 10 ms on Linux),
# after a few seconds of start-up.
set -euo pipefail
comity=$(realpath "${1:-.build/release/comity}")
seconds=${2:-60}
workspace=$(mktemp -d)
trap 'rm -rf "$workspace"' EXIT
cd "$workspace"
"$comity" init . >/dev/null
for i in $(seq 1 20); do
  cat > "Scripts/w$i.lua" <<LUA
return workflow { name = "w$i", schedule = "0 3 * * *", run = function(ctx) ctx.log("ran") end }
LUA
done
ticks_per_second=$(getconf CLK_TCK)
# Fields 14 and 15 of /proc/PID/stat (utime, stime), read after the ")" that ends the name.
cpu_ms() { sed 's/.*) //' /proc/"$1"/stat | awk -v hz="$ticks_per_second" '{ print ($12 + $13) * 1000 / hz }'; }
"$comity" daemon --log-level warning 2>daemon.log &
pid=$!
sleep 5
before=$(cpu_ms "$pid")
sleep "$seconds"
after=$(cpu_ms "$pid")
kill -TERM "$pid"
wait "$pid"
used=$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%d", a - b }')
echo "daemon idle: ${used} ms of CPU over ${seconds} s ($(awk -v u="$used" -v s="$seconds" 'BEGIN { printf "%.3f", u / (s * 10) }')% of one core), 20 schedules, rescan every 2 s"
