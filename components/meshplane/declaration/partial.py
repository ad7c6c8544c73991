"""What parsed of an invalid declaration: the model with the fields that failed left out.

The cross-field rules run on it (``rules.check_parsed``) so that one run reports every problem.
A field that failed to parse is absent from its object: reading it raises ``AttributeError``,
which stops the rule that needs it. A field merely not given has its default, unless the mapping
has an unknown key that resembles it (the loader's "did you mean"): it may be that field misspelt.
"""

from __future__ import annotations

import difflib
import types
import typing

from pydantic import BaseModel, ValidationError

MAX_DEPTH = 32  # BigQuery nests RECORDs 15 levels deep; deeper invalid parts are not salvaged


def salvage(cls: type[BaseModel], raw: object, depth: int = 0) -> BaseModel:
    """``raw`` as a ``cls``: the validated model when valid, else one holding what is valid."""
    try:
        return cls.model_validate(raw)
    except ValidationError:
        pass
    given = raw if isinstance(raw, dict) and depth <= MAX_DEPTH else {}
    obj = cls.model_construct()  # the default of every optional field, replaced below
    misspelt = _misspelt(cls, given)
    for name, info in cls.model_fields.items():
        key = next((k for k in (info.alias, name) if k is not None and k in given), None)
        obj.__dict__.pop(name, None)
        if key is None:
            if given is raw and not info.is_required() and name not in misspelt:
                obj.__dict__[name] = info.get_default(call_default_factory=True)
            continue
        try:
            cls.__pydantic_validator__.validate_assignment(obj, name, given[key])
        except ValidationError:
            _salvage_nested(obj, name, info.annotation, given[key], depth + 1)
    return obj


def _salvage_nested(obj: BaseModel, name: str, annotation: object, value: object, depth: int) -> None:
    """Keep what parsed of an invalid nested model or list of models; leave anything else out."""
    model, is_list = _model_of(annotation)
    if model is None:
        return
    if not is_list:
        obj.__dict__[name] = salvage(model, value, depth)
    elif isinstance(value, list):
        obj.__dict__[name] = [salvage(model, item, depth) for item in value]


def _model_of(annotation: object) -> tuple[type[BaseModel] | None, bool]:
    """(the model class, whether a list of it) of ``Model``, ``list[Model]``, optional or not."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _model_of(args[0])
    if origin is list and args and _is_model(args[0]):
        return args[0], True
    return (annotation, False) if _is_model(annotation) else (None, False)


def _misspelt(cls: type[BaseModel], given: dict) -> set[str]:
    """The fields that an unknown key of ``given`` resembles."""
    keys = {(info.alias or name): name for name, info in cls.model_fields.items()}
    known = set(keys) | set(cls.model_fields)
    unknown = [k for k in given if isinstance(k, str) and k not in known]
    return {keys[m] for k in unknown for m in difflib.get_close_matches(k, sorted(keys), n=1)}


def _is_model(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseModel)
