"""What to do when the next ``pulumi up`` must replace or delete a protected resource, or finds a
dataset still open from before: the runbook a reviewer needs, in the plan, before the preview fails.

Pulumi refuses to replace or delete a ``protect``-ed resource; with ``retain_on_delete`` a deletion
leaves the resource in GCP, out of the stack. A replacement of a table or dataset keeps its id, so
the new one cannot be created while the old one exists. Pure functions of a ``StateChange``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..gcpmodel.next_up import DELETE, REPLACE, StateChange
from ..gcpmodel.replacements import DATASET, PROJECT, TABLE

DATA_HOLDERS = {PROJECT: "project", DATASET: "dataset", TABLE: "table"}
DEFAULT_GROUPS = ("projectOwners", "projectReaders", "projectWriters")


@dataclass(frozen=True)
class Runbook:
    """A protected resource the ``up`` would replace or delete, why, and what to do instead."""

    urn: str
    kind: str  # project, dataset, table
    op: str  # replace, delete
    cause: str
    steps: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


def runbook(change: StateChange) -> Runbook | None:
    """The runbook of a change that replaces or deletes a protected data holder, else None."""
    old = change.old
    if old is None or change.op not in (REPLACE, DELETE) or not old.protect:
        return None
    kind = DATA_HOLDERS.get(old.type, old.type.rsplit(":", 1)[-1])
    address = _address(old.type, old.inputs)
    if change.op == DELETE:
        return Runbook(change.urn, kind, DELETE, f"the {kind} is no longer in the program (a port renamed or "
                       "removed, a declaration deleted)", _delete_steps(kind, change.urn, address))
    return Runbook(change.urn, kind, REPLACE, f"changed {', '.join(change.replace_reasons)}, which the {kind} "
                   "cannot take in place", _replace_steps(kind, change.urn, address))


def _delete_steps(kind: str, urn: str, address: str) -> tuple[str, ...]:
    return (
        "Pulumi refuses to delete it while it is protected, so this `pulumi up` fails as planned.",
        "To keep serving it: restore the port or declaration, and retire it with a `deprecation` (sunset) first; "
        "serve a renamed or changed port as a new major side by side.",
        f"To stop managing it and keep the data: `pulumi state unprotect '{urn}'`, then `pulumi up`: "
        f"retain_on_delete leaves the {kind} {address} in GCP, out of the stack; delete it by hand only if "
        "its data must go.")


def _replace_steps(kind: str, urn: str, address: str) -> tuple[str, ...]:
    if kind == "project":
        return ("A project id never changes: declare a new product (or adopt the project) instead.",)
    return (
        "Pulumi refuses to replace it while it is protected, and a replacement would start empty.",
        "Serve the change as a new major of the port, side by side (a new port table and dataset), let "
        "consumers move, then deprecate the old major.",
        f"To change it in place and keep the data: copy it (`bq cp {address} {address}_backup`), "
        f"`pulumi state unprotect '{urn}'`, delete the {kind} by hand (`bq rm {address}`), `pulumi up` "
        "(it creates the new one), then load the copy back and delete it.")


def open_dataset_steps(dataset: str, groups: list[str]) -> tuple[str, ...]:
    """What to do about a deployed dataset that still holds BigQuery's project-role entries."""
    return (f"{dataset} was created before meshplane created datasets closed: it still grants "
            f"{', '.join(groups)} (every project {'Viewer' if 'projectReaders' in groups else 'member'} reads it), "
            "and no DatasetAccess can remove them.",
            f"Remove them once: `bq show --format=prettyjson {dataset} > acl.json`, delete the entries with "
            f"\"specialGroup\": {', '.join(groups)}, then `bq update --source acl.json {dataset}`.")


def _address(type_: str, inputs: dict) -> str:
    if type_ == TABLE:
        return f"{inputs.get('project')}:{inputs.get('datasetId')}.{inputs.get('tableId')}"
    if type_ == DATASET:
        return f"{inputs.get('project')}:{inputs.get('datasetId')}"
    return str(inputs.get("projectId", ""))
