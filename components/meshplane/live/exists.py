"""Whether the Cloud Storage prefixes and Pub/Sub topics input ports read, and the KMS keys, policy tags
and data policies the stack config names, exist: the decisions on what ``RestReads`` answers.

A missing bucket blocks (``pulumi up`` grants on it), a missing topic blocks (the BigQuery subscription
is created on it), a missing key, policy tag or data policy blocks (tables, column tags and masking name
them). A bucket with no object under the prefix does not make ``up`` fail; it is listed ``unchecked``
(no producer has written there yet), as a warning, not blocking.
"""

from __future__ import annotations

from .bigquery_reads import ApiError
from .findings import BLOCKING, OK, UNCHECKED, Report
from .rest_reads import RestReads
from .sources import Source

SERVICES = {"pubsub_topic": "pubsub", "KMS key": "kms", "policy tag": "datacatalog", "data policy": "datapolicy"}
STORED = ("gcs_prefix", "pubsub_topic")  # the source kinds read here


def split_gcs(address: str) -> tuple[str, str]:
    """``gs://bucket/some/prefix/`` -> ``("bucket", "some/prefix/")``."""
    bucket, _, prefix = address.removeprefix("gs://").partition("/")
    return bucket, prefix


def check_stored_source(s: Source, where: str, rest: RestReads, report: Report) -> None:
    """A Cloud Storage prefix (its bucket exists, an object is under it) or a Pub/Sub topic exists."""
    try:
        if s.kind == "gcs_prefix":
            bucket, prefix = split_gcs(s.address)
            has = rest.prefix_objects(bucket, prefix)
            if has is None:
                report.add("input source", s.address, f"{where}: the bucket gs://{bucket} does not exist: "
                                                       "`pulumi up` fails granting the runner on it", BLOCKING)
            elif not has:
                report.add("input source", s.address, f"{where}: the bucket exists but no object is under the "
                                                       "prefix yet: the product reads nothing until the producer "
                                                       "writes there", UNCHECKED)
            else:
                report.add("input source", s.address, f"{where}: the bucket exists, objects are under the prefix", OK)
            return
        found = rest.resource("pubsub", s.address)
        report.add("input source", s.address, f"{where}: the topic exists" if found is not None else
                   f"{where}: the Pub/Sub topic does not exist: `pulumi up` fails creating the BigQuery "
                   "subscription on it", OK if found is not None else BLOCKING)
    except ApiError as exc:
        report.add("input source", s.address, f"{where}: could not be read: {exc}", UNCHECKED, failed=True)


def check_platform_resource(kind: str, location: str, name: str, rest: RestReads, report: Report) -> None:
    """A KMS key, policy tag or data policy (already in the data's location) exists."""
    try:
        found = rest.resource(SERVICES[kind], name)
    except ApiError as exc:
        report.add("platform config", name, f"{kind} for {location}: could not be read: {exc}", UNCHECKED,
                   failed=True)
        return
    if found is None:
        report.add("platform config", name, f"the {kind} for {location} does not exist: every resource that "
                                            "names it fails", BLOCKING)
    else:
        report.add("platform config", name, f"{kind} for {location}: exists, in the data's location", OK)
