"""What an update of a data table does to its rows, beyond the replacement table (``replacements``).

* An update in place can still delete data: a dropped column, a shorter partition expiry, an
  expiration time that comes sooner (``in_place_losses``).
* BigQuery drops a column in place, except on a table with row access policies: the provider then
  replaces the table (``drops_policed_columns``, over the tables ``policed_tables`` finds).
"""

from __future__ import annotations

import json

from .replacements import ROW_ACCESS_POLICY, TABLE


def policed_tables(resources) -> set[str]:
    """``project.dataset.table`` of every table with a row access policy, from ``(type, inputs)`` pairs."""
    return {f"{i.get('project')}.{i.get('datasetId')}.{i.get('tableId')}"
            for t, i in resources if t == ROW_ACCESS_POLICY}


def drops_policed_columns(type_: str, old: dict, new: dict, policed: set[str]) -> bool:
    """A table with row access policies loses top-level columns: the provider replaces it, as BigQuery
    cannot drop columns in place there (terraform-provider-google, ``hasRowAccessPolicyFunc``)."""
    table = f"{new.get('project')}.{new.get('datasetId')}.{new.get('tableId')}"
    return type_ == TABLE and table in policed and bool(_dropped_columns(old.get("schema"), new.get("schema")))


def in_place_losses(type_: str, old: dict, new: dict) -> list[str]:
    """What an in-place update of a data table deletes: dropped columns (BigQuery drops their data),
    a shorter partition expiry (older partitions go), an expiration time that comes sooner."""
    if type_ != TABLE:
        return []
    lost = [f"drops column {name}" for name in _dropped_columns(old.get("schema"), new.get("schema"))]
    was, now = (_number((i.get("timePartitioning") or {}).get("expirationMs")) for i in (old, new))
    if now and (not was or now < was):
        lost.append(f"partitions expire after {_days(now)} (was {_days(was) if was else 'never'})")
    was, now = _number(old.get("expirationTime")), _number(new.get("expirationTime"))
    if now and (not was or now < was):
        lost.append("the table expires (expirationTime)")
    return lost


def _dropped_columns(old: object, new: object) -> list[str]:
    try:
        before, after = json.loads(old or "[]"), json.loads(new or "[]")
    except (TypeError, ValueError):
        return []
    if not isinstance(before, list) or not isinstance(after, list):
        return []
    kept = {c.get("name") for c in after}
    return [c.get("name") for c in before if c.get("name") not in kept]


def _number(value: object) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):  # unknown during preview
        return 0


def _days(ms: int) -> str:
    return f"{ms / 86_400_000:g} days"
