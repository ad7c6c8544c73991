"""Files are replaced whole or not at all: never a half-written output."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(target: str | Path, text: str) -> Path:
    """Write ``text`` to a temporary file beside ``target``, then rename it over ``target``."""
    target = Path(target)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:  # line endings as given
            out.write(text)
        if target.exists():  # keep the file's permissions
            os.chmod(tmp, target.stat().st_mode & 0o777)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
