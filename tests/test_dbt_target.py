"""The dbt target the job runs: read from its command, written by the scaffold, required by the check.

One rule (``declaration/dbt_invocation.py``): the command's ``--target``, else ``DBT_TARGET`` of the declared
env, else the profile's default; the default command names ``prod``. These tests need no dbt: the scaffold's
profile is read back as YAML and checked by ``check_profile``; ``test_dbt.py`` parses a fresh scaffold with
dbt itself, with the job's own arguments. What they cannot prove: which ``profiles.yml`` the image holds.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from helpers import at
from meshplane.product.standards import internal_dataset_id
from meshplane.declaration.dbt_invocation import DEFAULT_COMMAND, DEFAULT_TARGET, job_profile, job_target
from meshplane.declaration.loader import read_source
from meshplane.declaration.model import Dbt
from meshplane.interop.dbt_profile import check_profile
from meshplane.interop.dbt_scaffold import Defaults
from meshplane.interop.dbt_starter import starter_files

DECLARATION = Path(__file__).resolve().parent / "dbt_project" / "declarations" / "charts" / "hit-list.yaml"
IMAGE_LINE = "    image: europe-docker.pkg.dev/daff-platform/dbt/hit-list:1\n"


@pytest.mark.parametrize("command, env, target, profile", [
    (["dbt", "build", "--target", "nightly"], {}, "nightly", None),
    (["dbt", "build", "-t", "ci", "--target=nightly"], {}, "nightly", None),  # the last one wins, as in click
    (["/usr/local/bin/dbt", "build", "-tci", "--profile", "analytics"], {}, "ci", "analytics"),
    (["dbt", "build", "--profile=analytics"], {"DBT_TARGET": "scheduled"}, "scheduled", "analytics"),
    (["dbt", "build", "--target", "prod"], {"DBT_TARGET": "dev", "DBT_PROFILE": "other"}, "prod", "other"),
    (["dbt", "build"], {}, None, None),  # the profile's default target, dbt_project.yml's profile
    (["/app/run.sh", "--target", "x", "--profile", "y"], {}, None, None),  # a wrapper's arguments are its own
    (["sh", "-c", "dbt build --target x"], {}, None, None),
])
def test_job_target_and_profile(command, env, target, profile):
    assert (job_target(command, env), job_profile(command, env)) == (target, profile)


def test_default_command_names_the_default_target():
    dbt = Dbt.model_validate({"image": "i", "schedule": {"cron": "0 5 * * *"}})
    assert dbt.command == list(DEFAULT_COMMAND) == ["dbt", "build", "--target", DEFAULT_TARGET]
    assert job_target(dbt.command, dbt.env) == "prod"


def declaration(tmp_path: Path, dbt: dict) -> Path:
    """hit-list's declaration with ``dbt`` (command, env) added to its transformation."""
    text = DECLARATION.read_text(encoding="utf-8")
    extra = "".join(f"    {key}: {yaml.safe_dump(value, default_flow_style=True, width=1000).strip()}\n"
                    for key, value in dbt.items())
    path = tmp_path / "hit-list.yaml"
    path.write_text(text.replace(IMAGE_LINE, IMAGE_LINE + extra), encoding="utf-8")
    return path


def scaffold_profile(tmp_path: Path, dbt: dict):
    """The starter files of the changed declaration, written; its source; profiles.yml as data."""
    source, problems = read_source(declaration(tmp_path, dbt))
    assert not problems, problems
    project = tmp_path / "project"
    for path, text in starter_files(source.product, Defaults()).items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text, encoding="utf-8")
    return source, project, yaml.safe_load((project / "profiles.yml").read_text())


@pytest.mark.parametrize("dbt, profile, target", [
    ({}, "hit_list", "prod"),
    ({"command": ["dbt", "build", "--target", "nightly", "--vars", "{days: 28}"]}, "hit_list", "nightly"),
    ({"command": ["dbt", "build", "-t", "ci"]}, "hit_list", "ci"),
    ({"command": ["dbt", "build", "--profile", "analytics", "--target", "prod"]}, "analytics", "prod"),
    ({"command": ["dbt", "build"], "env": {"DBT_TARGET": "scheduled"}}, "hit_list", "scheduled"),
    ({"command": ["dbt", "build"]}, "hit_list", "prod"),
    ({"command": ["/app/run.sh"]}, "hit_list", "prod"),
])
def test_scaffolded_profile_is_the_jobs_target_and_check_agrees(tmp_path, dbt, profile, target):
    source, project, profiles = scaffold_profile(tmp_path, dbt)
    assert yaml.safe_load((project / "dbt_project.yml").read_text())["profile"] == profile
    assert list(profiles) == [profile] and profiles[profile]["target"] == target
    output = profiles[profile]["outputs"]
    assert list(output) == [target]  # one output: every stack's job reads its own environment
    assert output[target] == {
        "type": "bigquery", "method": "oauth", "project": '{{ env_var("MESHPLANE_PROJECT") }}',
        "dataset": '{{ env_var("MESHPLANE_INTERNAL_DATASET", "hit_list_internal") }}',
        "location": '{{ env_var("MESHPLANE_LOCATION", "EU") }}', "threads": 4}
    problems, job = check_profile(source, project, None)
    assert problems == [] and (job.profile, job.target, job.path) == (profile, target, project / "profiles.yml")


OUTPUT = {"type": "bigquery", "method": "oauth", "project": '{{ env_var("MESHPLANE_PROJECT") }}', "dataset": "d"}
FIXED = OUTPUT | {"project": "team-prod"}
FINDINGS = {
    "old_scaffold": ({}, {"hit_list": {"target": "meshplane", "outputs": {"meshplane": OUTPUT}}},
                     ("image:", "image"), "transformation.dbt.command",
                     "the dbt job runs target prod (--target prod in the default command dbt build --target prod), "
                     "which profile hit_list in {profiles} lacks; given outputs meshplane; expected an output prod "
                     "reading the job's environment"),
    "fixed_project": ({"command": ["dbt", "build", "--target", "prod"]},
                      {"hit_list": {"target": "dev", "outputs": {"dev": OUTPUT, "prod": FIXED}}},
                      ("command:", "["), "transformation.dbt.command",
                      "output prod of profile hit_list in {profiles} names a fixed project, so every stack's job "
                      "would write there; given project: 'team-prod'; expected project: "
                      "'{{ env_var(\"MESHPLANE_PROJECT\") }}'"),
    "no_profile": ({"command": ["dbt", "build", "--profile", "analytics"]}, {"hit_list": {"outputs": {}}},
                   ("command:", "["), "transformation.dbt.command",
                   "the dbt job runs profile analytics, which {profiles} lacks; given profiles hit_list"),
    "env_target": ({"command": ["dbt", "build"], "env": {"DBT_TARGET": "nightly"}},
                   {"hit_list": {"target": "prod", "outputs": {"prod": OUTPUT}}}, ("DBT_TARGET:", "nightly"),
                   "transformation.dbt.env.DBT_TARGET", "runs target nightly (DBT_TARGET in env), which profile "
                   "hit_list in {profiles} lacks; given outputs prod"),
    "templated_default": ({"command": ["dbt", "build"]},
                          {"hit_list": {"target": "{{ env_var('T', 'dev') }}", "outputs": {"dev": OUTPUT}}},
                          ("command:", "["), "transformation.dbt.command",
                          "cannot tell which output of profile hit_list the dbt job runs; given no --target and "
                          "the profile's default target \"{{ env_var('T', 'dev') }}\"; expected --target NAME"),
}


@pytest.mark.parametrize("case", sorted(FINDINGS))
def test_check_profile_reports_each_finding_located_in_the_declaration(tmp_path, case):
    dbt, profiles, anchor, field, message = FINDINGS[case]
    source, project, _ = scaffold_profile(tmp_path, dbt)
    (project / "profiles.yml").write_text(yaml.safe_dump(profiles), encoding="utf-8")
    [problem] = check_profile(source, project, None)[0]
    assert (f"{problem.file}:{problem.line}:{problem.column}", problem.field) == (at(Path(source.file), *anchor), field)
    assert message.replace("{profiles}", str(project / "profiles.yml")) in problem.message, problem.message


ALIASED = {"type": "bigquery", "method": "oauth", "database": '{{ env_var("MESHPLANE_PROJECT") }}', "schema": "d"}


@pytest.mark.parametrize("dbt, profiles", [
    ({"command": ["dbt", "build"]}, {"hit_list": {"target": "dev", "outputs": {"dev": OUTPUT, "prod": FIXED}}}),
    ({"command": ["dbt", "build", "-t", "prod"]}, {"hit_list": {"target": "dev", "outputs": {"prod": ALIASED}}}),
])
def test_check_profile_accepts_the_profiles_default_and_dbts_database_alias(tmp_path, dbt, profiles):
    source, project, _ = scaffold_profile(tmp_path, dbt)
    (project / "profiles.yml").write_text(yaml.safe_dump(profiles), encoding="utf-8")
    assert check_profile(source, project, None)[0] == []


def test_check_profile_reads_profiles_dir_then_the_project(tmp_path, monkeypatch):
    source, project, _ = scaffold_profile(tmp_path, {})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "profiles.yml").write_text(yaml.safe_dump({"hit_list": {"outputs": {"prod": FIXED}}}))
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    assert check_profile(source, project, None)[1].path == project / "profiles.yml"
    assert check_profile(source, project, str(elsewhere))[1].path == elsewhere / "profiles.yml"
    monkeypatch.setenv("DBT_PROFILES_DIR", str(elsewhere))
    assert "names a fixed project" in check_profile(source, project, None)[0][0].message


# --- dbt's own tables keep no data longer than the product's retention ------------------------------

@pytest.mark.parametrize(("config", "kept_forever"), [
    ({"materialized": "table"}, True),
    ({"materialized": "incremental", "hours_to_expiration": 100_000}, True),  # longer than P1Y
    ({"materialized": "table", "partition_by": {"field": "day", "data_type": "date"}}, False),
    ({"materialized": "table", "hours_to_expiration": 24}, False),
    ({"materialized": "view"}, False),  # holds no rows
])
def test_check_reports_dbt_tables_the_retention_cannot_reach(config, kept_forever):
    """The internal dataset's default partition expiration reaches partitioned tables only: meshplane sets
    no default table expiration, which would delete the port tables too."""
    from meshplane.interop.dbt_check import check_manifest

    source, _ = read_source(str(DECLARATION))
    product = source.product.model_copy(update={"policies": source.product.policies.model_copy(
        update={"retention": "P1Y"})})
    source = dataclasses.replace(source, product=product)
    node = {"resource_type": "model", "name": "int_weeks", "original_file_path": "models/int_weeks.sql",
            "schema": internal_dataset_id(product.name), "alias": "int_weeks", "config": config}
    manifest = {"nodes": {"model.x.int_weeks": node}}
    found = [p for p in check_manifest(source, manifest) if p.field == "policies.retention"]
    assert bool(found) == kept_forever
    if kept_forever:
        assert "model int_weeks (models/int_weeks.sql) keeps its rows in the internal dataset longer" \
            in found[0].message
