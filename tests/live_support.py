"""A stack deployed as planned, in the fakes' state: what the tests of ``preflight`` and ``audit`` start
from and then break one way at a time."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from contextlib import contextmanager

from live_fakes import BigQueryState, FakeBigQuery, FakeIam, IamState
from live_rest_fake import FakeRest, RestState

from meshplane.gcpmodel.table_schema import view_schema_read
from meshplane.live.acl import LEGACY_ROLES
from meshplane.live.clients import Clients, bigquery_client, iam_client
from meshplane.live.exists import split_gcs
from meshplane.live.expected import Expected, expected_state
from meshplane.live.grants import ancestors, is_service_agent, members, plan_grants
from meshplane.live.rest_reads import rest_session
from meshplane.live.sources import platform_resources, stack_sources


def rest_entry(entry: dict) -> dict:
    """A planned access entry as BigQuery answers it: legacy role names, ``dataset`` for authorized ones."""
    out = {k: v for k, v in entry.items() if k not in ("authorizedDataset", "role")}
    if entry.get("authorizedDataset"):
        out["dataset"] = entry["authorizedDataset"]
    if entry.get("role"):
        out["role"] = LEGACY_ROLES.get(entry["role"], entry["role"])
    return out


def rest_table(key: tuple[str, str, str], planned: dict) -> dict:
    p, d, t = key
    out = {"kind": "bigquery#table", "tableReference": {"projectId": p, "datasetId": d, "tableId": t}, "type": "TABLE"}
    query = (planned.get("view") or {}).get("query")
    if query:
        out.update(type="VIEW", view={"query": query, "useLegacySql": False})
        fields = json.loads(view_schema_read(planned["schema"])) if planned.get("schema") else []
    else:
        fields = json.loads(planned.get("schema") or "[]")
    out["schema"] = {"fields": fields}
    if planned.get("timePartitioning"):
        tp = planned["timePartitioning"]
        out["timePartitioning"] = {"type": tp.get("type", "DAY"), **({"field": tp["field"]} if tp.get("field") else {})}
        if tp.get("expirationMs"):
            out["timePartitioning"]["expirationMs"] = str(int(float(tp["expirationMs"])))
    if planned.get("encryptionConfiguration"):
        out["encryptionConfiguration"] = {"kmsKeyName": planned["encryptionConfiguration"]["kmsKeyName"]
                                          + "/cryptoKeyVersions/1"}
    return out


def real_state(plan) -> dict:
    """The state a real ``pulumi up`` of ``plan`` leaves, in one way the plan cannot know: every project
    it creates has a number of GCP's, not the one the mocks make up (``plan/mocks.project_number``)."""
    from meshplane.gcpmodel.state import simulate_up

    state = simulate_up(plan.inventory.registrations)
    for urn, s in state.items():
        if s.type == "gcp:organizations/project:Project":
            number = str(300_000_000_000 + int(hashlib.sha256(f"real {urn}".encode()).hexdigest()[:9], 16))
            state[urn] = dataclasses.replace(s, outputs={**s.outputs, "number": number})
    return state


def deployed(expected: Expected) -> BigQueryState:
    """The stack's BigQuery resources exactly as ``expected`` (from a plan made against the deployed
    state, ``real_state``, so that members named by project numbers are GCP's)."""
    state = BigQueryState()
    for (p, d), ds in expected.datasets.items():
        state.datasets[f"{p}.{d}"] = {"kind": "bigquery#dataset", "datasetReference": {"projectId": p, "datasetId": d},
                                      "location": ds.location or "EU", "access": [rest_entry(e) for e in ds.entries]}
    for key, planned in expected.tables.items():
        state.tables[".".join(key)] = rest_table(key, planned)
    for (p, d, r), planned in expected.routines.items():
        state.routines[f"{p}.{d}.{r}"] = {
            "routineReference": {"projectId": p, "datasetId": d, "routineId": r},
            "routineType": planned.get("routineType"), "language": planned.get("language", "SQL"),
            "definitionBody": planned.get("definitionBody")}
    for (p, d, t), policies in expected.row_policies.items():
        state.row_policies[f"{p}.{d}.{t}"] = [
            {"rowAccessPolicyReference": {"projectId": p, "datasetId": d, "tableId": t, "policyId": pid},
             "filterPredicate": policy["filterPredicate"], "grantees": list(policy.get("grantees") or [])}
            for pid, policy in sorted(policies.items())]
    return state


def upstream_ready(plan, state: BigQueryState) -> None:
    """Add what the stack reads: operational tables, and upstream port views granting its runners."""
    for s in stack_sources(plan.mesh, plan.settings):
        if s.kind == "bigquery_table":
            p, d, t = s.address.split(".")
            state.tables[s.address] = {"tableReference": {"projectId": p, "datasetId": d, "tableId": t},
                                       "schema": {"fields": [{"name": "id", "type": "STRING"}]}}
        elif s.kind == "data_product":
            p, d, t = s.address.split(".")
            ds = state.datasets.setdefault(f"{p}.{d}", {"datasetReference": {"projectId": p, "datasetId": d},
                                                        "location": "EU", "access": []})
            ds["access"].append({"role": "READER", "userByEmail": s.runner.partition(":")[2]})
            state.tables.setdefault(s.address, {
                "tableReference": {"projectId": p, "datasetId": d, "tableId": t}, "type": "VIEW",
                "view": {"query": "SELECT 1"}, "schema": {"fields": [{"name": n, "type": ty} for n, ty in s.columns]}})


def iam_ready(plan) -> IamState:
    """Every principal the stack grants exists, every role exists and is grantable where it is granted."""
    expected = expected_state(plan.inventory.registrations)
    grants = plan_grants(plan.inventory.registrations, expected)
    state = IamState()
    for member in members(plan.inventory.registrations, grants):
        kind, _, email = member.partition(":")
        if kind == "serviceAccount" and not is_service_agent(email):
            state.accounts.add(email)
    for g in grants:
        state.roles.add(g.role)
        for where in ancestors(g, plan.settings.platform.organization_id, expected.projects):
            state.grantable.setdefault(where, set()).add(g.role)
    return state


def rest_ready(plan) -> RestState:
    """Every Cloud Storage prefix the stack reads has an object under it, every Pub/Sub topic it reads
    exists, and so do the KMS keys, policy tags and data policies its config names for its data."""
    state = RestState()
    for s in stack_sources(plan.mesh, plan.settings):
        if s.kind == "gcs_prefix":
            bucket, prefix = split_gcs(s.address)
            state.objects.setdefault(bucket, []).append(prefix + "part-00000.parquet")
        elif s.kind == "pubsub_topic":
            state.resources.add(s.address)
    locations = {d.location for d in expected_state(plan.inventory.registrations).datasets.values() if d.location}
    state.resources |= {name for _, _, name in platform_resources(plan.settings, locations)}
    return state


@contextmanager
def fakes(bq_state: BigQueryState, iam_state: IamState | None = None, rest_state: RestState | None = None):
    """The three fakes running, and real clients pointed at them (anonymous credentials)."""
    from google.auth.credentials import AnonymousCredentials

    with FakeBigQuery(bq_state) as bq, FakeIam(iam_state or IamState()) as iam, FakeRest(rest_state) as rest:
        credentials = AnonymousCredentials()
        clients = Clients(bigquery_client("meshplane-test", credentials, bq.endpoint),
                          iam_client(credentials, iam.endpoint), rest_session(credentials, rest.endpoint))
        try:
            yield clients
        finally:
            clients.iam.transport.close()  # before the server stops: no GOAWAY on stderr
            clients.rest.close()
