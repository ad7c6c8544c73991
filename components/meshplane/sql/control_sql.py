"""The SQL of the control port's procedures: pure functions from the declared subject keys to GoogleSQL text.

``erase_subject(subject_key STRING)`` finds, *when it is called*, every base table of the internal
dataset that holds a subject key (``INFORMATION_SCHEMA``), so port tables, dbt's intermediate tables
and tables meshplane never declared are all reached:

* a top-level column named like a port's ``subjectKey`` (case-insensitive): rows whose value equals
  the argument (compared as text: ``CAST(col AS STRING)`` for numbers, ``FROM_BASE64`` for BYTES);
* a Pub/Sub raw table (the subscription's ``subscription_name``, ``message_id``, ``publish_time``
  columns): rows whose message ``data`` (JSON text) has a declared key as a top-level field equal to it.

Each table is one ``DELETE`` run with ``EXECUTE IMMEDIATE`` (the argument bound as a query parameter,
never spliced in); a failing table (rows in a streaming buffer, a key column of an odd type) is
recorded and the others are still erased. Every call appends one row to the ledger: when, who
(``SESSION_USER()``), the salted SHA-256 of the key, and rows removed or the error per table. A call
with a failed table raises after writing the ledger, so the caller sees it and calls again later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..declaration.model import OutputPort
from ..declaration.stewardship import ARGUMENT  # the procedure's argument, which the rules guard

ERASE_SUBJECT = "erase_subject"
LEDGER = "erasures"
PUBSUB_METADATA = ("message_id", "publish_time", "subscription_name")  # what marks a Pub/Sub raw table
MESSAGE = "data"  # the raw table's message column (JSON text)
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

LEDGER_SCHEMA = [
    {"name": "erased_at", "type": "TIMESTAMP", "mode": "REQUIRED", "description": "When erase_subject ran."},
    {"name": "erased_by", "type": "STRING", "mode": "REQUIRED", "description": "SESSION_USER() of the call."},
    {"name": "subject_key_sha256", "type": "STRING", "mode": "REQUIRED",
     "description": "Hex SHA-256 of '<product id>:<subject key>'; the key itself is never stored."},
    {"name": "per_table", "type": "RECORD", "mode": "REPEATED", "description": "One entry per table searched.",
     "fields": [{"name": "table_name", "type": "STRING", "mode": "NULLABLE"},
                {"name": "column_name", "type": "STRING", "mode": "NULLABLE"},
                {"name": "rows_removed", "type": "INT64", "mode": "NULLABLE"},
                {"name": "error", "type": "STRING", "mode": "NULLABLE"}]},
]
OUTCOME = "STRUCT<table_name STRING, column_name STRING, rows_removed INT64, error STRING>"


@dataclass(frozen=True)
class Erasure:
    """Where erase_subject looks and writes: the internal dataset, the ledger, the declared keys."""

    project: str
    dataset_id: str  # the internal dataset, searched at call time
    control_dataset_id: str  # holds the ledger
    keys: tuple[str, ...]  # the ports' subject-key column names, sorted, unique
    salt: str  # the product id: the ledger's hash is of f"{salt}:{key}"


def subject_keys(ports: list[OutputPort]) -> tuple[str, ...]:
    """The column names the ports declare as subject keys, as declared (a raw message's JSON field is
    case-sensitive), sorted, once each whatever the case (a column name is not)."""
    keys: dict[str, str] = {}
    for port in ports:
        if port.subject_key:
            keys.setdefault(port.subject_key.lower(), port.subject_key)
    return tuple(sorted(keys.values()))


def targets_sql(e: Erasure) -> str:
    """The query listing ``(table_name, column_name, statement)``: one DELETE per table and key column."""
    schema = f"{_quote(e.project)}.{_quote(e.dataset_id)}.INFORMATION_SCHEMA"
    keys = ", ".join(f"'{_plain(k).lower()}'" for k in e.keys)
    metadata = ", ".join(f"'{c}'" for c in PUBSUB_METADATA)
    delete = f"DELETE FROM {_quote(e.project)}.{_quote(e.dataset_id)}.`"
    return "\n".join([
        f"WITH raw AS (SELECT table_name FROM {schema}.COLUMNS WHERE column_name IN ({metadata})",
        f"  GROUP BY table_name HAVING COUNT(DISTINCT column_name) = {len(PUBSUB_METADATA)})",
        f"SELECT c.table_name, c.column_name, CONCAT('{delete}', c.table_name, '` WHERE ', CASE",
        f"  WHEN r.table_name IS NOT NULL AND c.column_name = '{MESSAGE}' THEN \"{message_match(e.keys)}\"",
        f"  WHEN c.data_type = 'STRING' THEN CONCAT('`', c.column_name, '` = @{ARGUMENT}')",
        f"  WHEN c.data_type LIKE 'BYTES%' THEN CONCAT('`', c.column_name, '` = FROM_BASE64(@{ARGUMENT})')",
        f"  ELSE CONCAT('CAST(`', c.column_name, '` AS STRING) = @{ARGUMENT}') END) AS statement",
        f"FROM {schema}.COLUMNS AS c",
        f"JOIN {schema}.TABLES AS t ON t.table_name = c.table_name",
        "LEFT JOIN raw AS r ON r.table_name = c.table_name",
        f"WHERE t.table_type IN ('BASE TABLE', 'CLONE') AND ((LOWER(c.column_name) IN ({keys})",
        "    AND NOT (c.data_type LIKE 'ARRAY%' OR c.data_type LIKE 'STRUCT%' OR c.data_type = 'JSON'))",
        f"  OR (r.table_name IS NOT NULL AND c.column_name = '{MESSAGE}'))",
        "ORDER BY c.table_name, c.column_name",
    ])


def message_match(keys: tuple[str, ...]) -> str:
    """The condition on a raw table's message: a declared key, as a top-level JSON field, equals the argument."""
    return " OR ".join(f"JSON_VALUE(`{MESSAGE}`, '$.{_plain(k)}') = @{ARGUMENT}" for k in keys)


def ledger_insert_sql(e: Erasure) -> str:
    """The ledger row of one call; the key is hashed with the product id, never stored."""
    ledger = f"{_quote(e.project)}.{_quote(e.control_dataset_id)}.{_quote(LEDGER)}"
    return (f"INSERT INTO {ledger} (erased_at, erased_by, subject_key_sha256, per_table)\n"
            f"  VALUES (CURRENT_TIMESTAMP(), SESSION_USER(), "
            f"TO_HEX(SHA256(CONCAT('{_literal(e.salt)}:', {ARGUMENT}))), outcomes)")


def erase_subject_sql(e: Erasure) -> str:
    """The body of ``erase_subject``: refuse an empty key, DELETE table by table, write the ledger, raise on failure."""
    if not e.keys:
        raise ValueError("erase_subject needs at least one declared subject key")
    found = "\n".join("      " + line for line in targets_sql(e).splitlines())
    return "\n".join([
        "BEGIN",
        f"  DECLARE outcomes ARRAY<{OUTCOME}> DEFAULT [];",
        f"  IF {ARGUMENT} IS NULL OR {ARGUMENT} = '' THEN",
        f"    RAISE USING MESSAGE = '{ERASE_SUBJECT}: the subject key is empty';",
        "  END IF;",
        "  FOR target IN (",
        found,
        "  ) DO",
        "    BEGIN",
        f"      EXECUTE IMMEDIATE target.statement USING {ARGUMENT} AS {ARGUMENT};",
        f"      SET outcomes = ARRAY_CONCAT(outcomes, [{_outcome('@@row_count', 'CAST(NULL AS STRING)')}]);",
        "    EXCEPTION WHEN ERROR THEN",
        f"      SET outcomes = ARRAY_CONCAT(outcomes, [{_outcome('CAST(NULL AS INT64)', '@@error.message')}]);",
        "    END;",
        "  END FOR;",
        "  " + ledger_insert_sql(e) + ";",
        "  IF EXISTS(SELECT 1 FROM UNNEST(outcomes) AS o WHERE o.error IS NOT NULL) THEN",
        f"    RAISE USING MESSAGE = '{ERASE_SUBJECT}: some tables were not erased (see the {LEDGER} ledger); "
        "call again later';",
        "  END IF;",
        "END",
    ])


def _outcome(rows: str, error: str) -> str:
    """One table's entry of the ledger row, its fields named as the ledger's ``per_table``."""
    return (f"STRUCT(target.table_name AS table_name, target.column_name AS column_name, "
            f"{rows} AS rows_removed, {error} AS error)")


def _plain(name: str) -> str:
    """A column name spliced into SQL text and JSON paths: letters, digits and underscores only."""
    if not _PLAIN.match(name):
        raise ValueError(f"not a column name meshplane splices into SQL: {name!r}")
    return name


def _literal(text: str) -> str:
    if "'" in text or "\\" in text or "\n" in text:
        raise ValueError(f"not a literal meshplane quotes: {text!r}")
    return text


def _quote(identifier: str) -> str:
    """A backquoted GoogleSQL identifier (project ids hold '-', names may be keywords)."""
    if "`" in identifier or "\\" in identifier or "\n" in identifier:
        raise ValueError(f"not an identifier meshplane quotes: {identifier!r}")
    return f"`{identifier}`"
