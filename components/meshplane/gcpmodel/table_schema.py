"""Table schemas as the provider reads and compares them (``resource_bigquery_table.go``).

* ``schema`` is Optional+Computed and Read stores the schema BigQuery answers. For a view that is the
  schema BigQuery computes from the view's query, with the descriptions the provider sent: it creates
  the view without a schema (BigQuery refuses one there), then updates it with the schema
  (``resourceBigQueryTableCreate``). Views have no REQUIRED fields: every field comes back NULLABLE
  unless REPEATED, types in their legacy names (INTEGER, FLOAT, BOOLEAN, RECORD), no policy tags.
  ``view_schema_read`` is that answer for the schema the program sends; what the query computes is
  taken to be what was sent (a schema that does not match the query is refused by BigQuery).
* The next plan compares the state's schema with the program's through ``bigQueryTableSchemaDiffSuppress``:
  fields matched by name in any order, a missing mode is NULLABLE, modes and types compared
  case-insensitively with INT64/INTEGER, FLOAT64/FLOAT and BOOL/BOOLEAN alike (STRUCT and RECORD are
  not), an empty description is none, empty policy tags are none, a collation the program leaves out
  is the server's. ``equivalent`` is that comparison; every other key must be on both sides and equal.
"""

from __future__ import annotations

import json

LEGACY_TYPES = {"INT64": "INTEGER", "FLOAT64": "FLOAT", "BOOL": "BOOLEAN", "STRUCT": "RECORD"}
_EQUAL_TYPES = ({"INTEGER", "INT64"}, {"FLOAT", "FLOAT64"}, {"BOOLEAN", "BOOL"})
_EMPTY = (None, "")


def view_schema_read(sent: str) -> str:
    """The schema the provider stores for a view updated with the schema ``sent`` (JSON)."""
    return json.dumps([_read_field(f) for f in json.loads(sent)], sort_keys=True, separators=(",", ":"))


def _read_field(field: dict) -> dict:
    kind = str(field.get("type", "")).upper()
    out = {"name": field["name"], "type": LEGACY_TYPES.get(kind, kind),
           "mode": "REPEATED" if str(field.get("mode", "")).upper() == "REPEATED" else "NULLABLE"}
    if field.get("description"):
        out["description"] = field["description"]
    if field.get("fields"):
        out["fields"] = [_read_field(f) for f in field["fields"]]
    return out


def has_required_field(schema: str) -> bool:
    """Whether a top-level field is REQUIRED (the provider's ``schemaHasRequiredFields``)."""
    try:
        fields = json.loads(schema)
    except (TypeError, ValueError):
        return False
    return any(isinstance(f, dict) and f.get("mode") == "REQUIRED" for f in fields or [])


def equivalent(old: str, new: str) -> bool:
    """Whether the provider suppresses the diff between two schema JSON strings."""
    try:
        a, b = json.loads("[]" if old == "null" else old), json.loads(new)
    except (TypeError, ValueError):
        return False
    return _same("schema", a, b)


def _same(key: str, a: object, b: object) -> bool:
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return False
        if key in ("schema", "fields"):
            if not all(isinstance(x, dict) and "name" in x for x in [*a, *b]):
                return False
            a, b = sorted(a, key=lambda f: f["name"]), sorted(b, key=lambda f: f["name"])
        return all(_same(str(i), x, y) for i, (x, y) in enumerate(zip(a, b)))
    if isinstance(a, dict):
        return isinstance(b, dict) and all(_same_key(k, a, b) for k in {*a, *b})
    return a == b


def _same_key(key: str, a: dict, b: dict) -> bool:
    x, y = a.get(key), b.get(key)
    if key == "mode" and str(x or "NULLABLE").upper() == str(y or "NULLABLE").upper():
        return True
    if key in ("description", "collation") and (x in _EMPTY and y in _EMPTY or key == "collation" and y is None):
        return True
    if key == "type":
        return x is not None and y is not None and _same_type(str(x), str(y))
    if key in ("policyTags", "dataGovernanceTagsInfo") and _no_tags(x) and _no_tags(y):
        return True
    return key in a and key in b and _same(key, x, y)


def _same_type(x: str, y: str) -> bool:
    x, y = x.upper(), y.upper()
    return x == y or any(x in pair and y in pair for pair in _EQUAL_TYPES)


def _no_tags(value: object) -> bool:
    if value is None or value == {}:
        return True
    return isinstance(value, dict) and all(v in ([], {}) or v is None for v in value.values())
