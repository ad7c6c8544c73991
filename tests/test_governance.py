"""Global policies (``check_governance``): each rule passes a compliant declaration and refuses a
non-compliant one at the located field, in the user's own keys."""

from __future__ import annotations

import pytest
from helpers import dump, port, pos, product, shown

from meshplane.declaration.loader import source_from_text
from meshplane.governance import check_governance
from meshplane.settings.platform import GovernanceSettings

FILE = "podcast/gov.yaml"


def decl(**changes) -> dict:
    """podcast.gov: internal, EU, an operational table of daff-podcast-ops, two principals."""
    doc = product("podcast.gov", inputs=[{"name": "events", "bigqueryTable": "daff-podcast-ops.ev.played"}],
                  ports=[port(consumers=["group:analysts@daff.example"])])
    doc["team"]["developers"] = ["serviceAccount:ci@daff-podcast-ci.iam.gserviceaccount.com"]
    for key, value in changes.items():
        section, _, field = key.partition("__")
        target = doc[section][0] if isinstance(doc[section], list) else doc[section]
        if field:
            target[field] = value
        else:
            doc[section] = value
    return doc


def violations(doc: dict, **settings) -> tuple[str, list[str]]:
    text = dump(doc)
    source, problems = source_from_text(text, FILE)
    assert source is not None, shown(problems)
    return text, [str(p) for p in check_governance(source, GovernanceSettings(**settings))]


def refused(doc: dict, field: str, phrase: str, line_has: str, value: str | None = None, **settings):
    text, found = violations(doc, **settings)
    line, col = pos(text, line_has, value)
    assert len(found) == 1, "\n".join(found)
    assert found[0].startswith(f"{FILE}:{line}:{col}: {field}: "), found[0]
    assert phrase in found[0], found[0]


def test_no_settings_allow_everything():
    doc = decl(policies__location="US", policies__retention="P99Y", policies__confidentiality="confidential",
               team__owner="group:x@elsewhere.example")
    assert violations(doc) == (dump(doc), [])


def test_allowed_locations():
    assert violations(decl(), allowed_locations=["EU", "europe-west1"])[1] == []
    refused(decl(policies__location="US"), "policies.location", "location not allowed by governance; "
            "given 'US'; expected one of EU, europe-west1", "location: US", "US",
            allowed_locations=["EU", "europe-west1"])


def test_principal_domains_pass_and_service_accounts_are_exempt():
    assert violations(decl(), allowed_principal_domains=["DAFF.example"])[1] == []


@pytest.mark.parametrize(("change", "field", "line_has", "value"), [
    ({"team__owner": "group:owners@evil.example"}, "team.owner", "owner: group", "group"),
    ({"team__developers": ["user:me@evil.example"]}, "team.developers[0]", "- user:me", "user"),
    ({"outputPorts__consumers": [{"principal": "domain:evil.example", "purpose": "x"}]},
     "outputPorts.p.consumers.domain:evil.example.principal", "principal: domain", "domain"),
])
def test_principal_domains_refused(change, field, line_has, value):
    refused(decl(**change), field, "principal outside the organisation's domains", line_has, value,
            allowed_principal_domains=["daff.example"])


def test_an_environments_consumers_are_held_to_the_same_principal_domains():
    """An overlay's consumers are granted in their environment: the organisation's domains apply there too."""
    doc = decl()
    doc["environments"] = {"dev": {"consumers": {"p": [{"principal": "group:outsiders@evil.example", "purpose": "x"}]}}}
    _, found = violations(doc, allowed_principal_domains=["daff.example"])
    assert [line.split(": ")[1] for line in found] == [
        "environments.dev.consumers.p.group:outsiders@evil.example.principal"]
    assert "principal outside the organisation's domains" in found[0]


def test_row_filter_grantee_domain_refused():
    # a grantee must also be a consumer (a declaration rule), so both places are reported
    doc = decl(outputPorts__consumers=[{"principal": "group:nl@evil.example", "purpose": "x"}],
               outputPorts__rowFilters=[{"name": "nl", "grantees": ["group:nl@evil.example"], "filter": "true"}])
    _, found = violations(doc, allowed_principal_domains=["daff.example"])
    fields = sorted(line.split(": ")[1] for line in found)
    assert fields == ["outputPorts.p.consumers.group:nl@evil.example.principal",
                      "outputPorts.p.rowFilters.nl.grantees[0]"]
    assert all("principal outside the organisation's domains" in line for line in found)


def test_max_retention():
    ok = decl(policies__retention="P3Y", outputPorts__retention="P36M")
    assert violations(ok, max_retention="P3Y")[1] == []
    refused(decl(policies__retention="P5Y"), "policies.retention", "retention longer than governance "
            "allows; given 'P5Y'; expected at most 'P3Y'", "retention: P5Y", "P5Y", max_retention="P3Y")
    refused(decl(outputPorts__retention="P4Y"), "outputPorts.p.retention", "given 'P4Y'",
            "retention: P4Y", "P4Y", max_retention="P3Y")


def test_cmek_required_for():
    confidential = decl(policies__confidentiality="confidential")
    assert violations(confidential)[1] == []  # the default requires CMEK for restricted only
    with_cmek = decl(policies__confidentiality="confidential", policies__encryption="cmek")
    assert violations(with_cmek, cmek_required_for=["confidential"])[1] == []
    refused(decl(policies__confidentiality="confidential", policies__encryption="google"),
            "policies.encryption", "governance requires customer-managed keys for confidential "
            "products; given 'google'; expected 'cmek'", "encryption: google", "google",
            cmek_required_for=["confidential", "restricted"])
    # encryption left to its default: located at the policies mapping that omits it
    refused(confidential, "policies.encryption", "given 'google'", "location: EU", "location",
            cmek_required_for=["confidential"])


def test_operational_projects_bigquery_table():
    assert violations(decl(), operational_projects={"podcast": ["daff-podcast-ops"]})[1] == []
    assert violations(decl(), operational_projects={"player": ["daff-player-ops"]})[1] == []
    other = decl(inputPorts=[{"name": "events", "bigqueryTable": "daff-player-ops.ev.played"}])
    refused(other, "inputPorts.events", "given project 'daff-player-ops'; expected one of daff-podcast-ops",
            "name: events", operational_projects={"podcast": ["daff-podcast-ops"]})


def test_operational_projects_pubsub_topic():
    mine = decl(inputPorts=[{"name": "events", "pubsubTopic": "projects/daff-podcast-ops/topics/played"}])
    assert violations(mine, operational_projects={"podcast": ["daff-podcast-ops"]})[1] == []
    other = decl(inputPorts=[{"name": "events", "pubsubTopic": "projects/daff-other-ops/topics/played"}])
    refused(other, "inputPorts.events", "operational source outside the podcast domain's projects",
            "name: events", operational_projects={"podcast": ["daff-podcast-ops"]})


def test_operational_projects_ignore_buckets_and_data_products():
    doc = decl(inputPorts=[{"name": "files", "gcsPrefix": "gs://anywhere/x/"}])
    assert violations(doc, operational_projects={"podcast": ["daff-podcast-ops"]})[1] == []


def test_every_violation_at_once():
    doc = decl(policies__location="US", policies__retention="P20Y", team__owner="group:o@evil.example",
               policies__confidentiality="restricted", policies__encryption="cmek")
    _, found = violations(doc, allowed_locations=["EU"], max_retention="P10Y",
                          allowed_principal_domains=["daff.example"])
    fields = sorted(f.split(": ")[1] for f in found)
    assert fields == ["policies.location", "policies.retention", "team.owner"], found
