"""What a change does to the contracts consumers rely on: each output port, major by major.

The two plans' product descriptors (``catalog/descriptor.py``: the stack outputs, else the registry objects)
are compared port by port, keyed by ``(port, major)``. Every difference is classified by the version
bump it needs, as semantic versioning puts it for consumers of the port:

* ``breaking`` (a new major): a column dropped, renamed, retyped, its mode changed, a new REQUIRED
  column, the partitioning, how the port is served or its address changed, a column newly masked,
  the port major removed;
* ``additive`` (a new minor): a new NULLABLE or REPEATED column, a column no longer masked, a new
  port, the retention changed;
* ``patch``: descriptions, clustering, SLOs, quality expectations, a deprecation.

Independently, a difference ``loses data`` when deploying it deletes rows or columns: a dropped column
(its data goes with it), a change BigQuery cannot make in place (the port table is replaced: type,
mode to REQUIRED, new REQUIRED column, nested field dropped, partitioning), a shorter retention.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from ..declaration.types import major_of, parse_duration
from ..gcpmodel.replacements import BUCKET_OBJECT, same_type

BREAKING, ADDITIVE, PATCH = KINDS = ("breaking", "additive", "patch")  # by the bump they need
DESCRIPTOR_VERSION = "meshplane.dev/descriptor/v1"
HISTORY = {"mode": "history"}  # how a port is served unless it says otherwise


@dataclass(frozen=True, order=True)
class PortChange:
    """One difference in a port's contract, with the bump it needs and whether it loses data."""

    product: str
    port: str  # "<name> v<major>"
    path: str  # a column path (``address.city``) or the aspect (``partitioning``, ``retention``...)
    what: str  # e.g. "dropped", "type INTEGER -> STRING"
    kind: str
    data_loss: bool = False
    widened: bool = False  # consumers without raw access read a column unmasked

    @property
    def flags(self) -> list[str]:
        return [f for f, on in (("breaking", self.kind == BREAKING), ("data-loss", self.data_loss),
                                ("access-widened", self.widened)) if on]


def descriptors(document: dict) -> dict[str, dict]:
    """The product descriptors of a plan document, by product id: the stack outputs, and for any product
    without one the registry object's text (as a real preview shows it)."""
    found = {pid: d for pid, d in (document.get("outputs") or {}).items()
             if isinstance(d, dict) and d.get("descriptorVersion") == DESCRIPTOR_VERSION}
    for step in document.get("steps", []):
        state = step.get("newState") or {}
        text = ((state.get("inputs") or {}).get("source") or {}) if state.get("type") == BUCKET_OBJECT else {}
        descriptor = _json(text.get("text")) if isinstance(text, dict) else None
        if isinstance(descriptor, dict) and descriptor.get("descriptorVersion") == DESCRIPTOR_VERSION:
            found.setdefault(descriptor.get("id"), descriptor)
    return found


def ports_by_major(descriptor: dict) -> dict[tuple[str, int], dict]:
    """A descriptor's output ports keyed by ``(name, major)``."""
    return {(p["name"], major_of(p["version"])): p for p in descriptor.get("outputPorts", [])}


def port_changes(product: str, old: dict, new: dict) -> list[PortChange]:
    """Every contract difference between two versions of one port major."""
    port = f"{new['name']} v{major_of(new['version'])}"
    found = [PortChange(product, port, path, what, kind, loss)
             for path, what, kind, loss in _columns(old.get("schema", []), new.get("schema", []))]
    found += [PortChange(product, port, aspect, what, kind, loss) for aspect, what, kind, loss in _aspects(old, new)]
    kept = _paths_of(old.get("schema", [])) & _paths_of(new.get("schema", []))  # a dropped column is no unmasking
    found += _masking(product, port, set(old.get("maskedColumns", [])) & kept, set(new.get("maskedColumns", [])) & kept)
    return sorted(found)


def _columns(old: list[dict], new: list[dict], prefix: str = "") -> Iterator[tuple[str, str, str, bool]]:
    before, after = {c["name"]: c for c in old}, {c["name"]: c for c in new}
    dropped = [n for n in before if n not in after]
    added = [n for n in after if n not in before]
    renamed = _renamed(old, new, dropped, added)
    for name in dropped:
        if name in renamed:
            yield prefix + name, f"renamed to {renamed[name]}", BREAKING, True
        else:
            yield prefix + name, "dropped: its data is deleted, and queries that select it fail", BREAKING, True
    for name in added:
        if name in renamed.values():
            continue
        if _mode(after[name]) == "REQUIRED":
            yield prefix + name, "added as REQUIRED: BigQuery replaces the table", BREAKING, True
        else:
            yield prefix + name, f"added ({_mode(after[name])})", ADDITIVE, False
    for name in (n for n in before if n in after):
        yield from _column(before[name], after[name], prefix + name)


def _column(old: dict, new: dict, path: str) -> Iterator[tuple[str, str, str, bool]]:
    if not same_type(old.get("type", ""), new.get("type", "")):
        yield path, f"type {old.get('type')} -> {new.get('type')}: BigQuery replaces the table", BREAKING, True
    was, now = _mode(old), _mode(new)
    if was != now:
        relaxed = (was, now) == ("REQUIRED", "NULLABLE")  # in place; readers may now meet NULL
        replaced = "" if relaxed else ": BigQuery replaces the table"
        yield path, f"mode {was} -> {now}{replaced}", BREAKING, not relaxed
    if old.get("description") != new.get("description"):
        yield path, "description changed", PATCH, False
    if "fields" in old or "fields" in new:
        yield from _columns(old.get("fields") or [], new.get("fields") or [], path + ".")


def _renamed(old: list[dict], new: list[dict], dropped: list[str], added: list[str]) -> dict[str, str]:
    """Dropped columns that an added column of the same type and mode replaces at the same position."""
    position = {c["name"]: i for i, c in enumerate(old)}
    pairs = {}
    for name in added:
        i = next(i for i, c in enumerate(new) if c["name"] == name)
        twin = next((d for d in dropped if position[d] == i), None)
        if twin and same_type(old[i].get("type", ""), new[i].get("type", "")) and _mode(old[i]) == _mode(new[i]):
            pairs[twin] = name
    return pairs


def _mode(column: dict) -> str:
    return str(column.get("mode") or "NULLABLE").upper()


def _aspects(old: dict, new: dict) -> Iterator[tuple[str, str, str, bool]]:
    if "partitioning" in old and old.get("partitioning") != new.get("partitioning"):  # older descriptors: none
        was, now = old["partitioning"] or {}, new.get("partitioning") or {}
        replaced = was.get("column") != now.get("column")  # a new granularity is an update BigQuery refuses
        why = "BigQuery replaces the table" if replaced else "BigQuery refuses to change it: the deploy fails"
        yield "partitioning", f"{_show(was)} -> {_show(now)}: {why}", BREAKING, replaced
    was, now = (port.get("serving", HISTORY) for port in (old, new))  # older descriptors: history
    if was != now:
        yield "serving", f"{_show(was)} -> {_show(now)}", BREAKING, False
    if old.get("address") != new.get("address"):
        yield "address", f"{_show(old.get('address'))} -> {_show(new.get('address'))}", BREAKING, False
    if old.get("retention") != new.get("retention"):
        shorter = _shortens(old.get("retention"), new.get("retention"))
        why = ": older partitions are deleted" if shorter else ""
        yield "retention", f"{old.get('retention', 'none')} -> {new.get('retention', 'none')}{why}", ADDITIVE, shorter
    if old.get("deprecated") != new.get("deprecated"):
        yield "deprecation", "deprecated" if new.get("deprecated") else "no longer deprecated", PATCH, False
    for aspect in ("clustering", "slos", "quality"):
        if old.get(aspect) != new.get(aspect):
            yield aspect, f"{_show(old.get(aspect))} -> {_show(new.get(aspect))}", PATCH, False


def _masking(product: str, port: str, old: set[str], new: set[str]) -> list[PortChange]:
    return ([PortChange(product, port, c, "newly masked: consumers without raw access read other values",
                        BREAKING) for c in sorted(new - old)]
            + [PortChange(product, port, c, "no longer masked: every consumer reads it in clear", ADDITIVE,
                          widened=True) for c in sorted(old - new)])


def _paths_of(fields: list[dict], prefix: str = "") -> set[str]:
    """Every column path of a schema (``record.field`` for nested ones)."""
    paths = set()
    for f in fields:
        paths |= {prefix + f["name"]} | _paths_of(f.get("fields") or [], prefix + f["name"] + ".")
    return paths


def _shortens(old: str | None, new: str | None) -> bool:
    """Whether retention ``new`` keeps less than ``old`` (none = forever)."""
    if new is None:
        return False
    return old is None or parse_duration(new) < parse_duration(old)


def _show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def descriptor_paths(old_inputs: dict, new_inputs: dict) -> list[str]:
    """The descriptor fields that differ between two registry objects' inputs, as dotted paths where
    list items are named (``descriptor.outputPorts[demographics v1].schema[listeners].type``)."""
    old, new = (_json(((i.get("source") or {}) if isinstance(i.get("source"), dict) else {}).get("text"))
                for i in (old_inputs, new_inputs))
    if old is None or new is None:
        return ["source"] if old_inputs.get("source") != new_inputs.get("source") else []
    return _paths(old, new, "descriptor")


def _paths(old: object, new: object, at: str) -> list[str]:
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        return [p for k in sorted(old.keys() | new.keys()) for p in _paths(old.get(k), new.get(k), f"{at}.{k}")]
    if _named(old) and _named(new):
        before, after = ({_item_key(i): i for i in items} for items in (old, new))
        return [p for k in sorted(before.keys() | after.keys())
                for p in _paths(before.get(k), after.get(k), f"{at}[{k}]")]
    return [at]


def _named(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and "name" in i for i in value)


def _item_key(item: dict) -> str:
    return f"{item['name']} v{major_of(item['version'])}" if "version" in item else str(item["name"])


def _json(text: object) -> object:
    try:
        return json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
