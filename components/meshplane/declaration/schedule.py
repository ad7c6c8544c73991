"""Cron schedules: the shortest interval between two runs, to refuse overlapping executions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from croniter import CroniterError, croniter

_SAMPLE_START = datetime(2026, 1, 1)  # fixed, so the result never depends on today's date
_SAMPLE_RUNS = 400


@lru_cache(maxsize=256)
def shortest_interval(cron: str, time_zone: str = "UTC") -> timedelta:
    """The shortest gap between consecutive runs of ``cron`` over a year of samples (DST included)."""
    start = _SAMPLE_START.replace(tzinfo=ZoneInfo(time_zone))
    runs = croniter(cron, start)
    try:
        previous = runs.get_next(datetime)
    except CroniterError:
        return timedelta.max  # never fires: the cron check reports it
    shortest = timedelta.max
    horizon = start + timedelta(days=400)
    for _ in range(_SAMPLE_RUNS):
        current = runs.get_next(datetime)
        if current.replace(tzinfo=None) == previous.replace(tzinfo=None):
            continue  # a wall-clock time repeated when DST ends runs once
        shortest = min(shortest, current.astimezone(timezone.utc) - previous.astimezone(timezone.utc))
        if current > horizon:
            break
        previous = current
    return shortest
