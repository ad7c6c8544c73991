"""Putting an imported port into a declaration file: the text edit, and problems told in the files
the user has (the contract, or the declaration as it is on disk), never in text that was not written.

Only the lines of one port item change (and, for a fresh declaration, the product fields it takes from
the contract, ``odcs_identity``). If the result would be invalid, nothing is written and each problem
is located in the declaration on disk (a line that did not change) or in the contract (a line of the
imported port).
"""

from __future__ import annotations

import difflib
import re

import click

from ..console.output import fail, fail_usage, report
from ..declaration.loader import Source, check_text
from ..declaration.model import DataProduct, OutputPort
from ..declaration.problems import Problem
from ..declaration.yamlpos import Parsed, YamlError
from .yaml_text import EditError, Flow, FlowList, dump_yaml, indent_item, port_spans
from ..console.atomic import write_atomic
from .odcs import contract
from .odcs_identity import placeholder, set_fields, with_taken
from .odcs_report import contract_path


CUSTOM_KEYS = ("subjectKey", "clustering", "consumers", "rowFilters", "deprecation", "serving")
"""Port fields a contract carries as ``schema[0].customProperties`` (``odcs_import``)."""


def _same_port(ports: list, port: OutputPort, instead: int | None) -> list[int]:
    same = [i for i, p in enumerate(ports) if (p.name, p.major) == (port.name, port.major)]
    return same or ([instead] if instead is not None else [])


def with_port(product: DataProduct, port: OutputPort, instead: int | None = None) -> DataProduct:
    """``product`` with ``port`` in place of its port of the same name and major (else of the port at
    index ``instead``), or added after the last port of its name."""
    ports = list(product.output_ports)
    same = _same_port(ports, port, instead)
    if same:
        ports[same[0]] = port
    else:
        named = [i for i, p in enumerate(ports) if p.name == port.name]
        ports.insert(named[-1] + 1 if named else len(ports), port)
    return product.model_copy(update={"output_ports": ports})


def render_port(port: OutputPort) -> str:
    """The port as a ``- name: ...`` list item, in the blueprints' style (short columns inline)."""
    data = port.model_dump(by_alias=True, exclude_defaults=True, mode="json")
    data["schema"] = [_styled(c) for c in data["schema"]]
    for key in ("partitioning", "slos"):
        if key in data:
            data[key] = Flow(data[key])
    if "clustering" in data:
        data["clustering"] = FlowList(data["clustering"])
    if "serving" in data:
        data["serving"] = Flow(data["serving"])
    for row_filter in data.get("rowFilters", []):
        row_filter["grantees"] = FlowList(row_filter["grantees"])
    return dump_yaml([data])


def _styled(column: dict) -> dict:
    if "fields" in column:
        return column | {"fields": [_styled(f) for f in column["fields"]]}
    return Flow(column)


def merge_text(text: str, product: DataProduct, port: OutputPort, instead: int | None = None) -> str:
    """The declaration ``text`` (of ``product``) with ``port`` in place of its port of the same name
    and major (else of the port at index ``instead``), or after the last port of that name (else at
    the end). Only that item's lines change."""
    spans, column = port_spans(text)
    ports = product.output_ports
    item = indent_item(render_port(port), column).replace("\n", "\r\n" if "\r\n" in text else "\n")
    same = _same_port(ports, port, instead)
    if same:
        start, end = spans[same[0]]
    else:
        named = [i for i, p in enumerate(ports) if p.name == port.name]
        start = end = spans[named[-1] if named else -1][1]
        item = item if text[:start].endswith("\n") else "\n" + item  # a file without a final newline
    return text[:start] + item + text[end:]


def write_port(source: Source, port: OutputPort, into: str, fields: dict, parsed: Parsed, file: str) -> None:
    """Update or add ``port`` (and the ``fields`` a fresh declaration takes) in the declaration file,
    unless its contract would not change."""
    product, instead = source.product, placeholder(source.product)
    old = next((p for p in product.output_ports if (p.name, p.major) == (port.name, port.major)), None)
    new_product = with_port(with_taken(product, fields), port, instead)
    if old is not None and not fields and contract(product, old) == contract(new_product, port):
        click.echo(f"{into}: output port {port.name} v{port.major} unchanged")
        return
    try:
        with open(into, encoding="utf-8-sig", newline="") as handle:  # keep CRLF line ends
            text = handle.read()
        new_text = set_fields(merge_text(text, product, port, instead), fields)
    except (EditError, YamlError) as exc:
        fail(f"{into}: cannot edit the output ports: {exc}")
    _, problems = check_text(new_text, into)
    if problems:
        click.echo(f"{into}: not written; with the port imported from {file} it would have these problems:",
                   err=True)
        report(relocate(problems, text, new_text, parsed, file))
    try:
        write_atomic(into, new_text)
    except OSError as exc:
        fail_usage(f"cannot write {into}: {exc.strerror or exc}")
    what = f"{into}: output port {port.name} v{port.major}"
    if old is not None:
        click.echo(f"{what} updated")
    else:
        starter = f" in place of the starter's port {product.output_ports[instead].name}" if instead is not None else ""
        click.echo(f"{what} added{starter}")
    if fields:
        click.echo(f"{into}: a fresh declaration: took {', '.join('.'.join(p) for p in fields)} from {file}")


def relocate(problems: list[Problem], old: str, new: str, parsed: Parsed, file: str) -> list[Problem]:
    """Problems of the text ``new`` located where the user can see them: a line also in ``old`` (the
    declaration on disk) there; a line the import wrote in the contract ``file``."""
    old_of = _old_lines(old, new)
    out = []
    for p in problems:
        if p.line in old_of:
            out.append(Problem(p.file, old_of[p.line], p.column, p.field, p.message))
        else:
            path = _contract_path(parsed.data, p.field)
            line, column = parsed.locate(path)
            key = next((k for k in CUSTOM_KEYS if p.field.endswith(f".{k}") or f"expected {k}" in p.message), None)
            hint = f"; in the contract: add {{property: {key}, value: ...}} to schema[0].customProperties" \
                if key else ""
            out.append(Problem(file, line, column, contract_path(parsed.data, path),
                               f"{p.message}{hint} (the declaration's {p.field}, imported from here)"))
    return out


def _old_lines(old: str, new: str) -> dict[int, int]:
    """Line numbers of ``new`` (1-based) that are unchanged lines of ``old``, and their line there."""
    out = {}
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    for tag, i1, _, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out |= {j1 + k + 1: i1 + k + 1 for k in range(j2 - j1)}
    return out


def _contract_path(data: dict, field: str) -> tuple:
    """The contract path a declaration field of the imported port comes from (``outputPorts.<port>.
    schema.<column>...`` -> that property; ``version``; else the schema object)."""
    rest = re.sub(r"^outputPorts\.[^.]+\.?", "", field).split(".") if field.startswith("outputPorts.") else []
    if rest[:1] == ["version"]:
        return ("version",)
    props = data["schema"][0].get("properties") or []
    if rest[:1] == ["schema"] and len(rest) > 1:
        names = [p.get("name") if isinstance(p, dict) else None for p in props]
        column = re.sub(r"\[.*$", "", rest[1])
        if column in names:
            return ("schema", 0, "properties", names.index(column))
        return ("schema", 0, "properties")
    return ("schema", 0, rest[0]) if rest and rest[0] in data["schema"][0] else ("schema", 0)
