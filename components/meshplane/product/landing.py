"""Where an S3 input port lands in GCP, derived purely: the landing bucket, its prefix and its expiry.

Each S3 port gets a bucket of its own in the product's project, ``<project>-in-<port>`` (hash-shortened
to GCS's 63 characters), and Storage Transfer Service writes below ``<port>/``: what dbt reads is
``gs://<bucket>/<port>/``, like a gcsPrefix source. The bucket is staging: each copy is kept the port's
landing retention (``declaration.s3.landing_days``), counted from the object's S3 modification time.
"""

from __future__ import annotations

from . import standards
from ..declaration.s3 import landing_days

BUCKET_MAX = 63
DAY_SECONDS = 86_400
__all__ = ["landing_address", "landing_bucket", "landing_days", "landing_prefix", "landing_seconds"]


def landing_bucket(project_id: str, port: str) -> str:
    """The landing bucket of input port ``port``: a global name, so it starts with the project id."""
    return standards.shorten(f"{project_id}-in-{port.replace('_', '-')}".rstrip("-"), BUCKET_MAX)


def landing_prefix(port: str) -> str:
    """The object prefix the transfer writes and the runner reads."""
    return f"{port}/"


def landing_address(project_id: str, port: str) -> str:
    """``gs://bucket/prefix/``: the input's address in the dbt job's environment."""
    return f"gs://{landing_bucket(project_id, port)}/{landing_prefix(port)}"


def landing_seconds(retention: str | None, landing: str | None = None) -> int:
    """The landing retention in seconds, whole days: the transfer copies no object modified longer ago
    (what the lifecycle deleted is not copied again). Raises on less than a day, which a lifecycle
    condition cannot express (the declaration rules refuse it first)."""
    days = landing_days(retention, landing)
    if days < 1:
        raise ValueError(f"a landing retention under a day (product retention {retention!r}, landing {landing!r})")
    return days * DAY_SECONDS
