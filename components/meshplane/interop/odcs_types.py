"""Column types of an imported ODCS contract as BigQuery types (``docs/interop.md`` has the table).

Contracts come from many databases: a physical type is read in the words of the usual SQL engines
(``TIMESTAMP_NTZ``, ``timestamp with time zone``, ``VARCHAR(36)``, ``CLOB``), else the logical type
decides. The mapping keeps what the type says about time: an instant (with a time zone) is a
TIMESTAMP, a wall-clock date and time (without one) a DATETIME, a calendar day a DATE. Where a word
means different things in different databases (a bare TIMESTAMP, Oracle's DATE and LONG, a decimal
without precision) the contract's server type decides, and without one the import says what it
chose. A decimal wider than NUMERIC (29 integer digits, 9 decimals) is a BIGNUMERIC. A map has no
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


BARE_TIMESTAMP = {
    **dict.fromkeys(("postgres", "postgresql", "oracle", "snowflake", "redshift", "trino", "presto", "athena",
                     "duckdb", "db2", "vertica", "sqlite"), "DATETIME"),
    **dict.fromkeys(("bigquery", "databricks", "spark", "mysql", "clickhouse"), "TIMESTAMP"),
    **dict.fromkeys(("sqlserver", "synapse", "azure"), "BYTES"),  # TIMESTAMP is ROWVERSION there
}
"""What a bare ``TIMESTAMP`` (no zone words) is in the contract's server type: a wall-clock time without a
zone in the SQL standard's engines, an instant in BigQuery, Spark and MySQL, a row version in SQL Server."""
UNBOUNDED_DECIMAL = {"postgres", "postgresql", "oracle", "snowflake"}
"""Server types whose ``NUMERIC``/``NUMBER`` without a precision holds more than NUMERIC's 29 integer digits
(Snowflake's default is NUMBER(38,0))."""
ORACLE = {"DATE": "DATETIME", "LONG": "STRING"}
"""Oracle's own words: its DATE keeps a time of day; LONG is text."""
_DECIMALS = {"DECIMAL", "NUMBER", "NUMERIC", "DEC"}
_PRECISION = re.compile(r"\(\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?\)")


def bq_type(physical: object, logical: object, nested: object, options: object = None,
            server: str | None = None) -> str | None:
    """The BigQuery type of a property, or None when neither type says one. ``server``: the contract's
    ``servers[].type`` (lower case), which decides what a bare TIMESTAMP, an Oracle DATE or LONG, or a
    decimal without precision is."""
    zone = options.get("timezone") if isinstance(options, dict) else None
    if isinstance(physical, str) and physical.strip():
        name = physical_name(physical)
        if name.startswith("INTERVAL"):
            return "INTERVAL"
        if name == "TIMESTAMP" and isinstance(zone, bool):
            return "TIMESTAMP" if zone else "DATETIME"
        if name == "TIMESTAMP" and server in BARE_TIMESTAMP:
            return BARE_TIMESTAMP[server]
        if server == "oracle" and name in ORACLE:
            return ORACLE[name]
        if name in _DECIMALS:
            return decimal_type(physical, server)
        name = PHYSICAL.get(name, name)
        if name == "RECORD" and not nested and logical != "object":
            name = "JSON"
        if name in BigQueryType.__members__:
            return name
    if logical == "object":
        return "RECORD" if nested else "JSON"
    if logical == "timestamp" and zone is False:
        return "DATETIME"
    return FROM_LOGICAL.get(logical) if isinstance(logical, str) else None


def decimal_type(physical: str, server: str | None) -> str:
    """NUMERIC while it holds the value (at most 29 integer digits and 9 decimals), else BIGNUMERIC."""
    found = _PRECISION.search(physical)
    if found is None:
        return "BIGNUMERIC" if server in UNBOUNDED_DECIMAL else "NUMERIC"
    precision, scale = int(found[1]), int(found[2] or 0)
    return "NUMERIC" if precision - scale <= 29 and 0 <= scale <= 9 else "BIGNUMERIC"


def ambiguity(physical: object, options: object, server: str | None) -> str | None:
    """What to say when a physical type means different things in different databases and the contract
    does not say which (no ``servers[].type`` of a known engine, no ``logicalTypeOptions.timezone``)."""
    if not isinstance(physical, str) or server in BARE_TIMESTAMP:
        return None
    name = physical_name(physical)
    if name == "TIMESTAMP" and not (isinstance(options, dict) and isinstance(options.get("timezone"), bool)):
        return ("read a bare TIMESTAMP as TIMESTAMP (an instant, as in BigQuery, Spark, MySQL); in Postgres, "
                "Oracle, Snowflake, Redshift or Trino it has no time zone (a DATETIME): give the contract's "
                "servers[].type, logicalTypeOptions.timezone, or TIMESTAMP_NTZ / timestamp with time zone")
    if name == "LONG":
        return ("read LONG as INT64 (a 64-bit integer); in Oracle it is text (STRING): give the contract's "
                "servers[].type")
    return None


def is_map(physical: object, logical: object) -> bool:
    """A map (``MAP<K, V>`` or ``logicalType: map``): BigQuery keeps it as JSON."""
    return logical == "map" or isinstance(physical, str) and physical_name(physical) == "MAP"
