"""Interoperability with the Bitol standards: ODCS data contracts and the ODPS product file.

``odcs`` maps an output port (one major version) to an ODCS v3 contract, ``odps`` maps the product
to an ODPS v1 file referencing those contracts, ``odcs_import`` maps a contract back to an output
port. This module holds what they share: stable ids, the YAML style, atomic writes and the text
edit that puts an output port into a declaration without touching the rest of the file.
"""

from __future__ import annotations

from ..atomic import write_atomic  # noqa: F401 - re-exported for the interop modules

import uuid

import yaml

from .. import standards
from ..declaration.problems import Problem

VENDOR = "meshplane"
ODCS_API_VERSION = "v3.2.0"
ODPS_API_VERSION = "v1.1.0"
PORT_SLA = ("freshness", "completeness", "retention", "endOfLife")
"""The contract's slaProperties that belong to the port; the others (frequency) to the product."""


def contract_id(domain: str, product: str, port: str, major: int) -> str:
    """The ODCS contract id of one port major: UUIDv5 (URL namespace) of the port URN."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, standards.port_urn(domain, product, port, major)))


def product_uuid(domain: str, product: str) -> str:
    """The ODPS product id: UUIDv5 (URL namespace) of the product URN."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, standards.product_urn(domain, product)))


def custom(prop: str, value: object) -> dict:
    """One ODCS/ODPS custom property of ours."""
    return {"property": prop, "value": value, "vendor": VENDOR}


class Flow(dict):
    """A mapping dumped in flow style, ``{name: id, type: STRING}``."""


class FlowList(list):
    """A list dumped in flow style, ``[a, b]``."""


class _Dumper(yaml.SafeDumper):
    """Block style with indented sequences (``key:\\n  - item``), as the blueprints are written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):  # noqa: ARG002
        return super().increase_indent(flow, False)


_Dumper.add_representer(Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))
_Dumper.add_representer(FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v,
                                                                     flow_style=True))


def dump_yaml(data: object) -> str:
    """Deterministic YAML: keys in insertion order, unicode kept, lines up to 100 characters."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)


class EditError(ValueError):
    """The declaration's output ports cannot be edited as text."""


def port_spans(text: str) -> tuple[list[tuple[int, int]], int]:
    """Character spans of each ``outputPorts`` item (whole lines) and the column of their dash."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    ports = next((v for k, v in getattr(root, "value", []) if getattr(k, "value", None) == "outputPorts"),
                 None)
    if not isinstance(ports, yaml.SequenceNode) or ports.flow_style or not ports.value:
        raise EditError("outputPorts is not a block list of ports; expected '- name: ...' items")
    spans = [(_line_start(text, item.start_mark.index), _leaf_end(text, item)) for item in ports.value]
    first = text[spans[0][0]:]
    return spans, len(first) - len(first.lstrip(" "))


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _leaf_end(text: str, node: yaml.Node) -> int:
    """Where the item ends: after the line of its last scalar or flow collection."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    end = node.end_mark.index
    if end > 0 and text[end - 1] == "\n":  # block scalars end after their line break
        return end
    newline = text.find("\n", end)
    return len(text) if newline < 0 else newline + 1


def indent_item(rendered: str, column: int) -> str:
    """A rendered ``- ...`` list item moved right by ``column`` spaces."""
    pad = " " * column
    return "".join(pad + line if line.strip() else line for line in rendered.splitlines(keepends=True))


# --- comparing a contract with its re-export ------------------------------------------------------

ITEM_KEYS = ("name", "property", "server", "username", "channel", "url")
"""Keys that name list items: items are matched (and shown) by them rather than by position."""
MISSING = object()


def contract_path(data: object, path: tuple) -> str:
    """``('schema', 0, 'properties', 2, 'unique')`` as ``schema[orders_v1].properties[id].unique``."""
    out, node = "", data
    for step in path:
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            item = node[step]
            label = next((item[k] for k in ITEM_KEYS if isinstance(item, dict)
                          and isinstance(item.get(k), (str, int)) and not isinstance(item.get(k), bool)), step)
            out, node = f"{out}[{label}]", item
        else:
            out = f"{out}.{step}" if out else str(step)
            node = node.get(step) if isinstance(node, dict) else None
    return out


def differences(given: object, expected: object, path: tuple = ()):
    """``(path, given value, expected value or MISSING)`` for each part of ``given`` that
    ``expected`` does not reproduce; what ``expected`` adds is not a difference."""
    if isinstance(given, dict) and isinstance(expected, dict):
        for key, value in given.items():
            if key in expected:
                yield from differences(value, expected[key], path + (key,))
            else:
                yield path + (key,), value, MISSING
    elif isinstance(given, list) and isinstance(expected, list):
        key = None if path[-1:] == ("schema",) else _item_key(given)
        if key is None:
            matches = [expected[i] if i < len(expected) else MISSING for i in range(len(given))]
        else:
            index = {e.get(key): e for e in expected if isinstance(e, dict)}
            matches = [index.get(item[key], MISSING) for item in given]
        for i, (item, match) in enumerate(zip(given, matches)):
            if match is MISSING:
                yield path + (i,), item, MISSING
            else:
                yield from differences(item, match, path + (i,))
    elif not _same(given, expected):
        yield path, given, expected


def _item_key(items: list) -> str | None:
    return next((k for k in ITEM_KEYS if items and all(isinstance(i, dict) and isinstance(i.get(k), str)
                                                        for i in items)), None)


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


TOP_REASONS = {
    "apiVersion": f"meshplane exports ODCS {ODCS_API_VERSION}",
    "id": "meshplane derives the contract id from the port URN",
    "status": "meshplane exports the product's status, or deprecated for a deprecated port",
    "servers": "meshplane derives the BigQuery server from the declaration and a stack (--stack)",
    "roles": "meshplane grants access per consumer (customProperties consumers)",
    "price": "meshplane has no pricing", "tenant": "meshplane has no tenants",
    "contractCreatedTs": "meshplane exports are reproducible and carry no timestamp",
}
PATH_REASONS = {
    ("schema", 0, "name"): "meshplane names the port's view <port>_v<major>",
    ("schema", 0, "physicalName"): "meshplane names the port's view <port>_v<major>",
    ("schema", 0, "physicalType"): "a meshplane output port is served as a view",
}
_KEY_ONLY = "meshplane has primary keys only as the key of a port with customProperties[serving] latestPerKey"
ELEMENT_REASONS = {
    "quality": "meshplane keeps quality rules of the port's object and its top-level columns",
    "severity": "meshplane's data-quality scan reports every failed rule alike",
    "scheduler": "the port's data-quality scan runs on its own schedule (from the freshness SLO)",
    "schedule": "the port's data-quality scan runs on its own schedule (from the freshness SLO)",
    "businessImpact": "meshplane keeps a rule's dimension and description",
    "relationships": "meshplane has no relationships", "primaryKey": _KEY_ONLY, "primaryKeyPosition": _KEY_ONLY,
    "unique": "meshplane has no unique constraints",
    "logicalTypeOptions": "meshplane keeps BigQuery types only (no lengths, formats or ranges)",
    "physicalType": "meshplane keeps BigQuery types",
    "element": "meshplane derives it from the port's time columns",
    "examples": "meshplane has no examples", "enum": "meshplane has no enumerations",
}


def lossy_fields(parsed, file: str, expected: dict, notes: dict, declaration: str | None) -> list[Problem]:
    """One located problem per field of the contract that ``expected`` (its re-export) does not
    reproduce, saying why; product-level fields count only with a ``declaration`` to compare."""
    out = []
    for path, given, now in differences(parsed.data, expected):
        reason = _reason(parsed.data, path, notes, declaration)
        if now is MISSING:
            message = "not imported: " + (reason or "no equivalent in a meshplane output port")
        else:
            message = f"changed: given {_show(given)}; meshplane exports {_show(now)}" + \
                      (f" ({reason})" if reason else "")
        line, column = parsed.locate(path, key=now is MISSING)
        out.append(Problem(file, line, column, contract_path(parsed.data, path), message))
    return out


def product_fields(given: dict, file: str) -> list[Problem]:
    """Without a declaration: one line naming the product-level fields that were not compared."""
    keys = [k for k in given if k not in ("apiVersion", "kind", "name", "version", "schema", "slaProperties")]
    keys += [f"slaProperties[{s.get('property')}]" for s in given.get("slaProperties") or []
             if isinstance(s, dict) and s.get("property") not in PORT_SLA]
    return [Problem(file, 1, 1, "", "not compared without --into (product-level fields, taken from the "
                    f"declaration the port goes into): {', '.join(keys)}")] if keys else []


def _reason(data: dict, path: tuple, notes: dict, declaration: str | None) -> str | None:
    for end in range(len(path), 0, -1):
        if path[:end] in notes:
            return notes[path[:end]]
    if path in PATH_REASONS:
        return PATH_REASONS[path]
    if len(path) == 1 and path[0] in TOP_REASONS:
        return TOP_REASONS[path[0]]
    keys = [p for p in path[1:] if isinstance(p, str)]
    if keys and keys[-1] in ELEMENT_REASONS and path[0] in ("schema", "slaProperties"):
        return ELEMENT_REASONS[keys[-1]]
    if declaration and is_product_level(data, path):
        return f"a product-level field: meshplane exports it from {declaration}"
    return None


def is_product_level(data: dict, path: tuple) -> bool:
    """Whether ``path`` is outside the port: not its name, version, schema or port SLOs."""
    if path[0] in ("name", "version", "schema"):
        return False
    if path[0] == "slaProperties" and len(path) > 1:
        item = data["slaProperties"][path[1]]
        return not (isinstance(item, dict) and item.get("property") in PORT_SLA)
    return True


def _show(value: object) -> str:
    text = "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"
