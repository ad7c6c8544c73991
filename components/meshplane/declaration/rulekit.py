"""What the cross-field rules share: rules as independent units, and walks of a model that may be partial.

A rule is a thunk yielding findings. On what parsed of an invalid declaration (``partial.py``) a rule
stops at the first field it needs that failed to parse; the walks that enumerate the rules visit only
what parsed, so enumerating never stops.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from pydantic import BaseModel

from .model import Column
from .problems import Finding, Path
from .types import check_slug

Rule = Callable[[], Iterable[Finding]]


def each(obj: BaseModel | None, field: str) -> Iterator[tuple[int, BaseModel]]:
    """(index, item) of the list ``field`` of ``obj``; nothing when it is empty or did not parse."""
    return enumerate(parsed(obj, field) or ())


def parsed(obj: BaseModel | None, field: str) -> object:
    """The value of ``field`` of ``obj``; None when absent because it did not parse."""
    return None if obj is None else vars(obj).get(field)


def column_paths(columns: Iterable[Column], at: Path) -> Iterator[tuple[Path, Column]]:
    """Every column as far as it parsed, with its path: top-level columns, then nested fields."""
    for i, col in enumerate(columns):
        yield at + (i,), col
        yield from column_paths(parsed(col, "fields") or (), at + (i, "fields"))


def column_lists(columns: list[Column], at: Path) -> Iterator[tuple[Path, list[Column]]]:
    """The top-level column list and every RECORD's list of fields, as far as they parsed."""
    yield at, columns
    for path, col in column_paths(columns, at):
        if parsed(col, "fields"):
            yield path + ("fields",), col.fields


def duplicates(items: Iterable, key, at: Path, what: str, shown=str) -> Iterator[Finding]:
    """One finding per repetition of an item's ``key``, at the repeated item."""
    items = list(items)
    counts = Counter(key(item) for item in items)
    seen: set = set()
    for i, item in enumerate(items):
        k = key(item)
        if counts[k] > 1 and k in seen:
            yield Finding(at + (i,), f"duplicate {what}; given {shown(k)!r} {counts[k]} times; "
                          f"expected each {what} once")
        seen.add(k)


def product_ref(ref: str, at: Path) -> Iterator[Finding]:
    """A finding when ``ref`` is not a data product id, '<domain>.<name>'."""
    parts = ref.split(".")
    ok = len(parts) == 2
    if ok:
        try:
            check_slug(parts[0]), check_slug(parts[1])
        except ValueError:
            ok = False
    if not ok:
        yield Finding(at, f"not a data product id; given {ref!r}; expected '<domain>.<name>'")
