"""The mocks of the offline engine: they echo inputs and compute, deterministically, the few outputs
GCP would (service account e-mails, project numbers, service agents, the provider's data sources),
so previews show real addresses. What GCP does beyond that is the GCP model's (``gcpmodel``).

Folder ids are the exception: no name of ours derives them. The mocks list the folders they are
given (``stand_in_folders``: the stack's display paths, with stand-in ids), and the plan shows a
project's folder found that way as unknown (``unknown_stand_ins``), as only the deploy knows it."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence

import pulumi
from pulumi.runtime.rpc import UNKNOWN

DEPLOYER = "deployer@credentials.invalid"  # whoever runs `pulumi up`, when the platform does not name it


PROJECT = "gcp:organizations/project:Project"
SINK = "gcp:logging/projectSink:ProjectSink"
GET_FOLDERS = "gcp:organizations/getFolders:getFolders"
STORAGE_AGENT = "gcp:storage/getProjectServiceAccount:getProjectServiceAccount"
TRANSFER_ACCOUNT = "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount"
# The transfer account's subjectId is Google's to assign: the plan shows where to read it, not a made-up one.
TRANSFER_SUBJECT = "<subjectId: known once the project exists; see docs/s3.md>"


def project_number(project_id: str, known: Mapping[str, str] | None = None) -> str:
    """The project's number: ``known`` (read from a deployed stack's state), else a stable, plausible one."""
    if known and project_id in known:
        return known[project_id]
    return str(100_000_000_000 + int(hashlib.sha256(project_id.encode()).hexdigest()[:10], 16) % 899_999_999_999)


def stand_in_folders(organization_id: str, paths: Iterable[str]) -> dict[str, list[dict]]:
    """The folder tree the display ``paths`` name below the organization, by parent (``organizations/N``
    or ``folders/N``), each folder with a stand-in id derived from its path: folders the mocks can list."""
    tree: dict[str, list[dict]] = {}
    for path in paths:
        parent, walked = f"organizations/{organization_id}", ""
        for segment in path.split("/"):
            walked = f"{walked}/{segment}"
            name = f"folders/{project_number(f'organizations/{organization_id}{walked}')}"
            children = tree.setdefault(parent, [])
            if not any(c["name"] == name for c in children):
                children.append({"name": name, "displayName": segment, "parent": parent, "state": "ACTIVE"})
            parent = name
    return tree


class GcpMocks(pulumi.runtime.Mocks):
    """Echo inputs; compute the outputs GCP would, so that previews show real addresses. ``numbers``:
    the real project numbers of deployed projects (from a state), so agents' e-mails match it;
    ``folders``: the folders ``get_folders`` lists, by parent (none otherwise)."""

    def __init__(self, numbers: Mapping[str, str] | None = None,
                 folders: Mapping[str, Sequence[Mapping[str, str]]] | None = None):
        self.numbers = dict(numbers or {})
        self.folders = {parent: [dict(c) for c in children] for parent, children in (folders or {}).items()}

    @property
    def stand_in_ids(self) -> frozenset[str]:
        """The ids (``123``) of every folder these mocks list: none of them is GCP's."""
        return frozenset(c["name"].removeprefix("folders/") for cs in self.folders.values() for c in cs)

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
        elif args.typ == SINK:  # a unique writer identity: the sink's project's Logging service agent
            number = project_number(inputs["project"], self.numbers)
            outputs["writerIdentity"] = f"serviceAccount:service-{number}@gcp-sa-logging.iam.gserviceaccount.com"
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
        if args.token == STORAGE_AGENT:
            number = project_number(args.args.get("project", "mock"), self.numbers)
            email = f"service-{number}@gs-project-accounts.iam.gserviceaccount.com"
            return {"emailAddress": email, "member": f"serviceAccount:{email}"}, []
        if args.token == TRANSFER_ACCOUNT:
            number = project_number(args.args.get("project", "mock"), self.numbers)
            email = f"project-{number}@storage-transfer-service.iam.gserviceaccount.com"
            return {"email": email, "member": f"serviceAccount:{email}", "subjectId": TRANSFER_SUBJECT}, []
        if args.token == GET_FOLDERS:
            parent = args.args.get("parentId", "")
            return {"id": parent, "parentId": parent, "folders": self.folders.get(parent, [])}, []
        return {}, []


def unknown_stand_ins(registrations: Sequence, stand_in_ids: frozenset[str]) -> list:
    """The registrations with every project's stand-in folder id as the engine's unknown value:
    the mocks made it up, the deploy looks it up."""
    unknown = {"folderId": UNKNOWN}
    return [dataclasses.replace(r, inputs={**r.inputs, **unknown}, outputs={**r.outputs, **unknown})
            if r.type == PROJECT and r.inputs.get("folderId") in stand_in_ids else r for r in registrations]
