"""What a ``DataProduct`` is told: its declaration, the stack's environment and platform, and the
mesh's answers about it (upstream addresses, its consumers' runners and whether they exist here)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from ..product import standards
from ..declaration.model import DataProduct as Declaration
from ..gcp.input_port import UpstreamPort
from ..settings.platform import PlatformSettings
from ..settings.stack_config import NON_PRODUCTION


class PurgeRefused(ValueError):
    """A declaration asks to purge its data on a production stack."""


@dataclass
class DataProductArgs:
    """A declaration, the stack's environment and platform, and the mesh's answers about it."""

    product: Declaration
    environment: str
    platform: PlatformSettings
    upstreams: dict[str, UpstreamPort] = field(default_factory=dict)  # by input port name
    consumer_principals: dict[str, str] = field(default_factory=dict)  # product id -> runner principal
    consumer_ready: dict[str, pulumi.Resource] = field(default_factory=dict)  # runner principal -> Identity.ready
    deployer: pulumi.Input[str] | None = None  # the deploying identity; default: the platform's, else asked once
    unbuilt: frozenset[str] = frozenset()  # consuming products not deployed in this environment: not granted
    folder: str | None = None  # the domain's folder ('folders/123'), looked up once per stack; default: the platform's
    owns_project_settings: bool = True  # writes its adopted project's audit config (addresses.project_settings_owners)

    def consumer_principal(self, product_id: str) -> str | None:
        """A consuming product's runner: from the mesh when known, else from the naming standards;
        None for a product not deployed in this environment (its runner never exists)."""
        if product_id in self.unbuilt:
            return None
        if product_id in self.consumer_principals:
            return self.consumer_principals[product_id]
        domain, name = product_id.split(".", 1)
        email = standards.runner_email(self.platform.project_prefix, self.environment, domain, name)
        return f"serviceAccount:{email}"

    @property
    def is_production(self) -> bool:
        return self.environment not in NON_PRODUCTION
