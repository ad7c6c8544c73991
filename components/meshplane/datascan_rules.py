"""A port's declared SLOs as Dataplex data-quality rules and a scan schedule (pure: no Pulumi).

Rules are plain dicts in the provider's Python argument form (snake_case keys of
``gcp.dataplex.DatascanDataQualitySpecRuleArgs``), so they can be compared in tests and converted
one to one by ``gcp/observability.py``:

* ``freshness`` (dimension FRESHNESS), only with ``slos.freshness``: a table condition
  ``IFNULL(TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), MAX(`<processingTime>`), SECOND) <= <seconds>, FALSE)``.
  The ``IFNULL`` makes an empty table fail the rule instead of yielding NULL; the column is
  backquoted, as a column may be named like a keyword.
* ``completeness-<column>`` (dimension COMPLETENESS), only with ``slos.completeness``: a
  ``non_null_expectation`` per *required top-level* column, ``threshold`` = the SLO ratio (the share of
  rows that must pass). Nested required fields are not checked (a rule takes a top-level column).
* ``row-count`` (dimension VOLUME), always: a table condition ``COUNT(*) > 0``.

Dimensions are among Dataplex's supported ones: COMPLETENESS, ACCURACY, CONSISTENCY, VALIDITY,
UNIQUENESS, FRESHNESS, VOLUME. Rule names: letters, digits and '-', starting with a letter, at most
63 characters.

Schedule (``scan_cron``): a scan every ``period`` hours, where ``period`` is a quarter of the freshness
SLO, clamped to 1..24 hours and rounded down to a divisor of 24 (1, 2, 3, 4, 6, 8, 12, 24), so a
stale port is seen within a quarter of its SLO; daily without a freshness SLO. The minute (and, for
daily scans, the hour offset) comes from a hash of the scan id, so the scans of a mesh do not all start
at once. Crons are in UTC (Dataplex's default).
"""

from __future__ import annotations

import hashlib

from . import standards
from .declaration.model import OutputPort
from .declaration.types import ColumnRole, parse_duration

FRESHNESS, COMPLETENESS, VOLUME = "FRESHNESS", "COMPLETENESS", "VOLUME"
RULE_NAME_MAX = 63
SCAN_ID_MAX = 63
HOURLY_DIVISORS = (1, 2, 3, 4, 6, 8, 12, 24)


def scan_id(product: str, port: str, major: int) -> str:
    """``dq-<product>-<port>-v<major>``: lowercase letters, digits and '-', at most 63 characters."""
    return standards.shorten(f"dq-{product}-{port.replace('_', '-')}-v{major}", SCAN_ID_MAX)


def quality_rules(port: OutputPort) -> list[dict]:
    """The data-quality rules of ``port``'s SLOs plus row count > 0, in a stable order."""
    rules = [freshness_rule(port)] if port.slos.freshness else []
    if port.slos.completeness is not None:
        rules += [completeness_rule(column.name, float(port.slos.completeness))
                  for column in port.columns if column.required and not column.repeated]
    rules.append(row_count_rule())
    return rules


def processing_time_column(port: OutputPort) -> str:
    """The port's processingTime column (the declaration rules guarantee exactly one)."""
    return next(c.name for c in port.columns if c.role == ColumnRole.PROCESSING_TIME)


def freshness_seconds(freshness: str) -> int:
    """An ISO 8601 freshness SLO in whole seconds: ``PT26H`` -> 93600."""
    return int(parse_duration(freshness).total_seconds())


def freshness_rule(port: OutputPort) -> dict:
    seconds = freshness_seconds(port.slos.freshness)
    column = processing_time_column(port)
    return {
        "name": "freshness", "dimension": FRESHNESS,
        "description": f"Newest {column} is at most {port.slos.freshness} ({seconds} s) old.",
        "table_condition_expectation": {"sql_expression": (
            f"IFNULL(TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), MAX(`{column}`), SECOND) <= {seconds}, FALSE)")},
    }


def completeness_rule(column: str, ratio: float) -> dict:
    return {
        "name": rule_name(f"completeness-{column}"), "dimension": COMPLETENESS, "column": column,
        "description": f"At least {ratio:g} of the rows have a non-null {column}.",
        "non_null_expectation": {}, "threshold": ratio,
    }


def row_count_rule() -> dict:
    return {"name": "row-count", "dimension": VOLUME, "description": "The port table is not empty.",
            "table_condition_expectation": {"sql_expression": "COUNT(*) > 0"}}


def rule_name(raw: str) -> str:
    """A valid rule name: '_' becomes '-', hash-shortened to 63 characters."""
    return standards.shorten(raw.replace("_", "-").lower(), RULE_NAME_MAX)


def scan_period_hours(freshness: str | None) -> int:
    """Hours between scans: a quarter of the freshness SLO in 1..24, a divisor of 24; 24 without one."""
    if not freshness:
        return 24
    quarter = freshness_seconds(freshness) / 4 / 3600
    return max(d for d in HOURLY_DIVISORS if d <= max(1.0, min(24.0, quarter)))


def scan_cron(scan_id: str, freshness: str | None) -> str:
    """The scan's five-field cron (UTC), staggered by a hash of ``scan_id``."""
    digest = int(hashlib.sha256(scan_id.encode("utf-8")).hexdigest()[:8], 16)
    minute, period = digest % 60, scan_period_hours(freshness)
    if period == 1:
        return f"{minute} * * * *"
    offset = (digest // 60) % period
    hours = ",".join(str(h) for h in range(offset, 24, period))
    return f"{minute} {hours} * * *"
