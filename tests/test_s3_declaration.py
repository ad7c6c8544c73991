"""The ``s3`` input port: its validation (the loader's problem format), the STS schedule a cron becomes,
the landing names, and the AWS policy evaluation (pure functions, table-driven)."""

from __future__ import annotations

import copy

import pytest
import yaml

from meshplane.aws.policies import Need, allows, covers, matches, read_needs, read_policy, trust_policy, trusting
from meshplane.declaration.loader import check_text
from meshplane.declaration.s3 import TransferSchedule, bucket_problem, landing_days, landing_problem, transfer_schedule
from meshplane.product.landing import landing_address, landing_bucket, landing_seconds

GOOD = {"uri": "s3://distributor-royalty-exports/daff/statements/", "region": "eu-west-1",
        "roleArn": "arn:aws:iam::210987654321:role/daff-statements-reader", "format": "PARQUET",
        "schedule": "0 3 * * *"}


def with_s3(blueprint: dict, **changes) -> dict:
    doc = copy.deepcopy(blueprint)
    doc["inputPorts"][1] = {"name": "podcast_events", "s3": {**GOOD, **changes}}
    return doc


def problems(doc: dict) -> list[str]:
    text = yaml.safe_dump(doc, sort_keys=False)
    model, found = check_text(text, "bp.yaml")
    assert (model is None) == bool(found)
    return [str(p) for p in found]


def test_an_s3_port_is_accepted(blueprint):
    assert problems(with_s3(blueprint)) == []


@pytest.mark.parametrize(("key", "value", "phrase"), [
    ("uri", "gs://bucket/x/", "not an S3 URI; given 'gs://bucket/x/'"),
    ("uri", "s3://Bad_Bucket/x/", "not an S3 bucket name; given 'Bad_Bucket'"),
    ("uri", "s3://my..bucket/x/", "no two adjacent dots"),
    ("uri", "s3://10.0.0.1/x/", "not an IP address"),
    ("uri", "s3://xn--bucket/x/", "no reserved prefix"),
    ("uri", "s3://bucket-s3alias/x/", "no reserved prefix"),
    ("uri", "s3://bucket/events", "not an S3 prefix; given 'events'; expected a path ending with '/'"),
    ("uri", "s3://bucket//events/", "not an S3 prefix"),
    ("region", "eu-west", "not an AWS region; given 'eu-west'"),
    ("region", "EU", "not an AWS region"),
    ("region", "us-gov-west-1", "not a commercial AWS region; given 'us-gov-west-1'"),
    ("region", "cn-north-1", "not a commercial AWS region; given 'cn-north-1'"),
    ("region", "us-iso-east-1", "not an AWS region"),
    ("roleArn", "arn:aws:iam::12345:role/x", "not an IAM role ARN"),
    ("roleArn", "arn:aws:iam::210987654321:user/x", "not an IAM role ARN"),
    ("roleArn", "arn:aws-cn:iam::210987654321:role/x", "not an IAM role ARN"),
    ("roleArn", f"arn:aws:iam::210987654321:role/{'r' * 65}", "not an IAM role ARN"),
    ("roleArn", "arn:aws:iam::210987654321:role/lecteur-relevés", "not an IAM role ARN"),  # IAM names are ASCII
    ("roleArn", "arn:aws:iam::210987654321:role/équipe/reader", "not an IAM role ARN"),
    ("format", "ORC", "invalid value; given 'ORC'; expected one of 'PARQUET', 'CSV', 'JSON' or 'AVRO'"),
    ("schedule", "*/30 * * * *", "Storage Transfer Service cannot run this schedule"),
    ("schedule", "0 3 * * 1", "Storage Transfer Service cannot run this schedule"),
    ("schedule", "0 3 1 * *", "Storage Transfer Service cannot run this schedule"),
    ("schedule", "0 0,5 * * *", "Storage Transfer Service cannot run this schedule"),
    ("schedule", "0 3 * 1-6 *", "expected '*' as day of month, month and day of week"),  # would run all year
    ("schedule", "0 3 * * 0-6", "expected '*' as day of month, month and day of week"),
    ("schedule", "0 3 1-31 * *", "expected '*' as day of month, month and day of week"),
    ("landingRetention", "PT12H", "the landing retention is under a day; given 'PT12H'; expected at least P1D"),
    ("landingRetention", "P4Y", "longer than the product's retention; given 'P4Y'; expected at most 'P3Y'"),
    ("schedule", "not cron", "not a valid cron expression"),
])
def test_fails_a_bad_s3_value_at_its_line_and_field(blueprint, key, value, phrase):
    doc = with_s3(blueprint, **{key: value})
    [problem] = problems(doc)
    text = yaml.safe_dump(doc, sort_keys=False).splitlines()
    line = next(i for i, ln in enumerate(text, 1) if ln.strip().startswith(f"{key}:") and "s3" in "".join(text[i - 8:i]))
    assert problem.startswith(f"bp.yaml:{line}:"), problem
    assert f": inputPorts.podcast_events.s3.{key}: " in problem and phrase in problem, problem


def test_fails_an_s3_port_with_a_second_source(blueprint):
    doc = with_s3(blueprint)
    doc["inputPorts"][1]["gcsPrefix"] = "gs://daff-podcast-ops/events/"
    [problem] = problems(doc)
    assert "exactly one source; given gcsPrefix, s3" in problem


def test_fails_an_s3_port_missing_its_role(blueprint):
    doc = with_s3(blueprint)
    del doc["inputPorts"][1]["s3"]["roleArn"]
    [problem] = problems(doc)
    assert ": inputPorts.podcast_events.s3.roleArn: required field is missing; expected the AWS IAM role" in problem


@pytest.mark.parametrize(("cron", "expected"), [
    ("0 3 * * *", TransferSchedule(3, 0, 86_400)),
    ("15 */6 * * *", TransferSchedule(0, 15, 21_600)),
    ("30 1,13 * * *", TransferSchedule(1, 30, 43_200)),
    ("0 * * * *", TransferSchedule(0, 0, 3_600)),
    ("45 23 * * *", TransferSchedule(23, 45, 86_400)),
    ("*/30 * * * *", None),  # shorter than STS's hour
    ("0 3 * * 1-5", None),  # weekdays: not evenly spaced
    ("0 0,5 * * *", None),
    ("0 3 * 1-6 *", None),  # January to June only: its first fires are daily, STS would run it all year
    ("0 */2 * 2 *", None),
])
def test_transfer_schedule_runs_exactly_when_the_cron_fires(cron, expected):
    assert transfer_schedule(cron) == expected


@pytest.mark.parametrize(("bucket", "fine"), [
    ("abc", True), ("a.b-c1", True), ("ab", False), ("a" * 64, False), ("-abc", False), ("abc-", False),
    ("a-.b", False), ("192.168.0.1", False), ("sthree-x", False), ("x--ol-s3", False), ("x.mrap", False),
])
def test_bucket_naming_rules(bucket, fine):
    assert (bucket_problem(bucket) is None) == fine


def test_landing_names_are_stable_valid_and_short():
    assert landing_bucket("daff-prod-royalties-lab-dc8632", "distributor_statements") == \
        "daff-prod-royalties-lab-dc8632-in-distributor-statements"
    long = landing_bucket("daff-prod-royalties-lab-dc8632", "a_very_long_input_port_name_for_statements")
    assert len(long) <= 63 and long == landing_bucket("daff-prod-royalties-lab-dc8632",
                                                      "a_very_long_input_port_name_for_statements")
    assert bucket_problem(long) is None
    assert landing_address("p-1", "x") == "gs://p-1-in-x/x/"


@pytest.mark.parametrize(("retention", "landing", "days"), [
    (None, None, 7), ("P7Y", None, 7), ("P3D", None, 3), ("PT36H", None, 1), ("PT1H", None, 0),
    ("P7Y", "P30D", 30), ("P7Y", "PT36H", 1), (None, "P2Y", 730), ("P10D", "P30D", 10), ("P7Y", "PT6H", 0),
])
def test_landed_copies_are_kept_the_landing_retention_in_whole_days_at_most_the_products(retention, landing, days):
    assert landing_days(retention, landing) == days


@pytest.mark.parametrize(("retention", "landing"), [("PT1H", None), ("P7Y", "PT23H"), ("PT12H", "P1D")])
def test_a_landing_retention_under_a_day_is_refused_never_sent_as_0_days(retention, landing):
    assert landing_problem(retention, landing) is not None
    with pytest.raises(ValueError, match="under a day"):  # a 0-day lifecycle condition would delete everything
        landing_seconds(retention, landing)


def test_an_s3_port_of_a_product_kept_under_a_day_is_refused_at_the_port(blueprint):
    doc = with_s3(blueprint)
    doc["policies"]["retention"] = "PT12H"
    [problem] = problems(doc)
    assert ": inputPorts.podcast_events.s3: an S3 port's landed copies are kept whole days; given a product " \
           "retention of 'PT12H'; expected a policies.retention of at least P1D" in problem, problem


@pytest.mark.parametrize("name", ["google_ads", "from_googleanalytics", "g00gle_events", "go0gle_feed"])
def test_an_s3_port_named_after_google_is_refused_at_its_name(blueprint, name):
    doc = with_s3(blueprint)
    doc["inputPorts"][1]["name"] = name
    found = problems(doc)
    assert any(f": inputPorts.{name}.name: " in p and "refuses bucket names containing 'google'" in p
               for p in found), found


@pytest.mark.parametrize(("pattern", "value", "case", "hit"), [
    ("s3:GetObject", "s3:getobject", False, True), ("s3:*", "s3:ListBucket", False, True),
    ("s3:Get*", "s3:ListBucket", False, False), ("arn:aws:s3:::b/*", "arn:aws:s3:::b/p/x", True, True),
    ("arn:aws:s3:::b/p?/*", "arn:aws:s3:::b/p1/x", True, True), ("arn:aws:s3:::B", "arn:aws:s3:::b", True, False),
    ("arn:aws:s3:::b[1]", "arn:aws:s3:::b1", True, False),  # brackets are literal in IAM
])
def test_iam_wildcards(pattern, value, case, hit):
    assert matches(pattern, value, case=case) is hit


@pytest.mark.parametrize(("pattern", "hit"), [
    ("arn:aws:s3:::b/p/*", True), ("arn:aws:s3:::b/*", True), ("*", True), ("arn:aws:s3:::b/p*", True),
    ("arn:aws:s3:::b/p/x", False), ("arn:aws:s3:::b/p/2026/*", False), ("arn:aws:s3:::b/q/*", False),
    ("arn:aws:s3:::b", False),
])
def test_a_resource_pattern_covers_every_object_under_the_prefix_or_not(pattern, hit):
    assert covers(pattern, "arn:aws:s3:::b/p/*") is hit


def test_the_stated_policies_satisfy_the_checks():
    docs = [read_policy("b", "p/")]
    assert all(allows(docs, need) for need in read_needs("b", "p/"))
    assert list(trusting(trust_policy("123")))
    assert not allows(docs, Need("s3:GetObject", "arn:aws:s3:::b/q/*"))
    assert not allows([read_policy("b", "p/sub/")], read_needs("b", "p/")[0])  # listing narrower than the prefix


@pytest.mark.parametrize(("statement", "hit"), [
    ({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, True),
    ({"Effect": "Allow", "NotAction": "s3:DeleteObject", "Resource": "*"}, True),
    ({"Effect": "Allow", "NotAction": "s3:Get*", "Resource": "*"}, False),
    ({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/p/secret/*"}, False),
    ({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::other/*"}, True),
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
      "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}, False),  # cannot be proven offline
    ({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}, False),
])
def test_allows_reads_only_what_it_can_prove(statement, hit):
    assert allows([{"Statement": [statement]}], Need("s3:GetObject", "arn:aws:s3:::b/p/*")) is hit
