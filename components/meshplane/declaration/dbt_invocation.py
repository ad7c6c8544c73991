"""How the declared dbt job invokes dbt: its default command, the profile and target it runs, its variables.

One rule, read the way dbt's command line reads it: the job runs the target its command names with
``--target``/``-t`` (the last one wins), else ``DBT_TARGET`` of the declared ``env``, else the profile's
default ``target:``; in the profile named by ``--profile``, else ``DBT_PROFILE``, else ``dbt_project.yml``'s
``profile:``. The default command names ``prod``; ``meshplane dbt scaffold`` writes the target the command
runs, and ``meshplane dbt check`` refuses a profile without it. A command that is not ``dbt`` itself (a
script, ``sh -c``) is not read: it is taken to run the profile's default target.

The variables below are set on the job (``gcp/dbt_job.py``) and read by the scaffolded project with
``env_var()``, so one profile serves every stack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

DEFAULT_TARGET = "prod"
DEFAULT_COMMAND = ("dbt", "build", "--target", DEFAULT_TARGET)
TARGET_FLAGS, PROFILE_FLAGS = ("--target", "-t"), ("--profile",)
TARGET_ENV, PROFILE_ENV = "DBT_TARGET", "DBT_PROFILE"

ENV_PREFIX = "MESHPLANE_"
PROJECT_ENV, LOCATION_ENV = f"{ENV_PREFIX}PROJECT", f"{ENV_PREFIX}LOCATION"
INTERNAL_DATASET_ENV = f"{ENV_PREFIX}INTERNAL_DATASET"


def input_env(port: str) -> str:
    """The job's variable holding an input port's address, e.g. ``MESHPLANE_INPUT_SESSIONS``."""
    return f"{ENV_PREFIX}INPUT_{port.upper()}"


def port_env(table_id: str) -> str:
    """The job's variable holding a port table's ``project.dataset.table``."""
    return f"{ENV_PREFIX}PORT_{table_id.upper()}"


def is_dbt(command: Sequence[str]) -> bool:
    """Whether the command runs dbt itself (``dbt`` or a path ending in it), so its options can be read."""
    return bool(command) and PurePosixPath(command[0]).name == "dbt"


def option(command: Sequence[str], flags: Sequence[str]) -> str | None:
    """The value of the last of ``flags`` in a dbt command (``--x V``, ``--x=V``, ``-xV``), else None."""
    if not is_dbt(command):
        return None
    value, args = None, list(command[1:])
    for i, arg in enumerate(args):
        for flag in flags:
            if arg == flag and i + 1 < len(args):
                value = args[i + 1]
            elif flag.startswith("--") and arg.startswith(flag + "="):
                value = arg[len(flag) + 1:]
            elif not flag.startswith("--") and arg.startswith(flag) and len(arg) > len(flag):
                value = arg[len(flag):]
    return value


def dangling(command: Sequence[str]) -> list[str]:
    """The target and profile flags of a dbt command given without a value (dbt would refuse them)."""
    if not is_dbt(command):
        return []
    args = list(command[1:])
    return [a for i, a in enumerate(args) if a in TARGET_FLAGS + PROFILE_FLAGS
            and (i + 1 == len(args) or args[i + 1].startswith("-"))]


def job_target(command: Sequence[str], env: Mapping[str, str]) -> str | None:
    """The target the job runs, when its command or environment names one; else the profile's default."""
    return option(command, TARGET_FLAGS) or env.get(TARGET_ENV) or None


def job_profile(command: Sequence[str], env: Mapping[str, str]) -> str | None:
    """The profile the job runs, when its command or environment names one; else dbt_project.yml's."""
    return option(command, PROFILE_FLAGS) or env.get(PROFILE_ENV) or None
