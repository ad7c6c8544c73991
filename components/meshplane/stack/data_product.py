"""``DataProduct``: one validated declaration composed from the L2 components, and nothing else."""

from __future__ import annotations

import pulumi

from ..product import addresses, standards
from ..declaration.types import Encryption as EncryptionKind
from ..product.column_security import column_tags, tag_grants
from ..catalog.descriptor import descriptor
from ..gcp.column_security import ColumnSecurity, ColumnSecurityArgs
from ..gcp.dataset import deploying_identity
from ..gcp.encryption import Encryption, EncryptionArgs
from ..gcp.folders import domain_folder
from ..gcp.identity import Identity, IdentityArgs, moved_identities
from ..gcp.input_port import InputPort, InputPortArgs
from ..product.standards import PURGE_LABEL
from ..gcp.options import child, component_token
from ..gcp.output_port import OutputPort, OutputPortArgs, port_labels
from ..gcp.project import Project, ProjectArgs
from ..gcp.storage import PortTable, Storage, StorageArgs
from ..product.placement import kms_key_for, policy_tags_for, resource_locations_value
from ..product.product_needs import (
    BIGQUERY, DATAPLEX, PUBSUB, agents, apis, erasers, input_apis, port_readers, port_retention, retention_label,
    retention_ms, scheduled, transfer_status,
)
from .data_product_args import DataProductArgs, PurgeRefused
from . import operations

__all__ = ["DataProduct", "DataProductArgs", "PurgeRefused"]


class DataProduct(pulumi.ComponentResource):
    """The project, identity, storage, output ports and input ports of one data product."""

    def __init__(self, name: str, args: DataProductArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_token("DataProduct"), name, None, opts)
        p, env = args.product, args.environment
        self.project_id = addresses.project_id(p, args.platform, env)
        self.runner = addresses.runner_principal(p, args.platform, env)
        self.descriptor = descriptor(p, self.project_id, self.runner, args.platform, env)
        if p.purge and args.is_production:
            raise PurgeRefused(f"{p.id}: purge deletes the product's data; refused on the production "
                               f"environment {env!r}; expected purge only on dev, test or sandbox stacks")
        labels = standards.labels(domain=p.domain, product=p.name, environment=env, mesh_layer="internal",
                                  extra={"confidentiality": p.policies.confidentiality.value,
                                         **retention_label(p.policies.retention),
                                         **({PURGE_LABEL: "true"} if p.purge else {})})
        self.project = Project(f"{name}-project", ProjectArgs(
            project_id=self.project_id, display_name=p.display_name, labels=labels, apis=apis(p),
            adopt=addresses.adopts_project(p, args.platform), org_id=args.platform.organization_id,
            folder=self._folder(args), billing_account=args.platform.billing_account,
            prevent_deletion=args.is_production, audit_adopted=args.platform.audit_adopted_projects and args.owns_project_settings,
            resource_locations=resource_locations_value(p.policies.location)), opts=child(self))
        self.creator = args.deployer or args.platform.deployer or deploying_identity(self)
        self.encryption = self._encryption(name, args)
        self.policy_tags = policy_tags_for(p.policies.location, args.platform.policy_tags)
        port_tags = {(port.name, port.major): column_tags(port.columns, p.policies.confidentiality, self.policy_tags)
                     for port in p.output_ports}
        self.identity = self._identity(name, args)
        self.ready = {**args.consumer_ready, self.runner: self.identity.ready}  # principal -> wait before grants
        self.storage = self._storage(name, args, labels, port_tags)
        self.output_ports = {(port.name, port.major): self._output_port(
            name, args, port, labels, port_tags[(port.name, port.major)]) for port in p.output_ports}
        self.column_security = self._column_security(name, args)
        self.input_ports = {port.name: self._input_port(name, args, port, labels) for port in p.input_ports}
        self.dbt_job = operations.transformation(self, name, args, labels)
        self.observability = operations.observability(self, name, args, labels)
        self.discovery = operations.discovery(self, name, args, labels)
        self.control_port = operations.control_port(self, name, args, labels)
        self.access_audit = operations.access_audit(self, name, args)
        self.register_outputs({"descriptor": self.descriptor})

    def _folder(self, args: DataProductArgs) -> str | None:
        """The folder of a created project: the stack's, else the platform's for the domain (none when adopted)."""
        if args.folder is not None or addresses.adopts_project(args.product, args.platform):
            return args.folder
        return domain_folder(args.platform, args.product.domain, pulumi.InvokeOptions(parent=self))

    def _storage(self, name: str, args: DataProductArgs, labels: dict[str, str], port_tags: dict) -> Storage:
        """The internal dataset and a port table per port major, with its tags and retention."""
        p = args.product
        return Storage(f"{name}-storage", StorageArgs(
            project=self.project.project_id, dataset_id=standards.internal_dataset_id(p.name),
            location=p.policies.location, labels=labels, runner=self.runner,
            runner_ready=self.identity.ready, owner=p.team.owner,
            tables=[PortTable(port, standards.port_table_id(port.name, port.major), port_labels(labels, port),
                              retention_ms(port_retention(p, port)), port_tags[(port.name, port.major)])
                    for port in p.output_ports],
            description=f"Internal data of {p.id}: dbt's workspace and the port tables.",
            retention_ms=retention_ms(p.policies.retention),
            **self._dataset_policies(args)), opts=child(self))

    def _identity(self, name: str, args: DataProductArgs) -> Identity:
        """The runner, the invoker of a scheduled job and the service agents, with their wait."""
        p = args.product
        return Identity(f"{name}-identity", IdentityArgs(
            project=self.project.project_id, account_id=addresses.runner_account_id(p), product_id=p.id,
            project_number=self.project.number,
            invoker_account_id=standards.service_account_id("inv", p.name) if scheduled(p) else None,
            agents=agents(p), apis=dict(self.project.services),
            aliases=moved_identities(self, name, [i.name for i in p.input_ports if i.pubsub_topic])),
            opts=child(self))

    def _output_port(self, name: str, args: DataProductArgs, port, labels, policy_tags: dict[str, str]
                     ) -> OutputPort:
        p = args.product
        table_id = standards.port_table_id(port.name, port.major)
        consumers = [member for member, _ in port_readers(p, port, args.consumer_principal)]
        scanner = [self.identity.agent_member(DATAPLEX)] if DATAPLEX in self.identity.agents else []
        return OutputPort(f"{name}-{port.name}-v{port.major}", OutputPortArgs(
            port=port, project=self.project_id, dataset_id=addresses.port_dataset_id(p, port),
            view_id=standards.view_id(port.name, port.major), location=p.policies.location,
            labels=port_labels(labels, port), internal=self.storage.internal,
            table=self.storage.port_tables[(port.name, port.major)], table_id=table_id,
            internal_dataset_id=standards.internal_dataset_id(p.name), consumers=consumers,
            policy_tags=policy_tags, ready=self.ready, unfiltered_ready=[self.identity.ready] if scanner else [],
            unfiltered_readers=[self.runner, p.team.owner, *erasers(args.platform, port), *scanner],
            **self._dataset_policies(args)), opts=child(self))

    def _column_security(self, name: str, args: DataProductArgs) -> ColumnSecurity | None:
        """Raw or masked reading of the tagged columns: none without the platform's policy tags, nor when
        the platform stack owns those grants (``sharedGrants: platform``, ``gcp.shared_grants``)."""
        grants = product_tag_grants(args, self.policy_tags)
        if not grants or args.platform.shared_grants == "platform":
            return None
        return ColumnSecurity(f"{name}-column-security", ColumnSecurityArgs(
            grants=grants, tags=self.policy_tags, ready=self.ready), opts=child(self))

    def _encryption(self, name: str, args: DataProductArgs) -> Encryption | None:
        if args.product.policies.encryption != EncryptionKind.CMEK:
            return None
        key = kms_key_for(args.product.policies.location, args.platform.kms_keys)
        return Encryption(f"{name}-encryption", EncryptionArgs(
            project=self.project.project_id, kms_key_name=key, depends_on=[self.project.service(BIGQUERY)],
            purge=args.product.purge), opts=child(self))

    def _dataset_policies(self, args: DataProductArgs) -> dict:
        """Key, time travel, creator and dependencies every dataset of the product shares."""
        depends_on = [self.project.service(BIGQUERY)]
        if self.encryption is not None:
            depends_on.append(self.encryption.ready)  # BigQuery must be able to use the key first
        return {"kms_key_name": self.encryption.kms_key_name if self.encryption else None,
                "max_time_travel_hours": args.platform.max_time_travel_hours, "depends_on": depends_on,
                "creator": self.creator}

    def _input_port(self, name: str, args: DataProductArgs, port, labels) -> InputPort:
        return InputPort(f"{name}-in-{port.name}", InputPortArgs(
            port=port, project=self.project_id, runner=self.runner, ready=self.identity.ready,
            internal=self.storage.internal, internal_dataset_id=standards.internal_dataset_id(args.product.name),
            labels=labels, upstream=args.upstreams.get(port.name), retention=args.product.policies.retention,
            pubsub_agent=self.identity.agent_member(PUBSUB) if port.pubsub_topic else None,
            location=args.product.policies.location, owner=args.product.team.owner,
            transfer=transfer_status(args.product), depends_on=[self.project.service(s) for s in input_apis(port)]),
            opts=child(self))


def product_tag_grants(args: DataProductArgs, tags: dict) -> list:
    """The product's grants on the platform's ``tags`` of its location (``column_security.tag_grants``):
    its consumers per port, its runner and owner raw everywhere, the governance principal on subject keys."""
    p = args.product
    runner = addresses.runner_principal(p, args.platform, args.environment)
    return tag_grants([(port, port_readers(p, port, args.consumer_principal)) for port in p.output_ports],
                      p.policies.confidentiality, tags, [runner, p.team.owner],
                      erasers=[g for g in [args.platform.governance_principal] if g])
