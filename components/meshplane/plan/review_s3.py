"""The review's "AWS side" of a product's S3 input ports: what the source's owners must create in AWS.

Read from the plan's resources: each transfer job's source (bucket, path, role) and the transfer project
service account it writes the landing bucket as. That account's ``subjectId``, the ``sub`` the role
trusts, is Google's to assign once the project exists: the review names the account, docs/s3.md says
how to read its ``subjectId``, and ``meshplane s3-preflight`` checks the role against it.
"""

from __future__ import annotations

TRANSFER_JOB = "gcp:storage/transferJob:TransferJob"
BUCKET_IAM = "gcp:storage/bucketIAMMember:BucketIAMMember"
WRITER = "roles/storage.legacyBucketWriter"
TRANSFER_DOMAIN = "@storage-transfer-service.iam.gserviceaccount.com"


def aws_rows(states: list[dict]) -> list[tuple[str, str, str]]:
    """(role ARN, whom it must trust, what it must allow) per S3 transfer job of the product."""
    writers = sorted({str(s["inputs"].get("member", "")).removeprefix("serviceAccount:") for s in states
                      if s["type"] == BUCKET_IAM and s["inputs"].get("role") == WRITER
                      and str(s["inputs"].get("member", "")).endswith(TRANSFER_DOMAIN)})
    trusted = (f"accounts.google.com, sts:AssumeRoleWithWebIdentity, only for accounts.google.com:sub = the "
               f"subjectId of {writers[0] if writers else 'the transfer project service account'}")
    rows = []
    for s in (s for s in states if s["type"] == TRANSFER_JOB):
        source = (s["inputs"].get("transferSpec") or {}).get("awsS3DataSource") or {}
        if source.get("roleArn"):
            bucket, path = f"arn:aws:s3:::{source.get('bucketName')}", source.get("path") or ""
            allowed = (f"s3:ListBucket (under {path or 'the bucket'}) and s3:GetBucketLocation on {bucket}; "
                       f"s3:GetObject on {bucket}/{path}*")
            rows.append((source["roleArn"], trusted, allowed))
    return sorted(rows)


AWS_HEAD = ("role", "must trust", "must allow")
AWS_LABEL = "AWS side of the S3 input ports (the source's owners create it; meshplane s3-preflight checks it)"
