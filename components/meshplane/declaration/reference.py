"""The declaration reference (``docs/declaration.md``), generated from the model's own docs."""

from __future__ import annotations

import typing

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from .errors import _unwrap
from .model import DataProduct


def render_reference() -> str:
    """Markdown: one table per model, reachable from ``DataProduct``, in first-use order."""
    out = ["# Declaration reference", "",
           "Generated from the model (`meshplane.declaration.model`); the JSON Schema is "
           "`schemas/data-product.schema.json`. Regenerate both with `python -m meshplane.cli.regen`.", ""]
    return "\n".join(out + model_tables(DataProduct))


def model_tables(root: type[BaseModel], root_prefix: str = "", level: str = "##") -> list[str]:
    """One Markdown table per model reachable from ``root``, in first-use order; the root's keys
    shown with ``root_prefix`` (e.g. ``meshplane:`` for the keys of a stack config)."""
    out: list[str] = []
    for model in _models(root):
        prefix = root_prefix if model is root else ""
        doc = (model.__doc__ or "").strip().split("\n")[0].replace("``", "`")
        out += [f"{level} `{model.__name__}`", "", doc, "",
                "| key | type | required | default | meaning |", "|---|---|---|---|---|"]
        for name, info in model.model_fields.items():
            required = "yes" if info.is_required() else ""
            default = "" if info.is_required() else _default(info)
            out.append(f"| `{prefix}{info.alias or name}` | {_type_name(info.annotation)} | {required} | "
                       f"{default} | {info.description or ''} |")
        out.append("")
    return out


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    todo = [root]
    while todo:
        model = todo.pop(0)
        if model in seen:
            continue
        seen.append(model)
        for info in model.model_fields.values():
            todo += [t for t in _leaves(info.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
    return seen


def _leaves(annotation: object) -> list[object]:
    args = typing.get_args(annotation)
    if not args:
        return [annotation]
    if typing.get_origin(annotation) is typing.Annotated:
        return _leaves(args[0])
    return [leaf for arg in args for leaf in _leaves(arg)]


def _type_name(annotation: object) -> str:
    annotation = _unwrap(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"map of {_type_name(args[1])}"
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin is not None and args:
        return " or ".join(_type_name(a) for a in args if a is not type(None))
    if isinstance(annotation, type) and hasattr(annotation, "__members__"):
        return " \\| ".join(f"`{m.value}`" for m in annotation)
    return getattr(annotation, "__name__", str(annotation)).replace("str", "string")


def _default(info) -> str:
    if info.default_factory is not None:
        value = info.default_factory()
        if isinstance(value, list):
            value = [getattr(v, "value", v) for v in value]
        return "" if value in ([], {}) else f"`{value}`" if not isinstance(value, BaseModel) else ""
    if info.default is None or info.default is PydanticUndefined:
        return ""
    return f"`{getattr(info.default, 'value', info.default)}`"
