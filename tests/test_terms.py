"""What a consumer must know before using a product: the purpose, limitations and usage restrictions
in the Dataplex catalog, the ODCS/ODPS ``description.limitations``, and their import back.

What mocks cannot prove: how Dataplex renders the description (plain text with line breaks here),
or that it accepts more than the 2,000 characters meshplane keeps it within.
"""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from helpers import at, write

from components_support import model, run_stack
from meshplane.declaration.yamlpos import parse
from meshplane.interop.commands import export_cmd, import_cmd
from meshplane.interop.odcs import contract
from meshplane.interop.odcs_terms import read_terms, terms_notes
from meshplane.interop.odps import product_document
from meshplane.catalog.terms import CATALOG_MAX, CUT, catalog_description, limitations_text, split_limitations

CLI = click.Group(commands={"export": export_cmd, "import": import_cmd})
DEMO = "podcast.podcast-demographics"


def with_terms(product_id: str, limitations: str | None, restrictions: list[str]):
    product = model(product_id)
    return product.model_copy(update={
        "description": product.description.model_copy(update={"limitations": limitations}),
        "policies": product.policies.model_copy(update={"usage_restrictions": restrictions})})


def test_the_catalog_states_purpose_limitations_and_every_restriction():
    assert catalog_description(model(DEMO)) == (
        "Listener demographics per podcast and day, for editorial and advertising decisions.\n\n"
        "Limitations: Demographics are self-declared by listeners and cover about 60% of plays.\n\n"
        "Usage restrictions:\n- No attempt to re-identify listeners.\n"
        "- Internal purposes only; no redistribution outside DAFF.")
    bare = with_terms(DEMO, None, [])
    assert catalog_description(bare) == bare.description.purpose


def test_the_dataplex_data_product_carries_that_description():
    [product] = [r for r in run_stack("podcast-prod").registrations if r.type == "gcp:dataplex/dataProduct:DataProduct"
                 and r.inputs["dataProductId"] == "podcast-podcast-demographics"]
    assert product.inputs["description"] == catalog_description(model(DEMO))


def test_a_long_text_is_cut_at_the_same_place_every_time():
    long = with_terms(DEMO, "L" * 900, [f"Restriction {i}: " + "r" * 80 for i in range(20)])
    text = catalog_description(long)
    assert len(text) == CATALOG_MAX and text.endswith(CUT) and text == catalog_description(long)
    assert text.startswith(long.description.purpose)


LIMITATIONS = [  # (limitations, restrictions, text)
    ("Self-declared.", ["No re-identification", "Internal only."],
     "Self-declared.\nUsage restrictions:\n- No re-identification\n- Internal only."),
    (None, ["No redistribution"], "Usage restrictions:\n- No redistribution"),
    ("Gaps.", [], "Gaps."),
    (None, [], None),
]


@pytest.mark.parametrize("limitations, restrictions, text", LIMITATIONS)
def test_restrictions_close_the_limitations_and_read_back(limitations, restrictions, text):
    product = with_terms(DEMO, limitations, restrictions)
    assert limitations_text(product) == text
    doc = contract(product, product.output_ports[0])
    assert doc["description"].get("limitations") == text
    assert product_document(product)["description"].get("limitations") == text
    if text:
        assert split_limitations(text) == (limitations, restrictions)
    assert read_terms(doc) == (limitations, restrictions)  # the exact list: the custom property


ROUND_TRIPS = [  # (limitations, restrictions): the text alone reads back as the declaration
    (None, ["No ads, e.g. targeting.", "Internal only."]),
    ("Covers ca. 60% of plays. See i.e. the docs.", ["Approx. monthly use only", "No re-identification, etc."]),
    ("Usage restrictions: are the product's.\nNot a list.", ["A. B. C.", "- starts with a dash", ""]),
    ("Two\nlines.", ["Spans\n two   lines"]),  # whitespace collapses: one restriction per line
    (None, ["Usage restrictions:", "x"]),
]


@pytest.mark.parametrize("limitations, restrictions", ROUND_TRIPS)
def test_the_text_alone_reads_back_restrictions_with_abbreviations_and_full_stops(limitations, restrictions):
    text = limitations_text(with_terms(DEMO, limitations, restrictions))
    assert split_limitations(text) == (limitations, [" ".join(r.split()) for r in restrictions])


FOREIGN_TEXTS = [  # (text, limitations, restrictions): a line that cannot be split is one restriction
    ("Gaps.\nUsage restrictions: No ads, e.g. targeting. Internal only.", "Gaps.",
     ["No ads, e.g. targeting. Internal only."]),
    ("Usage restrictions: none worth a list", None, ["none worth a list"]),
    ("Usage restrictions:\nsee the wiki", "Usage restrictions:\nsee the wiki", []),
    ("Usage restrictions: in the middle\nthen more text.", "Usage restrictions: in the middle\nthen more text.", []),
    ("Plain.", "Plain.", []),
]


@pytest.mark.parametrize("text, limitations, restrictions", FOREIGN_TEXTS)
def test_a_restrictions_line_that_cannot_be_split_stays_whole(text, limitations, restrictions):
    assert split_limitations(text) == (limitations, restrictions)


def test_a_contract_with_restrictions_the_declaration_lacks_says_where_they_belong(tmp_path):
    exported = CliRunner().invoke(CLI, ["export", "odcs", "blueprints/podcast/podcast-demographics.yaml"])
    contract_file = write(tmp_path / "c.yaml", exported.stdout)
    parsed = parse(contract_file.read_text())
    [problem] = terms_notes(parsed, str(contract_file), ["No attempt to re-identify listeners."])
    assert f"{contract_file}:{problem.line}:{problem.column}" == at(contract_file, "limitations:", "'Demographics")
    assert problem.field == "description.limitations"
    assert "given ['Internal purposes only; no redistribution outside DAFF.']" in problem.message
    assert problem.message.endswith("expected them in the declaration's policies.usageRestrictions")
    assert terms_notes(parsed, str(contract_file), list(model(DEMO).policies.usage_restrictions)) == []

