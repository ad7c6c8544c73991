"""The rows of a plan review, per data product, from the preview document and the mesh: pure data.

Both renderers of ``review.py`` (terminal text, PR-comment Markdown) print these rows; nothing here
formats. Every list is sorted, so the same plan always gives the same review.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from ..declaration.model import DataProduct
from ..declaration.types import Encryption
from ..governance.inventory import MANDATORY, Violation
from ..product.placement import kms_key_for
from ..settings.platform import PlatformSettings
from ..product.product_needs import port_retention
from ..catalog.terms import sentence
from ..gcpmodel.resource_grants import (
    ACCESS, BUCKET_IAM, JOB_IAM, KEY_IAM, MASKING_IAM, PROJECT_IAM, REPOSITORY_IAM,
    ROW_POLICY, TABLE_IAM, TAG_IAM, grants_of,
)
from .review_audience import Audience, Grant

COMPONENT = "meshplane:index:DataProduct"
PROJECT, DATASET, TABLE = ("gcp:organizations/project:Project", "gcp:bigquery/dataset:Dataset",
                           "gcp:bigquery/table:Table")
KINDS = {
    PROJECT: "Project", DATASET: "BigQuery dataset", TABLE: "BigQuery table", ACCESS: "Dataset access entry",
    ROW_POLICY: "Row access policy", PROJECT_IAM: "Project IAM grant", TABLE_IAM: "Table IAM grant",
    BUCKET_IAM: "Bucket IAM grant", "gcp:projects/service:Service": "API enablement",
    "gcp:serviceaccount/account:Account": "Service account",
    "gcp:projects/serviceIdentity:ServiceIdentity": "Service agent",
    "gcp:pubsub/subscription:Subscription": "Pub/Sub subscription",
    JOB_IAM: "Job IAM grant", KEY_IAM: "KMS key IAM grant", "gcp:cloudrunv2/job:Job": "Cloud Run job",
    "gcp:cloudscheduler/job:Job": "Scheduler job", "gcp:monitoring/alertPolicy:AlertPolicy": "Alert policy",
    "gcp:monitoring/monitoredProject:MonitoredProject": "Monitored project",
    TAG_IAM: "Policy tag IAM grant", MASKING_IAM: "Masking policy IAM grant",
    "gcp:bigquery/routine:Routine": "BigQuery routine",
    "gcp:orgpolicy/policy:Policy": "Org policy", "gcp:projects/iAMAuditConfig:IAMAuditConfig": "Audit config",
    REPOSITORY_IAM: "Repository IAM grant", "gcp:dataplex/dataProduct:DataProduct": "Dataplex data product",
    "gcp:dataplex/dataProductDataAsset:DataProductDataAsset": "Dataplex data asset",
    "gcp:logging/projectSink:ProjectSink": "Log sink",
    "gcp:storage/bucket:Bucket": "Cloud Storage bucket", "gcp:storage/transferJob:TransferJob": "Storage transfer job",
}
BUCKET = "gcp:storage/bucket:Bucket"
SAFETY_ORDER = {PROJECT: 0, DATASET: 1, TABLE: 2, BUCKET: 3}
POLICY_HEAD = ("location", "confidentiality", "encryption", "retention", "time travel", "usage restrictions")
FAIL_SAFE_DAYS = 7  # BigQuery keeps deleted data this long after the time travel window, out of anyone's reach
GOOGLE_MANAGED, NO_EXPIRY = "Google-managed", "kept (no expiry)"


@dataclass(frozen=True)
class Safety:
    """A data-holding resource and what keeps it from being deleted."""

    kind: str
    name: str
    protect: bool
    retain_on_delete: bool
    guard: str  # deletionPolicy / deletionProtection / deleteContentsOnDestroy

    @property
    def verdict(self) -> str:
        return "protected" if self.protect and self.retain_on_delete else "AT RISK"


def product_resources(document: dict) -> dict[str, list[dict]]:
    """Each DataProduct component's name -> the states of every resource under it (itself included)."""
    states = [s["newState"] for s in document.get("steps", []) if s.get("newState")]
    parents = {s["urn"]: s.get("parent", "") for s in states}
    products = {s["urn"]: resource_name(s["urn"]) for s in states if s["type"] == COMPONENT}
    grouped: dict[str, list[dict]] = {name: [] for name in products.values()}
    for state in states:
        urn = state["urn"]
        while urn and urn not in products:
            urn = parents.get(urn, "")
        name, own = products.get(urn), resource_name(state["urn"])
        if name and (own == name or own.startswith(name + "-")):
            grouped[name].append(state)
    return {name: sorted(items, key=lambda s: s["urn"]) for name, items in grouped.items()}


@dataclass(frozen=True)
class Policies:
    """A product's policies as its components apply them (one row of ``POLICY_HEAD``)."""

    location: str
    confidentiality: str
    kms_key: str | None  # None: Google-managed keys
    retention: str  # the product's, then each port that keeps data otherwise
    usage_restrictions: str
    time_travel: str = ""  # how long deleted or erased rows stay recoverable, then fail-safe


def policy_row(product: DataProduct, platform: PlatformSettings) -> Policies:
    """Location, confidentiality, the key (``kms_key_for``, as ``DataProduct._encryption``), the
    retention of the port tables (``port_retention``, as ``DataProduct._storage``), the usage restrictions,
    the time travel window (the platform's ``maxTimeTravelHours``, as every dataset)."""
    p = product.policies
    key = kms_key_for(p.location, platform.kms_keys) if p.encryption == Encryption.CMEK else None
    kept = {(port.name, port.major): port_retention(product, port) for port in product.output_ports}
    overrides = sorted((k, v) for k, v in kept.items() if v != p.retention)
    retention = "; ".join([p.retention or NO_EXPIRY] + [f"{name} v{major}: {v or NO_EXPIRY}"
                                                       for (name, major), v in overrides])
    return Policies(p.location, p.confidentiality.value, key, retention,
                    " ".join(map(sentence, p.usage_restrictions)) or "none", time_travel(platform))


def time_travel(platform: PlatformSettings) -> str:
    """The window in which deleted (and erased) rows can still be read back, then BigQuery's fail-safe."""
    return f"{platform.max_time_travel_hours} h + {FAIL_SAFE_DAYS} d fail-safe"


def resource_kinds(states: list[dict]) -> list[tuple[str, int]]:
    """Cloud resources counted per kind in words, e.g. ``("BigQuery dataset", 2)``; most first."""
    counts = Counter(_kind(s) for s in states if s["type"].startswith("gcp:"))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def access_rows(states: list[dict], who: Audience, deployed: set | None = None) -> list[Grant]:
    """One grant per (principal, target, role), new access first; ``deployed``: the grants of the
    deployed state, as ``(principal, project, grant key)`` (``deployed_grants``). A grant another stack
    holds (``grantedBy``, ``review.platform_held``) is not in this state: its news is that stack's review,
    and its principal's other access here is marked new."""
    datasets = {s["inputs"].get("datasetId"): _layer(s["inputs"], "internal dataset")
                for s in states if s["type"] == DATASET}
    tables = {(s["inputs"].get("datasetId"), s["inputs"].get("tableId")): _layer(s["inputs"], "")
              for s in states if s["type"] == TABLE}
    rows = {replace(g, deployed=deployed is not None and ((g.principal, g.role, key) in deployed
                                                          or bool(s["inputs"].get("grantedBy"))))
            for s in states for key in [_grant_key(s)]
            for principal, target, role in grants_of(s, who.project, datasets, tables)
            for g in [who.grant(principal, target or "?", role)]}
    return sorted(rows, key=Grant.sort_key)


def deployed_grants(checks) -> set | None:
    """The grants a deployed state holds, to tell new access from access already there; None without a state."""
    if checks.changes is None:
        return None
    found = set()
    for change in checks.changes.values():
        if change.old is not None:
            state = {"type": change.old.type, "inputs": change.old.inputs}
            found |= {(p, role, _grant_key(state)) for p, _, role in grants_of(state, "", {}, {})}
    return found


def _grant_key(state: dict) -> tuple:
    """What a grant is on, independent of how the review words it."""
    i = state["inputs"]
    return (state["type"], i.get("project"), i.get("datasetId"), i.get("tableId"), i.get("policyTag"),
            i.get("dataPolicyId"), i.get("cryptoKeyId"), i.get("bucket"), i.get("repository"), i.get("name"))


def safety_rows(states: list[dict]) -> list[Safety]:
    """The project, datasets and protected tables, with their lifecycle flags: project first, then by name."""
    rows = []
    for s in states:
        i = s["inputs"]
        if s["type"] == PROJECT:
            row = ("Project", i.get("projectId"), f"deletionPolicy={i.get('deletionPolicy', 'unset')}")
        elif s["type"] == DATASET:
            row = (f"Dataset ({_layer(i, 'internal')})", i.get("datasetId"),
                   f"deleteContentsOnDestroy={_flag(i.get('deleteContentsOnDestroy'))}")
        elif s["type"] == TABLE and i.get("deletionProtection") is True:
            row = (_table_kind(i.get("labels") or {}),
                   f"{i.get('datasetId')}.{i.get('tableId')}", "deletionProtection=true")
        elif s["type"] == BUCKET:  # an S3 input port's landing bucket
            row = ("Bucket (landing)", i.get("name"), f"forceDestroy={_flag(i.get('forceDestroy'))}")
        else:
            continue
        safety = Safety(row[0], str(row[1]), bool(s.get("protect")), bool(s.get("retainOnDelete")), row[2])
        rows.append((SAFETY_ORDER[s["type"]], safety.name, safety))
    return [safety for *_, safety in sorted(rows, key=lambda r: r[:2])]


def findings(states: list[dict], violations: list[Violation]) -> list[Violation]:
    """The violations of these resources, mandatory first."""
    urns = {s["urn"] for s in states}
    return sorted((v for v in violations if v.urn in urns), key=lambda v: (v.level != MANDATORY, v.rule, v.urn))


def resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _kind(state: dict) -> str:
    if state["type"] == TABLE and state["inputs"].get("view"):
        return "BigQuery view"
    return KINDS.get(state["type"], state["type"].rsplit(":", 1)[-1])


def _layer(inputs: dict, internal: str) -> str:
    labels = inputs.get("labels") or {}
    if labels.get("port"):
        return f"{labels['port']} {labels.get('port_version', '')}".strip()
    if labels.get("mesh_layer") in ("control", "audit"):
        return internal.replace("internal", labels["mesh_layer"]) if internal else ""
    return internal


def _table_kind(labels: dict) -> str:
    if labels.get("port"):
        return "Port table"
    return "Erasure ledger" if labels.get("mesh_layer") == "control" else "Raw table"


def _flag(value: object) -> str:
    return "unset" if value is None else str(value).lower()
