"""Fuzzing the loader: whatever the content, it returns a model or located problems, never raises.

Mutation values leave out inputs that have their own regression tests in test_declaration_rules.py and
test_loader.py: tzdata directory names, crons that never fire, huge durations, alias bombs).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from meshplane.declaration.loader import check_declaration, check_text
from meshplane.declaration.model import DataProduct

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = sorted(ROOT.glob("blueprints/*/*.yaml"))
TEXTS = {path: path.read_text(encoding="utf-8") for path in BLUEPRINTS}
HEADER = {"apiVersion": "meshplane/v1alpha1", "kind": "DataProduct"}
FIELDS = ["id", "domain", "name", "version", "type", "status", "description", "team", "owner",
          "policies", "location", "outputPorts", "inputPorts", "schema", "role", "fields",
          "transformation", "dbt", "schedule", "cron", "timeZone", "consumers", "principal"]
YAML_CHARS = ":-[]{}#&*!|>'\"?,%@` \t\n\\abcxyz019.~"


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def target(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "product.yaml"


def assert_contract(file: str, result: tuple, text_lines: int | None = None) -> None:
    """Either a model and no problem, or no model and at least one problem located in ``file``."""
    model, problems = result
    shown = "\n".join(str(p) for p in problems)
    if model is not None:
        assert isinstance(model, DataProduct) and problems == [], shown
        return
    assert problems, "no model and no problem"
    for problem in problems:
        assert re.match(rf"^{re.escape(file)}:\d+:\d+: ", str(problem)), shown
        assert problem.line >= 1 and problem.column >= 1, shown
        if text_lines is not None:
            assert problem.line <= text_lines + 1, shown


def check_file(target: Path, content: bytes | str) -> None:
    raw = content if isinstance(content, bytes) else content.encode("utf-8")
    target.write_bytes(raw)
    assert_contract(str(target), check_declaration(target), len(re.split(rb"\r\n|\r|\n", raw)))  # YAML's breaks


# --- (a) random text and bytes -------------------------------------------------------------------


@fuzz(150)
@given(content=st.binary(max_size=300) | st.text(max_size=300) | st.text(YAML_CHARS, max_size=200))
def test_random_content_never_raises(target, content):
    check_file(target, content)


@fuzz(100)
@given(body=st.text(YAML_CHARS, max_size=150))
def test_random_text_after_a_valid_header_never_raises(target, body):
    check_file(target, "apiVersion: meshplane/v1alpha1\nkind: DataProduct\n" + body)


# --- regressions the fuzzer found ---------------------------------------------------------------

PODCAST = ROOT / "blueprints/podcast/podcast-demographics.yaml"
SCHEMA, CONSUMERS = ("outputPorts", 0, "schema"), ("outputPorts", 0, "consumers")
ODD_LABELS = [  # (list, a bad field of its first item, the second item's label, the first item's field path)
    (SCHEMA, ("type", "NOPE"), ("name", ["x"]), "outputPorts.demographics.schema.podcast_id.type"),
    (SCHEMA, ("type", "NOPE"), ("name", {"a": 1}), "outputPorts.demographics.schema.podcast_id.type"),
    (SCHEMA, ("type", "NOPE"), ("name", 7), "outputPorts.demographics.schema.podcast_id.type"),
    (CONSUMERS, ("purpose", 3), ("principal", []),
     "outputPorts.demographics.consumers.group:podcast-analysts@daff.example.purpose"),
]


@pytest.mark.parametrize("at, bad, label, field", ODD_LABELS)
def test_a_sibling_labelled_by_a_list_or_mapping_gives_located_problems(at, bad, label, field):
    """Items are named by their label; a sibling's list label once raised 'unhashable type'."""
    doc = yaml.safe_load(PODCAST.read_text(encoding="utf-8"))
    first, second = parent(doc, at + (0,))[:2]
    first[bad[0]], second[label[0]] = bad[1], label[1]
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    result = check_text(text, "p.yaml")
    assert_contract("p.yaml", result, text.count("\n") + 1)
    assert field in [p.field for p in result[1]], [str(p) for p in result[1]]

# --- (b) random YAML data ------------------------------------------------------------------------

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text(max_size=20) | st.sampled_from(["EU", "1.0.0", "STRING", "P1D", "0 2 * * *"]))
keys = st.sampled_from(FIELDS) | st.text(max_size=10)
yaml_data = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(keys, inner, max_size=5), max_leaves=25)


@fuzz(150)
@given(data=yaml_data, with_header=st.booleans())
def test_random_yaml_never_raises(target, data, with_header):
    if with_header and isinstance(data, dict):
        data = {**HEADER, **data}
    check_file(target, yaml.safe_dump(data, allow_unicode=True))


# --- (c) mutated blueprints ----------------------------------------------------------------------


def paths(node, at=()):
    """Every path (keys and indices) inside ``node``, parents before children."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield at + (key,)
        yield from paths(child, at + (key,))


def parent(doc, path):
    for step in path[:-1]:
        doc = doc[step]
    return doc


def drop_key(doc, draw):
    keyed = [p for p in paths(doc) if isinstance(p[-1], str)]
    path = draw(st.sampled_from(keyed))
    del parent(doc, path)[path[-1]]


def wrong_type(doc, draw):
    path = draw(st.sampled_from(list(paths(doc))))
    value = parent(doc, path)[path[-1]]
    others = [v for v in (None, True, 7, 1.5, "text", [value], {"value": value}) if type(v) is not type(value)]
    parent(doc, path)[path[-1]] = draw(st.sampled_from(others))


def unknown_key(doc, draw):
    mappings = [()] + [p for p in paths(doc) if isinstance(parent(doc, p + ("x",)), dict)]
    target = parent(doc, draw(st.sampled_from(mappings)) + ("x",))
    target[draw(st.sampled_from(["descripton", "colour", "Name", "time_zone", "cronn"]))] = "x"


def set_at(doc, draw, path, values):
    node = doc
    for step in path[:-1]:
        node = node.setdefault(step, {}) if isinstance(node, dict) else node[step]
        if not isinstance(node, dict):
            return
    node[path[-1]] = draw(st.sampled_from(values))


def bad_value(doc, draw):
    path, values = draw(st.sampled_from([
        (("type",), ["hybrid", "", "AGGREGATE"]), (("status",), ["live", None]),
        (("policies", "confidentiality"), ["secret", 3]), (("policies", "location"), ["mars", "eu"]),
        (("transformation", "dbt", "schedule", "cron"), ["@daily", "* * *", "61 * * * *", "*/5 * * * *"]),
        (("transformation", "dbt", "schedule", "timeZone"), ["Mars/Base", "utc", "../UTC", ""]),
        (("transformation", "dbt", "timeout"), ["P8D", "1h", "PT0S"]),
        (("team", "owner"), ["allUsers", "allAuthenticatedUsers", "bob", "user:bob", "group:@x.com"]),
        (("outputPorts", 0, "version"), ["9.0.0", "1.0", "x"]),
        (("outputPorts", 0, "partitioning"), [{"column": "nope"}, {"column": "name"}]),
        (("outputPorts", 0, "clustering"), [["nope"], ["a", "b", "c", "d", "e"]]),
        (("inputPorts",), [[{"name": "self", "dataProduct": "x.y"}], [{"name": "none"}]]),
    ]))
    set_at(doc, draw, path, values)


def duplicate_item(doc, draw):
    lists = [p for p in paths(doc) if isinstance(parent(doc, p + (0,)), list) and parent(doc, p + (0,))]
    if lists:
        items = parent(doc, draw(st.sampled_from(lists)) + (0,))
        items.append(copy.deepcopy(draw(st.sampled_from(items))))


def self_reference(doc, draw):
    ports = doc.get("inputPorts") or [{}]
    ports[0]["dataProduct"] = doc.get("id")
    doc["inputPorts"] = ports


DATA_MUTATIONS = [drop_key, wrong_type, unknown_key, bad_value, duplicate_item, self_reference]


def truncate(text, draw):
    return text[:draw(st.integers(0, len(text)))]


def insert_bytes(text, draw):
    at = draw(st.integers(0, len(text)))
    return text.encode()[:at] + draw(st.binary(min_size=1, max_size=8)) + text.encode()[at:]


def empty(text, draw):
    return draw(st.sampled_from(["", "\n", "# nothing\n", "---\n"]))


TEXT_MUTATIONS = [truncate, insert_bytes, empty]


@pytest.mark.parametrize("path", BLUEPRINTS, ids=lambda p: f"{p.parent.name}/{p.name}")
@fuzz(max(20, 400 // max(len(BLUEPRINTS), 1)))  # ~400 examples in all
@given(data=st.data())
def test_mutated_blueprint_never_raises(target, path, data):
    text = TEXTS[path]
    mutation = data.draw(st.sampled_from(DATA_MUTATIONS + TEXT_MUTATIONS), label="mutation")
    event(mutation.__name__)
    if mutation in TEXT_MUTATIONS:
        check_file(target, mutation(text, data.draw))
        return
    doc = yaml.safe_load(text)
    mutation(doc, data.draw)
    mutated = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    result = check_text(mutated, str(path))
    event("accepted" if result[0] else "refused")
    assert_contract(str(path), result, mutated.count("\n") + 1)
    check_file(target, mutated)


def test_blueprints_are_found():
    assert len(BLUEPRINTS) >= 1


@pytest.mark.parametrize("content", ["\r[", "\r\n[", "a: 1\r[", "["])
def test_an_error_at_the_end_of_the_file_is_on_its_last_line(target, content):
    """YAML breaks lines at \\r too; an error past the last character is reported on the last line."""
    check_file(target, content)
