"""The product's identities: its runner (its identity on the mesh), the invoker of its schedule, and
the Google service agents that act in its project, with one wait before anything grants them.

* The runner service account: the dbt job runs as it and upstream products grant it; it gets
  ``roles/bigquery.jobUser`` on its own project and nothing broader.
* The invoker service account (a scheduled transformation only): Cloud Scheduler mints its token.
* Service agents: Pub/Sub's and Dataplex's, asked for with ``projects.ServiceIdentity``; Cloud
  Run's (``service-<number>@serverless-robot-prod``) exists once the Run API is enabled.
* ``ready``: a wait after all of them. IAM refuses a member that does not exist yet, and a new
  account is not usable at once (eventual consistency), so every grant to one of these identities
  depends on ``ready``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from . import roles, waits
from .options import child, component_token, grant_child

RUN_API = "run.googleapis.com"
RUN_AGENT_DOMAIN = "serverless-robot-prod.iam.gserviceaccount.com"


@dataclass
class IdentityArgs:
    """The accounts' ids (from the standards), the project they live in, and the agents it needs."""

    project: pulumi.Input[str]
    account_id: str
    product_id: str
    project_number: pulumi.Input[str] | None = None  # needed for the Cloud Run agent
    invoker_account_id: str | None = None  # a scheduled transformation's invoker
    agents: list[str] = field(default_factory=list)  # APIs whose service agents act in the project
    apis: dict[str, pulumi.Resource] = field(default_factory=dict)  # API -> its enablement
    aliases: dict[str, list[pulumi.Alias]] = field(default_factory=dict)  # "invoker" or an API -> aliases


class Identity(pulumi.ComponentResource):
    """The runner (``roles/bigquery.jobUser`` on its own project), the invoker, the service agents, and
    ``ready``, which grants to any of them depend on."""

    def __init__(self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("Identity"), name, None, opts)
        if RUN_API in args.agents and args.project_number is None:
            raise ValueError(f"{name}: the Cloud Run agent's e-mail needs the project number")
        iam = [args.apis[a] for a in ("iam.googleapis.com",) if a in args.apis]
        self.runner = gcp.serviceaccount.Account(
            f"{name}-runner", project=args.project, account_id=args.account_id,
            display_name=f"{args.product_id} runner"[:100],
            description=f"Identity of data product {args.product_id} on the mesh; its dbt job runs as it.",
            opts=child(self, depends_on=iam))
        self.email: pulumi.Output[str] = self.runner.email
        self.member: pulumi.Output[str] = self.runner.email.apply(lambda e: f"serviceAccount:{e}")
        self.invoker = gcp.serviceaccount.Account(
            f"{name}-invoker", project=args.project, account_id=args.invoker_account_id,
            display_name=f"{args.product_id} scheduler invoker"[:100],
            description=f"Starts the dbt job of {args.product_id} on schedule; run.invoker on that job only.",
            opts=child(self, depends_on=iam, aliases=args.aliases.get("invoker"))) if args.invoker_account_id else None
        self.agents = {api: gcp.projects.ServiceIdentity(
            f"{name}-{api.split('.')[0]}-agent", project=args.project, service=api,
            opts=child(self, depends_on=[args.apis[api]] if api in args.apis else [], aliases=args.aliases.get(api)))
            for api in sorted(set(args.agents) - {RUN_API})}
        self.run_agent_member: pulumi.Output[str] | None = pulumi.Output.concat(
            "serviceAccount:service-", args.project_number, f"@{RUN_AGENT_DOMAIN}") if RUN_API in args.agents else None
        created = [self.runner, *([self.invoker] if self.invoker else []), *self.agents.values()]
        run = [args.apis[RUN_API]] if RUN_API in args.agents and RUN_API in args.apis else []
        self.ready = waits.wait(f"{name}-ready", self, created + run, waits.ACCOUNTS, identities(args))
        self.job_user = gcp.projects.IAMMember(
            f"{name}-runner-job-user", project=args.project, role=roles.BIGQUERY_JOB_USER,
            member=self.member, opts=grant_child(self, depends_on=[self.ready]))
        self.register_outputs({"email": self.email})

    def agent_member(self, api: str) -> pulumi.Output[str]:
        """``serviceAccount:<agent>`` of the service agent of ``api`` (one of ``agents``)."""
        if api == RUN_API and self.run_agent_member is not None:
            return self.run_agent_member
        return self.agents[api].member


def identities(args: IdentityArgs) -> dict[str, str]:
    """Who ``ready`` waits for, by role (plain values, known before ``up``): a new one makes it wait again."""
    return {"runner": args.account_id, **({"invoker": args.invoker_account_id} if args.invoker_account_id else {}),
            "agents": ",".join(sorted(args.agents))}


def moved_identities(product: pulumi.Resource, name: str, pubsub_ports: list[str]) -> dict[str, list[pulumi.Alias]]:
    """Where earlier versions created the invoker and the service agents of the ``DataProduct`` ``product``
    (named ``name``): aliases, so a deployed stack keeps them (a deleted and re-created account would
    be a new principal). ``pubsub_ports``: the input ports reading Pub/Sub (the first one held the agent)."""
    def under(component: str, component_name: str, child_name: str) -> list[pulumi.Alias]:
        parent = pulumi.create_urn(component_name, component_token(component), parent=product)
        return [pulumi.Alias(name=child_name, parent=parent)]

    aliases = {"invoker": under("DbtJob", f"{name}-dbt", f"{name}-dbt-invoker"),
               "dataplex.googleapis.com": under("Observability", f"{name}-observability",
                                                f"{name}-observability-dataplex-agent")}
    if pubsub_ports:
        first = sorted(pubsub_ports)[0]
        aliases["pubsub.googleapis.com"] = under("InputPort", f"{name}-in-{first}", f"{name}-in-{first}-pubsub-agent")
    return aliases
