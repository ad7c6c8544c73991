"""The erase_subject procedure's SQL: analysed with sqlglot as BigQuery, and its per-table DELETEs run in DuckDB.

DuckDB plays the internal dataset: a port table, a dbt table meshplane never declared (numeric key,
other case), a Pub/Sub raw table, a table without the key and a view. The procedure's own discovery
query (``targets_sql``) runs over an ``INFORMATION_SCHEMA`` built from DuckDB's catalog with BigQuery's
type names, and each statement it yields is executed as ``EXECUTE IMMEDIATE`` would, the key bound
as a parameter: the loop of the procedure, in Python.

What this cannot prove: that BigQuery accepts the scripting around it (``FOR``, ``EXECUTE IMMEDIATE``,
``EXCEPTION``, ``RAISE`` are kept as text by sqlglot), ``@@row_count`` after ``EXECUTE IMMEDIATE``, and
that the routine's authorizations cover what it does: a live ``CALL`` does (docs/deploy.md).
"""

from __future__ import annotations

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from meshplane.sql.control_sql import (
    Erasure, erase_subject_sql, ledger_insert_sql, message_match, subject_keys, targets_sql,
)
from meshplane.declaration.model import OutputPort
from helpers import port

PROJECT, INTERNAL, CONTROL = "daff-prod-x", "x_internal", "x_control"
ERASURE = Erasure(PROJECT, INTERNAL, CONTROL, ("listener_id",), salt="listener.x")
BQ_TYPES = {"VARCHAR": "STRING", "BIGINT": "INT64", "BLOB": "BYTES", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP"}


# --- the SQL, as BigQuery ------------------------------------------------------------------------

def test_discovery_is_one_query_over_the_internal_datasets_information_schema():
    query = sqlglot.parse_one(targets_sql(ERASURE), read="bigquery")
    assert isinstance(query, exp.Select)
    assert [s.alias_or_name for s in query.selects] == ["table_name", "column_name", "statement"]
    sources = {(t.catalog, t.db, t.name) for t in query.find_all(exp.Table) if t.db}
    assert sources == {(PROJECT, INTERNAL, "INFORMATION_SCHEMA.COLUMNS"), (PROJECT, INTERNAL, "INFORMATION_SCHEMA.TABLES")}
    where = query.args["where"].sql("bigquery")
    assert "t.table_type IN ('BASE TABLE', 'CLONE')" in where  # views, snapshots, external tables: no DELETE
    assert "NOT (c.data_type LIKE 'ARRAY%'" in where  # a repeated or record key cannot equal the argument
    assert "LOWER(c.column_name) IN ('listener_id')" in where


def test_ledger_row_hashes_the_key_with_the_product_and_names_the_caller():
    insert = sqlglot.parse_one(ledger_insert_sql(ERASURE), read="bigquery")
    assert isinstance(insert, exp.Insert)
    table = insert.this.this
    assert (table.catalog, table.db, table.name) == (PROJECT, CONTROL, "erasures")
    values = insert.expression.expressions[0].sql("bigquery")
    assert "SESSION_USER()" in values
    assert "TO_HEX(SHA256(CONCAT('listener.x:', subject_key)))" in values
    assert [c.name for c in insert.this.expressions] == ["erased_at", "erased_by", "subject_key_sha256", "per_table"]


def test_body_erases_table_by_table_writes_the_ledger_then_raises_on_failure():
    body = erase_subject_sql(ERASURE)
    lines = [line.strip() for line in body.splitlines()]
    order = ["IF subject_key IS NULL OR subject_key = '' THEN", "FOR target IN (",
             "EXECUTE IMMEDIATE target.statement USING subject_key AS subject_key;", "EXCEPTION WHEN ERROR THEN",
             "END FOR;", "INSERT INTO `daff-prod-x`.`x_control`.`erasures` (erased_at, erased_by, "
             "subject_key_sha256, per_table)", "IF EXISTS(SELECT 1 FROM UNNEST(outcomes) AS o WHERE o.error IS NOT NULL) THEN"]
    assert [lines.index(line) for line in order] == sorted(lines.index(line) for line in order)
    assert body.startswith("BEGIN\n") and body.endswith("\nEND")
    assert "TRANSACTION" not in body  # one table's failure must not undo the others


def test_keys_are_the_ports_subject_keys_once_each():
    base = port("p", "1.0.0")
    ports = [OutputPort.model_validate({**base, "subjectKey": k}) if k else OutputPort.model_validate(base)
             for k in ("listener_id", None, "Listener_ID", "account")]
    assert subject_keys(ports) == ("account", "listener_id")


def test_refuses_no_key_and_text_it_cannot_splice():
    with pytest.raises(ValueError, match="at least one declared subject key"):
        erase_subject_sql(Erasure(PROJECT, INTERNAL, CONTROL, (), "s"))
    with pytest.raises(ValueError, match="not a column name"):
        message_match(("a') OR TRUE --",))
    with pytest.raises(ValueError, match="not an identifier"):
        targets_sql(Erasure("p`; DROP", INTERNAL, CONTROL, ("k",), "s"))
    with pytest.raises(ValueError, match="not a literal"):
        ledger_insert_sql(Erasure(PROJECT, INTERNAL, CONTROL, ("k",), "x'"))


# --- the DELETEs, in DuckDB ----------------------------------------------------------------------

@pytest.fixture()
def dataset():
    con = duckdb.connect()
    con.execute(f'ATTACH \':memory:\' AS "{PROJECT}"')
    con.execute(f'CREATE SCHEMA "{PROJECT}".{INTERNAL}')
    at = f'"{PROJECT}".{INTERNAL}'
    con.execute(f"CREATE TABLE {at}.profiles_v1 (listener_id VARCHAR, email VARCHAR)")  # a port table
    con.execute(f"INSERT INTO {at}.profiles_v1 VALUES ('42', 'a@x'), ('7', 'b@x'), ('42', 'c@x')")
    con.execute(f"CREATE TABLE {at}.int_plays (Listener_ID BIGINT, plays BIGINT)")  # dbt's, never declared
    con.execute(f"INSERT INTO {at}.int_plays VALUES (42, 3), (420, 1), (7, 9)")
    con.execute(f"CREATE TABLE {at}.raw_events (subscription_name VARCHAR, message_id VARCHAR, "
                "publish_time TIMESTAMPTZ, data VARCHAR, attributes VARCHAR)")  # a Pub/Sub raw table
    con.execute(f"""INSERT INTO {at}.raw_events VALUES
        ('s', 'm1', now(), '{{"listener_id": "42", "show": 1}}', '{{}}'),
        ('s', 'm2', now(), '{{"listener_id": 42}}', '{{}}'),
        ('s', 'm3', now(), '{{"listener_id": "7"}}', '{{}}'),
        ('s', 'm4', now(), '{{"user": {{"listener_id": "42"}}}}', '{{}}')""")
    con.execute(f"CREATE TABLE {at}.shows (show_id VARCHAR, data VARCHAR)")  # a 'data' column, not a raw table
    con.execute(f"INSERT INTO {at}.shows VALUES ('s1', '{{\"listener_id\": \"42\"}}')")
    con.execute(f"CREATE VIEW {at}.profiles_view AS SELECT * FROM {at}.profiles_v1")
    yield con
    con.close()


def _information_schema(con) -> None:
    """BigQuery's INFORMATION_SCHEMA of the internal dataset, from DuckDB's catalog and BigQuery's type names."""
    types = " ".join(f"WHEN '{d}' THEN '{b}'" for d, b in BQ_TYPES.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE bq_columns AS SELECT table_name, column_name, CASE data_type {types} "
                f"ELSE data_type END AS data_type FROM information_schema.columns "
                f"WHERE table_catalog = '{PROJECT}' AND table_schema = '{INTERNAL}'")
    con.execute(f"CREATE OR REPLACE TEMP TABLE bq_tables AS SELECT table_name, table_type FROM information_schema.tables "
                f"WHERE table_catalog = '{PROJECT}' AND table_schema = '{INTERNAL}'")


def _local(query: exp.Expression) -> exp.Expression:
    def swap(node):
        if isinstance(node, exp.Table) and node.name.startswith("INFORMATION_SCHEMA."):
            local = "bq_columns" if node.name.endswith("COLUMNS") else "bq_tables"
            return exp.Table(this=exp.to_identifier(local), alias=node.args.get("alias"))
        return node
    return query.transform(swap)


def _erase(con, erasure: Erasure, key: str) -> dict[tuple[str, str], int]:
    """The procedure's loop: discover, then each statement with the key bound as @subject_key."""
    _information_schema(con)
    query = _local(sqlglot.parse_one(targets_sql(erasure), read="bigquery")).sql("duckdb")
    removed = {}
    for table, column, statement in con.execute(query).fetchall():
        delete = sqlglot.parse_one(statement, read="bigquery")
        assert isinstance(delete, exp.Delete) and delete.this.db == INTERNAL
        removed[(table, column)] = con.execute(delete.sql("duckdb"), {"subject_key": key}).fetchone()[0]
    return removed


def _left(con, table: str, column: str) -> list:
    return sorted(str(r[0]) for r in con.execute(f'SELECT {column} FROM "{PROJECT}".{INTERNAL}.{table}').fetchall())


def test_erases_every_table_holding_the_key_declared_or_not(dataset):
    removed = _erase(dataset, ERASURE, "42")
    assert removed == {("int_plays", "Listener_ID"): 1, ("profiles_v1", "listener_id"): 2,
                       ("raw_events", "data"): 2}  # the view and the table without the key are not searched
    assert _left(dataset, "profiles_v1", "listener_id") == ["7"]
    assert _left(dataset, "int_plays", "Listener_ID") == ["420", "7"]  # 420 is not 42: compared as text
    assert _left(dataset, "raw_events", "message_id") == ["m3", "m4"]  # m4 nests the key: not reached
    assert _left(dataset, "shows", "show_id") == ["s1"]  # a 'data' column alone is no message


def test_a_second_call_removes_nothing(dataset):
    _erase(dataset, ERASURE, "42")
    assert set(_erase(dataset, ERASURE, "42").values()) == {0}


def test_the_key_is_a_parameter_not_sql(dataset):
    assert set(_erase(dataset, ERASURE, "42' OR TRUE --").values()) == {0}
    assert _left(dataset, "profiles_v1", "listener_id") == ["42", "42", "7"]


def test_a_raw_messages_key_keeps_its_declared_case(dataset):
    """A column name matches in any case; a JSON field does not: the raw message is searched as declared."""
    at = f'"{PROJECT}".{INTERNAL}'
    dataset.execute(f"CREATE TABLE {at}.raw_accounts (subscription_name VARCHAR, message_id VARCHAR, "
                    "publish_time TIMESTAMPTZ, data VARCHAR, attributes VARCHAR)")
    dataset.execute(f"""INSERT INTO {at}.raw_accounts VALUES ('s', 'a1', now(), '{{"listenerId": "42"}}', '{{}}'),
        ('s', 'a2', now(), '{{"listenerid": "42"}}', '{{}}')""")
    base = port("p", "1.0.0")
    keys = subject_keys([OutputPort.model_validate({**base, "subjectKey": "listenerId"})])
    assert keys == ("listenerId",)
    removed = _erase(dataset, Erasure(PROJECT, INTERNAL, CONTROL, keys, "s"), "42")
    assert removed[("raw_accounts", "data")] == 1 and _left(dataset, "raw_accounts", "message_id") == ["a2"]


def test_bytes_keys_are_given_in_base64(dataset):
    dataset.execute(f'CREATE TABLE "{PROJECT}".{INTERNAL}.tokens (listener_id BLOB)')
    dataset.execute(f"INSERT INTO \"{PROJECT}\".{INTERNAL}.tokens VALUES ('\\x2A'::BLOB), ('\\x07'::BLOB)")
    erasure = Erasure(PROJECT, INTERNAL, CONTROL, ("listener_id",), "s")
    _information_schema(dataset)
    query = _local(sqlglot.parse_one(targets_sql(erasure), read="bigquery")).sql("duckdb")
    [statement] = [s for t, _, s in dataset.execute(query).fetchall() if t == "tokens"]
    assert statement.endswith("WHERE `listener_id` = FROM_BASE64(@subject_key)")
    delete = sqlglot.parse_one(statement, read="bigquery").sql("duckdb")
    assert dataset.execute(delete, {"subject_key": "Kg=="}).fetchone()[0] == 1  # base64 of 0x2A
