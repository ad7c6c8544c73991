"""Tests for meshplane.sql.view_sql: the interface view's SQL, its columns and its masking.

The SQL is checked by parsing it (sqlglot, BigQuery) and by running it on DuckDB after
``sqlglot.transpile(..., read="bigquery", write="duckdb")``.
"""

from __future__ import annotations

import hashlib

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from meshplane.declaration.model import Column
from meshplane.sql.view_sql import interface_view_sql, masked_columns, view_columns


def col(name: str, type_: str = "STRING", **kw: object) -> Column:
    return Column(name=name, type=type_, **kw)


def h(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


DEVICE = col("device", "RECORD", fields=[col("model"), col("ip", pii=True)])
SESSIONS = col("sessions", "RECORD", repeated=True, fields=[col("n", "INT64"), col("ip", pii=True)])

SCHEMAS = {
    "no_pii": ([col("id", "INT64"), col("show")], []),
    "pii_string": ([col("id", "INT64"), col("email", pii=True)], ["email"]),
    "pii_int64": ([col("age", "INT64", pii=True), col("show")], ["age"]),
    "pii_bytes": ([col("raw", "BYTES", pii=True)], ["raw"]),
    "pii_record": ([col("who", "RECORD", pii=True, fields=[col("name")]), col("x")], ["who"]),
    "pii_repeated": ([col("emails", repeated=True, pii=True)], ["emails"]),
    "nested_pii": ([col("id"), DEVICE], ["device.ip"]),
    "deep_pii": ([col("a", "RECORD", fields=[col("b", "RECORD", fields=[col("c", pii=True)])])],
                 ["a.b.c"]),
    "repeated_nested_pii": ([SESSIONS, col("id")], ["sessions.ip"]),
    "repeated_in_repeated": ([col("s", "RECORD", repeated=True, fields=[
        col("hops", "RECORD", repeated=True, fields=[col("h", pii=True), col("k")])])], ["s.hops.h"]),
    "keywords": ([col("select"), col("from", pii=True), col("_src"), col("_e1", "RECORD", repeated=True,
                  fields=[col("_e1", pii=True), col("_o1")])], ["from", "_e1._e1"]),
}


@pytest.mark.parametrize("mask", [True, False])
@pytest.mark.parametrize(("columns", "masked"), SCHEMAS.values(), ids=SCHEMAS.keys())
def test_view_selects_exactly_the_declared_columns(columns: list[Column], masked: list[str],
                                                   mask: bool) -> None:
    sql = interface_view_sql("daff-prod-podcast-podca-d278f6", "internal", "port_v1", columns,
                             mask_pii=mask)
    assert view_columns(sql) == [c.name for c in columns]
    assert "`daff-prod-podcast-podca-d278f6`.`internal`.`port_v1`" in sql
    assert ("SHA256" in sql) == (mask and bool(masked))
    # sqlglot round-trips its own output unchanged: the SQL is what sqlglot generates.
    assert sqlglot.parse_one(sql, read="bigquery").sql("bigquery", pretty=True) == sql


@pytest.mark.parametrize(("columns", "masked"), SCHEMAS.values(), ids=SCHEMAS.keys())
def test_masked_columns(columns: list[Column], masked: list[str]) -> None:
    assert masked_columns(columns) == masked


@pytest.mark.parametrize(("column", "expected"), [
    (col("e", pii=True), "TO_HEX(SHA256(`e`)) AS `e`"),
    (col("e", "BYTES", pii=True), "TO_HEX(SHA256(`e`)) AS `e`"),
    (col("e", "INT64", pii=True), "TO_HEX(SHA256(CAST(`e` AS STRING))) AS `e`"),
    (col("e", "JSON", pii=True), "TO_HEX(SHA256(TO_JSON_STRING(`e`))) AS `e`"),
    (col("e", repeated=True, pii=True), "TO_HEX(SHA256(TO_JSON_STRING(`e`))) AS `e`"),
    (col("e", "RECORD", pii=True, fields=[col("f")]), "TO_HEX(SHA256(TO_JSON_STRING(`e`))) AS `e`"),
    (DEVICE, "TO_HEX(SHA256(`device`.`ip`)) AS `ip`"),
    (SESSIONS, "FROM UNNEST(`sessions`) AS `_e1` WITH OFFSET AS `_o1`"),
])
def test_masking_shapes(column: Column, expected: str) -> None:
    sql = interface_view_sql("p", "d", "t", [column])
    assert expected in " ".join(sql.split())
    assert f"`{column.name}`" in interface_view_sql("p", "d", "t", [column], mask_pii=False)
    assert "SHA256" not in interface_view_sql("p", "d", "t", [column], mask_pii=False)


def test_no_columns_refused() -> None:
    with pytest.raises(ValueError, match="at least one column"):
        interface_view_sql("p", "d", "t", [])


# --- DuckDB execution --------------------------------------------------------
# The view is generated over `p`.`d`.`t`; DuckDB gets a database attached as "p" with a
# schema "d" holding table "t", so the transpiled three-part name resolves unchanged.
# sqlglot transpiles TO_HEX(SHA256(x)) to LOWER(HEX(UNHEX(SHA256(x)))), i.e. lowercase hex
# SHA-256 as BigQuery gives it: no DuckDB adaptation is needed.


def run(columns: list[Column], ddl: str, rows: str) -> list[tuple]:
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS p")
    con.execute("CREATE SCHEMA p.d")
    con.execute(f"CREATE TABLE p.d.t ({ddl})")
    con.execute(f"INSERT INTO p.d.t VALUES {rows}")
    (sql,) = sqlglot.transpile(interface_view_sql("p", "d", "t", columns), read="bigquery",
                               write="duckdb")
    return con.execute(sql + " ORDER BY 1").fetchall()


def test_duckdb_scalar_pii() -> None:
    columns = [col("id", "INT64"), col("email", pii=True), col("age", "INT64", pii=True),
               col("select")]
    got = run(columns, '"id" BIGINT, "email" VARCHAR, "age" BIGINT, "select" VARCHAR',
              "(1, 'a@x.org', 42, 'kept'), (2, NULL, NULL, NULL), (3, 'b@x.org', 7, 'too')")
    assert got == [
        (1, h("a@x.org"), h("42"), "kept"),
        (2, None, None, None),
        (3, h("b@x.org"), h("7"), "too"),
    ]


def test_duckdb_nested_record_pii() -> None:
    got = run([col("id", "INT64"), DEVICE],
              '"id" BIGINT, "device" STRUCT("model" VARCHAR, "ip" VARCHAR)',
              "(1, {'model': 'X1', 'ip': '10.0.0.1'}), (2, {'model': 'X2', 'ip': NULL}), (3, NULL)")
    assert got == [
        (1, {"model": "X1", "ip": h("10.0.0.1")}),
        (2, {"model": "X2", "ip": None}),
        (3, None),  # a NULL record stays NULL, not a record of NULLs
    ]


def test_duckdb_repeated_record_pii() -> None:
    got = run([col("id", "INT64"), SESSIONS],
              '"id" BIGINT, "sessions" STRUCT("n" BIGINT, "ip" VARCHAR)[]',
              "(1, [{'n': 2, 'ip': 'b'}, {'n': 1, 'ip': 'a'}, {'n': 3, 'ip': NULL}]), (2, [])")
    assert got == [
        (1, [{"n": 2, "ip": h("b")}, {"n": 1, "ip": h("a")}, {"n": 3, "ip": None}]),  # order kept
        (2, []),
    ]


# Not run on DuckDB: repeated records inside repeated records (sqlglot 30.30 drops WITH
# ORDINALITY from the inner UNNEST when transpiling, which DuckDB then rejects), and hashes of
# TO_JSON_STRING / CAST of non-integers (JSON and number text differ between the two engines).
# Those shapes are covered by parsing in the tests above.


# --- identifiers are case-insensitive in BigQuery -------------------------------------------------
# A column named like an alias the generator uses, in another case (`_Src` beside the table alias
# `_src`), would name the alias: `_Src` would be the whole raw row, unmasked PII included.

GENERATED = ("_src", "_e1", "_o1", "_e2", "_o2")
CASES = sorted({v for g in GENERATED for v in (g, g.upper(), g.title(), g[:2].upper() + g[2:], "_" + g.upper())}
               - set(GENERATED))


def _aliases(sql: str) -> set[str]:
    """Every table, UNNEST element and offset alias of a generated view."""
    tree = sqlglot.parse_one(sql, read="bigquery")
    found = {a.name for a in tree.find_all(exp.TableAlias) if a.name}
    found |= {c.name for a in tree.find_all(exp.TableAlias) for c in a.columns}
    found |= {u.args["offset"].name for u in tree.find_all(exp.Unnest) if isinstance(u.args.get("offset"), exp.Identifier)}
    return found


def _all_names(columns: list[Column]) -> set[str]:
    return {n for c in columns for n in (c.name, *_all_names(c.fields or []))}


@pytest.mark.parametrize("name", CASES)
def test_generated_aliases_differ_from_every_column_in_any_case(name: str) -> None:
    columns = [col(name), col("email", pii=True),
               col("rec", "RECORD", repeated=True, fields=[
                   col(name), col("ip", pii=True),
                   col("hops", "RECORD", repeated=True, fields=[col(name), col("h", pii=True)])])]
    sql = interface_view_sql("p", "d", "t", columns)
    aliases = _aliases(sql)
    assert len(aliases) == 5  # the table, and an element and offset alias per UNNEST level
    assert not {a.lower() for a in aliases} & {n.lower() for n in _all_names(columns)}, sql
    assert view_columns(sql) == [c.name for c in columns]


def test_duckdb_column_named_like_the_alias_in_another_case() -> None:
    columns = [col("_Src"), col("email", pii=True)]
    got = run(columns, '"_Src" VARCHAR, "email" VARCHAR', "('kept', 'a@x.org')")
    assert got == [("kept", h("a@x.org"))]
