"""``meshplane export odcs|odps`` and ``meshplane import odcs``.

Exit codes as everywhere: 0 done (an import may still report fields it did not keep), 1 problems
in a file (one located line each), 2 usage (one ``meshplane: error:`` line).
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from ..console.output import fail, fail_usage, report
from ..declaration.files import UsageError
from ..declaration.loader import Source, read_source
from ..declaration.model import DataProduct, OutputPort
from ..declaration.problems import DeclarationError, Problem
from ..declaration.yamlpos import Parsed, YamlError, parse
from ..settings.stack_config import StackSettings, load_stack
from .yaml_text import dump_yaml
from ..console.atomic import write_atomic
from .odcs import Defaults, contract, reexport, reexport_port, validate_contract
from .odcs_identity import placeholder, taken, with_taken
from .odcs_import import access_taken, read_port
from .odcs_merge import merge_text, render_port, with_port, write_port  # noqa: F401 - merge_text for tests
from .odcs_report import added_lines, contract_path, lossy_fields, product_fields
from .odcs_terms import terms_notes
from .odcs_versions import ODCS_VERSIONS, as_version
from .odps import check_document, product_document

_HELP = {"help_option_names": ["-h", "--help"]}

export_cmd = click.Group("export", context_settings=_HELP,
                         help="Export a declaration as open standards: ODCS contracts, the ODPS product.")
import_cmd = click.Group("import", context_settings=_HELP,
                         help="Import open standards into a declaration: an ODCS contract as an output port.")


def _load(declaration: str) -> Source:
    if not Path(declaration).exists():
        fail_usage(f"{declaration}: no such file or directory")
    source, problems = read_source(declaration)
    if problems:
        report(problems)
    return source


def _write(path: str, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:
        fail_usage(f"cannot write {path}: {exc.strerror or exc}")


@export_cmd.command("odcs")
@click.argument("declaration")
@click.option("--port", "ports", multiple=True, metavar="NAME[@vN]",
              help="Only this port: all its major versions, or one with @vN. Repeatable; default all.")
@click.option("--stack", "stacks", multiple=True, metavar="STACK",
              help="Add a BigQuery server for this stack's environment (stacks/Pulumi.<STACK>.yaml). "
              "Repeatable; without it the contracts have no servers.")
@click.option("--stacks-dir", default="stacks", show_default=True, help="Where stack configs live.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the one selected contract here.")
@click.option("-d", "--output-dir", type=click.Path(file_okay=False),
              help="Write each contract to DIR/<product-id>.<port>.v<major>.odcs.yaml.")
@click.option("--standard-version", type=click.Choice(ODCS_VERSIONS), default=ODCS_VERSIONS[0], show_default=True,
              help="The ODCS version to declare; v3.1.0 is the newest the standard publishes on its main branch.")
def export_odcs(declaration: str, ports: tuple[str, ...], stacks: tuple[str, ...], stacks_dir: str,
                output: str | None, output_dir: str | None, standard_version: str) -> None:
    """One ODCS v3 contract per output port major version (validated with open-data-contract-standard)."""
    if output and output_dir:
        fail_usage("give -o FILE or --output-dir DIR, not both")
    product = _load(declaration).product
    selected = _select(product, ports, declaration)
    if output and len(selected) != 1:
        fail_usage(f"-o writes one contract; {len(selected)} selected; expected one port major "
                    "(--port NAME@vN) or --output-dir DIR")
    settings = [_stack(s, stacks_dir) for s in stacks]
    texts = []
    try:
        for port in selected:
            doc = as_version(contract(product, port, settings), standard_version)
            validate_contract(doc)
            texts.append(dump_yaml(doc))
    except ValueError as exc:
        fail(str(exc))
    if output_dir:
        try:
            Path(output_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            fail_usage(f"cannot write to {output_dir}: {exc.strerror or exc}")
        for port, text in zip(selected, texts):
            path = Path(output_dir) / f"{product.id}.{port.name}.v{port.major}.odcs.yaml"
            _write(str(path), text)
            click.echo(f"wrote {path}")
    elif output:
        _write(output, texts[0])
    else:
        click.echo("---\n".join(texts), nl=False)


def _select(product: DataProduct, specs: tuple[str, ...], declaration: str) -> list[OutputPort]:
    chosen: list[OutputPort] = []
    for spec in specs or ("",):
        match = re.fullmatch(r"([a-z][a-z0-9_]*)(?:@v?(\d+))?", spec)
        found = [p for p in product.output_ports if not spec or match and p.name == match[1]
                 and (match[2] is None or p.major == int(match[2]))]
        if not found:
            known = ", ".join(f"{p.name}@v{p.major}" for p in product.output_ports)
            fail_usage(f"no output port {spec!r} in {declaration}; expected NAME or NAME@vN of {known}")
        chosen += [p for p in found if all(p is not c for c in chosen)]
    return chosen


def _stack(stack: str, stacks_dir: str) -> StackSettings:
    try:
        return load_stack(stack, stacks_dir)
    except UsageError as exc:
        fail_usage(str(exc))
    except DeclarationError as exc:
        report(exc.problems)


@export_cmd.command("odps")
@click.argument("declaration")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
def export_odps(declaration: str, output: str | None) -> None:
    """The ODPS v1.1 product file, referencing each output port's contract by id and version."""
    doc = product_document(_load(declaration).product)
    problems = check_document(doc)
    if problems:
        fail(f"the product file is not valid ODPS: {'; '.join(problems)}")
    if output:
        _write(output, dump_yaml(doc))
    else:
        click.echo(dump_yaml(doc), nl=False)


@import_cmd.command("odcs")
@click.argument("contract_file", metavar="CONTRACT")
@click.option("--into", metavar="DECLARATION",
              help="Update this declaration's port of the same name and major, or add it; "
              "without it, print the port as YAML to paste under outputPorts.")
def import_odcs(contract_file: str, into: str | None) -> None:
    """An output port from an ODCS contract; fields it cannot keep are reported on stderr."""
    parsed = _read_contract(contract_file)
    source = _load(into) if into else None
    defaults = Defaults.of(source.product) if source else Defaults.of_contract(parsed.data)
    fields: dict = {}
    try:
        port, notes = read_port(parsed, contract_file, defaults)
        if source:
            fields = taken(parsed.data, source.product, port)
            product = with_port(with_taken(source.product, fields), port, placeholder(source.product))
            expected = reexport(parsed.data, product, port)
        else:
            expected = reexport_port(parsed.data, port, defaults)
        lossy = lossy_fields(parsed, contract_file, expected, notes, into)
    except DeclarationError as exc:
        report(exc.problems)
    except RecursionError:
        fail(f"{contract_file}: nested too deeply to compare; expected a data contract")
    if not source:
        lossy += product_fields(parsed.data, contract_file)
    lossy += terms_notes(parsed, contract_file, source.product.policies.usage_restrictions if source else None)
    grants, taken_access = _access(parsed, contract_file, port, source)
    for problem in taken_access + added_lines(parsed, contract_file, notes.added) + lossy:
        click.echo(str(problem), err=True)
    if source:
        write_port(source, port, into, fields, parsed, contract_file)
        for _, line in grants:
            click.echo(f"{into}: output port {port.name} v{port.major}: access from {contract_file}: {line}")
    else:
        click.echo("".join(f"# access from {contract_file}: {line}\n" for _, line in grants), nl=False)
        click.echo(render_port(port), nl=False)
    if lossy:
        click.echo(f"{len(lossy)} field{'s' * (len(lossy) != 1)} of {contract_file} not imported as "
                   "given (see above)", err=True)


def _access(parsed: Parsed, file: str, port: OutputPort, source: Source | None) -> tuple[list, list[Problem]]:
    """The consumers and row filters the import adds to the declaration's port (all of them without
    one): (contract path, sentence) each, and each as a located line for the report."""
    old = next((p for p in source.product.output_ports if (p.name, p.major) == (port.name, port.major)),
               None) if source else None
    grants = access_taken(parsed.data, port, old)
    return grants, [Problem(file, *parsed.locate(path), contract_path(parsed.data, path),
                            f"took access from the contract: {line}") for path, line in grants]


def _read_contract(path: str) -> Parsed:
    if not Path(path).is_file():
        fail_usage(f"{path}: no such file")
    try:
        return parse(Path(path).read_text(encoding="utf-8-sig"))
    except YamlError as exc:
        report([Problem(path, *exc.mark, "", str(exc))])
    except (OSError, UnicodeDecodeError) as exc:
        report([Problem(path, 1, 1, "", f"cannot read the file: {exc}; expected a UTF-8 YAML contract")])
