"""The product's project: created in the domain's folder, or adopted; only the APIs it needs."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from .options import child, component_token, data_child, purged


@dataclass
class ProjectArgs:
    """A project to create (``adopt=False``) or an existing one to use as is."""

    project_id: str
    display_name: str
    labels: dict[str, str]
    apis: list[str]
    adopt: bool = False
    org_id: str | None = None
    folder: str | None = None  # "folders/123"; wins over org_id
    billing_account: str | None = None
    prevent_deletion: bool = True  # deletion_policy PREVENT (outside dev)
    resource_locations: str | None = None  # e.g. "in:eu-locations": an org policy on a created project
    audit_data_reads: bool = True  # BigQuery DATA_READ audit logs: the record of every access


class Project(pulumi.ComponentResource):
    """A project with ``auto_create_network=False`` and one ``projects.Service`` per needed API."""

    def __init__(self, name: str, args: ProjectArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("Project"), name, None, opts)
        self.project: gcp.organizations.Project | None = None
        if args.adopt:
            self.project_id: pulumi.Output[str] = pulumi.Output.from_input(args.project_id)
        else:
            folder_id = args.folder.removeprefix("folders/") if args.folder else None
            self.project = gcp.organizations.Project(
                name, project_id=args.project_id, name=display_name(args.display_name),
                folder_id=folder_id, org_id=None if folder_id else args.org_id,
                billing_account=args.billing_account, labels=args.labels,
                auto_create_network=False,
                deletion_policy="PREVENT" if args.prevent_deletion and not purged(args.labels) else "DELETE",
                opts=data_child(self, purge=purged(args.labels)))
            self.project_id = self.project.project_id
        self.services: dict[str, gcp.projects.Service] = {
            api: gcp.projects.Service(
                f"{name}-{api.split('.')[0]}", project=self.project_id, service=api,
                disable_on_destroy=False, disable_dependent_services=False, opts=child(self))
            for api in sorted(set(args.apis))
        }
        self.location_policy = self._location_policy(name, args) if self.project else None
        self.audit = gcp.projects.IAMAuditConfig(
            f"{name}-bigquery-data-read-audit", project=self.project_id, service="bigquery.googleapis.com",
            audit_log_configs=[gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type="DATA_READ")],
            opts=child(self)) if args.audit_data_reads else None
        self.register_outputs({"project_id": self.project_id})

    def _location_policy(self, name: str, args: ProjectArgs) -> gcp.orgpolicy.Policy | None:
        if not args.resource_locations:
            return None
        return gcp.orgpolicy.Policy(
            f"{name}-resource-locations", parent=pulumi.Output.concat("projects/", self.project_id),
            name=pulumi.Output.concat("projects/", self.project_id, "/policies/gcp.resourceLocations"),
            spec=gcp.orgpolicy.PolicySpecArgs(rules=[gcp.orgpolicy.PolicySpecRuleArgs(
                values=gcp.orgpolicy.PolicySpecRuleValuesArgs(allowed_values=[args.resource_locations]))]),
            opts=child(self))

    def service(self, api: str) -> gcp.projects.Service:
        """The enablement of ``api``: resources that call it depend on it (enabling is eventually consistent)."""
        return self.services[api]


def display_name(text: str) -> str:
    """A project display name: 4-30 letters, digits, spaces, hyphens, quotes or exclamation marks."""
    cleaned = re.sub(r"[^A-Za-z0-9 '\"!-]", " ", text)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()[:30].strip()
    return cleaned if len(cleaned) >= 4 else f"{cleaned} data".strip()[:30]
