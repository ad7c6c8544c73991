"""The ``meshplane`` command: output on stdout, one located problem per line on stderr, exit codes
0 (valid), 1 (problems) and 2 (usage). Runs from the repository root, like CI."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from helpers import BLUEPRINT_FILES, ROOT, product, write

from meshplane.cli.main import main
from meshplane.declaration.schema import render_schema
from meshplane.declaration.types import Archetype

PROBLEM_LINE = re.compile(r"^\S+:\d+:\d+: ")
SUMMARY_LINE = re.compile(r"^\d+ problems? in \d+ files? \(\d+ checked\)$")
ARCHETYPES = [a.value for a in Archetype]


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def bad_file(tmp_path):
    doc = product("sales.orders")
    doc["tpye"] = "aggregate"
    doc["outputPorts"][0]["schema"][0]["type"] = "INTEGER"
    return write(tmp_path / "sales" / "orders.yaml", doc)


def assert_usage_error(result) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("meshplane: error: "), result.stderr
    assert result.stdout == ""


def assert_problems(result, *phrases: str) -> list[str]:
    assert result.exit_code == 1, (result.stdout, result.stderr)
    *problems, summary = result.stderr.splitlines()
    assert problems and all(PROBLEM_LINE.match(line) for line in problems), result.stderr
    assert SUMMARY_LINE.match(summary), summary
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr
    assert result.stdout == ""
    return problems


def test_validate_blueprints():
    result = run("validate", "blueprints/")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{len(BLUEPRINT_FILES)} data products valid\n"
    assert result.stderr == ""


def test_validate_bad_file(tmp_path):
    path = bad_file(tmp_path)
    problems = assert_problems(run("validate", str(path)), "(did you mean 'type'?)", "'INTEGER'")
    assert len(problems) == 2 and all(line.startswith(f"{path}:") for line in problems)
    assert run("validate", str(path)).stderr.splitlines()[-1] == "2 problems in 1 file (1 checked)"


def test_validate_reports_every_file(tmp_path):
    bad = bad_file(tmp_path)
    result = run("validate", str(bad), "blueprints/")
    problems = assert_problems(result)
    assert {line.split(":")[0] for line in problems} == {str(bad)}
    assert result.stderr.endswith(f"({len(BLUEPRINT_FILES) + 1} checked)\n")


def test_validate_mesh_problem(tmp_path):
    down = product("sales.orders", inputs=[{"name": "up", "dataProduct": "podcast.podcast-catalog",
                                            "outputPort": "episodes", "version": 1}])
    path = write(tmp_path / "orders.yaml", down)
    assert_problems(run("validate", "blueprints/", str(path)), f"{path}:",
                    "inputPorts.up: the producer has not granted access")


@pytest.mark.parametrize("args", [("validate", "no/such/path"), ("validate",),
                                  ("validate", "--stack", "nope-prod"), ("lineage", "no/such/path")])
def test_usage_errors(args):
    assert_usage_error(run(*args))


def test_validate_empty_directory_is_a_usage_error(tmp_path):
    assert_usage_error(run("validate", str(tmp_path)))


def test_validate_stack_without_paths():
    result = run("validate", "--stack", "podcast-prod")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{len(BLUEPRINT_FILES)} data products valid\n"


def test_validate_stack_with_paths():
    result = run("validate", "--stack", "podcast-dev", "blueprints/charts/top-forty.yaml")
    assert (result.exit_code, result.stdout) == (0, "1 data product valid\n"), result.stderr


def test_validate_governance_file(tmp_path):
    rules = write(tmp_path / "governance.yaml", "allowedLocations: [US]\nmaxRetention: P10Y\n")
    problems = assert_problems(run("validate", "--governance", str(rules), "blueprints/"),
                               "policies.location: location not allowed by governance")
    assert len(problems) == len(BLUEPRINT_FILES)


def test_validate_broken_governance_file(tmp_path):
    rules = write(tmp_path / "governance.yaml", "allowedLocations: [EU]\nmaxRetension: P10Y\n")
    problems = assert_problems(run("validate", "--governance", str(rules), "blueprints/"))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{rules}:2:1: maxRetension: unknown field"), problems
    assert "(did you mean 'maxRetention'?)" in problems[0]


def test_schema(tmp_path):
    result = run("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(render_schema())
    out = tmp_path / "schema.json"
    assert run("schema", "-o", str(out)).exit_code == 0
    assert out.read_text() == render_schema()


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_new_writes_a_valid_declaration(tmp_path, archetype):
    result = run("new", "sales.orders", "--type", archetype, "-o", str(tmp_path))
    target = tmp_path / "sales" / "orders.yaml"
    assert result.exit_code == 0, result.stderr
    assert str(target) in result.stdout and target.is_file()
    valid = run("validate", str(target))
    assert (valid.exit_code, valid.stdout) == (0, "1 data product valid\n"), valid.stderr

    before = target.read_text()
    target.write_text(before + "# edited\n")
    assert_usage_error(run("new", "sales.orders", "--type", archetype, "-o", str(tmp_path)))
    assert target.read_text() == before + "# edited\n"
    forced = run("new", "sales.orders", "--type", archetype, "-o", str(tmp_path), "--force")
    assert forced.exit_code == 0 and target.read_text() == before
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [target]  # no temp files left


@pytest.mark.parametrize("bad_id", ["sales", "Sales.orders", "sales.Orders", "sales.orders.x", ".orders",
                                    "sales.", "sales.or_ders", "../etc.passwd"])
def test_new_refuses_bad_ids(tmp_path, bad_id):
    assert_usage_error(run("new", bad_id, "--type", "aggregate", "-o", str(tmp_path)))
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_unknown_archetype(tmp_path):
    result = run("new", "sales.orders", "--type", "source", "-o", str(tmp_path))
    assert result.exit_code == 2 and list(tmp_path.iterdir()) == []


def test_lineage_json_and_mermaid():
    result = run("lineage", "blueprints/", "--format", "json")
    assert result.exit_code == 0, result.stderr
    graph = json.loads(result.stdout)
    products = [n for n in graph["nodes"] if n["kind"] == "product"]
    assert len(products) == len(BLUEPRINT_FILES) and graph["edges"]
    mermaid = run("lineage", "blueprints/")
    assert mermaid.exit_code == 0 and mermaid.stdout.startswith("flowchart LR\n")
    assert run("lineage", "blueprints/", "--format", "mermaid").stdout == mermaid.stdout


def test_lineage_of_a_broken_mesh(tmp_path):
    assert_problems(run("lineage", str(bad_file(tmp_path))))


def test_lineage_counts_checked_files_like_validate(tmp_path):
    path = str(bad_file(tmp_path))
    assert run("lineage", path).stderr == run("validate", path).stderr


def test_new_into_a_file_is_a_usage_error(tmp_path):
    not_a_dir = write(tmp_path / "file.txt", "x")
    assert_usage_error(run("new", "sales.orders", "--type", "aggregate", "-o", str(not_a_dir)))


def test_schema_into_a_missing_directory_is_a_usage_error(tmp_path):
    assert_usage_error(run("schema", "-o", str(tmp_path / "no" / "schema.json")))


def test_missing_governance_file_is_a_usage_error(tmp_path):
    assert_usage_error(run("validate", "--governance", str(tmp_path / "none.yaml"), "blueprints/"))


def test_python_dash_m_reports_without_traceback(tmp_path):
    path = bad_file(tmp_path)
    done = subprocess.run([sys.executable, "-m", "meshplane", "validate", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert all(PROBLEM_LINE.match(line) for line in done.stderr.splitlines()[:-1]), done.stderr


def test_cold_start_does_not_import_pulumi():
    code = "import meshplane.cli.main, sys; print('pulumi' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert (done.returncode, done.stdout) == (0, "False\n"), done.stderr
