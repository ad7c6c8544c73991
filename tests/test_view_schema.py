"""The interface view's schema (names, types, modes, descriptions) against the view's own SQL.

BigQuery refuses a view schema that does not match what the view's query computes ("Provided Schema
does not match Table"). The types here are inferred independently from the generated SQL by sqlglot's
type annotator over the port table's schema; modes follow BigQuery's rule for query results (no
REQUIRED: the provider refuses one on a view, BigQuery answers NULLABLE). What this cannot prove:
that BigQuery's own inference agrees with sqlglot's on every function (TO_HEX, SHA256, STRUCT, ARRAY).
"""

from __future__ import annotations

import json

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from components_support import DATASET, LABELS, PID, dataset, declarations, named, run, run_stack, settings
from meshplane.product.bq_schema import view_schema_fields
from meshplane.declaration.model import OutputPort as PortDeclaration
from meshplane.gcp.output_port import OutputPort, OutputPortArgs
from meshplane.gcpmodel.next_up import REPLACE, SAME, UPDATE, next_up
from meshplane.gcpmodel.state import simulate_up
from meshplane.product.column_security import column_tags, view_masking
from meshplane.declaration.model import Column
from meshplane.declaration.types import BigQueryType
from meshplane.sql.view_sql import interface_view_sql
from test_view_sql import SCHEMAS, col

LEGACY = {"INT64": "INTEGER", "FLOAT64": "FLOAT", "BOOL": "BOOLEAN", "BOOLEAN": "BOOLEAN", "STRUCT": "RECORD",
          "DECIMAL": "NUMERIC", "BIGDECIMAL": "BIGNUMERIC"}
ALL_TYPES = [col(f"c_{t.value.lower()}", t.value, **({"fields": [col("x")]} if t == BigQueryType.RECORD else {}))
             for t in BigQueryType]


def sql_type(column: Column) -> str:
    """The column's type in BigQuery SQL, for the port table's schema."""
    inner = (f"STRUCT<{', '.join(f'`{f.name}` {sql_type(f)}' for f in column.fields)}>"
             if column.type == BigQueryType.RECORD else column.type.value)
    return f"ARRAY<{inner}>" if column.repeated else inner


def field_of(name: str, dtype: exp.DataType) -> dict:
    """A BigQuery schema field (API form) from a sqlglot type."""
    mode = "NULLABLE"
    if dtype.is_type(exp.DataType.Type.ARRAY):
        mode, dtype = "REPEATED", dtype.expressions[0]
    if dtype.is_type(exp.DataType.Type.STRUCT):
        fields = [field_of(e.name, e.args["kind"]) for e in dtype.expressions]
        return {"name": name, "type": "RECORD", "mode": mode, "fields": fields}
    kind = dtype.sql("bigquery").upper()
    return {"name": name, "type": LEGACY.get(kind, kind), "mode": mode}


def inferred(columns: list[Column], masked: list[Column]) -> list[dict]:
    sql = interface_view_sql("p", "d", "t", masked)
    schema = {"p": {"d": {"t": {c.name: sql_type(c) for c in columns}}}}
    tree = annotate_types(qualify(sqlglot.parse_one(sql, read="bigquery"), schema=schema, dialect="bigquery"),
                          schema=schema, dialect="bigquery")
    return [field_of(e.alias_or_name, e.type) for e in tree.expressions]


def shape(fields: list[dict]) -> list[dict]:
    """Names, types, modes and nesting: what the query decides (descriptions are ours)."""
    return [{k: shape(v) if k == "fields" else v for k, v in f.items() if k != "description"} for f in fields]


@pytest.mark.parametrize("columns", [*(c for c, _ in SCHEMAS.values()), ALL_TYPES,
                                     [c.model_copy(update={"pii": True}) for c in ALL_TYPES]],
                         ids=[*SCHEMAS, "all_types", "all_types_pii"])
def test_the_view_schema_is_what_the_views_sql_computes(columns):
    assert shape(view_schema_fields(columns)) == inferred(columns, columns)


@pytest.mark.parametrize("product_id", sorted(declarations()))
def test_every_blueprint_port_view_schema_matches_its_sql(product_id):
    product = declarations()[product_id]
    tags = settings("listener-prod").platform.policy_tags.get(product.policies.location, {})
    for port in product.output_ports:
        masked = view_masking(port.columns, column_tags(port.columns, product.policies.confidentiality, tags))
        assert shape(view_schema_fields(masked)) == inferred(port.columns, masked), port.name


def test_the_view_carries_the_declared_descriptions_nested_too_and_never_a_required_field():
    columns = [col("id", required=True, description="Key."),
               col("who", "RECORD", description="The listener.", fields=[
                   col("email", pii=True, required=True, description="Hashed."), col("age", "INT64")]),
               col("emails", repeated=True, pii=True, description="All of them.")]
    assert view_schema_fields(columns) == [
        {"name": "id", "type": "STRING", "mode": "NULLABLE", "description": "Key."},
        {"name": "who", "type": "RECORD", "mode": "NULLABLE", "description": "The listener.", "fields": [
            {"name": "email", "type": "STRING", "mode": "NULLABLE", "description": "Hashed."},
            {"name": "age", "type": "INTEGER", "mode": "NULLABLE"}]},
        {"name": "emails", "type": "STRING", "mode": "NULLABLE", "description": "All of them."}]  # one hash


@pytest.mark.parametrize("preview", [False, True])
def test_the_port_view_sends_its_schema_the_way_the_provider_can_apply_it(preview):
    inv = run_stack("podcast-prod", preview)
    view = named(inv, "podcast-demographics-demographics-v1-view")
    fields = json.loads(view.inputs["schema"])
    assert [(f["name"], f["mode"], f.get("description")) for f in fields][:2] == [
        ("podcast_id", "NULLABLE", "Podcast identifier."), ("age_band", "NULLABLE", "Age band, e.g. 25-34.")]
    assert "policyTags" not in view.inputs["schema"] and "REQUIRED" not in view.inputs["schema"]
    assert "ignoreAutoGeneratedSchema" not in view.inputs  # it would send a dropped column back
    assert view.replacement_trigger == sorted(f["name"] for f in fields)  # no ALTER TABLE DROP COLUMN on a view
    assert view.delete_before_replace  # a replaced view takes the same id
    assert named(inv, "podcast-demographics-demographics-v1", DATASET).urn in view.dependencies



def port_view_registrations(columns: list[dict]):
    """The registrations of one ``OutputPort`` serving ``columns`` (no consumers)."""
    def program():
        internal = dataset()
        port = PortDeclaration.model_validate({"name": "p", "version": "1.0.0", "description": "d", "schema": columns})
        OutputPort("port", OutputPortArgs(
            port=port, project=PID, dataset_id="x_p_v1", view_id="p_v1", location="EU", labels=LABELS,
            internal=internal, table=internal.dataset, table_id="p_v1", internal_dataset_id="d_x"))
    return run(program).registrations


def test_a_view_losing_or_gaining_a_column_is_replaced_and_a_new_description_is_an_update():
    """Through the GCP model: the second up of a port whose columns changed."""
    base = [{"name": "id", "type": "STRING", "description": "Key."},
            {"name": "processing_time", "type": "TIMESTAMP", "role": "processingTime"}]
    state = simulate_up(port_view_registrations(base))

    def op(columns: list[dict]) -> str:
        [view] = [c for c in next_up(port_view_registrations(columns), state).values() if c.name == "port-view"]
        return view.op

    assert op(base) == SAME
    assert op([{**base[0], "description": "The key."}, base[1]]) == UPDATE
    assert op(base[1:]) == REPLACE  # the provider would run ALTER TABLE DROP COLUMN on the view
    assert op([*base, {"name": "extra", "type": "STRING"}]) == REPLACE
    assert op(list(reversed(base))) == UPDATE  # the query changes, the set of columns does not
