"""The expected state of a stack, read from its plan's inventory: the datasets with the access entries
they should hold, tables and views, routines, row access policies, and what the stack creates itself.

Pure: registrations in, plain data out. A value the plan cannot know (the engine's unknown) is left
out of what is compared, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .acl import entry_key
from .invented import entry_invented

DATASET, ACCESS = "gcp:bigquery/dataset:Dataset", "gcp:bigquery/datasetAccess:DatasetAccess"
TABLE, ROUTINE = "gcp:bigquery/table:Table", "gcp:bigquery/routine:Routine"
ROW_POLICY = "gcp:bigquery/rowAccessPolicy:RowAccessPolicy"
ACCOUNT, PROJECT = "gcp:serviceaccount/account:Account", "gcp:organizations/project:Project"
BUCKET = "gcp:storage/bucket:Bucket"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN, without importing pulumi

DatasetKey = tuple[str, str]  # (project, dataset id)
TableKey = tuple[str, str, str]  # (project, dataset id, table or routine id)


def known(value: object) -> bool:
    """Whether ``value`` (and everything in it) is known at plan time."""
    if isinstance(value, dict):
        return all(known(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(known(v) for v in value)
    return value != UNKNOWN


@dataclass
class ExpectedDataset:
    """A dataset and the access entries the plan gives it (initial list and one resource per grant)."""

    project: str
    dataset_id: str
    location: str | None = None
    created: bool = False  # the stack creates the dataset (else it only adds entries to someone else's)
    entries: list[dict] = field(default_factory=list)  # pulumi inputs of each entry (role + one member key)
    invented: list[dict] = field(default_factory=list)  # entries whose member the offline plan made up
    urns: list[str] = field(default_factory=list)


@dataclass
class Expected:
    """What a stack's plan says should exist."""

    datasets: dict[DatasetKey, ExpectedDataset] = field(default_factory=dict)
    tables: dict[TableKey, dict] = field(default_factory=dict)  # pulumi inputs of tables and views
    routines: dict[TableKey, dict] = field(default_factory=dict)
    row_policies: dict[TableKey, dict[str, dict]] = field(default_factory=dict)  # by policy id
    accounts: set[str] = field(default_factory=set)  # e-mails of the service accounts the stack creates
    projects: set[str] = field(default_factory=set)  # projects the stack creates
    buckets: dict[str, str] = field(default_factory=dict)  # Cloud Storage buckets the stack creates -> project
    numbers: frozenset[str] = frozenset()  # real project numbers (from a deployed state): agents named by others are made up

    def views(self) -> dict[TableKey, dict]:
        return {k: v for k, v in self.tables.items() if (v.get("view") or {}).get("query")}


def expected_state(registrations: Iterable, default_project: str = "", numbers: Iterable[str] = ()) -> Expected:
    """The expected state of the registrations of one plan; ``numbers``: the projects' real numbers (a
    deployed state's), without which a member named by a project number is made up (``invented``)."""
    out = Expected(numbers=frozenset(numbers))
    for r in registrations:
        i = r.inputs
        project = str(i.get("project") or default_project)
        if r.type == DATASET:
            d = _dataset(out, project, i["datasetId"])
            d.created, d.location = True, i.get("location")
            _add(d, [e for e in i.get("accesses") or [] if known(e)], out.numbers)
            d.urns.append(r.urn)
        elif r.type == ACCESS and known(i):
            d = _dataset(out, project, i["datasetId"])
            _add(d, [{k: v for k, v in i.items() if k not in ("project", "datasetId")}], out.numbers)
        elif r.type == TABLE:
            out.tables[(project, i["datasetId"], i["tableId"])] = i
        elif r.type == ROUTINE:
            out.routines[(project, i["datasetId"], i["routineId"])] = i
        elif r.type == ROW_POLICY:
            out.row_policies.setdefault((project, i["datasetId"], i["tableId"]), {})[i["policyId"]] = i
        elif r.type == ACCOUNT:
            out.accounts.add(f"{i['accountId']}@{project}.iam.gserviceaccount.com")
        elif r.type == PROJECT:
            out.projects.add(i["projectId"])
        elif r.type == BUCKET and known(i.get("name")):
            out.buckets[str(i["name"])] = project
    return out


def _add(dataset: ExpectedDataset, entries: list[dict], numbers: frozenset[str]) -> None:
    for entry in entries:
        (dataset.invented if entry_invented(entry_key(entry), numbers) else dataset.entries).append(entry)


def _dataset(out: Expected, project: str, dataset_id: str) -> ExpectedDataset:
    return out.datasets.setdefault((project, dataset_id), ExpectedDataset(project, dataset_id))
