"""The product's project: created in the domain's folder, or adopted; only the APIs it needs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from .options import child, component_token, data_child


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
    extra: dict = field(default_factory=dict)


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
                deletion_policy="PREVENT" if args.prevent_deletion else "DELETE",
                opts=data_child(self))
            self.project_id = self.project.project_id
        self.services: dict[str, gcp.projects.Service] = {
            api: gcp.projects.Service(
                f"{name}-{api.split('.')[0]}", project=self.project_id, service=api,
                disable_on_destroy=False, disable_dependent_services=False, opts=child(self))
            for api in sorted(set(args.apis))
        }
        self.register_outputs({"project_id": self.project_id})

    def service(self, api: str) -> gcp.projects.Service:
        """The enablement of ``api``: resources that call it depend on it (enabling is eventually consistent)."""
        return self.services[api]


def display_name(text: str) -> str:
    """A project display name: 4-30 letters, digits, spaces, hyphens, quotes or exclamation marks."""
    cleaned = re.sub(r"[^A-Za-z0-9 '\"!-]", " ", text)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()[:30].strip()
    return cleaned if len(cleaned) >= 4 else f"{cleaned} data".strip()[:30]
