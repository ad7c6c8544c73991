"""Observability of SLOs: a scheduled Dataplex data-quality scan per output port major, and an alert.

* One ``gcp.dataplex.Datascan`` per port major on the port table (``data.resource`` =
  ``//bigquery.googleapis.com/projects/<p>/datasets/<d>/tables/<t>``), id ``dq-<product>-<port>-v<major>``
  (lowercase, '-', at most 63 characters, stable). Rules and schedule: ``datascan_rules``; a SQL rule
  reads that same table as ```<p>.<d>.<t>``` (no row filter or sampling is set, so Dataplex's
  ``${data()}`` would read the same rows). Dataplex runs in a region: for a multi-region (EU, US) pass
  the job region, which lies within it.
* Results are published with ``catalog_publishing_enabled``: the latest result becomes metadata of the
  table's Dataplex Catalog entry, where the mesh plane reads it (Catalog API, no stack access); every
  job's result also stays readable through ``dataScans.jobs.get`` (view FULL). No BigQuery export table
  is created (it would need a results dataset the mesh plane owns).
* Failures alert like job failures: a log-based counter metric (in the product's project) counts the
  data-scan log entries of these scans that either failed to run or ran with a failed rule; an alert
  policy (in the notification channels' project, like the dbt job's) fires on any count. The log filter
  is ``FAILED_SCANS_FILTER`` below; it follows Dataplex's documented data-scan log fields but is
  **unverified here** (mocks do not evaluate filters).
* The scans run as the Dataplex service agent (the product's ``Identity``), which reads each scanned
  port table (BigQuery dataViewer on that table only), sees all its rows (the product puts it in the
  ``TRUE`` row policy of a port with row filters) and, when a column a rule reads carries a policy
  tag, reads the tag's raw values (fine-grained reader: a masked value could count as NULL). Its
  grants wait for ``Identity.ready``; the alert waits for the metric and the metrics scope.
  Retired ⇒ no Observability.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ..product import standards
from ..sql.datascan_rules import quality_rules, scan_cron, scan_id
from ..declaration.model import OutputPort as OutputPortDeclaration
from . import roles
from .alerting import alert_project, failure_alert, metrics_scope
from .options import child, component_token, grant_child

SCAN_LOG = "dataplex.googleapis.com%2Fdata_scan"
METRIC_PREFIX = "logging.googleapis.com/user/"


@dataclass
class ObservabilityArgs:
    """Where the scans run, which port tables they read, and whom failures alert."""

    project: str
    location: str  # a region (the job region for multi-region data)
    product: str  # the product's name (slug), used in scan ids
    product_id: str  # '<domain>.<name>', used in descriptions
    ports: list[tuple[OutputPortDeclaration, str]]  # (declaration, table resource name)
    labels: dict[str, str]
    agent: pulumi.Input[str]  # serviceAccount:<the project's Dataplex service agent> (Identity's)
    notification_channels: list[str] = field(default_factory=list)
    metrics_scope: pulumi.Resource | None = None  # DbtJob.metrics_scope when one exists already
    runbook_url: str | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # dataplex, logging, monitoring APIs
    tables: list[pulumi.Resource] = field(default_factory=list)  # the scanned tables: only scans wait for them
    scanned_tags: list[str] = field(default_factory=list)  # policy tags of the columns the rules read
    ready: list[pulumi.Resource] = field(default_factory=list)  # Identity.ready: the agent is usable


class Observability(pulumi.ComponentResource):
    """The data-quality scans of a product's ports, their failure metric and alert policy."""

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("Observability"), name, None, opts)
        self.alerting_project = alert_project(args.notification_channels, args.project)
        self.agent_grants = [self._agent_reads(name, args, port, table) for port, table in args.ports]
        self.agent_tag_grants = [gcp.datacatalog.PolicyTagIamMember(
            f"{name}-dataplex-tag-{standards.resource_key(tag.rsplit('/', 3)[-3], tag.rsplit('/', 1)[-1])}",
            policy_tag=tag, role=roles.CATEGORY_FINE_GRAINED_READER, member=args.agent,
            opts=grant_child(self, depends_on=args.ready)) for tag in args.scanned_tags]
        self.scans = {(port.name, port.major): self._scan(name, args, port, table)
                      for port, table in args.ports}
        self.scan_ids = [scan_id(args.product, port.name, port.major) for port, _ in args.ports]
        self.metric = self._metric(name, args)
        self.metrics_scope = args.metrics_scope or metrics_scope(
            name, self, self.alerting_project, args.project, args.depends_on)
        self.alert = self._alert(name, args)
        self.register_outputs({"scan_ids": self.scan_ids})

    def _agent_reads(self, name: str, args: ObservabilityArgs, port: OutputPortDeclaration,
                     table: str) -> gcp.bigquery.IamMember:
        """The Dataplex agent reads the scanned port table, and nothing else (narrowest scope)."""
        project, dataset, table_id = _table_parts(table)
        return gcp.bigquery.IamMember(
            f"{name}-{port.name}-v{port.major}-dataplex-read", project=project, dataset_id=dataset,
            table_id=table_id, role=roles.BIGQUERY_DATA_VIEWER, member=args.agent,
            opts=grant_child(self, depends_on=[*args.ready, *args.tables]))  # named by id: the table must exist first

    def _scan(self, name: str, args: ObservabilityArgs, port: OutputPortDeclaration,
              table: str) -> gcp.dataplex.Datascan:
        sid = scan_id(args.product, port.name, port.major)
        return gcp.dataplex.Datascan(
            f"{name}-{port.name}-v{port.major}", project=args.project, location=args.location,
            data_scan_id=sid, display_name=f"{args.product_id} {port.name} v{port.major} SLOs",
            description=f"SLOs of output port {port.name} v{port.major} of {args.product_id}.",
            labels=args.labels, data=gcp.dataplex.DatascanDataArgs(resource=table),
            execution_spec=gcp.dataplex.DatascanExecutionSpecArgs(
                trigger=gcp.dataplex.DatascanExecutionSpecTriggerArgs(
                    schedule=gcp.dataplex.DatascanExecutionSpecTriggerScheduleArgs(
                        cron=scan_cron(sid, port.slos.freshness)))),
            data_quality_spec=gcp.dataplex.DatascanDataQualitySpecArgs(
                rules=[rule_args(r) for r in quality_rules(port, ".".join(_table_parts(table)))],
                catalog_publishing_enabled=True),
            opts=child(self, depends_on=[*args.depends_on, *args.tables]))

    def _metric(self, name: str, args: ObservabilityArgs) -> gcp.logging.Metric:
        return gcp.logging.Metric(
            f"{name}-failed-scans", project=args.project, name=metric_name(args.product),
            description=f"Failed data-quality scans of {args.product_id} (not run, or a rule failed).",
            filter=failed_scans_filter(args.project, self.scan_ids),
            metric_descriptor=gcp.logging.MetricMetricDescriptorArgs(
                metric_kind="DELTA", value_type="INT64",
                labels=[gcp.logging.MetricMetricDescriptorLabelArgs(
                    key="datascan_id", value_type="STRING", description="The failed scan.")]),
            label_extractors={"datascan_id": "EXTRACT(resource.labels.datascan_id)"},
            opts=child(self, depends_on=args.depends_on))

    def _alert(self, name: str, args: ObservabilityArgs) -> gcp.monitoring.AlertPolicy:
        scope = [self.metrics_scope] if self.metrics_scope else []
        return failure_alert(
            f"{name}-slo-failed", self, project=self.alerting_project,
            display_name=f"SLO scan of {args.product_id} failed",
            condition=f"Failed data-quality scans of {args.product_id}",
            metric_filter=f'metric.type = "{METRIC_PREFIX}{metric_name(args.product)}" AND project = "{args.project}"',
            channels=args.notification_channels, documentation=alert_documentation(args),
            runbook_url=args.runbook_url, labels=args.labels, depends_on=args.depends_on,
            wait_for={f"metric {metric_name(args.product)}": self.metric,
                      **({f"scope {self.alerting_project}": self.metrics_scope} if scope else {})})


def metric_name(product: str) -> str:
    """The log-based metric's name: ``meshplane/dq_failed/<product>``."""
    return f"meshplane/dq_failed/{product}"


def failed_scans_filter(project: str, scan_ids: list[str]) -> str:
    """Log entries of these scans that failed to run or ran with a failed rule (unverified live)."""
    ids = " OR ".join(f'resource.labels.datascan_id="{s}"' for s in sorted(scan_ids))  # order-free
    return " AND ".join((
        f'logName="projects/{project}/logs/{SCAN_LOG}"', 'resource.type="dataplex.googleapis.com/DataScan"',
        f"({ids})", '(labels."dataplex.googleapis.com/data_scan_state"="FAILED" OR '
        'jsonPayload.dataQuality.passed=false)'))


def rule_args(rule: dict) -> gcp.dataplex.DatascanDataQualitySpecRuleArgs:
    """A ``datascan_rules`` dict as the provider's rule args."""
    nested = {"table_condition_expectation": gcp.dataplex.DatascanDataQualitySpecRuleTableConditionExpectationArgs,
              "non_null_expectation": gcp.dataplex.DatascanDataQualitySpecRuleNonNullExpectationArgs,
              "sql_assertion": gcp.dataplex.DatascanDataQualitySpecRuleSqlAssertionArgs,
              "uniqueness_expectation": gcp.dataplex.DatascanDataQualitySpecRuleUniquenessExpectationArgs}
    return gcp.dataplex.DatascanDataQualitySpecRuleArgs(
        **{k: nested[k](**v) if k in nested else v for k, v in rule.items()})


def alert_documentation(args: ObservabilityArgs) -> str:
    where = f"--location {args.location} --project {args.project}"
    return (f"A data-quality scan of data product **{args.product_id}** failed to run or found an SLO "
            f"breach (freshness, completeness, an empty port table or a declared quality check). The failing "
            f"scan is the metric's `datascan_id` label.\n\nRunbook: "
            f"`gcloud dataplex datascans jobs list --datascan <id> {where}`, "
            f"then `gcloud dataplex datascans jobs describe <job> --datascan <id> {where} --view FULL` "
            f"for the failed rules; usually the dbt job did not refresh the port table.")


def _table_parts(path: str) -> tuple[str, str, str]:
    """``//bigquery.googleapis.com/projects/P/datasets/D/tables/T`` as (P, D, T)."""
    parts = path.removeprefix("//bigquery.googleapis.com/").split("/")
    return parts[1], parts[3], parts[5]
