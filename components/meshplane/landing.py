"""Where an S3 input port lands in GCP, derived purely: the landing bucket, its prefix and its expiry.

Each S3 port gets a bucket of its own in the product's project, ``<project>-in-<port>`` (hash-shortened
to GCS's 63 characters), and Storage Transfer Service writes below ``<port>/``: what dbt reads is
``gs://<bucket>/<port>/``, like a gcsPrefix source.
"""

from __future__ import annotations

from . import standards
from .declaration.types import parse_duration

BUCKET_MAX = 63


def landing_bucket(project_id: str, port: str) -> str:
    """The landing bucket of input port ``port``: a global name, so it starts with the project id."""
    return standards.shorten(f"{project_id}-in-{port.replace('_', '-')}".rstrip("-"), BUCKET_MAX)


def landing_prefix(port: str) -> str:
    """The object prefix the transfer writes and the runner reads."""
    return f"{port}/"


def landing_address(project_id: str, port: str) -> str:
    """``gs://bucket/prefix/``: the input's address in the dbt job's environment."""
    return f"gs://{landing_bucket(project_id, port)}/{landing_prefix(port)}"


def lifecycle_age_days(retention: str | None) -> int | None:
    """The age (whole days, rounded down) after which a landed object is deleted; None: kept."""
    return int(parse_duration(retention).total_seconds() // 86_400) if retention else None
