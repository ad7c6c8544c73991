"""The starter files of a new dbt project: ``dbt_project.yml``, ``profiles.yml`` whose one output is the
target the job's command runs and reads the job's environment, and a contract-conforming stub per port
model. Written when absent, never replaced.
"""

from __future__ import annotations

from pathlib import Path

from ..declaration.dbt_invocation import (DEFAULT_COMMAND, DEFAULT_TARGET, INTERNAL_DATASET_ENV, LOCATION_ENV,
                                          PROJECT_ENV, job_profile, job_target)
from ..declaration.model import DataProduct
from .yaml_text import FlowList
from .dbt_scaffold import MODELS_DIR, PORTS_FILE, Defaults, data_type, dump_yaml, env, internal_dataset, model_name

_PROFILE_HEADER = ("# Written by `meshplane dbt scaffold`: the output the dbt job of {id} runs (the --target of "
                   "transformation.dbt.command).\n# Every value comes from the job's environment, so this one "
                   "output serves every stack.\n")
def profile_and_target(product: DataProduct) -> tuple[str, str]:
    """The profile and target the product's dbt job runs, as the starter profile names them."""
    dbt = product.transformation.dbt if product.transformation else None
    command, declared = (dbt.command, dbt.env) if dbt else (DEFAULT_COMMAND, {})
    return (job_profile(command, declared) or product.name.replace("-", "_"),
            job_target(command, declared) or DEFAULT_TARGET)


def profile(product: DataProduct, defaults: Defaults) -> dict:
    """``profiles.yml``: the job's profile, whose default and only output is the job's target; every
    value read from the job's environment, so the one output serves every stack."""
    name, target = profile_and_target(product)
    output = {"type": "bigquery", "method": "oauth", "project": env(PROJECT_ENV, defaults.project),
              "dataset": env(INTERNAL_DATASET_ENV, internal_dataset(product)),
              "location": env(LOCATION_ENV, product.policies.location), "threads": 4}
    return {name: {"target": target, "outputs": {target: output}}}


def starter_files(product: DataProduct, defaults: Defaults,
                  taken: frozenset[str] | set[str] = frozenset()) -> dict[Path, str]:
    """Files written once for a new dbt project: project, profile and a stub per port model."""
    name = product.name.replace("-", "_")
    project = {"name": name, "version": product.version, "config-version": 2,
               "profile": profile_and_target(product)[0],
               "model-paths": FlowList(["models"]), "macro-paths": FlowList(["macros"])}
    files = {Path("dbt_project.yml"): dump_yaml(project),
             Path("profiles.yml"): _PROFILE_HEADER.format(id=product.id) + dump_yaml(profile(product, defaults))}
    for port in product.output_ports:
        selects = ",\n".join(f"    cast(null as {data_type(c)}) as {c.name}" for c in port.columns)
        files[MODELS_DIR / f"{model_name(port, taken)}.sql"] = (
            f"-- Fills the port table {internal_dataset(product)}.{model_name(port)} (output port "
            f"{port.name} {port.version}).\n-- A stub: select the rows from the sources; keep the columns "
            f"and types of {PORTS_FILE.as_posix()}.\nselect\n{selects}\nlimit 0\n")
    return files
