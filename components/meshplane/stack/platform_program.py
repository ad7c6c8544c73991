"""The platform stack's program (``meshplane:role: platform``): the shared grants, owned once.

It reads every domain stack of the stacks directory, in every environment (dev and prod share the
platform's taxonomy), and holds, in one ``SharedGrants``, the union of the bindings on the platform's
policy tags and masking policies that the stacks with ``sharedGrants: platform`` declare
(``plan.shared_grants.stack_tag_bindings``). A stack it cannot read stops it: holding less than the
union would revoke that stack's grants. It deploys after the domain stacks (``meshplane order``):
its members are their runners, and IAM refuses a member that does not exist.
"""

from __future__ import annotations

from pathlib import Path

from ..gcp.shared_grants import Binding, SharedGrants, SharedGrantsArgs


class PlatformStackError(Exception):
    """A domain stack cannot be read: the platform stack does not know the union it must hold."""


def owned_bindings(stacks_dir: str | Path) -> dict[str, set[Binding]]:
    """Each domain stack with ``sharedGrants: platform`` -> its bindings on the shared tags."""
    from ..declaration.files import UsageError
    from ..declaration.problems import DeclarationError
    from .stacks import read_stacks
    from .tag_bindings import stack_tag_bindings

    try:
        stacks, _ = read_stacks(stacks_dir, strict=True)
    except (DeclarationError, UsageError) as exc:
        raise PlatformStackError(f"a domain stack cannot be read, so the shared grants are unknown:\n{exc}") from None
    return {name: stack_tag_bindings(settings, mesh) for name, (settings, mesh) in sorted(stacks.items())
            if settings.platform.shared_grants == "platform"}


def platform_main(stacks_dir: str | Path) -> SharedGrants:
    """Build the platform stack: one ``SharedGrants`` holding every owned binding once."""
    import pulumi

    owned = owned_bindings(stacks_dir)
    grants = SharedGrants("shared-grants", SharedGrantsArgs(bindings=set().union(*owned.values())))
    pulumi.export("sharedGrants", {stack: len(held) for stack, held in owned.items()})
    return grants
