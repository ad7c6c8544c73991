"""The component provider's ``Construct`` over gRPC, as the engine drives it: what each component
registers, compared with the Python components' own inventory for the same inputs, and the input
errors a bad input comes back as.

One plugin process serves the whole module (``provider_support.Plugin``). What this cannot prove: the
CLI's language host, and anything GCP does (the monitor answers with meshplane's GCP mocks).
"""

from __future__ import annotations

import json
from pathlib import Path

import grpc
import pytest

from components_support import ACCESS, DATASET, PROJECT, ROOT, comparable, fresh_run, run, stack_config
from helpers import BLUEPRINT_FILES, dump, port, product
from provider_support import ConstructRefused, Plugin
from meshplane.stack.data_product import DataProduct, DataProductArgs
from meshplane.declaration.loader import load_declaration
from meshplane.gcp.dataset import BigQueryDataset, BigQueryDatasetArgs
from meshplane.gcp.input_port import UpstreamPort
from meshplane.settings.platform import PlatformSettings

PLATFORM = stack_config("podcast-dev")["meshplane:platform"]
DEMOGRAPHICS = ROOT / "blueprints" / "podcast" / "podcast-demographics.yaml"


@pytest.fixture(scope="module")
def plugin():
    started = Plugin()
    yield started
    started.close()


def upstreams(path: Path = DEMOGRAPHICS) -> dict[str, str]:
    """An address for each input port of the declaration that reads another product."""
    return {p.name: f"up-proj.up_{p.name}.v{p.version}" for p in load_declaration(path).input_ports if p.data_product}


def construct(plugin, type_: str, name: str, inputs: dict, stack: str = "dev"):
    return plugin.construct(f"meshplane:index:{type_}", name, inputs, stack=stack)


def test_data_product_registers_what_the_python_component_does(plugin):
    outputs, wire = construct(plugin, "DataProduct", "demographics", {
        "declaration": DEMOGRAPHICS.read_text(encoding="utf-8"), "environment": "dev", "platform": PLATFORM,
        "upstreams": upstreams()})
    declaration = load_declaration(DEMOGRAPHICS)
    ups = {name: UpstreamPort(address, granted=True) for name, address in upstreams().items()}
    expected = run(lambda: DataProduct("demographics", DataProductArgs(
        product=declaration, environment="dev", platform=PlatformSettings.model_validate(PLATFORM), upstreams=ups)))
    assert len(wire.registrations) > 50
    assert comparable(wire) == comparable(expected)
    [project] = [r.inputs["projectId"] for r in expected.of_type(PROJECT)]
    assert outputs["projectId"] == project
    assert outputs["runnerEmail"] == f"run-podcast-demographics@{project}.iam.gserviceaccount.com"
    assert outputs["ports"] == {"demographics-v1": {
        "name": "demographics", "major": 1, "project": project, "dataset": "podcast_demographics_demographics_v1",
        "view": "demographics_v1", "address": f"{project}.podcast_demographics_demographics_v1.demographics_v1"}}
    assert outputs["descriptor"]["id"] == "podcast.podcast-demographics"


def test_data_product_reads_a_declaration_file(plugin):
    _, wire = construct(plugin, "DataProduct", "demographics", {
        "declarationFile": str(DEMOGRAPHICS), "environment": "dev", "platform": PLATFORM, "upstreams": upstreams()})
    [project] = wire.of_type(PROJECT)
    assert project.inputs["labels"]["data_product"] == "podcast-demographics"


def refusal(plugin, type_: str, inputs: dict) -> ConstructRefused:
    with pytest.raises(ConstructRefused) as caught:
        construct(plugin, type_, "bad", inputs)
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT, caught.value
    return caught.value


def test_fails_on_a_bad_declaration_naming_its_fields(plugin):
    doc = product("sales.orders", ports=[port(version="x")])
    doc["policies"]["location"] = "MARS"
    refused = refusal(plugin, "DataProduct", {"declaration": dump(doc), "environment": "dev", "platform": PLATFORM})
    assert sorted(refused.errors) == ["declaration.outputPorts.p.version", "declaration.policies.location"]
    assert "given 'MARS'" in refused.errors["declaration.policies.location"]
    assert refused.errors["declaration.policies.location"].startswith("line 15:13: not a BigQuery location")


def test_fails_on_bad_platform_settings_and_environment(plugin):
    platform = {**PLATFORM, "billingAccount": "nope", "maxTimeTravelHours": 12}
    refused = refusal(plugin, "DataProduct", {"declaration": DEMOGRAPHICS.read_text(encoding="utf-8"),
                                              "environment": "Dev!", "platform": platform})
    assert sorted(refused.errors) == ["environment"]  # the environment is checked first
    refused = refusal(plugin, "DataProduct", {"declaration": DEMOGRAPHICS.read_text(encoding="utf-8"),
                                              "environment": "dev", "platform": platform})
    assert sorted(refused.errors) == ["platform.billingAccount", "platform.maxTimeTravelHours"]


def test_fails_without_the_upstream_of_an_input_port(plugin):
    given = {**upstreams(), "nonsense": "a.b.c"}
    missing = sorted(given)[0] if sorted(given)[0] != "nonsense" else sorted(given)[1]
    del given[missing]
    refused = refusal(plugin, "DataProduct", {"declaration": DEMOGRAPHICS.read_text(encoding="utf-8"),
                                              "environment": "dev", "platform": PLATFORM, "upstreams": given})
    assert sorted(refused.errors) == sorted([f"upstreams.{missing}", "upstreams.nonsense"])


def test_fails_without_a_declaration_or_with_a_missing_file(plugin):
    refused = refusal(plugin, "DataProduct", {"environment": "dev", "platform": PLATFORM})
    assert list(refused.errors) == ["declaration"]
    refused = refusal(plugin, "DataProduct", {"declarationFile": "/nonexistent/x.yaml", "environment": "dev",
                                              "platform": PLATFORM})
    assert list(refused.errors) == ["declarationFile"]


DATASET_INPUTS = {"project": "p-proj", "datasetId": "d_x", "location": "EU", "labels": {"mesh_layer": "port"},
                  "maxTimeTravelHours": 96, "creator": "serviceAccount:deployer@p.iam.gserviceaccount.com",
                  "readers": ["group:readers@daff.example"], "writers": ["serviceAccount:w@p.iam.gserviceaccount.com"],
                  "metadataViewers": ["user:someone@daff.example"]}


def test_dataset_alone_starts_closed_with_its_grants_as_in_python(plugin):
    _, wire = construct(plugin, "BigQueryDataset", "ds", DATASET_INPUTS)

    def python():
        dataset = BigQueryDataset("ds", BigQueryDatasetArgs(
            project="p-proj", dataset_id="d_x", location="EU", labels={"mesh_layer": "port"}, max_time_travel_hours=96,
            creator="serviceAccount:deployer@p.iam.gserviceaccount.com"))
        dataset.grant_read("group:readers@daff.example")
        dataset.grant_write("serviceAccount:w@p.iam.gserviceaccount.com")
        dataset.grant_metadata("user:someone@daff.example")

    assert comparable(wire) == comparable(run(python))
    [dataset] = wire.of_type(DATASET)
    assert dataset.inputs["maxTimeTravelHours"] == "96"  # sent as 96.0: an int, not "96.0"
    assert dataset.inputs["accesses"] == [{"role": "OWNER", "userByEmail": "deployer@p.iam.gserviceaccount.com"}]
    assert dataset.protect and dataset.ignore_changes == ("accesses",)
    assert sorted(r.inputs["role"] for r in wire.of_type(ACCESS)) == ["READER", "WRITER", "roles/bigquery.metadataViewer"]


def test_fails_on_a_dataset_with_bad_principals_or_hours(plugin):
    refused = refusal(plugin, "BigQueryDataset", {**DATASET_INPUTS, "readers": ["allUsers"], "maxTimeTravelHours": 100.5})
    assert sorted(refused.errors) == ["maxTimeTravelHours", "readers[0]"]  # every problem at once
    refused = refusal(plugin, "BigQueryDataset", {**DATASET_INPUTS, "readers": ["group:ok@daff.example", "allUsers"],
                                                  "location": "MARS"})
    assert sorted(refused.errors) == ["location", "readers[1]"]
    refused = refusal(plugin, "BigQueryDataset", {**DATASET_INPUTS, "location": "MARS"})
    assert sorted(refused.errors) == ["location"]


def test_a_dataset_is_checked_as_bigquery_would_every_problem_at_once(plugin):
    refused = refusal(plugin, "BigQueryDataset", {
        **DATASET_INPUTS, "datasetId": "bad-id with spaces", "maxTimeTravelHours": 12, "kmsKeyName": "my-key",
        "labels": {"mesh_layer": "port", "Bad Key": "x", "owner": "Ann Smith"}})
    assert sorted(refused.errors) == ["datasetId", "kmsKeyName", "labels.Bad Key", "labels.owner", "maxTimeTravelHours"]
    assert refused.errors["datasetId"] == "not a BigQuery dataset id; given 'bad-id with spaces'; expected letters, " \
                                          "digits and '_', 1 to 1024 characters"
    assert refused.errors["maxTimeTravelHours"].startswith("not a time travel window; given 12; expected a whole "
                                                           "number of hours from 48 to 168")
    assert "not a GCP label value; given 'Ann Smith'" in refused.errors["labels.owner"]


@pytest.mark.parametrize("environment", [None, "prod", "staging"])
def test_the_purge_label_is_refused_without_a_non_production_environment(plugin, environment):
    inputs = {**DATASET_INPUTS, "labels": {"mesh_layer": "port", "purge": "true"}}
    refused = refusal(plugin, "BigQueryDataset", inputs | ({"environment": environment} if environment else {}))
    assert list(refused.errors) == ["labels.purge"]
    assert f"refused without a non-production environment; given environment {environment!r}" in \
        refused.errors["labels.purge"]


def test_the_purge_label_on_a_dev_dataset_lifts_its_protection(plugin):
    _, wire = construct(plugin, "BigQueryDataset", "ds", {
        **DATASET_INPUTS, "labels": {"mesh_layer": "port", "purge": "true"}, "environment": "dev"})
    [dataset] = wire.of_type(DATASET)
    assert not dataset.protect and dataset.inputs["deleteContentsOnDestroy"] is True


def without_stack_component(inventory) -> list[str]:
    """Each registration as comparable text, the DomainStack left out of URNs and parents."""
    def strip(urn: str) -> str:
        return urn.replace("meshplane:index:DomainStack$", "")

    rows = []
    for r in inventory.registrations:
        if r.type == "meshplane:index:DomainStack":
            continue
        parent = "" if r.parent.split("::")[2:3] == ["meshplane:index:DomainStack"] else strip(r.parent)
        rows.append(json.dumps([strip(r.urn), r.type, r.name, parent, r.inputs, r.protect, r.retain_on_delete,
                                sorted(strip(d) for d in r.dependencies if "DomainStack::" not in d),
                                sorted(strip(a) for a in r.aliases)], sort_keys=True))
    return sorted(rows)


def test_domain_stack_builds_what_the_stack_program_does(plugin):
    config = stack_config("podcast-dev")
    texts = [path.read_text(encoding="utf-8") for path in BLUEPRINT_FILES]
    outputs, wire = construct(plugin, "DomainStack", "podcast", {
        "domain": config["meshplane:domain"], "environment": config["meshplane:environment"],
        "platform": config["meshplane:platform"], "declarations": texts}, stack="podcast-dev")
    program = fresh_run("podcast-dev")
    assert without_stack_component(wire) == without_stack_component(program)
    assert sorted(outputs["descriptors"]) == sorted(program.outputs) == sorted(outputs["projectIds"])
    assert outputs["descriptors"] == json.loads(json.dumps(program.outputs))


def test_fails_on_a_bad_declaration_in_a_domain_stack(plugin):
    texts = [path.read_text(encoding="utf-8") for path in BLUEPRINT_FILES]
    index = next(i for i, path in enumerate(BLUEPRINT_FILES) if path == DEMOGRAPHICS)
    texts[index] = texts[index].replace("location: EU", "location: MARS", 1)
    refused = refusal(plugin, "DomainStack", {"domain": "podcast", "environment": "dev", "platform": PLATFORM,
                                              "declarations": texts})
    assert f"declarations[{index}].policies.location" in refused.errors


def test_fails_on_what_the_platform_refuses_of_a_declaration(plugin):
    platform = {k: v for k, v in PLATFORM.items() if k != "kmsKeys"}
    refused = refusal(plugin, "DataProduct", {"declarationFile": str(DEMOGRAPHICS), "environment": "dev",
                                              "platform": platform, "upstreams": upstreams()})
    assert list(refused.errors) == ["declarationFile.policies.encryption"]
    assert refused.errors["declarationFile.policies.encryption"].startswith(f"{DEMOGRAPHICS}:")
    assert "no KMS key for location 'EU'" in refused.errors["declarationFile.policies.encryption"]


def test_domain_stack_reads_globs_and_warns_of_problems_elsewhere(plugin, tmp_path):
    for path in BLUEPRINT_FILES:
        (tmp_path / path.parent.name).mkdir(exist_ok=True)
        (tmp_path / path.parent.name / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "player" / "skip-rates.yaml"  # no podcast product reads it or is read by it
    broken.write_text(broken.read_text(encoding="utf-8").replace("location: EU", "location: MARS", 1), encoding="utf-8")
    logged = len(plugin.engine.logs)
    outputs, _ = construct(plugin, "DomainStack", "podcast", {
        "domain": "podcast", "environment": "dev", "platform": PLATFORM, "products": ["*/*.yaml"],
        "root": str(tmp_path)}, stack="podcast-dev")
    assert sorted(outputs["descriptors"]) == sorted(fresh_run("podcast-dev").outputs)
    warnings = [message for _, message in plugin.engine.logs[logged:] if "elsewhere in the mesh" in message]
    assert len(warnings) == 1 and "skip-rates.yaml" in warnings[0] and "policies.location" in warnings[0]


def test_fails_on_a_domain_stack_without_declarations_naming_the_input(plugin):
    refused = refusal(plugin, "DomainStack", {"domain": "podcast", "environment": "dev", "platform": PLATFORM,
                                              "declarations": []})
    assert list(refused.errors) == ["declarations"] and "given []" in refused.errors["declarations"]


def test_fails_on_a_domain_stack_whose_globs_match_nothing(plugin, tmp_path):
    refused = refusal(plugin, "DomainStack", {"domain": "podcast", "environment": "dev", "platform": PLATFORM,
                                              "products": ["nothing/*.yaml"], "root": str(tmp_path)})
    assert list(refused.errors) == ["products"]
    refused = refusal(plugin, "DomainStack", {"domain": "podcast", "environment": "dev", "platform": PLATFORM,
                                              "products": ["*/*.yaml"]})
    assert list(refused.errors) == ["root"]


