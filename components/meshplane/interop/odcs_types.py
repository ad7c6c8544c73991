"""Column types of an imported ODCS contract as BigQuery types (``docs/interop.md`` has the table).

Contracts come from many databases: a physical type is read in the words of the usual SQL engines
(``TIMESTAMP_NTZ``, ``timestamp with time zone``, ``VARCHAR(36)``, ``CLOB``), else the logical type
decides. The mapping keeps what the type says about time: an instant (with a time zone) is a
TIMESTAMP, a wall-clock date and time (without one) a DATETIME, a calendar day a DATE. A map has no
BigQuery type of its own and is kept as JSON, saying so.
"""

from __future__ import annotations

import re

from ..declaration.types import BigQueryType

_WORDS = {
    "INT64": ("INTEGER", "INT", "INT2", "INT4", "INT8", "INT16", "INT32", "BIGINT", "SMALLINT", "TINYINT",
              "BYTEINT", "MEDIUMINT", "LONG", "SHORT", "SERIAL", "BIGSERIAL"),
    "FLOAT64": ("FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "DOUBLE PRECISION", "REAL", "BINARY_DOUBLE",
                "BINARY_FLOAT"),
    "NUMERIC": ("DECIMAL", "NUMBER", "DEC", "MONEY"),
    "BIGNUMERIC": ("BIGDECIMAL",),
    "BOOL": ("BOOLEAN", "BIT"),
    "STRING": ("VARCHAR", "CHAR", "CHARACTER", "CHARACTER VARYING", "TEXT", "NVARCHAR", "NCHAR",
               "NVARCHAR2", "VARCHAR2", "CLOB", "NCLOB", "LONGTEXT", "MEDIUMTEXT", "TINYTEXT", "UUID",
               "UNIQUEIDENTIFIER", "ROWID", "UROWID", "ENUM", "CITEXT", "XML"),
    "BYTES": ("BINARY", "VARBINARY", "BLOB", "BYTEA", "RAW", "LONG RAW", "IMAGE", "LONGBLOB"),
    "TIMESTAMP": ("TIMESTAMP_TZ", "TIMESTAMPTZ", "TIMESTAMP_LTZ", "TIMESTAMP WITH TIME ZONE",
                  "TIMESTAMP WITH LOCAL TIME ZONE", "DATETIMEOFFSET", "INSTANT"),
    "DATETIME": ("TIMESTAMP_NTZ", "TIMESTAMP WITHOUT TIME ZONE", "DATETIME2", "SMALLDATETIME",
                 "LOCALDATETIME"),
    "TIME": ("TIME WITHOUT TIME ZONE", "TIMETZ", "TIME WITH TIME ZONE"),
    "RECORD": ("STRUCT", "OBJECT", "ROW"),
    "JSON": ("JSONB", "VARIANT", "MAP", "SUPER"),
}
PHYSICAL = {word: bq for bq, words in _WORDS.items() for word in words}
"""Physical type names (upper case, parameters removed) that are not BigQuery's own, by BigQuery type."""
FROM_LOGICAL = {"string": "STRING", "integer": "INT64", "number": "FLOAT64", "boolean": "BOOL",
                "date": "DATE", "timestamp": "TIMESTAMP", "time": "TIME", "map": "JSON"}
_PARAMS = re.compile(r"\s*\(.*?\)")


def physical_name(physical: str) -> str:
    """``'timestamp(6) with time zone'`` as ``'TIMESTAMP WITH TIME ZONE'``; ``STRUCT<...>`` as ``STRUCT``."""
    name = re.sub(r"\s+", " ", _PARAMS.sub("", physical.strip().upper()))
    return re.sub(r"\s*<.*$", "", name)


def bq_type(physical: object, logical: object, nested: object, options: object = None) -> str | None:
    """The BigQuery type of a property, or None when neither type says one."""
    if isinstance(physical, str) and physical.strip():
        name = physical_name(physical)
        if name.startswith("INTERVAL"):
            return "INTERVAL"
        name = PHYSICAL.get(name, name)
        if name == "RECORD" and not nested and logical != "object":
            name = "JSON"
        if name in BigQueryType.__members__:
            return name
    if logical == "object":
        return "RECORD" if nested else "JSON"
    if logical == "timestamp" and isinstance(options, dict) and options.get("timezone") is False:
        return "DATETIME"
    return FROM_LOGICAL.get(logical) if isinstance(logical, str) else None


def is_map(physical: object, logical: object) -> bool:
    """A map (``MAP<K, V>`` or ``logicalType: map``): BigQuery keeps it as JSON."""
    return logical == "map" or isinstance(physical, str) and physical_name(physical) == "MAP"
