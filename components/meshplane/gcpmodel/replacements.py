"""Which input changes make Pulumi replace a resource, and which resources hold data.

A curated table, not the provider's schema (the preview JSON does not carry it): for each resource
type meshplane creates, or is likely to, the inputs whose change the gcp provider (pulumi-gcp 10.x,
bridged from terraform-provider-google) marks ``ForceNew``. Paths are dotted camelCase input paths;
a path names a whole nested value (``condition`` covers every key under it). Choices worth knowing:

* ``Project``: only ``projectId``. Moving a project between folders or to the organization
  (``folderId``, ``orgId``) is an in-place update, as are ``name``, ``billingAccount`` and labels.
* ``Table``: ``timePartitioning.field`` forces a new table; ``timePartitioning.type`` does *not*:
  the provider attempts an update, which BigQuery refuses ("cannot change partitioning spec"), so
  it is an update that fails at apply time, not a replace. ``rangePartitioning.field``,
  ``encryptionConfiguration`` and ``materializedView.query`` force a new table. ``schema`` forces
  one only when BigQuery cannot change the columns in place (see ``schema_forces_replacement``).
* ``DatasetAccess`` has no update at all: every input replaces it, except ``deletionPolicy``, a
  provider-side setting that changes state only.
* Every IAM member resource (``...IamMember``/``...IAMMember``): every input replaces it. Types not
  listed are matched by that name, so e.g. a Cloud Run ``JobIamMember`` is covered.
* ``RowAccessPolicy``: its reference (dataset, table, policy id, project); ``grantees`` and
  ``filterPredicate`` are updated in place.

Data-holding resources are the ones whose replacement or deletion loses data: projects, datasets,
tables with ``deletionProtection`` (port and raw tables; views have none) and anything the program
protects (``data_child`` protects exactly the data holders).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

PROJECT = "gcp:organizations/project:Project"
DATASET = "gcp:bigquery/dataset:Dataset"
TABLE = "gcp:bigquery/table:Table"
DATASET_ACCESS = "gcp:bigquery/datasetAccess:DatasetAccess"
ROW_ACCESS_POLICY = "gcp:bigquery/rowAccessPolicy:RowAccessPolicy"
BUCKET_OBJECT = "gcp:storage/bucketObject:BucketObject"
EVERY = "*"  # every input forces replacement
MISSING = object()


@dataclass(frozen=True)
class Replacement:
    """The inputs of one type that force replacement; ``EVERY`` means all but ``except_``."""

    inputs: tuple[str, ...]
    note: str = ""
    except_: tuple[str, ...] = ()
    check: Callable[[dict, dict], list[str]] | None = None  # conditional replacements


def _schema_check(old: dict, new: dict) -> list[str]:
    return ["schema"] if schema_forces_replacement(old.get("schema"), new.get("schema")) else []


IAM_MEMBER = Replacement((EVERY,), "IAM members have no update: any change replaces the grant.")

REPLACE_ON: dict[str, Replacement] = {
    PROJECT: Replacement(("projectId",), "folderId/orgId moves, name, billing account: updates."),
    DATASET: Replacement(("datasetId", "project", "location", "externalDatasetReference"),
                         "labels, description, friendly name, expirations: updates."),
    TABLE: Replacement(
        ("datasetId", "tableId", "project", "timePartitioning.field", "rangePartitioning.field",
         "encryptionConfiguration", "materializedView.query", "tableReplicationInfo"),
        "timePartitioning.type is an update BigQuery refuses; schema replaces only when "
        "columns cannot change in place.", check=_schema_check),
    DATASET_ACCESS: Replacement((EVERY,), "no update: any change replaces the entry.",
                                except_=("deletionPolicy",)),
    ROW_ACCESS_POLICY: Replacement(("datasetId", "tableId", "policyId", "project"),
                                   "grantees and filterPredicate: updates."),
    "gcp:serviceaccount/account:Account": Replacement(("accountId", "project"),
                                                      "displayName, description: updates."),
    "gcp:projects/service:Service": Replacement(("project", "service")),
    "gcp:projects/serviceIdentity:ServiceIdentity": Replacement(("project", "service")),
    "gcp:cloudrunv2/job:Job": Replacement(("name", "location", "project"),
                                          "template, labels, launch stage: updates."),
    "gcp:cloudscheduler/job:Job": Replacement(("name", "region", "project"),
                                              "schedule, time zone, target: updates."),
    "gcp:pubsub/subscription:Subscription": Replacement(
        ("name", "topic", "project", "filter", "enableMessageOrdering"),
        "bigqueryConfig, labels, retention: updates."),
    BUCKET_OBJECT: Replacement(("bucket", "name", "source", "contentType"),
                               "an object uploaded from an asset is re-created when the asset changes."),
    "time:index/sleep:Sleep": Replacement(("triggers",), "createDuration: an update (no new sleep)."),
    "gcp:projects/iAMMember:IAMMember": IAM_MEMBER,
    "gcp:bigquery/iamMember:IamMember": IAM_MEMBER,
    "gcp:bigquery/datasetIamMember:DatasetIamMember": IAM_MEMBER,
    "gcp:storage/bucketIAMMember:BucketIAMMember": IAM_MEMBER,
    "gcp:serviceaccount/iAMMember:IAMMember": IAM_MEMBER,
    "gcp:cloudrunv2/jobIamMember:JobIamMember": IAM_MEMBER,
}

DATA_TYPES = frozenset({PROJECT, DATASET})


def is_iam_member(type_: str) -> bool:
    """An IAM member resource of any service: its class name ends in ``IamMember``."""
    return type_.lower().endswith("iammember")  # the token ends with the class name


def rule_for(type_: str) -> Replacement | None:
    """The replacement rule of ``type_``: listed, or the IAM member rule by name, or none."""
    return REPLACE_ON.get(type_) or (IAM_MEMBER if is_iam_member(type_) else None)


def replace_keys(type_: str, old: dict, new: dict) -> list[str]:
    """The inputs whose change from ``old`` to ``new`` makes Pulumi replace the resource."""
    rule = rule_for(type_)
    if rule is None:
        return []
    if EVERY in rule.inputs:
        keys = sorted((set(old) | set(new)) - set(rule.except_))
        return [k for k in keys if old.get(k, MISSING) != new.get(k, MISSING)]
    found = [p for p in rule.inputs if value_at(old, p) != value_at(new, p)]
    if rule.check is not None:
        found += [p for p in rule.check(old, new) if p not in found]
    return found


def under(path: str, roots) -> bool:
    """Whether ``path`` is one of ``roots`` (``replace_on_changes`` paths; ``*`` is every path) or below one."""
    return any(root == "*" or path == root or path.startswith(root + ".") for root in roots)


def option_replacements(before: dict, after: dict, paths: list[str]) -> list[str]:
    """Replacements the resource options ask for, on two engine states: a changed path under
    ``replaceOnChanges``, and a changed ``replacementTrigger`` (one set for the first time replaces
    nothing: the engine's ``shouldTriggerReplace``)."""
    found = [p for p in paths if under(p, after.get("replaceOnChanges") or ())]
    old, new = before.get("replacementTrigger"), after.get("replacementTrigger")
    return found + (["replacementTrigger"] if None not in (old, new) and old != new else [])


def value_at(inputs: dict, path: str) -> object:
    """The value at a dotted path, or ``MISSING``; lists are values, never descended into."""
    value: object = inputs
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return MISSING
        value = value[key]
    return value


def holds_data(type_: str, inputs: dict, protect: bool) -> bool:
    """Whether replacing or deleting this resource loses data."""
    return (type_ in DATA_TYPES or protect
            or (type_ == TABLE and inputs.get("deletionProtection") is True))


def guards(inputs: dict, protect: bool) -> set[str]:
    """The protections a resource has against deletion: the option and the provider's own."""
    found = {"protect"} if protect else set()
    if inputs.get("deletionProtection") is True:
        found.add("deletionProtection")
    if inputs.get("deletionPolicy") in ("PREVENT", "ABANDON"):
        found.add("deletionPolicy")
    return found


# --- table schemas: the provider's in-place rules (resourceBigQueryTableSchemaIsChangeable) ---

_ALIASES = ({"INTEGER", "INT64"}, {"FLOAT", "FLOAT64"}, {"BOOLEAN", "BOOL"})


def schema_forces_replacement(old: object, new: object) -> bool:
    """Whether a table schema change needs a new table.

    In place: adding NULLABLE/REPEATED columns, relaxing REQUIRED to NULLABLE, changing
    descriptions and policy tags, and dropping top-level columns as long as none is added in the
    same change. Anything else (a type change, a new REQUIRED column, a dropped nested field, a
    column renamed, i.e. dropped and added) replaces the table. An unreadable schema (unknown
    during preview) counts as a replacement when it differs.
    """
    if old == new:
        return False
    try:
        before, after = json.loads(old or "[]"), json.loads(new or "[]")
    except (TypeError, ValueError):
        return True
    return not _columns_changeable(before, after, top=True)


def _columns_changeable(old: object, new: object, *, top: bool) -> bool:
    if not isinstance(old, list) or not isinstance(new, list):
        return old == new
    before = {c.get("name"): c for c in old}
    after = {c.get("name"): c for c in new}
    added = [c for name, c in after.items() if name not in before]
    dropped = [name for name in before if name not in after]
    return (not any(_mode(c) == "REQUIRED" for c in added)
            and (top or not dropped)
            and all(_column_changeable(before[n], after[n]) for n in before if n in after)
            and (not dropped or not added))


def _column_changeable(old: dict, new: dict) -> bool:
    old_type, new_type = old.get("type"), new.get("type")
    old_mode, new_mode = _mode(old), _mode(new)
    return ((old_type is None or new_type is None or same_type(old_type, new_type))
            and (old_mode == new_mode or (old_mode, new_mode) == ("REQUIRED", "NULLABLE"))
            and ("fields" not in old and "fields" not in new
                 or _columns_changeable(old.get("fields"), new.get("fields"), top=False)))


def _mode(column: dict) -> str:
    return str(column.get("mode") or "NULLABLE").upper()


def same_type(a: str, b: str) -> bool:
    a, b = a.upper(), b.upper()
    return a == b or any(a in s and b in s for s in _ALIASES)


def changed_paths(old: object, new: object, prefix: str = "") -> list[str]:
    """Dotted paths where ``old`` and ``new`` differ: mappings are descended into, lists are not."""
    if old == new:
        return []
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return [prefix]
    paths = []
    for key in sorted(old.keys() | new.keys()):
        at = f"{prefix}.{key}" if prefix else key
        paths += changed_paths(old.get(key, MISSING), new.get(key, MISSING), at)
    return paths
