"""Who each principal of a product's grants is, in the review's words: its own identities (runner,
owner, invoker, service agents, the deploying identity, the platform's governance principal) or a
declared consumer, with its purpose. ``Grant`` is one row of the access matrix."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..product import addresses
from ..declaration.model import DataProduct as Declaration
from ..settings.platform import PlatformSettings
from ..engine.mocks import DEPLOYER
from .preview import UNKNOWN
from .principal_names import is_service_agent
from ..gcpmodel.resource_grants import AUTHORIZED, AUTHORIZED_ROUTINE

OWN = ("runner", "owner", "authorized dataset", "authorized routine", "service agent", "invoker",
       "governance", "deployer")  # the product's own identities, and the platform's governance and deployer

@dataclass(frozen=True)
class Grant:
    """One row of the access matrix: who gets which role on what, and why."""

    principal: str
    who: str  # consumer, runner of <product>, runner, owner, authorized dataset...
    target: str  # "demographics v1", "internal dataset", "project", "table p.d.t"
    role: str
    purpose: str = ""
    deployed: bool = False  # the deployed state holds it already (only known with a state)

    @property
    def new(self) -> bool:
        """Access for a principal other than the product's own identities, not deployed yet."""
        return self.who not in OWN and not self.deployed

    def sort_key(self) -> tuple:
        return (not self.new, self.principal, self.target, self.role)



@dataclass(frozen=True)
class Audience:
    """Who the product's declaration names: its own identities and each port's consumers."""

    project: str
    runner: str
    owner: str
    # "port vN" -> principal -> (who, purpose)
    consumers: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    governance: str | None = None  # the platform's governance principal: calls the control port
    deployer: str | None = None  # the deploying identity: OWNER of each dataset it creates

    def grant(self, principal: str, target: str, role: str) -> Grant:
        if role in (AUTHORIZED, AUTHORIZED_ROUTINE):
            return Grant(principal, "authorized dataset" if role == AUTHORIZED else "authorized routine",
                         target, role)
        who, purpose = self._who(principal, target)
        return Grant(principal, who, target, role, purpose)

    def _who(self, principal: str, target: str) -> tuple[str, str]:
        if principal == self.governance:
            return "governance", ("Reads who accessed the product." if target == "audit dataset"
                                  else "Calls the control port (erase a data subject).")
        if principal == self.deployer:
            return "deployer", "Creates the dataset (its one initial entry; BigQuery adds no project roles)."
        if principal == self.runner:
            return "runner", ""
        if principal == self.owner:
            return "owner", "Reads who accessed the product." if target == "audit dataset" else ""
        if is_service_agent(principal) or principal == UNKNOWN:
            return "service agent", ""
        if principal.startswith("serviceAccount:inv-") and target.startswith("dbt job"):
            return "invoker", ""
        if target in self.consumers and principal in self.consumers[target]:
            return self.consumers[target][principal]
        for port in sorted(self.consumers):
            if principal in self.consumers[port]:
                return self.consumers[port][principal]
        return "not declared", ""




def audience(decl: Declaration, runner_of, project: str, runner: str, governance: str | None = None,
             deployer: str | None = None) -> Audience:
    """The audience of ``decl``; ``runner_of(product_id)`` is a consuming product's runner principal."""
    ports: dict[str, dict[str, tuple[str, str]]] = {}
    for port in decl.output_ports:
        named = ports.setdefault(f"{port.name} v{port.major}", {})
        for c in port.consumers:
            if c.principal:
                named[c.principal] = ("consumer", c.purpose or "")
            else:
                named[runner_of(c.data_product)] = (f"runner of {c.data_product}", c.purpose or "")
        for f in port.row_filters:
            for grantee in f.grantees:
                named.setdefault(grantee, ("row filter grantee", ""))
    return Audience(project, runner, decl.team.owner, ports, governance, deployer)


def deployer_principal(deployer: str | None) -> str:
    """The deploying identity as the datasets' initial entry names it (unset: the credentials' e-mail)."""
    return deployer or f"user:{DEPLOYER}"


def runner_lookup(mesh, platform: PlatformSettings, environment: str):
    """``product_id -> runner principal`` over the mesh's declarations."""
    def runner_of(product_id: str) -> str:
        source = mesh.sources.get(product_id)
        if source is None:
            return f"dataProduct:{product_id}"
        return addresses.runner_principal(source.product, platform, environment)
    return runner_of
