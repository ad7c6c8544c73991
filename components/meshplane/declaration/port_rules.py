"""Cross-field rules of one output port: columns, time roles, table layout, consumers, row filters."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from .model import Column, Consumer, DataProduct, OutputPort, RowFilter
from .problems import Finding, Path
from .quality_checks import check_quality
from .rulekit import Rule, column_lists, column_paths, duplicates, each, parsed, product_ref
from .types import ACTUAL_TIME_TYPES, CLUSTERABLE_TYPES, PARTITIONABLE_TYPES, BigQueryType, ColumnRole


def port_rules(port: OutputPort, at: Path, product: DataProduct) -> Iterator[Rule]:
    """The rules of the output port at ``at``, each independent of the others."""
    schema = at + ("schema",)
    columns = parsed(port, "columns") or []
    for path, listed in column_lists(columns, schema):
        yield partial(duplicates, listed, lambda c: c.name.lower(), path, "column")
    for path, col in column_paths(columns, schema):
        yield from (partial(rule, col, path) for rule in (_record, _mode))
        if len(path) > len(schema) + 1:
            yield partial(_nested_role, col, path)
    yield partial(_roles, port, schema)
    yield partial(_partitioning, port, at + ("partitioning", "column"))
    for i, _ in each(port, "clustering"):
        yield partial(_clustering, port, i, at + ("clustering", i))
    yield lambda: duplicates(port.consumers, lambda c: c.key, at + ("consumers",), "consumer")
    for i, consumer in each(port, "consumers"):
        yield partial(_consumer, consumer, at + ("consumers", i), product)
    yield lambda: duplicates(port.row_filters, lambda r: r.name, at + ("rowFilters",), "row filter")
    yield partial(check_quality, port, at)
    for i, row_filter in each(port, "row_filters"):
        yield partial(_grantees, port, row_filter, at + ("rowFilters", i))


def _record(col: Column, here: Path) -> Iterator[Finding]:
    if col.type == BigQueryType.RECORD and not col.fields:
        yield Finding(here + ("fields",), "a RECORD needs nested fields; given none; "
                      "expected a list of columns under 'fields'")
    if col.type != BigQueryType.RECORD and col.fields:
        yield Finding(here + ("fields",), f"only a RECORD has nested fields; given type "
                      f"{col.type.value}; expected type RECORD or no 'fields'")


def _mode(col: Column, here: Path) -> Iterator[Finding]:
    if col.required and col.repeated:
        yield Finding(here + ("repeated",), "a column is either required or repeated; given "
                      "both; expected one of them (a repeated column is never NULL)")


def _nested_role(col: Column, here: Path) -> Iterator[Finding]:
    if col.role is not None:
        yield Finding(here + ("role",), f"a time role belongs on a top-level column; given "
                      f"{col.role.value!r} on a nested field; expected it on a top-level column")


def _roles(port: OutputPort, schema: Path) -> Iterator[Finding]:
    top = list(enumerate(port.columns))
    processing = [(i, c) for i, c in top if c.role == ColumnRole.PROCESSING_TIME]
    actual = [(i, c) for i, c in top if c.role == ColumnRole.ACTUAL_TIME]
    if len(processing) != 1:
        given = ", ".join(c.name for _, c in processing) or "none"
        yield Finding(schema, "every output port has exactly one processingTime column (bitemporal "
                      f"standard); given {given}; expected one TIMESTAMP column with role: processingTime")
    for i, col in processing:
        if col.type != BigQueryType.TIMESTAMP or col.repeated:
            yield Finding(schema + (i, "type"), f"the processingTime column must be a TIMESTAMP; "
                          f"given {col.type.value}; expected TIMESTAMP")
    for i, col in actual[1:]:
        yield Finding(schema + (i, "role"), f"at most one actualTime column per port; given a second "
                      f"one, {col.name!r}; expected one actualTime column")
    for i, col in actual:
        if col.type not in ACTUAL_TIME_TYPES or col.repeated:
            yield Finding(schema + (i, "type"), f"the actualTime column must be a point in time; "
                          f"given {col.type.value}; expected DATE, DATETIME or TIMESTAMP")


def _partitioning(port: OutputPort, at: Path) -> Iterator[Finding]:
    if port.partitioning is None:
        return
    name, top = port.partitioning.column, {c.name: c for c in port.columns}
    if name not in top:
        yield Finding(at, f"partitioning refers to an undeclared column; given {name!r}; expected "
                      f"one of {', '.join(top)}")
    elif top[name].type not in PARTITIONABLE_TYPES or top[name].repeated:
        yield Finding(at, f"column {name!r} cannot partition a table; given type "
                      f"{top[name].type.value}; expected DATE, DATETIME or TIMESTAMP")


def _clustering(port: OutputPort, i: int, at: Path) -> Iterator[Finding]:
    name, top = port.clustering[i], {c.name: c for c in port.columns}
    if name not in top:
        yield Finding(at, f"clustering refers to an undeclared column; given {name!r}; expected "
                      f"one of {', '.join(top)}")
    elif top[name].type not in CLUSTERABLE_TYPES or top[name].repeated:
        yield Finding(at, f"column {name!r} cannot cluster a table; given type "
                      f"{top[name].type.value}; expected a non-repeated STRING, INT64, NUMERIC, "
                      "BIGNUMERIC, BOOL, DATE, DATETIME, TIMESTAMP or GEOGRAPHY column")


def _consumer(c: Consumer, at: Path, product: DataProduct) -> Iterator[Finding]:
    if (c.principal is None) == (c.data_product is None):
        yield Finding(at, "a consumer is either a principal or a data product; given "
                      f"{'both' if c.principal else 'neither'}; expected exactly one of principal, dataProduct")
    elif c.principal is not None and not c.purpose:
        yield Finding(at, f"a consumer principal needs a purpose; given {c.principal!r} without one; "
                      "expected purpose: why they read this port")
    elif c.data_product is not None:
        yield from product_ref(c.data_product, at + ("dataProduct",))
        if c.data_product == product.id:
            yield Finding(at + ("dataProduct",), "a product does not consume itself; given "
                          f"{c.data_product!r}; expected another data product")


def _grantees(port: OutputPort, row_filter: RowFilter, at: Path) -> Iterator[Finding]:
    readers = {c.principal for c in port.consumers if c.principal}
    for j, grantee in enumerate(row_filter.grantees):
        if grantee not in readers:
            yield Finding(at + ("grantees", j), "a row filter grantee must be a consumer of the "
                          f"port, or it cannot query it; given {grantee!r}; expected it among the "
                          "port's consumers, with a purpose")
