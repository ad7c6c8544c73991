"""Shared member-level grants: one IAM binding that several stacks (or products) each declare.

A member-level IAM resource (``PolicyTagIamMember``, ``DataPolicyIamMember``) is not authoritative
for the binding, but deleting it removes the member from the role whatever created it: when two
stacks grant the same (resource, role, member) on the platform's policy tags or masking policies,
deleting one revokes the other's. GCP offers no per-owner binding there (the Data Catalog and
BigQuery data policy IAM APIs take no IAM conditions), so the plan refuses such a deletion while
another stack of the environment, or another product of this stack, still declares the binding.
With ``sharedGrants: platform`` one owner holds them all, the platform stack (``platform_stack``),
and a domain stack's deletion of a member it held before is refused the same way (the platform
stack is among the holders) until it is dropped from that stack's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..gcpmodel.existence import Failure
from ..gcpmodel.next_up import DELETE, REPLACE, StateChange
from ..gcpmodel.resource_grants import MASKING_IAM, TAG_IAM

Binding = tuple[str, str, str]  # (IAM resource name, role, member)


AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"


def binding_of(kind: str, inputs: Mapping) -> Binding | None:
    """The (resource, role, member) a policy tag or masking policy IAM member grants, or the (project,
    ``auditConfig``, service) an audit config writes (one per project and service, whoever writes it);
    None for others."""
    if kind == AUDIT_CONFIG:
        return f"projects/{inputs.get('project')}", "auditConfig", str(inputs.get("service"))
    if kind == TAG_IAM:
        return str(inputs.get("policyTag")), str(inputs.get("role")), str(inputs.get("member"))
    if kind == MASKING_IAM:
        name = (f"projects/{inputs.get('project')}/locations/{inputs.get('location')}"
                f"/dataPolicies/{inputs.get('dataPolicyId')}")
        return name, str(inputs.get("role")), str(inputs.get("member"))
    return None


def binding_resource(binding: Binding) -> tuple[str, dict]:
    """The type and inputs of the IAM member resource that holds ``binding`` (``binding_of`` reversed)."""
    resource, role, member = binding
    if "/policyTags/" in resource:
        return TAG_IAM, {"policyTag": resource, "role": role, "member": member}
    project, location, policy = resource.split("/")[1::2]
    return MASKING_IAM, {"project": project, "location": location, "dataPolicyId": policy, "role": role,
                         "member": member}


def shared_deletions(changes: Mapping[str, StateChange], registrations: Iterable,
                     others: Mapping[str, set[Binding]]) -> list[Failure]:
    """The deletions (and replacements that drop a binding) of the next ``up`` that would revoke a
    binding another stack (``others``: stack -> its bindings) or another resource of this plan holds."""
    kept: dict[Binding, list[str]] = {}
    for r in registrations:
        if (b := binding_of(r.type, r.inputs)) is not None:
            kept.setdefault(b, []).append(r.name)
    failures = []
    for change in changes.values():
        if change.op not in (DELETE, REPLACE) or change.old is None or change.old.retain_on_delete:
            continue  # a retained resource leaves the stack, not GCP
        old = binding_of(change.old.type, change.old.inputs)
        if old is None or (change.new is not None and binding_of(change.new.type, change.new.inputs) == old):
            continue
        holders = [f"stack {s}" for s, held in sorted(others.items()) if old in held]
        holders += [f"{name} of this stack" for name in kept.get(old, [])]
        if holders and old[1] == "auditConfig":
            failures.append(Failure(change.urn, (
                f"deleting it removes the {old[2]} audit logging of {old[0]} for everyone, but {', '.join(holders)} "
                "still write(s) it: pulumi state delete it first (the other writer keeps it in GCP)")))
        elif holders:
            failures.append(Failure(change.urn, (
                f"deleting it removes {old[2]} from {old[1]} on {old[0]} for everyone, but {', '.join(holders)} "
                "still grant(s) it: one binding, several owners; keep it (pulumi state delete, then drop it from "
                "the declaration) or remove it from every owner together (docs/components.md, 'Shared settings "
                "and grants')")))
    return failures
