"""``DataProduct``: one validated declaration composed from the L2 components, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from . import addresses, standards
from .declaration.model import DataProduct as Declaration
from .declaration.types import Status
from .descriptor import descriptor
from .gcp.identity import Identity, IdentityArgs
from .gcp.input_port import InputPort, InputPortArgs, UpstreamPort
from .gcp.options import child, component_token
from .gcp.output_port import OutputPort, OutputPortArgs, port_labels
from .gcp.project import Project, ProjectArgs
from .gcp.storage import PortTable, Storage, StorageArgs
from .platform import PlatformSettings

BIGQUERY, IAM, PUBSUB = "bigquery.googleapis.com", "iam.googleapis.com", "pubsub.googleapis.com"
RUN, SCHEDULER = "run.googleapis.com", "cloudscheduler.googleapis.com"


@dataclass
class DataProductArgs:
    """A declaration, the stack's environment and platform, and the mesh's answers about it."""

    product: Declaration
    environment: str
    platform: PlatformSettings
    upstreams: dict[str, UpstreamPort] = field(default_factory=dict)  # by input port name
    consumer_principals: dict[str, str] = field(default_factory=dict)  # product id -> runner principal

    def consumer_principal(self, product_id: str) -> str:
        """A consuming product's runner: from the mesh when known, else from the naming standards."""
        if product_id in self.consumer_principals:
            return self.consumer_principals[product_id]
        domain, name = product_id.split(".", 1)
        email = standards.runner_email(self.platform.project_prefix, self.environment, domain, name)
        return f"serviceAccount:{email}"

    @property
    def is_production(self) -> bool:
        return self.environment not in ("dev", "test", "sandbox")


class DataProduct(pulumi.ComponentResource):
    """The project, identity, storage, output ports and input ports of one data product."""

    def __init__(self, name: str, args: DataProductArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("DataProduct"), name, None, opts)
        p, env = args.product, args.environment
        self.project_id = addresses.project_id(p, args.platform, env)
        labels = standards.labels(domain=p.domain, product=p.name, environment=env, mesh_layer="internal")
        self.project = Project(f"{name}-project", ProjectArgs(
            project_id=self.project_id, display_name=p.display_name, labels=labels, apis=_apis(p),
            adopt=addresses.adopts_project(p, args.platform), org_id=args.platform.organization_id,
            folder=args.platform.folders.get(p.domain), billing_account=args.platform.billing_account,
            prevent_deletion=args.is_production), opts=child(self))
        self.identity = Identity(f"{name}-identity", IdentityArgs(
            project=self.project.project_id, account_id=addresses.runner_account_id(p), product_id=p.id,
            depends_on=[self.project.service(IAM)]), opts=child(self))
        self.runner = addresses.runner_principal(p, args.platform, env)
        self.storage = Storage(f"{name}-storage", StorageArgs(
            project=self.project.project_id, dataset_id=standards.internal_dataset_id(p.name),
            location=p.policies.location, labels=labels, runner=self.runner,
            runner_account=self.identity.runner, owner=p.team.owner,
            tables=[PortTable(port, standards.port_table_id(port.name, port.major), port_labels(labels, port))
                    for port in p.output_ports],
            description=f"Internal data of {p.id}: dbt's workspace and the port tables.",
            depends_on=[self.project.service(BIGQUERY)]), opts=child(self))
        self.output_ports = {(port.name, port.major): self._output_port(name, args, port, labels)
                             for port in p.output_ports}
        self.input_ports = {port.name: self._input_port(name, args, port, labels) for port in p.input_ports}
        self.descriptor = descriptor(p, self.project_id, self.runner, args.platform, env)
        self.register_outputs({"descriptor": self.descriptor})

    def _output_port(self, name: str, args: DataProductArgs, port, labels) -> OutputPort:
        p = args.product
        table_id = standards.port_table_id(port.name, port.major)
        consumers = [] if p.status == Status.RETIRED else [
            c.principal or args.consumer_principal(c.data_product) for c in port.consumers]
        return OutputPort(f"{name}-{port.name}-v{port.major}", OutputPortArgs(
            port=port, project=self.project_id, dataset_id=addresses.port_dataset_id(p, port),
            view_id=standards.view_id(port.name, port.major), location=p.policies.location,
            labels=port_labels(labels, port), internal=self.storage.internal,
            table=self.storage.port_tables[(port.name, port.major)], table_id=table_id,
            internal_dataset_id=standards.internal_dataset_id(p.name), consumers=consumers,
            unfiltered_readers=[self.runner, p.team.owner],
            depends_on=[self.project.service(BIGQUERY)]), opts=child(self))

    def _input_port(self, name: str, args: DataProductArgs, port, labels) -> InputPort:
        return InputPort(f"{name}-in-{port.name}", InputPortArgs(
            port=port, project=self.project_id, runner=self.runner, runner_account=self.identity.runner,
            internal=self.storage.internal, internal_dataset_id=standards.internal_dataset_id(args.product.name),
            labels=labels, upstream=args.upstreams.get(port.name),
            depends_on=[self.project.service(PUBSUB)] if port.pubsub_topic else []), opts=child(self))


def _apis(product: Declaration) -> list[str]:
    """Only the APIs the declaration needs."""
    apis = [BIGQUERY, IAM]
    if any(port.pubsub_topic for port in product.input_ports):
        apis.append(PUBSUB)
    if product.transformation is not None:
        apis += [RUN, SCHEDULER]
    return apis
