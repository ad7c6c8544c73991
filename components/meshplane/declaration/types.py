"""Scalar types of the declaration: each one checks its own value and says what it expects.

Every checker raises ``ValueError`` with a message of the form
``<what is wrong>; given <value>; expected <form>``; the loader adds file, line and field path.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import Enum
from functools import lru_cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field

from .locations import BIGQUERY_LOCATIONS

SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PORT_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
COLUMN_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,299}$")
SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$"
)
PRINCIPAL_RE = re.compile(
    r"^(user|group|serviceAccount):[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"
    r"|^domain:[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"
)
PUBLIC_PRINCIPALS = {"allUsers", "allAuthenticatedUsers"}
MAX_DURATION = timedelta(days=366_000)


class Archetype(str, Enum):
    """The data mesh archetype of a product."""

    SOURCE_ALIGNED = "sourceAligned"
    AGGREGATE = "aggregate"
    CONSUMER_ALIGNED = "consumerAligned"


class Status(str, Enum):
    """The lifecycle status of a product; it drives what is provisioned."""

    PROPOSED = "proposed"
    DRAFT = "draft"
    ACTIVE = "active"
    DEPRECATED = "deprecated"
    DORMANT = "dormant"
    RETIRED = "retired"


class Confidentiality(str, Enum):
    """Confidentiality levels, ordered from least to most sensitive."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"

    @property
    def rank(self) -> int:
        return list(Confidentiality).index(self)


class Encryption(str, Enum):
    """Who holds the key of the product's data at rest."""

    GOOGLE = "google"
    CMEK = "cmek"


class ColumnRole(str, Enum):
    """Bitemporal roles: when a fact happened and when the product processed it."""

    ACTUAL_TIME = "actualTime"
    PROCESSING_TIME = "processingTime"


class ServingMode(str, Enum):
    """Which rows of the port table the interface view serves."""

    HISTORY = "history"
    LATEST_SNAPSHOT = "latestSnapshot"
    LATEST_PER_KEY = "latestPerKey"


class BigQueryType(str, Enum):
    """BigQuery column types (GoogleSQL names, plus RECORD for nested fields)."""

    STRING = "STRING"
    BYTES = "BYTES"
    INT64 = "INT64"
    FLOAT64 = "FLOAT64"
    NUMERIC = "NUMERIC"
    BIGNUMERIC = "BIGNUMERIC"
    BOOL = "BOOL"
    DATE = "DATE"
    DATETIME = "DATETIME"
    TIME = "TIME"
    TIMESTAMP = "TIMESTAMP"
    GEOGRAPHY = "GEOGRAPHY"
    JSON = "JSON"
    INTERVAL = "INTERVAL"
    RECORD = "RECORD"


PARTITIONABLE_TYPES = {BigQueryType.DATE, BigQueryType.DATETIME, BigQueryType.TIMESTAMP}
ACTUAL_TIME_TYPES = PARTITIONABLE_TYPES
CLUSTERABLE_TYPES = {  # BigQuery: top-level, non-repeated columns of these types only
    BigQueryType.STRING, BigQueryType.INT64, BigQueryType.NUMERIC, BigQueryType.BIGNUMERIC,
    BigQueryType.BOOL, BigQueryType.DATE, BigQueryType.DATETIME, BigQueryType.TIMESTAMP,
    BigQueryType.GEOGRAPHY,
}

# A window's PARTITION BY takes groupable types but no floating point (GoogleSQL data type
# properties); records and arrays only group in GROUP BY and DISTINCT.
KEY_TYPES = {
    BigQueryType.STRING, BigQueryType.BYTES, BigQueryType.INT64, BigQueryType.NUMERIC,
    BigQueryType.BIGNUMERIC, BigQueryType.BOOL, BigQueryType.DATE, BigQueryType.DATETIME,
    BigQueryType.TIME, BigQueryType.TIMESTAMP, BigQueryType.INTERVAL,
}
ORDERABLE_TYPES = KEY_TYPES | {BigQueryType.FLOAT64}  # ORDER BY: all but ARRAY, STRUCT, GEOGRAPHY, JSON


def _expect(ok: bool, what: str, given: object, expected: str) -> None:
    if not ok:
        raise ValueError(f"{what}; given {given!r}; expected {expected}")


def check_slug(value: str) -> str:
    _expect(bool(SLUG_RE.match(value)) and len(value) <= 40, "not a valid name", value,
            "lowercase letters, digits and single hyphens, starting with a letter, at most 40 characters")
    return value


def check_port_name(value: str) -> str:
    _expect(bool(PORT_NAME_RE.match(value)) and len(value) <= 40, "not a valid port name", value,
            "snake_case: lowercase letters, digits and underscores, starting with a letter, at most 40")
    return value


def check_column_name(value: str) -> str:
    _expect(bool(COLUMN_NAME_RE.match(value)), "not a valid BigQuery column name", value,
            "letters, digits and underscores, not starting with a digit, at most 300 characters")
    return value


def check_semver(value: str) -> str:
    _expect(bool(SEMVER_RE.match(value)), "not a semantic version", value, "MAJOR.MINOR.PATCH, e.g. 1.2.0")
    return value


def check_principal(value: str) -> str:
    _expect(value not in PUBLIC_PRINCIPALS, "public principals are refused", value,
            "a named user:, group:, serviceAccount: or domain: principal")
    _expect(bool(PRINCIPAL_RE.match(value)), "not an IAM principal", value,
            "user:NAME@DOMAIN, group:NAME@DOMAIN, serviceAccount:NAME@DOMAIN or domain:DOMAIN")
    return value


@lru_cache(maxsize=512)
def parse_duration(value: str) -> timedelta:
    """ISO 8601 duration as a timedelta (years as 365 days, months as 30 days)."""
    import isodate  # here, not at import: commands that read no duration (--help) skip it

    parsed = isodate.parse_duration(value)
    if isinstance(parsed, isodate.Duration):
        days = float(parsed.years) * 365 + float(parsed.months) * 30
        return parsed.tdelta + timedelta(days=days)
    return parsed


def check_duration(value: str) -> str:
    try:
        ok = timedelta(0) < parse_duration(value) <= MAX_DURATION
    except (ValueError, TypeError, OverflowError):  # isodate.ISO8601Error is a ValueError
        ok = False
    _expect(ok, "not a positive ISO 8601 duration", value,
            "a duration such as PT1H, P1D, P3Y or P1Y6M, at most 1000 years")
    return value


def check_cron(value: str) -> str:
    fault = _cron_fault(value)
    _expect(fault != "invalid", "not a valid cron expression", value,
            "five fields: minute hour day-of-month month day-of-week, e.g. '0 2 * * *'")
    _expect(fault != "never", "the cron schedule never fires", value, "a day that exists, e.g. '0 2 28 2 *'")
    return value


@lru_cache(maxsize=1024)
def _cron_fault(value: str) -> str | None:
    """``"invalid"``, ``"never"`` (fires on no existing day) or None; cached: meshes share schedules."""
    from croniter import CroniterError, croniter  # here, not at import: --help never needs it

    if not (len(value.split()) == 5 and croniter.is_valid(value)):
        return "invalid"
    try:
        croniter(value, datetime(2026, 1, 1)).get_next(datetime)
    except (CroniterError, ValueError, OverflowError):
        return "never"
    return None


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_time_zone(value: str) -> str:
    _expect(value in _zones(), "unknown time zone", value, "an IANA time zone such as Europe/Amsterdam or UTC")
    return value


def check_location(value: str) -> str:
    _expect(value in BIGQUERY_LOCATIONS, "not a BigQuery location", value,
            "a multi-region (EU, US) or a region such as europe-west1")
    return value


def check_ratio(value: float) -> float:
    _expect(0 < value <= 1, "not a ratio", value, "a number greater than 0 and at most 1, e.g. 0.99")
    return value


def _schema(**extra: object) -> Field:
    """JSON-Schema-only hints for editors; the checkers above stay the source of truth."""
    return Field(json_schema_extra=extra)


Slug = Annotated[str, AfterValidator(check_slug), _schema(pattern=SLUG_RE.pattern, maxLength=40)]
PortName = Annotated[str, AfterValidator(check_port_name), _schema(pattern=PORT_NAME_RE.pattern)]
ColumnName = Annotated[str, AfterValidator(check_column_name), _schema(pattern=COLUMN_NAME_RE.pattern)]
SemVer = Annotated[str, AfterValidator(check_semver), _schema(pattern=SEMVER_RE.pattern, examples=["1.0.0"])]
Principal = Annotated[str, AfterValidator(check_principal),
                      _schema(pattern=PRINCIPAL_RE.pattern, examples=["group:analysts@example.com"])]
Duration = Annotated[str, AfterValidator(check_duration),
                     _schema(pattern=r"^P(?=\d|T\d)", examples=["PT26H", "P3Y"])]
Cron = Annotated[str, AfterValidator(check_cron), _schema(examples=["0 2 * * *"])]
TimeZone = Annotated[str, AfterValidator(check_time_zone), _schema(examples=["Europe/Amsterdam"])]
Location = Annotated[str, AfterValidator(check_location), _schema(enum=sorted(BIGQUERY_LOCATIONS))]
Ratio = Annotated[float, AfterValidator(check_ratio)]


def major_of(version: str) -> int:
    """The major number of a semantic version string."""
    return int(version.split(".", 1)[0])
