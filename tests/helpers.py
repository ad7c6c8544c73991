"""Small shared helpers: minimal valid declarations, writing them, and where a text sits in a file.

Positions are found in the written text itself (not with the project's parser), so a test that
compares them with a problem's ``file:line:col`` checks the loader against an independent oracle.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINT_FILES = sorted((ROOT / "blueprints").glob("*/*.yaml"))
OWNER = "group:owners@daff.example"


def reads(pid: str, port: str = "p", major: int = 1, name: str | None = None) -> dict:
    """An input port reading ``port`` v``major`` of product ``pid``; named after the product."""
    return {"name": name or pid.replace(".", "_").replace("-", "_"), "dataProduct": pid,
            "outputPort": port, "version": major}


def port(name: str = "p", version: str = "1.0.0", consumers=(), **extra) -> dict:
    """An output port; a consumer with ':' is a principal (with a purpose), else a product id."""
    return {"name": name, "version": version, "description": "One row per thing.",
            "schema": [{"name": "id", "type": "STRING", "required": True},
                       {"name": "processing_time", "type": "TIMESTAMP", "role": "processingTime"}],
            **extra,
            "consumers": [{"principal": c, "purpose": "Reads it."} if ":" in c else {"dataProduct": c}
                          for c in consumers]}


def product(pid: str, *, inputs=(), ports=None, status: str = "active", **overrides) -> dict:
    """A minimal valid declaration of ``pid`` (one port ``p`` v1 unless ``ports`` is given)."""
    domain, name = pid.split(".")
    doc = {"apiVersion": "meshplane/v1alpha1", "kind": "DataProduct", "id": pid, "domain": domain,
           "name": name, "displayName": name.title(), "version": "1.0.0",
           "type": "aggregate" if inputs else "sourceAligned", "status": status,
           "description": {"purpose": "A test product."}, "team": {"owner": OWNER},
           "policies": {"location": "EU", "confidentiality": "internal"},
           "inputPorts": list(inputs), "outputPorts": ports if ports is not None else [port()]}
    doc.update(overrides)
    return doc


def dump(doc: dict) -> str:
    """Block-style YAML: every scalar on its own ``key: value`` line."""
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=1000)


def write(path: Path, doc: dict | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else dump(doc), encoding="utf-8")
    return path


def write_product(root: Path, doc: dict) -> Path:
    """Write ``doc`` as ``root/<domain>/<name>.yaml``."""
    return write(root / doc["domain"] / f"{doc['name']}.yaml", doc)


def pos(text: str, line_has: str, value: str | None = None, nth: int = 1) -> tuple[int, int]:
    """1-based (line, column) of ``value`` (default ``line_has``) on the nth line containing ``line_has``."""
    hits = [(i, ln) for i, ln in enumerate(text.splitlines(), 1) if line_has in ln]
    assert len(hits) >= nth, f"{line_has!r} found {len(hits)} times"
    number, line = hits[nth - 1]
    start = line.index(line_has)
    return number, line.index(value or line_has, start) + 1


def at(path: Path, line_has: str, value: str | None = None, nth: int = 1) -> str:
    """``file:line:col`` of ``value`` in the file ``path`` (see ``pos``)."""
    line, col = pos(path.read_text(encoding="utf-8"), line_has, value, nth)
    return f"{path}:{line}:{col}"


def shown(problems) -> str:
    return "\n".join(str(p) for p in problems) or "(no problems)"
