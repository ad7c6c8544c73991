"""Access in a diff: each resource's grants as (principal, role, target), compared as sets over the
whole documents, so a grant that is replaced or renamed but stays the same is neither widened nor
narrowed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..gcpmodel.replacements import DATASET, DATASET_ACCESS, ROW_ACCESS_POLICY, is_iam_member


@dataclass(frozen=True, order=True)
class Grant:
    """A principal holding a role on a target (a project, dataset, table, bucket, row policy...)."""

    principal: str
    role: str
    target: str


def compare_access(changes: dict, old: dict[str, dict], new: dict[str, dict]) -> None:
    """Record on each change (by URN) the grants its resource gains and loses."""
    before, after = _grant_index(old), _grant_index(new)
    for grant in sorted(after.keys() - before.keys()):
        for urn in after[grant]:
            changes[urn].gained.append(grant)
    for grant in sorted(before.keys() - after.keys()):
        for urn in before[grant]:
            changes[urn].lost.append(grant)


def _grant_index(states: dict[str, dict]) -> dict[Grant, set[str]]:
    index: dict[Grant, set[str]] = defaultdict(set)
    for urn, state in states.items():
        for grant in grants_of(state["type"], state.get("inputs", {})):
            index[grant].add(urn)
    return index


_TARGET_KEYS = ("project", "bucket", "serviceAccountId", "location", "datasetId", "tableId", "name")


def grants_of(type_: str, inputs: dict) -> list[Grant]:
    """The grants one resource makes: IAM members, dataset ACL entries, row access policy grantees."""
    if is_iam_member(type_):
        rest = [k for k in _TARGET_KEYS if k in inputs]
        rest += sorted(k for k in inputs if k not in (*_TARGET_KEYS, "member", "role", "condition"))
        target = "/".join(str(inputs[k]) for k in rest) + _condition(inputs)
        return [Grant(str(inputs.get("member")), str(inputs.get("role")), target)]
    dataset = f"{inputs.get('project')}.{inputs.get('datasetId')}"
    if type_ == DATASET_ACCESS:
        return [_acl_grant(inputs, dataset)]
    if type_ == DATASET:
        return [_acl_grant(entry, dataset) for entry in inputs.get("accesses") or []]
    if type_ == ROW_ACCESS_POLICY:
        target = f"{dataset}.{inputs.get('tableId')} row policy {inputs.get('policyId')}"
        role = f"rows where {inputs.get('filterPredicate')}"
        return [Grant(str(g), role, target) for g in inputs.get("grantees") or []]
    return []


_ACL_PRINCIPALS = (("userByEmail", "user:"), ("groupByEmail", "group:"), ("domain", "domain:"),
                   ("specialGroup", "specialGroup:"), ("iamMember", ""))


def _acl_grant(entry: dict, dataset: str) -> Grant:
    role = str(entry.get("role") or "authorized") + _condition(entry)
    for key, prefix in _ACL_PRINCIPALS:
        if entry.get(key):
            if key == "userByEmail" and str(entry[key]).endswith(".gserviceaccount.com"):
                prefix = "serviceAccount:"  # the ACL names service accounts as users
            return Grant(f"{prefix}{entry[key]}", role, dataset)
    if entry.get("view"):
        view = entry["view"]
        return Grant(f"view:{view.get('projectId')}.{view.get('datasetId')}.{view.get('tableId')}", role, dataset)
    authorized = entry.get("authorizedDataset") or entry.get("dataset")
    if authorized:
        ref = authorized.get("dataset", {})
        return Grant(f"dataset:{ref.get('projectId')}.{ref.get('datasetId')}", role, dataset)
    routine = entry.get("routine") or {}
    return Grant(f"routine:{routine.get('projectId')}.{routine.get('datasetId')}.{routine.get('routineId')}",
                 role, dataset)


def _condition(entry: dict) -> str:
    condition = entry.get("condition")
    return f" if {condition.get('expression')}" if isinstance(condition, dict) else ""
