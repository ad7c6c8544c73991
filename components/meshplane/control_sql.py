"""The SQL of the control port's procedures: pure functions from port tables to GoogleSQL text.

``erase_subject(subject_key STRING)`` deletes, in one transaction, every row whose subject-key column
matches, from every port table whose port declares a subject key. Identifiers are backquoted; the
argument is compared as text (``CAST(col AS STRING)`` for numeric keys, ``FROM_BASE64`` for BYTES).
"""

from __future__ import annotations

from dataclasses import dataclass

from .declaration.model import OutputPort
from .declaration.stewardship import ARGUMENT  # the procedure's argument, which the rules guard
from .declaration.types import BigQueryType

ERASE_SUBJECT = "erase_subject"


@dataclass(frozen=True, order=True)
class SubjectTable:
    """A port table and the column naming each row's data subject."""

    table_id: str
    column: str
    type: BigQueryType


def subject_tables(ports: list[tuple[OutputPort, str]]) -> list[SubjectTable]:
    """The (port, table id) pairs whose port declares a subject key, sorted by table id."""
    tables = []
    for port, table_id in ports:
        if port.subject_key is None:
            continue
        column = next(c for c in port.columns if c.name == port.subject_key)
        tables.append(SubjectTable(table_id, column.name, column.type))
    return sorted(tables)


def erase_subject_sql(project: str, dataset_id: str, tables: list[SubjectTable]) -> str:
    """The body of ``erase_subject``: one DELETE per table inside a transaction."""
    if not tables:
        raise ValueError("erase_subject needs at least one table with a subject key")
    deletes = [f"  DELETE FROM {_quote(project)}.{_quote(dataset_id)}.{_quote(t.table_id)}\n"
               f"  WHERE {_match(t)};" for t in tables]
    return "\n".join(["BEGIN", "  BEGIN TRANSACTION;", *deletes, "  COMMIT TRANSACTION;", "END"])


def _match(table: SubjectTable) -> str:
    column = _quote(table.column)
    if table.type == BigQueryType.STRING:
        return f"{column} = {ARGUMENT}"
    if table.type == BigQueryType.BYTES:
        return f"{column} = FROM_BASE64({ARGUMENT})"
    return f"CAST({column} AS STRING) = {ARGUMENT}"


def _quote(identifier: str) -> str:
    """A backquoted GoogleSQL identifier (project ids hold '-', names may be keywords)."""
    if "`" in identifier or "\\" in identifier or "\n" in identifier:
        raise ValueError(f"not an identifier meshplane quotes: {identifier!r}")
    return f"`{identifier}`"
