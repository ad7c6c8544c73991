"""YAML parsed once into plain data plus the position of every key and item.

PyYAML's composer gives nodes with marks; we construct the data from the same nodes, so the file
is parsed once. Timestamps stay strings (a date is a value the model checks, not a YAML type) and
duplicate keys are reported instead of silently keeping the last one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import re

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


MAX_NODES = 200_000  # nodes after alias expansion: a declaration has a few hundred


def parse(text: str) -> Parsed:
    """Parse one YAML document; raises ``YamlError`` for invalid YAML or several documents."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        parsed = Parsed(None)
        if node is not None:
            # Walk first (it reads each node once, aliases included): a plain tree, with no alias,
            # merge key, custom tag or deep nesting, cannot expand and is built directly; any other
            # goes the careful way, size-checked and built by PyYAML.
            plain = _walk(node, (), parsed, set())
            if plain:
                parsed.data = _construct(node, loader)
            else:
                _check_size(node)
                parsed.data = loader.construct_document(node)
    except YamlError:
        raise
    except yaml.reader.ReaderError as exc:
        raise YamlError(f"invalid YAML: {_reader_message(exc)}", _position(text, exc.position)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (min(mark.line + 1, _lines(text)), mark.column + 1) if mark else (1, 1)  # end of file: its last line
        raise YamlError(_yaml_message(exc), where) from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as exc:
        raise YamlError(f"invalid YAML: {type(exc).__name__}: {exc}".replace("\n", " "), (1, 1)) from None
    finally:
        loader.dispose()
    return parsed


def _check_size(root: yaml.Node) -> None:
    """Refuse recursive aliases and alias bombs before anything expands them."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise YamlError("invalid YAML: an alias refers to a node that contains it", _mark(node))
        active.add(key)
        children = _children(node)
        total = 1 + sum(size(child) for child in children)
        active.discard(key)
        if total > MAX_NODES:
            raise YamlError(f"invalid YAML: aliases expand to more than {MAX_NODES} nodes", _mark(node))
        sizes[key] = total
        return total

    size(root)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_PLAIN_SCALARS = {_STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                  "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}
MAX_DEPTH = 64  # deeper nodes are not located (nor built directly)


def _walk(node: yaml.Node, path: Path, parsed: Parsed, seen: set[int]) -> bool:
    """Record where every key and value is; True when the tree is plain (see ``_construct``)."""
    mark = node.start_mark
    value_marks = parsed.value_marks
    if path not in value_marks:
        value_marks[path] = (mark.line + 1, mark.column + 1)
    if id(node) in seen or len(path) > MAX_DEPTH:
        return False  # an alias (its content was located at the anchor), or too deep
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        plain = node.tag == _MAP  # a tagged mapping (!!set, custom) is walked, but not plain
        keys: set[object] = set()
        key_marks = parsed.key_marks
        for key_node, value_node in node.value:
            key = _key(key_node)
            if key == "<<":
                plain = False
                continue  # merged keys may be overridden: not duplicates
            if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag in _PLAIN_SCALARS):
                plain = False
            child = path + (key,)
            if key in keys:
                parsed.duplicates.append((child, str(key)))
            keys.add(key)
            mark = key_node.start_mark
            key_marks[child] = (mark.line + 1, mark.column + 1)
            if not _walk(value_node, child, parsed, seen):
                plain = False
        return plain
    if isinstance(node, yaml.SequenceNode):
        plain = node.tag == _SEQ
        for index, item in enumerate(node.value):
            if not _walk(item, path + (index,), parsed, seen):
                plain = False
        return plain
    return node.tag in _PLAIN_SCALARS


def _construct(node: yaml.Node, loader: yaml.SafeLoader) -> object:
    """The data of a plain tree, as PyYAML would construct it (its own scalar constructors)."""
    if isinstance(node, yaml.MappingNode):
        return {_construct(k, loader): _construct(v, loader) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, loader) for item in node.value]
    if node.tag == _STR:
        return node.value
    return loader.yaml_constructors[node.tag](loader, node)


_SCALAR_KEYS = {"tag:yaml.org,2002:int": int, "tag:yaml.org,2002:float": float}


def _key(node: yaml.Node) -> object:
    """The key as the constructed data has it (``1`` stays an int, ``yes`` a bool)."""
    if not isinstance(node, yaml.ScalarNode):
        return repr(node.value)[:40]
    if node.tag == "tag:yaml.org,2002:bool":
        return node.value.lower() in ("yes", "true", "on", "y")
    if node.tag == "tag:yaml.org,2002:null":
        return None
    convert = _SCALAR_KEYS.get(node.tag)
    if convert is not None:
        try:
            return convert(node.value.replace("_", ""))
        except ValueError:
            return node.value
    return node.value


def _mark(node: yaml.Node) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _position(text: str, offset: int) -> Mark:
    before = text[:offset]
    return (before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


def _reader_message(exc: yaml.reader.ReaderError) -> str:
    char = exc.character
    shown = f"{char!r}" if isinstance(char, str) else f"0x{char:02x}"
    return f"{exc.reason}; given the character {shown}; expected printable text"


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [p.replace("\n", " ") for p in (exc.context, exc.problem) if p]
    return "invalid YAML: " + "; ".join(parts) if parts else "invalid YAML"


def _lines(text: str) -> int:
    """How many lines ``text`` has as YAML counts them (``\r\n``, ``\r`` and ``\n`` break a line)."""
    return len(re.split(r"\r\n|\r|\n", text))
