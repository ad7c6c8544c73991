"""Visibility: who reads which rows and which tagged columns of each table, as BigQuery decides per caller.

Derived from a stack's state after ``up`` (``gcp-behaviour.md`` §3):

* A principal reaches a table directly (a role on its dataset's ACL, as read back: BigQuery's default
  ``projectReaders``/``projectWriters``/``projectOwners`` entries included; or table IAM), through a
  view it may query whose dataset (or the view itself) is authorized on the table's dataset, or
  through a procedure it may call (READER on the routine's dataset) that is authorized there.
* Row access policies are evaluated for the caller on every path, views and procedures included:
  once a table has one, a principal named in none sees no rows; ``TRUE`` shows every row.
* A policy-tagged column is read raw with ``categoryFineGrainedReader`` on its tag, masked with
  ``maskedReader`` on the tag's data policy, and not at all otherwise; a DML statement reading a
  column in ``WHERE`` needs it raw (masked values match nothing).

Principals are IAM members (``group:…``, ``serviceAccount:…``); a special group is named
``projectReaders:<project>`` and so on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from .replacements import DATASET, DATASET_ACCESS, ROW_ACCESS_POLICY, TABLE
from .resource_grants import acl_member
from .requirements import ROUTINE, TABLE_IAM, referenced_tables

TAG_READER = "gcp:datacatalog/policyTagIamMember:PolicyTagIamMember"
MASKED_READER = "gcp:bigquerydatapolicy/dataPolicyIamMember:DataPolicyIamMember"
READ_ROLES = {"READER", "WRITER", "OWNER", "roles/bigquery.dataViewer", "roles/bigquery.dataEditor",
              "roles/bigquery.dataOwner", "roles/bigquery.admin"}
FINE_GRAINED = "roles/datacatalog.categoryFineGrainedReader"
MASKED = "roles/bigquerydatapolicy.maskedReader"
ALL, NONE = "all", "none"
RAW, MASKED_VALUE, DENIED = "raw", "masked", "denied"

# A procedure searching a dataset's INFORMATION_SCHEMA (erase_subject) reaches every table found there.
SEARCHED = re.compile(r"`([^`]+)`\.`([^`]+)`\.INFORMATION_SCHEMA\.")


@dataclass(frozen=True, order=True)
class Sight:
    """What one principal sees of one table along one path."""

    table: str  # project.dataset.table
    principal: str
    via: str  # "dataset ACL READER", "table IAM roles/bigquery.dataViewer", "view p.d.v", "procedure p.d.r"
    rows: str  # ALL, NONE, or the row policies' ids joined by ", "
    columns: tuple[tuple[str, str], ...] = ()  # (tagged column path, RAW | MASKED_VALUE | DENIED)

    def column(self, path: str) -> str | None:
        return dict(self.columns).get(path)


@dataclass
class _Model:
    acl: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # dataset -> (principal, role)
    authorized: dict[str, set[str]] = field(default_factory=dict)  # dataset -> authorized datasets/views/routines
    table_iam: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    row_policies: dict[str, list[tuple[str, str, set[str]]]] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> column path -> policy tag
    views: dict[str, set[str]] = field(default_factory=dict)  # view -> tables it reads
    routines: dict[str, set[str]] = field(default_factory=dict)  # routine -> tables it reads
    raw: dict[str, set[str]] = field(default_factory=dict)  # policy tag -> fine-grained readers
    masked: dict[str, set[str]] = field(default_factory=dict)  # policy tag -> masked readers


def visibility(resources: Iterable, masking: Mapping[str, str] | None = None) -> list[Sight]:
    """Every (table, principal, path) of the stack's data tables; ``masking`` maps a data policy
    (``projects/P/locations/L/dataPolicies/D``) to the policy tag it masks."""
    model = _build(list(resources), masking or {})
    sights = {s for table in model.tags for s in _sights(model, table)}
    return sorted(sights)


def _build(resources: list, masking: Mapping[str, str]) -> _Model:
    m = _Model()
    for r in resources:
        i, out = r.inputs, (getattr(r, "outputs", None) or r.inputs)
        if r.type == DATASET:
            key = f"{i.get('project')}.{i.get('datasetId')}"
            for entry in out.get("accesses") or []:
                _acl_entry(m, key, entry, i.get("project"))
        elif r.type == DATASET_ACCESS:
            _acl_entry(m, f"{i.get('project')}.{i.get('datasetId')}", i, i.get("project"))
        elif r.type == TABLE:
            _table(m, i, out)
        elif r.type == TABLE_IAM:
            m.table_iam.setdefault(_table_key(i), []).append((str(i.get("member")), str(i.get("role"))))
        elif r.type == ROW_ACCESS_POLICY:
            m.row_policies.setdefault(_table_key(i), []).append(
                (str(i.get("policyId")), str(i.get("filterPredicate")), set(i.get("grantees") or [])))
        elif r.type == ROUTINE:
            routine = f"{i.get('project')}.{i.get('datasetId')}.{i.get('routineId')}"
            body = str(i.get("definitionBody") or "")
            m.routines[routine] = referenced_tables(body) | {f"{p}.{d}.*" for p, d in SEARCHED.findall(body)}
        elif r.type == TAG_READER and i.get("role") == FINE_GRAINED:
            m.raw.setdefault(str(i.get("policyTag")), set()).add(str(i.get("member")))
        elif r.type == MASKED_READER and i.get("role") == MASKED:
            policy = f"projects/{i.get('project')}/locations/{i.get('location')}/dataPolicies/{i.get('dataPolicyId')}"
            if policy in masking:
                m.masked.setdefault(masking[policy], set()).add(str(i.get("member")))
    return m


def _acl_entry(m: _Model, dataset: str, entry: dict, project: object) -> None:
    if (authorized := (entry.get("authorizedDataset") or entry.get("dataset") or {}).get("dataset")):
        m.authorized.setdefault(dataset, set()).add(f"{authorized.get('projectId')}.{authorized.get('datasetId')}")
    elif entry.get("view") or entry.get("routine"):
        ref = entry.get("view") or entry.get("routine")
        name = ref.get("tableId") or ref.get("routineId")
        m.authorized.setdefault(dataset, set()).add(f"{ref.get('projectId')}.{ref.get('datasetId')}.{name}")
    elif (principal := acl_principal(entry, project)) and entry.get("role"):
        m.acl.setdefault(dataset, []).append((principal, str(entry["role"])))


def acl_principal(entry: dict, project: object) -> str | None:
    """A dataset ACL entry's principal as an IAM member, a special group qualified by the project
    (``projectReaders:<project>``); None when it names none."""
    member = acl_member(entry)
    if member.startswith("specialGroup:"):
        return f"{member.split(':', 1)[1]}:{project}"
    return None if member == "?" else member


def _table(m: _Model, i: dict, out: dict) -> None:
    key = _table_key(i)
    if (i.get("view") or {}).get("query"):
        m.views[key] = referenced_tables(i["view"]["query"])
        return
    try:
        columns = json.loads(out.get("schema") or i.get("schema") or "[]")
    except (TypeError, ValueError):
        columns = []
    m.tags[key] = dict(_tagged(columns if isinstance(columns, list) else [], ""))


def _tagged(columns: list, prefix: str) -> Iterator[tuple[str, str]]:
    for column in columns:
        path = prefix + str(column.get("name"))
        for tag in ((column.get("policyTags") or {}).get("names") or [])[:1]:
            yield path, tag
        yield from _tagged(column.get("fields") or [], path + ".")


def _table_key(i: dict) -> str:
    return f"{i.get('project')}.{i.get('datasetId')}.{i.get('tableId')}"


def _sights(m: _Model, table: str) -> Iterator[Sight]:
    dataset = table.rsplit(".", 1)[0]
    for principal, role in m.acl.get(dataset, []):
        if role in READ_ROLES:
            yield _sight(m, table, principal, f"dataset ACL {role}")
    for principal, role in m.table_iam.get(table, []):
        if role in READ_ROLES:
            yield _sight(m, table, principal, f"table IAM {role}")
    authorized = m.authorized.get(dataset, set())
    for view, sources in sorted(m.views.items()):
        view_dataset = view.rsplit(".", 1)[0]
        if table in sources and (view_dataset in authorized or view in authorized):
            for principal in _readers(m, view_dataset):
                yield _sight(m, table, principal, f"view {view}")
    for routine, sources in sorted(m.routines.items()):
        if (table in sources or f"{dataset}.*" in sources) and routine in authorized:
            for principal in _readers(m, routine.rsplit(".", 1)[0]):
                yield _sight(m, table, principal, f"procedure {routine}")


def _readers(m: _Model, dataset: str) -> list[str]:
    return sorted({p for p, role in m.acl.get(dataset, []) if role in READ_ROLES})


def _sight(m: _Model, table: str, principal: str, via: str) -> Sight:
    return Sight(table, principal, via, rows_seen(m.row_policies.get(table, []), principal),
                 tuple((path, column_seen(m, tag, principal)) for path, tag in sorted(m.tags.get(table, {}).items())))


def rows_seen(policies: list[tuple[str, str, set[str]]], principal: str) -> str:
    """ALL, NONE, or the ids of the row policies naming ``principal`` (no policy: every row)."""
    if not policies:
        return ALL
    named = sorted((pid, predicate) for pid, predicate, grantees in policies if principal in grantees)
    if any(predicate.strip().upper() == "TRUE" for _, predicate in named):
        return ALL
    return ", ".join(pid for pid, _ in named) or NONE


def column_seen(m: _Model, tag: str, principal: str) -> str:
    if principal in m.raw.get(tag, set()):
        return RAW
    return MASKED_VALUE if principal in m.masked.get(tag, set()) else DENIED
