"""The properties of an imported contract's schema object as the port's columns.

``Reader`` collects, while a contract is read: located problems (the import is refused), notes on
contract fields not kept as given (the report says why), origins (port path -> contract path, to
locate a problem of the port in the contract) and what the import added or changed on its own
(reported as such, e.g. the processing-time column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..declaration.problems import Problem
from ..declaration.yamlpos import Parsed
from .odcs import Defaults
from .odcs_report import contract_path
from .odcs_types import ambiguity, bq_type, is_map
from .odcs_words import level_of

PROCESSING_TIME = "processing_time"
"""The processingTime column an import adds (the name the starters and blueprints use)."""


class Notes(dict):
    """Contract path -> why the field was not kept as given; ``added``: (contract path, what the import
    did on its own), reported as such; ``read``: contract paths kept as another port field."""

    def __init__(self) -> None:
        super().__init__()
        self.added: list[tuple[tuple, str]] = []
        self.read: set[tuple] = set()  # contract paths kept as another port field (not reported)


@dataclass
class Reader:
    """The state of reading one contract."""

    file: str
    parsed: Parsed
    defaults: Defaults
    problems: list[Problem] = field(default_factory=list)
    origins: dict[tuple, tuple] = field(default_factory=dict)  # port path -> contract path
    notes: Notes = field(default_factory=Notes)
    ours: bool = False  # meshplane's own export (customProperties[portUrn] urn:meshplane:...)
    server: str | None = None  # the contract's one servers[].type, lower case (decides ambiguous types)

    def problem(self, path: tuple, message: str, key: bool = False) -> None:
        line, column = self.parsed.locate(path, key=key)
        self.problems.append(Problem(self.file, line, column, contract_path(self.parsed.data, path), message))


def read_columns(r: Reader, props: list, at: tuple, port_at: tuple) -> list[dict]:
    """The columns of the properties at contract path ``at`` (port path ``port_at``)."""
    r.origins[port_at] = at
    out = []
    for i, prop in enumerate(props):
        r.origins[port_at + (i,)] = at + (i,)
        out.append(_column(r, prop, at + (i,), port_at + (i,)))
    return out


def _column(r: Reader, prop: dict, at: tuple, port_at: tuple) -> dict:
    col: dict = {"name": prop.get("name")}
    items = prop.get("items") if isinstance(prop.get("items"), dict) else None
    inner = re.match(r"^\s*ARRAY\s*<(.*)>\s*$", str(prop.get("physicalType") or ""), re.I)
    element, elem_at = (items or {}, at + ("items",)) if items or inner else (prop, at)
    if prop.get("logicalType") == "array" or inner:
        if not items and not inner:
            r.notes[at + ("logicalType",)] = "an array without items (no element type): kept as one JSON " \
                "column; add items: {logicalType: ...} to the property for a repeated column of that type"
            return _described(r, prop, at, col | {"type": "JSON"})
        col["repeated"] = True
        physical = element.get("physicalType") or (inner[1] if inner else None)
    else:
        physical = prop.get("physicalType")
    col["type"] = _type(r, physical, element, elem_at)
    if col["type"] == "JSON" and col.get("repeated") and _is_array(element, physical):
        del col["repeated"]
        r.notes[at] = "BigQuery has no array of arrays: kept as one JSON column"
    _described(r, prop, at, col)
    nested = element.get("properties")
    if col["type"] == "RECORD" and isinstance(nested, list):
        col["fields"] = read_columns(r, nested, elem_at + ("properties",), port_at + ("fields",))
    return col


def _described(r: Reader, prop: dict, at: tuple, col: dict) -> dict:
    """``col`` with what the property says besides its type: required, description, pii, level, role."""
    not_null = [k for k in ("required", "isNullable") if prop.get(k) is (k == "required")]  # isNullable: false
    for key in not_null:
        if col.get("repeated"):
            r.notes[at + (key,)] = "a repeated column is never NULL in BigQuery"
        else:
            col["required"] = True
            if key == "isNullable":
                r.notes.read.add(at + (key,))
    if prop.get("description"):
        col["description"] = prop["description"]
    hints = {k: v for k, (_, v) in hints_of(prop).items()}
    if hints.get("pii") is True:
        col["pii"] = True
    _classification(r, prop.get("classification"), at, col)
    if "role" in hints:
        col["role"] = hints["role"]
    return col


def _is_array(element: dict, physical: object) -> bool:
    return element.get("logicalType") == "array" or bool(re.match(r"^\s*ARRAY\s*<", str(physical or ""), re.I))


def _type(r: Reader, physical: object, element: dict, at: tuple) -> str:
    logical = element.get("logicalType")
    if _is_array(element, physical):
        return "JSON"
    options = element.get("logicalTypeOptions")
    found = bq_type(physical, logical, element.get("properties"), options, r.server)
    if found is not None and not r.ours and (why := ambiguity(physical, options, r.server)):
        r.notes.added.append((at + ("physicalType",), why))
    if found is not None:
        if is_map(physical, logical):
            r.notes[at + ("physicalType" if physical else "logicalType",)] = \
                "BigQuery has no map type: kept as a JSON column"
        return found
    r.problem(at + ("physicalType",), f"no BigQuery type; given physicalType {physical!r} and logicalType "
              f"{logical!r}; expected a logicalType (string, integer, number, boolean, date, timestamp, "
              "time, object, array) or a physicalType such as STRING, INT64, TIMESTAMP on this property")
    return "STRING"


def _classification(r: Reader, raw: object, at: tuple, col: dict) -> None:
    """A column is sensitive (masked) only with its own classification: one from elsewhere is always
    kept; only in meshplane's own export (which writes every column's effective level) is a level equal
    to the product's the inherited one."""
    if raw is None:
        return
    level, note = level_of(raw)
    if note:
        r.notes[at + ("classification",)] = note
    if not (r.ours and level == r.defaults.confidentiality):
        col["classification"] = level.value


def hints_of(element: dict) -> dict[str, tuple[int, object]]:
    """Custom properties by name: (index, value)."""
    items = element.get("customProperties")
    return {c["property"]: (k, c.get("value")) for k, c in enumerate(items)
            if isinstance(c, dict) and "property" in c} if isinstance(items, list) else {}


def server_type(data: dict) -> str | None:
    """The contract's server type when all its servers name one (``postgres``...), else None."""
    types = {s["type"].lower() for s in data.get("servers") or []
             if isinstance(s, dict) and isinstance(s.get("type"), str)}
    return types.pop() if len(types) == 1 else None


def add_processing_time(r: Reader, columns: list[dict], slas: object) -> str:
    """The port's processingTime column: the one a ``role`` names, else the TIMESTAMP column the
    freshness SLA is measured on (meshplane's export names it there), else one the import adds."""
    named = next((c["name"] for c in columns if c.get("role") == "processingTime"), None)
    if named:
        return named
    fresh = next((i for i, s in enumerate(slas) if isinstance(s, dict) and s.get("property") == "freshness"
                  and isinstance(s.get("element"), str)), None) if isinstance(slas, list) else None
    element = slas[fresh]["element"].rsplit(".", 1)[-1] if fresh is not None else None
    column = next((c for c in columns if c.get("name") == element and c.get("type") == "TIMESTAMP"
                   and not c.get("repeated")), None)
    if column is not None:
        column |= {"role": "processingTime", "required": True}
        r.notes.added.append((("slaProperties", fresh, "element"), f"read {element} as the port's "
                              "processingTime column (the column freshness is measured on), made required"))
        return column["name"]
    taken = {c.get("name") for c in columns}
    name = next(n for n in (PROCESSING_TIME, f"meshplane_{PROCESSING_TIME}", f"_{PROCESSING_TIME}") if n not in taken)
    columns.append({"name": name, "type": "TIMESTAMP", "required": True, "role": "processingTime",
                    "description": "When the row was processed (added on import: every output port "
                    "has one processingTime column; the dbt model fills it)."})
    r.notes.added.append((("schema", 0, "properties"), f"added column {name} (TIMESTAMP, required, role: "
                          "processingTime): every meshplane output port is bitemporal and has one; "
                          "the dbt model writing the port fills it"))
    return name
