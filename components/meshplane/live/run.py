"""A stack's plan and a pair of clients in, a preflight or audit report out."""

from __future__ import annotations

from .audit import run_audit
from .bigquery_reads import BigQueryReads
from .expected import expected_state
from .findings import Report
from .grants import members, plan_grants
from .iam_reads import IamReads
from .preflight import (check_platform, check_principals, check_queries, check_roles, check_sources,
                        first_up_runners)
from .rest_reads import RestReads
from .sources import platform_resources, stack_sources


def real_numbers(state) -> frozenset[str]:
    """The project numbers a deployed stack's state confirms (none without one)."""
    from ..gcpmodel.state import project_numbers

    return frozenset(project_numbers(state).values()) if state else frozenset()


def preflight_report(plan, clients) -> Report:
    """Every preflight check of the planned stack (made against a deployed state, ``plan.state``, if any)."""
    registrations = plan.inventory.registrations
    expected = expected_state(registrations, numbers=real_numbers(plan.state))
    bq, iam = BigQueryReads(clients.bigquery), IamReads(clients.iam)
    report = Report("preflight", plan.stack)
    sources = list(stack_sources(plan.mesh, plan.settings))
    rest = RestReads(clients.rest)
    check_sources(sources, bq, rest, report, first_up_runners(sources, expected, iam))
    grants = plan_grants(registrations, expected)
    check_principals(members(registrations, grants), expected, iam, report)
    check_roles(grants, plan.settings.platform.organization_id, expected, iam, report)
    locations = {d.location for d in expected.datasets.values() if d.location}
    check_platform(platform_resources(plan.settings, locations), rest, report)
    check_queries(expected, bq, report)
    return report


def audit_report(plan, clients) -> Report:
    """The deployed state of the stack's datasets, tables, views, routines and row policies (against the
    plan made with a deployed state, ``plan.state``, if any)."""
    expected = expected_state(plan.inventory.registrations, numbers=real_numbers(plan.state))
    return run_audit(expected, BigQueryReads(clients.bigquery), Report("audit", plan.stack))


def billing_project(plan) -> str:
    """A project of the stack to create the clients in (dry runs name their own project)."""
    expected = expected_state(plan.inventory.registrations)
    return next(iter(sorted(expected.projects)), None) or next((p for p, _ in sorted(expected.datasets)), "")
