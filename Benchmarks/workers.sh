#!/usr/bin/env bash
# Queued trivial runs per second: `comity worker` processes (1, 2, 4) on one PostgreSQL
# server, against the same runs drained by `comity queue run` on SQLite (the baseline,
# measured in the same run). Run inside Tests/with-postgres (COMITY_TEST_POSTGRES set):
#   Tests/with-postgres Benchmarks/workers.sh .build/bench-install/bin/comity 1000
set -euo pipefail
comity="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
runs="${2:-1000}"
: "${COMITY_TEST_POSTGRES:?run inside Tests/with-postgres}"
psql="$COMITY_TEST_POSTGRES_BIN/psql"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

workflow='return workflow { name = "trivial", on = { "organisation.created" }, run = function(ctx) end }'
queue() { # folder
  mkdir -p "$1/Scripts"
  printf '%s\n' "$workflow" > "$1/Scripts/trivial.lua"
  printf 'for i = 1, %d do orgs.create { name = "o" .. i } end\n' "$runs" > "$1/make.lua"
  (cd "$1" && "$comity" run make.lua --leave-queued >/dev/null)
}
seconds() { python3 -c "import time; print(time.monotonic())"; }

sqlite="$work/sqlite"; mkdir -p "$sqlite"; echo 'return {}' > "$sqlite/comity.lua"
queue "$sqlite"
start=$(seconds); (cd "$sqlite" && "$comity" queue run >/dev/null); end=$(seconds)
baseline=$(python3 -c "print($runs / ($end - $start))")
printf 'SQLite, one process (comity queue run): %.0f runs/s (baseline)\n' "$baseline"

for workers in 1 2 4; do
  name="bench_${workers}_$$"
  "$psql" "$COMITY_TEST_POSTGRES" -q -c "CREATE DATABASE $name"
  folder="$work/pg$workers"; mkdir -p "$folder"
  # Without TLS, which the test server offers: on the loopback it measures only encryption.
  echo "return { store = { postgres = \"${COMITY_TEST_POSTGRES%/*}/$name?sslmode=disable\" } }" > "$folder/comity.lua"
  queue "$folder"
  start=$(seconds)
  for _ in $(seq "$workers"); do (cd "$folder" && "$comity" worker --exit-when-idle --poll 100ms --log-level error) & done
  wait
  end=$(seconds)
  done_runs=$("$psql" "${COMITY_TEST_POSTGRES%/*}/$name" -tAc "SELECT count(*) FROM runs WHERE workflow = 'trivial' AND outcome = 'succeeded'")
  rate=$(python3 -c "print($runs / ($end - $start))")
  printf 'PostgreSQL, %d worker(s): %.0f runs/s, %.2fx the SQLite baseline (%s of %s runs succeeded)\n' \
    "$workers" "$rate" "$(python3 -c "print($rate / $baseline)")" "$done_runs" "$runs"
done
