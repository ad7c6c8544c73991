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
* Then the port's declared ``quality`` rules that name a ``rule`` (``declared_rules``), in declared
  order: ``nullCheck`` a ``non_null_expectation`` on its column, ``uniqueCheck`` a
  ``uniqueness_expectation`` that ignores NULLs (both with the rule's ``threshold``, the share of rows
  that must pass),
  ``rowCount`` a table condition ``COUNT(*) >= <minRows>``, ``sql`` a ``sql_assertion`` (the query returns
  the rows that break the expectation): sqlglot's BigQuery rendering of it with ODCS's ``{object}`` as
  the scanned table's backquoted ```project.dataset.table``` (``quality_sql``). Their dimension is the
  ODCS one in Dataplex's words (``DIMENSIONS``).
  Named by the rule's ``name``, else by what they check (``not-null-<column>``, ``unique-<column>``,
  ``min-rows``, ``sql-<hash of the query>``). Rules without a ``rule`` are declarative: no scan rule.

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

from ..declaration import quality_sql
from ..product import standards
from ..declaration.model import OutputPort
from ..declaration.quality import QualityCheck, QualityDimension, QualityRule
from ..declaration.types import ColumnRole, parse_duration
from ..declaration.types import Confidentiality
from ..settings.platform import PolicyTagSettings
from ..product.column_security import column_tags
from ..declaration.quality_names import rule_name
from ..declaration.quality_names import scan_rule_name

FRESHNESS, COMPLETENESS, VOLUME = "FRESHNESS", "COMPLETENESS", "VOLUME"
SCAN_ID_MAX = 63
HOURLY_DIVISORS = (1, 2, 3, 4, 6, 8, 12, 24)
D = QualityDimension
DIMENSIONS = {D.ACCURACY: "ACCURACY", D.COMPLETENESS: COMPLETENESS, D.CONFORMITY: "VALIDITY",
              D.CONSISTENCY: "CONSISTENCY", D.COVERAGE: COMPLETENESS, D.TIMELINESS: FRESHNESS,
              D.UNIQUENESS: "UNIQUENESS"}
"""ODCS dimensions in Dataplex's built-in ones (conformity is validity, coverage a kind of completeness)."""


def scan_id(product: str, port: str, major: int) -> str:
    """``dq-<product>-<port>-v<major>``: lowercase letters, digits and '-', at most 63 characters."""
    return standards.shorten(f"dq-{product}-{port.replace('_', '-')}-v{major}", SCAN_ID_MAX)


def quality_rules(port: OutputPort, table: str) -> list[dict]:
    """The data-quality rules of ``port``'s SLOs, row count > 0 and its declared checks, in a stable order;
    ``table`` is the scanned port table, ``project.dataset.table``."""
    rules = [freshness_rule(port)] if port.slos.freshness else []
    if port.slos.completeness is not None:
        rules += [completeness_rule(column.name, float(port.slos.completeness))
                  for column in port.columns if column.required and not column.repeated]
    rules.append(row_count_rule())
    return rules + declared_rules(port, table)


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


def declared_rules(port: OutputPort, table: str) -> list[dict]:
    """The port's declared quality rules a scan can check (those with a ``rule``), in declared order."""
    return [declared_rule(q, table) for q in port.quality if q.rule is not None]


def declared_rule(q: QualityRule, table: str) -> dict:
    """One declared, machine-checkable quality rule as a Dataplex rule on ``table`` (``project.dataset.table``)."""
    out = {"name": scan_rule_name(q), "dimension": DIMENSIONS[q.dimension], "description": q.description}
    share = {"threshold": float(q.threshold)} if q.threshold else {}
    if q.rule == QualityCheck.NULL_CHECK:
        return out | {"column": q.column, "non_null_expectation": {}} | share
    if q.rule == QualityCheck.UNIQUE_CHECK:  # NULLs are no duplicates (ODCS duplicateValues): ignored
        return out | {"column": q.column, "uniqueness_expectation": {}, "ignore_null": True} | share
    if q.rule == QualityCheck.ROW_COUNT:
        return out | {"table_condition_expectation": {"sql_expression": f"COUNT(*) >= {q.min_rows}"}}
    return out | {"sql_assertion": {"sql_statement": quality_sql.render(q.query, table)}}


def rule_columns(port: OutputPort) -> set[str]:
    """Top-level columns the scan's rules read: those they name, and those a SQL rule reads (all of
    them through a ``*``, ``quality_sql.read_columns``). The table does not change which."""
    read = {rule["column"] for rule in quality_rules(port, quality_sql.STAND_IN) if "column" in rule}
    top = [c.name for c in port.columns]
    for q in port.quality:
        if q.rule == QualityCheck.SQL and q.query:
            read |= quality_sql.read_columns(q.query, top)
    return read


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


def scanned_tags(port: OutputPort, default: Confidentiality,
                 tags: dict[Confidentiality, PolicyTagSettings]) -> list[str]:
    """Policy tags a data-quality scan of ``port`` reads through (the columns its rules read).

    Completeness reads the required top-level columns, freshness the processing-time column, a
    declared check its column, a SQL rule the columns it names and, through a ``*`` over the port
    table, every column but those it EXCEPTs; a scan that cannot read a tagged column fails (BigQuery
    refuses the whole query), and a masked one could count masked values as NULL.
    """

    read = rule_columns(port)
    if port.slos.freshness:
        read.add(processing_time_column(port))
    return sorted({tag for path, tag in column_tags(port.columns, default, tags).items()
                   if path.split(".")[0] in read})
