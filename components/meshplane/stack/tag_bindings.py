"""The bindings a stack's products need on the platform's policy tags and masking policies (from declarations)."""

from __future__ import annotations

from ..declaration.model import DataProduct
from ..gcp.shared_grants import Binding
from ..mesh.model import Mesh
from ..mesh.stack_order import built
from ..product.placement import PlacementError, policy_tags_for
from ..settings.stack_config import StackSettings


def stack_tag_bindings(settings: StackSettings, mesh: Mesh) -> set[Binding]:
    """Every binding on the platform's tags and masking policies the stack's products declare."""
    return set().union(*(product_tag_bindings(product, mesh, settings) for product in built(mesh, settings)))


def product_tag_bindings(product: DataProduct, mesh: Mesh, settings: StackSettings) -> set[Binding]:
    """The bindings on the platform's tags and masking policies of one product, as the stack's
    environment builds it (``program.effective``: production adds the readers of other environments)."""
    from ..gcp import roles
    from .data_product import product_tag_grants
    from .program import effective, product_args

    try:
        tags = policy_tags_for(product.policies.location, settings.platform.policy_tags)
    except PlacementError:  # reported by the stack's own validation
        return set()
    grants = product_tag_grants(product_args(effective(product, mesh, settings), mesh, settings), tags)
    return {(tags[g.level].policy_tag, roles.CATEGORY_FINE_GRAINED_READER, g.member) if g.raw
            else (tags[g.level].data_policy, roles.MASKED_READER, g.member) for g in grants}
