"""The Cron library (Sources/Cron, through uvw-cron) against PyPI `cronsim`, computed at test time:
the next runs of 100 and more expressions in four time zones from instants around each zone's 2026 DST
shifts (Europe/Berlin, America/New_York, Australia/Lord_Howe with its 30-minute shift) and from
ordinary days, and the same refusals of malformed expressions.

cronsim (Healthchecks.io's) is the oracle because it follows Debian's cron across DST — a fixed time
skipped by a shift runs at the shift, a repeated one once, other jobs follow real time — where PyPI
`croniter` returns wall-clock times that do not exist or skips a day after a shift back (checked
2026-12-06 with croniter 2.0.7 and 6.0.0). One exception: across Lord Howe's 30-minute shifts
cronsim steps real-time jobs by whole hours (`30 * * * *` loses the repeated 01:30 and then runs
02:30 as 03:30 on 2026-10-04), so there the real-time jobs' oracle is cronsim's own wall-clock
matches (in UTC, where it applies no DST rule) mapped to the instants that show them, which is what
"follows real time" means.
"""

from __future__ import annotations

import itertools
import json
import random
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

cronsim = pytest.importorskip("cronsim")

REPO = Path(__file__).resolve().parents[2]
UVW_CRON = REPO / ".build" / "debug" / "uvw-cron"
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]
RUNS = 6

FIXED = [
    "0 0 * * *", "30 2 * * *", "15 3 * * *", "0 2 * * *", "45 1 * * *", "59 23 * * *", "0 12 * * MON-FRI",
    "30 1,2,3 * * *", "0 */6 * * *", "5 2/3 * * *", "0 9-17 * * 1-5", "0 0 1 * *", "0 0 L * *", "0 0 15,L * *",
    "30 2 * * SUN", "0 0 * * 5L", "0 10 * * 1#2", "0 10 * * FRI#5", "0 8 1-7 * MON", "0 0 29 2 *",
    "0 0 31 * *", "0 0 * JAN,JUL *", "0 6 * MAR-OCT SAT,SUN", "10 2 25-31 3 SUN", "10 2 25-31 10 SUN",
    "0 2 1-7 4 SUN", "0 2 1-7 10 SUN", "30 2 * 3 *", "30 2 * 10 *", "0 0,12 1 1 *", "0 3 * * 0",
    "0 3 * * 7", "0 1 * * 1,3,5", "20 4 1,15 * *", "0 0 1 */3 *", "0 2 8-14 3 SUN", "0 1 1-7 11 SUN",
    "30 2 1 4 *", "2 2 * * *", "0 23 * * *", "0 0 1 1 *", "0 0 1,15 * MON", "15 14 1 * *", "0 22 * * 1-5",
    "23 0-20/2 * * *", "5 4 * * SUN", "0 0,12 * * *", "0 4 8-14 * *", "0 0 1 JAN-JUN *", "30 3 * * 1,5",
    "0 2 * * 0-6", "1 2 3 4 *", "59 1 * * *", "0 3 L 2 *", "0 2 L 10 *", "0 1 * * SAT#1", "45 2 * * 6L",
    "0 12 29 2 MON", "0 5 */2 * *", "0 7 1-10/3 * *",
]
REAL_TIME = [
    "* * * * *", "*/5 * * * *", "*/15 * * * *", "*/30 * * * *", "0 * * * *", "30 * * * *", "*/7 * * * *",
    "0-10 * * * *", "* 2 * * *", "*/10 2 * * *", "0 * * * SUN", "15 * 1 * *", "*/20 1-3 * * *",
    "0 * * 3 *", "0 * * 10,11 *", "45 * * * 1-5", "* */2 * * *", "0 * L * *", "*/30 * * * 5L", "0 * * * 0#1",
    "*/45 * * * *", "59 * * * *", "0,30 * * * SAT", "*/3 * * * *", "10-20 * * * *", "0 * 1-7 * SUN",
    "* 1 * * *", "30 */3 * * *", "0 */4 * * *", "*/25 1-4 * * *",
]
SIX_FIELDS = [
    "0 0 0 * * *", "*/10 * * * * *", "30 30 2 * * *", "0 */15 * * * *", "15,45 * * * * *", "0 0 12 * * MON",
    "0 30 1-3 * * *", "5 0 2 * * SUN", "0 0 0 L * *", "0 0 */4 * * *", "30 * * * * *", "0 0 2 * * *",
    "*/20 30 * * * *", "59 59 23 * * *", "0 15 3 * * 1-5",
]
EXPRESSIONS = FIXED + REAL_TIME + SIX_FIELDS
assert len(set(EXPRESSIONS)) >= 100


def starts(zone: str) -> list[datetime]:
    """Instants around each of the zone's 2026 offset changes, and ordinary ones."""
    tz = ZoneInfo(zone)
    rng = random.Random(21)
    points = [datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(3)]
    previous = None
    hour = datetime(2026, 1, 1, tzinfo=timezone.utc)
    while hour.year == 2026:
        offset = hour.astimezone(tz).utcoffset()
        if previous is not None and offset != previous:
            points += [hour + timedelta(minutes=m) for m in (-181, -61, -30, 0, 45, 121)]
        previous = offset
        hour += timedelta(minutes=30)
    return [p.astimezone(tz) for p in points]


def oracle(expr: str, start: datetime) -> list[int] | str:
    try:
        it = cronsim.CronSim(expr, start)
        return [int(next(it).timestamp()) for _ in range(RUNS)]
    except cronsim.CronSimError as error:
        return f"error: {error}"


def follows_real_time(expr: str) -> bool:
    fields = expr.split()
    return len(fields) == 6 or fields[0].startswith("*") or fields[1].startswith("*")


def real_time_oracle(expr: str, start: datetime) -> list[int] | str:
    """Every instant after `start` whose wall clock matches, the matches taken from cronsim in
    UTC (plain wall-clock arithmetic) and mapped through zoneinfo: none in a skipped hour, two in
    a repeated one."""
    tz = start.tzinfo
    naive = start.replace(tzinfo=None) - timedelta(hours=2)
    try:
        walls = cronsim.CronSim(expr, naive.replace(tzinfo=timezone.utc))
        instants: set[int] = set()
        while True:
            wall = next(walls).replace(tzinfo=None)
            for fold in (0, 1):
                local = wall.replace(tzinfo=tz, fold=fold)
                if local.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) == wall:  # exists
                    instant = int(local.timestamp())
                    if instant > start.timestamp():
                        instants.add(instant)
            # A later wall-clock match can come earlier in real time only across a shift back
            # (at most an hour here): stop two hours of wall clock past the last run wanted.
            if len(instants) >= RUNS:
                last = datetime.fromtimestamp(sorted(instants)[RUNS - 1], tz).replace(tzinfo=None)
                if wall > last + timedelta(hours=2):
                    return sorted(instants)[:RUNS]
    except cronsim.CronSimError as error:
        return f"error: {error}"


def ours(requests: list[dict]) -> list[dict]:
    text = "\n".join(json.dumps(r) for r in requests) + "\n"
    out = subprocess.run([str(UVW_CRON)], input=text, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def in_repeated_hour(start: datetime) -> bool:
    """A start inside the second copy of a repeated hour: cronsim reads it as a wall-clock time
    and may answer with an instant before it; the library never does (its runs come after)."""
    naive = start.replace(tzinfo=None)
    first = naive.replace(tzinfo=start.tzinfo, fold=0)
    second = naive.replace(tzinfo=start.tzinfo, fold=1)
    return first.utcoffset() != second.utcoffset()


@pytest.mark.parametrize("zone", ZONES)
def test_next_runs_equal_cronsims(zone):
    cases = [(expr, start) for expr, start in itertools.product(EXPRESSIONS, starts(zone)) if not in_repeated_hour(start)]
    answers = ours([{"expr": expr, "tz": zone, "start": start.timestamp(), "n": RUNS} for expr, start in cases])
    mismatches = []
    for (expr, start), answer in zip(cases, answers):
        expected = real_time_oracle(expr, start) if zone == "Australia/Lord_Howe" and follows_real_time(expr) else oracle(expr, start)
        got = answer.get("runs", f"error: {answer.get('error')}")
        if isinstance(expected, str) != isinstance(got, str) or (not isinstance(expected, str) and expected != got):
            show = (lambda v: v if isinstance(v, str) else [datetime.fromtimestamp(t, ZoneInfo(zone)).isoformat() for t in v])
            mismatches.append(f"{expr!r} from {start.isoformat()}: cronsim {show(expected)}, ours {show(got)}")
    assert len(cases) >= 200
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ:\n" + "\n".join(mismatches[:15])


@pytest.mark.parametrize("expr", [
    "", "* * * *", "* * * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *",
    "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *", "* * * FOO *", "* * * * MON#6", "1,,2 * * * *",
    "0 0 31 2 *", "0 0 30 2 *",
])
def test_malformed_expressions_are_refused_as_cronsim_refuses_them(expr):
    start = datetime(2026, 6, 1, tzinfo=timezone.utc)
    expected = oracle(expr, start) if expr.strip() else "error: empty"
    got = ours([{"expr": expr, "tz": "UTC", "start": start.timestamp(), "n": 1}])[0]
    assert isinstance(expected, str), f"cronsim accepts {expr!r}: {expected}"
    assert "error" in got, f"{expr!r} was accepted: {got}"
