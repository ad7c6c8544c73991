"""The pull-request comment under GitHub's size limit (65,536 characters: a longer body is refused
and nobody sees a review), for any domain size.

Parts (the diff, the review, the deploy order) are joined with every leading caution block first.
When too long, what a reviewer needs least goes first: each product's detail section of the review
(largest first), then the diff's folded appendix, then the lineage diagrams; a note says what was
cut and where the full review is. Pure functions over Markdown text.
"""

from __future__ import annotations

import re

GITHUB_LIMIT = 65_536
DEFAULT_LIMIT = 60_000  # leaves room for the sticky comment's marker and a heading
PRODUCT = re.compile(r"^### `[^`]+` — ", re.M)  # a product's section in the review
APPENDIX = re.compile(r"^<details><summary>Appendix: .*?^</details>\n?", re.M | re.S)
DIAGRAM = re.compile(r"^```mermaid\n.*?^```\n?", re.M | re.S)


def compose(parts: list[str]) -> str:
    """The parts joined by blank lines, each part's leading ``> [!CAUTION]`` block moved to the top."""
    cautions, rest = [], []
    for part in parts:
        block, body = _leading_caution(part)
        cautions += [block] if block else []
        rest.append(body)
    return "\n\n".join(p.strip("\n") for p in [*cautions, *rest] if p.strip()) + "\n"


def fit(text: str, full_review: str, limit: int = DEFAULT_LIMIT) -> str:
    """``text`` when it fits in ``limit`` characters; else cut as the module says, with a note naming
    what was cut and ``full_review`` (where the whole review is)."""
    if len(text) <= limit:
        return text
    cut: list[str] = []
    sections = sorted(_product_sections(text), key=lambda s: -len(s[1]))
    dropped = []
    for name, body in sections:
        if len(_with_note(text, cut + [_products(dropped)], full_review)) <= limit:
            break
        text = text.replace(body, "", 1)
        dropped.append(name)
    cut += [_products(dropped)] if dropped else []
    for pattern, what in ((APPENDIX, "the diff's resource-level appendix"), (DIAGRAM, "the lineage diagrams")):
        if len(_with_note(text, cut, full_review)) > limit and pattern.search(text):
            text = pattern.sub("", text)
            cut.append(what)
    text = _with_note(text, cut, full_review)
    if len(text) > limit:  # still too long: the end goes, never the summary at the top
        text = text[: limit - 200].rsplit("\n", 1)[0] + f"\n\n… cut here to fit; the full review is in {full_review}.\n"
    return text


def _with_note(text: str, cut: list[str], full_review: str) -> str:
    if not cut:
        return text
    note = ("> [!NOTE]\n> This comment is cut to fit GitHub's limit of 65,536 characters: "
            + "; ".join(cut) + f". The full review is in {full_review}.\n")
    head, sep, tail = text.partition("\n\n")
    return f"{head}\n\n{note}\n{tail}" if sep else f"{text}\n\n{note}"


def _products(names: list[str]) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"the per-product detail of {len(names)} product{'s' * (len(names) != 1)} ({shown})"


def _product_sections(text: str) -> list[tuple[str, str]]:
    """(product id, its section: from its heading to the next ``##``/``###`` heading)."""
    found = []
    for match in PRODUCT.finditer(text):
        end = re.compile(r"^#{2,3} ", re.M).search(text, match.end())
        found.append((match.group(0)[5:].split("`", 1)[0], text[match.start():end.start() if end else len(text)]))
    return found


def _leading_caution(part: str) -> tuple[str, str]:
    stripped = part.lstrip("\n")
    if not stripped.startswith("> [!CAUTION]"):
        return "", part
    lines = stripped.split("\n")
    end = next((i for i, line in enumerate(lines) if not line.startswith(">")), len(lines))
    return "\n".join(lines[:end]), "\n".join(lines[end:])
