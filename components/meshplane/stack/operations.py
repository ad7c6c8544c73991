"""How a data product runs and is watched, built beside its data: the scheduled dbt job, the
data-quality scans, the control port's erasure, the access audit and the catalog entry.

Each function takes the ``DataProduct`` being built (its project, identity, storage and ports, as
built so far) and returns the component, or None when the product does not need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..catalog.terms import catalog_description
from ..declaration.types import Status
from ..gcp.access_audit import AccessAudit, AccessAuditArgs
from ..gcp.control_port import ControlPort, ControlPortArgs
from ..gcp.dbt_job import DbtJob, DbtJobArgs, job_env
from ..gcp.discovery import Discovery, DiscoveryArgs
from ..gcp.observability import Observability, ObservabilityArgs
from ..gcp.options import child
from ..gcp.output_port import port_labels
from ..product import addresses, standards
from ..product.job_region import job_region
from ..product.product_needs import (DATAPLEX, IAM, LOGGING, MONITORING, RUN, SCHEDULER, port_readers, records_labels,
                                     scheduled)
from ..product.standards import PURGE_LABEL
from ..sql.control_sql import subject_keys
from ..sql.datascan_rules import scanned_tags
from .data_product_args import DataProductArgs

if TYPE_CHECKING:
    from .data_product import DataProduct


def transformation(product: DataProduct, name: str, args: DataProductArgs, labels: dict[str, str]) -> DbtJob | None:
    """The scheduled dbt job: none without a transformation or once retired; paused when dormant."""
    p = args.product
    if not scheduled(p):
        return None
    internal = standards.internal_dataset_id(p.name)
    tables = {t: f"{product.project_id}.{internal}.{t}"
              for t in (standards.port_table_id(o.name, o.major) for o in p.output_ports)}
    env = job_env(product.project_id, p.policies.location, internal, tables,
                  {n: ip.address for n, ip in product.input_ports.items()}, p.transformation.dbt.env)
    return DbtJob(f"{name}-dbt", DbtJobArgs.from_declaration(
        p.transformation.dbt, product=p.name, project=product.project_id,
        region=job_region(p.policies.location, args.platform.job_regions), product_id=p.id, env=env,
        runner_email=product.identity.email, invoker=product.identity.invoker, ready=product.identity.ready,
        run_agent=product.identity.agent_member(RUN), labels=labels,
        paused=p.status == Status.DORMANT, notification_channels=args.platform.notification_channels,
        runbook_url=str(p.links["runbook"]) if "runbook" in p.links else None,
        depends_on=[product.project.service(s) for s in (IAM, RUN, SCHEDULER, MONITORING)]), opts=child(product))


def observability(product: DataProduct, name: str, args: DataProductArgs,
                  labels: dict[str, str]) -> Observability | None:
    """A data-quality scan per port major from its SLOs, alerting like failed jobs; none once retired."""
    p = args.product
    if p.status == Status.RETIRED:
        return None
    internal = standards.internal_dataset_id(p.name)
    tables = [(port, f"//bigquery.googleapis.com/projects/{product.project_id}/datasets/{internal}/tables/"
                     f"{standards.port_table_id(port.name, port.major)}") for port in p.output_ports]
    return Observability(f"{name}-observability", ObservabilityArgs(
        project=product.project_id, location=job_region(p.policies.location, args.platform.job_regions),
        product=p.name, product_id=p.id, ports=tables, labels=labels,
        notification_channels=args.platform.notification_channels,
        metrics_scope=product.dbt_job.metrics_scope if product.dbt_job else None,
        runbook_url=str(p.links["runbook"]) if "runbook" in p.links else None,
        depends_on=[product.project.service(s) for s in (DATAPLEX, LOGGING, MONITORING)],
        tables=list(product.storage.port_tables.values()),
        agent=product.identity.agent_member(DATAPLEX), ready=[product.identity.ready],
        scanned_tags=sorted({tag for port in p.output_ports
                             for tag in scanned_tags(port, p.policies.confidentiality, product.policy_tags)})),
        opts=child(product))


def control_port(product: DataProduct, name: str, args: DataProductArgs, labels: dict[str, str]) -> ControlPort | None:
    """Governance's erasure of data subjects; kept once retired (retained data is still erased on request)."""
    p = args.product
    if not (keys := subject_keys(p.output_ports)):
        return None
    return ControlPort(f"{name}-control", ControlPortArgs(
        project=product.project_id, dataset_id=standards.control_dataset_id(p.name), location=p.policies.location,
        labels=records_labels(labels, "control"), product_id=p.id, internal=product.storage.internal,
        internal_dataset_id=standards.internal_dataset_id(p.name), keys=keys,
        governance_principal=args.platform.governance_principal,
        table_resources=[product.storage.port_tables[(port.name, port.major)] for port in p.output_ports
                         if port.subject_key], **product._dataset_policies(args)), opts=child(product))


def access_audit(product: DataProduct, name: str, args: DataProductArgs) -> AccessAudit | None:
    """Data-access logs to the platform's audit project, and an alert on undeclared reads; none unless set."""
    p, settings = args.product, args.platform.audit_logs
    if settings is None:
        return None
    governance = [g for g in [args.platform.governance_principal] if g]
    staff = [product.runner, p.team.owner, *governance]
    ports = {addresses.port_dataset_id(p, port): [m for m, _ in port_readers(p, port, args.consumer_principal)]
             for port in p.output_ports}  # consumers may read the port tables through the views
    readers = {**{d: [*ms, *staff] for d, ms in ports.items()},
               standards.internal_dataset_id(p.name): [*staff, *(m for ms in ports.values() for m in ms)]}
    return AccessAudit(f"{name}-access-audit", AccessAuditArgs(
        project=product.project_id, project_number=product.project.number, product=p.name, product_id=p.id,
        settings=settings, readers=readers, owner=p.team.owner, governance_principal=args.platform.governance_principal,
        labels=standards.labels(domain=p.domain, product=p.name, environment=args.environment, mesh_layer="audit",
                               extra={PURGE_LABEL: "true"} if p.purge else None),
        notification_channels=args.platform.notification_channels, watch=product.observability is not None,
        metrics_scope=product.observability.metrics_scope if product.observability else None,
        runbook_url=str(p.links["runbook"]) if "runbook" in p.links else None,
        depends_on=[product.project.service(s) for s in (LOGGING, MONITORING)], creator=product.creator,
        max_time_travel_hours=args.platform.max_time_travel_hours),
        opts=child(product))


def discovery(product: DataProduct, name: str, args: DataProductArgs, labels: dict[str, str]) -> Discovery:
    """Self-registration: a Dataplex data product with its port datasets, and the registry object."""
    p = args.product
    datasets = [(f"{port.name}-v{port.major}", f"//bigquery.googleapis.com/projects/{product.project_id}"
                 f"/datasets/{addresses.port_dataset_id(p, port)}", port_labels(labels, port))
                for port in p.output_ports]
    return Discovery(f"{name}-discovery", DiscoveryArgs(
        project=product.project_id, location=job_region(p.policies.location, args.platform.job_regions),
        domain=p.domain, name=p.name, display_name=p.display_name, description=catalog_description(p),
        owner=p.team.owner, labels=labels, port_datasets=datasets, descriptor=product.descriptor,
        registry_bucket=args.platform.registry_bucket, register=p.status != Status.RETIRED,
        depends_on=[product.project.service(DATAPLEX), *(op.dataset.dataset for op in product.output_ports.values())]),
        opts=child(product))
