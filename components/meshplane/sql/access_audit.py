"""Who accessed what: the pure parts of a product's access audit (names, log filters, SQL).

* The sink routes the BigQuery data-access audit logs of the product's project (``sink_filter``) to a
  dataset of its own in the platform's audit project (``audit_dataset_id``), as partitioned tables:
  BigQuery's export creates ``cloudaudit_googleapis_com_data_access`` on the first log entry, with
  ``protopayload_auditlog.authenticationInfo.principalEmail``, ``.resourceName`` and ``.metadataJson``
  (where ``tableDataRead`` is).
* ``who_read_sql`` is the body of the ``who_read_my_ports`` procedure over that table: a procedure,
  not a view, because a view over a table that does not exist yet fails to create, while a
  procedure's body names its tables only when it is called (unverified live: BigQuery is not run here).
* ``undeclared_reads_filter`` selects the table reads of a product's datasets by a principal that is
  not declared on that dataset. Audit logs name the *user* who reads, never the group or domain that
  granted the read: a dataset with a ``group:`` or ``domain:`` principal among its declared readers
  can only be watched for service accounts (any user may be a member of the group).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..product import standards

SINK_TABLE = "cloudaudit_googleapis_com_data_access"  # created by the sink's first export, not by the stack
DATA_ACCESS_LOG = "cloudaudit.googleapis.com%2Fdata_access"
WHO_READ = "who_read_my_ports"
DAYS = "days"  # the procedure's one argument: how many days back
PRINCIPAL = "protoPayload.authenticationInfo.principalEmail"
SERVICE_ACCOUNT_SUFFIX = ".gserviceaccount.com"
DAY_MS = 86_400_000


def audit_dataset_id(project_id: str, product: str) -> str:
    """The product's audit dataset in the audit project, ``audit_<project id>_<product>``: unique per
    environment, and per product when products share an adopted project."""
    return standards.dataset_id("audit", project_id, product)


def sink_name(product: str) -> str:
    """The product's sink in its project, ``meshplane-<product>-data-access`` (products may share a project)."""
    return f"meshplane-{product}-data-access"


def metric_name(product: str) -> str:
    """The log-based metric of undeclared reads: ``meshplane/undeclared_reads/<product>``."""
    return f"meshplane/undeclared_reads/{product}"


def retention_ms(days: int) -> int:
    """The partition expiration that keeps ``days`` of logs."""
    return days * DAY_MS


def sink_filter(project: str, datasets: Sequence[str] = ()) -> str:
    """The BigQuery data-access audit log entries of ``project``; with ``datasets``, only those naming a
    table of one of them (the product's, when it shares an adopted project with others)."""
    base = (f'logName="projects/{project}/logs/{DATA_ACCESS_LOG}" AND '
            'protoPayload.serviceName="bigquery.googleapis.com"')
    if not datasets:
        return base
    tables = " OR ".join(f'protoPayload.resourceName:"projects/{project}/datasets/{d}/tables/"'
                         for d in sorted(datasets))
    return f"{base} AND ({tables})"


def sink_destination(audit_project: str, dataset_id: str) -> str:
    """The sink's destination: a BigQuery dataset, as the Logging API names it."""
    return f"bigquery.googleapis.com/projects/{audit_project}/datasets/{dataset_id}"


def emails(principals: Sequence[str]) -> list[str]:
    """The e-mails audit logs show for ``user:`` and ``serviceAccount:`` principals (groups and domains have none)."""
    return sorted({p.split(":", 1)[1] for p in principals if p.startswith(("user:", "serviceAccount:"))})


def watches_users(principals: Sequence[str]) -> bool:
    """Whether reads by users can be told apart: no group or domain is among the declared readers."""
    return not any(p.startswith(("group:", "domain:")) for p in principals)


def undeclared_reads_filter(project: str, project_number: str, readers: Mapping[str, Sequence[str]]) -> str:
    """Table reads in the datasets of ``readers`` (dataset id -> declared principals) by anyone else;
    the project's own service agents (``service-<number>@``) are declared by construction."""
    clauses = [_dataset_clause(project, dataset, readers[dataset]) for dataset in sorted(readers)]
    return " AND ".join((
        sink_filter(project), "protoPayload.metadata.tableDataRead:*",
        f'NOT {PRINCIPAL}:"service-{project_number}@"', f"({' OR '.join(clauses)})"))


def _dataset_clause(project: str, dataset: str, principals: Sequence[str]) -> str:
    parts = [f'protoPayload.resourceName:"projects/{project}/datasets/{dataset}/tables/"']
    if not watches_users(principals):
        parts.append(f'{PRINCIPAL}:"{SERVICE_ACCOUNT_SUFFIX}"')
    if known := emails(principals):
        parts.append(f"NOT ({' OR '.join(f'{PRINCIPAL}={_quoted(e)}' for e in known)})")
    return f"({' AND '.join(parts)})"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def who_read_sql(audit_project: str, dataset_id: str) -> str:
    """Who read which table of the product in the last ``days`` days, most recent first."""
    log = "protopayload_auditlog"
    return (
        f"BEGIN\nSELECT {log}.authenticationInfo.principalEmail AS principal,\n"
        f"  REGEXP_EXTRACT({log}.resourceName, r'datasets/([^/]+)/') AS dataset_id,\n"
        f"  REGEXP_EXTRACT({log}.resourceName, r'tables/([^/]+)$') AS table_id,\n"
        f"  COUNT(*) AS reads, MIN(timestamp) AS first_read, MAX(timestamp) AS last_read\n"
        f"FROM `{audit_project}`.`{dataset_id}`.`{SINK_TABLE}`\n"
        f"WHERE timestamp >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL {DAYS} DAY)\n"
        f"  AND JSON_QUERY({log}.metadataJson, '$.tableDataRead') IS NOT NULL\n"
        f"GROUP BY principal, dataset_id, table_id\n"
        f"ORDER BY last_read DESC;\nEND")
