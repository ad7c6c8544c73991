"""YAML as meshplane writes it (flow style where asked, key order kept), and the text edit that puts an
output port into a declaration without touching the rest of the file."""

from __future__ import annotations

import yaml


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
