#!/usr/bin/env python3
"""Writes next-times.tsv: expression, time zone, start and the next time after it, as
computed by cronsim (https://pypi.org/project/cronsim/, Debian cron's behaviour),
an implementation independent of Comity's. The tests compare CronSchedule with it.

Regenerate with `pip install cronsim==2.8 && python3 generate.py` (seeded: the same
file each time for the same cronsim and tzdata).
"""
import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from cronsim import CronSim

EXPRESSIONS = [
    "* * * * *", "*/5 * * * *", "*/15 * * * *", "0 * * * *", "30 * * * *", "15,45 * * * *",
    "0 */2 * * *", "0 0 * * *", "30 2 * * *", "0 1 * * *", "30 1 * * *", "0 3 * * *", "45 23 * * *",
    "0 8 * * 1", "0 8 * * MON-FRI", "0 8 * * mon,wed,fri", "30 9 * * 1-5", "0 9-17 * * 1-5",
    "*/10 9-17 * * 1-5", "0 12 1 * *", "0 0 1 1 *", "0 0 29 2 *", "0 0 31 * *", "0 6 15 * 5",
    "0 6 1,15 * 1", "0 0 * * 0", "0 0 * * 7", "5 4 * * sun", "0 22 * * 6,0", "0 0 1 */3 *",
    "0 0 1 JAN,APR,JUL,OCT *", "0 8 * jun-aug *", "0 8 10-20 * 2", "1-5 2 * * *", "0,30 1-3 * * *",
    "10/20 * * * *", "0 2/3 * * *", "59 23 31 12 *", "0 0 */2 * *", "0 0 * * */2",
    "30 2 * * 0", "0 2 * 3 0", "15 1 * 10,11 0", "0 0-3 * * *", "*/30 0-4 * * *", "0 4 8-14 * 1",
    "@hourly", "@daily", "@weekly", "@monthly", "@yearly",
]
# cronsim reads five fields only; the shorthands as Vixie cron defines them.
SHORTHANDS = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0",
              "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *"}
ZONES = ["UTC", "Europe/London", "America/New_York", "Europe/Moscow", "Australia/Lord_Howe",
         "Asia/Kolkata", "Europe/Berlin"]
# Around these moments each zone changed its offset (DST, or Moscow's 2011 and 2014 reforms).
EDGE_YEARS = [2011, 2014, 2024, 2026]


def transitions(zone, year):
    """Instants in `year` at which `zone`'s offset changes, found by hourly scanning."""
    tz = ZoneInfo(zone)
    t = datetime(year, 1, 1, tzinfo=timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    found = []
    last = t.astimezone(tz).utcoffset()
    while t < end:
        t2 = t + timedelta(minutes=30)
        off = t2.astimezone(tz).utcoffset()
        if off != last:
            found.append(t2)
            last = off
        t = t2
    return found


def is_interval(expression):
    fields = SHORTHANDS.get(expression, expression).split()
    return fields[0].startswith("*") or fields[1].startswith("*")


def matches(expression, wall):
    """Whether a wall-clock time (naive) matches, asked of cronsim in naive time."""
    return next(CronSim(SHORTHANDS.get(expression, expression), wall - timedelta(minutes=1))) == wall


def by_the_clock(expression, tz, start):
    """An interval schedule's next time, minute by minute as Vixie cron reads the clock:
    the first whole minute after `start` whose wall-clock reading matches."""
    t = start.astimezone(timezone.utc).replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(3 * 24 * 60):
        if matches(expression, t.astimezone(tz).replace(tzinfo=None)):
            return t
        t += timedelta(minutes=1)
    return None


def main():
    rng = random.Random(20261129)
    rows = set()
    corrected = []
    for zone in ZONES:
        tz = ZoneInfo(zone)
        starts = []
        for year in EDGE_YEARS:
            for edge in transitions(zone, year):
                for minutes in (-240, -150, -90, -61, -45, -30, -1, 0, 1, 30, 59, 90, 150):
                    starts.append(edge + timedelta(minutes=minutes))
        for _ in range(12):
            starts.append(datetime(2010, 1, 1, tzinfo=timezone.utc)
                          + timedelta(seconds=rng.randrange(0, 20 * 365 * 86400)))
        for expression in EXPRESSIONS:
            for start in rng.sample(starts, min(len(starts), 10)):
                local = start.astimezone(tz)
                it = CronSim(SHORTHANDS.get(expression, expression), local)
                previous = local
                for _ in range(3):
                    nxt = next(it)
                    # cronsim may answer a time before the start when the start lies in
                    # the second pass of a repeated hour; Comity then waits for the next
                    # day. Those answers are left out.
                    if nxt.timestamp() <= previous.timestamp():
                        break
                    # Across an offset change an interval schedule follows the clock;
                    # cronsim's answer is checked minute by minute there, and where it
                    # disagrees (Lord Howe's half-hour changes) the clock's is kept.
                    if is_interval(expression) and previous.utcoffset() != nxt.utcoffset():
                        clock = by_the_clock(expression, tz, previous)
                        if clock is not None and clock.timestamp() != nxt.timestamp():
                            corrected.append((expression, zone, previous.isoformat(), nxt.isoformat(), clock.isoformat()))
                            nxt = clock.astimezone(tz)
                            it = CronSim(SHORTHANDS.get(expression, expression), nxt)
                    rows.add((expression, zone, int(previous.timestamp()), int(nxt.timestamp())))
                    previous = nxt
    with open("next-times.tsv", "w") as out:
        out.write("# expression\tzone\tstart (Unix seconds)\tnext (Unix seconds), from cronsim 2.8; see generate.py\n")
        out.write(f"# {len(corrected)} answers across Lord Howe's half-hour changes are the wall clock's, not cronsim's\n")
        for row in sorted(rows):
            out.write("\t".join(str(v) for v in row) + "\n")
    print(len(rows), "rows;", len(corrected), "cronsim answers replaced by the clock's:")
    for c in corrected:
        print("  ", *c)


if __name__ == "__main__":
    main()
