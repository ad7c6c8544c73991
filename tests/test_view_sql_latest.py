"""Interface views of latest ports (``serving``): the latest snapshot and the latest row per key.

Every view is checked three ways: it is BigQuery SQL that sqlglot round-trips unchanged; sqlglot's
column qualifier, given the port table's schema, resolves every column it names to that table (an
independent analyzer: a misspelt or shadowed name fails); and it runs on DuckDB after
``sqlglot.transpile(..., read="bigquery", write="duckdb")`` over sample rows. DuckDB is not
BigQuery: partition pruning, per-reader masking of policy-tagged columns and the cost of the window
are not shown here (docs/components.md says what BigQuery does).
"""

from __future__ import annotations

import hashlib

import duckdb
import pytest
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify

from meshplane.product.column_security import view_masking
from meshplane.declaration.model import Column, Serving
from meshplane.sql.view_sql import interface_view_sql, view_columns


def col(name: str, type_: str = "STRING", **kw: object) -> Column:
    return Column(name=name, type=type_, **kw)


def h(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def per_key(*key: str) -> Serving:
    return Serving(mode="latestPerKey", key=list(key))


SNAPSHOT = Serving(mode="latestSnapshot")
PT = col("processing_time", "TIMESTAMP", role="processingTime", required=True)
DEVICE = col("device", "RECORD", fields=[col("model"), col("ip", pii=True)])
SESSIONS = col("sessions", "RECORD", repeated=True, fields=[col("n", "INT64"), col("ip", pii=True)])
T1, T2 = "2026-01-01 06:00:00", "2026-01-02 06:00:00"

VIEWS = {
    "snapshot": ([col("id", "INT64"), col("name"), PT], SNAPSHOT),
    "snapshot_nested_pii": ([col("id", "INT64"), DEVICE, SESSIONS, PT], SNAPSHOT),
    "key": ([col("tenant", required=True), col("plan"), col("seats", "INT64"), PT], per_key("tenant")),
    "pii_key": ([col("email", pii=True, required=True), col("n", "INT64"), PT], per_key("email")),
    "two_column_key": ([col("a", required=True), col("b", "DATE", required=True), col("x", "FLOAT64"), PT],
                       per_key("b", "a")),
    "key_nested_pii": ([col("id", "INT64", required=True), DEVICE, SESSIONS, PT], per_key("id")),
    "keywords": ([col("select", required=True), col("from", pii=True), col("_src"), col("_latest"), PT],
                 per_key("select")),
}


def bq_type(column: Column) -> str:
    inner = (f"STRUCT<{', '.join(f'`{f.name}` {bq_type(f)}' for f in column.fields)}>"
             if column.fields else column.type.value)
    return f"ARRAY<{inner}>" if column.repeated else inner


def source_alias(tree: exp.Select) -> str:
    return tree.args["from_"].this.alias


@pytest.mark.parametrize("mask", [True, False])
@pytest.mark.parametrize(("columns", "serving"), VIEWS.values(), ids=VIEWS.keys())
def test_latest_view_is_bigquery_sql_naming_only_port_table_columns(columns, serving, mask):
    sql = interface_view_sql("daff-prod-podcast-podca-d278f6", "internal", "port_v1", columns,
                             mask_pii=mask, serving=serving)
    assert view_columns(sql) == [c.name for c in columns]
    assert sqlglot.parse_one(sql, read="bigquery").sql("bigquery", pretty=True) == sql
    schema = {"daff-prod-podcast-podca-d278f6": {"internal": {"port_v1": {c.name: bq_type(c) for c in columns}}}}
    qualify(sqlglot.parse_one(sql, read="bigquery"), schema=schema, dialect="bigquery",
            validate_qualify_columns=True)  # raises on a column the table does not have
    tree = sqlglot.parse_one(sql, read="bigquery")
    chosen = tree.args["qualify"] if serving.mode.value == "latestPerKey" else tree.args["where"]
    alias = source_alias(tree)
    # Rows are chosen on the table's own columns, never on a (masked) output column of the same name.
    outer = [c for c in chosen.find_all(exp.Column) if not c.find_ancestor(exp.Subquery)]
    assert outer and all(c.table == alias for c in outer)


def test_history_serving_changes_nothing():
    columns = [col("id", "INT64"), col("email", pii=True), PT]
    assert interface_view_sql("p", "d", "t", columns, serving=Serving()) == interface_view_sql("p", "d", "t", columns)


def test_latest_snapshot_reads_the_newest_processing_time_through_a_subquery():
    sql = " ".join(interface_view_sql("p", "d", "t", VIEWS["snapshot"][0], serving=SNAPSHOT).split())
    assert sql.endswith("WHERE `_src`.`processing_time` = "
                        "( SELECT MAX(`_latest`.`processing_time`) FROM `p`.`d`.`t` AS `_latest` )")
    assert "OVER" not in sql  # no window over the whole table


@pytest.mark.parametrize(("columns", "key", "order"), [
    ([col("k", required=True), col("a"), col("b", "INT64"), PT], ["k"], ["a", "b"]),
    # masked in SQL: left out, or the winner would tell the raw order; records, arrays, JSON, GEOGRAPHY
    # cannot be ordered
    ([col("k", required=True), col("e", pii=True), DEVICE, col("tags", repeated=True), col("j", "JSON"),
      col("g", "GEOGRAPHY"), col("f", "FLOAT64"), col("i", "INTERVAL"), PT], ["k"], ["f", "i"]),
    ([col("z", required=True), col("y", required=True), col("x", "BOOL"), PT], ["y", "z"], ["x"]),
])
def test_ties_are_broken_by_the_other_orderable_unmasked_columns_in_declared_order(columns, key, order):
    sql = interface_view_sql("p", "d", "t", columns, serving=per_key(*key))
    window = sqlglot.parse_one(sql, read="bigquery").find(exp.Window)
    assert [p.name for p in window.args["partition_by"]] == key
    ordered = window.args["order"].expressions
    assert [(o.this.name, bool(o.args.get("desc"))) for o in ordered] == [
        ("processing_time", True), *((name, False) for name in order)]
    assert "= 1" in sql and "ROW_NUMBER()" in sql and "WHERE\n  TRUE\nQUALIFY" in sql


def test_a_view_without_processing_time_cannot_serve_the_latest_rows():
    with pytest.raises(ValueError, match="processingTime"):
        interface_view_sql("p", "d", "t", [col("id")], serving=SNAPSHOT)


def test_tagged_pii_key_is_selected_and_partitioned_as_is():
    """With a policy tag BigQuery masks the key per reader; the view neither hashes nor drops it."""
    columns = [col("email", pii=True, required=True), col("name", pii=True), PT]
    sql = interface_view_sql("p", "d", "t", view_masking(columns, {"email", "name"}), serving=per_key("email"))
    assert "SHA256" not in sql and "PARTITION BY `_src`.`email`" in sql
    assert "`_src`.`name`" in sql  # tagged: masked by BigQuery, so its raw order cannot show through the view


# --- DuckDB execution --------------------------------------------------------
# As in test_view_sql.py: a database attached as "p" with schema "d" holding table "t".


def run(columns: list[Column], serving: Serving, ddl: str, rows: str) -> list[tuple]:
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS p")
    con.execute("CREATE SCHEMA p.d")
    con.execute(f"CREATE TABLE p.d.t ({ddl})")
    if rows:
        con.execute(f"INSERT INTO p.d.t VALUES {rows}")
    (sql,) = sqlglot.transpile(interface_view_sql("p", "d", "t", columns, serving=serving), read="bigquery",
                               write="duckdb")
    return [tuple(str(v) if k == len(columns) - 1 else v for k, v in enumerate(row))
            for row in con.execute(sql + " ORDER BY ALL").fetchall()]


def test_duckdb_latest_snapshot():
    columns, serving = VIEWS["snapshot"]
    ddl = '"id" BIGINT, "name" VARCHAR, "processing_time" TIMESTAMP'
    rows = f"(1, 'old', '{T1}'), (2, 'new', '{T2}'), (3, 'too', '{T2}'), (4, 'lost', NULL)"
    assert run(columns, serving, ddl, rows) == [(2, "new", T2), (3, "too", T2)]
    assert run(columns, serving, ddl, "") == []


def test_duckdb_latest_per_key_breaks_ties_the_same_way_in_any_row_order():
    columns, serving = VIEWS["key"]
    ddl = '"tenant" VARCHAR, "plan" VARCHAR, "seats" BIGINT, "processing_time" TIMESTAMP'
    rows = [f"('a', 'free', 1, '{T1}')", f"('a', 'pro', 5, '{T2}')", f"('a', 'basic', 3, '{T2}')",
            f"('b', 'x', 1, '{T1}')", f"('c', 'z', 1, '{T1}')", f"('c', NULL, 1, '{T1}')"]
    expected = [("a", "basic", 3, T2), ("b", "x", 1, T1), ("c", None, 1, T1)]  # NULLs first, as in BigQuery
    assert run(columns, serving, ddl, ", ".join(rows)) == expected
    assert run(columns, serving, ddl, ", ".join(reversed(rows))) == expected


def test_duckdb_pii_key_partitions_raw_values_and_outputs_hashes():
    columns, serving = VIEWS["pii_key"]
    ddl = '"email" VARCHAR, "n" BIGINT, "processing_time" TIMESTAMP'
    rows = f"('a@x.org', 1, '{T1}'), ('a@x.org', 2, '{T2}'), ('b@x.org', 3, '{T1}')"
    assert sorted(run(columns, serving, ddl, rows)) == sorted([(h("a@x.org"), 2, T2), (h("b@x.org"), 3, T1)])


@pytest.mark.parametrize("serving", [SNAPSHOT, per_key("id")], ids=["snapshot", "per_key"])
def test_duckdb_latest_rows_of_nested_columns_stay_masked(serving):
    columns = [col("id", "INT64", required=True), DEVICE, SESSIONS, PT]
    ddl = ('"id" BIGINT, "device" STRUCT("model" VARCHAR, "ip" VARCHAR), '
           '"sessions" STRUCT("n" BIGINT, "ip" VARCHAR)[], "processing_time" TIMESTAMP')
    rows = (f"(1, {{'model': 'X1', 'ip': 'a'}}, [{{'n': 2, 'ip': 'b'}}, {{'n': 1, 'ip': 'c'}}], '{T1}'), "
            f"(1, {{'model': 'X2', 'ip': 'd'}}, [{{'n': 3, 'ip': NULL}}], '{T2}'), "
            f"(2, NULL, [], '{T2}')")
    assert run(columns, serving, ddl, rows) == [
        (1, {"model": "X2", "ip": h("d")}, [{"n": 3, "ip": None}], T2),
        (2, None, [], T2),
    ]


def test_duckdb_columns_named_like_the_aliases_in_another_case():
    columns = [col("_Latest", required=True), col("_SRC", "INT64"), col("email", pii=True), PT]
    ddl = '"_Latest" VARCHAR, "_SRC" BIGINT, "email" VARCHAR, "processing_time" TIMESTAMP'
    rows = f"('k', 1, 'a@x.org', '{T1}'), ('k', 2, 'b@x.org', '{T2}')"
    for serving in (SNAPSHOT, per_key("_Latest")):
        assert run(columns, serving, ddl, rows) == [("k", 2, h("b@x.org"), T2)]
        sql = interface_view_sql("p", "d", "t", columns, serving=serving)
        aliases = {a.name.lower() for a in sqlglot.parse_one(sql, read="bigquery").find_all(exp.TableAlias)}
        assert aliases and not aliases & {"_latest", "_src", "email", "processing_time"}
