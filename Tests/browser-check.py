#!/usr/bin/env python3
"""The dashboard in a real browser: Debian's chromium, headless, driven over the
DevTools protocol on a pipe (--remote-debugging-pipe: no port, no websocket library).
Signs in through the form, opens every page given, presses the buttons given, and
prints what it saw as JSON: each page's address, heading and console errors (a script
error, a refused resource, a policy violation). The caller (a Swift test) judges.

usage: browser-check.py CHROMIUM BASE_URL TOKEN PROFILE_DIR PLAN.json
PLAN: {"pages": ["/dashboard/runs", ...], "clicks": [{"page": "/dashboard/runs/ID", "form": "/dashboard/runs/ID/retry"}]}
"""
import fcntl
import json
import os
import select
import subprocess
import sys
import time
import traceback

# Generous: under make test's parallel load chromium's first start on a fresh machine is slow.
TIMEOUT = 180


class Browser:
    def __init__(self, chromium, profile):
        # Chromium reads commands from its fd 3 and writes answers to its fd 4 (moved
        # there after the fork, so fds are not closed: subprocess would close them).
        commands_read, self.commands = os.pipe()
        self.answers, answers_write = os.pipe()

        def arrange():
            # Out of the way first: a pipe may already sit on 3 or 4, and dup2 onto
            # itself would keep its close-on-exec flag.
            high_read = fcntl.fcntl(commands_read, fcntl.F_DUPFD, 10)
            high_write = fcntl.fcntl(answers_write, fcntl.F_DUPFD, 10)
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        # What chromium says goes to a file beside its profile, shown when the check fails.
        self.log_path = profile.rstrip("/") + ".log"
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--remote-debugging-pipe", "--user-data-dir=" + profile, "about:blank"],
            close_fds=False, preexec_fn=arrange, stdout=subprocess.DEVNULL, stderr=log)
        log.close()
        os.close(commands_read)
        os.close(answers_write)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        while True:
            answer = self.read()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def read(self, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.answers], [], [], max(0, deadline - time.time()))
            if not ready:
                raise TimeoutError(f"chromium did not answer within {timeout:.0f} s")
            chunk = os.read(self.answers, 65536)
            if not chunk:
                raise RuntimeError("chromium closed its pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message = json.loads(raw)
        if "method" in message:
            self.events.append(message)
        return message

    def wait_for(self, method, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while True:
            for index, event in enumerate(self.events):
                if event["method"] == method:
                    del self.events[index]
                    return event
            if time.time() > deadline:
                raise TimeoutError("no " + method)
            self.read(timeout=max(1, deadline - time.time()))

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def navigate(self, url):
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def submit(self, selector):
        """Presses a form's button as a person would, and waits for the page it leads to."""
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        found = self.evaluate(f"(() => {{ const b = document.querySelector({json.dumps(selector)}); if (!b) return false; b.click(); return true; }})()")
        if not found:
            return False
        self.wait_for("Page.loadEventFired")
        return True

    def errors(self):
        """The page's complaints since the last call."""
        found = []
        for event in self.events:
            params = event.get("params", {})
            if event["method"] == "Runtime.exceptionThrown":
                found.append(params.get("exceptionDetails", {}).get("text", "exception"))
            elif event["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif event["method"] == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(params["entry"].get("text", "") + " " + params["entry"].get("url", ""))
        self.events = [e for e in self.events if e["method"] not in ("Runtime.exceptionThrown", "Runtime.consoleAPICalled", "Log.entryAdded")]
        return found

    def log_tail(self, lines=60):
        try:
            with open(self.log_path, "rb") as handle:
                return b"\n".join(handle.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError as error:
            return f"(no log: {error})"

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def seen(browser, path):
    return {"path": path, "location": browser.evaluate("location.pathname + location.search"),
            "title": browser.evaluate("document.title"),
            "heading": browser.evaluate("(document.querySelector('h1') || {}).textContent || ''"),
            "text": browser.evaluate("document.body ? document.body.innerText : ''"),
            "errors": browser.errors()}


def main():
    chromium, base, token, profile, plan_file = sys.argv[1:6]
    with open(plan_file) as handle:
        plan = json.load(handle)
    browser = Browser(chromium, profile)
    report = {"pages": [], "clicks": []}
    step = "starting chromium"
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        browser.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            browser.send(domain + ".enable")
        step = "opening the dashboard before signing in"
        browser.navigate(base + "/dashboard/runs")
        report["before_sign_in"] = seen(browser, "/dashboard/runs")
        step = "signing in"
        browser.evaluate(f"document.querySelector('input[name=token]').value = {json.dumps(token)}")
        browser.submit("form[action='/dashboard/sign-in'] button")
        report["signed_in"] = seen(browser, "/dashboard/sign-in")
        report["cookie_visible_to_scripts"] = browser.evaluate("document.cookie")
        for path in plan.get("pages", []):
            step = "opening " + path
            browser.navigate(base + path)
            report["pages"].append(seen(browser, path))
        for click in plan.get("clicks", []):
            step = f"pressing {click['form']} on {click['page']}"
            browser.navigate(base + click["page"])
            pressed = browser.submit(f"form[action='{click['form']}'] button")
            entry = seen(browser, click["page"])
            entry["pressed"] = pressed
            entry["form"] = click["form"]
            report["clicks"].append(entry)
    except Exception:
        # The caller shows standard error: what failed, where, and what chromium said.
        print(f"browser check failed while {step}:\n{traceback.format_exc()}", file=sys.stderr)
        print(f"chromium's log (last lines):\n{browser.log_tail()}", file=sys.stderr)
        browser.close()
        sys.exit(1)
    browser.close()
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
