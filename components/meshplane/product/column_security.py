"""Column-level security: which columns carry which policy tag, and who reads them how.

Pure functions over the declaration and the platform's policy tags of the product's location.

* A column is *sensitive* when it is PII or declares a classification; the fields of a sensitive
  record are sensitive too. Its level is its own classification, else its record's, else the
  product's confidentiality.
* A sensitive leaf carries the policy tag the platform maps to its level. BigQuery tags leaf
  fields only, so a record is protected through its fields.
* The interface view selects a PII column as is when every leaf of it is tagged (BigQuery then
  enforces, per reader); any other PII column stays masked in SQL, as without a taxonomy.
* Consumers declared with ``rawAccess`` (and the product's runner and owner, who read internal data)
  become fine-grained readers of the port's tags; every other consumer a masked reader through the
  tag's data masking policy.
* The control port's caller reads the subject-key column's tag raw: ``erase_subject`` compares it in
  a DELETE's ``WHERE``, which BigQuery denies without fine-grained reading (and a masked key would
  match nothing). A tag is the platform's, shared by every column of its level: the caller reads
  raw whatever it can query with that tag, and it queries nothing but the control procedures.
* A latest port's view chooses its rows on the tagged columns as the reader reads them: masked
  readers partition a tagged key by its masked value, one group per key only under a SHA-256 rule
  (docs/components.md, "Interface views").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..declaration.model import Column, OutputPort
from ..declaration.types import Confidentiality
from ..settings.platform import PolicyTagSettings


@dataclass(frozen=True, order=True)
class TagGrant:
    """``member`` reads columns tagged ``level`` raw (fine-grained reader) or masked (masked reader)."""

    level: Confidentiality
    member: str
    raw: bool


def sensitive_leaves(columns: list[Column], default: Confidentiality, *, prefix: str = "",
                     inherited: Confidentiality | None = None) -> dict[str, Confidentiality]:
    """Dotted path → level of every sensitive leaf column, in declared order."""
    leaves: dict[str, Confidentiality] = {}
    for column in columns:
        path = prefix + column.name
        sensitive = column.pii or column.classification is not None or inherited is not None
        level = column.classification or inherited or default
        if column.fields:
            leaves |= sensitive_leaves(column.fields, default, prefix=path + ".",
                                       inherited=level if sensitive else None)
        elif sensitive:
            leaves[path] = level
    return leaves


def column_tags(columns: list[Column], default: Confidentiality,
                tags: dict[Confidentiality, PolicyTagSettings]) -> dict[str, str]:
    """Dotted path → policy tag name of every sensitive leaf whose level the platform tags."""
    return {path: tags[level].policy_tag
            for path, level in sensitive_leaves(columns, default).items() if level in tags}


def view_masking(columns: list[Column], tagged: set[str] | dict[str, str], *, prefix: str = "") -> list[Column]:
    """The columns as the view should mask them: PII whose every leaf is tagged is left to BigQuery."""
    result = []
    for column in columns:
        path = prefix + column.name
        fields = view_masking(column.fields, tagged, prefix=path + ".") if column.fields else column.fields
        enforced = all(leaf in tagged for leaf in _leaves(column, path))
        result.append(column.model_copy(update={"pii": column.pii and not enforced, "fields": fields}))
    return result


def unenforced_pii(columns: list[Column], tagged: set[str] | dict[str, str]) -> list[str]:
    """Dotted paths of PII columns the view still masks in SQL (some leaf has no policy tag)."""
    paths: list[str] = []

    def visit(cols: list[Column], prefix: str) -> None:
        for column in cols:
            path = prefix + column.name
            if column.pii and not all(leaf in tagged for leaf in _leaves(column, path)):
                paths.append(path)
            elif column.fields:
                visit(column.fields, path + ".")

    visit(columns, "")
    return paths


def tag_grants(ports: list[tuple[OutputPort, list[tuple[str, bool]]]], default: Confidentiality,
               tags: dict[Confidentiality, PolicyTagSettings], raw_readers: list[str],
               erasers: Sequence[str] = ()) -> list[TagGrant]:
    """Who reads which tagged level how: per port, its consumers ``(member, raw)``; ``raw_readers`` everywhere;
    ``erasers`` (the control port's caller) the level of each port's subject key.

    A member raw on a level is never also a masked reader of it. Sorted and free of duplicates.
    """
    raw: set[tuple[Confidentiality, str]] = {(level, member) for port, _ in ports
                                             for level in subject_key_levels(port, default, tags) for member in erasers}
    masked: set[tuple[Confidentiality, str]] = set()
    for port, consumers in ports:
        levels = {level for level in sensitive_leaves(port.columns, default).values() if level in tags}
        for level in levels:
            raw.update((level, member) for member in raw_readers)
            raw.update((level, member) for member, is_raw in consumers if is_raw)
            masked.update((level, member) for member, is_raw in consumers if not is_raw)
    return sorted([TagGrant(level, member, True) for level, member in raw] +
                  [TagGrant(level, member, False) for level, member in masked - raw])


def subject_key_levels(port: OutputPort, default: Confidentiality,
                       tags: dict[Confidentiality, PolicyTagSettings]) -> list[Confidentiality]:
    """The tagged level of the port's subject-key column, if the platform tags it (at most one)."""
    level = sensitive_leaves(port.columns, default).get(port.subject_key)  # None without a subject key
    return [level] if level in tags else []


def _leaves(column: Column, path: str) -> list[str]:
    if not column.fields:
        return [path]
    return [leaf for f in column.fields for leaf in _leaves(f, f"{path}.{f.name}")]
