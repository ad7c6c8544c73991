"""A stack's state in the format of ``pulumi stack export`` (version 3): read, simulate, write.

A real export (from a deployed stack) and a simulated one (``simulate_up``: the state a first or
next ``pulumi up`` would leave, with what the provider reads back from GCP) are the same document,
so ``meshplane plan --state`` compares the program with either. Only what the comparison needs is
kept: URN, type, id, inputs, outputs, parent, options and dependencies. The stack resource and the
providers are left out; encrypted secrets stay opaque.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..declaration.files import UsageError
from ..engine.harness import Registration
from .readback import read_back

EXPORT_VERSION = 3
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # the engine's marker of a secret value


@dataclass(frozen=True)
class StateResource:
    """One resource of a stack's state."""

    urn: str
    type: str
    id: str = ""
    custom: bool = True
    inputs: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    parent: str = ""
    protect: bool = False
    retain_on_delete: bool = False
    dependencies: tuple[str, ...] = ()
    replacement_trigger: object = None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


class StateError(UsageError):
    """A file that is not a stack export, with what was expected (the command was called wrongly)."""


def simulate_up(registrations: Iterable[Registration],
                prior: Mapping[str, StateResource] | None = None) -> dict[str, StateResource]:
    """The state ``pulumi up`` of these registrations leaves: each resource with what GCP answers.

    ``prior`` is the state before (by URN); values the provider keeps when omitted are carried over.
    """
    regs, prior = list(registrations), prior or {}
    before = {r.urn: prior[u].outputs for r in regs for u in (r.urn, *r.aliases)[::-1] if u in prior}  # renamed too
    outputs = read_back(regs, before)
    return {r.urn: StateResource(  # inputs as registered: ``export_document`` writes them as plain data
        urn=r.urn, type=r.type, id=f"{r.name}-id" if r.custom else "", custom=r.custom, inputs=r.inputs,
        outputs=outputs[r.urn], parent=r.parent, protect=r.protect, retain_on_delete=r.retain_on_delete,
        dependencies=tuple(sorted(r.dependencies)), replacement_trigger=plain(r.replacement_trigger))
        for r in regs}


_AGENT_NUMBER = re.compile(r"^(?:serviceAccount:)?(?:service-|bq-)([0-9]+)@")


def project_numbers(state: Mapping[str, StateResource]) -> dict[str, str]:
    """The numbers of the projects a state knows: created projects' ``number``, and the number in the
    e-mail of a project's service agent (an adopted project's only trace of it)."""
    numbers = {}
    for s in state.values():
        if s.type == "gcp:organizations/project:Project" and s.outputs.get("number"):
            numbers[str(s.inputs.get("projectId"))] = str(s.outputs["number"])
        elif s.type == "gcp:projects/serviceIdentity:ServiceIdentity" and s.inputs.get("project"):
            match = _AGENT_NUMBER.match(str(s.outputs.get("email") or ""))
            if match:
                numbers.setdefault(str(s.inputs["project"]), match.group(1))
    return numbers


def export_document(state: Mapping[str, StateResource], *, stack: str, project: str) -> dict:
    """The state as ``pulumi stack export`` prints it (sorted by URN; stable bytes)."""
    resources = []
    for urn in sorted(state):
        s = state[urn]
        entry = {"urn": s.urn, "custom": s.custom, "type": s.type, "inputs": plain(s.inputs),
                 "outputs": plain(s.outputs),
                 "protect": s.protect, "retainOnDelete": s.retain_on_delete,
                 "dependencies": list(s.dependencies)}
        if s.id:
            entry["id"] = s.id
        if s.parent:
            entry["parent"] = s.parent
        if s.replacement_trigger is not None:
            entry["replacementTrigger"] = s.replacement_trigger
        resources.append(entry)
    return {"version": EXPORT_VERSION, "deployment": {
        "manifest": {"magic": "meshplane-simulated", "version": "simulated by meshplane"},
        "metadata": {"stack": stack, "project": project}, "resources": resources}}


def render_state(document: dict) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_state(path: str) -> dict[str, StateResource]:
    """The resources of a stack export file by URN; ``StateError`` naming the file when it is not one."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateError(f"{path}: not a stack state file ({exc}); expected the output of "
                         "'pulumi stack export' or 'meshplane simulate'") from None
    return state_from_document(document, path)


def state_from_document(document: object, source: str = "state") -> dict[str, StateResource]:
    """The resources of a stack export document, without the stack and its providers."""
    deployment = document.get("deployment") if isinstance(document, dict) else None
    resources = deployment.get("resources") if isinstance(deployment, dict) else None
    if not isinstance(resources, list) and isinstance(deployment, dict) and "resources" not in deployment:
        resources = []  # a stack that was never deployed
    if not isinstance(resources, list):
        raise StateError(f"{source}: not a stack state file (no deployment.resources list); expected the "
                         "output of 'pulumi stack export' or 'meshplane simulate'")
    if document.get("version", EXPORT_VERSION) != EXPORT_VERSION:
        raise StateError(f"{source}: stack export version {document.get('version')!r}; expected {EXPORT_VERSION}")
    state = {}
    for index, entry in enumerate(resources):
        if not isinstance(entry, dict) or not isinstance(entry.get("urn"), str) or not isinstance(
                entry.get("type"), str):
            raise StateError(f"{source}: deployment.resources[{index}] has no urn and type")
        if entry["type"].startswith(("pulumi:pulumi:", "pulumi:providers:")) or entry.get("delete"):
            continue  # the stack, providers, and resources pending deletion
        state[entry["urn"]] = StateResource(
            urn=entry["urn"], type=entry["type"], id=str(entry.get("id", "")), custom=bool(entry.get("custom", True)),
            inputs=dict(entry.get("inputs") or {}), outputs=dict(entry.get("outputs") or {}),
            parent=_parent(entry.get("parent", "")), protect=bool(entry.get("protect")),
            retain_on_delete=bool(entry.get("retainOnDelete")),
            dependencies=tuple(entry.get("dependencies") or ()), replacement_trigger=entry.get("replacementTrigger"))
    return state


def _parent(urn: str) -> str:
    """The parent URN, or '' for the stack itself (as the inventory records top-level resources)."""
    return "" if urn.split("::")[2:3] == ["pulumi:pulumi:Stack"] else urn


def plain(value: object) -> object:
    """Inputs as plain JSON data: secrets unwrapped as the engine stores them (marked, not encrypted)."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == "1b47061264138c4ac30d75fd1eb44270" and "value" in value:
            return {SECRET_SIG: value[SECRET_SIG], "plaintext": json.dumps(plain(value["value"]))}
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
