"""Stack settings read from ``stacks/Pulumi.<stack>.yaml`` (the ``meshplane:*`` config keys).

The same file is what ``pulumi up`` reads; the offline commands read it directly, locating every
problem by line like declarations. Keys of other namespaces (``gcp:project``...) are left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import Field, ValidationError

from ..declaration.files import UsageError
from ..declaration.loader import duplicate_key_problems, read_text, validation_problems
from ..declaration.model import Strict
from ..declaration.problems import DeclarationError, Problem
from ..declaration.types import Slug
from ..declaration.yamlpos import YamlError, parse
from .platform import PlatformSettings

NAMESPACE = "meshplane"
NON_PRODUCTION = frozenset({"dev", "test", "sandbox"})


def _listed(values: frozenset[str]) -> str:
    """``'a', 'b' and 'c'``."""
    quoted = [f"'{v}'" for v in sorted(values)]
    return " and ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)


class StackSettings(Strict):
    """The ``meshplane:*`` keys of one stack."""

    environment: Slug = Field(
        description="The stack's environment: part of every project id, runner e-mail and `environment` label. "
                    f"{_listed(NON_PRODUCTION)} are non-production, any other value is production-like (e.g. "
                    "'staging'); the platform's productionEnvironment (default 'prod') is production itself "
                    "(see Environments).")
    domain: Slug = Field(description="The domain whose products this stack builds.")
    products: list[str] = Field(
        min_length=1, description="Globs of the declaration files the stack sees, relative to the repository root "
                                  "(e.g. 'blueprints/*/*.yaml'): the whole mesh, so that input ports and grants "
                                  "across domains are checked; only the stack's domain is built.")
    platform: PlatformSettings = Field(
        description="Where products are created and the rules they follow; usually the same in every stack "
                    "of the organization.")
    transfer_subjects: dict[str, Annotated[str, Field(pattern=r"^[0-9]{1,40}$")]] = Field(
        default_factory=dict,
        description="Per data product id, the subjectId of its project's Storage Transfer Service account, known once "
                    "the project exists (after the first `pulumi up` for a project the stack creates): the "
                    "`subjectId` of the Storage Transfer API's googleServiceAccounts.get for the project (docs/s3.md). "
                    "What `meshplane s3-preflight` checks the AWS roles of its S3 input ports trust.")

    @property
    def is_production(self) -> bool:
        return self.environment not in NON_PRODUCTION


class PlatformStackSettings(Strict):
    """The ``meshplane:*`` keys of the platform stack: it builds no product and owns, once, the grants
    on the platform's policy tags and masking policies of every domain stack with ``sharedGrants: platform``."""

    role: Literal["platform"] = Field(description="'platform': this is the platform stack, not a domain's.")
    platform: PlatformSettings = Field(description="The platform settings, as in the domain stacks.")


def is_platform_stack(stack: str, stacks_dir: str | Path = "stacks") -> bool:
    """Whether the stack's config says ``meshplane:role: platform`` (an unreadable file is left to
    ``load_stack`` to report)."""
    try:
        config = yaml.safe_load(stack_file(stack, stacks_dir).read_text(encoding="utf-8")).get("config")
        return config.get(f"{NAMESPACE}:role") == "platform"
    except (yaml.YAMLError, AttributeError, OSError, UnicodeDecodeError):
        return False


def stack_names(stacks_dir: str | Path = "stacks") -> list[str]:
    """Every stack with a config file in ``stacks_dir``, by name."""
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in Path(stacks_dir).glob("Pulumi.*.yaml"))


def stack_file(stack: str, stacks_dir: str | Path = "stacks") -> Path:
    """The config file of ``stack``; ``UsageError`` when it does not exist."""
    path = Path(stacks_dir) / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = stack_names(stacks_dir)
        raise UsageError(f"unknown stack {stack!r}: no {path}; known stacks: {', '.join(known) or 'none'}")
    return path


def load_stack(stack: str, stacks_dir: str | Path = "stacks") -> StackSettings:
    """Read and validate a domain stack's settings; ``DeclarationError`` lists every located problem,
    ``UsageError`` names the platform stack (it builds no products)."""
    if is_platform_stack(stack, stacks_dir):
        raise UsageError(f"stack {stack!r} is the platform stack (meshplane:role: platform): it builds no "
                         "products; expected a domain stack")
    return _load(stack, stacks_dir, StackSettings)


def load_platform_stack(stack: str, stacks_dir: str | Path = "stacks") -> PlatformStackSettings:
    """Read and validate the platform stack's settings, located like a domain stack's."""
    return _load(stack, stacks_dir, PlatformStackSettings)


def _load(stack: str, stacks_dir: str | Path, model: type[Strict]):
    path = stack_file(stack, stacks_dir)
    text, problem = read_text(path)
    if problem:
        raise DeclarationError([problem])
    return settings_from_text(text, str(path), model)


def settings_from_text(text: str, file: str, model: type[Strict] = StackSettings) -> StackSettings:
    """Stack settings from the text of a stack config file."""
    try:
        parsed = parse(text)
    except YamlError as exc:
        raise DeclarationError([Problem(file, *exc.mark, "", str(exc))]) from None
    config = parsed.data.get("config") if isinstance(parsed.data, dict) else None
    if not isinstance(config, dict):
        raise DeclarationError([Problem(file, 1, 1, "config", "no stack configuration; given none; "
                                        "expected a 'config:' mapping with meshplane:* keys")])
    ours = {k.split(":", 1)[1]: v for k, v in config.items()
            if isinstance(k, str) and k.startswith(NAMESPACE + ":")}
    problems = duplicate_key_problems(parsed, file)
    try:
        settings = model.model_validate(ours)
    except ValidationError as exc:
        parsed.data = {k.split(":", 1)[1] if isinstance(k, str) else k: v for k, v in config.items()}
        parsed.value_marks = _rekey(parsed.value_marks)
        parsed.key_marks = _rekey(parsed.key_marks)
        problems += [_prefixed(p) for p in validation_problems(exc, parsed, file, model)]
        raise DeclarationError(problems) from None
    problems += _unlisted_domain(settings, parsed, file)
    if problems:
        raise DeclarationError(problems)
    return settings


def _unlisted_domain(settings, parsed, file: str) -> list[Problem]:
    """A stack whose domain its environment does not list: it would build nothing (and an ``up`` on a
    deployed stack would delete everything), while the others would grant products it never builds."""
    if not isinstance(settings, StackSettings):  # the platform stack: no domain, no environment
        return []
    listed = settings.platform.environments.get(settings.environment)
    if listed is None or listed.domains is None or settings.domain in listed.domains:
        return []
    line, column = parsed.value_marks.get(("config", f"{NAMESPACE}:domain"), (1, 1))
    return [Problem(file, line, column, f"config.{NAMESPACE}:domain", (
        f"the stack's domain is not among the domains of its environment; given {settings.domain!r}; expected "
        f"one of {', '.join(listed.domains) or 'none'} (platform.environments.{settings.environment}.domains), "
        "or the domain added there in every stack of the environment"))]


def _rekey(marks: dict) -> dict:
    """Positions under ``config.meshplane:x`` re-keyed as ``x`` so model paths find them."""
    out = {}
    for path, mark in marks.items():
        if len(path) >= 2 and path[0] == "config" and str(path[1]).startswith(NAMESPACE + ":"):
            out[(str(path[1]).split(":", 1)[1],) + path[2:]] = mark
        elif path == ():
            out[()] = mark
    return out


def _prefixed(problem: Problem) -> Problem:
    field = f"config.{NAMESPACE}:{problem.field}" if problem.field else "config"
    return Problem(problem.file, problem.line, problem.column, field, problem.message)
