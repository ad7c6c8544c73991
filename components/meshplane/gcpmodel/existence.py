"""Existence and order: what the first ``pulumi up`` needs to exist, and be usable, before each create.

Pulumi creates a resource as soon as the resources it depends on are created, in parallel with
everything else. GCP refuses a create that names what does not exist yet (``gcp-behaviour.md`` §2):

* a grant to a service account that does not exist (``400 … does not exist``); right after its
  creation an account, a service agent or a KMS grant is not usable yet either (eventual
  consistency), so the grant must wait: a ``time:Sleep`` between the two;
* a CMEK dataset or table before the project's BigQuery agent may use the key (and has waited);
* a Cloud Run job before its service agent may read the image of another project;
* an alert policy before the log-based metric it counts, or before the product's project is in
  the alerting project's metrics scope (TPG #11102), each with a wait;
* anything in a project before the project, and before the API it calls is enabled;
* a table, grant or policy before its dataset or table; a view before the tables it reads;
* a key on a view (BigQuery refuses it) or a ``DatasetAccess`` entry the dataset's initial ACL
  already holds (the provider refuses it: "existing object already found").

What is not created by the stack is taken to exist, unless it is another stack's service account
not yet deployed (``world`` holds what earlier stacks created; ``pending`` what later ones will).
``first_up`` checks one stack; ``plan.run.plan_environment`` every stack of an environment in the
deploy order of ``stack_order``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..engine.harness import Registration
from .replacements import DATASET
from .requirements import SLEEP, Need, needs, principal_key, provides, rejections

__all__ = ["Failure", "World", "first_up", "principal_key"]


@dataclass(frozen=True, order=True)
class Failure:
    """Where the first ``up`` would fail, and why."""

    urn: str
    message: str

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass
class World:
    """What exists before a stack deploys (created by earlier stacks), and what later stacks create."""

    existing: set[str] = field(default_factory=set)
    pending: dict[str, str] = field(default_factory=dict)  # key -> the stack that creates it ('' for none)


def first_up(registrations: Iterable[Registration], world: World | None = None, existing: Iterable = (),
             created: set[str] | None = None, numbers: Mapping[str, str] | None = None) -> list[Failure]:
    """Where a ``pulumi up`` of these registrations fails; empty when it succeeds.

    ``created``: the URNs the ``up`` creates or replaces (default: all, a first ``up``); the others are
    deployed already, as ``existing`` (a state's resources) says: they provide what they make, need
    nothing, and a wait among them does not sleep again. ``numbers``: known project numbers."""
    regs = list(registrations)
    created = {r.urn for r in regs} if created is None else created
    world = world or World()
    world = World(world.existing | {key for s in existing for key in provides(s, numbers)}, dict(world.pending))
    by_urn = {r.urn: r for r in regs}
    providers: dict[str, list[str]] = {}
    for r in regs:
        for key in provides(r, numbers) if r.urn in created else ():
            if key not in world.existing:
                providers.setdefault(key, []).append(r.urn)
    ancestors = _Ancestors(by_urn)
    acls = {(r.inputs.get("project"), r.inputs.get("datasetId")): r.inputs.get("accesses") or []
            for r in regs if r.type == DATASET}
    checked = [r for r in regs if r.urn in created]
    failures = [Failure(r.urn, message) for r in checked for message in rejections(r, acls)]
    for r in checked:
        for need in needs(r, providers, numbers):
            message = _unmet(r, need, providers.get(need.key, []), ancestors, by_urn, world, created)
            if message:
                failures.append(Failure(r.urn, message))
    return sorted(set(failures))


def _unmet(r: Registration, need: Need, makers: list[str], ancestors: _Ancestors,
           by_urn: dict[str, Registration], world: World, created: set[str]) -> str | None:
    if makers:
        before = ancestors.of(r.urn)
        made = [m for m in makers if m in before]
        if not made:
            names = ", ".join(sorted(by_urn[m].name for m in makers))
            return f"needs {need.what}, created by {names} in this stack, without waiting for it"
        sleeps = [s for s in before if s in created and by_urn[s].type == SLEEP]  # a kept wait sleeps no more
        if need.wait and not any(made_before(m, s, ancestors) for m in made for s in sleeps):
            return (f"needs {need.what} right after it is created: GCP is eventually consistent there, so "
                    "a wait (time:Sleep) must come between them")
        return None
    if need.key in world.existing:
        return None
    if need.key in world.pending:
        if not world.pending[need.key]:
            return f"needs {need.what}, which no stack of this environment creates"
        return f"needs {need.what}, which stack {world.pending[need.key]} creates: deploy that stack first"
    return None if need.external else f"needs {need.what}, which nothing creates"


def made_before(maker: str, sleep: str, ancestors: _Ancestors) -> bool:
    return maker in ancestors.of(sleep)


class _Ancestors:
    """Transitive dependencies of each resource, computed once."""

    def __init__(self, by_urn: dict[str, Registration]):
        self._by_urn = by_urn
        self._memo: dict[str, frozenset[str]] = {}

    def of(self, urn: str) -> frozenset[str]:
        if urn in self._memo:
            return self._memo[urn]
        self._memo[urn] = frozenset()  # a cycle cannot be deployed: the engine refuses it anyway
        found: set[str] = set()
        for dep in self._by_urn[urn].dependencies if urn in self._by_urn else ():
            found.add(dep)
            found |= self.of(dep)
        self._memo[urn] = frozenset(found)
        return self._memo[urn]


