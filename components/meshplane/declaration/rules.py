"""Cross-field rules of one declaration: pure functions from a model to findings.

Paths are raw (camelCase keys and list indices); the loader turns them into lines and the user's
names. Rules that need other products (consumption of retired products) live in ``mesh.py``.
"""

from __future__ import annotations

from collections import Counter
import re
from collections.abc import Iterable, Iterator
from datetime import timedelta

from .model import Column, DataProduct, Dbt, InputPort, OutputPort
from .problems import Finding, Path
from .quality_checks import check_quality
from .stewardship import check_stewardship
from .types import (
    ACTUAL_TIME_TYPES, CLUSTERABLE_TYPES, PARTITIONABLE_TYPES, BigQueryType, ColumnRole,
    Confidentiality, Encryption, check_slug, major_of, parse_duration,
)

ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_product(product: DataProduct) -> list[Finding]:
    """Every cross-field finding of one product, in document order."""
    findings = list(_identity(product))
    findings += _duplicates(product.input_ports, lambda p: p.name, ("inputPorts",), "input port")
    findings += _duplicates(product.output_ports, lambda p: (p.name, p.major), ("outputPorts",),
                            "output port", shown=lambda k: f"{k[0]} v{k[1]}")
    findings += _policies(product)
    for i, port in enumerate(product.input_ports):
        findings += _input_port(port, ("inputPorts", i), product)
    for i, port in enumerate(product.output_ports):
        findings += _output_port(port, ("outputPorts", i), product)
    if product.transformation is not None:
        findings += _dbt(product.transformation.dbt, ("transformation", "dbt"))
    return findings + check_stewardship(product)


def _identity(p: DataProduct) -> Iterator[Finding]:
    expected = f"{p.domain}.{p.name}"
    if p.id != expected:
        yield Finding(("id",), f"id must be '<domain>.<name>'; given {p.id!r}; expected {expected!r}")
    majors = [port.major for port in p.output_ports]
    if majors and major_of(p.version) < max(majors):
        yield Finding(("version",), f"a port's major version is ahead of the product's; given "
                      f"{p.version!r}; expected a product major of at least {max(majors)}")


def _policies(p: DataProduct) -> Iterator[Finding]:
    pol = p.policies
    if pol.confidentiality == Confidentiality.RESTRICTED and pol.encryption != Encryption.CMEK:
        yield Finding(("policies", "encryption"), "a restricted product must use customer-managed "
                      f"keys; given {pol.encryption.value!r}; expected 'cmek'")
    if pol.confidentiality == Confidentiality.PUBLIC:
        for i, port in enumerate(p.output_ports):
            for path, col in _walk_columns(port.columns, ("outputPorts", i, "schema")):
                if col.pii:
                    yield Finding(path + ("pii",), "PII is not allowed in a public product; given "
                                  "pii: true; expected a product confidentiality of internal or higher")


def _input_port(port: InputPort, at: Path, product: DataProduct) -> Iterator[Finding]:
    sources = [k for k in ("data_product", "bigquery_table", "gcs_prefix", "pubsub_topic")
               if getattr(port, k) is not None]
    names = "dataProduct, bigqueryTable, gcsPrefix or pubsubTopic"
    if len(sources) != 1:
        given = ", ".join(_camel(s) for s in sources) or "none"
        yield Finding(at, f"an input port has exactly one source; given {given}; expected one of {names}")
        return
    if port.data_product is not None:
        yield from _product_ref(port.data_product, at + ("dataProduct",))
        if port.data_product == product.id:
            yield Finding(at + ("dataProduct",), f"a product cannot read its own port; given "
                          f"{port.data_product!r}; expected another data product")
        for key, value in (("outputPort", port.output_port), ("version", port.version)):
            if value is None:
                yield Finding(at, f"an upstream port needs {key}; given none; expected "
                              f"{'the port name' if key == 'outputPort' else 'its major version'}")
    else:
        for key, value in (("outputPort", port.output_port), ("version", port.version)):
            if value is not None:
                yield Finding(at + (key,), f"only an upstream data product has {key}; given "
                              f"{value!r}; expected no {key} with an operational source")


def _output_port(port: OutputPort, at: Path, product: DataProduct) -> Iterator[Finding]:
    schema = at + ("schema",)
    yield from _column_names(port.columns, schema)
    yield from _roles(port, schema, at)
    top = {c.name: (i, c) for i, c in enumerate(port.columns)}
    if port.partitioning is not None:
        yield from _partitioning(port.partitioning.column, top, at + ("partitioning", "column"))
    for i, name in enumerate(port.clustering):
        yield from _clustering(name, top, at + ("clustering", i))
    yield from _duplicates(port.consumers, lambda c: c.key, at + ("consumers",), "consumer")
    for i, consumer in enumerate(port.consumers):
        yield from _consumer(consumer, at + ("consumers", i), product)
    yield from _duplicates(port.row_filters, lambda r: r.name, at + ("rowFilters",), "row filter")
    yield from check_quality(port, at)
    readers = {c.principal for c in port.consumers if c.principal}
    for i, row_filter in enumerate(port.row_filters):
        for j, grantee in enumerate(row_filter.grantees):
            if grantee not in readers:
                yield Finding(at + ("rowFilters", i, "grantees", j), "a row filter grantee must be a "
                              f"consumer of the port, or it cannot query it; given {grantee!r}; "
                              "expected it among the port's consumers, with a purpose")


def _column_names(columns: list[Column], at: Path) -> Iterator[Finding]:
    yield from _duplicates(columns, lambda c: c.name.lower(), at, "column")
    for i, col in enumerate(columns):
        here = at + (i,)
        if col.type == BigQueryType.RECORD and not col.fields:
            yield Finding(here + ("fields",), "a RECORD needs nested fields; given none; "
                          "expected a list of columns under 'fields'")
        if col.type != BigQueryType.RECORD and col.fields:
            yield Finding(here + ("fields",), f"only a RECORD has nested fields; given type "
                          f"{col.type.value}; expected type RECORD or no 'fields'")
        if col.required and col.repeated:
            yield Finding(here + ("repeated",), "a column is either required or repeated; given "
                          "both; expected one of them (a repeated column is never NULL)")
        if col.fields:
            yield from _column_names(col.fields, here + ("fields",))


def _roles(port: OutputPort, schema: Path, at: Path) -> Iterator[Finding]:
    for path, col in _walk_columns(port.columns, schema):
        if col.role is not None and len(path) != len(schema) + 1:
            yield Finding(path + ("role",), f"a time role belongs on a top-level column; given "
                          f"{col.role.value!r} on a nested field; expected it on a top-level column")
    top = [(i, c) for i, c in enumerate(port.columns)]
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


def _partitioning(name: str, top: dict, at: Path) -> Iterator[Finding]:
    if name not in top:
        yield Finding(at, f"partitioning refers to an undeclared column; given {name!r}; expected "
                      f"one of {', '.join(top)}")
    elif top[name][1].type not in PARTITIONABLE_TYPES or top[name][1].repeated:
        yield Finding(at, f"column {name!r} cannot partition a table; given type "
                      f"{top[name][1].type.value}; expected DATE, DATETIME or TIMESTAMP")


def _clustering(name: str, top: dict, at: Path) -> Iterator[Finding]:
    if name not in top:
        yield Finding(at, f"clustering refers to an undeclared column; given {name!r}; expected "
                      f"one of {', '.join(top)}")
    elif top[name][1].type not in CLUSTERABLE_TYPES or top[name][1].repeated:
        yield Finding(at, f"column {name!r} cannot cluster a table; given type "
                      f"{top[name][1].type.value}; expected a non-repeated STRING, INT64, NUMERIC, "
                      "BIGNUMERIC, BOOL, DATE, DATETIME, TIMESTAMP or GEOGRAPHY column")


def _consumer(c, at: Path, product: DataProduct) -> Iterator[Finding]:
    if (c.principal is None) == (c.data_product is None):
        yield Finding(at, "a consumer is either a principal or a data product; given "
                      f"{'both' if c.principal else 'neither'}; expected exactly one of principal, dataProduct")
    elif c.principal is not None and not c.purpose:
        yield Finding(at, f"a consumer principal needs a purpose; given {c.principal!r} without one; "
                      "expected purpose: why they read this port")
    elif c.data_product is not None:
        yield from _product_ref(c.data_product, at + ("dataProduct",))
        if c.data_product == product.id:
            yield Finding(at + ("dataProduct",), "a product does not consume itself; given "
                          f"{c.data_product!r}; expected another data product")


def _dbt(dbt: Dbt, at: Path) -> Iterator[Finding]:
    if not dbt.image.strip() or any(ch.isspace() for ch in dbt.image):
        yield Finding(at + ("image",), f"not a container image; given {dbt.image!r}; expected "
                      "REGISTRY/PATH[:TAG][@sha256:DIGEST]")
    for key in dbt.env:
        if not ENV_NAME_RE.match(key):
            yield Finding(at + ("env", key), f"not an environment variable name; given {key!r}; "
                          "expected letters, digits and underscores")
        elif key.upper().startswith("MESHPLANE_"):
            yield Finding(at + ("env", key), f"MESHPLANE_ variables are set by meshplane; given {key!r}; "
                          "expected another name")
    timeout = parse_duration(dbt.timeout)
    if timeout.total_seconds() > 168 * 3600:
        yield Finding(at + ("timeout",), f"Cloud Run jobs time out after at most 7 days; given "
                      f"{dbt.timeout!r}; expected at most P7D")
    from .schedule import shortest_interval  # imports croniter: only once a schedule is checked

    interval = shortest_interval(dbt.schedule.cron, dbt.schedule.time_zone)
    if interval < timeout:
        yield Finding(at + ("schedule", "cron"), "runs could overlap: the scheduler does not wait "
                      f"for a run to finish; given runs {_human(interval)} apart and a timeout of "
                      f"{dbt.timeout}; expected an interval of at least the timeout")


def _product_ref(ref: str, at: Path) -> Iterator[Finding]:
    parts = ref.split(".")
    ok = len(parts) == 2
    if ok:
        try:
            check_slug(parts[0]), check_slug(parts[1])
        except ValueError:
            ok = False
    if not ok:
        yield Finding(at, f"not a data product id; given {ref!r}; expected '<domain>.<name>'")


def _duplicates(items: Iterable, key, at: Path, what: str, shown=str) -> Iterator[Finding]:
    items = list(items)
    counts = Counter(key(item) for item in items)
    seen: set = set()
    for i, item in enumerate(items):
        k = key(item)
        if counts[k] > 1 and k in seen:
            yield Finding(at + (i,), f"duplicate {what}; given {shown(k)!r} {counts[k]} times; "
                          f"expected each {what} once")
        seen.add(k)


def _walk_columns(columns: list[Column], at: Path) -> Iterator[tuple[Path, Column]]:
    for i, col in enumerate(columns):
        yield at + (i,), col
        if col.fields:
            yield from _walk_columns(col.fields, at + (i, "fields"))


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(w.title() for w in rest)


def _human(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes} minutes"
