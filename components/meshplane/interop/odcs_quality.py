"""A port's ``quality`` rules as ODCS v3 ``quality`` items, and back.

A rule about a column (``nullCheck``, ``uniqueCheck``, a declarative rule with a ``column``) sits on
that column's property; the others on the port's schema object. Each item has the rule's ``name``
(when declared), ``dimension`` and ``description``, and its check in ODCS terms:

| rule | ODCS |
|---|---|
| ``nullCheck`` | ``metric: nullValues``, ``mustBe: 0``; with a threshold t < 1 ``mustBeLessOrEqualTo: (1-t)*100, unit: percent`` |
| ``uniqueCheck`` | ``metric: duplicateValues``, the same operators |
| ``rowCount`` | ``metric: rowCount``, ``mustBeGreaterOrEqualTo: <minRows>`` |
| ``sql`` | ``type: sql``, ``query: SELECT COUNT(*) FROM (<query>)``, ``mustBe: 0`` (ODCS compares a value) |
| none (declarative) | ``type: text`` |

Reading back (``read_quality``) maps exactly these shapes to rules; any other valid item (another
metric or operator, custom engines) is kept as a declarative rule with its description, and a note
says why, so the comparison with the re-export reports each field not kept.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..declaration.model import OutputPort
from ..declaration.quality import QualityCheck, QualityDimension, QualityRule

C, D = QualityCheck, QualityDimension
METRICS = {C.NULL_CHECK: "nullValues", C.UNIQUE_CHECK: "duplicateValues"}
SYNONYMS = {"ac": D.ACCURACY, "cp": D.COMPLETENESS, "cf": D.CONFORMITY, "cs": D.CONSISTENCY, "cv": D.COVERAGE,
            "tm": D.TIMELINESS, "uq": D.UNIQUENESS}
BY_METRIC = {"nullValues": D.COMPLETENESS, "missingValues": D.COMPLETENESS, "duplicateValues": D.UNIQUENESS,
             "rowCount": D.COMPLETENESS, "invalidValues": D.CONFORMITY}
_WRAPPED = re.compile(r"^\s*SELECT\s+COUNT\(\*\)\s+FROM\s+\((?P<query>.*)\)\s*$", re.I | re.S)
KEPT_AS_TEXT = ("kept as a declarative rule: meshplane checks nullValues and duplicateValues (mustBe 0, or "
                "mustBeLessOrEqualTo in percent), rowCount (mustBeGreaterOrEqualTo) and sql (mustBe 0)")


def odcs_item(rule: QualityRule) -> dict:
    """One rule as an ODCS quality item."""
    out: dict = {"name": rule.name} if rule.name else {}
    if rule.rule in METRICS:
        out |= {"type": "library", "metric": METRICS[rule.rule], **_share(rule.threshold)}
    elif rule.rule == C.ROW_COUNT:
        out |= {"type": "library", "metric": "rowCount", "mustBeGreaterOrEqualTo": rule.min_rows}
    elif rule.rule == C.SQL:
        out |= {"type": "sql", "query": f"SELECT COUNT(*) FROM ({rule.query})", "mustBe": 0}
    else:
        out["type"] = "text"
    return out | {"dimension": rule.dimension.value, "description": rule.description}


def _share(threshold: float | None) -> dict:
    """``mustBe: 0`` for every row, else the share of failing rows allowed, in percent."""
    if threshold is None or threshold == 1:
        return {"mustBe": 0}
    percent = (1 - Decimal(str(threshold))) * 100
    return {"mustBeLessOrEqualTo": int(percent) if percent == percent.to_integral() else float(percent),
            "unit": "percent"}


def with_quality(obj: dict, port: OutputPort) -> dict:
    """The schema object ``obj`` with the port's rules on it and on its top-level properties."""
    on_object = [odcs_item(q) for q in port.quality if q.column is None]
    for prop in obj["properties"]:
        items = [odcs_item(q) for q in port.quality if q.column == prop["name"]]
        if items:
            nested = {k: prop.pop(k) for k in ("items", "properties") if k in prop}  # nested ones stay last
            prop.update({"quality": items, **nested})
    if not on_object:
        return obj
    properties = obj.pop("properties")
    return obj | {"quality": on_object, "properties": properties}


def read_item(item: dict, column: str | None) -> tuple[dict | None, str | None]:
    """A rule (declaration keys) from an ODCS item on ``column`` (None: on the object), and a note on
    what was not kept; ``(None, why)`` when it cannot become a rule."""
    dimension = _dimension(item)
    if dimension is None:
        return None, "a meshplane quality rule needs a dimension (accuracy, completeness, " \
                     "conformity, consistency, coverage, timeliness or uniqueness)"
    rule: dict = {"dimension": dimension.value} | ({"name": item["name"]} if _is_name(item.get("name")) else {})
    check = _check(item, column)
    description = item.get("description") if isinstance(item.get("description"), str) else None
    if check is None:
        if not description:
            return None, "a declarative rule needs a description"
        note = None if item.get("type") == "text" else KEPT_AS_TEXT
        return rule | {"description": description[:1024]} | ({"column": column} if column else {}), note
    note = f"read as rowCount minRows {check['minRows']} (meshplane exports mustBeGreaterOrEqualTo)" \
        if "mustBeGreaterThan" in item else None
    return rule | {"description": (description or _described(check, column))[:1024]} | check, note


def _check(item: dict, column: str | None) -> dict | None:
    """The check an item states, in declaration keys; None when it is not one meshplane runs."""
    kind, metric = item.get("type") or ("library" if item.get("metric") else None), item.get("metric")
    ops = {k: v for k, v in item.items() if k.startswith("must")}
    if kind == "library" and column and metric in ("nullValues", "duplicateValues"):
        threshold = _threshold(ops, item.get("unit"))
        if threshold is not False:
            rule = C.NULL_CHECK if metric == "nullValues" else C.UNIQUE_CHECK
            return {"rule": rule.value, "column": column} | ({"threshold": threshold} if threshold else {})
    if kind == "library" and not column and metric == "rowCount" and len(ops) == 1:
        (op, rows), = ops.items()
        rows = rows + 1 if op == "mustBeGreaterThan" and _count(rows) else rows  # counts: > n is >= n + 1
        if op in ("mustBeGreaterOrEqualTo", "mustBeGreaterThan") and _count(rows) and rows >= 1:
            return {"rule": C.ROW_COUNT.value, "minRows": rows}
    if kind == "sql" and not column and ops == {"mustBe": 0} and isinstance(item.get("query"), str):
        match = _WRAPPED.match(item["query"])
        if match:
            return {"rule": C.SQL.value, "query": match["query"]}
    return None


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _threshold(ops: dict, unit: object) -> float | None | bool:
    """The share of rows that must pass (None: every row); False when the operators say something else."""
    if ops == {"mustBe": 0} and unit in (None, "rows"):
        return None
    percent = ops.get("mustBeLessOrEqualTo")
    if list(ops) == ["mustBeLessOrEqualTo"] and unit == "percent" and isinstance(percent, (int, float)) \
            and not isinstance(percent, bool) and 0 <= percent < 100:
        return float(1 - Decimal(str(percent)) / 100)
    return False


def _dimension(item: dict) -> QualityDimension | None:
    given = item.get("dimension")
    if isinstance(given, str):
        text = given.strip().lower()
        return SYNONYMS.get(text) or next((d for d in QualityDimension if d.value == text), None)
    return BY_METRIC.get(item.get("metric"))


def _is_name(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 63


def _described(check: dict, column: str | None) -> str:
    rule = check["rule"]
    if rule == C.NULL_CHECK.value:
        return f"{column} is never NULL." if "threshold" not in check else \
            f"At least {check['threshold']:g} of the rows have a non-null {column}."
    if rule == C.UNIQUE_CHECK.value:
        return f"{column} is unique." if "threshold" not in check else \
            f"At least {check['threshold']:g} of the rows have a unique {column}."
    if rule == C.ROW_COUNT.value:
        rows = check["minRows"]
        return f"The port table has at least {rows} row{'s' * (rows != 1)}."
    return "The query returns no rows."


def read_quality(obj: dict, props: list) -> tuple[list[dict], dict[tuple, tuple], dict[tuple, str]]:
    """The rules of the schema object, then those of each top-level property; each rule's origin in
    the contract (``("quality", k)`` -> contract path) and notes on items not kept as given."""
    placed = [(("schema", 0, "quality"), obj.get("quality"), None)]
    placed += [(("schema", 0, "properties", i, "quality"), p.get("quality"), p.get("name"))
               for i, p in enumerate(props) if isinstance(p, dict)]
    rules, origins, notes = [], {}, {}
    for at, items, column in placed:
        kept = len(rules)
        for j, item in enumerate(items if isinstance(items, list) else []):
            rule, note = read_item(item, column) if isinstance(item, dict) else (None, "not a quality item")
            if note:
                notes[at + (j,)] = note
            if rule is not None and rule.get("rule") and any(_checked(rule) == _checked(r) for r in rules):
                notes[at + (j,)] = "the same check as an earlier quality item: imported once"
            elif rule is not None:
                origins[("quality", len(rules))] = at + (j,)
                rules.append(rule)
        if items and len(rules) == kept:  # none kept: the whole list is reported, with the first reason
            notes[at] = notes.get(at + (0,), "not a list of quality items")
    return rules, origins, notes


def _checked(rule: dict) -> dict:
    """What a rule checks, without the words about it."""
    return {k: v for k, v in rule.items() if k not in ("name", "description", "dimension")}
