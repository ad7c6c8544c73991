"""An ODCS contract read back as an output port (its one schema object is the port's view).

``read_port`` maps what has a meshplane meaning and fails, located, on what it cannot map.
What it could not keep is found by exporting the port again and comparing (``lossy_fields``):
every field of the contract the export does not reproduce is reported, so nothing is dropped
silently. A port states only what differs from its product: a classification or retention equal
to the product's default is left implicit (the export is the same).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from open_data_contract_standard.model import OpenDataContractStandard
from pydantic import ValidationError

from ..declaration.errors import describe_error
from ..declaration.model import OutputPort
from ..declaration.problems import DeclarationError, Problem
from ..declaration.types import PORT_NAME_RE, SEMVER_RE, BigQueryType, Confidentiality, check_duration
from ..declaration.yamlpos import Parsed
from . import contract_path
from .odcs import Defaults
from .odcs_quality import read_quality
from .odcs_serving import read_serving, unserved

ALIASES = {**dict.fromkeys(("INTEGER", "INT", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT"), "INT64"),
           **dict.fromkeys(("FLOAT", "DOUBLE", "REAL"), "FLOAT64"), "BOOLEAN": "BOOL",
           "DECIMAL": "NUMERIC", "BIGDECIMAL": "BIGNUMERIC", "STRUCT": "RECORD",
           **dict.fromkeys(("VARCHAR", "CHAR", "TEXT"), "STRING"), "BINARY": "BYTES", "VARBINARY": "BYTES"}
FROM_LOGICAL = {"string": "STRING", "integer": "INT64", "number": "FLOAT64", "boolean": "BOOL",
                "date": "DATE", "timestamp": "TIMESTAMP", "time": "TIME"}
ISO_FORMS = {
    "freshness": {("d", "day", "days"): "P{}D", ("h", "hour", "hours"): "PT{}H",
                  ("m", "min", "minute", "minutes"): "PT{}M", ("s", "second", "seconds"): "PT{}S"},
    "retention": {("y", "year", "years"): "P{}Y", ("m", "month", "months"): "P{}M",
                  ("d", "day", "days"): "P{}D"},
}
_PORT_KEYS = {"type": "physicalType", "fields": "properties", "pii": "customProperties",
              "role": "customProperties"}


@dataclass
class _Reader:
    file: str
    parsed: Parsed
    defaults: Defaults
    problems: list[Problem] = field(default_factory=list)
    origins: dict[tuple, tuple] = field(default_factory=dict)  # port path -> contract path
    notes: dict[tuple, str] = field(default_factory=dict)  # contract path -> why it was not kept

    def problem(self, path: tuple, message: str, key: bool = False) -> None:
        line, column = self.parsed.locate(path, key=key)
        self.problems.append(Problem(self.file, line, column, contract_path(self.parsed.data, path), message))


def read_port(parsed: Parsed, file: str, defaults: Defaults) -> tuple[OutputPort, dict[tuple, str]]:
    """The port a contract describes and notes on fields it could not keep; ``DeclarationError``
    (every problem located in ``file``) when the contract cannot become a port."""
    r = _Reader(file, parsed, defaults)
    _check_contract(r, parsed.data)
    if r.problems:
        raise DeclarationError(r.problems)
    data, obj = parsed.data, parsed.data["schema"][0]
    props = obj.get("properties") if isinstance(obj.get("properties"), list) else []
    port = {"name": _port_name(r, data, obj), "version": _version(r, data),
            "description": _description(r, data, obj),
            "schema": _columns(r, props, ("schema", 0, "properties"), ("schema",))}
    port |= _object_extras(r, obj, port["schema"]) | _slas(r, data.get("slaProperties") or [])
    port |= _quality(r, obj, props)
    if not r.problems:
        try:
            return OutputPort.model_validate(port), r.notes
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                path, message, on_key = describe_error(err, OutputPort)
                r.problem(_origin(r, path), message, key=on_key)
    raise DeclarationError(r.problems)


def _check_contract(r: _Reader, data: object) -> None:
    if not isinstance(data, dict):
        r.problem((), "not a data contract; expected a mapping with apiVersion, kind and schema")
        return
    if data.get("kind") != "DataContract":
        r.problem(("kind",), f"not a data contract; given kind {data.get('kind')!r}; expected 'DataContract'")
    api = data.get("apiVersion")
    if not (isinstance(api, str) and api.startswith("v3.")):
        r.problem(("apiVersion",), f"unsupported ODCS version; given {api!r}; expected v3.x (e.g. v3.2.0)")
    try:
        OpenDataContractStandard.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            given = "" if isinstance(err.get("input"), (dict, list)) else f"; given {err.get('input')!r:.60}"
            r.problem(tuple(err["loc"]), f"not valid ODCS: {err['msg'][0].lower()}{err['msg'][1:]}{given}")
        return
    schema = data.get("schema")
    if not schema or not isinstance(schema[0], dict):
        r.problem(("schema",), "no schema object; expected one (the port's table or view)")
        return
    for i in range(1, len(schema)):
        r.notes[("schema", i)] = "a contract becomes one output port; only the first schema object is imported"


def _port_name(r: _Reader, data: dict, obj: dict) -> str:
    candidates = [("name",), ("schema", 0, "physicalName"), ("schema", 0, "name")]
    for path in candidates:
        raw = data.get("name") if path == ("name",) else obj.get(path[-1])
        name = re.sub(r"_v\d+$", "", raw.lower()) if isinstance(raw, str) and path != ("name",) else raw
        if isinstance(name, str) and PORT_NAME_RE.match(name) and len(name) <= 40:
            r.origins[("name",)] = path
            return name
    r.problem(("name",), f"no port name; given {data.get('name')!r}; expected a snake_case name "
              "(lowercase letters, digits, '_') as the contract or schema object name")
    return "port"


def _version(r: _Reader, data: dict) -> str:
    version = data.get("version")
    if not (isinstance(version, str) and SEMVER_RE.match(version)):
        r.problem(("version",), f"not a semantic version; given {version!r}; expected the port's "
                  "version, MAJOR.MINOR.PATCH")
    r.origins[("version",)] = ("version",)
    return version


def _description(r: _Reader, data: dict, obj: dict) -> str:
    r.origins[("description",)] = ("schema", 0, "description")
    if obj.get("description"):
        return obj["description"]
    purpose = (data.get("description") or {}).get("purpose")
    if not purpose:
        r.problem(("schema", 0), "the port needs a description; given none; expected "
                  "schema[0].description: what a row means")
    return purpose or ""


def _columns(r: _Reader, props: list, at: tuple, port_at: tuple) -> list[dict]:
    r.origins[port_at] = at
    out = []
    for i, prop in enumerate(props):
        r.origins[port_at + (i,)] = at + (i,)
        out.append(_column(r, prop, at + (i,), port_at + (i,)))
    return out


def _column(r: _Reader, prop: dict, at: tuple, port_at: tuple) -> dict:
    col: dict = {"name": prop.get("name")}
    items = prop.get("items") if isinstance(prop.get("items"), dict) else None
    inner = re.match(r"^\s*ARRAY\s*<(.*)>\s*$", str(prop.get("physicalType") or ""), re.I)
    element, elem_at = (items or {}, at + ("items",)) if items or inner else (prop, at)
    if prop.get("logicalType") == "array" or inner:
        col["repeated"] = True
        physical = element.get("physicalType") or (inner[1] if inner else None)
    else:
        physical = prop.get("physicalType")
    col["type"] = _bq_type(r, physical, element.get("logicalType"), element.get("properties"), elem_at)
    if prop.get("required") is True:
        if col.get("repeated"):
            r.notes[at + ("required",)] = "a repeated column is never NULL in BigQuery"
        else:
            col["required"] = True
    if prop.get("description"):
        col["description"] = prop["description"]
    hints = {k: v for k, (_, v) in _hints(prop).items()}
    if hints.get("pii") is True:
        col["pii"] = True
    _classification(r, prop.get("classification"), at, col)
    if "role" in hints:
        col["role"] = hints["role"]
    nested = element.get("properties")
    if col["type"] == "RECORD" and isinstance(nested, list):
        col["fields"] = _columns(r, nested, elem_at + ("properties",), port_at + ("fields",))
    return col


def _bq_type(r: _Reader, physical: object, logical: object, nested: object, at: tuple) -> str:
    if isinstance(physical, str):
        name = physical.strip().upper()
        name = "RECORD" if name.startswith("STRUCT") else re.sub(r"\s*\(.*\)$", "", name)
        name = ALIASES.get(name, name)
        if name in BigQueryType.__members__:
            return name
    if logical == "object":
        return "RECORD" if nested else "JSON"
    if logical in FROM_LOGICAL:
        return FROM_LOGICAL[logical]
    r.problem(at + ("physicalType",), f"no BigQuery type; given physicalType {physical!r} and logicalType "
              f"{logical!r}; expected a BigQuery type such as STRING, INT64, TIMESTAMP or RECORD")
    return "STRING"


def _classification(r: _Reader, raw: object, at: tuple, col: dict) -> None:
    if raw is None:
        return
    value = str(raw).lower()
    if value not in {c.value for c in Confidentiality}:
        r.problem(at + ("classification",), f"unknown classification; given {raw!r}; expected public, "
                  "internal, confidential or restricted")
    elif r.defaults.confidentiality is None or value != r.defaults.confidentiality.value:
        col["classification"] = value


def _hints(element: dict) -> dict[str, tuple[int, object]]:
    """Custom properties by name: (index, value)."""
    items = element.get("customProperties")
    return {c["property"]: (k, c.get("value")) for k, c in enumerate(items)
            if isinstance(c, dict) and "property" in c} if isinstance(items, list) else {}


def _object_extras(r: _Reader, obj: dict, columns: list[dict]) -> dict:
    hints, out = _hints(obj), {}
    processing = next((c["name"] for c in columns if c.get("role") == "processingTime"), None)
    props = obj.get("properties") if isinstance(obj.get("properties"), list) else []
    parted = next((i for i, p in enumerate(props) if isinstance(p, dict) and p.get("partitioned") is True),
                  None)
    column = props[parted].get("name") if parted is not None else processing
    granularity = hints.get("partitionGranularity", (None, "DAY"))[1]
    if column and (column != processing or granularity != "DAY"):
        out["partitioning"] = {"column": column, "granularity": granularity}
        r.origins[("partitioning", "column")] = ("schema", 0, "properties", parted) if parted is not None \
            else ("schema", 0)
        r.origins[("partitioning", "granularity")] = ("schema", 0, "customProperties",
                                                      hints.get("partitionGranularity", (None,))[0])
    for key in ("clustering", "subjectKey", "consumers", "rowFilters", "deprecation"):
        if key in hints:
            out[key] = hints[key][1]
            r.origins[(key,)] = ("schema", 0, "customProperties", hints[key][0], "value")
    serving, origins = read_serving(hints, props)
    if (why := unserved(serving, processing)) is not None:
        r.problem(origins[("serving", "mode")], why)
    out |= serving
    r.origins |= origins
    if "deprecation" not in out and obj.get("deprecated") is True:
        out["deprecation"] = {"reason": "Deprecated in the imported contract."}
    return out


def _quality(r: _Reader, obj: dict, props: list) -> dict:
    rules, origins, notes = read_quality(obj, props)
    r.origins |= origins
    r.notes |= notes
    return {"quality": rules} if rules else {}


def _slas(r: _Reader, items: list) -> dict:
    out: dict = {}
    slos: dict = {}
    for i, item in enumerate(items):
        prop, at = item.get("property"), ("slaProperties", i)
        if prop == "completeness":
            slos["completeness"] = item.get("value")
            r.origins[("slos", "completeness")] = at + ("value",)
        elif prop in ISO_FORMS:
            iso = _duration(r, item, prop, at)
            if iso and prop == "freshness":
                slos["freshness"] = iso
                r.origins[("slos", "freshness")] = at + ("value",)
            elif iso and iso != r.defaults.retention:
                out["retention"] = iso
                r.origins[("retention",)] = at + ("value",)
    return out | ({"slos": slos} if slos else {})


def _duration(r: _Reader, item: dict, prop: str, at: tuple) -> str | None:
    value, unit = item.get("value"), item.get("unit")
    iso = value if unit is None and isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool) and isinstance(unit, str):
        form = next((f for units, f in ISO_FORMS[prop].items() if unit.lower() in units), None)
        iso = form.format(value) if form else None
    try:
        if iso:
            return check_duration(iso)
    except ValueError:
        pass
    units = ", ".join(u[0] for u in ISO_FORMS[prop])
    r.notes[at] = f"cannot read {value!r} {unit or ''} as a duration; expected an ISO 8601 duration " \
                  f"or a whole number with unit {units}"
    return None


def _origin(r: _Reader, path: tuple) -> tuple:
    """The contract path a port path came from (the nearest mapped ancestor)."""
    for end in range(len(path), 0, -1):
        if path[:end] in r.origins:
            rest = [_PORT_KEYS.get(p, p) if isinstance(p, str) else p for p in path[end:]]
            return tuple(p for p in r.origins[path[:end]] + tuple(rest) if p is not None)
    return ()
