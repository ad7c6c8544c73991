"""Cross-field checks of an output port's ``quality`` rules: the fields each rule type needs, the
columns rules name, the SQL they run and the scan rule names they get (pure, like ``rules.py``)."""

from __future__ import annotations

from collections.abc import Iterator

from .model import OutputPort
from .problems import Finding, Path
from .quality import OBJECT_PLACEHOLDER, QualityCheck, QualityRule
from .types import BigQueryType

C = QualityCheck
NEEDS = {C.NULL_CHECK: ("column",), C.UNIQUE_CHECK: ("column",), C.ROW_COUNT: ("min_rows",), C.SQL: ("query",)}
ALLOWS = {None: {"column"}, C.NULL_CHECK: {"column", "threshold"}, C.UNIQUE_CHECK: {"column", "threshold"},
          C.ROW_COUNT: {"min_rows"}, C.SQL: {"query"}}
OPTIONAL = ("column", "threshold", "min_rows", "query")
UNCOMPARABLE = {BigQueryType.GEOGRAPHY, BigQueryType.JSON}  # BigQuery cannot group or compare them


def check_quality(port: OutputPort, at: Path) -> Iterator[Finding]:
    """Every finding of the port's quality rules, in document order."""
    top = {c.name: c for c in port.columns}
    for i, rule in enumerate(port.quality):
        here = at + ("quality", i)
        yield from _fields(rule, here)
        if rule.column is not None:
            yield from _column(rule, top, here + ("column",))
        if rule.rule == C.SQL and rule.query:
            yield from _sql(rule.query, here + ("query",))
    yield from _names(port, at)


def _fields(rule: QualityRule, at: Path) -> Iterator[Finding]:
    kind = rule.rule.value if rule.rule else "a declarative rule"
    for key in NEEDS.get(rule.rule, ()):
        if getattr(rule, key) is None:
            yield Finding(at, f"{kind} needs {_camel(key)}; given none; expected {_camel(key)} "
                          f"({_what(key)})")
    for key in OPTIONAL:
        if getattr(rule, key) is not None and key not in ALLOWS[rule.rule]:
            users = ", ".join(c.value for c, keys in ALLOWS.items() if c and key in keys)
            yield Finding(at + (_camel(key),), f"{_camel(key)} has no meaning for {kind}; given "
                          f"{getattr(rule, key)!r}; expected it only with rule {users}")


def _column(rule: QualityRule, top: dict, at: Path) -> Iterator[Finding]:
    column = top.get(rule.column)
    if column is None:
        yield Finding(at, f"a quality rule names an undeclared column; given {rule.column!r}; expected a "
                      f"top-level column of the port: {', '.join(top)}")
    elif rule.rule in (C.NULL_CHECK, C.UNIQUE_CHECK) and (column.repeated or column.type == BigQueryType.RECORD):
        yield Finding(at, f"{rule.rule.value} checks one value per row; given {rule.column!r}, a "
                      f"{'repeated' if column.repeated else 'RECORD'} column; expected a scalar column")
    elif rule.rule == C.UNIQUE_CHECK and column.type in UNCOMPARABLE:
        yield Finding(at, f"uniqueCheck compares values; given {rule.column!r} of type {column.type.value}, "
                      "which BigQuery cannot compare; expected a column of another type")


def _sql(query: str, at: Path) -> Iterator[Finding]:
    """One BigQuery SELECT over {object}, the port table alone (``quality_sql``)."""
    from .quality_sql import query_problems  # sqlglot: only when a declaration has a SQL rule

    for message in query_problems(query):
        yield Finding(at, message)


def _names(port: OutputPort, at: Path) -> Iterator[Finding]:
    """Each scan rule needs its own name: a declared one may not repeat another or a built-in one."""
    from .quality_names import scan_rule_name, slo_rule_names  # the scan's own naming

    taken = slo_rule_names(port)
    for i, rule in enumerate(port.quality):
        if rule.rule is None or any(getattr(rule, key) is None for key in NEEDS[rule.rule]):
            continue
        name = scan_rule_name(rule)
        if name in taken:
            yield Finding(at + ("quality", i), f"two data-quality scan rules would be named {name!r}; given a "
                          "rule whose name (or what it checks) repeats another; expected a distinct name")
        taken.append(name)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(w.title() for w in rest)


def _what(key: str) -> str:
    return {"column": "a top-level column of the port", "min_rows": "the fewest rows, e.g. 1000",
            "query": f"a SELECT over {OBJECT_PLACEHOLDER} returning the rows that break it"}[key]
