"""The product's project: created in the domain's folder, or adopted; only the APIs it needs.

* No default network, without enabling Compute: ``auto_create_network=False`` would enable
  ``compute.googleapis.com`` to delete the default network and leave it enabled. A created project
  instead gets the boolean org policy ``compute.skipDefaultNetworkCreation`` (as it gets
  ``gcp.resourceLocations``), and Compute is never enabled by meshplane.
* BigQuery ``DATA_READ`` audit logs: ``IAMAuditConfig`` is authoritative for its service on the
  project. On a created project that is what we want; on an adopted one it would replace the
  exemptions already there, so it is only written there when the platform opts in
  (``auditAdoptedProjects``), by one product only: an adopted project may serve several products (of
  one stack or of several), and deleting the audit config removes it for all of them. The first
  product by id among those deployed in the environment adopting the project writes it
  (``addresses.project_settings_owners``), and retains it in GCP when it stops (removed, or another
  product becomes the first): the project is not ours, and its access record must not lapse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from .options import child, component_token, data_child, purged

RESOURCE_LOCATIONS = "gcp.resourceLocations"
SKIP_DEFAULT_NETWORK = "compute.skipDefaultNetworkCreation"


@dataclass
class ProjectArgs:
    """A project to create (``adopt=False``) or an existing one to use as is."""

    project_id: str
    display_name: str
    labels: dict[str, str]
    apis: list[str]
    adopt: bool = False
    org_id: str | None = None
    folder: str | None = None  # "folders/123" (a display path is looked up first: gcp/folders.py); wins over org_id
    billing_account: str | None = None
    prevent_deletion: bool = True  # deletion_policy PREVENT (outside dev)
    resource_locations: str | None = None  # e.g. "in:eu-locations": an org policy on a created project
    audit_data_reads: bool = True  # BigQuery DATA_READ audit logs: the record of every access
    audit_adopted: bool = False  # also on an adopted project (authoritative: replaces its BigQuery audit config);
    # the caller passes it to one product per adopted project only


class Project(pulumi.ComponentResource):
    """A project without a default network and with one ``projects.Service`` per needed API."""

    def __init__(self, name: str, args: ProjectArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("Project"), name, None, opts)
        self.project: gcp.organizations.Project | None = None
        if args.adopt:
            self.project_id: pulumi.Output[str] = pulumi.Output.from_input(args.project_id)
            self.number: pulumi.Output[str] = gcp.organizations.get_project_output(
                project_id=args.project_id, opts=pulumi.InvokeOutputOptions(parent=self)).number
        else:
            folder_id = args.folder.removeprefix("folders/") if args.folder else None
            self.project = gcp.organizations.Project(
                name, project_id=args.project_id, name=display_name(args.display_name),
                folder_id=folder_id, org_id=None if folder_id else args.org_id,
                billing_account=args.billing_account, labels=args.labels,
                deletion_policy="PREVENT" if args.prevent_deletion and not purged(args.labels) else "DELETE",
                opts=data_child(self, purge=purged(args.labels)))
            self.project_id = self.project.project_id
            self.number = self.project.number
        self.services: dict[str, gcp.projects.Service] = {
            api: gcp.projects.Service(
                f"{name}-{api.split('.')[0]}", project=self.project_id, service=api,
                disable_on_destroy=False, disable_dependent_services=False, opts=child(self))
            for api in sorted(set(args.apis))
        }
        self.location_policy = self._location_policy(name, args) if self.project else None
        self.network_policy = self._org_policy(name, "skip-default-network", SKIP_DEFAULT_NETWORK,
                                               gcp.orgpolicy.PolicySpecRuleArgs(enforce="TRUE")
                                               ) if self.project else None
        audited = args.audit_data_reads and (self.project is not None or args.audit_adopted)
        self.audit = gcp.projects.IAMAuditConfig(
            f"{name}-bigquery-data-read-audit", project=self.project_id, service="bigquery.googleapis.com",
            audit_log_configs=[gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type="DATA_READ")],
            opts=pulumi.ResourceOptions.merge(child(self), pulumi.ResourceOptions(retain_on_delete=args.adopt))
        ) if audited else None
        self.register_outputs({"project_id": self.project_id})

    def _location_policy(self, name: str, args: ProjectArgs) -> gcp.orgpolicy.Policy | None:
        if not args.resource_locations:
            return None
        return self._org_policy(name, "resource-locations", RESOURCE_LOCATIONS, gcp.orgpolicy.PolicySpecRuleArgs(
            values=gcp.orgpolicy.PolicySpecRuleValuesArgs(allowed_values=[args.resource_locations])))

    def _org_policy(self, name: str, key: str, constraint: str,
                    rule: gcp.orgpolicy.PolicySpecRuleArgs) -> gcp.orgpolicy.Policy:
        return gcp.orgpolicy.Policy(
            f"{name}-{key}", parent=pulumi.Output.concat("projects/", self.project_id),
            name=pulumi.Output.concat("projects/", self.project_id, f"/policies/{constraint}"),
            spec=gcp.orgpolicy.PolicySpecArgs(rules=[rule]), opts=child(self))

    def service(self, api: str) -> gcp.projects.Service:
        """The enablement of ``api``: resources that call it depend on it (enabling is eventually consistent)."""
        return self.services[api]


def display_name(text: str) -> str:
    """A project display name: 4-30 letters, digits, spaces, hyphens, quotes or exclamation marks."""
    cleaned = re.sub(r"[^A-Za-z0-9 '\"!-]", " ", text)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()[:30].strip()
    return cleaned if len(cleaned) >= 4 else f"{cleaned} data".strip()[:30]
