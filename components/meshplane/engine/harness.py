"""Run a Pulumi program in-process under the mock engine and record every registration.

This is the test harness and the engine of ``meshplane plan``. URNs are formed as the real engine
forms them (the whole parent type chain, without the root stack), and a duplicate URN fails as it
would in ``pulumi up``. The mocks (``mocks.py``) echo inputs and compute the few outputs GCP would;
what GCP does beyond that is the GCP model's (``gcpmodel``).
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.proto import source_pb2

from .mocks import DEPLOYER, GcpMocks, project_number  # noqa: F401 - the harness's default mocks

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class Registration:
    """One resource as the engine would receive it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: dict
    protect: bool
    retain_on_delete: bool
    dependencies: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    provider: str = ""
    delete_before_replace: bool = False
    ignore_changes: tuple[str, ...] = ()
    replace_on_changes: tuple[str, ...] = ()
    replacement_trigger: object = None  # a value whose change makes the engine replace the resource
    outputs: dict = field(default_factory=dict)  # what the mocks answered: inputs and computed outputs


class DuplicateUrnError(RuntimeError):
    """Two resources got the same URN: ``pulumi up`` would refuse the program."""


class _KeepInputs(pulumi.runtime.Mocks):
    """Mocks that hand each resource's inputs, as the monitor deserialized them, back to it.

    The inventory records the very inputs the mocks saw instead of decoding the request again
    (registrations run on executor threads: one slot per thread). Mocks must not mutate them.
    """

    def __init__(self, mocks: pulumi.runtime.Mocks):
        self.wrapped = mocks
        self.seen = threading.local()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.seen.inputs = args.inputs
        resource_id, outputs = self.wrapped.new_resource(args)
        self.seen.outputs = outputs
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        return self.wrapped.call(args)

    def register_transform(self, transform) -> None:
        self.wrapped.register_transform(transform)

    def register_invoke_transform(self, transform) -> None:
        self.wrapped.register_invoke_transform(transform)


class InventoryMonitor(pulumi_mocks.MockMonitor):
    """A mock monitor that keeps the fields ``MockResourceArgs`` drops (parent, options)."""

    def __init__(self, mocks: pulumi.runtime.Mocks):
        self._inputs = _KeepInputs(mocks)
        super().__init__(self._inputs)
        self.registrations: list[Registration] = []
        self._urns: set[str] = set()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        if parent:
            qualified = parent.split("::")[2]
            if qualified != STACK_TYPE:
                type_ = f"{qualified}${type_}"
        return "urn:pulumi:" + "::".join([pulumi.get_stack(), pulumi.get_project(), type_, name])

    def _alias_urn(self, request, alias) -> str:
        """The URN an alias names: as given, or formed from its spec as the engine forms it."""
        if alias.HasField("urn"):
            return alias.urn
        spec = alias.spec
        parent = "" if spec.noParent else (spec.parentUrn or request.parent)
        return self.make_urn(parent, spec.type or request.type, spec.name or request.name)

    def RegisterResource(self, request):  # noqa: N802 - the gRPC method name
        self._inputs.seen.inputs = self._inputs.seen.outputs = None
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            return response
        inputs = self._inputs.seen.inputs
        if inputs is None:  # pragma: no cover - every resource but the stack goes through the mocks
            inputs = rpc.deserialize_properties(request.object)
        if any(isinstance(v, pulumi.asset.StringAsset) for v in inputs.values()):
            inputs = {k: asset_value(v) for k, v in inputs.items()}
        if response.urn in self._urns:
            raise DuplicateUrnError(f"duplicate resource URN {response.urn}")
        self._urns.add(response.urn)
        parent = "" if request.parent.split("::")[2:3] == [STACK_TYPE] else request.parent
        self.registrations.append(Registration(
            urn=response.urn, type=request.type, name=request.name, custom=request.custom,
            parent=parent, inputs=inputs,
            protect=bool(request.protect), retain_on_delete=bool(request.retainOnDelete),
            dependencies=tuple(d for d in request.dependencies if d.split("::")[2:3] != [STACK_TYPE]),
            aliases=tuple(self._alias_urn(request, a) for a in request.aliases) + tuple(request.aliasURNs),
            provider=request.provider, delete_before_replace=request.deleteBeforeReplace,
            ignore_changes=tuple(request.ignoreChanges), replace_on_changes=tuple(request.replaceOnChanges),
            replacement_trigger=(_value(request.replacement_trigger)
                                 if request.HasField("replacement_trigger") else None),
            outputs=self._inputs.seen.outputs or {}))
        return response


ASSET_SIG = "4dabf18193072939515e22adb298388d"  # how the engine marks an asset in its JSON
STRING_ASSET = "c44067f5952c0a294b673a41bacd8c17"


def asset_value(value: object) -> object:
    """A string asset as the engine's JSON shows it (its text and the text's hash); others as they are."""
    if not isinstance(value, pulumi.asset.StringAsset):
        return value
    text = value.text
    return {ASSET_SIG: STRING_ASSET, "hash": hashlib.sha256(text.encode()).hexdigest(), "text": text}


def _value(value: struct_pb2.Value) -> object:
    """A protobuf ``Value`` (e.g. a replacement trigger) as the plain value it carries."""
    return rpc.deserialize_properties(struct_pb2.Struct(fields={"value": value})).get("value")


@dataclass
class Inventory:
    """Every registration of one run, plus the stack outputs it exported."""

    registrations: list[Registration] = field(default_factory=list)
    outputs: dict = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]

    def by_name(self, name: str) -> Registration:
        return next(r for r in self.registrations if r.name == name)


def run_program(program: Callable[[], None], *, project: str = "data-mesh", stack: str = "dev",
                preview: bool = False, config: Mapping[str, object] | None = None,
                mocks: pulumi.runtime.Mocks | None = None) -> Inventory:
    """Run ``program`` under mocks and return its inventory; exceptions in it propagate."""
    monitor = InventoryMonitor(mocks or GcpMocks())
    pulumi_settings.ROOT.set(None)  # a fresh root stack: outputs of an earlier run must not leak
    pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=preview,
                             monitor=monitor)
    pulumi.runtime.set_all_config({k: v if isinstance(v, str) else json.dumps(v)
                                   for k, v in (config or {}).items()})
    exported: dict = {}

    def wrapped() -> pulumi.Output | None:
        program()
        stack_outputs = dict(getattr(pulumi.runtime.get_root_resource(), "outputs", {}) or {})
        if _is_plain(stack_outputs):  # descriptors are plain data: no Output per leaf to await
            exported.update(stack_outputs)
            return None
        return pulumi.Output.from_input(stack_outputs).apply(exported.update)

    try:
        with _mock_engine_only():
            pulumi.runtime.test(wrapped)()
    finally:
        pulumi.runtime.set_all_config({})
        _close_loop()
    return Inventory(monitor.registrations, exported)


@contextmanager
def _mock_engine_only() -> Iterator[None]:
    """Leave out, for one run, what only a real engine or a long-lived process needs.

    * The SDK records the Python stack of every registration (each frame turned into a file URI)
      for the engine's diagnostics; the mock monitor never reads it, and it grows with nesting.
    * The cyclic garbage collector: a run allocates a great many small objects (resources,
      outputs, futures) that stay alive until it ends, and each collection of the older
      generations walks all of them again. It is paused during the run and resumed after it.
    """
    stack_trace = pulumi_resource._get_stack_trace
    pulumi_resource._get_stack_trace = source_pb2.StackTrace
    try:
        with paused_gc():
            yield
    finally:
        pulumi_resource._get_stack_trace = stack_trace


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: what is allocated here lives until the plan ends anyway,
    and every collection of the older generations would walk the whole inventory again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _is_plain(value: object) -> bool:
    """Plain data all the way down: no Output, awaitable or resource to resolve first."""
    if isinstance(value, dict):
        return all(_is_plain(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


def _close_loop() -> None:
    """Close the loop the mock engine leaves behind, so interpreter exit prints nothing."""
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return
    if not loop.is_running() and not loop.is_closed():
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(asyncio.new_event_loop())
