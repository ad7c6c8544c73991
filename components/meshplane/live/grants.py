"""What a stack grants, to whom and on what, as IAM names it (pure): the input of the principal and
role checks of ``preflight``.

Each grant is ``(member, role, resource)``: ``member`` as IAM writes it (``serviceAccount:x``), ``role``
an IAM role name (a dataset's legacy OWNER/WRITER/READER as its ``roles/bigquery.data*`` role),
``resource`` the full resource name ``query_grantable_roles`` takes. A resource the stack creates
does not exist before its first ``up``: it is checked on its project, or the organization when the
stack creates the project too (``ancestors``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .acl import LEGACY_ROLES
from .expected import ACCESS, ROW_POLICY, Expected, known

IAM_ROLE = {legacy: role for role, legacy in LEGACY_ROLES.items()}
BQ, CRM = "//bigquery.googleapis.com", "//cloudresourcemanager.googleapis.com"
SERVICE_AGENT_DOMAINS = ("gcp-sa-", "serverless-robot-prod", "bigquery-encryption", "cloudservices.gserviceaccount",
                         "cloudbuild.gserviceaccount", "compute-system", "gs-project-accounts",
                         "storage-transfer-service")


@dataclass(frozen=True, order=True)
class Grant:
    """One grant of the plan: member, IAM role, full resource name, and whether the stack creates it."""

    member: str
    role: str
    resource: str
    project: str = ""
    created: bool = False


def _member(i: dict) -> str | None:
    if i.get("userByEmail"):
        email = str(i["userByEmail"])
        return f"{'serviceAccount' if email.endswith('.gserviceaccount.com') else 'user'}:{email}"
    for key, kind in (("groupByEmail", "group"), ("domain", "domain"), ("specialGroup", "specialGroup")):
        if i.get(key):
            return f"{kind}:{i[key]}"
    return i.get("iamMember") or i.get("member")


def _target(r, expected: Expected, created_jobs: set[str]) -> tuple[str, str, bool] | None:
    """``(full resource name, project, created by the stack)`` of a grant resource."""
    i, t = r.inputs, r.type
    p = str(i.get("project", ""))
    if t in (ACCESS, "gcp:bigquery/dataset:Dataset"):
        d = expected.datasets.get((p, i["datasetId"]))
        return f"{BQ}/projects/{p}/datasets/{i['datasetId']}", p, bool(d and d.created)
    if t == "gcp:bigquery/iamMember:IamMember":
        key = (p, i["datasetId"], i["tableId"])
        return f"{BQ}/projects/{p}/datasets/{key[1]}/tables/{key[2]}", p, key in expected.tables
    if t == "gcp:projects/iAMMember:IAMMember":
        return f"{CRM}/projects/{p}", p, p in expected.projects
    if t == "gcp:cloudrunv2/jobIamMember:JobIamMember":
        name = f"projects/{p}/locations/{i['location']}/jobs/{i['name']}"
        return f"//run.googleapis.com/{name}", p, i["name"] in created_jobs
    if t == "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember":
        return f"//cloudkms.googleapis.com/{i['cryptoKeyId']}", str(i["cryptoKeyId"]).split("/")[1], False
    if t == "gcp:storage/bucketIAMMember:BucketIAMMember":  # a bucket the stack creates: checked on its project
        bucket = str(i["bucket"])
        return f"//storage.googleapis.com/projects/_/buckets/{bucket}", expected.buckets.get(bucket, ""), \
            bucket in expected.buckets
    if t == "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember":
        return (f"//artifactregistry.googleapis.com/projects/{p}/locations/{i['location']}/repositories/"
                f"{i['repository']}", p, False)
    if t == "gcp:datacatalog/policyTagIamMember:PolicyTagIamMember":
        return f"//datacatalog.googleapis.com/{i['policyTag']}", str(i["policyTag"]).split("/")[1], False
    if t == "gcp:bigquerydatapolicy/dataPolicyIamMember:DataPolicyIamMember":
        name = f"projects/{p}/locations/{i['location']}/dataPolicies/{i['dataPolicyId']}"
        return f"//bigquerydatapolicy.googleapis.com/{name}", p, False
    return None


def plan_grants(registrations: Iterable, expected: Expected) -> list[Grant]:
    """Every role grant of the plan (row access policies grant rows, not a role: see ``members``)."""
    registrations = list(registrations)
    jobs = {r.inputs.get("name") for r in registrations if r.type == "gcp:cloudrunv2/job:Job"}
    out = set()
    for r in registrations:
        if r.type == ROW_POLICY or not known(r.inputs):
            continue
        target = _target(r, expected, jobs)
        entries = (r.inputs.get("accesses") or []) if r.type.endswith("dataset:Dataset") else [r.inputs]
        for entry in entries if target else []:
            member, role = _member(entry), entry.get("role")
            if member and role:
                out.add(Grant(member, IAM_ROLE.get(role, role), target[0], target[1], target[2]))
    return sorted(out)


def members(registrations: Iterable, grants: Iterable[Grant]) -> set[str]:
    """Every principal the plan grants anything to: roles and row access policies."""
    found = {g.member for g in grants}
    for r in registrations:
        if r.type == ROW_POLICY and known(r.inputs):
            found.update(r.inputs.get("grantees") or [])
    return found


def ancestors(grant: Grant, organization_id: str, projects: set[str]) -> list[str]:
    """Where to ask which roles are grantable: the resource itself if it exists before ``up``, else its
    project, else (the stack creates the project too) the organization."""
    if not grant.created:
        return [grant.resource]
    if grant.project and grant.project not in projects:
        return [f"{CRM}/projects/{grant.project}"]
    return [f"{CRM}/organizations/{organization_id}"]


def is_service_agent(email: str) -> bool:
    """Google-managed service agents: they exist once their API is enabled, IAM cannot look them up."""
    return email.startswith("service-") or email.split("@")[-1].startswith(SERVICE_AGENT_DOMAINS)


def members_by_kind(found: Iterable[str]) -> Iterator[tuple[str, str]]:
    """``(kind, member)``: serviceAccount, service agent, or what IAM cannot confirm (group, user, domain)."""
    for member in sorted(found):
        kind, _, value = member.partition(":")
        if kind == "serviceAccount":
            yield ("service agent" if is_service_agent(value) else "serviceAccount"), member
        else:
            yield kind or "member", member
