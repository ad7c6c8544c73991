"""Declared columns as a BigQuery table schema (the JSON the Table resource takes)."""

from __future__ import annotations

import json

from .declaration.model import Column
from .declaration.types import BigQueryType

# The API answers with the legacy type names; sending GoogleSQL names would show a permanent diff.
_API_TYPES = {BigQueryType.INT64: "INTEGER", BigQueryType.FLOAT64: "FLOAT", BigQueryType.BOOL: "BOOLEAN"}


def schema_fields(columns: list[Column]) -> list[dict]:
    """One field per column, nested for RECORDs, with mode and description."""
    return [_field(c) for c in columns]


def schema_json(columns: list[Column]) -> str:
    """The schema as compact, stable JSON."""
    return json.dumps(schema_fields(columns), separators=(",", ":"))


def _field(column: Column) -> dict:
    mode = "REPEATED" if column.repeated else "REQUIRED" if column.required else "NULLABLE"
    out: dict = {"name": column.name, "type": _API_TYPES.get(column.type, column.type.value), "mode": mode}
    if column.description:
        out["description"] = column.description
    if column.fields:
        out["fields"] = [_field(f) for f in column.fields]
    return out


PUBSUB_RAW_COLUMNS: list[dict] = [
    {"name": "subscription_name", "type": "STRING", "mode": "NULLABLE"},
    {"name": "message_id", "type": "STRING", "mode": "NULLABLE"},
    {"name": "publish_time", "type": "TIMESTAMP", "mode": "NULLABLE"},
    {"name": "data", "type": "STRING", "mode": "NULLABLE"},
    {"name": "attributes", "type": "STRING", "mode": "NULLABLE"},
]
"""The table a Pub/Sub BigQuery subscription with ``write_metadata`` writes into."""
