"""Check the dbt profile the product's job runs: the profile and target exist, and the output reads the job's
project from its environment, so the one profile serves every stack.

Which profile and target: ``declaration/dbt_invocation.py`` (the command's ``--profile``/``--target``,
the declared ``DBT_PROFILE``/``DBT_TARGET``, then ``dbt_project.yml`` and the profile's default). Where
``profiles.yml`` is: ``--profiles-dir``, ``DBT_PROFILES_DIR``, the project's directory, ``~/.dbt``. The
image may hold another ``profiles.yml``: this checks the one the project is developed with.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..declaration.dbt_invocation import (PROFILE_ENV, PROFILE_FLAGS, PROJECT_ENV, TARGET_ENV, TARGET_FLAGS,
                                          job_profile, option)
from ..declaration.files import UsageError
from ..declaration.loader import Source
from ..declaration.model import Dbt
from ..declaration.problems import Problem

PROFILES, PROJECT_FILE = "profiles.yml", "dbt_project.yml"
DBT = ("transformation", "dbt")
SCAFFOLD_HINT = "meshplane dbt scaffold writes one when profiles.yml is absent"


@dataclass(frozen=True)
class JobProfile:
    """The profile and target the job runs, and the file the profile was read from."""

    path: Path
    profile: str
    target: str | None


def profiles_path(project_dir: Path, profiles_dir: str | None) -> Path:
    """The ``profiles.yml`` dbt would read; ``UsageError`` when there is none."""
    if profiles_dir or os.environ.get("DBT_PROFILES_DIR"):
        candidates = [Path(profiles_dir or os.environ["DBT_PROFILES_DIR"])]
    else:
        candidates = [project_dir, Path.home() / ".dbt"]
    for directory in candidates:
        if (directory / PROFILES).is_file():
            return directory / PROFILES
    raise UsageError(f"no {PROFILES} in {' or '.join(str(d) for d in candidates)}; pass --profiles-dir, the "
                     "directory of the profile the dbt job runs")


def read_mapping(path: Path) -> dict:
    """A YAML file holding a mapping; ``UsageError`` when it is missing or is not one."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file; expected the dbt project's {path.name}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"{path}: not readable YAML: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: not a mapping; expected dbt's {path.name}")
    return data


def check_profile(source: Source, project_dir: Path,
                  profiles_dir: str | None) -> tuple[list[Problem], JobProfile | None]:
    """Findings on the profile the declared job runs, and that profile; nothing without a dbt job."""
    if source.product.transformation is None:
        return [], None
    dbt = source.product.transformation.dbt
    path = profiles_path(project_dir, profiles_dir)
    name = job_profile(dbt.command, dbt.env) or _project_profile(project_dir / PROJECT_FILE)
    profiles = read_mapping(path)
    at = DBT + (("env", PROFILE_ENV) if not option(dbt.command, PROFILE_FLAGS) and dbt.env.get(PROFILE_ENV)
                else ("command",))
    if not isinstance(profiles.get(name), dict):
        given = ", ".join(sorted(k for k, v in profiles.items() if isinstance(v, dict))) or "none"
        return [source.problem(at, f"the dbt job runs profile {name}, which {path} lacks; given profiles "
                               f"{given}; expected a profile {name} ({SCAFFOLD_HINT})")], None
    target, at, how = _target(dbt, profiles[name])
    job = JobProfile(path, name, target)
    if target is None:
        return [source.problem(at, f"cannot tell which output of profile {name} the dbt job runs; given "
                               f"{how}; expected --target NAME in the command")], job
    outputs = profiles[name].get("outputs") if isinstance(profiles[name].get("outputs"), dict) else {}
    if not isinstance(outputs.get(target), dict):
        return [source.problem(at, f"the dbt job runs target {target} ({how}), which profile {name} in {path} "
                               f"lacks; given outputs {', '.join(sorted(outputs)) or 'none'}; expected an output "
                               f"{target} reading the job's environment ({SCAFFOLD_HINT}), or a --target the "
                               "profile has")], job
    return _output(source, at, job, outputs[target]), job


def _project_profile(path: Path) -> str:
    name = read_mapping(path).get("profile")
    if not isinstance(name, str) or not name:
        raise UsageError(f"{path}: no profile; expected profile: NAME, the profile the dbt job runs")
    return name


def _target(dbt: Dbt, profile: dict) -> tuple[str | None, tuple, str]:
    """The job's target, where the declaration names it, and how it was chosen (for messages)."""
    named = option(dbt.command, TARGET_FLAGS)
    if named:
        given = ("the command" if "command" in dbt.model_fields_set
                 else f"the default command {' '.join(dbt.command)}")
        return named, DBT + ("command",), f"--target {named} in {given}"
    if dbt.env.get(TARGET_ENV):
        return dbt.env[TARGET_ENV], DBT + ("env", TARGET_ENV), f"{TARGET_ENV} in env"
    default = profile.get("target")
    if not isinstance(default, str) or "{{" in default:
        return None, DBT + ("command",), f"no --target and the profile's default target {default!r}"
    return default, DBT + ("command",), "no --target: the profile's default"


def _output(source: Source, at: tuple, job: JobProfile, output: dict) -> list[Problem]:
    project = output.get("project", output.get("database"))
    if isinstance(project, str) and "env_var" in project and PROJECT_ENV in project:
        return []
    return [source.problem(at, f"output {job.target} of profile {job.profile} in {job.path} names a fixed "
                           f"project, so every stack's job would write there; given project: {project!r}; "
                           f"expected project: '{{{{ env_var(\"{PROJECT_ENV}\") }}}}'")]
