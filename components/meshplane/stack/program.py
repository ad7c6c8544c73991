"""The domain stack program that ``pulumi up`` runs (``stacks/__main__.py``) and the plan replays.

It reads the ``meshplane:*`` stack config, validates the whole mesh it can see (declarations,
mesh, governance: problems in its own products and the ones they read from or grant to stop it,
problems elsewhere are logged as warnings), and builds one ``DataProduct`` per declaration of the
stack's domain: proposed products are not built, draft ones only outside production. Each product's descriptor is a stack
output named by its id.

A producer grants its consumers' runners, which must exist first. Within the stack, consumers are
built before their producers, whose grants then wait for the consumers' identities; across stacks,
the stacks deploy in the order ``meshplane order`` prints. A consumer not deployed in this
environment (proposed, or a draft in production) is not granted: its runner never exists.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pulumi
from pydantic import ValidationError

from ..product import addresses
from ..settings import environments
from .data_product import DataProduct, DataProductArgs
from ..gcp.dataset import deploying_identity
from ..gcp.folders import domain_folder
from ..declaration.model import DataProduct as Declaration
from ..gcp.input_port import UpstreamPort
from ..mesh.model import Mesh
from ..settings.stack_config import NAMESPACE, StackSettings
from ..mesh.stack_order import dependency_order, is_built
from ..mesh.validation import check_stack


class ProgramError(Exception):
    """The stack cannot be built: bad config or invalid declarations (every problem listed)."""


def main(root: str | Path | None = None, *, mesh: Mesh | None = None,
         on_product: Callable[[str, int], None] | None = None) -> dict[str, DataProduct]:
    """Build the stack's data products.

    ``root`` is the repository (default: where Pulumi.yaml is); ``mesh`` an already validated mesh
    (the offline plan validates first, to report problems with their positions); ``on_product`` is
    called with each product id and the number of products to build. The platform stack
    (``meshplane:role: platform``) builds the shared grants instead (``platform_stack``).
    """
    config = pulumi.Config(NAMESPACE)
    if config.get("role") == "platform":  # the platform stack: the shared grants, no product
        from .platform_program import platform_main

        platform_main((Path(root) if root else repository_root()) / "stacks")
        return {}
    settings = settings_from_config(config)
    if mesh is None:
        repository = Path(root) if root else repository_root()
        mesh, problems, elsewhere = check_stack(settings, repository)
        if problems:
            raise ProgramError("invalid declarations:\n" + "\n".join(str(p) for p in problems))
        for problem in elsewhere:
            pulumi.log.warn(f"elsewhere in the mesh (not this stack's products): {problem}")
    built = build_products(settings, mesh, on_product=on_product)
    for product_id, product in built.items():
        pulumi.export(product_id, product.descriptor)
    return dict(sorted(built.items()))


def build_products(settings: StackSettings, mesh: Mesh, *, on_product: Callable[[str, int], None] | None = None,
                   parent: pulumi.Resource | None = None) -> dict[str, DataProduct]:
    """One ``DataProduct`` per product of the stack's domain the environment builds, in build order
    (consumers first); ``parent``: the component they belong to (``DomainStack``), none in a stack."""
    products = consumers_first([effective(p, mesh, settings) for p in mesh.products
                                if p.domain == settings.domain and is_built(p, settings)])
    built: dict[str, DataProduct] = {}
    ready: dict = {}  # the runners built so far -> their Identity.ready
    deployer = settings.platform.deployer or (deploying_identity(parent) if products else None)  # asked once
    creates = any(not addresses.adopts_project(p, settings.platform) for p in products)
    folder = domain_folder(settings.platform, settings.domain,  # looked up once
                           pulumi.InvokeOptions(parent=parent) if parent else None) if creates else None
    owners = addresses.project_settings_owners([p for p in mesh.products if is_built(p, settings)], settings.platform)
    for product in products:
        if on_product:
            on_product(product.id, len(products))
        args = product_args(product, mesh, settings, ready, deployer, folder)
        args.owns_project_settings = owners.get(addresses.adopted_project(product, settings.platform) or "") in (None, product.id)
        built[product.id] = DataProduct(product.name, args, pulumi.ResourceOptions(parent=parent) if parent else None)
        ready[built[product.id].runner] = built[product.id].identity.ready
    return built


def consumers_first(products: list[Declaration]) -> list[Declaration]:
    """The products in an order where each comes after the products that consume it (by id otherwise).

    The mesh refuses cycles between products, so such an order exists."""
    ids = {p.id for p in products}
    consumers = {p.id: {c.data_product for port in p.output_ports for c in port.consumers
                        if c.data_product in ids and c.data_product != p.id} for p in products}
    order, cycle = dependency_order(consumers)
    if cycle:  # pragma: no cover - the mesh check refuses cycles first
        raise ProgramError(f"products consume each other: {' -> '.join(cycle)}")
    by_id = {p.id: p for p in products}
    return [by_id[pid] for pid in order]


def effective(product: Declaration, mesh: Mesh, settings: StackSettings) -> Declaration:
    """The declaration as the stack's environment builds it (``environments.for_environment``); in
    production, each port also grants the runners of the products governance lets read it from another
    environment (masked, read-only)."""
    platform, env = settings.platform, settings.environment
    if not environments.is_production(platform, env):
        return environments.for_environment(product, platform, env)
    ports = []
    for port in product.output_ports:
        readers = [environments.reader_consumer(c, e, addresses.runner_principal(c, platform, e))
                   for c, e in environments.production_readers(product, port, mesh.products, platform)
                   if is_built(c, settings.model_copy(update={"environment": e}))]
        ports.append(port.model_copy(update={"consumers": [*port.consumers, *readers]}) if readers else port)
    return product.model_copy(update={"output_ports": ports})


def product_args(product: Declaration, mesh: Mesh, settings: StackSettings, ready: dict | None = None,
                 deployer: object = None, folder: str | None = None) -> DataProductArgs:
    """The component's arguments for ``product`` as the environment builds it (``effective``), with the
    mesh's answers: upstream addresses (in the environment, or production where the overlay reads it
    from there) and consumers' runners;
    ``ready`` maps the runners built earlier in this stack to their ``Identity.ready``; ``deployer``
    is the deploying identity (the platform's, or asked once for the stack); ``folder`` the domain's
    folder (looked up once for the stack)."""
    env, platform = settings.environment, settings.platform
    upstreams = {}
    for port in product.input_ports:
        if port.data_product:
            upstream = mesh.sources[port.data_product].product
            served = mesh.output_port(port.data_product, port.output_port, port.version)
            upstreams[port.name] = UpstreamPort(
                address=addresses.port_address(upstream, served, platform,
                                               environments.source_environment(product, port.name, env)),
                granted=any(c.data_product == product.id for c in served.consumers))
    consuming = {c.data_product for port in product.output_ports for c in port.consumers if c.data_product}
    unbuilt = frozenset(pid for pid in consuming if not is_built(mesh.sources[pid].product, settings))
    consumers = {pid: addresses.runner_principal(mesh.sources[pid].product, platform, env)
                 for pid in consuming - unbuilt}
    ready = ready or {}
    return DataProductArgs(product=product, environment=env, platform=platform, upstreams=upstreams,
                           consumer_principals=consumers, unbuilt=unbuilt, deployer=deployer, folder=folder,
                           consumer_ready={m: ready[m] for m in consumers.values() if m in ready})


def settings_from_config(config: pulumi.Config) -> StackSettings:
    """The stack settings from Pulumi config; ``ProgramError`` naming every bad key."""
    raw = {"environment": config.get("environment"), "domain": config.get("domain"),
           "products": config.get_object("products"), "platform": config.get_object("platform")}
    try:
        return StackSettings.model_validate({k: v for k, v in raw.items() if v is not None})
    except ValidationError as exc:
        lines = [f"{NAMESPACE}:{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ProgramError("invalid stack config:\n" + "\n".join(lines)) from None


def repository_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` (default: the working directory) with Pulumi.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "Pulumi.yaml").is_file():
            return folder
    raise ProgramError(f"no Pulumi.yaml at or above {here}")
