"""Dataset access entries compared as BigQuery compares them (pure).

BigQuery keeps one ACL per dataset. Planned entries are pulumi inputs (``Dataset.accesses`` and one
``DatasetAccess`` per grant); actual ones the REST ``Dataset.access`` list. Both are reduced to
``(role, kind, id)``: the legacy role names OWNER/WRITER/READER equal roles/bigquery.dataOwner/
dataEditor/dataViewer (``gcp-behaviour.md``), a service account or user granted as ``iamMember`` is
the same member as one granted by ``userByEmail``, e-mails compare case-insensitively.
"""

from __future__ import annotations

from collections.abc import Iterable

Entry = tuple[str, str, str]  # (role or "", kind, id)

LEGACY_ROLES = {"roles/bigquery.dataOwner": "OWNER", "roles/bigquery.dataEditor": "WRITER",
                "roles/bigquery.dataViewer": "READER"}
PROJECT_DEFAULTS = {"projectOwners": "project Owner", "projectWriters": "project Editor",
                    "projectReaders": "project Viewer"}
PUBLIC = {"allUsers", "allAuthenticatedUsers"}
_IAM_KINDS = {"serviceAccount": "email", "user": "email", "group": "group", "domain": "domain"}


def canonical_role(role: object) -> str:
    """The legacy name where BigQuery has one, else the role as given."""
    return LEGACY_ROLES.get(str(role), str(role)) if role else ""


def entry_key(entry: dict) -> Entry:
    """The ``(role, kind, id)`` of a planned (pulumi) or actual (REST) access entry."""
    role = canonical_role(entry.get("role"))
    if entry.get("userByEmail"):
        return role, "email", str(entry["userByEmail"]).lower()
    if entry.get("groupByEmail"):
        return role, "group", str(entry["groupByEmail"]).lower()
    if entry.get("domain"):
        return role, "domain", str(entry["domain"]).lower()
    if entry.get("specialGroup"):
        return role, "specialGroup", str(entry["specialGroup"])
    if entry.get("iamMember"):
        kind, _, value = str(entry["iamMember"]).partition(":")
        if kind in _IAM_KINDS and value:
            return role, _IAM_KINDS[kind], value.lower()
        return role, "iamMember", str(entry["iamMember"])
    if entry.get("view"):
        return "", "view", _path(entry["view"], "tableId")
    authorized = entry.get("authorizedDataset") or entry.get("dataset")
    if authorized:
        return "", "dataset", _path(authorized.get("dataset") or {}, None)
    if entry.get("routine"):
        return "", "routine", _path(entry["routine"], "routineId")
    return role, "unknown", repr(sorted(entry.items()))


def _path(ref: dict, last: str | None) -> str:
    parts = [ref.get("projectId"), ref.get("datasetId")] + ([ref.get(last)] if last else [])
    return ".".join(str(p) for p in parts)


def compare_entries(planned: Iterable[dict], actual: Iterable[dict]) -> tuple[list[Entry], list[Entry]]:
    """``(extra, missing)``: actual entries the plan does not have, planned ones BigQuery does not."""
    want, have = {entry_key(e) for e in planned}, {entry_key(e) for e in actual}
    return sorted(have - want), sorted(want - have)


def describe(entry: Entry) -> str:
    """An entry in words: ``READER group:analysts@x``, ``authorized view p.d.v``."""
    role, kind, ident = entry
    if kind in ("view", "dataset", "routine"):
        return f"authorized {kind} {ident}"
    member = ident if kind in ("specialGroup", "iamMember") else f"{kind}:{ident}"
    return f"{role} {member}".strip()


def why_extra(entry: Entry) -> str:
    """Why an entry the plan does not hold is a leak."""
    role, kind, ident = entry
    if kind == "specialGroup" and ident in PROJECT_DEFAULTS:
        return (f"project-role default: every {PROJECT_DEFAULTS[ident]} of the project gets {role} "
                "(the dataset was created without an explicit access list, or someone added it)")
    if ident in PUBLIC or ident.endswith(tuple(f":{p}" for p in PUBLIC)):
        return "public access"
    if kind in ("view", "dataset", "routine"):
        return "an authorization the plan does not make: what it runs reads this dataset with its access"
    return "not in the plan: a manual (console) grant, or another stack's"


def why_missing(entry: Entry) -> str:
    """What breaks when a planned entry is missing."""
    role, kind, ident = entry
    if kind == "routine":
        return "the authorized routine lost its access (BigQuery drops it when the routine is replaced)"
    if kind in ("view", "dataset"):
        return "the interface views lost their authorization: consumers get access denied"
    if role == "READER" and ident.endswith(".gserviceaccount.com"):
        return "a consumer lost its read access (broken consumer)"
    return "a planned entry is missing"
