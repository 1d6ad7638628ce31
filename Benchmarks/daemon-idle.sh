#!/usr/bin/env bash
# The daemon's CPU time over one idle minute: a workspace with 20 scheduled workflows,
# none due within the minute; `comity daemon` sleeps until the next slot and looks at
# the scripts every 2 s. CPU time is summed over the daemon's threads from
# /proc/PID/task/*/schedstat (nanoseconds), after a few seconds of start-up.
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
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ sum += $1 } END { print sum }'; }
"$comity" daemon --log-level warning 2>daemon.log &
pid=$!
sleep 5
before=$(cpu_ns "$pid")
sleep "$seconds"
after=$(cpu_ns "$pid")
kill -TERM "$pid"
wait "$pid"
used=$(( (after - before) / 1000000 ))
echo "daemon idle: ${used} ms of CPU over ${seconds} s ($(awk -v u="$used" -v s="$seconds" 'BEGIN { printf "%.3f", u / (s * 10) }')% of one core), 20 schedules, rescan every 2 s"
