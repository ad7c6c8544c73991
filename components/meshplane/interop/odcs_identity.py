"""What a fresh declaration takes from an imported contract: product version and description.

A declaration is fresh while it is the starter ``meshplane new`` wrote: its ``description.purpose``
still begins with ``TODO``. An import into it sets what the product needs for the port (a product
major at least the port's) and what the contract says about the product (purpose, usage,
limitations), and replaces the starter's placeholder port (the one whose description begins with
``TODO``). A declaration someone has filled in keeps its own values: the import reports the
differences instead (``odcs_report``).
"""

from __future__ import annotations

import json

import yaml

from ..declaration.model import DataProduct, OutputPort
from .yaml_text import leaf_end

TODO = "TODO"


def is_fresh(product: DataProduct) -> bool:
    """Whether ``product`` is still the starter of ``meshplane new``."""
    return product.description.purpose.startswith(TODO)


def placeholder(product: DataProduct) -> int | None:
    """The index of the starter's placeholder port in a fresh declaration."""
    if not is_fresh(product):
        return None
    return next((i for i, p in enumerate(product.output_ports) if p.description.startswith(TODO)), None)


def taken(contract: dict, product: DataProduct, port: OutputPort) -> dict[tuple, str]:
    """Declaration path -> value a fresh ``product`` takes from ``contract`` for ``port``."""
    if not is_fresh(product):
        return {}
    out: dict[tuple, str] = {}
    if port.major > int(product.version.split(".")[0]):
        out[("version",)] = f"{port.major}.0.0"
    description = contract.get("description") if isinstance(contract.get("description"), dict) else {}
    for key in ("purpose", "usage", "limitations"):
        if isinstance(description.get(key), str) and description[key].strip():
            out[("description", key)] = description[key].strip()
    return out


def with_taken(product: DataProduct, fields: dict[tuple, str]) -> DataProduct:
    """``product`` with the values ``taken`` gives it."""
    update: dict = {"version": fields[("version",)]} if ("version",) in fields else {}
    described = {path[1]: value for path, value in fields.items() if path[0] == "description"}
    if described:
        update["description"] = product.description.model_copy(update=described)
    return product.model_copy(update=update)


def set_fields(text: str, fields: dict[tuple, str]) -> str:
    """The declaration ``text`` with each ``(key, ...)`` path set to its value: a scalar is replaced in
    place (a comment after it stays); a missing key is added after the last line of its mapping."""
    for path, value in fields.items():
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        parent, node = None, root
        for key in path:
            parent = node
            node = next((v for k, v in getattr(node, "value", []) if getattr(k, "value", None) == key), None)
            if node is None:
                break
        scalar = _scalar(value)
        if isinstance(node, yaml.ScalarNode):
            end = node.end_mark.index
            if node.style in ("|", ">"):  # a block scalar ends after its last line break: keep one
                scalar += "\r\n" if "\r\n" in text else "\n"
            text = text[:node.start_mark.index] + scalar + text[end:]
        elif node is None and isinstance(parent, yaml.MappingNode) and parent.value and not parent.flow_style:
            end = leaf_end(text, parent)
            pad = " " * parent.value[0][0].start_mark.column
            newline = "\r\n" if "\r\n" in text else "\n"
            prefix = "" if text[:end].endswith("\n") else newline
            text = text[:end] + f"{prefix}{pad}{path[-1]}: {scalar}{newline}" + text[end:]
    return text


def _scalar(value: str) -> str:
    """``value`` as a one-line YAML scalar: plain when YAML reads it back as the same string."""
    if "\n" in value:
        return json.dumps(value, ensure_ascii=False)
    dumped = yaml.safe_dump(value, width=10**9, allow_unicode=True)
    return dumped.removesuffix("\n...\n").removesuffix("\n")
