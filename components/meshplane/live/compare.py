"""Deployed tables, views, routines and row access policies against their planned inputs (pure).

Planned values are pulumi inputs (``schema`` as a JSON string, ``view.query``, ``timePartitioning``...);
actual ones the REST resources BigQuery answers. Each function returns ``(kind, message, status)``
differences; none means conformant. A view's schema is what BigQuery computes from its query
(``table_schema.view_schema_read``); types compare in either name (INT64/INTEGER...).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from ..gcpmodel.table_schema import LEGACY_TYPES, view_schema_read
from .findings import DRIFT, LEAK

Difference = tuple[str, str, str]  # (kind, message, status)


def compare_table(planned: dict, actual: dict) -> list[Difference]:
    """A table's or view's differences: query, schema, policy tags, partitioning, encryption key."""
    query = (planned.get("view") or {}).get("query")
    if query:
        out = []
        if _sql(query) != _sql((actual.get("view") or {}).get("query")):
            out.append(("view query", "the view's query is not the planned one (changed outside Pulumi)", DRIFT))
        sent = planned.get("schema")
        return out + list(_schema(json.loads(view_schema_read(sent)) if sent else None, actual))
    return [*_schema(_fields(planned.get("schema")), actual), *_policy_tags(planned, actual),
            *_partitioning(planned, actual), *_key(planned, actual)]


def _sql(text: object) -> str:
    return "\n".join(line.rstrip() for line in str(text or "").strip().splitlines())


def _fields(schema: object) -> list | None:
    return json.loads(schema) if isinstance(schema, str) and schema not in ("", "null") else None


def _flat(fields: list | None, prefix: str = "") -> dict[str, dict]:
    out: dict[str, dict] = {}
    for f in fields or []:
        path = f"{prefix}{f['name']}".lower()
        out[path] = f
        out.update(_flat(f.get("fields"), f"{path}."))
    return out


def legacy_type(kind: object) -> str:
    """A type in BigQuery's legacy name, as the API answers it (INT64 -> INTEGER, STRUCT -> RECORD)."""
    kind = str(kind or "").upper()
    return LEGACY_TYPES.get(kind, kind)


def _type(field: dict) -> str:
    return legacy_type(field.get("type"))


def _schema(planned: list | None, actual: dict) -> Iterator[Difference]:
    if planned is None:
        return
    want, have = _flat(planned), _flat((actual.get("schema") or {}).get("fields"))
    for path in sorted(want.keys() - have.keys()):
        yield "schema", f"column {path} is missing", DRIFT
    for path in sorted(have.keys() - want.keys()):
        yield "schema", f"column {path} is not in the plan", DRIFT
    for path in sorted(want.keys() & have.keys()):
        w, h = want[path], have[path]
        if _type(w) != _type(h):
            yield "schema", f"column {path} is {_type(h)}, planned {_type(w)}", DRIFT
        if str(w.get("mode") or "NULLABLE").upper() != str(h.get("mode") or "NULLABLE").upper():
            yield "schema", f"column {path} is {h.get('mode') or 'NULLABLE'}, planned {w.get('mode')}", DRIFT


def _tags(fields: list | None) -> dict[str, set[str]]:
    return {p: set((f.get("policyTags") or {}).get("names") or []) for p, f in _flat(fields).items()}


def _policy_tags(planned: dict, actual: dict) -> Iterator[Difference]:
    want, have = _tags(_fields(planned.get("schema"))), _tags((actual.get("schema") or {}).get("fields"))
    for path, tags in sorted(want.items()):
        lost = tags - have.get(path, set())
        if lost and path in have:
            yield ("policy tag", f"column {path} lost policy tag {', '.join(sorted(lost))}: every reader of the "
                                 "table now reads it unmasked", LEAK)
        changed = have.get(path, set()) - tags
        if changed:
            yield "policy tag", f"column {path} has policy tag {', '.join(sorted(changed))}, not planned", DRIFT


def _partitioning(planned: dict, actual: dict) -> Iterator[Difference]:
    want, have = planned.get("timePartitioning") or {}, actual.get("timePartitioning") or {}
    if not want and not have:
        return
    if not have:
        yield "partitioning", "the table is not partitioned, planned by " + str(want.get("field")), DRIFT
        return
    for key in ("type", "field"):
        if want.get(key) is not None and str(want.get(key)) != str(have.get(key)):
            yield "partitioning", f"partitioning {key} is {have.get(key)}, planned {want.get(key)}", DRIFT
    if want.get("expirationMs") is not None and int(float(want["expirationMs"] or 0)) != int(have.get("expirationMs") or 0):
        yield ("partitioning", f"partition expiration is {have.get('expirationMs') or 'none'} ms, planned "
                               f"{int(float(want['expirationMs']))} ms", DRIFT)


def _strip_version(key: object) -> str:
    return str(key or "").split("/cryptoKeyVersions/")[0]


def _key(planned: dict, actual: dict) -> Iterator[Difference]:
    want = _strip_version((planned.get("encryptionConfiguration") or {}).get("kmsKeyName"))
    have = _strip_version((actual.get("encryptionConfiguration") or {}).get("kmsKeyName"))
    if want and want != have:
        yield "encryption", f"encrypted with {have or 'a Google-managed key'}, planned {want}", DRIFT


def compare_routine(planned: dict, actual: dict) -> list[Difference]:
    """A routine's body and type."""
    out = []
    if _sql(planned.get("definitionBody")) != _sql(actual.get("definitionBody")):
        out.append(("routine body", "the body is not the planned one (changed outside Pulumi)", DRIFT))
    if planned.get("routineType") and planned["routineType"] != actual.get("routineType"):
        out.append(("routine", f"type is {actual.get('routineType')}, planned {planned['routineType']}", DRIFT))
    return out


def compare_row_policies(planned: dict[str, dict], actual: list[dict]) -> list[tuple[str, str, str]]:
    """``(policy id, message, status)``: missing policies (a leak when none is left on the table and a
    planned one filtered rows, else drift), changed filters (a leak: not provably narrower) and extra ones
    (a leak). Grantees are
    input-only in the API: they cannot be read back."""
    have = {(p.get("rowAccessPolicyReference") or {}).get("policyId"): p for p in actual}
    out = []
    filtering = any(_sql(p.get("filterPredicate")).upper() != "TRUE" for p in planned.values())
    for policy_id, p in sorted(planned.items()):
        if policy_id not in have:
            status = LEAK if not have and filtering else DRIFT
            why = ("no row access policy is left: every reader of the table sees every row" if status == LEAK
                   else "its grantees see no rows")
            out.append((policy_id, f"row access policy missing: {why}", status))
        elif _sql(p.get("filterPredicate")) != _sql(have[policy_id].get("filterPredicate")):
            out.append((policy_id, f"filter is {have[policy_id].get('filterPredicate')!r}, planned "
                                   f"{p.get('filterPredicate')!r}: a changed filter cannot be proven narrower, "
                                   "its grantees may see rows the plan does not give them", LEAK))
    for policy_id in sorted(set(have) - set(planned), key=str):
        out.append((str(policy_id), f"row access policy not in the plan (filter "
                                    f"{have[policy_id].get('filterPredicate')!r}): its grantees see rows", LEAK))
    return out


def compare_grantees(planned: list[str], actual: set[str]) -> list[tuple[str, str]]:
    """``(message, status)``: a member the policy's IAM policy has and the plan does not sees rows the
    plan does not give it (a leak); a planned grantee it lacks sees none of them (drift). Members compare
    as IAM writes them, e-mails case-insensitively."""
    want, have = {_member(m): m for m in planned}, {_member(m): m for m in actual}
    out = [(f"grantee {have[m]} is not in the plan: it sees the rows this filter passes", LEAK)
           for m in sorted(have.keys() - want.keys())]
    return out + [(f"planned grantee {want[m]} is missing: it sees none of these rows", DRIFT)
                  for m in sorted(want.keys() - have.keys())]


def _member(member: str) -> str:
    kind, _, value = str(member).partition(":")
    return f"{kind}:{value.lower()}" if value else kind
