"""``meshplane validate``: declarations, the mesh they form, and the governance that applies.

``validate`` reports every problem of the files it is given: it is the check of the whole mesh. A
stack (``plan``, ``pulumi up``) stops only for the problems of its own products and of the products
they read from or grant to (``check_stack``); problems elsewhere in the mesh are its warnings, so one
domain's mistake never blocks another domain's deployment.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from pydantic import ValidationError

from ..declaration.files import UsageError
from ..declaration.loader import Source, read_text, validation_problems
from ..declaration.problems import DeclarationError, Problem
from ..declaration.yamlpos import YamlError, parse
from ..governance import check_governance
from .model import Mesh, declared_domain
from ..governance.environment_checks import check_environment
from ..governance.platform_checks import check_platform, check_purge
from ..settings.platform import GovernanceSettings, PlatformSettings
from ..settings.stack_config import StackSettings, load_stack
from .stack_order import is_built


def validate_paths(paths: list[str], stack: str | None, stacks_dir: str,
                   governance_file: str | None) -> tuple[int, list[Problem]]:
    """(number of declarations checked, every problem found); ``UsageError`` for bad usage."""
    rules, platform, settings = GovernanceSettings(), None, None
    if stack:
        settings = load_stack(stack, stacks_dir)
        rules, platform = settings.platform.governance, settings.platform
        if not paths:
            paths = stack_paths(settings.products, Path(stacks_dir).resolve().parent)
    if governance_file:
        rules = load_governance(governance_file)
    if not paths:
        raise UsageError("no PATH given; expected files or directories of declarations")
    mesh, problems = check_mesh(paths, rules, platform, settings)
    return mesh.checked, problems


def check_mesh(paths: list[str], rules: GovernanceSettings, platform: PlatformSettings | None = None,
               stack: StackSettings | None = None) -> tuple[Mesh, list[Problem]]:
    """The mesh of ``paths`` and every file, mesh, governance and platform problem, sorted; with the
    ``stack``, what its environment refuses in the products it builds (a purge in production, production
    data outside production, an upstream no stack of the environment serves)."""
    return check_loaded(Mesh.load(paths), rules, platform, stack)


def check_loaded(mesh: Mesh, rules: GovernanceSettings, platform: PlatformSettings | None = None,
                 stack: StackSettings | None = None) -> tuple[Mesh, list[Problem]]:
    """``check_mesh`` for a mesh already read (from files, or from texts: ``Mesh.from_sources``)."""
    problems = list(mesh.problems)
    for source in mesh.sources.values():
        problems += check_governance(source, rules)
        if platform is not None:
            problems += check_platform(source, platform)
        if stack is not None and source.product.domain == stack.domain:
            problems += check_purge(source, stack.environment)
            if is_built(source.product, stack):
                problems += check_environment(source, stack.platform, stack.environment)
    return mesh, sorted(problems)


def product_problems(source: Source, platform: PlatformSettings, environment: str) -> list[Problem]:
    """What a stack checks of one of its declarations on its own (no mesh): governance, the platform, and
    what the environment refuses (a purge in production, production data outside production)."""
    return sorted([*check_governance(source, platform.governance), *check_platform(source, platform),
                   *check_purge(source, environment), *check_environment(source, platform, environment)])


def check_stack(settings: StackSettings, root: Path) -> tuple[Mesh, list[Problem], list[Problem]]:
    """The mesh a stack sees, the problems that stop it, and the problems elsewhere it only warns about."""
    return check_stack_mesh(settings, Mesh.load(stack_paths(settings.products, root)))


def check_stack_mesh(settings: StackSettings, mesh: Mesh) -> tuple[Mesh, list[Problem], list[Problem]]:
    """``check_stack`` for a mesh already read (the ``DomainStack`` component reads declaration texts)."""
    mesh, problems = check_loaded(mesh, settings.platform.governance, settings.platform, settings)
    return (mesh, *split_problems(problems, mesh, stack_scope(mesh, settings.domain), settings.domain))


def stack_scope(mesh: Mesh, domain: str) -> frozenset[str]:
    """The products whose problems stop a domain's stack: the domain's own (valid or not), and the
    products they read from (input ports) or grant to (consumers)."""
    own = {pid for pid in (*mesh.sources, *mesh.invalid) if pid.split(".", 1)[0] == domain}
    near = set()
    for pid in own & mesh.sources.keys():
        product = mesh.sources[pid].product
        near |= {p.data_product for p in product.input_ports if p.data_product}
        near |= {c.data_product for port in product.output_ports for c in port.consumers if c.data_product}
    return frozenset(own | near)


def split_problems(problems: list[Problem], mesh: Mesh, scope: frozenset[str],
                   domain: str | None = None) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings): a problem is a warning when its file declares a product outside ``scope``, or,
    for a file whose product cannot be told (its YAML or id does not parse, it repeats an id), when its
    ``domain:`` line names another domain than the stack's ``domain``; any other stays an error."""
    owner = {s.file: pid for pid, s in mesh.sources.items()} | {file: pid for pid, file in mesh.invalid.items()}
    errors, warnings = [], []
    for problem in problems:
        pid = owner.get(problem.file)
        if pid is not None:
            elsewhere = pid not in scope
        else:
            declared = declared_domain(problem.file) if domain else None
            elsewhere = declared is not None and declared != domain
        (warnings if elsewhere else errors).append(problem)
    return errors, warnings


def stack_paths(globs: list[str], root: Path) -> list[str]:
    """The files matched by a stack's product globs, relative to the repository ``root``."""
    found = sorted({os.path.relpath(m) for g in globs for m in glob.glob(str(root / g), recursive=True)})
    if not found:
        raise UsageError(f"the stack's products ({', '.join(globs)}) match no file under {root}")
    return found


def load_governance(file: str) -> GovernanceSettings:
    """Governance settings from a YAML file (the ``governance`` mapping of the platform settings)."""
    if not Path(file).is_file():
        raise UsageError(f"{file}: no such governance file")
    text, problem = read_text(file)
    if problem:
        raise DeclarationError([problem])
    try:
        parsed = parse(text)
        return GovernanceSettings.model_validate(parsed.data)
    except YamlError as exc:
        raise DeclarationError([Problem(file, *exc.mark, "", str(exc))]) from None
    except ValidationError as exc:
        raise DeclarationError(validation_problems(exc, parsed, file, GovernanceSettings)) from None
