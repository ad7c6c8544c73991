"""YAML parsed once into plain data plus the position of every key and item.

PyYAML's composer gives nodes with marks; we construct the data from the same nodes, so the file
is parsed once. Timestamps stay strings (a date is a value the model checks, not a YAML type) and
duplicate keys are reported instead of silently keeping the last one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from .problems import Path

try:  # the C parser when libyaml is present: same marks, several times faster
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.SafeLoader


class _Loader(_Base):
    """Safe loader without the implicit timestamp type."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}

Mark = tuple[int, int]  # 1-based line and column


@dataclass
class Parsed:
    """Plain data, where each key and item is, and problems found while reading the tree."""

    data: object
    key_marks: dict[Path, Mark] = field(default_factory=dict)
    value_marks: dict[Path, Mark] = field(default_factory=dict)
    duplicates: list[tuple[Path, str]] = field(default_factory=list)

    def locate(self, path: Path, *, key: bool = False) -> Mark:
        """The position of ``path``, or of its nearest ancestor that exists."""
        marks = self.key_marks if key else self.value_marks
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in marks:
                return marks[prefix]
            if prefix in self.value_marks:
                return self.value_marks[prefix]
        return (1, 1)


class YamlError(ValueError):
    """Invalid YAML, with the position the parser stopped at."""

    def __init__(self, message: str, mark: Mark):
        super().__init__(message)
        self.mark = mark


def parse(text: str) -> Parsed:
    """Parse one YAML document; raises ``YamlError`` for invalid YAML or several documents."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlError(_yaml_message(exc), where) from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as exc:
        raise YamlError(f"invalid YAML: {type(exc).__name__}: {exc}", (1, 1)) from None
    finally:
        loader.dispose()
    parsed = Parsed(data)
    if node is not None:
        _walk(node, (), parsed, depth=0)
    return parsed


def _walk(node: yaml.Node, path: Path, parsed: Parsed, depth: int) -> None:
    parsed.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if depth > 64:
        return
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node.value)
            child = path + (key,)
            if key in seen:
                parsed.duplicates.append((child, key))
            seen.add(key)
            parsed.key_marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _walk(value_node, child, parsed, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), parsed, depth + 1)


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    return "invalid YAML: " + "; ".join(parts) if parts else "invalid YAML"
