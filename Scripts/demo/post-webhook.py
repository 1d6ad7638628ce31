#!/usr/bin/env python3
"""The demo's last step: start `comity serve` for a few seconds, post a signed webhook
(GitHub's X-Hub-Signature-256 style) into the intake, and show the run it queued.
Run in the demo workspace: post-webhook.py PATH-TO-COMITY."""
import hashlib, hmac, json, os, re, signal, subprocess, sys, urllib.error, urllib.request

comity = sys.argv[1]
secret = "demo-forms-secret-not-for-production"
env = dict(os.environ, COMITY_SECRET_FORMS_SECRET=secret)
token = subprocess.run([comity, "tokens", "create", "demo-%d" % os.getpid()], env=env, check=True,
                       capture_output=True, text=True).stdout.strip()
server = subprocess.Popen([comity, "serve", "--port", "0"], env=env, stderr=subprocess.PIPE, text=True)
try:
    address = None
    for line in server.stderr:
        found = re.search(r"address=(http://\S+)", line)
        if found:
            address = found.group(1)
            break
    if not address:
        sys.exit("comity serve did not start")
    print("comity serve listening on", address)
    body = json.dumps({"organisation": "Hope for Children Kenya", "country": "KE", "kind": "national_ngo"}).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(address + "/hooks/forms", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": signature, "X-GitHub-Delivery": "demo-%d" % os.getpid()})
    with urllib.request.urlopen(request) as answer:
        print("POST /hooks/forms ->", answer.status, answer.read().decode())
    request.add_header("X-Hub-Signature-256", "sha256=" + "0" * 64)
    try:
        urllib.request.urlopen(request)
    except urllib.error.HTTPError as refused:
        print("the same with a forged signature ->", refused.code, json.loads(refused.read())["detail"])
    queue = urllib.request.Request(address + "/v1/queue", headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(queue) as answer:
        print("GET /v1/queue ->", answer.read().decode())
finally:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
subprocess.run([comity, "tokens", "revoke", "demo-%d" % os.getpid()], env=env, check=True, capture_output=True)
print("comity serve stopped (exit %d); the queued run, as comity daemon or a worker would take it:" % server.returncode)
subprocess.run([comity, "queue", "run"], env=env, check=True)
