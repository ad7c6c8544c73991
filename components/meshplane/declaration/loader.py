"""Load one declaration file: every problem at once, each located in the user's own words."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FsPath

from pydantic import ValidationError

from . import rules
from .errors import describe_error
from .model import API_VERSION, KIND, DataProduct
from .naming import user_path
from .partial import salvage
from .problems import DeclarationError, Problem
from .yamlpos import Parsed, YamlError, parse

MAX_BYTES = 2 * 1024 * 1024


def load_declaration(path: str | FsPath) -> DataProduct:
    """Read, parse and validate one declaration; raises ``DeclarationError`` listing every problem."""
    product, problems = check_declaration(path)
    if problems or product is None:
        raise DeclarationError(problems)
    return product


@dataclass(frozen=True)
class Source:
    """A valid declaration with the file it came from and where each of its fields is."""

    product: DataProduct
    file: str
    parsed: Parsed = field(repr=False, compare=False)

    def problem(self, path: tuple, message: str) -> Problem:
        """A problem located at ``path`` (raw keys and indices) in this file."""
        return _locate(self.parsed, self.file, path, message, key=False)


def check_declaration(path: str | FsPath) -> tuple[DataProduct | None, list[Problem]]:
    """The model (when valid) and every problem of one file; never raises for bad content."""
    source, problems = read_source(path)
    return (source.product if source else None), problems


def read_source(path: str | FsPath) -> tuple[Source | None, list[Problem]]:
    """The located declaration (when valid) and every problem of one file."""
    text, problem = read_text(path)
    return (None, [problem]) if problem else source_from_text(text, str(path))


def check_text(text: str, file: str) -> tuple[DataProduct | None, list[Problem]]:
    """Like ``check_declaration`` for text already read (``file`` names it in messages)."""
    source, problems = source_from_text(text, file)
    return (source.product if source else None), problems


def source_from_text(text: str, file: str) -> tuple[Source | None, list[Problem]]:
    """Parse and validate declaration text; every problem is located in ``file``."""
    try:
        parsed = parse(text)
    except YamlError as exc:
        return None, [Problem(file, exc.mark[0], exc.mark[1], "", str(exc))]
    header = _header_problem(parsed)
    if header:
        return None, [_locate(parsed, file, header[0], header[1], key=False)]
    problems = duplicate_key_problems(parsed, file)
    try:
        product = DataProduct.model_validate(parsed.data)
    except ValidationError as exc:  # the rules still check every part that parsed
        problems += validation_problems(exc, parsed, file, DataProduct)
        product, findings = None, rules.check_parsed(salvage(DataProduct, parsed.data))
    else:
        findings = rules.check_product(product)
    for finding in findings:
        problems.append(_locate(parsed, file, finding.path, finding.message, key=False))
    if problems or product is None:
        return None, sorted(set(problems))
    return Source(product, file, parsed), []


def duplicate_key_problems(parsed: Parsed, file: str) -> list[Problem]:
    """One problem per key given twice in a mapping."""
    return [_locate(parsed, file, path, f"duplicate key; given {key!r} twice; expected each key "
                    "once (YAML keeps only the last)", key=True) for path, key in parsed.duplicates]


def validation_problems(exc: ValidationError, parsed: Parsed, file: str, root: type) -> list[Problem]:
    """Pydantic's errors for the model ``root``, located and in the user's words."""
    problems = []
    for err in exc.errors(include_url=False):
        path, message, on_key = describe_error(err, root)
        problems.append(_locate(parsed, file, path, message, key=on_key))
    return problems


def read_text(path: str | FsPath) -> tuple[str, Problem | None]:
    """The file's text, or the located reason it cannot be a YAML declaration."""
    text, message, (line, column) = _decode(path)
    return text, (Problem(str(path), line, column, "", message) if message else None)


def _decode(path: str | FsPath) -> tuple[str, str | None, tuple[int, int]]:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except IsADirectoryError:
        return "", "cannot read: is a directory; expected a YAML file", (1, 1)
    except OSError as exc:
        return "", f"cannot read the file: {exc.strerror or exc}; expected a readable YAML file", (1, 1)
    if len(raw) > MAX_BYTES:
        return "", f"file too large; given more than {MAX_BYTES} bytes; expected a declaration", (1, 1)
    if b"\x00" in raw:
        return "", "binary content; given a file with NUL bytes; expected a UTF-8 YAML text file", (1, 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return "", f"not UTF-8 text; given byte 0x{raw[exc.start]:02x}; expected a UTF-8 YAML " \
                   "text file", (line, column)
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return "", "empty file; given no YAML content; expected a DataProduct declaration", (1, 1)
    return text, None, (1, 1)


def _header_problem(parsed: Parsed) -> tuple[tuple, str] | None:
    data = parsed.data
    if data is None:
        return (), "empty document; given no YAML content; expected a DataProduct declaration"
    if not isinstance(data, dict):
        given = "a list" if isinstance(data, list) else f"the scalar {data!r}"[:80]
        return (), f"not a declaration; given {given}; expected a mapping with apiVersion and kind"
    api, kind = data.get("apiVersion"), data.get("kind")
    if api != API_VERSION:
        given = "none" if api is None else repr(api)[:80]
        return ("apiVersion",), f"unknown apiVersion; given {given}; expected {API_VERSION!r}"
    if kind != KIND:
        given = "none" if kind is None else repr(kind)[:80]
        return ("kind",), f"unknown kind; given {given}; expected {KIND!r}"
    return None


def _locate(parsed: Parsed, file: str, path: tuple, message: str, *, key: bool) -> Problem:
    line, column = parsed.locate(path, key=key)
    return Problem(file, line, column, user_path(parsed.data, path), message)
