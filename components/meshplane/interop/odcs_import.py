"""An ODCS contract read back as an output port (its one schema object is the port's view).

``read_port`` maps what has a meshplane meaning and fails, located, on what it cannot map.
What it could not keep is found by exporting the port again and comparing (``lossy_fields``):
every field of the contract the export does not reproduce is reported, so nothing is dropped
silently. A port states only what differs from its product: a retention equal to the product's
default is left implicit, and so is a column classification equal to it in meshplane's own export;
a classification from elsewhere is always kept (it is what masks the column).
"""

from __future__ import annotations

import re

from open_data_contract_standard.model import OpenDataContractStandard
from pydantic import ValidationError

from ..declaration.errors import describe_error
from ..declaration.model import OutputPort
from ..declaration.problems import DeclarationError
from ..declaration.types import PARTITIONABLE_TYPES, PORT_NAME_RE, SEMVER_RE, check_duration
from ..declaration.yamlpos import Parsed
from .odcs import Defaults
from .odcs_columns import Notes, Reader, add_processing_time, hints_of, read_columns, server_type
from .odcs_quality import read_quality
from .odcs_serving import read_serving, unserved

ISO_FORMS = {
    "freshness": {("d", "day", "days"): "P{}D", ("h", "hour", "hours"): "PT{}H",
                  ("m", "min", "minute", "minutes"): "PT{}M", ("s", "second", "seconds"): "PT{}S"},
    "retention": {("y", "year", "years"): "P{}Y", ("m", "month", "months"): "P{}M",
                  ("d", "day", "days"): "P{}D"},
}
_PORT_KEYS = {"type": "physicalType", "fields": "properties", "pii": "customProperties",
              "role": "customProperties"}


def read_port(parsed: Parsed, file: str, defaults: Defaults) -> tuple[OutputPort, Notes]:
    """The port a contract describes and notes on fields it could not keep (``Notes.added``: what the
    import added); ``DeclarationError`` (every problem located in ``file``) when it cannot be a port."""
    r = Reader(file, parsed, defaults, ours=is_ours(parsed.data))
    _check_contract(r, parsed.data)
    if r.problems:
        raise DeclarationError(r.problems)
    r.server = server_type(parsed.data)
    data, obj = parsed.data, parsed.data["schema"][0]
    props = obj.get("properties") if isinstance(obj.get("properties"), list) else []
    port = {"name": _port_name(r, data, obj), "version": _version(r, data),
            "description": _description(r, data, obj),
            "schema": read_columns(r, props, ("schema", 0, "properties"), ("schema",))}
    port |= _object_extras(r, obj, port["schema"]) | _slas(r, data.get("slaProperties") or [])
    add_processing_time(r, port["schema"], data.get("slaProperties"))
    port |= _quality(r, obj, props)
    if not r.problems:
        try:
            return OutputPort.model_validate(port), r.notes
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                path, message, on_key = describe_error(err, OutputPort)
                r.problem(_origin(r, path), message, key=on_key)
    raise DeclarationError(r.problems)


def is_ours(data: object) -> bool:
    """Whether ``data`` is a contract meshplane exported (its ``customProperties[portUrn]``)."""
    props = data.get("customProperties") if isinstance(data, dict) else None
    return any(isinstance(p, dict) and p.get("property") == "portUrn" and isinstance(p.get("value"), str)
               and p["value"].startswith("urn:meshplane:") for p in props or [])


def _check_contract(r: Reader, data: object) -> None:
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


def _port_name(r: Reader, data: dict, obj: dict) -> str:
    candidates = [("name",), ("schema", 0, "physicalName"), ("schema", 0, "name")]
    for path in candidates:
        raw = data.get("name") if path == ("name",) else obj.get(path[-1])
        name = re.sub(r"_v\d+$", "", raw.lower()) if isinstance(raw, str) and path != ("name",) else raw
        if isinstance(name, str) and PORT_NAME_RE.match(name) and len(name) <= 40:
            r.origins[("name",)] = path
            return name
    r.problem(("name",), f"no port name; given {data.get('name')!r} and schema object "
              f"{obj.get('name')!r}; expected a snake_case name starting with a letter (lowercase letters, "
              "digits, '_', at most 40): add one as the contract's top-level name, e.g. name: orders")
    return "port"


def _version(r: Reader, data: dict) -> str:
    version = data.get("version")
    if not (isinstance(version, str) and SEMVER_RE.match(version)):
        r.problem(("version",), f"not a semantic version; given {version!r}; expected the port's "
                  "version, MAJOR.MINOR.PATCH")
    r.origins[("version",)] = ("version",)
    return version


def _description(r: Reader, data: dict, obj: dict) -> str:
    r.origins[("description",)] = ("schema", 0, "description")
    if obj.get("description"):
        return obj["description"]
    purpose = (data.get("description") or {}).get("purpose")
    if purpose:
        return purpose
    what = obj.get("businessName") or obj.get("physicalName") or obj.get("name") or data.get("name")
    r.notes.added.append((("schema", 0), "no description (optional in ODCS) but meshplane shows one to "
                          "consumers: added a placeholder; write what one row means in the declaration"))
    return f"Rows of {what} (imported from a data contract without a description)."


def _object_extras(r: Reader, obj: dict, columns: list[dict]) -> dict:
    hints, out = hints_of(obj), {}
    processing = next((c["name"] for c in columns if c.get("role") == "processingTime"), None)
    props = obj.get("properties") if isinstance(obj.get("properties"), list) else []
    parted = _partition_column(r, props, columns)
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


def grant_text(key: str, item: object) -> str:
    """One consumer or row filter as a sentence (``key``: consumers or rowFilters)."""
    if not isinstance(item, dict):
        return f"{key} item {item!r:.60}"
    if key == "rowFilters":
        grantees = ", ".join(map(str, item.get("grantees") or [])) if isinstance(item.get("grantees"), list) \
            else repr(item.get("grantees"))
        return f"row filter {item.get('name')}: {grantees} read the rows where {item.get('filter')}"
    who = item.get("principal") or (f"data product {item['dataProduct']}" if item.get("dataProduct") else "?")
    raw = " unmasked (rawAccess: PII and classified columns in clear)" if item.get("rawAccess") is True else ""
    purpose = f" (purpose: {item['purpose']})" if item.get("purpose") else ""
    return f"consumer {who} reads the port{raw}{purpose}"


def access_taken(data: dict, port: OutputPort, old: OutputPort | None) -> list[tuple[tuple, str]]:
    """(contract path, sentence) of each consumer and row filter of ``port`` (read from the contract
    ``data``) that its ``old`` version in the declaration does not have: the access the import adds."""
    hints = hints_of(data["schema"][0])
    out = []
    for key, attr in (("consumers", "consumers"), ("rowFilters", "row_filters")):
        had = [i.model_dump(by_alias=True, exclude_none=True) for i in getattr(old, attr, [])]
        for i, item in enumerate(getattr(port, attr)):
            dumped = item.model_dump(by_alias=True, exclude_none=True)
            if dumped not in had:
                out.append((("schema", 0, "customProperties", hints[key][0], "value", i), grant_text(key, dumped)))
    return out


def _partition_column(r: Reader, props: list, columns: list[dict]) -> int | None:
    """The index of the property to partition on: the first partitioned one BigQuery can partition by."""
    parted = [i for i, p in enumerate(props) if isinstance(p, dict) and p.get("partitioned") is True]
    for n, i in enumerate(parted):
        if n or columns[i].get("type") not in {t.value for t in PARTITIONABLE_TYPES} or columns[i].get("repeated"):
            why = (f"a {columns[i].get('type')} column" if not n else "a second partition column")
            note = f"imported without partitioning on it: {why}; BigQuery partitions by one DATE, " \
                   "DATETIME or TIMESTAMP column (the port is partitioned by day on its processingTime column)"
            for key in ("partitioned", "partitionKeyPosition"):
                r.notes[("schema", 0, "properties", i, key)] = note
    usable = [i for i in parted[:1] if ("schema", 0, "properties", i, "partitioned") not in r.notes]
    return usable[0] if usable else None


def _quality(r: Reader, obj: dict, props: list) -> dict:
    rules, origins, notes = read_quality(obj, props)
    r.origins |= origins
    r.notes |= notes
    return {"quality": rules} if rules else {}


def _slas(r: Reader, items: list) -> dict:
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


def _duration(r: Reader, item: dict, prop: str, at: tuple) -> str | None:
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


def _origin(r: Reader, path: tuple) -> tuple:
    """The contract path a port path came from (the nearest mapped ancestor)."""
    for end in range(len(path), 0, -1):
        if path[:end] in r.origins:
            rest = [_PORT_KEYS.get(p, p) if isinstance(p, str) else p for p in path[end:]]
            return tuple(p for p in r.origins[path[:end]] + tuple(rest) if p is not None)
    return ()
