"""The SQL ``preflight`` dry-runs and the tables it reads (pure, sqlglot's BigQuery dialect)."""

from __future__ import annotations

from collections.abc import Iterator

import sqlglot
from sqlglot import exp

from .expected import Expected


def dry_runs(expected: Expected) -> Iterator[tuple[str, str, str, str, str | None]]:
    """``(kind, name, sql, project, location)`` of every view query and every row filter (as a query of
    its table, which is how BigQuery checks the predicate)."""
    for (p, d, t), view in sorted(expected.views().items()):
        yield "view dry run", f"{p}.{d}.{t}", view["view"]["query"], p, _location(expected, p, d)
    for (p, d, t), policies in sorted(expected.row_policies.items()):
        for policy_id, policy in sorted(policies.items()):
            sql = f"SELECT 1 FROM `{p}.{d}.{t}` WHERE {policy['filterPredicate']}"
            yield "row filter dry run", f"{p}.{d}.{t}/{policy_id}", sql, p, _location(expected, p, d)


def _location(expected: Expected, project: str, dataset_id: str) -> str | None:
    dataset = expected.datasets.get((project, dataset_id))
    return dataset.location if dataset else None


def referenced_tables(sql: str, default_project: str) -> list[tuple[str, str, str]] | None:
    """``(project, dataset, table)`` of every table ``sql`` reads (CTEs and INFORMATION_SCHEMA left out);
    None when sqlglot cannot parse it (BigQuery's dry run then judges it alone)."""
    try:
        tree = sqlglot.parse_one(sql, read="bigquery")
    except sqlglot.errors.SqlglotError:
        return None
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    found = []
    for table in tree.find_all(exp.Table):
        parts = [p for p in (table.catalog, table.db, table.name) if p]
        if len(parts) == 1 and parts[0].lower() in ctes or not table.db:
            continue
        if any(part.lower().startswith("information_schema") for part in (table.db, table.name)):
            continue
        found.append((table.catalog or default_project, table.db, table.name))
    return sorted(set(found))
