"""The README's Python examples run as written under the mock engine (mocks are not GCP: this
shows the examples are valid programs and what they register, not that GCP accepts them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from meshplane.engine.harness import run_program

ROOT = Path(__file__).resolve().parent.parent
SECTION = "### Using the components from another stack"


def _examples() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def _run(code: str, monkeypatch):
    monkeypatch.chdir(ROOT)
    return run_program(lambda: exec(compile(code, "README.md", "exec"), {}), stack="dev")


def test_the_readme_has_both_examples():
    assert len(_examples()) == 2


def test_data_product_example_builds_a_product(monkeypatch):
    inventory = _run(_examples()[0], monkeypatch)
    project = inventory.of_type("gcp:organizations/project:Project")[0]
    assert project.inputs["folderId"] == "42" and project.inputs["deletionPolicy"] == "DELETE"
    assert inventory.outputs["catalog"]["id"] == "podcast.podcast-catalog"
    assert inventory.outputs["catalog"]["project"] == project.inputs["projectId"]


def test_dataset_example_grants_one_reader(monkeypatch):
    inventory = _run(_examples()[1], monkeypatch)
    dataset = inventory.of_type("gcp:bigquery/dataset:Dataset")[0]
    assert (dataset.protect, dataset.retain_on_delete) == (True, True)
    [grant] = inventory.of_type("gcp:bigquery/datasetAccess:DatasetAccess")
    assert grant.inputs["role"] == "READER"
    assert grant.inputs["groupByEmail"] == "analysts@acme.example"


@pytest.mark.parametrize("line", ["from meshplane.stack.program import main", "main()"])
def test_the_stack_program_is_the_readme_one(line):
    assert line in (ROOT / "stacks" / "__main__.py").read_text().splitlines()
