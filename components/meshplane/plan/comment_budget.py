"""The pull-request comment under GitHub's size limit (65,536 characters: a longer body is refused
and nobody sees a review), for any domain size.

Parts (the diff, the review, the deploy order) are joined with every leading caution block first.
When too long, what a reviewer needs least goes first: each product's detail section of the review
(products the change does not touch first, then the largest), then the diff's folded appendix, then
the lineage diagrams; a note says what was cut and where the full review is; as a last resort the end
is cut, closing what it leaves open. The limit counts characters (a comment) or UTF-8 bytes (the job
summary's 1 MiB). Pure functions over Markdown text.
"""

from __future__ import annotations

import re

GITHUB_LIMIT = 65_536
DEFAULT_LIMIT = 60_000  # leaves room for the sticky comment's marker and a heading
PRODUCT = re.compile(r"^### `[^`]+` — ", re.M)  # a product's section in the review
APPENDIX = re.compile(r"^<details><summary>Appendix: .*?^</details>\n?", re.M | re.S)
DIAGRAM = re.compile(r"^```mermaid\n.*?^```\n?", re.M | re.S)
CHANGED = re.compile(r"^<!-- meshplane:changed (.*?) -->$", re.M)  # the products a diff touches
CHARS, BYTES = "chars", "bytes"


def compose(parts: list[str]) -> str:
    """The parts joined by blank lines, each part's leading ``> [!CAUTION]`` block moved to the top."""
    cautions, rest = [], []
    for part in parts:
        block, body = _leading_caution(part)
        cautions += [block] if block else []
        rest.append(body)
    return "\n\n".join(p.strip("\n") for p in [*cautions, *rest] if p.strip()) + "\n"


def size(text: str, unit: str = CHARS) -> int:
    """The length of ``text`` in characters, or in UTF-8 bytes (GitHub's job summary counts bytes)."""
    return len(text.encode("utf-8")) if unit == BYTES else len(text)


def fit(text: str, full_review: str, limit: int = DEFAULT_LIMIT, unit: str = CHARS) -> str:
    """``text`` when it fits in ``limit`` (characters, or UTF-8 bytes with ``unit=BYTES``); else cut as
    the module says, with a note naming what was cut and ``full_review`` (where the whole review is).
    Products the change touches (the diff's ``CHANGED`` marker) lose their detail last."""
    if size(text, unit) <= limit:
        return text
    changed = set(" ".join(CHANGED.findall(text)).split())
    cut: list[str] = []
    sections = sorted(_product_sections(text), key=lambda s: (s[0] in changed, -len(s[1])))
    dropped = []
    for name, body in sections:
        if size(_with_note(text, cut + [_products(dropped)], full_review), unit) <= limit:
            break
        text = text.replace(body, "", 1)
        dropped.append(name)
    cut += [_products(dropped)] if dropped else []
    for pattern, what in ((APPENDIX, "the diff's resource-level appendix"), (DIAGRAM, "the lineage diagrams")):
        if size(_with_note(text, cut, full_review), unit) > limit and pattern.search(text):
            text = pattern.sub("", text)
            cut.append(what)
    text = _with_note(text, cut, full_review)
    return text if size(text, unit) <= limit else _cut_end(text, full_review, limit, unit)


def _cut_end(text: str, full_review: str, limit: int, unit: str) -> str:
    """The last resort: the end goes, never the summary at the top; a ``<details>`` or code fence left
    open at the cut is closed, so the rest of the comment renders (a table ends at the blank line)."""
    tail = f"\n\n… cut here to fit; the full review is in {full_review}.\n"
    room = limit - size(tail, unit) - size(CLOSERS, unit)
    head = text.encode("utf-8")[:max(room, 0)].decode("utf-8", "ignore") if unit == BYTES else text[:max(room, 0)]
    head = head.rsplit("\n", 1)[0] if "\n" in head else ""
    return head + _closers(head) + tail


CLOSERS = "\n```\n" + "\n</details>" * 8  # the most ``_closers`` adds: nesting deeper than 8 is not ours


def _closers(head: str) -> str:
    """What closes the code fence and the ``<details>`` blocks ``head`` leaves open."""
    fenced = sum(1 for line in head.split("\n") if line.startswith("```")) % 2 == 1
    open_details = min(len(re.findall(r"<details\b", head)) - len(re.findall(r"</details>", head)), 8)
    return ("\n```" if fenced else "") + "\n</details>" * max(open_details, 0)


def _with_note(text: str, cut: list[str], full_review: str) -> str:
    if not cut:
        return text
    note = ("> [!NOTE]\n> This comment is cut to fit GitHub's size limit (65,536 characters for a comment, "
            "1 MiB for a job summary): "
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
