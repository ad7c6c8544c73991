"""An S3 input port's landing: a bucket of the product's project that Storage Transfer Service fills.

The bucket is a data holder like every table: protected and retained, the product's key (its Cloud
Storage agent is granted the key first, or creating the bucket fails), its labels, uniform access,
public access prevented. It is staging, not the product's store: each copy is kept the port's
landing retention (``landingRetention``, default P7D, at most the product's retention), counted from
the object's S3 modification time. The job preserves that time as each copy's ``customTime``
(``TIME_CREATED_PRESERVE_AS_CUSTOM_TIME``) and a lifecycle ``Delete`` on ``daysSinceCustomTime``
removes it; a second ``Delete`` on ``age`` (time since landing) bounds any copy without a
customTime. Objects modified longer ago than the landing retention are not transferred, so what the
lifecycle deleted is not copied again. The transfer project's service account, the identity the AWS
role trusts, may write the bucket (``legacyBucketWriter``, and ``legacyObjectReader`` to compare
objects before overwriting); the runner reads the landing prefix only, the owner the bucket. The job
runs on the port's schedule, paused when the product is dormant, and is not created once it is retired.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..aws.policies import read_policy, trust_policy
from ..declaration.model import InputPort
from ..declaration.s3 import transfer_schedule
from ..product.landing import DAY_SECONDS, landing_bucket, landing_prefix, landing_seconds
from . import roles, waits
from .options import child, component_token, data_child, grant_child, purged

START_DATE = (2026, 1, 1)  # fixed and past: the first run is the day after creation, at the time of day


@dataclass
class S3LandingArgs:
    """The port, the product's project and policies, and who reads the landed objects."""

    port: InputPort
    project: str
    location: str
    labels: dict[str, str]
    runner: str
    owner: str
    ready: pulumi.Resource  # Identity.ready: the runner exists and is usable
    kms_key_name: str | None = None
    retention: str | None = None
    transfer: str | None = "ENABLED"  # ENABLED, DISABLED (dormant), None: no job (retired)
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the Storage and Transfer APIs


class S3Landing(pulumi.ComponentResource):
    """The landing bucket, its grants and the transfer job; ``aws_requirements`` states the AWS side."""

    def __init__(self, name: str, args: S3LandingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("S3Landing"), name, None, opts)
        port, purge = args.port, purged(args.labels)
        self.bucket_name, self.prefix = landing_bucket(args.project, port.name), landing_prefix(port.name)
        self.address = f"gs://{self.bucket_name}/{self.prefix}"
        invoke = pulumi.InvokeOutputOptions(parent=self, depends_on=args.depends_on)
        self.transfer_account = gcp.storage.get_transfer_project_service_account_output(project=args.project,
                                                                                         opts=invoke)
        key_ready = self._key(name, args, invoke, purge)
        self.kept = landing_seconds(args.retention, port.s3.landing_retention)  # >= a day: 0 would delete all
        self.bucket = gcp.storage.Bucket(
            f"{name}-bucket", name=self.bucket_name, project=args.project, location=args.location,
            labels=args.labels, uniform_bucket_level_access=True, public_access_prevention="enforced",
            force_destroy=purge,
            encryption=gcp.storage.BucketEncryptionArgs(default_kms_key_name=args.kms_key_name)
            if args.kms_key_name else None,
            lifecycle_rules=lifecycle(self.kept // DAY_SECONDS),
            opts=data_child(self, purge=purge, depends_on=[*args.depends_on, *key_ready]))
        self.grants = self._grants(name, args)
        self.job = self._job(name, args) if args.transfer else None
        self.aws_requirements = self.transfer_account.apply(lambda account: aws_requirements(port, account))
        self.register_outputs({"address": self.address, "aws_requirements": self.aws_requirements})

    def _key(self, name: str, args: S3LandingArgs, invoke, purge: bool) -> list[pulumi.Resource]:
        """The project's Cloud Storage agent may use the product's key: a bucket's default key needs it."""
        if not args.kms_key_name:
            return []
        agent = gcp.storage.get_project_service_account_output(project=args.project, opts=invoke)
        grant = gcp.kms.CryptoKeyIAMMember(
            f"{name}-storage-agent", crypto_key_id=args.kms_key_name, role=roles.KMS_ENCRYPTER_DECRYPTER,
            member=agent.member, opts=grant_child(self, keep=not purge))
        return [waits.wait(f"{name}-storage-agent-propagation", self, [grant], waits.KEY_GRANT,
                           {"key": args.kms_key_name})]

    def _grants(self, name: str, args: S3LandingArgs) -> list[gcp.storage.BucketIAMMember]:
        """The transfer account writes (and compares), the runner reads the prefix, the owner the bucket."""
        writer, bucket = self.transfer_account.member, self.bucket.name
        return [
            gcp.storage.BucketIAMMember(f"{name}-transfer-write", bucket=bucket, member=writer,
                                        role=roles.STORAGE_LEGACY_BUCKET_WRITER, opts=grant_child(self)),
            gcp.storage.BucketIAMMember(f"{name}-transfer-compare", bucket=bucket, member=writer,
                                        role=roles.STORAGE_LEGACY_OBJECT_READER, opts=grant_child(self)),
            gcp.storage.BucketIAMMember(f"{name}-read", bucket=bucket, member=args.runner,
                                        role=roles.STORAGE_OBJECT_VIEWER,
                                        condition=prefix_condition(args.port.name, self.bucket_name, self.prefix),
                                        opts=grant_child(self, depends_on=[args.ready])),
            gcp.storage.BucketIAMMember(f"{name}-owner-read", bucket=bucket, member=args.owner,
                                        role=roles.STORAGE_OBJECT_VIEWER, opts=grant_child(self)),
        ]

    def _job(self, name: str, args: S3LandingArgs) -> gcp.storage.TransferJob:
        s3, when = args.port.s3, transfer_schedule(args.port.s3.schedule)
        year, month, day = START_DATE
        return gcp.storage.TransferJob(
            f"{name}-transfer", project=args.project, status=args.transfer,
            description=f"{s3.uri} -> {self.address} ({args.port.name})",
            transfer_spec=gcp.storage.TransferJobTransferSpecArgs(
                aws_s3_data_source=gcp.storage.TransferJobTransferSpecAwsS3DataSourceArgs(
                    bucket_name=s3.bucket, path=s3.prefix or None, role_arn=s3.role_arn),
                gcs_data_sink=gcp.storage.TransferJobTransferSpecGcsDataSinkArgs(
                    bucket_name=self.bucket.name, path=self.prefix),
                object_conditions=gcp.storage.TransferJobTransferSpecObjectConditionsArgs(
                    max_time_elapsed_since_last_modification=f"{self.kept}s"),
                transfer_options=gcp.storage.TransferJobTransferSpecTransferOptionsArgs(
                    overwrite_when="DIFFERENT", delete_objects_from_source_after_transfer=False,
                    delete_objects_unique_in_sink=False,
                    metadata_options=gcp.storage.TransferJobTransferSpecTransferOptionsMetadataOptionsArgs(
                        time_created="TIME_CREATED_PRESERVE_AS_CUSTOM_TIME"))),
            schedule=gcp.storage.TransferJobScheduleArgs(
                schedule_start_date=gcp.storage.TransferJobScheduleScheduleStartDateArgs(
                    year=year, month=month, day=day),
                start_time_of_day=gcp.storage.TransferJobScheduleStartTimeOfDayArgs(
                    hours=when.hours, minutes=when.minutes, seconds=0, nanos=0),
                repeat_interval=f"{when.interval_seconds}s"),
            opts=child(self, depends_on=[self._writer_ready(name), *args.depends_on]))

    def _writer_ready(self, name: str) -> pulumi.Resource:
        """A wait after the transfer account's grants: the job is refused while it cannot use the sink."""
        return waits.wait(f"{name}-transfer-write-propagation", self, self.grants[:2], waits.BUCKET_GRANT,
                          {"bucket": self.bucket_name})


def lifecycle(days: int) -> list[gcp.storage.BucketLifecycleRuleArgs]:
    """Delete ``days`` (at least 1) after the S3 modification time (the copy's customTime), and at the
    latest ``days`` after landing (a copy without a customTime). The provider omits a 0 age unless
    ``send_age_if_zero``: a Delete with no condition would delete every object."""
    assert days >= 1, days
    delete = gcp.storage.BucketLifecycleRuleActionArgs(type="Delete")
    return [gcp.storage.BucketLifecycleRuleArgs(
                action=delete, condition=gcp.storage.BucketLifecycleRuleConditionArgs(days_since_custom_time=days)),
            gcp.storage.BucketLifecycleRuleArgs(
                action=delete, condition=gcp.storage.BucketLifecycleRuleConditionArgs(age=days))]


def prefix_condition(port: str, bucket: str, prefix: str) -> gcp.storage.BucketIAMMemberConditionArgs:
    """Objects under ``prefix`` of ``bucket`` only, and listing under it."""
    objects = f"projects/_/buckets/{bucket}/objects/{prefix}"
    return gcp.storage.BucketIAMMemberConditionArgs(
        title=f"{port} prefix only"[:100], description=f"Read gs://{bucket}/{prefix} and list under it.",
        expression=(f'resource.name.startsWith("{objects}") || api.getAttribute('
                    f'"storage.googleapis.com/objectListPrefix", "").startsWith("{prefix}")'))


def aws_requirements(port: InputPort, account) -> dict:
    """What the AWS side must contain: the role, its trust policy and its read policy (IAM JSON documents)."""
    s3 = port.s3
    return {"source": s3.uri, "region": s3.region, "roleArn": s3.role_arn, "googleServiceAccount": account.email,
            "trustPolicy": trust_policy(account.subject_id), "readPolicy": read_policy(s3.bucket, s3.prefix)}
