"""Tests for meshplane.product.standards: naming and addressing standards."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meshplane.product import standards as s
from meshplane.product.standards import NamingError

PROJECT_RE = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
SA_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])$")


def h6(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:6]


# --- shorten ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "max_len", "sep", "expected"),
    [
        ("short", 10, "-", "short"),
        ("exactly-10", 10, "-", "exactly-10"),
        ("abcdefghijkl", 10, "-", "abc-" + h6("abcdefghijkl")),
        ("ab-defghijkl", 10, "-", "ab-" + h6("ab-defghijkl")),  # trailing '-' stripped
        ("ab_defghijkl", 10, "_", "ab_" + h6("ab_defghijkl")),
        ("a" * 2000, 1024, "_", "a" * 1017 + "_" + h6("a" * 2000)),
    ],
)
def test_shorten(name, max_len, sep, expected):
    assert s.shorten(name, max_len, sep) == expected
    assert len(s.shorten(name, max_len, sep)) <= max_len


@pytest.mark.parametrize("name", ["x" * 31, "a-" * 40, "daff-prod-podcast-" + "y" * 50])
def test_shorten_hash_path_never_ends_head_with_separator(name):
    out = s.shorten(name, 30)
    head, _, digest = out.rpartition("-")
    assert len(out) <= 30
    assert digest == h6(name)
    assert not head.endswith(("-", "_"))


def test_fails_shorten_limit_too_small():
    with pytest.raises(NamingError, match="too small"):
        s.shorten("abcdefghij", 5)


# --- project_id ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("daff", "prod", "podcast", "charts"), "daff-prod-podcast-charts"),
        (("daff", "dev", "pod", "x"), "daff-dev-pod-x"),
        (("a", "b", "c", "d"), "a-b-c-d"),
        (("daff", "prod", "podcast", "podcast-demographics"),
         "daff-prod-podcast-podca-" + h6("daff-prod-podcast-podcast-demographics")),
    ],
)
def test_project_id(args, expected):
    assert s.project_id(*args) == expected


def test_project_id_long_is_bounded_stable_and_distinct():
    a = s.project_id("daff", "prod", "podcast-analytics", "listener-demographics-daily")
    b = s.project_id("daff", "prod", "podcast-analytics", "listener-demographics-weekly")
    assert len(a) <= 30 and len(b) <= 30
    assert PROJECT_RE.fullmatch(a) and PROJECT_RE.fullmatch(b)
    assert a == s.project_id("daff", "prod", "podcast-analytics", "listener-demographics-daily")
    assert a[:23] == b[:23]  # share the truncated part ...
    assert a != b  # ... but the hash tells them apart


@pytest.mark.parametrize(
    ("args", "bad"),
    [
        (("1daff", "prod", "podcast", "charts"), "1daff"),
        (("daff", "Prod", "podcast", "charts"), "Prod"),
        (("daff", "prod", "pod_cast", "charts"), "pod_cast"),
        (("daff", "prod", "podcast", "charts-"), "charts-"),
        (("daff", "prod", "podcast", ""), "''"),
        (("", "prod", "podcast", "charts"), "''"),
        (("daff", "prod", "podcast", "a--b"), "a--b"),
    ],
)
def test_fails_project_id_bad_input(args, bad):
    with pytest.raises(NamingError, match=re.escape(bad)):
        s.project_id(*args)


def test_naming_error_is_value_error():
    assert issubclass(NamingError, ValueError)


# --- datasets, tables, views -----------------------------------------------


@pytest.mark.parametrize(
    ("fn", "args", "expected"),
    [
        (s.dataset_id, ("podcast-demographics", "internal"), "podcast_demographics_internal"),
        (s.dataset_id, ("Podcast", "X-Y"), "podcast_x_y"),
        (s.dataset_id, ("single",), "single"),
        (s.internal_dataset_id, ("podcast-demographics",), "podcast_demographics_internal"),
        (s.staging_dataset_id, ("podcast-demographics",), "podcast_demographics_staging"),
        (s.control_dataset_id, ("podcast-demographics",), "podcast_demographics_control"),
        (s.port_dataset_id, ("podcast-demographics", "demographics", 1),
         "podcast_demographics_demographics_v1"),
        (s.port_dataset_id, ("charts", "top_50", 0), "charts_top_50_v0"),
        (s.port_table_id, ("demographics", 1), "demographics_v1"),
        (s.port_table_id, ("top_50", 12), "top_50_v12"),
        (s.view_id, ("demographics", 2), "demographics_v2"),
    ],
)
def test_dataset_and_table_ids(fn, args, expected):
    assert fn(*args) == expected


def test_dataset_id_long_is_hash_shortened():
    parts = ("p" * 600, "q" * 600)
    out = s.dataset_id(*parts)
    assert len(out) == 1024
    assert out.endswith("_" + h6("_".join(parts)))
    assert re.fullmatch(r"^[a-z0-9_]+$", out)


def test_port_table_id_long_is_hash_shortened():
    out = s.port_table_id("t" * 1100, 3)
    assert len(out) <= 1024 and out.endswith("_" + h6("t" * 1100 + "_v3"))


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        (s.dataset_id, ("podcast.demographics",)),
        (s.dataset_id, ("pod cast",)),
        (s.dataset_id, ()),
        (s.dataset_id, ("a", "")),
        (s.internal_dataset_id, ("Podcast",)),
        (s.port_dataset_id, ("charts", "Top", 1)),
        (s.port_dataset_id, ("charts", "top-50", 1)),
        (s.port_dataset_id, ("charts", "top", -1)),
        (s.port_dataset_id, ("charts", "top", True)),
        (s.port_table_id, ("top", "1")),
        (s.view_id, ("1top", 1)),
    ],
)
def test_fails_dataset_and_table_ids(fn, args):
    with pytest.raises(NamingError):
        fn(*args)


# --- service accounts ------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "product", "expected"),
    [
        ("run", "charts", "run-charts"),
        ("inv", "podcast-demographics", "inv-podcast-demographics"),
        ("run", "a", "run-a-sa"),
        ("run", "ab", "run-ab"),
        ("run", "podcast-listener-demographics",
         "run-podcast-listener-de-" + h6("run-podcast-listener-demographics")),
    ],
)
def test_service_account_id(role, product, expected):
    out = s.service_account_id(role, product)
    assert out == expected
    assert 6 <= len(out) <= 30 and SA_RE.fullmatch(out)


@pytest.mark.parametrize(("role", "product"), [("Run", "charts"), ("run", "Charts"), ("run", "a_b"), ("", "x")])
def test_fails_service_account_id(role, product):
    with pytest.raises(NamingError):
        s.service_account_id(role, product)


def test_service_account_email_and_runner_email():
    assert s.service_account_email("run-charts", "daff-prod-podcast-charts") == (
        "run-charts@daff-prod-podcast-charts.iam.gserviceaccount.com"
    )
    assert s.runner_email("daff", "prod", "podcast", "charts") == (
        "run-charts@daff-prod-podcast-charts.iam.gserviceaccount.com"
    )
    long = s.runner_email("daff", "prod", "podcast", "podcast-listener-demographics")
    assert long == (
        f"{s.service_account_id('run', 'podcast-listener-demographics')}@"
        f"{s.project_id('daff', 'prod', 'podcast', 'podcast-listener-demographics')}.iam.gserviceaccount.com"
    )


@pytest.mark.parametrize(
    ("account", "project"),
    [("run", "daff-prod-x"), ("run-charts", "Daff-prod"), ("run-charts-", "daff-prod"), ("r" * 31, "daff-prod"),
     ("run-charts", "d" * 31), ("run-charts", "dafff")],
)
def test_fails_service_account_email(account, project):
    with pytest.raises(NamingError):
        s.service_account_email(account, project)


# --- labels ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "raw", "expected"),
    [
        (s.label_key, "team", "team"),
        (s.label_key, "Cost Center", "cost_center"),
        (s.label_key, "owner.email", "owner_email"),
        (s.label_key, "k" * 70, "k" * 56 + "-" + h6("k" * 70)),
        (s.label_value, "", ""),
        (s.label_value, "Alice@Example.com", "alice_example_com"),
        (s.label_value, "v1-2_3", "v1-2_3"),
        (s.label_value, "0123", "0123"),
        (s.label_value, "Ünïcode", "_n_code"),
        (s.label_value, "v" * 64, "v" * 56 + "-" + h6("v" * 64)),
    ],
)
def test_label_sanitising(fn, raw, expected):
    out = fn(raw)
    assert out == expected
    assert len(out) <= 63 and re.fullmatch(r"[a-z0-9_-]*", out)


@pytest.mark.parametrize("raw", ["", "1team", "_team", "-team", "Ä"])
def test_fails_label_key_not_starting_with_letter(raw):
    with pytest.raises(NamingError, match="label key"):
        s.label_key(raw)


def test_labels_standard_set():
    out = s.labels(domain="podcast", product="podcast-demographics", environment="prod", mesh_layer="internal")
    assert out == {
        "data_domain": "podcast",
        "data_product": "podcast-demographics",
        "environment": "prod",
        "managed_by": "meshplane",
        "mesh_layer": "internal",
    }
    assert list(out) == sorted(out)


def test_labels_with_port_and_extras():
    out = s.labels(
        domain="podcast", product="charts", environment="dev", mesh_layer="port",
        port="top_50", port_version=2, extra={"Cost Center": "Data Team", "tier": ""},
    )
    assert out["port"] == "top_50" and out["port_version"] == "v2"
    assert out["cost_center"] == "data_team" and out["tier"] == ""
    assert list(out) == sorted(out)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mesh_layer": "raw"},
        {"mesh_layer": "Internal"},
        {"extra": {"managed_by": "me"}},
        {"extra": {"Data Domain": "x"}},
        {"extra": {"a b": "1", "a.b": "2"}},
        {"extra": {"1x": "y"}},
        {"extra": {f"k{i}": "v" for i in range(60)}},
        {"port": "Top"},
        {"port_version": -1},
        {"domain": "Pod"},
    ],
)
def test_fails_labels(kwargs):
    base = {"domain": "podcast", "product": "charts", "environment": "prod", "mesh_layer": "control"}
    with pytest.raises(NamingError):
        s.labels(**{**base, **kwargs})


# --- URNs, resource keys, uniqueness ---------------------------------------


@pytest.mark.parametrize(
    ("fn", "args", "expected"),
    [
        (s.product_urn, ("podcast", "podcast-demographics"), "urn:meshplane:podcast:podcast-demographics"),
        (s.port_urn, ("podcast", "charts", "top_50", 3), "urn:meshplane:podcast:charts:top_50:v3"),
        (s.resource_key, ("group:a@b.example",), "group-a-at-b.example"),
        (s.resource_key, ("reader", "user:Jo.Doe@x.org"), "reader-user-Jo.Doe-at-x.org"),
        (s.resource_key, ("serviceAccount:run-x@p.iam.gserviceaccount.com",),
         "serviceAccount-run-x-at-p.iam.gserviceaccount.com"),
        (s.resource_key, ("a b/c",), "a-b-c-539138"),  # ambiguous: hash keeps it distinct
    ],
)
def test_urns_and_resource_keys(fn, args, expected):
    assert fn(*args) == expected


def test_resource_key_long_is_hash_shortened():
    principal = "group:" + "x" * 200 + "@example.com"
    out = s.resource_key("reader", principal)
    assert len(out) <= 100 and out == s.resource_key("reader", principal)
    assert out != s.resource_key("writer", principal)


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        (s.product_urn, ("Podcast", "x")),
        (s.port_urn, ("podcast", "x", "p", -2)),
        (s.port_urn, ("podcast", "x", "p:q", 1)),
        (s.resource_key, ()),
        (s.resource_key, ("a", "")),
    ],
)
def test_fails_urns_and_resource_keys(fn, args):
    with pytest.raises(NamingError):
        fn(*args)


def test_check_unique_passes_distinct_names():
    s.check_unique({"podcast/a": "id-a", "podcast/b": "id-b"}, "project id")
    s.check_unique({}, "project id")


def test_fails_check_unique_names_both_owners():
    names = {"podcast/a": "same", "podcast/b": "other", "music/c": "same"}
    with pytest.raises(NamingError, match=r"project id collision: 'music/c' and 'podcast/a' both map to 'same'"):
        s.check_unique(names, "project id")


# --- properties ------------------------------------------------------------

names = st.from_regex(r"\A[a-z][a-z0-9]{0,12}(-[a-z0-9]{1,12}){0,5}\Z")


@settings(max_examples=300)
@given(prefix=names, env=names, domain=names, product=names, role=st.sampled_from(["run", "inv"]))
def test_property_gcp_ids_always_valid(prefix, env, domain, product, role):
    pid = s.project_id(prefix, env, domain, product)
    assert 6 <= len(pid) <= 30 and PROJECT_RE.fullmatch(pid)
    assert pid == s.project_id(prefix, env, domain, product)
    sid = s.service_account_id(role, product)
    assert 6 <= len(sid) <= 30 and SA_RE.fullmatch(sid)
    assert s.runner_email(prefix, env, domain, product).endswith(f"@{pid}.iam.gserviceaccount.com")


@given(st.text(max_size=200))
def test_property_label_value_always_valid(raw):
    out = s.label_value(raw)
    assert len(out) <= 63 and re.fullmatch(r"[a-z0-9_-]*", out)


# --- issue 20: decisions a mutation once changed unnoticed ---

def test_an_escaped_at_and_a_real_at_get_different_resource_keys():
    assert s.resource_key("group:a-at-b.example") != s.resource_key("group:a@b.example")
    assert s.resource_key("reader", "group:a-at-b.example") != s.resource_key("reader", "group:a@b.example")


@pytest.mark.parametrize("key", sorted(s.STANDARD_LABEL_KEYS))
def test_an_extra_label_never_overrides_a_standard_label(key):
    with pytest.raises(s.NamingError, match="would override standard label"):
        s.labels(domain="podcast", product="charts", environment="prod", mesh_layer="internal", extra={key: "mine"})
