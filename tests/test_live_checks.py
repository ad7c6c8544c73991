"""The pure parts of ``preflight`` and ``audit``: ACL equality as BigQuery has it, table/view/routine/
row-policy comparison, grant targets, locations, the SQL a dry run reads, and exit codes. The calls
to GCP are in ``test_live_fakes.py``."""

from __future__ import annotations

import json

import pytest

from meshplane.live.acl import compare_entries, describe, entry_key, why_extra, why_missing
from meshplane.live.bigquery_reads import ApiError
from meshplane.live.compare import compare_routine, compare_row_policies, compare_table
from meshplane.live.findings import (BLOCKING, DRIFT, EXIT_BLOCKING, EXIT_DRIFT, EXIT_INCOMPLETE, EXIT_LEAK,
                                     EXIT_OK, LEAK, OK, UNCHECKED, Report, exit_code, verdict)
from meshplane.live.grants import Grant, ancestors, is_service_agent
from meshplane.live.preflight import check_platform, check_sources
from meshplane.live.queries import referenced_tables
from meshplane.live.render import render
from meshplane.live.sources import Source, location_matches

SA = "run-x@p.iam.gserviceaccount.com"


@pytest.mark.parametrize("planned, actual", [
    ({"role": "READER", "userByEmail": SA}, {"role": "roles/bigquery.dataViewer", "userByEmail": SA}),
    ({"role": "roles/bigquery.dataEditor", "iamMember": f"serviceAccount:{SA}"}, {"role": "WRITER", "userByEmail": SA}),
    ({"role": "OWNER", "userByEmail": "Deployer@X.example"}, {"role": "roles/bigquery.dataOwner", "userByEmail": "deployer@x.example"}),
    ({"role": "READER", "iamMember": "group:a@x.example"}, {"role": "READER", "groupByEmail": "a@x.example"}),
    ({"authorizedDataset": {"dataset": {"projectId": "p", "datasetId": "v"}, "targetTypes": ["VIEWS"]}},
     {"dataset": {"dataset": {"projectId": "p", "datasetId": "v"}, "targetTypes": ["VIEWS"]}}),
])
def test_entries_equal_as_bigquery_has_them(planned, actual):
    assert entry_key(planned) == entry_key(actual)
    assert compare_entries([planned], [actual]) == ([], [])


@pytest.mark.parametrize("planned, actual", [
    ({"role": "READER", "userByEmail": SA}, {"role": "WRITER", "userByEmail": SA}),
    ({"role": "READER", "groupByEmail": "a@x.example"}, {"role": "READER", "userByEmail": "a@x.example"}),
    ({"role": "READER", "userByEmail": SA}, {"role": "roles/bigquery.metadataViewer", "userByEmail": SA}),
])
def test_entries_that_differ(planned, actual):
    assert compare_entries([planned], [actual]) == ([entry_key(actual)], [entry_key(planned)])


@pytest.mark.parametrize("entry, says", [
    ({"role": "READER", "specialGroup": "projectReaders"}, "project-role default: every project Viewer"),
    ({"role": "WRITER", "specialGroup": "projectWriters"}, "project-role default: every project Editor"),
    ({"role": "READER", "specialGroup": "allAuthenticatedUsers"}, "public access"),
    ({"role": "READER", "iamMember": "allUsers"}, "public access"),
    ({"role": "READER", "userByEmail": "someone@x.example"}, "manual (console) grant"),
    ({"view": {"projectId": "p", "datasetId": "d", "tableId": "v"}}, "authorization the plan does not make"),
])
def test_why_an_extra_entry_leaks(entry, says):
    assert says in why_extra(entry_key(entry))


@pytest.mark.parametrize("entry, says", [
    ({"role": "READER", "userByEmail": SA}, "broken consumer"),
    ({"routine": {"projectId": "p", "datasetId": "c", "routineId": "erase_subject"}}, "authorized routine lost"),
    ({"authorizedDataset": {"dataset": {"projectId": "p", "datasetId": "v"}}}, "interface views lost"),
])
def test_what_a_missing_entry_breaks(entry, says):
    assert says in why_missing(entry_key(entry))
    assert describe(entry_key(entry))


SCHEMA = [{"name": "id", "type": "STRING", "mode": "REQUIRED"},
          {"name": "email", "type": "STRING", "policyTags": {"names": ["projects/g/locations/eu/taxonomies/1/policyTags/2"]}},
          {"name": "n", "type": "INT64"}]
TABLE = {"schema": json.dumps(SCHEMA), "timePartitioning": {"field": "d", "type": "DAY", "expirationMs": 8.64e7},
         "encryptionConfiguration": {"kmsKeyName": "projects/k/locations/europe/keyRings/r/cryptoKeys/c"}}
ACTUAL = {"schema": {"fields": [{**f, "type": "INTEGER"} if f["name"] == "n" else f for f in SCHEMA]},
          "timePartitioning": {"field": "d", "type": "DAY", "expirationMs": "86400000"},
          "encryptionConfiguration": {"kmsKeyName": "projects/k/locations/europe/keyRings/r/cryptoKeys/c/cryptoKeyVersions/3"}}


def _without_tag(fields):
    return [{k: v for k, v in f.items() if k != "policyTags"} for f in fields]


@pytest.mark.parametrize("change, kind, status, says", [
    ({"schema": {"fields": _without_tag(SCHEMA)}}, "policy tag", LEAK, "lost policy tag"),
    ({"schema": {"fields": SCHEMA[:2]}}, "schema", DRIFT, "column n is missing"),
    ({"schema": {"fields": [*SCHEMA, {"name": "extra", "type": "STRING"}]}}, "schema", DRIFT, "not in the plan"),
    ({"schema": {"fields": [{**SCHEMA[0], "type": "BYTES"}, *SCHEMA[1:]]}}, "schema", DRIFT, "is BYTES, planned STRING"),
    ({"timePartitioning": {"field": "d", "type": "MONTH", "expirationMs": "86400000"}}, "partitioning", DRIFT, "MONTH"),
    ({"timePartitioning": {"field": "d", "type": "DAY"}}, "partitioning", DRIFT, "expiration is none"),
    ({"timePartitioning": None}, "partitioning", DRIFT, "not partitioned"),
    ({"encryptionConfiguration": None}, "encryption", DRIFT, "Google-managed key"),
])
def test_table_differences(change, kind, status, says):
    assert compare_table(TABLE, ACTUAL) == []
    [(found_kind, message, found_status)] = compare_table(TABLE, {**ACTUAL, **change})
    assert (found_kind, found_status) == (kind, status) and says in message


VIEW = {"view": {"query": "SELECT id\nFROM `p.d.t`"}, "schema": json.dumps([{"name": "id", "type": "STRING",
                                                                             "mode": "REQUIRED"}])}


def test_view_differences():
    actual = {"view": {"query": "SELECT id  \nFROM `p.d.t`\n"}, "schema": {"fields": [{"name": "id", "type": "STRING",
                                                                                          "mode": "NULLABLE"}]}}
    assert compare_table(VIEW, actual) == []  # trailing blanks; a view reads back NULLABLE
    changed = {**actual, "view": {"query": "SELECT id, secret FROM `p.d.t`"}}
    assert [k for k, _, s in compare_table(VIEW, changed)] == ["view query"]


def test_routine_differences():
    planned = {"definitionBody": "BEGIN\n  SELECT 1;\nEND", "routineType": "PROCEDURE"}
    assert compare_routine(planned, {**planned}) == []
    assert [k for k, _, _ in compare_routine(planned, {**planned, "definitionBody": "BEGIN SELECT 2; END"})] == ["routine body"]


def _policy(pid, predicate):
    return {"rowAccessPolicyReference": {"policyId": pid}, "filterPredicate": predicate}


PLANNED_ROWS = {"eu": {"filterPredicate": "country = 'NL'"}, "all": {"filterPredicate": "TRUE"}}


@pytest.mark.parametrize("actual, expected", [
    ([_policy("eu", "country = 'NL'"), _policy("all", "TRUE")], []),
    ([_policy("all", "TRUE")], [("eu", DRIFT)]),
    ([], [("all", LEAK), ("eu", LEAK)]),
    ([_policy("eu", "TRUE"), _policy("all", "TRUE")], [("eu", LEAK)]),  # widened
    ([_policy("eu", "country = 'NL' AND FALSE"), _policy("all", "TRUE")], [("eu", LEAK)]),  # not provably narrower
    ([_policy("eu", "country = 'NL'"), _policy("all", "TRUE"), _policy("console", "TRUE")], [("console", LEAK)]),
])
def test_row_policy_differences(actual, expected):
    assert [(pid, status) for pid, _, status in compare_row_policies(PLANNED_ROWS, actual)] == expected


def test_row_policy_grantees():
    from meshplane.live.compare import compare_grantees

    planned = ["group:EU-Analysts@daff.example", "serviceAccount:run-x@p.iam.gserviceaccount.com"]
    assert compare_grantees(planned, {"group:eu-analysts@daff.example",
                                      "serviceAccount:run-x@p.iam.gserviceaccount.com"}) == []
    assert [s for _, s in compare_grantees(planned, {"group:eu-analysts@daff.example", "allUsers"})] == [LEAK, DRIFT]


@pytest.mark.parametrize("email, agent", [
    ("service-123@gcp-sa-dataplex.iam.gserviceaccount.com", True),
    ("bq-123@bigquery-encryption.iam.gserviceaccount.com", True),
    ("service-123@serverless-robot-prod.iam.gserviceaccount.com", True),
    ("project-123@storage-transfer-service.iam.gserviceaccount.com", True),
    ("run-x@daff-prod-x.iam.gserviceaccount.com", False),
])
def test_service_agents_are_told_apart(email, agent):
    assert is_service_agent(email) is agent


@pytest.mark.parametrize("grant, projects, where", [
    (Grant("m", "r", "//bigquery.googleapis.com/projects/ops/datasets/d", "ops"), set(),
     "//bigquery.googleapis.com/projects/ops/datasets/d"),
    (Grant("m", "r", "//bigquery.googleapis.com/projects/a/datasets/d", "a", True), set(),
     "//cloudresourcemanager.googleapis.com/projects/a"),
    (Grant("m", "r", "//bigquery.googleapis.com/projects/a/datasets/d", "a", True), {"a"},
     "//cloudresourcemanager.googleapis.com/organizations/42"),
])
def test_grantable_roles_are_asked_where_the_resource_exists(grant, projects, where):
    assert ancestors(grant, "42", projects) == [where]


def test_a_bucket_the_stack_creates_is_asked_about_on_its_project():
    """A grant on the landing bucket of an S3 port: the bucket does not exist before the first ``up``."""
    from types import SimpleNamespace

    from meshplane.live.expected import expected_state
    from meshplane.live.grants import plan_grants

    bucket = {"name": "p-in-x", "project": "p", "location": "EU"}
    grant = {"bucket": "p-in-x", "role": "roles/storage.objectViewer", "member": "group:g@x.example"}
    other = {"bucket": "elsewhere", "role": "roles/storage.objectViewer", "member": "group:g@x.example"}
    registrations = [SimpleNamespace(type="gcp:storage/bucket:Bucket", inputs=bucket, urn="b"),
                     *(SimpleNamespace(type="gcp:storage/bucketIAMMember:BucketIAMMember", inputs=i, urn="g")
                       for i in (grant, other))]
    grants = plan_grants(registrations, expected_state(registrations))
    assert [(g.resource.rsplit("/", 1)[1], g.project, g.created) for g in grants] == [
        ("elsewhere", "", False), ("p-in-x", "p", True)]
    assert ancestors(grants[1], "42", set()) == ["//cloudresourcemanager.googleapis.com/projects/p"]


@pytest.mark.parametrize("location, name, matches", [
    ("EU", "projects/s/locations/europe/keyRings/r/cryptoKeys/k", True),
    ("EU", "projects/g/locations/eu/taxonomies/1/policyTags/2", True),
    ("EU", "projects/s/locations/us/keyRings/r/cryptoKeys/k", False),
    ("europe-west1", "projects/s/locations/europe-west1/keyRings/r/cryptoKeys/k", True),
    ("europe-west1", "projects/s/locations/europe/keyRings/r/cryptoKeys/k", False),
    ("US", "projects/g/locations/us/dataPolicies/d", True),
    ("EU", "projects/g/locations/europe/taxonomies/1/policyTags/2", False),  # placement: a taxonomy is in eu
    ("EU", "projects/s/locations/eu/keyRings/r/cryptoKeys/k", False),  # a key is in europe
])
def test_platform_resources_must_be_in_the_data_location(location, name, matches):
    assert location_matches(location, name) is matches


class Answers:
    """What ``RestReads`` answers, from a table: buckets (name -> has an object under the prefix),
    resources that exist, names whose read fails."""

    def __init__(self, buckets=None, resources=(), broken=()):
        self.buckets, self.resources, self.broken = buckets or {}, set(resources), set(broken)

    def prefix_objects(self, bucket, prefix):
        if bucket in self.broken:
            raise ApiError("HTTP 403: denied")
        return self.buckets.get(bucket)

    def resource(self, service, name):
        if name in self.broken:
            raise ApiError("HTTP 503: unavailable")
        return {"name": name} if name in self.resources else None


KEY, TAG = "projects/s/locations/europe/keyRings/r/cryptoKeys/k", "projects/g/locations/eu/taxonomies/1/policyTags/2"
POLICY = "projects/g/locations/eu/dataPolicies/d"


@pytest.mark.parametrize("answers, statuses", [
    (Answers(resources={KEY, TAG, POLICY}), [(OK, False)] * 3),
    (Answers(resources={TAG}), [(BLOCKING, False), (OK, False), (BLOCKING, False)]),
    (Answers(resources={TAG, POLICY}, broken={KEY}), [(UNCHECKED, True), (OK, False), (OK, False)]),
])
def test_platform_config_findings(answers, statuses):
    report = Report("preflight", "s")
    check_platform([("KMS key", "EU", KEY), ("policy tag", "EU", TAG), ("data policy", "EU", POLICY)], answers, report)
    assert [(f.resource, f.status, f.failed) for f in report.findings] == [
        (name, *status) for name, status in zip((KEY, TAG, POLICY), statuses)]
    assert all("does not exist" in f.message for f in report.findings if f.status == BLOCKING)


def test_a_platform_resource_in_another_location_blocks_without_a_call():
    report = Report("preflight", "s")
    elsewhere = "projects/s/locations/us/keyRings/r/cryptoKeys/k"
    check_platform([("KMS key", "EU", elsewhere)], Answers(broken={elsewhere}), report)
    [finding] = report.findings
    assert (finding.status, finding.failed) == (BLOCKING, False) and "another location" in finding.message


GCS, TOPIC = Source("d.p", "raw", "gcs_prefix", "gs://b/x/"), Source("d.p", "events", "pubsub_topic", "projects/p/topics/t")


@pytest.mark.parametrize("answers, statuses, says", [
    (Answers({"b": True}, {"projects/p/topics/t"}), [(OK, False), (OK, False)], ["objects are under", "exists"]),
    (Answers({"b": False}), [(UNCHECKED, False), (BLOCKING, False)], ["no object is under the prefix",
                                                                     "topic does not exist"]),
    (Answers({}), [(BLOCKING, False), (BLOCKING, False)], ["gs://b does not exist", "topic does not exist"]),
    (Answers(broken={"b", "projects/p/topics/t"}), [(UNCHECKED, True)] * 2, ["HTTP 403", "HTTP 503"]),
])
def test_bucket_and_topic_findings(answers, statuses, says):
    report = Report("preflight", "s")
    check_sources([GCS, TOPIC], bq=None, rest=answers, report=report)
    assert [(f.resource, f.status, f.failed) for f in report.findings] == [
        (s.address, *status) for s, status in zip((GCS, TOPIC), statuses)]
    assert all(said in f.message for f, said in zip(report.findings, says))


def test_an_s3_source_is_left_to_s3_preflight():
    report = Report("preflight", "s")
    check_sources([Source("d.p", "statements", "s3", "s3://b/x/", "serviceAccount:r@p.iam.gserviceaccount.com")],
                  bq=None, rest=None, report=report)
    [finding] = report.findings
    assert (finding.resource, finding.status, finding.failed) == ("s3://b/x/", UNCHECKED, False)
    assert "meshplane s3-preflight" in finding.message


@pytest.mark.parametrize("sql, tables", [
    ("SELECT a FROM `p-1.d.t` AS x JOIN d2.t2 USING (a)", [("dflt", "d2", "t2"), ("p-1", "d", "t")]),
    ("WITH w AS (SELECT 1 AS a) SELECT * FROM w, `q`.`ds`.`tb`", [("q", "ds", "tb")]),
    ("SELECT column_name FROM `p`.`d`.INFORMATION_SCHEMA.COLUMNS", []),
])
def test_tables_a_query_reads(sql, tables):
    assert referenced_tables(sql, "dflt") == tables


def test_sql_sqlglot_cannot_parse_is_left_to_the_dry_run():
    assert referenced_tables("SELECT FROM WHERE (", "dflt") is None


@pytest.mark.parametrize("statuses, failed, code, says", [
    ([OK, UNCHECKED], False, EXIT_OK, "conformant"),
    ([OK, DRIFT], False, EXIT_DRIFT, "DRIFT"),
    ([DRIFT, LEAK], False, EXIT_LEAK, "LEAK"),
    ([OK, UNCHECKED], True, EXIT_INCOMPLETE, "INCOMPLETE"),
    ([DRIFT, UNCHECKED], True, EXIT_DRIFT, "DRIFT"),
    ([BLOCKING, UNCHECKED], True, EXIT_BLOCKING, "would fail"),
])
def test_exit_codes_and_verdicts(statuses, failed, code, says):
    report = Report("audit", "s")
    for i, status in enumerate(statuses):
        report.add("k", f"r{i}", "m", status, failed=failed and status == UNCHECKED)
    assert exit_code(report) == code and says in verdict(report)
    assert (code == EXIT_INCOMPLETE) <= ("conformant" not in verdict(report))


def test_formats():
    report = Report("audit", "s")
    report.add("dataset access", "p.d", "extra entry READER a|b", LEAK)
    report.add("table", "p.d.t", "as planned", OK)
    report.add("view", "p.d.v", "could not be read", UNCHECKED, failed=True)
    text = render(report, "text")
    assert "LEAK" in text and "as planned" not in text and "(API error)" in text
    assert "as planned" in render(report, "text", verbose=True)
    assert "a\\|b" in render(report, "markdown")
    document = json.loads(render(report, "json"))
    assert document["exitCode"] == EXIT_LEAK and document["incomplete"] is True and len(document["findings"]) == 3
