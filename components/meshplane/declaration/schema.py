"""The JSON Schema of the declaration, for editors (yaml-language-server) and other tools."""

from __future__ import annotations

import json

from .model import DataProduct

SCHEMA_ID = "https://meshplane.dev/schemas/data-product.schema.json"


def json_schema() -> dict:
    """The declaration's JSON Schema (draft 2020-12), keyed by the YAML (camelCase) names."""
    schema = DataProduct.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "meshplane DataProduct", **schema}


def render_schema() -> str:
    """The schema as stable, indented JSON text (what ``schemas/`` holds)."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
