"""What a declaration needs from GCP, derived purely: the APIs it uses, partition expiration and the
retention label, who reads each port and who may erase from it. ``DataProduct`` composes components
from these."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from ..declaration.model import DataProduct, InputPort, OutputPort
from ..declaration.types import Status, parse_duration
from ..settings.platform import PlatformSettings

BIGQUERY, IAM, PUBSUB = "bigquery.googleapis.com", "iam.googleapis.com", "pubsub.googleapis.com"
STORAGE, STORAGE_TRANSFER = "storage.googleapis.com", "storagetransfer.googleapis.com"
RUN, SCHEDULER = "run.googleapis.com", "cloudscheduler.googleapis.com"
MONITORING, LOGGING, DATAPLEX = "monitoring.googleapis.com", "logging.googleapis.com", "dataplex.googleapis.com"
RETENTION_LABEL = "retention"
PUBSUB_DEFAULT_RETENTION_S, PUBSUB_MIN_RETENTION_S = 7 * 86_400, 600  # a subscription's message retention


def apis(product: DataProduct) -> list[str]:
    """Only the APIs the declaration needs."""
    needed = [BIGQUERY, IAM, DATAPLEX, LOGGING, MONITORING]
    if any(port.pubsub_topic for port in product.input_ports):
        needed.append(PUBSUB)
    if any(port.s3 for port in product.input_ports):
        needed += [STORAGE, STORAGE_TRANSFER]
    if product.transformation is not None:
        needed += [RUN, SCHEDULER]
    return needed


def input_apis(port: InputPort) -> list[str]:
    """The APIs an input port's resources need: Pub/Sub for a subscription, Storage and Transfer for S3."""
    return [PUBSUB] if port.pubsub_topic else [STORAGE, STORAGE_TRANSFER] if port.s3 else []


def port_retention(product: DataProduct, port: OutputPort) -> str | None:
    """How long a port table keeps data: the port's retention, else the product's (None: kept)."""
    return port.retention or product.policies.retention


def retention_ms(retention: str | None) -> int | None:
    """A retention as partition expiration in milliseconds (None: kept)."""
    return int(parse_duration(retention).total_seconds() * 1000) if retention else None


def retention_seconds(retention: str | None) -> int | None:
    """A retention in whole seconds (None: kept)."""
    return int(parse_duration(retention).total_seconds()) if retention else None


def transfer_status(product: DataProduct) -> str | None:
    """An S3 port's transfer job: ENABLED, DISABLED when dormant, None (no job) once retired."""
    return {Status.RETIRED: None, Status.DORMANT: "DISABLED"}.get(product.status, "ENABLED")


def records_labels(labels: dict[str, str], layer: str) -> dict[str, str]:
    """Labels of records about the product's data (the control port's ledger): the product's, in ``layer``,
    without its retention, which is not theirs (governance keeps them; see ``retention_rules``)."""
    return {**{k: v for k, v in labels.items() if k != RETENTION_LABEL}, "mesh_layer": layer}


def retention_label(retention: str | None) -> dict[str, str]:
    """The ``retention`` label stating how long a resource may keep data (none: no limit declared).

    The declared ISO 8601 duration, lowercased (``P2Y`` -> ``p2y``); a duration whose characters a
    label value refuses (``PT1.5H``) is stated in whole seconds (``pt5400s``)."""
    if not retention:
        return {}
    value = retention.lower()
    if not re.fullmatch(r"[a-z0-9]{1,63}", value):
        value = f"pt{int(parse_duration(retention).total_seconds())}s"
    return {RETENTION_LABEL: value}


def label_retention(value: object) -> timedelta | None:
    """The duration a ``retention`` label states; None when it is not one (judged as no label)."""
    try:
        return parse_duration(value.upper()) if isinstance(value, str) and value else None
    except (ValueError, TypeError, OverflowError):  # isodate.ISO8601Error is a ValueError
        return None


def subscription_retention(retention: str | None) -> str | None:
    """A subscription's message retention when the declared retention is shorter than Pub/Sub's
    default of 7 days (at least Pub/Sub's minimum, 10 minutes); None: the default keeps less."""
    if not retention:
        return None
    seconds = int(parse_duration(retention).total_seconds())
    return f"{max(seconds, PUBSUB_MIN_RETENTION_S)}s" if seconds < PUBSUB_DEFAULT_RETENTION_S else None


def port_readers(product: DataProduct, port: OutputPort,
                 runner_of: Callable[[str], str | None]) -> list[tuple[str, bool]]:
    """The port's readers as (principal, raw access); a consuming product through ``runner_of``
    its id (None: not deployed here, so not granted); none once the product is retired."""
    if product.status == Status.RETIRED:
        return []
    readers = [(c.principal or runner_of(c.data_product), c.raw_access) for c in port.consumers]
    return [(member, raw) for member, raw in readers if member]


def scheduled(product: DataProduct) -> bool:
    """Whether the product runs a scheduled transformation (none once retired)."""
    return product.transformation is not None and product.status != Status.RETIRED


def agents(product: DataProduct) -> list[str]:
    """The APIs whose service agents act for the product: Cloud Run pulls the job's image, Dataplex
    runs the quality scans (not once retired), Pub/Sub writes raw tables of subscriptions."""
    needed = [RUN] if scheduled(product) else []
    if product.status != Status.RETIRED:
        needed.append(DATAPLEX)
    if any(port.pubsub_topic for port in product.input_ports):
        needed.append(PUBSUB)
    return needed


def erasers(platform: PlatformSettings, port: OutputPort) -> list[str]:
    """Who calls the control port on a port table: row filters must let it see every row (DML needs it)."""
    principal = platform.governance_principal
    return [principal] if principal and port.subject_key else []
