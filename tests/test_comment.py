"""The pull-request comment (issue 18): always posted, a summary by principal first, narrow tables,
diagrams that cannot collide, a size budget. Render tests of the Markdown for real blueprint edits.

Mocks are not GCP: the comment says what the plans of the two branches differ in, not what is deployed."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from diff_support import DEMOGRAPHICS, copy_mesh, edit_declaration, output_port
from meshplane.cli import main


def _outsider(data: dict) -> None:
    output_port(data, "demographics")["consumers"].append(
        {"principal": "group:ad-sales@elsewhere.example", "purpose": "Advertising packages."})


def test_a_policy_violation_still_writes_a_caution_review_and_exits_1(tmp_path):
    root = copy_mesh(tmp_path / "repo")
    edit_declaration(DEMOGRAPHICS, _outsider)(root)
    review = tmp_path / "review.md"
    result = CliRunner().invoke(main, ["plan", "--stack", "podcast-prod", "--stacks-dir", str(root / "stacks"),
                                       "--format", "markdown", "-o", str(review)])
    assert result.exit_code == 1
    text = review.read_text()
    assert text.splitlines()[2] == "> [!CAUTION]"
    line = next(x for x in text.splitlines() if "elsewhere.example" in x)
    assert re.match(r"> - `\S*blueprints/podcast/podcast-demographics\.yaml:\d+`: `outputPorts\.", line), line
    assert "outside the organisation's domains" in line
    assert "principal outside the organisation's domains" in result.stderr  # the log says it too


def test_a_missing_side_of_the_diff_is_a_warning_not_an_empty_comment(tmp_path):
    out = tmp_path / "diff.md"
    (tmp_path / "base.json").write_text('{"steps": []}')
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "base.json"), str(tmp_path / "head.json"),
                                       "--format", "markdown", "-o", str(out)])
    assert result.exit_code == 2
    text = out.read_text()
    assert "> [!WARNING]" in text and "The head plan" in text and "head.json: no such file" in text
