"""Which files are declarations: every file named explicitly; in a directory, every ``*.yaml`` and
``*.yml`` file except Pulumi's own (``Pulumi*.yaml``) and those whose top-level ``kind`` names
something other than ``DataProduct``. Broken, empty or binary YAML files are reported, not skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

YAML_SUFFIXES = (".yaml", ".yml")
_KIND_RE = re.compile(rb"^kind\s*:\s*['\"]?([A-Za-z0-9_.-]+)", re.MULTILINE)


class UsageError(ValueError):
    """A command-line usage problem (missing path, directory without declarations)."""


def declaration_files(paths: list[str]) -> list[Path]:
    """The declaration files named by ``paths``, sorted and without duplicates."""
    found: dict[Path, None] = {}
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            candidates = [p for p in sorted(path.rglob("*")) if _is_candidate(p, path)]
            if not candidates:
                raise UsageError(f"{raw}: no DataProduct declaration (*.yaml, *.yml) in this directory")
            found.update(dict.fromkeys(c for c in candidates if _first(c, seen)))
        elif path.exists():
            if _first(path, seen):
                found[path] = None
        else:
            raise UsageError(f"{raw}: no such file or directory")
    return list(found)


def _first(path: Path, seen: set[Path]) -> bool:
    """Whether ``path`` was not named before, however it was spelled (relative, absolute, ``..``)."""
    real = path.resolve()
    if real in seen:
        return False
    seen.add(real)
    return True


def _is_candidate(path: Path, root: Path) -> bool:
    if path.suffix not in YAML_SUFFIXES or path.name.startswith("Pulumi") or not path.is_file():
        return False
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        return False
    try:
        with path.open("rb") as handle:
            kind = _KIND_RE.search(handle.read(65536))
    except OSError:
        return True  # unreadable: report it rather than skip it silently
    return kind is None or kind.group(1) == b"DataProduct"
