"""Interoperability with the Bitol standards: ODCS data contracts and the ODPS product file.

``odcs`` maps an output port (one major version) to an ODCS v3 contract, ``odps`` maps the product
to an ODPS v1 file referencing those contracts, ``odcs_import`` maps a contract back to an output
port. What they share: stable ids and versions (``ids``), the YAML style and the text edit that puts an
output port into a declaration without touching the rest of the file (``yaml_text``).
"""
