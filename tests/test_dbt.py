"""``meshplane dbt scaffold`` and ``check`` against a real dbt project parsed by dbt-core.

tests/dbt_project holds two declarations (charts.hit-list reads player.play-sessions), a stack, and
the dbt project of hit-list: its contract files as ``scaffold`` writes them, real model SQL. dbt runs
from a venv of its own (see requirements.txt there; ``MESHPLANE_DBT_VENV`` names another). Every
variant of the project is parsed once, all in parallel, with the environment the stack's dbt job gets
and the arguments of the job's own command (``dbt parse`` in place of its subcommand), both read from
the Cloud Run job the stack program registers: a scaffold whose profile lacks the job's ``--target``
fails to parse here as the job would fail to run.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from helpers import at
from meshplane.declaration.dbt_invocation import input_env, port_env
from meshplane.declaration.loader import read_source
from meshplane.declaration.model import Column
from meshplane.interop.dbt_check import normal_type
from meshplane.interop.dbt_commands import dbt_cmd
from meshplane.interop.dbt_scaffold import PORTS_FILE, SCHEMA_MACRO, SOURCES_FILE, Defaults, data_type, freshness
from meshplane.mesh.model import Mesh
from meshplane.engine.harness import run_program
from meshplane.stack.program import main as program
from meshplane.settings.stack_config import load_stack

FIXTURE = Path(__file__).resolve().parent / "dbt_project"
DECLARATION, UPSTREAMS = FIXTURE / "declarations" / "charts" / "hit-list.yaml", FIXTURE / "declarations"
PROJECT, STACKS, STACK = FIXTURE / "project", FIXTURE / "stacks", "charts-test"
REQUIREMENTS = FIXTURE / "requirements.txt"
CONTRACT = (SOURCES_FILE, PORTS_FILE, SCHEMA_MACRO, Path("dbt_project.yml"), Path("profiles.yml"))


def cli(*args: str):
    return CliRunner().invoke(dbt_cmd, [str(a) for a in args], env={"DBT_PROFILES_DIR": None})


def dbt_python() -> str:
    """Python of ``MESHPLANE_DBT_VENV``, else of a venv in the user cache built (once, under a lock) from
    requirements.txt: dbt cannot share the project's venv (protobuf 6 against pulumi-policy's 5)."""
    if os.environ.get("MESHPLANE_DBT_VENV"):
        return str(Path(os.environ["MESHPLANE_DBT_VENV"]) / "bin" / "python")
    digest = hashlib.sha256(REQUIREMENTS.read_bytes() + sys.version.encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "meshplane"
    venv, done = cache / f"dbt-{digest}", cache / f"dbt-{digest}" / ".installed"
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f"dbt-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-r",
                                  str(REQUIREMENTS)], capture_output=True, text=True)
            assert pip.returncode == 0, f"cannot install dbt for the tests:\n{pip.stderr[-3000:]}"
            done.touch()
    return str(venv / "bin" / "python")


@pytest.fixture(scope="session")
def job_container() -> dict:
    """The container of hit-list's Cloud Run job, as the stack program builds it (under mocks)."""
    config = yaml.safe_load((STACKS / f"Pulumi.{STACK}.yaml").read_text())["config"]
    inventory = run_program(lambda: program(FIXTURE), stack=STACK, config=config)
    [job] = [r for r in inventory.of_type("gcp:cloudrunv2/job:Job") if r.name == "hit-list-dbt"]
    return job.inputs["template"]["template"]["containers"][0]


@pytest.fixture(scope="session")
def job_env(job_container) -> dict[str, str]:
    """The environment of hit-list's Cloud Run job."""
    return {e["name"]: e["value"] for e in job_container["envs"]}


@pytest.fixture(scope="session")
def job_args(job_container) -> list[str]:
    """The arguments of the job's dbt command after its subcommand, as the job passes them."""
    command = [*job_container["commands"], *job_container.get("args", [])]
    assert command[:2] == ["dbt", "build"] and "--target" in command, command
    return command[2:]


def _edit(project: Path, file: Path, change) -> None:
    """Apply ``change`` to the models (or sources) of ``file`` by name; those it returns are dropped."""
    data = yaml.safe_load((project / file).read_text())
    key = "models" if "models" in data else "sources"
    dropped = change({m["name"]: m for m in data[key]}) or ()
    data[key] = [m for m in data[key] if m["name"] not in dropped]
    (project / file).write_text(yaml.safe_dump(data, sort_keys=False))


def _config(model: str, **config):
    return lambda project: _edit(project, PORTS_FILE, lambda m: m[model]["config"].update(config))


def _columns(project: Path) -> None:
    def change(models):
        hits, movers = ({c["name"]: c for c in models[n]["columns"]} for n in ("hits_v2", "movers_v1"))
        hits["plays"]["name"] = "play_count"  # renamed: plays missing, play_count extra
        hits["position"]["data_type"] = "string"
        hits["sources"]["data_type"] = "struct<radio int64>"
        movers["rise"]["data_type"], movers["is_new"]["data_type"] = "INTEGER", "BOOLEAN"  # the same types
    _edit(project, PORTS_FILE, change)


def _scaffold(*options: str):
    def change(project: Path) -> None:
        shutil.rmtree(project)
        result = cli("scaffold", DECLARATION, "-o", project, *options)
        assert result.exit_code == 0, result.output
    return change


VARIANTS = {
    "clean": lambda project: None,
    "fresh": _scaffold("--mesh", UPSTREAMS),  # starter files and stubs as written, nothing kept
    "stack": _scaffold("--stack", STACK, "--stacks-dir", STACKS),  # parsed without the job's environment
    "no_model": lambda project: (project / "models" / "meshplane" / "movers_v1.sql").unlink(),
    "dbt_schema": lambda project: (project / SCHEMA_MACRO).unlink(),
    "contract_off": _config("hits_v2", contract={"enforced": False}),
    "columns": _columns,
    "replaces": lambda project: (_config("hits_v2", materialized="table")(project), _config(
        "movers_v1", full_refresh=None, on_schema_change="append_new_columns")(project)),
    "no_source": lambda project: _edit(project, SOURCES_FILE, lambda s: ["label_uploads"]),
}


@pytest.fixture(scope="session")
def manifests(tmp_path_factory, job_env, job_args) -> dict[str, Path]:
    """Each variant's manifest.json: two processes (one per core) of ``parse_all.py`` parse them all."""
    root, jobs = tmp_path_factory.mktemp("dbt"), []
    for name, change in VARIANTS.items():
        project = root / name
        shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
        change(project)
        jobs.append({"project": str(project), "env": {} if name == "stack" else job_env, "args": job_args})
    parse_projects(root, jobs)
    return {name: root / name / "target" / "manifest.json" for name in VARIANTS}


def parse_projects(root: Path, jobs: list[dict]) -> None:
    """``dbt parse`` of each job (project, env, args) in two processes of ``parse_all.py``, one per core."""
    batches = (jobs[0::2], jobs[1::2])
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESHPLANE_")}
    env |= {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_VERSION_CHECK": "false"}
    runs = []
    for i, batch in enumerate(batches):
        (root / f"batch{i}.json").write_text(json.dumps(batch))
        log = root / f"batch{i}.log"
        with open(log, "w") as out:
            runs.append((log, subprocess.Popen([dbt_python(), str(FIXTURE / "parse_all.py"),
                                                str(root / f"batch{i}.json")],
                                               env=env, stdout=out, stderr=subprocess.STDOUT)))
    for log, run in runs:
        assert run.wait(timeout=600) == 0, f"dbt parse failed:\n{log.read_text()[-4000:]}"


def test_scaffold_writes_the_committed_contract_files(tmp_path):
    result = cli("scaffold", DECLARATION, "-o", tmp_path, "--mesh", UPSTREAMS)
    assert result.exit_code == 0, result.output
    for path in CONTRACT:
        assert (tmp_path / path).read_text() == (PROJECT / path).read_text(), f"{path} is stale: scaffold again"
    assert "select\n    cast(null as date) as chart_date," in (tmp_path / "models/meshplane/hits_v2.sql").read_text()


def test_scaffold_replaces_contract_files_with_force_only_and_keeps_starter_files(tmp_path):
    shutil.copytree(PROJECT, tmp_path / "p")
    refused = cli("scaffold", DECLARATION, "-o", tmp_path / "p", "--mesh", UPSTREAMS)
    assert refused.exit_code == 2 and "meshplane: error: models/meshplane/sources.yml, " in refused.output
    assert "scaffold again with --force" in refused.output
    forced = cli("scaffold", DECLARATION, "-o", tmp_path / "p", "--mesh", UPSTREAMS, "--force")
    assert forced.exit_code == 0, forced.output
    assert f"kept {tmp_path / 'p' / 'profiles.yml'} (exists; the dbt job runs its target prod of profile hit_list)" \
        in forced.output.splitlines()
    assert (tmp_path / "p/models/meshplane/hits_v2.sql").read_bytes() == (PROJECT / "models/meshplane/hits_v2.sql").read_bytes()


def test_scaffold_reports_an_upstream_missing_from_the_mesh(tmp_path):
    alone = tmp_path / "charts" / "hit-list.yaml"
    alone.parent.mkdir()
    shutil.copy(DECLARATION, alone)
    result = cli("scaffold", alone, "-o", tmp_path / "dbt")
    assert result.exit_code == 1
    assert result.output.startswith(f"{at(alone, 'dataProduct: player.play-sessions', 'player')}: "
                                    "inputPorts.sessions.dataProduct: unknown data product")
    assert not (tmp_path / "dbt").exists()


def test_stack_defaults_are_the_job_env(job_env):
    source, _ = read_source(DECLARATION)
    mesh = Mesh.load([str(UPSTREAMS)])
    defaults = Defaults.of(source.product, mesh, load_stack(STACK, STACKS))
    assert defaults.project == job_env["MESHPLANE_PROJECT"]
    assert {input_env(k): v for k, v in defaults.inputs.items()} == \
        {k: v for k, v in job_env.items() if k.startswith("MESHPLANE_INPUT_")}


@pytest.mark.parametrize("column, expected", [
    ({"name": "a", "type": "INT64"}, "int64"),
    ({"name": "a", "type": "STRING", "repeated": True}, "array<string>"),
    ({"name": "a", "type": "RECORD", "fields": [{"name": "b", "type": "BOOL"}, {"name": "c", "type": "RECORD",
      "repeated": True, "fields": [{"name": "d", "type": "JSON"}]}]}, "struct<b bool, c array<struct<d json>>>"),
])
def test_data_type(column, expected):
    assert data_type(Column.model_validate(column)) == expected


@pytest.mark.parametrize("duration, count, period", [("PT6H", 6, "hour"), ("P1D", 1, "day"), ("P1W", 7, "day"),
                                                     ("PT90M", 90, "minute"), ("PT30S", 1, "minute")])
def test_freshness(duration, count, period):
    assert freshness(duration) == {"error_after": {"count": count, "period": period}}


@pytest.mark.parametrize("given, declared, same", [
    ("INTEGER", "int64", True), ("int64 not null", "int64", True), ("Boolean", "bool", True),
    ("STRUCT< a INTEGER,b ARRAY<record<c float>> >", "struct<a int64, b array<struct<c float64>>>", True),
    ("struct<int integer>", "struct<int int64>", True), ("numeric(10, 2)", "numeric", False),
    ("struct<a int64", "struct<a int64>", False), ("string", "bytes", False), (None, "string", False),
])
def test_normal_type(given, declared, same):
    assert (normal_type(given) == normal_type(declared)) is same


@pytest.mark.parametrize("variant", ["clean", "fresh", "stack"])
def test_clean_project_passes(manifests, job_args, variant):
    result = cli("check", DECLARATION, "--manifest", manifests[variant])
    assert result.exit_code == 0, result.output
    profiles = manifests[variant].parent.parent / "profiles.yml"
    assert result.output.endswith(f"matches {DECLARATION}: 2 port models and 4 sources; the job runs target "
                                  f"{job_args[job_args.index('--target') + 1]} of profile hit_list in {profiles}\n")


@pytest.mark.parametrize("variant", ["clean", "fresh", "stack"])
def test_job_env_and_scaffolded_names_agree(manifests, job_env, variant):
    manifest = json.loads(manifests[variant].read_text())
    sources = {s["source_name"]: s for s in manifest["sources"].values()}
    for name, source in sources.items():
        if source.get("external"):
            assert source["external"]["location"] == job_env[input_env(name)] + "*"
            assert (source["database"], source["schema"]) == (job_env["MESHPLANE_PROJECT"],
                                                              job_env["MESHPLANE_INTERNAL_DATASET"])
        else:
            assert f"{source['database']}.{source['schema']}.{source['identifier']}" == job_env[input_env(name)]
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert {port_env(m["alias"]): f"{m['database']}.{m['schema']}.{m['alias']}" for m in models} == \
        {k: v for k, v in job_env.items() if k.startswith("MESHPLANE_PORT_")}
    assert len(sources) == 4


HITS, MOVERS = ("- name: hits", "name"), ("- name: movers", "name")
FINDINGS = {
    "no_model": [(MOVERS, "outputPorts.movers", "no dbt model writes the port table `hit_list_internal.movers_v1`; "
                  "given none in")],
    "dbt_schema": [(port, f"outputPorts.{p}", f"model `{p}_v{m}` writes `hit_list_internal_hit_list_internal.{p}_v{m}` "
                    "(dbt's default generate_schema_name") for port, p, m in ((HITS, "hits", 2), (MOVERS, "movers", 1))],
    "contract_off": [(HITS, "outputPorts.hits", "the contract of model hits_v2 (models/meshplane/hits_v2.sql) is "
                      "not enforced; given contract.enforced: false; expected contract: {enforced: true}")],
    "columns": [(("{name: position", "INT64"), "outputPorts.hits.schema.position.type",
                 "model hits_v2 (models/meshplane/hits_v2.sql) declares column position as string; given a type "
                 "that differs from the port schema; expected data_type int64"),
                (("type: RECORD", "RECORD"), "outputPorts.hits.schema.sources.type", "declares column sources as "
                 "struct<radio int64>; given a type that differs from the port schema; expected data_type "
                 "struct<radio int64, streams float64>"),
                (("{name: plays", "{"), "outputPorts.hits.schema.plays", "lacks the port column plays; given no "
                 "such column in its contract; expected plays with data_type int64"),
                (("- {name: chart_date", "-"), "outputPorts.hits.schema", "declares column play_count, which the port "
                 "schema lacks; given play_count (int64)")],
    "replaces": [(HITS, "outputPorts.hits", "model hits_v2 (models/meshplane/hits_v2.sql) would replace the port "
                  "table hit_list_internal.hits_v2, which meshplane owns; given materialized: table; expected "
                  "materialized: incremental"),
                 (MOVERS, "outputPorts.movers", "would replace the port table hit_list_internal.movers_v1 on "
                  "--full-refresh; given full_refresh: unset; expected full_refresh: false"),
                 (MOVERS, "outputPorts.movers", "would alter the schema of the port table hit_list_internal."
                  "movers_v1; given on_schema_change: append_new_columns; expected fail")],
    "no_source": [(("- name: label_uploads", "name"), "inputPorts.label_uploads", "input port label_uploads is not "
                   "a dbt source; given no source named 'label_uploads' in")],
}


@pytest.mark.parametrize("variant", sorted(FINDINGS))
def test_check_reports_each_finding_located_in_the_declaration(manifests, variant):
    result = cli("check", DECLARATION, "--manifest", manifests[variant])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[-1] == f"{len(FINDINGS[variant])} problem{'s' * (len(FINDINGS[variant]) > 1)} in 1 file"
    for (anchor, field, message) in FINDINGS[variant]:
        where = at(DECLARATION, *anchor)
        assert any(line.startswith(f"{where}: {field}: ") and message in line for line in lines), \
            f"no {where}: {field}: ...{message}... in\n{result.output}"


def test_check_usage_errors(tmp_path):
    missing = cli("check", DECLARATION, "--manifest", tmp_path / "manifest.json")
    assert missing.exit_code == 2 and "no such manifest; run 'dbt parse'" in missing.output
    (tmp_path / "other.json").write_text(json.dumps({"metadata": {"dbt_schema_version": "x/catalog/v1.json"}}))
    other = cli("check", DECLARATION, "--manifest", tmp_path / "other.json")
    assert other.exit_code == 2 and other.output.startswith("meshplane: error: ") and "not a dbt manifest" in other.output
    assert cli("check", tmp_path / "none.yaml").exit_code == 2


def test_check_reports_a_profile_without_the_jobs_target(manifests, tmp_path):
    """The issue's case: a profile whose one target is not the job's parses locally, fails in the job."""
    profile = yaml.safe_load((PROJECT / "profiles.yml").read_text())
    profile["hit_list"] = {"target": "meshplane", "outputs": {"meshplane": profile["hit_list"]["outputs"]["prod"]}}
    (tmp_path / "profiles.yml").write_text(yaml.safe_dump(profile))
    result = cli("check", DECLARATION, "--manifest", manifests["clean"], "--profiles-dir", tmp_path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{at(DECLARATION, 'image:', 'image')}: transformation.dbt.command: the dbt job runs target prod (--target "
        f"prod in the default command dbt build --target prod), which profile hit_list in {tmp_path / 'profiles.yml'} "
        "lacks; given outputs meshplane; expected an output prod reading the job's environment (meshplane dbt "
        "scaffold writes one when profiles.yml is absent), or a --target the profile has", "1 problem in 1 file"]


def test_check_needs_the_profile(manifests, tmp_path):
    result = cli("check", DECLARATION, "--manifest", manifests["clean"], "--profiles-dir", tmp_path)
    assert result.exit_code == 2
    assert result.output == (f"meshplane: error: no profiles.yml in {tmp_path}; pass --profiles-dir, the directory "
                             "of the profile the dbt job runs\n")


def _moved(manifest: Path, tmp_path: Path) -> Path:
    """The clean project's manifest with the hits model writing another project's table and the source of
    sessions (as a project's own source kept by the scaffold could) reading another relation."""
    data = json.loads(manifest.read_text())
    [hits] = [n for n in data["nodes"].values() if n.get("alias") == "hits_v2"]
    hits["database"] = "other-project"
    [sessions] = [s for s in data["sources"].values() if s["source_name"] == "sessions"]
    sessions["identifier"] = "sessions_old"
    moved = tmp_path / "target" / "manifest.json"
    moved.parent.mkdir()
    moved.write_text(json.dumps(data))
    return moved


@pytest.mark.parametrize("variant", ["clean", "stack"])
def test_check_with_the_stack_matches_whole_relations(manifests, job_env, variant, tmp_path):
    stack = ("--stack", STACK, "--stacks-dir", STACKS)
    assert cli("check", DECLARATION, "--manifest", manifests[variant], *stack).exit_code == 0
    moved = _moved(manifests[variant], tmp_path)
    project_dir = ("--project-dir", manifests[variant].parent.parent)
    assert cli("check", DECLARATION, "--manifest", moved, *project_dir).exit_code == 0  # no stack: schema, names
    result = cli("check", DECLARATION, "--manifest", moved, *project_dir, *stack)
    assert result.exit_code == 1, result.output
    project, sessions = job_env["MESHPLANE_PROJECT"], job_env[input_env("sessions")]
    assert result.output.splitlines() == sorted([
        f"{at(DECLARATION, *HITS)}: outputPorts.hits: model `hits_v2` writes `other-project.hit_list_internal.hits_v2`, "
        f"not the port table `{project}.hit_list_internal.hits_v2`; given database other-project; expected the "
        f"product's project {project} (the job's MESHPLANE_PROJECT)",
        f"{at(DECLARATION, '- name: sessions', 'name')}: inputPorts.sessions: source sessions does not "
        f"read input port sessions's relation; given `{sessions.rsplit('.', 1)[0]}.sessions_old`; expected "
        f"`{sessions}` (its database, schema and identifier from env_var('MESHPLANE_INPUT_SESSIONS'), as "
        "sources.yml has them)"]) + ["2 problems in 1 file"]
