"""The SLO scans: rules from the declared SLOs, the scan schedule, the Datascan inputs, the alert.

What mocks cannot prove: that Dataplex accepts the rules (SQL expressions are checked by BigQuery only
when a scan runs) and offers data scans in the location; that the Dataplex service agent may read the
port table; that catalog publishing makes the result visible where the mesh plane looks; that the
log filter matches real data-scan log entries (field names follow Dataplex's documentation, unverified
here) or the log-based metric reaches the alerting project's metrics scope.
"""

from __future__ import annotations

import pytest

from components_support import LABELS, PID, of_type, run
from meshplane.sql.datascan_rules import quality_rules, scan_cron, scan_id, scan_period_hours
from meshplane.declaration.model import OutputPort
from meshplane.declaration.quality import QualityRule
from meshplane.gcp.observability import (
    Observability, ObservabilityArgs, failed_scans_filter, metric_name,
)

MODES = pytest.mark.parametrize("preview", [False, True])
SCAN = "gcp:dataplex/datascan:Datascan"
METRIC = "gcp:logging/metric:Metric"
ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
MONITORED_PROJECT = "gcp:monitoring/monitoredProject:MonitoredProject"
REGION = "europe-west1"
TABLE = f"//bigquery.googleapis.com/projects/{PID}/datasets/top_forty_internal/tables/top_forty_v1"
SQL_TABLE = f"{PID}.top_forty_internal.top_forty_v1"  # the same table, as SQL names it
FRESHNESS_SQL = ("IFNULL(TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), MAX(`processing_time`), SECOND) <= 93600, "
                 "FALSE)")
ROW_COUNT = {"name": "row-count", "dimension": "VOLUME", "description": "The port table is not empty.",
             "table_condition_expectation": {"sql_expression": "COUNT(*) > 0"}}


def port(**slos) -> OutputPort:
    return OutputPort.model_validate({
        "name": "top_forty", "version": "1.7.2", "description": "One row per week and position.",
        "slos": slos, "schema": [
            {"name": "chart_week", "type": "DATE", "required": True, "role": "actualTime"},
            {"name": "track_id", "type": "STRING", "required": True},
            {"name": "note", "type": "STRING"},
            {"name": "processing_time", "type": "TIMESTAMP", "required": True, "role": "processingTime"}]})


def build(**overrides) -> Observability:
    args = {"project": PID, "location": REGION, "product": "top-forty", "product_id": "charts.top-forty",
            "ports": [(port(freshness="PT26H", completeness=0.99), TABLE)], "labels": LABELS,
            "agent": "serviceAccount:service-1@gcp-sa-dataplex.iam.gserviceaccount.com"}
    return Observability("obs", ObservabilityArgs(**{**args, **overrides}))


def test_rules_follow_the_slos():
    rules = quality_rules(port(freshness="PT26H", completeness=0.99), SQL_TABLE)
    assert rules == [
        {"name": "freshness", "dimension": "FRESHNESS",
         "description": "Newest processing_time is at most PT26H (93600 s) old.",
         "table_condition_expectation": {"sql_expression": FRESHNESS_SQL}},
        *[{"name": f"completeness-{c.replace('_', '-')}", "dimension": "COMPLETENESS", "column": c,
           "description": f"At least 0.99 of the rows have a non-null {c}.",
           "non_null_expectation": {}, "threshold": 0.99}
          for c in ("chart_week", "track_id", "processing_time")],
        ROW_COUNT]


def test_without_slos_only_the_row_count_is_checked_daily():
    assert quality_rules(port(), SQL_TABLE) == [ROW_COUNT]
    assert scan_period_hours(None) == 24 and len(scan_cron("x", None).split()[1].split(",")) == 1


@pytest.mark.parametrize("freshness, hours", [("PT1H", 1), ("PT26H", 6), ("PT8H", 2), ("P7D", 24),
                                              ("PT13H", 3)])
def test_scans_run_every_quarter_of_the_freshness_slo(freshness, hours):
    assert scan_period_hours(freshness) == hours
    minute, hour, *rest = scan_cron("dq-a-b-v1", freshness).split()
    assert rest == ["*", "*", "*"] and 0 <= int(minute) < 60
    assert (hour == "*") if hours == 1 else (len(hour.split(",")) == 24 // hours)


def test_scan_id_is_stable_short_and_valid():
    assert scan_id("top-forty", "top_forty", 1) == "dq-top-forty-top-forty-v1"
    long = scan_id("a" * 40, "b_" * 20, 12)
    assert len(long) <= 63 and long == scan_id("a" * 40, "b_" * 20, 12) and long[-1].isalnum()


@MODES
def test_scan_reads_the_port_table_on_schedule_and_publishes_results(preview):
    inv = run(build, preview)
    [scan] = of_type(inv, SCAN)
    sid = "dq-top-forty-top-forty-v1"
    rules = quality_rules(port(freshness="PT26H", completeness=0.99), SQL_TABLE)
    assert scan.inputs == {
        "project": PID, "location": REGION, "dataScanId": sid, "labels": LABELS,
        "displayName": "charts.top-forty top_forty v1 SLOs",
        "description": "SLOs of output port top_forty v1 of charts.top-forty.",
        "data": {"resource": TABLE},
        "executionSpec": {"trigger": {"schedule": {"cron": scan_cron(sid, "PT26H")}}},
        "dataQualitySpec": {"catalogPublishingEnabled": True, "rules": [wire(r) for r in rules]}}


def test_a_sql_rule_reads_the_table_the_scan_names_in_bigquery_sql():
    """No ``${data()}`` (Dataplex templating): the scans set no row filter or sampling, so the port
    table itself is the same rows, and the plan holds SQL that BigQuery (and any analyser) reads."""
    checked = port().model_copy(update={"quality": [QualityRule.model_validate(
        {"dimension": "accuracy", "description": "d", "rule": "sql",
         "query": "select * from {object} t where t.note::int < 0"})]})
    [scan] = of_type(run(lambda: build(ports=[(checked, TABLE)])), SCAN)
    assert scan.inputs["data"] == {"resource": TABLE} and "rowFilter" not in scan.inputs["dataQualitySpec"]
    assert "samplingPercent" not in scan.inputs["dataQualitySpec"]
    assert scan.inputs["dataQualitySpec"]["rules"][-1]["sqlAssertion"] == {"sqlStatement": (
        f"SELECT * FROM `{SQL_TABLE}` AS t WHERE CAST(t.note AS INT64) < 0")}


def wire(rule: dict) -> dict:
    """A rule dict as the engine receives it (camelCase keys)."""
    camel = {"table_condition_expectation": "tableConditionExpectation",
             "non_null_expectation": "nonNullExpectation", "sql_expression": "sqlExpression"}
    return {camel.get(k, k): wire(v) if isinstance(v, dict) else v for k, v in rule.items()}


@MODES
def test_failed_scans_are_counted_and_alerted_in_the_product_project(preview):
    inv = run(build, preview)
    [metric], [alert] = of_type(inv, METRIC), of_type(inv, ALERT)
    assert metric.inputs["project"] == PID and metric.inputs["name"] == metric_name("top-forty")
    assert metric.inputs["filter"] == failed_scans_filter(PID, ["dq-top-forty-top-forty-v1"])
    assert 'resource.labels.datascan_id="dq-top-forty-top-forty-v1"' in metric.inputs["filter"]
    assert metric.inputs["labelExtractors"] == {"datascan_id": "EXTRACT(resource.labels.datascan_id)"}
    condition = alert.inputs["conditions"][0]["conditionThreshold"]
    assert condition["filter"] == (f'metric.type = "logging.googleapis.com/user/meshplane/dq_failed/top-forty"'
                                   f' AND project = "{PID}"')
    wait = [r for r in inv.registrations if r.name == "obs-slo-failed-propagation"][0]
    assert alert.inputs["project"] == PID and metric.urn in wait.dependencies and wait.urn in alert.dependencies
    assert not of_type(inv, MONITORED_PROJECT)  # (a new metric is unknown to alerting for a while: TPG #11102)


def test_alert_lives_with_its_channels_and_reuses_a_given_metrics_scope():
    channel = "projects/daff-platform/notificationChannels/4711"
    [alert] = of_type(run(lambda: build(notification_channels=[channel])), ALERT)
    assert (alert.inputs["project"], alert.inputs["notificationChannels"]) == ("daff-platform", [channel])
    inv = run(lambda: build(notification_channels=[channel]))
    assert of_type(inv, MONITORED_PROJECT)[0].inputs == {"metricsScope": "daff-platform", "name": PID}

    def with_scope():
        import pulumi_gcp as gcp
        scope = gcp.monitoring.MonitoredProject("given", metrics_scope="daff-platform", name=PID)
        build(notification_channels=[channel], metrics_scope=scope)
    inv = run(with_scope)
    [scope] = of_type(inv, MONITORED_PROJECT)
    [wait] = [r for r in inv.registrations if r.name == "obs-slo-failed-propagation"]
    assert scope.name == "given" and scope.urn in wait.dependencies and wait.urn in of_type(inv, ALERT)[0].dependencies


def test_one_scan_per_port_major():
    v2 = port(freshness="PT1H").model_copy(update={"version": "2.0.0"})
    inv = run(lambda: build(ports=[(port(), TABLE), (v2, TABLE.replace("v1", "v2"))]))
    assert sorted(s.inputs["dataScanId"] for s in of_type(inv, SCAN)) == [
        "dq-top-forty-top-forty-v1", "dq-top-forty-top-forty-v2"]
