"""The order domain stacks deploy in, computed from the mesh: consumers before their producers.

A producer grants each consuming product's runner, and IAM refuses a member that does not exist,
so the stack that creates a consumer's runner deploys before the stack that grants it (``gcp-
behaviour.md`` §2). Within one stack the program orders products itself; across stacks this module
does, per environment. A cycle between domain stacks has no such order and is refused, naming it;
a consumer whose domain has no stack in the environment is reported: its runner never exists there.
Pure functions over the stacks' settings and the mesh each stack sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..product import addresses
from ..declaration.model import DataProduct
from ..declaration.types import Status
from ..settings.environments import domain_deployed
from .model import Mesh
from ..settings.stack_config import StackSettings


def is_built(product: DataProduct, settings: StackSettings) -> bool:
    """Proposed products are ideas; drafts deploy to non-production stacks only; a product whose domain has
    no stack in the environment (the platform's ``environments.<env>.domains``) is built nowhere there."""
    if product.status == Status.PROPOSED or not domain_deployed(settings.platform, settings.environment,
                                                                product.domain):
        return False
    return product.status != Status.DRAFT or not settings.is_production


@dataclass(frozen=True, order=True)
class Unreachable:
    """A consumer a producer's stack would grant, whose runner no stack of the environment creates."""

    stack: str
    producer: str
    consumer: str
    principal: str


@dataclass
class StackOrder:
    """The stacks of one environment in deploy order, what each waits for, and what stops the order."""

    environment: str
    order: list[str] = field(default_factory=list)
    after: dict[str, list[str]] = field(default_factory=dict)  # stack -> stacks that deploy before it
    cycle: list[str] = field(default_factory=list)  # domain stacks that grant each other's runners
    unreachable: list[Unreachable] = field(default_factory=list)
    runners: dict[str, dict[str, str]] = field(default_factory=dict)  # stack -> runner principal -> product
    unread: list[str] = field(default_factory=list)  # stacks left out: their config or declarations have problems
    bindings: dict[str, set] = field(default_factory=dict)  # stack -> its (resource, role, member) on shared tags

    @property
    def ok(self) -> bool:
        return not self.cycle and not self.unreachable

    def created_before(self, stack: str) -> set[str]:
        """The runner principals that exist when ``stack`` deploys (created by stacks earlier in order)."""
        earlier = self.order[:self.order.index(stack)] if stack in self.order else self.after.get(stack, [])
        return {p for s in earlier for p in self.runners.get(s, {})}

    def created_by_others(self, stack: str) -> dict[str, str]:
        """Runner principal -> the other stack of the environment that creates it."""
        return {p: s for s, runners in self.runners.items() if s != stack for p in runners}


def stack_order(stacks: Mapping[str, tuple[StackSettings, Mesh]], environment: str) -> StackOrder:
    """The deploy order of the ``environment``'s stacks (name -> settings and the mesh it sees)."""
    own = {name: entry for name, entry in sorted(stacks.items()) if entry[0].environment == environment}
    result = StackOrder(environment)
    by_domain = {settings.domain: name for name, (settings, _) in own.items()}
    for name, (settings, mesh) in own.items():
        result.runners[name] = {addresses.runner_principal(p, settings.platform, environment): p.id
                                for p in built(mesh, settings)}
    needs: dict[str, set[str]] = {name: set() for name in own}
    for name, (settings, mesh) in own.items():
        for producer, consumer in grants_to_products(mesh, settings):
            other = by_domain.get(consumer.domain)
            if other is None:
                principal = addresses.runner_principal(consumer, settings.platform, environment)
                result.unreachable.append(Unreachable(name, producer.id, consumer.id, principal))
            elif other != name:
                needs[name].add(other)
    result.after = {name: sorted(before) for name, before in needs.items()}
    result.order, result.cycle = dependency_order(needs)
    result.unreachable.sort()
    return result


def built(mesh: Mesh, settings: StackSettings) -> list[DataProduct]:
    """The products the stack builds: its domain's, minus proposed ones (and drafts in production)."""
    return [p for p in mesh.products if p.domain == settings.domain and is_built(p, settings)]


def grants_to_products(mesh: Mesh, settings: StackSettings) -> Iterable[tuple[DataProduct, DataProduct]]:
    """(producer, consumer) for every consuming product a stack's products grant (retired ones grant none)."""
    for producer in built(mesh, settings):
        if producer.status == Status.RETIRED:
            continue
        for port in producer.output_ports:
            for consumer in port.consumers:
                if consumer.data_product and consumer.data_product in mesh.sources:
                    product = mesh.sources[consumer.data_product].product
                    if is_built(product, settings):
                        yield producer, product


def dependency_order(needs: Mapping[str, set[str]]) -> tuple[list[str], list[str]]:
    """Each name after the names it needs: Kahn's order (alphabetical among the ready ones) and, if it
    stops, one cycle it stops at. Stacks in deploy order; products in a stack in build order."""
    order: list[str] = []
    waiting = {name: set(before) for name, before in needs.items()}
    while waiting:
        ready = sorted(name for name, before in waiting.items() if not before)
        if not ready:
            return order, _cycle(waiting)
        order += ready
        waiting = {name: before - set(ready) for name, before in waiting.items() if name not in ready}
    return order, []


def _cycle(waiting: dict[str, set[str]]) -> list[str]:
    """A cycle among names that all wait for another: walk first dependencies until one repeats."""
    path, at = [], min(waiting)
    while at not in path:
        path.append(at)
        at = min(waiting[at])
    return path[path.index(at):] + [at]
