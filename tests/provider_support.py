"""The component provider (``provider/``) as the engine sees it, without the Pulumi CLI.

``Plugin`` starts ``python provider/ <engine-address>`` as the engine does, reads the port it prints
and talks to it over gRPC with the SDK's own protos. The engine side is a small gRPC server of ours:
the ``Engine`` service (logs) and the ``ResourceMonitor`` service, whose calls go to the harness's
``InventoryMonitor`` (the SDK's ``MockMonitor`` with the GCP mocks), so a ``Construct`` records every
registration the plugin makes, as ``meshplane plan`` records the Python components' own.

What it cannot prove: that the CLI's language host installs and starts the plugin this way
(``pulumi package add`` is not run here), nor anything GCP does (mocks are not GCP).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
from concurrent import futures
from pathlib import Path

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, errors_pb2, provider_pb2_grpc, resource_pb2
from google.rpc import status_pb2  # googleapis' own: pulumi's copy of the same message clashes with it in one process
from pulumi.runtime.proto import resource_pb2_grpc

from meshplane.engine.harness import STACK_TYPE, Inventory, InventoryMonitor
from meshplane.engine.mocks import GcpMocks

ROOT = Path(__file__).resolve().parents[1]
PROJECT, STACK = "data-mesh", "dev"


def stack_urn(stack: str = STACK) -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{STACK_TYPE}::{PROJECT}-{stack}"


START_SECONDS = 120  # the plugin imports pulumi_gcp and analyzes the components before it prints its port


class WireMonitor(InventoryMonitor):
    """The inventory monitor with the project and stack of the construct requests (this process runs no program)."""

    def __init__(self, mocks, stack: str = STACK):
        super().__init__(mocks)
        self.stack = stack

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        if parent and parent.split("::")[2] != STACK_TYPE:
            type_ = f"{parent.split('::')[2]}${type_}"
        return "urn:pulumi:" + "::".join([self.stack, PROJECT, type_, name])


class MonitorService(resource_pb2_grpc.ResourceMonitorServicer):
    """The ``ResourceMonitor`` gRPC service, answered by the current ``WireMonitor``."""

    def __init__(self):
        self.monitor = WireMonitor(GcpMocks())

    def SupportsFeature(self, request, context):  # noqa: N802 - gRPC method names
        return resource_pb2.SupportsFeatureResponse(hasSupport=self.monitor.SupportsFeature(request).hasSupport)

    def __getattribute__(self, name: str):
        delegated = {"RegisterResource", "RegisterResourceOutputs", "Invoke", "ReadResource", "RegisterPackage",
                     "GetDeploymentInfo", "SignalAndWaitForShutdown", "RegisterStackTransform", "RegisterResourceHook",
                     "RegisterStackInvokeTransform", "RegisterErrorHook", "ExistsResource"}
        if name in delegated:
            return lambda request, context: getattr(object.__getattribute__(self, "monitor"), name)(request)
        return object.__getattribute__(self, name)


class EngineService(engine_pb2_grpc.EngineServicer):
    """The ``Engine`` gRPC service: keeps the logs (warnings of a DomainStack land here)."""

    def __init__(self):
        self.logs: list[tuple[int, str]] = []

    def Log(self, request, context):  # noqa: N802
        self.logs.append((request.severity, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request, context):  # noqa: N802
        return engine_pb2.GetRootResourceResponse(urn=stack_urn())

    def SetRootResource(self, request, context):  # noqa: N802
        return engine_pb2.SetRootResourceResponse()


class ConstructRefused(Exception):
    """A ``Construct`` answered with an error: its gRPC code, message and input errors (path -> reason)."""

    def __init__(self, code: grpc.StatusCode, message: str, errors: dict[str, str]):
        super().__init__(f"{code}: {message} {errors}")
        self.code, self.message, self.errors = code, message, errors


class Plugin:
    """The provider plugin in a subprocess, with a fake engine and monitor to serve its ``Construct`` calls."""

    def __init__(self):
        self.engine, self.monitor = EngineService(), MonitorService()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self.server)
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(self.monitor, self.server)
        self.address = f"127.0.0.1:{self.server.add_insecure_port('127.0.0.1:0')}"
        self.server.start()
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen([sys.executable, str(ROOT / "provider"), self.address],
                                        stdout=subprocess.PIPE, stderr=self.stderr, cwd=ROOT / "provider",
                                        env={**os.environ, "PYTHONPATH": ""})
        self.port = self._port()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.provider = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def _port(self) -> int:
        ready, _, _ = select.select([self.process.stdout], [], [], START_SECONDS)
        line = self.process.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            self.close()
            raise RuntimeError(f"the plugin printed no port ({line!r}); stderr:\n{self.log()}")
        return int(line)

    def log(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def schema(self) -> dict:
        """The package schema, as ``GetSchema`` answers it."""
        return json.loads(self.provider.GetSchema(proto.GetSchemaRequest(version=0)).schema)

    def construct(self, type_: str, name: str, inputs: dict, *, stack: str = STACK,
                  dry_run: bool = False) -> tuple[dict, Inventory]:
        """(the component's outputs, every registration) of one ``Construct``; ``ConstructRefused`` on errors.

        ``inputs`` go through a protobuf ``Struct`` as the engine sends them: every number a float."""
        self.monitor.monitor = WireMonitor(GcpMocks(), stack)
        request = proto.ConstructRequest(
            project=PROJECT, stack=stack, organization="organization", dryRun=dry_run, parallel=4,
            monitorEndpoint=self.address, type=type_, name=name, parent=stack_urn(stack), inputs=_struct(inputs))
        try:
            response = self.provider.Construct(request, timeout=120)
        except grpc.RpcError as exc:
            raise ConstructRefused(exc.code(), exc.details(), input_errors(exc)) from None
        outputs = json.loads(json.dumps(_plain(response.state)))
        return outputs, Inventory(self.monitor.monitor.registrations)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.server.stop(grace=None)


def _struct(values: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _plain(struct: struct_pb2.Struct) -> dict:
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(struct)


def input_errors(exc: grpc.RpcError) -> dict[str, str]:
    """The ``InputPropertiesError`` details of a refused call: property path -> reason."""
    details = dict(exc.trailing_metadata() or ()).get("grpc-status-details-bin")
    if not details:
        return {}
    status = status_pb2.Status.FromString(details)
    out = {}
    for packed in status.details:
        errors = errors_pb2.InputPropertiesError()
        if packed.Unpack(errors):
            out.update({e.property_path: e.reason for e in errors.errors})
    return out
