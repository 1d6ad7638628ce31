#!/usr/bin/env python3
"""Whole-process start-up of the comity binary, as cron and an editing loop meet it.

Each case runs N times (default 20) as a child process; the figure is the median wall
time. The baseline, measured in the same run and interleaved with the cases so that load
on a shared machine falls on both alike, is the sqlite3 shell inserting one row into a
file database: the least a command that records something can do. Targets (issue 16):
`comity run` of a trivial script and `comity tick` with 20 schedules, none due, at most
3x the baseline; `comity --version` at most 1.5x.

Then the instructions each command executes (valgrind's callgrind, on a stripped copy
of the binary: valgrind cannot read the toolchain's debug information), which load on
the machine cannot disturb: `comity run` of `return 1`, `comity --version`, `comity tick`.

usage: Benchmarks/startup.py [path/to/comity] [runs]
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def timed(argv, cwd):
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    comity = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/comity")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    sqlite3 = shutil.which("sqlite3")
    if sqlite3 is None:
        sys.exit("startup.py: sqlite3 (the baseline) is not installed; `make bench` installs it")
    with tempfile.TemporaryDirectory() as folder:
        workspace = os.path.join(folder, "ws")
        subprocess.run([comity, "init", "--bare", workspace], check=True, stdout=subprocess.DEVNULL)
        scripts = os.path.join(workspace, "Scripts")
        with open(os.path.join(scripts, "trivial.lua"), "w") as f:
            f.write("return 1\n")
        for i in range(1, 21):
            with open(os.path.join(scripts, f"w{i}.lua"), "w") as f:
                f.write(f'return workflow {{ name = "w{i}", schedule = "0 3 * * *", '
                        f'run = function(ctx) ctx.log("ran") end }}\n')
        # The schedules are synced once, so that the measured ticks find nothing new.
        subprocess.run([comity, "tick", "--now", "2021-03-01T12:00"], cwd=workspace, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        baseline_db = os.path.join(folder, "baseline.db")
        subprocess.run([sqlite3, baseline_db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"], check=True)

        cases = {
            "sqlite3 one-row insert (baseline)": [sqlite3, baseline_db, "INSERT INTO t (v) VALUES ('x')"],
            "comity --version": [comity, "--version"],
            "comity run trivial.lua": [comity, "run", "Scripts/trivial.lua"],
            "comity tick, 20 schedules, none due": [comity, "tick", "--now", "2021-03-01T12:01"],
        }
        targets = {"comity --version": 1.5, "comity run trivial.lua": 3.0,
                   "comity tick, 20 schedules, none due": 3.0}
        times = {name: [] for name in cases}
        for argv in cases.values():  # warm the page cache
            timed(argv, workspace)
        for _ in range(runs):
            for name, argv in cases.items():
                times[name].append(timed(argv, workspace))
        base = statistics.median(times["sqlite3 one-row insert (baseline)"])
        print(f"start-up, whole process, median of {runs} (interleaved):")
        for name, samples in times.items():
            median = statistics.median(samples)
            line = f"  {name:<40} {median * 1000:7.1f} ms  {median / base:5.2f}x baseline"
            if name in targets:
                line += f"  (target <= {targets[name]}x: {'met' if median / base <= targets[name] else 'NOT met'})"
            print(line)

        valgrind = shutil.which("valgrind")
        if valgrind is None:
            print("instructions: valgrind is not installed; `make bench` installs it")
            return
        stripped = os.path.join(folder, "comity-stripped")
        shutil.copyfile(comity, stripped)
        os.chmod(stripped, 0o755)
        subprocess.run(["strip", stripped], check=True)
        print("instructions per command (callgrind, stripped binary, every thread):")
        counted = [("comity run trivial.lua", ["run", "Scripts/trivial.lua"]), ("comity --version", ["--version"]),
                   ("comity tick, 20 schedules, none due", ["tick", "--now", "2021-03-01T12:01"])]
        # Once natively first: the workflow catalog kept between processes is signed by
        # the binary, and this copy is another file.
        for _, argv in counted:
            subprocess.run([stripped] + argv, cwd=workspace, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, argv in counted:
            done = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", stripped] + argv,
                                  cwd=workspace, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
            count = f"{int(found.group(1)) / 1e6:7.1f} M" if found else "    ? (no count)"
            print(f"  {name:<40} {count}")


if __name__ == "__main__":
    main()
