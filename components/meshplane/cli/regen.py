"""Regenerate the checked-in schemas and references: ``python -m meshplane.cli.regen``.

The declaration's (``schemas/data-product.schema.json``, ``docs/declaration.md``) and the stack
config's (``schemas/stack-config.schema.json``, the generated part of ``docs/stack-config.md``)."""

from pathlib import Path

from ..settings import stack_reference
from ..declaration.reference import render_reference
from ..declaration.schema import render_schema

if __name__ == "__main__":
    Path("schemas/data-product.schema.json").write_text(render_schema())
    Path("docs/declaration.md").write_text(render_reference())
    Path("schemas/stack-config.schema.json").write_text(stack_reference.render_schema())
    doc = Path("docs/stack-config.md")
    doc.write_text(stack_reference.render_reference(doc.read_text() if doc.is_file() else ""))
    print("wrote schemas/data-product.schema.json, docs/declaration.md, schemas/stack-config.schema.json "
          "and docs/stack-config.md")
