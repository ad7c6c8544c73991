"""Regenerate the checked-in schema and reference: ``python -m meshplane.declaration.regen``."""

from pathlib import Path

from .reference import render_reference
from .schema import render_schema

if __name__ == "__main__":
    Path("schemas/data-product.schema.json").write_text(render_schema())
    Path("docs/declaration.md").write_text(render_reference())
    print("wrote schemas/data-product.schema.json and docs/declaration.md")
