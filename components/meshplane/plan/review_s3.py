"""The review's "AWS side" of a product's S3 input ports: what the source's owners must create in AWS.

Read from the plan's resources: each transfer job's source (bucket, path, role) and how long its landing
bucket keeps the copies. The identity the role trusts is the ``subjectId`` of the product project's
Storage Transfer service account, ``project-NUMBER@storage-transfer-service.iam.gserviceaccount.com``:
Google assigns both the number and the id once the project exists, so for a project the stack creates
they are known after the first ``pulumi up``, never in a plan (the mocks' number is made up and is not
shown). docs/s3.md says how to read the ``subjectId``; ``meshplane s3-preflight`` checks the role
against it. The copies are staging that ``erase_subject`` does not reach: the last column says so.
"""

from __future__ import annotations

TRANSFER_JOB = "gcp:storage/transferJob:TransferJob"
PROJECT = "gcp:organizations/project:Project"
ACCOUNT = "project-NUMBER@storage-transfer-service.iam.gserviceaccount.com"
DAY_SECONDS = 86_400


def aws_rows(states: list[dict]) -> list[tuple[str, str, str, str]]:
    """(role ARN, whom it must trust, what it must allow, what becomes of the copies) per S3 transfer job."""
    when = ("known after the first up (the stack creates the project)" if any(s["type"] == PROJECT for s in states)
            else "readable now (the project exists)")
    trusted = (f"accounts.google.com, sts:AssumeRoleWithWebIdentity, only for accounts.google.com:sub = the "
               f"subjectId of the project's Storage Transfer service account {ACCOUNT}, {when}: docs/s3.md")
    rows = []
    for s in (s for s in states if s["type"] == TRANSFER_JOB):
        spec = s["inputs"].get("transferSpec") or {}
        source = spec.get("awsS3DataSource") or {}
        if source.get("roleArn"):
            bucket, path = f"arn:aws:s3:::{source.get('bucketName')}", source.get("path") or ""
            allowed = (f"s3:ListBucket (under {path or 'the bucket'}) and s3:GetBucketLocation on {bucket}; "
                       f"s3:GetObject on {bucket}/{path}*")
            rows.append((source["roleArn"], trusted, allowed, _copies(spec)))
    return sorted(rows)


def _copies(spec: dict) -> str:
    """How long the landing bucket keeps the copies (the job copies nothing older), and the erasure gap."""
    kept = str((spec.get("objectConditions") or {}).get("maxTimeElapsedSinceLastModification", "")).removesuffix("s")
    days = f"{float(kept) / DAY_SECONDS:g} days" if kept.replace(".", "", 1).isdigit() else "the landing retention"
    return f"kept {days} from the S3 modification time; erase_subject does not reach them"


AWS_HEAD = ("role", "must trust", "must allow", "landed copies")
AWS_LABEL = "AWS side of the S3 input ports (the source's owners create it; meshplane s3-preflight checks it)"
