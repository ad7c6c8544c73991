"""Who reads the product's tagged columns how: grants on the platform's policy tags and masking policies.

The taxonomy, its policy tags and their data masking policies belong to the platform (one per
location and classification); a product only grants on them, member by member
(``datacatalog.PolicyTagIamMember`` / ``bigquerydatapolicy.DataPolicyIamMember``, never a whole
policy). Raw readers get ``roles/datacatalog.categoryFineGrainedReader`` on the tag; everyone else
who reads the port gets ``roles/bigquerydatapolicy.maskedReader`` on the tag's data policy.
A grant to an account created in the same stack waits for it to be usable (``ready``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..product import standards
from ..product.column_security import TagGrant
from ..declaration.types import Confidentiality
from ..settings.platform import PolicyTagSettings
from . import roles
from .options import component_token, grant_child


@dataclass
class ColumnSecurityArgs:
    """The grants to make and the platform's tags of the product's location."""

    grants: list[TagGrant]
    tags: dict[Confidentiality, PolicyTagSettings]
    ready: dict[str, pulumi.Resource] = field(default_factory=dict)  # principal -> what its grants wait for


class ColumnSecurity(pulumi.ComponentResource):
    """One IAM member per (level, member): fine-grained reader if raw, masked reader otherwise."""

    def __init__(self, name: str, args: ColumnSecurityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("ColumnSecurity"), name, None, opts)
        self.grants = [self._grant(name, g, args.tags[g.level],
                                   [args.ready[g.member]] if g.member in args.ready else [])
                       for g in args.grants]
        self.register_outputs({})

    def _grant(self, name: str, grant: TagGrant, tag: PolicyTagSettings,
               depends_on: list[pulumi.Resource]) -> pulumi.CustomResource:
        key = standards.resource_key(grant.level.value, grant.member)
        if grant.raw:
            return gcp.datacatalog.PolicyTagIamMember(
                f"{name}-raw-{key}", policy_tag=tag.policy_tag, role=roles.CATEGORY_FINE_GRAINED_READER,
                member=grant.member, opts=grant_child(self, depends_on=depends_on))
        project, location, policy_id = data_policy_parts(tag.data_policy)
        return gcp.bigquerydatapolicy.DataPolicyIamMember(
            f"{name}-masked-{key}", project=project, location=location, data_policy_id=policy_id,
            role=roles.MASKED_READER, member=grant.member, opts=grant_child(self, depends_on=depends_on))


def data_policy_parts(name: str) -> tuple[str, str, str]:
    """``projects/P/locations/L/dataPolicies/D`` as (P, L, D)."""
    parts = name.split("/")
    return parts[1], parts[3], parts[5]
