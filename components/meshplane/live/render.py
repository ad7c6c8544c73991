"""A live report as terminal text, JSON or Markdown (a PR comment), like ``meshplane plan``'s formats."""

from __future__ import annotations

import json

from .findings import EXIT_CODES, OK, Report, exit_code, verdict

_MARK = {"blocking": "BLOCKING", "leak": "LEAK", "drift": "DRIFT", "unchecked": "UNCHECKED", "ok": "ok"}


def render(report: Report, fmt: str, verbose: bool = False) -> str:
    """``fmt``: text, json or markdown; text and Markdown list ``ok`` findings only when ``verbose``."""
    if fmt == "json":
        return render_json(report)
    return render_markdown(report, verbose) if fmt == "markdown" else render_text(report, verbose)


def render_json(report: Report) -> str:
    code = exit_code(report)
    document = {"command": report.command, "stack": report.stack, "exitCode": code, "meaning": EXIT_CODES[code],
                "summary": verdict(report), "counts": dict(sorted(report.counts().items())),
                "incomplete": report.incomplete, "findings": [f.to_dict() for f in report.sorted()]}
    return json.dumps(document, indent=2) + "\n"


def render_text(report: Report, verbose: bool = False) -> str:
    lines = []
    for f in report.sorted():
        if f.status == OK and not verbose:
            continue
        failed = " (API error)" if f.failed else ""
        lines.append(f"{_MARK[f.status]:<9} {f.kind:<18} {f.resource}: {f.message}{failed}")
    return "\n".join([*lines, verdict(report)]) + "\n"


def render_markdown(report: Report, verbose: bool = False) -> str:
    lines = [f"### meshplane {report.command}: `{report.stack}`", "", verdict(report).split(": ", 1)[1], ""]
    shown = [f for f in report.sorted() if verbose or f.status != OK]
    if shown:
        lines += ["| status | check | resource | finding |", "|---|---|---|---|"]
        for f in shown:
            status = _MARK[f.status] + (" (API error)" if f.failed else "")
            lines.append(f"| {status} | {f.kind} | `{_cell(f.resource)}` | {_cell(f.message)} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
