"""`meshplane plan`: the preview JSON's shape, determinism, exit codes and a clean process exit.

Mocks are not GCP: the plan shows the inputs meshplane sets, not the defaults a provider adds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from meshplane.cli.main import main
from meshplane.plan.preview import UNKNOWN

ROOT = Path(__file__).resolve().parent.parent


def plan_json(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["plan", *args, "--format", "json"])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def document() -> dict:
    code, out, _ = plan_json("--stack", "podcast-prod", "--stacks-dir", str(ROOT / "stacks"))
    assert code == 0
    return json.loads(out)


def test_steps_have_the_shape_of_pulumi_preview_json(document):
    assert set(document) >= {"steps", "changeSummary", "diagnostics"}
    for step in document["steps"]:
        assert step["op"] == "create"
        assert set(step["newState"]) >= {"urn", "type", "custom", "inputs", "parent", "dependencies",
                                          "protect", "retainOnDelete"}
        assert step["urn"] == step["newState"]["urn"]
    assert document["changeSummary"] == {"create": len(document["steps"])}


def test_urns_are_the_engines(document):
    urns = [s["urn"] for s in document["steps"]]
    assert len(urns) == len(set(urns))
    assert not any("pulumi:pulumi:Stack$" in u for u in urns)
    nested = next(u for u in urns if u.endswith("$gcp:bigquery/dataset:Dataset::podcast-demographics-storage-internal"))
    assert "meshplane:index:DataProduct$meshplane:index:Storage$meshplane:index:BigQueryDataset$" in nested


def test_custom_resources_name_the_default_provider_with_an_unknown_id(document):
    dataset = next(s for s in document["steps"] if s["newState"]["type"] == "gcp:bigquery/dataset:Dataset")
    assert dataset["provider"].endswith(f"::pulumi:providers:gcp::default_10_2_0::{UNKNOWN}")


def test_the_same_inputs_give_the_same_bytes():
    runs = {plan_json("--stack", "listener-prod", "--stacks-dir", str(ROOT / "stacks"))[1] for _ in range(2)}
    assert len(runs) == 1


def test_unknown_stack_is_a_one_line_usage_error():
    code, _, err = plan_json("--stack", "nope", "--stacks-dir", str(ROOT / "stacks"))
    assert code == 2 and err.startswith("meshplane: error: unknown stack 'nope'") and err.count("\n") == 1


def _copy_repo(tmp_path: Path) -> Path:
    for name in ("blueprints", "stacks"):
        shutil.copytree(ROOT / name, tmp_path / name, symlinks=True)
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    return tmp_path


def test_a_bad_declaration_is_reported_as_validate_reports_it(tmp_path):
    repo = _copy_repo(tmp_path)
    path = repo / "blueprints/podcast/podcast-catalog.yaml"
    path.write_text(path.read_text().replace("type: sourceAligned", "type: sourceAlined"))
    code, _, err = plan_json("--stack", "podcast-prod", "--stacks-dir", str(repo / "stacks"))
    assert code == 1
    assert "podcast-catalog.yaml:" in err and "type: invalid value; given 'sourceAlined'" in err


def test_a_bad_stack_config_names_its_line(tmp_path):
    repo = _copy_repo(tmp_path)
    path = repo / "stacks/Pulumi.podcast-prod.yaml"
    path.write_text(path.read_text().replace("billingAccount:", "billingAcount:"))
    code, _, err = plan_json("--stack", "podcast-prod", "--stacks-dir", str(repo / "stacks"))
    assert code == 1 and "Pulumi.podcast-prod.yaml:" in err and "billingAcount" in err


def test_the_process_exits_without_asyncio_noise(tmp_path):
    out = tmp_path / "plan.json"
    proc = subprocess.run([sys.executable, "-m", "meshplane", "plan", "--stack", "podcast-prod",
                           "--format", "json", "-o", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and proc.stdout == ""
    assert json.loads(out.read_text())["steps"]
