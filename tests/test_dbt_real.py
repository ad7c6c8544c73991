"""``meshplane dbt scaffold`` into a dbt project that already exists, then dbt-core's own ``dbt parse``
and ``meshplane dbt check``.

tests/dbt_real/project is modelled on the public example projects (staging views over sources, marts
in a custom schema) with what breaks a naive scaffold: its own ``generate_schema_name``, a source
named like the product's input port, a vendored package, a ``profiles.yml`` with dev and prod. dbt
runs as in test_dbt.py (a venv of its own, two processes). What it cannot prove: that BigQuery runs
the models (``dbt parse`` compiles nothing against a warehouse).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_dbt import parse_projects

from meshplane.interop.dbt_commands import dbt_cmd
from meshplane.interop.dbt_existing import Project, merge_sources
from meshplane.interop.dbt_scaffold import SCHEMA_MACRO, SOURCES_FILE

HERE = Path(__file__).resolve().parent / "dbt_real"
PROJECT, DECLARATION = HERE / "project", HERE / "declarations" / "shop" / "orders.yaml"
GUARD = "{%- if node.fqn[1] == 'meshplane' -%}{{ custom_schema_name | trim }}{%- else -%}"


def cli(*args: str):
    return CliRunner().invoke(dbt_cmd, [str(a) for a in args], env={"DBT_PROFILES_DIR": None})


def _scaffold(project: Path) -> None:
    result = cli("scaffold", DECLARATION, "-o", project)
    assert result.exit_code == 0, result.output
    (project / "scaffold.out").write_text(result.output)


def _guarded(project: Path) -> None:
    """The project's macro with the guard the scaffold asks for, as a team would add it."""
    _scaffold(project)
    macro = project / "macros" / "generate_schema_name.sql"
    text = macro.read_text().replace("    {%- set default_schema", f"    {GUARD}\n    {{%- set default_schema")
    macro.write_text(text.replace("{%- endmacro %}", "{%- endif -%}\n{%- endmacro %}"))


def _own_orders_v1(project: Path) -> None:
    (project / "models" / "marts" / "orders_v1.sql").write_text("select * from {{ ref('orders') }}\n")
    _scaffold(project)


VARIANTS = {  # name -> (change, dbt arguments)
    "plain": (lambda project: None, ["--target", "prod"]),
    "prod": (_scaffold, ["--target", "prod"]),
    "dev": (_scaffold, []),
    "guarded_dev": (_guarded, []),
    "model_named_like_the_port": (_own_orders_v1, ["--target", "prod"]),
}


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict[str, Path]:
    """Each variant's project directory, parsed by dbt-core (two processes)."""
    root = tmp_path_factory.mktemp("dbt_real")
    jobs = []
    for name, (change, args) in VARIANTS.items():
        shutil.copytree(PROJECT, root / name)
        change(root / name)
        jobs.append({"project": str(root / name), "env": {}, "args": args})
    parse_projects(root, jobs)
    return {name: root / name for name in VARIANTS}


def check(project: Path):
    return cli("check", DECLARATION, "--manifest", project / "target" / "manifest.json")


def test_scaffold_into_the_real_project_keeps_its_macro_and_source_and_says_so(parsed):
    said = (parsed["prod"] / "scaffold.out").read_text()
    assert not (parsed["prod"] / SCHEMA_MACRO).exists()
    assert "kept macros/generate_schema_name.sql: the project's own generate_schema_name; " \
           "macros/meshplane_generate_schema_name.sql not written (dbt allows one)" in said and GUARD in said
    assert "source jaffle_shop.raw_orders is the project's (models/staging/_sources.yml): left out of " \
           "models/meshplane/sources.yml, it serves input port jaffle_shop" in said
    assert "kept " in said and "profiles.yml (exists; the dbt job runs its target prod of profile jaffle_shop)" in said
    assert "raw_orders" not in (parsed["prod"] / SOURCES_FILE).read_text()


def test_scaffold_then_parse_then_check_is_clean_for_the_job_target(parsed):
    result = check(parsed["prod"])
    assert result.exit_code == 0, result.output
    assert "matches" in result.output and "1 port model and 1 source" in result.output


def test_check_explains_the_projects_schema_macro_in_another_target(parsed):
    result = check(parsed["dev"])
    assert result.exit_code == 1
    assert "outputPorts.orders: no dbt model writes the port table `orders_internal.orders_v1`" in result.output
    assert "model `orders_v1` writes `dbt_dev_orders_internal.orders_v1` (the project's generate_schema_name " \
           "(macros/generate_schema_name.sql) turned its schema orders_internal into dbt_dev_orders_internal" \
           in result.output


def test_the_guard_the_scaffold_suggests_makes_every_target_clean(parsed):
    result = check(parsed["guarded_dev"])
    assert result.exit_code == 0, result.output


def test_check_finds_the_model_by_relation_and_names_the_one_named_like_the_port(parsed):
    result = check(parsed["plain"])
    assert result.exit_code == 1
    assert "no dbt model writes the port table `orders_internal.orders_v1`; given none in " in result.output
    assert "; model `orders` writes `analytics.orders`; expected a model with schema orders_internal and " \
           "alias orders_v1 after generate_schema_name" in result.output


def test_a_project_model_of_the_port_tables_name_keeps_its_name(parsed):
    project = parsed["model_named_like_the_port"]
    assert "the port model is meshplane_orders_v1 (alias orders_v1, the port table)" in \
        (project / "scaffold.out").read_text()
    assert (project / "models" / "meshplane" / "meshplane_orders_v1.sql").exists()
    result = check(project)
    assert result.exit_code == 0, result.output


def test_reading_an_existing_project(tmp_path):
    assert Project.read(tmp_path) == Project()  # no dbt_project.yml: a new project
    shutil.copytree(PROJECT, tmp_path / "p")
    project = Project.read(tmp_path / "p")
    assert project.schema_macro == Path("macros/generate_schema_name.sql")
    assert set(project.sources) == {("jaffle_shop", "raw_orders"), ("jaffle_shop", "raw_customers")}
    assert project.models == {"stg_orders", "stg_customers", "orders", "customers"}
    ours = [{"name": "jaffle_shop", "tables": [{"name": "raw_orders"}]},
            {"name": "jaffle_shop", "tables": [{"name": "raw_payments"}]}, {"name": "crm", "tables": [{"name": "x"}]}]
    kept, said = merge_sources(ours, project)
    assert kept == ours[1:] and len(said) == 1 and said[0].startswith("source jaffle_shop.raw_orders is the project's")
