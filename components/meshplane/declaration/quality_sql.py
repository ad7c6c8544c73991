"""The SQL of a port's ``sql`` quality rules (pure): checked as one BigQuery query, rendered for the
port's data-quality scan, and the port columns it reads (whose policy tags the scan agent needs).

* A rule's ``query`` reads the port table as ODCS's ``{object}``, in a FROM or JOIN. It must parse as
  BigQuery (sqlglot, ``read="bigquery"``) into exactly one query (a SELECT or a set operation of
  SELECTs): no DML, DDL or script, no ';' (Dataplex refuses it), and sqlglot must be able to write it
  back as BigQuery.
* The scan runs sqlglot's BigQuery rendering of the query, with ``{object}`` replaced by the port
  table's backquoted full name ```project.dataset.table```: the table the scan's data source names.
  Dataplex's ``${data()}`` would be that table with the scan's row filter and sampling; the scans set
  neither, so the rows are the same and the plan holds BigQuery SQL only. What sqlglot reads from
  other dialects is written in BigQuery's words: ``x ILIKE y`` as ``LOWER(x) LIKE LOWER(y)``,
  ``x::INT`` as ``CAST(x AS INT64)``.
* Columns read: every top-level column the query names (any part of a dotted name, so ``rec.f``
  reads ``rec``), and for a ``*`` or ``t.*`` over the port table every top-level column but those in
  its ``EXCEPT`` (BigQuery refuses a ``*`` that reaches a policy-tagged column the caller cannot
  read); ``rec.*`` reads ``rec``. ``COUNT(*)`` reads no column. Names compare case-insensitively,
  as BigQuery's do; a name that is also an alias counts as read (more is granted, never less).
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError
from sqlglot.optimizer.scope import Scope, traverse_scope

from .quality import OBJECT_PLACEHOLDER

STAND_IN = "{PORT}"  # ``{object}`` while a query is analysed: no BigQuery table has braces, and
# backquoted it is as long as ``{object}``, so sqlglot's line and column numbers hold


def parse(query: str, table: str = STAND_IN) -> exp.Expression:
    """``query`` with ``{object}`` as ``table``, parsed as BigQuery; ``SqlglotError`` when it is not."""
    return sqlglot.parse_one(query.replace(OBJECT_PLACEHOLDER, f"`{table}`"), read="bigquery")


def render(query: str, table: str) -> str:
    """The query as BigQuery SQL reading ``table`` (``project.dataset.table``) for ``{object}``."""
    return parse(query, table).sql(dialect="bigquery", unsupported_level=ErrorLevel.RAISE)


def query_problems(query: str) -> list[str]:
    """What makes ``query`` unfit for a sql rule, as messages (none when it is one BigQuery query)."""
    if ";" in query:
        return ["a sql rule is one statement (Dataplex refuses semicolons); given a query with ';'; "
                "expected one SELECT without ';'"]
    try:
        tree = parse(query)
        render(query, STAND_IN)
    except SqlglotError as exc:
        reason = str(exc).splitlines()[0].replace(f"`{STAND_IN}`", OBJECT_PLACEHOLDER)[:120]
        return [f"not BigQuery SQL: {reason}; expected a BigQuery SELECT returning the rows that break "
                "the expectation"]
    if not isinstance(tree, exp.Query):
        return [f"a sql rule is a query; given a statement {tree.key.upper()}; expected a SELECT returning "
                "the rows that break the expectation"]
    if not any(_is_port(t) for t in tree.find_all(exp.Table)):
        return [f"a sql rule reads the port table as {OBJECT_PLACEHOLDER}; given a query that does not "
                f"read it; expected e.g. 'SELECT * FROM {OBJECT_PLACEHOLDER} WHERE listeners < 0'"]
    if others := _other_tables(tree):
        return [f"a sql rule reads the port table only (the scan's agent may read nothing else); given "
                f"{', '.join(others)}; expected every FROM and JOIN on {OBJECT_PLACEHOLDER} or a WITH of it"]
    return []


def read_columns(query: str, columns: list[str]) -> set[str]:
    """Which of the port's top-level ``columns`` the query reads (none when it does not parse)."""
    try:
        tree = parse(query)
    except SqlglotError:
        return set()
    by_name = {c.lower(): c for c in columns}
    named = {part.name.lower() for column in tree.find_all(exp.Column) if column.arg_key != "except_"
             for part in column.parts if not isinstance(part, exp.Star)}
    read = {by_name[n] for n in named if n in by_name}
    for star, everything in _stars(tree):
        if everything:
            skipped = {c.name.lower() for c in star.args.get("except_") or []}
            read |= {c for c in columns if c.lower() not in skipped}
    return read


def _stars(tree: exp.Expression) -> list[tuple[exp.Star, bool]]:
    """Each projected ``*`` with whether it expands the port table (every source, if scopes fail)."""
    try:
        scopes = traverse_scope(tree)
    except SqlglotError:
        return [(s, True) for s in tree.find_all(exp.Star) if not isinstance(s.parent, exp.Func)]
    return [pair for scope in scopes if isinstance(scope.expression, exp.Select)
            for projection in scope.expression.selects if (pair := _star(scope, projection))]


def _star(scope: Scope, projection: exp.Expression) -> tuple[exp.Star, bool] | None:
    if isinstance(projection, exp.Star):
        return projection, any(_is_port(source) for source in scope.sources.values())
    if not (isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)):
        return None
    first = projection.parts[0].name
    source = scope.sources.get(first)
    return projection.this, _is_port(source) and len(projection.parts) == 2  # t.*, not t.rec.*


def _other_tables(tree: exp.Expression) -> list[str]:
    """Tables other than the port the query reads (CTEs and UNNESTs are not tables here)."""
    try:
        scopes = traverse_scope(tree)
    except SqlglotError:
        return []
    return sorted({source.sql(dialect="bigquery") for scope in scopes for source in scope.sources.values()
                   if isinstance(source, exp.Table) and not _is_port(source)})


def _is_port(source: object) -> bool:
    return isinstance(source, exp.Table) and source.name == STAND_IN and not source.args.get("db")
