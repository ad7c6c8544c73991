"""Read-back: what the provider stores in state after GCP answers, and what the next ``up`` sees.

Mocks echo inputs. GCP fills values in server-side and the provider (terraform-provider-google-beta,
bridged by pulumi-gcp 10.2.0) reads them back into state; the next ``pulumi up`` compares the
program's inputs with that state (``gcp-behaviour.md`` §1):

* A dataset created without ``accesses`` gets BigQuery's default ACL: ``projectOwners`` OWNER,
  ``projectReaders`` READER, ``projectWriters`` WRITER and its creator as OWNER (REST
  ``Dataset.access``). ``access`` is Optional+Computed, so omitting it never shows a diff.
* Dataset ACL roles come back in their legacy names (READER, WRITER, OWNER).
* A table (not a view) created in a dataset with a default key, without a key of its own, comes
  back with the inherited key in ``encryptionConfiguration``, which is Optional, ForceNew and not
  Computed (``resource_bigquery_table.go``): the next ``up`` replaces it (TPG #10518). The
  provider strips ``/cryptoKeyVersions/…``. Views have no storage and no key.
* ``timePartitioning.expirationMs`` is Optional+Computed: omitted, the table keeps its expiry; the
  next ``up`` compares the stated value with the one read back (an inherited default included).
* A view's ``schema`` comes back as BigQuery computes it (NULLABLE or REPEATED, legacy type names,
  the descriptions sent); the next plan compares schemas as the provider's diff suppression does
  (``table_schema``), so a view schema in the API's terms is clean on the second ``up``.
* An input in ``ignore_changes`` is sent at creation only: afterwards the state keeps what GCP has
  (a dataset created open by an earlier version stays open under a new initial access list).
  The provider sends nothing for 0 (``expandTimePartitioning``), so stating 0 is how an expiry is
  removed: the update replaces the table resource without one.
* A dataset's ``defaultPartitionExpirationMs`` and ``defaultTableExpirationMs`` are Optional, not
  Computed (``resource_bigquery_dataset.go``): sent unless 0, read back as sent (the API's int64
  string flattened to an int), absent when not sent, and an update PUTs the dataset, so removing
  one removes it. They apply to tables created afterwards only: a partitioned table created without
  an expiry (or with 0, which is sent as nothing) comes back with the dataset's partition default,
  and a table created without ``expirationTime`` comes back with creation time plus the table
  default (``expirationTime`` is Optional+Computed: omitted, it is kept, and the table is deleted
  whole when it passes).

``READ_BACK`` names the inputs whose state value is GCP's answer; ``COMPUTED`` the inputs the
provider keeps when the program omits them. ``compared`` builds the pair of values the provider
diffs, so ``plan/diff.py``'s paths and ``gcpmodel/replacements.py``'s ForceNew table apply unchanged.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping

from ..engine.harness import Registration
from ..engine.mocks import DEPLOYER
from .replacements import DATASET, DATASET_ACCESS, MISSING, TABLE, value_at
from .table_schema import equivalent, view_schema_read

CREATOR = DEPLOYER  # whoever runs `pulumi up`: the creator BigQuery makes OWNER by default
LEGACY_ROLES = {"roles/bigquery.dataViewer": "READER", "roles/bigquery.dataEditor": "WRITER",
                "roles/bigquery.dataOwner": "OWNER"}
DEFAULT_ACL = ({"role": "OWNER", "specialGroup": "projectOwners"},
               {"role": "READER", "specialGroup": "projectReaders"},
               {"role": "WRITER", "specialGroup": "projectWriters"})
READ_BACK: dict[str, tuple[str, ...]] = {TABLE: ("encryptionConfiguration", "schema", "timePartitioning"),
                                         DATASET_ACCESS: ("role",)}
COMPUTED: dict[str, tuple[str, ...]] = {DATASET: ("accesses",),
                                         TABLE: ("timePartitioning.expirationMs", "schema", "expirationTime")}
SENT_AS_NOTHING: dict[str, tuple[str, ...]] = {  # 0: none sent, none kept
    TABLE: ("timePartitioning.expirationMs",),
    DATASET: ("defaultPartitionExpirationMs", "defaultTableExpirationMs")}
CREATED_AT_MS = 1_767_225_600_000  # when a simulated table is created (2026-01-01T00:00:00Z)
_KEY_VERSION = re.compile(r"^(projects/.+/locations/.+/keyRings/.+/cryptoKeys/[^/]+)/cryptoKeyVersions/.+$")


def read_back(registrations: list[Registration], prior: Mapping[str, dict] | None = None) -> dict[str, dict]:
    """The outputs the provider stores for each registration (by URN) after ``pulumi up``."""
    prior = prior or {}
    keys = {(r.inputs.get("project"), r.inputs.get("datasetId")): default_key(r.inputs)
            for r in registrations if r.type == DATASET}
    datasets = {(r.inputs.get("project"), r.inputs.get("datasetId")): r.inputs
                for r in registrations if r.type == DATASET}
    out = {}
    for r in registrations:
        if r.type not in (DATASET, DATASET_ACCESS, TABLE) and not (r.ignore_changes and r.urn in prior):
            out[r.urn] = r.outputs or r.inputs  # as the mocks answered: shared, never modified
            continue
        outputs = copy.deepcopy(dict(r.outputs or r.inputs))
        if r.type == DATASET:
            outputs["accesses"] = dataset_acl(r.inputs.get("accesses"), prior.get(r.urn, {}).get("accesses"))
        elif r.type == DATASET_ACCESS and outputs.get("role"):
            outputs["role"] = legacy_role(outputs["role"])
        elif r.type == TABLE:
            _table_key(outputs, keys.get((r.inputs.get("project"), r.inputs.get("datasetId"))))
            if r.urn not in prior:  # a dataset's defaults apply at creation only
                inherit_expirations(outputs, datasets.get((r.inputs.get("project"), r.inputs.get("datasetId"))))
            if is_view(outputs) and isinstance(outputs.get("schema"), str):
                outputs["schema"] = view_schema_read(outputs["schema"])
        _drop_zeros(r.type, outputs)
        before = prior.get(r.urn, {})
        kept = [p for p in COMPUTED.get(r.type, ()) if value_at(r.inputs, p) is MISSING]  # omitted: GCP's stays
        for path in [*kept, *r.ignore_changes] if r.urn in prior else ():  # ignored: sent at creation only
            if value_at(before, path) is not MISSING:
                _copy_path(before, outputs, path)
        out[r.urn] = outputs
    return out


def default_key(inputs: dict) -> str | None:
    """A dataset's default KMS key, if any."""
    return (inputs.get("defaultEncryptionConfiguration") or {}).get("kmsKeyName") or None


def inherit_expirations(table: dict, dataset: dict | None) -> None:
    """A table as created in ``dataset``: its defaults fill the expiries the table does not send."""
    if dataset is None or is_view(table):
        return
    partition_default = _positive(dataset.get("defaultPartitionExpirationMs"))
    partitioning = table.get("timePartitioning")
    if partition_default and isinstance(partitioning, dict) and not _positive(partitioning.get("expirationMs")):
        table["timePartitioning"] = {**partitioning, "expirationMs": partition_default}
    table_default = _positive(dataset.get("defaultTableExpirationMs"))
    if table_default and not _positive(table.get("expirationTime")):
        table["expirationTime"] = CREATED_AT_MS + table_default


def _positive(value: object) -> int:
    """An expiry in milliseconds as the provider reads it (an int; 0 for none or unknown)."""
    try:
        return max(int(value), 0) if value is not None and not isinstance(value, bool) else 0
    except (TypeError, ValueError):
        return 0


def is_view(inputs: dict) -> bool:
    return bool(inputs.get("view") or inputs.get("materializedView"))


def dataset_acl(given: list | None, prior: list | None) -> list[dict]:
    """A dataset's ACL as read back: as given (legacy roles), else kept, else BigQuery's defaults."""
    if given:
        return [{**e, "role": legacy_role(e["role"])} if e.get("role") else dict(e) for e in given]
    if prior is not None:
        return copy.deepcopy(prior)
    return [dict(e) for e in DEFAULT_ACL] + [{"role": "OWNER", "userByEmail": CREATOR}]


def legacy_role(role: str) -> str:
    return LEGACY_ROLES.get(role, role)


def _table_key(outputs: dict, inherited: str | None) -> None:
    """A table's key as read back: its own or its dataset's, without a version; none on a view."""
    if is_view(outputs):
        outputs.pop("encryptionConfiguration", None)  # BigQuery refuses a key on a view (existence)
    elif key := (outputs.get("encryptionConfiguration") or {}).get("kmsKeyName") or inherited:
        outputs["encryptionConfiguration"] = {"kmsKeyName": strip_key_version(key)}


def _drop_zeros(type_: str, value: dict) -> None:
    """The provider sends nothing for these when 0 (``expandTimePartitioning``): absent either way."""
    for path in SENT_AS_NOTHING.get(type_, ()):
        if value_at(value, path) in (0, "0"):
            _copy_path({}, value, path)


def strip_key_version(key: str) -> str:
    match = _KEY_VERSION.match(key)
    return match.group(1) if match else key


def compared(type_: str, state_inputs: dict, state_outputs: dict, inputs: dict,
             ignore_changes: tuple[str, ...] = ()) -> tuple[dict, dict]:
    """``(old, new)`` as the provider diffs them: state values GCP answered for ``READ_BACK`` inputs;
    state values for omitted ``COMPUTED`` inputs, for provider defaults (a real export lists them in
    ``__defaults``) and for ignored inputs; empty values as absent."""
    old = {k: copy.deepcopy(v) for k, v in state_inputs.items() if not k.startswith("__")}
    new = copy.deepcopy(inputs)
    for key in READ_BACK.get(type_, ()):
        if key in state_outputs:
            old[key] = state_outputs[key]
        else:
            old.pop(key, None)
    defaults = tuple(k for k in state_inputs.get("__defaults") or () if k not in new)
    for path in COMPUTED.get(type_, ()) + defaults:
        if value_at(new, path) is MISSING:
            source = state_outputs if value_at(state_outputs, path) is not MISSING else state_inputs
            _copy_path(source, new, path)
            _copy_path(source, old, path)
    for path in ignore_changes:
        _copy_path(old, new, path)
    if type_ == TABLE and isinstance(old.get("schema"), str) and isinstance(new.get("schema"), str) \
            and equivalent(old["schema"], new["schema"]):
        old["schema"] = new["schema"]  # the provider's diff suppression
    _drop_zeros(type_, old)
    _drop_zeros(type_, new)
    return _drop_empty(old), _drop_empty(new)


def _copy_path(source: dict, target: dict, path: str) -> None:
    value = value_at(source, path)
    keys = path.split(".")
    for key in keys[:-1]:
        nested = target.get(key)
        if not isinstance(nested, dict):
            if value is MISSING:
                return
            target[key] = nested = {}
        target = nested
    if value is MISSING:
        target.pop(keys[-1], None)
    else:
        target[keys[-1]] = copy.deepcopy(value)


def _drop_empty(value: object) -> object:
    """None, '' and empty lists or maps are absent to the provider (SDKv2 cannot tell them apart)."""
    if isinstance(value, dict):
        cleaned = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_drop_empty(v) for v in value]
    return value
