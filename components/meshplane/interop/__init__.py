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
    return {"property": prop, "value": value}


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
    spans = [(_line_start(text, item.start_mark.index), leaf_end(text, item)) for item in ports.value]
    first = text[spans[0][0]:]
    return spans, len(first) - len(first.lstrip(" "))


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def leaf_end(text: str, node: yaml.Node) -> int:
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
