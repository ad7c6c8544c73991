"""Where a product lives and how it is addressed, derived from its declaration: pure functions.

A producer's stack grants a consuming product through that product's runner account; the
e-mail is computed here from the consumer's declaration (and its adopted project, if any), so no
stack reference or cloud lookup is needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..declaration.model import DataProduct, OutputPort
from ..settings.platform import PlatformSettings
from . import standards


def project_id(product: DataProduct, platform: PlatformSettings, environment: str) -> str:
    """The product's project: adopted (declaration, then stack setting) or derived from its id."""
    return adopted_project(product, platform) or standards.project_id(platform.project_prefix, environment, product.domain, product.name)


def adopted_project(product: DataProduct, platform: PlatformSettings) -> str | None:
    """The existing project the product uses (declaration, then stack setting); None: it creates one."""
    return product.platform.gcp.project_id or platform.projects.get(product.id)


def adopts_project(product: DataProduct, platform: PlatformSettings) -> bool:
    """Whether the product uses an existing project instead of creating one."""
    return adopted_project(product, platform) is not None


def project_settings_owners(products: Iterable[DataProduct], platform: PlatformSettings) -> dict[str, str]:
    """Adopted project id -> the product that writes its project-level settings (the audit config):
    the first by id among ``products`` (those deployed in the environment, every domain's) adopting it.

    A project-level setting is one resource per project: written by two products (of one stack or
    of two), removing either would remove it for both."""
    owners: dict[str, str] = {}
    for product in sorted(products, key=lambda p: p.id):
        adopted = adopted_project(product, platform)
        if adopted:
            owners.setdefault(adopted, product.id)
    return owners


def runner_account_id(product: DataProduct) -> str:
    """The runner service account's id."""
    return standards.service_account_id("run", product.name)


def runner_principal(product: DataProduct, platform: PlatformSettings, environment: str) -> str:
    """``serviceAccount:<runner e-mail>`` of ``product``."""
    email = standards.service_account_email(runner_account_id(product),
                                            project_id(product, platform, environment))
    return f"serviceAccount:{email}"


def port_dataset_id(product: DataProduct, port: OutputPort) -> str:
    """The dataset of one port major version."""
    return standards.port_dataset_id(product.name, port.name, port.major)


def port_address(product: DataProduct, port: OutputPort, platform: PlatformSettings,
                 environment: str) -> str:
    """``project.dataset.view`` of the port's interface view."""
    return ".".join((project_id(product, platform, environment), port_dataset_id(product, port),
                     standards.view_id(port.name, port.major)))


_ARTIFACT_IMAGE = re.compile(r"^(?P<location>[a-z0-9-]+)-docker\.pkg\.dev/(?P<project>[a-z][a-z0-9.:-]*[a-z0-9])/"
                             r"(?P<repository>[a-z0-9][a-z0-9._-]*)/.+")


def image_repository(image: str) -> tuple[str, str, str] | None:
    """``(location, project, repository)`` of an Artifact Registry image, ``None`` for other registries."""
    match = _ARTIFACT_IMAGE.match(image)
    return (match["location"], match["project"], match["repository"]) if match else None
