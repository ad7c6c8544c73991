"""Formatting shared by the review's renderers: Markdown tables (folded when long), aligned text
tables, and cells safe in both. Pure functions."""

from __future__ import annotations

FOLD_ROWS = 10  # Markdown tables longer than this fold into <details>


def md_table(head: tuple[str, ...], rows: list[tuple[str, ...]], summary: str, fold: bool = True) -> list[str]:
    """A Markdown table; folded into ``<details>`` when longer than ``FOLD_ROWS`` rows (and ``fold``)."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    if len(rows) <= FOLD_ROWS or not fold:
        return lines
    return [f"<details><summary>{escape(summary)}</summary>", ""] + lines + ["", "</details>"]


def text_table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """Left-aligned columns two spaces apart, a dashed rule under the header, indented."""
    table = [head] + [tuple(" ".join(str(c).split()) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    lines = ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in table]
    lines.insert(1, "  " + "  ".join("-" * w for w in widths))
    return lines


def escape(text: str) -> str:
    """Safe in a Markdown table cell: one line, pipes escaped, no raw HTML."""
    return " ".join(str(text).split()).replace("|", "\\|").replace("<", "&lt;")


def code(text: str) -> str:
    """A code span safe in a table cell (pipes escaped; GitHub unescapes them inside code)."""
    text = " ".join(str(text).split()).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}" if fence == "`" else f"{fence} {text} {fence}"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
