"""``meshplane s3-preflight`` against moto's AWS: each source scenario of the issue, and the command.

What moto cannot prove: that AWS evaluates these policies as ``policies.allows`` reads them (moto does
not enforce IAM), that Storage Transfer Service's web identity carries the ``sub`` we check, or that
SCPs, permission boundaries and bucket policies allow the role: those are reported unchecked.
"""

from __future__ import annotations

import json

import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from click.testing import CliRunner  # noqa: E402
from helpers import ROOT  # noqa: E402

from meshplane.aws.policies import read_policy, trust_policy  # noqa: E402
from meshplane.aws.s3_facts import gather  # noqa: E402
from meshplane.aws.s3_preflight import BLOCKING, OK, UNCHECKED, S3Port, evaluate  # noqa: E402
from meshplane.cli.main import main  # noqa: E402
from meshplane.declaration.model import InputPort  # noqa: E402

SUB = "112233445566778899001"
OTHER_SUB = "998877665544332211009"
BUCKET, PREFIX, REGION = "distributor-royalty-exports", "daff/statements/", "eu-west-1"
ROLE = "daff-statements-reader"
ACCOUNT = "210987654321"  # the blueprint's; moto's account through MOTO_ACCOUNT_ID
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"


@pytest.fixture
def aws(monkeypatch):
    """moto's AWS with fake credentials: nothing leaves the process."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION,
                       "MOTO_ACCOUNT_ID": ACCOUNT}.items():
        monkeypatch.setenv(key, value)
    with moto.mock_aws():
        yield boto3.Session()


def make_bucket(session, region: str = REGION, objects: bool = True, name: str = BUCKET) -> None:
    s3 = session.client("s3", region_name=region)
    config = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **config)
    s3.put_object(Bucket=name, Key="elsewhere/x.parquet", Body=b"x")
    if objects:
        s3.put_object(Bucket=name, Key=f"{PREFIX}2026-10/label-1.parquet", Body=b"PAR1")


def make_role(session, trust: dict | None = None, policy: dict | None = None, managed: bool = False) -> None:
    iam = session.client("iam")
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust or trust_policy(SUB)))
    document = json.dumps(policy or read_policy(BUCKET, PREFIX))
    if managed:
        arn = iam.create_policy(PolicyName="statements-read", PolicyDocument=document)["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=ROLE, PolicyArn=arn)
    else:
        iam.put_role_policy(RoleName=ROLE, PolicyName="statements-read", PolicyDocument=document)


def port(region: str = REGION) -> InputPort:
    return InputPort.model_validate({"name": "statements", "s3": {
        "uri": f"s3://{BUCKET}/{PREFIX}", "region": region, "roleArn": ROLE_ARN, "format": "PARQUET",
        "schedule": "0 3 * * *"}})


def check(session, sub: str | None = SUB, region: str = REGION) -> dict[str, list[str]]:
    """Each kind's statuses (the always-unchecked SCPs/bucket policy finding under 'unchecked')."""
    findings = evaluate(S3Port("royalties.label-statements", port(region), sub),
                        gather(session, BUCKET, PREFIX, region, ROLE_ARN))
    out: dict[str, list[str]] = {}
    for f in findings:
        assert f.port == "royalties.label-statements/statements"
        out.setdefault(f.kind, []).append(f.status)
    return out


def messages(session, sub: str | None = SUB) -> str:
    return "\n".join(f.message for f in evaluate(S3Port("p.q", port(), sub), gather(session, BUCKET, PREFIX, REGION,
                                                                                   ROLE_ARN)))


def test_a_good_source_passes_and_says_what_it_did_not_check(aws):
    make_bucket(aws), make_role(aws)
    assert check(aws) == {"bucket": [OK], "objects": [OK], "trust": [OK], "read": [OK], "unchecked": [UNCHECKED]}
    assert "SCPs" in messages(aws) and f"bucket policy of {BUCKET}" in messages(aws)


def test_a_managed_policy_grants_as_well_as_an_inline_one(aws):
    make_bucket(aws), make_role(aws, managed=True)
    assert check(aws)["read"] == [OK]


def test_fails_an_empty_prefix(aws):
    make_bucket(aws, objects=False), make_role(aws)
    assert check(aws)["objects"] == [BLOCKING]


def test_fails_a_missing_bucket(aws):
    make_role(aws)
    found = check(aws)
    assert found["bucket"] == [BLOCKING] and "objects" not in found


def test_fails_a_bucket_in_another_region(aws):
    make_bucket(aws, region="us-west-2"), make_role(aws)
    assert check(aws)["bucket"] == [BLOCKING]
    assert "is in us-west-2; declared eu-west-1" in messages(aws)


def test_fails_a_trust_policy_for_another_identity(aws):
    make_bucket(aws), make_role(aws, trust=trust_policy(OTHER_SUB))
    assert check(aws)["trust"] == [BLOCKING]
    assert f"trusts {OTHER_SUB}; expected accounts.google.com:sub {SUB}" in messages(aws)


def test_fails_a_trust_policy_for_any_google_identity(aws):
    wide = trust_policy(SUB)
    del wide["Statement"][0]["Condition"]
    make_bucket(aws), make_role(aws, trust=wide)
    assert check(aws)["trust"] == [BLOCKING] and "any Google identity" in messages(aws)


def test_fails_a_trust_policy_shared_with_other_identities(aws):
    shared = trust_policy(SUB)
    shared["Statement"][0]["Condition"]["StringEquals"]["accounts.google.com:sub"] = [SUB, OTHER_SUB]
    make_bucket(aws), make_role(aws, trust=shared)
    assert check(aws)["trust"] == [BLOCKING]


def test_an_unknown_sub_leaves_the_trust_unchecked_never_passed(aws):
    make_bucket(aws), make_role(aws)
    assert check(aws, sub=None)["trust"] == [UNCHECKED]
    assert "--google-sub" in messages(aws, sub=None)


def test_fails_a_missing_role(aws):
    make_bucket(aws)
    found = check(aws)
    assert found["trust"] == [BLOCKING] and "read" not in found


def test_fails_a_role_whose_path_is_not_the_declared_one(aws):
    declared = f"arn:aws:iam::{ACCOUNT}:role/ingest/{ROLE}"  # GetRole reads by name, whatever the path
    make_bucket(aws), make_role(aws)  # the role exists at path /, trusting and reading as it should
    source = InputPort.model_validate({"name": "statements", "s3": {**port().s3.model_dump(by_alias=True),
                                                                     "roleArn": declared}})
    findings = evaluate(S3Port("p.q", source, SUB), gather(aws, BUCKET, PREFIX, REGION, declared))
    [trust] = [f for f in findings if f.kind == "trust"]
    assert trust.status == BLOCKING and f"role {declared} does not exist" in trust.message and ROLE_ARN in trust.message
    assert not [f for f in findings if f.kind == "read"]  # another role's policies prove nothing


def test_fails_a_role_that_cannot_read_the_prefix(aws):
    elsewhere = read_policy(BUCKET, "elsewhere/")
    make_bucket(aws), make_role(aws, policy=elsewhere)
    assert check(aws)["read"] == [BLOCKING]
    said = messages(aws)
    assert f"s3:GetObject on arn:aws:s3:::{BUCKET}/{PREFIX}*" in said and "s3:ListBucket" in said


def test_credentials_of_another_account_leave_the_role_unchecked(aws, monkeypatch):
    make_bucket(aws), make_role(aws)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
    found = check(aws)
    assert found["trust"] == [UNCHECKED] and "read" not in found
    assert "account 111122223333's" in messages(aws)


def test_a_deny_statement_is_reported_unchecked_not_evaluated(aws):
    policy = read_policy(BUCKET, PREFIX)
    policy["Statement"].append({"Effect": "Deny", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"})
    make_bucket(aws), make_role(aws, policy=policy)
    assert check(aws)["read"] == [OK, UNCHECKED]
    assert "1 Deny statement: not evaluated" in messages(aws)


def cli(*args: str):
    return CliRunner().invoke(main, ["s3-preflight", "--stack", "royalties-prod", "--stacks-dir",
                                     str(ROOT / "stacks"), *args])


def blueprint_source(session) -> None:
    """The example product's source (blueprints/royalties/label-statements.yaml) in moto's account."""
    make_bucket(session)
    iam = session.client("iam")
    role = "daff-statements-reader"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust_policy(SUB)))
    iam.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=json.dumps(read_policy(BUCKET, PREFIX)))


def test_command_checks_the_stack_s_sources_in_text_and_json(aws):
    blueprint_source(aws)
    text = cli("--google-sub", f"royalties.label-statements={SUB}")
    assert text.exit_code == 0, text.output
    assert "ok         royalties.label-statements/distributor_statements  trust:" in text.output
    assert text.output.rstrip().endswith("4 ok, 0 blocking, 1 unchecked")
    report = json.loads(cli("--google-sub", SUB, "--format", "json").output)
    assert {f["kind"]: f["status"] for f in report} == {"bucket": OK, "objects": OK, "trust": OK, "read": OK,
                                                        "unchecked": UNCHECKED}
    assert set(report[0]) == {"kind", "port", "status", "message", "failed"}
    assert not any(f["failed"] for f in report)  # the SCP/bucket policy note is unchecked by design


def test_command_that_could_read_nothing_is_incomplete_not_ready(aws, monkeypatch):
    """AccessDenied everywhere (moto enforcing IAM against unknown keys): every check unchecked, exit 7."""
    blueprint_source(aws)
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    result = cli("--google-sub", SUB)
    assert result.exit_code == 7, result.output
    assert "0 ok, 0 blocking, 3 unchecked" in result.output and "(AWS error)" in result.output
    assert "INCOMPLETE: " in result.output and "not known to be ready" in result.output
    report = json.loads(cli("--google-sub", SUB, "--format", "json").output)
    assert {(f["kind"], f["status"], f["failed"]) for f in report} == {
        ("bucket", UNCHECKED, True), ("trust", UNCHECKED, True), ("unchecked", UNCHECKED, False)}


def test_command_exits_non_zero_on_a_blocking_finding(aws):
    blueprint_source(aws)
    result = cli("--google-sub", OTHER_SUB)
    assert result.exit_code == 1 and "blocking   royalties.label-statements/distributor_statements  trust" in result.output


def test_command_without_credentials_is_one_clear_line(monkeypatch, tmp_path):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = cli()
    assert result.exit_code == 2
    assert result.output.startswith("meshplane: error: no AWS credentials found") and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_command_refuses_a_sub_that_is_not_one(aws):
    result = cli("--google-sub", "royalties.label-statements=project-1@x")
    assert result.exit_code == 2 and "--google-sub: not a subject id" in result.output


def test_the_readme_shows_the_command_s_output_under_moto(aws):
    """The README's console block is what the command prints against this moto setup, line for line."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ meshplane s3-preflight --stack royalties-prod --google-sub ", 1)[1].split("```", 1)[0]
    sub, shown = block.split("\n", 1)
    assert sub == SUB
    blueprint_source(aws)
    assert cli("--google-sub", sub).output == shown


def test_command_with_an_unknown_profile_is_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    result = cli("--profile", "nonexistent")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output == "meshplane: error: cannot read AWS credentials: The config profile (nonexistent) could not be found\n"


def test_command_takes_the_sub_from_the_stack_config(aws, tmp_path):
    from components_support import repository_copy

    root = repository_copy(tmp_path)
    config = root / "stacks" / "Pulumi.royalties-prod.yaml"
    config.write_text(config.read_text() + f"  meshplane:transferSubjects:\n    royalties.label-statements: \"{SUB}\"\n")
    blueprint_source(aws)
    result = CliRunner().invoke(main, ["s3-preflight", "--stack", "royalties-prod", "--stacks-dir", str(root / "stacks")])
    assert result.exit_code == 0 and f"trusts exactly accounts.google.com:sub {SUB}" in result.output
