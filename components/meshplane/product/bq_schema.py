"""Declared columns as a BigQuery table schema (the JSON the Table resource takes)."""

from __future__ import annotations

import json

from ..declaration.model import Column, OutputPort
from ..declaration.types import BigQueryType, ColumnRole

# The API answers with the legacy type names; sending GoogleSQL names would show a permanent diff.
_API_TYPES = {BigQueryType.INT64: "INTEGER", BigQueryType.FLOAT64: "FLOAT", BigQueryType.BOOL: "BOOLEAN"}


def schema_fields(columns: list[Column], policy_tags: dict[str, str] | None = None) -> list[dict]:
    """One field per column, nested for RECORDs, with mode, description and policy tag.

    ``policy_tags`` maps dotted column paths (``address.city``) to policy tag names.
    """
    return [_field(c, c.name, policy_tags or {}) for c in columns]


def schema_json(columns: list[Column], policy_tags: dict[str, str] | None = None) -> str:
    """The schema as compact, stable JSON."""
    return json.dumps(schema_fields(columns, policy_tags), separators=(",", ":"))


def time_partitioning(port: OutputPort) -> tuple[str, str]:
    """(column, granularity) of the port table's partitioning: as declared, else DAY on processing time."""
    if port.partitioning:
        return port.partitioning.column, port.partitioning.granularity
    return next(c.name for c in port.columns if c.role == ColumnRole.PROCESSING_TIME), "DAY"


def _field(column: Column, path: str, policy_tags: dict[str, str]) -> dict:
    mode = "REPEATED" if column.repeated else "REQUIRED" if column.required else "NULLABLE"
    out: dict = {"name": column.name, "type": _API_TYPES.get(column.type, column.type.value), "mode": mode}
    if column.description:
        out["description"] = column.description
    if path in policy_tags:
        out["policyTags"] = {"names": [policy_tags[path]]}
    if column.fields:
        out["fields"] = [_field(f, f"{path}.{f.name}", policy_tags) for f in column.fields]
    return out


def view_schema_fields(columns: list[Column]) -> list[dict]:
    """An interface view's schema as BigQuery computes it from the view's SQL, with the declared
    descriptions: what the provider may set on a view (``view_sql.interface_view_sql``).

    ``columns`` as the view masks them (``column_security.view_masking``): a column still marked PII is
    hashed in SQL, so it is a STRING (a hashed array or record too: one hex string). Every other field
    keeps its type (API names) and nesting. Views have no REQUIRED fields (the provider refuses one at
    creation, BigQuery computes NULLABLE): a field is REPEATED or NULLABLE. No policy tags: they stay on
    the port table, where BigQuery enforces them for readers of the view too.
    """
    return [_view_field(c) for c in columns]


def _view_field(column: Column) -> dict:
    if column.pii:
        out: dict = {"name": column.name, "type": "STRING", "mode": "NULLABLE"}
    else:
        out = {"name": column.name, "type": _API_TYPES.get(column.type, column.type.value),
               "mode": "REPEATED" if column.repeated else "NULLABLE"}
    if column.description:
        out["description"] = column.description
    if column.fields and not column.pii:
        out["fields"] = [_view_field(f) for f in column.fields]
    return out


PUBSUB_RAW_COLUMNS: list[dict] = [
    {"name": "subscription_name", "type": "STRING", "mode": "NULLABLE"},
    {"name": "message_id", "type": "STRING", "mode": "NULLABLE"},
    {"name": "publish_time", "type": "TIMESTAMP", "mode": "NULLABLE"},
    {"name": "data", "type": "STRING", "mode": "NULLABLE"},
    {"name": "attributes", "type": "STRING", "mode": "NULLABLE"},
]
"""The table a Pub/Sub BigQuery subscription with ``write_metadata`` writes into."""
