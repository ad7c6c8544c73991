"""``preflight``'s existence checks over REST (``live/rest_reads``, ``live/exists``) against the local
fake (``live_rest_fake``): Cloud Storage prefixes and Pub/Sub topics input ports read, and the KMS key,
policy tags and data policies the stack config names. Each kind exists, is missing, or its API fails.

listener-prod reads a Cloud Storage prefix (gs://daff-listener-ops/exports/profiles/), player-prod a
Pub/Sub topic; both name the platform's EU key, policy tags and data policies.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import requests
from live_rest_fake import FakeRest
from live_support import deployed, fakes, iam_ready, real_state, rest_ready, upstream_ready

from meshplane.live.expected import expected_state
from meshplane.live.findings import BLOCKING, EXIT_BLOCKING, EXIT_INCOMPLETE, EXIT_OK, OK, UNCHECKED, exit_code, verdict
from meshplane.live.run import preflight_report, real_numbers
from meshplane.plan.run import plan_stack

ROOT = Path(__file__).resolve().parents[1]
PREFIX, BUCKET = "gs://daff-listener-ops/exports/profiles/", "daff-listener-ops"
TOPIC = "projects/daff-player-ops/topics/play-events"
KEY = "projects/daff-security/locations/europe/keyRings/data-mesh/cryptoKeys/bigquery-eu"
TAG = "projects/daff-governance/locations/eu/taxonomies/1001/policyTags/2001"
POLICY = "projects/daff-governance/locations/eu/dataPolicies/restricted_sha256"


def ready(stack: str):
    offline = plan_stack(stack, ROOT / "stacks")
    plan = plan_stack(stack, ROOT / "stacks", state=real_state(offline))
    state = deployed(expected_state(plan.inventory.registrations, numbers=real_numbers(plan.state)))
    upstream_ready(offline, state)
    return plan, state, iam_ready(offline), rest_ready(offline)


@pytest.fixture(scope="module")
def stacks():
    return {stack: ready(stack) for stack in ("listener-prod", "player-prod")}


def preflight(stacks, stack: str, breaks=lambda rest: None):
    plan, state, iam, rest = copy.deepcopy(stacks[stack])
    breaks(rest)
    with fakes(state, iam, rest) as clients:
        return preflight_report(plan, clients), rest


def about(report, resource):
    return [(f.kind, f.status, f.failed, f.message) for f in report.findings if f.resource == resource]


@pytest.mark.parametrize("stack, resource, kind, says", [
    ("listener-prod", PREFIX, "input source", "objects are under the prefix"),
    ("player-prod", TOPIC, "input source", "the topic exists"),
    ("listener-prod", KEY, "platform config", "KMS key for EU: exists"),
    ("listener-prod", TAG, "platform config", "policy tag for EU: exists"),
    ("player-prod", POLICY, "platform config", "data policy for EU: exists"),
])
def test_each_kind_exists(stacks, stack, resource, kind, says):
    report, rest = preflight(stacks, stack)
    [(found_kind, status, failed, message)] = about(report, resource)
    assert (found_kind, status, failed) == (kind, OK, False) and says in message
    assert exit_code(report) == EXIT_OK
    assert not [f for f in report.findings if f.status == UNCHECKED and "not a meshplane dependency" in f.message]


def test_a_prefix_is_listed_with_one_result(stacks):
    _, rest = preflight(stacks, "listener-prod")
    assert f"GET /storage/v1/b/{BUCKET}/o" in rest.calls and f"GET /v1/{KEY}" in rest.calls


def _drop_bucket(rest):
    del rest.objects[BUCKET]


@pytest.mark.parametrize("stack, resource, breaks, says", [
    ("listener-prod", PREFIX, _drop_bucket, f"the bucket gs://{BUCKET} does not exist"),
    ("player-prod", TOPIC, lambda rest: rest.resources.discard(TOPIC), "the Pub/Sub topic does not exist"),
    ("listener-prod", KEY, lambda rest: rest.resources.discard(KEY), "the KMS key for EU does not exist"),
    ("listener-prod", TAG, lambda rest: rest.resources.discard(TAG), "the policy tag for EU does not exist"),
    ("player-prod", POLICY, lambda rest: rest.resources.discard(POLICY), "the data policy for EU does not exist"),
])
def test_a_missing_one_blocks(stacks, stack, resource, breaks, says):
    report, _ = preflight(stacks, stack, breaks)
    [(_, status, failed, message)] = about(report, resource)
    assert (status, failed) == (BLOCKING, False) and says in message
    assert [f.resource for f in report.findings if f.status == BLOCKING] == [resource]
    assert exit_code(report) == EXIT_BLOCKING


def test_an_empty_prefix_is_a_warning_not_blocking(stacks):
    """``pulumi up`` only grants on the bucket: no object under the prefix yet does not make it fail."""
    report, _ = preflight(stacks, "listener-prod", lambda rest: rest.objects.update({BUCKET: ["elsewhere/a.csv"]}))
    [(_, status, failed, message)] = about(report, PREFIX)
    assert (status, failed) == (UNCHECKED, False) and "no object is under the prefix" in message
    assert exit_code(report) == EXIT_OK


@pytest.mark.parametrize("stack, resource, path, code", [
    ("listener-prod", PREFIX, f"/storage/v1/b/{BUCKET}", 403),
    ("player-prod", TOPIC, "/v1/projects/daff-player-ops/topics", 403),
    ("listener-prod", KEY, "/v1/projects/daff-security/locations/europe/keyRings", 503),
    ("listener-prod", TAG, "/v1/projects/daff-governance/locations/eu/taxonomies", 403),
    ("player-prod", POLICY, "/v1/projects/daff-governance/locations/eu/dataPolicies", 500),
])
def test_an_api_error_leaves_it_unchecked_and_the_run_incomplete(stacks, stack, resource, path, code):
    report, _ = preflight(stacks, stack, lambda rest: rest.fail.update({path: code}))
    [(_, status, failed, message)] = about(report, resource)
    assert (status, failed) == (UNCHECKED, True) and f"HTTP {code}" in message
    assert exit_code(report) == EXIT_INCOMPLETE and "nothing blocks" not in verdict(report)


def test_a_network_error_leaves_it_unchecked(stacks):
    """Nothing listens at the endpoint: every REST read fails, and says so."""
    plan, state, iam, _ = copy.deepcopy(stacks["player-prod"])
    with fakes(state, iam) as clients:
        clients.rest.endpoint = "http://127.0.0.1:9"
        report = preflight_report(plan, clients)
    found = about(report, TOPIC) + about(report, KEY)
    assert found and all(s == UNCHECKED and failed and "ConnectionError" in m for _, s, failed, m in found)
    assert exit_code(report) == EXIT_INCOMPLETE


def test_the_fake_answers_501_to_what_it_does_not_model():
    with FakeRest() as rest:
        assert requests.get(f"{rest.endpoint}/v1/projects/p/subscriptions/s").status_code == 501
        assert requests.get(f"{rest.endpoint}/storage/v1/b/b").status_code == 501
        assert requests.post(f"{rest.endpoint}/v1/projects/p/topics/t:publish", json={}).status_code == 501
        assert requests.get(f"{rest.endpoint}/v1/projects/p/topics/t").status_code == 404


def test_without_an_endpoint_the_reads_go_to_googles_hosts_with_the_credentials(monkeypatch):
    from google.auth.credentials import AnonymousCredentials
    from google.auth.transport.requests import AuthorizedSession

    from meshplane.live.rest_reads import rest_session

    monkeypatch.delenv("MESHPLANE_REST_ENDPOINT", raising=False)
    session = rest_session(AnonymousCredentials())
    assert isinstance(session.session, AuthorizedSession)
    assert [session.url(s, "/v1/x") for s in ("pubsub", "kms", "datacatalog", "datapolicy")] == [
        "https://pubsub.googleapis.com/v1/x", "https://cloudkms.googleapis.com/v1/x",
        "https://datacatalog.googleapis.com/v1/x", "https://bigquerydatapolicy.googleapis.com/v1/x"]
    assert session.url("storage", "/storage/v1/b/b/o") == "https://storage.googleapis.com/storage/v1/b/b/o"
