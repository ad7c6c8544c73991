"""Pydantic errors rewritten as 'what is wrong; what was given; what is expected'."""

from __future__ import annotations

import difflib
import types
import typing

from pydantic import BaseModel

from .model import DataProduct
from .problems import Path

_FORMS = {  # the model's patterns, as a person would say them
    r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$": "a GCP project id: 6-30 lowercase letters, digits and hyphens",
    r"^[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]+\.[A-Za-z0-9_$-]+$": "'project.dataset.table'",
    r"^gs://[a-z0-9][a-z0-9._-]{1,221}[a-z0-9](/.*)?$": "'gs://bucket/path/'",
    r"^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/topics/[A-Za-z][A-Za-z0-9._~%+-]{2,254}$":
        "'projects/PROJECT/topics/TOPIC'",
    r"^\d{4}-\d{2}-\d{2}$": "a date, YYYY-MM-DD",
    r"^[0-9]{6,20}$": "the organization's number, e.g. '123456789012'",
    r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$": "a billing account id, e.g. 01A2B3-C4D5E6-F7A8B9",
}

_TYPE_WORDS = {
    "string_type": "a string", "int_type": "a whole number", "int_parsing": "a whole number",
    "int_from_float": "a whole number", "float_type": "a number", "float_parsing": "a number",
    "bool_type": "true or false", "bool_parsing": "true or false", "list_type": "a list",
    "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type": "a mapping",
    "url_type": "a URL", "url_parsing": "a URL such as https://example.com",
    "url_scheme": "a URL with an http or https scheme",
}


def describe_error(err: dict, root: type[BaseModel] = DataProduct) -> tuple[Path, str, bool]:
    """(raw path, message, whether to point at the key) for one pydantic error of model ``root``."""
    loc, kind, given = tuple(err["loc"]), err["type"], err.get("input")
    if kind == "missing":
        return loc, f"required field is missing; expected {_expected(loc, root)}", False
    if kind == "invalid_key":
        return loc, f"not a field name; given the key {loc[-1]!r}; expected a text key such as 'name'", True
    if kind == "extra_forbidden":
        return loc, _unknown_field(loc, root), True
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        return loc, f"invalid value; given {_show(given)}; expected one of {expected}", False
    if kind == "value_error":
        return loc, str(err["msg"]).removeprefix("Value error, "), False
    if kind == "string_pattern_mismatch":
        form = _FORMS.get(err.get("ctx", {}).get("pattern", ""), "text of the documented form")
        return loc, f"not of the expected form; given {_show(given)}; expected {form}", False
    if kind in ("too_short", "too_long"):
        ctx = err.get("ctx", {})
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        few = "few" if kind == "too_short" else "many"
        limit = "at least" if kind == "too_short" else "at most"
        return loc, (f"too {few} items; given {ctx.get('actual_length', '?')}; expected {limit} "
                     f"{bound}"), False
    if kind in _TYPE_WORDS:
        shown = " ".join(filter(None, (_yaml_kind(given), _show(given))))
        return loc, f"wrong type; given {shown}; expected {_TYPE_WORDS[kind]}", False
    msg = str(err["msg"])
    return loc, f"{msg[0].lower()}{msg[1:]}; given {_show(given) or _yaml_kind(given)}", False


def _unknown_field(loc: Path, root: type[BaseModel]) -> str:
    model = _model_at(loc[:-1], root)
    name = str(loc[-1])
    if model is None:
        return f"unknown field; given {name!r}; expected none here"
    allowed = sorted(f.alias or n for n, f in model.model_fields.items())
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown field; given {name!r}{hint}; expected one of {', '.join(allowed)}"


def _expected(loc: Path, root: type[BaseModel]) -> str:
    model = _model_at(loc[:-1], root)
    if model is not None:
        for name, info in model.model_fields.items():
            if loc and (info.alias or name) == loc[-1] and info.description:
                return info.description[0].lower() + info.description[1:].rstrip(".")
    return "a value"


def _model_at(loc: Path, root: type[BaseModel]) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc`` (None when not a model)."""
    current: object = root
    for step in loc:
        if isinstance(step, int) or not _is_model(current):
            current = _element(current) if isinstance(step, int) or _is_mapping(current) else None
            continue
        field = next((f for n, f in current.model_fields.items() if (f.alias or n) == step), None)
        current = _unwrap(field.annotation) if field else None
    return current if _is_model(current) else None


def _unwrap(annotation: object) -> object:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _unwrap(args[0])
    if origin is typing.Annotated:
        return _unwrap(args[0])
    return annotation


def _element(annotation: object) -> object:
    args = typing.get_args(annotation)
    return _unwrap(args[-1]) if args else None


def _is_model(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseModel)


def _is_mapping(obj: object) -> bool:
    return typing.get_origin(obj) is dict


def _yaml_kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "the boolean"
    if isinstance(value, (int, float)):
        return "the number"
    if value is None:
        return "an empty value"
    return "the text"


def _show(value: object) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"
