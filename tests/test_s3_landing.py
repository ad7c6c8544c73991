"""An S3 input port on GCP, under Pulumi's mocks: the landing bucket, its grants and the transfer job of
the example product (blueprints/royalties/label-statements.yaml, stack royalties-prod), and the job's
lifecycle with the product's status.

What mocks cannot prove: that Storage Transfer Service can assume the AWS role (the AWS side is
``meshplane s3-preflight``'s), that IAM conditions behave as written, or that Cloud Storage accepts
the key before the agent's grant has propagated (the plan orders them; GCP decides).
"""

from __future__ import annotations

import json

import pytest
import yaml

from components_support import (
    BUCKET_IAM, DATASET, fresh_run, model, named, of_type, project_of, repository_copy, run_stack, runner,
)
from meshplane.engine.mocks import project_number
from meshplane.product.product_needs import transfer_status
from meshplane.declaration.types import Status

STACK, PID = "royalties-prod", "royalties.label-statements"
NAME = "label-statements-in-distributor_statements-landing"
BUCKET = "gcp:storage/bucket:Bucket"
JOB = "gcp:storage/transferJob:TransferJob"
KEY_IAM = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"
MODES = pytest.mark.parametrize("preview", [False, True])


def transfer_account() -> str:
    number = project_number(project_of(PID, STACK))
    return f"serviceAccount:project-{number}@storage-transfer-service.iam.gserviceaccount.com"


@MODES
def test_the_landing_bucket_is_a_protected_cmek_data_holder(preview):
    inv = run_stack(STACK, preview)
    bucket = named(inv, f"{NAME}-bucket", BUCKET)
    key = named(inv, "label-statements-storage-internal", DATASET).inputs["defaultEncryptionConfiguration"]["kmsKeyName"]
    assert (bucket.protect, bucket.retain_on_delete, bucket.inputs["forceDestroy"]) == (True, True, False)
    assert bucket.inputs["encryption"] == {"defaultKmsKeyName": key}
    assert bucket.inputs["uniformBucketLevelAccess"] is True and bucket.inputs["publicAccessPrevention"] == "enforced"
    assert bucket.inputs["location"] == "EU" and bucket.inputs["project"] == project_of(PID, STACK)
    # staging: 7 days (the default landing retention) from the S3 modification time, at the latest 7 after landing
    assert bucket.inputs["lifecycleRules"] == [{"action": {"type": "Delete"}, "condition": {"daysSinceCustomTime": 7}},
                                               {"action": {"type": "Delete"}, "condition": {"age": 7}}]
    assert bucket.inputs["labels"]["mesh_layer"] == "internal" and bucket.inputs["labels"]["retention"] == "p7y"


@MODES
def test_the_storage_agent_may_use_the_key_before_the_bucket_exists(preview):
    inv = run_stack(STACK, preview)
    agent = f"serviceAccount:service-{project_number(project_of(PID, STACK))}@gs-project-accounts.iam.gserviceaccount.com"
    grant = named(inv, f"{NAME}-storage-agent", KEY_IAM)
    assert grant.inputs["member"] == agent and grant.inputs["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert (grant.protect, grant.retain_on_delete) == (True, True)  # without it the landed data cannot be read
    wait = named(inv, f"{NAME}-storage-agent-propagation")
    assert grant.urn in wait.dependencies and wait.urn in named(inv, f"{NAME}-bucket", BUCKET).dependencies


@MODES
def test_bucket_grants_are_exactly_the_transfer_writer_the_runner_on_its_prefix_and_the_owner(preview):
    inv = run_stack(STACK, preview)
    bucket = named(inv, f"{NAME}-bucket", BUCKET).inputs["name"]
    grants = sorted((g.inputs["member"], g.inputs["role"], json.dumps(g.inputs.get("condition"), sort_keys=True))
                    for g in of_type(inv, BUCKET_IAM) if g.inputs["bucket"] == bucket)
    prefix = f"projects/_/buckets/{bucket}/objects/distributor_statements/"
    condition = {"title": "distributor_statements prefix only",
                 "description": f"Read gs://{bucket}/distributor_statements/ and list under it.",
                 "expression": f'resource.name.startsWith("{prefix}") || api.getAttribute('
                               '"storage.googleapis.com/objectListPrefix", "").startsWith("distributor_statements/")'}
    assert grants == sorted([
        ("group:royalties-data-owners@daff.example", "roles/storage.objectViewer", "null"),
        (runner(PID, STACK), "roles/storage.objectViewer", json.dumps(condition, sort_keys=True)),
        (transfer_account(), "roles/storage.legacyBucketWriter", "null"),
        (transfer_account(), "roles/storage.legacyObjectReader", "null"),
    ])
    assert "group:finance-payouts@daff.example" not in {m for m, *_ in grants}  # a consumer reads the port only


@MODES
def test_the_transfer_job_reads_the_declared_source_with_its_role_on_its_schedule(preview):
    inv = run_stack(STACK, preview)
    job = named(inv, f"{NAME}-transfer", JOB)
    spec = job.inputs["transferSpec"]
    assert spec["awsS3DataSource"] == {"bucketName": "distributor-royalty-exports", "path": "daff/statements/",
                                       "roleArn": "arn:aws:iam::210987654321:role/daff-statements-reader"}
    assert "awsAccessKey" not in json.dumps(spec)  # a role, never a key
    assert spec["gcsDataSink"] == {"bucketName": named(inv, f"{NAME}-bucket", BUCKET).inputs["name"],
                                   "path": "distributor_statements/"}
    # nothing older than the landing retention is copied, and each copy's customTime is its S3 modification time
    assert spec["objectConditions"] == {"maxTimeElapsedSinceLastModification": f"{7 * 86_400}s"}
    assert spec["transferOptions"]["metadataOptions"] == {"timeCreated": "TIME_CREATED_PRESERVE_AS_CUSTOM_TIME"}
    assert spec["transferOptions"]["deleteObjectsFromSourceAfterTransfer"] is False
    assert job.inputs["schedule"] == {"scheduleStartDate": {"year": 2026, "month": 1, "day": 1},
                                      "startTimeOfDay": {"hours": 3, "minutes": 0, "seconds": 0, "nanos": 0},
                                      "repeatInterval": "86400s"}
    assert job.inputs["status"] == "ENABLED" and job.inputs["project"] == project_of(PID, STACK)
    wait = named(inv, f"{NAME}-transfer-write-propagation")  # the job is refused while the sink is not writable
    for grant in (f"{NAME}-transfer-write", f"{NAME}-transfer-compare"):
        assert named(inv, grant).urn in wait.dependencies
    assert wait.urn in job.dependencies
    assert named(inv, "label-statements-project-storagetransfer").urn in job.dependencies


@MODES
def test_the_dbt_job_reads_the_landing_prefix(preview):
    inv = run_stack(STACK, preview)
    bucket = named(inv, f"{NAME}-bucket", BUCKET).inputs["name"]
    [container] = named(inv, "label-statements-dbt", "gcp:cloudrunv2/job:Job").inputs["template"]["template"]["containers"]
    env = {e["name"]: e.get("value") for e in container["envs"]}
    assert env["MESHPLANE_INPUT_DISTRIBUTOR_STATEMENTS"] == f"gs://{bucket}/distributor_statements/"


@pytest.mark.parametrize(("status", "job"), [(Status.ACTIVE, "ENABLED"), (Status.DORMANT, "DISABLED"),
                                             (Status.DEPRECATED, "ENABLED"), (Status.RETIRED, None)])
def test_the_transfer_follows_the_product_status(status, job):
    assert transfer_status(model(PID).model_copy(update={"status": status})) == job


def test_a_retired_product_keeps_its_landing_bucket_and_stops_transferring(tmp_path):
    root = repository_copy(tmp_path)
    path = root / "blueprints" / "royalties" / "label-statements.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["status"] = "retired"
    del doc["transformation"]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    inv = fresh_run(STACK, root=root)
    bucket = named(inv, f"{NAME}-bucket", BUCKET)
    assert (bucket.protect, bucket.retain_on_delete) == (True, True)
    assert not of_type(inv, JOB)


def test_a_declared_landing_retention_sets_both_deletions_and_what_is_copied(tmp_path):
    root = repository_copy(tmp_path)
    path = root / "blueprints" / "royalties" / "label-statements.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["inputPorts"][0]["s3"]["landingRetention"] = "P30D"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    inv = fresh_run(STACK, root=root)
    rules = named(inv, f"{NAME}-bucket", BUCKET).inputs["lifecycleRules"]
    assert [r["condition"] for r in rules] == [{"daysSinceCustomTime": 30}, {"age": 30}]
    assert {r["action"]["type"] for r in rules} == {"Delete"}
    conditions = named(inv, f"{NAME}-transfer", JOB).inputs["transferSpec"]["objectConditions"]
    assert conditions == {"maxTimeElapsedSinceLastModification": f"{30 * 86_400}s"}


def test_the_review_states_what_the_aws_side_must_contain():
    from components_support import ROOT
    from meshplane.plan.review import render_markdown, render_text
    from meshplane.plan.run import plan_stack

    plan = plan_stack(STACK, ROOT / "stacks")
    text, markdown = render_text(plan, []), render_markdown(plan, [])
    role = "arn:aws:iam::210987654321:role/daff-statements-reader"
    # the project is the stack's: its number and the account's subjectId exist only after the first up
    trust = ("accounts.google.com, sts:AssumeRoleWithWebIdentity, only for accounts.google.com:sub = the subjectId "
             "of the project's Storage Transfer service account project-NUMBER@storage-transfer-service.iam."
             "gserviceaccount.com, known after the first up (the stack creates the project): docs/s3.md")
    allow = ("s3:ListBucket (under daff/statements/) and s3:GetBucketLocation on arn:aws:s3:::distributor-royalty-"
             "exports; s3:GetObject on arn:aws:s3:::distributor-royalty-exports/daff/statements/*")
    copies = "kept 7 days from the S3 modification time; erase_subject does not reach them"
    assert [line for line in text.splitlines() if line.startswith(f"  {role}")] == \
        [f"  {role}  {trust}  {allow}  {copies}"]
    assert "**AWS side of the S3 input ports" in markdown and f"| {role} | {trust} | {allow} | {copies} |" in markdown
    number = project_number(project_of(PID, STACK))
    assert number not in text.split("AWS side of the S3 input ports")[1].split("\n\n")[0]  # the mock's, not real
    assert "Bucket (landing)" in text  # among the data holders, protected


def test_the_review_says_an_adopted_projects_transfer_identity_is_readable_before_up():
    from meshplane.plan.review_s3 import aws_rows

    job = {"type": JOB, "inputs": {"transferSpec": {
        "awsS3DataSource": {"bucketName": "b", "path": "p/", "roleArn": "arn:aws:iam::210987654321:role/r"},
        "objectConditions": {"maxTimeElapsedSinceLastModification": "172800s"}}}}
    [(_, adopted, _, copies)] = aws_rows([job])
    [(_, created, _, _)] = aws_rows([job, {"type": "gcp:organizations/project:Project", "inputs": {}}])
    assert adopted.endswith("readable now (the project exists): docs/s3.md") and "first up" in created
    assert copies == "kept 2 days from the S3 modification time; erase_subject does not reach them"
