"""``meshplane preflight``: what would make ``pulumi up`` fail or misbehave, checked before it runs.

Sources the products read, upstream ports and their grants to this stack's runners, the principals
and roles the stack grants, the platform resources its config names, and a dry run of every view
query and row filter whose tables exist. Read-only; an API error makes a check ``unchecked``.
"""

from __future__ import annotations

from collections.abc import Iterable

from .acl import entry_key
from .compare import legacy_type
from .bigquery_reads import ApiError, BigQueryReads
from .exists import STORED, check_platform_resource, check_stored_source
from .expected import Expected
from .findings import BLOCKING, OK, UNCHECKED, Report
from .grants import Grant, ancestors, members_by_kind
from .iam_reads import IamReads
from .invented import is_invented
from .queries import dry_runs, referenced_tables
from .rest_reads import RestReads
from .sources import Source, location_matches


def first_up_runners(sources: Iterable[Source], expected: Expected, iam: IamReads) -> frozenset[str]:
    """The runners (``serviceAccount:x``) of the stack's products that the stack creates and that do not
    exist yet: its first ``up`` creates them (and their project), so no producer can have granted them."""
    out = set()
    for runner in {s.runner for s in sources if s.kind == "data_product"}:
        email = runner.partition(":")[2]
        try:
            if email in expected.accounts and not iam.service_account_exists(email):
                out.add(runner)
        except ApiError:
            continue  # the principal check reports the failed lookup
    return frozenset(out)


def check_sources(sources: Iterable[Source], bq: BigQueryReads, rest: RestReads, report: Report,
                  first_up: frozenset[str] = frozenset()) -> None:
    """Operational tables exist; upstream ports exist in their major, with the columns read and a grant
    to the reading runner (unless the runner is in ``first_up``: created by this stack's first ``up``,
    granted by the producer after it, docs/deploy.md); buckets and topics exist (``exists``); S3 sources
    are ``s3-preflight``'s."""
    for s in sources:
        where = f"{s.product} input {s.port}"
        if s.kind == "s3":
            report.add("input source", s.address, f"{where}: an Amazon S3 source: AWS is not read here; run "
                                                   "`meshplane s3-preflight --stack <stack>` (docs/s3.md)", UNCHECKED)
            continue
        if s.kind in STORED:
            check_stored_source(s, where, rest, report)
            continue
        try:
            if s.kind == "bigquery_table":
                _operational_table(s, where, bq, report)
            else:
                _upstream_port(s, where, bq, report, s.runner in first_up)
        except ApiError as exc:
            report.add("input source", s.address, f"{where}: could not be read: {exc}", UNCHECKED, failed=True)


def _operational_table(s: Source, where: str, bq: BigQueryReads, report: Report) -> None:
    table = bq.table(*s.address.split("."))
    if table is None:
        report.add("input source", s.address, f"{where}: the operational table does not exist", BLOCKING)
    else:
        count = len((table.get("schema") or {}).get("fields") or [])
        report.add("input source", s.address, f"{where}: exists ({count} columns; the declaration names no "
                                              "columns of an operational source, so none are compared)", OK)


def _upstream_port(s: Source, where: str, bq: BigQueryReads, report: Report, first_up: bool) -> None:
    project, dataset_id, view_id = s.address.split(".")
    dataset, port = bq.dataset(project, dataset_id), f"{where} (upstream port v{s.version})"
    view = bq.table(project, dataset_id, view_id) if dataset is not None else None
    if dataset is None or view is None:
        missing = f"dataset {project}.{dataset_id}" if dataset is None else f"view {s.address}"
        report.add("upstream port", s.address, f"{port}: {missing} does not exist: the producer has not "
                                               f"deployed major v{s.version}", BLOCKING)
        return
    have = {f["name"].lower(): legacy_type(f.get("type")) for f in (view.get("schema") or {}).get("fields") or []}
    lost = [name for name, _ in s.columns if name.lower() not in have]
    retyped = [f"{name} is {have[name.lower()]}, read as {legacy_type(kind)}" for name, kind in s.columns
               if name.lower() in have and have[name.lower()] != legacy_type(kind)]
    if lost or retyped:
        what = "; ".join(([f"the view lacks column(s) {', '.join(lost)}"] if lost else []) + retyped)
        report.add("upstream port", s.address, f"{port}: {what}", BLOCKING)
    if s.columns and not lost and first_up:
        report.add("upstream dry run", s.address, f"{port}: the reading product's project is created by this "
                                                  "stack's first `pulumi up`: dry run after it", UNCHECKED)
    elif s.columns and not lost:
        _upstream_dry_run(s, port, bq, report)
    runner = entry_key({"role": "READER", "iamMember": s.runner})
    granted = {entry_key(e) for e in dataset.get("access") or []}
    if runner not in granted and first_up:
        report.add("upstream port", s.address, f"{port}: {s.runner} is created by this stack's first `pulumi up`; "
                                               "the producer grants it after that (deploy the producer's stack "
                                               "next, docs/deploy.md)", UNCHECKED)
    elif runner not in granted:
        report.add("upstream port", s.address, f"{port}: the producer has not granted {s.runner} (READER) yet: "
                                               "deploy the producer's stack after it declares this consumer", BLOCKING)
    elif not lost and not retyped:
        report.add("upstream port", s.address, f"{port}: exists, {len(s.columns)} columns read, runner granted", OK)


def _upstream_dry_run(s: Source, port: str, bq: BigQueryReads, report: Report) -> None:
    """The upstream view as the product reads it: BigQuery compiles the view, so a table under it that
    is gone, or a column it no longer has, is found before the product's first run."""
    columns = ", ".join(f"`{name}`" for name, _ in s.columns)
    reader_project = s.runner.partition("@")[2].split(".")[0]
    refused = bq.dry_run(f"SELECT {columns} FROM `{s.address}`", reader_project, None)
    report.add("upstream dry run", s.address, f"{port}: BigQuery refuses it: {refused}" if refused else
               f"{port}: dry run of the columns read passes", BLOCKING if refused else OK)


def check_principals(found: Iterable[str], expected: Expected, iam: IamReads, report: Report) -> None:
    """Service accounts exist (or the stack creates them); what IAM cannot confirm is unchecked."""
    for kind, member in members_by_kind(found):
        email = member.partition(":")[2]
        if is_invented(email, expected.numbers):
            report.add("principal", member, "made up by the offline plan (a project number, or the deployer): "
                                            "pass --state (pulumi stack export) or set platform.deployer", UNCHECKED)
        elif kind == "serviceAccount" and email in expected.accounts:
            report.add("principal", member, "created by this stack", OK)
        elif kind == "serviceAccount":
            try:
                exists = iam.service_account_exists(email)
            except ApiError as exc:
                report.add("principal", member, f"could not be looked up: {exc}", UNCHECKED, failed=True)
                continue
            report.add("principal", member, "exists" if exists else
                       "the service account does not exist: every grant to it fails (400 does not exist)",
                       OK if exists else BLOCKING)
        elif kind == "specialGroup" or member in ("allUsers", "allAuthenticatedUsers"):
            report.add("principal", member, "a special group: nothing to look up", OK)
        elif kind == "service agent":
            report.add("principal", member, "a Google service agent: it exists once its API is enabled "
                                            "(IAM does not list it)", UNCHECKED)
        else:
            report.add("principal", member, f"IAM cannot confirm that a {kind} exists: check it in Cloud Identity",
                       UNCHECKED)


def check_roles(grants: Iterable[Grant], organization_id: str, expected: Expected, iam: IamReads,
                report: Report) -> None:
    """Every granted role exists and is grantable on its resource (on its closest existing ancestor
    when the stack creates the resource)."""
    for role, resource, where in sorted({(g.role, g.resource, ancestors(g, organization_id, expected.projects)[0])
                                         for g in grants}):
        try:
            if not iam.role_exists(role):
                report.add("role", role, f"the role does not exist (granted on {resource})", BLOCKING)
                continue
            grantable = iam.grantable_roles(where)
        except ApiError as exc:
            report.add("role", role, f"on {resource}: could not be checked: {exc}", UNCHECKED, failed=True)
            continue
        on = resource if where == resource else f"{resource} (checked on {where}: the stack creates it)"
        if grantable is None:
            report.add("role", role, f"on {on}: the resource does not exist", BLOCKING)
        elif role not in grantable:
            report.add("role", role, f"not grantable on {on}", BLOCKING)
        else:
            report.add("role", role, f"grantable on {on}", OK)


def check_platform(resources: Iterable[tuple[str, str, str]], rest: RestReads, report: Report) -> None:
    """The stack config's KMS keys, policy tags and data policies are in the data's location (the rules
    of ``product/placement``) and exist."""
    for kind, location, name in resources:
        if not location_matches(location, name):
            report.add("platform config", name, f"the {kind} for {location} is in another location: BigQuery "
                                                "refuses it for data in " + location, BLOCKING)
        else:
            check_platform_resource(kind, location, name, rest, report)


def check_queries(expected: Expected, bq: BigQueryReads, report: Report) -> None:
    """A dry run of every view query and row filter whose tables all exist; one that reads a table the
    stack creates and that does not exist yet waits for the first ``up``; a missing other table blocks."""
    for kind, name, sql, project, location in dry_runs(expected):
        try:
            missing = [t for t in referenced_tables(sql, project) or [] if bq.table(*t) is None]
            created = [t for t in missing if t in expected.tables]
            if len(created) < len(missing):
                absent = ", ".join(".".join(t) for t in missing if t not in created)
                report.add(kind, name, f"reads {absent}, which does not exist and this stack does not create",
                           BLOCKING)
            elif created:
                report.add(kind, name, "reads tables this stack creates (" + ", ".join(".".join(t) for t in created)
                           + "): dry run after the first `pulumi up`", UNCHECKED)
            else:
                refused = bq.dry_run(sql, project, location)
                report.add(kind, name, f"BigQuery refuses it: {refused}" if refused else "dry run passes",
                           BLOCKING if refused else OK)
        except ApiError as exc:
            report.add(kind, name, f"could not be dry-run: {exc}", UNCHECKED, failed=True)
