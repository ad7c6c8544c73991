"""The mesh: a set of declarations whose input ports resolve to each other's output ports.

The producer controls access: an input port resolves only when the upstream port lists the
consuming product among its consumers. Ids are unique, nobody reads a retired product while
active, and no product depends on itself through a cycle.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..declaration.files import declaration_files
from ..declaration.loader import Source, read_source
from ..declaration.model import DataProduct, InputPort, OutputPort
from ..declaration.problems import Problem
from ..declaration.types import Status
from ..declaration.yamlpos import YamlError, parse
from .lineage import Lineage, build_lineage


@dataclass
class Mesh:
    """Valid declarations by id, with the problems of the files that were not valid.

    A product whose declaration has problems is not unknown to the others: reading or serving it
    is not reported again (its own problems say what to fix).
    """

    sources: dict[str, Source] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    checked: int = 0  # declaration files read, valid or not
    invalid: dict[str, str] = field(default_factory=dict)  # id -> file of declarations with problems

    @classmethod
    def load(cls, paths: Iterable[str]) -> Mesh:
        """Read every declaration under ``paths``; file and mesh problems are in ``problems``."""
        return cls.from_sources(_read_all(declaration_files(list(paths))))

    @classmethod
    def from_sources(cls, results: Iterable[tuple[Source | None, list[Problem]]]) -> Mesh:
        """A mesh of already-read sources (their file problems are kept)."""
        mesh = cls()
        for source, problems in results:
            mesh.checked += 1
            mesh.problems.extend(problems)
            if source is not None:
                mesh._add(source)
            elif problems and (declared := _declared_id(problems[0].file)):
                mesh.invalid.setdefault(declared, problems[0].file)
        mesh.problems.extend(mesh.check())
        mesh.problems.sort()
        return mesh

    @property
    def products(self) -> list[DataProduct]:
        return [s.product for s in self.sources.values()]

    def output_port(self, product_id: str, port: str, major: int) -> OutputPort | None:
        """The output port ``port`` of ``product_id`` in major version ``major``, if declared."""
        source = self.sources.get(product_id)
        ports = source.product.output_ports if source else []
        return next((p for p in ports if p.name == port and p.major == major), None)

    def lineage(self) -> Lineage:
        """Product and port nodes, with an edge per resolved input port."""
        return build_lineage(self.products)

    def check(self) -> list[Problem]:
        """Every problem between declarations (each single declaration is already valid)."""
        problems: list[Problem] = []
        for source in self.sources.values():
            for i, port in enumerate(source.product.input_ports):
                if port.data_product is not None:
                    problems += self._input_port(source, i, port)
            problems += self._consumers(source)
        problems += self._cycles()
        return problems

    def _add(self, source: Source) -> None:
        first = self.sources.get(source.product.id)
        if first is None:
            self.sources[source.product.id] = source
            return
        line = first.parsed.locate(("id",))[0]
        self.problems.append(source.problem(("id",), f"duplicate data product id; given "
                             f"{source.product.id!r}, also declared at {first.file}:{line}; expected "
                             "each id once in the mesh"))

    def _input_port(self, source: Source, i: int, port: InputPort) -> Iterator[Problem]:
        at = ("inputPorts", i)
        upstream = self.sources.get(port.data_product)
        if upstream is None:
            if port.data_product in self.invalid:
                return  # declared, but invalid: its own problems say why
            yield source.problem(at + ("dataProduct",), f"unknown data product; given "
                                 f"{port.data_product!r}; expected "
                                 f"{_names(self.sources, port.data_product, source)} "
                                 "(validate the upstream declarations together with this one)")
            return
        served = [p for p in upstream.product.output_ports if p.name == port.output_port]
        target = next((p for p in served if p.major == port.version), None)
        if not served:
            names = sorted({p.name for p in upstream.product.output_ports})
            yield source.problem(at + ("outputPort",), f"{port.data_product} has no such output "
                                 f"port; given {port.output_port!r}; expected one of {', '.join(names)}")
        elif target is None:
            majors = ", ".join(str(p.major) for p in served)
            yield source.problem(at + ("version",), f"{port.data_product} does not serve "
                                 f"{port.output_port} in this major version; given {port.version}; "
                                 f"expected one of {majors}")
        elif not any(c.data_product == source.product.id for c in target.consumers):
            yield source.problem(at, f"the producer has not granted access: {port.data_product} "
                                 f"{port.output_port} v{port.version} does not list this product "
                                 f"among its consumers; given no 'dataProduct: {source.product.id}' "
                                 f"there; expected the producer to add it ({upstream.file})")
        if upstream.product.status == Status.RETIRED and source.product.status == Status.ACTIVE:
            yield source.problem(at + ("dataProduct",), f"an active product reads a retired one; "
                                 f"given {port.data_product!r} (retired); expected an active "
                                 "upstream, or this product's status changed")

    def _consumers(self, source: Source) -> Iterator[Problem]:
        for i, port in enumerate(source.product.output_ports):
            for j, consumer in enumerate(port.consumers):
                if consumer.data_product and consumer.data_product not in (*self.sources, *self.invalid):
                    yield source.problem(("outputPorts", i, "consumers", j, "dataProduct"),
                                         f"unknown data product; given {consumer.data_product!r}; "
                                         f"expected {_names(self.sources, consumer.data_product, source)} "
                                         "(validate the consuming declarations together with this one)")

    def _cycles(self) -> Iterator[Problem]:
        for cycle in self.lineage().product_cycles():
            source = self.sources[cycle[0]]
            nxt = cycle[1] if len(cycle) > 1 else cycle[0]
            i = next(i for i, p in enumerate(source.product.input_ports) if p.data_product == nxt)
            path = " -> ".join(cycle + [cycle[0]])
            yield source.problem(("inputPorts", i, "dataProduct"), f"dependency cycle; given "
                                 f"{path}; expected no product to depend on itself")


def _read_all(files: Iterable) -> Iterator[tuple[Source | None, list[Problem]]]:
    for path in files:
        yield read_source(path)


def _declared_id(file: str) -> str | None:
    """The id an invalid declaration states, if it parses that far (or, when the YAML does not parse, a
    top-level ``id: <domain>.<name>`` line says it): it is no unknown product."""
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        data = parse(text).data
    except YamlError:
        found = ID_LINE.search(text)
        return found.group(1) if found else None
    declared = data.get("id") if isinstance(data, dict) else None
    return declared if isinstance(declared, str) else None


def declared_domain(file: str) -> str | None:
    """The domain a declaration's top-level ``domain:`` or ``id:`` line names, read as text (for files
    whose YAML or id cannot be read); None when neither line is there."""
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    found = DOMAIN_LINE.search(text) or ID_LINE.search(text)
    return found.group(1).split(".", 1)[0] if found else None


ID_LINE = re.compile(r"^id:[ \t]*[\"']?([a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*)[\"']?[ \t]*(?:#.*)?$", re.M)
DOMAIN_LINE = re.compile(r"^domain:[ \t]*[\"']?([a-z0-9][a-z0-9-]*)[\"']?[ \t]*(?:#.*)?$", re.M)


def _names(sources: dict[str, Source], given: str, referrer: Source) -> str:
    """The products ``given`` may mean, never the ``referrer`` naming it (it names another one)."""
    names = sorted(name for name in sources if name != referrer.product.id)
    close = difflib.get_close_matches(given, names, n=1)
    if close:
        return f"a product of the mesh (did you mean {close[0]!r}?)"
    listed = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return f"one of {listed}" if names else "a product of the mesh, and no other declaration was read"
