"""Serving the facades: what ``pulumi.provider.experimental.component_provider_host`` does, with one fix.

The SDK wraps every exception a component's constructor raises in ``ComponentInitError``, so an
``InputPropertiesError`` raised there reaches the engine as an unknown error: no property paths.
``Provider.construct`` unwraps input errors, so the engine shows each bad field (docs/provider.md).
"""

from __future__ import annotations

import pulumi
from pulumi.provider import main
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError

from .. import __version__
from .components import COMPONENTS

NAME = "meshplane"


class Provider(ComponentProvider):
    """The SDK's component provider of the facades; input errors stay input errors."""

    def __init__(self) -> None:
        super().__init__(COMPONENTS, NAME, None, __version__)

    def construct(self, name: str, resource_type: str, inputs: pulumi.Inputs,
                  options: pulumi.ResourceOptions | None = None):
        try:
            return super().construct(name, resource_type, inputs, options)
        except ComponentInitError as exc:
            if isinstance(exc.inner, (pulumi.InputPropertiesError, pulumi.InputPropertyError)):
                raise exc.inner from None
            raise


def serve(args: list[str]) -> None:
    """Serve the provider on a port it prints (the engine's address is ``args[0]``)."""
    main(Provider(), args)
