"""The mocks of the offline engine: they echo inputs and compute, deterministically, the few outputs
GCP would (service account e-mails, project numbers, service agents, the provider's data sources),
so previews show real addresses. What GCP does beyond that is the GCP model's (``gcpmodel``)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pulumi

DEPLOYER = "deployer@credentials.invalid"  # whoever runs `pulumi up`, when the platform does not name it


def project_number(project_id: str, known: Mapping[str, str] | None = None) -> str:
    """The project's number: ``known`` (read from a deployed stack's state), else a stable, plausible one."""
    if known and project_id in known:
        return known[project_id]
    return str(100_000_000_000 + int(hashlib.sha256(project_id.encode()).hexdigest()[:10], 16) % 899_999_999_999)


class GcpMocks(pulumi.runtime.Mocks):
    """Echo inputs; compute the outputs GCP would, so that previews show real addresses. ``numbers``:
    the real project numbers of deployed projects (from a state), so agents' e-mails match it."""

    def __init__(self, numbers: Mapping[str, str] | None = None):
        self.numbers = dict(numbers or {})

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        outputs = dict(args.inputs)
        inputs = args.inputs
        if args.typ == "gcp:serviceaccount/account:Account":
            email = f"{inputs['accountId']}@{inputs.get('project', 'mock')}.iam.gserviceaccount.com"
            outputs.update(email=email, member=f"serviceAccount:{email}")
        elif args.typ == "gcp:organizations/project:Project":
            outputs["number"] = project_number(inputs["projectId"], self.numbers)
        elif args.typ == "gcp:projects/serviceIdentity:ServiceIdentity":
            agent = inputs["service"].split(".")[0]
            email = f"service-{project_number(inputs['project'], self.numbers)}@gcp-sa-{agent}.iam.gserviceaccount.com"
            outputs.update(email=email, member=f"serviceAccount:{email}")
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        """Answer the provider's data sources meshplane uses (no failures: a list, never None)."""
        if args.token == "gcp:organizations/getProject:getProject":
            project = args.args.get("projectId", "mock")
            return {"projectId": project, "number": project_number(project, self.numbers)}, []
        if args.token == "gcp:organizations/getClientOpenIdUserInfo:getClientOpenIdUserInfo":
            return {"email": DEPLOYER, "id": DEPLOYER}, []
        if args.token == "gcp:bigquery/getDefaultServiceAccount:getDefaultServiceAccount":
            project = args.args.get("project", "mock")
            email = f"bq-{project_number(project, self.numbers)}@bigquery-encryption.iam.gserviceaccount.com"
            return {"email": email, "member": f"serviceAccount:{email}", "project": project}, []
        return {}, []
