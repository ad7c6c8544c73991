"""Problems elsewhere in the mesh: in products this stack neither owns, reads from nor grants to.

They do not stop the stack (``validation.check_stack``); the review shows them so that nobody
mistakes a passing plan for a valid mesh. ``meshplane validate`` of the whole mesh reports them as errors.
"""

from __future__ import annotations

from ..declaration.problems import Problem
from .review_format import code, count, escape, md_table, text_table

TITLE = "Elsewhere in the mesh (do not stop this stack; `meshplane validate` fails on them)"
HEAD = ("where", "field", "problem")


def elsewhere_text(problems: list[Problem]) -> list[str]:
    if not problems:
        return []
    return ["", TITLE.replace("`", "")] + text_table(HEAD, [_cells(p) for p in problems])


def elsewhere_markdown(problems: list[Problem]) -> list[str]:
    if not problems:
        return []
    rows = [(code(f"{p.file}:{p.line}:{p.column}"), code(p.field or "(document)"), escape(p.message))
            for p in problems]
    return ["", f"### {TITLE}", ""] + md_table(HEAD, rows, count(len(problems), "problem elsewhere"))


def elsewhere_diagnostics(problems: list[Problem]) -> list[dict]:
    """As the engine's diagnostics (warnings, with no resource)."""
    return [{"severity": "warning", "message": f"elsewhere in the mesh: {p}"} for p in problems]


def _cells(p: Problem) -> tuple[str, ...]:
    return (f"{p.file}:{p.line}:{p.column}", p.field or "(document)", p.message)
