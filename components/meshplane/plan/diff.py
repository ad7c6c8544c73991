"""Compare two plan documents (base branch and pull request) the way a reviewer needs it.

Each resource, keyed by URN, is created, updated, replaced, deleted or the same; the inputs that
changed are listed as dotted paths (lists are compared as whole values). Risk flags say what a
reviewer must look at: data that would be lost, principals gaining or losing access, and governance
rules newly broken. Access is compared as sets of (principal, role, target) grants over the whole
documents, not per resource, so a grant that is replaced or renamed but stays the same is neither
widened nor narrowed (``diff_access``). The stack and provider steps are not part of the comparison. The ports'
contracts are compared too (``contracts``, ``versions``): what each change means to consumers, and
whether the versions say so.
"""

from __future__ import annotations

import json

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..governance.inventory import Rule, Violation, resources_from_document
from ..governance.inventory_check import check_inventory
from ..settings.platform import GovernanceSettings
from .contracts import BUCKET_OBJECT, descriptor_paths
from .diff_access import Grant, compare_access
from .diff_principals import PrincipalChange, compare_principals
from ..gcpmodel.replacements import guards, holds_data, option_replacements, replace_keys
from ..gcpmodel.table_losses import drops_policed_columns, in_place_losses, policed_tables
from .versions import ContractDiff, compare_contracts
from ..gcpmodel.replacements import changed_paths

CREATE, UPDATE, REPLACE, DELETE, SAME = OPS = ("create", "update", "replace", "delete", "same")
DATA_LOSS, WIDENED, POLICY, NARROWED = FLAGS = ("data-loss", "access-widened", "policy", "access-narrowed")
BREAKING = "breaking"  # a port contract change that needs a new major (``contracts``)
OPTIONS = ("protect", "retainOnDelete")  # resource options reported among the changed inputs


@dataclass
class Change:
    """What happens to one resource, and why it is risky."""

    urn: str
    type: str
    op: str
    changed_inputs: list[str] = field(default_factory=list)
    replace_keys: list[str] = field(default_factory=list)
    data_loss: bool = False
    protected: bool = False  # in the base: Pulumi refuses to delete or replace it until unprotected
    retained: bool = False  # in the base: a delete leaves it in GCP, out of the stack
    delete_first: bool = False  # replaced by deleting it first: absent until its replacement exists
    lost_guards: list[str] = field(default_factory=list)
    lost_data: list[str] = field(default_factory=list)  # what an in-place update deletes (a column...)
    gained: list[Grant] = field(default_factory=list)
    lost: list[Grant] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.urn.split("::")[-1]

    @property
    def flags(self) -> list[str]:
        present = {DATA_LOSS: self.data_loss, WIDENED: bool(self.gained), POLICY: bool(self.violations),
                   NARROWED: bool(self.lost)}
        return [f for f in FLAGS if present[f]]


@dataclass
class DiffResult:
    """Every resource of either document by URN, with its change."""

    changes: dict[str, Change]
    contracts: ContractDiff = field(default_factory=ContractDiff)
    principals: list[PrincipalChange] = field(default_factory=list)  # declared access, by principal
    products: list[str] = field(default_factory=list)  # the ids of the products of either plan
    declared: bool = True  # both plans carry the declared access (``access_ledger``; older plans do not)
    own: set[str] = field(default_factory=set)  # the products' runners, owners, deployer, governance
    consumers: set[tuple[str, str]] = field(default_factory=set)  # (principal, product) the head declares
    diagrams: list[str] = field(default_factory=list)  # Mermaid: the changed products and their neighbours
    owners: dict[str, str] = field(default_factory=dict)  # urn -> product id (``diff_owners``)

    def flagged(self, flag: str) -> list[Change]:
        return [c for c in self.changes.values() if flag in c.flags]

    @property
    def summary(self) -> dict:
        ops = Counter(c.op for c in self.changes.values())
        flags = Counter(f for c in self.changes.values() for f in c.flags)
        kinds = Counter(c.kind for c in self.contracts.changes)
        return {"ops": {op: ops[op] for op in OPS},
                "flags": {**{f: flags[f] for f in FLAGS}, BREAKING: kinds[BREAKING]},
                "contracts": {**{k: kinds[k] for k in ("breaking", "additive", "patch")},
                              "refused": len(self.contracts.refused),
                              "warnings": len(self.contracts.findings) - len(self.contracts.refused)}}


def diff_documents(base: dict, head: dict, settings: GovernanceSettings | None = None,
                   rules: Iterable[Rule] | None = None) -> DiffResult:
    """The changes from ``base`` to ``head``.

    ``settings`` feed the governance rules (default: nothing configured, as plan documents carry no
    settings); ``rules`` default to every registered rule.
    """
    old, new = _states(base), _states(head)
    policed = policed_tables((s["type"], s.get("inputs", {})) for s in old.values())
    changes = {urn: _classify(old.get(urn), new.get(urn), policed) for urn in sorted(old.keys() | new.keys())}
    compare_access(changes, old, new)
    _compare_policy(changes, base, head, settings or GovernanceSettings(), rules)
    products = sorted({*base.get("outputs", {}), *head.get("outputs", {})})
    contracts = compare_contracts(base, head)
    removed, added = port_moves(contracts)
    result = DiffResult(changes, contracts, compare_principals(base.get("access", []), head.get("access", []),
                                                               removed, added), products,
                      "access" in head and ("access" in base or not base.get("steps")),
                      {*base.get("ownIdentities", []), *head.get("ownIdentities", [])},
                      {(r["principal"], r["product"]) for r in head.get("access", [])})
    from .diff_diagram import change_diagrams  # it reads the results of this module
    from .diff_owners import resource_owners

    result.owners = resource_owners(head, base)
    result.diagrams = change_diagrams(result, base, head)
    return result


def port_moves(contracts: ContractDiff) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(product, port) pairs the head no longer serves, and those it newly serves (a new port or major)."""
    ports = [c for c in contracts.changes if c.path == "port"]
    return ({(c.product, c.port) for c in ports if c.what.startswith("removed")},
            {(c.product, c.port) for c in ports if c.what.startswith("new ")})


def _states(document: dict) -> dict[str, dict]:
    states = {}
    for step in document.get("steps", []):
        state = step.get("newState")
        if state and not state["type"].startswith(("pulumi:pulumi:", "pulumi:providers:")):
            states[state["urn"]] = state
    return states


def _classify(before: dict | None, after: dict | None, policed: set[str]) -> Change:
    if before is None:
        return Change(after["urn"], after["type"], CREATE)
    urn, type_ = before["urn"], before["type"]
    protected, retained = bool(before.get("protect")), bool(before.get("retainOnDelete"))
    if after is None:
        return Change(urn, type_, DELETE, data_loss=_holds_data(before), protected=protected, retained=retained)
    old, new = before.get("inputs", {}), after.get("inputs", {})
    paths = changed_paths(old, new) + [o for o in OPTIONS if bool(before.get(o)) != bool(after.get(o))]
    replacing = replace_keys(type_, old, new) + option_replacements(before, after, paths)
    replacing += ["schema"] if drops_policed_columns(type_, old, new, policed) else []  # a set below
    paths += ["replacementTrigger"] if "replacementTrigger" in replacing else []
    op = REPLACE if replacing else UPDATE if paths else SAME
    if type_ == BUCKET_OBJECT:  # the registry's descriptor: which of its fields changed
        paths = [p for p in paths if not p.startswith("source.")] + descriptor_paths(old, new) + ["source"] * (
            "source" in replacing)
    change = Change(urn, type_, op, sorted(paths), sorted(set(replacing)), protected=protected, retained=retained,
                    delete_first=bool(after.get("deleteBeforeReplace")))
    if _holds_data(before):
        change.lost_guards = sorted(guards(old, protected) - guards(new, bool(after.get("protect"))))
        change.lost_data = in_place_losses(type_, old, new) if op == UPDATE else []
        change.data_loss = op == REPLACE or bool(change.lost_guards or change.lost_data)
    return change


def _holds_data(state: dict) -> bool:
    return holds_data(state["type"], state.get("inputs", {}), bool(state.get("protect")))


# --- governance ---

def _compare_policy(changes: dict[str, Change], base: dict, head: dict, settings: GovernanceSettings,
                    rules: Iterable[Rule] | None) -> None:
    rules = None if rules is None else list(rules)
    known = {(v.rule, v.urn) for v in check_inventory(resources_from_document(base), settings, rules)}
    for violation in check_inventory(resources_from_document(head), settings, rules):
        if (violation.rule, violation.urn) not in known and violation.urn in changes:
            changes[violation.urn].violations.append(violation)


def load_document(path: str, side: str = "") -> dict:
    """A plan document from a JSON file; ``ValueError`` naming the file (and the ``side`` of the diff,
    base or head) when it is missing or not one."""
    side = f"the {side} plan " if side else ""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        raise ValueError(f"{side}{path}: no such file (the plan was not made)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{side}{path}: not a plan JSON file ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("steps"), list):
        raise ValueError(f"{side}{path}: not a plan JSON file (no 'steps' list); "
                         "expected the output of 'meshplane plan --format json'")
    return document
