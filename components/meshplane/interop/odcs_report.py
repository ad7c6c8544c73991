"""What an import did not keep: the contract compared with its re-export, field by field.

Every field of the contract the re-export does not reproduce is one located line saying why, except
noise: a field at its default (``required: false``, ``isNullable: true``), an empty value (``tags: []``),
a field read as another (``Notes.read``: ``isNullable: false`` as ``required: true``), a difference of
letter case alone, the ``apiVersion`` (meshplane writes its own), and repeated list items (two SLA
entries of one name) matched in order. Product-level fields that differ from the ``--into`` declaration are one line.
"""

from __future__ import annotations

from ..declaration.problems import Problem
from .ids import PORT_SLA


ITEM_KEYS = ("name", "property", "server", "username", "channel", "url")
"""Keys that name list items: items are matched (and shown) by them rather than by position."""
MISSING = object()


def contract_path(data: object, path: tuple) -> str:
    """``('schema', 0, 'properties', 2, 'unique')`` as ``schema[orders_v1].properties[id].unique``."""
    out, node = "", data
    for step in path:
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            item = node[step]
            label = next((item[k] for k in ITEM_KEYS if isinstance(item, dict)
                          and isinstance(item.get(k), (str, int)) and not isinstance(item.get(k), bool)), step)
            out, node = f"{out}[{label}]", item
        else:
            out = f"{out}.{step}" if out else str(step)
            node = node.get(step) if isinstance(node, dict) else None
    return out


def differences(given: object, expected: object, path: tuple = ()):
    """``(path, given value, expected value or MISSING)`` for each part of ``given`` that
    ``expected`` does not reproduce; what ``expected`` adds is not a difference."""
    if isinstance(given, dict) and isinstance(expected, dict):
        for key, value in given.items():
            if key in expected:
                yield from differences(value, expected[key], path + (key,))
            else:
                yield path + (key,), value, MISSING
    elif isinstance(given, list) and isinstance(expected, list):
        key = None if path[-1:] == ("schema",) else _item_key(given)
        if key is None:
            matches = [expected[i] if i < len(expected) else MISSING for i in range(len(given))]
        else:
            matches = _matches(given, expected, key)
        for i, (item, match) in enumerate(zip(given, matches)):
            if match is MISSING:
                yield path + (i,), item, MISSING
            else:
                yield from differences(item, match, path + (i,))
    elif not _same(given, expected):
        yield path, given, expected


def _matches(given: list, expected: list, key: str) -> list:
    """For each given item, the expected item of the same key: repeated keys are matched in order, and a
    repeat beyond those expected is matched with the last of its key (it is one entry for meshplane)."""
    by_key: dict = {}
    for item in expected:
        if isinstance(item, dict):
            by_key.setdefault(item.get(key), []).append(item)
    seen: dict = {}
    out = []
    for item in given:
        same = by_key.get(item[key], [])
        n = seen[item[key]] = seen.get(item[key], -1) + 1
        out.append(same[min(n, len(same) - 1)] if same else MISSING)
    return out


def _item_key(items: list) -> str | None:
    return next((k for k in ITEM_KEYS if items and all(isinstance(i, dict) and isinstance(i.get(k), str)
                                                        for i in items)), None)


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


TOP_REASONS = {
    "id": "meshplane derives the contract id from the port URN",
    "status": "meshplane exports the product's status, or deprecated for a deprecated port",
    "servers": "meshplane derives the BigQuery server from the declaration and a stack (--stack)",
    "roles": "meshplane grants access per consumer (customProperties consumers)",
    "price": "meshplane has no pricing", "tenant": "meshplane has no tenants",
    "contractCreatedTs": "meshplane exports are reproducible and carry no timestamp",
}
PATH_REASONS = {
    ("schema", 0, "name"): "meshplane names the port's view <port>_v<major>",
    ("schema", 0, "physicalName"): "meshplane names the port's view <port>_v<major>",
    ("schema", 0, "physicalType"): "a meshplane output port is served as a view",
}
_KEY_ONLY = "meshplane has primary keys only as the key of a port with customProperties[serving] latestPerKey"
ELEMENT_REASONS = {
    "quality": "meshplane keeps quality rules of the port's object and its top-level columns",
    "severity": "meshplane's data-quality scan reports every failed rule alike",
    "scheduler": "the port's data-quality scan runs on its own schedule (from the freshness SLO)",
    "schedule": "the port's data-quality scan runs on its own schedule (from the freshness SLO)",
    "businessImpact": "meshplane keeps a rule's dimension and description",
    "relationships": "meshplane has no relationships", "primaryKey": _KEY_ONLY, "primaryKeyPosition": _KEY_ONLY,
    "unique": "meshplane has no unique constraints", "isUnique": "meshplane has no unique constraints",
    "logicalTypeOptions": "meshplane keeps BigQuery types only (no lengths, formats or ranges)",
    "physicalType": "meshplane keeps BigQuery types",
    "element": "meshplane derives it from the port's time columns",
    "examples": "meshplane has no examples", "enum": "meshplane has no enumerations",
}


def lossy_fields(parsed, file: str, expected: dict, notes: dict, declaration: str | None) -> list[Problem]:
    """One located problem per field of the contract that ``expected`` (its re-export) does not
    reproduce, saying why, but noise; the product-level fields that differ from a ``declaration`` are
    one line naming them all."""
    out, product = [], []
    for path, given, now in differences(parsed.data, expected):
        if is_noise(path, given, now) or path in getattr(notes, "read", ()):
            continue
        if declaration and is_product_level(parsed.data, path) and path[0] not in TOP_REASONS:
            product.append(path)
            continue
        reason = _reason(path, notes)
        if now is MISSING:
            message = "not imported: " + (reason or "no equivalent in a meshplane output port")
        else:
            message = f"changed: given {_show(given)}; meshplane exports {_show(now)}" + \
                      (f" ({reason})" if reason else "")
        line, column = parsed.locate(path, key=now is MISSING)
        out.append(Problem(file, line, column, contract_path(parsed.data, path), message))
    if product:
        out.append(_product_line(parsed, file, product, declaration))
    return out


def _product_line(parsed, file: str, paths: list[tuple], declaration: str) -> Problem:
    """The one line naming the product-level fields that differ from the declaration, and what to do."""
    names = list(dict.fromkeys(contract_path(parsed.data, p) for p in paths))
    domain = parsed.data.get("domain")
    hint = f" (the domain is part of the product id: for the contract's, start from 'meshplane new " \
           f"{domain}.<name>')" if "domain" in names and isinstance(domain, str) else ""
    line, column = parsed.locate(paths[0], key=True)
    return Problem(file, line, column, "(product)", f"{len(names)} product-level field"
                   f"{'s differ' if len(names) != 1 else ' differs'} from {declaration} and "
                   f"{'were' if len(names) != 1 else 'was'} not imported: {', '.join(names)}; the "
                   f"declaration keeps its own values: copy what you want into it{hint}")


EMPTY = (None, "", [], {})
"""Values that say nothing whatever the field."""
FIELD_DEFAULTS = {"required": False, "unique": False, "primaryKey": False, "partitioned": False,
                  "criticalDataElement": False, "deprecated": False, "isUnique": False, "isNullable": True}
"""Fields at the value that says nothing (ODCS's defaults; ``isUnique``/``isNullable`` as older tools write
them): any other value of these, ``isNullable: false`` (NOT NULL) among them, is read or reported."""


def is_noise(path: tuple, given: object, now: object) -> bool:
    """A difference not worth a line: the apiVersion, a field at its default, an empty value, letter
    case alone."""
    if path == ("apiVersion",):
        return True
    if now is MISSING:
        key = path[-1] if path and isinstance(path[-1], str) else None
        return any(given is d or given == d and not isinstance(given, (bool, int)) for d in EMPTY) or (
            key in FIELD_DEFAULTS and given is FIELD_DEFAULTS[key])
    return isinstance(given, str) and isinstance(now, str) and given.lower() == now.lower()


def product_fields(given: dict, file: str) -> list[Problem]:
    """Without a declaration: one line naming the product-level fields that were not compared."""
    keys = [k for k in given if k not in ("apiVersion", "kind", "name", "version", "schema", "slaProperties")]
    keys += [f"slaProperties[{s.get('property')}]" for s in given.get("slaProperties") or []
             if isinstance(s, dict) and s.get("property") not in PORT_SLA]
    return [Problem(file, 1, 1, "", "not compared without --into (product-level fields, taken from the "
                    f"declaration the port goes into): {', '.join(keys)}")] if keys else []


def _reason(path: tuple, notes: dict) -> str | None:
    for end in range(len(path), 0, -1):
        if path[:end] in notes:
            return notes[path[:end]]
    if path in PATH_REASONS:
        return PATH_REASONS[path]
    if len(path) == 1 and path[0] in TOP_REASONS:
        return TOP_REASONS[path[0]]
    keys = [p for p in path[1:] if isinstance(p, str)]
    if keys and keys[-1] in ELEMENT_REASONS and path[0] in ("schema", "slaProperties"):
        return ELEMENT_REASONS[keys[-1]]
    return None


def is_product_level(data: dict, path: tuple) -> bool:
    """Whether ``path`` is outside the port: not its name, version, schema or port SLOs."""
    if path[0] in ("name", "version", "schema"):
        return False
    if path[0] == "slaProperties" and len(path) > 1:
        item = data["slaProperties"][path[1]]
        return not (isinstance(item, dict) and item.get("property") in PORT_SLA)
    return True


def _show(value: object) -> str:
    text = "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def added_lines(parsed, file: str, added: list[tuple[tuple, str]]) -> list[Problem]:
    """One located line per thing the import added on its own (a processing-time column...)."""
    return [Problem(file, *parsed.locate(path), contract_path(parsed.data, path), message)
            for path, message in added]
