"""What a resource of a preview grants, read from its state: principal, target (in words) and role.

Every kind of grant meshplane writes: a dataset's initial access list (the deploying identity),
dataset ACL entries (a principal, an authorized dataset or an authorized routine), row access
policies, and IAM members on projects, tables, buckets, Cloud Run jobs, KMS keys, image
repositories, policy tags and masking policies. Pure functions over the preview document.
"""

from __future__ import annotations

from collections.abc import Iterator

from .replacements import DATASET
import json

ACCESS, ROW_POLICY = "gcp:bigquery/datasetAccess:DatasetAccess", "gcp:bigquery/rowAccessPolicy:RowAccessPolicy"
PROJECT_IAM, TABLE_IAM = "gcp:projects/iAMMember:IAMMember", "gcp:bigquery/iamMember:IamMember"
BUCKET_IAM = "gcp:storage/bucketIAMMember:BucketIAMMember"
JOB_IAM, KEY_IAM = "gcp:cloudrunv2/jobIamMember:JobIamMember", "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"
TAG_IAM = "gcp:datacatalog/policyTagIamMember:PolicyTagIamMember"
MASKING_IAM = "gcp:bigquerydatapolicy/dataPolicyIamMember:DataPolicyIamMember"
REPOSITORY_IAM = "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember"
AUTHORIZED = "authorized (views)"  # the role of an authorized dataset entry
AUTHORIZED_ROUTINE = "authorized (routine)"  # the role of an authorized routine entry


def grants_of(s: dict, project: str, datasets: dict, tables: dict) -> Iterator[tuple[str, str, str]]:
    """``(principal, target, role)`` of the preview state ``s``, if it grants anything; ``datasets`` and
    ``tables`` name the product's datasets and tables in words (``profiles v1``)."""
    i, kind = s["inputs"], s["type"]
    if kind == DATASET:
        target = datasets.get(i.get("datasetId")) or f"dataset {i.get('datasetId')}"
        for entry in i.get("accesses") or []:  # written at creation only: the deploying identity
            yield acl_member(entry), target, str(entry.get("role", "?"))
    elif kind == ACCESS:
        target = datasets.get(i.get("datasetId")) or f"dataset {i.get('datasetId')}"
        authorized, routine = (i.get("authorizedDataset") or {}).get("dataset"), i.get("routine")
        if authorized:
            yield f"{authorized.get('projectId')}.{authorized.get('datasetId')}", target, AUTHORIZED
        elif routine:
            yield (f"{routine.get('projectId')}.{routine.get('datasetId')}.{routine.get('routineId')}", target,
                   AUTHORIZED_ROUTINE)
        else:
            yield acl_member(i), target, str(i.get("role", "?"))
    elif kind == ROW_POLICY:
        target = tables.get((i.get("datasetId"), i.get("tableId"))) or f"table {i.get('tableId')}"
        predicate = i.get("filterPredicate", "")
        role = "all rows" if predicate == "TRUE" else f"rows where {predicate}"
        for grantee in i.get("grantees") or []:
            yield grantee, target, role
    elif kind in (PROJECT_IAM, TABLE_IAM, BUCKET_IAM):
        yield str(i.get("member", "?")), _iam_target(kind, i, project), str(i.get("role", "?"))
    elif kind == JOB_IAM:
        yield str(i.get("member", "?")), f"dbt job {i.get('name')}", str(i.get("role", "?"))
    elif kind == TAG_IAM:
        tag = str(i.get("policyTag", "?")).split("/")
        yield str(i.get("member", "?")), f"policy tag {'/'.join(tag[-4:])}{_by(i)}", str(i.get("role", "?"))
    elif kind == MASKING_IAM:
        yield str(i.get("member", "?")), f"masking policy {i.get('dataPolicyId')}{_by(i)}", str(i.get("role", "?"))
    elif kind == REPOSITORY_IAM:
        repository = f"{i.get('location')}-docker.pkg.dev/{i.get('project')}/{i.get('repository')}"
        yield str(i.get("member", "?")), f"image repository {repository}", str(i.get("role", "?"))
    elif kind == KEY_IAM:
        yield str(i.get("member", "?")), f"KMS key {str(i.get('cryptoKeyId', '?')).rsplit('/', 1)[-1]}", \
            str(i.get("role", "?"))


def _by(i: dict) -> str:
    """Who holds a shared-tag grant the stack does not create (``review.platform_held``)."""
    return f", granted by {i['grantedBy']}" if i.get("grantedBy") else ""


def _iam_target(kind: str, i: dict, project: str) -> str:
    """What an IAM member resource grants on: the product's project, a table, a bucket (prefix)."""
    if kind == PROJECT_IAM:
        return "project" if i.get("project") == project else f"project {i.get('project')}"
    if kind == TABLE_IAM:
        return f"table {i.get('project')}.{i.get('datasetId')}.{i.get('tableId')}"
    title = (i.get("condition") or {}).get("title")
    return f"bucket {i.get('bucket')}" + (f" ({title})" if title else "")


def acl_member(inputs: dict) -> str:
    """The principal a dataset ACL entry (a DatasetAccess, or an entry of ``Dataset.accesses``) names, in
    IAM form; a special group as ``specialGroup:<group>``; ``?`` when it names none."""
    if inputs.get("groupByEmail"):
        return f"group:{inputs['groupByEmail']}"
    if inputs.get("userByEmail"):
        email = inputs["userByEmail"]
        return f"{'serviceAccount' if email.endswith('.gserviceaccount.com') else 'user'}:{email}"
    if inputs.get("domain"):
        return f"domain:{inputs['domain']}"
    if inputs.get("specialGroup"):
        return f"specialGroup:{inputs['specialGroup']}"
    return str(inputs.get("iamMember") or "?")


PRINCIPAL_FIELDS = frozenset({"member", "members", "grantees", "userByEmail", "groupByEmail",
                              "iamMember", "specialGroup", "domain", "policyData"})


def principals(value: object) -> Iterator[str]:
    """Every value of a field that names a principal, at any depth (not descriptions or queries)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in PRINCIPAL_FIELDS:
                yield from (all_strings(item) if key != "policyData" else policy_members(item))
            else:
                yield from principals(item)
    elif isinstance(value, list):
        for item in value:
            yield from principals(item)


def all_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from all_strings(item)


def policy_members(policy: object) -> Iterator[str]:
    try:
        document = json.loads(policy) if isinstance(policy, str) else {}
    except ValueError:
        return
    for binding in document.get("bindings", []) if isinstance(document, dict) else []:
        yield from all_strings(binding.get("members", []))
