"""The product's identity on the mesh: the runner service account the dbt job runs as."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from . import roles
from .options import child, component_token


@dataclass
class IdentityArgs:
    """The runner's account id (from the standards) and the project it lives and queries in."""

    project: pulumi.Input[str]
    account_id: str
    product_id: str
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class Identity(pulumi.ComponentResource):
    """The runner account with ``roles/bigquery.jobUser`` on its own project, and nothing broader."""

    def __init__(self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("Identity"), name, None, opts)
        self.runner = gcp.serviceaccount.Account(
            f"{name}-runner", project=args.project, account_id=args.account_id,
            display_name=f"{args.product_id} runner"[:100],
            description=f"Identity of data product {args.product_id} on the mesh; its dbt job runs as it.",
            opts=child(self, depends_on=args.depends_on))
        self.email: pulumi.Output[str] = self.runner.email
        self.member: pulumi.Output[str] = self.runner.email.apply(lambda e: f"serviceAccount:{e}")
        self.job_user = gcp.projects.IAMMember(
            f"{name}-runner-job-user", project=args.project, role=roles.BIGQUERY_JOB_USER,
            member=self.member, opts=child(self))
        self.register_outputs({"email": self.email})
