"""meshplane: the infrastructure utility plane of a data mesh on Google Cloud.

The components are imported lazily (``from meshplane import DataProduct``), so commands that only
read declarations never import pulumi or pulumi_gcp.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "DataProduct": "meshplane.stack.data_product", "DataProductArgs": "meshplane.stack.data_product",
    "Project": "meshplane.gcp.project", "ProjectArgs": "meshplane.gcp.project",
    "Identity": "meshplane.gcp.identity", "IdentityArgs": "meshplane.gcp.identity",
    "BigQueryDataset": "meshplane.gcp.dataset", "BigQueryDatasetArgs": "meshplane.gcp.dataset",
    "Storage": "meshplane.gcp.storage", "StorageArgs": "meshplane.gcp.storage",
    "OutputPort": "meshplane.gcp.output_port", "OutputPortArgs": "meshplane.gcp.output_port",
    "InputPort": "meshplane.gcp.input_port", "InputPortArgs": "meshplane.gcp.input_port",
    "PlatformSettings": "meshplane.settings.platform", "GovernanceSettings": "meshplane.settings.platform",
    "load_declaration": "meshplane.declaration.loader", "Mesh": "meshplane.mesh.model",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'meshplane' has no attribute {name!r}")
