"""``SharedGrants``: the platform stack's grants on the platform's policy tags and masking policies.

A member-level IAM resource on a tag or masking policy cannot tell its owners apart: whoever deletes
one revokes the member for every stack that granted it (and these two IAM APIs take no conditions).
With ``sharedGrants: platform`` no domain stack creates them; this component, in the one platform
stack, creates each (resource, role, member) once: the union of what every domain stack (dev and
prod alike) declares. A member no stack declares any more leaves the union and is revoked by the
platform stack's next ``up``, its only owner. Each child is named by its binding, so it keeps its
name while any stack declares it, and is deleted before it is replaced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..product import standards
from . import roles
from .column_security import data_policy_parts
from .options import component_token, grant_child

Binding = tuple[str, str, str]  # (policy tag or data policy name, role, member)


@dataclass
class SharedGrantsArgs:
    """The bindings to hold: (policy tag or data policy resource name, role, member)."""

    bindings: Iterable[Binding] = field(default_factory=set)


def binding_key(binding: Binding) -> str:
    """The stable logical-name key of a binding: the tag or policy's name, the role, the member
    (hash-shortened when long, ``standards.resource_key``)."""
    resource, role, member = binding
    return standards.resource_key(resource.removeprefix("projects/"), role.rsplit(".", 1)[-1], member)


class SharedGrants(pulumi.ComponentResource):
    """One IAM member per binding: fine-grained reader on a policy tag, masked reader on a data policy."""

    def __init__(self, name: str, args: SharedGrantsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("SharedGrants"), name, None, opts)
        self.grants = {b: self._grant(name, b) for b in sorted(set(args.bindings))}
        self.register_outputs({"bindings": len(self.grants)})

    def _grant(self, name: str, binding: Binding) -> pulumi.CustomResource:
        resource, role, member = binding
        key = f"{name}-{binding_key(binding)}"
        if role == roles.CATEGORY_FINE_GRAINED_READER:
            return gcp.datacatalog.PolicyTagIamMember(key, policy_tag=resource, role=role, member=member,
                                                      opts=grant_child(self))
        project, location, policy_id = data_policy_parts(resource)
        return gcp.bigquerydatapolicy.DataPolicyIamMember(
            key, project=project, location=location, data_policy_id=policy_id, role=role, member=member,
            opts=grant_child(self))
