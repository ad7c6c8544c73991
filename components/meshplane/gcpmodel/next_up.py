"""What the next ``pulumi up`` does to a deployed stack: each resource created, updated, replaced,
deleted or left alone, comparing the program with the stack's state as the engine and provider do.

* Resources are matched by URN, or through one of the program's aliases (a rename, not a delete).
* Inputs are compared with what the provider read back (``readback.compared``): an inherited KMS
  key the program omits is a change, an omitted Optional+Computed value is not.
* A change replaces the resource when it touches a ForceNew input (``gcpmodel/replacements.py``), a
  ``replace_on_changes`` path, or the ``replacement_trigger`` changed; a trigger set for the first
  time (none in the state) replaces nothing (the engine's ``shouldTriggerReplace``: null is none).
* A resource in the state and not in the program is deleted: refused while protected, left in GCP
  (and dropped from the stack) with ``retain_on_delete``.
* A grant (a dataset ACL entry, an IAM member, a row access policy) replaced the default way, new
  one first, fails or revokes: the provider refuses to create an ACL entry or policy that is still
  there, and deleting the old IAM member afterwards removes the binding the new one re-created.
  It must be deleted before it is replaced (``unsafe_replacements``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .replacements import changed_paths
from ..engine.harness import Registration
from .replacements import BUCKET_OBJECT, DATASET_ACCESS, ROW_ACCESS_POLICY, is_iam_member, replace_keys, under
from .table_losses import drops_policed_columns, policed_tables
from .readback import compared
from .state import StateResource, plain

CREATE, UPDATE, REPLACE, DELETE, SAME = "create", "update", "replace", "delete", "same"


@dataclass
class StateChange:
    """One resource's step in the next ``up``."""

    urn: str
    type: str
    op: str
    old: StateResource | None = None
    new: Registration | None = None
    changed: list[str] = field(default_factory=list)  # dotted input paths
    replace_reasons: list[str] = field(default_factory=list)
    renamed_from: str = ""  # the state URN an alias matched

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


def next_up(registrations: Iterable[Registration], state: Mapping[str, StateResource]) -> dict[str, StateChange]:
    """Every resource of the program or the state, by URN (a deleted one by its state URN)."""
    changes: dict[str, StateChange] = {}
    matched: set[str] = set()
    policed = policed_tables((old.type, plain(old.inputs)) for old in state.values())
    for reg in registrations:
        old_urn = reg.urn if reg.urn in state else next((a for a in reg.aliases if a in state), None)
        if old_urn is None:
            changes[reg.urn] = StateChange(reg.urn, reg.type, CREATE, new=reg)
            continue
        matched.add(old_urn)
        changes[reg.urn] = compare(state[old_urn], reg, policed)
        if old_urn != reg.urn:
            changes[reg.urn].renamed_from = old_urn
    for urn, old in state.items():
        if urn not in matched:
            changes[urn] = StateChange(urn, old.type, DELETE, old=old)
    return dict(sorted(changes.items()))


def compare(old: StateResource, new: Registration, policed: set[str] = frozenset()) -> StateChange:
    """The step of one resource present in both: same, update or replace (``policed``: the tables of
    the state with row access policies, which cannot drop columns in place)."""
    before, after = compared(new.type, plain(old.inputs), plain(old.outputs), plain(new.inputs), new.ignore_changes)
    paths = changed_paths(before, after)
    reasons = sorted(set(replace_keys(new.type, before, after) if paths else [])
                     | {p for p in paths if under(p, new.replace_on_changes)}
                     | ({"schema"} if drops_policed_columns(new.type, before, after, policed) else set()))
    if None not in (new.replacement_trigger, old.replacement_trigger) \
            and plain(new.replacement_trigger) != old.replacement_trigger:  # null: none (shouldTriggerReplace)
        reasons.append("replacementTrigger")
    op = REPLACE if reasons else UPDATE if paths else SAME
    return StateChange(new.urn, new.type, op, old=old, new=new, changed=sorted(paths), replace_reasons=reasons)


def unsafe_replacements(changes: Mapping[str, StateChange]) -> list[tuple[str, str]]:
    """``(urn, why)`` of every grant (or named object) the next ``up`` replaces without deleting it first."""
    found = []
    for change in changes.values():
        if change.op != REPLACE or change.new is None or change.new.delete_before_replace:
            continue
        if change.type in (DATASET_ACCESS, ROW_ACCESS_POLICY):
            found.append((change.urn, "replaced new one first, the entry is still there: the provider refuses to "
                                      "create it (\"existing object already found\"); delete it before replacing"))
        elif is_iam_member(change.type):
            found.append((change.urn, "replaced new one first, the old member's deletion then revokes the binding "
                                      "the new one re-created; delete it before replacing"))
        elif change.type == BUCKET_OBJECT:
            found.append((change.urn, "replaced new one first, the old object's deletion deletes the new one: "
                                      "both have the same name; delete it before replacing"))
    return found


def summary(changes: Mapping[str, StateChange]) -> dict[str, int]:
    """How many resources each operation touches."""
    counts = {op: 0 for op in (CREATE, UPDATE, REPLACE, DELETE, SAME)}
    for change in changes.values():
        counts[change.op] += 1
    return counts
