"""Rules on how a product looks after its data: erasure of data subjects, raw access, purging.

* An output port with personal data names its subject-key column, so governance can erase a data
  subject through the control port. The key is a top-level, non-repeated scalar column; no column of
  the port may be named ``subject_key`` (the erasure procedure's argument: BigQuery resolves a name
  to a column before a variable, so ``WHERE key = subject_key`` would match every row).
* ``rawAccess`` on a consumer needs something to read raw: PII or classified columns.
* ``purge`` lifts the protection of a product's data; it is accepted on a retired product only
  (production stacks refuse it: ``governance/platform_checks.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from .model import Column, DataProduct, OutputPort
from .problems import Finding, Path
from .rulekit import Rule, each
from .types import BigQueryType, Status

SUBJECT_KEY_TYPES = (BigQueryType.STRING, BigQueryType.INT64, BigQueryType.NUMERIC,
                     BigQueryType.BIGNUMERIC, BigQueryType.BYTES)
ARGUMENT = "subject_key"  # the argument of the control port's erase_subject procedure


def stewardship_rules(product: DataProduct) -> Iterator[Rule]:
    """Subject keys and raw access of every output port, and the purge flag."""
    for i, port in each(product, "output_ports"):
        yield partial(_subject_key, port, ("outputPorts", i))
        yield partial(_raw_access, port, ("outputPorts", i))
    yield partial(_purge, product)


def _purge(product: DataProduct) -> Iterator[Finding]:
    if product.purge and product.status != Status.RETIRED:
        yield Finding(("purge",), "purge deletes the product's data and applies to a retired product "
                      f"only; given status {product.status.value!r}; expected status 'retired' or no purge")


def _subject_key(port: OutputPort, at: Path) -> Iterator[Finding]:
    key = port.subject_key
    if key is None:
        if any(col.pii for col in _walk(port.columns)):
            yield Finding(at, "a port with PII must name the column that identifies the data subject, or "
                          "erasure requests cannot be served; given no subjectKey; expected subjectKey: "
                          "a top-level column such as listener_id")
        return
    top = {c.name: c for c in port.columns}
    if key not in top:
        yield Finding(at + ("subjectKey",), f"subjectKey refers to an undeclared top-level column; given "
                      f"{key!r}; expected one of {', '.join(top)}")
    elif top[key].type not in SUBJECT_KEY_TYPES or top[key].repeated:
        kind = f"repeated {top[key].type.value}" if top[key].repeated else top[key].type.value
        yield Finding(at + ("subjectKey",), f"column {key!r} cannot identify a data subject; given type "
                      f"{kind}; expected a non-repeated STRING, INT64, NUMERIC, BIGNUMERIC or BYTES column")
    for i, col in enumerate(port.columns):
        if col.name.lower() == ARGUMENT:
            yield Finding(at + ("schema", i, "name"), f"a column named {ARGUMENT!r} would shadow the erasure "
                          f"procedure's argument and erase every row; given {col.name!r}; expected "
                          "another name in a port with a subjectKey")


def _raw_access(port: OutputPort, at: Path) -> Iterator[Finding]:
    sensitive = any(col.pii or col.classification is not None for col in _walk(port.columns))
    for i, consumer in enumerate(port.consumers):
        if consumer.raw_access and not sensitive:
            yield Finding(at + ("consumers", i, "rawAccess"), "rawAccess reads PII and classified columns "
                          "unmasked, and the port has none; given rawAccess: true; expected no rawAccess")


def _walk(columns: list[Column]) -> Iterator[Column]:
    for col in columns:
        yield col
        yield from _walk(col.fields or [])
