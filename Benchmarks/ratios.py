#!/usr/bin/env python3
"""Ratios of each benchmark to the baseline measured beside it in the same run.

Reads package-benchmark's text output. Benchmarks are grouped by the text before the
first ':' of their names ("call: ...", "state: ...", "loop: ..."); the one whose name
says "(baseline)" is the group's baseline. Wall-clock p0 (the least disturbed sample
on a shared machine) and p50 are compared.
"""
import re
import sys


def parse(text):
    results, name = {}, None
    for line in text.splitlines():
        if re.match(r"^\w[^│╒╞├╘═]*:", line) and "│" not in line:
            name = line.strip()
        elif name and "Time (wall clock)" in line:
            cells = [c.strip() for c in line.split("│") if c.strip()]
            numbers = [int(c) for c in cells[1:] if c.isdigit()]
            if len(numbers) >= 3:
                results[name] = {"p0": numbers[0], "p50": numbers[2]}
    return results


def main(path):
    results = parse(open(path, encoding="utf-8").read())
    groups = {}
    for name, figures in results.items():
        groups.setdefault(name.split(":", 1)[0], []).append((name, figures))
    print("\nRatios to the baseline of the same run (wall clock):")
    print(f"{'benchmark':72} {'p0':>6} {'p50':>6}")
    for group, members in groups.items():
        baselines = [m for m in members if "(baseline)" in m[0]]
        if not baselines:
            continue
        base = baselines[0][1]
        for name, figures in members:
            if name == baselines[0][0]:
                continue
            p0 = figures["p0"] / base["p0"] if base["p0"] else float("nan")
            p50 = figures["p50"] / base["p50"] if base["p50"] else float("nan")
            print(f"{name[:72]:72} {p0:5.2f}x {p50:5.2f}x")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/dev/stdin")
