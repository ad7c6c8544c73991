"""The product descriptor's policies, masking, deprecation, retention and lineage (docs/descriptor.md)."""

from __future__ import annotations

from components_support import model, settings
from meshplane.product import addresses
from meshplane.catalog.descriptor import descriptor

STACK = "listener-prod"


def described(product_id: str, stack: str = STACK) -> dict:
    product, s = model(product_id), settings(stack)
    return descriptor(product, addresses.project_id(product, s.platform, s.environment),
                      addresses.runner_principal(product, s.platform, s.environment), s.platform, s.environment)


def test_policies_and_display_name_as_declared():
    d = described("listener.listener-profiles")
    assert d["displayName"] == "Listener profiles"
    assert d["policies"]["location"] == "EU" and d["policies"]["confidentiality"] == "restricted"
    assert d["policies"]["encryption"] == "cmek"
    assert "No export outside the EU." in d["policies"]["usageRestrictions"]


def test_ports_say_what_consumers_read_masked_and_how_long_data_is_kept():
    v1, v2 = described("listener.listener-profiles")["outputPorts"]
    assert v1["maskedColumns"] == ["birth_year", "email", "full_name"]  # tagged: BigQuery masks them
    assert v2["maskedColumns"] == ["birth_date", "display_name", "email", "subscription.payment_country"]
    assert v1["retention"] == "P90D" and v1["deprecation"]["successor"] == "profiles v2"
    assert "deprecation" not in v2


def test_without_policy_tags_the_view_masks_the_same_pii_columns():
    product = model("listener.listener-profiles")
    platform = settings(STACK).platform.model_copy(update={"policy_tags": {}})
    v1, v2 = descriptor(product, "p", "serviceAccount:r@p.iam.gserviceaccount.com", platform, "prod")["outputPorts"]
    assert v1["maskedColumns"] == ["birth_year", "email", "full_name"]
    assert v2["maskedColumns"] == ["birth_date", "display_name", "email"]  # classified, not PII: plain in SQL


def test_lineage_edges_from_every_input_to_every_port():
    d = described("listener.listener-demographics")
    assert d["inputPorts"] == [{"name": "profiles", "kind": "dataProduct",
                                "source": "urn:meshplane:listener:listener-profiles:profiles:v2"}]
    assert d["lineage"] == [{"from": "urn:meshplane:listener:listener-profiles:profiles:v2",
                             "to": "urn:meshplane:listener:listener-demographics:demographics:v1"}]


def test_each_port_says_where_its_quality_scan_publishes():
    ports = described("listener.listener-profiles")["outputPorts"]
    assert [p["dataQuality"] for p in ports] == [
        {"location": "europe-west1", "scanId": "dq-listener-profiles-profiles-v1"},
        {"location": "europe-west1", "scanId": "dq-listener-profiles-profiles-v2"}]
    retired = described("charts.top-forty", "charts-prod")["outputPorts"]
    assert retired and not any("dataQuality" in p for p in retired)  # retired: the scans are removed


def test_versions_and_partitioning_are_what_the_diff_compares():
    d = described("charts.weekly-charts", "charts-prod")
    assert d["version"] == "4.2.0"  # the product's semantic version, checked against its ports' changes
    [charts] = d["outputPorts"]
    assert charts["partitioning"] == {"column": "processing_time", "granularity": "DAY"}  # the default
    assert charts["clustering"] == model("charts.weekly-charts").output_ports[0].clustering
