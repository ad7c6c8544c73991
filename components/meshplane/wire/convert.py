"""What the provider facade (``wire.components``) does to wire inputs: read and validate them with the
library's own models, and turn every problem into one Pulumi input error naming the input's field.

Pure functions: the components only call them and the library's components.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pulumi
from pydantic import BaseModel, TypeAdapter, ValidationError

from ..product import addresses, standards
from ..declaration.errors import describe_error
from ..declaration.loader import read_text, source_from_text
from ..declaration.model import DataProduct as Declaration
from ..declaration.problems import Problem
from ..gcp.input_port import UpstreamPort
from ..mesh.model import Mesh
from ..settings.platform import PlatformSettings
from ..mesh.validation import product_problems


def integral(value: object) -> object:
    """``value`` with every float that holds a whole number as an int, at any depth: the engine sends
    every number as a float (and the SDK's own conversion of ``int`` inputs is overwritten: see
    docs/provider.md), while the models refuse 2.0 where they expect 2 only in strict places."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral(v) for v in value]
    return value


def detail(path: str, reason: str) -> dict[str, str]:
    """One property error as the SDK's ``InputPropertyErrorDetails``."""
    return {"property_path": path, "reason": reason}


def joined(prefix: str, path: Iterable[str | int]) -> str:
    """``prefix`` and a model path as a property path: ``platform.kmsKeys.EU``, ``readers[1]``."""
    out = prefix
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def refused(details: list[dict[str, str]]) -> pulumi.InputPropertiesError:
    """The input error the engine shows for ``details`` (every problem at once)."""
    lines = "\n".join(f"  {d['property_path']}: {d['reason']}" for d in details)
    return pulumi.InputPropertiesError(f"invalid inputs:\n{lines}", details)


def model_details(exc: ValidationError, root: type[BaseModel], prefix: str) -> list[dict[str, str]]:
    """Pydantic's errors for ``root`` (given as ``prefix``), in the declaration's words."""
    out = []
    for err in exc.errors(include_url=False):
        path, message, _ = describe_error(err, root)
        out.append(detail(joined(prefix, path), message))
    return out


def validated(model: type[BaseModel], value: object, prefix: str) -> BaseModel:
    """``value`` validated by ``model``; an input error naming each bad field under ``prefix``."""
    try:
        return model.model_validate(integral(value))
    except ValidationError as exc:
        raise refused(model_details(exc, model, prefix)) from None


def checked(kind: object, value: object, path: str) -> object:
    """``value`` validated as the declaration type ``kind`` (``Location``, ``list[Principal]``...)."""
    try:
        return TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        raise refused([detail(joined(path, err["loc"]), f"{err['msg']}; given {err.get('input')!r}")
                       for err in exc.errors(include_url=False)]) from None


def problem_details(problems: Iterable[Problem], prefix: str, *, with_file: bool) -> list[dict[str, str]]:
    """Located declaration problems as property errors under ``prefix`` (the declaration's input)."""
    return [detail(joined(prefix, p.field.split(".") if p.field else ()),
                   f"{p.file + ':' if with_file else 'line '}{p.line}:{p.column}: {p.message}") for p in problems]


def declaration(text: str | None, file: str | None, platform: PlatformSettings, environment: str) -> Declaration:
    """The declaration given as text (``declaration``) or as a file (``declarationFile``), validated, with
    what a stack checks of it on its own (``validation.product_problems``)."""
    if (text is None) == (file is None):
        raise refused([detail("declaration", "give the declaration's text, or declarationFile its path; "
                              f"given {'both' if text else 'neither'}")])
    prefix = "declarationFile" if file else "declaration"
    if file is not None:
        text, problem = read_text(Path(file))
        if problem:
            raise refused(problem_details([problem], prefix, with_file=True))
    source, problems = source_from_text(text, file or "declaration")
    problems = problems or product_problems(source, platform, environment)
    if problems:
        raise refused(problem_details(problems, prefix, with_file=bool(file)))
    return source.product


def texts_mesh(texts: list[str]) -> Mesh:
    """The mesh of declarations given as texts, each named ``declarations[i]`` in its problems."""
    return Mesh.from_sources(source_from_text(text, f"declarations[{i}]") for i, text in enumerate(texts))


def port_addresses(product: Declaration, project_id: str) -> dict[str, dict[str, object]]:
    """Each output port major's dataset and view, keyed ``<port>-v<major>``."""
    return {f"{port.name}-v{port.major}": {
        "name": port.name, "major": port.major, "project": project_id,
        "dataset": addresses.port_dataset_id(product, port), "view": standards.view_id(port.name, port.major),
        "address": f"{project_id}.{addresses.port_dataset_id(product, port)}.{standards.view_id(port.name, port.major)}"}
        for port in product.output_ports}


def upstream_ports(product: Declaration, given: dict[str, str] | None) -> dict[str, UpstreamPort]:
    """The upstream view of each input port that reads another product, by port name, from ``upstreams``
    (a producer's ``ports[...].address``): a product alone does not see the mesh that resolves them.
    Given, an address stands for the producer's grant, which only the producer's own declaration makes."""
    given, reading = given or {}, [p.name for p in product.input_ports if p.data_product]
    problems = [detail(f"upstreams.{name}", f"the view input port {name!r} reads; given none; expected the "
                       "producer's port address (project.dataset.view)") for name in reading if name not in given]
    problems += [detail(f"upstreams.{name}", f"not an input port of {product.id} that reads a data product; "
                        f"expected one of {', '.join(reading) or 'none'}") for name in given if name not in reading]
    if problems:
        raise refused(problems)
    return {name: UpstreamPort(address=given[name], granted=True) for name in reading}


def email(principal: str) -> str:
    """``serviceAccount:a@b`` -> ``a@b``."""
    return principal.split(":", 1)[-1]
