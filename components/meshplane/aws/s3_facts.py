"""What AWS says about one S3 source, read with boto3 and the source owner's read-only credentials.

Only reads: ``sts:GetCallerIdentity``, ``s3:GetBucketLocation``, ``s3:ListBucket`` (one key), ``iam:GetRole``,
``iam:ListRolePolicies``/``GetRolePolicy`` and ``iam:ListAttachedRolePolicies``/``GetPolicy``/
``GetPolicyVersion``. What cannot be read is recorded (``errors``), never guessed; ``s3_checks``
judges the facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .policies import document

MISSING = ("NoSuchBucket", "404", "NotFound", "NoSuchEntity")


class AwsUnavailable(Exception):
    """boto3 is not installed, or no AWS credentials were found: nothing can be checked."""


@dataclass
class Facts:
    """One source as AWS answered: None where it could not be read (see ``errors``)."""

    bucket_region: str | None = None
    bucket_missing: bool = False
    has_objects: bool | None = None
    role_missing: bool = False
    role_arn: str | None = None  # the ARN of the role named like the declared one (IAM names are unique per account)
    trust: dict | None = None
    policies: dict[str, dict] = field(default_factory=dict)  # "inline NAME" / "managed ARN" -> document
    errors: dict[str, str] = field(default_factory=dict)  # what -> AWS's error code and message


def session(profile: str | None = None) -> Any:
    """A boto3 session with credentials, or ``AwsUnavailable`` saying why not."""
    try:
        import boto3
    except ImportError as exc:
        raise AwsUnavailable("boto3 is not installed; install meshplane[aws]") from exc
    from botocore.exceptions import BotoCoreError

    try:
        made = boto3.Session(profile_name=profile) if profile else boto3.Session()
        credentials = made.get_credentials()
    except BotoCoreError as exc:  # an unknown profile, a broken config file
        raise AwsUnavailable(f"cannot read AWS credentials: {exc}") from exc
    if credentials is None:
        raise AwsUnavailable("no AWS credentials found (AWS_PROFILE, AWS_ACCESS_KEY_ID, ~/.aws or an "
                             "instance role); s3-preflight needs the source owner's read-only credentials")
    return made


def gather(boto: Any, bucket: str, prefix: str, region: str, role_arn: str) -> Facts:
    """Read the bucket, the prefix and the role of one source."""
    from botocore.exceptions import BotoCoreError, ClientError

    facts = Facts()
    s3 = boto.client("s3", region_name=region)
    try:
        location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
        facts.bucket_region = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)
    except ClientError as exc:
        facts.bucket_missing = _code(exc) in MISSING
        facts.errors["bucket"] = _said(exc)
    except BotoCoreError as exc:
        facts.errors["bucket"] = str(exc)
    if facts.bucket_region is not None:
        try:
            listed = boto.client("s3", region_name=facts.bucket_region).list_objects_v2(
                Bucket=bucket, Prefix=prefix, MaxKeys=1)
            facts.has_objects = listed.get("KeyCount", 0) > 0
        except (ClientError, BotoCoreError) as exc:
            facts.errors["objects"] = _said(exc)
    _role(boto, role_arn, facts)
    return facts


def _role(boto: Any, role_arn: str, facts: Facts) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    owner, name, iam = role_arn.split(":")[4], role_arn.rsplit("/", 1)[1], boto.client("iam")
    try:
        account = boto.client("sts").get_caller_identity()["Account"]
        if account != owner:  # IAM reads only the caller's own account
            facts.errors["role"] = (f"the credentials are account {account}'s, the role is account {owner}'s: "
                                    "run with the source owner's credentials")
            return
        role = iam.get_role(RoleName=name)["Role"]  # by name: a path is no part of a role's identity
        facts.role_arn, facts.trust = role["Arn"], document(role["AssumeRolePolicyDocument"])
    except ClientError as exc:
        facts.role_missing = _code(exc) in MISSING
        facts.errors["role"] = _said(exc)
        return
    except BotoCoreError as exc:
        facts.errors["role"] = str(exc)
        return
    try:
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
            for policy in page["PolicyNames"]:
                doc = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
                facts.policies[f"inline {policy}"] = document(doc)
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
            for attached in page["AttachedPolicies"]:
                arn = attached["PolicyArn"]
                version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
                doc = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
                facts.policies[f"managed {arn}"] = document(doc)
    except (ClientError, BotoCoreError) as exc:
        facts.errors["policies"] = _said(exc)


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _said(exc: Exception) -> str:
    error = getattr(exc, "response", {}).get("Error", {})
    return f"{error.get('Code', type(exc).__name__)}: {error.get('Message', str(exc))}".rstrip(": ")
