#!/bin/sh
# The HTTP API fuzzed against its own OpenAPI document: a workspace in a temporary
# folder, `comity serve` on a free port of 127.0.0.1, and schemathesis (from PyPI, in
# .build/schemathesis, installed by `make testdeps`) generating requests from
# /v1/openapi.json with every check: no 5xx, no status, header or body the document
# does not give, 405 for methods a path does not take, bad input refused. The seed is
# fixed, so that a run can be repeated. Fails when any check fails. Not checked: that
# every schema-valid write is accepted (positive_data_acceptance), because some rules
# are the domain's, not a schema's: a link must name a record that exists, a unique
# value must be free, an Idempotency-Key sent with another request is refused (422).
# The tests of the writes check those refusals, and that they keep nothing.
set -eu
comity=$(realpath "$1")
schemathesis=$(realpath "${2:-.build/schemathesis/bin/schemathesis}")
folder=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$folder"
}
trap cleanup EXIT INT TERM
cd "$folder"
"$comity" init ws >/dev/null
cd ws
cat > comity.lua <<'LUA'
return { time_zone = "UTC", hooks = { kobo = { secret = "KOBO_SECRET", workflow = "intake-kobo" } } }
LUA
cat > Scripts/intake-kobo.lua <<'LUA'
return workflow { name = "intake-kobo", run = function(ctx) ctx.log(ctx.trigger.body) end }
LUA
export COMITY_SECRET_KOBO_SECRET=fuzzing-secret-value
"$comity" run Scripts/seed-world.lua >/dev/null
token=$("$comity" tokens create fuzzer --scope write 2>/dev/null)
"$comity" serve --port 0 2> serve.log &
server=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*address=http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' serve.log | head -n 1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "comity serve did not start:"; cat serve.log; exit 1; }
"$schemathesis" run "http://127.0.0.1:$port/v1/openapi.json" --url "http://127.0.0.1:$port" \
  -H "Authorization: Bearer $token" --checks all --exclude-checks positive_data_acceptance --max-examples 50 --seed 20261203 -w 1 --no-color
grep -q "level=error\| error " serve.log && { echo "the server logged errors:"; grep " error " serve.log; exit 1; }
echo "schemathesis: the API answers as /v1/openapi.json says"
