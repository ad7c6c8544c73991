"""Alerting shared by the dbt job and the SLO scans: where the alert policy lives, the product's
project in that project's metrics scope, and one failure alert on a counter.

An alert policy notifies channels of its own project only: it lives in the one project of the
platform's notification channels (else the product's), and that project's metrics scope must
include the product's project for the policy to see its metrics. A new log-based metric or
metrics-scope entry is unknown to the alerting API for a while (TPG #11102: "Cannot find
metric(s)"), so the policy waits after them.
"""

from __future__ import annotations

import re

import pulumi
import pulumi_gcp as gcp

from . import waits
from .options import child

_CHANNEL = re.compile(r"^projects/([a-z][a-z0-9-]{4,28}[a-z0-9])/notificationChannels/[0-9]+$")


def alert_project(channels: list[str], project: str) -> str:
    """Where the alert policy lives: the one project of its channels, else the product's project."""
    bad = [c for c in channels if not _CHANNEL.match(c)]
    if bad:
        raise ValueError(f"not notification channels: {', '.join(bad)}; expected "
                         "projects/<project>/notificationChannels/<number>")
    projects = sorted({_CHANNEL.match(c).group(1) for c in channels})
    if len(projects) > 1:
        raise ValueError(f"notification channels in several projects ({', '.join(projects)}): an alert "
                         "policy notifies channels of its own project only; expected one project")
    return projects[0] if projects else project


def metrics_scope(name: str, parent: pulumi.Resource, alerting_project: str, project: str,
                  depends_on: list[pulumi.Resource]) -> gcp.monitoring.MonitoredProject | None:
    """The product's project in the alerting project's metrics scope, so the policy sees its metrics."""
    if alerting_project == project:
        return None
    return gcp.monitoring.MonitoredProject(
        f"{name}-metrics-scope", metrics_scope=alerting_project, name=project,
        opts=child(parent, depends_on=depends_on))


def failure_alert(name: str, parent: pulumi.Resource, *, project: str, display_name: str, condition: str,
                  metric_filter: str, channels: list[str], documentation: str, runbook_url: str | None,
                  labels: dict[str, str], depends_on: list[pulumi.Resource],
                  wait_for: dict[str, pulumi.Resource] | None = None) -> gcp.monitoring.AlertPolicy:
    """An alert on any count of ``metric_filter`` in five minutes, to ``channels``, closed after 30 minutes;
    created a while after ``wait_for`` (a new metric, a metrics-scope entry, by what names them)."""
    if wait_for:
        depends_on = [*depends_on, waits.wait(f"{name}-propagation", parent, list(wait_for.values()), waits.METRICS,
                                              {key: key for key in wait_for})]  # another one waits again
    threshold = gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
        filter=metric_filter, comparison="COMPARISON_GT", threshold_value=0, duration="0s",
        aggregations=[gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
            alignment_period="300s", per_series_aligner="ALIGN_SUM")],
        trigger=gcp.monitoring.AlertPolicyConditionConditionThresholdTriggerArgs(count=1))
    links = [gcp.monitoring.AlertPolicyDocumentationLinkArgs(display_name="Runbook", url=runbook_url)
             ] if runbook_url else None
    return gcp.monitoring.AlertPolicy(
        name, project=project, display_name=display_name, combiner="OR", severity="ERROR",
        conditions=[gcp.monitoring.AlertPolicyConditionArgs(display_name=condition, condition_threshold=threshold)],
        notification_channels=list(channels),
        alert_strategy=gcp.monitoring.AlertPolicyAlertStrategyArgs(auto_close="1800s"),
        documentation=gcp.monitoring.AlertPolicyDocumentationArgs(
            mime_type="text/markdown", content=documentation, links=links),
        user_labels=labels, opts=child(parent, depends_on=depends_on))
