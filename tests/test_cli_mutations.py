"""Hundreds of mutated blueprints through the real command: each gets exit 1 and at least one
``path:line:column:`` line naming the broken file, never a traceback."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from meshplane.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
BLUEPRINTS = sorted((ROOT / "blueprints").glob("*/*.yaml"))


def _mutations(text: str, rng: random.Random) -> list[tuple[str, str | bytes]]:
    lines = text.splitlines(keepends=True)
    body = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    i = rng.choice(body)
    indent = len(lines[i]) - len(lines[i].lstrip())
    key = lines[i].strip().split(":")[0].lstrip("- ")
    return [
        ("drop-line", "".join(lines[:i] + lines[i + 1:]) if key in ("id", "kind", "type", "status") else
         text.replace("status: ", "statuz: ", 1)),
        ("wrong-type", text.replace("version: ", "version: [1, 2] #", 1)),
        ("unknown-key", text + "\nnotAField: 1\n"),
        ("bad-enum", re.sub(r"(?m)^type: \w+", "type: sideways", text, count=1)),
        ("bad-cron", re.sub(r'cron: "[^"]*"', 'cron: "61 25 * * *"', text, count=1)
         if "cron:" in text else text.replace("status: ", "status: bogus #", 1)),
        ("bad-zone", re.sub(r"(?m)^(\s*[^#\n]*)timeZone: [\w/+-]+", r"\1timeZone: Mars/Base", text, count=1)
         if re.search(r"(?m)^\s*[^#\n]*timeZone: ", text) else
         re.sub(r"(?m)^domain: ", "domain: Not_A_Slug #", text, count=1)),
        ("bad-principal", re.sub(r"owner: \S+", "owner: allUsers", text, count=1)),
        ("dangling-input", text.replace("inputPorts:", "inputPorts:\n  - {name: ghost, dataProduct: "
                                        "nowhere.ghost, outputPort: p, version: 1}", 1)
         if "inputPorts:" in text else text + "inputPorts: [{name: ghost}]\n"),
        ("broken-yaml", text[:rng.randrange(len(text) // 3, len(text))] + "\n  - : : [\n"),
        ("garbage", bytes(rng.randrange(256) for _ in range(200)) + b"\x00"),
        ("empty", ""),
        ("indent", "".join(lines[:i] + [" " * (indent + 3) + lines[i].lstrip()] + lines[i + 1:])
         if indent == 0 else text + "\n - stray\n"),
    ]


CASES = [(bp, name, content) for n, bp in enumerate(BLUEPRINTS)
         for name, content in _mutations(bp.read_text(), random.Random(n))]


def test_there_are_hundreds_of_cases():
    assert len(CASES) >= 12 * len(BLUEPRINTS) and len(CASES) >= 140


@pytest.mark.parametrize("blueprint,name,content", CASES,
                         ids=[f"{bp.stem}-{name}" for bp, name, _ in CASES])
def test_mutated_blueprint_is_refused_with_a_located_line(tmp_path, blueprint, name, content):
    target = tmp_path / blueprint.parent.name / blueprint.name
    target.parent.mkdir()
    target.write_bytes(content if isinstance(content, bytes) else content.encode())
    others = [str(p) for p in BLUEPRINTS if p != blueprint]
    result = CliRunner().invoke(main, ["validate", str(target), *others])
    assert result.exit_code == 1, (name, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.exception is None or isinstance(result.exception, SystemExit)
    located = [line for line in result.stderr.splitlines() if re.match(rf"^{re.escape(str(target))}:\d+:\d+: ", line)] \
        or [line for line in result.stderr.splitlines() if re.match(r"^\S+:\d+:\d+: ", line)]
    assert located, result.stderr
