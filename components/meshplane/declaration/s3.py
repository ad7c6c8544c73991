"""An Amazon S3 source of an input port: where it is, the AWS role that reads it, and when it is copied.

The values are checked here as AWS and Storage Transfer Service (STS) would take them: bucket naming
rules, a prefix ending with '/', a commercial-partition role ARN, an AWS region, and a cron STS can
run. STS has no cron: a job repeats at a fixed interval (1 hour to 1 day here) from a time of day in
UTC, all year, so the cron must fire at evenly spaced times and restrict neither day nor month
(``transfer_schedule``); see docs/s3.md. The landing bucket is staging: its copies are kept the
landing retention (``landing_days``), whole days counted from each object's S3 modification time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, Field

from .base import Strict
from .types import Duration, check_cron, parse_duration

S3_URI_RE = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<prefix>.*)$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
REGION_RE = re.compile(r"^(?!cn-)[a-z]{2}-[a-z]+-[1-9][0-9]?$")  # commercial partition: no cn-*, no us-gov-*
ROLE_ARN_RE = re.compile(r"^arn:aws:iam::(?P<account>[0-9]{12}):role/(?P<path>(?:[A-Za-z0-9_+=,.@-]+/)*)"
                         r"(?P<name>[A-Za-z0-9_+=,.@-]{1,64})$")  # IAM names are ASCII
GOOGLE_RE = re.compile(r"g[o0][o0]gle")  # Cloud Storage refuses bucket names containing it (or near misspellings)
DAY = timedelta(days=1)
DEFAULT_LANDING = "P7D"
_BAD_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BAD_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_IP_RE = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
MIN_INTERVAL, MAX_INTERVAL = timedelta(hours=1), timedelta(days=1)
_ANCHOR = datetime(2026, 1, 1)  # fixed, so the schedule never depends on today's date


class S3Format(str, Enum):
    """How the landed objects are read: BigQuery's external table formats (JSON: one object a line)."""

    PARQUET = "PARQUET"
    CSV = "CSV"
    JSON = "JSON"
    AVRO = "AVRO"


def bucket_problem(bucket: str) -> str | None:
    """Why ``bucket`` is not an S3 general purpose bucket name, or None."""
    if not BUCKET_RE.match(bucket):
        return "3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
    if ".." in bucket or ".-" in bucket or "-." in bucket:
        return "no two adjacent dots, nor a dot next to a hyphen"
    if _IP_RE.match(bucket):
        return "a name, not an IP address"
    if bucket.startswith(_BAD_BUCKET_PREFIXES) or bucket.endswith(_BAD_BUCKET_SUFFIXES):
        return f"no reserved prefix ({', '.join(_BAD_BUCKET_PREFIXES)}) or suffix ({', '.join(_BAD_BUCKET_SUFFIXES)})"
    return None


def split_uri(uri: str) -> tuple[str, str]:
    """(bucket, prefix) of a validated ``s3://bucket/prefix/`` URI (the prefix may be empty)."""
    match = S3_URI_RE.match(uri)
    assert match is not None, uri  # the model validated it
    return match["bucket"], match["prefix"]


def check_s3_uri(value: str) -> str:
    match = S3_URI_RE.match(value)
    if not match:
        raise ValueError(f"not an S3 URI; given {value!r}; expected 's3://BUCKET/PREFIX/'")
    if problem := bucket_problem(match["bucket"]):
        raise ValueError(f"not an S3 bucket name; given {match['bucket']!r}; expected {problem}")
    prefix = match["prefix"]
    if prefix and (not prefix.endswith("/") or prefix.startswith("/") or "//" in prefix):
        raise ValueError(f"not an S3 prefix; given {prefix!r}; expected a path ending with '/' (a folder), "
                         "without a leading or doubled '/', e.g. 's3://bucket/events/'")
    return value


def check_region(value: str) -> str:
    if value.startswith(("cn-", "us-gov-")):
        raise ValueError(f"not a commercial AWS region; given {value!r}; expected a region of the aws partition "
                         "(an arn:aws role and Storage Transfer Service cannot reach China or GovCloud regions)")
    if not REGION_RE.match(value):
        raise ValueError(f"not an AWS region; given {value!r}; expected a region code such as eu-west-1")
    return value


def check_role_arn(value: str) -> str:
    if not ROLE_ARN_RE.match(value):
        raise ValueError(f"not an IAM role ARN; given {value!r}; expected "
                         "'arn:aws:iam::ACCOUNT:role/NAME' (a 12-digit account; a name of at most 64 characters)")
    return value


@dataclass(frozen=True)
class TransferSchedule:
    """A Storage Transfer Service schedule: the first run's time of day (UTC) and the repeat interval."""

    hours: int
    minutes: int
    interval_seconds: int


@lru_cache(maxsize=256)
def transfer_schedule(cron: str) -> TransferSchedule | None:
    """The STS schedule running exactly when ``cron`` (UTC) fires; None when the fires are not evenly
    spaced by 1 hour to 1 day (STS repeats at one interval from a time of day)."""
    from croniter import croniter  # here, not at import: --help never needs it

    if cron.split()[2:] != ["*", "*", "*"]:  # a sample of fires cannot see a month or weekday restriction
        return None
    runs = croniter(cron, _ANCHOR - timedelta(seconds=1))
    times = [runs.get_next(datetime) for _ in range(50)]
    while times[-1] - times[0] < timedelta(days=2):  # sparse crons: sample at least two days
        times.append(runs.get_next(datetime))
        if len(times) > 60:
            break
    gaps = {b - a for a, b in zip(times, times[1:])}
    if len(gaps) != 1 or not MIN_INTERVAL <= (gap := gaps.pop()) <= MAX_INTERVAL:
        return None
    return TransferSchedule(times[0].hour, times[0].minute, int(gap.total_seconds()))  # the anchor day's first


def check_transfer_cron(value: str) -> str:
    check_cron(value)
    if value.split()[2:] != ["*", "*", "*"]:
        raise ValueError(f"Storage Transfer Service cannot run this schedule; given {value!r}; expected '*' as "
                         "day of month, month and day of week (a job repeats all year at one interval: only the "
                         "minute and hour may vary), e.g. '0 3 * * *'")
    if transfer_schedule(value) is None:
        raise ValueError(f"Storage Transfer Service cannot run this schedule; given {value!r}; expected a cron "
                         "(UTC) firing at evenly spaced times, from every hour to once a day, e.g. '0 3 * * *' "
                         "or '15 */6 * * *'")
    return value


def landing_days(retention: str | None, landing: str | None = None) -> int:
    """Whole days a landed copy is kept, from its S3 modification time: the declared landing retention,
    else P7D; never longer than the product's ``retention``. 0 (under a day) is refused by
    ``landing_problem``: a lifecycle condition of 0 days is not sent, and a Delete without one deletes all."""
    kept = [parse_duration(landing or DEFAULT_LANDING)] + ([parse_duration(retention)] if retention else [])
    return int(min(kept) // DAY)


def landing_problem(retention: str | None, landing: str | None) -> tuple[bool, str] | None:
    """Why the landing retention cannot be kept, or None: (whether ``landingRetention`` itself is at fault,
    the message)."""
    if landing and parse_duration(landing) < DAY:
        return True, (f"the landing retention is under a day; given {landing!r}; expected at least P1D "
                      "(Cloud Storage deletes by whole days)")
    if landing and retention and parse_duration(landing) > parse_duration(retention):
        return True, (f"the landing retention is longer than the product's retention; given {landing!r}; "
                      f"expected at most {retention!r}")
    if landing_days(retention, landing) < 1:
        return False, (f"an S3 port's landed copies are kept whole days; given a product retention of {retention!r}; "
                       "expected a policies.retention of at least P1D for a product with S3 input ports")
    return None


S3Uri = Annotated[str, AfterValidator(check_s3_uri), Field(json_schema_extra={"pattern": r"^s3://[^/]+/(.*/)?$"})]
AwsRegion = Annotated[str, AfterValidator(check_region), Field(json_schema_extra={"pattern": REGION_RE.pattern})]
RoleArn = Annotated[str, AfterValidator(check_role_arn),
                    Field(json_schema_extra={"pattern": r"^arn:aws:iam::[0-9]{12}:role/.+$"})]
TransferCron = Annotated[str, AfterValidator(check_transfer_cron), Field(json_schema_extra={"examples": ["0 3 * * *"]})]


class S3Source(Strict):
    """An Amazon S3 prefix copied by Storage Transfer Service into a landing bucket of the product."""

    uri: S3Uri = Field(description="The S3 prefix, 's3://bucket/prefix/' (a folder: it ends with '/').")
    region: AwsRegion = Field(description="The bucket's AWS region, e.g. eu-west-1 (checked by s3-preflight).")
    role_arn: RoleArn = Field(
        description="The AWS IAM role Storage Transfer Service assumes (AssumeRoleWithWebIdentity) to read the "
                    "prefix; owned by the source's AWS account (docs/s3.md lists its trust and read policies).")
    format: S3Format = Field(description="The objects' format: PARQUET, CSV, JSON (one object a line) or AVRO.")
    schedule: TransferCron = Field(
        description="When the prefix is copied: a cron in UTC firing at evenly spaced times, every hour to once a "
                    "day, with '*' as day of month, month and day of week (Storage Transfer Service repeats "
                    "at a fixed interval all year), e.g. '0 3 * * *'.")
    landing_retention: Duration | None = Field(
        None, description="How long the landing bucket keeps each copied object, counted from its S3 modification "
                          "time (whole days, at least P1D, at most the product's retention; default P7D or the "
                          "product's retention if shorter). Only objects modified within it are copied. The copies "
                          "are staging for the dbt job: erase_subject does not reach them (docs/s3.md).")

    @property
    def bucket(self) -> str:
        return split_uri(self.uri)[0]

    @property
    def prefix(self) -> str:
        return split_uri(self.uri)[1]
