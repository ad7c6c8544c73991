"""The loader: every problem of a file at once, each at the exact file:line:column of its cause."""

from __future__ import annotations

import re
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest

from meshplane.declaration.loader import check_declaration, check_text, load_declaration
from meshplane.declaration.problems import DeclarationError, Problem

# A small valid declaration; the line numbers below refer to it.
MINIMAL = """\
apiVersion: meshplane/v1alpha1
kind: DataProduct
id: sales.orders
domain: sales
name: orders
displayName: Orders
version: 1.0.0
type: sourceAligned
status: active
description:
  purpose: Orders per day.
team:
  owner: group:sales@example.com
policies:
  location: EU
  confidentiality: internal
outputPorts:
  - name: orders
    version: 1.0.0
    description: One row per order.
    schema:
      - name: order_id
        type: STRING
      - name: processing_time
        type: TIMESTAMP
        role: processingTime
"""


def only(text: str, file: str = "f.yaml") -> Problem:
    model, problems = check_text(text, file)
    assert model is None
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    return problems[0]


def lines(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


def write(tmp_path: Path, content: bytes | str, name: str = "product.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def test_minimal_declaration_is_valid():
    model, problems = check_text(MINIMAL, "f.yaml")
    assert problems == [] and model is not None and model.id == "sales.orders"


def test_problem_renders_file_line_column_field_message():
    problem = only(MINIMAL.replace("location: EU", "location: Mars"))
    assert str(problem) == ("f.yaml:15:13: policies.location: not a BigQuery location; given 'Mars'; "
                            "expected a multi-region (EU, US) or a region such as europe-west1")


# --- located errors ------------------------------------------------------------------------------


def test_value_error_points_at_the_value():
    problem = only(MINIMAL.replace("status: active", "status: live"))
    assert (problem.line, problem.column, problem.field) == (9, 9, "status")


def test_value_error_in_a_flow_mapping_points_at_the_value():
    text = MINIMAL.replace("      - name: order_id\n        type: STRING", "      - {name: order_id, type: STRNG}")
    assert str(only(text)).startswith("f.yaml:22:32: outputPorts.orders.schema.order_id.type: invalid value")


def test_unknown_key_points_at_the_key():
    problem = only(MINIMAL.replace("  owner: group:sales@example.com", "  owner: group:sales@example.com\n  colour: blue"))
    assert str(problem).startswith("f.yaml:14:3: team.colour: unknown field; given 'colour'")


def test_missing_field_points_at_the_parent_mapping():
    problem = only(MINIMAL.replace("  owner: group:sales@example.com", "  name: Sales"))
    assert str(problem).startswith("f.yaml:13:3: team.owner: required field is missing")


def test_missing_top_level_field_points_at_the_document():
    problem = only(MINIMAL.replace("displayName: Orders\n", ""))
    assert str(problem).startswith("f.yaml:1:1: displayName: required field is missing")


def test_duplicate_key_points_at_the_second_key():
    problem = only(MINIMAL.replace("  location: EU\n", "  location: EU\n  location: EU\n"))
    assert str(problem) == ("f.yaml:16:3: policies.location: duplicate key; given 'location' twice; "
                            "expected each key once (YAML keeps only the last)")


@pytest.mark.parametrize(("old", "new", "where", "phrase"), [
    ("description: One row per order.", "description: One: row", "20:21", "mapping values are not allowed"),
    ("description: One row per order.", "description: [a, b", "21:11", "did not find expected ',' or ']'"),
    ("  owner:", "\towner:", "13:1", "found character that cannot start any token"),
    ("location: EU", "location: *eu", "15:13", "found undefined alias"),
])
def test_invalid_yaml_points_at_the_parser_error(old, new, where, phrase):
    problem = only(MINIMAL.replace(old, new))
    assert str(problem).startswith(f"f.yaml:{where}: (document): invalid YAML: ")
    assert phrase in problem.message


def test_several_documents_point_at_the_second():
    problem = only(MINIMAL + "---\n" + MINIMAL)
    assert str(problem).startswith("f.yaml:27:1: (document): invalid YAML: expected a single document")


@pytest.mark.parametrize(("text", "given"), [
    ("- apiVersion: meshplane/v1alpha1\n- kind: DataProduct\n", "given a list"),
    ("hello\n", "given the scalar 'hello'"),
    ("42\n", "given the scalar 42"),
])
def test_document_that_is_not_a_mapping(text, given):
    problem = only(text)
    assert str(problem).startswith("f.yaml:1:1: (document): not a declaration; ")
    assert given in problem.message and "expected a mapping with apiVersion and kind" in problem.message


def test_unknown_api_version_points_at_its_value():
    problem = only(MINIMAL.replace("meshplane/v1alpha1", "meshplane/v1"))
    assert str(problem) == ("f.yaml:1:13: apiVersion: unknown apiVersion; given 'meshplane/v1'; "
                            "expected 'meshplane/v1alpha1'")


def test_missing_api_version():
    problem = only(MINIMAL.replace("apiVersion: meshplane/v1alpha1\n", ""))
    assert str(problem).startswith("f.yaml:1:1: apiVersion: unknown apiVersion; given none")


def test_unknown_kind_points_at_its_value():
    problem = only(MINIMAL.replace("kind: DataProduct", "kind: Dataset"))
    assert str(problem) == "f.yaml:2:7: kind: unknown kind; given 'Dataset'; expected 'DataProduct'"


def test_all_problems_of_a_file_are_reported_at_once():
    text = MINIMAL.replace("EU", "Mars").replace("active", "live").replace("  - name: orders", "  - name: Orders")
    model, problems = check_text(text, "f.yaml")
    assert model is None
    assert [s.split(": ", 2)[:2] for s in lines(problems)] == [
        ["f.yaml:9:9", "status"], ["f.yaml:15:13", "policies.location"], ["f.yaml:18:11", "outputPorts.Orders.name"]]


def test_line_endings_and_bom_do_not_shift_positions():
    assert check_text("\ufeff" + MINIMAL, "f.yaml")[1] == []
    problem = only(MINIMAL.replace("\n", "\r\n").replace("EU", "Mars"))
    assert (problem.line, problem.column) == (15, 13)


def test_unquoted_dates_stay_strings():
    text = MINIMAL + "    deprecation:\n      reason: Replaced by orders v2.\n      sunset: 2027-01-01\n"
    model, problems = check_text(text, "f.yaml")
    assert problems == []
    assert model.output_ports[0].deprecation.sunset == "2027-01-01"
    problem = only(MINIMAL.replace("name: orders\n", "name: 2027-01-01\n", 1))
    assert "given '2027-01-01'" in problem.message


# --- files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "phrase"), [
    (b"", "empty file"),
    (b"\n  \n\t\n", "empty file"),
    (b"# just a comment\n\n   # another one\n", "empty file"),
    (b"apiVersion: meshplane/v1alpha1\n\x00\x01\x02", "binary content; given a file with NUL bytes"),
])
def test_unusable_content_is_one_problem_at_line_one(tmp_path, content, phrase):
    path = write(tmp_path, content)
    model, problems = check_declaration(path)
    assert model is None and len(problems) == 1
    assert str(problems[0]).startswith(f"{path}:1:1: (document): {phrase}")


def test_nonexistent_path(tmp_path):
    path = tmp_path / "missing.yaml"
    model, problems = check_declaration(path)
    assert model is None
    assert lines(problems) == [f"{path}:1:1: (document): cannot read the file: No such file or "
                               "directory; expected a readable YAML file"]


def test_directory_path(tmp_path):
    model, problems = check_declaration(tmp_path)
    assert model is None
    assert lines(problems) == [f"{tmp_path}:1:1: (document): cannot read: is a directory; expected a YAML file"]


def test_too_large_file(tmp_path):
    path = write(tmp_path, b"# x\n" * (600 * 1024))
    assert "file too large" in check_declaration(path)[1][0].message


def test_check_declaration_names_the_file(tmp_path):
    path = write(tmp_path, MINIMAL.replace("EU", "Mars"))
    assert lines(check_declaration(path)[1])[0].startswith(f"{path}:15:13: policies.location: ")
    assert check_declaration(write(tmp_path, MINIMAL, "ok.yaml"))[1] == []


def test_load_declaration_returns_the_model(tmp_path):
    assert load_declaration(write(tmp_path, MINIMAL)).name == "orders"


def test_load_declaration_raises_with_every_problem(tmp_path):
    path = write(tmp_path, MINIMAL.replace("EU", "Mars").replace("active", "live"))
    with pytest.raises(DeclarationError) as caught:
        load_declaration(path)
    assert [(p.line, p.field) for p in caught.value.problems] == [(9, "status"), (15, "policies.location")]
    assert str(caught.value) == "\n".join(str(p) for p in caught.value.problems)


def test_load_declaration_raises_for_unreadable_path(tmp_path):
    with pytest.raises(DeclarationError) as caught:
        load_declaration(tmp_path / "nope.yaml")
    assert len(caught.value.problems) == 1


# --- known bugs ----------------------------------------------------------------------------------


@contextmanager
def time_limit(seconds: float):
    def expire(*_):
        raise TimeoutError(f"took more than {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("body", [
    "x: &a [*a, *a]\n",
    "a0: &a0 [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)),
], ids=["recursive", "laughs"])
def test_aliases_do_not_blow_up(body):
    with time_limit(1.0):
        _, problems = check_text("apiVersion: meshplane/v1alpha1\nkind: DataProduct\n" + body, "f.yaml")
    assert problems


def test_control_character_is_located_on_its_line():
    problem = only(MINIMAL.replace("displayName: Orders", "displayName: Ord\x07ers"))
    assert "\n" not in str(problem)
    assert (problem.line, problem.column) == (6, 17)


@pytest.mark.parametrize("key", ["1", "yes"])
def test_non_string_key_points_at_the_key(key):
    problem = only(MINIMAL + f"{key}: x\n")
    assert (problem.line, problem.column) == (27, 1)
    assert "expected" in problem.message


def test_merge_key_override_is_not_a_duplicate():
    text = MINIMAL.replace("team:\n  owner: group:sales@example.com",
                           "team:\n  <<: {owner: group:other@example.com, name: Sales}\n  owner: group:sales@example.com")
    assert check_text(text, "f.yaml")[1] == []


def test_empty_output_ports_message_says_what_is_expected():
    problem = only(MINIMAL.split("outputPorts:")[0] + "outputPorts: []\n")
    assert problem.field == "outputPorts" and (problem.line, problem.column) == (17, 14)
    assert re.search(r"given \S", problem.message) and "expected" in problem.message


def test_project_id_pattern_message_names_the_form():
    problem = only(MINIMAL + "platform:\n  gcp:\n    projectId: X\n")
    assert "expected adopt" not in problem.message


def test_non_utf8_byte_is_located_on_its_line(tmp_path):
    path = write(tmp_path, MINIMAL.replace("Orders per day", "Bestellungen f\u00fcr").encode("latin-1"))
    problems = check_declaration(path)[1]
    assert (problems[0].line, problems[0].column) == (11, 26)  # 'f\xfc' starts at 25, 0-based
