#!/usr/bin/env bash
# `comity serve` under wrk on loopback, every figure from one run of one server: its
# /health route (no token, no store: the smallest answer Hummingbird gives here) is the
# baseline; against it a record GET, a list of 50 records, webhook intake to run queued
# (each delivery signed and new), and the dashboard's runs page over a history of
# 100,000 runs. Prints requests per second, p50 and p99 latency, and each throughput as
# a ratio to the baseline's. Usage: http.sh COMITY [SECONDS]
set -euo pipefail
command -v wrk >/dev/null 2>&1 || { echo "http.sh needs wrk (make bench installs it: apt-get install wrk)" >&2; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || { echo "http.sh needs sqlite3 (make bench installs it)" >&2; exit 1; }
comity=$(realpath "${1:-.build/release/comity}")
seconds=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
workspace=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$workspace"
}
trap cleanup EXIT
cd "$workspace"
"$comity" init . >/dev/null
cat > comity.lua <<'LUA'
return { time_zone = "UTC", hooks = { kobo = { secret = "KOBO_SECRET", workflow = "intake-kobo" } } }
LUA
cat > Scripts/intake-kobo.lua <<'LUA'
return workflow { name = "intake-kobo", run = function(ctx) orgs.create { name = ctx.trigger.json.name } end }
LUA
export COMITY_SECRET_KOBO_SECRET=bench-secret-value
"$comity" run Scripts/seed-world.lua >/dev/null
token=$("$comity" tokens create bench --scope write 2>/dev/null)
# A history of 100,000 runs, as a year of a busy network's would be.
sqlite3 .comity/comity.db <<'SQL'
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO runs (id, workflow, file, content_hash, trigger_kind, clock, started_at, ended_at, outcome, log)
SELECT printf('bench-%06d', i), CASE i % 3 WHEN 0 THEN 'intake' WHEN 1 THEN 'followups' ELSE 'report' END,
       'Scripts/intake.lua', 'h', CASE i % 2 WHEN 0 THEN 'schedule' ELSE 'event' END,
       1700000000 + i * 60, 1700000000 + i * 60, 1700000000 + i * 60 + (i % 40),
       CASE WHEN i % 17 = 0 THEN 'failed' ELSE 'succeeded' END, '["a line of its log"]'
FROM n;
SQL
"$comity" serve --port 0 2> serve.log &
server=$!
port=
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*address=http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' serve.log | head -n 1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "comity serve did not start:"; cat serve.log; exit 1; }
base="http://127.0.0.1:$port"
# The dashboard's session, signed in as a browser would.
form=$(curl -s -c jar "$base/dashboard/sign-in")
csrf=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
curl -s -b jar -c jar -o /dev/null --data-urlencode "token=$token" --data-urlencode "csrf=$csrf" "$base/dashboard/sign-in"
session=$(awk '$6 == "comity_session" { print $7 }' jar)
[ -n "$session" ] || { echo "could not sign in to the dashboard"; exit 1; }
# Signed deliveries, each new (a body sent again is a replay), for wrk to send in turn.
python3 "$here/webhook-requests.py" bench-secret-value 60000 2 > deliveries.lua

run() { # NAME CONNECTIONS SCRIPT URL [wrk arguments...]
  local name=$1 connections=$2 script=$3 url=$4
  shift 4
  local threads=$(( connections < 2 ? connections : 2 ))
  wrk -t "$threads" -c "$connections" -d "${seconds}s" -s "$script" "$@" "$url" 2>&1 | sed -n "s/^RESULT /$name /p"
}
report="$here/wrk-report.lua"
{
  run baseline 32 "$report" "$base/health"
  run record-get 32 "$report" "$base/v1/orgs/1" -H "Authorization: Bearer $token"
  run list-50 32 "$report" "$base/v1/orgs?limit=50" -H "Authorization: Bearer $token"
  run intake 4 deliveries.lua "$base/hooks/kobo"
  run runs-page 1 "$report" "$base/dashboard/runs" -H "Cookie: comity_session=$session"
} > results.txt
awk '
  $1 == "baseline" { base = $2 }
  { rps[$1] = $2; p50[$1] = $3; p99[$1] = $4; bad[$1] = $5; order[++n] = $1 }
  END {
    printf "%-11s %12s %10s %10s %8s %s\n", "", "requests/s", "p50 ms", "p99 ms", "non-2xx", "throughput vs /health"
    for (i = 1; i <= n; i++) {
      k = order[i]
      printf "%-11s %12.0f %10.2f %10.2f %8d %.2f (1/%.1f)\n", k, rps[k], p50[k] / 1000, p99[k] / 1000, bad[k], rps[k] / base, base / rps[k]
    }
  }' results.txt
queued=$(sqlite3 .comity/comity.db "SELECT COUNT(*) FROM run_queue")
echo "intake: $queued runs queued by the deliveries (each in the transaction that kept its delivery)"
