"""Data-quality expectations of an output port beyond its SLOs, shaped after ODCS ``quality`` rules.

A rule states a dimension and a description. With a ``rule`` it is machine-checked: the port's
Dataplex data-quality scan runs it (``datascan_rules.declared_rules``). Without one it is
declarative: it reaches the contract (ODCS), the descriptor and the catalog as text, nothing checks it.
Cross-field checks (which fields each rule needs, the columns it names) are in ``quality_checks.py``.
"""

from __future__ import annotations

from enum import Enum

from pydantic import Field

from .base import Strict
from .types import ColumnName, Ratio

OBJECT_PLACEHOLDER = "{object}"  # ODCS's name for the table a SQL rule reads


class QualityDimension(str, Enum):
    """The ODCS data-quality dimensions."""

    ACCURACY = "accuracy"
    COMPLETENESS = "completeness"
    CONFORMITY = "conformity"
    CONSISTENCY = "consistency"
    COVERAGE = "coverage"
    TIMELINESS = "timeliness"
    UNIQUENESS = "uniqueness"


class QualityCheck(str, Enum):
    """The machine-checkable rule types (each a Dataplex data-quality rule)."""

    NULL_CHECK = "nullCheck"
    UNIQUE_CHECK = "uniqueCheck"
    ROW_COUNT = "rowCount"
    SQL = "sql"


class QualityRule(Strict):
    """One data-quality expectation: declarative, or checked by the port's data-quality scan."""

    name: str | None = Field(None, min_length=1, max_length=63,
                             description="Short name (ODCS quality name); names the scan's rule, else derived.")
    dimension: QualityDimension = Field(description="ODCS dimension: accuracy, completeness, conformity, "
                                                    "consistency, coverage, timeliness or uniqueness.")
    description: str = Field(min_length=1, max_length=1024,
                             description="The expectation in words (at most 1,024 characters, Dataplex's limit).")
    rule: QualityCheck | None = Field(
        None, description="nullCheck, uniqueCheck (with column), rowCount (with minRows) or sql (with query): "
                          "checked by the data-quality scan; absent: declarative only.")
    column: ColumnName | None = Field(
        None, description="Top-level column the rule is about: required by nullCheck and uniqueCheck (a scalar, "
                          "not repeated), optional for a declarative rule.")
    threshold: Ratio | None = Field(
        None, description="nullCheck, uniqueCheck: share of rows that must pass (0-1]; default 1 (every row).")
    min_rows: int | None = Field(None, ge=1, description="rowCount: the fewest rows the port table may have.")
    query: str | None = Field(
        None, min_length=1, description="sql: one BigQuery SELECT returning the rows that break the expectation; "
                                        "{object} names the port table, the only table it may read. The rule "
                                        "passes when it returns none.")
