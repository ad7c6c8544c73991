"""``meshplane preflight`` and ``meshplane audit`` with the real client libraries against local fakes
(``live_fakes``): BigQuery's REST API over HTTP, IAM admin over gRPC, both on 127.0.0.1.

The stack is podcast-prod, deployed into the fakes exactly as planned (``live_support.deployed``), then
broken one way at a time: a console grant, project-role defaults, a removed consumer entry, a changed
view, a dropped policy tag, an API error mid-way; for preflight a missing source, port, grant, service
account, role, and queries BigQuery refuses. What this cannot prove: that real GCP answers as the
fakes do beyond the shapes and errors modelled (see ``live_fakes``).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from live_fakes import FakeBigQuery, FakeIam
from live_rest_fake import FakeRest
from live_support import deployed, fakes, iam_ready, real_state, rest_ready, upstream_ready

from meshplane.cli.main import main
from meshplane.gcpmodel.state import export_document, render_state
from meshplane.live.expected import expected_state
from meshplane.live.findings import (BLOCKING, DRIFT, EXIT_BLOCKING, EXIT_DRIFT, EXIT_INCOMPLETE, EXIT_LEAK,
                                     EXIT_NO_CREDENTIALS, EXIT_OK, LEAK, OK, UNCHECKED, exit_code, verdict)
from meshplane.live.run import audit_report, preflight_report, real_numbers
from meshplane.plan.run import plan_stack

ROOT = Path(__file__).resolve().parents[1]
P_CAT, P_DEM = "daff-prod-podcast-podca-6927d4", "daff-prod-podcast-podca-d278f6"
EPISODES = f"{P_CAT}.podcast_catalog_episodes_v1"
STORAGE = f"{P_DEM}.podcast_demographics_internal.demographics_v1"
YEAR_IN_REVIEW = "run-year-in-review@daff-prod-playlist-year-0015af.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def offline():
    """podcast-prod planned without a state: the mocks make its projects' numbers up."""
    return plan_stack("podcast-prod", ROOT / "stacks")


@pytest.fixture(scope="module")
def deployment(offline):
    """podcast-prod's state after a real ``pulumi up``: its projects have GCP's numbers."""
    return real_state(offline)


@pytest.fixture(scope="module")
def plan(deployment):
    """podcast-prod planned against its deployed state (``--state``), as ``audit --state`` plans it."""
    return plan_stack("podcast-prod", ROOT / "stacks", state=deployment)


@pytest.fixture
def state(plan):
    """podcast-prod deployed as planned, with the sources it reads in place."""
    state = deployed(expected_state(plan.inventory.registrations, numbers=real_numbers(plan.state)))
    upstream_ready(plan, state)
    return state


def audit(plan, state):
    with fakes(state) as clients:
        return audit_report(plan, clients)


def preflight(plan, state, iam=None, rest=None):
    with fakes(state, iam if iam is not None else iam_ready(plan), rest if rest is not None else rest_ready(plan)) \
            as clients:
        return preflight_report(plan, clients)


def problems(report):
    return [(f.status, f.kind, f.resource, f.message) for f in report.sorted() if f.status != OK]


# --- audit -------------------------------------------------------------------------------------------

def test_a_conformant_deployment(plan, state):
    report = audit(plan, state)
    assert problems(report) == [] and exit_code(report) == EXIT_OK
    kinds = {f.kind for f in report.findings}
    assert {"dataset access", "table", "view", "routine", "row access policy"} <= kinds
    assert "conformant" in verdict(report)


def test_iam_role_names_in_the_acl_are_the_legacy_ones(plan, state):
    for entry in state.datasets[EPISODES]["access"]:
        entry["role"] = {"READER": "roles/bigquery.dataViewer", "OWNER": "roles/bigquery.dataOwner"}[entry["role"]]
    assert problems(audit(plan, state)) == []


def test_a_console_grant_is_a_leak(plan, state):
    state.datasets[EPISODES]["access"].append({"role": "roles/bigquery.dataViewer", "userByEmail": "intern@daff.example"})
    report = audit(plan, state)
    [(status, kind, resource, message)] = problems(report)
    assert (status, kind, resource) == (LEAK, "dataset access", EPISODES)
    assert "READER email:intern@daff.example" in message and "manual (console) grant" in message
    assert exit_code(report) == EXIT_LEAK


def test_project_role_defaults_are_leaks(plan, state):
    state.datasets[EPISODES]["access"] += [{"role": role, "specialGroup": group} for role, group in (
        ("OWNER", "projectOwners"), ("WRITER", "projectWriters"), ("READER", "projectReaders"))]
    found = problems(audit(plan, state))
    assert [(s, m.split(":")[0]) for s, _, _, m in found] == [(LEAK, "extra entry OWNER projectOwners"),
                                                              (LEAK, "extra entry READER projectReaders"),
                                                              (LEAK, "extra entry WRITER projectWriters")]
    assert all("project-role default" in m for *_, m in found)


def test_a_removed_consumer_entry_is_drift(plan, state):
    access = state.datasets[EPISODES]["access"]
    access[:] = [e for e in access if e.get("userByEmail") != YEAR_IN_REVIEW]
    report = audit(plan, state)
    [(status, _, resource, message)] = problems(report)
    assert (status, resource) == (DRIFT, EPISODES) and YEAR_IN_REVIEW in message and "broken consumer" in message
    assert exit_code(report) == EXIT_DRIFT


def test_a_removed_routine_authorization_is_drift(plan, state):
    access = state.datasets[f"{P_DEM}.podcast_demographics_internal"]["access"]
    access[:] = [e for e in access if "routine" not in e]
    [(status, _, _, message)] = problems(audit(plan, state))
    assert status == DRIFT and "authorized routine" in message and "erase_subject" in message


def test_a_changed_view_is_drift(plan, state):
    view = state.tables[f"{EPISODES}.episodes_v1"]
    view["view"]["query"] = view["view"]["query"].replace("`language`,", "`language`, `secret`,")
    [(status, kind, resource, _)] = problems(audit(plan, state))
    assert (status, kind, resource) == (DRIFT, "view query", f"{EPISODES}.episodes_v1")


def test_a_dropped_policy_tag_is_a_leak(plan, state):
    for field in state.tables[STORAGE]["schema"]["fields"]:
        field.pop("policyTags", None)
    report = audit(plan, state)
    [(status, kind, resource, message)] = problems(report)
    assert (status, kind, resource) == (LEAK, "policy tag", STORAGE) and "top_listener_email" in message
    assert exit_code(report) == EXIT_LEAK


@pytest.mark.parametrize("breaks, kind", [
    (lambda s: s.tables[STORAGE].update(encryptionConfiguration=None), "encryption"),
    (lambda s: s.tables[STORAGE]["timePartitioning"].update(type="MONTH"), "partitioning"),
    (lambda s: s.tables[STORAGE]["schema"]["fields"].pop(), "schema"),
    (lambda s: s.routines[f"{P_DEM}.podcast_demographics_control.erase_subject"].update(definitionBody="BEGIN END"),
     "routine body"),
    (lambda s: s.row_policies[STORAGE].pop(0), "row access policy"),
    (lambda s: s.tables.pop(f"{EPISODES}.episodes_v1"), "view"),
])
def test_each_kind_of_drift(plan, state, breaks, kind):
    breaks(state)
    [(status, found_kind, *_)] = problems(audit(plan, state))
    assert (status, found_kind) == (DRIFT, kind)


INTERNAL = f"{P_DEM}.podcast_demographics_internal"


def test_an_unplanned_view_in_an_authorized_port_dataset_is_a_leak(plan, state):
    """The port dataset is authorized on the internal one (target type VIEWS): a view someone adds to it
    reads internal data with that authorization. Found by listing the dataset, every page of it."""
    state.page_size = 1
    state.tables[f"{EPISODES}.everything"] = {
        "tableReference": {"projectId": P_CAT, "datasetId": EPISODES.split(".")[1], "tableId": "everything"},
        "type": "VIEW", "view": {"query": f"SELECT * FROM `{P_CAT}.podcast_catalog_internal.episodes_v1`"}}
    report = audit(plan, state)
    [(status, kind, resource, message)] = problems(report)
    assert (status, kind, resource) == (LEAK, "dataset contents", f"{EPISODES}.everything")
    assert "a view the plan does not create" in message and "authorizes" in message
    assert exit_code(report) == EXIT_LEAK
    assert state.calls.count(f"GET /bigquery/v2/projects/{P_CAT}/datasets/{EPISODES.split('.')[1]}/tables") >= 2


@pytest.mark.parametrize("where, store, kind", [("tables", "tables", "table"), ("routines", "routines", "routine")])
def test_an_unplanned_object_in_another_dataset_is_drift(plan, state, where, store, kind):
    project, dataset = INTERNAL.split(".")
    reference = {"projectId": project, "datasetId": dataset, f"{kind}Id": "scratch"}
    getattr(state, store)[f"{INTERNAL}.scratch"] = {f"{kind}Reference": reference, "routineType": "PROCEDURE"}
    [(status, found_kind, resource, message)] = problems(audit(plan, state))
    assert (status, found_kind, resource) == (DRIFT, "dataset contents", f"{INTERNAL}.scratch")
    assert "the plan does not create" in message


def test_row_policy_grantees_are_read_from_the_policys_iam_policy(plan, state):
    """Grantees are input-only on the resource but bound on the policy's IAM policy: a grantee added in
    the console sees rows (a leak), a planned one removed sees none (drift). The policies are listed one
    per page."""
    state.page_size = 1
    eu_only = next(p for p in state.row_policies[STORAGE] if p["rowAccessPolicyReference"]["policyId"] == "eu_only")
    removed = eu_only["grantees"].pop(0)
    eu_only["grantees"].append("user:intern@daff.example")
    found = [(s, k, r, m) for s, k, r, m in problems(audit(plan, state))]
    assert [(s, k, r) for s, k, r, _ in found] == [(LEAK, "row policy grantees", f"{STORAGE}/eu_only"),
                                                  (DRIFT, "row policy grantees", f"{STORAGE}/eu_only")]
    assert "user:intern@daff.example" in found[0][3] and removed in found[1][3]
    path = f"GET /bigquery/v2/projects/{P_DEM}/datasets/podcast_demographics_internal/tables/demographics_v1/rowAccessPolicies"
    assert state.calls.count(path) == len(state.row_policies[STORAGE]) > 1  # every page


def test_an_api_error_mid_way_is_never_clean(plan, state):
    state.fail[f"{P_DEM}/datasets/podcast_demographics_internal/tables"] = 403
    report = audit(plan, state)
    failed = [f for f in report.findings if f.failed]
    assert failed and all(f.status == UNCHECKED and "Access Denied" in f.message for f in failed)
    assert {f.kind for f in failed} == {"table", "row access policy", "dataset contents"}
    assert exit_code(report) == EXIT_INCOMPLETE
    assert "INCOMPLETE" in verdict(report) and "conformant" not in verdict(report)
    assert [f for f in report.findings if f.status == OK]  # what could be read was still checked


def test_a_leak_with_an_api_error_still_exits_as_a_leak(plan, state):
    state.fail[f"{P_CAT}/datasets/podcast_catalog_internal"] = 403
    state.datasets[EPISODES]["access"].append({"role": "READER", "specialGroup": "allAuthenticatedUsers"})
    report = audit(plan, state)
    assert exit_code(report) == EXIT_LEAK and report.incomplete


@pytest.mark.parametrize("stack", ["platform", "charts-prod", "listener-prod", "player-prod", "playlist-prod",
                                   "podcast-dev", "royalties-prod"])
def test_every_example_stack_deployed_as_planned_is_conformant_and_ready(stack):
    """The other stacks' shapes (a platform stack, Cloud Storage and S3 sources, tag grants, a dev environment):
    what the plan expects is what a deployment as planned answers, and nothing blocks."""
    other = plan_stack(stack, ROOT / "stacks")
    actual = plan_stack(stack, ROOT / "stacks", state=real_state(other))
    state = deployed(expected_state(actual.inventory.registrations, numbers=real_numbers(actual.state)))
    upstream_ready(other, state)
    with fakes(state, iam_ready(other), rest_ready(other)) as clients:
        audited, checked = audit_report(actual, clients), preflight_report(actual, clients)
        offline = audit_report(other, clients)  # without --state: project numbers made up, so unchecked
    assert (problems(audited), exit_code(audited)) == ([], EXIT_OK)
    assert ([f for f in checked.findings if f.status == BLOCKING or f.failed], exit_code(checked)) == ([], EXIT_OK)
    assert ([p for p in problems(offline) if p[0] != UNCHECKED], exit_code(offline)) == ([], EXIT_OK)


def test_without_state_members_named_by_project_numbers_are_unchecked_not_facts(offline, state):
    """The real project numbers differ from the mock's: planned offline, the Logging sink writers on the
    audit datasets (``service-<number>@gcp-sa-logging``) are neither drift nor a leak but unchecked, with
    BigQuery's member named; planned against the state (``--state``) they are checked."""
    report = audit(offline, state)
    assert all(s == UNCHECKED and "made up by the offline plan" in m and "--state" in m
               for s, _, _, m in problems(report))
    found = [(s, k, m) for s, k, _, m in problems(report) if k == "dataset access"]
    assert found and all("@gcp-sa-logging" in m for *_, m in found)
    assert {k for _, k, _, _ in problems(report)} == {"dataset access", "row policy grantees"}  # + Dataplex's
    assert exit_code(report) == EXIT_OK
    real = {m.split("BigQuery has WRITER email:")[1].split(";")[0] for *_, m in found}
    assert all(n not in " ".join(real) for n in {g.split("-")[1].split("@")[0] for g in _mock_agents(offline)})


def _mock_agents(plan) -> set[str]:
    return {e["userByEmail"] for d in expected_state(plan.inventory.registrations).datasets.values()
            for e in d.invented}


def test_without_state_a_missing_number_named_entry_is_still_drift(offline, state):
    """No entry of the made-up member's shape at all: missing whatever the real number is."""
    for dataset in state.datasets.values():
        dataset["access"] = [e for e in dataset["access"] if "@gcp-sa-logging" not in e.get("userByEmail", "")]
    found = [(s, m) for s, k, _, m in problems(audit(offline, state)) if k == "dataset access"]
    assert found and all(s == DRIFT and "gcp-sa-logging" in m for s, m in found)


def test_a_made_up_member_is_matched_by_shape_only():
    from meshplane.live.invented import could_be, is_invented

    agent = ("WRITER", "email", "service-111111111111@gcp-sa-logging.iam.gserviceaccount.com")
    assert is_invented(agent[2], set()) and not is_invented(agent[2], {"111111111111"})
    assert is_invented("deployer@credentials.invalid", {"111111111111"})
    assert not is_invented("run-x@p.iam.gserviceaccount.com", set())
    assert could_be(agent, ("WRITER", "email", "service-222222222222@gcp-sa-logging.iam.gserviceaccount.com"))
    assert not could_be(agent, ("READER", "email", "service-222222222222@gcp-sa-logging.iam.gserviceaccount.com"))
    assert not could_be(agent, ("WRITER", "email", "service-222222222222@gcp-sa-dataplex.iam.gserviceaccount.com"))
    assert not could_be(agent, ("WRITER", "email", "intern@daff.example"))
    assert could_be(("OWNER", "email", "deployer@credentials.invalid"), ("OWNER", "email", "someone@daff.example"))


# --- preflight ---------------------------------------------------------------------------------------

def test_nothing_blocks_a_ready_stack(plan, state):
    report = preflight(plan, state)
    assert exit_code(report) == EXIT_OK and [f for f in report.findings if f.status == BLOCKING] == []
    unchecked = {f.resource for f in report.findings if f.status == UNCHECKED}
    assert "group:eu-analysts@daff.example" in unchecked  # groups are listed, not passed
    assert {"view dry run", "row filter dry run", "upstream port", "input source", "role", "principal"} <= \
        {f.kind for f in report.findings if f.status == OK}


def blocking(report):
    return [(f.kind, f.resource, f.message) for f in report.sorted() if f.status == BLOCKING]


OPS_TABLE = "daff-podcast-ops.events.podcast_played"
UPSTREAM = "daff-prod-listener-list-a78107.listener_demographics_demographics_v1"
DEM_RUNNER = f"run-podcast-demographics@{P_DEM}.iam.gserviceaccount.com"


def test_a_missing_operational_table_blocks(plan, state):
    del state.tables[OPS_TABLE]
    found = blocking(preflight(plan, state))
    assert ("input source", OPS_TABLE) in [(k, r) for k, r, _ in found]


def test_an_upstream_port_not_deployed_blocks(plan, state):
    del state.datasets[UPSTREAM]
    [(kind, resource, message)] = blocking(preflight(plan, state))
    assert kind == "upstream port" and "has not deployed major v1" in message


def test_an_upstream_port_without_this_runner_blocks(plan, state):
    access = state.datasets[UPSTREAM]["access"]
    access[:] = [e for e in access if e.get("userByEmail") != DEM_RUNNER]
    [(kind, _, message)] = blocking(preflight(plan, state))
    assert kind == "upstream port" and "has not granted" in message and DEM_RUNNER in message


def test_a_new_consumers_first_deploy_waits_for_the_producers_grant(plan, state):
    """docs/deploy.md: a new consumer's stack goes first (it creates the runner and its project), the
    producer's grants it after. Before that first ``up`` the runner and its project do not exist: the
    grant and the dry run as the reading project are unchecked, not blocking."""
    access = state.datasets[UPSTREAM]["access"]
    access[:] = [e for e in access if e.get("userByEmail") != DEM_RUNNER]
    state.projects = {P_CAT, UPSTREAM.split(".")[0], "daff-podcast-ops", "daff-audit"}  # not P_DEM
    for store in (state.datasets, state.tables, state.routines, state.row_policies):
        for key in [k for k in store if k.startswith(P_DEM)]:
            del store[key]
    iam = iam_ready(plan)
    iam.accounts.discard(DEM_RUNNER)
    report = preflight(plan, state, iam)
    assert blocking(report) == []
    waiting = {f.kind: f.message for f in report.findings if f.resource == f"{UPSTREAM}.demographics_v1"}
    assert set(waiting) == {"upstream port", "upstream dry run"}
    assert all(f.status == UNCHECKED and not f.failed for f in report.findings
               if f.resource == f"{UPSTREAM}.demographics_v1")
    assert "first `pulumi up`" in waiting["upstream port"] and "the producer grants it after" in waiting["upstream port"]


def test_an_upstream_view_without_a_column_read_blocks(plan, state):
    state.tables[f"{UPSTREAM}.demographics_v1"]["schema"]["fields"].pop()
    [(kind, _, message)] = blocking(preflight(plan, state))
    assert kind == "upstream port" and "lacks column" in message


def test_an_upstream_column_of_another_type_blocks(plan, state):
    field = state.tables[f"{UPSTREAM}.demographics_v1"]["schema"]["fields"][0]
    field["type"] = "BYTES"
    [(kind, _, message)] = blocking(preflight(plan, state))
    assert kind == "upstream port" and f"{field['name']} is BYTES, read as STRING" in message


def test_an_upstream_view_over_a_dropped_table_blocks(plan, state):
    """The view still exists, but BigQuery cannot compile it: found by dry-running what the product reads."""
    state.tables[f"{UPSTREAM}.demographics_v1"]["view"]["query"] = "SELECT * FROM `daff-x.gone.t`"
    [(kind, _, message)] = blocking(preflight(plan, state))
    assert kind == "upstream dry run" and "Not found: Table daff-x:gone.t" in message


def test_a_missing_consumer_runner_blocks(plan, state):
    iam = iam_ready(plan)
    iam.accounts.discard(YEAR_IN_REVIEW)
    [(kind, resource, message)] = blocking(preflight(plan, state, iam))
    assert (kind, resource) == ("principal", f"serviceAccount:{YEAR_IN_REVIEW}") and "does not exist" in message


def test_a_role_that_does_not_exist_or_is_not_grantable_blocks(plan, state):
    iam = iam_ready(plan)
    iam.roles.discard("roles/run.invoker")
    key = "//cloudkms.googleapis.com/projects/daff-security/locations/europe/keyRings/data-mesh/cryptoKeys/bigquery-eu"
    del iam.grantable[key]
    iam.grantable["//bigquery.googleapis.com/projects/daff-podcast-ops/datasets/events/tables/podcast_played"] = set()
    found = blocking(preflight(plan, state, iam))
    messages = [m for _, _, m in found]
    assert ("role", "roles/run.invoker") in [(k, r) for k, r, _ in found]
    assert any("the resource does not exist" in m and key in m for m in messages)
    assert any(m.startswith("not grantable on //bigquery.googleapis.com/projects/daff-podcast-ops") for m in messages)


def test_a_view_query_bigquery_refuses_blocks(plan, state):
    storage = state.tables[f"{P_CAT}.podcast_catalog_internal.episodes_v1"]["schema"]["fields"]
    storage[:] = [f for f in storage if f["name"] != "explicit"]
    found = blocking(preflight(plan, state))
    assert [(k, r) for k, r, _ in found] == [("view dry run", f"{EPISODES}.episodes_v1")]
    assert "Unrecognized name: explicit" in found[0][2]


def test_a_row_filter_bigquery_refuses_blocks(plan, state):
    fields = state.tables[STORAGE]["schema"]["fields"]
    fields[:] = [f for f in fields if f["name"] != "country"]
    found = {(k, r.split("/")[-1]) for k, r, m in blocking(preflight(plan, state)) if "country" in m}
    assert ("row filter dry run", "eu_only") in found


def test_on_a_first_deploy_queries_of_tables_the_stack_creates_wait(plan, state):
    for key in [k for k in state.tables if k.startswith((P_CAT, P_DEM))]:
        del state.tables[key]
    report = preflight(plan, state)
    waiting = [f for f in report.findings if f.kind in ("view dry run", "row filter dry run")]
    assert waiting and all(f.status == UNCHECKED and not f.failed and "after the first" in f.message for f in waiting)
    assert exit_code(report) == EXIT_OK


def test_an_iam_error_mid_way_leaves_checks_undone(plan, state):
    iam = iam_ready(plan)
    iam.fail.add("QueryGrantableRoles")
    report = preflight(plan, state, iam)
    failed = [f for f in report.findings if f.failed]
    assert failed and {f.kind for f in failed} == {"role"} and all("PermissionDenied" in f.message for f in failed)
    assert exit_code(report) == EXIT_INCOMPLETE and "nothing blocks" not in verdict(report)


def test_the_fakes_answer_501_to_what_they_do_not_model(state):
    import requests

    with FakeBigQuery(state) as bq:
        assert requests.get(f"{bq.endpoint}/bigquery/v2/projects/p/jobs").status_code == 501
        assert requests.post(f"{bq.endpoint}/bigquery/v2/projects/p/jobs",
                             json={"configuration": {"query": {"query": "SELECT 1"}}}).status_code == 501
    with FakeIam() as iam:
        from google.api_core.exceptions import MethodNotImplemented

        from meshplane.live.clients import iam_client

        with pytest.raises(MethodNotImplemented):
            iam_client(None, iam.endpoint).list_roles(request={})


# --- the commands ------------------------------------------------------------------------------------

def test_the_commands_against_the_fakes(plan, state, tmp_path, monkeypatch):
    state.datasets[EPISODES]["access"].append({"role": "READER", "specialGroup": "projectReaders"})
    with FakeBigQuery(state) as bq, FakeIam(iam_ready(plan)) as iam, FakeRest(rest_ready(plan)) as rest:
        monkeypatch.setenv("MESHPLANE_BIGQUERY_ENDPOINT", bq.endpoint)
        monkeypatch.setenv("MESHPLANE_IAM_ENDPOINT", iam.endpoint)
        monkeypatch.setenv("MESHPLANE_REST_ENDPOINT", rest.endpoint)
        monkeypatch.chdir(ROOT)
        runner = CliRunner()
        exported = tmp_path / "state.json"
        exported.write_text(render_state(export_document(plan.state, stack="podcast-prod", project="data-mesh")))
        # offline: the two sink writers and a row policy's Dataplex grantee are named by made-up numbers
        for given, unchecked in (["--state", str(exported)], 0), ([], 3):
            done = runner.invoke(main, ["audit", "--stack", "podcast-prod", *given, "--format", "json",
                                        "-o", str(tmp_path / "a.json")])
            assert done.exit_code == EXIT_LEAK, done.output
            document = json.loads((tmp_path / "a.json").read_text())
            assert document["exitCode"] == EXIT_LEAK and document["counts"]["leak"] == 1
            assert (document["counts"].get("unchecked", 0), "drift" in document["counts"]) == (unchecked, False)
        done = runner.invoke(main, ["preflight", "--stack", "podcast-prod", "--state", str(exported),
                                    "--format", "markdown"])
        assert done.exit_code == EXIT_OK and done.output.startswith("### meshplane preflight: `podcast-prod`")


@pytest.mark.parametrize("env", [{}, {"GOOGLE_APPLICATION_CREDENTIALS": "/nonexistent/key.json"}])
def test_without_credentials_one_line_and_its_own_exit_code(tmp_path, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "CLOUDSDK_", "MESHPLANE_"))}
    clean.update(HOME=str(tmp_path), CLOUDSDK_CONFIG=str(tmp_path / "gcloud"), NO_GCE_CHECK="true",
                 GCE_METADATA_HOST="127.0.0.1:9", PYTHONPATH=str(ROOT / "components"), **env)
    done = subprocess.run([sys.executable, "-m", "meshplane", "audit", "--stack", "podcast-prod"], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == EXIT_NO_CREDENTIALS, done.stderr
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "gcloud auth application-default login" in done.stderr and "workload identity" in done.stderr


# --- the README's example ----------------------------------------------------------------------------

README_SECTION = "## Live: a preflight before `pulumi up`, an audit after it"


def _readme_outputs() -> list[str]:
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(README_SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```text\n(.*?)```", section, re.S)


@pytest.mark.parametrize("command, code", [("audit", EXIT_LEAK), ("preflight", EXIT_BLOCKING)])
def test_the_readme_shows_what_the_demo_prints(command, code):
    """``tests/live_demo.py`` runs the real command against the fakes; the README shows its output
    (preflight: its blocking findings and verdict)."""
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "live_demo.py"), command], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "components")})
    assert done.returncode == code, done.stderr
    audit_shown, preflight_shown = _readme_outputs()
    if command == "audit":
        assert done.stdout == audit_shown
    else:
        shown = [line for line in done.stdout.splitlines() if line.startswith(("BLOCKING", "meshplane"))]
        assert shown == preflight_shown.splitlines()


def test_a_live_command_without_the_live_extra(monkeypatch):
    from meshplane.live import commands

    monkeypatch.setattr(commands, "_installed", lambda *modules: False)
    done = CliRunner().invoke(main, ["audit", "--stack", "podcast-prod"])
    assert done.exit_code == 2 and "pip install 'meshplane[live]'" in done.output
