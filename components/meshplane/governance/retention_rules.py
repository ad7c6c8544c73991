"""The retention rule: no data-holding resource of a product keeps data longer than it declares.

A product's declared retention is in the inventory as its ``retention`` label (``product_needs.
retention_label``): every resource of the product carries the product's, a port's resources the
port's where it overrides. A data holder without the label (a hand-made bucket) is held to its
product's: the one its internal-layer resources state, keyed by the ``data_domain``,
``data_product`` and ``environment`` labels. What each holder keeps:

* a data table: its partition expiry (stated, else its dataset's default, which BigQuery gives it at
  creation); an unpartitioned table keeps its rows forever (an ``expirationTime`` deletes the whole
  table at one moment, it expires nothing as it ages);
* an internal dataset: its default partition expiration, what the partitioned tables dbt creates keep;
* a Cloud Storage bucket: its shortest lifecycle ``Delete`` rule on ``age`` alone (``withState: ANY``
  when versioning keeps noncurrent objects); a rule on ``daysSinceCustomTime`` bounds nothing (an
  object without a ``customTime`` never matches it, and a writer may set one in the future), so an
  S3 landing bucket, which deletes by its copies' customTime, is held to its ``age`` rule;
* a Pub/Sub topic: its ``messageRetentionDuration`` (none: it keeps nothing itself);
* a subscription: its ``messageRetentionDuration``, 7 days when unset (Pub/Sub's default).

Records about the data are not the data: the control port's erasure ledger (a hash of each erased
key, the proof governance keeps) and the access-audit logs (``mesh_layer`` ``control`` and ``audit``)
follow governance's retention, not the product's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from ..settings.platform import GovernanceSettings
from ..product.product_needs import PUBSUB_DEFAULT_RETENTION_S, RETENTION_LABEL, label_retention
from .inventory import MANDATORY, Resource, rule
from .rule_support import DATASET, TABLE, dataset_key, datasets_by_key, labels_of

BUCKET = "gcp:storage/bucket:Bucket"
TOPIC = "gcp:pubsub/topic:Topic"
SUBSCRIPTION = "gcp:pubsub/subscription:Subscription"
UNKNOWN = object()  # a value not known yet (a CrossGuard preview): judged when known
FOREVER = None
RECORD_LAYERS = ("control", "audit")  # records about the data, kept by governance's rules


@rule("retention-within-declared", MANDATORY,
      "No data table, internal dataset, bucket, topic or subscription of a product with a declared retention "
      "(its retention label, or its product's) keeps data longer: partition expiry, default partition "
      "expiration, lifecycle Delete age or message retention at most the retention.")
def retention_within_declared(resources: list[Resource], _: GovernanceSettings) -> Iterator[tuple[str, str]]:
    products = product_retentions(resources)
    datasets = datasets_by_key(resources)
    for r in resources:
        labels = labels_of(r)
        limit = label_retention(labels.get(RETENTION_LABEL)) or products.get(product_key(labels))
        kept = kept_by(r, datasets)
        if limit is None or kept is UNKNOWN or r.type not in HINTS or labels.get("mesh_layer") in RECORD_LAYERS:
            continue
        if kept is FOREVER or kept > limit:
            yield r.urn, (f"keeps data {_describe(kept)}, longer than its declared retention of {_describe(limit)}; "
                          f"{HINTS[r.type]}")


HINTS = {
    TABLE: "partition the table and set timePartitioning.expirationMs to at most the retention",
    DATASET: "set defaultPartitionExpirationMs to at most the retention (dbt's partitioned tables take it)",
    BUCKET: "add a lifecycle rule: action Delete, condition age (days) at most the retention",
    TOPIC: "set messageRetentionDuration to at most the retention",
    SUBSCRIPTION: "set messageRetentionDuration to at most the retention",
}


def product_key(labels: dict) -> tuple[str, str, str] | None:
    """The product a resource belongs to, by its labels; None when unlabelled."""
    key = tuple(labels.get(k) for k in ("data_domain", "data_product", "environment"))
    return key if all(isinstance(v, str) and v for v in key) else None  # type: ignore[return-value]


def product_retentions(resources: list[Resource]) -> dict[tuple[str, str, str], timedelta]:
    """Each product's declared retention, from its internal-layer resources' labels (the shortest)."""
    out: dict[tuple[str, str, str], timedelta] = {}
    for r in resources:
        labels = labels_of(r)
        if labels.get("mesh_layer") == "internal" and (key := product_key(labels)) \
                and (limit := label_retention(labels.get(RETENTION_LABEL))):
            out[key] = min(limit, out.get(key, limit))
    return out


def kept_by(r: Resource, datasets: dict[tuple[str, str], Resource]) -> object:
    """How long ``r`` keeps data: a timedelta, ``FOREVER`` or ``UNKNOWN`` (also for what holds none)."""
    i = r.inputs
    if r.type == TABLE:
        return UNKNOWN if i.get("view") or i.get("materializedView") else _table(i, datasets.get(dataset_key(r)))
    if r.type == DATASET:
        layer = labels_of(r).get("mesh_layer")
        return _ms(i.get("defaultPartitionExpirationMs")) if layer == "internal" else UNKNOWN
    if r.type == BUCKET:
        return _bucket(i)
    if r.type in (TOPIC, SUBSCRIPTION):
        value = i.get("messageRetentionDuration")
        if value is None:
            return timedelta(0) if r.type == TOPIC else timedelta(seconds=PUBSUB_DEFAULT_RETENTION_S)
        return _seconds(value)
    return UNKNOWN


def _table(inputs: dict, dataset: Resource | None) -> object:
    partitioning = inputs.get("timePartitioning")
    if partitioning is None:
        return FOREVER  # unpartitioned or range-partitioned: nothing expires as it ages
    if not isinstance(partitioning, dict):
        return UNKNOWN
    stated = _ms(partitioning.get("expirationMs"))
    if stated is FOREVER and dataset is not None:  # none sent: BigQuery gives the dataset's at creation
        return _ms(dataset.inputs.get("defaultPartitionExpirationMs"))
    return stated


def _bucket(inputs: dict) -> object:
    rules = inputs.get("lifecycleRules")
    if rules is not None and not isinstance(rules, list):
        return UNKNOWN
    versioned = bool((inputs.get("versioning") or {}).get("enabled"))
    ages = []
    for entry in rules or []:
        action, condition = (entry or {}).get("action") or {}, (entry or {}).get("condition") or {}
        state = condition.get("withState")
        if action.get("type") != "Delete" or set(condition) - {"age", "withState"}:
            continue
        age = condition.get("age")  # a number: an int, or a float on the wire (protobuf's Struct)
        if isinstance(age, (int, float)) and float(age).is_integer() and \
                state in ((None, "ANY") if versioned else (None, "ANY", "LIVE")):
            ages.append(timedelta(days=int(age)))
    return min(ages) if ages else FOREVER


def _ms(value: object) -> object:
    if value is None:
        return FOREVER
    try:
        ms = int(value)  # the wire form of an int64 may be a string
    except (TypeError, ValueError):
        return UNKNOWN
    return timedelta(milliseconds=ms) if ms > 0 else FOREVER


def _seconds(value: object) -> object:
    try:
        return timedelta(seconds=float(str(value).removesuffix("s")))
    except ValueError:
        return UNKNOWN


def _describe(kept: timedelta | None) -> str:
    if kept is None:
        return "forever"
    days = kept.total_seconds() / 86_400
    return f"{days:g} days" if days >= 1 else f"{kept.total_seconds():g} seconds"
