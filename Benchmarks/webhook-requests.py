#!/usr/bin/env python3
"""A wrk script that sends N webhook deliveries in turn, each a new body signed in
GitHub's style (X-Hub-Signature-256 over the body, X-GitHub-Delivery its id), and
reports as wrk-report.lua does. Usage: webhook-requests.py SECRET N [THREADS] > deliveries.lua"""
import hashlib
import hmac
import json
import sys

secret, count = sys.argv[1].encode(), int(sys.argv[2])
# One long string, split when a thread starts: a Lua chunk holds at most 65536 constants.
lines = []
for i in range(count):
    body = json.dumps({"name": f"Applicant {i}", "country": "KE", "form": "bench"})
    mac = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
    lines.append(f"sha256={mac}\tbench-{i}\t{body}")
print("local data = [==[\n" + "\n".join(lines) + "\n]==]")
print("""local requests = {}
for signature, delivery, body in data:gmatch("([^\\t\\n]+)\\t([^\\t\\n]+)\\t([^\\n]+)\\n") do
  requests[#requests + 1] = wrk.format("POST", nil, { ["Content-Type"] = "application/json",
    ["X-Hub-Signature-256"] = signature, ["X-GitHub-Delivery"] = delivery }, body)
end
""")
# Each of wrk's threads sends its own share (thread t: t, t + threads, ...), so that
# no delivery is sent twice.
print("""local threads = {}
setup = function(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
init = function(args)
  index = id - THREADS
end
request = function()
  index = index + THREADS
  if index > #requests then index = id end
  return requests[index]
end
""".replace("THREADS", sys.argv[3] if len(sys.argv) > 3 else "2"))
with open(__file__.replace("webhook-requests.py", "wrk-report.lua")) as report:
    print(report.read())
