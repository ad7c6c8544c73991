"""Environments (docs/environments.md): a declaration names production; other stacks read their own sources,
grant their own consumers, and read an upstream only where it is served, or as the overlay says.

What mocks cannot prove: that the dev projects and buckets the platform maps hold the dev copies, nor that
a production stack granting a dev runner succeeds before the dev stack created it (IAM refuses unknown
members: the reading environment deploys first).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from components_support import (
    ACCESS, BUCKET_IAM, PROJECT, STACKS_DIR, TABLE_IAM, fresh_run, model, of_type, repository_copy, run_stack,
    runner, settings, stack_config,
)
from meshplane.product import addresses
from meshplane.settings import environments
from meshplane.interop.dbt_scaffold import Defaults
from meshplane.cli.main import main as cli
from meshplane.declaration.loader import read_source
from meshplane.declaration.rules import check_product
from meshplane.governance.environment_checks import check_environment
from meshplane.settings.platform import PlatformSettings
from meshplane.plan.run import plan_stack
from meshplane.stack.program import effective
from meshplane.mesh.stack_order import is_built

DEMOGRAPHICS = "blueprints/podcast/podcast-demographics.yaml"
PROD_PRINCIPALS = {"group:podcast-analysts@daff.example", "group:eu-analysts@daff.example",
                   "group:all-employees@daff.example"}


def platform(**changes) -> PlatformSettings:
    """The dev stack's platform settings with ``changes`` (camelCase keys) merged in."""
    return PlatformSettings.model_validate({**stack_config("podcast-dev")["meshplane:platform"], **changes})


def demographics_source(tmp_path, edit=lambda text: text):
    """The demographics declaration, edited, as a located source."""
    path = tmp_path / "podcast-demographics.yaml"
    path.write_text(edit((STACKS_DIR.parent / DEMOGRAPHICS).read_text()), encoding="utf-8")
    source, problems = read_source(path)
    assert not problems, problems
    return source, path.read_text().splitlines()


def line_of(lines: list[str], text: str) -> int:
    return next(i for i, line in enumerate(lines, 1) if text in line)


# --- operational sources are environment-scoped -----------------------------------------------------

def test_dev_reads_the_dev_copy_of_each_operational_source():
    grants = {r.inputs["project"]: r.inputs["member"] for r in of_type(run_stack("podcast-dev"), TABLE_IAM)
              if r.name.endswith("-read") and "-ops" in r.inputs["project"]}
    assert set(grants) == {"daff-podcast-ops-dev"}  # catalog's episodes, demographics' events and fixture
    prod = {r.inputs["project"] for r in of_type(run_stack("podcast-prod"), TABLE_IAM)
            if r.name.endswith("-read") and "-ops" in r.inputs["project"]}
    assert prod == {"daff-podcast-ops"}  # production reads the declared, production addresses


@pytest.mark.parametrize("mapping, why", [
    ({}, "the production project 'daff-podcast-ops' is not mapped for the dev environment (platform settings "
         "environments.dev.operationalProjects)"),
    ({"daff-podcast-ops": "daff-player-ops"}, "the project 'daff-podcast-ops' maps to the production project "
                                              "'daff-player-ops' in dev"),
])
def test_fails_a_production_source_in_dev(tmp_path, mapping, why):
    source, lines = demographics_source(tmp_path)
    dev = {"domains": ["podcast"], "operationalProjects": mapping}
    [problem] = [p for p in check_environment(source, platform(environments={"dev": dev}), "dev")
                 if p.field.startswith("inputPorts.podcast_events")]
    assert problem.line == line_of(lines, "bigqueryTable: daff-podcast-ops.events")
    assert str(problem).endswith(f"inputPorts.podcast_events.bigqueryTable: production data outside production: "
                                 f"{why}; given 'daff-podcast-ops.events.podcast_played'; expected the environment's "
                                 "copy of the source, an overlay environments.dev.inputPorts.podcast_events, or a "
                                 "governance productionReads rule for this product, input port and environment")


def test_governance_may_allow_a_production_source_in_dev_explicitly(tmp_path):
    source, _ = demographics_source(tmp_path)
    rule = {"product": "podcast", "inputPorts": ["podcast_events"], "environments": ["dev"], "reason": "masked copy"}
    dev = {"domains": ["podcast"], "operationalProjects": {"daff-fixtures": "daff-podcast-ops-dev"}}
    settings_ = platform(environments={"dev": dev},
                         governance={**platform().governance.model_dump(by_alias=True), "productionReads": [rule]})
    assert check_environment(source, settings_, "dev") == []
    ported = environments.for_environment(source.product, settings_, "dev")
    assert ported.input_ports[1].bigquery_table == "daff-podcast-ops.events.podcast_played"  # production, allowed
    assert check_environment(source, settings_, "test")  # only in the environments the rule names


# --- upstream ports resolve in the same environment ---------------------------------------------------

def test_fails_an_upstream_whose_domain_has_no_stack_in_the_environment(tmp_path):
    source, lines = demographics_source(tmp_path, lambda t: t.split("\nenvironments:")[0] + "\n")
    [problem] = check_environment(source, platform(), "dev")
    assert problem.line == line_of(lines, "dataProduct: listener.listener-demographics")
    assert "the listener domain has no stack in dev, so listener.listener-demographics demographics v1 is not " \
           "served there; given no overlay for 'listener_demographics'; expected environments.dev.inputPorts." \
           "listener_demographics with a source of the environment" in problem.message


def test_fails_reading_an_upstream_from_production_without_governance(tmp_path):
    source, lines = demographics_source(tmp_path, lambda t: t.replace(
        "bigqueryTable: daff-podcast-ops-dev.fixtures.listener_demographics", "fromEnvironment: prod"))
    [problem] = check_environment(source, platform(), "dev")
    assert problem.line == line_of(lines, "fromEnvironment: prod")
    assert problem.message == ("production data outside production; given fromEnvironment: 'prod' in dev; expected "
                               "a governance productionReads rule for podcast.podcast-demographics, input port "
                               "'listener_demographics', environment 'dev'")


def test_an_allowed_production_upstream_is_read_masked_and_granted_by_production(tmp_path):
    """The overlay's fallback, allowed by governance: dev reads the prod view; prod grants the dev runner,
    as a principal without raw access (the masked view), and only in the production stack."""
    source, _ = demographics_source(tmp_path, lambda t: t.replace(
        "bigqueryTable: daff-podcast-ops-dev.fixtures.listener_demographics", "fromEnvironment: prod"))
    rule = {"product": "podcast.podcast-demographics", "environments": ["dev"], "reason": "no dev listeners"}
    governance = {**platform().governance.model_dump(by_alias=True), "productionReads": [rule]}
    plat = platform(governance=governance)
    assert check_environment(source, plat, "dev") == []
    prod = settings("listener-prod").model_copy(update={"platform": plat})
    mesh = plan_stack("listener-prod", STACKS_DIR, preview=False).mesh
    mesh.sources[source.product.id] = source
    granted = effective(model("listener.listener-demographics"), mesh, prod).output_ports[0].consumers
    dev_runner = addresses.runner_principal(source.product, plat, "dev")
    [reader] = [c for c in granted if c.principal == dev_runner]
    assert not reader.raw_access and "podcast.podcast-demographics in dev" in reader.purpose
    dev = settings("podcast-dev").model_copy(update={"platform": plat})
    # the dbt scaffold names the production port, as the job reads it
    upstream = model("listener.listener-demographics")
    scaffolded = Defaults.of(source.product, mesh, dev).inputs["listener_demographics"]
    assert scaffolded == addresses.port_address(upstream, upstream.output_ports[0], plat, "prod")
    assert effective(model("listener.listener-demographics"), mesh, dev).output_ports[0].consumers == \
        model("listener.listener-demographics").output_ports[0].consumers[:0] + [
            c for c in model("listener.listener-demographics").output_ports[0].consumers if c.data_product]


# --- consumers are per environment ----------------------------------------------------------------------

def test_dev_grants_dev_principals_only():
    inv = run_stack("podcast-dev")
    members = {r.inputs.get("iamMember") or r.inputs.get("groupByEmail") or r.inputs.get("member")
               for r in inv.registrations if r.type in (ACCESS, TABLE_IAM, BUCKET_IAM)}
    assert not {m for m in members if m and m.removeprefix("group:") in {p.split(":")[1] for p in PROD_PRINCIPALS}}
    assert "podcast-data-devs@daff.example" in members  # the overlay's consumer
    assert not [m for m in members if m and "playlist" in m]  # no stack of playlist in dev: not granted
    assert all("-dev-" in r.inputs["projectId"] for r in of_type(inv, PROJECT))


def test_the_dev_overlay_sets_the_schedule_and_keeps_production_as_declared():
    dev = effective(model("podcast.podcast-demographics"), None, settings("podcast-dev"))
    assert dev.transformation.dbt.schedule.cron == "0 6 * * 1-5"
    assert [c.principal or c.data_product for c in dev.output_ports[0].consumers] == [
        "playlist.monday-playlists", "group:podcast-data-devs@daff.example"]  # the product: where it is built
    assert dev.output_ports[0].row_filters == []  # its grantee is no consumer in dev
    prod = settings("podcast-prod")
    assert effective(model("podcast.podcast-demographics"), plan_stack("podcast-prod", STACKS_DIR, preview=False).mesh,
                     prod) == model("podcast.podcast-demographics")


def test_dev_order_passes_once_the_platform_lists_the_dev_domains():
    code = CliRunner().invoke(cli, ["order", "--env", "dev", "--check", "--stacks-dir", str(STACKS_DIR)])
    assert code.exit_code == 0, code.output
    assert not is_built(model("playlist.monday-playlists"), settings("podcast-dev"))
    assert is_built(model("playlist.monday-playlists"), settings("podcast-prod"))


@pytest.mark.parametrize("overlay, field, message", [
    ({"consumers": {"nope": []}}, "consumers.nope", "no such output port; given 'nope'"),
    ({"consumers": {"episodes": [{"dataProduct": "charts.top-forty"}]}}, "consumers.episodes.0",
     "an environment's consumer is a principal with a purpose"),
    ({"inputPorts": {"episodes": {}}}, "inputPorts.episodes", "an input port reads one source per environment"),
    ({"inputPorts": {"nope": {"fromEnvironment": "prod"}}}, "inputPorts.nope", "no such input port"),
])
def test_fails_an_overlay_naming_what_the_declaration_lacks(overlay, field, message):
    product = model("podcast.podcast-catalog").model_copy(
        update={"environments": {"dev": environments.EnvironmentOverlay.model_validate(overlay)}})
    [finding] = check_product(product)
    assert ".".join(map(str, finding.path)) == f"environments.dev.{field}" and finding.message.startswith(message)


# --- a pre-production tier is production-like ------------------------------------------------------------

def test_staging_is_protected_and_governed_like_production(tmp_path):
    root = repository_copy(tmp_path)
    config = stack_config("podcast-dev")
    text = (root / "stacks/Pulumi.podcast-dev.yaml").read_text().replace("meshplane:environment: dev",
                                                                          "meshplane:environment: staging")
    (root / "stacks/Pulumi.podcast-staging.yaml").write_text(text.replace("      dev:\n", "      staging:\n"))
    staging = settings("podcast-dev").model_copy(update={"environment": "staging"})
    assert staging.is_production and not environments.is_production(staging.platform, "staging")
    draft = model("podcast.podcast-catalog").model_copy(update={"status": "draft"})
    assert not is_built(draft, staging)  # drafts are not built, as in production
    inv = fresh_run("podcast-staging", config={**config, "meshplane:environment": "staging", "meshplane:platform": {
        **config["meshplane:platform"], "environments": {"staging": {
            **config["meshplane:platform"]["environments"]["dev"], "domains": ["podcast", "listener"]}}}},
        root=root)
    assert {r.inputs["deletionPolicy"] for r in of_type(inv, PROJECT)} == {"PREVENT"}
    assert {r.inputs["project"] for r in of_type(inv, TABLE_IAM)
            if r.name.endswith("-read") and "-ops" in r.inputs["project"]} == {"daff-podcast-ops-dev"}


# --- an S3 source is production's: no environment maps it ---------------------------------------------

S3_PORT = """  - name: podcast_events
    s3:
      uri: s3://partner-exports/podcast/events/
      region: eu-west-1
      roleArn: arn:aws:iam::210987654321:role/daff-reader
      format: JSON
      schedule: "0 3 * * *"
"""


def s3_demographics(text: str) -> str:
    start = text.index("  - name: podcast_events")
    end = text.index("outputPorts:")
    return text[:start] + S3_PORT + text[end:]


def test_fails_an_s3_source_in_dev_without_an_overlay(tmp_path):
    source, lines = demographics_source(tmp_path, s3_demographics)
    [problem] = [p for p in check_environment(source, platform(), "dev") if "podcast_events" in p.field]
    assert problem.line == line_of(lines, "uri: s3://partner-exports")  # the s3 mapping starts there
    assert str(problem).endswith("inputPorts.podcast_events.s3: production data outside production: the S3 source "
                                 "'s3://partner-exports/podcast/events/' is production's (no environment maps an S3 "
                                 "bucket); given 's3://partner-exports/podcast/events/'; expected the environment's "
                                 "copy of the source, an overlay environments.dev.inputPorts.podcast_events, or a "
                                 "governance productionReads rule for this product, input port and environment")


def test_an_s3_source_reads_an_overlay_s_copy_in_dev(tmp_path):
    overlay = ("    inputPorts:\n      podcast_events:\n        gcsPrefix: gs://daff-podcast-ops-dev/events/\n"
               "      listener_demographics:")
    source, _ = demographics_source(tmp_path, lambda t: s3_demographics(t).replace(
        "    inputPorts:                      # listener has no dev stack: read the podcast domain's dev fixture\n"
        "      listener_demographics:", overlay))
    assert [p for p in check_environment(source, platform(), "dev") if "podcast_events" in p.field] == []
    ported = environments.for_environment(source.product, platform(), "dev")
    port = next(p for p in ported.input_ports if p.name == "podcast_events")
    assert (port.s3, port.gcs_prefix) == (None, "gs://daff-podcast-ops-dev/events/")
