"""Rules of a port's ``serving``: which rows its interface view serves.

* ``history`` (the default) serves every row written; ``latestSnapshot`` the rows of the newest
  processing time; ``latestPerKey``, per key, the row with the newest processing time. Both latest
  modes choose rows by the port's processingTime column (``rules.py`` also requires it of every port;
  here the finding says why a latest port cannot do without it).
* Only ``latestPerKey`` has a key. Its columns are declared, top-level, non-repeated, of a type a
  window can partition by (BigQuery refuses floating point, and records, arrays, JSON and GEOGRAPHY
  do not group there), required (a NULL key would gather every keyless row into one "latest" row),
  each named once, and never the processingTime column (it orders the rows of a key).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import partial

from .model import Column, DataProduct, OutputPort
from .problems import Finding, Path
from .rulekit import Rule, each
from .types import KEY_TYPES, BigQueryType, ColumnRole, ServingMode

KEY_TYPE_NAMES = ", ".join(t.value for t in BigQueryType if t in KEY_TYPES)


def serving_rules(product: DataProduct) -> Iterator[Rule]:
    """One rule per output port (``rules.check_parsed`` runs each on its own): a port whose columns
    did not parse does not silence another port's findings."""
    for i, port in each(product, "output_ports"):
        yield partial(_serving, port, ("outputPorts", i, "serving"))


def _serving(port: OutputPort, at: Path) -> Iterator[Finding]:
    mode, key = port.serving.mode, port.serving.key
    if key and mode is not ServingMode.LATEST_PER_KEY:
        yield Finding(at + ("key",), f"only latestPerKey serves rows by key; given key [{', '.join(key)}] "
                      f"with mode {mode.value!r}; expected mode latestPerKey, or no key")
    if mode is ServingMode.HISTORY:
        return
    processing = [c.name for c in port.columns if c.role is ColumnRole.PROCESSING_TIME]
    if not processing:
        yield Finding(at + ("mode",), f"a {mode.value} port chooses its rows by the newest processing "
                      "time; given no processingTime column; expected a TIMESTAMP column with role: "
                      "processingTime")
    if mode is ServingMode.LATEST_PER_KEY:
        if not key:
            yield Finding(at, "latestPerKey needs the columns that identify a row; given no key; "
                          "expected key: [column, ...], e.g. key: [tenant_id]")
        yield from _key(port.columns, key, set(processing), at + ("key",))


def _key(columns: list[Column], key: list[str], processing: set[str], at: Path) -> Iterator[Finding]:
    top = {c.name: c for c in columns}
    nested = {f.name: c.name for c in columns for f in _nested(c)}
    counts, seen = Counter(key), set()
    for j, name in enumerate(key):
        here, column = at + (j,), top.get(name)
        if name in seen:
            yield Finding(here, f"duplicate key column; given {name!r} {counts[name]} times; expected "
                          "each column once")
        seen.add(name)
        if column is None and name in nested:
            yield Finding(here, f"a key column must be top-level; given {name!r}, a field of "
                          f"{nested[name]!r}; expected one of {', '.join(top)}")
        elif column is None:
            yield Finding(here, f"key refers to an undeclared column; given {name!r}; expected one of "
                          f"{', '.join(top)}")
        elif name in processing:
            yield Finding(here, f"the processingTime column orders the rows of a key and cannot be part "
                          f"of it; given {name!r}; expected the columns that identify a row")
        elif column.repeated or column.type not in KEY_TYPES:
            kind = f"repeated {column.type.value}" if column.repeated else column.type.value
            yield Finding(here, f"column {name!r} cannot be a key: BigQuery cannot partition a window by "
                          f"it; given type {kind}; expected a non-repeated {KEY_TYPE_NAMES} column")
        elif not column.required:
            yield Finding(here, f"key column {name!r} may be NULL, and every row without a key would "
                          "count as one key; given required: false; expected required: true on the column")


def _nested(column: Column) -> Iterator[Column]:
    for field in column.fields or []:
        yield field
        yield from _nested(field)
